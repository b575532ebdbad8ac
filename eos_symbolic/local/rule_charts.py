"""The one-step map of an optimizer at its own EoS minimum, as a series in the (a, b, s) chart.

Any rule built from linear combinations of positions and of $\\eta g$ at such combinations
(GD, heavy-ball, Nesterov, USAM with $\\rho = r\\eta$) is evaluated in the scaled coordinates
of `charts` ($\\tilde x = s^q x$, $\\tilde y = s^{-p} y$), where $\\eta g$ is the series
$\\tilde G = (\\rho_c^2 \\lambda s^{2(p+q)} \\varphi(d)/\\tilde x,\\ \\rho_c^2 \\varphi(d)/\\tilde y)$,
$d = \\tilde x^p \\tilde y^q$ (from $x g_x = \\lambda\\varphi$, $y g_y = \\varphi$, $\\eta =
\\rho_c^2 s^{2p}$), and ascents $\\rho g = r \\tilde G$. Each position-like state vector is a
chart point $(a_i, b_i)$ turned into $(\\tilde x, \\tilde y)$ by the implicit route; the new
position goes back through $\\tilde c = (\\tilde X - \\lambda s^{2(p+q)} \\tilde Y)^{1/2}$,
$d = \\tilde x^p \\tilde y^q$. No closed form is used.

Momentum rules act on two chart points (now and before). Their linear part at the EoS
minimum is block-diagonal with multipliers $1, \\sigma_a$ (along the minima) and $-1,
\\sigma_b$ (across; heavy-ball: $\\sigma_a = \\beta$, $\\sigma_b = -\\beta$), so there is a
2-D centre manifold $P = h_P(A, B)$, $Q = h_Q(A, B)$ in eigen-coordinates (A, B centre,
P, Q stable). It is computed order by order in the weight grading from the invariance
equation $F_s(w, h(w)) = h(F_c(w, h(w)))$: a residual term $A^i B^j s^k$ is removed by the
correction $R / ((-1)^j - \\sigma)$ (never zero: $|\\sigma| < 1$). The map on the manifold,
in (A, B), is the rule's analogue of (a' - a, b'): on the fixed line P = Q = 0, A = a, so
end points in A are end points in a. The local normal form (`normal_form`) then applies
unchanged.
"""
from dataclasses import replace

import sympy as sp
from sympy import QQ
from sympy.polys.rings import ring

from ..errors import EosError
from ..symbolic.optimizers import Optimizer
from ..symbolic.stability import stability_threshold
from ..symbolic.symbols import eta
from .charts import charts, eos_offset_series, phi_series
from .series import Grading, Series

#: Rules whose map the chart route can expand (linear in positions and eta*g).
SUPPORTED = ("gd", "heavy-ball", "nesterov", "usam")


def ray_rule(rule):
    """The rule whose threshold is $2c/\\eta$: itself, or for USAM with a fixed rho the rule
    along the ray $\\rho = \\eta$ (through the point $\\eta = \\rho$; there $\\eta S = 1$)."""
    if rule.kind == "usam" and not rule.value("rho").has(eta):
        return Optimizer("usam", (("rho", eta),))
    return rule


def rule_charts(model, rule):
    """The charts of `model` (see `charts.charts`) moved to the EoS minimum of `rule`."""
    if rule.kind not in SUPPORTED:
        raise EosError(f"{rule.spec}: no local chart route (it needs a rule linear in positions "
                       "and eta*grad L: gd, heavy-ball, nesterov, usam; a preconditioner "
                       "breaks the gradient-flow invariant c, normalised rules are not smooth "
                       "at the minima)")
    ray = ray_rule(rule)
    c = sp.simplify(stability_threshold(model, ray).value * eta / 2)
    if not (c.is_Rational and c > 0):
        raise EosError(f"{model.name} with {ray.spec}: eta S = 2c at the flip with c = {c}, not "
                       "a positive rational constant; no series chart over QQ")
    return [replace(ch, rule=ray, threshold=c, closed_form=False) for ch in charts(model)]


class ChartAlgebra:
    """`optimizers.Algebra` on scaled chart positions: grad is $\\tilde G$ (eta absorbed)."""

    def __init__(self, chart, g, overrides):
        self.chart, self.g, self.eta, self.overrides = chart, g, 1, overrides
        self.rho2 = chart.rho ** 2
        self.lift = g.gen(g.scale) ** (2 * (chart.p + chart.q))

    def grad(self, point):
        ch = self.chart
        xt, yt = point
        phi = phi_series(ch, xt ** ch.p * yt ** ch.q, self.g)
        return (self.lift * phi * xt ** -1 * (self.rho2 * ch.ratio), phi * yt ** -1 * self.rho2)


