"""Asymptotic refutation of limit claims as kappa -> 0 (C14-C17 and `trajectory-limit`).

The normal form predicts the end point of a parabola-type model as kappa -> 0:
$a_\\infty/\\kappa^3 \\to L_a$ (four-scalar: $-1/8$, C13) and the limit sharpness
$S = 2/\\eta - \\eta/2 + O(\\eta^3)$, so $(2/\\eta - S)/\\eta \\to L_g = 1/2$. A claimed interval
for these quantities whose own limit as kappa -> 0 excludes the derived one cannot hold for
small kappa. It is `refuted` when, in addition, at a tested kappa a start of the claim's
region has a certified end value v (two working precisions, digits stated) with
$[v - r, v + r]$, $r = |v - L| + 10^{-d}|v|$, disjoint from the claimed interval there: the
certified remainder bound at that kappa confirms that the derived limit is what the
trajectories approach. Otherwise the verdict is left to the checker.

`EVIDENCE_HOOKS` is where other certificates (e.g. concentration proofs of the limit
interval for every start of a box) add entries to the evidence of these claims.
"""
from fractions import Fraction

import mpmath
import sympy as sp

from ...numeric.trajectory import run_trajectory
from ...symbolic.parser import to_sympy
from ...symbolic.symbols import eta as eta_sym
from ...symbolic.symbols import kappa as kappa_sym

#: Callables ``hook(claim, ctx, evidence) -> None`` that attach further evidence.
EVIDENCE_HOOKS = []


def derived_limit(model, quantity):
    """$\\lim_{\\kappa\\to 0}$ of `quantity` ("a_over_kappa3" or "gap_over_eta") at the end
    point predicted by the normal form, or None (no attracting parabola, other scalings)."""
    from ...local.normal_form import normal_forms
    try:
        nf = normal_forms(model)[0]
        if not nf.curve_type.startswith("parabola (attracting)"):
            return None
        if quantity == "a_over_kappa3":
            value = sp.limit(nf.to_kappa(nf.end_point) / kappa_sym ** 3, kappa_sym, 0, "+")
        else:
            S = nf.limit_sharpness[0]
            value = sp.limit(sp.expand((2 / eta_sym - S) / eta_sym), eta_sym, 0, "+")
    except Exception:  # a model without a normal form or limit: nothing derived
        return None
    return value if value.is_Rational else None


def limit_of(expr):
    """$\\lim_{\\kappa \\to 0^+}$ of a bound (in kappa or eta = kappa^2)."""
    e = to_sympy(expr).subs(eta_sym, kappa_sym ** 2)
    return sp.limit(e, kappa_sym, 0, "+")


def at(expr, k):
    e = to_sympy(expr).subs(eta_sym, kappa_sym ** 2)
    return float(e.subs(kappa_sym, sp.Rational(str(k))))


def _distance(v, lo, hi):
    """Distance of v from [lo, hi] (0 inside; +oo-safe)."""
    if lo <= v <= hi:
        return 0
    return lo - v if v < lo else v - hi


def certified_end(model, eta_text, start, steps, quantity):
    """(value, digits, run) of `quantity` at the end of a certified run from (a0, b0)."""
    tr = run_trajectory(model, eta_text, {"a": repr(float(start[0])),
                                          "b": repr(float(start[1]))}, int(steps), dps=30,
                        coords="ab")
    det = tr.outcome.details
    digits = tr.certification.get("state_digits") or 0
    if quantity == "a_over_kappa3":
        v = det.get("a_over_kappa3")
    else:
        gap = det.get("gap")
        q = Fraction(eta_text)
        v = None if gap is None else mpmath.mpf(gap) * q.denominator / q.numerator
    run = {"start": [float(start[0]), float(start[1])], "eta": eta_text, "steps": int(steps),
           "outcome": tr.outcome.kind, "certified_digits": digits,
           "command": f"eos-symbolic trajectory --model {model.name} --eta {eta_text} "
                      f"--coords ab --start a={float(start[0])!r},b={float(start[1])!r} "
                      f"--steps {int(steps)}"}
    return (None if v is None else mpmath.mpf(v)), int(digits), run


#: Smaller kappa tried when a kappa-dependent interval only excludes the limit there.
SMALLER_KAPPAS = (0.1, 0.08, 0.07, 0.06, 0.05)


def refutation(model, quantity, lo_expr, hi_expr, tested, region=None):
    """The refuting evidence, or None. `tested`: list of (kappa, eta text, start, steps) of
    starts of the claim's region at simulable kappa; `region(kappa)` gives (eta text, start,
    steps) at a smaller kappa, tried when the interval at the tested kappa still contains
    the end values (module docstring)."""
    L = derived_limit(model, quantity)
    if L is None:
        return None
    lo0, hi0 = limit_of(lo_expr), limit_of(hi_expr)
    gap0 = _distance(L, lo0, hi0) if lo0 <= hi0 else sp.oo
    if not gap0 > 0:
        return None
    runs = list(tested)
    first = None
    while runs:
        k, eta_text, start, steps = runs.pop(0)
        v, digits, run = certified_end(model, eta_text, start, steps, quantity)
        if v is None:
            continue
        r = abs(v - mpmath.mpf(float(L))) + abs(v) * mpmath.mpf(10) ** (-max(digits, 1))
        lo, hi = at(lo_expr, k), at(hi_expr, k)
        if v + r < lo or v - r > hi or lo > hi:
            return {"derived_limit": {quantity: str(L), "as": "kappa -> 0, normal form"},
                    "claimed_interval_limit": [str(lo0), str(hi0)],
                    "excluded_by": str(gap0),
                    "at_tested_kappa": {"kappa": k, "claimed_interval": [lo, hi],
                                        "certified_end_value": mpmath.nstr(v, 12),
                                        "remainder_bound": mpmath.nstr(r, 4), **run},
                    "reading": "the derived limit lies outside the claimed interval as "
                               "kappa -> 0, and at the tested kappa a certified end value "
                               "within the remainder bound of it lies outside too"}
        if first is None and region is not None:
            first = (k, r)
            # the remainder shrinks with kappa: try the largest smaller kappa where the
            # claimed interval is clear of the limit by twice the remainder seen so far
            for k2 in SMALLER_KAPPAS:
                if k2 < k and _distance(float(L), at(lo_expr, k2), at(hi_expr, k2)) > 2 * r:
                    runs.append((k2, *region(k2)))
                    break
    return None
