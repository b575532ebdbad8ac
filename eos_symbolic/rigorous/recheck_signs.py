"""Independent re-check of sign proofs (`signs.prove_sign`) and root counts.

Each node of a sign tree is re-checked against the parsed expression it names: structural
rules (sum, product, power, root, exp, abs and the real-valuedness rules) by the shape of that expression and the
signs of its children, ``sturm`` leaves by locating every real root of every irreducible
factor with certified complex-root enclosures (python-flint `fmpz_poly.complex_roots`, not
SymPy's Sturm sequences), ``arb-boxes`` leaves with `recheck_boxes`. Nothing of `signs` is
used.
"""
from fractions import Fraction

import sympy as sp

from ..errors import EosError
from .domain import parse_range
from .proof_text import read
from .recheck_boxes import check_boxes, evaluate, working_bits


def _flint():
    import flint
    return flint


def check_sign(tree, domain):
    """Re-check a sign tree of `signs.prove_sign` on `domain` ({name: Range})."""
    rule = tree["rule"]
    e = read(tree["expr"])
    if rule.startswith("real"):
        return _check_real(tree, e, domain)
    want, strict = tree["want"], tree["strict"]
    parts = tree.get("parts") or []

    def sub(i, w=None, s=None):
        t = parts[i]
        if (w is not None and t.get("want") != w) or (s and not t.get("strict")):
            return False
        return check_sign(t, domain)[0]

    if rule == "rational":
        return (e.is_Rational and (want * e > 0 or (not strict and e == 0))), "rational"
    if rule == "constant":
        with working_bits(int(tree.get("digits", 30) * 3.33) + 20):
            v = evaluate(want * e, {})
        return bool(v.is_finite() and v > 0), "constant ball"
    if rule == "range":
        r = domain[str(e)]
        end, is_open = (r.lo, r.lo_open) if want > 0 else (r.hi, r.hi_open)
        ok = end is not None and (want * end > 0 or (end == 0 and (is_open or not strict)))
        return ok, "range"
    kids = [read(t["expr"]) for t in parts]
    if rule == "sum":
        ok = e.is_Add and sp.Add(*kids) == e and all(sub(i, want) for i in range(len(kids)))
        return ok and (not strict or any(t.get("strict") for t in parts)), "sum"
    if rule == "product":
        signs = [t.get("want") for t in parts]
        ok = e.is_Mul and sp.Mul(*kids) == e and all(sub(i, None, strict)
                                                     for i in range(len(kids)))
        return ok and _prod(signs) == want, "product"
    if rule in ("power", "root", "exp", "abs"):
        return _check_unary(rule, tree, e, kids, parts, domain), rule
    if rule == "sturm":
        if len(e.free_symbols) != 1:
            return False, "sturm: not one variable"
        return _check_sturm(e, want, strict, domain[str(next(iter(e.free_symbols)))])
    if rule == "arb-boxes":
        names = tree["variables"]
        box = [(Fraction(lo), Fraction(hi)) for lo, hi in tree["box"]]
        for n_, (lo, hi) in zip(names, box):
            r = domain[n_]
            if r.lo is None or r.hi is None or lo > r.lo or hi < r.hi:
                return False, f"the boxes do not cover the range of {n_}"
        syms = [sp.Symbol(n_) for n_ in names]
        expr = (want * e).xreplace({s: sp.Symbol(s.name) for s in e.free_symbols})
        return check_boxes(expr, syms, box, tree["leaves"], strict)
    return False, f"unknown rule {rule}"


def _prod(signs):
    out = 1
    for s in signs:
        out *= s
    return out


