"""Local normal forms against independent references.

References here never use the series code: the exact GD maps are written out by hand from the
paper (eq. 2 and Section 4) and evaluated with mpmath at 60 digits or float64; EoS offsets come
from the Hessian-based EoS polynomial of `minima.eos_minima` or from hand-derived formulas.
"""
import math

import mpmath
import pytest
import sympy as sp

from eos_symbolic import Model, get_model, parse
from eos_symbolic.errors import EosError
from eos_symbolic.local.catalogue import derive_model
from eos_symbolic.local.charts import charts, one_step_series
from eos_symbolic.local.normal_form import normal_forms
from eos_symbolic.local.remainder import eos_offset
from eos_symbolic.symbolic.minima import eos_minima
from eos_symbolic.symbolic.symbols import C, a, b, eta, kappa, u


def nf_of(name, branch=1):
    return [nf for nf in normal_forms(get_model(name)) if nf.chart.branch == branch][0]


# --- exact maps written out by hand (paper eq. 2, Section 4), in (a, b) coordinates --------

def four_scalar_map(a0, b0, kap, steps):
    """Eq. 2 in (a, b): c = (kappa^-4 - 4)^(1/4) + a, d = 1 + b (C5-C6), x > y > 0."""
    cc = (kap ** -4 - 4) ** (mpmath.mpf(1) / 4)
    c, d = cc + a0, 1 + b0
    x = mpmath.sqrt((mpmath.sqrt(c ** 4 + 4 * d ** 2) + c ** 2) / 2)
    y = d / x
    for _ in range(steps):
        r = x * x * y * y - 1
        x, y = x - kap ** 2 * x * y * y * r, y - kap ** 2 * x * x * y * r
    return mpmath.sqrt(x * x - y * y) - cc - a0, x * y - 1


def three_scalar_map(a0, b0, kap, steps, branch):
    """L = (1 - x y z)^2 / 2, z = y: x' = x + eta r y^2, y' = y + eta r x y, r = 1 - x y^2.
    Chart: d = x y^2, c^2 = |x^2 - y^2|; c_check from the Hessian-based EoS polynomial."""
    big_first = branch == 1
    cc = _three_scalar_c_check(kap, branch)
    c, d = cc + a0, 1 + b0
    # X = x^2 solves X (X - c^2)^2 = d^2 (branch 1), Y = y^2 solves Y^2 (Y - c^2) = d^2 (branch 2)
    if big_first:
        X = mpmath.findroot(lambda X: X * (X - c * c) ** 2 - d * d, c * c + d / c)
        x, y = mpmath.sqrt(X), mpmath.sqrt(X - c * c)
    else:
        Y = mpmath.findroot(lambda Y: Y * Y * (Y - c * c) - d * d, c * c + d * d / c ** 4)
        y, x = mpmath.sqrt(Y), mpmath.sqrt(Y - c * c)
    for _ in range(steps):
        r = 1 - x * y * y
        x, y = x + kap ** 2 * r * y * y, y + kap ** 2 * r * x * y
    c_new = mpmath.sqrt(abs(x * x - y * y))
    return c_new - cc - a0, x * y * y - 1


def _three_scalar_c_check(kap, branch):
    """c at the minimum where the Hessian sharpness is 2/eta: roots u = y of `eos_condition`."""
    _, poly = eos_minima(get_model("three-scalar"))
    coeffs = [sp.lambdify(eta, co, "mpmath")(kap ** 2) for co in sp.Poly(poly, u).all_coeffs()]
    roots = [mpmath.re(r) for r in mpmath.polyroots(coeffs, maxsteps=200, extraprec=200)
             if abs(mpmath.im(r)) < mpmath.mpf(10) ** -30 and mpmath.re(r) > 0]
    y = sorted(roots)[0 if branch == 1 else -1]
    x = 1 / y ** 2
    return mpmath.sqrt(abs(x * x - y * y))


def series_values(nf, steps):
    return [sp.lambdify((a, b, kappa), e, "mpmath") for e in nf.expansion(steps)]


