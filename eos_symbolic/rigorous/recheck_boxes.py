"""Independent re-check of Arb branch-and-bound certificates (the `arb-boxes` proofs).

A certificate lists leaf boxes (exact rational bounds) and claims ``f > 0`` (or ``>= 0``) on
each. This module re-verifies it with nothing of the prover (`intervals`) but the ball
arithmetic of python-flint:

1. *Cover.* The leaves must tile the stated box. Checked by recursion: a box is covered if it
   is a leaf, or if some side has a midpoint that no remaining leaf straddles and both halves
   are covered (every bisection tree passes; a missing or overlapping leaf fails).
2. *Sign on every leaf.* Its own evaluator walks the SymPy tree on balls (the natural
   extension, even powers on the absolute value) and, for the centred form
   $f(X) \\subseteq f(m) + \\nabla f(X) \\cdot (X - m)$, gets $\\nabla f(X)$ by forward-mode
   differentiation in ball arithmetic (dual numbers), not from SymPy's `diff`. The leaf passes
   when the intersection of both enclosures is on the right side of 0.
"""
from contextlib import contextmanager
from fractions import Fraction

import sympy as sp

from ..errors import EosError
from ..symbolic.parser import to_sympy
from .proof_text import read


def _flint():
    import flint
    return flint


@contextmanager
def working_bits(bits):
    """Arb working precision for the block, restored afterwards."""
    fl = _flint()
    old = fl.ctx.prec
    fl.ctx.prec = bits
    try:
        yield
    finally:
        fl.ctx.prec = old


def interval_ball(lo, hi):
    """A ball containing the exact interval [lo, hi] (Fractions)."""
    fl = _flint()
    a = fl.arb(fl.fmpq(lo.numerator, lo.denominator))
    return a if lo == hi else a.union(fl.arb(fl.fmpq(hi.numerator, hi.denominator)))


def _even_power(v, n):
    fl = _flint()
    top = v.abs_upper() ** n
    low = fl.arb(0) if v.contains(0) else v.abs_lower() ** n
    return low.union(top)


class Dual:
    """A ball value with the balls of its partial derivatives (forward-mode AD)."""

    def __init__(self, v, d):
        self.v, self.d = v, d

    def __add__(self, o):
        return Dual(self.v + o.v, [p + q for p, q in zip(self.d, o.d)])

    def __mul__(self, o):
        return Dual(self.v * o.v, [p * o.v + self.v * q for p, q in zip(self.d, o.d)])

    def chain(self, value, slope):
        return Dual(value, [slope * p for p in self.d])


def _apply(e, kids, dual):
    """One node: value from the children's values (balls or `Dual`s)."""
    fl = _flint()
    if e.is_Add:
        out = kids[0]
        for k in kids[1:]:
            out = out + k
        return out
    if e.is_Mul:
        out = kids[0]
        for k in kids[1:]:
            out = out * k
        return out
    x = kids[0]
    v = x.v if dual else x
    if e.is_Pow and e.exp.is_Integer:
        n = int(e.exp)
        val = _even_power(v, n) if n > 0 and n % 2 == 0 else v ** n
        return x.chain(val, n * v ** (n - 1)) if dual else val
    if e.is_Pow and e.exp.is_Rational:
        p, q = int(e.exp.p), int(e.exp.q)
        if v.contains(0) or v < 0:  # no derivative (and no real root) on this ball
            raise ArithmeticError("root of a ball that reaches 0")
        r = v.sqrt() if q == 2 else v.root(q)
        val = r ** p
        return x.chain(val, fl.arb(p) / q * val / v) if dual else val
    if isinstance(e, sp.exp):
        val = v.exp()
        return x.chain(val, val) if dual else val
    if isinstance(e, sp.log):
        val = v.log()
        return x.chain(val, 1 / v) if dual else val
    if isinstance(e, sp.sin):
        return x.chain(v.sin(), v.cos()) if dual else v.sin()
    if isinstance(e, sp.cos):
        return x.chain(v.cos(), -v.sin()) if dual else v.cos()
    if isinstance(e, sp.Abs):
        val = fl.arb(0).union(v.abs_upper()) if v.contains(0) else (v if v > 0 else -v)
        slope = fl.arb(0, 1) if v.contains(0) else fl.arb(1 if v > 0 else -1)
        return x.chain(val, slope) if dual else val
    raise EosError(f"re-check: no ball rule for {e.func.__name__}")


def evaluate(e, env, dual=False):
    """`e` on balls: `env` maps symbols to balls (or `Dual`s when `dual`)."""
    fl = _flint()
    n = len(next(iter(env.values())).d) if dual and env else 0
    memo = {}

    def walk(t):
        if t in memo:
            return memo[t]
        if t.is_Symbol:
            out = env[t]
        elif t.is_Rational:
            c = fl.arb(fl.fmpq(int(t.p), int(t.q)))
            out = Dual(c, [fl.arb(0)] * n) if dual else c
        elif t.is_Number:
            raise EosError(f"re-check: inexact constant {t}")
        else:
            out = _apply(t, [walk(a) for a in t.args], dual)
        memo[t] = out
        return out
    return walk(to_sympy(e))


