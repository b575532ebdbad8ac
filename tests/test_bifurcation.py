"""1-D maps: eq. 13 and the balanced line; period doublings by Newton, Feigenbaum ratio."""
import mpmath
import numpy as np
import pytest
import sympy as sp

from eos_symbolic import get_model
from eos_symbolic.dynamics.bifurcation import (
    FEIGENBAUM,
    attractor_period,
    balanced_line_map,
    eq13_map,
    lyapunov,
    orbit_diagram,
    period_doublings,
)
from eos_symbolic.errors import EosError
from eos_symbolic.symbolic.model import Model


def test_balanced_line_of_four_scalar_is_the_printed_map():
    m = balanced_line_map(get_model("four-scalar"))
    u, e = m.var, m.param
    assert sp.expand(m.expr - (u - e * u ** 3 * (u ** 4 - 1))) == 0


def test_balanced_line_refused_without_symmetry():
    with pytest.raises(EosError, match="not invariant"):
        balanced_line_map(Model.from_loss("(1 - x*y)**2/2 + x**2/10"))


def test_first_doubling_is_the_flip_of_the_minimum_and_cascade_converges():
    m = balanced_line_map(get_model("four-scalar"))
    doublings, ratios = period_doublings(m, 0.45, 1.05, count=5, step=0.01)
    # u = 1 has multiplier 1 - 4 eta: flips at eta = 1/2 exactly
    assert mpmath.mpf(doublings[0]["param"]) == pytest.approx(0.5, abs=1e-14)
    assert [d["period"] for d in doublings] == [1, 2, 4, 8, 16]
    assert all(d["residual"] < 1e-20 for d in doublings)
    ps = [float(d["param"]) for d in doublings]
    assert all(b > a for a, b in zip(ps, ps[1:]))
    # the period is 2^k just below the k-th doubling and 2^(k+1) just above it
    for d in doublings[1:4]:
        p = float(d["param"])
        assert attractor_period(m, p - 1e-5, 1.05, transient=200000)[0] == d["period"]
        assert attractor_period(m, p + 1e-5, 1.05, transient=200000)[0] == 2 * d["period"]
    assert abs(ratios[-1] - FEIGENBAUM) < 0.1
    assert abs(ratios[-1] - FEIGENBAUM) < abs(ratios[0] - FEIGENBAUM)


def test_eq13_fixed_point_and_flip():
    kappa = 0.1
    m = eq13_map("b*(1 + 8*a*kappa - 16*b**2)", kappa)
    a = np.array([0.5, 1.0, 1.2])          # 8 a kappa < 1: b^2 = a kappa / 2 attracts
    P, U = orbit_diagram(m, a, 0.05, transient=3000, keep=5)
    np.testing.assert_allclose(np.abs(U), np.sqrt(P * kappa / 2), rtol=1e-8)
    assert attractor_period(m, 1.1 / (8 * kappa), 0.05)[0] == 2   # past the flip
    lam = lyapunov(m, np.array([0.5, 2.0]), 0.05)
    assert lam[0] < 0 < lam[1]                                      # order, then chaos
