"""Float64 sweep kernels generated from a model's symbolic GD map (numba, vectorised).

The reduced map $u' = u - \\eta\\, G(u)\\, h(u)$ (`kernels._gcd_form`, paper eq. 2 for
`four-scalar`) goes through `compile.straight_line` (CSE: for eq. 2 it finds $q = xy$), then
each assignment is rewritten in Horner form when that needs fewer operations (eq. 2 becomes
$t = \\eta\\,q\\,(q^2 - 1)$, $x' = x - t y$, $y' = y - t x$). When a uniform scaling
$u = \\sigma \\tilde u$ makes a leading coefficient 1 and so saves an operation
(`scaled_program`; eq. 2: $\\sigma = \\eta^{-1/6}$, $\\tilde t = \\tilde q\\,(\\tilde q^2 -
\\eta^{2/3})$, five floating-point operations per step instead of six), the kernel iterates
$\\tilde u$, scaling on the way in and out. The printed body goes into a numba kernel over
blocks of points: the step loop is outside and the loop over the points of a block inside,
so LLVM vectorises it (fastmath without `nnan`/`ninf`, so escapes stay
detectable). A block's coordinates live in a scratch buffer aligned to the 64-byte cache
line, one row per coordinate, rows `block + PAD` doubles apart: 512-bit loads then never
split cache lines (unaligned, the kernel ran at about 60% of the speed) and loads of one row
do not alias the stores to another modulo 4 KiB. Every `every` steps a check pass marks
escapes ($|u_i| \\ge R$ or non-finite) and convergence (one-step displacement below `tol`
$(1 + |u|)$).

The generated module is written to a cache folder and imported, so numba's on-disk cache
(`cache=True`) skips recompilation in later processes.
"""
import hashlib
import importlib.util
import os
import sys
from functools import lru_cache
from pathlib import Path

import numpy as np
import sympy as sp

from ..errors import EosError
from ..numeric.compile import FUNCTION_NAMES, _Printer, straight_line
from ..numeric.kernels import _gcd_form
from ..symbolic.symbols import eta

RUNNING, CONVERGED, DIVERGED = 0, 1, 2
BLOCK = 512
PAD = 8  # coordinate rows of a block's scratch lie block + PAD doubles apart, so that
# loads of one row do not alias (modulo 4 KiB) the stores to another
# fastmath flags: no 'nnan'/'ninf' (the escape test must see nan and inf)
FASTMATH = "{'contract', 'arcp', 'nsz', 'reassoc', 'afn'}"


def _is_product(e):
    return bool(e.is_Mul or (e.is_Pow and e.exp.is_Integer and e.exp > 1))


def _cost(e):
    """Floating-point operations of $e$ on an FMA machine: a sum absorbs one product per
    addition (``a*b + c`` is one instruction); $b^n$ costs its multiplications."""
    if e.is_Atom:
        return 0
    inner = sum(_cost(a) for a in e.args)
    if e.is_Add:
        adds = len(e.args) - 1
        return inner + adds - min(adds, sum(map(_is_product, e.args)))
    if e.is_Mul:
        coeff, rest = e.as_coeff_Mul()
        return inner + len(sp.Mul.make_args(rest)) - 1 + (abs(coeff) != 1)
    if e.is_Pow and e.exp.is_Integer and e.exp.is_positive:
        n = int(e.exp)
        return _cost(e.base) + (n - 1 if n <= 3 else n.bit_length() - 1 + bin(n).count("1") - 1)
    return inner + 1


def _cheapest(e, constants):
    """$e$ or its Horner form in its non-constant symbols, whichever has fewer operations."""
    gens = sorted(e.free_symbols - set(constants), key=str)
    if not gens or not e.is_polynomial(*gens):
        return e
    h = sp.horner(sp.expand(e), *gens)
    return h if _cost(h) < _cost(e) else e


def _cheapest_program(exprs, variables, param, shared):
    prog = straight_line(exprs, variables, (param,), shared)
    constants = {param} | {s for s, _ in prog.setup}
    body = tuple((s, _cheapest(e, constants)) for s, e in prog.body)
    return prog.__class__(prog.variables, prog.params, prog.setup, body, prog.outputs)


def _program_cost(prog):
    return sum(_cost(e) for _, e in prog.body) + sum(_cost(e) for e in prog.outputs)


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


BLOCK_OF = {}


def _print_program(prog, names):
    pr = _Printer(names, walrus=False)
    setup = [f"{s.name} = {pr(e)}" for s, e in prog.setup]
    body = [f"{s.name} = {pr(e)}" for s, e in prog.body]
    outs = [pr(e) for e in prog.outputs]
    consts = [f"{name} = {float(sp.Rational(val))!r}" for val, name in pr.numbers.items()]
    return consts + setup, body, outs


