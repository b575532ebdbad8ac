"""Krawczyk proofs of 2-cycles and the interval-Newton flip, checked against
50-digit mpmath values computed by an independent route (the 1-D balanced-line map and the
closed-form EoS minimum)."""
from decimal import Decimal
from fractions import Fraction

import mpmath
import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from eos_symbolic.errors import EosError
from eos_symbolic.rigorous.flip import prove_flip
from eos_symbolic.rigorous.krawczyk import prove_orbit
from eos_symbolic.symbolic.minima import eos_minimum
from eos_symbolic.symbolic.models import get_model
from eos_symbolic.symbolic.symbols import eta

FOUR = get_model("four-scalar")
X_CHECK = sp.lambdify(eta, eos_minimum(FOUR)[0], "mpmath")


def ball_bounds(text):
    """[lo, hi] of Arb's "[mid +/- rad]" text."""
    mid, rad = text.strip("[]").split("+/-")
    return Decimal(mid) - Decimal(rad), Decimal(mid) + Decimal(rad)


def in_ball(text, value):
    lo, hi = ball_bounds(text)
    return Decimal(lo) <= Decimal(mpmath.nstr(value, 40)) <= Decimal(hi)


def line_cycle(e, x0):
    """The balanced-line 2-cycle of g(x) = x - eta x^3 (x^4 - 1) at 50 digits."""
    with mpmath.workdps(50):
        eta_v = mpmath.mpf(e.numerator) / e.denominator
        g = lambda v: v - eta_v * v ** 3 * (v ** 4 - 1)
        dg = lambda v: 1 - eta_v * (7 * v ** 6 - 3 * v ** 2)
        p = mpmath.findroot(lambda v: g(g(v)) - v, mpmath.mpf(x0))
        return p, g(p), dg(p) * dg(g(p))


def test_balanced_line_two_cycle_is_proved_stable_at_eta_three_fifths():
    res = prove_orbit(FOUR, "3/5", ("0.9", "0.9"))
    assert res.status == "proved" and res.stability == "stable"
    p, q, along = line_cycle(Fraction(3, 5), "0.9")
    assert all(in_ball(c, p) for c in res.boxes[0]) and all(in_ball(c, q) for c in res.boxes[1])
    assert any(in_ball(m, along) for m in res.multipliers)  # the multiplier along the line
    assert all(abs(float(ball_bounds(m)[0])) < 1 for m in res.multipliers)
    # sharpness below 2/eta at one point and above at the other (the orbit straddles the EoS)
    signs = sorted(float(ball_bounds(g)[1]) < 0 for g in res.sharpness_minus_two_over_eta)
    assert signs == [False, True]


def test_outer_balanced_line_cycle_is_proved_unstable():
    res = prove_orbit(FOUR, "3/5", ("1.31", "1.31"))
    assert res.status == "proved" and res.stability == "unstable"
    p, _, along = line_cycle(Fraction(3, 5), "1.31")
    assert all(in_ball(c, p) for c in res.boxes[0])
    assert any(in_ball(m, along) for m in res.multipliers)


def test_krawczyk_fails_honestly_on_a_box_that_is_too_large():
    res = prove_orbit(FOUR, "3/5", ("0.9", "0.9"), radius="1e-2")
    assert res.status == "failed" and "Krawczyk" in res.reason


def test_curve_of_fixed_points_is_not_isolated():
    with pytest.raises(EosError, match="not isolated"):
        prove_orbit(FOUR, "1/5", ("2", "0.5"), period=1)


@pytest.fixture(scope="module")
def flip():
    return prove_flip(FOUR, "1/10", "1/5")


def test_flip_is_certified_on_the_whole_eta_interval(flip):
    assert flip.status == "proved"
    covered = sorted((Fraction(p["eta"][0]), Fraction(p["eta"][1])) for p in flip.pieces)
    assert covered[0][0] == Fraction(1, 10) and covered[-1][1] == Fraction(1, 5)
    assert all(a[1] == b[0] for a, b in zip(covered, covered[1:]))
    # the multiplier 1 - eta S decreases through -1: a transversal flip
    assert all(Fraction(p["d_multiplier_du"][1:-1].split(", ")[1]) < 0 for p in flip.pieces)


@settings(max_examples=40, deadline=None)
@given(t=st.fractions(0, 1, max_denominator=10 ** 6))
def test_flip_enclosure_contains_the_closed_form_eos_minimum(flip, t):
    e = Fraction(1, 10) + t / 10
    piece = next(p for p in flip.pieces
                 if Fraction(p["eta"][0]) <= e <= Fraction(p["eta"][1]))
    lo, hi = (Decimal(v) for v in piece["u_range"][1:-1].split(", "))
    with mpmath.workdps(50):
        x_check = X_CHECK(mpmath.mpf(e.numerator) / e.denominator)
        assert lo <= Decimal(mpmath.nstr(x_check, 40)) <= hi


def test_flip_at_a_single_eta_is_sharp():
    res = prove_flip(FOUR, "1/10", "1/10")
    with mpmath.workdps(50):
        x_check = X_CHECK(mpmath.mpf(1) / 10)
    assert in_ball(res.pieces[0]["u"], x_check)
    lo, hi = ball_bounds(res.pieces[0]["u"])
    assert hi - lo < Decimal("1e-12")
