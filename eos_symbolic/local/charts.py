"""Local charts at an eta-EoS minimum and the exact one-step map there as a truncated series.

The paper's chart (C5-C7) generalises to any 2-D reduced model whose gradient satisfies
$x g_x = \\lambda \\varphi(d)$, $y g_y = \\varphi(d)$ with a constant $\\lambda > 0$, $d = x^p y^q$
and minima $d = 1$: every product loss $F(\\prod)$ with any ties has $\\lambda = 1$ (e.g.
`three-scalar`: $d = x y^2$), an untied $F(x^2 y)$ has $\\lambda = 2$. GD then reads
$x' = x (1 - \\eta\\lambda\\varphi/X)$, $y' = y (1 - \\eta\\varphi/Y)$ with $X = x^2$, $Y = y^2$, so

$$c'^2 = c^2 \\Big(1 - \\frac{\\eta^2 \\lambda \\varphi^2}{XY}\\Big), \\quad
d' = d \\Big(1 - \\frac{\\eta\\lambda\\varphi}{X}\\Big)^p \\Big(1 - \\frac{\\eta\\varphi}{Y}\\Big)^q,
\\quad c^2 = X - \\lambda Y,\\ X^p Y^q = d^2$$

($c^2$ is conserved by gradient flow; $c^2 = x^2 - y^2$ for the paper's models), and the EoS
minimum is the point of $d = 1$ where the $d$-multiplier
$1 - \\eta \\varphi'(1)(p\\lambda/X + q/Y)$ is $-1$ (that bracket is the sharpness there).
Offsets $a = c - \\check c$, $b = d - 1$, $\\eta = \\kappa^2$ (C6). On the branch where X is
large (branch 1, larger first coordinate; branch 2 swaps x and y), $Y \\approx q \\varphi'(1)
\\kappa^2/2$, so with $\\kappa = \\rho s^p$, $\\rho^2 = 2/(q \\varphi'(1))$, $X = s^{-2q}\\tilde X$,
$Y = s^{2p}\\tilde Y$, $c = s^{-q}\\tilde c$, every quantity is a power series in $(a, b, s)$ over
QQ (the scale s absorbs the radicals and fractional powers of kappa, e.g. $\\kappa = \\sqrt2 s^2$
at the large-y minimum of `three-scalar`): the implicit equations are solved by fixed-point
iteration (each pass gains weight $2(p+q)$), i.e. series inversion, never a closed form. When
`reparameterise` gives the closed map (eq. 6), that closed form is expanded instead, by the
same kernels (`expression_series`); both routes must agree.
"""
from dataclasses import dataclass
from functools import cached_property

import sympy as sp
from sympy import QQ
from sympy.polys.rings import ring

from ..errors import EosError
from ..symbolic.minima import minima_manifold
from ..symbolic.reparam import reparameterise
from ..symbolic.symbols import a, b, d, kappa
from .series import Grading

#: Generator order of every chart ring: offsets a, b and the scale s.
GENERATORS = "a, b, s"


@dataclass(frozen=True)
class Chart:
    """The (a, b, s) chart of one EoS branch of a model.

    `coords` are the reduced coordinates with the large one first, `p, q` the exponents of
    $d = x^p y^q$ in that order, `phi` the polynomial $\\varphi(d) = y g_y$, `ratio` the constant
    $\\lambda = x g_x / y g_y$, `branch` 1 (larger first coordinate) or 2, `closed_form` whether
    the map comes from `reparameterise` (eq. 6) rather than the implicit route. The scale is
    $\\kappa = \\rho s^m$ (`rho`, `m`). Under an update `rule` (`rule_charts`) the chart sits
    at the rule's EoS minimum, where $\\eta S = 2c$ with c = `threshold` (1 for GD): then
    $\\rho^2 = 2c/(q \\varphi'(1))$ and every formula above holds with $\\eta/c$ for $\\eta$.
    """

    model: object
    branch: int
    coords: tuple
    p: int
    q: int
    phi: sp.Expr
    ratio: sp.Rational
    closed_form: bool
    rule: object = None
    threshold: sp.Rational = sp.Integer(1)

    @cached_property
    def slope(self):
        """$\\varphi'(1)$: the sharpness on the minima is $\\varphi'(1)(p\\lambda/X + q/Y)$."""
        return sp.diff(self.phi, d).subs(d, 1)

    @property
    def m(self):
        return self.p

    @cached_property
    def rho(self):
        return sp.sqrt(sp.Rational(2) * self.threshold / (self.q * self.slope))

    def s_of_kappa(self):
        """$s$ as an expression in kappa: $s = (\\kappa/\\rho)^{1/m}$."""
        return (kappa / self.rho) ** sp.Rational(1, self.m)

    def grading(self, weights, order):
        """Ring QQ[a, b, s] with `weights` on (a, b, s) and working cap `order`."""
        R = ring(GENERATORS, QQ)[0]
        return Grading(R, tuple(weights), 2, order)


