"""Sampling a box of parameters and searching it adversarially for the worst point.

A check over a region needs more than a few easy points:

- `exact_points`: the corners, edge midpoints, face centres and centre of the box with its
  exact rational bounds (a strict inequality failing exactly at a corner is caught there);
- `latin_hypercube`: a stratified interior sample;
- `search_worst`: the margins (positive = the claim holds) are evaluated on those points,
  then minimised by differential evolution (SciPy) over the whole box and by Nelder-Mead
  from the worst points found, every trial clipped to the box. Searches run on a
  *normalised* margin: each margin m with the size z of its two sides (``|lhs| + |rhs|``)
  becomes $m / (z + s)$, s a thousandth of the median size over the first samples. The sign
  is kept; a margin that vanishes identically on a set (a face b = 0 of a map fixing b = 0)
  no longer looks like the worst place, and one whose sides are both large is not favoured
  over a small violation elsewhere. The budget grows with the dimension k: `per_dim`
  Latin-hypercube points per dimension, a population of ``10 k`` and ``20 + 10 k``
  generations.

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


def search_worst(margins, bounds, quick=False, seed=0, points=None, per_dim=64,
                 relative=None):
    """Minimise the normalised margin over the box (module docstring). ``margins(point)``
    returns a list of (margin, size) pairs, one per condition, or None outside the claim's
    domain (not a violation). `points` replaces the Latin-hypercube sample (e.g. points kept
    inside a thin region). With ``relative(point) -> sigma > 0`` (how deep the point lies in
    a region) a second search minimises ``min margin / sigma``: a target margin that
    vanishes on the region's own boundary (b'' = 0 on b = 0) then becomes a smooth bowl
    whose bottom is the violation."""
    from scipy.optimize import differential_evolution, minimize

    lo = np.array([float(v[0]) for v in bounds])
    hi = np.array([float(v[1]) for v in bounds])
    k = len(bounds)
    width = np.where(hi > lo, hi - lo, 1.0)
    n_lhs, pop, gens, restarts = search_budget(k, quick, per_dim)
    count = [0]
    best = [None, math.inf, "sampling"]
    floor, deep = [], [1e-300]

    def normal(pairs):
        floor.extend([1e-300] * (len(pairs) - len(floor)))
        return min(_finite(m) / (float(z) + s) if math.isfinite(_finite(m)) else _finite(m)
                   for (m, z), s in zip(pairs, floor))

    def f(p, how="sampling", rel=False):
        count[0] += 1
        q = np.clip(p, lo, hi)
        pairs = margins(q)
        if pairs is None:
            return math.inf
        v = normal(pairs)
        if v < best[1] and (v < 0 or not rel):
            best[:] = [q.copy(), v, how]
        if rel:
            return min(_finite(m) for m, _ in pairs) / (float(relative(q)) + deep[0])
        return v

    grid = [np.array([float(v) for v in p]) for p in exact_points(
        [(Fraction(str(a)), Fraction(str(b))) for a, b in zip(lo, hi)])]
    pts = list(grid) + list(latin_hypercube(bounds, n_lhs, seed) if points is None
                            else np.asarray(points, dtype=float))
    sizes = [margins(np.clip(p, lo, hi)) for p in pts[:64]]  # fix the scale s of each
    count[0] += len(sizes)                                    # condition (docstring)
    sizes = [pairs for pairs in sizes if pairs is not None]
    n_cond = len(sizes[0]) if sizes else 1
    for i in range(n_cond):
        z = [float(pairs[i][1]) for pairs in sizes if math.isfinite(float(pairs[i][1]))]
        floor.append(1e-3 * float(np.median(z)) if z and np.median(z) > 0 else 1e-300)
    if relative is not None:
        sig = [float(relative(np.clip(p, lo, hi))) for p in pts[:64]]
        sig = [v for v in sig if math.isfinite(v) and v > 0]
        deep[0] = 1e-3 * float(np.median(sig)) if sig else 1e-300
    values = np.array([f(p) for p in pts])
    sampled, violations = len(pts), int(np.sum(values < 0))
    starts = []
    for rel in ([False, True] if relative is not None else [False]):
        tag = " on the relative margin" if rel else ""
        unit = lambda q: f(lo + np.clip(q, 0, 1) * width,  # noqa: E731
                           "differential evolution" + tag, rel)
        de = differential_evolution(unit, [(0, 1)] * k, popsize=pop, maxiter=gens, seed=seed,
                                    tol=0, polish=False, init="latinhypercube")
        order = list(np.argsort(values)[:restarts]) + [None]
        for i in order:
            q0 = (pts[i] - lo) / width if i is not None else np.clip(de.x, 0, 1)
            if i is not None and not math.isfinite(values[i]):
                continue
            res = minimize(lambda q: f(lo + np.clip(q, 0, 1) * width, "Nelder-Mead" + tag,
                                       rel), q0, method="Nelder-Mead",
                           options={"maxiter": 100 * k + 100, "xatol": 1e-13, "fatol": 1e-30,
                                    "initial_simplex": _simplex(q0)})
            starts.append({"from": (lo + q0 * width).tolist(), "margin": float(res.fun),
                           "objective": "relative" if rel else "normalised"})
    point = best[0] if best[0] is not None else (lo + hi) / 2
    return Search(point, best[1], count[0], sampled, violations, best[2], starts)


def _finite(v):
    v = float(v)
    return v if not math.isnan(v) else math.inf


def _simplex(q0, size=0.05):
    k = len(q0)
    simplex = [q0]
    for i in range(k):
        q = q0.copy()
        q[i] = q[i] + size if q[i] + size <= 1 else q[i] - size
        simplex.append(q)
    return np.array(simplex)


def to_exact(point):
    """Float coordinates as exact Fractions (every float is a binary rational)."""
    return [Fraction(float(v)) for v in point]


def to_mp(value):
    """A float (exact binary rational) as an mpf at the current precision, no rounding."""
    return mpmath.mpf(float(value))
