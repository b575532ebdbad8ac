"""Basins of convergence and the dimension of their boundary (paper C25, Figure 7a).

Two independent estimates of the boundary's dimension $D$:

- box counting on a label image: $N(s)$, the number of $s \\times s$ pixel boxes holding
  a boundary pixel, scales as $s^{-D}$; $D$ is the least-squares slope of $\\log N$ against
  $\\log(1/s)$ with a 95% interval from the slope's standard error (Student t). A smooth
  curve gives 1, an area-filling set 2.
- the uncertainty exponent (Grebogi, McDonald, Ott, Yorke 1983): the fraction $f(\\epsilon)$
  of random starts whose label changes under a shift by $\\pm\\epsilon$ scales as
  $\\epsilon^{\\alpha}$ and $D = 2 - \\alpha$ in the plane.

A resolution check repeats box counting on the image subsampled by 2 (the same grid at half
the resolution): a stable estimate changes little.
"""
import numpy as np

from .sweep import run_sweep

# two-sided 95% Student t quantiles by degrees of freedom (1..10), then the normal limit
_T95 = [12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228]


def t95(df):
    return _T95[df - 1] if 1 <= df <= len(_T95) else 1.96 + 2.5 / df


def slope_with_interval(xs, ys):
    """Least-squares slope of ys on xs with its 95% interval: (slope, lo, hi, stderr)."""
    xs, ys = np.asarray(xs, float), np.asarray(ys, float)
    A = np.vstack([xs, np.ones_like(xs)]).T
    coef, res, *_ = np.linalg.lstsq(A, ys, rcond=None)
    n = len(xs)
    resid = ys - A @ coef
    dof = max(n - 2, 1)
    se = float(np.sqrt(np.sum(resid ** 2) / dof / np.sum((xs - xs.mean()) ** 2)))
    h = t95(dof) * se
    return float(coef[0]), float(coef[0] - h), float(coef[0] + h), se


def boundary_pixels(labels):
    """Pixels whose label differs from the next pixel along either axis."""
    L = np.asarray(labels)
    edge = np.zeros(L.shape, bool)
    d0 = L[1:, :] != L[:-1, :]
    d1 = L[:, 1:] != L[:, :-1]
    edge[:-1, :] |= d0
    edge[:, :-1] |= d1
    return edge


def boundary_box_counts(labels, sizes):
    """For each box size s (pixels), the number of s x s boxes holding a boundary pixel
    (a pixel whose label differs from a neighbour's; counting boxes with two labels instead
    would miss a boundary running along box edges)."""
    E = boundary_pixels(labels)
    out = []
    for s in sizes:
        n0, n1 = E.shape[0] // s, E.shape[1] // s
        B = E[:n0 * s, :n1 * s].reshape(n0, s, n1, s)
        out.append(int(np.sum(B.any(axis=(1, 3)))))
    return out


def box_counting_dimension(labels, sizes=None):
    """Box-counting dimension of the label boundary with its 95% interval.

    Returns a dict: dimension, interval, stderr, sizes, counts."""
    L = np.asarray(labels)
    if sizes is None:
        m = min(L.shape)
        sizes = [2 ** k for k in range(1, 12) if 2 ** k <= m // 8]
    counts = boundary_box_counts(L, sizes)
    keep = [(s, c) for s, c in zip(sizes, counts) if c > 0]
    if len(keep) < 3:
        return {"dimension": None, "interval": None, "sizes": sizes, "counts": counts,
                "reason": "fewer than three box sizes see the boundary"}
    xs = [np.log(1.0 / s) for s, _ in keep]
    ys = [np.log(c) for _, c in keep]
    d, lo, hi, se = slope_with_interval(xs, ys)
    return {"dimension": d, "interval": [lo, hi], "stderr": se, "sizes": list(sizes),
            "counts": counts}


def resolution_check(labels):
    """Box-counting dimension at full and half resolution (every other grid point)."""
    full = box_counting_dimension(labels)
    half = box_counting_dimension(np.asarray(labels)[::2, ::2])
    diff = (None if full["dimension"] is None or half["dimension"] is None
            else abs(full["dimension"] - half["dimension"]))
    return {"full": full, "half": half, "difference": diff}


def uncertainty_exponent(model, eta_value, box, steps, epsilons, samples=4000, seed=0,
                         label=lambda status: status == 1):
    """Uncertainty exponent of the converge/not-converge boundary in `box`
    ``((x_lo, x_hi), (y_lo, y_hi))`` for a 2-coordinate model.

    For each epsilon: `samples` random starts, each compared with its shifts by +-epsilon
    along x; f = fraction with a differing label. Returns a dict with the fractions, the
    exponent alpha (slope of log f on log eps, 95% interval) and D = 2 - alpha."""
    rng = np.random.default_rng(seed)
    (x0, x1), (y0, y1) = box
    eps = np.asarray(epsilons, float)
    base = np.c_[rng.uniform(x0, x1, samples), rng.uniform(y0, y1, samples)]
    starts = [base]
    for e in eps:
        starts += [base + [e, 0.0], base - [e, 0.0]]
    res = run_sweep(model, np.vstack(starts), [eta_value], steps, progress=False)
    lab = label(res.status).reshape(1 + 2 * len(eps), samples)
    fracs = []
    for i in range(len(eps)):
        plus, minus = lab[1 + 2 * i], lab[2 + 2 * i]
        fracs.append(float(np.mean((plus != lab[0]) | (minus != lab[0]))))
    ok = [(e, f) for e, f in zip(eps, fracs) if f > 0]
    out = {"epsilons": eps.tolist(), "fractions": fracs, "samples": samples}
    if len(ok) < 3:
        out.update(alpha=None, dimension=None, reason="too few uncertain starts")
        return out
    a, lo, hi, se = slope_with_interval(np.log([e for e, _ in ok]), np.log([f for _, f in ok]))
    out.update(alpha=a, alpha_interval=[lo, hi], dimension=2 - a, interval=[2 - hi, 2 - lo])
    return out
