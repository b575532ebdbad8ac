"""Trajectory-limit checkers: Theorem 3.1 and its corollaries (C14-C17) across kappa, and the
user kind `trajectory-limit`.

The theorems need $\\kappa < 1/(2000\\sqrt2 K)$ with K "large enough" and run for
$T \\sim \\kappa^{-15/2}$ steps: not simulable. What is simulable is the same region with the
theorem's formulas evaluated at a modest `K_sim` (field of the claim), for the largest kappa
where that region is non-empty and a sequence kappa -> 0. Starts are sampled on the region's
corners, faces and interior (`sampling.box_samples`), iterated with the exact map
(`ensembles.run_ensemble`, float64, cancellation-free (a, b) form) and the worst starts are
re-run with the certified engine. The verdict on the paper's claims is always `inconclusive`
(evidence outside the hypotheses, attached); a user claim gets a real verdict.
"""
from dataclasses import replace
from pathlib import Path

import numpy as np
import sympy as sp

from ...dynamics import ensembles
from ...dynamics.plots import save_figure
from ...errors import EosError
from ...symbolic.minima import eos_minimum
from ...symbolic.models import get_model
from ...symbolic.parser import parse_number
from ...symbolic.symbols import eta as eta_sym
from ...symbolic.symbols import kappa as kappa_sym
from ..sampling import box_samples
from ..verdict import Verdict
from . import asymptotic

OUTSIDE = ("evidence outside the hypotheses: the theorem needs kappa < 1/(2000 sqrt(2) K) "
           "with K large and T ~ kappa^(-15/2) steps; these runs use the theorem's region "
           "formulas at K = {K} and kappa = {kappas}, so they can neither prove nor refute it")


def _eta_text(k):
    return repr(round(k * k, 12))


def _x_check(model, eta):
    return float(sp.N(eos_minimum(model)[0].subs(eta_sym, sp.Rational(eta)), 20))


def _b_values(lo, hi, u):
    """Map unit samples to b0 in (lo, hi) \\ {0}: exact zero becomes 1e-6 of the range."""
    b = lo + u * (hi - lo)
    return np.where(b == 0, 1e-6 * hi, b)


def scenario_starts(name, model, kappa, K, n, seed=0):
    """Starts (list of (eta text, N x 2 array of (a0, b0))) for claim `name` at `kappa`:
    the claim's region with K = K (see the module docstring)."""
    eta = _eta_text(kappa)
    if name == "C14":
        lo, hi = 12 * kappa ** 2.5, 1 / (4 * K * K * kappa)
        if not lo < hi:
            raise EosError(f"C14: the region a0 in (12 kappa^(5/2), 1/(4 K^2 kappa)) is empty "
                           f"at kappa = {kappa}, K = {K}; use a smaller kappa or K")
        pts = box_samples([(lo, hi), (0, 1)], n, seed)
        pts[:, 1] = _b_values(-1 / K, 1 / K, pts[:, 1])
        return [(eta, pts)]
    if name == "C15":
        pts = box_samples([(13 * kappa ** 2.5, 1 / (5 * K * K * kappa)), (0, 1)], n, seed)
        x0 = _x_check(model, eta) + pts[:, 0]
        b0 = _b_values(-1 / K, 1 / K, pts[:, 1])
        a0, _ = ensembles.xy_to_ab(model, eta, x0, (1 + b0) / x0)
        return [(eta, np.stack([a0, b0], axis=1))]
    if name == "C17":
        # a constant-size box above 1/alpha, for eta = alpha^2 and a range of eta below it
        alpha, out = kappa, []
        for f in (1 - 0.2 * alpha, 1 - 0.1 * alpha, 1.0):
            e = repr(float(alpha * alpha * f))
            pts = box_samples([(0.2, 0.4), (0, 1)], n, seed)
            x0 = 1 / alpha + pts[:, 0]
            b0 = _b_values(-0.1, 0.1, pts[:, 1])
            a0, _ = ensembles.xy_to_ab(model, e, x0, (1 + b0) / x0)
            out.append((e, np.stack([a0, b0], axis=1)))
        return out
    if name == "C16":
        alpha, out = kappa, []
        for f in (1 - 1 / (10 * K * K), 1 - 1 / (20 * K * K), 1.0 - 1e-9):
            e = repr(float(alpha * alpha * f))
            pts = box_samples([(1 / (15 * K * K), 1 / (6 * K * K)), (0, 1)], n, seed)
            x0 = (1 + pts[:, 0]) / alpha
            b0 = _b_values(-1 / K, 1 / K, pts[:, 1])
            a0, _ = ensembles.xy_to_ab(model, e, x0, (1 + b0) / x0)
            out.append((e, np.stack([a0, b0], axis=1)))
        return out
    raise EosError(f"no simulated region for claim {name}")


