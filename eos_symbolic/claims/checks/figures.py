"""Checkers for the sweep and figure claims (C23, C25, F2a, F5a, F5b, F6, F7a, F7c).

Every verdict here rests on float64 sweeps (`verified-numerically` at best, never
`verified`), states the grid, step count and thresholds it used, and can fail:

- ``concentration-map``: the starts whose limit sharpness lies in (2/eta - band, 2/eta);
  `expect = "region"` needs a connected region of them covering >= 1% of the grid
  (refuted below 0.1%); `expect = "none"` (C23) needs that region below 0.1% of the grid,
  starts sharper than 2/eta ending clearly flatter (median gap >= 10% of 2/eta) and sharper
  starts ending flatter (positive rank correlation of initial sharpness and final gap).
- ``adaptivity``: one start, several eta; `expect = "adaptive"`: each run converges with
  0 < gap < 5% of 2/eta; `expect = "flatter"`: each run converges with gap >= 5% of 2/eta.
- ``basin-boundary``: box-counting dimension of the converge/diverge boundary with its 95%
  interval, half-resolution check and uncertainty exponent; 'fractal' is supported when
  both estimates' intervals lie above 1.1 and the resolution check moves D by < 0.15, and
  refuted when the box-counting interval reaches below 1.1 with D < 1.1.
- ``bifurcation-diagram`` (F7c): the two-step points of the Figure 7b run with a in
  (2 kappa^3, 10 kappa^3) (the scaling of eq. 7, where eq. 13 is the leading order; for
  larger a it is only qualitative: b^2 is 25% off at a = 0.15 for kappa = 0.1), $|b|$ against
  the claimed 1-D map's attracting fixed point at the same a (median relative error of b^2
  below 5%, refuted above 25%); the balanced-line cascade is reported alongside.
"""
from pathlib import Path

from ...dynamics import paper_figures as pf
from ..verdict import Verdict


def _drawn(ctx, claim, kind, result):
    """Draw `result` into the report folder when there is one; the drawings' evidence."""
    if not ctx or not ctx.out:
        return {}
    _, draw, suffix = pf.FIGURES[kind]
    stem = Path(ctx.out) / (f"{claim.id}_{suffix}" if suffix else f"{claim.id}_")
    stem.parent.mkdir(parents=True, exist_ok=True)
    return draw(result, stem, bool(getattr(ctx, "pdf", False)))


def check_concentration(claim, ctx):
    quick = bool(ctx and ctx.quick)
    res = pf.run_concentration(claim.model, claim.fields, quick)
    cm, steps, eta_value = res["map"], res["steps"], res["eta"]
    ev = {k: v for k, v in cm.items() if k not in ("images", "extent", "axes")}
    ev["key"] = res["key"]
    ev.update(_drawn(ctx, claim, "concentration-map", res))
    expect = claim.fields.get("expect", "region")
    method = (f"float64 sweep of {cm['points']} starts x {steps} steps at eta = {eta_value:g}"
              " (generated numba kernel)")
    region = cm["largest_region_fraction"]
    if expect == "region":
        ev["criterion"] = "verified if the largest band region >= 1% of the grid; refuted < 0.1%"
        if region >= 0.01:
            return Verdict("", "verified-numerically", method, ev)
        verdict = "refuted" if region < 0.001 else "inconclusive"
        return Verdict("", verdict, method, ev,
                       {"largest_region_fraction": region} if verdict == "refuted" else None)
    # expect == "none": degree-2-like behaviour (C23)
    two = 2 / eta_value
    gap, corr = cm["median_gap_of_sharp"], cm["rank_correlation_initial_sharpness_gap"]
    tests = {"no_region (largest band region < 0.1% of grid)": region < 0.001,
             "sharp starts end clearly flatter (median gap >= 10% of 2/eta)":
                 gap is not None and gap >= 0.1 * two,
             "sharper starts end flatter (rank correlation > 0)": corr is not None and corr > 0}
    ev["tests"] = tests
    if all(tests.values()):
        return Verdict("", "verified-numerically", method, ev)
    if region >= 0.01 or (gap is not None and gap < 0.1 * two):
        return Verdict("", "refuted", method, ev,
                       {"failed": [k for k, v in tests.items() if not v]})
    return Verdict("", "inconclusive", method, {**ev, "reason": "mixed evidence"})


