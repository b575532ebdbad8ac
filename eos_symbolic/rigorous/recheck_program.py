"""Forward-mode duals and straight-line programs over SymPy expressions, in ball arithmetic,
for `recheck`: `Program` turns expressions into generated Python, one line per operation of
the output of `sympy.cse`, run on duals (`Dual`: value and gradient) or on plain
python-flint balls; no symbolic differentiation, no code shared with the prover.
"""
import re
from fractions import Fraction

import sympy as sp

from ..errors import EosError


def _flint():
    import flint
    return flint


def num(q):
    """Ball of an exact rational."""
    fl = _flint()
    q = Fraction(q)
    return fl.arb(fl.fmpq(q.numerator, q.denominator))


def interval(lo, hi):
    """Ball containing the exact interval [lo, hi]."""
    fl = _flint()
    lo, hi = Fraction(lo), Fraction(hi)
    m, r = (lo + hi) / 2, (hi - lo) / 2
    return num(m) + fl.arb(0, num(r).upper()) if r else num(m)


def exact_bounds(v):
    """Exact (lo, hi) with the ball inside."""
    def dy(x):
        man, exp = x.mid().man_exp()
        return Fraction(int(man)) * Fraction(2) ** int(exp)
    m, r = dy(v.mid()), dy(v.rad())
    return m - r, m + r


_RATIONAL = re.compile(r"-?[0-9]{1,600}(/[0-9]{1,600})?")


def rational(v):
    """An exact rational of the certificate: an integer or a ``p/q`` string of bounded
    length (a hostile file's ``1e999999999`` would make `Fraction` compute a huge power)."""
    if isinstance(v, int) and not isinstance(v, bool) and abs(v) < 10 ** 600:
        return Fraction(v)
    if isinstance(v, str) and _RATIONAL.fullmatch(v):
        return Fraction(v)
    raise ValueError(f"expected an exact rational 'p/q', got {str(v)[:40]!r}")


class Dual:
    """A ball with derivatives (tuple of balls) along the box directions; the other operand
    of an operation may be a Dual, a ball, an int or a Fraction (a constant). Where no
    derivative is wanted the same code runs on plain balls (`power`, `root`, `value`)."""

    __slots__ = ("v", "d")

    def __init__(self, v, d):
        self.v, self.d = v, d

    # the two-direction case (a box at one kappa) unrolled: most of a re-check's time

    def __add__(self, o):
        if isinstance(o, Dual):
            d, e = self.d, o.d
            if len(d) == 2:
                return Dual(self.v + o.v, (d[0] + e[0], d[1] + e[1]))
            return Dual(self.v + o.v, tuple([x + y for x, y in zip(d, e)]))
        return Dual(self.v + _const(o), self.d)

    __radd__ = __add__

    def __neg__(self):
        return Dual(-self.v, tuple([-x for x in self.d]))

    def __sub__(self, o):
        if isinstance(o, Dual):
            d, e = self.d, o.d
            if len(d) == 2:
                return Dual(self.v - o.v, (d[0] - e[0], d[1] - e[1]))
            return Dual(self.v - o.v, tuple([x - y for x, y in zip(d, e)]))
        return Dual(self.v - _const(o), self.d)

    def __rsub__(self, o):
        return Dual(_const(o) - self.v, tuple([-x for x in self.d]))

    def __mul__(self, o):
        if isinstance(o, Dual):
            v, w, d, e = self.v, o.v, self.d, o.d
            if len(d) == 2:
                return Dual(v * w, (v * e[0] + w * d[0], v * e[1] + w * d[1]))
            return Dual(v * w, tuple([v * y + w * x for x, y in zip(d, e)]))
        o, d = _const(o), self.d
        if len(d) == 2:
            return Dual(self.v * o, (d[0] * o, d[1] * o))
        return Dual(self.v * o, tuple([x * o for x in d]))

    __rmul__ = __mul__

    def __truediv__(self, o):
        if not isinstance(o, Dual):
            o = _const(o)
            return Dual(self.v / o, tuple([x / o for x in self.d]))
        q = self.v / o.v
        return Dual(q, tuple([(x - q * y) / o.v for x, y in zip(self.d, o.d)]))

    def __rtruediv__(self, o):
        q = _const(o) / self.v
        return Dual(q, tuple([-q * x / self.v for x in self.d]))

    def ipow(self, n):
        if n == 0:
            return Dual(_flint().arb(1), tuple([0 * x for x in self.d]))
        if n < 0:
            return 1 / self.ipow(-n)
        v = power(self.v, n)
        if n == 1:
            return Dual(v, self.d)
        g = n * self.v ** (n - 1)
        return Dual(v, tuple([g * x for x in self.d]))

    def root(self, q):
        r = root(self.v, q)
        return Dual(r, tuple([x * r / (q * self.v) for x in self.d]))


