"""Minima manifold, sharpness along it and the eta-EoS minimum vs hand derivations."""
import mpmath
import numpy as np
import pytest
import sympy as sp

from eos_symbolic import (
    EosError,
    eos_minima,
    eos_minimum,
    eos_range,
    get_model,
    minima_manifold,
    sharpness_on_minima,
)
from eos_symbolic.symbolic.minima import check_eta, critical_sets
from eos_symbolic.symbolic.symbols import eta, u, x, y


def test_four_scalar_critical_sets():
    eqs = {s.equation for s in critical_sets(get_model("four-scalar"))}
    assert eqs == {x, y, x * y - 1, x * y + 1}
    assert [s.equation for s in minima_manifold(get_model("four-scalar"))] == [x*y - 1, x*y + 1]


@pytest.mark.parametrize("name, sharpness, top", [
    # hand: on xy = 1 the Hessian is grad r grad r^T, S = |grad r|^2 with r the product
    ("four-scalar", 2 * (u**2 + u**-2), sp.Rational(1, 2)),        # |(xy^2, x^2y)|^2 * 2
    ("two-scalar", u**2 + u**-2, 1),
    ("two-scalar-unhalved", 2 * (u**2 + u**-2), sp.Rational(1, 2)),
    ("three-scalar", u**4 + 2 * u**-2, sp.Rational(2, 3)),          # x = 1/y^2, y = u
])
def test_sharpness_and_eos_range(name, sharpness, top):
    m = get_model(name)
    assert sp.simplify(sharpness_on_minima(m) - sharpness) == 0
    assert eos_range(m) == top


def test_four_scalar_eos_minimum_hand_formula():
    # hand: x^2 + y^2 = 1/eta with x y = 1 gives x^2 = (1/eta + sqrt(1/eta^2 - 4)) / 2
    xe, ye = eos_minimum(get_model("four-scalar"))
    with mpmath.workdps(50):
        for ev in ("0.01", "0.2", "0.45"):
            e = mpmath.mpf(ev)
            xh = mpmath.sqrt((1 / e + mpmath.sqrt(1 / e**2 - 4)) / 2)
            got = [mpmath.mpf(sp.N(v.subs(eta, sp.Rational(ev)), 50)) for v in (xe, ye)]
            assert abs(got[0] - xh) < mpmath.mpf(10) ** -45
            assert abs(got[1] - 1 / xh) < mpmath.mpf(10) ** -45


def test_eos_minimum_sharpness_is_two_over_eta_numerically():
    # independent: numpy eigensolve of the full 4x4 Hessian at the EoS point
    m = get_model("four-scalar")
    H = sp.lambdify(m.params, m.hessian, "numpy")
    xe, ye = eos_minimum(m)
    for ev in (0.05, 0.2, 0.4):
        xv, yv = (float(v.subs(eta, ev)) for v in (xe, ye))
        top = np.linalg.eigvalsh(np.array(H(xv, yv, xv, yv), dtype=float)).max()
        assert top == pytest.approx(2 / ev, rel=1e-10)


def test_three_scalar_has_two_eos_minima():
    points, poly = eos_minima(get_model("three-scalar"))
    assert points is None  # cubic in u^2: given implicitly, not in radicals
    roots = [r for r in sp.Poly(poly.subs(eta, sp.Rational(1, 5)), u).nroots() if r.is_real and r > 0]
    assert len(roots) == 2


def test_eta_outside_range_is_refused():
    m = get_model("four-scalar")
    check_eta(m, 0.3)
    for bad in (0.5, 0.7, 0, -1):
        with pytest.raises(EosError, match="valid range is 0 < eta < 1/2"):
            check_eta(m, bad)
