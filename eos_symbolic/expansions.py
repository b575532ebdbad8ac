"""Series of the 1- and 2-step maps as SymPy polynomials, for checkers and reports.

A thin facade over the normal-form layer: `map_series` returns the truncated
$(a^{(n)} - a, b^{(n)})$ as polynomials in (a, b, kappa) exact for every term of weight
below `order` under `weights` (a ~ kappa^wa, b ~ kappa^wb); `exact_map_values` iterates the
exact (a, b) map (eq. 6) at high precision as an independent witness.
"""
import mpmath
import sympy as sp

from .errors import EosError
from .reparam import reparameterise
from .symbols import a, b, kappa


def weight_of(poly, weights):
    """Largest weight of a term of `poly` (a ~ kappa^wa, b ~ kappa^wb, kappa ~ kappa)."""
    terms = sp.Poly(sp.expand(poly), a, b, kappa).monoms()
    return max((i * weights["a"] + j * weights["b"] + k * weights["kappa"]
                for i, j, k in terms), default=0)


def weighted_part(poly, weights, top):
    """The terms of `poly` of weight <= `top`."""
    P = sp.Poly(sp.expand(poly), a, b, kappa)
    return sp.Add(*[c * a**i * b**j * kappa**k for (i, j, k), c in P.terms()
                    if i * weights["a"] + j * weights["b"] + k * weights["kappa"] <= top])


def map_series(model, steps, weights, order):
    """$(a^{(n)} - a, b^{(n)})$ for n = `steps`, exact below weight `order`."""
    from .normal_form import step_polynomials
    return step_polynomials(model, steps, (weights["a"], weights["b"], weights["kappa"]), order)


def exact_map_values(model, steps, a0, b0, k, dps=60):
    """$(a^{(n)} - a_0, b^{(n)})$ of the exact map (eq. 6) at a point, or None if the model
    has no closed (a, b) map."""
    try:
        rp = reparameterise(model)
    except EosError:
        return None
    f = sp.lambdify((a, b, kappa), list(rp.ab_map), "mpmath")
    with mpmath.workdps(dps):
        av, bv, kv = (mpmath.mpf(sp.Rational(v).p) / sp.Rational(v).q for v in (a0, b0, k))
        a_start = av
        for _ in range(steps):
            av, bv = f(av, bv, kv)
        return av - a_start, bv
