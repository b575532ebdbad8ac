"""Source of the float64 sweep kernel, generated from a model's symbolic GD map (SymPy).

See `sweep_kernel` for what the kernel does; this module writes it: `map_program` (the
reduced map in straight-line form, each assignment in its cheapest form on an FMA machine),
`scaled_program` (the map conjugated by the uniform scaling that makes a coefficient 1) and
`kernel_parts` (the float64 statements `sweep_jit` compiles, and a numpy reference loop).
`sweep_kernel` keeps them in the kernel cache, so a sweep whose kernel is cached runs without
SymPy.
"""
from functools import lru_cache

import sympy as sp

from ..numeric.compile import FUNCTION_NAMES, float_parts, straight_line
from ..numeric.kernel_build import _gcd_form
from ..numeric.opcount import cheapest_form, program_cost
from ..symbolic.symbols import eta

BLOCK = 512
PAD = 8  # coordinate rows of a block's scratch lie block + PAD doubles apart, so that
# loads of one row do not alias (modulo 4 KiB) the stores to another
# fast-math flags of the step's arithmetic: no 'nnan'/'ninf' (the escape test must see nan
# and inf)
FASTMATH = ("contract", "arcp", "nsz", "reassoc", "afn")


def _cheapest_program(exprs, variables, param, shared):
    prog = straight_line(exprs, variables, (param,), shared)
    constants = {param} | {s for s, _ in prog.setup}
    body = tuple((s, cheapest_form(e, constants, fma=True)) for s, e in prog.body)
    return prog.__class__(prog.variables, prog.params, prog.setup, body, prog.outputs)


def _program_cost(prog):
    return program_cost(prog, fma=True)


@lru_cache(maxsize=64)
def map_program(model, rule=None):
    """Straight-line program of the reduced GD map of `model` (or of the update `rule` on
    its state, `symbolic.optimizers`) with cheapest assignments."""
    if rule is not None and not rule.is_gd:
        return _cheapest_program(list(rule.reduced_map(model)), rule.state_symbols(model),
                                 eta, ())
    exprs, shared = _gcd_form(model.coords, model.reduced_gradient)
    return _cheapest_program(exprs, model.coords, eta, shared)


SIGMA = sp.Symbol("sigma", positive=True)


def scaled_program(model):
    """The reduced map conjugated by a uniform scaling that makes a coefficient 1.

    For $u' = u - \\eta\\,G(u)\\,h(u)$ with every $h_i$ homogeneous of one degree $d$ and
    $G$ of degree $D$ whose top-degree part has the term $c\\,m(u)$, put $u = \\sigma\\tilde
    u$: then $\\tilde u' = \\tilde u - \\tilde g\\,h(\\tilde u)$ with $\\tilde g = \\eta
    \\sigma^{d-1} G(\\sigma \\tilde u)$, and $\\sigma = (|c|\\,\\eta)^{-1/k}$, $k = D + d - 1$,
    turns that term into $\\pm m(\\tilde u)$, one multiplication fewer per step. The scaling
    is applied to `map_program` assignment by assignment, so its common subexpressions
    survive: a homogeneous one of degree $w$ is kept and carries $\\sigma^w$ to its users.
    Eq. 2: $\\sigma = \\eta^{-1/6}$, $\\tilde g = \\tilde q\\,(\\tilde q^2 - \\eta^{2/3})$ with
    $\\tilde q = \\tilde x \\tilde y$. Returns ``(program in $\\tilde u$ with parameter sigma,
    |c|, k)``, or None when the map lacks this structure or scaling saves nothing.
    """
    u = model.coords
    exprs, shared = _gcd_form(u, model.reduced_gradient)
    (g_sym, g_expr), = shared
    try:
        polys = [sp.Poly(sp.expand((v - e) / g_sym), *u) for v, e in zip(u, exprs)]
        G = sp.Poly(sp.expand(g_expr / eta), *u)
    except sp.PolynomialError:
        return None
    polys = [p for p in polys if not p.is_zero]
    degrees = {p.total_degree() for p in polys}
    if len(degrees) != 1 or not all(p.is_homogeneous for p in polys) \
            or G.free_symbols_in_domain:
        return None
    d, D = degrees.pop(), G.total_degree()
    k = D + d - 1
    top = [c for m, c in G.terms() if sum(m) == D]
    if k <= 0 or not top or not top[0].is_Rational:
        return None
    c = abs(sp.Rational(top[0]))
    plain = map_program(model)
    setup = dict(plain.setup)
    scale = {v: SIGMA * v for v in u}
    rename, defs = {}, []
    for i, (t, e) in enumerate(plain.body):
        e = e.subs(setup).subs(rename)
        new = g_sym if t == g_sym else sp.Symbol(f"_u{i}")
        rename[t] = new
        es = e.subs(scale, simultaneous=True)
        if t == g_sym:  # eta = 1/(|c| sigma^k) makes the term c m(u) a +-m(u)
            es = sp.expand(es.subs(eta, 1 / (c * SIGMA ** k)) * SIGMA ** (d - 1))
            scale[new] = SIGMA ** (1 - d) * new
        else:
            w = sp.powsimp(es / e)
            if w.free_symbols <= {SIGMA}:  # homogeneous: keep it, its users get sigma^w
                es, scale[new] = e, w * new
        defs.append((new, es))
    outs = [sp.expand(o.subs(rename).subs(scale, simultaneous=True) / SIGMA)
            for o in plain.outputs]
    prog = _cheapest_program(outs, u, SIGMA, defs)
    if _program_cost(prog) >= _program_cost(plain):
        return None
    return prog, c, k


