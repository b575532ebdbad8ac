"""Float64 companion kernels compiled with llvmlite directly, without numba.

The companions of a certified run (`companions`) iterate the same straight-line programs as
the primary run, printed as float64 statements (`compile.float_parts`). Here those
statements are emitted as LLVM IR (`llvm_emit.Emitter`), optimised at -O3 and compiled in
process by llvmlite's MCJIT: a few milliseconds, where numba's import and target
initialisation take about half a second, more than a whole short run. IEEE semantics
throughout (no fast-math): a division by zero gives inf, a square root of a negative number
nan, as in the mpfr run.

Kernels (``double *`` arrays, row-major, K companions of ``nv`` coordinates):

- ``ensemble(V, P, K, n)``: n steps of companion k (row k of V) at step size P[k] (four
  companions at a time in the lanes of one vector);
- ``errors(V, P, QZ, OUT, K, top, margin)``: for the m recorded quantities
  (`recorded`), QZ holds the primary's values Q then flags Z (1: exactly 0);
  OUT receives E, D and lambda (m each): $E_j = \\max_k |c_{kj} - Q_j|$ (inf if any is nan),
  $\\lambda_j = \\log_{10}(E_j / |Q_j| / u_c)$ (-inf when E_j = 0; inf when Q_j is not a
  finite float64 away from 0), D[j] = $\\lfloor \\mathrm{top} - \\max(0, \\lambda_j) -
  \\mathrm{margin} \\rfloor^+$ the digits they leave the primary (0 when lambda is inf);
- ``probe(V, W, P, K, n, every, L, T)``: n steps with tangent vectors W (renormalised each
  step), the cumulative log10 growth carried on from T[k] and written every `every` steps
  to row k of L (n // every columns).
"""
import ast
import ctypes
import math
import re

from llvmlite import ir

from .llvm_emit import DOUBLE, I64, PTR, Emitter, initialise
from .llvm_emit import address as _address

LOG10_UC = math.log10(2.0 ** -53)  # of the float64 unit roundoff
LANES = 4  # companions advanced together by `ensemble`


def _internal(name):
    """Observables a record does not show (they enter grad_norm and sharpness)."""
    return name.startswith("eig") or name == "grad_norm_sq"


def recorded(kernels):
    """Names of the quantities ``errors`` compares, in its order: the coordinates, the
    compiled observables a record shows, then grad_norm, sharpness and gap."""
    return list(kernels.variables) + [n for n in kernels.observable_names
                                      if not _internal(n)] + ["grad_norm", "sharpness", "gap"]


def _digits(em, Q, Z, E, D, lam_out, j, top, margin):
    """lambda[j] and D[j] from E[j] and Q[j] (see the module docstring), branch-free."""
    b, c = em.b, em.const
    inf = c(float("inf"))
    q, e = b.load(em.cell(Q, j)), b.load(em.cell(E, j))
    aq = b.call(em.intrinsic("llvm.fabs"), [q])
    exact = b.fcmp_ordered("==", e, c(0))
    lam = b.fsub(b.call(em.intrinsic("llvm.log10"), [b.fdiv(e, aq)]), c(LOG10_UC))
    lam = b.select(exact, c(float("-inf")), lam)
    bad = b.or_(b.or_(b.fcmp_unordered(">=", aq, inf), b.fcmp_unordered(">=", e, inf)),
                b.fcmp_ordered("<", aq, c(1e-290)))
    lam = b.select(bad, inf, lam)
    zero = b.fcmp_ordered("!=", b.load(em.cell(Z, j)), c(0))
    lam = b.select(zero, b.select(exact, c(float("-inf")), inf), lam)
    b.store(lam, em.cell(lam_out, j))
    positive = b.select(b.fcmp_ordered(">", lam, c(0)), lam, c(0))
    d = b.fsub(b.fsub(top, positive), margin)
    d = b.call(em.intrinsic("llvm.floor"), [b.select(b.fcmp_ordered(">", d, c(0)), d, c(0))])
    b.store(b.select(b.fcmp_ordered("<", lam, inf), d, c(0)), em.cell(D, j))


def _gather(em, cells):
    """The doubles at `cells` as one vector."""
    out = ir.Constant(em.ty, ir.Undefined)
    for j, c in enumerate(cells):
        out = em.b.insert_element(out, em.b.load(c), ir.Constant(ir.IntType(32), j))
    return out


def _function(module, name, nptr, nint):
    fn = ir.Function(module, ir.FunctionType(ir.VoidType(), [PTR] * nptr + [I64] * nint),
                     name=name)
    return fn, ir.IRBuilder(fn.append_basic_block())


