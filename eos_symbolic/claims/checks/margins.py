"""Shared pieces of the region checkers (`lemmas`, `invariant`): margins as mpmath
functions, certified signs at exact points, the exact GD maps, box and point text."""
from fractions import Fraction

import mpmath
import sympy as sp

from ...errors import EosError
from ...numeric.backends import precision_scope
from ...rigorous.intervals import Enclosure
from ...symbolic.parser import to_sympy


def mp_function(expr, symbols):
    """`expr` as an mpmath function of `symbols` (nan where undefined or complex)."""
    f = sp.lambdify(symbols, expr, "mpmath")

    def value(*args):
        try:
            v = f(*args)
        except (ZeroDivisionError, ValueError, TypeError):
            return mpmath.mpf("nan")
        return v if not isinstance(v, mpmath.mpc) else (v.real if v.imag == 0 else
                                                         mpmath.mpf("nan"))
    return value


def certified_sign(expr, symbols, point):
    """+1, 0 or -1: the sign of `expr` at the exact `point` (Fractions), certified by Arb
    balls, with an exact decision when the ball keeps containing 0; None if undefined."""
    try:
        with precision_scope("arb", 60):
            v = Enclosure(expr, symbols, centred=False).at(point)
    except (EosError, ZeroDivisionError, ValueError):
        v = None
    if v is not None and v.is_finite():
        if v > 0:
            return 1
        if v < 0:
            return -1
    exact = to_sympy(expr).subs({s: sp.Rational(p.numerator, p.denominator)
                                   for s, p in zip(symbols, point)})
    if exact.has(sp.zoo, sp.nan) or not exact.is_number:
        return None
    if exact.is_Rational:
        return int(sp.sign(exact))
    from ..compare import compare_constants
    res = compare_constants(exact, sp.Integer(0))
    if res["status"] == "exact":
        return 0
    if res["status"] == "mismatch":
        return 1 if mpmath.mpf(res["claimed"]) > 0 else -1
    return None


def violated(sign, strict):
    return sign is not None and (sign < 0 or (strict and sign == 0))


def command(claim):
    tail = "" if claim.source == "paper" else f" --claims {claim.source}"
    return f"eos-symbolic check {claim.id}{tail}"


def exact_box(sampled):
    """The box as exact Fractions (None if a bound is not rational)."""
    if not all(lo.is_Rational and hi.is_Rational for _, lo, hi in sampled):
        return None
    return [(Fraction(int(lo.p), int(lo.q)), Fraction(int(hi.p), int(hi.q)))
            for _, lo, hi in sampled]


def point_text(sampled, p):
    return {str(s): str(v) if isinstance(v, Fraction) and v.denominator < 10 ** 12 else
            mpmath.nstr(mpmath.mpf(float(v)), 17) for (s, _, _), v in zip(sampled, p)}


def gd_map(model_name, coords, steps, param):
    """The exact one-step map of `model_name` in `coords` as SymPy expressions in the
    coordinates and `param` (eta or kappa): ``(variables, images)``."""
    from ...symbolic.models import get_model
    from ...symbolic.symbols import eta, kappa
    model = get_model(model_name)
    if coords == "ab":
        from ...symbolic.reparam import reparameterise
        from ...symbolic.symbols import a, b
        inc = reparameterise(model).ab_increment
        vs = (a, b)
        one = [v + i for v, i in zip(vs, inc)]
        if param == eta:
            one = [e.subs(kappa, sp.sqrt(eta)) for e in one]
    elif coords == "xy":
        vs = tuple(model.coords)
        one = [v - eta * g for v, g in zip(vs, model.reduced_gradient)]
        if param == kappa:
            one = [e.subs(eta, kappa ** 2) for e in one]
    else:
        raise EosError(f"coords: expected ab or xy, got {coords!r}")
    if steps not in (1, 2):
        raise EosError(f"steps: expected 1 or 2, got {steps}")
    return vs, one
