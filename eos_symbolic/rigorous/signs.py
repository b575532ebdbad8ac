"""Proofs of the sign of an expression on a whole domain (the sign conditions of exact proofs).

`prove_sign(e, domain, want, strict)` proves $\\text{want}\\cdot e \\ge 0$ ($> 0$ if `strict`)
at every point of `domain` (a `{symbol: Range}`), returning a proof tree whose nodes are

- ``rational``: a rational number, decided exactly; ``constant``: a closed-form number whose
  Arb ball excludes 0;
- ``range``: a symbol whose range lies on the right side of 0;
- ``sum`` / ``product`` / ``power`` / ``root`` / ``exp`` / ``abs``: the sign of the node from
  the signs of its children (a sum of non-negatives is non-negative, a principal root of a
  non-negative base is non-negative, $e^u > 0$ for real u, ...);
- ``sturm``: a rational function of one variable, decided exactly by counting the real roots
  of its numerator times denominator in the interval (Sturm sequences);
- ``arb-boxes``: branch-and-bound with Arb balls over a bounded box (`intervals`).

When a condition is false the result carries a `witness`: an exact point of the domain where
the sign is wrong (found by root isolation or by the branch-and-bound). Every node is
re-checked by `recheck_algebra.check_sign`, which shares none of this code.
"""
from dataclasses import dataclass, field
from fractions import Fraction

import sympy as sp

from ..symbolic.parser import to_sympy
from .intervals import enclose, prove_positive

_FUNCTIONS = (sp.exp, sp.log, sp.sin, sp.cos)


@dataclass
class SignResult:
    """`status` proved | refuted | unknown; `proof` (a tree, see module docstring) when
    proved; `witness` ({name: Fraction}) where the sign is certainly wrong when refuted."""

    status: str
    proof: dict = None
    witness: dict = None
    notes: list = field(default_factory=list)


def is_rational_function(e):
    """No radicals, functions or symbolic exponents: a quotient of polynomials."""
    if e.is_Number or e.is_Symbol:
        return e.is_Rational or e.is_Symbol
    if e.is_Pow:
        return e.exp.is_Integer and is_rational_function(e.base)
    if e.is_Add or e.is_Mul:
        return all(is_rational_function(t) for t in e.args)
    return False


class _Prover:
    def __init__(self, domain, budget, seconds):
        self.domain, self.budget, self.seconds = domain, budget, seconds
        self.witness = None

    def node(self, rule, e, want, strict, **extra):
        return {"rule": rule, "expr": str(e), "want": int(want), "strict": bool(strict),
                **extra}

    def prove(self, e, want, strict):
        """A proof tree of ``want * e >= 0`` (``> 0`` if strict), or None."""
        strict = bool(strict)
        if e.is_Rational:
            ok = want * e > 0 or (not strict and e == 0)
            return self.node("rational", e, want, strict) if ok else None
        if not e.free_symbols:
            return self.constant(e, want, strict)
        if e.is_Symbol:
            return self.symbol(e, want, strict)
        if is_rational_function(e) and len(e.free_symbols) == 1:
            return self.sturm(e, want, strict)
        proof = self.structure(e, want, strict)
        if proof is None and all(self.domain[s].bounded for s in e.free_symbols):
            proof = self.boxes(e, want, strict)
        return proof

    def constant(self, e, want, strict):
        for dps in (30, 100, 400):
            try:
                v = enclose(want * e, [], [], dps=dps)
            except Exception:  # an expression the ball evaluator has no rule for
                return None
            if not v.is_finite():
                return None
            if v > 0:
                return self.node("constant", e, want, strict, digits=dps)
            if v < 0:
                return None
        return None

    def symbol(self, s, want, strict):
        r = self.domain[s]
        end, is_open = (r.lo, r.lo_open) if want > 0 else (r.hi, r.hi_open)
        if end is None:
            return None
        ok = want * end > 0 or (end == 0 and (is_open or not strict))
        return self.node("range", s, want, strict, range=r.text()) if ok else None

    def structure(self, e, want, strict):
        if e.is_Add:  # non-negative terms, one of them positive if strict
            parts = [self.prove(t, want, False) for t in e.args]
            if not all(parts):
                return None
            if strict:
                k = next((i for i, t in enumerate(e.args) if t.is_Number), None)
                k = k if k is not None and parts[k] and want * e.args[k] > 0 else None
                for i, t in ([(k, e.args[k])] if k is not None else enumerate(e.args)):
                    firm = self.prove(t, want, True)
                    if firm:
                        parts[i] = firm
                        break
                else:
                    return None
            return self.node("sum", e, want, strict, parts=parts)
        if e.is_Mul:
            return self.product(e, want, strict)
        if e.is_Pow:
            return self.power(e, want, strict)
        if isinstance(e, sp.exp) and want > 0:
            real = self.real(e.args[0])
            return self.node("exp", e, want, strict, parts=[real]) if real else None
        if isinstance(e, sp.Abs) and want > 0:
            arg = e.args[0]
            inner = (self.prove(arg, 1, True) or self.prove(arg, -1, True)) if strict else \
                self.real(arg)
            return self.node("abs", e, want, strict, parts=[inner]) if inner else None
        return None

    def product(self, e, want, strict):
        parts, sign = [], 1
        for f in e.args:
            got = None
            for s in (1, -1):
                got = self.prove(f, s, strict)
                if got:
                    sign *= s
                    break
            if not got:
                return None
            parts.append(got)
        return self.node("product", e, want, strict, parts=parts) if sign == want else None

    def power(self, e, want, strict):
        base, n = e.base, e.exp
        if n.is_Integer:
            if n % 2 == 0 and want > 0:
                inner = (self.prove(base, 1, True) or self.prove(base, -1, True)) \
                    if (strict or n < 0) else self.real(base)
                return self.node("power", e, want, strict, parts=[inner]) if inner else None
            inner = self.prove(base, want, strict or n < 0)
            return self.node("power", e, want, strict, parts=[inner]) if inner else None
        if n.is_Rational and want > 0:
            inner = self.prove(base, 1, strict or n < 0)
            return self.node("root", e, want, strict, parts=[inner]) if inner else None
        return None

    def real(self, e):
        """A proof that `e` is real on the domain (a rational function is real where it is
        defined; a root needs a non-negative base; log a positive argument)."""
        if is_rational_function(e):
            return {"rule": "real-rational", "expr": str(e)}
        if e.is_Add or e.is_Mul or (e.is_Pow and e.exp.is_Integer):
            parts = [self.real(t) for t in (e.args if not e.is_Pow else [e.base])]
            return {"rule": "real-structure", "expr": str(e), "parts": parts} \
                if all(parts) else None
        if e.is_Pow and e.exp.is_Rational:
            inner = self.prove(e.base, 1, e.exp < 0)
            return {"rule": "real-root", "expr": str(e), "parts": [inner]} if inner else None
        if isinstance(e, (sp.exp, sp.sin, sp.cos, sp.Abs)):
            inner = self.real(e.args[0])
            return {"rule": "real-function", "expr": str(e), "parts": [inner]} if inner else None
        if isinstance(e, sp.log):
            inner = self.prove(e.args[0], 1, True)
            return {"rule": "real-log", "expr": str(e), "parts": [inner]} if inner else None
        return None

    def sturm(self, e, want, strict):
        (v,) = e.free_symbols
        r = self.domain[v]
        num, den = sp.fraction(sp.cancel(sp.together(e)))
        P = sp.Poly(sp.expand(num * den * want), v)
        bad = _sturm_violation(P, r, strict)
        if bad is None:
            return self.node("sturm", e, want, strict, variable=str(v), range=r.text())
        if bad is not True and self.witness is None:
            self.witness = {str(v): bad}
        return None

    def boxes(self, e, want, strict):
        syms = sorted(e.free_symbols, key=str)
        box = [(self.domain[s].lo, self.domain[s].hi) for s in syms]
        try:
            res = prove_positive(want * e, syms, box, strict=strict, budget=self.budget,
                                 seconds=self.seconds)
        except Exception:  # no ball rule for a node: this route does not apply
            return None
        if res.status == "proved":
            return self.node("arb-boxes", e, want, strict, variables=[str(s) for s in syms],
                             box=[[str(lo), str(hi)] for lo, hi in box],
                             leaves=[[[str(lo), str(hi)] for lo, hi in b] for b, _ in res.leaves])
        if res.status == "refuted" and self.witness is None:
            self.witness = {k: Fraction(v) for k, v in res.point.items()}
        return None


