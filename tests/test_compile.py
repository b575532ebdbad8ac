"""Compiled numeric kernels: agreement with hand-written formulas, Arb enclosures,
cancellation detection by two precisions, exact record round trips."""
import gmpy2
import mpmath
import numpy as np
import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from eos_symbolic import EosError, get_model, reparameterise
from eos_symbolic.numeric.arb import ArbRunner, naive_ball_orbit
from eos_symbolic.numeric.backends import number, precision_scope
from eos_symbolic.numeric.compile import compile_expressions
from eos_symbolic.numeric.iterate import Engine
from eos_symbolic.numeric.kernels import kernels_for
from eos_symbolic.numeric.precision import agreeing_digits
from eos_symbolic.numeric.record import exact_string, from_exact
from eos_symbolic.symbolic.symbols import a, b, eta, kappa, x, y

FOUR = get_model("four-scalar")
POINTS = [("2.5", "0.2", "0.2"), ("12.5", "0.05", "0.01"), ("0.7", "-1.3", "0.1"),
          ("9.99", "0.1001", "0.01")]


def eq2_by_hand(xv, yv, e):
    """Paper eq. 2 typed from the paper, independent of the symbolic layer."""
    r = xv ** 2 * yv ** 2 - 1
    return xv - e * xv * yv ** 2 * r, yv - e * xv ** 2 * yv * r


@pytest.mark.parametrize("backend", ["mpfr", "mpmath", "arb", "float"])
@pytest.mark.parametrize("xs,ys,es", POINTS)
def test_compiled_map_is_eq2(backend, xs, ys, es):
    eng = Engine(FOUR, "xy", backend, 50, es)
    u = (eng.number(xs), eng.number(ys))
    got = eng.step(u)
    with mpmath.workdps(60):
        want = eq2_by_hand(mpmath.mpf(xs), mpmath.mpf(ys), mpmath.mpf(es))
        for g, w in zip(got, want):
            g = mpmath.mpf(g.mid().str(55, radius=False)) if backend == "arb" else mpmath.mpf(
                str(g) if backend != "mpfr" else g.as_mantissa_exp())
            tol = 1e-14 if backend == "float" else mpmath.mpf(10) ** -45
            assert abs(g - w) <= tol * max(1, abs(w))


def test_generated_code_shares_the_gradient_factor():
    # eq. 2 as u - g h with g = eta x y (x y - 1)(x y + 1): one product x*y, ten operations
    src = kernels_for(FOUR, "xy").step.source
    body = src.split("def step")[1].split("def run")[0]
    assert body.count("v0*v1") == 1 and "**" not in body


@pytest.mark.parametrize("n", [2, 3, 4, 5, 7, 8, 13, -3])
def test_integer_powers_by_multiplication_chains(n):
    step, _ = compile_expressions([x ** n + 1], (x,)).bind("float")
    assert step(1.1)[0] == pytest.approx(1.1 ** n + 1, rel=1e-14)


@pytest.mark.parametrize("e", [x / y ** 2, x / y ** 5, x * y ** -3 / (x + y) ** 2,
                               -1 / (x * y ** 4)])
def test_powers_in_a_denominator_keep_their_parentheses(e):
    """x/y**2 must print as x/(y*y): as x/y*y it evaluates to x."""
    step, _ = compile_expressions([e], (x, y)).bind("float")
    assert step(1.3, 0.7)[0] == pytest.approx(float(e.subs({x: 1.3, y: 0.7})), rel=1e-14)


def test_parameter_only_subexpressions_are_hoisted():
    cc = reparameterise(FOUR).c_check.subs(kappa, sp.sqrt(eta))
    src = compile_expressions([a + cc], (a,), (eta,)).source
    setup, body = src.split("def step")
    assert "sqrt" in setup and "sqrt" not in body


def test_unsupported_expressions_fail_clearly():
    with pytest.raises(EosError, match="cannot compile"):
        compile_expressions([sp.atan(x)], (x,))


def test_ab_map_agrees_with_xy_map_through_the_chart():
    # two routes to a(F(x, y)): the symbolic (a, b) map of C7 vs GD in (x, y) then the chart
    for xs, ys, es in [("2.5", "0.2", "0.2"), ("10.2", "0.098", "0.01")]:
        xy, ab = Engine(FOUR, "xy", "mpfr", 60, es), Engine(FOUR, "ab", "mpfr", 60, es)
        u = (xy.number(xs), xy.number(ys))
        o0 = xy.observe(u)
        a1, b1 = ab.step((o0["a"], o0["b"]))
        o1 = xy.observe(xy.step(u))
        assert agreeing_digits(a1, o1["a"], 60) >= 50
        assert agreeing_digits(b1, o1["b"], 60) >= 50


