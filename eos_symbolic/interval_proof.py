"""Rigorous proof of an inequality on a box: interval arithmetic plus bisection.

The margin $m$ (positive where the claim holds) is enclosed over a box with `mpmath.iv`
(outward-rounded intervals; rationals enclosed exactly); a box whose enclosure lies above 0
(or at/above 0 for a non-strict claim) is proved, otherwise it is bisected along its widest
side, up to a budget of boxes. Dependency makes the enclosure loose where $m$ touches 0
(e.g. $x^2 + y^2 - 2xy$ on the diagonal), so "not proved" is not "false".
"""
import sympy as sp
from mpmath import iv

_FUNCTIONS = {sp.exp: iv.exp, sp.log: iv.log, sp.sin: iv.sin, sp.cos: iv.cos}


def enclose(expr, env):
    """Interval enclosure of `expr` with symbols bound to intervals in `env`."""
    if expr.is_Symbol:
        return env[expr]
    if expr.is_Rational:
        return iv.mpf(int(expr.p)) / int(expr.q)
    if expr.is_Number:
        raise ValueError(f"inexact constant {expr}")
    if expr.is_Add:
        out = enclose(expr.args[0], env)
        for t in expr.args[1:]:
            out = out + enclose(t, env)
        return out
    if expr.is_Mul:
        out = enclose(expr.args[0], env)
        for t in expr.args[1:]:
            out = out * enclose(t, env)
        return out
    if expr.is_Pow:
        base, e = expr.args
        b = enclose(base, env)
        if e.is_Integer:
            return b ** int(e) if e >= 0 else 1 / (b ** int(-e))
        if e == sp.Rational(1, 2):
            return iv.sqrt(b)
        if e == sp.Rational(-1, 2):
            return 1 / iv.sqrt(b)
        return iv.exp(enclose(e, env) * iv.log(b))
    if expr.func in _FUNCTIONS:
        return _FUNCTIONS[expr.func](enclose(expr.args[0], env))
    raise ValueError(f"no interval rule for {expr.func}")


def prove_positive(margin, symbols, bounds, strict=True, budget=2000, dps=30):
    """Try to prove margin > 0 (>= 0 if not strict) on the box `bounds` (exact rationals).

    Returns ``(proved, boxes_used)``."""
    boxes = [[(sp.Rational(lo), sp.Rational(hi)) for lo, hi in bounds]]
    used, saved = 0, iv.prec
    iv.dps = dps  # scoped: restored below
    try:
        while boxes:
            if used >= budget:
                return False, used
            box = boxes.pop()
            used += 1
            env = {s: _hull(lo, hi) for s, (lo, hi) in zip(symbols, box)}
            try:
                m = enclose(margin, env)
            except (ValueError, ZeroDivisionError):
                return False, used
            if m.a > 0 or (not strict and m.a >= 0):
                continue
            if m.b < 0 or (strict and m.b <= 0):
                return False, used  # false on the whole box (sampling reports the point)
            k = max(range(len(box)), key=lambda i: box[i][1] - box[i][0])
            lo, hi = box[k]
            mid = (lo + hi) / 2
            boxes.append(box[:k] + [(lo, mid)] + box[k + 1:])
            boxes.append(box[:k] + [(mid, hi)] + box[k + 1:])
        return True, used
    finally:
        iv.prec = saved


def _hull(lo, hi):
    """The smallest interval containing the exact rationals lo <= hi."""
    a = iv.mpf(int(lo.p)) / int(lo.q)
    b = iv.mpf(int(hi.p)) / int(hi.q)
    return iv.mpf([a.a, b.b])