@lru_cache(maxsize=64)
def kernel_parts(model, block=BLOCK, rule=None):
    """The sweep kernel of `model` as plain data (see `sweep_kernel`; `sweep_jit` compiles
    it): float64 statements ``pre`` (once per call, from ``p0`` = eta and ``sig``), ``body``
    and new state ``outs`` of one step on the state ``v0, v1, ...``, of `scaled_program`
    when there is one (``scale`` = ``[|c|, k]``: the state is $u / \\sigma$ with
    $\\sigma = (|c|\\,\\eta)^{-1/k}$), else of the plain `map_program` (``scale`` None, sigma 1);
    ``numpy``: the source of a module whose ``numpy_advance(V, p0, nsteps)`` iterates the
    plain map with numpy (reference and benchmark). Under an update `rule` other than GD both
    iterate the rule's map on its state, unscaled."""
    rule = None if rule is None or rule.is_gd else rule
    plain = map_program(model, rule)
    scaled = scaled_program(model) if rule is None else None
    n = len(plain.variables)
    names = {v: f"v{i}" for i, v in enumerate(plain.variables)}
    names.update({eta: "p0", SIGMA: "sig"})
    pre, body, outs = float_parts(scaled[0] if scaled else plain, names)
    np_pre, np_body, np_outs = float_parts(plain, names)
    vs = [f"v{i}" for i in range(n)]
    used = sorted({f for f in FUNCTION_NAMES.values()
                   if any(f"{f}(" in line for line in np_pre + np_body)})
    lines = [
        f"\"\"\"The {'GD map' if rule is None else rule.spec} of {model.name} as a numpy "
        "loop (generated).\"\"\"",
        f"from numpy import {', '.join(sorted({'sqrt', *used}))}"
        "  # noqa: F401 (scalars and arrays)",
        "",
        "",
        "def numpy_advance(V, p0, nsteps):",
        "    \"\"\"nsteps steps of the plain map on V (state x points), in place.\"\"\"",
        *[f"    {line}" for line in np_pre],
        *[f"    v{i} = V[{i}].copy()" for i in range(n)],
        "    for _ in range(nsteps):",
        *[f"        {line}" for line in np_body],
        f"        {', '.join(vs)}, = {', '.join(np_outs)},",
        *[f"    V[{i}] = v{i}" for i in range(n)],
        "",
    ]
    return {"name": model.name, "map": "GD" if rule is None else rule.spec, "state": n,
            "block": block, "pad": PAD, "fastmath": list(FASTMATH),
            "scale": [float(scaled[1]), int(scaled[2])] if scaled else None,
            "pre": list(pre), "body": list(body), "outs": list(outs),
            "numpy": "\n".join(lines)}
