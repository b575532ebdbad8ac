"""The trajectory record: exact state for resuming, recorded rows as decimal strings.

A record is plain data (`TrajectoryRecord`), written as JSON (or NPZ when the file name ends
in ``.npz``) atomically (temporary file, then rename), so an interrupt never leaves a torn
file. States are stored exactly: an mpfr or mpf value $m \\cdot 2^e$ as ``"mpe"`` (m in hex, e
decimal), an Arb ball as ``"mid +- rad"`` with both parts in that form, a float as its hex;
re-reading at the same precision gives the same bits, which makes a resumed run identical to
an uninterrupted one (mantissas are written in hexadecimal: exact, with no length limit).
Rows hold decimal strings with all working digits.

Integrity: every saved record carries the `fingerprint` of its config (model, eta, start,
settings) and a `checksum` of everything else; `load` refuses a record whose checksum or
fingerprint does not match, or whose fields are not of the saved shape, with one line naming
the file. An edited step count, eta or state is therefore refused, never resumed from.
"""
import io
import json
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

import gmpy2
import mpmath
import numpy as np

from ..errors import EosError
from ..saving import atomic_write, checksum, fingerprint

FORMAT = "eos-symbolic-trajectory/2"
STATUSES = ("running", "interrupted", "complete")


def man_exp_string(man, exp):
    """Exact text ``"<hex m>p<e>"`` of $m \\cdot 2^e$."""
    return f"{int(man):x}p{int(exp)}"  # hex: no int/str digit limit, exact


def exact_string(backend, value):
    """Exact text of a backend number (see module docstring)."""
    if backend == "mpfr":
        if not gmpy2.is_finite(value):
            return str(value)
        return man_exp_string(*value.as_mantissa_exp()) if value != 0 else "0p0"
    if backend == "mpmath":
        if not mpmath.isfinite(value):
            return str(value)
        return man_exp_string(*value.man_exp) if value != 0 else "0p0"
    if backend == "arb":
        if not value.is_finite():
            return "nan"
        mid, rad = value.mid(), value.rad()
        return f"{man_exp_string(*mid.man_exp())} +- {man_exp_string(*rad.man_exp())}" if (
            mid != 0 or rad != 0) else "0p0 +- 0p0"
    return float(value).hex()


def parse_man_exp(text):
    """``(m, e)`` from `man_exp_string` output."""
    man, exp = text.split("p")
    return int(man, 16), int(exp)


def from_exact(backend, text):
    """Inverse of `exact_string`, inside the matching `precision_scope`."""
    try:
        if backend == "float":
            return float.fromhex(text)
        if backend == "arb":
            import flint
            if text == "nan":
                return flint.arb.nan()
            mid, rad = (parse_man_exp(t.strip()) for t in text.split("+-"))
            return flint.arb(flint.arb(mid), flint.arb(rad))
        if text in ("nan", "inf", "-inf", "+inf"):
            return gmpy2.mpfr(text) if backend == "mpfr" else mpmath.mpf(text)
        man, exp = parse_man_exp(text)
        if backend == "mpfr":
            return gmpy2.mul_2exp(gmpy2.mpfr(man, max(2, man.bit_length())), exp)
        return mpmath.mpf((man, exp))
    except (ValueError, TypeError) as exc:
        raise EosError(f"record: cannot read the exact number {text!r} ({exc})") from None


def decimal_string(backend, value, digits):
    """A decimal string of `value` with `digits` significant digits (Arb: the midpoint)."""
    if value is None:
        return None
    if backend == "arb":
        return value.mid().str(digits, radius=False) if value.is_finite() else "nan"
    if backend == "mpfr":
        return format(value, f".{max(1, digits - 1)}e") if gmpy2.is_finite(value) else str(value)
    if backend == "mpmath":
        return mpmath.nstr(value, digits, min_fixed=0, max_fixed=0) if mpmath.isfinite(
            value) else str(value)
    return repr(float(value))


