"""Exact proofs of identities $p = q$ between closed-form expressions on a domain.

Each radical $B^{1/k}$ becomes a new variable $t$ with the relation $d\\,t^k - n = 0$
($B = n/d$), each other function value ($e^u$, $\\log u$, ...) an opaque variable. Then
$p - q = N/D$ with N a polynomial, and the identity holds wherever both sides are defined if N
lies in the ideal of the relations. The relations have pairwise coprime leading monomials
$t^k$, so they are a Gröbner basis over $\\mathbb{Q}(\\text{variables})$ and reduction decides
membership. Two strengths:

- ``generic``: the relations alone. Then the identity holds for *every* choice of the roots,
  the principal ones included; no assumption beyond the domain.
- ``branch``: first each radical is rewritten with the signs of its base's factors proved on
  the domain (`signs.prove_sign`): $B = c \\prod_j f_j^{m_j}$ with $s_j f_j \\ge 0$ gives
  $B^{1/k} = (c \\prod s_j^{m_j})^{1/k} \\prod (s_j f_j)^{m_j/k}$ (principal roots of
  non-negative reals multiply), so $\\sqrt{p^2} = |p| = p$ needs the proof $p \\ge 0$ on the
  whole domain, and $\\sqrt{\\eta^{-2} - 4} = \\sqrt{1 - 2\\eta}\\sqrt{1 + 2\\eta}/\\eta$ needs
  $\\eta > 0$, $1 \\pm 2\\eta \\ge 0$ there. The sign proofs are part of the certificate.

A sign condition that fails gives a witness point; `prove_identity` returns them, so the
caller can evaluate both sides there (a sign trap inside the domain becomes a counterexample).
The certificate is re-checked by `recheck_algebra.check_identity` with python-flint
polynomials and its own translation; nothing here is shared with it.
"""
from dataclasses import dataclass, field

import sympy as sp

from ..symbolic.parser import to_sympy
from .signs import prove_sign


@dataclass
class IdentityResult:
    """`status` proved | unknown; `proof` (JSON-ready, see `prove_identity`) when proved;
    `witnesses`: exact points where a sign condition of the branch route fails."""

    status: str
    proof: dict = None
    witnesses: list = field(default_factory=list)


