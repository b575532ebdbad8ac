"""The paper's numerical experiments as pure functions returning numbers and arrays.

- `concentration_map` (Figures 2b, 5b, 6): limit sharpness over a grid of starts at one
  step size; the starts ending in the band $(2/\\eta - w, 2/\\eta)$, their largest connected
  region, and the statistics of starts initially sharper than $2/\\eta$ (under an update
  rule passed to `run_sweep`: its own threshold instead of $2/\\eta$).
- `adaptivity_runs` (Figures 2a, 5a): one start, several step sizes: loss, sharpness and
  the trajectory; the final gap $2/\\eta - S$ per step size.
- `basin_boundary` (Figure 7a, C25): converge/diverge labels on a box, box-counting
  dimension with interval, half-resolution check and the uncertainty exponent.
- `ab_trajectory` (Figure 7b/7c): a float64 run recorded in (a, b).

Plotting lives in `figures`; verdicts in `figure_checks`.
"""
import numpy as np
import sympy as sp

from ..numeric.backends import precision_scope
from ..numeric.kernels import kernels_for
from ..symbolic.parser import parse_number
from ..symbolic.reparam import reparameterise
from ..symbolic.symbols import kappa
from .basins import box_counting_dimension, resolution_check, uncertainty_exponent
from .sweep import grid_starts, limit_sharpness, run_sweep
from .sweep_kernel import numpy_iterate


def largest_region(mask):
    """Size (cells) of the largest 4-connected region of True cells, by label propagation."""
    mask = np.asarray(mask, bool)
    if not mask.any():
        return 0
    big = mask.size + 1
    lab = np.where(mask, np.arange(mask.size).reshape(mask.shape), big)
    while True:
        new = lab.copy()
        new[1:, :] = np.minimum(new[1:, :], lab[:-1, :])
        new[:-1, :] = np.minimum(new[:-1, :], lab[1:, :])
        new[:, 1:] = np.minimum(new[:, 1:], lab[:, :-1])
        new[:, :-1] = np.minimum(new[:, :-1], lab[:, 1:])
        new = np.where(mask, new, big)
        # pointer jumping: follow each label to its own label (fast for long regions)
        flat = new.ravel()
        inside = flat < big
        flat[inside] = np.minimum(flat[inside], flat[flat[inside]])
        if np.array_equal(new, lab):
            break
        lab = new
    return int(np.bincount(lab[mask]).max())


def concentration_map(model, eta_value, ranges, steps, band=0.1, fixed=None, **sweep_opts):
    """Sweep a grid of starts at `eta_value`; returns a dict of numbers and images."""
    starts, shape = grid_starts(model, ranges, fixed)
    res = run_sweep(model, starts, [eta_value], steps, shape=shape, **sweep_opts)
    conv = res.status == 1
    top = float(res.threshold[0]) if res.threshold is not None else 2 / eta_value
    with np.errstate(invalid="ignore"):
        conc = conv & (res.gap > 0) & (res.gap < band)
        initial = limit_sharpness(model, starts, eta_value)
    sharp_conv = conv & (initial > top)
    region = largest_region(conc.reshape(shape)) if len(shape) == 2 else int(conc.sum())
    gaps = res.gap[sharp_conv]
    corr = None
    if sharp_conv.sum() > 10:
        ra = np.argsort(np.argsort(initial[sharp_conv]))
        rb = np.argsort(np.argsort(gaps))
        corr = float(np.corrcoef(ra, rb)[0, 1])
    return {
        "model": model.name, "eta": float(eta_value), "steps": int(steps), "band": band,
        "threshold": top,
        "grid": {k: list(v) for k, v in ranges.items()}, "points": int(len(starts)),
        "converged": float(conv.mean()), "diverged": float(np.mean(res.status == 2)),
        "undecided": float(np.mean(res.status == 0)),
        "concentrated": float(conc.mean()),
        "concentrated_of_converged": float(conc.sum() / max(conv.sum(), 1)),
        "largest_region_fraction": region / len(starts),
        "sharp_start_converged": int(sharp_conv.sum()),
        "concentrated_of_sharp": float(conc[sharp_conv].mean()) if sharp_conv.any() else None,
        "median_gap_of_sharp": float(np.median(gaps)) if len(gaps) else None,
        "rank_correlation_initial_sharpness_gap": corr,
        "images": {"sharpness": res.image(res.sharpness), "status": res.image(res.status),
                   "concentrated": res.image(conc)},
        "extent": [ranges[k][i] for k in list(ranges)[:2] for i in (0, 1)],
        "axes": list(ranges)[:2],
    }


