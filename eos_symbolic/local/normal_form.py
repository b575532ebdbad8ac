"""Local normal form at an EoS minimum: two-step map, ODE limit, invariant curves, end point.

Composing the one-step series (`local_map`) gives $a'' - a$ and $b''$ (paper eq. 7, C8-C9).
Weights make the leading balance explicit: if the two-step map has the terms
$a'' - a \\ni \\alpha s^l b^2$, $b'' - b \\ni \\mu s^k a b + \\nu s^j b^3$ (lowest powers of s),
the weights $w_a = l - j$, $w_b = (k + l - 2j)/2$, $w_s = 1$ make all three of the same relative
order $R = k + l - j$ (for `four-scalar`: $a \\sim \\kappa^3$, $b \\sim \\kappa^2$, eq. 7-9). When
$l \\le j$ (no cubic term at the scale of the rotation) the convention $j := 0$ is used. The
leading (lowest-weight) parts give the ODE $db/da = B/A$ (eq. 8), solved by `dsolve` for
$u = b^2$; $u = u_p(a) + C e^{Pa}$ with $P \\ne 0$ is *parabola-type* (the cubic term pulls b to
0 onto the curve $u = u_p$, attracting when $P\\alpha < 0$; its vertex $u_p = 0$ is the predicted
end point, C12-C13); $P = 0$ gives conics $u + Q a^2 = C$, *ellipse-type* for $Q > 0$ (C22):
no attraction, a start ends where its own ellipse meets $b = 0$. The limit sharpness follows
from the sharpness on the minima $h'(1)(p/X + q/Y)$ at the end point.
"""
from dataclasses import dataclass
from functools import cached_property, lru_cache

import sympy as sp

from ..errors import EosError
from ..symbolic.parser import to_sympy
from ..symbolic.reparam import reparameterise
from ..symbolic.symbols import C, a, b, c, d, eta, kappa
from .charts import charts, eos_offset_series, one_step_series
from .rule_charts import rule_charts, rule_one_step_series
from .series import weight

#: Internal scale symbol (never written out: results are converted to kappa).
s = sp.Symbol("s", positive=True)
_U = sp.Function("U")


def two_step_series(da, db):
    """$(a'' - a, b'')$ from $(a' - a, b')$ by composition:
    $a'' - a = \\Delta a + \\Delta a(a', b')$, $b'' = b'(a', b')$."""
    g = da.grading
    a1 = g.gen(0) + da
    return da + da.compose({0: a1, 1: db}), db.compose({0: a1, 1: db})


def series_expression(series, lower=-1, upper=None):
    """Terms of `series` with lower < weight <= upper as a SymPy polynomial in (a, b, s)."""
    ws = series.grading.weights
    top = series.prec - 1 if upper is None else upper
    return sp.Add(*[coeff * a ** i * b ** j * s ** k
                    for (i, j, k), coeff in series.coefficients().items()
                    if lower < weight((i, j, k), ws) <= top])


def _lowest_s_power(expr, i, j):
    """Least k with a nonzero coefficient of $a^i b^j s^k$ in expr (None if there is none)."""
    return min((m[2] for m in sp.Poly(expr, a, b, s).monoms() if m[:2] == (i, j)), default=None)


def _one_step(chart, weights, order):
    """`charts.one_step_series`, or under a rule `rule_charts.rule_one_step_series`."""
    if chart.rule is not None:
        return rule_one_step_series(chart, weights, order)
    return one_step_series(chart, weights, order)


@lru_cache(maxsize=None)
def balance(chart, depth=12):
    """Exponents $(l, k, j)$ of the module docstring (j None when there is no $b^3$ term), read
    from the two-step map to degree 3 in (a, b) and degree `depth` (doubled if needed) in s."""
    for L in (depth, 2 * depth, 4 * depth):
        w = L + 1
        da, db = two_step_series(*_one_step(chart, (w, w, 1), 4 * w))
        A, B = series_expression(da), series_expression(db) - b
        l, k, j = _lowest_s_power(A, 0, 2), _lowest_s_power(B, 1, 1), _lowest_s_power(B, 0, 3)
        if l is not None and k is not None:
            return l, k, j
    raise EosError(f"{chart.model.name}: no b^2 term in a'' - a or no a*b term in b'' up to "
                   f"s^{4 * depth}; the two-step map is degenerate here")


