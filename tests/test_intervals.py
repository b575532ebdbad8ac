"""Arb enclosures and branch-and-bound: enclosures contain 50-digit values; a true
inequality is proved, a false one refuted at a verified point."""
from fractions import Fraction

import mpmath
import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from eos_symbolic.claims.registry import Claim
from eos_symbolic.claims.verify import Context, check_claim
from eos_symbolic.numeric.backends import precision_scope
from eos_symbolic.rigorous.intervals import (
    Enclosure,
    ball,
    exact_mid,
    interval_text,
    power,
    prove_positive,
)

x, y = sp.symbols("x y")


def bounds(v):
    """Exact rational [lo, hi] containing the ball v."""
    return (exact_mid(v.lower()) - exact_mid(v.lower().rad()),
            exact_mid(v.upper()) + exact_mid(v.upper().rad()))


def contains(v, value):
    lo, hi = bounds(v)
    with mpmath.workdps(60):
        return mpmath.mpf(lo.numerator) / lo.denominator <= value <= \
            mpmath.mpf(hi.numerator) / hi.denominator


def test_even_power_of_a_ball_around_zero_is_nonnegative():
    with precision_scope("arb", 30):
        sq = power(ball(-1, 2), 2)
    lo, hi = bounds(sq)
    assert lo >= 0 and 4 <= hi < Fraction(41, 10)


EXPRESSIONS = [x ** 2 - 2 * x * y + y ** 2, sp.sqrt(x ** 2 + y ** 4 + 1) - x * y,
               sp.exp(x - y) * (x ** 3 - y) / (2 + y ** 2),
               (x ** 4 + sp.Rational(1, 3)) ** sp.Rational(1, 4) - sp.cos(x * y)]


@settings(max_examples=60, deadline=None)
@given(k=st.integers(0, len(EXPRESSIONS) - 1),
       corner=st.tuples(st.fractions(-2, 2, max_denominator=1000),
                        st.fractions(-2, 2, max_denominator=1000)),
       width=st.fractions(Fraction(1, 10 ** 6), 1, max_denominator=10 ** 6),
       t=st.tuples(st.floats(0, 1), st.floats(0, 1)))
def test_enclosure_contains_the_50_digit_value(k, corner, width, t):
    expr = EXPRESSIONS[k]
    box = [(corner[0], corner[0] + width), (corner[1], corner[1] + width)]
    point = [lo + (hi - lo) * Fraction(ti) for (lo, hi), ti in zip(box, t)]
    with precision_scope("arb", 30):
        enc = Enclosure(expr, (x, y))
        whole, at = enc(box), enc.at(point)
    f = sp.lambdify((x, y), expr, "mpmath")
    with mpmath.workdps(50):
        value = f(*[mpmath.mpf(p.numerator) / p.denominator for p in point])
    assert contains(whole, value) and contains(at, value)


def test_true_inequality_is_proved_with_a_certificate():
    res = prove_positive(x ** 2 + y ** 2 - x * y + sp.Rational(1, 100), (x, y), [(-1, 1), (-1, 1)])
    assert res.status == "proved" and res.boxes > 1
    cert = res.certificate((x, y))
    assert cert["leaf_count"] == len(cert["leaves"])
    assert all(Fraction(leaf["enclosure"][1:].split(",")[0]) > 0 for leaf in cert["leaves"])


def test_false_inequality_is_refuted_at_a_verified_point():
    # x^2 + y^2 > 2xy fails exactly on the diagonal; the refuting point must be on it
    res = prove_positive(x ** 2 + y ** 2 - 2 * x * y, (x, y), [(0, 1), (0, 1)], strict=True)
    assert res.status == "refuted"
    px, py = (Fraction(res.point[n]) for n in ("x", "y"))
    assert px ** 2 + py ** 2 - 2 * px * py <= 0
    # planted wrong bound: 1 + x > exp(x) on [-1/2, 1/2] (false everywhere but 0)
    res = prove_positive(1 + x - sp.exp(x), (x,), [("-1/2", "1/2")])
    assert res.status == "refuted"
    with mpmath.workdps(50):
        p = Fraction(res.point["x"])
        assert 1 + mpmath.mpf(p.numerator) / p.denominator - mpmath.exp(
            mpmath.mpf(p.numerator) / p.denominator) <= 0


def test_tight_claim_runs_out_of_budget_as_undecided():
    res = prove_positive(x ** 2 + y ** 2 - 2 * x * y, (x, y), [(0, 1), (0, 1)], strict=False,
                         budget=50)
    assert res.status == "undecided" and res.boxes >= 50


def test_interval_text_rounds_outward():
    with precision_scope("arb", 30):
        v = ball("1/3", "2/3")
    lo, hi = interval_text(v, 4)[1:-1].split(", ")
    assert Fraction(lo) <= Fraction(1, 3) and Fraction(hi) >= Fraction(2, 3)


def _claim(text, domain, cid="UX"):
    return Claim(cid, "test", text, "inequality", "", {"inequality": text, "domain": domain},
                 source="test")


@pytest.mark.parametrize("certify", [False, True])
def test_certify_option_attaches_a_certificate_to_verified(certify):
    claim = _claim("a*kappa/2 + kappa**4/16 - kappa**4/200 > 0",
                   {"a": [0, "0.01"], "kappa": ["0.05", "0.2"]})
    v = check_claim(claim, Context(quick=True, certify=certify))
    assert v.verdict == "verified"
    assert ("certificate" in v.evidence) == certify
    if certify:
        assert v.evidence["certificate"]["status"] == "proved"
        assert v.to_json()["evidence"]["certificate"]["boxes"] >= 1


def test_region_implication_proved_and_refuted_for_the_gd_map():
    from eos_symbolic.rigorous.intervals import prove_implication
    from eos_symbolic.symbolic.models import get_model
    from eos_symbolic.symbolic.symbols import eta
    m = get_model("four-scalar")
    one = [e.subs(eta, sp.Rational(1, 10)) for e in m.gd_map]
    xx, yy = m.coords
    region = [xx - sp.Rational(1, 2), 1 - xx, yy - sp.Rational(1, 10), sp.Rational(1, 5) - yy]
    box = [(0, 2), (0, 1)]
    ok = prove_implication(region, [one[0] - one[1] - sp.Rational(1, 10)], (xx, yy), box)
    assert ok.status == "proved"
    bad = prove_implication(region, [one[0] - sp.Rational(9, 10)], (xx, yy), box)
    assert bad.status == "refuted"
    p = {xx: sp.Rational(bad.point["x"]), yy: sp.Rational(bad.point["y"])}
    assert all(r.subs(p) > 0 for r in region) and (one[0] - sp.Rational(9, 10)).subs(p) <= 0