def _in_d(model, h, p, q):
    """The polynomial $\\varphi$ with $h = \\varphi(x^p y^q)$, or EosError (for an analytic
    loss: the analytic $\\varphi$ found by substituting $x = (d / y^q)^{1/p}$)."""
    if not model.is_polynomial:
        xx, yy = model.coords
        phi = sp.simplify(h.subs(xx, (d / yy ** q) ** sp.Rational(1, p)))
        if phi.has(yy) or phi.has(xx):
            raise EosError(f"{model.name}: y g_y = {h} is not a function of d = "
                           f"{xx**p * yy**q}; the (c, d) chart does not close")
        return phi
    xx, yy = model.coords
    out = sp.Integer(0)
    for (i, j), coeff in sp.Poly(h, xx, yy).terms():
        k = sp.Rational(i, p)
        if not k.is_integer or sp.Rational(j, q) != k:
            raise EosError(f"{model.name}: y g_y = {h} is not a polynomial in d = "
                           f"{xx**p * yy**q}; the (c, d) chart does not close")
        out += coeff * d ** k
    return out


def _structure(model):
    """$(p, q, x g_x, y g_y, \\lambda)$ for a model of the form above, or EosError."""
    if len(model.coords) != 2:
        raise EosError(f"{model.name}: local charts need a 2-D reduced map, got "
                       f"{len(model.coords)} coordinates")
    xx, yy = model.coords
    gx, gy = model.reduced_gradient
    hx, hy = sp.expand(xx * gx), sp.expand(yy * gy)
    ratio = sp.cancel(hx / hy) if hy != 0 else sp.nan
    if not (ratio.is_Rational and ratio > 0):
        raise EosError(f"{model.name}: x g_x / y g_y = {ratio} is not a positive constant, so no "
                       "x^2 - lambda y^2 is a gradient-flow invariant and the (c, d) chart does "
                       "not close")
    eq = sp.Poly(minima_manifold(model)[0].equation, xx, yy)
    terms = dict(eq.terms())
    if len(terms) != 2 or terms.get((0, 0)) not in (1, -1) or sum(terms.values()) != 0:
        raise EosError(f"{model.name}: the minima {eq.as_expr()} = 0 are not x^p y^q = 1; no "
                       "(a, b) offsets")
    (p, q), = [mono for mono in terms if mono != (0, 0)]
    if p == 0 or q == 0:
        raise EosError(f"{model.name}: minima {eq.as_expr()} = 0 involve one coordinate only")
    return p, q, hx, hy, ratio


def charts(model):
    """Charts at each distinct EoS branch (one when x <-> y is a symmetry: p = q, lambda = 1)."""
    p, q, hx, hy, ratio = _structure(model)
    xx, yy = model.coords
    try:
        closed = model.is_polynomial and reparameterise(model) is not None
    except EosError:
        closed = False
    out = [Chart(model, 1, (xx, yy), p, q, _in_d(model, hy, p, q), ratio, closed)]
    if p != q or ratio != 1:
        out.append(Chart(model, 2, (yy, xx), q, p, _in_d(model, hx, p, q), 1 / ratio, False))
    for chart in out:
        if chart.slope <= 0:
            raise EosError(f"{model.name}: phi'(1) = {chart.slope} <= 0: the minima are never "
                           "sharp enough for an EoS minimum")
    return out