class _Translator:
    """Expressions -> (numerator, denominator) polynomials in the variables, the radical
    variables t1, t2, ... and the opaque variables f1, f2, ... (module docstring)."""

    def __init__(self, domain, branch, sign_options):
        self.domain, self.branch, self.sign_options = domain, branch, sign_options
        self.radicals, self.atoms = [], []  # (t, key, relation), (f, key)
        self.back = {}  # t or f -> the expression it stands for
        self.signs, self.factored, self.witnesses, self.known = [], [], [], {}
        self.ok = True

    def fraction(self, e):
        if e.is_Rational:
            return sp.Integer(e.p), sp.Integer(e.q)
        if e.is_Symbol:
            return e, sp.Integer(1)
        if e.is_Mul and sum(isinstance(t, sp.Abs) for t in e.args) > 1:
            # |p| |q| = |p q|: one sign condition for the product (SymPy splits sqrt((p q)^2))
            absolute = [t for t in e.args if isinstance(t, sp.Abs)]
            rest = sp.Mul(*[t for t in e.args if not isinstance(t, sp.Abs)])
            n1, d1 = self.fraction(rest)
            n2, d2 = self.root(sp.Mul(*[t.args[0] for t in absolute]) ** 2, 2)
            return sp.expand(n1 * n2), sp.expand(d1 * d2)
        if e.is_Add or e.is_Mul:
            parts = [self.fraction(t) for t in e.args]
            n, d = parts[0]
            for pn, pd in parts[1:]:
                n, d = (n * pd + pn * d, d * pd) if e.is_Add else (n * pn, d * pd)
            return sp.expand(n), sp.expand(d)
        if e.is_Pow and e.exp.is_Integer:
            n, d = self.fraction(e.base)
            k = int(e.exp)
            return (sp.expand(n ** k), sp.expand(d ** k)) if k >= 0 else \
                (sp.expand(d ** -k), sp.expand(n ** -k))
        if e.is_Pow and e.exp.is_Rational:
            r = self.root(e.base, int(e.exp.q))
            k = int(e.exp.p)
            return (sp.expand(r[0] ** k), sp.expand(r[1] ** k)) if k >= 0 else \
                (sp.expand(r[1] ** -k), sp.expand(r[0] ** -k))
        if isinstance(e, sp.Abs):
            return self.root(e.args[0] ** 2, 2)
        return self.atom(e), sp.Integer(1)

    def atom(self, e):
        key = str(e)
        for f, k in self.atoms:
            if k == key:
                return f
        f = sp.Symbol(f"f{len(self.atoms) + 1}")
        self.atoms.append((f, key))
        self.back[f] = e
        return f

    def radical(self, n, d, k):
        """The variable t with d t^k = n (the principal k-th root of n/d)."""
        n, d = sp.expand(n), sp.expand(d)
        key = (n, d, k)
        for t, kk, _ in self.radicals:
            if kk == key:
                return t
        if d.free_symbols & set(self.back):
            self.ok = False  # a radical in a denominator of a base: not in triangular form
        t = sp.Symbol(f"t{len(self.radicals) + 1}")
        self.radicals.append((t, key, sp.expand(d * t ** k - n)))
        self.back[t] = (n / d) ** sp.Rational(1, k)
        return t

    def root(self, base, k):
        bn, bd = self.fraction(base)
        n, d = sp.fraction(sp.cancel(bn / bd))
        if not self.branch:
            return self.radical(n, d, k), sp.Integer(1)
        return self.split_root(base, n, d, k)

    def original(self, poly):
        """A polynomial in the translated variables as an expression in the original ones."""
        return to_sympy(poly).xreplace(self.back)

    def split_root(self, base, n, d, k):
        """$(n/d)^{1/k}$ as a product of roots of sign-proved factors (module docstring)."""
        cn, fn = sp.factor_list(n)
        cd, fd = sp.factor_list(d) if d != 1 else (sp.Integer(1), [])
        c = sp.Rational(cn) / sp.Rational(cd)
        whole = self.perfect_power(c, fn, fd, k)
        if whole is not None:
            return whole
        parts, num, den = [], sp.Integer(1), sp.Integer(1)
        for f, m in [(f, m) for f, m in fn] + [(f, -m) for f, m in fd]:
            s = self.sign_of(f, strict=m < 0)
            if s is None:
                return self.radical(n, d, k), sp.Integer(1)
            F = sp.expand(s * f)
            c *= s ** abs(m)
            whole, rest = divmod(abs(m), k)
            piece = F ** whole * (self.radical(F, 1, k) ** rest if rest else 1)
            if m > 0:
                num *= piece
            else:
                den *= piece
            parts.append({"factor": str(self.original(F)), "multiplicity": int(m)})
        if c < 0:
            return self.radical(n, d, k), sp.Integer(1)
        cnum = sp.Integer(c.p) * sp.Integer(c.q) ** (k - 1)  # c^(1/k) = (p q^(k-1))^(1/k) / q
        den *= c.q
        for prime, e in sorted(sp.factorint(cnum).items()):
            whole, rest = divmod(e, k)
            num *= sp.Integer(prime) ** whole * (self.radical(prime, 1, k) ** rest if rest else 1)
        self.factored.append({"base": str(base), "root": k, "constant": str(c),
                              "factors": parts})
        return sp.expand(num), sp.expand(den)

    def perfect_power(self, c, fn, fd, k):
        """$(F^k)^{1/k} = s F$ when the base is the k-th power of one rational function F whose
        sign s is proved as a whole (a product of factors that change sign together, as in
        $\\sqrt{((x - r)(x - r - \\delta))^2}$, is decided here, not factor by factor)."""
        root_c = sp.root(sp.Abs(c), k) if c != 0 else None
        if (c < 0 and k % 2 == 0) or root_c is None or not root_c.is_Rational or \
                any(m % k for _, m in fn + fd) or len(fn) + len(fd) < 2:
            return None
        root_c = root_c if c > 0 else -root_c
        F = root_c * sp.Mul(*[f ** (m // k) for f, m in fn]) / sp.Mul(*[f ** (m // k)
                                                                        for f, m in fd])
        s = self.sign_of(sp.together(F), strict=bool(fd))
        if s is None or (k % 2 == 1 and s < 0):
            return None
        num, den = sp.fraction(sp.cancel(s * F))
        self.factored.append({"base": f"({self.original(F)})**{k}", "root": k,
                              "constant": "1", "factors": [{"factor": str(self.original(
                                  sp.expand(s * F))), "multiplicity": k}]})
        return sp.expand(num), sp.expand(den)

    def sign_of(self, f, strict):
        """+1 or -1 if ``s * f >= 0`` (> 0 if strict) is proved on the domain, else None."""
        expr = self.original(f)
        key = (str(expr), strict)
        if key in self.known:  # one proof per factor, however often it occurs
            return self.known[key]
        seen = []
        for s in (1, -1):
            res = prove_sign(expr, self.domain, s, strict, **self.sign_options)
            if res.status == "proved":
                self.signs.append(res.proof)
                self.known[key] = s
                return s
            seen += [res.witness] if res.witness else []
        self.witnesses += seen  # neither sign holds: the factor changes sign in the domain
        self.known[key] = None
        return None

    def relations(self):
        return [r for _, _, r in self.radicals]


def _reduces_to_zero(N, tr):
    """Is N in the ideal of the radical relations over Q(variables, opaque values)?"""
    if N == 0:
        return True
    ts = [t for t, _, _ in reversed(tr.radicals)]
    if not ts:
        return False
    params = sorted((N.free_symbols | set().union(*[r.free_symbols for r in tr.relations()]))
                    - set(ts), key=str)
    domain = sp.QQ.frac_field(*params) if params else sp.QQ
    _, rem = sp.reduced(N, tr.relations(), *ts, domain=domain)
    return rem == 0


def prove_identity(p, q, domain, budget=2000, seconds=2.0):
    """Prove $p = q$ wherever both are defined on `domain` ({symbol: Range}); see the module
    docstring. The proof records the statement, the route and every sign condition."""
    p, q = to_sympy(p), to_sympy(q)
    options = {"budget": budget, "seconds": seconds}
    witnesses = []
    for branch in (False, True):
        tr = _Translator(domain, branch, options)
        pn, pd = tr.fraction(p)
        qn, qd = tr.fraction(q)
        witnesses += tr.witnesses
        if not tr.ok:
            continue
        N = sp.expand(pn * qd - qn * pd)
        try:
            zero = _reduces_to_zero(N, tr)
        except (sp.polys.polyerrors.PolynomialError, ValueError, TypeError):
            zero = False
        if zero:
            return IdentityResult("proved", {
                "statement": {"lhs": str(p), "rhs": str(q)},
                "route": "branch" if branch else "generic",
                "radicals": len(tr.radicals), "opaque": [k for _, k in tr.atoms],
                "factored_radicals": tr.factored, "sign_conditions": tr.signs,
                "domain": {str(s): r.text() for s, r in sorted(domain.items(),
                                                                key=lambda t: str(t[0]))}},
                witnesses)
    return IdentityResult("unknown", None, witnesses)

