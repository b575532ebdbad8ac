"""(c, d) / (a, b) reparameterisation: the exact map vs GD pushed through (a, b)."""
import random

import mpmath
import pytest
import sympy as sp

from eos_symbolic import EosError, ab_to_xy, get_model, reparameterise
from eos_symbolic.symbolic.symbols import a, b, kappa


def gd_step(xv, yv, e):
    r = xv**2 * yv**2 - 1
    return xv - e * xv * yv**2 * r, yv - e * xv**2 * yv * r


def test_c_check_is_the_papers_fourth_root():
    rp = reparameterise(get_model("four-scalar"))
    assert sp.simplify(rp.c_check**4 - (kappa**-4 - 4)) == 0


def test_ab_map_equals_pushed_gd_step():
    rp = reparameterise(get_model("four-scalar"))
    f = sp.lambdify((a, b, kappa), list(rp.ab_map), "mpmath")
    inc = sp.lambdify((a, b, kappa), list(rp.ab_increment), "mpmath")
    rng = random.Random(3)
    with mpmath.workdps(60):
        for _ in range(10):
            k = mpmath.mpf(rng.uniform(0.05, 0.6))
            av, bv = mpmath.mpf(rng.uniform(-0.2, 0.2)), mpmath.mpf(rng.uniform(-0.2, 0.2))
            cc = av + (k**-4 - 4) ** mpmath.mpf(0.25)
            dd = 1 + bv
            s = mpmath.sqrt(cc**4 + 4 * dd**2)
            xv = mpmath.sqrt((s + cc**2) / 2)
            xn, yn = gd_step(xv, dd / xv, k**2)
            want = (mpmath.sqrt(xn**2 - yn**2) - (k**-4 - 4) ** mpmath.mpf(0.25), xn * yn - 1)
            got = f(av, bv, k)
            assert max(abs(g - w) for g, w in zip(got, want)) < mpmath.mpf(10) ** -50
            d_got = inc(av, bv, k)
            assert abs(d_got[0] - (want[0] - av)) < mpmath.mpf(10) ** -50
            assert abs(d_got[1] - (want[1] - bv)) < mpmath.mpf(10) ** -50


def test_ab_to_xy_inverts_definitions():
    with mpmath.workdps(40):
        xv, yv = ab_to_xy(get_model("four-scalar"), mpmath.mpf("0.01"), mpmath.mpf("-0.02"),
                          mpmath.mpf("0.3"), sqrt=mpmath.sqrt)
        assert abs(xv * yv - mpmath.mpf("0.98")) < 1e-35
        cc = (mpmath.mpf("0.3") ** -4 - 4) ** mpmath.mpf(0.25) + mpmath.mpf("0.01")
        assert abs(mpmath.sqrt(xv**2 - yv**2) - cc) < 1e-35


def test_two_scalar_map_and_refusal_for_three_scalar():
    rp = reparameterise(get_model("two-scalar"))
    assert rp.t_of_d == sp.Symbol("d", real=True) - 1
    with pytest.raises(EosError, match="does not apply"):
        reparameterise(get_model("three-scalar"))
