"""The verdict policy, in one place: what each verdict requires and who re-checks it.

- `verified` is given only with a proof object, ``evidence["proof"] = {"kind", "assumptions",
  "checked_by", "steps"}``, whose every step a routine independent of the prover re-checks
  before the verdict is reported (`finalize`, called by `verify.check_claim`):

  ============== ================================================ ==========================
  step kind      statement                                        re-checked by
  ============== ================================================ ==========================
  identity       lhs = rhs wherever both are defined on a domain  `recheck_algebra`
  sign           ``want * e >= 0`` (``> 0``) on a domain             `recheck_signs`
  boxes          ``e > 0`` (``>= 0``) on a box, Arb leaves             `recheck_boxes`
  implication    region => target after the exact steps, leaves   `recheck_boxes`
  series         the model's truncated series through a weight    `recheck_series`
  roots          number of real roots of a polynomial in a range  `recheck_signs`
  minimal-poly.  a constant is 0 (its minimal polynomial is X)     `recheck_signs`
  ============== ================================================ ==========================

  A proof whose re-check fails is not reported as a proof: the verdict drops to
  `verified-numerically` when the checker also screened numerically (``evidence["screening"]``),
  else to `inconclusive`, and the evidence says why (``proof_rejected``).
- `verified-numerically`: every sampled case held; the evidence says how many, where, at how
  many digits. `refuted`: a counterexample whose values are unambiguous at the stated digits
  (or certified by Arb). `inconclusive`: the reason.
"""
import hashlib
import json
import time

from ..rigorous.domain import parse_range
from ..rigorous.recheck_algebra import check_identity
from ..rigorous.recheck_boxes import check_implication, check_leaves
from ..rigorous.recheck_series import check_series
from ..rigorous.recheck_signs import check_minimal_polynomial, check_roots, check_sign
from .verdict import Verdict

#: Step kind -> (re-check routine, its name as reported in ``checked_by``).
RECHECK = {
    "identity": (check_identity, "rigorous.recheck_algebra.check_identity"),
    "sign": (lambda s: check_sign(s["tree"], {k: parse_range(v) for k, v in
                                              s["domain"].items()}),
             "rigorous.recheck_algebra.check_sign"),
    "boxes": (check_leaves, "rigorous.recheck_boxes.check_leaves"),
    "implication": (check_implication, "rigorous.recheck_boxes.check_implication"),
    "series": (check_series, "rigorous.recheck_series.check_series"),
    "roots": (check_roots, "rigorous.recheck_signs.check_roots"),
    "minimal-polynomial": (check_minimal_polynomial,
                           "rigorous.recheck_signs.check_minimal_polynomial"),
}
#: Proof kind reported for a main step kind.
KIND = {"identity": "exact-algebra", "sign": "exact-algebra", "roots": "exact-algebra",
        "boxes": "arb-boxes", "implication": "arb-boxes", "series": "series-identity",
        "minimal-polynomial": "exact-algebra"}
#: Leaves kept in the JSON of a re-checked proof (the rest is summarised by a digest).
MAX_LEAVES = 200


def proof(steps, assumptions=()):
    """A proof object from its steps (the first is the main one); see the module docstring."""
    kinds = []
    for s in steps:
        for k in [s["kind"]] + ([c["kind"] for c in s.get("uses", [])]):
            kinds.append(KIND[k])
    main = KIND[steps[0]["kind"]]
    assumed = list(assumptions)
    for s in steps:
        assumed += [a for a in s.get("assumptions", []) if a not in assumed]
    out = {"kind": main, "assumptions": assumed,
           "checked_by": ", ".join(dict.fromkeys(RECHECK[s["kind"]][1] for s in steps)),
           "uses": sorted(set(kinds) - {main}), "steps": steps}
    boxes = sum(len(s["leaves"]) for s in steps if s["kind"] in ("boxes", "implication"))
    if boxes:
        out["boxes"] = boxes
    return out