def _state(em, V, k, nv):
    """Variables v0.. of companion k as memory cells, loaded into the environment."""
    cells = [em.cell(V, em.at(k, nv, i)) for i in range(nv)]
    slots = []
    for i, c in enumerate(cells):
        slot = em.entry_alloca(DOUBLE)
        em.b.store(em.b.load(c), slot)
        slots.append(slot)
    return cells, slots


def _step(em, slots, body, new):
    for i, s in enumerate(slots):
        em.env[f"v{i}"] = em.b.load(s)
    em.statements(list(body) + [f"{', '.join(f'v{i}' for i in range(len(slots)))}, = "
                                f"{', '.join(new)},"])
    for i, s in enumerate(slots):
        em.b.store(em.env[f"v{i}"], s)


def _renamed(lines, tag):
    """The temporaries of a second program renamed (``_t0`` -> ``_jt0``): no clashes."""
    return [re.sub(r"\b_(\w)", rf"_{tag}\1", line) for line in lines]


def module_ir(kernels, derived):
    """LLVM IR text of the three kernels for `kernels` (`kernels.Kernels`);
    `derived(oout, threshold)` gives the float64 expressions of grad_norm, sharpness and gap
    from the observables' outputs and the stability threshold's expression (2/eta, or the
    update rule's `kernels.threshold`; see `companions._derived`)."""
    nv = len(kernels.variables)
    pre, body, new = kernels.step.float_code
    opre, obody, oout = (_renamed(list(p), "o") for p in kernels.observables.float_code)
    jpre, jbody, jout = (_renamed(list(p), "j") for p in kernels.jacobian.float_code)
    hpre, threshold = [], "2.0 / p0"
    if kernels.threshold is not None:
        hpre, hbody, hout = (_renamed(list(p), "h") for p in kernels.threshold.float_code)
        hpre, threshold = hpre + hbody, hout[0]
    derived = derived(oout, threshold)
    module = ir.Module(name="eos_companions")

    # ensemble(V, P, K, n): companions four at a time in the lanes of a vector (IEEE lane by
    # lane, so each rounds exactly as alone), the rest one by one
    fn, b = _function(module, "ensemble", 2, 2)
    V, P, K, n = fn.args
    em = Emitter(b, module, {})
    vec = Emitter(b, module, {}, ir.VectorType(DOUBLE, LANES))

    def companion(k):
        em.env["p0"] = b.load(em.cell(P, k))
        em.statements(pre)
        cells, slots = _state(em, V, k, nv)
        em.loop(n, lambda _: _step(em, slots, body, new))
        for c, s in zip(cells, slots):
            b.store(b.load(s), c)

    def group(g):
        ks = [b.add(b.mul(g, ir.Constant(I64, LANES)), ir.Constant(I64, j))
              for j in range(LANES)]
        vec.env["p0"] = _gather(vec, [em.cell(P, k) for k in ks])
        vec.statements(pre)
        rows = [[em.cell(V, em.at(k, nv, i)) for k in ks] for i in range(nv)]
        slots = []
        for cells in rows:
            slots.append(vec.entry_alloca(vec.ty))
            b.store(_gather(vec, cells), slots[-1])
        vec.loop(n, lambda _: _step(vec, slots, body, new))
        for cells, slot in zip(rows, slots):
            x = b.load(slot)
            for j, c in enumerate(cells):
                b.store(b.extract_element(x, ir.Constant(ir.IntType(32), j)), c)
    groups = b.sdiv(K, ir.Constant(I64, LANES))
    vec.loop(groups, group)
    done = b.mul(groups, ir.Constant(I64, LANES))
    em.loop(b.sub(K, done), lambda r: companion(b.add(done, r)))
    b.ret_void()

    # errors(V, P, QZ, OUT, K, top, margin)
    names = list(kernels.observable_names)
    shown = [i for i, n in enumerate(names) if not _internal(n)]
    nq = nv + len(shown) + 3
    fn = ir.Function(module, ir.FunctionType(ir.VoidType(), [PTR] * 4 + [I64] + [DOUBLE] * 2),
                     name="errors")
    b = ir.IRBuilder(fn.append_basic_block())
    V, P, Q, E, K, top, margin = fn.args
    Z, D = (b.gep(a, [ir.Constant(I64, nq)]) for a in (Q, E))
    lam_out = b.gep(E, [ir.Constant(I64, 2 * nq)])
    em = Emitter(b, module, {})
    em.loop(ir.Constant(I64, nq), lambda j: b.store(em.const(0), em.cell(E, j)))

    def compare(k):
        em.env["p0"] = b.load(em.cell(P, k))
        for i in range(nv):
            em.env[f"v{i}"] = b.load(em.cell(V, em.at(k, nv, i)))
        em.statements(list(opre) + list(obody) + hpre + [
            f"_q{len(names) + i} = {e}" for i, e in enumerate(derived)])
        values = [em.env[f"v{i}"] for i in range(nv)] + [
            em.expr(ast.parse(oout[i], mode="eval").body) for i in shown] + [
            em.env[f"_q{len(names) + i}"] for i in range(3)]
        for j, c in enumerate(values):
            cell = em.cell(E, ir.Constant(I64, j))
            d = b.call(em.intrinsic("llvm.fabs"), [b.fsub(c, b.load(
                em.cell(Q, ir.Constant(I64, j))))])
            worse = b.fcmp_unordered(">", d, b.load(cell))  # true when d is nan, too
            nan = b.fcmp_unordered("uno", d, d)
            b.store(b.select(worse, b.select(nan, em.const(float("inf")), d), b.load(cell)),
                    cell)
    em.loop(K, compare)
    em.loop(ir.Constant(I64, nq),
            lambda j: _digits(em, Q, Z, E, D, lam_out, j, top, margin))
    b.ret_void()

    # probe(V, W, P, K, n, every, L, T)
    fn, b = _function(module, "probe", 5, 3)
    V, W, P, L, T, K, n, every = fn.args
    em = Emitter(b, module, {})
    log10 = em.intrinsic("llvm.log10")

    def probe(k):
        em.env["p0"] = b.load(em.cell(P, k))
        em.statements(list(pre) + list(jpre))
        cells, slots = _state(em, V, k, nv)
        wcells = [em.cell(W, em.at(k, nv, i)) for i in range(nv)]
        total = em.entry_alloca(DOUBLE)
        b.store(b.load(em.cell(T, k)), total)
        columns = b.sdiv(n, every)

        def one(t):
            for i, s in enumerate(slots):
                em.env[f"v{i}"] = b.load(s)
            em.statements(jbody)
            J = [em.expr(ast.parse(o, mode="eval").body) for o in jout]
            w = [b.load(c) for c in wcells]
            tw = [None] * nv
            for i in range(nv):
                acc = em.const(0)
                for j in range(nv):
                    acc = b.fadd(acc, b.fmul(J[i * nv + j], w[j]))
                tw[i] = acc
            size = em.const(0)
            for x in tw:
                size = b.fadd(size, b.fmul(x, x))
            size = b.call(em.intrinsic("llvm.sqrt"), [size])
            b.store(b.fadd(b.load(total), b.call(log10, [size])), total)
            for c, x in zip(wcells, tw):
                b.store(b.fdiv(x, size), c)
            _step(em, slots, body, new)
            t1 = b.add(t, ir.Constant(I64, 1))
            col = b.sub(b.sdiv(t1, every), ir.Constant(I64, 1))
            record = b.icmp_signed("==", b.srem(t1, every), ir.Constant(I64, 0))
            with b.if_then(record):
                b.store(b.load(total), em.cell(L, b.add(b.mul(k, columns), col)))
        em.loop(n, one)
        b.store(b.load(total), em.cell(T, k))
        for c, s in zip(cells, slots):
            b.store(b.load(s), c)
    em.loop(K, probe)
    b.ret_void()
    return str(module)


