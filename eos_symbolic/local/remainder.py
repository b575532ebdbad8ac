"""How far the truncated expansions can be trusted: the exact map in a chart at high precision.

The exact one-step map in chart coordinates is evaluated without any series: $(a, b)$ ->
$(x, y)$ by solving $X^p ((X - c^2)/\\lambda)^q = d^2$ with mpmath's `findroot`, one step of the
model's own GD map (`Model.gd_map`), and back through $c = \\sqrt{x^2 - \\lambda y^2}$,
$d = x^p y^q$. The EoS offset $\\check c$ solves $\\kappa^2 \\varphi'(1)(p\\lambda/X + q/Y) = 2$,
$X^p Y^q = 1$ numerically (notation of `local_map`). Remainders
of the expansions are measured on a grid of a weighted box $|a| \\le A\\kappa^{e_a}$,
$|b| \\le B\\kappa^{e_b}$ (the chart's weights in kappa units) at `dps` digits: an estimate, not
a bound (rigorous bounds need interval arithmetic).
"""
from functools import lru_cache

import mpmath
import sympy as sp

from ..errors import EosError
from ..symbolic.symbols import a, b, eta, kappa


@lru_cache(maxsize=None)
def _gd(model):
    return sp.lambdify((*model.coords, eta), model.gd_map, "mpmath")


def eos_offset(chart, kap):
    """$\\check c$ at step $\\kappa^2$ (`kap` is $\\kappa$; an mpf), on the chart's branch."""
    p, q, k1 = chart.p, chart.q, _mpf(chart.slope)
    kap, lam = mpmath.mpf(kap), _mpf(chart.ratio)
    f = lambda t: kap ** 2 * k1 * (p * lam * t ** (mpmath.mpf(q) / p) + q / t) - 2  # t = Y
    low = q * k1 * kap ** 2 / 2
    if not f(low) > 0 > f(2 * low):
        raise EosError(f"{chart.model.name}: kappa = {mpmath.nstr(kap, 5)} is too large for the "
                       "local chart (the EoS minimum is not bracketed); use a smaller kappa")
    Y = mpmath.findroot(f, (low, 2 * low), solver="anderson")
    X = Y ** (-mpmath.mpf(q) / p)
    return mpmath.sqrt(X - lam * Y)


def _mpf(rational):
    return mpmath.mpf(int(rational.p)) / int(rational.q)


def chart_to_xy(chart, a_val, b_val, offset):
    """Model coordinates (in `model.coords` order) of the chart point (a, b); `offset` is
    `eos_offset` at the step size in use."""
    p, q, lam = chart.p, chart.q, _mpf(chart.ratio)
    c2 = (offset + a_val) ** 2
    d2 = (1 + mpmath.mpf(b_val)) ** 2
    # Y = small^2 solves (c^2 + lambda Y)^p Y^q = d^2; the bracket holds the only root Y > 0
    high = (d2 / c2 ** p) ** (mpmath.mpf(1) / q)
    low = (d2 / (c2 + lam * high) ** p) ** (mpmath.mpf(1) / q)
    Y = mpmath.findroot(lambda Y: (c2 + lam * Y) ** p * Y ** q - d2, (low, high),
                        solver="anderson")
    big, small = mpmath.sqrt(c2 + lam * Y), mpmath.sqrt(Y)
    return (big, small) if chart.branch == 1 else (small, big)


def xy_to_chart(chart, x_val, y_val, offset):
    """Chart point (a, b) of model coordinates (x, y)."""
    big, small = (x_val, y_val) if chart.branch == 1 else (y_val, x_val)
    c = mpmath.sqrt(big ** 2 - _mpf(chart.ratio) * small ** 2)
    return c - offset, big ** chart.p * small ** chart.q - 1


def exact_chart_map(chart, a_val, b_val, kap, steps=1, offset=None):
    """`steps` exact GD steps in chart coordinates (mpmath at the current precision)."""
    offset = eos_offset(chart, kap) if offset is None else offset
    x_val, y_val = chart_to_xy(chart, a_val, b_val, offset)
    for _ in range(steps):
        x_val, y_val = _gd(chart.model)(x_val, y_val, mpmath.mpf(kap) ** 2)
    return xy_to_chart(chart, x_val, y_val, offset)


def remainder_estimate(nf, kappas=("1/8", "1/16", "1/32"), box=(1, 1), points=5, dps=50):
    """Max $|\\text{exact} - \\text{truncated}|$ of $(a' - a, b')$ and $(a'' - a, b'')$ over a grid of the box.

    Returns ``(exponents, rows)``: the predicted remainder scaling $\\kappa^{(N+1)/w_\\kappa}$
    for each component (N = truncation weight), and one row
    ``(kappa, err1_a, err1_b, err2_a, err2_b)`` of mpf per kappa.
    """
    wa, wb, ws = nf.weights
    wk = ws * nf.chart.m
    ea, eb = (mpmath.mpf(w) / wk for w in (wa, wb))
    series = [sp.lambdify((a, b, kappa), e, "mpmath") for n in (1, 2) for e in nf.expansion(n)]
    rows = []
    with mpmath.workdps(dps):
        for k_text in kappas:
            kap = mpmath.mpf(sp.Rational(k_text).p) / sp.Rational(k_text).q
            err, offset = [mpmath.mpf(0)] * 4, eos_offset(nf.chart, kap)
            for i in range(points):
                for j in range(points):
                    av = box[0] * kap ** ea * (2 * mpmath.mpf(i) / (points - 1) - 1)
                    bv = box[1] * kap ** eb * (2 * mpmath.mpf(j) / (points - 1) - 1)
                    exact = [v for n in (1, 2) for v in
                             _offsets(exact_chart_map(nf.chart, av, bv, kap, n, offset), av)]
                    for n, (f, e) in enumerate(zip(series, exact)):
                        err[n] = max(err[n], abs(f(av, bv, kap) - e))
            rows.append((sp.Rational(k_text), *err))
    na, nb = nf.orders
    return (sp.Rational(na + 1, wk), sp.Rational(nb + 1, wk)), rows


def _offsets(point, a_val):
    return point[0] - a_val, point[1]
