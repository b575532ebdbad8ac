"""Remainder bounds of the truncated expansions, the Phase-2 band and `certify` CLI."""
import json
from fractions import Fraction

import mpmath
import pytest
import sympy as sp

from eos_symbolic.cli import main
from eos_symbolic.local.expansions import exact_map_values
from eos_symbolic.rigorous.band import band_margins, prove_band
from eos_symbolic.rigorous.remainder_bound import remainder_bound, scaled_increment
from eos_symbolic.symbolic.models import get_model
from eos_symbolic.symbolic.reparam import reparameterise
from eos_symbolic.symbolic.symbols import a, b, kappa

FOUR = get_model("four-scalar")
BOX = {"a": ("-1/1000", "1/1000"), "b": ("-1/100", "1/100"), "kappa": ("1/20", "1/10")}


def test_scaled_increment_equals_the_exact_increment():
    point = {a: sp.Rational(1, 300), b: sp.Rational(-1, 70), kappa: sp.Rational(1, 13)}
    for mine, ref in zip(scaled_increment(FOUR), reparameterise(FOUR).ab_increment):
        assert abs(sp.N(mine.subs(point) - ref.subs(point), 40)) < 1e-35


@pytest.fixture(scope="module")
def bound():
    return remainder_bound(BOX, budget=300)


@pytest.mark.parametrize("point", [("1/1000", "1/100", "1/10"), ("-1/2000", "-1/150", "1/13"),
                                   ("0", "1/100", "1/20"), ("1/1700", "-1/100", "1/11")])
def test_two_step_remainder_bound_holds_at_50_digit_points(bound, point):
    da, _ = exact_map_values(FOUR, 2, *point, dps=50)
    av, bv, kv = (Fraction(v) for v in point)
    with mpmath.workdps(50):
        trunc = -4 * mpmath.mpf(bv.numerator) ** 2 / bv.denominator ** 2 * \
            (mpmath.mpf(kv.numerator) / kv.denominator) ** 3
        R = abs(da - trunc)
        assert R <= mpmath.mpf(Fraction(bound["bound_exact"]).numerator) / \
            Fraction(bound["bound_exact"]).denominator
    assert Fraction(bound["bound_exact"]) >= Fraction(bound["attained_at_least"])


def test_remainder_bound_is_far_below_the_leading_term(bound):
    # leading term 4 b^2 kappa^3 reaches 4e-7 on the box; the remainder is much smaller
    assert float(bound["bound"]) < 2e-7


def test_band_upper_edge_is_proved_and_lower_edge_refuted_at_a_verified_point():
    res = prove_band("1/10", ("1/200", "1/50"), budget=3000)
    assert res["status"] == "refuted"
    up, low = res["parts"]["rho'' < w"], res["parts"]["rho'' > -w"]
    assert up["status"] == "proved" and low["status"] == "refuted"
    (_, lower), (sa, sr), _ = band_margins("1/10")
    pt = {sa: sp.Rational(low["violating_point"]["a"]), sr: sp.Rational(low["violating_point"]["r"])}
    assert sp.N(lower.subs(pt), 50) < 0


def test_certify_cli_two_cycle_and_inequality(tmp_path, capsys):
    out = tmp_path / "c.json"
    assert main(["certify", "two-cycle", "--eta", "3/5", "--near", "x=0.9,y=0.9",
                 "--json", str(out)]) == 0
    data = json.loads(out.read_text())
    assert data["status"] == "proved" and data["stability"] == "stable"
    assert main(["certify", "inequality", "x**2 + y**2 >= 2*x*y + 1/10",
                 "--box", "x=-1:1,y=-1:1"]) == 1
    assert "verified violating point" in capsys.readouterr().out
    assert main(["certify", "two-cycle", "--eta", "3/5", "--near", "x=0.9"]) == 2