class CompiledKernels:
    """The three kernels of `module_ir`, compiled; call them with numpy float64 arrays."""

    def __init__(self, text):
        import llvmlite.binding as ll
        initialise()
        mod = ll.parse_assembly(text)
        mod.triple = ll.get_process_triple()
        mod.verify()
        target = ll.Target.from_triple(mod.triple).create_target_machine(opt=3)
        pass_builder = ll.create_pass_builder(target, ll.PipelineTuningOptions(speed_level=3))
        pass_builder.getModulePassManager().run(mod, pass_builder)
        self._engine = ll.create_mcjit_compiler(mod, target)
        self._engine.finalize_object()
        vp, i64, dbl = ctypes.c_void_p, ctypes.c_int64, ctypes.c_double
        signatures = {"ensemble": [vp] * 2 + [i64] * 2, "errors": [vp] * 4 + [i64] + [dbl] * 2,
                      "probe": [vp] * 5 + [i64] * 3}
        self._fns = {name: ctypes.CFUNCTYPE(None, *args)(
            self._engine.get_function_address(name)) for name, args in signatures.items()}
        # the raw kernels on addresses (K x coordinates float64 arrays, C order) and plain
        # numbers, for callers that keep their buffers: one ctypes call and nothing else
        self.ensemble_at, self.errors_at = self._fns["ensemble"], self._fns["errors"]

    def ensemble(self, V, P, n):
        self._fns["ensemble"](_address(V), _address(P), V.shape[0], int(n))

    def errors(self, V, P, QZ, OUT, top, margin):
        self._fns["errors"](_address(V), _address(P), _address(QZ), _address(OUT), V.shape[0],
                            float(top), float(margin))

    def probe(self, V, W, P, n, every, L, T):
        self._fns["probe"](*map(_address, (V, W, P, L, T)), V.shape[0], int(n), int(every))
