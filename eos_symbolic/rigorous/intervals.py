"""Rigorous enclosures of SymPy expressions over boxes with Arb balls, and branch-and-bound.

An expression $f$ over a box $X = \\prod_i [l_i, u_i]$ (exact rational bounds) is enclosed
in two ways and the intersection kept:

- the natural extension (every operation on balls; even powers on the absolute value, so
  $[-1, 2]^2 = [0, 4]$, not Arb's $[-7, 9]$ mid-radius square), and
- the centred (mean-value) form $f(X) \\subseteq f(m) + \\sum_i \\partial_i f(X)\\,(X_i - m_i)$
  with the symbolic gradient, which beats the dependency problem on small boxes
  (its overestimation is quadratic in the width instead of linear).

`prove_positive` bisects the widest side until every box has a positive enclosure
(proved), or an exact rational point of the box has a certified non-positive value
(refuted, with that point and its ball), or the box budget runs out (undecided). Every
ball is rigorous: the true value at every point of the box lies inside it.
"""
import heapq
import time
from dataclasses import dataclass, field
from fractions import Fraction

import sympy as sp

from ..errors import EosError
from ..numeric.backends import precision_scope
from ..symbolic.parser import parse_number, to_sympy


def _arb():
    import flint
    return flint


def to_fraction(value, what="number"):
    """An exact `Fraction` from int, str ("0.1", "1/10", through `parser.parse_number`),
    float, Fraction or SymPy Rational."""
    if isinstance(value, (int, Fraction)) and not isinstance(value, bool):
        return Fraction(value)
    if not isinstance(value, sp.Basic):
        value = parse_number(value, what)
    value = sp.Rational(value)
    return Fraction(int(value.p), int(value.q))


def ball(lo, hi=None):
    """An Arb ball containing the exact interval [lo, hi] (the point's ball if `hi` is None):
    the union of the endpoints' balls, which avoids rational arithmetic on the hot path."""
    fl = _arb()
    lo = lo if type(lo) is Fraction else to_fraction(lo)
    lo_ball = fl.arb(fl.fmpq(lo.numerator, lo.denominator))
    if hi is None:
        return lo_ball
    hi = hi if type(hi) is Fraction else to_fraction(hi)
    if hi < lo:
        raise EosError(f"interval: expected lo <= hi, got [{lo}, {hi}]")
    if hi == lo:
        return lo_ball
    return lo_ball.union(fl.arb(fl.fmpq(hi.numerator, hi.denominator)))


def exact_mid(v):
    """The midpoint of a ball as an exact `Fraction` (it is a dyadic number)."""
    man, exp = v.mid().man_exp()
    return Fraction(int(man)) * Fraction(2) ** int(exp)


def interval_text(v, digits=12):
    """``"[lo, hi]"`` containing the ball `v`, ends rounded outward to `digits` significant
    digits (what a reader can re-check; Arb's own ``str`` hides the sign of wide balls)."""
    if not v.is_finite():
        return "[-inf, +inf]"
    lo, hi = exact_mid(v.lower()) - exact_mid(v.lower().rad()), \
        exact_mid(v.upper()) + exact_mid(v.upper().rad())
    return f"[{_round(lo, digits, False)}, {_round(hi, digits, True)}]"


def _round(q, digits, up):
    import math
    if q == 0:
        return "0"
    e = math.floor(math.log10(abs(q))) - digits + 1
    scale = Fraction(10) ** e
    n = q / scale
    n = math.ceil(n) if up else math.floor(n)
    from decimal import Decimal
    return str(Decimal(n).scaleb(e))


def hull(x, y):
    """A ball containing the balls x and y."""
    return x.union(y)


def power(x, n):
    """$x^n$ for an integer n on a ball, tight for balls containing 0."""
    fl = _arb()
    if n == 0:
        return fl.arb(1)
    if n < 0:
        return 1 / power(x, -n)
    if n == 1:
        return x
    if n % 2 == 0:
        low = fl.arb(0) if x.contains(0) else x.abs_lower()
        return hull(low ** n, x.abs_upper() ** n).nonnegative_part()
    return hull(x.lower() ** n, x.upper() ** n)