def residual_slopes(nf, exact, steps, scale_points=(32, 64, 128, 256)):
    """log2 ratios of max |exact - series| when (a, b, kappa) shrink along the weights."""
    wa, wb = nf.kappa_weights
    series = series_values(nf, steps)
    errors = []
    with mpmath.workdps(60):
        for n in scale_points:
            t = mpmath.mpf(1) / n
            err = [mpmath.mpf(0)] * 2
            for A, B in ((mpmath.mpf("0.7"), mpmath.mpf("-0.9")), (mpmath.mpf("-1.3"),
                                                                      mpmath.mpf("0.6"))):
                av, bv = A * t ** float(wa), B * t ** float(wb)
                for i, (f, e) in enumerate(zip(series, exact(av, bv, t, steps))):
                    err[i] = max(err[i], abs(f(av, bv, t) - e))
            errors.append(err)
    return [[float(mpmath.log(e0[i] / e1[i], 2)) for e0, e1 in zip(errors, errors[1:])]
            for i in range(2)]


# --- expansions -------------------------------------------------------------------------------

@pytest.mark.parametrize("steps", [1, 2])
def test_four_scalar_expansion_matches_exact_map_to_the_kept_order(steps):
    """Remainder of the weighted truncation shrinks like kappa^(N+1): every kept coefficient is
    right (a wrong one of weight w <= N would leave an error ~ kappa^w)."""
    nf = nf_of("four-scalar")
    slopes = residual_slopes(nf, four_scalar_map, steps)
    for component, order in zip(slopes, nf.kappa_orders):
        assert min(component) > order + 1 - 0.3, (component, order)


@pytest.mark.parametrize("branch", [1, 2])
def test_three_scalar_expansions_match_exact_map_at_both_eos_minima(branch):
    nf = nf_of("three-scalar", branch)
    slopes = residual_slopes(
        nf, lambda av, bv, t, steps: three_scalar_map(av, bv, t, steps, branch), 2)
    for component, order in zip(slopes, nf.kappa_orders):
        assert min(component) > order + 1 - 0.3, (component, order)


def test_four_scalar_leading_coefficients_by_finite_differences():
    """C8/C9 numbers from the exact map at 60 digits, tiny offsets: -2 b^2 k^3 and -4 b^2 k^3 in
    a' - a, a'' - a; -4 a b k, -3 b^2, -1 b^3 in b'; 8 a b k, -16 b^3 in b''."""
    nf = nf_of("four-scalar")
    (da1, db1), (da2, db2) = nf.expansion(1), nf.expansion(2)
    with mpmath.workdps(60):
        k, h, e = mpmath.mpf("1e-4"), mpmath.mpf("1e-9"), mpmath.mpf("1e-7")

        def fd(steps, comp, a0, b0):
            return four_scalar_map(a0, b0, k, steps)[comp]

        measured = {
            (da1, b ** 2 * kappa ** 3): fd(1, 0, 0, h) / (h * h * k ** 3),
            (da2, b ** 2 * kappa ** 3): fd(2, 0, 0, h) / (h * h * k ** 3),
            (db1, a * b * kappa): (fd(1, 1, e, h) - fd(1, 1, -e, h)) / (2 * e * h * k),
            (db1, b ** 2): (fd(1, 1, 0, h) + fd(1, 1, 0, -h)) / (2 * h * h),
            (db2, a * b * kappa): (fd(2, 1, e, h) - fd(2, 1, -e, h)) / (2 * e * h * k),
            (db2, b ** 3): (fd(2, 1, 0, e) - fd(2, 1, 0, -e) - 2 * e) / (2 * e ** 3),
        }
    for (expr, monomial), value in measured.items():
        coeff = sp.Poly(expr, a, b, kappa).coeff_monomial(monomial)
        assert abs(float(value) - float(coeff)) < 1e-4, (monomial, value, coeff)


@pytest.mark.parametrize("name", ["four-scalar", "two-scalar", "two-scalar-unhalved"])
def test_closed_form_and_implicit_routes_agree_exactly(name):
    chart = charts(get_model(name))[0]
    assert chart.closed_form
    closed = one_step_series(chart, (1, 1, 1), 9)
    implicit = one_step_series(chart, (1, 1, 1), 9, implicit=True)
    for p, q in zip(closed, implicit):
        assert p.coefficients() == q.coefficients()


def test_chart_eos_condition_matches_hessian_sharpness():
    """The chart's EoS offset (multiplier -1 of the d-map) equals c at the minimum where the
    Hessian sharpness is 2/eta (the EoS polynomial of `minima`), at both three-scalar minima."""
    for branch in (1, 2):
        chart = [c for c in charts(get_model("three-scalar")) if c.branch == branch][0]
        with mpmath.workdps(40):
            k = mpmath.mpf("0.2")
            assert abs(eos_offset(chart, k) - _three_scalar_c_check(k, branch)) < 1e-30


