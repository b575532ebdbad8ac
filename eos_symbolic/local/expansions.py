"""Series of the 1- and 2-step maps as SymPy polynomials, for checkers and reports.

A thin facade over the normal-form layer: `map_series` returns the truncated
$(a^{(n)} - a, b^{(n)})$ as polynomials in (a, b, kappa) exact for every term of weight
below `order` under `weights` (a ~ kappa^wa, b ~ kappa^wb); `exact_map_values` iterates the
exact (a, b) map (eq. 6) at high precision as an independent witness.
"""
from functools import lru_cache

import mpmath
import sympy as sp

from ..errors import EosError
from ..symbolic.parser import parse_number, to_sympy
from ..symbolic.reparam import reparameterise
from ..symbolic.symbols import a, b, kappa


def exact_weights(weights):
    """{"a": wa, "b": wb, "kappa": wk} with exact rational values (kappa defaults to 1);
    the values may be ints, floats or strings from a claims file (see `parse_number`)."""
    if not isinstance(weights, dict) or not {"a", "b"} <= set(weights):
        raise EosError(f"weights: expected {{ a = 3, b = 2, kappa = 1 }}, got {weights!r}")
    return {k: v if isinstance(v, sp.Rational) else parse_number(v, f"weights.{k}")
            for k, v in ((k, weights.get(k, 1)) for k in ("a", "b", "kappa"))}


def _term_weight(term, weights):
    powers = term.as_powers_dict()
    weights = exact_weights(weights)
    return sum(to_sympy(powers.get(v, 0)) * weights[v.name] for v in (a, b, kappa))


def weight_of(poly, weights):
    """Largest weight of a term of `poly` (a ~ kappa^wa, b ~ kappa^wb, kappa ~ kappa;
    fractional powers of kappa allowed)."""
    terms = sp.Add.make_args(sp.expand(poly))
    return max((_term_weight(t, weights) for t in terms if t != 0), default=0)


def weighted_part(poly, weights, top):
    """The terms of `poly` of weight <= `top`."""
    return sp.Add(*[t for t in sp.Add.make_args(sp.expand(poly))
                    if _term_weight(t, weights) <= top])


#: Largest weight (in powers of kappa) to which series are computed on demand; beyond it the
#: cost grows quickly (the two-step series to weight 16 of four-scalar takes about 2 s).
LIMIT = 16


def _normal_form(model, weights, branch):
    from .normal_form import normal_forms
    forms = {nf.chart.branch: nf for nf in normal_forms(model)}
    if branch not in forms:
        raise EosError(f"{model.name}: no EoS branch {branch} (branches: {sorted(forms)})")
    nf = forms[branch]
    w = exact_weights(weights)
    want = (w["a"], w["b"])
    if tuple(nf.kappa_weights) != want or w["kappa"] != 1:
        raise EosError(f"{model.name}: series are derived with weights a ~ kappa^"
                       f"{nf.kappa_weights[0]}, b ~ kappa^{nf.kappa_weights[1]} (kappa ~ kappa);"
                       f" the claim asks for a ~ kappa^{want[0]}, b ~ kappa^{want[1]}")
    return nf


@lru_cache(maxsize=64)
def _series(model, branch, steps, cap):
    """(a^(n) - a, b^(n)) as `Series` in (a, b, s), exact below s-weight `cap` (cached)."""
    from .charts import one_step_series
    from .normal_form import normal_forms, two_step_series
    nf = {nf.chart.branch: nf for nf in normal_forms(model)}[branch]
    one = one_step_series(nf.chart, nf.weights, cap)
    return one if steps == 1 else two_step_series(*one)


def _s_weight(nf, top):
    """A weight in powers of kappa as a weight in the internal scale s (rounded down)."""
    return int(sp.floor(to_sympy(top) * nf.weights[2] * nf.chart.m))


