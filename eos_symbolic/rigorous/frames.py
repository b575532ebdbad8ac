r"""Building blocks of the two-step enclosures: the factored one-step map, jets, frames.

`factored_increment` writes the one-step map through the minima, $a' = a + b^2\alpha$,
$b' = b\beta$; a `Jet` is a ball with its gradient along the box directions (forward mode);
a `Frame` is the coordinate system $U = U_0 + (d_0 + d_2 B^2) Z + (\kappa/\kappa_r)^2
\psi_0(B)$ around the slow manifold (or, `raw`, Z = $a/\kappa^3$ itself); `bounds` and
`product_bounds` turn balls into exact rational bounds.
"""
from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache
from math import comb

import sympy as sp

from ..errors import EosError
from ..symbolic.models import get_model
from ..symbolic.symbols import b
from .remainder_bound import scaled_increment


@lru_cache(maxsize=None)
def factored_increment(model):
    """$(\\alpha, \\beta)$ with $a' - a = b^2 \\alpha$ and $b' = b \\beta$ (exact identities, checked
    symbolically), from the cancellation-free increment of `remainder_bound.scaled_increment`."""
    model = get_model(model) if isinstance(model, str) else model
    inc_a, inc_b = scaled_increment(model)
    alpha = inc_a / b ** 2
    beta = 1 + sp.Add(*[t / b for t in sp.Add.make_args(sp.expand(inc_b, deep=False))])
    for name, e in (("alpha", alpha), ("beta", beta)):
        if sp.simplify(sp.denom(sp.together(e)).subs(b, 0)) == 0:
            raise EosError(f"{model.name}: the increment does not factor through the minima "
                           f"(b = 0); {name} = {e}")
    if sp.expand(alpha * b ** 2 - inc_a) != 0 or sp.expand(beta * b - b - inc_b) != 0:
        raise EosError(f"{model.name}: factored increment does not reproduce the map")
    return alpha, beta


def square(x):
    """$x^2$ on a ball, tight when the ball contains 0 (Arb's product would dip below 0)."""
    if not x.contains(0):
        return x * x
    return (x.abs_upper() ** 2).union(0 * x.abs_upper())


def bounds(v):
    """Exact rationals (lo, hi) with the ball `v` inside [lo, hi]."""
    m, r = _dyadic(v.mid()), _dyadic(v.rad())
    return m - r, m + r


def _dyadic(x):
    man, exp = x.mid().man_exp()
    return Fraction(int(man)) * Fraction(2) ** int(exp)


def product_bounds(p, q, h):
    """Exact bounds of $s\\,t$ over $s \\in [p, q]$ ($0 \\le p$) and $t \\in [h_1, h_2]$
    (endpoint arithmetic: p = 0 gives an exact 0, the fixed points B = 0)."""
    h1, h2 = h
    return (p * h1 if h1 >= 0 else q * h1), (q * h2 if h2 >= 0 else p * h2)


class Jet:
    """A ball with its gradient (list of balls) in the box coordinates (Z, B, kappa)."""

    __slots__ = ("v", "g")

    def __init__(self, v, g):
        self.v, self.g = v, g

    def __add__(self, o):
        if isinstance(o, Jet):
            return Jet(self.v + o.v, [x + y for x, y in zip(self.g, o.g)])
        return Jet(self.v + o, self.g)

    __radd__ = __add__

    def __neg__(self):
        return Jet(-self.v, [-x for x in self.g])

    def __sub__(self, o):
        return self + (-o)

    def __rsub__(self, o):
        return (-self) + o

    def __mul__(self, o):
        if isinstance(o, Jet):
            return Jet(self.v * o.v, [self.v * y + o.v * x for x, y in zip(self.g, o.g)])
        return Jet(self.v * o, [x * o for x in self.g])

    __rmul__ = __mul__

    def __truediv__(self, o):
        inv = 1 / o.v
        return Jet(self.v * inv, [(x - self.v * inv * y) * inv for x, y in zip(self.g, o.g)])

    def sq(self):
        return Jet(square(self.v), [2 * self.v * x for x in self.g])

    def pow(self, n):
        return Jet(self.v ** n, [n * self.v ** (n - 1) * x for x in self.g])

    def compose(self, value, partials, inputs):
        """The jet of f(inputs) given f's value and its partials at the inputs' values
        (inputs that are plain balls are constants)."""
        pairs = [(p, j) for p, j in zip(partials, inputs) if isinstance(j, Jet)]
        return Jet(value, [sum((p * j.g[k] for p, j in pairs), 0 * value)
                           for k in range(len(self.g))])


@dataclass(frozen=True)
class Frame:
    """Coordinates (Z, B): $U = U_0 + (d_0 + d_2 B^2) Z + (\\kappa/\\kappa_r)^2 \\sum_{i\\ge2}
    c_i B^i$; `shear` = $(c_2, c_3, \\dots)$, `kappa_ref` = $\\kappa_r$ (exact rationals).
    With `raw`, Z is $A = a/\\kappa^3$ itself (the other fields unused): the coordinates in
    which the growth of b away from the minima is nearly diagonal."""

    origin: Fraction = Fraction(0)
    d0: Fraction = Fraction(1)
    d2: Fraction = Fraction(0)
    shear: tuple = ()
    kappa_ref: Fraction = Fraction(1)
    raw: bool = False

    def taylor(self, center):
        """Exact Taylor coefficients of $\\psi_0(B) = \\sum_i c_i B^i$ at `center` (psi is
        evaluated on balls in the local form, which is well conditioned near the center)."""
        coeffs = [Fraction(0), Fraction(0)] + [Fraction(c) for c in self.shear]
        out = []
        for j in range(len(coeffs)):
            out.append(sum((c * comb(i, j) * center ** (i - j)
                            for i, c in enumerate(coeffs) if i >= j), Fraction(0)))
        return out

    def psi_exact(self, B, k):
        return sum((Fraction(c) * B ** i for i, c in enumerate(self.shear, 2)),
                   Fraction(0)) * Fraction(k) ** 2 / self.kappa_ref ** 2

    def width_exact(self, B):
        return self.d0 + self.d2 * B * B

    def to_dict(self):
        if self.raw:
            return {"raw": True}
        return {"origin": str(self.origin), "d0": str(self.d0), "d2": str(self.d2),
                "shear": [str(c) for c in self.shear], "kappa_ref": str(self.kappa_ref)}

    @classmethod
    def from_dict(cls, d):
        if d.get("raw"):
            return cls(raw=True)
        return cls(Fraction(d["origin"]), Fraction(d["d0"]), Fraction(d["d2"]),
                   tuple(Fraction(c) for c in d["shear"]), Fraction(d["kappa_ref"]))