def untied_power_map(a0, b0, kap, steps, branch):
    """L = (1 - x^2 y)^2 / 2 without ties: x' = x + 2 eta r x y, y' = y + eta r x^2, r = 1 - x^2 y.
    Gradient-flow invariant x^2 - 2 y^2; chart d = x^2 y, c^2 = x^2 - 2y^2 (branch 1) or
    y^2 - x^2/2 (branch 2); c_check from the Hessian-based EoS polynomial (x = u, y = u^-2)."""
    model = Model.from_loss("(1 - x**2*y)**2/2")
    _, poly = eos_minima(model)
    coeffs = [sp.lambdify(eta, co, "mpmath")(kap ** 2) for co in sp.Poly(poly, u).all_coeffs()]
    roots = sorted(mpmath.re(r) for r in mpmath.polyroots(coeffs, maxsteps=200, extraprec=200)
                   if abs(mpmath.im(r)) < mpmath.mpf(10) ** -30 and mpmath.re(r) > 0)
    xe = roots[-1] if branch == 1 else roots[0]
    ye = 1 / xe ** 2

    def c_of(x, y):
        return mpmath.sqrt(x * x - 2 * y * y) if branch == 1 else mpmath.sqrt(y * y - x * x / 2)

    cc = c_of(xe, ye)
    c, d = cc + a0, 1 + b0
    if branch == 1:   # X = x^2 solves X^3 - c^2 X^2 - 2 d^2 = 0
        X = mpmath.findroot(lambda X: X ** 3 - c * c * X * X - 2 * d * d, c * c)
        x = mpmath.sqrt(X)
        y = d / X
    else:             # y solves y^2 - d / (2 y) = c^2
        y = mpmath.findroot(lambda y: y * y - d / (2 * y) - c * c, c)
        x = mpmath.sqrt(d / y)
    for _ in range(steps):
        r = 1 - x * x * y
        x, y = x + 2 * kap ** 2 * r * x * y, y + kap ** 2 * r * x * x
    return c_of(x, y) - cc - a0, x * x * y - 1


@pytest.mark.parametrize("branch", [1, 2])
def test_untied_power_model_uses_the_weighted_invariant(branch):
    """A user model with x g_x = 2 y g_y: the chart uses c^2 = x^2 - 2 y^2 (lambda = 2)."""
    nf = [n for n in normal_forms(Model.from_loss("(1 - x**2*y)**2/2"))
          if n.chart.branch == branch][0]
    slopes = residual_slopes(
        nf, lambda av, bv, t, steps: untied_power_map(av, bv, t, steps, branch), 2)
    for component, order in zip(slopes, nf.kappa_orders):
        assert min(component) > order + 1 - 0.3, (component, order)


# --- ODE, curves, end point -----------------------------------------------------------------

@pytest.mark.parametrize("name,branch", [("four-scalar", 1), ("two-scalar", 1),
                                         ("three-scalar", 1), ("three-scalar", 2),
                                         ("depth-5:2+3", 1)])
def test_ode_solution_satisfies_the_ode(name, branch):
    """Implicit differentiation of b^2 = F(a, C) gives db/da = F_a / (2b); it must equal the
    ODE's right-hand side on the curve (independent of dsolve's own check)."""
    nf = nf_of(name, branch)
    F = nf.to_kappa(nf.solution)
    rhs = nf.ode_kappa
    bb = sp.Symbol("bb", positive=True)
    diff = (sp.diff(F, a) / (2 * bb) - rhs.subs(b, bb)).subs(bb, sp.sqrt(F))
    for point in ({a: sp.Rational(1, 10), C: sp.Rational(2, 5), kappa: sp.Rational(1, 2)},
                  {a: sp.Rational(-1, 9), C: sp.Rational(1, 11), kappa: sp.Rational(2, 3)}):
        scale = 1 + abs(sp.N(sp.diff(F, a).subs(point), 50))
        assert abs(sp.N(diff.subs(point), 50)) < 1e-35 * scale


