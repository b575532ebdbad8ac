"""Symbolic checkers: each takes a `Claim` and returns a `Verdict`.

Kinds: `identity`, `eigenvalues` and `closed-form` (printed formula vs the toolkit's own
derivation), `expansion` (claimed series vs derived series under a weighting), `ode`
(substitution, and whether the ODE follows from a map claim), `rate` (a prose claim with a
formula), and structural checks of single claims. Numeric screening finds counterexamples;
exact methods upgrade agreement to `verified` (see `compare`).
"""
import sympy as sp

from ...errors import EosError
from ...symbolic.minima import (
    eos_minima,
    eos_range,
    minima_manifold,
    sharpness_on_minima,
)
from ...symbolic.models import get_model
from ...symbolic.reparam import reparameterise
from ...symbolic.spectrum import hessian_eigenvalues
from ...symbolic.symbols import C, a, b, eta, kappa, u, x, y
from ..compare import compare, evaluate, sample_points
from ..verdict import Verdict


def _domains(claim):
    return {k: tuple(float(v) for v in r) for k, r in claim.fields.get("domain", {}).items()}


def _refuted(method, found, correction=None, evidence=None):
    return Verdict("", "refuted", method, {**(evidence or {}), "rel_diff": found["rel_diff"]},
                   {k: found[k] for k in ("point", "claimed", "derived")},
                   None if correction is None else str(correction))


def _agreed(method, results, evidence=None):
    exact = all(r["status"] == "exact" for r in results)
    ev = {**(evidence or {}), "points": results[0].get("points"), "dps": results[0].get("dps"),
          "proof": "exact" if exact else "numeric only: exact simplification did not close"}
    return Verdict("", "verified" if exact else "verified-numerically", method, ev)


def check_identity(claim):
    """`lhs == rhs` under `where_symbols` on the claim's domain (exact, else numeric)."""
    subs = claim.substitutions()
    lhs, rhs = (claim.formula(k).subs(subs) for k in ("lhs", "rhs"))
    pts = sample_points(lhs.free_symbols | rhs.free_symbols, domains=_domains(claim))
    res = compare(lhs, rhs, pts, domains=_domains(claim))
    method = "identity: exact zero test after numeric screening at random points"
    if res["status"] == "mismatch":
        return _refuted(method, res)
    return _agreed(method, [res])