def test_jacobian_matches_symbolic_jacobian():
    eng = Engine(FOUR, "xy", "mpfr", 40, "0.2")
    J = eng.jacobian((eng.number("2.5"), eng.number("0.2")))
    exact = FOUR.jacobian.subs({x: sp.Rational(5, 2), y: sp.Rational(1, 5),
                                eta: sp.Rational(1, 5)})
    for g, w in zip(J, exact):
        assert abs(float(g) - float(w)) < 1e-15


def test_two_precisions_expose_a_cancellation_prone_form():
    # a' - a written as (a + c)(1 - T^2)^(1/2) - c - a cancels catastrophically at small kappa;
    # the increment -(a + c) T^2 / (1 + (1 - T^2)^(1/2)) of `reparameterise` does not
    rp = reparameterise(FOUR)
    stable = rp.ab_increment[0]
    naive = rp.ab_map[0] - a
    point = {a: sp.Rational(1, 10 ** 6), b: sp.Rational(1, 100)}
    digits = {}
    for name, expr in (("naive", naive), ("stable", stable)):
        f = compile_expressions([expr.subs(point)], (kappa,))
        vals = []
        for dps in (30, 45):
            with precision_scope("mpfr", dps):
                vals.append(f.bind("mpfr")[0](number("mpfr", "0.001"))[0])
        digits[name] = agreeing_digits(vals[0], vals[1], 30)
    assert digits["stable"] >= 28
    assert digits["naive"] <= 18


def test_arb_step_encloses_high_precision_value():
    eng = Engine(FOUR, "xy", "arb", 30, "0.01")
    X = eng.step((eng.number("12.5"), eng.number("0.05")))
    with mpmath.workdps(80):
        want = eq2_by_hand(mpmath.mpf("12.5"), mpmath.mpf("0.05"), mpmath.mpf("0.01"))
    import flint
    with flint.ctx.workprec(300):
        for box, w in zip(X, want):
            assert box.contains(flint.arb(mpmath.nstr(w, 75)))
            assert box.rad() < 1e-28


def test_centred_form_enclosure_contains_true_orbit_and_stays_tight():
    runner = ArbRunner(FOUR, "xy", "0.2", 30)
    state = runner.advance(runner.start(("2.5", "0.2")), 2001)
    with mpmath.workdps(70):  # hand-written reference orbit at 70 digits
        xv, yv, e = mpmath.mpf("2.5"), mpmath.mpf("0.2"), mpmath.mpf("0.2")
        for _ in range(2001):
            xv, yv = eq2_by_hand(xv, yv, e)
        ref = (mpmath.nstr(xv, 65), mpmath.nstr(yv, 65))
    import flint
    boxes = runner.boxes(state)
    with flint.ctx.workprec(300):
        for box, w in zip(boxes, ref):
            assert box.contains(flint.arb(w))
    _, digits = runner.row(state, 2001)
    assert digits["x"] >= 26 and digits["y"] >= 26


def test_naive_ball_iteration_blows_up():
    radii = naive_ball_orbit(FOUR, "xy", "0.2", ("2.5", "0.2"), 300, 30)
    assert not radii[-1] < 1e-3  # doubling radius: useless after a few hundred steps


@settings(max_examples=60, deadline=None)
@given(st.floats(allow_nan=False, allow_infinity=False, width=64),
       st.integers(min_value=15, max_value=400))
def test_exact_strings_round_trip(value, dps):
    with precision_scope("mpfr", dps):
        v = gmpy2.mpfr(value) * gmpy2.sqrt(gmpy2.mpfr(3))
        assert from_exact("mpfr", exact_string("mpfr", v)) == v
    assert from_exact("float", exact_string("float", value)) == value


def test_float_backend_is_vectorised():
    eng = Engine(FOUR, "xy", "float", 15, "0.01")
    xs, ys = np.linspace(2, 3, 5), np.linspace(0.1, 0.5, 5)
    got = eng.advance((xs, ys), 3)
    for i in range(5):
        xv, yv = xs[i], ys[i]
        for _ in range(3):
            xv, yv = eq2_by_hand(xv, yv, 0.01)
        assert got[0][i] == pytest.approx(xv, rel=1e-13) and got[1][i] == pytest.approx(yv,
                                                                                        rel=1e-13)
