"""Saved work that cannot be silently wrong: atomic writes, output checks, fingerprints.

- `atomic_write`: the bytes go to a temporary file next to the target, are flushed to disk
  and renamed over it, so a reader sees the old file or the new one, never a torn one.
- `check_output`: before long work starts, the place a result will be written is checked
  (parent folder exists, is a folder, a file can be created there; the target is not a
  folder), so no result is lost at the end to a typo or a read-only disk.
- `fingerprint`: SHA-256 of the canonical JSON of settings (sorted keys, no spaces), which
  ties saved data to the settings and model that made it; `checksum` does the same for data
  (JSON values and NumPy arrays: name, dtype, shape and bytes).

Sits below every layer that writes files (`local.render`, `numeric.record`,
`dynamics.sweep`, the CLI).
"""
import hashlib
import json
import os
import uuid
from pathlib import Path

from .errors import EosError


def _reason(exc):
    return exc.strerror or type(exc).__name__


def atomic_write(path, data, what="output"):
    """Write `data` (str as UTF-8, or bytes) to `path` atomically; `EosError` naming the
    file if that cannot be done."""
    path = Path(path)
    raw = data.encode("utf-8") if isinstance(data, str) else bytes(data)
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.tmp")
    try:
        with open(tmp, "wb") as fh:
            fh.write(raw)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise EosError(f"{what} {path}: cannot write it ({_reason(exc)})") from None
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path


def check_output(path, what, directory=False):
    """Refuse (one line) an output `path` that cannot be written: a file whose folder is
    missing or not writable, or that is a folder; a `directory` that is a file or cannot
    be created. Nothing is left behind."""
    if path is None or path == "":
        return None
    path = Path(path)
    if directory:
        if path.exists() and not path.is_dir():
            raise EosError(f"{what} {path}: exists and is not a folder")
        probe_dir = path if path.is_dir() else next(
            (p for p in path.parents if p.exists()), Path("."))
        if not probe_dir.is_dir():
            raise EosError(f"{what} {path}: {probe_dir} is not a folder")
    else:
        if path.is_dir():
            raise EosError(f"{what} {path}: is a folder, expected a file name")
        probe_dir = path.parent if str(path.parent) else Path(".")
        if not probe_dir.exists():
            raise EosError(f"{what} {path}: the folder {probe_dir} does not exist")
        if not probe_dir.is_dir():
            raise EosError(f"{what} {path}: {probe_dir} is not a folder")
        if path.exists() and not os.access(path, os.W_OK):
            raise EosError(f"{what} {path}: the file is not writable")
    probe = probe_dir / f".eos-write-test-{uuid.uuid4().hex[:8]}"
    try:
        probe.open("xb").close()
        probe.unlink()
    except OSError as exc:
        raise EosError(f"{what} {path}: cannot write in {probe_dir} ({_reason(exc)})") from None
    return path


def canonical(obj):
    """Canonical JSON text of `obj` (sorted keys, no spaces): equal data, equal text."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=True,
                      allow_nan=True)


def fingerprint(obj):
    """SHA-256 (hex, 32 characters) of the canonical JSON of `obj`."""
    return hashlib.sha256(canonical(obj).encode()).hexdigest()[:32]


def checksum(obj=None, arrays=None):
    """SHA-256 (hex) of JSON data `obj` and NumPy `arrays` (name -> array)."""
    h = hashlib.sha256(canonical(obj).encode())
    for name in sorted(arrays or {}):
        a = arrays[name]
        h.update(f"|{name}|{a.dtype.str}|{a.shape}|".encode())
        h.update(a.tobytes())
    return h.hexdigest()
