"""Comparing two expressions on a domain: exact screening points, then an exact proof.

Screening evaluates both sides at exact rational points of the domain (a simple point when
it lies inside, the corners, edge and face centres and centre of the sampled box, then seeded
random rationals) at `dps` digits; a difference beyond ``10^-(dps-10)`` is a counterexample.
Constants (no free symbols) are decided before any tolerance: their difference is enclosed
by Arb balls at rising precision until the ball excludes 0 (different) or an exact proof
closes. If screening agrees, `rigorous.algebra.prove_identity` is tried on the whole domain;
its failed sign conditions give witness points, evaluated too (a sign trap becomes a
counterexample). Result status: 'exact' (with the proof step for `claims.policy`),
'numeric' or 'mismatch'.
"""
import itertools
import random
from fractions import Fraction

import mpmath
import sympy as sp

from ..errors import EosError
from ..rigorous.algebra import prove_identity
from ..rigorous.domain import POSITIVE, REAL, Range, domain_text
from ..rigorous.intervals import enclose, exact_mid
from ..symbolic.limits import time_budget
from ..symbolic.parser import to_sympy

#: Sampling windows per symbol (intersected with the domain; claims may narrow them).
DOMAINS = {"x": (0.3, 3.0), "y": (0.3, 3.0), "eta": (0.02, 0.45), "kappa": (0.05, 0.6),
           "a": (-0.05, 0.05), "b": (-0.05, 0.05), "C": (-1.0, 1.0), "c": (0.3, 3.0),
           "d": (0.3, 3.0), "gamma": (0.3, 3.0), "u": (0.3, 3.0), "t": (0.0, 1.0)}

#: A first, easy-to-read sample point (used when inside the domain), so that a refutation
#: usually shows a small, clear counterexample such as a = b = 0 or (x, y) = (2, 1).
SIMPLE = {"x": 2, "y": 1, "eta": sp.Rational(1, 5), "kappa": sp.Rational(1, 2), "a": 0, "b": 0,
          "C": sp.Rational(1, 2), "c": 2, "d": 1, "gamma": 2, "u": 2, "t": sp.Rational(1, 2)}


def assumed_range(sym):
    """The range a symbol's declaration allows: (0, oo) for positive symbols (eta, kappa),
    the real line otherwise."""
    return POSITIVE if sym.is_positive else REAL


def proof_domain(symbols, ranges=None):
    """``{symbol: Range}`` for `symbols`: the stated range (by name) or the assumed one."""
    ranges = ranges or {}
    return {s: ranges.get(s.name, assumed_range(s)) for s in symbols}


def _q(v):
    return sp.Rational(Fraction(v).numerator, Fraction(v).denominator)


def _window(sym, r, windows=None):
    """A bounded sampling interval inside range `r` (exact Fractions)."""
    given = (windows or {}).get(sym.name)
    lo, hi = (Fraction(str(v)) for v in (given or DOMAINS.get(sym.name, (0.2, 2.0))))
    if r.lo is None and r.hi is None and lo > 0 and not given:
        lo = -hi  # a real symbol is sampled on both sides of 0
    lo = lo if r.lo is None or (r.hi is not None and r.hi <= lo) else max(lo, r.lo)
    hi = hi if r.hi is None or (r.lo is not None and r.lo >= hi) else min(hi, r.hi)
    if r.bounded:
        lo, hi = r.lo, r.hi
    if lo >= hi:
        lo, hi = (r.lo, r.lo + 1) if r.lo is not None else (r.hi - 1, r.hi)
    return lo, hi


def screening_points(domain, n=6, seed=0, windows=None):
    """Exact points of `domain`: the simple point, the corners, edge and face centres and the
    centre of the sampled box (all for up to 4 symbols, corners only for 5-6), then `n` seeded
    random rationals. Open ends are nudged inward by a millionth of the width."""
    syms = sorted(domain, key=lambda s: s.name)
    rng = random.Random(seed)
    wins = []
    for s in syms:
        r = domain[s]
        lo, hi = _window(s, r, windows)
        eps = (hi - lo) / 10 ** 6
        wins.append((lo + eps if not r.contains(lo) else lo, hi - eps if not r.contains(hi)
                     else hi))
    pts = []
    simple = {s: _q(Fraction(str(SIMPLE.get(s.name, 1)))) for s in syms}
    if all(domain[s].contains(Fraction(str(v))) for s, v in simple.items()):
        pts.append(simple)
    if syms and len(syms) <= 6:
        levels = [(lo, (lo + hi) / 2, hi) for lo, hi in wins]
        grid = itertools.product(*levels) if len(syms) <= 4 else \
            itertools.product(*[(lo, hi) for lo, _, hi in levels])
        pts += [{s: _q(v) for s, v in zip(syms, combo)} for combo in grid]
    elif not syms:
        pts.append({})
    for _ in range(n):
        pts.append({s: sp.Rational(round((float(lo) + rng.random() * float(hi - lo)) * 10 ** 6),
                                   10 ** 6) for s, (lo, hi) in zip(syms, wins)})
    return [p for p in pts if all(domain[s].contains(Fraction(int(v.p), int(v.q)))
                                  for s, v in p.items())]


def evaluate(expr, point, dps=50):
    """`expr` at `point` to `dps` digits (an mpmath number, complex if the formula is; None
    where it is undefined)."""
    with mpmath.workdps(dps + 10):
        val = sp.N(expr.subs(point), dps + 10)
        if not val.is_number or val.has(sp.zoo, sp.nan, sp.oo, -sp.oo):
            return None
        return mpmath.mpmathify(complex(val) if not val.is_real else val)


