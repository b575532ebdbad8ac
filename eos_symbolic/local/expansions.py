"""Series of the 1- and 2-step maps as SymPy polynomials, for checkers and reports.

A thin facade over the normal-form layer: `map_series` returns the truncated
$(a^{(n)} - a, b^{(n)})$ as polynomials in (a, b, kappa) exact for every term of weight
below `order` under `weights` (a ~ kappa^wa, b ~ kappa^wb); `exact_map_values` iterates the
exact (a, b) map (eq. 6) at high precision as an independent witness.
"""
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


def map_series(model, steps, weights, order, branch=1):
    """$(a^{(n)} - a, b^{(n)})$ for n = `steps` at EoS branch `branch`, with every term of
    weight < `order` exact.

    Served by the normal form of that branch (`normal_form.normal_forms`), whose series are
    exact up to its `kappa_orders` under its natural weights; other weightings are refused
    with the weights that are available.
    """
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
    if order - 1 > min(nf.kappa_orders):
        raise EosError(f"{model.name}: series known up to weight {min(nf.kappa_orders)}, the "
                       f"claim needs weight {order - 1}")
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
