"""Certified roots of a transcendental equation $h(u) = 0$ by interval Newton in Arb.

On a box $U$ with midpoint $m$, $N(U) = m - h(m)/h'(U)$; if $h'(U) \\not\\ni 0$ and
$N(U) \\subset \\operatorname{int} U$ then $h$ has exactly one zero in $U$ and it lies in
$N(U)$ (Moore). Iterating $U \\leftarrow N(U) \\cap U$ shrinks the enclosure quadratically.
`find_roots` brackets roots by a sign scan on a grid (which finds every simple root between
grid points of opposite sign, not a proof that there are no others) and proves each one.
"""
from dataclasses import dataclass
from fractions import Fraction

import mpmath
import sympy as sp

from ..errors import EosError
from ..numeric.backends import precision_scope
from .intervals import ball, ball_function, exact_mid, interval_text


@dataclass(frozen=True)
class RootProof:
    """A proved simple root: `enclosure` (lo, hi) as exact Fractions, its text, the
    certified significant `digits` and the enclosure of $h'$ there (nonzero)."""

    enclosure: tuple
    text: str
    digits: int
    slope: str


def prove_root(expr, var, lo, hi, dps=40, iterations=60):
    """Interval Newton on [lo, hi] (exact); returns a `RootProof` or None when the test fails."""
    f = ball_function([expr, sp.diff(expr, var)], (var,))
    with precision_scope("arb", dps):
        U = ball(lo, hi)
        for it in range(iterations):
            m = ball(exact_mid(U))
            value, slope = f(m)[0], f(U)[1]
            if not slope.is_finite() or slope.contains(0):
                return None
            N = m - value / slope
            if it == 0 and not U.contains_interior(N):
                return None
            new = N.intersection(U)
            stalled = it > 0 and exact_mid(new.rad()) * 10 >= exact_mid(U.rad()) * 9
            U = new
            if stalled:  # rounding-limited: the enclosure is as tight as this precision gets
                break
        low = exact_mid(U) - exact_mid(U.rad())
        high = exact_mid(U) + exact_mid(U.rad())
        return RootProof((low, high), interval_text(U, min(30, dps - 5)),
                         _digits(low, high), interval_text(f(U)[1], 6))


def _digits(low, high):
    """Significant digits shared by every point of [low, high] (relative width)."""
    if high == low:
        return 30
    with mpmath.workdps(30):
        scale = max(abs(mpmath.mpf(low.numerator) / low.denominator), mpmath.mpf(10) ** -300)
        rel = mpmath.mpf((high - low).numerator) / (high - low).denominator / scale
        return max(0, int(mpmath.floor(-mpmath.log10(rel))))


def find_roots(expr, var, lo, hi, samples=400, dps=40):
    """Every root of `expr` in [lo, hi] found between sign changes on a geometric grid,
    each proved by `prove_root`; EosError if a bracket cannot be proved."""
    g = sp.lambdify(var, expr, "mpmath")
    with mpmath.workdps(30):
        ratio = (mpmath.mpf(hi) / mpmath.mpf(lo)) ** (mpmath.mpf(1) / samples)
        points = [mpmath.mpf(lo) * ratio ** i for i in range(samples + 1)]
        values = [g(p) for p in points]
    out = []
    for (p0, v0), (p1, v1) in zip(zip(points, values), zip(points[1:], values[1:])):
        if not (mpmath.isfinite(v0) and mpmath.isfinite(v1)) or v0 * v1 > 0:
            continue
        a, b = (Fraction(mpmath.nstr(p, 20)) for p in (p0, p1))
        root = mpmath.findroot(g, (p0, p1), solver="anderson")
        r = Fraction(mpmath.nstr(root, 25))
        pad = max(abs(r) * Fraction(1, 10 ** 12), Fraction(1, 10 ** 20))
        proof = prove_root(expr, var, max(a, r - pad), min(b, r + pad), dps) or \
            prove_root(expr, var, a, b, dps)
        if proof is None:
            raise EosError(f"roots: could not prove the root of {expr} between {a} and {b}")
        out.append(proof)
    return out
