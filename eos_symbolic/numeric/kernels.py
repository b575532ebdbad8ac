"""A model's exact maps and observables in one coordinate system, compiled (see `compile`).

Coordinate systems:

- ``xy``: the reduced coordinates $u$ (`Model.coords`), map $u' = u - \\eta\\, G(u)\\, h(u)$ with
  $G = \\eta$-free $\\gcd_u g_u$ over QQ and $h_u = g_u / G$ (paper eq. 2 for `four-scalar`:
  $G = xy(xy-1)(xy+1)$, $h = (y, x)$); the common factor is evaluated once per step.
- ``full``: all parameters $\\theta$, $\\theta' = \\theta - \\eta \\nabla L$ (eq. 1), same gcd form.
- ``xy`` under an optimizer other than GD (`symbolic.optimizers`): the rule's reduced map
  on its state (the coordinates, then for momentum the previous iterate), compiled as is;
  observables are those of the position.
- ``ab``: offsets from the EoS minimum (C6), the exact map of C7 in the cancellation-free
  increment form of `reparameterise` ($\\sqrt{1-T^2} - 1 = -T^2/(1+\\sqrt{1-T^2})$), with
  $\\kappa = \\sqrt\\eta$ substituted so every kernel takes the one parameter $\\eta$.

Observables (loss, $|\\nabla L|$, Hessian eigenvalues and, where they exist, the other
coordinates) are compiled too. In ``ab`` they are taken at $x = X$, $y = d/X$ with
$X^2 = (s + c^2)/2$, $s = \\sqrt{c^4 + 4d^2}$, $c = a + \\check c$, $d = 1 + b$ and then factored
in $b$, so that $xy - 1$ becomes exactly $b$ (no cancellation as $b \\to 0$).
"""
from dataclasses import dataclass
from functools import lru_cache

import sympy as sp

from ..errors import EosError
from ..symbolic.reparam import reparameterise
from ..symbolic.spectrum import hessian_eigenvalues
from ..symbolic.symbols import a, b, eta, kappa
from .compile import compile_expressions

COORDS = ("xy", "ab", "full")


@dataclass(frozen=True)
class Kernels:
    """Compiled numerics of `model` in `coords`.

    `variables`: state symbols; `step`: the map (increments when ``step.increments``);
    `jacobian`: its Jacobian, row-major; `observables` with `observable_names` (``loss``,
    ``grad_norm_sq``, ``eig0``..., then other coordinates such as ``a, b`` or ``x, y``);
    `hessian`: entries of the Hessian for a numeric eigen-solve when some eigenvalue has no
    closed form (else None); `threshold`: the rule's stability threshold as a function of
    $\\eta$ alone (None for GD, whose threshold is $2/\\eta$, and for rules without one).
    Every compiled function takes the single parameter $\\eta$.
    """

    model: object
    coords: str
    variables: tuple
    step: object
    jacobian: object
    observables: object
    observable_names: tuple
    hessian: object
    closed_form_eigenvalues: bool
    rule: object = None
    threshold: object = None


def _gcd_form(variables, components):
    """$v - \\eta G h$ with $G = \\gcd$ of the gradient components; returns (exprs, shared)."""
    common = components[0]
    for g in components[1:]:
        common = sp.gcd(common, g)
    common = sp.factor(common) if common != 0 else sp.Integer(1)
    g_sym = sp.Symbol("_g")
    exprs = [v - g_sym * sp.factor(sp.cancel(g / common)) for v, g in zip(variables, components)]
    return exprs, [(g_sym, eta * common)]


