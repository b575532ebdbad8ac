"""Sampling a box of parameters and searching it adversarially for the worst point.

A check over a region needs more than a few easy points:

- `exact_points`: the corners, edge midpoints, face centres and centre of the box with its
  exact rational bounds (a strict inequality failing exactly at a corner is caught there);
- `latin_hypercube`: a stratified interior sample;
- `search_worst`: the margin function (positive = the claim holds) is evaluated on those
  points, then minimised by differential evolution (SciPy) over the whole box and by
  Nelder-Mead from the worst points found, every trial clipped to the box. Searches run on a
  *normalised* margin (e.g. $(r - l)/(|r| + |l|)$ for $l < r$), so a violation next to a set
  where the raw margin vanishes identically (a face b = 0 of a map fixing b = 0) is not hidden
  behind margins that are merely tiny. The budget grows with the dimension k: `per_dim`
  Latin-hypercube points, a population of ``10 k`` and ``20 + 10 k`` generations per
  dimension.

Every evaluation is counted, so a verdict can say how hard it looked.
"""
import itertools
import math
from dataclasses import dataclass, field
from fractions import Fraction

import mpmath
import numpy as np


def exact_points(bounds, full_grid_up_to=4):
    """Exact points of the box `bounds` (list of (lo, hi) Fractions): the 3^k grid of ends
    and midpoints (corners, edge midpoints, face centres, centre) for k <= `full_grid_up_to`,
    else the corners (up to 2^10), face centres and centre."""
    k = len(bounds)
    mids = [(lo + hi) / 2 for lo, hi in bounds]
    if k <= full_grid_up_to:
        levels = [(lo, m, hi) for (lo, hi), m in zip(bounds, mids)]
        return [list(p) for p in itertools.product(*levels)]
    pts = [list(p) for p in itertools.islice(itertools.product(*bounds), 1024)]
    for i, (lo, hi) in enumerate(bounds):
        for end in (lo, hi):
            p = list(mids)
            p[i] = end
            pts.append(p)
    pts.append(list(mids))
    return pts


def latin_hypercube(bounds, n, seed=0):
    """`n` stratified points of the box (an (n, k) float array)."""
    lo = np.array([float(v[0]) for v in bounds])
    hi = np.array([float(v[1]) for v in bounds])
    k = len(bounds)
    rng = np.random.default_rng(seed)
    strata = np.stack([rng.permutation(n) for _ in range(k)], axis=1)
    u = (strata + rng.random((n, k))) / n
    return lo + u * (hi - lo)


def box_samples(bounds, n=64, seed=0, inset=1e-9):
    """Corners, face centres, centre and `n` Latin-hypercube points as a float array, ends
    moved inward by `inset` times the width (for the open regions of the paper's theorems)."""
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
    if n > 0:
        pts.extend(latin_hypercube(list(zip(lo_in, hi_in)), n, seed))
    return np.array(pts)


@dataclass
class Search:
    """Result of `search_worst`: the worst point found, its (normalised) margin (negative =
    violated), how many evaluations were spent, how many sampled points violated, and the
    route that found the worst point."""

    point: np.ndarray
    margin: float
    evaluations: int
    sampled: int
    violations: int
    found_by: str = "sampling"
    starts: list = field(default_factory=list)


def search_budget(k, quick=False, per_dim=64):
    """(Latin-hypercube points, DE population factor, DE generations, Nelder-Mead starts)
    for a k-dimensional box (module docstring)."""
    scale = 1 if quick else 2
    return per_dim * k * scale // 2, 10, (20 + 10 * k) * scale // 2, 2 + scale


def search_worst(margin, bounds, quick=False, seed=0, points=None, per_dim=64):
    """Minimise `margin(point) -> float` over the box (module docstring). `margin` may return
    nan/inf outside its domain (treated as +inf, not a violation). `points` replaces the
    Latin-hypercube sample (e.g. points kept inside a thin region)."""
    from scipy.optimize import differential_evolution, minimize

    lo = np.array([float(v[0]) for v in bounds])
    hi = np.array([float(v[1]) for v in bounds])
    k = len(bounds)
    scale = np.where(hi > lo, hi - lo, 1.0)
    n_lhs, pop, gens, restarts = search_budget(k, quick, per_dim)
    count = [0]
    best = [None, math.inf, "sampling"]

    def f(p, how="sampling"):
        count[0] += 1
        q = np.clip(p, lo, hi)
        v = float(margin(q))
        v = v if math.isfinite(v) else math.inf
        if v < best[1]:
            best[:] = [q.copy(), v, how]
        return v

    grid = [np.array([float(v) for v in p]) for p in exact_points(
        [(Fraction(str(a)), Fraction(str(b))) for a, b in zip(lo, hi)])]
    pts = list(grid) + list(latin_hypercube(bounds, n_lhs, seed) if points is None
                            else np.asarray(points, dtype=float))
    values = np.array([f(p) for p in pts])
    sampled, violations = len(pts), int(np.sum(values < 0))
    unit = lambda q: f(lo + np.clip(q, 0, 1) * scale, "differential evolution")  # noqa: E731
    de = differential_evolution(unit, [(0, 1)] * k, popsize=pop, maxiter=gens, seed=seed,
                                tol=0, polish=False, init="latinhypercube")
    starts = []
    order = list(np.argsort(values)[:restarts]) + [None]
    for i in order:
        q0 = (pts[i] - lo) / scale if i is not None else np.clip(de.x, 0, 1)
        if i is not None and not math.isfinite(values[i]):
            continue
        res = minimize(lambda q: f(lo + np.clip(q, 0, 1) * scale, "Nelder-Mead"), q0,
                       method="Nelder-Mead", options={"maxiter": 100 * k + 100, "xatol": 1e-13,
                                                      "fatol": 1e-30,
                                                      "initial_simplex": _simplex(q0)})
        starts.append({"from": (lo + q0 * scale).tolist(), "margin": float(res.fun)})
    point = best[0] if best[0] is not None else (lo + hi) / 2
    return Search(point, best[1], count[0], sampled, violations, best[2], starts)


def _simplex(q0, size=0.05):
    k = len(q0)
    simplex = [q0]
    for i in range(k):
        q = q0.copy()
        q[i] = q[i] + size if q[i] + size <= 1 else q[i] - size
        simplex.append(q)
    return np.array(simplex)


def normalised(value, lhs, rhs):
    """A margin divided by the size of the two sides, sign kept: ``value / (|lhs| + |rhs|)``
    (the raw value when both sides vanish)."""
    scale = abs(lhs) + abs(rhs)
    return value / scale if scale > 0 else value


def to_exact(point):
    """Float coordinates as exact Fractions (every float is a binary rational)."""
    return [Fraction(float(v)) for v in point]


def to_mp(value):
    """A float (exact binary rational) as an mpf at the current precision, no rounding."""
    return mpmath.mpf(float(value))
