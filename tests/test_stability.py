"""Stability thresholds derived from the linearised map along the minima, against the closed
forms of the literature (typed here, never in the library), and the rules' EoS minima."""
import pytest
import sympy as sp

from eos_symbolic import EosError, get_model
from eos_symbolic.claims.checks.optimizers import check_stability_threshold
from eos_symbolic.claims.registry import Claim
from eos_symbolic.claims.verify import Context
from eos_symbolic.symbolic.optimizers import parse_optimizer
from eos_symbolic.symbolic.stability import (
    quadratic_threshold,
    rule_eos_minima,
    stability_threshold,
)
from eos_symbolic.symbolic.symbols import beta, eta, lam, rho

B, R = sp.Rational(1, 2), sp.Rational(1, 20)
CLOSED = {  # the sharpness at which each rule flips, as the literature states it
    "gd": 2 / eta,
    "heavy-ball:beta=1/2": 2 * (1 + B) / eta,
    "nesterov:beta=1/2": (2 + 2 * B) / ((1 + 2 * B) * eta),
}


@pytest.mark.parametrize("model", ["four-scalar", "two-scalar", "three-scalar"])
@pytest.mark.parametrize("spec", list(CLOSED))
def test_thresholds_match_the_closed_forms(model, spec):
    th = stability_threshold(get_model(model), parse_optimizer(spec))
    assert sp.simplify(th.value - CLOSED[spec]) == 0
    assert th.checked


def test_heavy_ball_threshold_is_three_over_eta_and_its_general_form():
    th = stability_threshold(get_model("four-scalar"), parse_optimizer("heavy-ball:beta=1/2"))
    assert th.value == 3 / eta
    assert sp.simplify(th.general - 2 * (1 + beta) / eta) == 0


@pytest.mark.parametrize("model", ["four-scalar", "two-scalar", "three-scalar"])
def test_usam_threshold_solves_eta_s_one_plus_rho_s_equals_two(model):
    th = stability_threshold(get_model(model), parse_optimizer("usam:rho=1/20"))
    S = th.value
    assert sp.simplify(eta * S * (1 + R * S) - 2) == 0
    assert sp.N(S.subs(eta, sp.Rational(1, 5))) > 0
    assert sp.simplify(sp.expand(th.relation_general - (eta * lam ** 2 * rho + eta * lam - 2))) == 0


def test_quadratic_route_is_independent_and_agrees():
    for spec in CLOSED:
        assert sp.simplify(quadratic_threshold(parse_optimizer(spec)) - CLOSED[spec]) == 0


def test_non_smooth_rules_have_no_threshold_and_say_why():
    for spec in ("sam:rho=1/20", "normalized-gd"):
        with pytest.raises(EosError, match="not differentiable at critical points"):
            stability_threshold(get_model("four-scalar"), parse_optimizer(spec))


def test_the_rules_eos_minimum_has_sharpness_equal_to_the_threshold():
    m = get_model("four-scalar")
    for spec in ("heavy-ball:beta=1/2", "usam:rho=1/20"):
        (pt, *_), th = rule_eos_minima(m, parse_optimizer(spec))
        S = 2 * (pt[0] ** 2 + pt[1] ** 2)  # four-scalar: S = 2 (x^2 + y^2) on xy = 1
        for e in (sp.Rational(1, 10), sp.Rational(1, 5)):
            assert abs(sp.N((S - th.value).subs(eta, e), 40)) < 1e-30
            assert abs(sp.N((pt[0] * pt[1]).subs(eta, e), 40) - 1) < 1e-30


def _claim(claimed, spec="heavy-ball:beta=1/2"):
    return Claim("T1", "test", "", "stability-threshold", "four-scalar",
                 {"optimizer": spec, "claimed": claimed}, "test")


def test_checker_verifies_the_right_threshold_with_a_proof():
    v = check_stability_threshold(_claim("3/eta"), Context())
    assert v.verdict == "verified"
    assert v.evidence["proof"]["kind"] == "exact-algebra" and v.evidence["proof"]["checked_by"]


def test_checker_refutes_a_planted_wrong_threshold_with_the_correction():
    v = check_stability_threshold(_claim("2/eta"), Context())  # GD's, not heavy-ball's
    assert v.verdict == "refuted" and v.correction == "3/eta"
    assert v.counterexample["claimed"].startswith("20.") and \
        v.counterexample["derived"].startswith("30.")
    v = check_stability_threshold(_claim("2/eta", "usam:rho=1/20"), Context())
    assert v.verdict == "refuted" and "sqrt" in v.correction
