"""Run checkers over claims: dispatch by kind, time each, never skip a claim.

A claim whose checker belongs to a later capability (kind `pending`) and a checker that
fails to run both give `inconclusive` with the reason; every id gets a verdict.
"""
import traceback
from dataclasses import dataclass

from tqdm import tqdm

from . import checkers, dynamics_checks, series_checks
from .errors import EosError
from .verdict import Verdict, timed


@dataclass
class Context:
    """Run options shared by checkers: `quick` (smaller runs), `out` (figure folder or None)."""

    quick: bool = False
    out: object = None


def _pending(claim, ctx):
    return Verdict("", "inconclusive", "not checked here",
                   {"reason": "checker not yet available: " + claim.fields.get("reason", "")})


def _plain(fn):
    return lambda claim, ctx: fn(claim)


CHECKERS = {
    "identity": _plain(checkers.check_identity),
    "eigenvalues": _plain(checkers.check_eigenvalues),
    "closed-form": _plain(checkers.check_closed_form),
    "minimum-spectrum": _plain(checkers.check_minimum_spectrum),
    "reparam-structure": _plain(checkers.check_reparam_structure),
    "ode": _plain(checkers.check_ode),
    "rate": _plain(checkers.check_rate),
    "expansion": _plain(series_checks.check_expansion),
    "two-step-parity": _plain(series_checks.check_two_step_parity),
    "one-d-map": _plain(series_checks.check_one_d_map),
    "three-scalar-structure": _plain(series_checks.check_three_scalar_structure),
    "end-point": dynamics_checks.check_end_point,
    "trajectory-end": dynamics_checks.check_trajectory_end,
    "ode-figure": dynamics_checks.check_ode_figure,
    "pending": _pending,
}


def register(kind, fn):
    """Add a checker `fn(claim, ctx) -> Verdict` for claims of `kind`."""
    CHECKERS[kind] = fn


def check_claim(claim, ctx=None):
    """The verdict of one claim (inconclusive, with the reason, when no checker can run)."""
    ctx = ctx or Context()
    fn = CHECKERS.get(claim.kind)
    if fn is None:
        v = Verdict(claim.id, "inconclusive", "no checker",
                    {"reason": f"checker not yet available for kind {claim.kind!r}"})
    else:
        try:
            v = timed(claim.id, fn, claim, ctx)
        except EosError as exc:
            v = Verdict(claim.id, "inconclusive", claim.kind, {"reason": str(exc)})
        except Exception as exc:  # a crashing checker must not hide the other verdicts
            v = Verdict(claim.id, "inconclusive", claim.kind,
                        {"reason": f"checker error: {type(exc).__name__}: {exc}",
                         "trace": traceback.format_exc(limit=3)})
    v.id = claim.id
    return v


def check_claims(claims, ctx=None, progress=True):
    """Verdicts for `claims`, in order, with a progress bar on stderr."""
    bar = tqdm(claims, desc="claims", unit="claim", leave=False, disable=not progress)
    out = []
    for claim in bar:
        bar.set_postfix_str(claim.id)
        out.append(check_claim(claim, ctx))
    return out
