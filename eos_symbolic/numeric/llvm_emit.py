"""An emitter of LLVM IR from the float64 statements the code generators print.

The float64 programs of a model (`compile.float_parts`, the sweep code generator) are our
own generated text: assignments of sums, products, quotients, integer powers, ``sqrt``,
``square`` and ``root`` of names and float literals, and the functions of analytic losses.
`Emitter` reads them back with `ast` and emits the same arithmetic as IR, on doubles or on
vectors of doubles, with IEEE semantics unless fast-math flags are given (a division by zero
gives inf, a square root of a negative number nan, as in the mpfr run). Shared by the
companion kernels (`float_jit`) and the sweep kernel (`dynamics.sweep_jit`).
"""
import ast
from functools import lru_cache

from llvmlite import ir

DOUBLE, I64 = ir.DoubleType(), ir.IntType(64)
PTR = DOUBLE.as_pointer()


class Emitter:
    """Statements of a float program as IR in one function (names live in `env`), on
    doubles or on vectors of them (`ty`), with fast-math `flags` on the arithmetic (none:
    IEEE)."""

    def __init__(self, builder, module, env, ty=DOUBLE, flags=()):
        self.b, self.module, self.env, self.ty, self.flags = builder, module, env, ty, flags

    def intrinsic(self, name, nargs=1):
        if not isinstance(self.ty, ir.VectorType):
            return self.module.declare_intrinsic(name, [self.ty])
        full = f"{name}.v{self.ty.count}f64"  # llvmlite names scalar overloads only
        return self.module.globals.get(full) or ir.Function(
            self.module, ir.FunctionType(self.ty, [self.ty] * nargs), name=full)

    def const(self, value):
        if isinstance(self.ty, ir.VectorType):
            return ir.Constant(self.ty, [float(value)] * self.ty.count)
        return ir.Constant(DOUBLE, float(value))

    def libm(self, name, x):
        """The C library's `name` (double -> double), lane by lane on a vector."""
        fn = self.module.globals.get(name) or ir.Function(
            self.module, ir.FunctionType(DOUBLE, [DOUBLE]), name=name)
        if not isinstance(self.ty, ir.VectorType):
            return self.b.call(fn, [x])
        out = ir.Constant(self.ty, ir.Undefined)
        for i in range(self.ty.count):
            lane = ir.Constant(ir.IntType(32), i)
            out = self.b.insert_element(out, self.b.call(fn, [self.b.extract_element(x, lane)]),
                                        lane)
        return out

    def statements(self, lines):
        for line in lines:
            node = ast.parse(line).body[0]
            if not isinstance(node, ast.Assign) or len(node.targets) != 1:
                raise ValueError(f"llvm_emit: not an assignment: {line}")
            target, value = node.targets[0], node.value
            if isinstance(target, ast.Tuple):
                values = [self.expr(v) for v in value.elts]
                for t, v in zip(target.elts, values):
                    self.env[t.id] = v
            else:
                self.env[target.id] = self.expr(value)

    def expr(self, node):
        b = self.b
        if isinstance(node, ast.Name):
            return self.env[node.id]
        if isinstance(node, ast.Attribute) and node.attr in ("nan", "inf"):  # np.nan
            return self.const(float(node.attr))
        if isinstance(node, ast.Constant):
            return self.const(node.value)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
            return b.fneg(self.expr(node.operand), flags=self.flags)
        if isinstance(node, ast.BinOp):
            if isinstance(node.op, ast.Pow):
                return self.power(self.expr(node.left), node.right)
            op = {ast.Add: b.fadd, ast.Sub: b.fsub, ast.Mult: b.fmul, ast.Div: b.fdiv}
            return op[type(node.op)](self.expr(node.left), self.expr(node.right),
                                     flags=self.flags)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            args = [self.expr(a) for a in node.args]
            if node.func.id == "sqrt":
                return b.call(self.intrinsic("llvm.sqrt"), args)
            if node.func.id == "square":
                return b.fmul(args[0], args[0], flags=self.flags)
            if node.func.id in ("exp", "log", "sin", "cos"):  # analytic losses
                return b.call(self.intrinsic(f"llvm.{node.func.id}"), args)
            if node.func.id in ("tanh", "cosh", "sinh"):  # the C library's, as numpy's
                return self.libm(node.func.id, args[0])
            if node.func.id == "max":  # nan wins, as the largest eigenvalue must be honest
                top = args[0]
                for a in args[1:]:
                    top = b.select(b.fcmp_unordered(">", a, top), a, top)
                return top
            if node.func.id == "root":  # real roots of non-negative numbers, else nan
                q = ast.literal_eval(node.args[1])
                power = b.call(self.intrinsic("llvm.pow", 2), [args[0], self.const(1 / q)])
                ok = b.fcmp_ordered(">=", args[0], self.const(0))
                return b.select(ok, power, self.const(float("nan")))
        raise ValueError(f"llvm_emit: cannot compile {ast.dump(node)}")

    def power(self, base, exponent):
        n = ast.literal_eval(exponent)
        if int(n) != n:
            raise ValueError(f"llvm_emit: non-integer power {n}")
        n, out, sq, f = int(n), self.const(1), base, self.flags
        for bit in bin(abs(n))[:1:-1]:  # binary powering, lowest bit first
            if bit == "1":
                out = self.b.fmul(out, sq, flags=f)
            sq = self.b.fmul(sq, sq, flags=f)
        return self.b.fdiv(self.const(1), out, flags=f) if n < 0 else out

    def entry_alloca(self, ty):
        """A stack slot made in the function's entry block: once per call, and mem2reg
        turns it into a register (an alloca inside a loop would grow the stack each time)."""
        here = self.b.block
        self.b.position_at_start(self.b.function.entry_basic_block)
        slot = self.b.alloca(ty)
        self.b.position_at_end(here)
        return slot

    def loop(self, count, body):
        """``for i in range(count): body(i)`` with an i64 counter in memory (mem2reg)."""
        b = self.b
        counter = self.entry_alloca(I64)
        b.store(ir.Constant(I64, 0), counter)
        head, inner, done = (b.append_basic_block() for _ in range(3))
        b.branch(head)
        b.position_at_end(head)
        i = b.load(counter)
        b.cbranch(b.icmp_signed("<", i, count), inner, done)
        b.position_at_end(inner)
        body(i)
        b.store(b.add(b.load(counter), ir.Constant(I64, 1)), counter)
        b.branch(head)
        b.position_at_end(done)

    def cell(self, array, index):
        return self.b.gep(array, [index])

    def at(self, k, stride, i):
        return self.b.add(self.b.mul(k, ir.Constant(I64, stride)), ir.Constant(I64, i))


def address(array):
    """Address of a C-contiguous float64 array's data (an int passes through: an address
    kept by a caller that reuses its buffers; numpy's `.ctypes` costs a microsecond)."""
    if isinstance(array, int):
        return array
    if array.dtype != "float64" or not array.flags.c_contiguous:
        raise ValueError("llvm_emit: expected a C-contiguous float64 array")
    return array.ctypes.data


@lru_cache(maxsize=None)
def initialise():
    import llvmlite.binding as ll
    ll.initialize_native_target()
    ll.initialize_native_asmprinter()