def _merge(parts):
    first = parts[0]
    if len(parts) == 1:
        return first
    cat = lambda f: np.concatenate([getattr(p, f) for p in parts])  # noqa: E731
    each = [p.eta for p in parts for _ in range(len(p.a))]
    steps = [p.steps for p in parts for _ in range(len(p.a))]
    return ensembles.Ensemble("/".join(p.eta for p in parts), first.kappa, cat("starts"),
                              cat("a"), cat("b"), cat("status"), cat("a_limit"),
                              cat("gap_over_eta"), max(p.steps for p in parts),
                              {"eta_each": each, "steps_each": steps})


def run_claim_region(claim, ctx):
    """Run the scenario of a paper claim over its kappa sequence; returns (rows, ensembles)."""
    model = get_model(claim.model)
    K = float(claim.fields.get("K_sim", 4))
    full = [float(k) for k in claim.fields.get("kappas", [0.12, 0.1, 0.07])]
    kappas = [float(k) for k in claim.fields.get("kappas_quick", full[:1])] if ctx.quick \
        else full
    n = 6 if ctx.quick else int(claim.fields.get("samples", 24))
    ens = []
    for k in kappas:
        groups = scenario_starts(claim.id, model, k, K, n)
        if ctx.quick and len(groups) > 2:
            groups = [groups[0], groups[-1]]  # the ends of the eta range
        parts = [ensembles.run_ensemble(model, e, pts, int(30 / float(e) ** 2))
                 for e, pts in groups]
        ens.append(replace(_merge(parts), kappa=k))
    return K, kappas, ens


def _interval(claim):
    """(quantity, lo, hi): the claimed interval as bounds on a/kappa^3 or on
    (2/eta - S)/eta, SymPy expressions (constants for the paper's claims)."""
    if "claimed_interval" in claim.fields:
        lo, hi = claim.formula("claimed_interval")
        return "a_over_kappa3", sp.simplify(lo / kappa_sym ** 3), sp.simplify(hi / kappa_sym ** 3)
    lo, hi = claim.formula("sharpness_interval")
    # sharpness in (2/eta - g_hi, 2/eta - g_lo)  <=>  gap/eta in (g_lo/eta, g_hi/eta)
    g_hi, g_lo = (sp.simplify((2 / eta_sym - v) / eta_sym) for v in (lo, hi))
    return "gap_over_eta", g_lo, g_hi