def natural_weights(chart):
    """Integer weights $(w_a, w_b, w_s)$ balancing the two-step system, and the relative
    order R (in the same weight units) of its leading terms (module docstring)."""
    l, k, j = balance(chart)
    j = j if j is not None and j < l else 0
    wa, twice_wb = l - j, k + l - 2 * j
    if twice_wb <= 0:
        raise EosError(f"{chart.model.name}: no local balance (k + l - 2j = {twice_wb})")
    if twice_wb % 2 == 0:
        return (wa, twice_wb // 2, 1), k + l - j
    return (2 * wa, twice_wb, 2), 2 * (k + l - j)


@dataclass(frozen=True)
class NormalForm:
    """Everything local at one EoS branch.

    Fields: `chart`; `weights` $(w_a, w_b, w_s)$; `rate` R (the two-step map moves a and b by
    relative weight R); `one_step`, `two_step`
    (`Series` pairs $(a' - a, b')$, $(a'' - a, b'')$); `routes_agree` (closed form and implicit
    route give identical coefficients; None when only the implicit route exists).
    Properties in the internal scale s: `leading`, `solution`, `end_point`; in kappa:
    `expansion`, `kappa_weights`, `kappa_orders`, `leading_kappa`, `ode_kappa`,
    `invariant_curve`, `limit_sharpness`, `b_map`, `c_check`; and `curve_type`.
    """

    chart: object
    weights: tuple
    rate: int
    one_step: tuple
    two_step: tuple
    routes_agree: object = None

    def to_kappa(self, expr):
        """Replace the internal scale s by $(\\kappa/\\rho)^{1/m}$ and expand."""
        return sp.expand(to_sympy(expr).subs(s, self.chart.s_of_kappa()))

    def in_kappa_units(self, w):
        """A weight (or None) in powers of kappa: kappa has weight $m w_s$."""
        return None if w is None else sp.Rational(w, self.weights[2] * self.chart.m)

    @property
    def extra(self):
        """Weights kept beyond the leading ones: two powers of s, or up to the first correction
        to the leading system if that is further."""
        first = [r for r, _ in self.corrections[:1]]
        return max([2 * self.weights[2]] + first)

    @property
    def orders(self):
        """Largest weights kept in (a' - a, b') and (a'' - a, b'')."""
        wa, wb, _ = self.weights
        return wa + self.rate + self.extra, wb + self.rate + self.extra

    @property
    def kappa_weights(self):
        return tuple(self.in_kappa_units(w) for w in self.weights[:2])

    @property
    def kappa_orders(self):
        return tuple(self.in_kappa_units(w) for w in self.orders)

    def expansion(self, steps):
        """$(a^{(n)} - a, b^{(n)})$ truncated at `orders`, as polynomials in a, b, kappa."""
        da, db = self.one_step if steps == 1 else self.two_step
        na, nb = self.orders
        return (self.to_kappa(series_expression(da, upper=na)),
                self.to_kappa(series_expression(db, upper=nb)))

    @cached_property
    def leading(self):
        """Lowest-weight parts (A, B) of $(a'' - a, b'' - b)$, in the internal scale s."""
        wa, wb, _ = self.weights
        da, db = self.two_step
        A = series_expression(da, upper=wa + self.rate)
        B = series_expression(db, lower=wb, upper=wb + self.rate)
        low_a = series_expression(da, upper=wa + self.rate - 1)
        low_b = series_expression(db, lower=wb, upper=wb + self.rate - 1)
        if low_a != 0 or low_b != 0 or A == 0 or B == 0:
            raise EosError(f"{self.chart.model.name}: the two-step map has no weighted leading "
                           f"balance with weights {self.weights}")
        return A, B

    @property
    def leading_kappa(self):
        return tuple(self.to_kappa(e) for e in self.leading)

    @property
    def corrections(self):
        """``(relative weight, preserves b -> -b)`` of each two-step term beyond the leading
        system, up to relative weight `rate` (the leading system is even under b -> -b)."""
        wa, wb, _ = self.weights
        out = set()
        for series, w0, parity in ((self.two_step[0], wa + self.rate, 0),
                                   (self.two_step[1], wb + self.rate, 1)):
            for m in series.coefficients():
                r = weight(m, self.weights) - w0
                if 0 < r <= self.rate:
                    out.add((r, m[1] % 2 == parity))
        return sorted(out)

    @property
    def end_point_order(self):
        """Relative weight of the predicted end-point error: the first b-parity-preserving
        correction, twice the first parity-breaking one (their first-order effects cancel
        between even and odd iterates, which share one limit), or `rate` (the ODE's
        discretisation error), whichever is smallest."""
        return min([r if keeps else 2 * r for r, keeps in self.corrections] + [self.rate])

    @property
    def _alpha(self):
        """$\\alpha s^l$: the coefficient of $b^2$ in the leading $a'' - a$."""
        return sp.cancel(self.leading[0] / b ** 2)

    @property
    def ode_kappa(self):
        """$db/da = B/A$ of the leading system (eq. 8), in kappa."""
        A, B = self.leading_kappa
        return sp.cancel(B / A)

    @cached_property
    def solution(self):
        """General solution $b^2 = u(a; C)$ by `dsolve` on $u = b^2$, checked by substitution."""
        A, B = self.leading
        alpha, beta = self._alpha, sp.cancel(B / b)
        if alpha.has(b) or sp.expand(beta.subs(b, -b) - beta) != 0:
            raise EosError(f"{self.chart.model.name}: the leading system is not a function of "
                           "b^2 after removing b; no u = b^2 reduction")
        rhs = sp.expand(2 * beta / alpha).subs(b, sp.sqrt(_U(a)))
        ode = sp.Eq(_U(a).diff(a), rhs)
        sol = sp.dsolve(ode, _U(a), hint="1st_linear")
        if sp.checkodesol(ode, sol) != (True, 0):
            raise EosError(f"{self.chart.model.name}: dsolve's solution fails substitution")
        return sp.expand(sol.rhs.subs(sp.Symbol("C1"), C))

    @cached_property
    def curve_type(self):
        """'parabola (attracting)', 'parabola (repelling)', 'ellipse' or 'hyperbola'."""
        u = self.solution
        P = sp.diff(u, C)
        if P.has(a):
            rate = sp.expand(sp.diff(sp.log(P), a) * self._alpha).subs({a: 0, s: 1})
            return "parabola (attracting)" if rate < 0 else "parabola (repelling)"
        return "ellipse" if sp.Poly(u, a).coeff_monomial(a ** 2) < 0 else "hyperbola"

    @property
    def invariant_curve(self):
        """Parabola-type: the curve $b^2 = u_p(a)$; otherwise the conserved $C = b^2 - u_0(a)$."""
        u = self.to_kappa(self.solution)
        if self.curve_type.startswith("parabola"):
            return sp.Eq(b ** 2, u.subs(C, 0))
        return sp.Eq(C, sp.expand(b ** 2 - u.subs(C, 0)))

    @cached_property
    def end_point(self):
        """Predicted end point a (b = 0), in s: the vertex for parabola-type (start-independent);
        otherwise where the start's own curve meets b = 0, a function of the start (a, b)."""
        u = self.solution
        if self.curve_type.startswith("parabola"):
            roots = sp.solve(u.subs(C, 0), a)
            if len(roots) != 1:
                raise EosError(f"{self.chart.model.name}: the attracting curve {u.subs(C, 0)} "
                               f"meets b = 0 at {len(roots)} points; no single vertex")
            return roots[0]
        a0, b0 = sp.symbols("a0 b0", real=True)
        const, = sp.solve(sp.Eq(b0 ** 2, u.subs(a, a0)), C)
        roots = sp.solve(u.subs(C, const), a)
        pick = min if self._alpha.subs(s, 1) < 0 else max  # the first root a reaches
        probe = {a0: sp.Rational(1, 3), b0: sp.Rational(1, 5), s: sp.Rational(1, 7)}
        root = pick(roots, key=lambda r: float(r.subs(probe)))
        return root.subs({a0: a, b0: b})

    @cached_property
    def limit_sharpness(self):
        """``(S, err)``: the sharpness at the end point, $S = 2/\\eta\\,(1 + \\sigma s^q a_{end}
        + \\dots)$, exact up to O(err). Parabola-type: a series in eta keeping the orders the
        leading end point determines; otherwise first order in the start-dependent $a_{end}$."""
        ch, (wa, _, ws) = self.chart, self.weights
        top = ch.q * ws + wa + self.end_point_order
        ratio = _eta_sharpness_half(ch, ch.grading(self.weights, top))
        end = sp.expand(self.end_point)
        to_eta = {kappa: sp.sqrt(eta)}
        top_eta = 2 * ch.threshold / eta  # the rule's threshold (2/eta for GD)
        if end.has(a, b):
            sigma = ratio.coefficients().get((1, 0, ch.q), 0) * s ** ch.q
            first = self.to_kappa(sigma * end).subs(to_eta)
            return top_eta + top_eta * first, sp.expand(top_eta * first ** 2)
        coeff, power = end.as_coeff_exponent(s)
        g = ratio.grading
        value = ratio.compose({0: g.const(coeff) * g.gen(2) ** int(power)})
        body = sum(c * s ** k for (_, _, k), c in value.coefficients().items() if k * ws < top)
        return (sp.expand(top_eta * self.to_kappa(body).subs(to_eta)),
                eta ** (sp.Rational(top, 2 * ch.m * ws) - 1))

    def b_map(self):
        """The 1-D two-step map of b with a as parameter (paper eq. 13 form): $b'' = b(1 + B/b)$."""
        return sp.Mul(b, self.to_kappa(1 + sp.cancel(self.leading[1] / b)), evaluate=False)

    def c_check(self, terms=3):
        """``(c_check, err)``: exact (closed form, err 0) or the series in $s^{2(p+q)}$ cut after
        `terms` terms, exact up to O(err) with err a power of kappa."""
        ch = self.chart
        if ch.closed_form:
            return reparameterise(ch.model).c_check, sp.Integer(0)
        step = 2 * (ch.p + ch.q)
        ws = self.weights[2]
        series = eos_offset_series(ch, ch.grading(self.weights, ((terms - 1) * step + 1) * ws))
        return (self.to_kappa(series_expression(series) * s ** -ch.q),
                kappa ** sp.Rational(terms * step - ch.q, ch.m))

    def chart_definitions(self):
        """$c = \\sqrt{X - \\lambda Y}$ (large coordinate first), $d = x^p y^q$,
        $\\kappa = \\sqrt\\eta$."""
        big, small = self.chart.coords
        return (sp.Eq(c, sp.sqrt(big ** 2 - self.chart.ratio * small ** 2)),
                sp.Eq(d, big ** self.chart.p * small ** self.chart.q),
                sp.Eq(kappa, sp.sqrt(eta)))


def _eta_sharpness_half(chart, g):
    """$\\eta S / 2 = (p\\lambda/q) s^{2(p+q)}/\\tilde X + 1/\\tilde Y$ on the minima at offset a
    (S = $\\varphi'(1)(p\\lambda/X + q/Y)$, see `local_map`)."""
    p, q, lam = chart.p, chart.q, chart.ratio
    lift = g.gen(2) ** (2 * (p + q))
    c = eos_offset_series(chart, g) + g.gen(2) ** q * g.gen(0)
    X = c ** 2
    for _ in range(g.cap // (2 * (p + q)) + 2):
        Y = X ** sp.Rational(-p, q)
        X = c ** 2 + lift * Y * lam
    return lift * X ** -1 * (p * lam / q) + Y ** -1


@lru_cache(maxsize=None)
def normal_forms(model, rule=None):
    """One `NormalForm` per EoS branch of `model` (EosError when no chart applies); under an
    update `rule` other than GD, at the rule's own EoS minima (`rule_charts`)."""
    out = []
    use = charts(model) if rule is None or rule.is_gd else rule_charts(model, rule)
    for chart in use:
        w, rate = natural_weights(chart)
        cap = max(w[:2]) + 2 * rate + 1  # corrections up to relative weight `rate` are known
        one = _one_step(chart, w, cap)
        agree = None
        if chart.closed_form:
            other = one_step_series(chart, w, cap, implicit=True)
            agree = all(p.coefficients() == q.coefficients() for p, q in zip(one, other))
        out.append(NormalForm(chart, w, rate, one, two_step_series(*one), agree))
    return tuple(out)
