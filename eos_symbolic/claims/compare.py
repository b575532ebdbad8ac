"""Comparing a printed formula with a derived one: numeric screening, then exact proof.

Screening evaluates both sides at random points of the claim's domain at high precision; a
mismatch there is a counterexample (refuted). If every point agrees, an exact proof is
attempted (expansion, radicals with their arguments expanded, `simplify`); success gives
`verified`, failure leaves `verified-numerically`.
"""
import random

import mpmath
import sympy as sp

from ..symbolic.parser import to_sympy
from ..symbolic.symbols import x, y

#: Default sampling boxes per symbol (claims may narrow them).
DOMAINS = {"x": (0.3, 3.0), "y": (0.3, 3.0), "eta": (0.02, 0.45), "kappa": (0.05, 0.6),
           "a": (-0.05, 0.05), "b": (-0.05, 0.05), "C": (-1.0, 1.0), "c": (0.3, 3.0),
           "d": (0.3, 3.0), "gamma": (0.3, 3.0), "u": (0.3, 3.0), "t": (0.0, 1.0)}


#: A first, easy-to-read sample point (used when inside the domain), so that a refutation
#: usually shows a small, clear counterexample such as a = b = 0 or (x, y) = (2, 1).
SIMPLE = {"x": 2, "y": 1, "eta": sp.Rational(1, 5), "kappa": sp.Rational(1, 2), "a": 0, "b": 0,
          "C": sp.Rational(1, 2), "c": 2, "d": 1, "gamma": 2, "u": 2, "t": sp.Rational(1, 2)}


def sample_points(symbols, n=6, seed=0, domains=None, order_xy=False):
    """A simple point (see `SIMPLE`) when it lies in the domain, then `n` random rational
    points (exact, so evaluation is reproducible at any precision)."""
    rng = random.Random(seed)
    doms = {**DOMAINS, **(domains or {})}
    pts = []
    simple = {s: to_sympy(SIMPLE.get(s.name, 1)) for s in symbols}
    if all(doms.get(s.name, (0.2, 2.0))[0] <= v <= doms.get(s.name, (0.2, 2.0))[1]
           for s, v in simple.items()):
        pts.append(simple)
    for _ in range(n):
        p = {}
        for s in sorted(symbols, key=lambda s: s.name):
            lo, hi = doms.get(s.name, (0.2, 2.0))
            p[s] = sp.Rational(round(rng.uniform(lo, hi) * 10**6), 10**6)
        if order_xy and x in p and y in p and p[x] <= p[y]:
            p[x], p[y] = p[y], p[x]
        pts.append(p)
    return pts


def evaluate(expr, point, dps=50):
    """`expr` at `point` to `dps` digits (an mpmath number, complex if the formula is)."""
    with mpmath.workdps(dps + 10):
        val = sp.N(expr.subs(point), dps + 10)
        return mpmath.mpmathify(complex(val) if not val.is_real else val) if val.is_number \
            else None


def relative_difference(p_val, q_val, dps=50):
    """$|p - q| / \\max(|p|, |q|, 1)$ (infinite when a side is not a number)."""
    if p_val is None or q_val is None:
        return mpmath.inf
    with mpmath.workdps(dps):
        return abs(p_val - q_val) / max(abs(p_val), abs(q_val), 1)


def agree(rel, dps=50):
    """Two values agree when they match to ``dps - 10`` digits."""
    return rel < mpmath.mpf(10) ** (-(dps - 10))


def expand_radicands(expr):
    """Expand the bases of fractional powers so equal radicals compare equal."""
    return expr.replace(lambda e: e.is_Pow and e.exp.is_Rational and not e.exp.is_Integer,
                        lambda e: sp.Pow(sp.expand(e.base), e.exp))


def exactly_equal(p, q, domains=None, same_sign=False):
    """Try to prove p == q symbolically on the sampling domain (False means 'not proved').

    Symbols whose domain is positive get the positive assumption first, so that
    sqrt(x^2 y^2) = x y is provable where the claim lives on x, y > 0. With `same_sign`
    (both sides of one sign at every sample of the connected box) it suffices that
    p^2 - q^2 simplifies to 0, which clears nested radicals.
    """
    doms = {**DOMAINS, **(domains or {})}
    pos = {s: sp.Symbol(s.name, positive=True) for s in (p - q).free_symbols
           if doms.get(s.name, (0.2, 2.0))[0] > 0}
    p, q = p.subs(pos), q.subs(pos)
    diff = sp.expand(expand_radicands(p) - expand_radicands(q))
    if diff == 0:
        return True
    attempts = [lambda: sp.radsimp(diff), lambda: sp.simplify(diff)]
    if same_sign:
        attempts.append(lambda: sp.simplify(sp.expand(p**2 - q**2)))
    for attempt in attempts:
        try:
            if attempt() == 0:
                return True
        except (TypeError, ValueError, RecursionError):
            continue
    return False


def compare(p, q, points, dps=50, domains=None):
    """Compare two expressions on `points`, then exactly. Returns a dict with `status`
    ('exact' | 'numeric' | 'mismatch'), `point`, both values and `max_rel` difference."""
    worst, signs = mpmath.mpf(0), set()
    for pt in points:
        pv, qv = evaluate(p, pt, dps), evaluate(q, pt, dps)
        rel = relative_difference(pv, qv, dps)
        worst = max(worst, rel)
        signs.add(mpmath.sign(pv) if pv is not None and mpmath.im(pv) == 0 else None)
        if not agree(rel, dps):
            return {"status": "mismatch", "point": {str(k): str(v) for k, v in pt.items()},
                    "claimed": _fmt(pv), "derived": _fmt(qv), "rel_diff": _fmt(rel, 5)}
    same_sign = len(signs) == 1 and signs <= {1, -1}
    status = "exact" if exactly_equal(p, q, domains, same_sign) else "numeric"
    return {"status": status, "points": len(points), "dps": dps, "max_rel": _fmt(worst, 3)}


def _fmt(v, digits=25):
    return "nan" if v is None else mpmath.nstr(v, digits)
