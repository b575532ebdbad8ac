"""Source hygiene: every module compiles without warnings (e.g. invalid escapes in LaTeX
docstrings) and imports without side effects on mpmath precision."""
import importlib
import pkgutil
import warnings
from pathlib import Path

import mpmath

import eos_symbolic

PACKAGE = Path(eos_symbolic.__file__).parent


def test_modules_compile_without_warnings():
    for path in sorted(PACKAGE.rglob("*.py")):
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            compile(path.read_text(encoding="utf-8"), str(path), "exec")


def test_imports_leave_mpmath_precision_alone():
    mpmath.mp.dps = 15
    for mod in pkgutil.walk_packages([str(PACKAGE)], prefix="eos_symbolic."):
        if mod.name.endswith("__main__"):
            continue
        importlib.import_module(mod.name)
    assert mpmath.mp.dps == 15


#: Calls that evaluate text as code (or can: sympify/nsimplify/S parse strings with eval).
EVALUATING = {"sympify", "nsimplify", "eval", "exec", "parse_expr", "S", "__import__"}


def evaluating_calls():
    """(module path, line, name, audited) of every call of an `EVALUATING` name; audited
    means the line or the one above says ``audited:`` (why no user text reaches it)."""
    import ast
    out = []
    for path in sorted(PACKAGE.rglob("*.py")):
        lines = path.read_text(encoding="utf-8").splitlines()
        for node in ast.walk(ast.parse("\n".join(lines))):
            if not isinstance(node, ast.Call):
                continue
            f = node.func
            name = f.id if isinstance(f, ast.Name) else f.attr if isinstance(
                f, ast.Attribute) else None
            if name in EVALUATING:
                near = lines[node.lineno - 1] + (lines[node.lineno - 2] if node.lineno > 1
                                                 else "")
                out.append((path.relative_to(PACKAGE), node.lineno, name, "audited:" in near))
    return out


def test_no_user_text_reaches_eval_sympify_or_nsimplify():
    calls = evaluating_calls()
    unaudited = [c for c in calls if not c[3]]
    assert not unaudited, f"unaudited evaluating calls: {unaudited}"
    # the audited ones: exec of generated kernels, sympify/nsimplify of SymPy objects only
    where = sorted({str(p) for p, _, _, _ in calls})
    assert where == ["numeric/arb.py", "numeric/compile.py", "numeric/compiled.py",
                     "numeric/kernel_build.py", "rigorous/recheck_program.py", "symbolic/minima.py",
                     "symbolic/parser.py"], where
    print(f"{len(calls)} audited evaluating calls in {len(where)} modules, 0 unaudited")


def test_the_audit_finds_a_planted_call(tmp_path, monkeypatch):
    planted = PACKAGE / "_planted_eval.py"
    planted.write_text("import sympy\n\n\ndef f(text):\n    return sympy.sympify(text)\n")
    try:
        assert ("_planted_eval.py", 5, "sympify", False) in [
            (str(p), n, name, ok) for p, n, name, ok in evaluating_calls()]
    finally:
        planted.unlink()
