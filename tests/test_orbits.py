"""Fixed points, multipliers and 2-cycles, checked by iterating the map."""
import mpmath
import sympy as sp

from eos_symbolic import fixed_points, get_model, real_two_cycles, two_cycles
from eos_symbolic.symbolic.symbols import eta, u, x, y


def gd_step(p, e):
    """Paper eq. 2, typed by hand."""
    xv, yv = p
    r = xv**2 * yv**2 - 1
    return (xv - e * xv * yv**2 * r, yv - e * xv**2 * yv * r)


def test_multipliers_on_minima():
    fs = [f for f in fixed_points(get_model("four-scalar")) if f.equation == x * y - 1][0]
    # hand: Dg on xy = 1 is 2 v v^T with v = (x y^2, x^2 y), eigenvalues 0 and 2(x^2 + y^2)
    assert set(fs.multipliers) == {1, sp.expand(1 - 2 * eta * (u**2 + u**-2))}
    assert fs.flips == (sp.Eq(eta, u**2 / (u**4 + 1)),)


def test_four_scalar_period_two_factors():
    tc = two_cycles(get_model("four-scalar"))
    assert sp.factor(tc.common) == sp.factor(eta * x * y * (x * y - 1) * (x * y + 1))
    balanced = tc.lines[sp.Eq(y, x)]
    # hand: f(x) = -x on the balanced line  <=>  eta x^2 (x^4 - 1) = 2
    assert sp.expand(eta * x**6 - eta * x**2 - 2) in balanced
    # the remaining balanced-line factor vanishes where (1, 1) flips: f'(1) = 1 - 4 eta = -1
    generic = [f for f in balanced if sp.Poly(f, x).degree() > 6][0]
    assert generic.subs({x: 1, eta: sp.Rational(1, 2)}) == 0
    # the balanced-line cycles appear among the eliminant's factors
    assert set(balanced) <= set(tc.eliminant)


def test_two_cycle_points_iterate_back():
    with mpmath.workdps(40):
        e = mpmath.mpf(3) / 5
        pts = real_two_cycles(get_model("four-scalar"), "3/5", dps=40)
        assert len(pts) >= 8
        for p, _ in pts:
            q = gd_step(p, e)
            assert abs(q[0] - p[0]) > 1e-3
            back = gd_step(q, e)
            assert max(abs(back[0] - p[0]), abs(back[1] - p[1])) < mpmath.mpf(10) ** -25


def test_attracting_two_cycle_found_by_brute_iteration_is_listed():
    # iterate from near (1, 1) at eta = 0.55 > 1/2 (past the balanced flip): lands on a 2-cycle
    p = (mpmath.mpf("1.01"), mpmath.mpf("1.01"))
    with mpmath.workdps(30):
        e = mpmath.mpf("0.55")
        for _ in range(4000):
            p = gd_step(p, e)
        listed = real_two_cycles(get_model("four-scalar"), "11/20", dps=30)
        assert any(abs(q[0] - p[0]) + abs(q[1] - p[1]) < 1e-15 for q, _ in listed)


def test_user_models_that_stressed_the_period_two_search():
    from eos_symbolic import Model
    # clustered cofactor roots at eta = 3/5: needs the escalated root finder
    assert len(real_two_cycles(Model.from_loss("(1 - x**2*y)**2/2"), "3/5")) >= 4
    # cofactors too large for a quick resultant: invariant lines only, no eliminant
    tc = two_cycles(Model.from_loss("(1 - x*y)**4"))
    assert tc.eliminant is None and tc.lines
