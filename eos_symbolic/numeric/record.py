"""The trajectory record: exact state for resuming, recorded rows as decimal strings.

A record is plain data (`TrajectoryRecord`), written as JSON (or NPZ when the file name ends
in ``.npz``) atomically (temporary file, then rename), so an interrupt never leaves a torn
file. States are stored exactly: an mpfr or mpf value $m \\cdot 2^e$ as ``"mpe"`` (m in hex, e
decimal), an Arb ball as ``"mid +- rad"`` with both parts in that form, a float as its hex;
re-reading at the same precision gives the same bits, which makes a resumed run identical to
an uninterrupted one (mantissas are written in hexadecimal: exact, with no length limit).
Rows hold decimal strings with all working digits.
"""
import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path

import gmpy2
import mpmath
import numpy as np

from ..errors import EosError

FORMAT = "eos-symbolic-trajectory/1"


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
    row. `error_log2`: pairs (step, log2 relative error of the state). `schedule`: (step,
    working dps) from that step on. `certifier`: for two-precision runs the current
    companion (``mode`` ``companions`` or ``pair``, the digits ``sync`` the companions were
    started with, whether the loss was ``probed``). `status`:
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
    certifier: dict = field(default_factory=dict)
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
        for table, row in ((self.columns, values), (self.digits, digits or {})):
            for name, v in row.items():
                col = table.get(name)
                if col is None:  # a new column: empty so far (not [None] * n every row)
                    col = table[name] = [None] * n
                col.append(v)
            for col in table.values():
                if len(col) == n:
                    col.append(None)

    #: (runner, state) of a run in progress; not saved (`states` holds its exact text)
    live = None

    def to_dict(self):
        return {"format": FORMAT, **asdict(self)}

    def save(self, path):
        """Write atomically to `path` (.npz: NumPy archive of strings; else JSON)."""
        path = Path(path)
        tmp = path.with_name(path.name + ".tmp")
        data = self.to_dict()
        if path.suffix == ".npz":
            meta = {k: v for k, v in data.items() if k not in ("columns", "digits")}
            arrays = {f"col_{k}": np.array([("" if v is None else str(v)) for v in col])
                      for k, col in self.columns.items()}
            arrays.update({f"dig_{k}": np.array([-1 if v is None else v for v in col])
                           for k, col in self.digits.items()})
            with open(tmp, "wb") as fh:
                np.savez_compressed(fh, meta=np.array(json.dumps(meta)), **arrays)
        else:
            tmp.write_text(json.dumps(data, separators=(",", ":")) + "\n", encoding="utf-8")
        os.replace(tmp, path)
        return path

    @classmethod
    def load(cls, path):
        """Read a record written by `save`; raise `EosError` naming what is wrong."""
        path = Path(path)
        if not path.exists():
            raise EosError(f"record: {path} does not exist (nothing to resume)")
        try:
            if path.suffix == ".npz":
                with np.load(path, allow_pickle=False) as z:
                    data = json.loads(str(z["meta"]))
                    data["columns"] = {k[4:]: _npz_column(k[4:], z[k]) for k in z.files
                                       if k.startswith("col_")}
                    data["digits"] = {k[4:]: [None if v < 0 else int(v) for v in z[k]]
                                      for k in z.files if k.startswith("dig_")}
            else:
                data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError, KeyError) as exc:
            raise EosError(f"record: cannot read {path} ({exc})") from None
        if data.pop("format", None) != FORMAT:
            raise EosError(f"record: {path} is not an {FORMAT} file")
        return cls(**data)


def _npz_column(name, arr):
    if name == "step":
        return [int(v) for v in arr]
    return [None if v == "" else str(v) for v in arr]
