"""`derive`: required names, parse-back, determinism, drift detection, CLI errors."""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import sympy as sp

from eos_symbolic import get_model, parse
from eos_symbolic.cli import main
from eos_symbolic.local.catalogue import derive_model
from eos_symbolic.local.render import render_model

ROOT = Path(__file__).resolve().parents[1]
REQUIRED = ["loss", "gradient", "hessian", "hessian_eigenvalues", "gd_map", "gd_map_2",
            "fixed_points", "two_cycles", "minima", "sharpness_at_minimum", "eos_minimum",
            "reparam", "reparam_map"]


def test_committed_four_scalar_has_required_names_and_parses_back():
    data = json.loads((ROOT / "derivations/four-scalar/derivations.json").read_text())
    assert set(REQUIRED) <= set(data)
    fresh = {d.name: d.value for d in derive_model(get_model("four-scalar"))[0]}
    assert set(fresh) == set(data)
    for name, text in data.items():
        assert _same(parse(text), fresh[name]), name


def _same(p, q):
    """Mathematical equality of parsed JSON and a fresh derivation, recursively."""
    if isinstance(p, (tuple, list, sp.Tuple)) or isinstance(p, sp.MatrixBase):
        return len(p) == len(q) and all(_same(s, t) for s, t in zip(p, q))
    if isinstance(p, sp.Equality):
        return _same(p.lhs, q.lhs) and _same(p.rhs, q.rhs)
    if isinstance(p, sp.Expr) and isinstance(q, sp.Expr):
        diff = sp.expand(p - q)
        return diff == 0 or sp.simplify(diff) == 0 or (diff.is_number and abs(diff) < 1e-18)
    return p == q


def test_rendering_is_deterministic_across_hash_seeds(tmp_path):
    code = ("from eos_symbolic import get_model; from eos_symbolic.local.render import render_model;"
            "import sys; f = render_model(get_model('two-scalar'));"
            "sys.stdout.write(''.join(f[k] for k in sorted(f)))")
    outs = [subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                           env={**os.environ, "PYTHONHASHSEED": seed}, check=True).stdout
            for seed in ("1", "2")]
    assert outs[0] == outs[1]
    assert outs[0] == "".join(v for _, v in sorted(render_model(get_model("two-scalar")).items()))


def test_derive_check_clean_on_committed_tree(capsys):
    assert main(["derive", "--check", "--out", str(ROOT / "derivations")]) == 0


def test_derive_check_detects_drift(tmp_path, capsys):
    assert main(["derive", "--model", "two-scalar", "--out", str(tmp_path)]) == 0
    assert main(["derive", "--model", "two-scalar", "--check", "--out", str(tmp_path)]) == 0
    j = tmp_path / "two-scalar/derivations.json"
    j.write_text(j.read_text().replace("eta", "2*eta", 1))
    assert main(["derive", "--model", "two-scalar", "--check", "--out", str(tmp_path)]) == 1
    assert "drift" in capsys.readouterr().out


def test_user_model_derive(tmp_path):
    assert main(["derive", "--loss", "(1 - x*y*z*w)**2/2", "--tie", "z=x", "--tie", "w=y",
                 "--out", str(tmp_path)]) == 0
    user = json.loads((tmp_path / "user/derivations.json").read_text())
    builtin = json.loads((ROOT / "derivations/four-scalar/derivations.json").read_text())
    assert user["reparam_map"] == builtin["reparam_map"]


@pytest.mark.parametrize("argv, message", [
    (["derive", "--model", "nope"], "unknown model 'nope'"),
    (["derive", "--loss", "(1-x*y)**2/2 + x", "--tie", "y=x"], "not invariant under GD"),
    (["derive", "--loss", "(1-x*y"], "cannot parse"),
    (["derive", "--loss", "tanh(tanh(tanh(tanh(tanh(x*y)))))"], "nested more than 4"),
    (["derive", "--model", "four-scalar", "--optimizer", "momentum:beta=1/2"], "unknown rule"),
    (["derive", "--model", "four-scalar", "--optimizer", "heavy-ball:beta=3/2"], "beta < 1"),
    (["derive", "--loss", "(1-x*y)**2/2 + x", "--tie", "y=x", "--optimizer",
      "heavy-ball:beta=1/2"], "not invariant under heavy-ball:beta=1/2"),
])
def test_cli_errors_are_one_line(argv, message, capsys, tmp_path):
    assert main(argv + ["--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: ") and message in err and "\n" not in err
    assert "Traceback" not in err


def test_console_script_runs():
    out = subprocess.run(["eos-symbolic", "models"], capture_output=True, text=True, check=True)
    assert "four-scalar" in out.stdout


def test_derivation_pages_typeset_formulas_in_notes_and_long_values():
    """Notes' formulas are LaTeX from `sympy.latex`; a value too long for one block is shown
    entry by entry; no SymPy source text (``**``, ``Eq(``) is left in the committed pages."""
    from pathlib import Path
    root = Path(__file__).resolve().parents[1] / "derivations"
    page = (root / "four-scalar" / "README.md").read_text(encoding="utf-8")
    assert "the invariant line(s) $y = x$ and $y = - x$" in page
    assert "Entry 1 of 2:" in page  # gd_map_2
    for readme in root.glob("*/README.md"):
        text = readme.read_text(encoding="utf-8")
        assert "**" not in text and "Eq(" not in text, readme
