"""The float64 sweep engine: generated kernel against independent maps, classification,
checkpoint resume after interrupt, Dask, CLI."""
import json

import numpy as np
import pytest
import sympy as sp

from eos_symbolic import get_model
from eos_symbolic.cli import main
from eos_symbolic.dynamics.sweep import grid_starts, limit_sharpness, run_sweep
from eos_symbolic.dynamics.sweep_kernel import (
    CONVERGED,
    DIVERGED,
    advance,
    map_program,
    numpy_iterate,
)
from eos_symbolic.errors import EosError


def eq2(x, y, eta, n):
    """Paper eq. 2, written by hand."""
    for _ in range(n):
        r = x * x * y * y - 1
        x, y = x - eta * x * y * y * r, y - eta * x * x * y * r
    return x, y


def test_cse_finds_the_product_xy():
    prog = map_program(get_model("four-scalar"))
    assert any(str(e) == "x*y" for _, e in prog.body)
    assert len(prog.body) == 2  # q = x y and t = eta q (q^2 - 1): the short form of eq. 2


@pytest.mark.parametrize("name", ["four-scalar", "two-scalar", "two-scalar-unhalved",
                                  "three-scalar", "depth-4", "depth-5:2+3"])
def test_kernel_matches_numpy_loop(name):
    model = get_model(name)
    rng = np.random.default_rng(1)
    V = np.vstack([rng.uniform(0.9, 1.1, 700) for _ in model.coords])
    st, wh = np.zeros(700, np.int8), np.full(700, -1, np.int64)
    out = advance(model, V, 0.05, 200, st, wh, every=50)
    ref = numpy_iterate(model, V.copy(), 0.05, 200)
    np.testing.assert_allclose(out, ref, rtol=1e-9, atol=1e-12)


def test_kernel_matches_hand_written_eq2():
    model = get_model("four-scalar")
    x0 = np.linspace(1.8, 2.4, 1030)
    y0 = 1 / x0 + 0.01
    st, wh = np.zeros(1030, np.int8), np.full(1030, -1, np.int64)
    out = advance(model, np.vstack([x0, y0]), 0.2, 60, st, wh)
    xr, yr = eq2(x0, y0, 0.2, 60)
    np.testing.assert_allclose(out[0], xr, rtol=1e-9)
    np.testing.assert_allclose(out[1], yr, rtol=1e-9)


def test_kernel_is_vectorised_across_points():
    """One worker against numpy on the same 32768 points in the same test: a kernel that
    stopped vectorising (one point at a time runs ~2x numpy) fails the 10x floor; the
    benchmark measures ~25-60x here depending on the machine's load."""
    import time

    import numba
    model = get_model("four-scalar")
    x = np.linspace(2.0, 2.6, 1 << 15)
    V = np.vstack([x, 1 / x])
    st, wh = np.zeros(V.shape[1], np.int8), np.full(V.shape[1], -1, np.int64)
    advance(model, V[:, :512], 0.2, 1, st[:512], wh[:512])  # compile
    threads = numba.get_num_threads()
    numba.set_num_threads(1)
    try:
        ratios = []
        for _ in range(3):
            t = time.perf_counter()
            advance(model, V, 0.2, 2000, st, wh, every=500)
            fast = 2000 / (time.perf_counter() - t)
            t = time.perf_counter()
            numpy_iterate(model, V.copy(), 0.2, 40)
            ratios.append(fast / (40 / (time.perf_counter() - t)))
    finally:
        numba.set_num_threads(threads)
    assert max(ratios) > 10, ratios