def _asymptotic(claim, model, quantity, lo_e, hi_e, ens):
    """`asymptotic.refutation` on the start of the first kappa whose end value is closest to
    the derived limit (the most typical end of the region)."""
    L = asymptotic.derived_limit(model, quantity)
    if L is None:
        return None
    tested = []
    for e in ens[:1]:
        vals = e.a_over_kappa3 if quantity == "a_over_kappa3" else e.gap_over_eta
        ok = np.where((e.status == "settled") & np.isfinite(vals))[0]
        if len(ok):
            i = int(ok[np.argmin(np.abs(vals[ok] - float(L)))])
            steps = e.extra.get("steps_each", [e.steps] * (i + 1))[i]
            tested.append((e.kappa, e.eta_text(i), e.starts[i], steps))
    K = float(claim.fields.get("K_sim", 4))

    def region(k):
        """The middle start of the claim's region at kappa k, run until it settles."""
        e, pts = scenario_starts(claim.id, model, k, K, 0)[-1]
        mid = pts[len(pts) // 2:len(pts) // 2 + 1]
        run = ensembles.run_ensemble(model, e, mid, int(30 / float(e) ** 2))
        return e, mid[0], run.steps
    return asymptotic.refutation(model, quantity, lo_e, hi_e, tested, region)


def check_theorem_region(claim, ctx):
    """C14-C17: end-point distribution over the scaled region for a kappa sequence, worst
    starts certified; verdict `inconclusive` with the evidence (hypotheses not simulable)."""
    quantity, lo_e, hi_e = _interval(claim)
    K, kappas, ens = run_claim_region(claim, ctx)
    model = get_model(claim.model)
    rows = [ensembles.summary(e, asymptotic.at(lo_e, e.kappa), asymptotic.at(hi_e, e.kappa),
                              quantity) for e in ens]
    lo, hi = asymptotic.at(lo_e, kappas[0]), asymptotic.at(hi_e, kappas[0])
    certified = []
    n_cert = int(claim.fields.get("certify_quick", 0)) if ctx.quick else 2
    for e, row in zip(ens[:n_cert], rows):
        w = row["worst_start"]
        i = w["index"]
        c = ensembles.certify_start(model, e.eta_text(i), (w["a0"], w["b0"]),
                                    e.extra.get("steps_each", [e.steps] * (i + 1))[i])
        c["float64_a"] = None if not np.isfinite(e.a[i]) else repr(float(e.a[i]))
        c["agree_digits"] = _agree(c["a"], e.a[i])
        certified.append({"kappa": row["kappa"], **c})
    bad = [r for r in rows if r["fraction_in_interval"] < 1]
    med = [r[quantity]["median"] if r[quantity] else None for r in rows]
    ev = {"claimed_interval": {quantity: [str(lo_e), str(hi_e)]},
          "region": f"{claim.id} region with K = {K:g}; samples: corners, faces, Latin hypercube",
          "per_kappa": rows, "certified_worst_starts": certified,
          "trend": f"median {quantity} by kappa: " + ", ".join(
              f"{r['kappa']}: {m:.6f}" for r, m in zip(rows, med) if m is not None),
          "key": "; ".join(f"kappa {r['kappa']}: {r['fraction_in_interval']:.0%} in interval, "
                           f"a/k^3 med {(r['a_over_kappa3'] or {}).get('median', float('nan')):.5f}, "
                           f"gap/eta med {(r['gap_over_eta'] or {}).get('median', float('nan')):.5f}"
                           for r in rows),
          "reason": OUTSIDE.format(K=f"{K:g}", kappas=", ".join(map(str, kappas))),
          "command": f"eos-symbolic check {claim.id}" + (" --quick" if ctx.quick else "")}
    if bad:
        ev["violations_in_scaled_region"] = (
            "starts inside the scaled region whose end point is outside the claimed interval "
            "(or that diverge / still move): " + "; ".join(
                f"kappa {r['kappa']}: worst start {r['worst_start']}" for r in bad) +
            ". The theorem's hypotheses are not met at these kappa, so this is not a "
            "counterexample to it; it says the stated region is too large at simulable kappa.")
    if ctx.out:
        ev["figure"] = plot_end_points(claim.id, ens, quantity, lo, hi, ctx.out)
    for hook in asymptotic.EVIDENCE_HOOKS:
        hook(claim, ctx, ev)
    method = ("sampled starts of the scaled region, exact map (float64, worst starts certified "
              "at 30/40 digits), kappa sequence")
    refute = _asymptotic(claim, model, quantity, lo_e, hi_e, ens)
    if refute:
        ev["asymptotic"] = refute
        return Verdict("", "refuted", "asymptotic limit as kappa -> 0 against the claimed "
                       "interval, certified run at the tested kappa; " + method, ev,
                       refute["at_tested_kappa"])
    return Verdict("", "inconclusive", method, ev)


def _agree(cert_text, value):
    import math
    if cert_text is None or not np.isfinite(value):
        return None
    c = float(cert_text)
    if c == value:
        return 16
    return max(0, int(-math.log10(abs(c - value) / max(abs(c), 1e-300))))


def plot_end_points(claim_id, ens, quantity, lo, hi, out, title=None):
    """`<claim_id>_endpoints.png`: end-point values per kappa against the claimed interval."""
    from ...dynamics.plots import plt
    Path(out).mkdir(parents=True, exist_ok=True)
    path = Path(out) / f"{claim_id}_endpoints.png"
    fig, ax = plt.subplots(figsize=(5.5, 3.6))
    for i, e in enumerate(ens):
        v = e.a_over_kappa3 if quantity == "a_over_kappa3" else e.gap_over_eta
        ok = e.status == "settled"
        jitter = np.linspace(-0.25, 0.25, max(1, int(ok.sum())))
        ax.scatter(i + jitter, v[ok], s=8, label=None)
        if (~ok).any():
            ax.scatter([i] * int((~ok).sum()), [hi] * int((~ok).sum()), marker="x", color="k",
                       s=20, label="diverged / moving" if i == 0 else None)
    ax.axhspan(lo, hi, color="C2", alpha=0.12, label="claimed interval")
    ax.axhline(-0.125 if quantity == "a_over_kappa3" else 0.5, color="k", lw=0.8, ls="--",
               label="normal-form prediction")
    ax.set_xticks(range(len(ens)), [f"{e.kappa:g}" for e in ens])
    ax.set_xlabel("kappa")
    ax.set_ylabel("a / kappa^3 at the end" if quantity == "a_over_kappa3"
                  else "(2/eta - limit sharpness) / eta")
    ax.set_title(title or f"{claim_id}: end points vs claimed interval", fontsize=9)
    ax.legend(fontsize=7)
    return save_figure(fig, path).name


# ----------------------------------------------------------------- user kind trajectory-limit

def check_trajectory_limit(claim, ctx):
    """User kind `trajectory-limit`: from the `start` box (in a, b or x, y) at step `eta`,
    every trajectory's limit lies in `limit` (intervals for a, a_over_kappa3, gap_over_eta
    or sharpness)."""
    model = get_model(claim.model)
    label = f"claim {claim.id}"
    e_text = str(claim.fields.get("eta", ""))
    e = claim.formula("eta") if e_text else None
    if e is None or e.free_symbols or not e > 0:
        raise EosError(f"{label}: expected eta = 'a positive number', got {e_text!r}")
    e_text = str(sp.Rational(e)) if e.is_Rational else repr(float(e))
    box = claim.fields.get("start", {})
    names = sorted(box)
    if names not in (["a", "b"], ["x", "y"]):
        raise EosError(f"{label}: expected start = {{ a = [lo, hi], b = [lo, hi] }} or x, y "
                       f"ranges, got {', '.join(names) or 'nothing'}")
    bounds = [tuple(float(parse_number(v, f"{label} start.{k}", rational=False))
                    for v in box[k]) for k in names]
    n = int(claim.fields.get("samples", 32))
    pts = box_samples(bounds, max(8, n // 4) if ctx.quick else n)
    if names == ["x", "y"]:
        a0, b0 = ensembles.xy_to_ab(model, e_text, pts[:, 0], pts[:, 1])
        keep = np.isfinite(a0) & (pts[:, 0] > pts[:, 1]) & (pts[:, 1] > 0)
        pts = np.stack([a0[keep], b0[keep]], axis=1)
    steps = int(claim.fields.get("steps", 200000))
    ens = ensembles.run_ensemble(model, e_text, pts, steps)
    ee = float(sp.Rational(e_text))
    limits = claim.fields.get("limit", {})
    if not limits:
        raise EosError(f"{label}: expected limit = {{ a = ['lo', 'hi'] }} (or a_over_kappa3, "
                       "gap_over_eta, sharpness)")
    values = {"a": ens.a_limit, "a_over_kappa3": ens.a_over_kappa3,
              "gap_over_eta": ens.gap_over_eta, "sharpness": 2 / ee - ens.gap_over_eta * ee}
    settled = ens.status == "settled"
    margin = np.full(len(pts), np.inf)
    checks = {}
    for q, rng in limits.items():
        if q not in values:
            raise EosError(f"{label}: limit.{q}: expected one of {', '.join(values)}")
        lo, hi = _bounds(claim, q, e)
        v = values[q]
        m = np.minimum(v - lo, hi - v) / max(abs(hi - lo), 1e-300)
        margin = np.minimum(margin, np.where(settled, m, -np.inf))
        checks[q] = [lo, hi]
    worst = int(np.argmin(margin))
    row = ensembles.summary(ens, *checks.get("a_over_kappa3", [-np.inf, np.inf]))
    ev = {"limit_intervals": checks, "starts": len(pts), "steps": ens.steps,
          "settled": row["settled"], "diverged": row["diverged"],
          "still_moving": row["still_moving"],
          "a_over_kappa3": row["a_over_kappa3"], "gap_over_eta": row["gap_over_eta"],
          "min_relative_margin": float(margin[worst]) if np.isfinite(margin[worst]) else None,
          "key": f"{int((margin > 0).sum())}/{len(pts)} starts end in the stated set",
          "command": f"eos-symbolic check {claim.id} --claims {claim.source}"}
    for q, (lo_q, hi_q) in checks.items():
        L = asymptotic.derived_limit(model, q) if q in ("a_over_kappa3", "gap_over_eta") \
            else None
        if L is not None:  # what the normal form predicts as kappa -> 0
            ev.setdefault("derived_limit", {})[q] = {
                "kappa_to_0": str(L), "inside_claimed_interval": bool(lo_q <= L <= hi_q)}
    for hook in asymptotic.EVIDENCE_HOOKS:
        hook(claim, ctx, ev)
    if ctx.out:
        q0, (lo0, hi0) = next(iter(checks.items()))
        if q0 in ("a_over_kappa3", "gap_over_eta"):
            ev["figure"] = plot_end_points(claim.id, [ens], q0, lo0, hi0, ctx.out)
    method = f"{len(pts)} sampled starts, exact map in float64 for up to {steps} steps"
    w = (float(ens.starts[worst, 0]), float(ens.starts[worst, 1]))
    if margin[worst] < 0 and ens.status[worst] != "moving":
        cert = ensembles.certify_start(model, e_text, w, ens.steps)
        if ens.status[worst] == "diverged" or cert["outcome"] == "diverged":
            detail = {"status": "diverged"}
        else:
            detail = {q: float(values[q][worst]) for q in checks}
        return Verdict("", "refuted", method + "; offending start re-run certified", ev,
                       {"start": {"a0": w[0], "b0": w[1]}, "limit": detail, "certified": cert})
    if (ens.status != "settled").any():
        return Verdict("", "inconclusive", method,
                       {**ev, "reason": f"{row['still_moving']} start(s) still moving after "
                                        f"{ens.steps} steps; raise steps"})
    return Verdict("", "verified-numerically", method, ev)


def _bounds(claim, q, e):
    rng = claim.fields["limit"][q]
    if not isinstance(rng, list) or len(rng) != 2:
        raise EosError(f"claim {claim.id} limit.{q}: expected [lo, hi], got {rng!r}")
    from ..fields import parse_formula
    vals = [parse_formula(str(v), f"claim {claim.id} limit.{q}").subs(
        {kappa_sym: sp.sqrt(e), eta_sym: e}) for v in rng]
    return float(vals[0]), float(vals[1])
