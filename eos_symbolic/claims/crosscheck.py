"""Numeric cross-checks of the exact derivations by independent routes (high precision).

Each function compares a derived closed form with a quantity computed without it: the
Hessian by mpmath numerical differentiation of the loss, GD steps from the numerically
differentiated gradient, 2-cycles by iterating the map. They return `Verdict` objects
(`verified-numerically` or `refuted` with the worst point).
"""
import random

import mpmath
import sympy as sp

from ..symbolic.minima import eos_minima, eos_range, minima_manifold
from ..symbolic.orbits import real_two_cycles, two_cycles
from ..symbolic.reparam import reparameterise
from ..symbolic.spectrum import hessian_eigenvalues
from ..symbolic.symbols import a, b, eta, kappa, u
from .verdict import Verdict


def _numeric_hessian(model, point, dps):
    """Hessian of the loss at the tied `point` by mpmath finite differences (no symbolics)."""
    f = sp.lambdify(model.params, model.loss, "mpmath")
    full = [point[model.coords.index(model.tie_map.get(p, p))] for p in model.params]
    n = len(full)
    with mpmath.workdps(dps):
        H = mpmath.matrix(n, n)
        for i in range(n):
            for j in range(n):
                order = [0] * n
                order[i] += 1
                order[j] += 1
                H[i, j] = mpmath.diff(lambda *v: f(*v), full, tuple(order))
        return H