def verified(method, evidence, proof_object):
    """The only way a checker says `verified`: with the proof object attached (and a one-line
    `key` for the console when the checker gave none)."""
    evidence = {"key": describe(proof_object), **evidence}
    return Verdict("", "verified", method, {**evidence, "proof": proof_object})


def describe(p):
    """One line on what a proof covers (the console's key when a checker gives none)."""
    parts, ids = [], [s for s in p["steps"] if s["kind"] == "identity"]
    if ids:
        dom = ", ".join(f"{k} in {v}" for k, v in ids[0].get("domain", {}).items()) or \
            "constants"
        signs = sum(len(s.get("sign_conditions", [])) for s in ids)
        parts.append(f"{len(ids)} identit{'y' if len(ids) == 1 else 'ies'} on {dom}" +
                     (f" with {signs} sign condition(s) proved there" if signs else
                      ", valid for every branch of the roots"))
    for s in p["steps"]:
        if s["kind"] == "series":
            parts.append(f"{s['steps']}-step series of {s['model']} through weight "
                         f"{s['through']}")
        elif s["kind"] in ("boxes", "implication"):
            n = len(s["leaves"]) if isinstance(s["leaves"], list) else s["leaves"]["count"]
            parts.append(f"{n} Arb boxes tile the box")
        elif s["kind"] == "roots":
            parts.append(f"{s['count']} real root(s) in {s['range']}")
        elif s["kind"] == "minimal-polynomial":
            parts.append("lhs - rhs is an algebraic number with minimal polynomial X")
    return "; ".join(parts)


def recheck(p):
    """Re-check every step of proof `p`. Returns (ok, reason)."""
    if not isinstance(p, dict) or not isinstance(p.get("steps"), list) or not p["steps"]:
        return False, "no proof steps"
    for i, step in enumerate(p["steps"]):
        routine = RECHECK.get(step.get("kind"), (None,))[0]
        if routine is None:
            return False, f"step {i + 1}: unknown kind {step.get('kind')!r}"
        try:
            ok, why = routine(step)
        except Exception as exc:  # a malformed step must fail the proof, not the run
            ok, why = False, f"{type(exc).__name__}: {exc}"
        if not ok:
            return False, f"step {i + 1} ({step['kind']}): {why}"
    return True, f"{len(p['steps'])} step(s) re-checked"


def finalize(v):
    """Enforce the policy on a checker's verdict (module docstring); returns the verdict."""
    if v.verdict != "verified":
        return v
    p = v.evidence.get("proof")
    start = time.perf_counter()
    ok, why = recheck(p) if isinstance(p, dict) else (False, "no proof object")
    if ok:
        p["rechecked"] = f"{why} in {time.perf_counter() - start:.2f} s"
        _compact(p)
        return v
    ev = {k: val for k, val in v.evidence.items() if k != "proof"}
    ev["proof_rejected"] = why
    if isinstance(p, dict):
        ev["proof_attempt"] = {k: val for k, val in p.items() if k != "steps"}
    verdict = "verified-numerically" if "screening" in ev else "inconclusive"
    if verdict == "inconclusive":
        ev["reason"] = f"the proof did not re-check: {why}"
    return Verdict(v.id, verdict, v.method, ev, v.counterexample, v.correction, v.seconds)


def _compact(p):
    """Replace long leaf lists (already re-checked) by their count and SHA-256 digest."""
    def walk(node):
        if isinstance(node, dict):
            for k, val in list(node.items()):
                if k == "leaves" and isinstance(val, list) and len(val) > MAX_LEAVES:
                    digest = hashlib.sha256(json.dumps(val).encode()).hexdigest()
                    node[k] = {"count": len(val), "sha256": digest,
                               "note": "re-checked in this run; the bisection is "
                                       "deterministic, rerun with --certify to list them"}
                else:
                    walk(val)
        elif isinstance(node, list):
            for item in node:
                walk(item)
    walk(p)
