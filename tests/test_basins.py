"""Boundary dimensions against sets of known dimension."""
import numpy as np
import pytest

from eos_symbolic import get_model
from eos_symbolic.dynamics.basins import (
    box_counting_dimension,
    resolution_check,
    uncertainty_exponent,
)


def test_box_counting_of_a_smooth_curve_is_one():
    n = 1024
    X, Y = np.meshgrid(np.linspace(0, 1, n), np.linspace(0, 1, n), indexing="ij")
    labels = Y < 0.3 + 0.2 * np.sin(5 * X)
    d = box_counting_dimension(labels)
    assert d["dimension"] == pytest.approx(1.0, abs=0.05)
    assert d["interval"][0] < 1.0 < d["interval"][1] + 0.02


def test_box_counting_of_noise_is_two():
    labels = np.random.default_rng(0).random((512, 512)) < 0.5
    d = box_counting_dimension(labels)
    assert d["dimension"] == pytest.approx(2.0, abs=0.05)


def test_resolution_check_of_a_smooth_curve_is_stable():
    X, Y = np.meshgrid(np.linspace(0, 1, 512), np.linspace(0, 1, 512), indexing="ij")
    rc = resolution_check(X ** 2 + Y ** 2 < 0.5)
    assert rc["difference"] < 0.05


def test_uncertainty_exponent_of_a_smooth_basin_is_one():
    """two-scalar at a small step: the basin of convergence is bounded by a smooth curve,
    so f(eps) ~ eps and D = 2 - alpha = 1."""
    model = get_model("two-scalar")
    u = uncertainty_exponent(model, 0.1, ((0.05, 6.0), (0.05, 6.0)), 3000,
                             [1e-3, 3e-3, 1e-2, 3e-2, 1e-1], samples=4000)
    assert u["dimension"] == pytest.approx(1.0, abs=0.2)