def float_trajectory(model, etas, start, steps, every=1):
    """Float64 runs from one `start` at each step size (vectorised over step sizes).

    Returns (states (records, coords, runs), step indices)."""
    etas = np.asarray(etas, float)
    V = np.tile(np.asarray(start, float)[:, None], (1, len(etas)))
    rec, idx = [V.copy()], [0]
    with np.errstate(all="ignore"):
        for t in range(every, steps + 1, every):
            numpy_iterate(model, V, etas, every)
            rec.append(V.copy())
            idx.append(t)
    return np.array(rec), np.array(idx)


def observables(model, eta_value, states):
    """Loss and sharpness at `states` (n, coords) (float64)."""
    k = kernels_for(model, "xy")
    cols = [states[:, i] for i in range(states.shape[1])]
    with precision_scope("float", 16), np.errstate(all="ignore"):
        obs, _ = k.observables.bind("float", [float(eta_value)])
        loss = np.asarray(obs(*cols)[k.observable_names.index("loss")], float)
        sharp = limit_sharpness(model, states, eta_value)
    return loss * np.ones(len(states)), sharp


def adaptivity_runs(model, etas, start, steps, every=1):
    """One start, several step sizes: trajectories, loss, sharpness and final gaps."""
    etas = [float(sp.Rational(e)) if isinstance(e, str) else float(e) for e in etas]
    states, idx = float_trajectory(model, etas, start, steps, every)
    runs = []
    for i, e in enumerate(etas):
        traj = states[:, :, i]
        loss, sharp = observables(model, e, traj)
        final = traj[-1]
        finite = bool(np.all(np.isfinite(final)))
        runs.append({"eta": e, "two_over_eta": 2 / e, "trajectory": traj, "loss": loss,
                     "sharpness": sharp, "steps": idx,
                     "final": final.tolist(), "final_loss": float(loss[-1]),
                     "final_sharpness": float(sharp[-1]) if finite else None,
                     "gap": float(2 / e - sharp[-1]) if finite else None,
                     "converged": finite and float(loss[-1]) < 1e-20})
    return runs


def basin_boundary(model, eta_value, box, n, steps, epsilons, samples, **sweep_opts):
    """Converge/diverge labels on `box` at resolution n x n and the boundary dimension by
    box counting (with half-resolution check) and by the uncertainty exponent."""
    (x0, x1), (y0, y1) = box
    names = [str(c) for c in model.coords]
    ranges = {names[0]: (x0, x1, n), names[1]: (y0, y1, n)}
    starts, shape = grid_starts(model, ranges)
    res = run_sweep(model, starts, [eta_value], steps, shape=shape, **sweep_opts)
    labels = (res.status == 1).reshape(shape)
    rc = resolution_check(labels)
    unc = uncertainty_exponent(model, eta_value, box, steps, epsilons, samples)
    return {"model": model.name, "eta": float(eta_value), "box": [list(box[0]), list(box[1])],
            "n": n, "steps": steps, "converged": float(labels.mean()),
            "undecided": float(np.mean(res.status == 0)),
            "box_counting": rc["full"], "half_resolution": rc["half"],
            "resolution_difference": rc["difference"], "uncertainty": unc,
            "labels": labels.T, "extent": [x0, x1, y0, y1]}


def zoom_labels(model, eta_value, box, n, steps):
    """Labels (converged = True) on a box, as an image (rows = second coordinate)."""
    names = [str(c) for c in model.coords]
    (x0, x1), (y0, y1) = box
    starts, shape = grid_starts(model, {names[0]: (x0, x1, n), names[1]: (y0, y1, n)})
    res = run_sweep(model, starts, [eta_value], steps, shape=shape, progress=False)
    labels = (res.status == 1).reshape(shape)
    return labels.T, box_counting_dimension(labels)


def ab_trajectory(model, eta_value, start, steps, every=2):
    """Float64 run from `start` in (x, y), recorded every `every` steps (2 = the two-step
    points of Figure 7c) and mapped to (a, b) = (sqrt(x^2 - y^2) - c_check, x y - 1)."""
    states, idx = float_trajectory(model, [eta_value], start, steps, every)
    xy = states[:, :, 0]
    rp = reparameterise(model)
    c_check = float(rp.c_check.subs(kappa, sp.sqrt(parse_number(eta_value, "eta"))))
    with np.errstate(invalid="ignore"):
        a = np.sqrt(xy[:, 0] ** 2 - xy[:, 1] ** 2) - c_check
    b = xy[:, 0] * xy[:, 1] - 1
    return {"steps": idx, "x": xy[:, 0], "y": xy[:, 1], "a": a, "b": b,
            "c_check": c_check}
