"""Minima of analytic (non-polynomial) losses through their composite structure $L = F(r)$.

A loss such as $\\log(1 + e^{-xyzw})$, $\\log\\cosh(1 - xy)$ or $(1 - \\tanh(x) y)^2/2$ is an
analytic function $F$ of one *residual* $r(\\theta)$ (the innermost subexpression carrying all
the parameters). Then $\\nabla L = F'(r) \\nabla r$: the critical set is $\\{F'(r) = 0\\} \\cup
\\{\\nabla r = 0\\}$, the global minima are $\\{r = t^*\\}$ for the real zeros $t^*$ of $F'$ with
$F(t^*) = 0$, and there the Hessian is $F''(t^*) \\nabla r \\nabla r^T$, so the sharpness is
$S = F''(t^*) |\\nabla r|^2$ (the analogue of C3; the gradient norm is over all parameters at the
tied point). When $F'$ has no real zero the loss has no minimum at a finite point: it is
positive and tends to $\\inf F$ only as $r \\to \\pm\\infty$ (logistic loss). Everything here is
exact; where an equation (e.g. $S(u) = 2/\\eta$) has no closed form the caller certifies its
root numerically (`rigorous.roots`).
"""
from dataclasses import dataclass
from functools import lru_cache

import sympy as sp

from ..errors import EosError
from .symbols import t, u


@dataclass(frozen=True)
class Composite:
    """$L = F(r)$: `residual` r over all parameters, `outer` F(t), `levels` the real zeros of
    F' with F = 0 there (their level sets are the minima), `infimum` of F and where it is
    approached when there is no such zero."""

    residual: sp.Expr
    outer: sp.Expr
    levels: tuple
    infimum: sp.Expr
    approached: str


@lru_cache(maxsize=None)
def composite(model):
    """The decomposition $L = F(r)$ of the module docstring, innermost residual first."""
    loss, params = model.loss, set(model.params)
    found = None
    for node in sp.postorder_traversal(loss):
        if node.is_Atom or not node.free_symbols & params or node == loss:
            continue
        outer = loss.subs(node, t)
        if not outer.free_symbols & params:
            found = (node, outer)
            break
    if found is None:
        found = (loss, t)
    r, F = found
    dF = sp.diff(F, t)
    zeros = [z for z in _real_zeros(dF) if sp.simplify(F.subs(t, z)) == 0]
    if zeros:
        return Composite(r, F, tuple(zeros), sp.Integer(0), "")
    ends = [(sp.limit(F, t, -sp.oo), "-oo"), (sp.limit(F, t, sp.oo), "+oo")]
    inf, where = min(ends, key=lambda e: (e[0] != -sp.oo, e[0] if e[0].is_finite else sp.oo))
    return Composite(r, F, (), inf, f"r -> {where}")


def _real_zeros(expr):
    try:
        sols = sp.solve(expr, t)
    except NotImplementedError:
        return []
    return [s for s in sols if s.is_real]


def no_minimum_reason(model):
    """One sentence on why an analytic loss has no minimum at a finite point."""
    cm = composite(model)
    tail = ("it is unbounded below" if cm.infimum == -sp.oo else
            f"the loss never reaches its infimum {cm.infimum}")
    return (f"the loss is F(r) with F(t) = {cm.outer} and r = {cm.residual}; F'(t) = "
            f"{sp.simplify(sp.diff(cm.outer, t))} has no real zero with F = 0, so grad L = 0 "
            f"only where grad r = 0; {tail}, which it approaches as {cm.approached} (orbits "
            "that decrease the loss escape to infinity)")


def reduced_residual(model):
    return sp.expand(composite(model).residual.subs(model.tie_map))


@lru_cache(maxsize=None)
def analytic_minima(model):
    """``(equation, param)``: the minima $r - t^* = 0$ in reduced coordinates and a
    parametrisation {coordinate: expression in u} (solving for one coordinate)."""
    cm = composite(model)
    if not cm.levels:
        raise EosError(f"{model.name}: no global minimum at a finite point: "
                       + no_minimum_reason(model))
    equation = sp.expand(reduced_residual(model) - cm.levels[0])
    coords = model.coords
    for keep, solve_for in ((coords[0], coords[-1]), (coords[-1], coords[0])):
        if len(coords) != 2:
            break
        try:
            sols = sp.solve(equation, solve_for)
        except NotImplementedError:
            continue
        if len(sols) == 1:
            return equation, {keep: u, solve_for: sp.simplify(sols[0].subs(keep, u))}
    raise EosError(f"{model.name}: the minima {equation} = 0 have no explicit parametrisation "
                   "here (expected a 2-D reduced model solvable for one coordinate)")


@lru_cache(maxsize=None)
def analytic_sharpness(model):
    """$S(u) = F''(t^*)\\,|\\nabla r|^2$ along the minima (module docstring)."""
    cm = composite(model)
    _, param = analytic_minima(model)
    second = sp.diff(cm.outer, t, 2).subs(t, cm.levels[0])
    grad = [sp.diff(cm.residual, p).subs(model.tie_map) for p in model.params]
    S = second * sum(g ** 2 for g in grad)
    S = sp.simplify(S.subs(param))
    return sp.factor(S) if S.is_rational_function(u) else S


def analytic_critical_points(model):
    """Points of $\\nabla r = 0$ in reduced coordinates with the loss there (finite list;
    empty when sympy finds none)."""
    r = reduced_residual(model)
    try:
        sols = sp.solve([sp.diff(r, c) for c in model.coords], model.coords, dict=True)
    except NotImplementedError:
        return []
    loss = model.loss.subs(model.tie_map)
    out = []
    for sol in sols:
        point = tuple(sol.get(c, c) for c in model.coords)
        if any(e.free_symbols & set(model.coords) for e in point):
            continue
        out.append((point, sp.simplify(loss.subs(dict(zip(model.coords, point))))))
    return out