def _position(chart, g, a_gen, b_gen):
    """Scaled position $(\\tilde x, \\tilde y)$ of the chart point with offsets (a, b)."""
    p, q, lam = chart.p, chart.q, chart.ratio
    S = g.gen(g.scale)
    lift = S ** (2 * (p + q))
    c = eos_offset_series(chart, g) + S ** q * a_gen
    D = 1 + b_gen
    X = c ** 2
    for _ in range(g.cap // (2 * (p + q)) + 2):
        Y = (D ** 2 * X ** -p) ** sp.Rational(1, q)
        X = c ** 2 + lift * Y * lam
    return X ** sp.Rational(1, 2), Y ** sp.Rational(1, 2)


def _chart_of(chart, g, point):
    """Offsets (a, b) of a scaled position."""
    p, q, lam = chart.p, chart.q, chart.ratio
    S = g.gen(g.scale)
    xt, yt = point
    c = (xt ** 2 - S ** (2 * (p + q)) * yt ** 2 * lam) ** sp.Rational(1, 2)
    return (c - eos_offset_series(chart, g)) * S ** -q, xt ** p * yt ** q - 1


def _overrides(chart):
    """Rule parameters in the scaled algebra: an ascent radius rho becomes rho/eta."""
    rule = chart.rule
    return {"rho": sp.simplify(rule.value("rho") / eta)} if rule.kind == "usam" else {}


def _full_map(chart, weights, order):
    """The rule's map on all chart offsets: ring gens (a_1, b_1, ..., a_k, b_k, s)."""
    k = chart.rule.state_size
    names = ", ".join([f"a{i}, b{i}" for i in range(k)] + ["s"])
    R = ring(names, QQ)[0]
    wa, wb, ws = weights
    g = Grading(R, (wa, wb) * k + (ws,), 2 * k, order)
    state = tuple(_position(chart, g, g.gen(2 * i), g.gen(2 * i + 1)) for i in range(k))
    out = chart.rule.update(state, ChartAlgebra(chart, g, _overrides(chart)))
    new = list(_chart_of(chart, g, out[0]))
    for i in range(1, k):  # momentum: the previous point is the current one, unchanged
        new += [g.gen(2 * (i - 1)), g.gen(2 * (i - 1) + 1)]
    return g, new


def rule_one_step_series(chart, weights, order):
    """$(a' - a, b')$ of the rule (momentum: on its centre manifold) as `Series` in the
    chart's (a, b, s) ring, exact below weight `order` (module docstring)."""
    for extra in range(0, 4 * max(weights) + 8, 2):
        g, new = _full_map(chart, weights, order + extra)
        if chart.rule.state_size == 2:
            new = _centre_manifold(g, new)
        target = chart.grading(weights, order + extra)
        a_next, b_next = (_restrict(target, e) for e in new[:2])
        da, db = a_next - target.gen(0), b_next
        if da.prec >= order and db.prec >= order:
            return da.truncated(order), db.truncated(order)
    raise EosError(f"{chart.model.name} with {chart.rule.spec}: could not reach series "
                   f"precision {order}")


def _restrict(target, series):
    """A series in (a0, b0, [a1, b1,] s) with no a1, b1 as a series in the (a, b, s) ring."""
    k = len(series.grading.ring.gens)
    coeffs = {}
    for m, c in series.poly.items():
        if any(m[2:k - 1]):
            raise EosError("internal: the centre-manifold map still depends on stable "
                           "coordinates")
        coeffs[(m[0], m[1], m[k - 1])] = target.ring.domain.from_sympy(
            series.grading.ring.domain.to_sympy(c))
    return Series(target, target.ring.from_dict(coeffs), series.shift, series.prec)


def _linear_part(g, maps):
    """Matrix of the weight-preserving linear terms (no power of s) of the map."""
    n = len(maps)
    M = sp.zeros(n, n)
    for i, e in enumerate(maps):
        coeffs = e.coefficients()
        for j in range(n):
            mono = tuple(1 if t == j else 0 for t in range(n + 1))
            M[i, j] = coeffs.get(mono, 0)
    return M


def _centre_manifold(g, maps):
    """The map restricted to its centre manifold, in eigen-coordinates (A, B, P, Q) where
    (A, B) have multipliers (1, -1); returns the (A', B') series with P, Q eliminated."""
    M = _linear_part(g, maps)
    blocks = {0: [0, 2], 1: [1, 3]}  # a-block (a0, a1), b-block (b0, b1)
    T, sigma = sp.zeros(4, 4), {}
    for centre, (col_c, col_s) in ((1, (0, 2)), (-1, (1, 3))):
        idx = blocks[0] if centre == 1 else blocks[1]
        sub = M.extract(idx, idx)
        vals = sub.eigenvals()
        if centre not in vals or vals[centre] != 1 or len(vals) != 2:
            raise EosError(f"centre manifold: expected multipliers {centre} and one stable one "
                           f"in the {'a' if centre == 1 else 'b'}-block, got {vals}")
        stable = [v for v in vals if v != centre][0]
        if not abs(stable) < 1:
            raise EosError(f"centre manifold: the second multiplier {stable} is not stable")
        sigma[col_s] = stable
        for col, val in ((col_c, centre), (col_s, stable)):
            vec = (sub - val * sp.eye(2)).nullspace()[0]
            if val == centre:  # scaled so that a = A + ..., b = B + ... on the manifold
                vec = vec / vec[0]
            for r, i in enumerate(idx):
                T[i, col] = vec[r]
    Tinv = T.inv()
    gens = [g.gen(i) for i in range(4)]
    to_old = {i: sum((gens[j] * T[i, j] for j in range(4) if T[i, j] != 0), g.const(0))
              for i in range(4)}
    composed = [m.compose(to_old) for m in maps]
    new = [sum((composed[j] * Tinv[i, j] for j in range(4) if Tinv[i, j] != 0), g.const(0))
           for i in range(4)]
    h = {2: g.const(0), 3: g.const(0)}
    for _ in range(g.cap + 2):
        on = [e.compose(h) for e in new]
        residual = {i: on[i] - h[i].compose({0: on[0], 1: on[1]}) for i in (2, 3)}
        if all(not r.poly for r in residual.values()):
            break
        for i in (2, 3):
            r = residual[i]
            fix = {}
            for mono, c in r.coefficients().items():
                fix[mono] = c / ((-1) ** mono[1] - sigma[i])
            h[i] = h[i] + Series(g, g.ring.from_dict(
                {m: g.ring.domain.from_sympy(c) for m, c in fix.items()}), 0, r.prec)
    else:
        raise EosError("centre manifold: the invariance equation did not close")
    on = [e.compose(h) for e in new]
    return on[:2]
