"""Optimizers in the numeric engine and the CLI: compiled maps on the state, trajectories
against the normal-form prediction, sweeps, certificates, and one-line errors."""
import json

import numpy as np
import pytest
import sympy as sp

from eos_symbolic import get_model, run_trajectory
from eos_symbolic.cli import main
from eos_symbolic.dynamics.rule_experiments import agreement, limit_runs
from eos_symbolic.dynamics.sweep import grid_starts, run_sweep
from eos_symbolic.dynamics.sweep_kernel import numpy_iterate
from eos_symbolic.errors import EosError
from eos_symbolic.rigorous.flip import prove_flip
from eos_symbolic.symbolic.optimizers import parse_optimizer

HB = parse_optimizer("heavy-ball:beta=1/2")
USAM = parse_optimizer("usam:rho=1/20")


def test_certified_heavy_ball_runs_agree_with_the_prediction_at_the_stated_order():
    pred, runs = limit_runs(get_model("four-scalar"), HB, ("0.2", "0.14"))
    assert pred["curve_type"] == "parabola (attracting)" and pred["gap"] == sp.Rational(1, 3) \
        and pred["gap_power"] == 1 and pred["end_power"] == 3
    errors, rates = agreement(pred, runs)
    assert all(r["outcome"] == "converged" and r["certified_digits"] >= 20 for r in runs)
    assert all(e["gap_error"] < 2 * float(r["eta"]) ** 2 for e, r in zip(errors, runs))
    assert rates and all(r["ok"] for r in rates)  # errors shrink like eta^2


def test_usam_runs_at_eta_equal_rho_agree_with_the_ray_prediction():
    pred, runs = limit_runs(get_model("four-scalar"), USAM, ("0.2", "0.14"))
    assert pred["ray"].spec == "usam:rho=eta"
    errors, rates = agreement(pred, runs)
    assert all(r["ok"] for r in rates) and errors[-1]["gap_error"] < 0.01


def test_trajectory_reports_the_gap_to_the_rules_threshold():
    tr = run_trajectory(get_model("four-scalar"), "0.5", {"x": "1.3", "y": "0.75"}, 3000,
                        rule=HB)
    assert tr.record.config["optimizer"] == "heavy-ball:beta=1/2"
    assert "heavy-ball:beta=1/2 threshold" in tr.outcome.message
    assert tr.record.columns.get("xprev") is not None


def test_resume_refuses_another_optimizer(tmp_path):
    out = tmp_path / "run.json"
    m = get_model("four-scalar")
    run_trajectory(m, "0.5", {"x": "1.3", "y": "0.75"}, 200, rule=HB, out=str(out))
    with pytest.raises(EosError, match="optimizer"):
        run_trajectory(m, "0.5", {"x": "1.3", "y": "0.75"}, 400, rule=USAM, out=str(out),
                       resume=True)


def test_rule_sweep_kernel_matches_its_numpy_loop_and_uses_the_threshold():
    m = get_model("four-scalar")
    starts, shape = grid_starts(m, {"x": (0.3, 3.0, 12), "y": (0.3, 3.0, 12)})
    res = run_sweep(m, starts, [0.2], 300, shape=shape, progress=False, rule=HB, tol=1e-30)
    assert res.optimizer == "heavy-ball:beta=1/2" and np.allclose(res.threshold, 15.0)
    V = np.vstack([starts.T, starts.T])
    with np.errstate(all="ignore"):
        numpy_iterate(m, V, 0.2, 300, rule=HB)
    alive = res.status == 0
    assert np.allclose(res.gap[res.status == 1], 15.0 - res.sharpness[res.status == 1])
    assert alive.any()


def test_certified_flip_of_each_rule():
    m = get_model("four-scalar")
    for rule in (HB, USAM):
        res = prove_flip(m, "1/10", "1/5", rule=rule)
        assert res.status == "proved"
    with pytest.raises(EosError, match="valid range is 0 < eta < 3/4"):
        prove_flip(m, "1/10", "1", rule=HB)


def test_cli_paths_take_the_optimizer(tmp_path, capsys):
    assert main(["trajectory", "--eta", "0.5", "--start", "x=1.3,y=0.75", "--steps", "500",
                 "--optimizer", "usam:rho=1/20", "--no-progress"]) == 0
    assert main(["sweep", "--eta", "0.2", "--grid", "x=0.3:3:8", "--grid", "y=0.3:3:8",
                 "--steps", "200", "--optimizer", "heavy-ball:beta=1/2", "--no-progress",
                 "--json", str(tmp_path / "s.json")]) == 0
    assert json.loads((tmp_path / "s.json").read_text())["rows"][0]["threshold"] == 15.0
    assert main(["certify", "two-cycle", "--eta", "1/2", "--near", "x=1.039,y=1.039",
                 "--optimizer", "usam:rho=1/20"]) == 0
    assert main(["derive", "--model", "four-scalar", "--optimizer", "heavy-ball:beta=1/2",
                 "--out", str(tmp_path)]) == 0
    data = json.loads((tmp_path / "four-scalar+heavy-ball_beta=1_2/derivations.json").read_text())
    assert data["stability_threshold"] == "3/eta"
    assert data["limit_point"] == "((-sqrt(6)*kappa**3/36, 0), -eta/3 + 3/eta, eta**3)"
    out = capsys.readouterr().out
    assert "threshold = 15" in out


@pytest.mark.parametrize("argv, match", [
    (["trajectory", "--eta", "0.1", "--start", "x=1,y=1", "--steps", "10", "--optimizer",
      "heavy-ball:beta=1"], "0 <= beta < 1"),
    (["sweep", "--eta", "0.2", "--grid", "x=0.3:3:4", "--optimizer", "usam:rho=0"],
     "rho > 0"),
    (["trajectory", "--eta", "0.1", "--start", "a=0,b=0.01", "--coords", "ab", "--steps", "10",
      "--optimizer", "heavy-ball:beta=1/2"], "coords xy"),
    (["certify", "flip", "--eta-interval", "1/10,1/5", "--optimizer", "sam:rho=1/20"],
     "not differentiable"),
    (["check", "C1", "--optimizer", "adam"], "unknown rule 'adam'"),
])
def test_cli_refuses_bad_optimizer_input_in_one_line(argv, match, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: ") and match in err and "\n" not in err
