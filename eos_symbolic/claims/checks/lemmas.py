"""Inequality and invariant-region checkers (user kinds `inequality`, `invariant-region`).

An inequality ``lhs REL rhs`` over a closed box (`domain`, exact rational bounds, in
(a, b, kappa) or (x, y, eta)), and a region mapped by the one- or two-step GD map into
itself (or into `into`), are attacked in three rounds:

1. the exact corners, edge midpoints, face centres and centre of the box, evaluated with
   certified Arb balls at those exact rational points (so a strict inequality that fails
   exactly at a corner is refuted there);
2. an adversarial search (`sampling.search_worst`: Latin hypercube, differential evolution,
   Nelder-Mead) on the *normalised* margin at `dps` digits; a violation it finds is
   re-evaluated at the exact point with Arb before it counts;
3. Arb branch-and-bound over the whole box, by default within a time budget (longer with
   ``--certify``): a closed proof is `verified` (its leaves re-checked by
   `rigorous.recheck_boxes`), a certified violating point is `refuted`.

Otherwise the verdict is `verified-numerically` with the worst point (lowest normalised
margin, and its raw margin), how it was found and the number of evaluations.
"""
from fractions import Fraction

import mpmath
import sympy as sp

from ...errors import EosError
from ...rigorous.intervals import prove_positive
from ..fields import margin_expression, parse_domain, parse_relation
from ..sampling import exact_points, search_worst, to_exact
from ..verdict import Verdict
from .certificates import budget, leaf_text
from .margins import certified_sign, command, exact_box, mp_function, point_text, violated

DEFAULT_DPS = 50


def check_inequality(claim, ctx):
    """User kind `inequality`: ``inequality = "lhs REL rhs"`` over `domain` (module
    docstring)."""
    lhs, rel, rhs = parse_relation(claim.fields.get("inequality"), f"claim {claim.id}")
    subs = claim.substitutions()
    sampled, fixed = parse_domain(claim)
    L, R = (e.subs(subs).subs(fixed) for e in (lhs, rhs))
    m_expr = margin_expression(L, rel, R)
    syms = [s for s, _, _ in sampled]
    extra = m_expr.free_symbols - set(syms)
    if extra:
        raise EosError(f"claim {claim.id}: symbol(s) {', '.join(sorted(map(str, extra)))} "
                       "have no range in domain")
    strict = rel in ("<", ">")
    dps = int(claim.fields.get("dps", DEFAULT_DPS))
    box = exact_box(sampled)
    ev = {"margin_expression": str(m_expr), "dps": dps, "command": command(claim),
          "domain": "closed box (ends included)"}
    method = ("exact corners/edges/faces (Arb), normalised-margin search (Latin hypercube, "
              f"differential evolution, Nelder-Mead) at {dps} digits, Arb branch-and-bound")
    if box is not None:
        for p in exact_points(box):
            if violated(certified_sign(m_expr, syms, p), strict):
                return _refuted_at(sampled, p, L, R, m_expr, syms, method, ev,
                                   "an exact point of the box (corner, edge or face centre)")
    f, fl, fr = (mp_function(e, syms) for e in (m_expr, L, R))

    def margin(q):
        args = [mpmath.mpf(float(v)) for v in q]
        return [(f(*args), abs(fl(*args)) + abs(fr(*args)))]

    bounds = box or [(float(lo), float(hi)) for _, lo, hi in sampled]
    with mpmath.workdps(dps):
        res = search_worst(margin, bounds, quick=ctx.quick)
        raw = f(*[mpmath.mpf(float(v)) for v in res.point])
    ev.update({"worst_point": point_text(sampled, res.point),
               "worst_normalised_margin": mpmath.nstr(res.margin, 8),
               "worst_margin": mpmath.nstr(raw, 12), "worst_found_by": res.found_by,
               "evaluations": res.evaluations, "sampled_points": res.sampled,
               "violating_samples": res.violations,
               "screening": {"points": res.evaluations, "dps": dps},
               "key": f"worst margin {mpmath.nstr(raw, 6)} at {point_text(sampled, res.point)}"
                      f" after {res.evaluations} evaluations"})
    if res.margin <= 0:
        p = to_exact(res.point)
        if violated(certified_sign(m_expr, syms, p), strict):
            return _refuted_at(sampled, p, L, R, m_expr, syms, method, ev,
                               f"the search ({res.found_by})")
    if box is None:
        ev["interval_proof"] = "not attempted: box bounds are not exact rationals"
        return Verdict("", "verified-numerically", method, ev)
    if getattr(ctx, "certify", False):
        from .certificates import certified_inequality_verdict
        return certified_inequality_verdict(m_expr, sampled, rel, ctx, method, ev)
    n, secs = budget(ctx)
    pr = prove_positive(m_expr, syms, box, strict=strict, budget=n, seconds=secs)
    if pr.status == "proved":
        from ..policy import proof, verified
        ev["interval_proof"] = f"proved on the whole box with {pr.boxes} Arb boxes"
        step = {"kind": "boxes", "expr": str(m_expr), "variables": [str(s) for s in syms],
                "box": leaf_text(box), "strict": strict,
                "leaves": [leaf_text(b) for b, _ in pr.leaves],
                "assumptions": [f"{s} in [{lo}, {hi}]" for s, (lo, hi) in zip(syms, box)]}
        return verified("Arb branch-and-bound over the whole box; " + method, ev,
                        proof([step]))
    if pr.status == "refuted":
        p = [Fraction(pr.point[str(s)]) for s in syms]
        return _refuted_at(sampled, p, L, R, m_expr, syms, method, ev,
                           f"the Arb branch-and-bound ({pr.boxes} boxes)")
    ev["interval_proof"] = (f"{pr.status} after {pr.boxes} Arb boxes in {pr.seconds:.1f} s "
                            "(enclosures are loose where the margin touches 0; --certify "
                            "allows more time)")
    return Verdict("", "verified-numerically", method, ev)


def _refuted_at(sampled, p, L, R, m_expr, syms, method, ev, found_by):
    """A counterexample at the exact point p with both sides at 30 digits."""
    pt = {s: sp.Rational(v.numerator, v.denominator) for s, v in zip(syms, p)}
    with mpmath.workdps(60):
        vals = {k: mpmath.nstr(sp.N(e.subs(pt), 40), 30) for k, e in
                (("lhs", L), ("rhs", R), ("margin", m_expr))}
    ev["found_by"] = found_by
    ev["worst_point"] = point_text(sampled, p)
    ev["key"] = (f"violated at {ev['worst_point']}: lhs {vals['lhs'][:14]} vs rhs "
                 f"{vals['rhs'][:14]} (found by {found_by})")
    return Verdict("", "refuted", method, ev,
                   {"point": point_text(sampled, p), **vals,
                    "certified": "the sign of the margin at this exact point is certified "
                                 "with Arb balls"})
