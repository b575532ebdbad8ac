"""Model construction: parsing, tie invariance, refusal of bad input."""
import pytest
import sympy as sp

from eos_symbolic import EosError, Model, get_model
from eos_symbolic.symbolic.symbols import eta, symbol, w, x, y, z


def test_four_scalar_reduced_map_is_eq2():
    # paper eq. 2, typed by hand: x' = x - eta x y^2 (x^2 y^2 - 1), y' = y - eta x^2 y (x^2 y^2 - 1)
    m = get_model("four-scalar")
    hand = (x - eta * x * y**2 * (x**2 * y**2 - 1), y - eta * x**2 * y * (x**2 * y**2 - 1))
    assert m.coords == (x, y)
    assert all(sp.expand(f - g) == 0 for f, g in zip(m.gd_map, hand))


def test_user_model_matches_builtin():
    user = Model.from_loss("(1 - x*y*z*w)**2/2", ["z=x", "w=y"])
    assert user.gd_map == get_model("four-scalar").gd_map
    assert user.params == (x, y, z, w)


def test_decimal_input_becomes_exact():
    assert Model.from_loss("0.5*(1-x*y)^2").loss == sp.Rational(1, 2) * (1 - x * y) ** 2


def test_depth_family_groups():
    m = get_model("depth-5:2+3")
    assert m.coords == (symbol("x1"), symbol("x3"))
    assert get_model("depth-4:2+2").gd_map == tuple(
        e.subs({x: symbol("x1"), y: symbol("x3")}, simultaneous=True)
        for e in get_model("four-scalar").gd_map)


def test_non_invariant_tie_is_refused_with_reason():
    with pytest.raises(EosError, match="not invariant under GD"):
        Model.from_loss("(1 - x*y)**2/2 + x", ["y=x"])
    with pytest.raises(EosError, match="not invariant"):
        Model.from_loss("(1 - x*y*z)**2/2 + z**2", ["z=y"])


@pytest.mark.parametrize("text, match", [
    ("__import__('os').system('echo hi')", "not allowed"),
    ("x.__class__", "not allowed"),
    ("lambda: 1", "not allowed"),
    ("open(x)", "not allowed|cannot parse|polynomial"),
    ("(1 - x*y", "cannot parse"),
    ("x**y", "exponent"),
    ("tanh(tanh(tanh(tanh(tanh(x)))))*y", "nested"),
    ("(1 - x*y)**2/2 + eta", "step size"),
    ("", "non-empty"),
    ("3", "at least one parameter"),
])
def test_bad_loss_gets_one_line_error(text, match):
    with pytest.raises(EosError, match=match) as info:
        Model.from_loss(text)
    assert "\n" not in str(info.value)


def test_bad_ties_and_names():
    with pytest.raises(EosError, match="NAME=NAME"):
        Model.from_loss("(1-x*y)**2", ["x"])
    with pytest.raises(EosError, match="parameters of the loss"):
        Model.from_loss("(1-x*y)**2", ["q=x"])
    with pytest.raises(EosError, match="unknown model"):
        get_model("five-scalar")
    with pytest.raises(EosError, match="add up to 5"):
        get_model("depth-5:2+2")