def test_scaling_makes_the_cubic_monic():
    """u = sigma v with sigma = eta^(-1/6) turns eq. 2 into v' = v - g (v_y, v_x),
    g = q (q^2 - eta^(2/3)), q = v_x v_y: one multiplication fewer than the plain map."""
    from eos_symbolic.dynamics.sweep_kernel import SIGMA, _program_cost, scaled_program
    prog, c, k = scaled_program(get_model("four-scalar"))
    assert (c, k) == (1, 6)
    x, y = get_model("four-scalar").coords
    q = x * y
    sub = dict(prog.setup)
    env = {}
    for s_, e in prog.body:
        env[s_] = e.subs(env).subs(sub)
    g = sp.expand(env[sp.Symbol("_g")])
    assert sp.expand(g - (q ** 3 - q / SIGMA ** 4)) == 0
    assert _program_cost(prog) == _program_cost(map_program(get_model("four-scalar"))) - 1
    assert scaled_program(get_model("three-scalar")) is None  # no saving there: plain kernel


@pytest.mark.parametrize("R, expect", [(50.0, [CONVERGED, DIVERGED, CONVERGED, DIVERGED]),
                                       (2.605, [DIVERGED, DIVERGED, CONVERGED, DIVERGED])])
def test_escape_and_convergence_steps_match_the_plain_map(R, expect):
    """The scaled kernel's radius and tolerance mean the same as on the plain map: checked
    every step against a numpy loop of eq. 2 written by hand (R = 2.605 is crossed by the
    first orbit's transient only)."""
    model = get_model("four-scalar")
    V = np.array([[2.6, 3.5, 1.2, 3.3], [0.35, 0.6, 0.9, 0.3]])
    n, tol = V.shape[1], 1e-9
    st, wh = np.zeros(n, np.int8), np.full(n, -1, np.int64)
    advance(model, V, 0.2, 3000, st, wh, every=1, radius=R, tol=tol)
    x, y = V.copy()
    first = np.full(n, -1)
    code = np.zeros(n, int)
    with np.errstate(all="ignore"):
        for t in range(1, 3001):
            x, y = eq2(x, y, 0.2, 1)
            xn, yn = eq2(x, y, 0.2, 1)
            out = ~((np.abs(x) < R) & (np.abs(y) < R))
            still = np.abs(xn - x) + np.abs(yn - y) < tol * (1 + np.abs(x) + np.abs(y))
            now = np.where(out, 2, np.where(still, 1, 0))
            change = (now != code) & (code != 2)
            first = np.where(change, np.where(now > 0, t, -1), first)
            code = np.where(change, now, code)
    assert list(st) == list(code) == expect
    np.testing.assert_array_equal(wh, first)


def test_classification_and_limit_sharpness():
    model = get_model("four-scalar")
    starts = np.array([[2.6, 0.35], [5.0, 5.0], [1.2, 0.9]])
    res = run_sweep(model, starts, [0.2], 50000, progress=False)
    assert list(res.status) == [CONVERGED, DIVERGED, CONVERGED]
    assert 0 < res.gap[0] < 0.1          # the EoS end point (sharpness just under 2/eta)
    assert res.steps_taken[1] > 0
    # the limit is a minimum: x y = 1, and the sharpness there is 2 (x^2 + y^2) (C3)
    x, y = res.limit[0]
    assert abs(x * y - 1) < 1e-12
    assert res.sharpness[0] == pytest.approx(2 * (x * x + y * y), rel=1e-10)
    assert np.isnan(res.sharpness[1])


def test_limit_sharpness_numeric_route_agrees():
    """Closed-form eigenvalues vs a numeric eigen-solve of the tied Hessian."""
    model = get_model("four-scalar")
    pts = np.array([[2.0, 0.5], [1.3, 0.7]])
    closed = limit_sharpness(model, pts, 0.1)
    H = []
    for x, y in pts:
        # Hessian of 1/2 (1 - x^2 y^2)^2 in (x, y) on the tied slice, eigen-solved here
        h = model.tied_hessian
        import sympy as sp
        M = np.array(sp.Matrix(h).subs({sp.Symbol("x", real=True): x,
                                        sp.Symbol("y", real=True): y}).evalf(), dtype=float)
        H.append(np.linalg.eigvalsh(M.reshape(int(len(h) ** 0.5), -1))[-1])
    np.testing.assert_allclose(closed, H, rtol=1e-10)