def relative_difference(p_val, q_val, dps=50):
    """$|p - q| / \\max(|p|, |q|, 1)$ (infinite when a side is not a number)."""
    if p_val is None or q_val is None:
        return mpmath.inf
    with mpmath.workdps(dps):
        return abs(p_val - q_val) / max(abs(p_val), abs(q_val), 1)


def agree(rel, dps=50):
    """Two values agree when they match to ``dps - 10`` digits."""
    return rel < mpmath.mpf(10) ** (-(dps - 10))


def _fmt(v, digits=25):
    return "nan" if v is None else mpmath.nstr(v, digits)


def _mismatch(pt, pv, qv, rel, digits=25):
    return {"status": "mismatch", "point": {str(k): str(v) for k, v in pt.items()},
            "claimed": _fmt(pv, digits), "derived": _fmt(qv, digits), "rel_diff": _fmt(rel, 5)}


def _identity_step(res, domain):
    step = {"kind": "identity", **res.proof}
    assumed = [f"{s} in {r}" for s, r in domain_text(domain).items()]
    assumed.append("wherever both sides are defined")
    assumed += [f"{t['expr']} {'>' if t['strict'] else '>='} 0" if t["want"] > 0 else
                f"{t['expr']} {'<' if t['strict'] else '<='} 0" for t in res.proof["sign_conditions"]]
    step["assumptions"] = assumed
    return step


def compare_constants(p, q):
    """Decide p = q for closed-form numbers: an Arb ball of p - q excluding 0 at rising
    precision (different, with enough digits to show it), else an exact proof."""
    diff = sp.expand(p - q)
    for dps in (60, 250, 1000, 4000):
        try:
            ball = enclose(diff, [], [], dps=dps)
        except Exception:  # no ball rule (e.g. a complex value): decide below
            break
        if ball.is_finite() and not ball.contains(0):
            mag = abs(exact_mid(ball))
            digits = 25 if mag >= 1 else max(25, int(-mpmath.log10(mpmath.mpf(mag.numerator) /
                                                                    mag.denominator)) + 15)
            pv, qv = evaluate(p, {}, digits + 10), evaluate(q, {}, digits + 10)
            with mpmath.workdps(digits + 10):
                res = _mismatch({}, pv, qv, relative_difference(pv, qv, digits + 10), digits)
            res["certified"] = f"Arb ball of lhs - rhs at {dps} digits excludes 0"
            return res
    res = prove_identity(p, q, {})
    if res.status == "proved":
        return {"status": "exact", "points": 0, "dps": None, "step": _identity_step(res, {})}
    X = sp.Symbol("X")
    try:  # an algebraic number is 0 iff its minimal polynomial is X (e.g. a denesting)
        with time_budget(10, "minimal polynomial of lhs - rhs"):
            zero = sp.minimal_polynomial(diff, X, compose=True) == X
    except (EosError, NotImplementedError, ValueError, TypeError,
            sp.polys.polyerrors.PolynomialError):
        zero = False
    if zero:
        return {"status": "exact", "points": 0, "dps": None,
                "step": {"kind": "minimal-polynomial", "expr": str(diff),
                         "assumptions": ["lhs - rhs is an algebraic number whose minimal "
                                         "polynomial is X"]}}
    return {"status": "numeric", "points": 1, "dps": 4000,
            "max_rel": "0 (Arb balls of the difference contain 0 up to 4000 digits)"}


def compare(p, q, domain, n=6, seed=0, dps=50, points=None, windows=None, prove=True):
    """Compare p and q on `domain` ({symbol: Range}; module docstring). Returns a dict with
    `status` ('exact' | 'numeric' | 'mismatch'), and `point`, both values and `rel_diff`
    for a mismatch, `step` (the proof step) for 'exact'."""
    p, q = to_sympy(p), to_sympy(q)
    free = p.free_symbols | q.free_symbols
    if not free:
        return compare_constants(p, q)
    domain = {s: domain.get(s, assumed_range(s)) for s in free}
    worst = mpmath.mpf(0)
    pts = points if points is not None else screening_points(domain, n, seed, windows)
    checked = 0
    for pt in pts:
        pv, qv = evaluate(p, pt, dps), evaluate(q, pt, dps)
        if pv is None and qv is None:
            continue
        checked += 1
        rel = relative_difference(pv, qv, dps)
        if not agree(rel, dps):
            return _mismatch(pt, pv, qv, rel)
        worst = max(worst, rel)
    if not prove:
        return {"status": "numeric", "points": checked, "dps": dps, "max_rel": _fmt(worst, 3)}
    res = prove_identity(p, q, domain)
    if res.status == "proved":
        return {"status": "exact", "points": checked, "dps": dps, "max_rel": _fmt(worst, 3),
                "step": _identity_step(res, domain)}
    for w in res.witnesses:
        pt = {s: _q(w[s.name]) if s.name in w else _q(domain[s].interior_point())
              for s in domain}
        pv, qv = evaluate(p, pt, dps), evaluate(q, pt, dps)
        if not agree(relative_difference(pv, qv, dps), dps) and (pv is not None or
                                                                 qv is not None):
            out = _mismatch(pt, pv, qv, relative_difference(pv, qv, dps))
            out["found_by"] = "a sign condition of the exact proof fails at this point"
            return out
    return {"status": "numeric", "points": checked, "dps": dps, "max_rel": _fmt(worst, 3)}


def domain_ranges(sampled, closed=True):
    """``{name: Range}`` from `fields.parse_domain`'s sampled list (exact bounds)."""
    out = {}
    for s, lo, hi in sampled:
        out[s.name] = Range(Fraction(str(lo)), Fraction(str(hi)), not closed, not closed)
    return out
