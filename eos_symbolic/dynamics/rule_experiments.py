"""Does sharpness concentration survive other optimizers? Sweeps and certified limit runs.

- `rule_concentration` (the F2b experiment under a rule): limit sharpness over a grid of
  starts at one step size, measured against the rule's own stability threshold $\\lambda^*$:
  the fraction ending in $(\\lambda^* - w, \\lambda^*)$, the largest such region, and the
  distribution of $S_\\infty / \\lambda^*$ over the converged starts.
- `limit_runs`: certified exact-map runs (`run_trajectory`) from starts $a_0 = 24
  \\kappa^{w_a - 1/2}$, $b_0 = \\kappa^{w_b}/2$ in the rule's chart (offsets from its own EoS
  minimum, with the normal form's weights; four-scalar: $24\\kappa^{5/2}$, $\\kappa^2/2$ as the
  C13 check does for GD) at several kappa, for $6/\\kappa^{R+1}$ steps (R the two-step rate;
  at most `MAX_STEPS`),
  beside the normal-form prediction of the end point and of the gap $\\lambda^* - S_\\infty$:
  both predictions have a stated error order, so the measured errors must shrink at that
  rate.

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

#: Longest certified run of `limit_runs` (four-scalar needs 6/kappa^5: 4e5 at kappa = 0.1).
MAX_STEPS = 2_000_000
#: Errors of gap / eta^j below this are at the resolution of the runs' end points.
RESOLUTION = 1e-5
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
    chart, the end point $a_{end} = c\\,\\kappa^k$ (`end`, `end_power`), the leading gap
    $\\lambda^* - S = g\\,\\eta^j$ (`gap`, `gap_power`), and the symbolic limit sharpness with
    its error order; `end` and `gap` are None when no curve attracts (no concentration)."""
    ray = ray_rule(rule)
    nf = normal_forms(model, ray)[0]
    S, err = nf.limit_sharpness
    top = 2 * nf.chart.threshold / eta
    out = {"ray": ray, "chart": nf.chart, "curve_type": nf.curve_type, "limit_sharpness": S,
           "error": err, "end": None, "end_power": None, "gap": None, "gap_power": None,
           "weights": nf.kappa_weights, "rate": nf.in_kappa_units(nf.rate)}
    if nf.curve_type != "parabola (attracting)":
        return out
    end = sp.expand(nf.to_kappa(nf.end_point))
    out["end"], out["end_power"] = end.as_coeff_exponent(kappa)
    gap = sp.expand(top - S)
    powers = [t.as_coeff_exponent(eta) for t in sp.Add.make_args(gap)]
    out["gap"], out["gap_power"] = min(powers, key=lambda cp: cp[1])
    return out


def default_kappas(pred, quick=False):
    """Step sizes whose runs fit in `MAX_STEPS`: four-scalar (rate 4) 0.2, 0.14, 0.1; slower
    two-step rates (three-scalar: 6) 0.2, 0.18, 0.16."""
    kappas = ("0.2", "0.14", "0.1") if pred["rate"] <= 4 else ("0.2", "0.18", "0.16")
    return kappas[:2] if quick else kappas


def limit_runs(model, rule, kappas=None, dps=30):
    """Certified runs at each kappa (default `default_kappas`) under the ray rule of
    `prediction` (module docstring)."""
    pred = prediction(model, rule)
    kappas = kappas or default_kappas(pred)
    ray, ch = pred["ray"], pred["chart"]
    c = mpmath.mpf(ch.threshold.p) / ch.threshold.q
    runs = []
    for k in kappas:
        kv = mpmath.mpf(k)
        offset = eos_offset(ch, kv / mpmath.sqrt(c))  # eta S = 2c: GD geometry at eta / c
        wa, wb = (float(w) for w in pred["weights"])
        x0, y0 = chart_to_xy(ch, 24 * kv ** (wa - 0.5), kv ** wb / 2, offset)
        steps = int(min(MAX_STEPS, 6 / float(kv) ** (float(pred["rate"]) + 1)))
        start = {str(model.coords[0]): mpmath.nstr(x0, 20), str(model.coords[1]):
                 mpmath.nstr(y0, 20)}
        tr = run_trajectory(model, mpmath.nstr(kv ** 2, 12), start, steps, dps=dps, rule=ray)
        det = tr.outcome.details
        row = {"kappa": k, "eta": mpmath.nstr(kv ** 2, 12), "steps": steps, "start": start,
               "outcome": tr.outcome.kind, "certified_digits":
               tr.certification.get("state_digits"), "a_scaled": None, "gap": None,
               "gap_scaled": None}
        if "limit" in det:
            lim = [mpmath.mpf(v) for v in det["limit"][:2]]
            a_end, _ = xy_to_chart(ch, lim[0], lim[1], offset)
            gap = mpmath.mpf(det["gap"])
            row["a_scaled"] = float(a_end / kv ** float(pred["end_power"]))
            row["gap"] = float(gap)
            row["gap_scaled"] = float(gap / kv ** (2 * float(pred["gap_power"])))
        row["command"] = (f"eos-symbolic trajectory --model {model.name} --optimizer "
                          f"{ray.spec if ray == rule else rule.spec} --eta {row['eta']} "
                          f"--start {','.join(f'{n}={v}' for n, v in start.items())} "
                          f"--steps {steps}")
        runs.append(row)
    return pred, runs


def agreement(pred, runs):
    """Errors of the runs against the prediction and whether they shrink at the stated
    order: gap / eta^j errs by O(eta^(e - j)) when S errs by O(eta^e) (four-scalar: gap/eta
    by O(eta^2)), so successive errors must fall by at least half of (eta_i / eta_k)^(e - j),
    unless both are already below `RESOLUTION` (then the runs resolve the limit no better)."""
    out = []
    for r in runs:
        if r["gap_scaled"] is None:
            out.append(None)
            continue
        out.append({"kappa": r["kappa"], "a_error": abs(r["a_scaled"] - float(pred["end"])),
                    "gap_error": abs(r["gap_scaled"] - float(pred["gap"]))})
    order = int(sp.degree(pred["error"], eta) - pred["gap_power"])
    rates = []
    for p, q in zip(out, out[1:]):
        if p and q and q["gap_error"] > 0:
            measured = p["gap_error"] / q["gap_error"]
            expected = (float(p["kappa"]) / float(q["kappa"])) ** (2 * order)
            tiny = max(p["gap_error"], q["gap_error"]) < RESOLUTION
            rates.append({"measured": measured, "expected": expected,
                          "ok": bool(measured >= expected / 2 or tiny)})
    return out, rates