class Stop(Exception):
    pass


def test_interrupted_sweep_resumes_without_recomputing(tmp_path):
    model = get_model("four-scalar")
    starts, shape = grid_starts(model, {"x": (1.5, 3.0, 40), "y": (0.2, 0.8, 30)})
    full = run_sweep(model, starts, [0.2, 0.15], 3000, shape=shape, chunk=200, progress=False)
    seen = []

    def interrupt(j):
        seen.append(j)
        if len(seen) == 3:
            raise Stop

    with pytest.raises(Stop):
        run_sweep(model, starts, [0.2, 0.15], 3000, shape=shape, chunk=200,
                  checkpoint=tmp_path, progress=False, on_chunk=interrupt)
    assert len(list(tmp_path.glob("chunk_*.npz"))) == 3
    again = []
    res = run_sweep(model, starts, [0.2, 0.15], 3000, shape=shape, chunk=200,
                    checkpoint=tmp_path, progress=False, on_chunk=again.append)
    assert res.chunks_loaded == 3 and res.chunks_computed == 12 - 3
    assert not set(again) & set(seen)
    np.testing.assert_array_equal(res.status, full.status)
    np.testing.assert_array_equal(res.limit, full.limit)
    with pytest.raises(EosError, match="different sweep"):
        run_sweep(model, starts, [0.2], 3000, chunk=200, checkpoint=tmp_path, progress=False)


def test_sweep_on_dask_matches_local():
    distributed = pytest.importorskip("distributed")
    model = get_model("two-scalar")
    starts, shape = grid_starts(model, {"x": (0.5, 2.0, 20), "y": (0.5, 2.0, 20)})
    local = run_sweep(model, starts, [0.3], 2000, chunk=128, progress=False)
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=False,
                                  dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        remote = run_sweep(model, starts, [0.3], 2000, chunk=128, progress=False,
                           scheduler=client)
    np.testing.assert_array_equal(remote.status, local.status)
    np.testing.assert_allclose(remote.limit, local.limit)


def test_sweep_cli_on_a_dask_scheduler_address(tmp_path):
    """`--scheduler tcp://...`: chunks run in a separate worker process."""
    distributed = pytest.importorskip("distributed")
    args = ["sweep", "--model", "four-scalar", "--eta", "0.2", "--grid", "x=2.2:2.8:12",
            "--grid", "y=0.3:0.5:12", "--steps", "5000", "--chunk", "48", "--no-progress"]
    assert main(args + ["--json", str(tmp_path / "local.json")]) == 0
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster:
        assert main(args + ["--scheduler", cluster.scheduler_address,
                            "--json", str(tmp_path / "dask.json")]) == 0
    local, remote = (json.loads((tmp_path / f).read_text())["rows"]
                     for f in ("local.json", "dask.json"))
    assert remote == local


def test_sweep_cli(tmp_path):
    out = tmp_path / "s.json"
    code = main(["sweep", "--model", "four-scalar", "--eta", "0.2", "--grid", "x=2.2:2.8:16",
                 "--grid", "y=0.3:0.5:16", "--steps", "20000", "--no-progress",
                 "--json", str(out), "--out", str(tmp_path / "s.npz")])
    assert code == 0
    rows = json.loads(out.read_text())["rows"]
    assert rows[0]["converged"] > 0.5 and rows[0]["concentrated"] > 0.3
    assert np.load(tmp_path / "s.npz")["status"].shape == (256,)
    assert main(["sweep", "--eta", "0.2", "--grid", "x=1:2"]) == 2


