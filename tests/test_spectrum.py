"""Hessian spectrum: closed forms vs a numeric eigen-solver and hand derivations."""
import random

import mpmath
import numpy as np
import pytest
import sympy as sp

from eos_symbolic import characteristic_factors, get_model, hessian_eigenvalues
from eos_symbolic.symbolic.symbols import x, y


def numeric_hessian_four_scalar(xv, yv):
    """Hand-written Hessian of 1/2 (1 - x y z w)^2 at (x, y, x, y) via r = x y z w:
    H = grad r grad r^T - (1 - r) * Hess r."""
    p = np.array([xv, yv, xv, yv])
    r = np.prod(p)
    g = np.array([r / v for v in p])
    hr = np.array([[0.0 if i == j else r / (p[i] * p[j]) for j in range(4)] for i in range(4)])
    return np.outer(g, g) - (1 - r) * hr


@pytest.mark.parametrize("name", ["four-scalar", "two-scalar", "three-scalar", "depth-5:2+3"])
def test_eigenvalues_match_numeric_eigensolver(name):
    m = get_model(name)
    f = sp.lambdify(m.params, m.hessian, "numpy")
    ev = sp.lambdify(m.coords, list(hessian_eigenvalues(m)), "numpy")
    rng = random.Random(0)
    for _ in range(20):
        pt = [rng.uniform(-2, 2) for _ in m.coords]
        full = [pt[m.coords.index(m.tie_map.get(p, p))] for p in m.params]
        numeric = np.linalg.eigvalsh(np.array(f(*full), dtype=float))
        assert np.allclose(sorted(ev(*pt)), numeric, rtol=1e-9, atol=1e-9)


def test_four_scalar_against_hand_written_hessian():
    ev = sp.lambdify((x, y), list(hessian_eigenvalues(get_model("four-scalar"))), "numpy")
    for xv, yv in [(1.3, 0.4), (2.1, 0.5), (0.7, -1.1)]:
        assert np.allclose(sorted(ev(xv, yv)),
                           np.linalg.eigvalsh(numeric_hessian_four_scalar(xv, yv)))


def test_four_scalar_factorisation_shape():
    # symmetric block (quadratic factor) and antisymmetric block (two linear factors)
    degrees = sorted(sp.Poly(f, sp.Symbol("lamda", real=True)).degree()
                     for f, _ in characteristic_factors(get_model("four-scalar")))
    assert degrees == [1, 1, 2]


def test_linear_eigenvalues_are_y2_one_minus_gamma_squared():
    # hand derivation: on the antisymmetric vector (1, 0, -1, 0) the Hessian acts as
    # (x y^2)^2 - ... giving lambda = y^2 (1 - x^2 y^2); similarly x^2 (1 - x^2 y^2)
    ev = hessian_eigenvalues(get_model("four-scalar"))
    lin = {sp.expand(e) for e in ev[2:]}
    assert lin == {sp.expand(y**2 * (1 - x**2 * y**2)), sp.expand(x**2 * (1 - x**2 * y**2))}


def test_sharpness_branch_is_first():
    ev = hessian_eigenvalues(get_model("four-scalar"))
    with mpmath.workdps(30):
        vals = [sp.N(e.subs({x: sp.Rational(3, 2), y: sp.Rational(2, 3)}), 30) for e in ev]
    assert vals[0] == max(vals)
