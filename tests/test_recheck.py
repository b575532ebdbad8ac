"""The independent re-checkers refuse planted falsehoods, and share no code with the provers
(beyond the ball arithmetic and the parser)."""
import ast
from fractions import Fraction as F
from pathlib import Path

import sympy as sp

import eos_symbolic
from eos_symbolic.local.expansions import series_step
from eos_symbolic.rigorous.domain import Range
from eos_symbolic.rigorous.intervals import prove_positive
from eos_symbolic.rigorous.recheck_boxes import check_boxes, covers
from eos_symbolic.rigorous.recheck_series import check_series
from eos_symbolic.rigorous.recheck_signs import check_roots, check_sign
from eos_symbolic.rigorous.signs import prove_sign
from eos_symbolic.symbolic.models import get_model
from eos_symbolic.symbolic.symbols import x, y

RIGOROUS = Path(eos_symbolic.__file__).parent / "rigorous"
PROVERS = {"algebra", "signs", "intervals", "krawczyk", "flip", "remainder_bound", "band"}


def test_rechecks_import_no_prover():
    for path in RIGOROUS.glob("recheck_*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.level:
                assert (node.module or "").split(".")[0] not in PROVERS, (path.name, node.module)


def test_box_certificate_with_a_missing_or_wrong_leaf_fails():
    X, Y = sp.Symbol("x"), sp.Symbol("y")
    e = X ** 2 + Y ** 2 + sp.Rational(1, 10)
    box = [(F(-1), F(1)), (F(-1), F(1))]
    res = prove_positive(e, [X, Y], box)
    leaves = [b for b, _ in res.leaves]
    assert check_boxes(e, [X, Y], box, leaves, True)[0]
    assert not check_boxes(e, [X, Y], box, leaves[1:], True)[0]           # a hole
    assert not check_boxes(e - sp.Rational(1, 5), [X, Y], box, leaves, True)[0]  # false claim
    assert not covers(box, leaves + [[(F(0), F(1)), (F(0), F(1))]]) or len(leaves) == 1


def test_sign_tree_and_sturm_leaf_are_rechecked_against_the_domain():
    dom = {x: Range(F(1), F(3), False, False)}
    res = prove_sign(x ** 2 - 1, dom)
    tree = res.proof
    assert check_sign(tree, {"x": dom[x]})[0]
    assert not check_sign(tree, {"x": Range(F(1, 2), F(3), False, False)})[0]
    bad = {**tree, "expr": "x**2 - 2"}
    assert not check_sign(bad, {"x": dom[x]})[0]
    two = {x: Range(F(-1), F(1), False, False), y: Range(F(-1), F(1), False, False)}
    boxed = prove_sign(x ** 2 + y ** 2 - x * y + sp.Rational(1, 100), two, strict=True).proof
    assert boxed["rule"] == "arb-boxes"
    assert check_sign(boxed, {"x": two[x], "y": two[y]})[0]
    assert not check_sign({**boxed, "leaves": boxed["leaves"][1:]}, {"x": two[x], "y": two[y]})[0]
    wider = Range(F(-2), F(1), False, False)  # the leaves do not cover a wider domain
    assert not check_sign(boxed, {"x": wider, "y": two[y]})[0]


def test_root_count_is_rechecked():
    step = {"kind": "roots", "polynomial": "x**3 - 2*x", "variable": "x", "range": "(0, oo)",
            "count": 1}
    assert check_roots(step)[0]
    assert not check_roots({**step, "count": 2})[0]


def test_series_step_with_a_changed_coefficient_fails():
    w = {"a": 3, "b": 2, "kappa": 1}
    step = series_step(get_model("four-scalar"), 2, w, 8)
    assert check_series(step)[0]
    bad = {**step, "series": {**step["series"], "b": step["series"]["b"] + " + b**4"},
           "kappa_series": {**step["kappa_series"], "b": step["kappa_series"]["b"] + " + b**4"}}
    assert not check_series(bad)[0]
    other = {**step, "model": "two-scalar"}  # the same series is not two-scalar's
    assert not check_series(other)[0]


def test_forward_mode_duals_enclose_value_and_gradient_in_two_and_three_directions():
    """`Program` on `Dual`s (the unrolled two-direction case and the general one) and on plain
    balls: value and gradient at a point contain SymPy's exact ones, and a planted wrong
    derivative is excluded."""
    import flint

    from eos_symbolic.rigorous.recheck_program import Dual, Program, num
    a, b, k = sp.symbols("a b k")
    f = (a + (k ** -4 - 4) ** sp.Rational(1, 4)) * (b + 1) ** 2 / (sp.sqrt(1 - k ** 4 * b ** 2) + 1) \
        - a ** 3 * b / k ** 2
    prog = Program([f], (a, b, k))
    pt = {a: sp.Rational(-1, 7), b: sp.Rational(1, 3), k: sp.Rational(1, 10)}
    vals = [F(int(pt[s].p), int(pt[s].q)) for s in (a, b, k)]
    exact = [sp.N(e.subs(pt), 40) for e in (f, f.diff(a), f.diff(b), f.diff(k))]
    with flint.ctx.workprec(128):
        plain, = prog(*[num(v) for v in vals])
        assert plain.contains(flint.arb(str(exact[0])))
        for n in (2, 3):
            duals = [Dual(num(v), tuple(num(int(i == j)) for j in range(n)))
                     for i, v in enumerate(vals[:n])]
            rest = [Dual(num(v), tuple(num(0) for _ in range(n))) for v in vals[n:]]
            out, = prog(*duals, *rest)
            assert out.v.contains(flint.arb(str(exact[0])))
            for j in range(n):
                assert out.d[j].contains(flint.arb(str(exact[1 + j])))
                assert not out.d[j].contains(flint.arb(str(exact[1 + j] * 1.0001)))
