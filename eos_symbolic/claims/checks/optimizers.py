"""Checkers for claims that name an optimizer: its stability threshold and its predicted
limit sharpness.

- ``stability-threshold``: the claimed sharpness at which the rule flips along the minima
  against the derived one (`symbolic.stability`: linearised map along the minima, resultant
  elimination), an exact identity in eta; `verified` carries the proof, re-checked by the
  independent 1-D quadratic route. A wrong claim is refuted at a step size with both values
  and the derived threshold as the correction.
- ``limit-sharpness``: the claimed $S_\\infty(\\eta)$ against the normal-form prediction up to
  its stated error order, and certified exact-map runs under the rule at several kappa
  (`dynamics.rule_experiments.limit_runs`) whose errors against the claim must shrink at that
  order.
"""
import mpmath
import sympy as sp

from ...dynamics.rule_experiments import agreement, default_kappas, limit_runs, prediction
from ...errors import EosError
from ...rigorous.domain import POSITIVE
from ...symbolic.models import get_model
from ...symbolic.optimizers import parse_optimizer
from ...symbolic.stability import stability_threshold
from ...symbolic.symbols import eta
from ..compare import compare
from ..policy import proof, verified
from ..verdict import Verdict

_PROBES = ("1/10", "1/7", "1/23")


def _rule(claim):
    return parse_optimizer(claim.fields.get("optimizer"))


def check_stability_threshold(claim, ctx):
    """``stability-threshold`` (module docstring)."""
    model, rule = get_model(claim.model), _rule(claim)
    claimed = claim.formula("claimed")
    th = stability_threshold(model, rule)
    method = ("flip of the rule's linearised map along the minima (det(-I - J) = 0, resultant "
              "with S(u) = lamda), compared exactly with the claim")
    ev = {"optimizer": rule.spec, "derived": str(th.value), "relation": str(th.relation),
          "measure": th.measure, "quadratic_route_agrees": th.checked}
    values = []
    with mpmath.workdps(40):
        for e in _PROBES:
            at = {eta: sp.Rational(e)}
            values.append((e, sp.N(claimed.subs(at), 40), sp.N(th.value.subs(at), 40)))
    same_numbers = all(abs(c - d) <= 10 ** -30 * (1 + abs(d)) for _, c, d in values)
    same = compare(claimed, th.value, {eta: POSITIVE}, n=2) if same_numbers else None
    if same and same["status"] == "exact" and th.checked:
        step = same["step"]
        step["assumptions"] += [f"{n} = {v}" for n, v in rule.params] + [
            "the derived threshold agrees with the rule applied to the 1-D quadratic "
            "lamda theta^2/2 (its multiplier at 0 is -1 at the same lamda)"]
        ev["key"] = f"threshold {th.value} (derived)"
        ev["screening"] = {"points": len(_PROBES), "dps": 40}
        return verified(method, ev, proof([step]))
    if not same_numbers:
        e, c, d = next((e, c, d) for e, c, d in values if abs(c - d) > 10 ** -30 * (1 + abs(d)))
        ev["key"] = f"derived threshold {th.value}, not {claimed}"
        return Verdict("", "refuted", method, ev, {"eta": e, "claimed": str(c),
                                                   "derived": str(d)}, str(th.value))
    return Verdict("", "inconclusive", method, {**ev, "reason": "equal at the probes but not "
                                                "proved equal (or the two routes disagree)"})


def check_limit_sharpness(claim, ctx):
    """``limit-sharpness`` (module docstring)."""
    model, rule = get_model(claim.model), _rule(claim)
    claimed = claim.formula("claimed")
    pred = prediction(model, rule)
    if pred["gap"] is None:
        return Verdict("", "inconclusive", "normal form of the rule's map at its EoS minimum",
                       {"optimizer": rule.spec, "curve_type": pred["curve_type"],
                        "reason": "no attracting curve: the limit sharpness depends on the start"})
    S, err = pred["limit_sharpness"], pred["error"]
    lowest = _lowest_power(sp.expand(claimed - S))
    consistent = lowest is None or lowest >= sp.degree(err, eta)
    _, runs = limit_runs(model, rule, default_kappas(pred, ctx.quick))
    errors, rates = agreement(pred, runs)
    f = sp.lambdify(eta, claimed, "mpmath")
    off = []
    for r in runs:
        if r["gap"] is None:
            continue
        e = mpmath.mpf(r["eta"])
        top = sp.N(2 * pred["chart"].threshold / e)
        measured = mpmath.mpf(str(top)) - r["gap"]
        off.append({"kappa": r["kappa"], "eta": r["eta"], "measured": mpmath.nstr(measured, 12),
                    "claimed": mpmath.nstr(f(e), 12), "difference_over_eta":
                    float((f(e) - measured) / e)})
    ray = pred["ray"]
    ev = {"optimizer": rule.spec, "expanded_along": ray.spec, "predicted": f"{S} + O({err})",
          "curve_type": pred["curve_type"], "runs": runs, "errors": errors, "rates": rates,
          "claim_against_runs": off}
    method = ("normal form of the rule's map at its EoS minimum (centre manifold for momentum) "
              "and certified exact-map runs at several kappa")
    runs_ok = bool(rates) and all(r["ok"] for r in rates)
    if not consistent:
        ev["key"] = f"predicted S = {S} + O({err}), not {claimed}"
        return Verdict("", "refuted" if runs_ok else "inconclusive", method, ev,
                       off[-1] if off and runs_ok else None, f"{S}")
    if runs_ok:
        ev["key"] = f"S = {S} + O({err}); runs agree at the stated order"
        return Verdict("", "verified-numerically", method, ev)
    return Verdict("", "inconclusive", method, {**ev, "reason": "the runs' errors do not "
                                                "shrink at the stated order"})


def _lowest_power(expr):
    """Least power of eta in a Laurent polynomial in eta (None for 0)."""
    if expr == 0:
        return None
    terms = sp.Add.make_args(sp.expand(expr))
    powers = []
    for t in terms:
        coeff, power = t.as_coeff_exponent(eta)
        if coeff.has(eta):
            raise EosError(f"limit-sharpness: {expr} is not a Laurent polynomial in eta")
        powers.append(power)
    return min(powers)


CHECKERS = {"stability-threshold": check_stability_threshold,
            "limit-sharpness": check_limit_sharpness}