def _const(o):
    return num(o) if type(o) is Fraction else o


def power(x, n):
    """x^n for an integer n, of a Dual or a ball; squares of balls around 0 stay
    non-negative."""
    if isinstance(x, Dual):
        return x.ipow(n)
    if n < 0:
        return 1 / power(x, -n)
    if n == 2 and x.contains(0):
        return (x.abs_upper() ** 2).union(0 * x)
    return x ** n


def root(x, q):
    """The q-th root of a Dual or a ball."""
    if isinstance(x, Dual):
        return x.root(q)
    return x.sqrt() if q == 2 else x.root(q)


def value(x):
    """The ball of a Dual or a ball."""
    return x.v if isinstance(x, Dual) else x


class Program:
    """SymPy expressions in `symbols` as generated straight-line Python over duals (`Dual`)
    or plain balls: one line per operation of the output of `sympy.cse`, no symbolic
    differentiation."""

    def __init__(self, exprs, symbols):
        replaced, reduced = sp.cse(list(exprs), order="none")
        names = {s: f"i{k}" for k, s in enumerate(symbols)}
        self.consts, lines = [], []
        for sym, e in replaced:
            names[sym] = f"t{len(lines)}"
            lines.append(f"    {names[sym]} = {self._src(e, names)}")
        outs = ", ".join(self._src(e, names) for e in reduced)
        src = "def run({}):\n{}\n    return [{}]\n".format(
            ", ".join(names[s] for s in symbols), "\n".join(lines) or "    pass", outs)
        self.balls, self.prec = [], None
        env = {"C": self.balls, "PW": power, "RT": root}
        # written here from SymPy trees: names i/t, constants by index into C, other nodes refused
        # audited: exec of that source, never of text
        exec(compile(src, "<recheck program>", "exec"), env)
        self.run = env["run"]

    def _src(self, e, names):
        if e.is_Symbol:
            return names[e]
        if e.is_Rational:
            self.consts.append((Fraction(int(e.p), int(e.q)), 1, 1))
            return f"C[{len(self.consts) - 1}]"
        if e.is_Add or e.is_Mul:
            op = " + " if e.is_Add else " * "
            return "(" + op.join(self._src(t, names) for t in e.args) + ")"
        if e.is_Pow and e.exp.is_Rational:
            p, q = int(e.exp.p), int(e.exp.q)
            if e.base.is_Rational:
                self.consts.append((Fraction(int(e.base.p), int(e.base.q)), q, p))
                return f"C[{len(self.consts) - 1}]"
            base = self._src(e.base, names)
            if q != 1:
                base = f"RT({base}, {q})"
            return f"PW({base}, {p})" if p != 1 else base
        raise EosError(f"recheck: no rule for {e}")

    def __call__(self, *inputs):
        prec = _flint().ctx.prec
        if prec != self.prec:  # constants c^(p/q) as balls at the working precision
            self.balls[:] = [(num(c).root(q) if q != 1 else num(c)) ** p
                             for c, q, p in self.consts]
            self.prec = prec
        return self.run(*inputs)


def natural_values(program, *ranges):
    """Balls of a `Program`'s outputs on exact ranges (natural interval extension)."""
    return program(*[interval(*r) for r in ranges])


def centred_values(program, *ranges):
    """Balls of a `Program`'s outputs on exact ranges: the mean-value form
    $f(m) + \\sum_i \\partial_i f(X) (X_i - m_i)$ (forward-mode derivatives) intersected with
    the natural extension; the form that survives a difference of large terms such as
    $2/\\kappa^2 - S$ over a kappa interval."""
    n = len(ranges)
    X = [interval(*r) for r in ranges]
    whole = program(*[Dual(X[i], tuple(num(int(i == j)) for j in range(n)))
                      for i in range(n)])
    mids = [(lo + hi) / 2 for lo, hi in ranges]
    at = program(*[num(m) for m in mids])
    out = []
    for c, w in zip(at, whole):
        e = c
        for g, x_, m in zip(w.d, X, mids):
            e = e + g * (x_ - num(m))
        out.append(e.intersection(w.v) if e.overlaps(w.v) else e)
    return out
