"""The safe parser: the same SymPy objects as before for honest text, a one-line refusal for
everything else, bounded work before anything is built."""
import json
import time
from pathlib import Path

import pytest
import sympy as sp

from eos_symbolic import parse, parse_expression
from eos_symbolic.errors import EosError
from eos_symbolic.symbolic.symbols import eta, x, y

DERIVATIONS = Path(__file__).resolve().parents[1] / "derivations"


def test_derivations_parse_back_to_what_derive_wrote():
    # sympy.sympify is the reference here: trusted text written by `derive` itself
    count = 0
    for path in sorted(DERIVATIONS.glob("*/derivations.json")):
        for name, text in json.loads(path.read_text()).items():
            ref = sp.sympify(text, locals={s: sp.Symbol(s, real=True) for s in
                                           ("x", "y", "z", "w", "a", "b", "c", "d", "u", "C",
                                            "x1", "x2", "x3", "x4", "x5", "lamda")}
                             | {"eta": eta, "kappa": sp.Symbol("kappa", positive=True)})
            assert sp.srepr(parse(text)) == sp.srepr(ref), (path.parent.name, name)
            count += 1
    assert count > 100


@pytest.mark.parametrize("text, value", [
    ("0.01", sp.Rational(1, 100)), ("1e-3", sp.Rational(1, 1000)), ("2^3", 8),
    ("Rational(3, 7)", sp.Rational(3, 7)), ("-(x - 1)", 1 - x), ("x*y/2", x * y / 2),
    ("(1 - x*y)**2/2", (1 - x * y) ** 2 / 2), ("sqrt(4)", 2),
    ("log(cosh(1 - x*y))", sp.log(sp.cosh(1 - x * y))),
    ("(1 - tanh(x)*y)**2/2", (1 - sp.tanh(x) * y) ** 2 / 2),
    ("sinh(x)*exp(-y)", sp.sinh(x) * sp.exp(-y)),
])
def test_honest_text_gives_exact_sympy(text, value):
    assert sp.simplify(parse_expression(text) - value) == 0


@pytest.mark.parametrize("text, match", [
    ("__import__('os').system('echo planted')", "not allowed"),
    ("x.real", "attribute access"),
    ("(lambda: 1)()", "not allowed"),
    ("[x for x in ()]", "not allowed"),
    ("1j*x", "not a number"),
    ("'text'", "not a number"),
    ("x if y else 1", "not allowed"),
    ("9**9**9**9*x", "exponent"),
    ("10**100000", "exponent"),
    ("2**64**2", "exponent"),
    ("1e999999", "decimal exponent"),
    ("1" * 400, "digits"),
    ("(1 - x*y)**200", "exponent"),
    ("((1 - x*y)**64)**64", "degree"),
    ("(x + y + z + w + a + b)**64", "terms once expanded"),
    ("sqrt(" * 100 + "x" + ")" * 100, "nesting"),
    ("-" * 500 + "x", "nesting"),
    ("(" * 300 + "x" + ")" * 300, "cannot parse"),
    ("exp(x, y)", "argument"),
    ("tanh(tanh(tanh(tanh(tanh(x*y)))))", "nested more than 4"),
    ("exp(cosh(sinh(log(tanh(x)))))*y", "grows without bound"),
    ("foo(x)", "not allowed"),
    ("sqrt", "needs arguments"),
    ("x / 0", "division by zero"),
    ("", "non-empty"),
    ("x" * 3000, "longer than"),
])
def test_hostile_text_is_refused_in_one_line_and_fast(text, match):
    start = time.perf_counter()
    with pytest.raises(EosError, match=match) as info:
        parse_expression(text, "loss")
    assert time.perf_counter() - start < 1.0
    assert "\n" not in str(info.value) and str(info.value).startswith("loss:")


def test_planted_code_never_runs(tmp_path):
    marker = tmp_path / "ran"
    for text in (f"__import__('pathlib').Path({str(marker)!r}).touch() or 3",
                 f"exec(\"open({str(marker)!r}, 'w')\")"):
        with pytest.raises(EosError):
            parse_expression(text)
        with pytest.raises(EosError):
            parse(text)
    assert not marker.exists()


def test_derivations_may_hold_closed_intervals_of_certified_numbers():
    value = parse("(Interval(2993637/10000000, 1496819/5000000), Interval(1, 2))")
    assert value[0] == sp.Interval(sp.Rational(2993637, 10000000), sp.Rational(1496819, 5000000))


def test_a_loss_whose_hessian_grows_too_large_is_refused(monkeypatch):
    from eos_symbolic import Model
    from eos_symbolic.symbolic import model as model_module
    monkeypatch.setattr(model_module, "MAX_HESSIAN_OPS", 50)
    with pytest.raises(EosError, match="Hessian has .* operations, above the limit 50") as info:
        Model.from_loss("log(cosh(tanh(x*y) + sinh(x)))")
    assert "\n" not in str(info.value)


@pytest.mark.parametrize("text", ["0+EmptySet", "-EmptySet", "(1, 2) + x", "EmptySet**2",
                                  "2*Matrix([[1]])", "x*Interval(0, 1)"])
def test_arithmetic_on_non_scalars_of_derivations_is_refused(text):
    """Sets, tuples and matrices of `derivations.json` take part in no arithmetic (SymPy
    would warn or build nonsense): a one-line error, as for any refused text."""
    with pytest.raises(EosError) as exc:
        parse(text)
    assert "arithmetic on" in str(exc.value) and "\n" not in str(exc.value)
