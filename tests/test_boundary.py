"""The hardened boundary, case by case: every failure a hostile or careless user found gets
one `error:` line (exit 2) or an honest outcome, and saved work cannot be silently wrong."""
import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from eos_symbolic import EosError, get_model
from eos_symbolic.cli import main
from eos_symbolic.dynamics.sweep import grid_starts, run_sweep
from eos_symbolic.errors import Interrupted
from eos_symbolic.numeric.record import TrajectoryRecord
from eos_symbolic.numeric.trajectory import run_trajectory

ROOT = Path(__file__).resolve().parents[1]
TRAJ = ["trajectory", "--model", "four-scalar", "--eta", "0.2", "--start", "x=2.5,y=0.2",
        "--no-progress"]


def one_line_error(capsys, rc, *fragments):
    err = capsys.readouterr().err
    assert rc == 2, err
    assert err.startswith("error: ") and err.count("\n") == 1 and "Traceback" not in err, err
    for f in fragments:
        assert f in err, err
    return err


# ------------------------------------------------------------------ hostile text and hangs

@pytest.mark.parametrize("argv, fragment", [
    (["trajectory", "--loss", "1 .real", "--eta", "0.1", "--start", "x=1", "--steps", "1"],
     "attribute access"),
    (["trajectory", "--loss", "1j*x", "--eta", "0.1", "--start", "x=1", "--steps", "1"],
     "not a number"),
    (["trajectory", "--loss", "9**9**9**9*x", "--eta", "0.1", "--start", "x=1", "--steps", "1"],
     "exponent"),
    (["trajectory", "--loss", "(1-x*y)**200", "--eta", "0.1", "--start", "x=1,y=1",
      "--steps", "1"], "exponent"),
    (["trajectory", "--loss", "(" * 400 + "x" + ")" * 400, "--eta", "0.1", "--start", "x=1",
      "--steps", "1"], "loss:"),
    (["certify", "inequality", "9**9**9**9*x > 0", "--box", "x=0:1"], "exponent"),
    (["trajectory", "--eta", "1e99999999", "--start", "x=2.5,y=0.2", "--steps", "1"], "eta:"),
    (["derive", "--loss", "", "--out", "unused"], "loss: expected a non-empty formula"),
])
def test_hostile_text_is_refused_quickly(argv, fragment, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    start = time.perf_counter()
    one_line_error(capsys, main(argv), fragment)
    assert time.perf_counter() - start < 5
    assert not list(tmp_path.iterdir())  # nothing was created


def test_user_loss_that_explodes_stops_at_the_time_budget(tmp_path, capsys):
    start = time.perf_counter()
    rc = main(["derive", "--loss", "(1-x*y)**64/2", "--out", str(tmp_path / "d"),
               "--time-budget", "1"])
    one_line_error(capsys, rc, "stopped after 1 s (the time budget", "--time-budget")
    assert time.perf_counter() - start < 10 and not (tmp_path / "d").exists()


# ------------------------------------------------------------------------ bad values

@pytest.mark.parametrize("extra, fragment", [
    (["--steps", "10", "--tol", "-1"], "tol: expected a relative tolerance"),
    (["--steps", "10", "--tol", "nan"], "tol: expected a relative tolerance"),
    (["--steps", "10", "--eta", "abc"], "eta: expected a finite decimal number"),
    (["--steps", "x"], "argument --steps: invalid int value"),
    (["--steps", "10", "--dps", "20000"], "dps: 20,000 is above the documented maximum"),
    (["--steps", "100000000"], "steps: 100,000,000 is above the documented maximum"),
    (["--steps", "10", "--dps", "200000", "--force"], "dps: expected an integer from 15 to 100000"),
    (["--steps", "10", "--max-dps", "5"], "max_dps: expected an integer"),
    (["--steps", "10", "--checkpoint-seconds", "0"], "--checkpoint-seconds"),
    (["--steps", "10", "--tie", "z=x"], "--tie: only with --loss"),
    (["--steps", "10", "--eta", "1e-40"], "one GD step leaves the start unchanged"),
])
def test_trajectory_values_are_checked(extra, fragment, capsys):
    args = list(TRAJ)
    if "--eta" in extra:
        del args[args.index("--eta"):args.index("--eta") + 2]
    one_line_error(capsys, main(args + extra), fragment)


@pytest.mark.parametrize("argv, fragment", [
    (["certify", "two-cycle", "--eta", "abc", "--near", "x=0.9,y=0.9"], "--eta:"),
    (["certify", "two-cycle", "--eta", "3/5", "--near", "x=0.9,y=q"], "--near y:"),
    (["certify", "two-cycle", "--eta", "3/5", "--near", "x=0.9,y=0.9", "--radius", "-1"],
     "--radius: expected a positive number"),
    (["certify", "flip", "--eta-interval", "1/5,1/10"], "expected LO <= HI"),
    (["certify", "remainder", "--box", "a=1:0,b=0:1,kappa=0:1"], "--box a: expected LO <= HI"),
    (["certify", "band", "--kappa", "-1"], "--kappa: expected a positive number"),
    (["certify", "inequality", "x >= 0", "--box", "x=0:1", "--budget", "0"], "--budget"),
    (["sweep", "--eta", "0.2", "--grid", "x=1:2:3", "--grid", "y=1:2:3", "--chunk", "0"],
     "--chunk: expected an integer >= 1"),
    (["sweep", "--eta", "0.2", "--grid", "x=1:2:3", "--grid", "y=1:2:3", "--fixed", "y=1"],
     "--fixed y: y also has a --grid"),
])
def test_other_commands_check_their_values(argv, fragment, capsys):
    one_line_error(capsys, main(argv), fragment)


# ------------------------------------------------------------------ outputs checked first

@pytest.mark.parametrize("where, fragment", [
    ("missing/r.json", "does not exist"), ("file.txt/r.json", "is not a folder"),
    (".", "is a folder"),
])
def test_output_paths_are_checked_before_the_run(tmp_path, capsys, where, fragment):
    (tmp_path / "file.txt").write_text("x")
    path = str(tmp_path / where)
    start = time.perf_counter()
    for argv in (TRAJ + ["--steps", "400000", "--out", path],
                 TRAJ + ["--steps", "400000", "--json", path],
                 ["sweep", "--eta", "0.2", "--grid", "x=1:2:512", "--grid", "y=1:2:512",
                  "--out", path],
                 ["check", "C2", "--json", path]):
        one_line_error(capsys, main(argv), fragment)
    assert time.perf_counter() - start < 10  # refused before any long work


def test_unwritable_folders_are_refused(capsys):
    for argv in (TRAJ + ["--steps", "10", "--json", "/proc/eos-test.json"],
                 ["derive", "--model", "two-scalar", "--out", "/proc/version"],
                 ["sweep", "--eta", "0.2", "--grid", "x=1:2:3", "--grid", "y=1:2:3",
                  "--checkpoint", "/proc/version"]):
        one_line_error(capsys, main(argv))


def test_json_output_is_atomic_and_complete(tmp_path, capsys):
    out = tmp_path / "t.json"
    assert main(TRAJ + ["--steps", "5", "--json", str(out)]) == 0
    assert json.loads(out.read_text())["steps_done"] == 5
    assert [p.name for p in tmp_path.iterdir()] == ["t.json"]  # no temporary files left


# --------------------------------------------------------------------- honest outcomes

def test_zero_steps_is_not_run(capsys):
    assert main(TRAJ + ["--steps", "0", "--start", "x=2.18,y=0.4587"]) == 0
    out = capsys.readouterr().out
    assert "outcome: not run: 0 steps" in out and "converged" not in out


def test_few_steps_never_converge_from_the_look_ahead():
    res = run_trajectory(get_model("four-scalar"), "0.2", {"x": "2.5", "y": "0.2"}, 10)
    assert res.outcome.kind == "still-moving"


def test_values_beyond_double_range_are_not_certified_zeros(capsys):
    assert main(TRAJ + ["--steps", "0", "--start", "x=1e99,y=0.5"]) == 0
    rows = dict(line.split("=", 1) for line in capsys.readouterr().out.splitlines()
                if line.startswith("  "))
    assert rows["  sharpness  "].strip().startswith("7.5000000000000000000")
    assert "e+395" in rows["  sharpness  "] and "e+394" in rows["  loss       "]


# ------------------------------------------------------------------- integrity of records

@pytest.fixture(scope="module")
def record(tmp_path_factory):
    path = tmp_path_factory.mktemp("rec") / "r.json"
    run_trajectory(get_model("four-scalar"), "0.2", {"x": "2.5", "y": "0.2"}, 1000, dps=20,
                   every=100, out=path)
    return path


@pytest.mark.parametrize("edit, fragment", [
    (lambda d: d.update(step=6000000), "checksum does not match"),
    (lambda d: d["config"].update(eta="0.1"), "checksum does not match"),
    (lambda d: d.update(states=[]), "checksum does not match"),
    (lambda d: d.update(format="eos-symbolic-trajectory/1"), "older version"),
    (lambda d: d.pop("checksum"), "checksum does not match"),
])
def test_an_edited_record_is_refused(record, tmp_path, capsys, edit, fragment):
    data = json.loads(record.read_text())
    edit(data)
    bad = tmp_path / "r.json"
    bad.write_text(json.dumps(data))
    with pytest.raises(EosError, match=fragment):
        TrajectoryRecord.load(bad)
    rc = main(["trajectory", "--out", str(bad), "--resume", "--steps", "2000", "--no-progress"])
    one_line_error(capsys, rc, str(bad))


def test_a_resealed_record_must_still_make_sense(record, tmp_path):
    """A record with a valid checksum (another program) is still checked for shape."""
    from eos_symbolic.saving import checksum
    data = json.loads(record.read_text())
    data["states"] = []
    data.pop("checksum")
    data["checksum"] = checksum(data)
    bad = tmp_path / "r.json"
    bad.write_text(json.dumps(data))
    with pytest.raises(EosError, match="saved states for"):
        TrajectoryRecord.load(bad)


def test_first_checkpoint_comes_within_seconds(tmp_path):
    out = tmp_path / "r.json"
    proc = subprocess.Popen([sys.executable, "-m", "eos_symbolic", *TRAJ, "--steps",
                             "5000000", "--force", "--out", str(out)], cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.time() + 30
        while not out.exists() and time.time() < deadline:
            time.sleep(0.2)
        assert out.exists(), "no checkpoint within 30 s of starting (imports included)"
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=30)
    finally:
        proc.kill()
    assert proc.returncode == 130
    lines = err.decode().strip().splitlines()
    assert lines[-1].startswith("interrupted: interrupted at step") and "--resume" in lines[-1]
    rec = TrajectoryRecord.load(out)
    assert rec.status == "interrupted" and rec.step > 0


# ---------------------------------------------------------------- integrity of sweeps

@pytest.fixture
def sweep_setup(tmp_path):
    model = get_model("four-scalar")
    starts, shape = grid_starts(model, {"x": (1.5, 3.0, 20), "y": (0.2, 0.8, 20)})
    run = lambda eta=0.2, steps=2000, **kw: run_sweep(  # noqa: E731
        model, starts, [eta], steps, shape=shape, chunk=100, checkpoint=tmp_path,
        progress=False, **kw)
    return tmp_path, run


def test_stale_chunks_without_spec_are_refused(sweep_setup):
    folder, run = sweep_setup
    run()
    (folder / "spec.json").unlink()
    with pytest.raises(EosError, match="chunk_00000.npz belongs to another sweep"):
        run(eta=0.15, steps=3000)
    res = run()  # the same sweep still loads its own chunks
    assert res.chunks_loaded == 4 and res.chunks_computed == 0


def test_swapped_or_altered_chunks_are_refused(sweep_setup):
    folder, run = sweep_setup
    run()
    a, b = folder / "chunk_00000.npz", folder / "chunk_00001.npz"
    ra, rb = a.read_bytes(), b.read_bytes()
    a.write_bytes(rb)
    b.write_bytes(ra)
    with pytest.raises(EosError, match="holds chunk 1 of this sweep, not chunk 0"):
        run()
    a.write_bytes(ra)
    b.write_bytes(rb)
    with np.load(a) as z:
        data = {k: z[k] for k in z.files}
    data["status"][3] = 1 - data["status"][3]
    np.savez(a, **data)
    with pytest.raises(EosError, match="checksum does not match"):
        run()


def test_interrupted_sweep_saves_chunks_and_says_so(sweep_setup):
    folder, run = sweep_setup

    def stop(j):
        if j == 1:
            raise KeyboardInterrupt
    with pytest.raises(Interrupted, match="2 of 4 chunks done; they are saved in"):
        run(on_chunk=stop)
    assert len(list(folder.glob("chunk_*.npz"))) == 2
    assert run().chunks_loaded == 2


def test_sigint_during_sweep_exits_130_with_one_line(tmp_path):
    proc = subprocess.Popen([sys.executable, "-m", "eos_symbolic", "sweep", "--eta", "0.2",
                             "--grid", "x=0.05:3.5:2048", "--grid", "y=0.05:3.5:1024",
                             "--steps", "100000", "--checkpoint", str(tmp_path), "--force",
                             "--no-progress"], cwd=ROOT, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)
    try:
        deadline = time.time() + 60
        while not list(tmp_path.glob("chunk_*.npz")) and time.time() < deadline:
            time.sleep(0.2)
        assert list(tmp_path.glob("chunk_*.npz")), "no chunk saved within 60 s"
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=60)
    finally:
        proc.kill()
    lines = err.decode().strip().splitlines()
    assert proc.returncode == 130 and len(lines) == 1, lines
    assert lines[0].startswith("interrupted: sweep stopped with") and "rerun" in lines[0]


