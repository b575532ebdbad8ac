"""Truncated multivariate series over QQ with weighted degree: pure kernels and a `Series` facade.

A truncated series is a sparse polynomial $P$ over QQ in generators $g_i$ with positive integer
weights $w_i$, known modulo terms of weight $\\ge$ `prec`, where
$\\mathrm{wt}(g_1^{e_1} \\cdots g_n^{e_n}) = \\sum_i w_i e_i$ (total degree when all $w_i = 1$;
$a \\sim \\kappa^3$, $b \\sim \\kappa^2$ is weights (3, 2, 1) on (a, b, kappa)). One generator, the
*scale* $s$, may carry a Laurent prefactor: a `Series` is $s^e P$ (needed for $\\check c \\sim
1/\\kappa$, paper eq. 6). Every operation truncates at once and tracks the precision it can
guarantee, so coefficients below `prec` are exact; nothing ever expands a closed form and
truncates afterwards (that is what makes `sympy.series` slow on composed maps).
"""
from dataclasses import dataclass
from fractions import Fraction
from math import inf

import sympy as sp

from ..errors import EosError
from ..symbolic.parser import to_sympy


def weight(monom, weights):
    """$\\sum_i w_i e_i$ of a monomial exponent tuple."""
    return sum(w * e for w, e in zip(weights, monom))


def truncate(p, weights, prec):
    """Drop the terms of weight $\\ge$ `prec`."""
    if prec == inf:
        return p
    return p.ring.from_dict({m: c for m, c in p.items() if weight(m, weights) < prec})


def valuation(p, weights):
    """Least weight of a term of `p` (inf for 0)."""
    return min((weight(m, weights) for m in p.itermonoms()), default=inf)


def multiply(p, q, weights, prec):
    """$p q$ truncated below weight `prec`, never forming the dropped terms."""
    R = p.ring
    qs = sorted(((weight(m, weights), m, c) for m, c in q.items()), key=lambda t: t[0])
    out = {}
    for mp, cp in p.items():
        room = prec - weight(mp, weights)
        for wq, mq, cq in qs:
            if wq >= room:
                break
            m = tuple(i + j for i, j in zip(mp, mq))
            out[m] = out.get(m, R.domain.zero) + cp * cq
    return R.from_dict({m: c for m, c in out.items() if c})


def binomial_series(r, p, weights, prec):
    """$(1 + p)^r = \\sum_k \\binom{r}{k} p^k$ truncated below `prec`; `p` must have positive
    valuation."""
    R = p.ring
    v = valuation(p, weights)
    if v <= 0:
        raise EosError(f"binomial series: expected a series without constant term, got {p}")
    out, term, k = R.one, R.one, 0
    coeff = sp.Integer(1)
    while (k + 1) * v < prec:
        k += 1
        coeff = coeff * (r - k + 1) / k
        term = multiply(term, p, weights, prec)
        out += term * R.domain.from_sympy(coeff)
    return truncate(out, weights, prec)


@dataclass(frozen=True)
class Grading:
    """Ring, weights, the index of the scale generator $s$, and the working cap on `prec`."""

    ring: object
    weights: tuple
    scale: int
    cap: int

    def gen(self, i):
        return Series(self, self.ring.gens[i], 0, inf)

    def const(self, value):
        return Series(self, self.ring.one * self.ring.domain.from_sympy(to_sympy(value)), 0, inf)


