"""The on-disk cache of generated kernels: folder, fingerprints, atomic writes, imports.

Folder: ``$EOS_SYMBOLIC_CACHE/kernels`` when that variable is set, else
``$XDG_CACHE_HOME/eos_symbolic/kernels`` (default ``~/.cache/eos_symbolic/kernels``); a private
temporary folder when neither is writable. Deleting the folder is always safe. Two kinds of
entries, both named by a SHA-256 digest of what they were generated from, so an entry is
never reused for another input:

- generated Python modules (a sweep map's plain numpy loop; Python keeps their bytecode next
  to them, in ``__pycache__``), named by the digest of their source;
- kernel bundles (`kernels.Kernels` as JSON: the generated sources and their metadata),
  named by the digest of the model's symbolic maps, the coordinates and `code_fingerprint`
  (the package's own source: a new version of the code that derives or compiles the maps
  is a new key).

Files are written to a temporary name and renamed, so a reader never sees a torn file and
concurrent writers of the same entry write the same bytes. The cache holds code that is
executed: it lives in the user's own cache folder, like Python's ``__pycache__``.
"""
import hashlib
import importlib.util
import json
import os
import sys
import tempfile
from functools import lru_cache
from pathlib import Path

FORMAT = "eos-symbolic-kernels/1"


@lru_cache(maxsize=None)
def cache_dir():
    """The kernel folder (created on first use; see the module docstring)."""
    base = os.environ.get("EOS_SYMBOLIC_CACHE") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "eos_symbolic")
    path = Path(base) / "kernels"
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError:  # read-only home: a private temporary folder still works
        path = Path(tempfile.gettempdir()) / f"eos_symbolic_kernels_{os.getuid()}"
        path.mkdir(parents=True, exist_ok=True)
    return path


def digest(*parts):
    """SHA-256 (hex, 24 characters) of the parts' text."""
    h = hashlib.sha256()
    for p in parts:
        h.update(str(p).encode())
        h.update(b"\0")
    return h.hexdigest()[:24]


@lru_cache(maxsize=None)
def code_fingerprint():
    """Digest of every Python source file of the package (changes with any edit)."""
    root = Path(__file__).resolve().parent.parent  # the package, not this subpackage
    h = hashlib.sha256()
    for f in sorted(root.rglob("*.py")):
        h.update(str(f.relative_to(root)).encode())
        h.update(f.read_bytes())
    return h.hexdigest()[:24]


def write_atomic(path, text):
    """Write `text` to `path` through a temporary file and a rename."""
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)
    return path


def import_source(prefix, source):
    """Import generated `source` as a module file ``<prefix>_<digest>.py`` of the cache
    folder (written only if absent or different), so its bytecode is cached with it and
    tracebacks show the generated lines."""
    name = f"{prefix}_{digest(source)}"
    if name in sys.modules:
        return sys.modules[name]
    path = cache_dir() / f"{name}.py"
    if not path.exists() or path.read_text(encoding="utf-8") != source:
        write_atomic(path, source)
    spec = importlib.util.spec_from_file_location(name, path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    sys.modules[name] = mod
    return mod


def load_bundle(key):
    """The JSON bundle stored under `key`, or None (absent, unreadable or another key)."""
    path = cache_dir() / f"bundle_{key}.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if data.get("format") != FORMAT or data.get("key") != key:
        return None
    return data


def save_bundle(key, data):
    """Store `data` (a dict of JSON values) under `key`; returns the path."""
    return write_atomic(cache_dir() / f"bundle_{key}.json",
                        json.dumps({"format": FORMAT, "key": key, **data}, sort_keys=True))
