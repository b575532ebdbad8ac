"""Independent re-check of exact-algebra proofs (`algebra.prove_identity`, `signs.prove_sign`).

Nothing of the provers is used: the statement is read back from its text, translated by this
module's own walk into python-flint polynomials over $\\mathbb{Q}$ (radicals as variables
$t$ with $d\\,t^k = n$), the numerator of $p - q$ is reduced by pseudo-division, one radical at
a time, and must vanish. In a ``branch`` proof each rewritten radical is accepted only if its
base equals the recorded product of factors (checked by multiplication) and every factor has
a sign proof that re-checks. Sign trees are re-checked node by node: structure against the
parsed expression, ``sturm`` leaves by locating every real root of every irreducible factor
with certified complex-root enclosures (`fmpz_poly.complex_roots`), ``arb-boxes`` leaves with
`recheck_boxes`.
"""
from fractions import Fraction

import sympy as sp

from ..errors import EosError
from .domain import parse_range
from .proof_text import read
from .recheck_signs import check_sign


def _flint():
    import flint
    return flint


class _Ring:
    """flint polynomials in the domain variables, radicals t_i and opaque values f_j."""

    def __init__(self, names, slots, factored):
        fl = _flint()
        self.names = list(names)
        self.gens_names = self.names + [f"t{i}" for i in range(slots)] + \
            [f"f{i}" for i in range(slots)]
        self.ctx = fl.fmpq_mpoly_ctx.get(tuple(self.gens_names))
        self.gens = dict(zip(self.gens_names, self.ctx.gens()))
        self.radicals, self.atoms, self.slots = [], [], slots  # (index, n, d, k), (key, gen)
        self.factored = factored  # list of (base fraction, k, entry) or None (generic)
        self.facts = []

    def one(self):
        return self.ctx.constant(1)

    def const(self, q):
        fl = _flint()
        return self.ctx.constant(fl.fmpq(int(q.p), int(q.q)))

    def frac(self, e):
        """(numerator, denominator) of `e`."""
        if e.is_Rational:
            return self.const(e), self.one()
        if e.is_Symbol:
            if e.name not in self.names:
                raise EosError(f"re-check: symbol {e} has no range")
            return self.gens[e.name], self.one()
        if e.is_Mul and sum(isinstance(t, sp.Abs) for t in e.args) > 1:  # |p| |q| = |p q|
            absolute = [t for t in e.args if isinstance(t, sp.Abs)]
            n1, d1 = self.frac(sp.Mul(*[t for t in e.args if not isinstance(t, sp.Abs)]))
            n2, d2 = self.root(sp.Mul(*[t.args[0] for t in absolute]) ** 2, 2)
            return n1 * n2, d1 * d2
        if e.is_Add or e.is_Mul:
            n, d = self.frac(e.args[0])
            for t in e.args[1:]:
                tn, td = self.frac(t)
                n, d = (n * td + tn * d, d * td) if e.is_Add else (n * tn, d * td)
            return n, d
        if e.is_Pow and e.exp.is_Integer:
            n, d = self.frac(e.base)
            k = int(e.exp)
            return (n ** k, d ** k) if k >= 0 else (d ** -k, n ** -k)
        if e.is_Pow and e.exp.is_Rational:
            return self.power(self.root(e.base, int(e.exp.q)), int(e.exp.p))
        if isinstance(e, sp.Abs):
            return self.root(e.args[0] ** 2, 2)
        return self.atom(str(e)), self.one()

    @staticmethod
    def power(nd, k):
        n, d = nd
        return (n ** k, d ** k) if k >= 0 else (d ** -k, n ** -k)

    def atom(self, key):
        for k, g in self.atoms:
            if k == key:
                return g
        if len(self.atoms) >= self.slots:
            raise EosError("re-check: too many opaque values")
        g = self.gens[f"f{len(self.atoms)}"]
        self.atoms.append((key, g))
        return g

    def radical(self, n, d, k):
        for i, rn, rd, rk in self.radicals:
            if rk == k and (rn * d - n * rd).is_zero():
                return self.gens[f"t{i}"]
        i = len(self.radicals)
        if i >= self.slots:
            raise EosError("re-check: too many radicals")
        if any(d.degrees()[len(self.names):]):
            raise EosError("re-check: a radical in the denominator of a radical's base")
        self.radicals.append((i, n, d, k))
        return self.gens[f"t{i}"]

    def root(self, base, k):
        n, d = self.frac(base)
        for fn, fd, fk, entry in self.factored or ():
            if fk == k and self.zero(n * fd - fn * d):
                return self.split(n, d, k, entry)
        return self.radical(n, d, k), self.one()

    def split(self, n, d, k, entry):
        """The recorded factorisation of a radical's base, verified (module docstring)."""
        c = Fraction(entry["constant"])
        if c < 0:
            raise EosError("re-check: negative constant under a root")
        pn, pd = self.const(sp.Rational(c.numerator, c.denominator)), self.one()
        num, den = self.one(), self.one()
        for part in entry["factors"]:
            m = int(part["multiplicity"])
            fn, fd = self.frac(read(part["factor"]))
            if not self.has_fact(fn, fd, strict=m < 0):
                raise EosError(f"re-check: no sign proof for the factor {part['factor']}")
            pn, pd = (pn * fn ** m, pd * fd ** m) if m > 0 else (pn * fd ** -m, pd * fn ** -m)
            whole, rest = divmod(abs(m), k)
            pn_, pd_ = self.power((fn, fd), whole)
            if rest:
                tn, td = self.power((self.radical(fn, fd, k), self.one()), rest)
                pn_, pd_ = pn_ * tn, pd_ * td
            num, den = (num * pn_, den * pd_) if m > 0 else (num * pd_, den * pn_)
        if not self.zero(pn * d - n * pd):
            raise EosError(f"re-check: the base of a root is not the product of its factors "
                           f"({entry['base']})")
        fl = _flint()
        radicand = fl.fmpz(c.numerator) * fl.fmpz(c.denominator) ** (k - 1)
        den = den * self.const(sp.Integer(c.denominator))
        for prime, e in (radicand.factor() if radicand > 1 else []):
            whole, rest = divmod(int(e), k)
            num = num * self.const(sp.Integer(int(prime))) ** whole
            if rest:
                num = num * self.radical(self.const(sp.Integer(int(prime))), self.one(),
                                         k) ** rest
        return num, den

    def has_fact(self, fn, fd, strict):
        for want, expr, is_strict in self.facts:
            if is_strict or not strict:
                en, ed = self.frac(expr)
                if self.zero(en * fd * want - fn * ed):
                    return True
        return False

    def zero(self, p):
        """Is `p` zero modulo the radical relations (pseudo-division, last radical first)?"""
        for i, n, d, k in reversed(self.radicals):
            pos = len(self.names) + i
            while True:
                terms = p.to_dict()
                high = {e: c for e, c in terms.items() if e[pos] >= k}
                if not high:
                    break
                low = self.ctx.from_dict({e: c for e, c in terms.items() if e[pos] < k}) \
                    if len(high) < len(terms) else self.ctx.constant(0)
                shifted = self.ctx.from_dict({e[:pos] + (e[pos] - k,) + e[pos + 1:]: c
                                              for e, c in high.items()})
                p = d * low + n * shifted
        return p.is_zero()


