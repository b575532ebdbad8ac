"""Per-model memoisation: sound because models compare by content; results are not shared
mutably; refusals are cached as refusals."""
import pytest
import sympy as sp

from eos_symbolic import EosError, Model, get_model
from eos_symbolic.symbolic.memo import per_model
from eos_symbolic.symbolic.minima import eos_minima, sharpness_on_minima
from eos_symbolic.symbolic.spectrum import characteristic_factors, hessian_eigenvalues


def test_models_compare_and_hash_by_content():
    a, b = get_model("four-scalar"), get_model("four-scalar")
    assert a is not b and a == b and hash(a) == hash(b)
    u1 = Model.from_loss("(1 - x*y)**2/2")
    u2 = Model.from_loss("(1 - x*y)**2/2")
    assert u1 == u2 and hash(u1) == hash(u2)
    assert Model.from_loss("(1 - x*y)**2") != u1  # another loss is another key


def test_each_quantity_is_computed_once_per_model():
    calls = []

    @per_model
    def count(model):
        calls.append(model.name)
        return sp.Integer(len(calls))

    assert count(get_model("two-scalar")) == count(get_model("two-scalar")) == 1
    assert count(get_model("three-scalar")) == 2  # a different model is computed anew
    assert calls == ["two-scalar", "three-scalar"]


def test_refusals_are_remembered_and_raised_again():
    calls = []

    @per_model
    def refuse(model):
        calls.append(1)
        raise EosError(f"{model.name}: no such object")

    for _ in range(3):
        with pytest.raises(EosError, match="no such object"):
            refuse(get_model("two-scalar"))
    assert len(calls) == 1


def test_callers_cannot_corrupt_the_cache():
    m = get_model("four-scalar")
    facs, eigs = characteristic_factors(m), hessian_eigenvalues(m)
    facs.clear(), eigs.append(sp.Integer(0))
    assert len(characteristic_factors(m)) > 0 and sp.Integer(0) not in hessian_eigenvalues(m)
    points, _ = eos_minima(m)
    points.clear()
    assert eos_minima(m)[0]


def test_cached_values_equal_a_fresh_derivation():
    # the same loss under another name: nothing cached for it, so computed from scratch
    fresh = Model.from_loss("(1 - x*y*z*w)**2/2", ["z=x", "w=y"], name="copy")
    assert sharpness_on_minima(fresh) == sharpness_on_minima(get_model("four-scalar"))