# -------------------------------------------------------------------------- pipes

@pytest.mark.parametrize("argv", [["models"], TRAJ + ["--steps", "5"]])
def test_output_into_a_closed_pipe_ends_quietly(argv):
    """As with ``| head``: the reader is gone before the output is written."""
    proc = subprocess.Popen([sys.executable, "-m", "eos_symbolic", *argv], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    proc.stdout.close()
    err = proc.stderr.read().decode()
    proc.wait(timeout=120)
    assert proc.returncode == 141 and err.strip() == "", err


# ------------------------------------------------ planted code in every CLI argument

#: A cheap valid command line for every (sub)command.
BASES = {
    "models": ["models"],
    "derive": ["derive", "--model", "two-scalar", "--check", "--time-budget", "1"],
    "check": ["check", "C2"],
    "verify": ["verify", "--quick"],
    "trajectory": TRAJ + ["--steps", "3"],
    "sweep": ["sweep", "--eta", "0.2", "--grid", "x=2:2.5:3", "--grid", "y=0.2:0.3:3",
              "--steps", "20", "--no-progress"],
    "figures": ["figures", "--quick"],
    "certify two-cycle": ["certify", "two-cycle", "--eta", "3/5", "--near", "x=0.9,y=0.9"],
    "certify orbit": ["certify", "orbit", "--eta", "3/5", "--near", "x=0.9,y=0.9"],
    "certify flip": ["certify", "flip", "--eta-interval", "1/10,1/9", "--pieces", "1"],
    "certify remainder": ["certify", "remainder", "--budget", "5"],
    "certify band": ["certify", "band", "--budget", "5"],
    "certify inequality": ["certify", "inequality", "x**2 + 1 > 0", "--box", "x=-1:1",
                           "--budget", "5"],
}
#: Output folders of long commands: a planted value there is only a (strange) folder name,
#: accepted and never parsed; running the whole command for it would take minutes.
PATHS_ONLY = {("verify", "--report"), ("figures", "--out")}


def value_options():
    """(command, option or positional index, base argv) for every argument taking a value."""
    from eos_symbolic.cli.main import build_parser

    def walk(parser, prefix):
        for action in parser._actions:
            if isinstance(action, __import__("argparse")._SubParsersAction):
                for name, sub in action.choices.items():
                    yield from walk(sub, prefix + [name])
        name = " ".join(prefix)
        if name not in BASES:
            return
        for action in parser._actions:
            if action.nargs == 0 or action.dest in ("help",) or isinstance(
                    action, __import__("argparse")._SubParsersAction):
                continue
            yield name, action.option_strings[0] if action.option_strings else None, action

    return list(walk(build_parser(), []))


def planted_argv(name, option, action, payload):
    argv = list(BASES[name])
    if option is None:  # positional: replace the base's value
        if name == "check":
            return ["check", payload]
        return [a if a != "x**2 + 1 > 0" else payload for a in argv]
    if option in argv:
        argv[argv.index(option) + 1] = payload
        return argv
    return argv + [option, payload]


def test_code_planted_in_every_cli_argument_never_runs(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    marker = tmp_path / "ran"
    payloads = [f"__import__('pathlib').Path({str(marker)!r}).touch() or 3",
                f"exec(\"open({str(marker)!r}, 'w')\")"]
    seen = set()
    runs = 0
    for name, option, action in value_options():
        seen.add((name, option))
        if (name, option) in PATHS_ONLY:
            continue
        for payload in payloads:
            rc = main(planted_argv(name, option, action, payload))
            err = capsys.readouterr().err
            assert not marker.exists(), (name, option)
            assert rc in (0, 1, 2) and "Traceback" not in err, (name, option, err)
            runs += 1
    # every command and the arguments users type most are covered
    assert {("trajectory", "--eta"), ("trajectory", "--loss"), ("sweep", "--grid"),
            ("certify inequality", None), ("check", None), ("derive", "--loss"),
            ("certify two-cycle", "--near"), ("check", "--claims")} <= seen
    print(f"\n{runs} command lines with planted code in {len(seen)} arguments of "
          f"{len(BASES)} commands: nothing ran")


# ------------------------------------------------------------------------ time budgets

def _spin(seconds):
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        pass


@pytest.mark.parametrize("outer, inner, work, who", [
    (1, 5, 3, "outer"), (5, 1, 3, "inner"), (None, 0.5, 3, "inner")])
def test_time_budgets_nest(outer, inner, work, who):
    from eos_symbolic.symbolic.limits import time_budget
    start = time.perf_counter()
    with pytest.raises(EosError, match=f"^{who}: stopped after"):
        with time_budget(outer, "outer"):
            with time_budget(inner, "inner"):
                _spin(work)
    assert time.perf_counter() - start < min(v for v in (outer, inner) if v) + 0.5


def test_a_user_claim_gets_a_time_budget(tmp_path, monkeypatch):
    import dataclasses

    from eos_symbolic.claims import verify
    from eos_symbolic.claims.registry import load_claims_file
    monkeypatch.setattr(verify, "LIMITS", dataclasses.replace(verify.LIMITS,
                                                              user_claim_seconds=0.05))
    p = tmp_path / "c.toml"
    p.write_text('[[claim]]\nid = "U1"\nkind = "identity"\nlhs = "(x + y + z + w + a)**12"\n'
                 'rhs = "(x + y + z + w + a)**10*(x**2 + 2*x*(y + z + w + a) + (y + z + w + a)**2)"'
                 '\n')
    v = verify.check_claim(load_claims_file(p)[0])
    assert v.verdict == "inconclusive" and "claim U1: stopped after 1 s" in v.evidence["reason"]


def test_sigint_during_derive_exits_130_and_writes_nothing(tmp_path):
    out = tmp_path / "d"
    proc = subprocess.Popen([sys.executable, "-m", "eos_symbolic", "derive", "--model",
                             "two-scalar", "--model", "four-scalar", "--out", str(out)],
                            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        err = b""
        while b" s\n" not in err and proc.poll() is None:  # first model done: mid-run
            err += proc.stderr.read1(4096)
        proc.send_signal(signal.SIGINT)
        err += proc.communicate(timeout=60)[1]
    finally:
        proc.kill()
    last = err.decode().strip().splitlines()[-1]
    assert proc.returncode == 130, err
    assert last.startswith("interrupted: derive stopped after") and "nothing was written" in last
    assert not out.exists()
