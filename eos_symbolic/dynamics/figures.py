"""The paper's figures (F2, F3, F5, F6, F7) drawn from `experiments` results, PNG and PDF.

Each ``plot_*`` function takes an experiment's result and a path stem and writes
``stem.png`` (and ``stem.pdf`` when `pdf`); `paper_figures.make_figures` regenerates them all.
"""
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.patches import Patch  # noqa: E402
from matplotlib.ticker import MaxNLocator  # noqa: E402

from .plots import save_figure  # noqa: E402


def _save(fig, stem, pdf):
    stem = Path(stem)
    if pdf:  # the PDF first: save_figure closes the figure
        stem.parent.mkdir(parents=True, exist_ok=True)
        fig.tight_layout()
        fig.savefig(stem.with_suffix(".pdf"))
    png = save_figure(fig, stem.with_suffix(".png"), dpi=130)
    return [png] + ([stem.with_suffix(".pdf")] if pdf else [])


def plot_concentration(cm, stem, pdf=False):
    """Limit sharpness over the start grid, band (2/eta - w, 2/eta) outlined (Fig. 2b/5b/6)."""
    eta, band = cm["eta"], cm["band"]
    fig, axes = plt.subplots(1, 2, figsize=(10, 4.2))
    img = np.ma.masked_invalid(cm["images"]["sharpness"])
    im = axes[0].imshow(img, origin="lower", extent=cm["extent"], aspect="auto",
                        cmap="viridis", vmin=0, vmax=2 / eta + 1)
    fig.colorbar(im, ax=axes[0], label="limit sharpness")
    axes[0].set_title(f"{cm['model']}: limit sharpness, eta = {eta:g} (white: not converged)",
                      fontsize=8)
    conc = cm["images"]["concentrated"].astype(float)
    status = cm["images"]["status"]
    show = np.where(status == 2, 0.0, np.where(conc > 0, 2.0, 1.0))
    colours = ["#dddddd", "#4477aa", "#ee3377"]
    axes[1].imshow(show, origin="lower", extent=cm["extent"], aspect="auto",
                   cmap=matplotlib.colors.ListedColormap(colours), vmin=0, vmax=2)
    axes[1].set_title(f"limit sharpness in (2/eta - {band:g}, 2/eta): "
                      f"{cm['concentrated']:.1%} of the grid", fontsize=8)
    key = [f"limit sharpness in (2/eta - {band:g}, 2/eta)", "other converged", "diverged"]
    axes[1].legend(handles=[Patch(color=c, label=t) for c, t in zip(colours[::-1], key)],
                   fontsize=7, loc="upper right", framealpha=0.9)
    for ax in axes:
        ax.set_xlabel(f"{cm['axes'][0]}0 (start)")
        ax.set_ylabel(f"{cm['axes'][1]}0 (start)")
    return _save(fig, stem, pdf)


def plot_adaptivity(runs, model_name, stem, pdf=False):
    """Loss, sharpness (with 2/eta dashed) and the trajectory per step size (Fig. 2a/5a).

    The step axes are logarithmic: the sharpness reaches 2/eta within the first few hundred
    of the thousands of steps run, and a linear axis would show only the flat end."""
    fig, axes = plt.subplots(1, 3, figsize=(13, 3.8))
    for i, r in enumerate(runs):
        c = f"C{i}"
        steps = np.asarray(r["steps"], float)
        after = steps >= 1  # log axis: step 0 is the start
        with np.errstate(divide="ignore"):
            axes[0].loglog(steps[after], np.maximum(np.asarray(r["loss"])[after], 1e-300), c,
                           lw=0.8, label=f"eta = {r['eta']:.4g}")
        axes[1].semilogx(steps[after], np.asarray(r["sharpness"])[after], c, lw=0.8)
        axes[1].axhline(r["two_over_eta"], color=c, ls="--", lw=0.8)
        tr = r["trajectory"]
        axes[2].plot(tr[::2, 0], tr[::2, 1], ".", color=c, ms=1.5)
        axes[2].plot(tr[1::2, 0], tr[1::2, 1], ".", color=c, ms=1.5, alpha=0.4)
    u = np.linspace(0.2, 5, 400)
    axes[2].plot(u, 1 / u, "k", lw=0.5)
    tr = np.concatenate([r["trajectory"] for r in runs])
    ok = np.all(np.isfinite(tr), axis=1)
    axes[2].set_xlim(tr[ok, 0].min() - 0.2, tr[ok, 0].max() + 0.2)
    axes[2].set_ylim(tr[ok, 1].min() - 0.1, tr[ok, 1].max() + 0.1)
    axes[0].set_title(f"{model_name}: loss", fontsize=9)
    axes[1].set_title("sharpness (dashed: 2/eta)", fontsize=9)
    axes[2].set_title("trajectory (even steps dark, odd light); x y = 1", fontsize=9)
    axes[0].legend(fontsize=7)
    for ax in axes[:2]:
        ax.set_xlabel("step t (log scale)")
    axes[0].set_ylabel("loss L(x_t, y_t)")
    axes[1].set_ylabel("sharpness (top Hessian eigenvalue)")
    axes[2].set_xlabel("x")
    axes[2].set_ylabel("y")
    return _save(fig, stem, pdf)


