"""Figure 2b's number: which starts end with sharpness in (2/eta - 0.1, 2/eta) at eta = 0.2.

A grid of starts is iterated for the printed number of steps with the float64 xy kernels
(numpy, vectorised over the grid); a start counts when its end point is a minimum (loss
below 1e-20) whose sharpness (largest Hessian eigenvalue) lies in the printed interval. "Form
a region" is read as: the set is non-empty, its largest 4-connected component holds most of
it (`MAJORITY`) and has interior grid points. A sample of grid starts is re-run with the
certified engine and must end with the same sharpness.
"""
from pathlib import Path

import numpy as np
import sympy as sp

from ...dynamics.plots import save_figure
from ...numeric.kernels import kernels_for
from ...numeric.trajectory import run_trajectory
from ...symbolic.models import get_model
from ..verdict import Verdict

MAJORITY = 0.8


def sweep_end_sharpness(model, eta, xs, ys, steps):
    """(converged mask, end sharpness) over the grid xs x ys (float64, vectorised)."""
    k = kernels_for(model, "xy")
    _, run = k.step.bind("float", [eta])
    obs, _ = k.observables.bind("float", [eta])
    X, Y = np.meshgrid(xs, ys)
    with np.errstate(all="ignore"):
        xe, ye = run(X.ravel().copy(), Y.ravel().copy(), steps)
        o = obs(np.asarray(xe, float), np.asarray(ye, float))
    eig = [np.asarray(o[i], float) * np.ones(X.size) for i, n in
           enumerate(k.observable_names) if n.startswith("eig")]
    loss = np.asarray(o[0], float)
    conv = np.isfinite(loss) & (loss < 1e-20)
    return conv.reshape(X.shape), np.max(eig, axis=0).reshape(X.shape)


def check_sharpness_region(claim, ctx):
    """F2b: grid sweep at the printed eta and steps; region structure; certified sample."""
    from scipy import ndimage
    model = get_model(claim.model)
    eta = str(claim.fields.get("eta", "1/5"))
    steps = int(claim.fields.get("steps", 50000))
    lo_t, hi_t = claim.formula("sharpness_interval")
    e = sp.Rational(eta)
    lo, hi = (float(v.subs(sp.Symbol("eta", positive=True), e)) for v in (lo_t, hi_t))
    x_rng, y_rng = claim.fields.get("x_range", [0.5, 4.0]), claim.fields.get("y_range", [0.05, 1.5])
    n = 40 if ctx.quick else int(claim.fields.get("grid", 160))
    xs, ys = np.linspace(*map(float, x_rng), n), np.linspace(*map(float, y_rng), n)
    conv, sharp = sweep_end_sharpness(model, eta, xs, ys, steps)
    S = conv & (sharp > lo) & (sharp < hi)
    lab, count = ndimage.label(S)
    sizes = np.bincount(lab.ravel())[1:]
    big = int(np.argmax(sizes)) + 1 if count else 0
    core = ndimage.binary_erosion(lab == big) if count else np.zeros_like(S)
    rng = np.random.default_rng(0)
    picks = []
    inside_idx, outside_idx = np.argwhere(core), np.argwhere(conv & ~S)
    for pool, k in ((inside_idx, 1 if ctx.quick else 2), (outside_idx, 0 if ctx.quick else 1)):
        for i in rng.choice(len(pool), size=min(k, len(pool)), replace=False):
            picks.append(tuple(pool[i]))
    cross = []
    for (r, c) in picks:
        x0, y0 = repr(float(xs[c])), repr(float(ys[r]))
        tr = run_trajectory(model, eta, {"x": x0, "y": y0}, steps, dps=30)
        cert = tr.to_dict()["final"].get("sharpness")
        cross.append({"start": [x0, y0], "float64_sharpness": float(sharp[r, c]),
                      "certified_sharpness": cert, "certification": tr.certification["label"],
                      "same_side": (lo < float(cert) < hi) == bool(S[r, c]) if cert else None})
    ok = (count > 0 and sizes.max() >= MAJORITY * S.sum() and core.any()
          and all(c["same_side"] for c in cross))
    ev = {"grid": f"{n} x {n}, x in {x_rng}, y in {y_rng}", "eta": eta, "steps": steps,
          "sharpness_interval": [lo, hi], "converged_fraction": round(float(conv.mean()), 4),
          "in_interval": int(S.sum()), "components": int(count),
          "largest_component": int(sizes.max()) if count else 0,
          "largest_component_interior_points": int(core.sum()),
          "cross_check": cross,
          "reading": f"'form a region': non-empty, the largest 4-connected component holds at "
                     f"least {MAJORITY:.0%} of the set and has interior points",
          "key": f"{int(S.sum())} of {n * n} grid starts in the interval; largest component "
                 f"{int(sizes.max()) if count else 0} ({int(core.sum())} interior)",
          "command": f"eos-symbolic check {claim.id}"}
    if ctx.out:
        ev["figure"] = _plot(claim.id, xs, ys, conv, sharp, S, lo, hi, ctx.out)
    method = "float64 grid sweep (numpy), certified re-runs of sampled starts"
    if ok:
        return Verdict("", "verified-numerically", method, ev)
    if not S.any():
        return Verdict("", "refuted", method, ev, {"in_interval": 0})
    return Verdict("", "inconclusive", method, {**ev, "reason": "the set is fragmented or the "
                                                "certified sample disagrees with float64"})


def _plot(claim_id, xs, ys, conv, sharp, S, lo, hi, out):
    from ...dynamics.plots import plt
    Path(out).mkdir(parents=True, exist_ok=True)
    path = Path(out) / f"{claim_id}_sharpness_region.png"
    fig, ax = plt.subplots(figsize=(5, 4))
    m = ax.pcolormesh(xs, ys, np.where(conv, sharp, np.nan), vmin=hi - 5, vmax=hi,
                      shading="auto")
    fig.colorbar(m, ax=ax, label="limit sharpness")
    ax.contour(xs, ys, S.astype(float), [0.5], colors="r", linewidths=0.8)
    ax.set_xlabel("x0")
    ax.set_ylabel("y0")
    ax.set_title(f"{claim_id}: red = limit sharpness in ({lo:g}, {hi:g})", fontsize=9)
    return save_figure(fig, path).name