def _sturm_violation(P, r, strict):
    """None if ``P >= 0`` (``> 0`` if strict) on range `r`; else an exact point of `r`
    where it fails, or True when the failure is at irrational points only (a double root).

    Exact: the real roots of every irreducible factor of odd multiplicity (every factor, if
    strict) inside the interval are counted by Sturm sequences (`count_roots`)."""
    v = P.gens[0]

    def q(f):
        return sp.Rational(f.numerator, f.denominator)

    def wrong(p):
        val = P(p)
        return val < 0 or (strict and val == 0)

    lo = None if r.lo is None else q(r.lo)
    hi = None if r.hi is None else q(r.hi)
    if P.is_zero:
        return r.interior_point() if strict else None
    for end, included in ((r.lo, not r.lo_open), (r.hi, not r.hi_open)):
        if end is not None and included and wrong(q(end)):
            return end
    mid = r.interior_point()
    if wrong(q(mid)):
        return mid
    width = (hi - lo) if lo is not None and hi is not None else sp.Integer(1)
    for f, mult in sp.factor_list(P.as_expr(), v)[1]:
        f = sp.Poly(f, v)
        if f.degree() == 0 or (mult % 2 == 0 and not strict):
            continue
        inside = f.count_roots(lo, hi) - sum(1 for end in (lo, hi)
                                             if end is not None and f(end) == 0)
        if inside == 0:
            continue
        # a sign change (odd multiplicity) or a zero inside: look beside each root
        for (a_i, b_i), _ in f.intervals(eps=width / 10 ** 9):
            step = width / 10 ** 9
            for p in (a_i, b_i, (a_i + b_i) / 2, a_i - step, b_i + step):
                if r.contains(Fraction(int(p.p), int(p.q))) and wrong(p):
                    return Fraction(int(p.p), int(p.q))
        return True
    return None


def prove_sign(e, domain, want=1, strict=False, budget=2000, seconds=2.0):
    """Prove ``want * e >= 0`` (``> 0`` if `strict`) on `domain` (module docstring)."""
    e = to_sympy(e)
    missing = e.free_symbols - set(domain)
    if missing:
        raise ValueError(f"prove_sign: no range for {', '.join(sorted(map(str, missing)))}")
    p = _Prover(domain, budget, seconds)
    proof = p.prove(e, want, strict)
    if proof:
        return SignResult("proved", proof)
    if p.witness is not None:
        return SignResult("refuted", witness=p.witness)
    return SignResult("unknown")
