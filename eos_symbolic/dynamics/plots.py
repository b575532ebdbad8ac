"""Matplotlib figures for reports (PNG, headless backend)."""
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


def save_figure(fig, path, dpi=110):
    """Lay out, write `path` (creating its folder) and close `fig`; returns the Path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.tight_layout()
    fig.savefig(path, dpi=dpi)
    plt.close(fig)
    return path
