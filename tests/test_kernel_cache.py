"""The on-disk kernel cache: entries come back identical, a changed symbolic map or changed
code is a new entry, a built-in model is found by its name, and a warm command never
imports SymPy."""
import json
import subprocess
import sys

import pytest

from eos_symbolic import Model, get_model
from eos_symbolic.numeric import kernel_cache, kernels
from eos_symbolic.symbolic.lazy import BUILTIN_NAMES, LazyGD, LazyModel, is_builtin
from eos_symbolic.symbolic.models import BUILTIN


@pytest.fixture
def cache(tmp_path, monkeypatch):
    """A private, empty kernel cache and no kernels in this process's memory."""
    monkeypatch.setenv("EOS_SYMBOLIC_CACHE", str(tmp_path))
    kernel_cache.cache_dir.cache_clear()
    monkeypatch.setattr(kernels, "_LOADED", {})
    monkeypatch.setattr(kernels, "_BUNDLES", {})
    yield tmp_path / "kernels"
    kernel_cache.cache_dir.cache_clear()


def forget(monkeypatch):
    monkeypatch.setattr(kernels, "_LOADED", {})
    monkeypatch.setattr(kernels, "_BUNDLES", {})


def no_building(monkeypatch):
    from eos_symbolic.numeric import kernel_build

    def refuse(*_):
        raise AssertionError("derived again although the cache holds it")
    monkeypatch.setattr(kernel_build, "build_kernels", refuse)


def test_kernels_come_back_from_the_cache_identical(cache, monkeypatch):
    first = kernels.kernels_for(get_model("four-scalar"), "ab")
    assert len(list(cache.glob("bundle_*.json"))) == 1
    forget(monkeypatch)
    no_building(monkeypatch)
    again = kernels.kernels_for(get_model("four-scalar"), "ab")
    assert again == first and again.step.source == first.step.source


def test_a_changed_symbolic_map_is_a_new_entry(cache, monkeypatch):
    base = kernels.kernels_for(get_model("two-scalar"), "xy")
    # same name, another loss: another map, so never the cached kernels
    other = Model.from_loss("(1 - x*y)**2/2 + x**2/8", name="two-scalar")
    changed = kernels.kernels_for(other, "xy")
    assert changed.step.source != base.step.source
    assert len(list(cache.glob("bundle_*.json"))) == 2
    # the same model after a change of the code that derives or compiles maps
    forget(monkeypatch)
    monkeypatch.setattr(kernels, "code_fingerprint", lambda: "another version")
    kernels.kernels_for(get_model("two-scalar"), "xy")
    assert len(list(cache.glob("bundle_*.json"))) == 3


def test_an_entry_under_another_key_is_not_read(cache):
    m = get_model("two-scalar")
    key = kernels.content_key(m, "xy")
    kernel_cache.save_bundle("other", {"x": 1})
    (cache / f"bundle_{key}.json").write_text((cache / "bundle_other.json").read_text())
    assert kernel_cache.load_bundle(key) is None  # it says it is "other"
    assert kernels.kernels_for(m, "xy").variables == ("x", "y")  # derived instead


def test_a_lazy_builtin_is_found_by_name_without_being_derived(cache, monkeypatch):
    kernels.kernels_for(LazyModel("four-scalar"), "xy")
    forget(monkeypatch)
    lazy = LazyModel("four-scalar")
    k = kernels.kernels_for(lazy, "xy")
    assert lazy._model is None and k.variables == ("x", "y")
    assert dict(k.spec)["loss"] == str(get_model("four-scalar").loss)
    assert lazy == get_model("four-scalar") and hash(lazy) == hash(get_model("four-scalar"))


def test_lazy_gd_is_gd():
    from eos_symbolic.symbolic.optimizers import GD, parse_optimizer
    lazy = LazyGD()
    assert lazy == GD and GD == lazy and hash(lazy) == hash(GD)
    assert (lazy.spec, lazy.kind, lazy.params, lazy.is_gd) == (GD.spec, GD.kind, GD.params, True)
    assert lazy.state_size == GD.state_size and lazy != parse_optimizer("heavy-ball:beta=1/2")


def test_builtin_names_are_the_registry():
    assert tuple(BUILTIN) == BUILTIN_NAMES
    assert is_builtin("depth-5:2+3") and not is_builtin("user")


SNIPPET = """
import sys
from eos_symbolic.cli import main
code = main(["trajectory", "--eta", "0.2", "--start", "x=2.5,y=0.2", "--steps", "2000",
             "--no-progress", "--json", sys.argv[1]])
print("sympy" in sys.modules, code)
"""


def test_a_warm_trajectory_process_never_imports_sympy(tmp_path):
    env = {"EOS_SYMBOLIC_CACHE": str(tmp_path), "PATH": "/usr/bin:/bin"}
    out = []
    for i in range(2):
        run = subprocess.run([sys.executable, "-c", SNIPPET, str(tmp_path / f"{i}.json")],
                             capture_output=True, text=True, env=env, timeout=300)
        assert run.returncode == 0, run.stderr
        out.append(run.stdout.split()[-2:])
    assert out == [["True", "0"], ["False", "0"]]  # cold: derived; warm: read back
    a, b = (json.loads((tmp_path / f"{i}.json").read_text()) for i in range(2))
    assert a["final"] == b["final"] and a["certification"] == b["certification"]


SWEEP = """
import sys
from eos_symbolic.cli import main
code = main(["sweep", "--eta", "0.2", "--grid", "x=0.05:3.5:24", "--grid", "y=0.05:3.5:24",
             "--steps", "3000", "--no-progress", "--json", sys.argv[1]])
print("sympy" in sys.modules, "numba" in sys.modules, code)
"""


def test_a_warm_sweep_process_imports_neither_sympy_nor_numba(tmp_path):
    env = {"EOS_SYMBOLIC_CACHE": str(tmp_path), "PATH": "/usr/bin:/bin"}
    out = []
    for i in range(2):
        run = subprocess.run([sys.executable, "-c", SWEEP, str(tmp_path / f"{i}.json")],
                             capture_output=True, text=True, env=env, timeout=300)
        assert run.returncode == 0, run.stderr
        out.append(run.stdout.split()[-3:])
    assert out == [["True", "False", "0"], ["False", "False", "0"]]
    a, b = (json.loads((tmp_path / f"{i}.json").read_text()) for i in range(2))
    assert a["rows"] == b["rows"]
