"""Derive a model's `kernels.Kernels` from its symbolic maps (SymPy; see `kernels`).

Coordinate systems:

- ``xy``: the reduced coordinates $u$ (`Model.coords`), map $u' = u - \\eta\\, G(u)\\, h(u)$ with
  $G = \\eta$-free $\\gcd_u g_u$ over QQ and $h_u = g_u / G$ (paper eq. 2 for `four-scalar`:
  $G = xy(xy-1)(xy+1)$, $h = (y, x)$); the common factor is evaluated once per step.
- ``full``: all parameters $\\theta$, $\\theta' = \\theta - \\eta \\nabla L$ (eq. 1), same gcd form.
- ``ab``: offsets from the EoS minimum (C6), the exact map of C7 in the cancellation-free
  increment form of `reparameterise` ($\\sqrt{1-T^2} - 1 = -T^2/(1+\\sqrt{1-T^2})$), with
  $\\kappa = \\sqrt\\eta$ substituted so every kernel takes the one parameter $\\eta$.

Observables (loss, $|\\nabla L|$, Hessian eigenvalues and, where they exist, the other
coordinates) are compiled too. In ``ab`` they are taken at $x = X$, $y = d/X$ with
$X^2 = (s + c^2)/2$, $s = \\sqrt{c^4 + 4d^2}$, $c = a + \\check c$, $d = 1 + b$ and then factored
in $b$, so that $xy - 1$ becomes exactly $b$ (no cancellation as $b \\to 0$). The (a, b)
kernels also carry the chart maps both ways, $\\check c(\\eta)$ and the EoS range, so that
a run read back from the cache needs no symbolic work at all.
"""
import sympy as sp

from ..errors import EosError
from ..symbolic.minima import eos_range
from ..symbolic.reparam import reparameterise
from ..symbolic.spectrum import hessian_eigenvalues
from ..symbolic.symbols import a, b, eta, kappa
from .compile import compile_expressions


def build_kernels(model, coords, rule=None):
    """The compiled kernels of `model` in `coords` ('xy', 'ab', 'full'; under an update
    `rule` other than GD: 'xy') as the plain data that `kernels.Kernels.from_json` reads
    (and the kernel cache stores)."""
    if rule is not None:
        return _rule_xy(model, rule)
    if coords == "full":
        return _full(model)
    if coords == "ab":
        return _ab(model)
    return _xy(model)


def build_sharpness(model):
    """What a sweep needs to classify its limits: the largest Hessian eigenvalue in closed
    form (`eigs`, all of them) or the tied Hessian's entries (`hessian`) for a numeric
    eigen-solve, and the model's `spec`, as plain data (no (a, b) chart, no Jacobian)."""
    eigs, closed = _eigen_parts(model)
    v = model.coords
    fn = compile_expressions(eigs, v, (eta,)) if closed else _hessian(model.tied_hessian, v)
    return {"spec": [[k, list(x) if isinstance(x, tuple) else x] for k, x in _spec(model)],
            "closed": closed, "function": fn.to_json()}


def _bundle(coords, variables, step, jacobian, observables, names, hessian, closed, model,
            **charts):
    """`kernels.Kernels` as JSON data; `charts`: guarded_step, to_ab, to_xy, c_check,
    eta_range and a rule's threshold where they exist."""
    funcs = dict(step=step, jacobian=jacobian, observables=observables, hessian=hessian,
                 guarded_step=charts.get("guarded_step"), to_ab=charts.get("to_ab"),
                 to_xy=charts.get("to_xy"), c_check=charts.get("c_check"),
                 threshold=charts.get("threshold"))
    spec = [[k, list(v) if isinstance(v, tuple) else v] for k, v in _spec(model)]
    return {**{k: f.to_json() if f is not None else None for k, f in funcs.items()},
            "coords": coords, "variables": list(map(str, variables)),
            "observable_names": list(names), "closed_form_eigenvalues": closed,
            "spec": spec, "eta_range": charts.get("eta_range")}


def _spec(model):
    return (("name", model.name), ("loss", str(model.loss)),
            ("ties", tuple(f"{v}={u}" for v, u in model.ties)),
            ("coords", tuple(map(str, model.coords))))


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