def _check_unary(rule, tree, e, kids, parts, domain):
    want, strict = tree["want"], tree["strict"]
    if len(parts) != 1:
        return False
    ok = check_sign(parts[0], domain)[0]
    t = parts[0]
    if rule in ("exp", "abs") or (rule == "power" and e.is_Pow and e.exp.is_Integer
                                  and e.exp % 2 == 0 and want > 0):
        arg = e.args[0] if rule in ("exp", "abs") else e.base
        if rule == "exp" and not isinstance(e, sp.exp) or rule == "abs" and \
                not isinstance(e, sp.Abs):
            return False
        firm = t["rule"].startswith("real") is False and t.get("strict")
        needs_firm = strict and rule != "exp" or (rule == "power" and e.exp < 0)
        return ok and want > 0 and kids[0] == arg and (firm or not needs_firm)
    if rule == "power":
        return ok and e.is_Pow and e.exp.is_Integer and kids[0] == e.base and \
            t.get("want") == want and (t.get("strict") or not (strict or e.exp < 0))
    return ok and e.is_Pow and e.exp.is_Rational and not e.exp.is_Integer and want > 0 and \
        kids[0] == e.base and t.get("want") == 1 and (t.get("strict") or not
                                                      (strict or e.exp < 0))


def _check_real(tree, e, domain):
    rule, parts = tree["rule"], tree.get("parts") or []
    if rule == "real-rational":
        return all(t.is_Symbol or t.is_Rational or t.is_Add or t.is_Mul or
                   (t.is_Pow and t.exp.is_Integer) for t in sp.preorder_traversal(e)), rule
    ok = all(check_sign(t, domain)[0] for t in parts)
    kids = [read(t["expr"]) for t in parts]
    if rule == "real-structure":
        args = [e.base] if e.is_Pow else list(e.args)
        return ok and (e.is_Add or e.is_Mul or (e.is_Pow and e.exp.is_Integer)) and \
            sorted(map(str, kids)) == sorted(map(str, args)), rule
    if rule == "real-root":
        t = parts[0]
        return ok and e.is_Pow and kids[0] == e.base and t.get("want") == 1 and \
            (t.get("strict") or e.exp > 0), rule
    if rule == "real-function":
        return ok and isinstance(e, (sp.exp, sp.sin, sp.cos, sp.Abs)) and kids[0] == e.args[0], rule
    if rule == "real-log":
        return ok and isinstance(e, sp.log) and kids[0] == e.args[0] and \
            parts[0].get("strict") and parts[0].get("want") == 1, rule
    return False, f"unknown rule {rule}"


def _univariate(e, v):
    """(numerator, denominator) fmpq_poly of a rational function of the one symbol v."""
    fl = _flint()
    if e.is_Rational:
        return fl.fmpq_poly([fl.fmpq(int(e.p), int(e.q))]), fl.fmpq_poly([1])
    if e == v:
        return fl.fmpq_poly([0, 1]), fl.fmpq_poly([1])
    if e.is_Add or e.is_Mul:
        n, d = _univariate(e.args[0], v)
        for t in e.args[1:]:
            tn, td = _univariate(t, v)
            n, d = (n * td + tn * d, d * td) if e.is_Add else (n * tn, d * td)
        return n, d
    if e.is_Pow and e.exp.is_Integer:
        n, d = _univariate(e.base, v)
        k = int(e.exp)
        return (n ** k, d ** k) if k >= 0 else (d ** -k, n ** -k)
    raise EosError(f"re-check: {e} is not a rational function of {v}")


