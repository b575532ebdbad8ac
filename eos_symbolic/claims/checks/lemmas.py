"""Inequality and invariant-region checkers (user kinds `inequality`, `invariant-region`).

An inequality that survives the search is then attacked rigorously: interval arithmetic
with bisection (`intervals`, Arb balls) over the whole box gives `verified` when it succeeds.

An inequality ``lhs REL rhs`` over a box (`domain`, in (a, b, kappa) or (x, y, eta)) and a
region mapped by the one- or two-step GD map into itself (or into `into`) are tested the same
way: the margin (positive where the claim holds) is evaluated at `dps` digits on stratified
samples of the box, then minimised by Nelder-Mead from the worst samples (`sampling`). A
negative margin is a counterexample, re-evaluated at 50 digits; otherwise the verdict is
`verified-numerically` with the worst point, its margin and the number of evaluations.
"""

import mpmath
import sympy as sp

from ...errors import EosError
from ...rigorous.intervals import prove_positive
from ...symbolic.models import get_model
from ...symbolic.symbols import eta, kappa
from ..fields import margin_expression, parse_domain, parse_relation
from ..sampling import box_samples, search_worst
from ..verdict import Verdict
from .certificates import certified_inequality_verdict, certified_region_verdict

DEFAULT_DPS = 50

def _mp_function(expr, symbols):
    f = sp.lambdify(symbols, expr, "mpmath")

    def value(*args):
        try:
            v = f(*args)
        except (ZeroDivisionError, ValueError):
            return mpmath.mpf("nan")
        return v if not isinstance(v, mpmath.mpc) else (v.real if v.imag == 0 else
                                                         mpmath.mpf("nan"))
    return value


def _command(claim):
    tail = "" if claim.source == "paper" else f" --claims {claim.source}"
    return f"eos-symbolic check {claim.id}{tail}"