def _jacobian(exprs, shared, variables):
    """Row-major Jacobian of exprs that use shared symbols, by the chain rule:
    $\\partial_j e = \\partial_j e|_{g} + \\partial_g e \\, \\partial_j g$, each
    $\\partial_j g$ factored and shared (for eq. 2: $J = I - (\\nabla g) h^T - g\\, Dh$ with
    $g = \\eta G$). Returns ``(entries, shared definitions including the derivatives)``."""
    out, more = [], list(shared)
    dg = {}
    for s, e in shared:
        for j, v in enumerate(variables):
            d = sp.factor(sp.diff(e, v))
            dg[s, v] = sp.Symbol(f"{s.name}_d{j}")
            more.append((dg[s, v], d))
    for e in exprs:
        for v in variables:
            out.append(sp.diff(e, v) + sum(sp.diff(e, s) * dg[s, v] for s, _ in shared))
    return out, more


def _eigen_parts(model):
    values = hessian_eigenvalues(model)
    closed = all(not isinstance(v, sp.Equality) for v in values)
    return (values if closed else []), closed


@lru_cache(maxsize=None)
def kernels_for(model, coords="xy", rule=None):
    """Build (and cache) the compiled `Kernels` of `model` in `coords` ('xy', 'ab', 'full'),
    under the update `rule` (an `Optimizer`; None or GD for gradient descent)."""
    if coords not in COORDS:
        raise EosError(f"coords: expected one of {', '.join(COORDS)}, got {coords!r}")
    if rule is not None and not rule.is_gd:
        if coords != "xy":
            raise EosError(f"coords: {rule.spec} runs in the reduced coordinates (coords xy) "
                           f"only, got {coords!r}")
        return _rule_xy(model, rule)
    if coords == "full":
        return _full(model)
    if coords == "ab":
        return _ab(model)
    return _xy(model)


def _xy(model):
    v = model.coords
    exprs, shared = _gcd_form(v, model.reduced_gradient)
    obs, names, closed = _xy_observables(model)
    jac, jac_shared = _jacobian(exprs, shared, v)
    return Kernels(model, "xy", v, compile_expressions(exprs, v, (eta,), shared=shared),
                   compile_expressions(jac, v, (eta,), shared=jac_shared),
                   compile_expressions(obs, v, (eta,)), tuple(names),
                   None if closed else _hessian(model.tied_hessian, v), closed)


def _xy_observables(model, chart=True):
    """Loss, |grad L|^2, closed-form eigenvalues and (where the chart exists and `chart`)
    the offsets a, b from GD's EoS minimum."""
    v = model.coords
    loss = sp.factor(sp.expand(model.loss.subs(model.tie_map)))
    grads = [sp.factor(g.subs(model.tie_map)) for g in model.gradient]
    eigs, closed = _eigen_parts(model)
    names = ["loss", "grad_norm_sq"] + [f"eig{i}" for i in range(len(eigs))]
    obs = [loss, sum(g ** 2 for g in grads)] + list(eigs)
    try:
        rp = reparameterise(model) if chart else None
    except EosError:
        rp = None
    if rp is not None:
        xx, yy = v
        cc = rp.c_check.subs(kappa, sp.sqrt(eta))
        obs += [sp.sqrt(xx ** 2 - yy ** 2) - cc, xx * yy - 1]
        names += ["a", "b"]
    return obs, names, closed


def _rule_xy(model, rule):
    """The rule's reduced map on its state; observables of the position (see `_xy`)."""
    from ..symbolic.stability import stability_threshold
    state = rule.state_symbols(model)
    exprs = list(rule.reduced_map(model))
    jac = sp.Matrix(exprs).jacobian(state)
    obs, names, closed = _xy_observables(model, chart=False)
    threshold = None
    if rule.smooth:
        value = stability_threshold(model, rule).value
        threshold = compile_expressions([value], (), (eta,))
    return Kernels(model, "xy", state, compile_expressions(exprs, state, (eta,)),
                   compile_expressions(list(jac), state, (eta,)),
                   compile_expressions(obs, state, (eta,)), tuple(names),
                   None if closed else _hessian(model.tied_hessian, state), closed, rule,
                   threshold)


