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
