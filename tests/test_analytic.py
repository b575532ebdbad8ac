"""Analytic losses: composite structure, minima (exact where possible, certified numeric
where not), a loss without minima, compiled kernels, trajectories, sweeps and `derive`."""
import json

import mpmath
import numpy as np
import pytest
import sympy as sp

from eos_symbolic import EosError, Model, parse, run_trajectory
from eos_symbolic.cli import main
from eos_symbolic.dynamics.sweep import grid_starts, run_sweep
from eos_symbolic.dynamics.sweep_kernel import numpy_iterate, sweep_kernel
from eos_symbolic.local.normal_form import normal_forms
from eos_symbolic.numeric.backends import number, precision_scope
from eos_symbolic.numeric.compile import compile_expressions
from eos_symbolic.rigorous.certified import certified_eos
from eos_symbolic.symbolic.analytic import composite
from eos_symbolic.symbolic.minima import eos_minima, has_minima, sharpness_on_minima
from eos_symbolic.symbolic.symbols import eta, t, u

LOGISTIC = ("log(1 + exp(-x*y*z*w))", ["z=x", "w=y"])
LOGCOSH = ("log(cosh(1 - x*y))", [])
TANH = ("(1 - tanh(x)*y)**2/2", [])


def model(spec):
    return Model.from_loss(*spec)


def test_composite_structure_of_the_three_losses():
    assert composite(model(LOGCOSH)).levels == (1,)
    cm = composite(model(TANH))
    assert cm.levels == (-1,) and sp.simplify(cm.outer - (t + 1) ** 2 / 2) == 0
    cm = composite(model(LOGISTIC))
    assert cm.levels == () and cm.infimum == 0 and cm.approached == "r -> -oo"


def test_logistic_loss_has_no_minimum_and_says_so():
    m = model(LOGISTIC)
    assert not m.is_polynomial and not has_minima(m)
    with pytest.raises(EosError, match="no global minimum at a finite point"):
        sharpness_on_minima(m)


def test_log_cosh_minima_and_eos_minimum_are_exact():
    m = model(LOGCOSH)
    assert sharpness_on_minima(m) == sp.factor((u ** 4 + 1) / u ** 2)
    points, _ = eos_minima(m)
    x0, y0 = points[0]
    e = sp.Rational(1, 10)
    assert abs(sp.N((x0 ** 2 + y0 ** 2 - 2 / eta).subs(eta, e), 40)) < 1e-30


def test_log_cosh_normal_form_is_an_attracting_parabola():
    nf = normal_forms(model(LOGCOSH))[0]
    assert nf.curve_type == "parabola (attracting)"
    assert nf.limit_sharpness == (2 / eta - 3 * eta / 2, eta ** 3)


def test_tanh_eos_minimum_is_certified_and_contains_the_true_root():
    m = model(TANH)
    assert eos_minima(m)[0] is None  # transcendental: no closed form
    rows = {d.name: d for d in certified_eos(m)}
    d = rows["eos_minimum_eta_1_5"]
    assert "CERTIFIED NUMERIC" in d.note
    (xbox, ybox), = d.value
    S = sp.lambdify(u, sharpness_on_minima(m), "mpmath")
    with mpmath.workdps(60):
        root = mpmath.findroot(lambda v: S(v) / 5 - 2, mpmath.mpf("0.3"))
        assert xbox.start <= sp.Float(root, 60) <= xbox.end
        assert ybox.start <= sp.Float(1 / mpmath.tanh(root), 60) <= ybox.end
        assert float(xbox.end - xbox.start) < 1e-20


def test_compiled_transcendental_functions_agree_across_backends():
    m = model(TANH)
    cf = compile_expressions(m.gd_map, m.coords, (eta,))
    out = {}
    for backend in ("mpfr", "mpmath", "arb", "float"):
        with precision_scope(backend, 30):
            step, run = cf.bind(backend, ["1/10"])
            out[backend] = run(number(backend, "1"), number(backend, "2"), 50)
    ref = [float(v) for v in out["mpmath"]]
    for backend in ("mpfr", "float"):
        assert np.allclose([float(v) for v in out[backend]], ref, rtol=1e-13)
    import flint
    assert all(a.contains(flint.arb(mpmath.nstr(b, 25))) or abs(float(a.mid()) - float(b)) <
               1e-20 for a, b in zip(out["arb"], out["mpmath"]))


def test_logistic_trajectory_escapes_with_loss_to_zero():
    tr = run_trajectory(model(LOGISTIC), "0.1", {"x": "1", "y": "1"}, 2000, dps=30)
    assert tr.outcome.kind == "escaping"
    assert "escaping to infinity with loss -> 0" in tr.outcome.message
    assert tr.certification["certified"]


def test_trajectories_on_log_cosh_and_tanh_converge_to_minima():
    for spec, start in ((LOGCOSH, {"x": "3", "y": "0.2"}), (TANH, {"x": "1", "y": "0.5"})):
        tr = run_trajectory(model(spec), "0.1", start, 2000, dps=30)
        assert tr.outcome.kind == "converged" and "global minimum" in tr.outcome.message


def test_sweep_kernel_on_an_analytic_loss_matches_the_numpy_loop():
    m = model(LOGCOSH)
    assert "from numpy import cosh, sinh" in open(sweep_kernel(m).__file__).read()
    starts, shape = grid_starts(m, {"x": (0.2, 3.0, 16), "y": (0.2, 3.0, 16)})
    res = run_sweep(m, starts, [0.2], 400, shape=shape, progress=False, tol=1e-30)
    V = starts.T.copy()
    numpy_iterate(m, V, 0.2, 400)
    moving = res.status == 0
    assert np.allclose(res.limit[res.status == 1], V.T[res.status == 1], rtol=1e-9)
    assert moving.sum() + (res.status == 1).sum() + (res.status == 2).sum() == len(starts)


@pytest.mark.parametrize("spec", [LOGISTIC, LOGCOSH, TANH])
def test_derive_on_analytic_losses_writes_parseable_labelled_files(spec, tmp_path):
    argv = ["derive", "--loss", spec[0], "--out", str(tmp_path)]
    for tie in spec[1]:
        argv += ["--tie", tie]
    assert main(argv) == 0
    data = json.loads((tmp_path / "user/derivations.json").read_text())
    for text in data.values():
        parse(text)
    page = (tmp_path / "user/README.md").read_text()
    if spec is LOGISTIC:
        assert data["minima"] == "EmptySet" and data["loss_infimum"] == "0"
    elif spec is TANH:
        assert "CERTIFIED NUMERIC" in page and "eos_minimum_eta_1_10" in data
    else:
        assert "exact" in page and "limit_point" in data
