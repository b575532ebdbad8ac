"""Documented maxima of the work a user can ask for, with what the work costs.

Every command checks its sizes against `LIMITS` before it starts. Beyond a maximum it stops
with one line giving the estimate (memory, time) and the way on (``--force`` on the command
line, ``force=True`` in Python); hard limits (`hard_dps`, the parser's `USER` limits) cannot
be forced. Costs are measured on the 2-core reference machine and rounded up:

- a sweep keeps about 100 bytes per point and step size (start, limit, status, steps,
  sharpness, gap; float64) and runs at 1e9 to 1e10 point-steps per second;
- a trajectory step at D digits costs about 4 + 0.001 D^1.6 microseconds per coordinate
  and precision (two precisions by default; measured 4.4, 11 and 370 us at D = 30, 300,
  3000), and a recorded row about 8 (D + 80) bytes (eight quantities as decimal strings);
- a symbolic derivation (`derive`, a user loss) grows with the loss's degree; past
  `symbolic_seconds` it is stopped (`time_budget`).
"""
import math
import signal
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass

from ..errors import EosError


@dataclass(frozen=True)
class Limits:
    """The maxima (see the module docstring for what they cost)."""

    sweep_points: int = 1 << 22  # points x step sizes: about 420 MB of results
    sweep_point_steps: int = 10 ** 12  # about 100 s at 1e10/s, 17 min at 1e9/s
    trajectory_steps: int = 10 ** 7
    trajectory_rows: int = 10 ** 6
    dps: int = 10000  # working digits beyond which --force is needed
    hard_dps: int = 100000  # never beyond (mpfr cost grows ~ D^1.6 per operation)
    samples: int = 100000  # sampled points of a claim
    claim_dps: int = 1000
    ensemble_steps: int = 10 ** 7
    ensemble_starts: int = 4096
    series_weight: int = 64  # numerator and denominator of an expansion weight
    symbolic_seconds: float = 600.0
    user_claim_seconds: float = 300.0  # one user claim's checker (paper claims: unbounded)
    certify_boxes: int = 10 ** 6


LIMITS = Limits()


def _human_bytes(n):
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if n < 1024 or unit == "TB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024


def _human_seconds(s):
    if s < 120:
        return f"{s:.0f} s"
    return f"{s / 60:.0f} min" if s < 7200 else f"{s / 3600:.1f} h"


def require(what, amount, maximum, force=False, estimate="", hint="--force"):
    """Refuse `amount` above `maximum` unless `force`, with the estimate and the way on."""
    if amount > maximum and not force:
        est = f" (about {estimate})" if estimate else ""
        raise EosError(f"{what}: {amount:,} is above the documented maximum {maximum:,}{est}; "
                       f"pass {hint} to run it anyway")


def sweep_estimate(points, steps):
    """Memory and time of a sweep of `points` (points x step sizes) for `steps` steps."""
    work = points * steps
    return (f"{_human_bytes(100 * points)} of results, {_human_seconds(work / 1e10)} to "
            f"{_human_seconds(work / 1e9)}")


def trajectory_estimate(steps, dps, coords, rows, precisions=2):
    """Time and memory of a trajectory of `steps` at `dps` digits recording `rows` rows."""
    seconds = steps * coords * precisions * (4 + 1e-3 * dps ** 1.6) * 1e-6
    return f"{_human_seconds(seconds)}, {_human_bytes(rows * 8 * (dps + 80))} of rows"


def check_sweep(points, steps, force=False):
    """A sweep of `points` (points x step sizes) for `steps` steps within the maxima."""
    require("sweep: points x step sizes", points, LIMITS.sweep_points, force,
            sweep_estimate(points, steps))
    require("sweep: point-steps", points * steps, LIMITS.sweep_point_steps, force,
            sweep_estimate(points, steps))


def check_trajectory(steps, dps, coords, every, force=False):
    """A trajectory within the maxima of steps, recorded rows and digits."""
    if dps > LIMITS.hard_dps:
        raise EosError(f"dps: at most {LIMITS.hard_dps} working digits, got {dps}")
    rows = steps // max(1, every or max(1, steps // 1000)) + 1
    est = trajectory_estimate(steps, dps, coords, rows)
    require("steps", steps, LIMITS.trajectory_steps, force, est)
    require("recorded rows (steps / every)", rows, LIMITS.trajectory_rows, force, est,
            "a larger --every or --force")
    require("dps", dps, LIMITS.dps, force, est)


#: Longest timer `time_budget` sets (a year); beyond it the block is effectively unbounded.
MAX_TIMER_SECONDS = 3.2e7
#: Deadlines of the active `time_budget` blocks, outermost first.
_DEADLINES = []


@contextmanager
def time_budget(seconds, what):
    """Stop the block after `seconds` of wall time with one line naming `what`.

    Budgets nest (an inner one never extends an outer one). Runs only in the main thread
    (it uses SIGALRM); elsewhere, and with `seconds` None, the block runs unbounded. A
    symbolic step stopped this way leaves no partial result behind.
    """
    if not seconds or threading.current_thread() is not threading.main_thread() \
            or not hasattr(signal, "setitimer"):
        yield
        return
    # setitimer takes at most ~1e8 s here (a longer budget, even inf, means no budget)
    deadline = time.monotonic() + min(seconds, MAX_TIMER_SECONDS)
    if _DEADLINES:
        deadline = min(deadline, _DEADLINES[-1])
    old = signal.signal(signal.SIGALRM, _alarm)
    _DEADLINES.append(deadline)
    try:
        signal.setitimer(signal.ITIMER_REAL, max(1e-3, deadline - time.monotonic()))
        yield
    except _OverBudget:
        if len(_DEADLINES) > 1 and _DEADLINES[-2] <= deadline:
            raise  # the outer budget ran out: it reports
        raise EosError(f"{what}: stopped after {math.ceil(seconds)} s (the time budget for "
                       "this work); simplify the input or raise the budget "
                       "(--time-budget)") from None
    finally:
        _DEADLINES.pop()
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)
        if _DEADLINES:
            signal.setitimer(signal.ITIMER_REAL, max(1e-3, _DEADLINES[-1] - time.monotonic()))


def _alarm(signum, frame):
    raise _OverBudget


class _OverBudget(BaseException):
    """Raised by the alarm; a BaseException so SymPy's `except Exception` cannot swallow it."""
