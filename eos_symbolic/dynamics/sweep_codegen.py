"""Source of the float64 sweep kernel, generated from a model's symbolic GD map (SymPy).

See `sweep_kernel` for what the kernel does; this module writes it: `map_program` (the
reduced map in straight-line form, each assignment in its cheapest form on an FMA machine),
`scaled_program` (the map conjugated by the uniform scaling that makes a coefficient 1) and
`kernel_source` (the numba module). `sweep_kernel` keeps the source in the kernel cache, so a
sweep whose kernel is cached runs without SymPy.
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
# fastmath flags: no 'nnan'/'ninf' (the escape test must see nan and inf)
FASTMATH = "{'contract', 'arcp', 'nsz', 'reassoc', 'afn'}"


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
def kernel_source(model, block=BLOCK, rule=None):
    """Python/numba source of the sweep kernel for `model` (see `sweep_kernel`): the numba
    kernel iterates `scaled_program` when there is one (scaling on the way in and out,
    radius and tolerance rescaled), `numpy_advance` the plain `map_program`. Under an
    update `rule` other than GD both iterate the rule's map on its state, unscaled."""
    rule = None if rule is None or rule.is_gd else rule
    plain = map_program(model, rule)
    scaled = scaled_program(model) if rule is None else None
    n = len(plain.variables)
    names = {v: f"v{i}" for i, v in enumerate(plain.variables)}
    names.update({eta: "p0", SIGMA: "sig"})
    pre, body, outs = float_parts(scaled[0] if scaled else plain, names)
    np_pre, np_body, np_outs = float_parts(plain, names)
    if scaled:  # sigma and its powers are rounded: the kernel is GD at eta (1 + O(1e-15))
        base = "p0" if scaled[1] == 1 else f"({float(scaled[1])!r} * p0)"
        sig = f"sig = {base} ** {-1 / scaled[2]!r}  # u = sig * (kernel state)"
    else:
        sig = "sig = 1.0"
    vs = [f"v{i}" for i in range(n)]
    stride = block + PAD
    ind = " " * 20
    loads = [f"{ind}v{i} = Z[{i * stride} + j]" for i in range(n)]
    step = [f"{ind}{line}" for line in body]
    stores = [f"{ind}Z[{i * stride} + j] = {o}" for i, o in enumerate(outs)]
    ind2 = " " * 16
    chk_loads = [f"{ind2}v{i} = Z[{i * stride} + j]" for i in range(n)]
    inside = " and ".join(f"abs(v{i}) < rad" for i in range(n))
    disp = " + ".join(f"abs({o} - v{i})" for i, o in enumerate(outs))
    scale = " + ".join(f"abs(v{i})" for i in range(n))
    used = sorted({f for f in FUNCTION_NAMES.values()
                   if any(f"{f}(" in line for line in pre + body + np_pre + np_body)})
    lines = [
        "import numba",
        "import numpy as np",
        "from math import sqrt",
        *([f"from numpy import {', '.join(used)}"] if used else []),  # scalars and arrays
        "",
        f"@numba.njit(fastmath={FASTMATH}, nogil=True, cache=True)",
        "def advance_blocks(V, p0, nsteps, every, radius, tol, status, when, offset, first,",
        "                   last):",
        f"    \"\"\"Iterate the {'GD map' if rule is None else rule.spec} of {model.name} "
        "nsteps times on the",
        f"    blocks first..last-1 of V (state x points, {block} points a block), checking",
        "    every `every` steps.\"\"\"",
        f"    {sig}",
        *[f"    {line}" for line in pre],
        "    isig = 1.0 / sig",
        "    rad = radius * isig",
        "    for blk in range(first, last):",
        f"        lo = blk * {block}",
        # scratch aligned to the 64-byte cache line: unaligned 512-bit loads split
        # lines and run at about 60% of the speed here
        f"        raw = np.empty({n * stride + 8})",
        "        a = ((-raw.ctypes.data) % 64) // 8",
        f"        Z = raw[a:a + {n * stride}]",
        f"        C = np.empty({block})",
        f"        for j in range({block}):",
        *[f"            Z[{i * stride} + j] = V[{i}, lo + j] * isig" for i in range(n)],
        "        done = 0",
        "        while done < nsteps:",
        "            m = min(every, nsteps - done)",
        "            for _ in range(m):",
        f"                for j in range({block}):",
        *loads, *step, *stores,
        "            done += m",
        # a branch-free (vectorised) pass codes each point and counts the changes; a
        # scalar pass updates the status where the code changed, if anywhere
        "            changed = 0",
        f"            for j in range({block}):",
        *chk_loads,
        *[f"{ind2}{line}" for line in body],
        f"                inside = ({inside})",
        f"                still = ({disp}) < tol * (isig + {scale})",
        "                C[j] = 1.0 if still else 0.0",
        "                C[j] = C[j] if inside else 2.0",
        "                s = status[lo + j]",
        "                changed += 1 if C[j] != s and s != 2 else 0",
        "            if changed == 0:",
        "                continue",
        f"            for j in range({block}):",
        "                k = lo + j",
        "                c = int(C[j])",
        "                if c == status[k] or status[k] == 2:",
        "                    continue",
        "                status[k] = c",
        "                when[k] = offset + done if c else -1",
        "                if c == 2:",
        *[f"                    Z[{i * stride} + j] = 0.0" for i in range(n)],
        f"        for j in range({block}):",
        *[f"            V[{i}, lo + j] = Z[{i * stride} + j] * sig" for i in range(n)],
        "",
        "",
        "def numpy_advance(V, p0, nsteps):",
        "    \"\"\"The plain map as a numpy vectorised loop (reference and benchmark).\"\"\"",
        *[f"    {line}" for line in np_pre],
        *[f"    v{i} = V[{i}].copy()" for i in range(n)],
        "    for _ in range(nsteps):",
        *[f"        {line}" for line in np_body],
        f"        {', '.join(vs)}, = {', '.join(np_outs)},",
        *[f"    V[{i}] = v{i}" for i in range(n)],
        "",
    ]
    return "\n".join(lines)