def _full(model):
    """All parameters; the sharpness comes from a numeric eigen-solve of the full Hessian."""
    v = model.params
    exprs, shared = _gcd_form(v, model.gradient)
    obs = [sp.factor(model.loss), sum(sp.factor(g) ** 2 for g in model.gradient)]
    jac, jac_shared = _jacobian(exprs, shared, v)
    return Kernels(model, "full", v, compile_expressions(exprs, v, (eta,), shared=shared),
                   compile_expressions(jac, v, (eta,), shared=jac_shared),
                   compile_expressions(obs, v, (eta,)), ("loss", "grad_norm_sq"),
                   _hessian(model.hessian, v), False)


def _hessian(matrix, variables):
    return compile_expressions([sp.factor(e) for e in matrix], variables, (eta,))


def _ab(model):
    rp = reparameterise(model)
    xx, yy = model.coords
    half_eta = {kappa: sp.sqrt(eta)}
    # audited: sympify of the symbolic layer's own expressions, no text
    inc = [sp.sympify(e).subs(half_eta) for e in rp.ab_increment]
    v = (a, b)
    step = compile_expressions(inc, v, (eta,), increments=True)
    jac = sp.Matrix([v[i] + inc[i] for i in range(2)]).jacobian(v)
    # observables at x = X, y = d / X (so x y = d exactly), factored in b
    X = sp.Symbol("_X", positive=True)
    cc = rp.c_check.subs(half_eta)
    c_, d_ = a + cc, 1 + b
    X_def = sp.sqrt((sp.sqrt(c_ ** 4 + 4 * d_ ** 2) + c_ ** 2) / 2)
    on = {xx: X, yy: d_ / X}
    loss = sp.factor(sp.expand(model.loss.subs(model.tie_map).subs(on)))
    grads = [sp.factor(g.subs(model.tie_map).subs(on)) for g in model.gradient]
    eigs, closed = _eigen_parts(model)
    obs = [loss, sum(g ** 2 for g in grads)] + [e.subs(on) for e in eigs] + [X, d_ / X]
    names = ["loss", "grad_norm_sq"] + [f"eig{i}" for i in range(len(eigs))] + [
        str(xx), str(yy)]
    hess = None
    if not closed:
        hess = compile_expressions([sp.factor(e.subs(on)) for e in model.tied_hessian], v,
                                   (eta,), shared=[(X, X_def)])
    return Kernels(model, "ab", v, step, compile_expressions(list(jac), v, (eta,)),
                   compile_expressions(obs, v, (eta,), shared=[(X, X_def)]), tuple(names),
                   hess, closed)


def start_in_coords(model, coords, start):
    """The start values in the order of the run's coordinates, and a converter if needed.

    `start` maps names to exact values. ``xy``/``full`` need every coordinate by name;
    ``ab`` accepts ``a, b`` or the model's ``x, y``, which must satisfy x > y > 0 (the domain
    of the chart, C5). Returns ``(values, converter)``: converter is None or the compiled
    chart map $(x, y) \\mapsto (\\sqrt{x^2 - y^2} - \\check c, xy - 1)$, evaluated by each run at
    its own precision (it cancels about $\\log_{10}(\\check c / |a|)$ digits of a).
    """
    k = kernels_for(model, coords)
    names = [str(s) for s in k.variables]
    given = list(start)
    if sorted(given) == sorted(names):
        return [start[n] for n in names], None
    if coords == "ab" and sorted(given) == sorted(str(s) for s in model.coords):
        xx, yy = model.coords
        xv, yv = start[str(xx)], start[str(yy)]
        if not xv > yv > 0:
            raise EosError(f"start: the (a, b) chart needs {xx} > {yy} > 0 (C5), got "
                           f"{xx} = {xv}, {yy} = {yv}; use --coords xy for this start")
        cc = reparameterise(model).c_check.subs(kappa, sp.sqrt(eta))
        conv = [sp.sqrt(xx ** 2 - yy ** 2) - cc, xx * yy - 1]
        return [xv, yv], compile_expressions(conv, model.coords, (eta,))
    raise EosError(f"start: expected values for {', '.join(names)} (coords {coords}), got "
                   f"{', '.join(given) or 'nothing'}")