_FUNCS = {sp.exp: "exp", sp.log: "log", sp.sin: "sin", sp.cos: "cos", sp.tanh: "tanh",
          sp.cosh: "cosh", sp.sinh: "sinh"}


def _node(e, index):
    """A closure evaluating SymPy node `e` on a list of balls (symbols looked up in `index`)."""
    fl = _arb()
    if e.is_Symbol:
        if e not in index:
            raise EosError(f"interval: symbol {e} has no range (box variables: "
                           f"{', '.join(map(str, index))})")
        i = index[e]
        return lambda env: env[i]
    if e.is_Integer:
        v = int(e)
        return lambda env: fl.arb(v)
    if e.is_Rational:
        q = fl.fmpq(int(e.p), int(e.q))
        return lambda env: fl.arb(q)
    if e.is_Number:
        raise EosError(f"interval: inexact constant {e}; give numbers as exact rationals")
    if e is sp.pi:
        return lambda env: fl.arb.pi()
    if e.is_Add or e.is_Mul:
        parts = [_node(t, index) for t in e.args]
        if e.is_Add:
            def add(env):
                out = parts[0](env)
                for p in parts[1:]:
                    out = out + p(env)
                return out
            return add

        def mul(env):
            out = parts[0](env)
            for p in parts[1:]:
                out = out * p(env)
            return out
        return mul
    if e.is_Pow:
        base, ex = _node(e.base, index), e.exp
        if ex.is_Integer:
            n = int(ex)
            return lambda env: power(base(env), n)
        if ex.is_Rational:
            p, q = int(ex.p), int(ex.q)
            root = (lambda v: v.sqrt()) if q == 2 else (lambda v: v.root(q))
            return lambda env: power(root(base(env)), p)
        ex_f = _node(ex, index)
        return lambda env: (ex_f(env) * base(env).log()).exp()
    if e.func in _FUNCS:
        arg, name = _node(e.args[0], index), _FUNCS[e.func]
        return lambda env: getattr(arg(env), name)()
    raise EosError(f"interval: no ball rule for {e.func.__name__} in {e}")


def ball_function(exprs, symbols):
    """Compile `exprs` (SymPy) in `symbols` into ``f(*balls) -> tuple of balls`` (after cse)."""
    symbols = tuple(symbols)
    replaced, reduced = sp.cse([to_sympy(e) for e in exprs], order="none")
    index = {s: i for i, s in enumerate(symbols)}
    steps = []
    for s, e in replaced:
        steps.append(_node(e, index))
        index[s] = len(index)
    outs = [_node(e, index) for e in reduced]

    def f(*balls):
        env = list(balls)
        for st in steps:
            env.append(st(env))
        return tuple(o(env) for o in outs)
    return f


class Enclosure:
    """Enclosures of one expression over boxes: natural extension intersected with the
    centred form (symbolic gradient). Call inside a precision scope (`precision_scope`)."""

    def __init__(self, expr, symbols, centred=True):
        self.expr, self.symbols = to_sympy(expr), tuple(symbols)
        grads = [sp.diff(self.expr, s) for s in self.symbols] if centred else []
        self._f = ball_function([self.expr], self.symbols)
        self._g = ball_function(grads, self.symbols) if centred else None

    def at(self, point):
        """Ball of the value at an exact point (list of rationals)."""
        return self._f(*[ball(v) for v in point])[0]

    def __call__(self, box):
        """Ball containing the values on `box` (list of (lo, hi) exact pairs)."""
        X = [ball(lo, hi) for lo, hi in box]
        natural = self._f(*X)[0]
        if self._g is None:
            return natural
        mid = [(to_fraction(lo) + to_fraction(hi)) / 2 for lo, hi in box]
        centred = self._f(*[ball(m) for m in mid])[0]
        for g, x, m in zip(self._g(*X), X, mid):
            centred = centred + g * (x - ball(m))
        if not natural.is_finite():
            return centred
        if not centred.is_finite():
            return natural
        both = natural.intersection(centred) if natural.overlaps(centred) else centred
        return both