@lru_cache(maxsize=64)
def kernel_source(model, block=BLOCK, rule=None):
    """Python/numba source of the sweep kernel for `model` (see the module docstring): the
    numba kernel iterates `scaled_program` when there is one (scaling on the way in and
    out, radius and tolerance rescaled), `numpy_advance` the plain `map_program`. Under an
    update `rule` other than GD both iterate the rule's map on its state, unscaled."""
    rule = None if rule is None or rule.is_gd else rule
    plain = map_program(model, rule)
    scaled = scaled_program(model) if rule is None else None
    n = len(plain.variables)
    names = {v: f"v{i}" for i, v in enumerate(plain.variables)}
    names.update({eta: "p0", SIGMA: "sig"})
    pre, body, outs = _print_program(scaled[0] if scaled else plain, names)
    np_pre, np_body, np_outs = _print_program(plain, names)
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
        f"@numba.njit(fastmath={FASTMATH}, parallel=True, cache=True)",
        "def advance(V, p0, nsteps, every, radius, tol, status, when, offset):",
        f"    \"\"\"Iterate the GD map of {model.name} nsteps times on V (coords x points,",
        f"    points a multiple of {block}), checking every `every` steps.\"\"\"",
        f"    {sig}",
        *[f"    {line}" for line in pre],
        "    isig = 1.0 / sig",
        "    rad = radius * isig",
        f"    nblocks = V.shape[1] // {block}",
        "    for blk in numba.prange(nblocks):",
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
    source = "\n".join(lines)
    BLOCK_OF[source] = block
    return source


def _cache_dir():
    base = os.environ.get("EOS_SYMBOLIC_CACHE") or os.path.join(
        os.environ.get("XDG_CACHE_HOME", os.path.expanduser("~/.cache")), "eos_symbolic")
    path = Path(base) / "kernels"
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError:  # read-only home: a private temporary folder still works
        import tempfile
        path = Path(tempfile.gettempdir()) / f"eos_symbolic_kernels_{os.getuid()}"
        path.mkdir(parents=True, exist_ok=True)
    return path


@lru_cache(maxsize=64)
def _load(source):
    digest = hashlib.sha256(source.encode()).hexdigest()[:16]
    name = f"eos_sweep_{digest}"
    path = _cache_dir() / f"{name}.py"
    if not path.exists() or path.read_text() != source:
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(source)
        tmp.replace(path)
    spec = importlib.util.spec_from_file_location(name, path)
    mod = importlib.util.module_from_spec(spec)
    sys.modules[name] = mod
    spec.loader.exec_module(mod)
    nv = source.count("] = V[")  # one copy-in line per coordinate
    with _quiet_stderr():  # compile now: LLVM prints 'loop not vectorized' remarks for
        # the forced-width scalar loops (check pass), which are expected and not errors
        V = np.ones((nv, BLOCK_OF[source]))
        mod.advance(V, 0.1, 1, 1, 1e6, 1e-13, np.zeros(V.shape[1], np.int8),
                    np.full(V.shape[1], -1, np.int64), 0)
    return mod


class _quiet_stderr:
    """Silence the C-level stderr (file descriptor 2) inside the block."""

    def __enter__(self):
        sys.stderr.flush()
        self._saved = os.dup(2)
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, 2)
        os.close(null)

    def __exit__(self, *exc):
        os.dup2(self._saved, 2)
        os.close(self._saved)
        return False


def _prefer_wide_vectors():
    """Ask LLVM for 8-wide double vectors on AVX-512 hosts (it defaults to 256-bit, about
    half the speed here). A process-wide LLVM option, set once, only when a sweep kernel is
    first built; it changes code generation, never results beyond fastmath's rounding."""
    global _WIDE
    if _WIDE is None:
        _WIDE = False
        try:
            import llvmlite.binding as ll
            if "avx512f" in ll.get_host_cpu_features().flatten():
                ll.set_option("", "-force-vector-width=8")
                _WIDE = True
        except Exception:  # pragma: no cover - an unknown host keeps LLVM's default
            pass
    return _WIDE


_WIDE = None


def sweep_kernel(model, block=BLOCK, rule=None):
    """The compiled kernel module of `model` (under `rule`): ``advance(V, eta, nsteps, every,
    radius, tol, status, when, offset)`` (numba, in place on the float64 array V of shape
    (state variables, points), points a multiple of `block`) and ``numpy_advance(V, eta,
    nsteps)``."""
    try:
        import numba  # noqa: F401
    except ImportError:  # pragma: no cover
        raise EosError("sweep: numba is required (pip install numba)") from None
    _prefer_wide_vectors()
    return _load(kernel_source(model, block, rule))


def numpy_iterate(model, V, eta_value, nsteps, rule=None):
    """Iterate with the plain numpy loop of the same generated map (in place); `eta_value`
    may be one value per point."""
    e = np.asarray(eta_value, dtype=np.float64)
    sweep_kernel(model, rule=rule).numpy_advance(V, float(e) if e.ndim == 0 else e,
                                                 int(nsteps))
    return V


def advance(model, V, eta_value, nsteps, status, when, offset=0, every=64, radius=1e6,
            tol=1e-13, rule=None):
    """Iterate the starts `V` (coords x points) `nsteps` times with the numba kernel.

    `status` (int8: RUNNING, CONVERGED, DIVERGED) and `when` (int64: the step at which the
    current status began, -1 while running) are updated in place; returns the new states.
    """
    if not (np.isfinite(eta_value) and eta_value > 0):
        raise EosError(f"sweep: eta must be a positive finite number, got {eta_value}")
    V = np.asarray(V, dtype=np.float64)
    n = V.shape[1]
    pad = (-n) % BLOCK
    W = np.ascontiguousarray(np.concatenate([V, np.repeat(V[:, -1:], pad, axis=1)], axis=1)
                             if pad else V.copy())
    st = np.concatenate([status, np.zeros(pad, np.int8)]) if pad else status
    wh = np.concatenate([when, np.full(pad, -1, np.int64)]) if pad else when
    sweep_kernel(model, rule=rule).advance(W, float(eta_value), int(nsteps), int(every),
                                           float(radius), float(tol), st, wh, int(offset))
    if pad:
        status[:] = st[:n]
        when[:] = wh[:n]
    return W[:, :n]