@dataclass
class TrajectoryRecord:
    """Everything needed to report, reload and resume a trajectory.

    `config`: model (name, or loss and ties), eta, start, coords, steps, every, dps, digits,
    certify, tol. `precisions`: working dps of the runs (primary first). `step`: steps done.
    `states`: exact state strings, one list per run. `columns`: name -> per-row values
    (``step`` ints, others decimal strings or None). `digits`: name -> certified digits per
    row. `error_log2`: pairs (step, log2 relative error of the state). `status`:
    ``running``, ``interrupted`` or ``complete``. `result`: verdict and certification summary.
    """

    config: dict
    precisions: list
    step: int = 0
    states: list = field(default_factory=list)
    columns: dict = field(default_factory=dict)
    digits: dict = field(default_factory=dict)
    error_log2: list = field(default_factory=list)
    escalations: list = field(default_factory=list)
    schedule: list = field(default_factory=list)
    downshift_after: int = 0
    status: str = "running"
    seconds: float = 0.0
    result: dict = field(default_factory=dict)

    def reset(self, precisions):
        """Start over (after a precision escalation) keeping the config."""
        self.precisions, self.step, self.states = list(precisions), 0, []
        self.schedule, self.live = [[0, self.precisions[0]]], None
        self.columns, self.digits, self.error_log2 = {}, {}, []

    def append_row(self, values, digits=None):
        """Append one row: `values` name -> value (already strings), `digits` name -> int."""
        n = len(self.columns.get("step", []))
        for name, v in values.items():
            self.columns.setdefault(name, [None] * n).append(v)
        for name, col in self.columns.items():
            if len(col) == n:
                col.append(None)
        for name, d in (digits or {}).items():
            self.digits.setdefault(name, [None] * n).append(d)
        for name, col in self.digits.items():
            if len(col) == n:
                col.append(None)

    #: (runner, state) of a run in progress; not saved (`states` holds its exact text)
    live = None

    def to_dict(self):
        """The saved form: format, fingerprint of the config, every field, and a checksum
        over all of it."""
        data = {"format": FORMAT, "fingerprint": fingerprint(self.config), **asdict(self)}
        return {**data, "checksum": checksum(data)}

    def save(self, path):
        """Write atomically to `path` (.npz: NumPy archive of strings; else JSON)."""
        path = Path(path)
        data = self.to_dict()
        if path.suffix == ".npz":
            meta = {k: v for k, v in data.items() if k not in ("columns", "digits")}
            arrays = {f"col_{k}": np.array([("" if v is None else str(v)) for v in col])
                      for k, col in self.columns.items()}
            arrays.update({f"dig_{k}": np.array([-1 if v is None else v for v in col],
                                                dtype=np.int64)
                           for k, col in self.digits.items()})
            buf = io.BytesIO()
            np.savez_compressed(buf, meta=np.array(json.dumps(meta)), **arrays)
            atomic_write(path, buf.getvalue(), "record")
        else:
            atomic_write(path, json.dumps(data, separators=(",", ":")) + "\n", "record")
        return path

    @classmethod
    def load(cls, path):
        """Read a record written by `save`; raise `EosError` naming what is wrong (a missing,
        unreadable, corrupt or edited file)."""
        path = Path(path)
        if not path.exists():
            raise EosError(f"record: {path} does not exist (nothing to resume)")
        if path.is_dir():
            raise EosError(f"record: {path} is a folder, not a record file")
        try:
            if path.suffix == ".npz":
                with np.load(path, allow_pickle=False) as z:
                    data = json.loads(str(z["meta"][()]))
                    data["columns"] = {k[4:]: _npz_column(k[4:], z[k]) for k in z.files
                                       if k.startswith("col_")}
                    data["digits"] = {k[4:]: [None if v < 0 else int(v) for v in z[k]]
                                      for k in z.files if k.startswith("dig_")}
            else:
                data = json.loads(path.read_text(encoding="utf-8"))
        except Exception as exc:  # noqa: BLE001 - whatever a damaged file raises, it is refused
            raise EosError(f"record: cannot read {path} ({type(exc).__name__}: "
                           f"{str(exc)[:80]})") from None
        return cls(**_verified(data, path))


def _verified(data, path):
    """The record's fields after the format, checksum, fingerprint and shape checks."""
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        old = isinstance(data, dict) and str(data.get("format", "")).startswith(
            "eos-symbolic-trajectory/")
        raise EosError(f"record: {path} is not an {FORMAT} file" + (
            " (written by an older version without a checksum; rerun it)" if old else ""))
    body = {k: v for k, v in data.items() if k != "checksum"}
    if data.get("checksum") != checksum(body):
        raise EosError(f"record: {path} is corrupt or was edited (its checksum does not "
                       "match); restore it or start a new run with another --out file")
    if not isinstance(data.get("config"), dict) or \
            data.get("fingerprint") != fingerprint(data["config"]):
        raise EosError(f"record: {path}: the settings do not match their fingerprint")
    names = {f.name for f in fields(TrajectoryRecord)}
    out = {k: v for k, v in body.items() if k in names}
    if set(body) - names - {"format", "fingerprint"} or not {"config", "precisions"} <= set(out):
        raise EosError(f"record: {path}: unexpected or missing fields")
    _check_shape(out, path)
    return out


def _check_shape(d, path):
    """Types and consistency of a verified record's fields (a record written by another
    program with a valid checksum must still make sense)."""
    def bad(why):
        raise EosError(f"record: {path}: {why}")
    ints = lambda v: isinstance(v, int) and not isinstance(v, bool) and v >= 0  # noqa: E731
    if not ints(d.get("step", 0)):
        bad("step must be a non-negative integer")
    prec = d["precisions"]
    if not isinstance(prec, list) or not all(ints(p) and p > 0 for p in prec):
        bad("precisions must be positive integers")
    states = d.get("states", [])
    if not isinstance(states, list) or not all(
            isinstance(r, list) and all(isinstance(v, str) for v in r) for r in states):
        bad("states must be lists of exact number strings")
    if d.get("step", 0) > 0 and len(states) != len(prec):
        bad(f"{len(states)} saved states for {len(prec)} precisions at step {d['step']}")
    if d.get("status", "running") not in STATUSES:
        bad(f"status must be one of {', '.join(STATUSES)}")
    cols = d.get("columns", {})
    if not isinstance(cols, dict) or not all(isinstance(c, list) for c in cols.values()):
        bad("columns must be lists")
    if len({len(c) for c in cols.values()}) > 1:
        bad("columns of different lengths")
    steps = cols.get("step", [])
    if not all(ints(t) for t in steps) or steps != sorted(steps) or (
            steps and steps[-1] > d.get("step", 0)):
        bad("recorded steps must increase up to the step count")


def _npz_column(name, arr):
    if name == "step":
        return [int(v) for v in arr]
    return [None if v == "" else str(v) for v in arr]
