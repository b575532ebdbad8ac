"""Run checkers over claims: dispatch by kind, time each, never skip a claim.

A claim whose kind has no checker and a checker that fails to run both give `inconclusive`
with the reason; every id gets a verdict. Every verdict passes through the verdict policy
(`policy.finalize`): a `verified` whose proof does not re-check is not reported as one.
"""
import traceback

from tqdm import tqdm

from ..errors import EosError
from ..symbolic.limits import LIMITS, time_budget
from .checks import CHECKERS, Context
from .policy import finalize
from .verdict import Verdict, timed


def check_claim(claim, ctx=None):
    """The verdict of one claim (inconclusive, with the reason, when no checker can run)."""
    ctx = ctx or Context()
    fn = CHECKERS.get(claim.kind)
    if fn is None:
        v = Verdict(claim.id, "inconclusive", "no checker",
                    {"reason": f"no checker for kind {claim.kind!r}"})
    else:
        # a user's claim can ask for unbounded symbolic work: it gets a time budget
        budget = None if claim.source == "paper" else LIMITS.user_claim_seconds
        try:
            with time_budget(budget, f"claim {claim.id}"):
                v = timed(claim.id, fn, claim, ctx)
        except EosError as exc:
            v = Verdict(claim.id, "inconclusive", claim.kind, {"reason": str(exc)})
        except Exception as exc:  # a crashing checker must not hide the other verdicts
            v = Verdict(claim.id, "inconclusive", claim.kind,
                        {"reason": f"checker error: {type(exc).__name__}: {exc}",
                         "trace": traceback.format_exc(limit=3)})
    v.id = claim.id
    return finalize(v)


def check_claims(claims, ctx=None, progress=True):
    """Verdicts for `claims`, in order, with a progress bar on stderr."""
    bar = tqdm(claims, desc="claims", unit="claim", leave=False, disable=not progress)
    out = []
    for claim in bar:
        bar.set_postfix_str(claim.id)
        out.append(check_claim(claim, ctx))
    return out