def eos_offset_series(chart, grading):
    """$\\tilde c = s^q \\check c$ at the EoS minimum as a series in s (weight cap of `grading`).

    Solves $\\tfrac{p\\lambda}q s^{2(p+q)}/\\tilde X + 1/\\tilde Y = 1$, $\\tilde X^p \\tilde Y^q = 1$
    (multiplier $-1$ on the minima), then $\\tilde c^2 = \\tilde X - \\lambda s^{2(p+q)} \\tilde Y$.
    """
    p, q, lam = chart.p, chart.q, chart.ratio
    g = grading
    lift = g.gen(g.scale) ** (2 * (p + q))
    X = g.const(1)
    for _ in range(g.cap // (2 * (p + q)) + 2):
        Y = (1 - lift * X ** -1 * (p * lam / q)) ** -1
        X = Y ** sp.Rational(-q, p)
    return (X - lift * Y * lam) ** sp.Rational(1, 2)


def _implicit_map(chart, g):
    """$(a' - a, b')$ by the implicit route (module docstring)."""
    p, q, lam = chart.p, chart.q, chart.ratio
    A, B, S = g.gen(0), g.gen(1), g.gen(2)
    lift = S ** (2 * (p + q))
    c = eos_offset_series(chart, g) + S ** q * A
    D = 1 + B
    X = c ** 2
    for _ in range(g.cap // (2 * (p + q)) + 2):
        Y = (D ** 2 * X ** -p) ** sp.Rational(1, q)
        X = c ** 2 + lift * Y * lam
    rho2 = chart.rho ** 2
    phi = phi_series(chart, D, g)
    tau_X = lift * phi * X ** -1 * (rho2 * lam)  # eta lambda phi / X
    tau_Y = phi * Y ** -1 * rho2                 # eta phi / Y
    b_next = D * (1 - tau_X) ** p * (1 - tau_Y) ** q - 1
    da = S ** -q * c * ((1 - tau_X * tau_Y) ** sp.Rational(1, 2) - 1)
    return da, b_next


def phi_series(chart, D, g):
    """$\\varphi(D)$ as a `Series` for $D = 1 + b$: the polynomial itself, or for an analytic
    $\\varphi$ its Taylor series at 1 with exact coefficients, cut where $b^k$ passes the
    weight cap of `g`."""
    if chart.phi.is_polynomial(d):
        return sum((D ** int(k) * coeff for (k,), coeff in sp.Poly(chart.phi, d).terms()),
                   g.const(0))
    B = D - 1
    order = g.cap // g.weights[1] + 2
    e = sp.Symbol("_e")
    taylor = sp.series(chart.phi.subs(d, 1 + e), e, 0, order).removeO()
    out = g.const(0)
    for k in range(order):
        coeff = taylor.coeff(e, k)
        if not coeff.is_Rational:
            raise EosError(f"{chart.model.name}: the Taylor coefficient {coeff} of phi at d = 1 "
                           "is not rational; no series over QQ")
        if coeff != 0:
            out = out + B ** k * coeff
    return out


def expression_series(expr, chart, g):
    """A SymPy expression in (a, b, kappa) as a `Series` in (a, b, s), $\\kappa = \\rho s^m$.

    Handles sums, products, integer and rational powers (the latter through the binomial
    series of the base divided by its leading constant times power of s; fails with EosError
    when that leading term is not of this form).
    """
    if expr.is_Rational:
        return g.const(expr)
    if expr == a:
        return g.gen(0)
    if expr == b:
        return g.gen(1)
    if expr == kappa or (expr.is_Pow and expr.base == kappa):
        n = sp.Integer(1) if expr == kappa else expr.exp
        coeff = chart.rho ** n
        if not (n.is_integer and coeff.is_Rational):
            raise EosError(f"cannot expand {expr}: kappa = {chart.rho} s^{chart.m} gives an "
                           "irrational coefficient")
        return g.gen(2) ** (chart.m * n) * coeff
    if expr.is_Add:
        return sum((expression_series(t, chart, g) for t in expr.args), g.const(0))
    if expr.is_Mul:
        out = g.const(1)
        for f in expr.args:
            out = out * expression_series(f, chart, g)
        return out
    if expr.is_Pow and expr.exp.is_Rational:
        return expression_series(expr.base, chart, g) ** expr.exp
    raise EosError(f"cannot expand {expr} as a series in (a, b, kappa)")


def one_step_series(chart, weights, order, implicit=False):
    """$(a' - a, b')$ as `Series` in (a, b, s), exact below weight `order` (C7-C8).

    The closed map of `reparameterise` (eq. 6) when it exists, else the implicit route. The
    working cap is raised until the requested precision is reached. `implicit=True` forces the
    implicit route even where eq. 6 exists (an independent cross-check).
    """
    for extra in range(0, 4 * max(weights) + 8, 2):
        g = chart.grading(weights, order + extra)
        if chart.closed_form and not implicit:
            rp = reparameterise(chart.model)
            da = expression_series(rp.ab_map[0] - a, chart, g)
            db = expression_series(rp.ab_map[1], chart, g)
        else:
            da, db = _implicit_map(chart, g)
        if da.prec >= order and db.prec >= order:
            return da.truncated(order), db.truncated(order)
    raise EosError(f"{chart.model.name}: could not reach series precision {order}")
