"""Checks of the derivations themselves, run by `verify` before the paper's claims.

For each default model: the committed `derivations/` match a fresh derivation (no drift),
and the exact results agree with independent numeric routes (`crosscheck`).
"""
from pathlib import Path

from tqdm import tqdm

from ..errors import EosError
from ..local.render import drift, render_all
from ..symbolic.models import DEFAULT_MODELS, get_model
from . import crosscheck
from .verdict import Verdict, timed

CHECKS = {
    "eigenvalues": crosscheck.eigenvalues_vs_numeric,
    "eos-sharpness": crosscheck.eos_sharpness_is_two_over_eta,
    "reparam-map": crosscheck.reparam_map_vs_gd,
    "two-cycles": crosscheck.two_cycles_by_iteration,
}


#: `method` of a self-check whose derivation does not exist for the model.
NOT_APPLICABLE = "not applicable"


def drift_check(models, out="derivations"):
    """`derivations/` on disk equals a fresh derivation (skipped when the folder is absent)."""
    if not Path(out).is_dir():
        return Verdict("", "inconclusive", "derive --check", {"reason": f"no {out}/ here"})
    bad = drift(render_all(models), out)
    return Verdict("", "refuted" if bad else "verified",
                   "regenerate derivations/ in memory and compare bytes", {"drifted": bad})


def run_selfchecks(quick=False, out="derivations"):
    """Verdicts (as dicts) for drift and every numeric cross-check of every default model; a
    check whose derivation does not exist for a model is `inconclusive` with method
    `NOT_APPLICABLE` and the reason."""
    models = [get_model(n) for n in DEFAULT_MODELS]
    # the drift check regenerates every derivation (~30 s); --quick leaves it to derive --check
    jobs = [] if quick else [("derive-drift", drift_check, (models, out))]
    for m in models:
        for name, fn in CHECKS.items():
            if quick and name == "two-cycles" and m.name != "four-scalar":
                continue
            jobs.append((f"{m.name}/{name}", fn, (m,)))
    results = []
    for check_id, fn, args in tqdm(jobs, desc="self-checks", unit="check", leave=False):
        try:
            v = timed(check_id, fn, *args)
        except EosError as exc:  # the derivation does not exist for this model (no (a, b) map)
            v = Verdict(check_id, "inconclusive", NOT_APPLICABLE, {"reason": str(exc)})
        v.id = check_id
        results.append(v.to_json())
    return results