def check_eigenvalues(claim):
    """Each printed eigenvalue must equal a distinct derived one (C1-C2, eq. 3)."""
    model = get_model(claim.model)
    subs = claim.substitutions()
    claimed = [e.subs(subs) for e in claim.formula("claimed")]
    derived = [e for e in hessian_eigenvalues(model) if not isinstance(e, sp.Equality)]
    pts = sample_points(set(model.coords), n=4, seed=11)
    method = "printed eigenvalues vs roots of the factored characteristic polynomial"
    nearby = _nearby_reading(claim, derived, pts)
    results, used, failed = [], set(), []
    for k, e in enumerate(claimed):
        found = next(((j, r) for j, r in ((j, compare(e, dv, pts)) for j, dv in
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
    counter = compare(claimed[failed[0]], derived[fixes[0]], pts)
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
            j = next((j for j, d in enumerate(derived) if j not in match.values()
                      and compare(e, d, pts)["status"] != "mismatch"), None)
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
    """Printed closed form vs the derived one, component by component (C4, C6, C7)."""
    model = get_model(claim.model)
    subs = claim.substitutions()
    claimed = [e.subs(subs) for e in claim.formula("claimed")]
    derived = _derived_target(model, claim.fields["target"])
    names = claim.fields.get("components", [f"component {i + 1}" for i in range(len(claimed))])
    doms = _domains(claim)
    if "eta_range" in claim.fields:
        lo, hi = (sp.Rational(v) for v in claim.fields["eta_range"])
        doms.setdefault("eta", (float(lo) + 0.01, float(hi) - 0.01))
    method = f"printed formula vs the toolkit's derivation of {claim.fields['target']}"
    results, evidence, wrong = [], {}, []
    for name, e, dv in zip(names, claimed, derived):
        pts = sample_points(e.free_symbols | dv.free_symbols | {eta}, n=5, seed=5, domains=doms)
        r = compare(e, dv, pts, domains=doms)
        evidence[name] = r["status"]
        (wrong if r["status"] == "mismatch" else results).append((name, dv, r) if
                                                                  r["status"] == "mismatch" else r)
    if wrong:
        name, dv, r = wrong[0]
        return _refuted(method, r, ", ".join(f"{n} = {d}" for n, d, _ in wrong),
                        {**evidence, "refuted_components": [n for n, _, _ in wrong]})
    if "eta_range" in claim.fields:
        top = eos_range(model)
        hi = sp.Rational(claim.fields["eta_range"][1])
        evidence["eta_range"] = f"derived (0, {top}); printed (0, {hi})"
        if top != hi:
            return Verdict("", "refuted", method, evidence, {"eta_range_derived": str(top)},
                           f"Interval.open(0, {top})")
    return _agreed(method, results, evidence)


def check_minimum_spectrum(claim):
    """C3: on the minima all eigenvalues but one vanish and the survivor is the '+' root."""
    model = get_model(claim.model)
    pos = sp.Symbol("u", positive=True)  # the positive branch: u > 0
    param = {k: v.subs(u, pos) for k, v in minima_manifold(model)[0].param.items()}
    on = [sp.simplify(e.subs(param).replace(
        lambda t: t.is_Pow and t.exp == sp.Rational(1, 2), lambda t: sp.sqrt(sp.factor(t.base))))
        for e in hessian_eigenvalues(model)]
    zero = [i + 1 for i, e in enumerate(on) if e == 0]
    S = sharpness_on_minima(model)
    ok = zero == list(range(2, len(on) + 1)) and sp.simplify(on[0] - S.subs(u, pos)) == 0
    ev = {"eigenvalues_on_minima": [str(e) for e in on], "sharpness": str(S),
          "vanishing": zero, "key": f"S = {S}; eigenvalues {zero} vanish"}
    if ok:
        return Verdict("", "verified", "derived eigenvalues restricted to xy = 1", ev)
    return Verdict("", "refuted", "derived eigenvalues restricted to xy = 1", ev,
                   {"param": str(param)})


def check_reparam_structure(claim):
    """C5: orthogonal level sets, an explicit inverse on {c, d > 0}, and (c-check, 1)."""
    model = get_model(claim.model)
    c_, d_ = sp.symbols("c d", positive=True)
    dot = sp.expand(sp.diff(x**2 - y**2, x) * sp.diff(x * y, x)
                    + sp.diff(x**2 - y**2, y) * sp.diff(x * y, y))
    s = sp.sqrt(c_**4 + 4 * d_**2)
    xi, yi = sp.sqrt((s + c_**2) / 2), d_ / sp.sqrt((s + c_**2) / 2)
    inverse_ok = (sp.simplify(xi**2 - yi**2 - c_**2) == 0 and sp.simplify(xi * yi - d_) == 0
                  and sp.simplify(xi**2 - yi**2) == c_**2)
    claimed = claim.formula("claimed")
    derived = [reparameterise(model).c_check.subs(kappa, sp.sqrt(eta)), sp.Integer(1)]
    pts = sample_points({eta}, n=4, seed=3, domains={"eta": (0.02, 0.45)})
    same = [compare(p, q, pts)["status"] for p, q in zip(claimed, derived)]
    ev = {"grad(x^2-y^2).grad(xy)": str(dot), "inverse": "x^2 = (s + c^2)/2, y = d/x, "
          "s = sqrt(c^4 + 4 d^2); x > y > 0 since s > c^2 > 0", "inverse_checked": inverse_ok,
          "eos_point": same, "key": "orthogonal level sets, explicit inverse, (c-check, 1)"}
    ok = dot == 0 and inverse_ok and "mismatch" not in same
    return Verdict("", "verified" if ok and all(t == "exact" for t in same) else
                   "verified-numerically" if ok else "refuted",
                   "orthogonality, explicit inverse, EoS point in (c, d)", ev)


def check_ode(claim):
    """Does the printed solution satisfy the printed ODE (eq. 8-9, C12, C22)?"""
    f = claim.formula("ode")
    g = claim.formula("solution")
    B = sp.Symbol("B2", positive=True)
    # b^2 = g(a) solves db/da = f(a, b)  iff  g'(a) = 2 b f(a, b) on b^2 = g
    rhs = sp.simplify((2 * b * f).subs(b, sp.sqrt(B))).subs(B, g)
    lhs = sp.diff(g, a)
    method = "substitution of the printed solution into the printed ODE"
    doms = {"a": (-0.05, 0.05), "kappa": (0.2, 0.8), "C": (0.01, 0.5)}
    pts = sample_points(lhs.free_symbols | rhs.free_symbols, n=5, seed=9, domains=doms)
    res = compare(lhs, rhs, pts, domains=doms)
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
    from ...local.expansions import leading_part
    model = get_model(claim.model)
    weights = claim.fields["weights"]
    lead = leading_part(model, 1, "a", weights)
    R = claim.formula("claimed")
    monotone = bool(sp.Poly(-lead, a, b, kappa).coeffs()) and all(
        c > 0 for c in sp.Poly(-lead, a, b, kappa).coeffs()) and all(
        j % 2 == 0 and i == 0 for i, j, _ in sp.Poly(-lead, a, b, kappa).monoms())
    ev = {"derived_leading_a'-a": str(lead), "monotone_decrease": monotone,
          "checked_part": "the rate formula and the sign of the leading term"}
    pts = sample_points({b, kappa}, n=4, seed=4, domains={"b": (0.01, 0.05)})
    res = compare(R, -lead, pts)
    if res["status"] == "mismatch":
        return _refuted("printed rate vs leading term of the derived one-step series", res,
                        -lead, ev)
    return _agreed("printed rate vs leading term of the derived one-step series", [res], ev)
