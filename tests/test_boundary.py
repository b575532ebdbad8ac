"""The hardened boundary, case by case: every failure a hostile or careless user found gets
one `error:` line (exit 2) or an honest outcome (saved work: `test_integrity.py`)."""
import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

from eos_symbolic import EosError, get_model
from eos_symbolic.cli import main
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
