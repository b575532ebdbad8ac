"""Rigorous paths of claim checks (`--certify`): Arb certificates turned into verdicts.

- `inequality`: branch-and-bound over the whole box (`rigorous.intervals.prove_positive`);
- `invariant-region`: see `invariant` (the certificate is attached there);
- `expansion`: certified remainder bounds on a box (`rigorous.remainder_bound`).
"""
import sympy as sp

from ...errors import EosError
from ...rigorous.intervals import prove_positive
from ...rigorous.remainder_bound import remainder_bound
from ...symbolic.models import get_model
from ...symbolic.symbols import a, b
from ..verdict import Verdict


def budget(ctx):
    """(boxes, seconds) of the default Arb branch-and-bound of a region claim."""
    return (3000, 2.0) if ctx.quick else (20000, 5.0)


def leaf_text(box):
    """A box of exact bounds as text pairs (what a proof step records)."""
    return [[str(lo), str(hi)] for lo, hi in box]


def certify_inequality(m_expr, sampled, rel, quick=False):
    """The rigorous path of an `inequality` claim: returns (status, certificate)."""
    syms = [s for s, _, _ in sampled]
    box = [(lo, hi) for _, lo, hi in sampled]
    res = prove_positive(m_expr, syms, box, strict=rel in ("<", ">"),
                         budget=4000 if quick else 40000, seconds=20 if quick else 120)
    cert = res.certificate(syms)
    cert["all_leaves"] = [leaf_text(b) for b, _ in res.leaves]
    return res.status, cert


def certified_inequality_verdict(m_expr, sampled, rel, ctx, method, ev):
    """`--certify` path of an `inequality` claim that survived sampling: Arb branch-and-bound
    over the whole box; `verified` with ``evidence["certificate"]`` when it closes, `refuted`
    with the verified point when a box midpoint is certified to violate it."""
    status, cert = certify_inequality(m_expr, sampled, rel, quick=ctx.quick)
    how = (f"Arb branch-and-bound ({cert['boxes']} boxes, {cert['seconds']} s), natural "
           "extension intersected with the centred form")
    if status == "proved":
        from ..policy import proof, verified
        ev["interval_proof"] = f"proved on the whole box with {cert['boxes']} Arb boxes"
        ev["certificate"] = {k: v for k, v in cert.items() if k != "all_leaves"}
        box = [(lo, hi) for _, lo, hi in sampled]
        step = {"kind": "boxes", "expr": str(m_expr), "variables": cert["variables"],
                "box": leaf_text(box), "strict": rel in ("<", ">"),
                "leaves": cert["all_leaves"],
                "assumptions": [f"{s} in [{lo}, {hi}]" for s, lo, hi in sampled]}
        return verified(how + "; " + method, ev, proof([step]))
    if status == "refuted":
        ev["certificate_attempt"] = cert
        return Verdict("", "refuted", how + "; " + method, ev,
                       {"point": cert["violating_point"], "margin": cert["violating_value"],
                        "verified": "the margin ball at this exact point excludes the claim"})
    ev["interval_proof"] = f"Arb branch-and-bound undecided after {cert['boxes']} boxes"
    ev["certificate_attempt"] = cert
    return Verdict("", "verified-numerically", method, ev)


#: Box of the `--certify` remainder certificate of an `expansion` claim (weights a ~ kappa^3,
#: b ~ kappa^2 at kappa <= 1/10); a claim may give its own as ``certify_box``.
DEFAULT_BOX = {"a": ("-1/1000", "1/1000"), "b": ("-1/100", "1/100"), "kappa": ("1/20", "1/10")}


def expansion_certificate(claim, quick=False):
    """Certified remainder bounds of an `expansion` claim's polynomials on a box: for each
    component, $|x^{(n)} - \\text{claimed}| \\le B$ with B from `remainder_bound`."""
    steps = int(claim.fields.get("steps", 1))
    if steps not in (1, 2):
        raise EosError(f"claim {claim.id}: remainder certificates exist for 1 or 2 steps")
    claimed = claim.formula("claimed")
    subs = claim.substitutions()
    prime = "'" * steps
    try:
        ta, tb = (sp.expand(claimed[f"{v}{prime}"].subs(subs)) for v in ("a", "b"))
    except KeyError:
        raise EosError(f"claim {claim.id}: a remainder certificate needs both a{prime} and "
                       f"b{prime}") from None
    truncation = (ta - a, tb - b)
    box = claim.fields.get("certify_box", DEFAULT_BOX)
    model = get_model(claim.model)
    parts = {}
    for comp in ("a", "b"):
        parts[comp] = remainder_bound(box, model, steps, truncation, comp,
                                      budget=300 if quick else 2000)
    return {"method": "Arb balls: exact map in cancellation-free increment form, natural "
                      "extension intersected with the centred form, adaptive bisection",
            "box": parts["a"]["box"],
            "bounds": {f"{c}{prime}": {"statement": p["statement"], "B": p["bound"],
                                       "B_exact": p["bound_exact"],
                                       "attained_at_least": p["attained_at_least"],
                                       "boxes": p["boxes"], "seconds": p["seconds"]}
                       for c, p in parts.items()}}


def with_remainder_certificate(check):
    """Wrap an `expansion` checker: under `--certify` a `verified` verdict gets
    ``evidence["certificate"]`` with rigorous remainder bounds on a box."""
    def run(claim, ctx):
        v = check(claim, ctx)
        if not getattr(ctx, "certify", False) or v.verdict != "verified":
            return v
        try:
            v.evidence["certificate"] = expansion_certificate(claim, ctx.quick)
        except EosError as exc:
            v.evidence["certificate_attempt"] = {"reason": str(exc)}
        return v
    return run
