"""The `trajectory` command (interfaces.md): output, records, resume, bad input."""
import json

import pytest

from eos_symbolic import get_model
from eos_symbolic.cli import main
from eos_symbolic.numeric.record import TrajectoryRecord
from eos_symbolic.numeric.trajectory import Interrupted, parse_start, run_trajectory

BASE = ["trajectory", "--model", "four-scalar", "--eta", "0.2", "--start", "x=2.5,y=0.2",
        "--no-progress"]


def test_run_writes_summary_record_and_json(tmp_path, capsys):
    rc = main(BASE + ["--steps", "2000", "--dps", "25", "--every", "100",
                      "--out", str(tmp_path / "r.json"), "--json", str(tmp_path / "s.json")])
    out = capsys.readouterr().out
    assert rc == 0
    assert "converged" in out and "certified: " in out and "sharpness" in out
    summary = json.loads((tmp_path / "s.json").read_text())
    assert summary["outcome"]["kind"] == "converged"
    assert summary["certification"]["certified"]
    rec = TrajectoryRecord.load(tmp_path / "r.json")
    assert rec.columns["step"] == list(range(0, 2001, 100)) and rec.status == "complete"
    assert set(rec.columns) >= {"x", "y", "loss", "grad_norm", "sharpness", "a", "b", "gap"}


def test_ab_coordinates_from_an_xy_start(capsys):
    rc = main(BASE + ["--steps", "500", "--coords", "ab"])
    out = capsys.readouterr().out
    assert rc == 0 and "coords ab" in out and "a/kappa^3" in out


def test_user_loss_and_ties(capsys):
    rc = main(["trajectory", "--loss", "(1 - x*y*z*w)**2/2", "--tie", "z=x", "--tie", "w=y",
               "--eta", "0.2", "--start", "x=2.5,y=0.2", "--steps", "3000", "--no-progress"])
    assert rc == 0 and "converged" in capsys.readouterr().out


def test_arb_certification_flag(capsys):
    rc = main(BASE + ["--steps", "1000", "--certify", "arb"])
    assert rc == 0 and "arb centred form" in capsys.readouterr().out


def test_cli_resume_continues_the_record(tmp_path, capsys):
    path = tmp_path / "r.json"
    full = tmp_path / "full.json"
    assert main(BASE + ["--steps", "1500", "--every", "50", "--out", str(full)]) == 0

    def stop(t):
        if t >= 700:
            raise KeyboardInterrupt
    with pytest.raises(Interrupted):
        run_trajectory(get_model("four-scalar"), "0.2", parse_start("x=2.5,y=0.2"), 1500,
                       dps=30, every=50, out=path, on_check=stop)
    assert main(["trajectory", "--out", str(path), "--resume", "--no-progress"]) == 0
    a, b = (json.loads(p.read_text()) for p in (full, path))
    for r in (a, b):
        r.pop("seconds"), r.pop("checksum")  # the checksum covers the run time too
    assert a == b


def test_progress_bar_goes_to_stderr(capsys):
    assert main(BASE[:-1] + ["--steps", "3000"]) == 0
    captured = capsys.readouterr()
    assert "step" in captured.err and "step/s" not in captured.out


@pytest.mark.parametrize("extra,message", [
    (["--steps", "-5"], "steps: expected a non-negative integer"),
    (["--steps", "10", "--dps", "10"], "dps: expected an integer from 15"),
    (["--steps", "10", "--coords", "ab", "--start", "x=1,y=2"], "needs x > y > 0"),
    (["--steps", "10", "--start", "x=nan,y=0.2"], "start value of x: expected a finite"),
    (["--steps", "10", "--eta", "nan"], "eta: expected a finite decimal"),
    (["--steps", "10", "--eta", "0"], "eta: expected a step size eta > 0"),
    (["--steps", "10", "--start", "x=2.5"], "start: expected values for x, y"),
    (["--steps", "10", "--coords", "ab", "--eta", "0.6"], "valid range is 0 < eta < 1/2"),
    (["--steps", "10", "--coords", "ab", "--start", "a=-99,b=0"], "c = a + c_check > 0"),
    (["--steps", "10", "--model", "nope"], "unknown model"),
    (["--resume"], "needs --out"),
])
def test_bad_input_gives_one_line_error(capsys, extra, message):
    args = list(BASE)
    for flag in ("--eta", "--start", "--model"):
        if flag in extra:
            i = args.index(flag)
            del args[i:i + 2]
    rc = main(args + extra)
    err = capsys.readouterr().err.strip()
    assert rc == 2
    assert err.startswith("error: ") and message in err and "\n" not in err
