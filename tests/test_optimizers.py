"""Optimizers as symbolic update rules: the spec parser, the maps on the state, the tie proofs."""
import mpmath
import pytest
import sympy as sp

from eos_symbolic import EosError, Model, get_model
from eos_symbolic.symbolic.optimizers import GD, parse_optimizer
from eos_symbolic.symbolic.symbols import eta, symbol, x, y


@pytest.mark.parametrize("spec", ["gd", "heavy-ball:beta=1/2", "nesterov:beta=9/10",
                                  "usam:rho=1/20", "sam:rho=1/20", "normalized-gd",
                                  "preconditioned:x=2,z=2"])
def test_specs_parse_back_to_the_same_rule(spec):
    rule = parse_optimizer(spec)
    assert parse_optimizer(rule.spec) == rule
    assert all(isinstance(v, sp.Rational) for _, v in rule.params)


def test_decimals_become_exact_and_gd_is_the_default():
    assert parse_optimizer("usam:rho=0.05").value("rho") == sp.Rational(1, 20)
    assert parse_optimizer(None) is GD and parse_optimizer("") is GD


@pytest.mark.parametrize("spec, match", [
    ("momentum:beta=1/2", "unknown rule 'momentum'"),
    ("heavy-ball:beta=1", "0 <= beta < 1"),
    ("heavy-ball:beta=3/2", "0 <= beta < 1"),
    ("nesterov:beta=1", "0 <= beta < 1"),
    ("usam:rho=0", "rho > 0"),
    ("usam:rho=-1/10", "rho > 0"),
    ("sam:rho=0", "rho > 0"),
    ("heavy-ball", "missing beta"),
    ("heavy-ball:beta=1/2,beta=1/3", "given twice"),
    ("heavy-ball:rho=1/2", "unknown parameter 'rho'"),
    ("usam:rho=__import__('os')", "exact number"),
    ("usam:rho=1e9", "exact number"),
    ("usam:rho=1/0", "divides by zero"),
    ("preconditioned:x=0", "positive entry"),
])
def test_bad_specs_get_one_line_errors(spec, match):
    with pytest.raises(EosError, match=match) as info:
        parse_optimizer(spec)
    assert "\n" not in str(info.value)


def test_gd_rule_is_the_models_own_map():
    m = get_model("four-scalar")
    assert GD.reduced_map(m) == m.gd_map


def test_heavy_ball_map_against_the_hand_written_recurrence():
    m, beta = get_model("four-scalar"), sp.Rational(1, 2)
    xp, yp = symbol("xprev"), symbol("yprev")
    hand = (x - eta * x * y**2 * (x**2 * y**2 - 1) + beta * (x - xp),
            y - eta * x**2 * y * (x**2 * y**2 - 1) + beta * (y - yp), x, y)
    rule = parse_optimizer("heavy-ball:beta=1/2")
    assert rule.state_symbols(m) == (x, y, xp, yp)
    assert all(sp.expand(f - g) == 0 for f, g in zip(rule.reduced_map(m), hand))


def test_usam_and_sam_maps_against_numbers():
    # hand-written four-scalar gradient (tied): g = t (y, x), t = x y (x^2 y^2 - 1)
    def grad(p):
        t = p[0] * p[1] * (p[0] ** 2 * p[1] ** 2 - 1)
        return [t * p[1], t * p[0]]
    m = get_model("four-scalar")
    p, e, r = [mpmath.mpf("1.3"), mpmath.mpf("0.6")], mpmath.mpf("0.1"), mpmath.mpf("0.05")
    g = grad(p)
    usam = [pi - e * gi for pi, gi in zip(p, grad([pi + r * gi for pi, gi in zip(p, g)]))]
    norm = mpmath.sqrt(2 * g[0] ** 2 + 2 * g[1] ** 2)  # four parameters, two tied pairs
    sam = [pi - e * gi for pi, gi in zip(p, grad([pi + r * gi / norm for pi, gi in zip(p, g)]))]
    for spec, ref in (("usam:rho=1/20", usam), ("sam:rho=1/20", sam)):
        exprs = parse_optimizer(spec).reduced_map(m)
        vals = [sp.N(f.subs({x: sp.Rational(13, 10), y: sp.Rational(3, 5), eta:
                             sp.Rational(1, 10)}), 30) for f in exprs]
        assert all(abs(mpmath.mpf(str(v)) - w) < 1e-25 for v, w in zip(vals, ref)), spec


def test_ties_are_proved_invariant_under_each_smooth_rule():
    m = get_model("four-scalar")
    for spec in ("heavy-ball:beta=1/2", "nesterov:beta=1/2", "usam:rho=1/20", "sam:rho=1/20",
                 "normalized-gd", "preconditioned:x=2,z=2"):
        parse_optimizer(spec).bind(m)


def test_a_non_invariant_tie_under_momentum_is_refused_naming_the_rule():
    with pytest.raises(EosError, match="not invariant under heavy-ball:beta=1/2") as info:
        Model.from_loss("(1 - x*y)**2/2 + x", ["y=x"], rule=parse_optimizer(
            "heavy-ball:beta=1/2"))
    assert "\n" not in str(info.value)
    with pytest.raises(EosError, match="not invariant under nesterov"):
        Model.from_loss("(1 - x*y*z)**2/2 + z**2", ["z=y"], rule=parse_optimizer(
            "nesterov:beta=1/4"))


def test_a_preconditioner_that_weights_tied_parameters_differently_is_refused():
    with pytest.raises(EosError, match="scales d/dz by 1 and d/dx by 2"):
        parse_optimizer("preconditioned:x=2").bind(get_model("four-scalar"))
    with pytest.raises(EosError, match="not a parameter of the loss"):
        parse_optimizer("preconditioned:q=2").bind(get_model("four-scalar"))
