"""Does sharpness concentration survive other optimizers? Sweeps and certified limit runs.

- `rule_concentration` (the F2b experiment under a rule): limit sharpness over a grid of
  starts at one step size, measured against the rule's own stability threshold $\\lambda^*$:
  the fraction ending in $(\\lambda^* - w, \\lambda^*)$, the largest such region, and the
  distribution of $S_\\infty / \\lambda^*$ over the converged starts.
- `limit_runs`: certified exact-map runs (`run_trajectory`) from starts $a_0 = 24
  \\kappa^{5/2}$, $b_0 = \\kappa^2/2$ in the rule's chart (offsets from its own EoS minimum,
  as the C13 check does for GD) at several kappa, beside the normal-form prediction of the
  end point $a/\\kappa^3$ and of the gap $(\\lambda^* - S_\\infty)/\\eta$: both predictions have a
  stated error order, so the measured errors must shrink at that rate.

Drawing is `plot_rule_concentration`; numbers go to the README and the CLI.
"""
import mpmath
import numpy as np
import sympy as sp

from ..local.normal_form import normal_forms
from ..local.remainder import chart_to_xy, eos_offset, xy_to_chart
from ..local.rule_charts import ray_rule
from ..numeric.trajectory import run_trajectory
from ..symbolic.symbols import eta, kappa
from .experiments import concentration_map

#: The F2b setting (paper Figure 2b) the comparison reuses.
F2B = {"eta": 0.2, "grid": {"x": (0.05, 3.5), "y": (0.05, 3.5)}, "steps": 50000, "band": 0.1}


def rule_concentration(model, rule, eta_value=F2B["eta"], n=512, steps=F2B["steps"],
                       band=F2B["band"], grid=None):
    """`experiments.concentration_map` under `rule`, plus $S_\\infty/\\lambda^*$ statistics."""
    grid = grid or F2B["grid"]
    ranges = {k: (lo, hi, n) for k, (lo, hi) in grid.items()}
    cm = concentration_map(model, eta_value, ranges, steps, band, progress=False, rule=rule)
    S = cm["images"]["sharpness"]
    top = cm["threshold"]
    ratio = (S / top)[np.isfinite(S)]
    cm["rule"] = rule.spec
    cm["ratio_quantiles"] = {q: float(np.quantile(ratio, q)) if ratio.size else None
                             for q in (0.1, 0.5, 0.9)}
    cm["within_1_percent"] = float(np.mean(ratio > 0.99)) if ratio.size else 0.0
    return cm


def prediction(model, rule):
    """The normal-form prediction at the rule's first EoS minimum: the ray rule used, the
    chart, $a_{end}/\\kappa^3$, the gap coefficient $(\\lambda^* - S)/\\eta$ at leading order,
    and the symbolic limit sharpness with its error order."""
    ray = ray_rule(rule)
    nf = normal_forms(model, ray)[0]
    S, err = nf.limit_sharpness
    top = 2 * nf.chart.threshold / eta
    gap = sp.expand((top - S) / eta)
    lead = gap.subs(eta, 0) if gap.is_polynomial(eta) else None
    end = sp.simplify(nf.to_kappa(nf.end_point) / kappa ** 3)
    return {"ray": ray, "chart": nf.chart, "curve_type": nf.curve_type,
            "a_over_kappa3": end if not end.has(kappa) else None,
            "gap_over_eta": lead, "limit_sharpness": S, "error": err}


def limit_runs(model, rule, kappas=("0.2", "0.14", "0.1"), dps=30):
    """Certified runs at each kappa under the ray rule of `prediction` (module docstring)."""
    pred = prediction(model, rule)
    ray, ch = pred["ray"], pred["chart"]
    c = mpmath.mpf(ch.threshold.p) / ch.threshold.q
    runs = []
    for k in kappas:
        kv = mpmath.mpf(k)
        offset = eos_offset(ch, kv / mpmath.sqrt(c))  # eta S = 2c: GD geometry at eta / c
        x0, y0 = chart_to_xy(ch, 24 * kv ** 2.5, kv ** 2 / 2, offset)
        steps = int(min(4e5, 6 / float(kv) ** 5))
        start = {str(model.coords[0]): mpmath.nstr(x0, 20), str(model.coords[1]):
                 mpmath.nstr(y0, 20)}
        tr = run_trajectory(model, mpmath.nstr(kv ** 2, 12), start, steps, dps=dps, rule=ray)
        det = tr.outcome.details
        row = {"kappa": k, "eta": mpmath.nstr(kv ** 2, 12), "steps": steps, "start": start,
               "outcome": tr.outcome.kind, "certified_digits":
               tr.certification.get("state_digits"), "a_over_kappa3": None,
               "gap_over_eta": None}
        if "limit" in det:
            lim = [mpmath.mpf(v) for v in det["limit"][:2]]
            a_end, _ = xy_to_chart(ch, lim[0], lim[1], offset)
            row["a_over_kappa3"] = float(a_end / kv ** 3)
            row["gap_over_eta"] = float(mpmath.mpf(det["gap"]) / kv ** 2)
        row["command"] = (f"eos-symbolic trajectory --model {model.name} --optimizer "
                          f"{ray.spec if ray == rule else rule.spec} --eta {row['eta']} "
                          f"--start {','.join(f'{n}={v}' for n, v in start.items())} "
                          f"--steps {steps}")
        runs.append(row)
    return pred, runs


def agreement(pred, runs):
    """Errors of the runs against the prediction and whether they shrink at the stated
    order (gap/eta errs by O(eta^2) when S errs by O(eta^3): ratio of successive errors
    against (eta_i / eta_j)^2, within a factor 2)."""
    out = []
    for r in runs:
        if r["gap_over_eta"] is None:
            out.append(None)
            continue
        out.append({"kappa": r["kappa"],
                    "a_error": abs(r["a_over_kappa3"] - float(pred["a_over_kappa3"])),
                    "gap_error": abs(r["gap_over_eta"] - float(pred["gap_over_eta"]))})
    order = sp.Poly(pred["error"], eta).degree() - 1 if pred["error"].is_polynomial(eta) else 0
    rates = []
    for p, q in zip(out, out[1:]):
        if p and q and q["gap_error"] > 0:
            measured = p["gap_error"] / q["gap_error"]
            expected = (float(p["kappa"]) / float(q["kappa"])) ** (2 * order)
            rates.append({"measured": measured, "expected": expected,
                          "ok": expected / 2 <= measured <= expected * 2})
    return out, rates
