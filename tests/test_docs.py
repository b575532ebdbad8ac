"""The API reference builds without a warning, and every docstring example runs.

Docstring examples run with the public API (`eos_symbolic.__all__`) in scope, as a reader
of the reference would have after ``from eos_symbolic import *``.
"""
import doctest
import importlib
import pkgutil
import subprocess
import sys
from pathlib import Path

import pytest

import eos_symbolic

ROOT = Path(__file__).resolve().parents[1]


def modules():
    """Every module of the package except ``__main__`` (which runs the CLI on import)."""
    names = ["eos_symbolic"] + [m.name for m in pkgutil.walk_packages(
        eos_symbolic.__path__, "eos_symbolic.") if not m.name.endswith("__main__")]
    return [importlib.import_module(n) for n in names]


def test_docstring_examples_run():
    api = {name: getattr(eos_symbolic, name) for name in eos_symbolic.__all__}
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    finder = doctest.DocTestFinder()
    for mod in modules():
        for test in finder.find(mod, globs={**vars(mod), **api}):
            runner.run(test)
    results = runner.summarize(verbose=False)
    assert results.failed == 0
    assert results.attempted >= 10  # the examples exist


def test_sphinx_build_is_warning_free(tmp_path):
    for name in ("sphinx", "myst_parser"):
        pytest.importorskip(name, reason=f"{name} is in the [docs] and [test] extras")
    run = subprocess.run([sys.executable, "-m", "sphinx", "-W", "--keep-going", "-q", "-b",
                          "html", "docs", str(tmp_path / "html")], cwd=ROOT,
                         capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr[-3000:]
    page = (tmp_path / "html" / "index.html").read_text(encoding="utf-8")
    assert "Quickstart" in page  # the README's tour is the first page
    api = (tmp_path / "html" / "api" / "symbolic.html").read_text(encoding="utf-8")
    assert "eos_symbolic.symbolic.parser.parse_expression" in api
    assert "\\(" in api  # docstring dollar math became Sphinx math
