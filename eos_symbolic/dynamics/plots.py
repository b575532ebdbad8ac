"""Matplotlib figures for reports (PNG, headless backend), and the checks every saved
figure passes: each panel has axis labels, no two tick labels overlap."""
import warnings
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import sympy as sp  # noqa: E402

from ..symbolic.symbols import C, a, kappa  # noqa: E402


def plot_ode_solutions(solution, kappa_value, path, constants=(-0.02, -0.005, 0.0, 0.05, 0.2)):
    """Curves $b^2 = g(a; C)$ of an ODE family at a fixed kappa (paper Figure 3)."""
    g = sp.lambdify((a, C), solution.subs(kappa, kappa_value), "numpy")
    A = np.linspace(-0.6, 0.6, 1200)
    fig, ax = plt.subplots(figsize=(5, 4))
    for cv in constants:
        b2 = np.asarray(g(A, cv), dtype=float) * np.ones_like(A)
        ok = b2 >= 0
        for sign in (1, -1):
            ax.plot(A[ok], sign * np.sqrt(b2[ok]), lw=1, color=f"C{constants.index(cv)}",
                    label=f"C = {cv}" if sign == 1 else None)
    ax.set_xlabel("a")
    ax.set_ylabel("b")
    ax.set_title(f"b^2 = {sp.sstr(solution)}  (kappa = {kappa_value})", fontsize=7)
    ax.legend(fontsize=7)
    return save_figure(fig, path, dpi=120)


class FigureWarning(UserWarning):
    """A saved figure has a panel without axis labels or overlapping tick labels."""


def _overlaps(boxes):
    return [(i, j) for i in range(len(boxes)) for j in range(i + 1, len(boxes))
            if boxes[i].overlaps(boxes[j])]


def _drawn_tick_labels(axis):
    """The major tick labels matplotlib draws: inside the view interval, visible, not empty."""
    lo, hi = sorted(axis.get_view_interval())
    pad = 1e-9 * (hi - lo)
    return [label for tick in axis.get_major_ticks() for label in (tick.label1, tick.label2)
            if lo - pad <= tick.get_loc() <= hi + pad and label.get_visible()
            and label.get_text()]


def figure_problems(fig):
    """What a reader could not read in `fig` (laid out, not rasterised): panels whose x or
    y axis has tick labels but no label, and pairs of tick labels of one axis whose drawn
    text boxes overlap. An axis whose tick labels are hidden (a shared axis) needs none."""
    fig.draw_without_rendering()
    renderer = fig.canvas.get_renderer()
    problems = []
    for n, ax in enumerate(fig.axes):
        if not ax.get_visible() or not ax.axison:
            continue
        name = ax.get_title() or ax.get_label() or f"panel {n + 1}"
        for axis, which in ((ax.xaxis, "x"), (ax.yaxis, "y")):
            labels = _drawn_tick_labels(axis)
            if labels and not axis.get_label_text().strip():
                problems.append(f"{name}: no {which}-axis label")
            boxes = [t.get_window_extent(renderer) for t in labels]
            for i, j in _overlaps(boxes):
                problems.append(f"{name}: {which} tick labels {labels[i].get_text()!r} and "
                                f"{labels[j].get_text()!r} overlap")
    return problems


def save_figure(fig, path, dpi=110):
    """Lay out, write `path` (creating its folder) and close `fig`; returns the Path. A figure
    with `figure_problems` is still written, with a `FigureWarning` naming them."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.tight_layout()
    problems = figure_problems(fig)
    if problems:
        warnings.warn(f"{path.name}: " + "; ".join(problems), FigureWarning, stacklevel=2)
    fig.savefig(path, dpi=dpi)
    plt.close(fig)
    return path
