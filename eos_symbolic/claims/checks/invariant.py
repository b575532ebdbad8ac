"""The `invariant-region` checker: a region mapped by the exact 1- or 2-step GD map into
itself or into a target, attacked like an inequality (`lemmas`): exact points of the box
inside the region (certified with Arb), a normalised-margin search over the region, then Arb
branch-and-bound on "region implies target after the exact steps" within a time budget."""
import mpmath
import numpy as np

from ...errors import EosError
from ...rigorous.intervals import prove_implication
from ...symbolic.symbols import eta, kappa
from ..fields import margin_expression, parse_domain, parse_relation
from ..sampling import exact_points, latin_hypercube, search_worst, to_exact
from ..verdict import Verdict
from .certificates import budget, leaf_text
from .lemmas import DEFAULT_DPS
from .margins import (
    certified_sign,
    command,
    exact_box,
    gd_map,
    mp_function,
    point_text,
    violated,
)


def _parts(claim, key, label, fixed):
    out = []
    for t in claim.fields.get(key, []):
        L, rel, R = parse_relation(t, f"{label} {key}")
        L, R = L.subs(fixed), R.subs(fixed)
        out.append((margin_expression(L, rel, R), rel in ("<", ">"), L, R))
    return out


def check_invariant_region(claim, ctx):
    """User kind `invariant-region`: every point of `region` (inequalities, all must hold)
    is mapped by the `steps`-step exact map into `into` (default: `region`); see the module
    docstring."""
    label = f"claim {claim.id}"
    sampled, fixed = parse_domain(claim)
    src = _parts(claim, "region", label, fixed)
    if not src:
        raise EosError(f"{label}: expected region = ['inequality', ...]")
    dst = _parts(claim, "into", label, fixed) or src
    coords, steps = claim.fields.get("coords", "ab"), int(claim.fields.get("steps", 1))
    names = {str(s) for s, _, _ in sampled} | {str(s) for s in fixed}
    param = kappa if "kappa" in names else eta
    vs, one = gd_map(claim.model, coords, steps, param)
    syms = [s for s, _, _ in sampled]
    missing = (set(vs) | {param}) - set(syms) - set(fixed)
    if missing:
        raise EosError(f"{label}: domain must give a range or value for "
                       f"{', '.join(sorted(map(str, missing)))}")
    one = [e.subs(fixed) for e in one]
    for e in [m for m, _, _, _ in src + dst] + one:
        if e.free_symbols - set(syms) - set(vs):
            raise EosError(f"{label}: symbol(s) without a range: "
                           f"{', '.join(sorted(map(str, e.free_symbols - set(syms))))}")
    image = list(vs)
    for _ in range(steps):
        image = [e.xreplace(dict(zip(vs, image))) for e in one]
    post = [(m.xreplace(dict(zip(vs, image))), st) for m, st, _, _ in dst]
    dps = int(claim.fields.get("dps", DEFAULT_DPS))
    box = exact_box(sampled)
    ev = {"map": f"exact {steps}-step GD map of {claim.model} in ({', '.join(map(str, vs))})",
          "dps": dps, "command": command(claim), "domain": "closed box (ends included)"}
    method = (f"{steps}-step image: exact points (Arb), normalised-margin search over the "
              f"region (Latin hypercube, differential evolution, Nelder-Mead) at {dps} "
              "digits, Arb branch-and-bound")

    def inside_exact(p):
        return all(not violated(certified_sign(m, syms, p), st) for m, st, _, _ in src)

    if box is not None:
        for p in exact_points(box):
            if inside_exact(p) and any(violated(certified_sign(m, syms, p), st)
                                       for m, st in post):
                return _refuted(sampled, p, method, ev, "an exact point of the box", vs,
                                image, post)
    src_f = [(mp_function(m, syms), st) for m, st, _, _ in src]
    step_f = [mp_function(e, syms) for e in one]
    dst_f = [(mp_function(L, syms), mp_function(R, syms), mp_function(m, syms))
             for m, _, L, R in dst]
    index = {s: i for i, s in enumerate(syms)}
    counts = {"inside": 0, "undefined": 0}

    def image_of(args):
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
        if any(not (f(*args) > 0 if st else f(*args) >= 0) for f, st in src_f):
            return None  # outside the source region: nothing to check
        counts["inside"] += 1
        p = image_of(args)
        if p is None:
            counts["undefined"] += 1
            return [(-1.0, 1.0)]
        return [(m(*p), abs(fl(*p)) + abs(fr(*p))) for fl, fr, m in dst_f]

    bounds = box or [(float(lo), float(hi)) for _, lo, hi in sampled]
    with mpmath.workdps(dps):
        pool = latin_hypercube(bounds, 400 if ctx.quick else 1600, seed=1)
        inside = [q for q in pool if all(
            (f(*[mpmath.mpf(float(v)) for v in q]) > 0) for f, _ in src_f)]
        # how deep inside the region a point lies: its smallest region margin, each in
        # units of that margin's typical size over the sampled region points
        typical = [float(np.median([abs(float(f(*[mpmath.mpf(float(v)) for v in q])))
                                    for q in inside[:64]])) or 1.0 if inside else 1.0
                   for f, _ in src_f]

        def depth(q):
            args = [mpmath.mpf(float(v)) for v in q]
            return min(float(f(*args)) / t for (f, _), t in zip(src_f, typical))

        res = search_worst(margin, bounds, quick=ctx.quick,
                           points=np.array(inside[:256]) if inside else None, relative=depth)
        res.evaluations += len(pool)
    ev.update({"evaluations": res.evaluations, "inside_region_evaluations": counts["inside"],
               "undefined_images": counts["undefined"],
               "screening": {"points": counts["inside"], "dps": dps}})
    if res.margin == float("inf"):
        return Verdict("", "inconclusive", method,
                       {**ev, "reason": "no sampled point lies in the region; give a tighter "
                                        "domain box"})
    ev.update({"worst_point": point_text(sampled, res.point),
               "worst_normalised_margin": mpmath.nstr(res.margin, 8),
               "worst_found_by": res.found_by,
               "key": f"worst target margin (normalised) {mpmath.nstr(res.margin, 6)} at "
                      f"{point_text(sampled, res.point)} after {res.evaluations} evaluations"})
    if res.margin <= 0:
        p = to_exact(res.point)
        if inside_exact(p) and any(violated(certified_sign(m, syms, p), st) for m, st in post):
            return _refuted(sampled, p, method, ev, f"the search ({res.found_by})", vs, image,
                            post)
    if box is None:
        ev["interval_proof"] = "not attempted: box bounds are not exact rationals"
        return Verdict("", "verified-numerically", method, ev)
    n, secs = budget(ctx)
    pr = prove_implication([m for m, _, _, _ in src], [m for m, _ in post], syms, box,
                           budget=n, seconds=secs, strict_premises=[st for _, st, _, _ in src],
                           strict_conclusions=[st for _, st in post])
    how = f"Arb branch-and-bound ({pr.boxes} boxes, {pr.seconds:.2f} s); "
    if pr.status == "proved":
        from ..policy import proof, verified
        step = {"kind": "implication", "variables": [str(s) for s in syms],
                "box": leaf_text(box),
                "premises": [{"expr": str(m), "strict": st} for m, st, _, _ in src],
                "conclusions": [{"expr": str(m), "strict": st} for m, st in post],
                "leaves": [{"box": leaf_text(b), "closed_by": "outside" if t.startswith(
                    "outside") else "inside"} for b, t in pr.leaves],
                "assumptions": [f"{s} in [{lo}, {hi}]" for s, (lo, hi) in zip(syms, box)]}
        if getattr(ctx, "certify", False):
            ev["certificate"] = pr.certificate(syms)
        return verified(how + method, ev, proof([step]))
    if pr.status == "refuted":
        from fractions import Fraction
        p = [Fraction(pr.point[str(s)]) for s in syms]
        return _refuted(sampled, p, how + method, ev, "the Arb branch-and-bound", vs, image,
                        post)
    ev["interval_proof"] = f"{pr.status} after {pr.boxes} Arb boxes in {pr.seconds:.1f} s"
    return Verdict("", "verified-numerically", method, ev)


def _refuted(sampled, p, method, ev, found_by, vs, image, post):
    """The counterexample: the exact point, its image and the target margins (30 digits)."""
    import sympy as sp
    ev["found_by"] = found_by
    at = {s: sp.Rational(v.numerator, v.denominator) for (s, _, _), v in zip(sampled, p)}
    with mpmath.workdps(50):
        img = {str(v): mpmath.nstr(sp.N(e.subs(at), 40), 30) for v, e in zip(vs, image)}
        margins = [mpmath.nstr(sp.N(m.subs(at), 40), 30) for m, _ in post]
    ev["worst_point"] = point_text(sampled, p)
    ev["key"] = (f"leaves the target at {ev['worst_point']}: image {img}, target margins "
                 f"{[m[:12] for m in margins]} (found by {found_by})")
    return Verdict("", "refuted", method, ev,
                   {"point": point_text(sampled, p), "image": img, "target_margins": margins,
                    "certified": "region margins certified to hold and a target margin "
                                 "certified to fail after the exact steps, at this exact "
                                 "point (Arb balls)"})