def leaf_enclosure(e, symbols, box):
    """Ball of `e` on `box`: natural extension intersected with the centred form."""
    fl = _flint()
    balls = [interval_ball(lo, hi) for lo, hi in box]
    natural = evaluate(e, dict(zip(symbols, balls)))
    mids = [(lo + hi) / 2 for lo, hi in box]
    at_mid = evaluate(e, {s: interval_ball(m, m) for s, m in zip(symbols, mids)})
    k = len(symbols)
    duals = {s: Dual(b, [fl.arb(1 if i == j else 0) for j in range(k)])
             for i, (s, b) in enumerate(zip(symbols, balls))}
    grad = evaluate(e, duals, dual=True).d
    centred = at_mid
    for g, b, m in zip(grad, balls, mids):
        centred = centred + g * (b - interval_ball(m, m))
    if natural.is_finite() and centred.is_finite() and natural.overlaps(centred):
        return natural.intersection(centred)
    return centred if centred.is_finite() else natural


def covers(box, leaves):
    """Do the boxes `leaves` tile `box` (lists of (lo, hi) Fractions)? See module docstring."""
    todo = [(tuple(box), [tuple(b) for b in leaves])]
    while todo:
        b, inside = todo.pop()
        if b in inside:
            continue
        if not inside:  # a part of the box that no leaf reaches
            return False
        for i, (lo, hi) in enumerate(b):
            if lo == hi:
                continue
            m = (lo + hi) / 2
            if any(lb[i][0] < m < lb[i][1] for lb in inside):
                continue
            left = b[:i] + ((lo, m),) + b[i + 1:]
            right = b[:i] + ((m, hi),) + b[i + 1:]
            todo.append((left, [lb for lb in inside if lb[i][1] <= m]))
            todo.append((right, [lb for lb in inside if lb[i][0] >= m]))
            break
        else:
            return False
    return True


def check_boxes(expr, symbols, box, leaves, strict, bits=128):
    """Re-check ``expr > 0`` (``>= 0`` if not strict) on every point of `box` from the
    certificate's `leaves`. Returns (ok, reason)."""
    box = [(Fraction(lo), Fraction(hi)) for lo, hi in box]
    leaves = [[(Fraction(lo), Fraction(hi)) for lo, hi in b] for b in leaves]
    if not leaves or not covers(box, leaves):
        return False, "the leaves do not tile the box"
    with working_bits(bits):
        for b in leaves:
            try:
                v = leaf_enclosure(expr, symbols, b)
            except (ArithmeticError, ZeroDivisionError):
                return False, f"no enclosure on leaf {b}"
            if not v.is_finite() or not (v > 0 if strict else v >= 0):
                return False, f"the enclosure {v} on leaf {[[str(l), str(h)] for l, h in b]} " \
                              "does not have the claimed sign"
    return True, f"{len(leaves)} leaves tile the box and each has the claimed sign"


def _plain_symbols(expr, names):
    """`expr` with its symbols replaced by assumption-free ones named `names` (the ball
    evaluator looks symbols up by identity)."""
    syms = [sp.Symbol(n) for n in names]
    return expr.xreplace({s: sp.Symbol(s.name) for s in expr.free_symbols}), syms


def check_leaves(step):
    """Re-check a `boxes` proof step: ``expr > 0`` (``>= 0``) on `box` from its leaves."""
    expr, syms = _plain_symbols(read(step["expr"]), step["variables"])
    return check_boxes(expr, syms, step["box"], step["leaves"], bool(step["strict"]))


def check_implication(step, bits=128):
    """Re-check an `implication` step: every leaf box either lies outside the region (some
    premise certified < 0, or <= 0 for a strict one) or has every conclusion certified > 0
    (>= 0 for a non-strict one), and the leaves tile the box."""
    names = step["variables"]
    prem = [(_plain_symbols(read(p["expr"]), names)[0], bool(p["strict"]))
            for p in step["premises"]]
    conc = [(_plain_symbols(read(c["expr"]), names)[0], bool(c["strict"]))
            for c in step["conclusions"]]
    syms = [sp.Symbol(n) for n in names]
    box = [(Fraction(lo), Fraction(hi)) for lo, hi in step["box"]]
    leaves = [[(Fraction(lo), Fraction(hi)) for lo, hi in leaf["box"]] for leaf in
              step["leaves"]]
    if not leaves or not covers(box, leaves):
        return False, "the leaves do not tile the box"
    with working_bits(bits):
        for b in leaves:
            def sign(e):
                try:
                    return leaf_enclosure(e, syms, b)
                except (ArithmeticError, ZeroDivisionError, EosError):
                    return None
            out = any((v := sign(e)) is not None and v.is_finite() and
                      (v <= 0 if strict else v < 0) for e, strict in prem)
            if out:
                continue
            inside = all((v := sign(e)) is not None and v.is_finite() and
                         (v > 0 if strict else v >= 0) for e, strict in conc)
            if not inside:
                return False, f"leaf {[[str(lo), str(hi)] for lo, hi in b]} is neither " \
                              "outside the region nor mapped inside the target"
    return True, f"{len(leaves)} leaves tile the box; each is outside the region or mapped " \
                 "inside the target"