def plot_basin(bb, zooms, stem, pdf=False):
    """Converge (dark) / diverge labels on the Figure 7a box and zooms, with dimensions."""
    colours = ["#f2f2f2", "#1f3b73"]  # label 0: diverged or undecided, 1: converged
    fig, axes = plt.subplots(1, 1 + len(zooms), figsize=(4.2 * (1 + len(zooms)), 4))
    axes = np.atleast_1d(axes)
    bc = bb["box_counting"]
    panels = [(bb["labels"], bb["extent"],
               f"eta = {bb['eta']:g}: box-counting D = {bc['dimension']:.3f} "
               f"[{bc['interval'][0]:.3f}, {bc['interval'][1]:.3f}]")]
    for (lab, box, dim) in zooms:
        d = dim["dimension"]
        panels.append((lab, [box[0][0], box[0][1], box[1][0], box[1][1]],
                       f"zoom: D = {d:.3f}" if d is not None else "zoom"))
    for ax, (lab, ext, title) in zip(axes, panels):
        ax.imshow(np.asarray(lab, float), origin="lower", extent=ext, aspect="auto",
                  cmap=matplotlib.colors.ListedColormap(colours), vmin=0, vmax=1)
        ax.set_title(title, fontsize=8)
        ax.set_xlabel("x0 (start)")
        ax.set_ylabel("y0 (start)")
    for lab_box in zooms:
        (x0, x1), (y0, y1) = lab_box[1]
        axes[0].add_patch(plt.Rectangle((x0, y0), x1 - x0, y1 - y0, fill=False, ec="r"))
    key = [Patch(color=colours[1], label="converges"),
           Patch(facecolor=colours[0], edgecolor="#999999", label="diverges or undecided")]
    if zooms:
        key.append(Patch(fill=False, edgecolor="r", label="zoomed boxes"))
    axes[0].legend(handles=key, fontsize=7, loc="upper left", framealpha=0.9)
    return _save(fig, stem, pdf)


def plot_box_counts(bb, stem, pdf=False):
    """log N(s) against log(1/s) and the uncertainty fraction f(eps) (C25 evidence)."""
    fig, axes = plt.subplots(1, 2, figsize=(9, 3.6))
    for key, mk in (("box_counting", "o-"), ("half_resolution", "s--")):
        bc = bb[key]
        s = np.array(bc["sizes"], float)
        c = np.array(bc["counts"], float)
        ok = c > 0
        axes[0].loglog(1 / s[ok], c[ok], mk, label=f"{key}: D = {bc['dimension']:.3f}")
    axes[0].set_xlabel("1 / box size s (1/pixels)")
    axes[0].set_ylabel("boxes meeting the boundary N(s)")
    axes[0].legend(fontsize=7)
    u = bb["uncertainty"]
    f = np.array(u["fractions"])
    e = np.array(u["epsilons"])
    ok = f > 0
    axes[1].loglog(e[ok], f[ok], "o-",
                   label=f"alpha = {u['alpha']:.3f}, D = 2 - alpha = {u['dimension']:.3f}"
                   if u.get("alpha") is not None else "too few uncertain starts")
    axes[1].set_xlabel("perturbation epsilon of the start")
    axes[1].set_ylabel("uncertain fraction")
    axes[1].legend(fontsize=7)
    return _save(fig, stem, pdf)


def plot_trajectory_7b(tr, stem, pdf=False):
    """Figure 7b: x and y of the run from (12.5, 0.05) at eta = 0.01."""
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.6))
    axes[0].plot(tr["steps"], tr["x"], lw=0.6, label="x")
    axes[0].plot(tr["steps"], tr["y"] * 100, lw=0.6, label="100 y")
    axes[0].xaxis.set_major_locator(MaxNLocator(5))  # six-digit step numbers
    axes[0].set_xlabel("step t")
    axes[0].set_ylabel("x_t and 100 y_t")
    axes[0].legend(fontsize=7)
    axes[1].plot(tr["x"], tr["y"], ".", ms=1)
    axes[1].set_xlabel("x")
    axes[1].set_ylabel("y")
    axes[1].set_title("two-step points", fontsize=8)
    return _save(fig, stem, pdf)


