"""Symbolic checkers: each takes a `Claim` and returns a `Verdict`.

Kinds: `identity`, `eigenvalues` and `closed-form` (printed formula vs the toolkit's own
derivation), `expansion` (claimed series vs derived series under a weighting), `ode`
(substitution, and whether the ODE follows from a map claim), `rate` (a prose claim with a
formula), and structural checks of single claims. Numeric screening finds counterexamples;
exact methods upgrade agreement to `verified` (see `compare`).
"""
from fractions import Fraction

import sympy as sp

from ...errors import EosError
from ...rigorous.domain import POSITIVE, REAL, Range
from ...symbolic.minima import (
    eos_minima,
    eos_range,
    minima_manifold,
    sharpness_on_minima,
)
from ...symbolic.models import get_model
from ...symbolic.reparam import reparameterise
from ...symbolic.spectrum import hessian_eigenvalues
from ...symbolic.symbols import C, a, b, c, d, eta, kappa, u, x, y
from ..compare import compare, domain_ranges, evaluate, proof_domain, screening_points
from ..fields import parse_domain
from ..policy import proof, verified
from ..verdict import Verdict


def _refuted(method, found, correction=None, evidence=None):
    return Verdict("", "refuted", method, {**(evidence or {}), "rel_diff": found["rel_diff"]},
                   {k: found[k] for k in ("point", "claimed", "derived")},
                   None if correction is None else str(correction))


def _agreed(method, results, evidence=None, extra_steps=()):
    """`verified` with the proof steps when every comparison closed exactly (and the
    `extra_steps` are given), else `verified-numerically` with the screening."""
    exact = all(r["status"] == "exact" for r in results)
    ev = {**(evidence or {}),
          "screening": {"points": sum(r.get("points") or 0 for r in results),
                        "dps": results[0].get("dps") if results else None,
                        "comparisons": len(results)}}
    if exact:
        return verified(method, ev, proof([r["step"] for r in results] + list(extra_steps)))
    ev["proof"] = "numeric only: no exact proof on the whole domain"
    return Verdict("", "verified-numerically", method, ev)


def _claim_domain(claim, exprs):
    """The proof domain of a formula claim: its `domain` ranges (closed, exact), fixed
    values substituted, the declared range for every other symbol."""
    sampled, fixed = parse_domain(claim) if "domain" in claim.fields else ([], {})
    exprs = [e.subs(fixed) for e in exprs]
    free = set().union(*[e.free_symbols for e in exprs])
    return exprs, proof_domain(free, domain_ranges(sampled))


def check_identity(claim):
    """`lhs == rhs` under `where_symbols` on the claim's domain (exact, else numeric)."""
    subs = claim.substitutions()
    (lhs, rhs), domain = _claim_domain(claim, [claim.formula(k).subs(subs)
                                                for k in ("lhs", "rhs")])
    res = compare(lhs, rhs, domain, n=12)
    method = ("identity: exact screening points (corners, faces, random rationals), then an "
              "exact proof on the whole domain")
    if res["status"] == "mismatch":
        return _refuted(method, res, evidence={k: res[k] for k in ("found_by", "certified")
                                               if k in res})
    return _agreed(method, [res], {"domain": {str(k): v.text() for k, v in domain.items()}})


def check_eigenvalues(claim):
    """Each printed eigenvalue must equal a distinct derived one (C1-C2, eq. 3)."""
    model = get_model(claim.model)
    subs = claim.substitutions()
    claimed = [e.subs(subs) for e in claim.formula("claimed")]
    derived = [e for e in hessian_eigenvalues(model) if not isinstance(e, sp.Equality)]
    dom = {v: REAL for v in model.coords}
    pts = screening_points(dom, n=4, seed=11)
    method = "printed eigenvalues vs roots of the factored characteristic polynomial"
    nearby = _nearby_reading(claim, derived, pts)
    results, used, failed = [], set(), []
    for k, e in enumerate(claimed):
        found = next(((j, r) for j, r in ((j, compare(e, dv, dom, points=pts)) for j, dv in
                                           enumerate(derived) if j not in used)
                      if r["status"] != "mismatch"), None)
        if found:
            used.add(found[0])
            results.append(found[1])
        else:
            failed.append(k)
    if not failed:
        return _agreed(method, results, {"matched": len(claimed)})
    free = [j for j in range(len(derived)) if j not in used]
    fixes = [nearby["match"].get(k, free[0]) if nearby else _closest(claimed[k], derived, free, pts)
             for k in failed]
    counter = compare(claimed[failed[0]], derived[fixes[0]], dom, points=pts, prove=False)
    ev = {"refuted_eigenvalues": [k + 1 for k in failed],
          "corrections_in_claim_notation": [str(_in_claim_notation(derived[j], claim))
                                            for j in fixes]}
    if nearby:
        ev["nearby_setting"] = nearby["text"]
    return _refuted(method, counter, ", ".join(str(sp.factor(derived[j])) for j in fixes), ev)


