"""The README's examples, as written: every TOML claim it shows is in `examples/`, and its
example commands run (parsed out of README.md; a synopsis's ``[--optional]`` parts are left
out, outputs under /tmp/ or in the working folder go to a temporary folder)."""
import re
import shlex
import shutil
import sys
from pathlib import Path

import pytest

from eos_symbolic.cli import main

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
#: Commands of the default run (each a few seconds at most); the rest run under `slow`.
FAST = ("models", "check", "certify")


def readme_commands():
    """Every ``eos-symbolic ...`` line of the README's code blocks, continuation lines
    joined, trailing comments dropped."""
    lines, out, i = README.splitlines(), [], 0
    while i < len(lines):
        line = lines[i].strip()
        if line.startswith("eos-symbolic "):
            cmd = line.split("  #")[0].rstrip()
            while cmd.endswith("\\"):
                i += 1
                cmd = cmd[:-1].rstrip() + " " + lines[i].strip().split("  #")[0].rstrip()
            out.append(cmd)
        i += 1
    return out


def readme_claims():
    """The `[[claim]]` tables of the README's ```toml blocks."""
    blocks = re.findall(r"```toml\n(.*?)```", README, re.S)
    return [c for block in blocks for c in tomllib.loads(block)["claim"]]


def argv_of(cmd, tmp):
    """The argument list of a README command: optional parts dropped, output paths moved
    into `tmp`."""
    args = shlex.split(re.sub(r"\s\[[^\]]*\]", "", cmd))[1:]
    return [str(tmp / Path(a).name) if a.startswith("/tmp/") else a for a in args]


def test_readme_lists_the_commands():
    cmds = readme_commands()
    assert "eos-symbolic check U1 U2 U3 U4 U5 --claims examples/user_claims.toml" in cmds
    assert len(cmds) >= 15 and any(c.startswith("eos-symbolic certify band") for c in cmds)


def test_every_readme_claim_is_in_examples():
    examples = {}
    for path in sorted((ROOT / "examples").glob("*.toml")):
        for c in tomllib.loads(path.read_text(encoding="utf-8"))["claim"]:
            examples[c["id"]] = c
    shown = readme_claims()
    assert {c["id"] for c in shown} >= {"U1", "U2", "U3", "U4", "U5"}
    for c in shown:
        assert c["id"] in examples, f"README claim {c['id']} is not in examples/"
        assert {k: examples[c["id"]].get(k) for k in c} == c


def _run(cmd, tmp, monkeypatch):
    # relative paths of the README (examples/, derivations/, the stored certificates) are the
    # repository's; outputs named without a folder (run.json, c.json) land in `tmp`
    work = tmp / "work"
    work.mkdir(exist_ok=True)
    for name in ("examples", "derivations", "eos_symbolic/data"):
        if not (work / name).exists():
            shutil.copytree(ROOT / name, work / name)
    monkeypatch.chdir(work)
    code = main(argv_of(cmd, tmp))
    # 0 = done or proved, 1 = refuted/undecided (certify band refutes its lower edge)
    assert code in (0, 1), f"{cmd} exited {code}"


#: Proofs of minutes (the concentration instances and their re-check) run under `slow`.
LONG = ("eos-symbolic certify concentration", "eos-symbolic certify recheck")
FAST_CMDS = [c for c in readme_commands() if c.split()[1] in FAST and not c.startswith(LONG)]
SLOW_CMDS = [c for c in readme_commands() if c not in FAST_CMDS]


@pytest.mark.parametrize("cmd", FAST_CMDS)
def test_readme_command_runs(cmd, tmp_path, monkeypatch, capsys):
    _run(cmd, tmp_path, monkeypatch)
    assert capsys.readouterr().out.strip()


@pytest.mark.slow
@pytest.mark.parametrize("cmd", SLOW_CMDS)
def test_readme_long_command_runs(cmd, tmp_path, monkeypatch):
    _run(cmd, tmp_path, monkeypatch)