def check_adaptivity(claim, ctx):
    res = pf.run_adaptivity(claim.model, claim.fields, bool(ctx and ctx.quick))
    rows, steps = res["rows"], res["steps"]
    rel = float(claim.fields.get("relative_band", 0.05))
    ev = {"start": claim.fields["start"], "steps": steps, "runs": rows, "key": res["key"]}
    ev.update(_drawn(ctx, claim, "adaptivity", res))
    method = f"float64 runs from {claim.fields['start']} for {steps} steps per eta"
    expect = claim.fields.get("expect", "adaptive")
    ev["criterion"] = (f"{expect}: gap in (0, {rel:g} * 2/eta)" if expect == "adaptive"
                       else f"{expect}: gap >= {rel:g} * 2/eta")
    conv = [r for r in rows if r["converged"]]
    inside = [r for r in conv if 0 < r["gap_over_two_over_eta"] < rel]
    if len(conv) < len(rows):
        return Verdict("", "inconclusive", method, {**ev, "reason": "a run did not converge"})
    good = len(inside) == len(rows) if expect == "adaptive" else not inside
    if good:
        return Verdict("", "verified-numerically", method, ev)
    bad = [r for r in rows if (r in inside) != (expect == "adaptive")]
    return Verdict("", "refuted", method, ev, {"runs": bad})


def check_basin_boundary(claim, ctx):
    res = pf.run_basin(claim.model, claim.fields, bool(ctx and ctx.quick))
    bb, n, steps = res["basin"], res["n"], res["steps"]
    bc, unc, diff = bb["box_counting"], bb["uncertainty"], bb["resolution_difference"]
    ev = {"box": bb["box"], "grid": f"{n}x{n}", "steps": steps, "eta": res["eta"],
          "converged_fraction": bb["converged"], "undecided_fraction": bb["undecided"],
          "box_counting": bc, "half_resolution": bb["half_resolution"],
          "resolution_difference": diff,
          "uncertainty_exponent": {k: v for k, v in unc.items()}}
    d = bc.get("dimension")
    ev["key"] = res["key"]
    ev.update(_drawn(ctx, claim, "basin-boundary", res))
    method = ("box counting on a float64 converge/diverge image (95% interval), "
              "half-resolution check, uncertainty exponent")
    ev["criterion"] = ("fractal if both intervals lie above 1.1 and D moves < 0.15 at half "
                       "resolution; smooth (refuted) if the box-counting interval reaches "
                       "below 1.1 with D < 1.1")
    if d is None:
        return Verdict("", "inconclusive", method, {**ev, "reason": bc.get("reason")})
    unc_lo = unc["interval"][0] if unc.get("interval") else None
    if bc["interval"][0] > 1.1 and unc_lo is not None and unc_lo > 1.1 and diff < 0.15:
        return Verdict("", "verified-numerically", method, ev)
    if d < 1.1 and bc["interval"][0] < 1.1:
        return Verdict("", "refuted", method, ev, {"dimension": d, "interval": bc["interval"]})
    return Verdict("", "inconclusive", method, {**ev, "reason": "estimates disagree"})


def check_bifurcation(claim, ctx):
    res = pf.run_bifurcation(claim.model, claim.fields, bool(ctx and ctx.quick))
    tr, med = res["trajectory"], res["median_relative_error_b2"]
    bm, doublings, ratios = res["balanced"]
    ev = {"compared_a_window": res["window"],
          "run": {"eta": res["eta"], "start": claim.fields["start"], "steps": res["steps"],
                  "final_ab": [float(tr["a"][-1]), float(tr["b"][-1])]},
          "compared_points": res["compared"],
          "median_relative_error_b2": med,
          "balanced_line": {"map": str(bm.expr), "doublings": doublings,
                            "feigenbaum_ratios": ratios},
          "lyapunov_eq13": res["lyapunov_eq13"],
          "key": res["key"]}
    ev.update(_drawn(ctx, claim, "bifurcation-diagram", res))
    method = ("float64 Figure 7b run in (a, b) against the attracting fixed point of the "
              "claimed 1-D map; balanced-line doublings by Newton at 30 digits")
    ev["criterion"] = ("two-step points with a in (2 kappa^3, 10 kappa^3): median relative "
                       "error of b^2 against the 1-D map's fixed point < 5% (refuted > 25%)")
    if med is None:
        return Verdict("", "inconclusive", method, {**ev, "reason": "no comparable points"})
    if med < 0.05:
        return Verdict("", "verified-numerically", method, ev)
    if med > 0.25:
        return Verdict("", "refuted", method, ev, {"median_relative_error_b2": med})
    return Verdict("", "inconclusive", method, {**ev, "reason": "between thresholds"})


CHECKERS = {
    "concentration-map": check_concentration,
    "adaptivity": check_adaptivity,
    "basin-boundary": check_basin_boundary,
    "bifurcation-diagram": check_bifurcation,
}