@dataclass(frozen=True)
class Series:
    """$s^{shift} \\cdot$ `poly`, exact for absolute weight < `prec` (inf = exact polynomial).

    Supports ``+ - *``, ``**`` (integers; rationals when the leading term is a rational constant
    times a power of $s$), `compose` (substitute generators), `truncated`, `coefficients`.
    """

    grading: Grading
    poly: object
    shift: int
    prec: float

    def __post_init__(self):
        g = self.grading
        w = g.weights[g.scale]
        poly = truncate(self.poly, g.weights, g.cap - self.shift * w)
        # an exact polynomial stays exact unless the cap actually dropped terms
        prec = self.prec if self.prec == inf and poly == self.poly else min(self.prec, g.cap)
        poly = truncate(poly, g.weights, prec - self.shift * w)
        low = min((m[g.scale] for m in poly.itermonoms()), default=0)
        if low:  # keep the Laurent prefactor normalised: poly not divisible by s
            poly = poly.ring.from_dict({_lower(m, g.scale, low): c for m, c in poly.items()})
        object.__setattr__(self, "poly", poly)
        object.__setattr__(self, "shift", self.shift + low if poly else 0)
        object.__setattr__(self, "prec", prec)

    @property
    def valuation(self):
        """Least absolute weight of a known nonzero term (`prec` if none is known)."""
        w = self.grading.weights[self.grading.scale]
        return min(valuation(self.poly, self.grading.weights) + self.shift * w, self.prec)

    def _aligned(self, other):
        other = other if isinstance(other, Series) else self.grading.const(other)
        e = min(self.shift, other.shift)
        s = self.grading.ring.gens[self.grading.scale]
        return (self.poly * s ** (self.shift - e), other.poly * s ** (other.shift - e), e,
                min(self.prec, other.prec))

    def __add__(self, other):
        p, q, e, prec = self._aligned(other)
        return Series(self.grading, p + q, e, prec)

    __radd__ = __add__

    def __neg__(self):
        return Series(self.grading, -self.poly, self.shift, self.prec)

    def __sub__(self, other):
        return self + (-other if isinstance(other, Series) else -to_sympy(other))

    def __rsub__(self, other):
        return (-self) + other

    def __mul__(self, other):
        if not isinstance(other, Series):
            return Series(self.grading, self.poly * self.grading.ring.domain.from_sympy(
                to_sympy(other)), self.shift, self.prec)
        g = self.grading
        prec = min(self.prec + other.valuation, other.prec + self.valuation)
        shift = self.shift + other.shift
        if prec == inf:  # exact factors: exact product, `__post_init__` applies the cap
            return Series(g, self.poly * other.poly, shift, prec)
        w = g.weights[g.scale]
        prec = min(prec, g.cap)
        return Series(g, multiply(self.poly, other.poly, g.weights, prec - shift * w), shift, prec)

    __rmul__ = __mul__

    def __truediv__(self, other):
        return self * other ** -1 if isinstance(other, Series) else self * (1 / to_sympy(other))

    def __pow__(self, r):
        r = sp.Rational(r)
        if r.is_integer and r >= 0:
            out = self.grading.const(1)
            for _ in range(int(r)):
                out = out * self
            return out
        g = self.grading
        _check_unit(self)
        c0 = g.ring.domain.to_sympy(self.poly.get(g.ring.zero_monom, g.ring.domain.zero))
        e, cr = self.shift * r, c0 ** r
        if not e.is_integer or not cr.is_Rational:
            raise EosError(f"series power: ({c0} s^{self.shift})^({r}) is not a rational "
                           "multiple of an integer power of the scale; rescale the step "
                           "(kappa) so that the leading coefficient is a rational r-th power")
        unit = self.poly.get(g.ring.zero_monom, g.ring.domain.zero)
        rest = (self.poly - unit) * g.ring.domain.from_sympy(1 / c0)
        lead = self.valuation * Fraction(int(r.p), int(r.q))
        rel = min(self.prec - self.valuation, g.cap - lead)
        body = binomial_series(r, rest, g.weights, rel)
        prec = lead + (self.prec - self.valuation if rest == 0 else rel)
        return Series(g, body * g.ring.domain.from_sympy(cr), int(e), prec)

    def compose(self, values):
        """Substitute generators: `values` maps generator index -> `Series` whose valuation is at
        least that generator's weight (so unknown terms of `self` stay unknown only above
        `prec`)."""
        if self.shift < 0:
            raise EosError(f"compose: expected a power series, got a factor s^{self.shift}")
        g, out, cache = self.grading, self.grading.const(0), {}
        for i, value in values.items():
            if value.valuation < g.weights[i]:
                raise EosError(f"compose: the value for generator {g.ring.gens[i]} has "
                               f"valuation {value.valuation} < its weight {g.weights[i]}")
        poly = self.poly * g.ring.gens[g.scale] ** self.shift

        def power(i, k):
            if (i, k) not in cache:
                cache[i, k] = g.const(1) if k == 0 else power(i, k - 1) * values[i]
            return cache[i, k]

        groups = {}
        for m, c in poly.items():
            key = tuple(m[i] for i in sorted(values))
            rest = tuple(0 if i in values else m[i] for i in range(len(m)))
            groups.setdefault(key, {})[rest] = c
        for key, rest in sorted(groups.items()):
            term = Series(g, g.ring.from_dict(rest), 0, inf)
            for i, k in zip(sorted(values), key):
                term = term * power(i, k)
            out = out + term
        return Series(g, out.poly, out.shift, min(out.prec, self.prec))

    def truncated(self, prec):
        """The same series known only below weight `prec`."""
        return Series(self.grading, self.poly, self.shift, min(prec, self.prec))

    def coefficients(self):
        """``{exponent tuple: sympy Rational}`` of $s^{shift} P$ (the shift folded in)."""
        g = self.grading
        return {_lower(m, g.scale, -self.shift): g.ring.domain.to_sympy(c)
                for m, c in self.poly.items()}


def _lower(monom, index, k):
    return tuple(e - k if i == index else e for i, e in enumerate(monom))


def _check_unit(series):
    """Precondition of a non-integer power: $s^e P$ with $P$ = nonzero constant + higher weight."""
    g = series.grading
    lead = [m for m in series.poly.itermonoms() if weight(m, g.weights) == valuation(
        series.poly, g.weights)]
    if lead != [g.ring.zero_monom]:
        terms = ", ".join(str(g.ring.from_dict({m: 1}).as_expr()) for m in lead) or "none"
        raise EosError("series power: expected a leading term that is a constant times a power "
                       f"of the scale, got leading monomial(s) {terms} (after removing s^"
                       f"{series.shift}); the power is not a power series here")
