"""Where an optimizer's map flips along the minima: its stability threshold and EoS minimum.

On the minima $p(u)$ the state $(p(u), p(u))$ (momentum: no velocity) is fixed by every
smooth rule; the Jacobian $J(u)$ of the rule's reduced map there has the characteristic
polynomial $\\chi(\\mu)$, and the map flips (a multiplier crosses $-1$) where
$\\chi(-1) = 0$. Eliminating $u$ between a factor $f(u, \\eta)$ of $\\chi(-1)$ and
$S(u) = \\lambda$ (resultant in u; S the sharpness on the minima) gives the relation between
$\\eta$ and the sharpness at which the flip happens; its positive root $\\lambda^*(\\eta)$ is
the *stability threshold* (GD: $2/\\eta$; heavy-ball: $2(1 + \\beta)/\\eta$; Nesterov:
$(2 + 2\\beta)/((1 + 2\\beta)\\eta)$; USAM: $\\eta\\lambda(1 + \\rho\\lambda) = 2$). None of
these is typed in: `quadratic_threshold` re-derives it on the 1-D quadratic
$L = \\lambda\\theta^2/2$ as an independent check. The rule's EoS minimum is the point of the
minima with $S = \\lambda^*(\\eta)$.
"""
from dataclasses import dataclass
from functools import lru_cache

import sympy as sp

from ..errors import EosError
from .minima import _param_of_minima, sharpness_on_minima
from .optimizers import ReducedAlgebra
from .symbols import eta, lam, symbol, u

_MU = symbol("mu")


@dataclass(frozen=True)
class Threshold:
    """The flip of a rule along the minima.

    `general` is $\\lambda^*$ with the rule's parameters as symbols, `value` with their
    values; `relation` the polynomial $R(\\lambda, \\eta) = 0$ it solves (`relation_general`
    with symbols); `flip_factor` the factor $f(u, \\eta)$ of $\\chi(-1)$ on the minima;
    `charpoly` $\\chi(\\mu)$ there (the last three at the parameters' values);
    `checked` whether the 1-D quadratic route gives the same threshold; `measure` names the
    curvature it bounds (the sharpness, or for a preconditioner P the top eigenvalue of
    $P \\nabla^2 L$, whose nonzero one on the minima is `curvature`)."""

    general: sp.Expr
    value: sp.Expr
    relation: sp.Expr
    flip_factor: sp.Expr
    charpoly: sp.Expr
    checked: bool
    relation_general: sp.Expr = None
    measure: str = "sharpness"
    curvature: sp.Expr = None


def curvature_on_minima(model, rule):
    """The curvature the rule's step sees on the minima: the sharpness $S(u)$, or for a
    preconditioner the nonzero eigenvalue of $P\\,Dg$ there (Dg the reduced gradient's
    Jacobian, whose nonzero eigenvalue on the minima is S)."""
    if rule.kind != "preconditioned":
        return sharpness_on_minima(model), "sharpness"
    param = _param_of_minima(model)
    P = sp.diag(*[rule.value(str(c), 1) for c in model.coords])
    M = (P * model.gradient_jacobian).subs(param).applyfunc(sp.cancel)
    roots = [r for r in sp.roots(sp.Poly(sp.factor((lam * sp.eye(M.shape[0]) - M).det()), lam),
                                 multiple=True) if sp.simplify(r) != 0]
    if len(roots) != 1:
        raise EosError(f"{model.name} with {rule.spec}: expected one nonzero eigenvalue of "
                       f"P Dg on the minima, got {roots}")
    return sp.factor(roots[0]), "preconditioned sharpness (top eigenvalue of P times the Hessian)"


def _require_smooth(rule):
    if not rule.smooth:
        raise EosError(f"{rule.spec}: the map is not differentiable at critical points (g/|g| "
                       "has no limit where grad L = 0, i.e. at every minimum), so there is no "
                       "linearisation along the minima and no stability threshold; the map is "
                       "exact away from critical points only")


def jacobian_on_minima(model, rule):
    """$J(u)$: the Jacobian of the reduced rule map at the fixed state over $p(u)$."""
    _require_smooth(rule)
    param = _param_of_minima(model)
    syms = rule.state_symbols(model)
    position = [param[c] for c in model.coords]
    fixed = dict(zip(syms, rule.start_state(position)))
    F = sp.Matrix(rule.reduced_map(model))
    return F.jacobian(syms).subs(fixed).applyfunc(sp.cancel)