def _closest(e, derived, free, pts):
    """Index of the derived eigenvalue nearest to `e` at the first sample point."""
    val = evaluate(e, pts[0])
    return min(free, key=lambda j: abs(evaluate(derived[j], pts[0]) - val))


def _in_claim_notation(expr, claim):
    """Rewrite a derived expression with the claim's defined symbols (e.g. gamma = x y)."""
    for sym, value in claim.substitutions().items():
        expr = sp.factor(expr).subs(value, sym)
    return expr


def _nearby_reading(claim, derived, pts):
    """Does every printed formula hold if a defined symbol is read as its square? Returns the
    reading and which derived eigenvalue each printed one then matches."""
    for sym, value in claim.substitutions().items():
        alt = [e.subs(sym, value ** 2) for e in claim.formula("claimed")]
        match = {}
        for k, e in enumerate(alt):
            j = next((j for j, dv in enumerate(derived) if j not in match.values()
                      and compare(e, dv, {v: REAL for v in e.free_symbols | dv.free_symbols},
                                  points=pts, prove=False)["status"] != "mismatch"), None)
            if j is None:
                break
            match[k] = j
        if len(match) == len(alt):
            return {"text": f"the printed formulas hold if {sym} is read as ({value})**2",
                    "match": match}
    return None


def _derived_target(model, target):
    """The toolkit's own derivation of a named closed form (never the claim itself)."""
    if target == "eos_minimum":
        points, _ = eos_minima(model)
        return list(points[0])
    if target == "c_check":
        return [reparameterise(model).c_check.subs(kappa, sp.sqrt(eta))]
    if target == "reparam_map":
        return list(reparameterise(model).ab_map)
    raise EosError(f"unknown derivation target {target!r}")


def check_closed_form(claim):
    """Printed closed form vs the derived one, component by component (C4, C6, C7), on the
    claim's range of eta (open) and the declared ranges of the other symbols."""
    model = get_model(claim.model)
    subs = claim.substitutions()
    claimed = [e.subs(subs) for e in claim.formula("claimed")]
    derived = _derived_target(model, claim.fields["target"])
    names = claim.fields.get("components", [f"component {i + 1}" for i in range(len(claimed))])
    ranges = {}
    method = f"printed formula vs the toolkit's derivation of {claim.fields['target']}"
    if "eta_range" in claim.fields:
        lo, hi = claim.formula("eta_range")
        top = eos_range(model)
        if (lo, hi) != (0, top):  # the range itself is part of the claim (C4, C6)
            return Verdict("", "refuted", method,
                           {"eta_range": f"derived (0, {top}); printed ({lo}, {hi})"},
                           {"eta_range_derived": f"(0, {top})",
                            "eta_range_printed": f"({lo}, {hi})"}, f"Interval.open(0, {top})")
        ranges["eta"] = Range(Fraction(0), Fraction(str(top)), True, True)
    results, evidence, wrong = [], {}, []
    for name, e, dv in zip(names, claimed, derived):
        r = compare(e, dv, proof_domain(e.free_symbols | dv.free_symbols, ranges), n=5, seed=5)
        evidence[name] = r["status"]
        (wrong if r["status"] == "mismatch" else results).append((name, dv, r) if
                                                                  r["status"] == "mismatch" else r)
    if wrong:
        name, dv, r = wrong[0]
        return _refuted(method, r, ", ".join(f"{n} = {d}" for n, d, _ in wrong),
                        {**evidence, "refuted_components": [n for n, _, _ in wrong]})
    if "eta_range" in claim.fields:
        evidence["eta_range"] = f"derived and printed (0, {ranges['eta'].hi})"
    return _agreed(method, results, evidence)


def check_minimum_spectrum(claim):
    """C3: on the minima (parametrised by u > 0) all eigenvalues but one vanish and the
    survivor is the sharpness S(u); each is an identity proved on u in (0, oo)."""
    model = get_model(claim.model)
    param = minima_manifold(model)[0].param
    S = sharpness_on_minima(model)
    on = [e.subs(param) for e in hessian_eigenvalues(model)]
    dom = {u: POSITIVE}
    res = [compare(e, S if i == 0 else sp.Integer(0), dom, n=4) for i, e in enumerate(on)]
    zero = [i + 1 for i, r in enumerate(res) if i > 0 and r["status"] != "mismatch"]
    ev = {"eigenvalues_on_minima": [str(sp.simplify(e)) for e in on], "sharpness": str(S),
          "vanishing": zero, "key": f"S = {S}; eigenvalues {zero} vanish"}
    method = "derived eigenvalues restricted to xy = 1"
    if all(r["status"] != "mismatch" for r in res):
        return _agreed(method, res, ev)
    return Verdict("", "refuted", method, ev, {"param": str(param)})