def _slots(*exprs):
    return 4 + 2 * sum(sum(1 for t in sp.preorder_traversal(e)
                           if t.is_Pow or isinstance(t, sp.Function)) for e in exprs)


def check_identity(proof):
    """Re-check a proof of `algebra.prove_identity`. Returns (ok, reason)."""
    try:
        stmt = proof["statement"]
        p, q = read(stmt["lhs"]), read(stmt["rhs"])
        domain = {name: parse_range(t) for name, t in proof["domain"].items()}
        facts = []
        for tree in proof.get("sign_conditions", []):
            ok, why = check_sign(tree, domain)
            if not ok:
                return False, f"sign condition {tree.get('expr')}: {why}"
            facts.append((tree["want"], read(tree["expr"]), tree["strict"]))
        entries = proof.get("factored_radicals", []) if proof.get("route") == "branch" else []
        texts = [read(en["base"]) for en in entries] + [read(f["factor"]) for en in entries
                                                        for f in en["factors"]]
        ring = _Ring(sorted(domain), _slots(p, q, *texts), [] if entries else None)
        ring.facts = facts
        for en in entries:
            bn, bd = ring.frac(read(en["base"]))
            ring.factored.append((bn, bd, int(en["root"]), en))
        pn, pd = ring.frac(p)
        qn, qd = ring.frac(q)
        if ring.zero(pn * qd - qn * pd):
            return True, "the numerator of lhs - rhs reduces to 0 modulo the radical relations"
        return False, "the numerator of lhs - rhs does not reduce to 0"
    except (EosError, KeyError, ValueError, TypeError, ZeroDivisionError) as exc:
        return False, f"unreadable proof ({exc})"
