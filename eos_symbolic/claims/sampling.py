"""Sampling a box of parameters and searching it adversarially for the worst point.

A check over a region needs more than a few easy points: `box_samples` gives the corners,
the face centres, the centre and a stratified (Latin hypercube) interior sample;
`search_worst` evaluates a margin function (positive = the claim holds there) on those
points and then minimises it with Nelder-Mead from the worst few, clipped to the box. Every
evaluation is counted, so a verdict can say how hard it looked.
"""
import itertools
import math
from dataclasses import dataclass, field

import mpmath
import numpy as np

#: Nudge inward from a box face: open intervals (a0 > 12 kappa^(5/2)) exclude their ends.
INSET = 1e-9


def box_samples(bounds, n=64, seed=0, inset=INSET):
    """Points of the box `bounds` (list of (lo, hi) floats): corners, face centres, centre,
    then `n` stratified interior points (Latin hypercube). Returns an (N, k) float array.

    Ends are moved inward by `inset` times the width (the regions of the paper are open)."""
    lo = np.array([float(v[0]) for v in bounds])
    hi = np.array([float(v[1]) for v in bounds])
    width = hi - lo
    lo_in, hi_in = lo + inset * width, hi - inset * width
    k = len(bounds)
    pts = [np.where(np.array(c) == 1, hi_in, lo_in) for c in itertools.product((0, 1), repeat=k)]
    mid = (lo + hi) / 2
    for i in range(k):
        for end in (lo_in[i], hi_in[i]):
            p = mid.copy()
            p[i] = end
            pts.append(p)
    pts.append(mid)
    rng = np.random.default_rng(seed)
    if n > 0:
        strata = np.stack([rng.permutation(n) for _ in range(k)], axis=1)
        u = (strata + rng.random((n, k))) / n
        pts.extend(lo_in + u * (hi_in - lo_in))
    return np.array(pts)


@dataclass
class Search:
    """Result of `search_worst`: the worst point found, its margin (negative = violated),
    how many evaluations were spent, and how many sampled points violated."""

    point: np.ndarray
    margin: float
    evaluations: int
    sampled: int
    violations: int
    starts: list = field(default_factory=list)


def search_worst(margin, bounds, n=64, seed=0, restarts=3, maxiter=300, points=None):
    """Minimise `margin(point) -> float` over the box: stratified samples, then Nelder-Mead
    (SciPy) from the `restarts` worst samples, every trial point clipped to the box.

    `margin` may return nan/inf for points outside its domain (treated as +inf, i.e. not a
    violation). Returns a `Search`."""
    from scipy.optimize import minimize

    lo = np.array([float(v[0]) for v in bounds])
    hi = np.array([float(v[1]) for v in bounds])
    pts = box_samples(bounds, n, seed) if points is None else np.asarray(points, dtype=float)
    count = [0]

    def f(p):
        count[0] += 1
        v = margin(np.clip(p, lo, hi))
        v = float(v)
        return v if math.isfinite(v) else math.inf

    values = np.array([f(p) for p in pts])
    order = np.argsort(values)
    best_i = int(order[0])
    best_p, best_v = pts[best_i].copy(), float(values[best_i])
    starts = []
    scale = np.where(hi > lo, hi - lo, 1.0)
    for i in order[:restarts]:
        if not math.isfinite(values[i]):
            continue
        # optimise in unit coordinates so every axis gets a comparable simplex
        g = lambda q: f(lo + np.clip(q, 0, 1) * scale)  # noqa: E731
        q0 = (pts[i] - lo) / scale
        res = minimize(g, q0, method="Nelder-Mead",
                       options={"maxiter": maxiter, "xatol": 1e-12, "fatol": 1e-30,
                                "initial_simplex": _simplex(q0)})
        p = lo + np.clip(res.x, 0, 1) * scale
        starts.append({"from": pts[i].tolist(), "to": p.tolist(), "margin": float(res.fun)})
        if res.fun < best_v:
            best_p, best_v = p, float(res.fun)
    return Search(best_p, best_v, count[0], len(pts), int(np.sum(values < 0)), starts)


def _simplex(q0, size=0.05):
    k = len(q0)
    simplex = [q0]
    for i in range(k):
        q = q0.copy()
        q[i] = q[i] + size if q[i] + size <= 1 else q[i] - size
        simplex.append(q)
    return np.array(simplex)


def to_mp(value):
    """A float (exact binary rational) as an mpf at the current precision, no rounding."""
    return mpmath.mpf(float(value))