def check_reparam_structure(claim):
    """C5: orthogonal level sets, an explicit inverse on {c, d > 0}, and (c-check, 1)."""
    model = get_model(claim.model)
    dot = sp.diff(x**2 - y**2, x) * sp.diff(x * y, x) + sp.diff(x**2 - y**2, y) * \
        sp.diff(x * y, y)
    s = sp.sqrt(c**4 + 4 * d**2)
    xi, yi = sp.sqrt((s + c**2) / 2), d / sp.sqrt((s + c**2) / 2)
    cd = {c: POSITIVE, d: POSITIVE}
    checks = [compare(dot, sp.Integer(0), {x: REAL, y: REAL}, n=3),
              compare(xi**2 - yi**2, c**2, cd, n=3), compare(xi * yi, d, cd, n=3)]
    claimed = claim.formula("claimed")
    derived = [reparameterise(model).c_check.subs(kappa, sp.sqrt(eta)), sp.Integer(1)]
    on = {eta: Range(Fraction(0), Fraction(1, 2), True, True)}
    same = [compare(p, q, proof_domain(p.free_symbols | q.free_symbols, {"eta": on[eta]}), n=4,
                    seed=3) for p, q in zip(claimed, derived)]
    ev = {"grad(x^2-y^2).grad(xy)": str(sp.expand(dot)), "inverse": "x^2 = (s + c^2)/2, "
          "y = d/x, s = sqrt(c^4 + 4 d^2); x > y > 0 since s > c^2 > 0",
          "inverse_checked": [r["status"] for r in checks[1:]],
          "eos_point": [r["status"] for r in same],
          "key": "orthogonal level sets, explicit inverse, (c-check, 1)"}
    method = "orthogonality, explicit inverse, EoS point in (c, d)"
    bad = next((r for r in checks + same if r["status"] == "mismatch"), None)
    if bad:
        return _refuted(method, bad, evidence=ev)
    return _agreed(method, checks + same, ev)


def check_ode(claim):
    """Does the printed solution satisfy the printed ODE (eq. 8-9, C12, C22)?

    $b^2 = g(a)$ solves $db/da = f(a, b)$ iff $g'(a) = 2 b f(a, b)$ whenever $b^2 = g(a)$:
    the identity is proved with $b = \\sqrt{g}$ as a radical, so for both signs of b."""
    f = claim.formula("ode")
    g = claim.formula("solution")
    rhs = (2 * b * f).subs(b, sp.sqrt(g))
    lhs = sp.diff(g, a)
    method = "substitution of the printed solution into the printed ODE"
    windows = {"a": (-0.05, 0.05), "kappa": (0.2, 0.8), "C": (0.01, 0.5)}
    res = compare(lhs, rhs, proof_domain(lhs.free_symbols | rhs.free_symbols), n=5, seed=9,
                  windows=windows)
    ev = {"solution_check": res["status"]}
    if "from_claim" in claim.fields:
        ev["follows_from"] = claim.fields["from_claim"]
    if res["status"] == "mismatch":
        Cs = sp.solve(sp.Eq(b**2, g), C)
        implied = sp.simplify((lhs / (2 * b)).subs(C, Cs[0])) if Cs else None
        return _refuted(method, res, None if implied is None else sp.Eq(sp.Symbol("db/da"),
                        implied).rhs, {**ev, "note": "correction: the ODE the printed "
                                       "solution satisfies"})
    return _agreed(method, [res], ev)


def check_rate(claim):
    """C10: 'a decreases at a steady rate R per step': R vs the derived -(a' - a), and
    monotonicity (the derived leading term is minus an even power of b)."""
    from ...local.expansions import leading_part, series_step, weight_of
    model = get_model(claim.model)
    weights = claim.fields["weights"]
    lead = leading_part(model, 1, "a", weights)
    R = claim.formula("claimed")
    monotone = bool(sp.Poly(-lead, a, b, kappa).coeffs()) and all(
        c_ > 0 for c_ in sp.Poly(-lead, a, b, kappa).coeffs()) and all(
        j % 2 == 0 and i == 0 for i, j, _ in sp.Poly(-lead, a, b, kappa).monoms())
    ev = {"derived_leading_a'-a": str(lead), "monotone_decrease": monotone,
          "checked_part": "the rate formula and the sign of the leading term"}
    res = compare(R, -lead, proof_domain(R.free_symbols | lead.free_symbols), n=4, seed=4,
                  windows={"b": (0.01, 0.05)})
    method = "printed rate vs leading term of the derived one-step series"
    if res["status"] == "mismatch":
        return _refuted(method, res, -lead, ev)
    if not monotone:
        return Verdict("", "refuted", method, ev, {"derived_leading_a'-a": str(lead)})
    return _agreed(method, [res], ev,
                   [series_step(model, 1, weights, weight_of(lead, weights))])