def eigenvalues_vs_numeric(model, samples=5, dps=30, seed=1):
    """Closed-form tied-Hessian eigenvalues vs `mpmath.eigsy` of a finite-difference Hessian."""
    rng = random.Random(seed)
    exprs = [e for e in hessian_eigenvalues(model) if not isinstance(e, sp.Eq)]
    fn = sp.lambdify(model.coords, exprs, "mpmath")
    worst, worst_pt = mpmath.mpf(0), None
    with mpmath.workdps(dps):
        for _ in range(samples):
            pt = [mpmath.mpf(rng.uniform(0.3, 2.0)) for _ in model.coords]
            ev, _ = mpmath.eigsy(_numeric_hessian(model, pt, dps))
            numeric = sorted(ev)
            closed = sorted(fn(*pt))
            if len(closed) != len(numeric):
                return Verdict("", "inconclusive", "eigsy vs closed form",
                               {"reason": "some eigenvalues have no closed form"})
            err = max(abs(p - q) for p, q in zip(closed, numeric))
            if err > worst:
                worst, worst_pt = err, pt
    ok = worst < mpmath.mpf(10) ** (-dps // 2)
    return Verdict("", "verified-numerically" if ok else "refuted",
                   "closed-form eigenvalues vs mpmath.eigsy of a finite-difference Hessian",
                   {"samples": samples, "dps": dps, "max_abs_error": mpmath.nstr(worst, 5)},
                   None if ok else {"point": [mpmath.nstr(v, 20) for v in worst_pt]})


def eos_sharpness_is_two_over_eta(model, dps=30):
    """At every EoS minimum, for three step sizes in the EoS range, the top eigenvalue of a
    finite-difference Hessian equals $2/\\eta$ (Definition 1)."""
    param = minima_manifold(model)[0].param
    _, poly = eos_minima(model)
    worst, checked = mpmath.mpf(0), []
    with mpmath.workdps(dps):
        for frac in (sp.Rational(1, 10), sp.Rational(2, 5), sp.Rational(4, 5)):
            e = eos_range(model) * frac
            for r in sp.Poly(poly.subs(eta, e), u).nroots(n=dps):
                if not (r.is_real and r > 0):
                    continue
                pt = [mpmath.mpf(sp.N(param[v].subs(u, r), dps)) for v in model.coords]
                ev, _ = mpmath.eigsy(_numeric_hessian(model, pt, dps))
                worst = max(worst, abs(max(ev) - 2 / mpmath.mpf(sp.N(e, dps))))
                checked.append({"eta": str(e), "point": [mpmath.nstr(v, 12) for v in pt]})
    ok = bool(checked) and worst < mpmath.mpf(10) ** (-dps // 2)
    return Verdict("", "verified-numerically" if ok else "refuted",
                   "top eigenvalue of a finite-difference Hessian at each EoS minimum vs 2/eta",
                   {"points": checked, "dps": dps, "max_abs_error": mpmath.nstr(worst, 5)})


def _gd_step_numeric(model, dps):
    """One GD step from the numerically differentiated loss (independent of `gd_map`)."""
    f = sp.lambdify(model.params, model.loss, "mpmath")

    def step(point, step_size):
        full = [point[model.coords.index(model.tie_map.get(p, p))] for p in model.params]
        out = []
        for v in model.coords:
            k = model.params.index(v)
            order = tuple(1 if j == k else 0 for j in range(len(full)))
            out.append(point[model.coords.index(v)]
                       - step_size * mpmath.diff(lambda *q: f(*q), full, order))
        return out
    return step


def reparam_map_vs_gd(model, samples=5, dps=40, seed=2):
    """The exact (a, b) map equals a GD step pushed through (x, y) -> (a, b) (C7, eq. 6)."""
    rp = reparameterise(model)
    ab_next = sp.lambdify((a, b, kappa), list(rp.ab_map), "mpmath")
    c_check = sp.lambdify(kappa, rp.c_check, "mpmath")
    step = _gd_step_numeric(model, dps)
    rng = random.Random(seed)
    worst, worst_pt = mpmath.mpf(0), None
    with mpmath.workdps(dps):
        for _ in range(samples):
            k = mpmath.mpf(rng.uniform(0.15, 0.6))
            av, bv = mpmath.mpf(rng.uniform(-0.1, 0.1)), mpmath.mpf(rng.uniform(-0.1, 0.1))
            cc, dd = av + c_check(k), 1 + bv
            s = mpmath.sqrt(cc ** 4 + 4 * dd ** 2)
            xv = mpmath.sqrt((s + cc ** 2) / 2)
            xn, yn = step([xv, dd / xv], k ** 2)
            pushed = (mpmath.sqrt(xn ** 2 - yn ** 2) - c_check(k), xn * yn - 1)
            err = max(abs(p - q) for p, q in zip(pushed, ab_next(av, bv, k)))
            if err > worst:
                worst, worst_pt = err, {"a": mpmath.nstr(av, 20), "b": mpmath.nstr(bv, 20),
                                        "kappa": mpmath.nstr(k, 20)}
    ok = worst < mpmath.mpf(10) ** (-dps // 2)
    return Verdict("", "verified-numerically" if ok else "refuted",
                   "(a, b) map vs a numerically differentiated GD step pushed through (a, b)",
                   {"samples": samples, "dps": dps, "max_abs_error": mpmath.nstr(worst, 5)},
                   None if ok else worst_pt)


def two_cycles_by_iteration(model, eta_value="3/5", dps=40):
    """Every listed real 2-cycle point p has F(p) != p and F(F(p)) = p under numeric GD."""
    if two_cycles(model) is None or two_cycles(model).eliminant is None:
        return Verdict("", "inconclusive", "2-cycles by iteration",
                       {"reason": "no eliminant for this model (dimension or degree cap)"})
    step = _gd_step_numeric(model, dps)
    worst, count = mpmath.mpf(0), 0
    with mpmath.workdps(dps):
        e = mpmath.mpf(sp.Rational(eta_value).p) / sp.Rational(eta_value).q
        for p, _ in real_two_cycles(model, eta_value, dps=dps):
            q = step(list(p), e)
            back = step(q, e)
            worst = max(worst, max(abs(r - s) for r, s in zip(back, p)))
            count += 1
    ok = worst < mpmath.mpf(10) ** (-dps // 3)
    return Verdict("", "verified-numerically" if ok else "refuted",
                   "period-2 points from the eliminant, iterated with numeric GD steps",
                   {"eta": eta_value, "points": count, "dps": dps,
                    "max_return_error": mpmath.nstr(worst, 5)})