def series_through(model, steps, weights, top, branch=1):
    """$(a^{(n)} - a, b^{(n)})$ with every term of weight <= `top` (powers of kappa) exact,
    computed on demand up to `LIMIT` (cached)."""
    from .normal_form import series_expression
    nf = _normal_form(model, weights, branch)
    if top > LIMIT:
        raise EosError(f"{model.name}: series are computed on demand up to weight {LIMIT} "
                       f"(in powers of kappa); the claim needs weight {top}")
    ts = _s_weight(nf, top)
    da, db = _series(model, branch, steps, max(ts, *nf.orders) + 1)
    return (nf.to_kappa(series_expression(da, upper=ts)),
            nf.to_kappa(series_expression(db, upper=ts)))


def series_step(model, steps, weights, top, branch=1):
    """The `series` proof step (see `claims.policy`) stating that `series_through` is exact
    through weight `top`; `rigorous.recheck_series.check_series` re-checks it."""
    from .normal_form import s, series_expression
    nf = _normal_form(model, weights, branch)
    ts = _s_weight(nf, top)
    da, db = _series(model, branch, steps, max(ts, *nf.orders) + 1)
    return {"kind": "series", "model": model.name, "branch": branch, "steps": steps,
            "weights": [int(w) for w in nf.weights], "through": ts,
            "series": {"a": str(series_expression(da, upper=ts)),
                       "b": str(series_expression(db, upper=ts))},
            "kappa_series": {"a": str(nf.to_kappa(series_expression(da, upper=ts))),
                             "b": str(nf.to_kappa(series_expression(db, upper=ts)))},
            "scale": {"s": str(s), "kappa": str(nf.chart.rho * s ** nf.chart.m)},
            "assumptions": [f"terms of weight <= {top} with a ~ kappa^{nf.kappa_weights[0]}, "
                            f"b ~ kappa^{nf.kappa_weights[1]} (exact series of the "
                            f"{steps}-step map at EoS branch {branch} of {model.name})"]}


def map_series(model, steps, weights, order, branch=1):
    """$(a^{(n)} - a, b^{(n)})$ for n = `steps` at EoS branch `branch`, with every term of
    weight < `order` exact.

    Served by the normal form of that branch (`normal_form.normal_forms`), whose series are
    exact up to its `kappa_orders` under its natural weights, and beyond that computed on
    demand (`series_through`, up to `LIMIT`); other weightings are refused with the weights
    that are available.
    """
    nf = _normal_form(model, weights, branch)
    if order - 1 > min(nf.kappa_orders):
        return series_through(model, steps, weights, order - 1, branch)
    return nf.expansion(steps)


def available_order(model, branch=1):
    """One more than the largest weight up to which the branch's series are exact."""
    from .normal_form import normal_forms
    nf = {nf.chart.branch: nf for nf in normal_forms(model)}[branch]
    return min(nf.kappa_orders) + 1


def leading_part(model, steps, coord, weights, branch=1):
    """Lowest-weight part of $a^{(n)} - a$ (`coord` = "a") or $b^{(n)} - b$ (`coord` = "b")."""
    da, db = map_series(model, steps, weights, 1, branch)
    inc = da if coord == "a" else sp.expand(db - b)
    low = min(_term_weight(t, weights) for t in sp.Add.make_args(inc) if t != 0)
    return weighted_part(inc, weights, low)


def exact_map_values(model, steps, a0, b0, k, dps=60):
    """$(a^{(n)} - a_0, b^{(n)})$ of the exact map (eq. 6) at a point, or None if the model
    has no closed (a, b) map."""
    try:
        rp = reparameterise(model)
    except EosError:
        return None
    f = sp.lambdify((a, b, kappa), list(rp.ab_map), "mpmath")
    with mpmath.workdps(dps):
        av, bv, kv = (mpmath.mpf(sp.Rational(v).p) / sp.Rational(v).q for v in (a0, b0, k))
        a_start = av
        for _ in range(steps):
            av, bv = f(av, bv, kv)
        return av - a_start, bv
