"""Float64 sweep kernels generated from a model's symbolic GD map (numba, vectorised).

The reduced map $u' = u - \\eta\\, G(u)\\, h(u)$ (`kernels._gcd_form`, paper eq. 2 for
`four-scalar`) goes through `compile.straight_line` (CSE: for eq. 2 it finds $q = xy$), then
each assignment is rewritten in Horner form when that needs fewer operations (eq. 2 becomes
$t = \\eta\\,q\\,(q^2 - 1)$, $x' = x - t y$, $y' = y - t x$). The printed body goes into a
numba kernel over blocks of points: the step loop is outside and the loop over the points
of a block inside, so LLVM vectorises it (fastmath without `nnan`/`ninf`, so escapes stay
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

from .compile import _Printer, straight_line
from .errors import EosError
from .kernels import _gcd_form
from .symbols import eta

RUNNING, CONVERGED, DIVERGED = 0, 1, 2
BLOCK = 512
PAD = 8  # coordinate rows of a block's scratch lie block + PAD doubles apart, so that
# loads of one row do not alias (modulo 4 KiB) the stores to another
# fastmath flags: no 'nnan'/'ninf' (the escape test must see nan and inf)
FASTMATH = "{'contract', 'arcp', 'nsz', 'reassoc', 'afn'}"


def _cost(e):
    return sp.count_ops(e, visual=False)


def _cheapest(e):
    """$e$ or its Horner form in its non-parameter symbols, whichever has fewer operations."""
    gens = sorted(e.free_symbols - {eta}, key=str)
    if not gens or not e.is_polynomial(*gens):
        return e
    h = sp.horner(sp.expand(e), *gens)
    return h if _cost(h) < _cost(e) else e


def map_program(model):
    """Straight-line program of the reduced GD map of `model` with cheapest assignments."""
    exprs, shared = _gcd_form(model.coords, model.reduced_gradient)
    prog = straight_line(exprs, model.coords, (eta,), shared)
    body = tuple((s, _cheapest(e)) for s, e in prog.body)
    return prog.__class__(prog.variables, prog.params, prog.setup, body, prog.outputs)


BLOCK_OF = {}


@lru_cache(maxsize=64)
def kernel_source(model, block=BLOCK):
    """Python/numba source of the sweep kernel for `model` (see the module docstring)."""
    prog = map_program(model)
    n = len(prog.variables)
    names = {v: f"v{i}" for i, v in enumerate(prog.variables)}
    names[eta] = "p0"
    pr = _Printer(names)
    setup = [f"    {s.name} = {pr(e)}" for s, e in prog.setup]
    body = [f"{s.name} = {pr(e)}" for s, e in prog.body]
    outs = [pr(e) for e in prog.outputs]
    consts = [f"    {name} = {float(sp.Rational(val))!r}" for val, name in pr.numbers.items()]
    vs = [f"v{i}" for i in range(n)]
    stride = block + PAD
    ind = " " * 20
    loads = [f"{ind}v{i} = Z[{i * stride} + j]" for i in range(n)]
    step = [f"{ind}{line}" for line in body]
    stores = [f"{ind}Z[{i * stride} + j] = {o}" for i, o in enumerate(outs)]
    ind2 = " " * 16
    chk_loads = [f"{ind2}v{i} = Z[{i * stride} + j]" for i in range(n)]
    inside = " and ".join(f"abs(v{i}) < radius" for i in range(n))
    disp = " + ".join(f"abs({o} - v{i})" for i, o in enumerate(outs))
    scale = " + ".join(f"abs(v{i})" for i in range(n))
    lines = [
        "import numba",
        "import numpy as np",
        "from math import sqrt",
        "",
        f"@numba.njit(fastmath={FASTMATH}, parallel=True, cache=True)",
        "def advance(V, p0, nsteps, every, radius, tol, status, when, offset):",
        f"    \"\"\"Iterate the GD map of {model.name} nsteps times on V (coords x points,",
        f"    points a multiple of {block}), checking every `every` steps.\"\"\"",
        *consts, *setup,
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
        *[f"            Z[{i * stride} + j] = V[{i}, lo + j]" for i in range(n)],
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
        f"                still = ({disp}) < tol * (1.0 + {scale})",
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
        *[f"            V[{i}, lo + j] = Z[{i * stride} + j]" for i in range(n)],
        "",
        "",
        "def numpy_advance(V, p0, nsteps):",
        "    \"\"\"The same map as a plain numpy vectorised loop (reference and benchmark).\"\"\"",
        *consts, *setup,
        *[f"    v{i} = V[{i}].copy()" for i in range(n)],
        "    for _ in range(nsteps):",
        *[f"        {line}" for line in body],
        f"        {', '.join(vs)}, = {', '.join(outs)},",
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
        mod.advance(V, 0.0, 1, 1, 1e6, 1e-13, np.zeros(V.shape[1], np.int8),
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


def sweep_kernel(model, block=BLOCK):
    """The compiled kernel module of `model`: ``advance(V, eta, nsteps, every, radius, tol,
    status, when, offset)`` (numba, in place on the float64 array V of shape
    (coords, points), points a multiple of `block`) and ``numpy_advance(V, eta, nsteps)``."""
    try:
        import numba  # noqa: F401
    except ImportError:  # pragma: no cover
        raise EosError("sweep: numba is required (pip install numba)") from None
    _prefer_wide_vectors()
    return _load(kernel_source(model, block))


def numpy_iterate(model, V, eta_value, nsteps):
    """Iterate with the plain numpy loop of the same generated map (in place); `eta_value`
    may be one value per point."""
    e = np.asarray(eta_value, dtype=np.float64)
    sweep_kernel(model).numpy_advance(V, float(e) if e.ndim == 0 else e, int(nsteps))
    return V


def advance(model, V, eta_value, nsteps, status, when, offset=0, every=64, radius=1e6,
            tol=1e-13):
    """Iterate the starts `V` (coords x points) `nsteps` times with the numba kernel.

    `status` (int8: RUNNING, CONVERGED, DIVERGED) and `when` (int64: the step at which the
    current status began, -1 while running) are updated in place; returns the new states.
    """
    V = np.asarray(V, dtype=np.float64)
    n = V.shape[1]
    pad = (-n) % BLOCK
    W = np.ascontiguousarray(np.concatenate([V, np.repeat(V[:, -1:], pad, axis=1)], axis=1)
                             if pad else V.copy())
    st = np.concatenate([status, np.zeros(pad, np.int8)]) if pad else status
    wh = np.concatenate([when, np.full(pad, -1, np.int64)]) if pad else when
    sweep_kernel(model).advance(W, float(eta_value), int(nsteps), int(every), float(radius),
                                float(tol), st, wh, int(offset))
    if pad:
        status[:] = st[:n]
        when[:] = wh[:n]
    return W[:, :n]
