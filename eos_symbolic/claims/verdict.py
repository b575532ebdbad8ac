"""The verdict object every check returns (the JSON shape of `check` / `verify`)."""
import time
from dataclasses import asdict, dataclass, field

VERDICTS = ("verified", "verified-numerically", "refuted", "inconclusive")


@dataclass
class Verdict:
    """Outcome of one check: `verdict` is one of `VERDICTS`; `evidence` says how it was
    established (points, digits, counts); `counterexample` and `correction` (a SymPy string)
    accompany a refutation where available."""

    id: str
    verdict: str
    method: str
    evidence: dict = field(default_factory=dict)
    counterexample: dict = None
    correction: str = None
    seconds: float = 0.0

    def __post_init__(self):
        if self.verdict not in VERDICTS:
            raise ValueError(f"verdict must be one of {VERDICTS}, got {self.verdict!r}")

    def to_json(self):
        """A JSON-ready dict: SymPy and mpmath numbers become ints, floats or strings."""
        return _plain(asdict(self))


def _plain(obj):
    if isinstance(obj, dict):
        return {str(k): _plain(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_plain(v) for v in obj]
    if obj is None or isinstance(obj, (bool, int, float, str)):
        return obj
    if getattr(obj, "is_Integer", False):
        return int(obj)
    return str(obj)


def timed(check_id, fn, *args, **kwargs):
    """Run `fn(*args)` (returning a Verdict) and fill in `seconds`."""
    start = time.perf_counter()
    v = fn(*args, **kwargs)
    v.id = v.id or check_id
    v.seconds = round(time.perf_counter() - start, 3)
    return v
