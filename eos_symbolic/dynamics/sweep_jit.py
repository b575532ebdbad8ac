"""The float64 sweep kernel compiled with llvmlite: explicit 8-wide vectors, no numba.

`compile_kernel(parts)` turns the data of `sweep_codegen.kernel_parts` into machine code for
this host (its CPU name and features: AVX-512 hosts get 512-bit registers, others split the
8-wide vectors) in a few tens of milliseconds, where numba's import and target
initialisation alone take about half a second, and no code-generation option is set
outside this module's own target machine. The compiled function

``advance_blocks(V, ncol, p0, sig, nsteps, every, radius, tol, status, when, offset,
first, last, Z, C)``

iterates the blocks ``first .. last-1`` of the float64 array V (state x ``ncol`` points,
row-major), each in the scratch Z (one row per state variable, `block` + `pad` doubles
apart, aligned to 64 bytes by the caller): the state scaled by ``1/sig`` is copied in, the
step loop runs outside and the loop over the block's points, 8 at a time, inside; every
`every` steps a check pass codes each point in C (2: escaped, $|u_i| \\ge R$ or non-finite;
1: converged, one-step displacement below `tol` $(1 + |u|)$; 0: running) and a scalar pass
updates `status` (int8; an escaped point stays so) and `when` (int64: ``offset + done`` when
the code became non-zero, -1 when it fell back to 0), zeroing escaped points so that inf and
nan do not slow the vector loop. The step's arithmetic carries the fast-math flags of
`kernel_parts` (contraction to FMA, reassociation; never 'nnan'/'ninf', so the check sees
inf and nan); the comparisons are IEEE. `Kernel` runs it on threads (ctypes releases the
GIL for the call).
"""
import ast
import ctypes
from concurrent.futures import ThreadPoolExecutor, wait
from functools import lru_cache

import numpy as np
from llvmlite import ir

from ..numeric.llvm_emit import DOUBLE, I64, PTR, Emitter, initialise

LANES = 8
VEC = ir.VectorType(DOUBLE, LANES)
I8 = ir.IntType(8)