def enclose(expr, symbols, box, dps=30, centred=True):
    """Ball containing `expr` on `box` (one evaluation, no subdivision)."""
    with precision_scope("arb", dps):
        return Enclosure(expr, symbols, centred)(box)


@dataclass
class SignProof:
    """Outcome of `prove_positive`: `status` proved | refuted | undecided, the number of
    `boxes` examined, `seconds`, the `leaves` (box, enclosure string) that close the proof,
    and for a refutation the exact `point` with its certified `value` ball."""

    status: str
    boxes: int
    seconds: float
    leaves: list = field(default_factory=list)
    point: dict = None
    value: str = None
    worst_box: list = None

    def certificate(self, symbols, max_leaves=400):
        """JSON-ready certificate: every leaf box (exact bounds) with its enclosure."""
        cert = {"method": "Arb balls (python-flint), natural extension intersected with "
                          "the centred form; bisection of the widest side",
                "status": self.status, "boxes": self.boxes, "seconds": round(self.seconds, 3),
                "variables": [str(s) for s in symbols], "leaf_count": len(self.leaves)}
        if len(self.leaves) <= max_leaves:
            cert["leaves"] = [{"box": _box_text(b), "enclosure": e}
                              for b, e in self.leaves]
        else:
            cert["leaves"] = (f"{len(self.leaves)} leaves (omitted; the bisection is "
                              "deterministic, rerun to regenerate them)")
        if self.point is not None:
            cert["violating_point"] = self.point
            cert["violating_value"] = self.value
        return cert


def prove_positive(expr, symbols, box, strict=True, budget=20000, dps=30, seconds=None):
    """Prove $f > 0$ (or $\\ge 0$ if not `strict`) on the whole `box`, or refute it.

    Boxes are taken most-negative lower bound first. A box whose enclosure is positive is a
    leaf of the proof; otherwise its exact midpoint is evaluated and, when that ball is
    certified $\\le 0$ ($< 0$ if not strict), the claim is refuted there; else the box is
    bisected along its widest side. Stops at `budget` boxes or `seconds` (undecided).
    """
    symbols = tuple(symbols)
    box = [(to_fraction(lo), to_fraction(hi)) for lo, hi in box]
    start, count, leaves, unresolved = time.perf_counter(), 0, [], []
    names = [str(s) for s in symbols]
    with precision_scope("arb", dps):
        enc = Enclosure(expr, symbols)
        ok = (lambda v: v > 0) if strict else (lambda v: v >= 0)
        bad = (lambda v: v <= 0) if strict else (lambda v: v < 0)
        heap, tick = [], 0

        def push(b):
            nonlocal tick, count
            count += 1
            v = enc(b)
            if v.is_finite() and ok(v):
                leaves.append((b, interval_text(v, 6)))
                return None
            low = float(v.lower().mid()) if v.is_finite() else float("-inf")
            tick += 1
            heapq.heappush(heap, (low, tick, b, v))
            return None

        push(box)
        while heap:
            low, _, b, v = heapq.heappop(heap)
            mid = [(lo + hi) / 2 for lo, hi in b]
            vm = enc.at(mid)
            if vm.is_finite() and bad(vm):
                return _refuted(count, start, leaves, names, mid, vm.str(20, radius=True), b)
            if _too_small(b, box):
                unresolved.append(b)
                continue
            if count >= budget or (seconds and time.perf_counter() - start > seconds):
                return _undecided(count, start, leaves, b)
            for half in _halves(b):
                push(half)
    return _finish(count, start, leaves, unresolved)


def _box_text(b):
    return [[str(lo), str(hi)] for lo, hi in b]


def _refuted(count, start, leaves, names, point, value, b):
    """A certified counterexample: the exact `point` (box midpoint) with its `value` ball."""
    return SignProof("refuted", count, time.perf_counter() - start, leaves,
                     {n: str(m) for n, m in zip(names, point)}, value, _box_text(b))


def _undecided(count, start, leaves, b):
    """Budget or time exhausted: the proof so far and the box still open."""
    return SignProof("undecided", count, time.perf_counter() - start, leaves,
                     worst_box=_box_text(b))