def _sizes(claim, quick):
    n = int(claim.fields.get("samples", 256))
    return (max(32, n // 2), 3) if quick else (n, 4)


def _point(sampled, p):
    return {str(s): mpmath.nstr(mpmath.mpf(float(v)), 17) for (s, _, _), v in zip(sampled, p)}


def check_inequality(claim, ctx):
    """User kind `inequality`: ``inequality = "lhs REL rhs"`` over `domain`."""
    lhs, rel, rhs = parse_relation(claim.fields.get("inequality"), f"claim {claim.id}")
    subs = claim.substitutions()
    m_expr = margin_expression(lhs.subs(subs), rel, rhs.subs(subs))
    sampled, fixed = parse_domain(claim)
    m_expr = m_expr.subs(fixed)
    syms = [s for s, _, _ in sampled]
    extra = m_expr.free_symbols - set(syms)
    if extra:
        raise EosError(f"claim {claim.id}: symbol(s) {', '.join(sorted(map(str, extra)))} "
                       "have no range in domain")
    dps = int(claim.fields.get("dps", DEFAULT_DPS))
    f = _mp_function(m_expr, syms)
    bounds = [(float(lo), float(hi)) for _, lo, hi in sampled]
    n, restarts = _sizes(claim, ctx.quick)
    with mpmath.workdps(dps):
        res = search_worst(lambda p: f(*[mpmath.mpf(float(v)) for v in p]), bounds, n=n,
                           restarts=restarts)
        worst = f(*[mpmath.mpf(float(v)) for v in res.point])
    tol = mpmath.mpf(10) ** (-(dps - 10))
    ev = {"margin_expression": str(m_expr), "worst_point": _point(sampled, res.point),
          "worst_margin": mpmath.nstr(worst, 12), "evaluations": res.evaluations,
          "sampled_points": res.sampled, "violating_samples": res.violations,
          "dps": dps, "command": _command(claim), "key": f"worst margin {mpmath.nstr(worst, 6)} after "
                             f"{res.evaluations} evaluations"}
    method = (f"margin sampled at {res.sampled} stratified points (corners, faces, Latin "
              f"hypercube) + Nelder-Mead from the worst, at {dps} digits")
    bad = worst < tol if rel in ("<", ">") else worst < -tol
    if bad:
        with mpmath.workdps(50):
            g = _mp_function(m_expr, syms)
            at = [mpmath.mpf(float(v)) for v in res.point]
            vals = {"lhs": mpmath.nstr(_mp_function(lhs.subs(subs).subs(fixed), syms)(*at), 30),
                    "rhs": mpmath.nstr(_mp_function(rhs.subs(subs).subs(fixed), syms)(*at), 30),
                    "margin": mpmath.nstr(g(*at), 30)}
        return Verdict("", "refuted", method, ev, {"point": ev["worst_point"], **vals})
    return _try_interval_proof(m_expr, sampled, rel, ctx, method, ev)


def _try_interval_proof(m_expr, sampled, rel, ctx, method, ev):
    """Upgrade to `verified` when Arb branch-and-bound proves the margin sign on the box
    (with the full certificate in the evidence under --certify)."""
    if not all(lo.is_Rational and hi.is_Rational for _, lo, hi in sampled):
        ev["interval_proof"] = "not attempted: box bounds are not exact rationals"
        return Verdict("", "verified-numerically", method, ev)
    if getattr(ctx, "certify", False):  # Arb branch-and-bound with a certificate
        return certified_inequality_verdict(m_expr, sampled, rel, ctx, method, ev)
    res = prove_positive(m_expr, [s for s, _, _ in sampled],
                         [(lo, hi) for _, lo, hi in sampled], strict=rel in ("<", ">"),
                         budget=500 if ctx.quick else 4000)
    if res.status == "proved":
        ev["interval_proof"] = f"proved on the whole box with {res.boxes} Arb boxes"
        return Verdict("", "verified", "interval arithmetic (Arb balls) with bisection over "
                       "the domain; " + method, ev)
    if res.status == "refuted":  # sampling missed it; the prover found a certified point
        ev["interval_proof"] = f"refuted after {res.boxes} Arb boxes at a certified point"
        return Verdict("", "refuted", method, ev, {"point": res.point, "margin": res.value})
    ev["interval_proof"] = (f"{res.status} after {res.boxes} Arb boxes (enclosures are loose "
                            "where the margin touches 0)")
    return Verdict("", "verified-numerically", method, ev)


def gd_map(model_name, coords, steps, param):
    """The exact `steps`-step map of `model_name` in `coords` as SymPy expressions in the
    coordinates and `param` (eta or kappa): ``(variables, images)``."""
    model = get_model(model_name)
    if coords == "ab":
        from ...symbolic.reparam import reparameterise
        from ...symbolic.symbols import a, b
        inc = reparameterise(model).ab_increment
        vs = (a, b)
        one = [v + i for v, i in zip(vs, inc)]
        if param == eta:
            one = [e.subs(kappa, sp.sqrt(eta)) for e in one]
    elif coords == "xy":
        vs = tuple(model.coords)
        one = [v - eta * g for v, g in zip(vs, model.reduced_gradient)]
        if param == kappa:
            one = [e.subs(eta, kappa ** 2) for e in one]
    else:
        raise EosError(f"coords: expected ab or xy, got {coords!r}")
    if steps not in (1, 2):
        raise EosError(f"steps: expected 1 or 2, got {steps}")
    return vs, one


def check_invariant_region(claim, ctx):
    """User kind `invariant-region`: every point of `region` (inequalities, all must hold)
    is mapped by the `steps`-step exact map into `into` (default: `region`)."""
    label = f"claim {claim.id}"
    region = [parse_relation(t, f"{label} region") for t in claim.fields.get("region", [])]
    if not region:
        raise EosError(f"{label}: expected region = ['inequality', ...]")
    into = [parse_relation(t, f"{label} into") for t in claim.fields.get("into", [])] or region
    coords, steps = claim.fields.get("coords", "ab"), int(claim.fields.get("steps", 1))
    sampled, fixed = parse_domain(claim)
    names = {str(s) for s, _, _ in sampled} | {str(s) for s in fixed}
    param = kappa if "kappa" in names else eta
    vs, one = gd_map(claim.model, coords, steps, param)
    syms = [s for s, _, _ in sampled]
    missing = (set(vs) | {param}) - set(syms) - set(fixed)
    if missing:
        raise EosError(f"{label}: domain must give a range or value for "
                       f"{', '.join(sorted(map(str, missing)))}")
    src = [margin_expression(*r).subs(fixed) for r in region]
    dst = [margin_expression(*r).subs(fixed) for r in into]
    one = [e.subs(fixed) for e in one]
    free = set(syms)
    for e in src + dst + one:
        if e.free_symbols - free - set(vs):
            raise EosError(f"{label}: symbol(s) without a range: "
                           f"{', '.join(sorted(map(str, e.free_symbols - free - set(vs))))}")
    src_f = [_mp_function(e, syms) for e in src]
    step_f = [_mp_function(e, syms) for e in one]
    dst_f = [_mp_function(e, syms) for e in dst]
    index = {s: i for i, s in enumerate(syms)}
    counts = {"inside": 0, "undefined": 0}

    def image(args):
        p = list(args)
        for _ in range(steps):
            new = [f(*p) for f in step_f]
            if any(mpmath.isnan(v) for v in new):
                return None
            for v, val in zip(vs, new):
                p[index[v]] = val
        return p

    def margin(q):
        args = [mpmath.mpf(float(v)) for v in q]
        if min(f(*args) for f in src_f) <= 0:
            return mpmath.inf  # outside the source region: nothing to check
        counts["inside"] += 1
        p = image(args)
        if p is None:
            counts["undefined"] += 1
            return mpmath.mpf(-1)
        return min(f(*p) for f in dst_f)

    dps = int(claim.fields.get("dps", DEFAULT_DPS))
    bounds = [(float(lo), float(hi)) for _, lo, hi in sampled]
    n, restarts = _sizes(claim, ctx.quick)
    with mpmath.workdps(dps):
        # thin regions: draw many box points, keep those inside the source region
        pool = box_samples(bounds, 20 * n, seed=1)
        inside = [q for q in pool
                  if min(f(*[mpmath.mpf(float(v)) for v in q]) for f in src_f) > 0]
        res = search_worst(margin, bounds, n=n, restarts=restarts,
                           points=inside[:4 * n] if inside else None)
        res.evaluations += len(pool)
        worst = margin(res.point)
        img = image([mpmath.mpf(float(v)) for v in res.point]) if worst != mpmath.inf else None
    ev = {"map": f"exact {steps}-step GD map of {claim.model} in ({', '.join(map(str, vs))})",
          "evaluations": res.evaluations, "inside_region_evaluations": counts["inside"],
          "undefined_images": counts["undefined"], "dps": dps, "command": _command(claim)}
    method = (f"{steps}-step image of stratified samples of the region + Nelder-Mead on the "
              f"target margin, at {dps} digits")
    if worst == mpmath.inf:
        return Verdict("", "inconclusive", method,
                       {**ev, "reason": "no sampled point lies in the region; give a tighter "
                                        "domain box"})
    ev.update({"worst_point": _point(sampled, res.point), "worst_margin": mpmath.nstr(worst, 12),
               "key": f"worst target margin {mpmath.nstr(worst, 6)} after "
                      f"{res.evaluations} evaluations"})
    if img is not None:
        ev["worst_image"] = {str(v): mpmath.nstr(img[index[v]], 17) for v in vs}
    if worst < 0:
        return Verdict("", "refuted", method, ev,
                       {"point": ev["worst_point"], "image": ev.get("worst_image"),
                        "target_margin": ev["worst_margin"]})
    if getattr(ctx, "certify", False):  # Arb branch-and-bound with a certificate
        return certified_region_verdict(src, dst, one, vs, steps, sampled, ctx, method, ev)
    return Verdict("", "verified-numerically", method, ev)
