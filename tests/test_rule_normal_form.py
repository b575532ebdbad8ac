"""Local normal forms under optimizers: the generic chart route reproduces GD exactly, momentum
with beta = 0 is GD, and the predicted limit sharpness of heavy-ball and USAM."""
from dataclasses import replace

import pytest
import sympy as sp

from eos_symbolic import EosError, get_model
from eos_symbolic.local.charts import charts, one_step_series
from eos_symbolic.local.normal_form import normal_forms
from eos_symbolic.local.rule_charts import rule_one_step_series
from eos_symbolic.symbolic.optimizers import GD, parse_optimizer
from eos_symbolic.symbolic.symbols import eta, kappa


@pytest.mark.parametrize("model", ["four-scalar", "three-scalar"])
def test_generic_rule_route_for_gd_equals_the_implicit_route(model):
    for ch in charts(get_model(model)):
        w = (3, 2, 1) if ch.branch == 1 else (5, 3, 1)
        ref = one_step_series(ch, w, 12, implicit=True)
        gen = rule_one_step_series(replace(ch, rule=GD), w, 12)
        assert [p.coefficients() for p in ref] == [q.coefficients() for q in gen]


def test_heavy_ball_with_zero_momentum_is_gd_through_the_centre_manifold():
    m = get_model("four-scalar")
    gd, hb = normal_forms(m)[0], normal_forms(m, parse_optimizer("heavy-ball:beta=0"))[0]
    assert hb.leading_kappa == gd.leading_kappa
    assert hb.limit_sharpness == gd.limit_sharpness == (2 / eta - eta / 2, eta ** 3)
    assert [p.coefficients() for p in hb.two_step] == [q.coefficients() for q in gd.two_step]


def test_heavy_ball_predicts_concentration_below_its_own_threshold():
    nf = normal_forms(get_model("four-scalar"), parse_optimizer("heavy-ball:beta=1/2"))[0]
    assert nf.curve_type == "parabola (attracting)"
    assert nf.limit_sharpness == (3 / eta - eta / 3, eta ** 3)
    assert sp.simplify(nf.to_kappa(nf.end_point) + sp.sqrt(6) * kappa ** 3 / 36) == 0


def test_usam_along_rho_equal_eta():
    nf = normal_forms(get_model("four-scalar"), parse_optimizer("usam:rho=1/20"))
    assert nf[0].chart.rule.spec == "usam:rho=eta"
    assert nf[0].limit_sharpness == (1 / eta - sp.Rational(64, 171) * eta, eta ** 3)


def test_two_scalar_stays_without_concentration_under_momentum():
    nf = normal_forms(get_model("two-scalar"), parse_optimizer("heavy-ball:beta=1/2"))[0]
    assert nf.curve_type == "ellipse"


def test_rules_without_a_chart_route_say_why():
    with pytest.raises(EosError, match="no local chart route"):
        normal_forms(get_model("four-scalar"), parse_optimizer("sam:rho=1/20"))