def _check_sturm(e, want, strict, r):
    (v,) = e.free_symbols
    fl = _flint()
    n, d = _univariate(e, v)
    P = n * d * want
    if P == 0:
        return not strict, "zero polynomial"

    def q(f):
        return fl.fmpq(f.numerator, f.denominator)

    def wrong(x):
        val = P(q(x))
        return val < 0 or (strict and val == 0)

    for end, included in ((r.lo, not r.lo_open), (r.hi, not r.hi_open)):
        if end is not None and included and wrong(end):
            return False, f"wrong sign at the end {end}"
    if wrong(r.interior_point()):
        return False, f"wrong sign at {r.interior_point()}"
    for f, mult in P.factor()[1]:
        if f.degree() < 1 or (int(mult) % 2 == 0 and not strict):
            continue
        for root in _real_roots(f):
            if root == "unknown":
                return False, "a root could not be located"
            lo_in = r.lo is None or root[0] > r.lo or (root[0] == r.lo and not r.lo_open
                                                       and strict)
            hi_in = r.hi is None or root[1] < r.hi or (root[1] == r.hi and not r.hi_open
                                                       and strict)
            if lo_in and hi_in:
                return False, f"a real root in [{float(root[0])}, {float(root[1])}]"
    return True, "no sign change in the interval"


def _real_roots(f):
    """Certified enclosures (lo, hi) (Fractions) of the roots of an irreducible `f` whose
    imaginary part may be 0 (so every real root is among them); a linear f gives its exact
    root. Irrational roots never equal a rational end, so their enclosures are refined until
    they are narrow."""
    if f.degree() == 1:
        r = -f[0] / f[1]
        x = Fraction(int(r.p), int(r.q))
        return [(x, x)]
    out = []
    for bits in (64, 256, 1024):
        with working_bits(bits):
            roots = [rt for rt, _ in f.numer().complex_roots()]
            out = [_bounds(rt.real) for rt in roots if rt.imag.contains(0)]
        if all(hi - lo < Fraction(1, 10 ** 12) for lo, hi in out):
            break
    return out


def _bounds(ball):
    """Exact (lo, hi) containing an arb ball."""
    man, exp = ball.mid().man_exp()
    mid = Fraction(int(man)) * Fraction(2) ** int(exp)
    rman, rexp = ball.rad().man_exp()
    rad = Fraction(int(rman)) * Fraction(2) ** int(rexp)
    return mid - rad, mid + rad


def check_roots(step):
    """Re-check a `roots` step: the polynomial has exactly `count` distinct real roots in
    `range` (certified enclosures of the roots of each irreducible factor)."""
    try:
        v = sp.Symbol(step["variable"])
        e = read(step["polynomial"])
        e = e.xreplace({s: sp.Symbol(s.name) for s in e.free_symbols})
        r = parse_range(step["range"])
        n, d = _univariate(e, v)
        if d.degree() != 0 or n == 0:
            return False, "not a nonzero polynomial"
        count = 0
        for f, _ in n.factor()[1]:
            for lo, hi in _real_roots(f):
                inside = (r.lo is None or lo > r.lo) and (r.hi is None or hi < r.hi)
                outside = (r.lo is not None and hi < r.lo) or (r.hi is not None and lo > r.hi)
                if lo == hi and not (inside or outside):
                    inside = r.contains(lo)
                    outside = not inside
                if not (inside or outside):
                    return False, "a root could not be placed inside or outside the range"
                count += inside
        ok = count == int(step["count"])
        return ok, f"{count} real root(s) in {r.text()}"
    except (EosError, KeyError, ValueError, TypeError) as exc:
        return False, f"unreadable step ({exc})"


def check_minimal_polynomial(step):
    """Re-check a `minimal-polynomial` step: the constant's minimal polynomial is X, found
    by Groebner-basis elimination (the prover composes minimal polynomials), and an Arb
    ball of the constant at 200 digits contains 0."""
    try:
        e = read(step["expr"])
        if e.free_symbols:
            return False, "not a constant"
        with working_bits(700):
            ball = evaluate(e, {})
        if not (ball.is_finite() and ball.contains(0)):
            return False, "the constant's ball excludes 0"
        X = sp.Symbol("X")
        ok = sp.minimal_polynomial(e, X, compose=False) == X
        return ok, "minimal polynomial X (Groebner elimination)" if ok else \
            "the minimal polynomial is not X"
    except (EosError, NotImplementedError, ValueError, TypeError) as exc:
        return False, f"unreadable step ({exc})"