def plot_bifurcation_7c(tr, diagram, kappa_value, stem, pdf=False):
    """Figure 7c: the two-step (a, b) trajectory beside the orbit diagram of eq. 13."""
    fig, axes = plt.subplots(1, 2, figsize=(10, 4), sharey=True)
    axes[0].plot(tr["a"], tr["b"], ".", ms=0.8)
    axes[0].set_title(f"two-step GD trajectory in (a, b), kappa = {kappa_value:g}", fontsize=8)
    P, U = diagram
    axes[1].plot(P, U, ",", color="k", alpha=0.5)
    axes[1].set_title("orbit diagram of b'' = b (1 + 8 a kappa - 16 b^2)", fontsize=8)
    for ax in axes:
        ax.set_xlabel("a")
        ax.axvline(1 / (8 * kappa_value), color="r", lw=0.5, ls="--")
    axes[0].set_ylabel("b")
    lo = min(np.nanmin(tr["a"]), P.min())
    hi = max(np.nanmax(tr["a"]), P.max())
    for ax in axes:
        ax.set_xlim(lo, hi)
    return _save(fig, stem, pdf)


def plot_cascade(diagram, lyap, doublings, stem, pdf=False):
    """Balanced-line orbit diagram with the Newton-located doublings, and the Lyapunov
    exponent."""
    fig, axes = plt.subplots(2, 1, figsize=(8, 6), sharex=True)
    P, U = diagram
    axes[0].plot(P, U, ",", color="k", alpha=0.4)
    for d in doublings:
        axes[0].axvline(float(d["param"]), color="r", lw=0.5)
    axes[0].set_ylabel("u = x = y (orbit points)")
    axes[0].set_title("balanced line: period doublings (red, Newton)", fontsize=9)
    axes[1].plot(lyap[0], lyap[1], lw=0.6)
    axes[1].axhline(0, color="k", lw=0.5)
    axes[1].set_ylabel("Lyapunov exponent (per step)")
    axes[1].set_xlabel("step size eta")
    return _save(fig, stem, pdf)


def plot_rule_concentration(cm, stem, pdf=False):
    """The F2b experiment under an optimizer: limit sharpness over the grid, the starts
    ending in (threshold - w, threshold), and the histogram of S / threshold."""
    top, band = cm["threshold"], cm["band"]
    fig, axes = plt.subplots(1, 3, figsize=(14, 4.2))
    img = np.ma.masked_invalid(cm["images"]["sharpness"])
    im = axes[0].imshow(img, origin="lower", extent=cm["extent"], aspect="auto",
                        cmap="viridis", vmin=0, vmax=top + 1)
    fig.colorbar(im, ax=axes[0], label="limit sharpness")
    axes[0].set_title(f"{cm['model']}, {cm['rule']}, eta = {cm['eta']:g}\nlimit sharpness "
                      f"(threshold {top:.4g}; white: not converged)", fontsize=8)
    conc = cm["images"]["concentrated"].astype(float)
    show = np.where(cm["images"]["status"] == 2, 0.0, np.where(conc > 0, 2.0, 1.0))
    axes[1].imshow(show, origin="lower", extent=cm["extent"], aspect="auto",
                   cmap=matplotlib.colors.ListedColormap(["#dddddd", "#4477aa", "#ee3377"]),
                   vmin=0, vmax=2)
    axes[1].set_title(f"red: limit sharpness in (threshold - {band:g}, threshold) "
                      f"[{cm['concentrated']:.2%} of grid]\nblue: other converged; grey: "
                      "diverged", fontsize=8)
    for ax in axes[:2]:
        ax.set_xlabel(cm["axes"][0])
        ax.set_ylabel(cm["axes"][1])
    S = cm["images"]["sharpness"]
    ratio = (S / top)[np.isfinite(S)]
    axes[2].hist(ratio, bins=100, range=(0, 1.05), color="#4477aa")
    axes[2].axvline(1.0, color="r", lw=0.8, ls="--")
    axes[2].set_xlabel("limit sharpness / threshold (converged starts)")
    axes[2].set_ylabel("starts")
    median = cm["ratio_quantiles"][0.5]
    axes[2].set_title((f"median {median:.3f}" if median is not None else "no start converged")
                      + f"; within 1% of the threshold: {cm['within_1_percent']:.2%} of "
                      "converged", fontsize=8)
    return _save(fig, stem, pdf)