@lru_cache(maxsize=None)
def stability_threshold(model, rule):
    """The `Threshold` of `rule` along the minima of `model` (module docstring)."""
    _require_smooth(rule)
    general = rule.general()
    J = jacobian_on_minima(model, general)
    n = J.shape[0]
    chi = sp.factor((_MU * sp.eye(n) - J).det(method="berkowitz"))
    at = sp.factor(chi.subs(_MU, -1))
    flips = [f for f, _ in sp.factor_list(sp.numer(sp.together(at)))[1] if f.has(u)]
    S, measure = curvature_on_minima(model, rule)
    level = sp.numer(sp.together(S - lam))
    found = []
    for f in flips:
        res = sp.resultant(sp.expand(f), sp.expand(level), u)
        found += [g for g, _ in sp.factor_list(res)[1] if g.has(lam) and g.has(eta)]
    found = list(dict.fromkeys(sp.expand(g) for g in found))
    if len(found) != 1:
        raise EosError(f"{model.name} with {rule.spec}: expected one flip relation between eta "
                       f"and the sharpness along the minima, got {found or 'none'}")
    relation = found[0]
    roots = [r for r in sp.solve(relation, lam) if _positive(r, general)]
    if len(roots) != 1:
        raise EosError(f"{model.name} with {rule.spec}: the flip relation {relation} = 0 has "
                       f"{len(roots)} positive roots for the sharpness, expected one")
    gen = sp.simplify(roots[0])
    at_values = _substitution(general, rule)
    value = sp.simplify(gen.subs(at_values))
    checked = sp.simplify(quadratic_threshold(rule) - value) == 0
    return Threshold(gen, value, sp.expand(relation.subs(at_values)),
                     sp.expand(flips[0].subs(at_values)), sp.factor(chi.subs(at_values)),
                     checked, relation, measure, S)


def _substitution(general, rule):
    return {sym: val for (_, sym), (_, val) in zip(general.params, rule.params)
            if isinstance(sym, sp.Symbol)}


def _positive(root, general):
    """Is `root` positive at a sample of positive eta and parameter values (exact numbers)?"""
    sample = {eta: sp.Rational(1, 7)}
    sample.update({sym: sp.Rational(1, 3) for _, sym in general.params
                   if isinstance(sym, sp.Symbol)})
    v = root.subs(sample)
    return bool(v.is_real and v > 0)


class _Quadratic:
    """The 1-D model $L = \\lambda\\theta^2/2$ (duck-typed `Model` for `ReducedAlgebra`)."""

    theta = sp.Symbol("theta", real=True)
    coords = (theta,)
    ties = ()
    reduced_gradient = (lam * theta,)
    name = "quadratic"


def quadratic_threshold(rule):
    """$\\lambda^*(\\eta)$ from the rule on $L = \\lambda\\theta^2/2$: the multiplier of the
    linear map at $\\theta = 0$ is $-1$ (an independent route to `stability_threshold`)."""
    _require_smooth(rule)
    q = _Quadratic()
    th = q.theta
    syms = rule.state_symbols(q)
    state = tuple(syms[i:i + 1] for i in range(rule.state_size))
    out = [e for vec in rule.update(state, ReducedAlgebra(q)) for e in vec]
    J = sp.Matrix(out).jacobian(syms).subs({s: 0 for s in syms})
    n = J.shape[0]
    at = sp.factor((-sp.eye(n) - J).det())
    roots = [r for r in sp.solve(at, lam) if _positive(r, rule)]
    if len(roots) != 1:
        raise EosError(f"{rule.spec}: the 1-D quadratic flips at {len(roots)} positive "
                       "sharpness values, expected one")
    del th
    return sp.simplify(roots[0])


def rule_eos_minima(model, rule):
    """Points of the minima (positive branch) with $S(u) = \\lambda^*(\\eta)$, largest first
    coordinate first: closed forms when $S(u) = \\Lambda$ is biquadratic in u (as for the
    paper's models), else ``None``. Returns ``(points, threshold)``."""
    th = stability_threshold(model, rule)
    param, S = _param_of_minima(model), th.curvature
    Lam = sp.Symbol("Lambda", positive=True)
    poly = sp.Poly(sp.numer(sp.together(S - Lam)), u)
    even = all(k % 2 == 0 for (k,) in poly.monoms())
    if poly.degree() > 2 and not (even and poly.degree() <= 4):
        return None, th
    pos_u = sp.Symbol("u", positive=True)
    sols = sp.solve(poly.as_expr().subs(u, pos_u), pos_u)
    points = [tuple(sp.simplify(param[c].subs(u, s).subs(Lam, th.value)) for c in model.coords)
              for s in sols]
    probe = {eta: sp.Rational(1, 100)}
    points = [p for p in points if all(sp.N(v.subs(probe)).is_real for v in p)]
    points.sort(key=lambda pt: -float(pt[0].subs(probe)))
    return points, th