def _halves(b):
    """The two halves of box `b` split at the midpoint of its widest side."""
    k = max(range(len(b)), key=lambda i: b[i][1] - b[i][0])
    lo, hi = b[k]
    m = (lo + hi) / 2
    return b[:k] + [(lo, m)] + b[k + 1:], b[:k] + [(m, hi)] + b[k + 1:]


def _finish(count, start, leaves, unresolved):
    if unresolved:  # boxes where the claim is too tight to decide by bisection
        return SignProof("undecided", count, time.perf_counter() - start, leaves,
                         worst_box=_box_text(unresolved[0]))
    return SignProof("proved", count, time.perf_counter() - start, leaves)


def _volume(b, box):
    """Relative volume of box `b` inside `box` (float; fixed sides count as 1)."""
    v = 1.0
    for (lo, hi), (bottom, top) in zip(b, box):
        if top > bottom:
            v *= float((hi - lo) / (top - bottom))
    return v


def _too_small(b, box, depth=48):
    """A box narrower than 2^-`depth` of the original on every side: bisecting further
    cannot help (the claim is tight there, e.g. a strict margin touching 0)."""
    return all((hi - lo) * 2 ** depth < (top - bottom) or top == bottom
               for (lo, hi), (bottom, top) in zip(b, box))


def prove_implication(premises, conclusions, symbols, box, budget=20000, dps=30,
                      seconds=None, strict_premises=None, strict_conclusions=None):
    """Prove that every point of `box` with all `premises` $> 0$ has all `conclusions`
    $> 0$ (an invariant-region claim with the map composed into the conclusions); a premise
    or conclusion flagged non-strict means $\\ge 0$ instead.

    A box is closed when some premise is certified to fail on all of it (outside the region)
    or every conclusion is certified to hold; it is refuted at its exact midpoint when there
    all premises are certified to hold and some conclusion certified to fail; else it is
    bisected.
    """
    symbols = tuple(symbols)
    box = [(to_fraction(lo), to_fraction(hi)) for lo, hi in box]
    sp_ = list(strict_premises or [True] * len(premises))
    sc = list(strict_conclusions or [True] * len(conclusions))
    holds = lambda v, st: v.is_finite() and (v > 0 if st else v >= 0)  # noqa: E731
    fails = lambda v, st: v.is_finite() and (v <= 0 if st else v < 0)  # noqa: E731
    start, count, leaves, unresolved = time.perf_counter(), 0, [], []
    names = [str(s) for s in symbols]
    with precision_scope("arb", dps):
        pre = [Enclosure(e, symbols) for e in premises]
        post = [Enclosure(e, symbols) for e in conclusions]
        heap, tick = [(0.0, 0, box)], 0  # widest box first: midpoints probe the region early
        while heap:
            _, _, b = heapq.heappop(heap)
            count += 1
            vals = [p(b) for p in pre]
            if any(fails(v, st) for v, st in zip(vals, sp_)):
                leaves.append((b, "outside the region"))
                continue
            img = [q(b) for q in post]
            if all(holds(v, st) for v, st in zip(img, sc)):
                leaves.append((b, "image inside: " + ", ".join(interval_text(v, 6)
                                                               for v in img)))
                continue
            mid = [(lo + hi) / 2 for lo, hi in b]
            pm = [p.at(mid) for p in pre]
            qm = [q.at(mid) for q in post]
            if all(holds(v, st) for v, st in zip(pm, sp_)) and any(
                    fails(v, st) for v, st in zip(qm, sc)):
                return _refuted(count, start, leaves, names, mid,
                                ", ".join(v.str(20, radius=True) for v in qm), b)
            if _too_small(b, box):
                unresolved.append(b)
                continue
            if count >= budget or (seconds and time.perf_counter() - start > seconds):
                return _undecided(count, start, leaves, b)
            for half in _halves(b):
                tick += 1
                heapq.heappush(heap, (-_volume(half, box), tick, half))
    return _finish(count, start, leaves, unresolved)
