"""The (c, d) and (a, b) reparameterisation and the exact one-step map in (a, b) (C5-C7).

Applies to 2-D models whose reduced gradient is $t(d)\\,(y, x)$ with $d = xy$ (e.g.
`four-scalar`, `two-scalar`): then $x' = x - T y$, $y' = y - T x$ with $T = \\eta t(d)$, so
$c'^2 = c^2 (1 - T^2)$ and $d' = d (1 + T^2) - T \\sqrt{c^4 + 4 d^2}$ where
$c = \\sqrt{x^2 - y^2}$ (paper C5). Offsets from the EoS minimum $(\\check c, 1)$ are
$a = c - \\check c$, $b = d - 1$, with $\\eta = \\kappa^2$ (C6); the map in (a, b) is eq. 6 (C7).
"""
from dataclasses import dataclass

import sympy as sp

from ..errors import EosError
from .memo import per_model
from .minima import eos_minima, minima_manifold
from .symbols import a, b, c, d, eta, kappa, u


@dataclass(frozen=True)
class Reparam:
    """The reparameterisation of a model: $t(d)$, $\\check c$, the (c, d) map and (a, b) map.

    `cd_map` and `ab_map` are pairs of SymPy expressions; `ab_increment` is the
    cancellation-free form of $(a' - a, b' - b)$ using
    $\\sqrt{1 - T^2} - 1 = -T^2 / (1 + \\sqrt{1 - T^2})$.
    """

    t_of_d: sp.Expr
    c_check: sp.Expr
    definitions: tuple
    cd_map: tuple
    ab_map: tuple
    ab_increment: tuple


def _t_of_d(model):
    if len(model.coords) != 2:
        raise EosError(f"{model.name}: the (c, d) reparameterisation needs a 2-D reduced map, "
                       f"got {len(model.coords)} coordinates")
    xx, yy = model.coords
    gx, gy = model.reduced_gradient
    t = sp.cancel(gx / yy)
    in_d = sp.cancel(t.subs(xx, d / yy))
    if sp.expand(gx * xx - gy * yy) != 0 or in_d.has(yy) or not sp.denom(t).is_number:
        raise EosError(f"{model.name}: the (c, d) reparameterisation does not apply (the reduced "
                       "gradient is not t(xy)*(y, x)); no (a, b) map for this model")
    ones = {v: 1 for v in model.coords}
    if minima_manifold(model)[0].equation.subs(ones) != 0 or in_d.subs(d, 1) != 0:
        raise EosError(f"{model.name}: the minima are not the hyperbola xy = 1; no (a, b) offsets")
    return sp.expand(in_d)


def _c_check_fourth_power(model):
    """$\\check c^4 = (\\check x^2 - \\check y^2)^2$ as a function of eta, by eliminating u."""
    _, poly = eos_minima(model)
    param = minima_manifold(model)[0].param
    xx, yy = model.coords
    c4 = sp.Symbol("c4")
    rel = sp.numer(sp.together(c4 - (param[xx] ** 2 - param[yy] ** 2) ** 2))
    res = sp.resultant(sp.expand(rel), poly, u)
    lin = [f for f, _ in sp.factor_list(res, c4)[1] if sp.degree(f, c4) == 1]
    if len(lin) != 1:
        raise EosError(f"{model.name}: could not isolate c-check^4 from the EoS condition")
    return sp.factor(sp.solve(lin[0], c4)[0])


@per_model
def reparameterise(model):
    """Derive the (c, d) map and the exact (a, b) map with step $\\kappa^2$ (C5-C7)."""
    t = _t_of_d(model)
    xx, yy = model.coords
    T = sp.Symbol("T")
    fx, fy = xx - T * yy, yy - T * xx
    e1, e2, e3 = sp.symbols("e1 e2 e3")  # x^2 - y^2, x y, x^2 + y^2

    def in_invariants(q):
        p = sp.Poly(sp.expand(q), xx, yy)
        al, be, ga = (p.coeff_monomial(m) for m in (xx ** 2, xx * yy, yy ** 2))
        return sp.expand((al - ga) / 2 * e1 + be * e2 + (al + ga) / 2 * e3)

    c2_next = sp.factor(in_invariants(fx ** 2 - fy ** 2))
    d_next = in_invariants(fx * fy)
    if c2_next.has(e3) or c2_next.has(e2):
        raise EosError(f"{model.name}: c'^2 is not a multiple of c^2; (c, d) map not closed")
    s = sp.sqrt(c ** 4 + 4 * d ** 2)
    Td = eta * sp.factor(t)
    cd_map = (c * sp.sqrt(sp.expand(c2_next / e1).subs(T, Td)),
              d_next.subs({T: Td, e2: d, e3: s}))
    c_check = sp.expand(_c_check_fourth_power(model).subs(eta, kappa ** 2)) ** sp.Rational(1, 4)
    to_ab = {c: a + c_check, d: 1 + b, eta: kappa ** 2}
    Tab = Td.subs(to_ab)
    ab_map = (cd_map[0].subs(to_ab) - c_check, cd_map[1].subs(to_ab) - 1)
    root = sp.sqrt(1 - Tab ** 2)
    increment = (-(a + c_check) * Tab ** 2 / (1 + root),
                 sp.expand(ab_map[1] - b, deep=False).subs(to_ab))
    definitions = (sp.Eq(c, sp.sqrt(xx ** 2 - yy ** 2)), sp.Eq(d, xx * yy),
                   sp.Eq(a, c - c_check), sp.Eq(b, d - 1), sp.Eq(kappa, sp.sqrt(eta)))
    return Reparam(t, c_check, definitions, cd_map, ab_map, increment)


def ab_to_xy(model, a_val, b_val, kappa_val, sqrt=sp.sqrt):
    """Inverse of the reparameterisation: $x^2 = (s + c^2)/2$, $y^2 = (s - c^2)/2$,
    $s = \\sqrt{c^4 + 4 d^2}$ with $c = a + \\check c$, $d = 1 + b$ (branch x > y > 0)."""
    rp = reparameterise(model)
    cc = rp.c_check.subs(kappa, kappa_val) + a_val
    dd = 1 + b_val
    s = sqrt(cc ** 4 + 4 * dd ** 2)
    return sqrt((s + cc ** 2) / 2), dd / sqrt((s + cc ** 2) / 2)
