"""Run checkers over claims: dispatch by kind, time each, never skip a claim.

A claim whose checker belongs to a later capability (kind `pending`) and a checker that
fails to run both give `inconclusive` with the reason; every id gets a verdict.
"""
import traceback
from dataclasses import dataclass

from tqdm import tqdm

from . import checkers, dynamics_checks, series_checks
from . import figure_region, lemma_checks, matrix_model, phase2, region_checks  # issue 6
from . import figure_checks  # issue 7
from . import certify  # issue 8
from .errors import EosError
from .verdict import Verdict, timed


@dataclass
class Context:
    """Run options shared by checkers: `quick` (smaller runs), `out` (figure folder or None),
    `certify` (run the rigorous Arb path where a claim admits it; issue 8)."""

    quick: bool = False
    out: object = None
    certify: bool = False


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
    # region, trajectory and lemma checkers (issue 6)
    "theorem-region": region_checks.check_theorem_region,
    "phase2-band": phase2.check_band,
    "sharpness-region": figure_region.check_sharpness_region,
    "rank1-alignment": matrix_model.check_alignment,
    "rank1-sphere-starts": matrix_model.check_sphere_starts,
    "inequality": lemma_checks.check_inequality,
    "invariant-region": lemma_checks.check_invariant_region,
    "trajectory-limit": region_checks.check_trajectory_limit,
    # sweeps, basins and bifurcation figures (issue 7)
    **figure_checks.CHECKERS,
}
# issue 8: under --certify, a verified expansion also carries rigorous remainder bounds
CHECKERS["expansion"] = certify.with_remainder_certificate(CHECKERS["expansion"])


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