@pytest.mark.parametrize("opts, message", [
    (["--eta", "nan"], "--eta: expected a number, got 'nan'"),
    (["--eta", "-0.2"], "--eta: expected a positive number"),
    (["--eta", "0"], "--eta: expected a positive number"),
    (["--eta", "abc"], "--eta: expected a number"),
    (["--eta", "0.2", "--steps", "0"], "--steps: expected an integer >= 1"),
    (["--eta", "0.2", "--steps", "-5"], "--steps: expected an integer >= 1"),
    (["--eta", "0.2", "--steps", "x"], "argument --steps: invalid int value: 'x'"),
    (["--eta", "0.2", "--grid", "x=nan:1:4"], "--grid x: expected a number"),
    (["--eta", "0.2", "--grid", "x=3:1:4"], "--grid x: expected LO < HI, got 3:1"),
    (["--eta", "0.2", "--grid", "x=1:3:0"], "--grid x: N = 0 points"),
    (["--eta", "0.2", "--grid", "x=1:3:-4"], "--grid x: N must be a whole number"),
    (["--eta", "0.2", "--band", "-1"], "--band: expected a positive number"),
    (["--eta", "0.2", "--fixed", "z=oops"], "--fixed z: expected a number")])
def test_sweep_rejects_bad_input_with_one_line(opts, message, capsys):
    args = ["sweep", "--model", "four-scalar", "--grid", "x=2.2:2.8:4", "--grid",
            "y=0.3:0.5:4", "--steps", "100", "--no-progress"]
    assert main(args + opts) == 2
    err = capsys.readouterr().err
    assert message in err and err.startswith("error: ") and err.count("\n") == 1, err


def test_huge_grid_is_refused_before_anything_is_allocated(capsys):
    import time
    start = time.perf_counter()
    rc = main(["sweep", "--eta", "0.2", "--grid", "x=0.05:3.5:1000000000", "--grid",
               "y=0.05:3.5:2", "--steps", "50000", "--no-progress"])
    err = capsys.readouterr().err
    assert rc == 2 and time.perf_counter() - start < 5
    assert "2,000,000,000 is above the documented maximum 4,194,304" in err
    assert "GB of results" in err and "--force" in err and err.count("\n") == 1


def test_user_model_with_three_coordinates_and_numeric_sharpness():
    """Any model: a user loss with no closed-form eigenvalues uses a numeric eigen-solve."""
    from eos_symbolic.numeric.kernels import kernels_for
    from eos_symbolic.symbolic.model import Model
    model = Model.from_loss("(1 - x*y*z)**2/2 + (x - y)**2/10")
    res = run_sweep(model, np.array([[1.1, 0.9, 1.0], [9.0, 9.0, 9.0]]), [0.1], 20000,
                    progress=False)
    assert list(res.status) == [CONVERGED, DIVERGED]
    x, y, z = res.limit[0]
    assert abs(x - y) < 1e-9 and abs(x * y * z - 1) < 1e-9
    if not kernels_for(model, "xy").closed_form_eigenvalues:
        grad = np.array([y * z, x * z, x * y])   # Hessian at a minimum: r r^T + (x-y) part
        D = np.array([[1, -1, 0], [-1, 1, 0], [0, 0, 0]]) / 5
        assert res.sharpness[0] == pytest.approx(np.linalg.eigvalsh(
            np.outer(grad, grad) + D)[-1], rel=1e-8)


def test_sweep_cli_from_checkpoint_says_nothing_computed(tmp_path, capsys):
    args = ["sweep", "--eta", "0.2", "--grid", "x=2.2:2.8:8", "--grid", "y=0.3:0.5:8",
            "--steps", "2000", "--chunk", "32", "--no-progress",
            "--checkpoint", str(tmp_path / "ck")]
    assert main(args) == 0
    assert "point-steps/s" in capsys.readouterr().out
    assert main(args + ["--json", str(tmp_path / "again.json")]) == 0
    out = capsys.readouterr().out
    assert "nothing computed, all 2 chunks loaded from the checkpoint" in out
    assert "point-steps/s" not in out
    assert json.loads((tmp_path / "again.json").read_text())["point_steps_per_second"] is None