def kernel_ir(parts):
    """LLVM IR text of ``advance_blocks`` for `parts` (see the module docstring)."""
    n, block, flags = parts["state"], parts["block"], tuple(parts["fastmath"])
    stride = block + parts["pad"]
    module = ir.Module(name="eos_sweep")
    args = [PTR, I64, DOUBLE, DOUBLE, I64, I64, DOUBLE, DOUBLE, I8.as_pointer(),
            I64.as_pointer(), I64, I64, I64, PTR, PTR]
    fn = ir.Function(module, ir.FunctionType(ir.VoidType(), args), name="advance_blocks")
    V, ncol, p0, sig, nsteps, every, radius, tol, status, when, offset, first, last, Z, C = \
        fn.args
    b = ir.IRBuilder(fn.append_basic_block())
    s = Emitter(b, module, {"p0": p0, "sig": sig})  # scalars: the per-call constants
    s.statements(parts["pre"])
    isig = b.fdiv(s.const(1), sig)
    rad = b.fmul(radius, isig)
    em = Emitter(b, module, {}, VEC, flags)  # the step, on 8 points at a time
    for name, value in s.env.items():
        em.env[name] = _splat(b, value)
    vrad, vtol, visig = (_splat(b, x) for x in (rad, tol, isig))
    outs = [ast.parse(o, mode="eval").body for o in parts["outs"]]
    c = ir.Constant

    def vcell(i, j):  # the 8 doubles of row i of Z from point j (j a multiple of 8)
        return b.bitcast(b.gep(Z, [b.add(c(I64, i * stride), j)]), VEC.as_pointer())

    def vload(i, j):
        return b.load(vcell(i, j), align=64)

    def lanes(body):  # for j in range(0, block, 8): body(j)
        em.loop(c(I64, block // LANES), lambda q: body(b.mul(q, c(I64, LANES))))

    def state_at(j):
        for i in range(n):
            em.env[f"v{i}"] = vload(i, j)

    def one_block(blk):
        lo = b.mul(blk, c(I64, block))

        def copy_in(j):
            for i in range(n):
                src = b.gep(V, [b.add(b.mul(c(I64, i), ncol), b.add(lo, j))])
                x = b.load(b.bitcast(src, VEC.as_pointer()), align=8)
                b.store(b.fmul(x, visig), vcell(i, j), align=64)
        lanes(copy_in)
        b.store(c(I64, 0), done)
        head, work, finished = (b.append_basic_block() for _ in range(3))
        b.branch(head)
        b.position_at_end(head)
        b.cbranch(b.icmp_signed("<", b.load(done), nsteps), work, finished)
        b.position_at_end(work)
        left = b.sub(nsteps, b.load(done))
        m = b.select(b.icmp_signed("<", every, left), every, left)

        def step(j):
            state_at(j)
            em.statements(parts["body"])
            new = [em.expr(o) for o in outs]
            for i, x in enumerate(new):
                b.store(x, vcell(i, j), align=64)
        em.loop(m, lambda _: lanes(step))
        b.store(b.add(b.load(done), m), done)
        _check(em, parts, outs, vload, state_at, lanes, C, vrad, vtol, visig)
        stamp = b.add(offset, b.load(done))
        em.loop(c(I64, block), lambda j: _update(em, n, stride, Z, C, status, when, lo, j,
                                                    stamp))
        b.branch(head)
        b.position_at_end(finished)

        def copy_out(j):
            for i in range(n):
                dst = b.gep(V, [b.add(b.mul(c(I64, i), ncol), b.add(lo, j))])
                b.store(b.fmul(vload(i, j), _splat(b, sig)), b.bitcast(dst, VEC.as_pointer()),
                        align=8)
        lanes(copy_out)

    done = em.entry_alloca(I64)  # steps done in the current block
    em.loop(b.sub(last, first), lambda k: one_block(b.add(first, k)))
    b.ret_void()
    return str(module)


def _splat(b, x):
    vec = b.insert_element(ir.Constant(VEC, ir.Undefined), x, ir.Constant(ir.IntType(32), 0))
    return b.shuffle_vector(vec, ir.Constant(VEC, ir.Undefined),
                            ir.Constant(ir.VectorType(ir.IntType(32), LANES), [0] * LANES))


def _check(em, parts, outs, vload, state_at, lanes, C, vrad, vtol, visig):
    """C[j] = 2 if some |v_i| >= rad or is nan, else 1 if sum |F_i(v) - v_i| < tol (1/sig +
    sum |v_i|), else 0 (8 points at a time)."""
    b, n = em.b, parts["state"]
    fabs = em.intrinsic("llvm.fabs")

    def code(j):
        state_at(j)
        v = [em.env[f"v{i}"] for i in range(n)]
        em.statements(parts["body"])
        new = [em.expr(o) for o in outs]
        inside = None
        for x in v:
            ok = b.fcmp_ordered("<", b.call(fabs, [x]), vrad)
            inside = ok if inside is None else b.and_(inside, ok)
        disp, size = em.const(0), visig
        for x, y in zip(v, new):
            disp = b.fadd(disp, b.call(fabs, [b.fsub(y, x)]))
            size = b.fadd(size, b.call(fabs, [x]))
        still = b.fcmp_ordered("<", disp, b.fmul(vtol, size))
        value = b.select(inside, b.select(still, em.const(1), em.const(0)), em.const(2))
        b.store(value, b.bitcast(b.gep(C, [j]), VEC.as_pointer()), align=8)
    lanes(code)


def _update(em, n, stride, Z, C, status, when, lo, j, stamp):
    """Point j of the block: a code other than the status (unless escaped) becomes the
    status, with `when`; an escaped point's state is zeroed."""
    b, c = em.b, ir.Constant
    k = b.add(lo, j)
    s = b.load(b.gep(status, [k]))
    code = b.fptosi(b.load(b.gep(C, [j])), I8)
    change = b.and_(b.icmp_signed("!=", code, s), b.icmp_signed("!=", s, c(I8, 2)))
    with b.if_then(change):
        b.store(code, b.gep(status, [k]))
        b.store(b.select(b.icmp_signed("!=", code, c(I8, 0)), stamp, c(I64, -1)),
                b.gep(when, [k]))
        with b.if_then(b.icmp_signed("==", code, c(I8, 2))):
            for i in range(n):
                b.store(ir.Constant(DOUBLE, 0.0), b.gep(Z, [b.add(c(I64, i * stride), j)]))


class Kernel:
    """A compiled sweep kernel. ``advance(V, eta, nsteps, every, radius, tol, status, when,
    offset)`` iterates the float64 array V (state x points, points a multiple of the block)
    in place, its blocks split into `threads` equal runs, each on its own thread with its own
    scratch; ``numpy_advance`` is the plain numpy loop of the same map."""

    def __init__(self, parts, numpy_module, threads):
        self.parts, self.threads = parts, threads
        self.numpy_advance, self.__file__ = numpy_module.numpy_advance, numpy_module.__file__
        self._fn = _compiled(kernel_ir(parts))

    def sigma(self, p0):
        """The scaling $\\sigma = (|c|\\,\\eta)^{-1/k}$ of the kernel's state (1 if none)."""
        scale = self.parts["scale"]
        return 1.0 if scale is None else (scale[0] * p0) ** (-1.0 / scale[1])

    def advance(self, V, p0, nsteps, every, radius, tol, status, when, offset):
        if V.dtype != np.float64 or not V.flags.c_contiguous or status.dtype != np.int8 \
                or when.dtype != np.int64:
            raise ValueError("sweep kernel: expected C-contiguous float64 V, int8 status, "
                             "int64 when")
        block = self.parts["block"]
        nb = V.shape[1] // block
        k = max(1, min(self.threads(), nb))
        cut = [nb * i // k for i in range(k + 1)]
        common = (V.ctypes.data, V.shape[1], float(p0), self.sigma(float(p0)), int(nsteps),
                  max(1, int(every)), float(radius), float(tol), status.ctypes.data,
                  when.ctypes.data, int(offset))
        size = self.parts["state"] * (block + self.parts["pad"])
        scratch = [(np.empty(size + LANES), np.empty(block + LANES)) for _ in range(k)]
        calls = [common + (cut[i], cut[i + 1], _aligned(z), _aligned(cc))
                 for i, (z, cc) in enumerate(scratch)]
        if k == 1:
            self._fn(*calls[0])
            return
        keep = (V, status, when, scratch)  # the threads write there: alive until they end
        runs = [_pool().submit(_call, self._fn, a, keep) for a in calls]
        try:
            for run in runs:
                run.result()
        except BaseException:  # an interrupt: the running calls finish before the arrays
            # may be freed (a run cannot be stopped midway)
            wait(runs)
            raise


def _call(fn, args, keep):
    """`fn(*args)`; `keep` (the arrays behind the addresses in `args`) stays referenced by
    this frame until the call returns."""
    fn(*args)


def _aligned(array):
    """Address of the first 64-byte aligned double of `array`."""
    return array.ctypes.data + (-array.ctypes.data) % 64


@lru_cache(maxsize=64)
def _compiled(text):
    import llvmlite.binding as ll
    initialise()
    mod = ll.parse_assembly(text)
    mod.triple = ll.get_process_triple()
    mod.verify()
    target = ll.Target.from_triple(mod.triple).create_target_machine(
        cpu=ll.get_host_cpu_name(), features=ll.get_host_cpu_features().flatten(), opt=3)
    mod.data_layout = str(target.target_data)
    passes = ll.create_pass_builder(target, ll.PipelineTuningOptions(speed_level=3))
    passes.getModulePassManager().run(mod, passes)
    engine = ll.create_mcjit_compiler(mod, target)
    engine.finalize_object()
    vp, i64, dbl = ctypes.c_void_p, ctypes.c_int64, ctypes.c_double
    fn = ctypes.CFUNCTYPE(None, vp, i64, dbl, dbl, i64, i64, dbl, dbl, vp, vp, i64, i64, i64,
                          vp, vp)(engine.get_function_address("advance_blocks"))
    _ENGINES.append(engine)  # the machine code lives as long as its engine
    return fn


_ENGINES = []


@lru_cache(maxsize=None)
def _pool():
    return ThreadPoolExecutor(thread_name_prefix="eos-sweep")