def _xy(model):
    v = model.coords
    exprs, shared = _gcd_form(v, model.reduced_gradient)
    obs, names, closed = _xy_observables(model)
    guarded = None
    if "a" in names:  # the (a, b) chart exists: its transients may run in (x, y)
        guarded = compile_expressions(exprs, v, (eta,), shared=shared, horner=True,
                                      guard="abs(v1) < v0")
    jac, jac_shared = _jacobian(exprs, shared, v)
    return _bundle("xy", v, compile_expressions(exprs, v, (eta,), shared=shared, horner=True),
                   compile_expressions(jac, v, (eta,), shared=jac_shared),
                   compile_expressions(obs, v, (eta,)), names,
                   None if closed else _hessian(model.tied_hessian, v), closed, model,
                   guarded_step=guarded)


def _xy_observables(model, chart=True):
    """Loss, |grad L|^2, closed-form eigenvalues and (where the chart exists and `chart`)
    the offsets a, b from GD's EoS minimum."""
    loss = sp.factor(sp.expand(model.loss.subs(model.tie_map)))
    grads = [sp.factor(g.subs(model.tie_map)) for g in model.gradient]
    eigs, closed = _eigen_parts(model)
    names = ["loss", "grad_norm_sq"] + [f"eig{i}" for i in range(len(eigs))]
    obs = [loss, sum(g ** 2 for g in grads)] + list(eigs)
    if chart:
        try:
            obs += list(_xy_to_ab(model))
            names += ["a", "b"]
        except EosError:
            pass
    return obs, names, closed


def _rule_xy(model, rule):
    """The rule's reduced map on its state (the coordinates, then for momentum the previous
    iterate), compiled as is; observables of the position (see `_xy`), and the rule's
    stability threshold as a function of eta."""
    from ..symbolic.stability import stability_threshold
    state = rule.state_symbols(model)
    exprs = list(rule.reduced_map(model))
    jac = sp.Matrix(exprs).jacobian(state)
    obs, names, closed = _xy_observables(model, chart=False)
    threshold = None
    if rule.smooth:
        threshold = compile_expressions([stability_threshold(model, rule).value], (), (eta,))
    return _bundle("xy", state, compile_expressions(exprs, state, (eta,)),
                   compile_expressions(list(jac), state, (eta,)),
                   compile_expressions(obs, state, (eta,)), names,
                   None if closed else _hessian(model.tied_hessian, state), closed, model,
                   threshold=threshold)


def _xy_to_ab(model):
    """$(\\sqrt{x^2 - y^2} - \\check c,\\ xy - 1)$ with $\\kappa = \\sqrt\\eta$ (C5-C6)."""
    cc = reparameterise(model).c_check.subs(kappa, sp.sqrt(eta))  # EosError: no chart
    xx, yy = model.coords
    return sp.sqrt(xx ** 2 - yy ** 2) - cc, xx * yy - 1


def _ab_to_xy(model):
    """$x = X$, $y = d / X$ with $X^2 = (\\sqrt{c^4 + 4d^2} + c^2)/2$, $c = a + \\check c$,
    $d = 1 + b$: the inverse chart, returned as (expressions, shared definition of X)."""
    cc = reparameterise(model).c_check.subs(kappa, sp.sqrt(eta))
    c_, d_ = a + cc, 1 + b
    X = sp.Symbol("_X", positive=True)
    return [X, d_ / X], [(X, sp.sqrt((sp.sqrt(c_ ** 4 + 4 * d_ ** 2) + c_ ** 2) / 2))]


def _full(model):
    """All parameters; the sharpness comes from a numeric eigen-solve of the full Hessian."""
    v = model.params
    exprs, shared = _gcd_form(v, model.gradient)
    obs = [sp.factor(model.loss), sum(sp.factor(g) ** 2 for g in model.gradient)]
    jac, jac_shared = _jacobian(exprs, shared, v)
    return _bundle("full", v, compile_expressions(exprs, v, (eta,), shared=shared, horner=True),
                   compile_expressions(jac, v, (eta,), shared=jac_shared),
                   compile_expressions(obs, v, (eta,)), ("loss", "grad_norm_sq"),
                   _hessian(model.hessian, v), False, model)


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
    (X, y_of), ((_, X_def),) = _ab_to_xy(model)
    d_ = 1 + b
    on = {xx: X, yy: y_of}
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
    to_xy, xy_shared = _ab_to_xy(model)
    cc = rp.c_check.subs(half_eta)
    return _bundle("ab", v, step, compile_expressions(list(jac), v, (eta,)),
                   compile_expressions(obs, v, (eta,), shared=[(X, X_def)]), names,
                   hess, closed, model,
                   to_ab=compile_expressions(list(_xy_to_ab(model)), model.coords, (eta,)),
                   to_xy=compile_expressions(to_xy, v, (eta,), shared=xy_shared),
                   c_check=compile_expressions([cc], (), (eta,)),
                   eta_range=str(eos_range(model)))
