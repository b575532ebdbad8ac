"""Truncated weighted series kernels, checked against SymPy's own (slow, exact) expansions."""
from math import inf

import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st
from sympy import QQ
from sympy.polys.rings import ring

from eos_symbolic.errors import EosError
from eos_symbolic.local.series import (
    Grading,
    binomial_series,
    multiply,
    truncate,
    weight,
)

R, A, B, S = ring("a, b, s", QQ)
a, b, s, eps = sp.symbols("a b s epsilon")


def grading(weights=(3, 2, 1), cap=12):
    return Grading(R, weights, 2, cap)


def reference(expr, weights, prec):
    """SymPy's series of expr(eps^w a, eps^w b, eps s) in eps, below eps^prec, back at eps = 1:
    the weighted truncation computed the slow way."""
    scaled = expr.subs({a: eps ** weights[0] * a, b: eps ** weights[1] * b,
                        s: eps ** weights[2] * s}, simultaneous=True)
    return sp.expand(sp.series(scaled, eps, 0, prec).removeO().subs(eps, 1))


def as_expr(series):
    return sp.Add(*[c * a ** i * b ** j * s ** k for (i, j, k), c in
                    series.coefficients().items()])


small_polys = st.dictionaries(st.tuples(*[st.integers(0, 3)] * 3),
                              st.fractions(min_value=-5, max_value=5, max_denominator=7),
                              max_size=6)


@settings(max_examples=60, deadline=None)
@given(small_polys, small_polys, st.tuples(*[st.integers(1, 3)] * 3), st.integers(1, 14))
def test_truncated_product_equals_full_product_truncated(p, q, weights, prec):
    P = R.from_dict({m: QQ(c.numerator, c.denominator) for m, c in p.items() if c})
    Q = R.from_dict({m: QQ(c.numerator, c.denominator) for m, c in q.items() if c})
    assert multiply(P, Q, weights, prec) == truncate(P * Q, weights, prec)


@pytest.mark.parametrize("r", [sp.Rational(1, 2), sp.Rational(-1, 3), sp.Rational(1, 4), -2])
def test_binomial_series_matches_sympy(r):
    weights, prec = (3, 2, 1), 13
    got = binomial_series(r, A * S + B ** 2 - 4 * S ** 4, weights, prec)
    want = reference((1 + a * s + b ** 2 - 4 * s ** 4) ** r, weights, prec)
    assert sp.expand(got.as_expr(a, b, s) - want) == 0


def test_binomial_series_refuses_a_constant_term():
    with pytest.raises(EosError, match="without constant term"):
        binomial_series(sp.Rational(1, 2), 1 + A, (1, 1, 1), 5)


def test_laurent_root_like_c_check_of_eq_6():
    """$(s^{-4} - 4)^{1/4} = s^{-1}(1 - 4 s^4)^{1/4}$: a Laurent prefactor, exact to the cap."""
    g = grading(cap=12)
    series = (g.gen(2) ** -4 - 4) ** sp.Rational(1, 4)
    assert series.shift == -1 and series.prec == 12
    want = sp.expand(sp.series((s ** -4 - 4) ** sp.Rational(1, 4), s, 0, 12).removeO())
    assert sp.expand(as_expr(series) - want) == 0


def test_cancellation_keeps_exact_coefficients_below_prec():
    """$-\\check c + (a + \\check c)\\sqrt{1 - b^2 s^4}$ with $\\check c \\sim 1/s$ (eq. 6 shape):
    the $1/s$ parts cancel; every coefficient below the reported precision is SymPy's."""
    g = grading(cap=14)
    c_check = (g.gen(2) ** -4 - 4) ** sp.Rational(1, 4)
    out = -c_check + (g.gen(0) + c_check) * (1 - g.gen(1) ** 2 * g.gen(2) ** 4) ** sp.Rational(
        1, 2) - g.gen(0)
    assert out.shift >= 0 and out.prec >= 12
    closed = (-(s ** -4 - 4) ** sp.Rational(1, 4) + (a + (s ** -4 - 4) ** sp.Rational(1, 4))
              * sp.sqrt(1 - b ** 2 * s ** 4) - a)
    closed = sp.expand(closed.subs((s ** -4 - 4) ** sp.Rational(1, 4),
                                   (1 - 4 * s ** 4) ** sp.Rational(1, 4) / s))
    want = reference(closed, (3, 2, 1), int(out.prec))
    assert sp.expand(as_expr(out) - want) == 0


def test_compose_equals_substitution_then_truncation():
    g = grading(cap=11)
    p = g.gen(0) * g.gen(1) * g.gen(2) - 3 * g.gen(1) ** 3 + g.gen(0) ** 2
    a1 = g.gen(0) - 2 * g.gen(1) ** 2 * g.gen(2) ** 3
    b1 = -g.gen(1) - 3 * g.gen(1) ** 2 + g.gen(0) * g.gen(1) * g.gen(2)
    got = as_expr(p.compose({0: a1, 1: b1}))
    full = (a * b * s - 3 * b ** 3 + a ** 2).subs(
        {a: a - 2 * b ** 2 * s ** 3, b: -b - 3 * b ** 2 + a * b * s}, simultaneous=True)
    want = sum(t for t in sp.Add.make_args(sp.expand(full))
               if weight(sp.Poly(t, a, b, s).monoms()[0], (3, 2, 1)) < 11)
    assert sp.expand(got - want) == 0


def test_exact_polynomials_stay_exact_until_the_cap_drops_terms():
    g = grading(cap=6)
    assert (g.gen(0) * g.gen(2)).prec == inf          # weight 4 < 6: nothing dropped
    assert (g.gen(0) * g.gen(0)).prec == 6            # weight 6 dropped: known below 6 only
    assert (g.gen(2) ** -1).prec == inf


def test_power_refuses_a_non_unit_leading_term():
    g = grading()
    with pytest.raises(EosError, match="leading"):
        (g.gen(0) + g.gen(1)) ** sp.Rational(1, 2)


def test_power_refuses_an_irrational_leading_coefficient():
    g = grading()
    with pytest.raises(EosError, match="rational"):
        (2 + g.gen(0)) ** sp.Rational(1, 2)