def test_four_scalar_ode_and_solution_match_a_hand_derivation():
    """From a'' - a = -4 b^2 k^3, b'' - b = 8 a b k - 16 b^3 (by hand: u = b^2 solves
    u' = 8u/k^3 - 4a/k^2, so u = a k/2 + k^4/16 + C e^{8a/k^3})."""
    nf = nf_of("four-scalar")
    paper_form = (16 * b ** 3 - 8 * a * b * kappa) / (4 * b ** 2 * kappa ** 3)
    assert sp.simplify(nf.ode_kappa - paper_form) == 0
    assert sp.expand(nf.to_kappa(nf.solution) - (a * kappa / 2 + kappa ** 4 / 16
                                                 + C * sp.exp(8 * a / kappa ** 3))) == 0


def test_curve_types_follow_degree_and_minimum():
    """C22/C24 qualitatively: degree 4 and the large-x three-scalar minimum concentrate
    (attracting parabola), degree 2 and the large-y three-scalar minimum do not (ellipses)."""
    assert nf_of("four-scalar").curve_type == "parabola (attracting)"
    assert nf_of("three-scalar", 1).curve_type == "parabola (attracting)"
    assert nf_of("two-scalar").curve_type == "ellipse"
    assert nf_of("two-scalar-unhalved").curve_type == "ellipse"
    assert nf_of("three-scalar", 2).curve_type == "ellipse"


def float_end_point_four_scalar(kap, a0=2.0, b0=1.0, tol=1e-7):
    """Float64 run of eq. 2 from (a, b) = (a0 k^3, b0 k^2) until |xy - 1| < tol k^2."""
    eta_ = kap * kap
    cc = (kap ** -4 - 4) ** 0.25
    c, d = cc + a0 * kap ** 3, 1 + b0 * kap ** 2
    x = math.sqrt((math.sqrt(c ** 4 + 4 * d * d) + c * c) / 2)
    y = d / x
    n = 0
    while abs(x * y - 1) >= tol * eta_ or n % 2:
        r = x * x * y * y - 1
        x, y = x - eta_ * x * y * y * r, y - eta_ * x * x * y * r
        n += 1
    sharp = 2 * x * x * y * y * (x * x + y * y)       # |grad(xyzw)|^2 at the tied point
    return math.sqrt(x * x - y * y) - cc, sharp


def test_four_scalar_end_point_and_limit_sharpness_against_float_runs():
    """The vertex a = -k^3/8 is approached with relative gap ~ k^(end_point_order) (C13), and
    the limit sharpness 2/eta - eta/2 holds up to the stated O(eta^e)."""
    nf = nf_of("four-scalar")
    S, err = nf.limit_sharpness
    order = float(nf.in_kappa_units(nf.end_point_order))
    kappas = (0.2, 0.14, 0.1)
    gaps = []
    for kap in kappas:
        a_end, sharp = float_end_point_four_scalar(kap)
        predicted = float(nf.to_kappa(nf.end_point).subs(kappa, kap))
        gaps.append(abs(a_end / predicted - 1))
        assert abs(sharp - float(S.subs(eta, kap * kap))) < 10 * float(err.subs(eta, kap * kap))
    slopes = [math.log(g0 / g1) / math.log(k0 / k1)
              for g0, g1, k0, k1 in zip(gaps, gaps[1:], kappas, kappas[1:])]
    assert gaps[-1] < 0.01
    assert all(abs(sl - order) < 0.3 for sl in slopes), (slopes, order)


@pytest.mark.slow
def test_four_scalar_end_point_rate_at_smaller_steps():
    """The same gap law down to kappa = 0.05 (about 10^7 float64 steps)."""
    nf = nf_of("four-scalar")
    order = float(nf.in_kappa_units(nf.end_point_order))
    kappas = (0.1, 0.07, 0.05)
    end = nf.to_kappa(nf.end_point)
    gaps = [abs(float_end_point_four_scalar(k)[0] / float(end.subs(kappa, k)) - 1)
            for k in kappas]
    slopes = [math.log(g0 / g1) / math.log(k0 / k1)
              for g0, g1, k0, k1 in zip(gaps, gaps[1:], kappas, kappas[1:])]
    assert all(abs(sl - order) < 0.1 for sl in slopes), (slopes, order)


def test_three_scalar_end_point_rate_against_float_runs():
    """Large-x three-scalar minimum: vertex a = -k^4/8 with relative gap ~ k^(end_point_order);
    the limit sharpness |grad(xyz)|^2 = y^4 + 2 x^2 y^2 matches S up to the stated O(eta^e)."""
    nf = nf_of("three-scalar", 1)
    S, err = nf.limit_sharpness
    order = float(nf.in_kappa_units(nf.end_point_order))
    kappas, gaps = (0.4, 0.3, 0.2), []
    for kap in kappas:
        with mpmath.workdps(30):
            cc = float(_three_scalar_c_check(mpmath.mpf(kap), 1))
            c, d = cc + 2 * kap ** 4, 1 + kap ** 3
            x = float(mpmath.findroot(lambda X: X ** 3 - c * c * X - d, c))
        y, n = math.sqrt(d / x), 0
        while abs(x * y * y - 1) >= 1e-7 * kap ** 3 or n % 2:
            r = 1 - x * y * y
            x, y = x + kap * kap * r * y * y, y + kap * kap * r * x * y
            n += 1
        predicted = float(nf.to_kappa(nf.end_point).subs(kappa, kap))
        gaps.append(abs((math.sqrt(x * x - y * y) - cc) / predicted - 1))
        sharp = y ** 4 + 2 * x * x * y * y
        assert abs(sharp - float(S.subs(eta, kap * kap))) < 3 * float(err.subs(eta, kap * kap))
    slopes = [math.log(g0 / g1) / math.log(k0 / k1)
              for g0, g1, k0, k1 in zip(gaps, gaps[1:], kappas, kappas[1:])]
    assert all(abs(sl - order) < 0.3 for sl in slopes), (slopes, order)


def test_two_scalar_ellipse_end_point_mirrors_the_start():
    """Ellipse-type: a start (a0, b0) ends near -sqrt(a0^2 + k^2 b0^2 / 4) (C23: locally
    sharper starts end flatter), with a gap shrinking as kappa -> 0."""
    nf = nf_of("two-scalar")
    gaps = []
    for kap in (0.2, 0.1):
        a0, b0 = kap ** 3, kap ** 2
        cc = (4 * kap ** -4 - 4) ** 0.25
        c, d = cc + a0, 1 + b0
        x = math.sqrt((math.sqrt(c ** 4 + 4 * d * d) + c * c) / 2)
        y, n = d / x, 0
        while abs(x * y - 1) >= 1e-9 * kap * kap or n % 2:
            r = x * y - 1
            x, y = x - kap * kap * y * r, y - kap * kap * x * r
            n += 1
        predicted = float(nf.to_kappa(nf.end_point).subs({a: a0, b: b0, kappa: kap}))
        gaps.append(abs((math.sqrt(x * x - y * y) - cc) / predicted - 1))
    assert gaps[1] < gaps[0] / 8 and gaps[1] < 1e-3


# --- derivations and user models --------------------------------------------------------------

def test_three_scalar_derivations_carry_both_minima_and_parse_back():
    done, missing = derive_model(get_model("three-scalar"))
    names = {d.name: d.value for d in done}
    assert "local_normal_forms" not in dict(missing)
    for base in ("expansion_1step", "expansion_2step", "ode", "ode_solution", "limit_point",
                 "curve_type", "two_step_b_map", "remainder_estimate"):
        for name in (base, base + "_minimum_2"):
            assert _same(parse(str(names[name])), names[name]), name


def _same(p, q):
    if isinstance(p, (tuple, sp.Tuple, sp.MatrixBase)):
        return len(p) == len(q) and all(_same(s, t) for s, t in zip(p, q))
    if isinstance(p, sp.Equality):
        return _same(p.lhs, q.lhs) and _same(p.rhs, q.rhs)
    return sp.simplify(p - q) == 0


def test_user_model_gets_the_same_normal_form_as_the_builtin():
    user = Model.from_loss("(1 - x*y*z*w)**2/2", ["z=x", "w=y"])
    assert normal_forms(user)[0].expansion(2) == nf_of("four-scalar").expansion(2)


def test_models_without_a_chart_say_why():
    untied = get_model("depth-3")
    with pytest.raises(EosError, match="2-D reduced map"):
        normal_forms(untied)
    _, missing = derive_model(untied)
    assert "2-D reduced map" in dict(missing)["local_normal_forms"]


def test_remainder_estimate_rows_shrink_at_least_as_predicted():
    from eos_symbolic.local.remainder import remainder_estimate
    nf = nf_of("two-scalar")
    (pa, pb), rows = remainder_estimate(nf, kappas=("1/8", "1/16"), points=3)
    for i, p in zip((1, 2), (pa, pb)):
        assert float(mpmath.log(rows[0][i] / rows[1][i], 2)) > float(p) - 0.3
