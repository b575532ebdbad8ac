"""One-dimensional maps of the paper: orbit diagrams, period doubling, Lyapunov exponents.

Two maps, both derived symbolically:

- eq. 13, the two-step b update with a as parameter: $b \\mapsto b(1 + 8a\\kappa - 16 b^2)$
  (`eq13_map`, from a claim's printed formula); its fixed point $b^2 = a\\kappa/2$ flips
  at $8a\\kappa = 1$ and b = 0 loses stability at a = 0 (the EoS minimum).
- the balanced line $x = y$ of a model whose GD map is symmetric under $x \\leftrightarrow y$
  (`balanced_line_map`; `four-scalar`: $u' = u - \\eta u^3 (u^4 - 1)$). Its minimum u = 1
  flips at the step size where the multiplier is -1; `period_doublings` then follows the
  cascade, each doubling located by Newton (mpmath) on $F^p(u) = u$, $(F^p)'(u) = -1$
  with $p = 2^{k-1}$, and the Feigenbaum ratios $(\\eta_k - \\eta_{k-1}) /
  (\\eta_{k+1} - \\eta_k)$ estimated (limit 4.6692... for a quadratic-maximum map).
"""
from dataclasses import dataclass

import mpmath
import numpy as np
import sympy as sp

from ..errors import EosError
from ..symbolic.parser import parse_expression, to_sympy
from ..symbolic.symbols import eta, symbol

FEIGENBAUM = 4.669201609102990


@dataclass(frozen=True)
class OneDMap:
    """$u \\mapsto f(u; p)$ with its derivative, as numpy and mpmath callables.

    `expr` (SymPy, in `var` and `param`), `f(u, p)`, `df(u, p)` (numpy), `f_mp`, `df_mp`
    (mpmath)."""

    expr: sp.Expr
    var: sp.Symbol
    param: sp.Symbol
    f: object
    df: object
    f_mp: object
    df_mp: object


def one_d_map(expr, var, param):
    """Wrap `expr` (a polynomial in `var` with parameter `param`) as a `OneDMap`."""
    d = sp.diff(expr, var)
    return OneDMap(expr, var, param, sp.lambdify((var, param), expr, "numpy"),
                   sp.lambdify((var, param), d, "numpy"),
                   sp.lambdify((var, param), expr, "mpmath"),
                   sp.lambdify((var, param), d, "mpmath"))


def eq13_map(claimed, kappa_value):
    """The 1-D map in b of a claimed eq. 13 formula (in a, b, kappa) at fixed kappa, with
    parameter a."""
    a_, b_, k_ = (sp.Symbol(n, real=True) for n in ("a", "b", "kappa"))
    expr = parse_expression(claimed, "eq. 13 map") if isinstance(claimed, str) else \
        to_sympy(claimed)
    expr = expr.subs({symbol(n): s for n, s in (("a", a_), ("b", b_), ("kappa", k_))})
    return one_d_map(expr.subs(k_, to_sympy(kappa_value)), b_, a_)


def balanced_line_map(model):
    """The GD map restricted to the invariant line x = y, with parameter eta."""
    if len(model.coords) != 2:
        raise EosError(f"balanced line: needs two reduced coordinates, got {model.coords}")
    xx, yy = model.coords
    f = [sp.expand(e.subs(yy, xx)) for e in model.gd_map]
    if sp.expand(f[0] - f[1]) != 0:
        raise EosError(f"balanced line: x = y is not invariant for {model.name} "
                       f"(x' - y' = {sp.factor(f[0] - f[1])} on it)")
    u = sp.Symbol("u", real=True)
    return one_d_map(f[0].subs(xx, u), u, eta)


def orbit_diagram(m, params, start, transient=2000, keep=200, escape=1e3):
    """Attractor samples of `m` for each parameter: arrays (param, value) of the `keep`
    iterates after `transient` (orbits leaving $|u|$ < `escape` are dropped)."""
    p = np.asarray(params, dtype=float)
    u = np.full_like(p, float(start))
    with np.errstate(all="ignore"):
        for _ in range(transient):
            u = m.f(u, p)
        P, U = [], []
        for _ in range(keep):
            u = m.f(u, p)
            ok = np.abs(u) < escape
            P.append(p[ok])
            U.append(u[ok])
    return np.concatenate(P), np.concatenate(U)


def lyapunov(m, params, start, transient=2000, steps=4000):
    """Lyapunov exponent $\\lim \\frac1n \\sum \\log|f'(u_t)|$ per parameter (nan if the
    orbit escapes)."""
    p = np.asarray(params, dtype=float)
    u = np.full_like(p, float(start))
    total = np.zeros_like(p)
    with np.errstate(all="ignore"):
        for _ in range(transient):
            u = m.f(u, p)
        for _ in range(steps):
            total += np.log(np.abs(m.df(u, p)) + 1e-300)
            u = m.f(u, p)
    lam = total / steps
    lam[~np.isfinite(u)] = np.nan
    return lam


def attractor_period(m, param, start, transient=20000, max_period=64, tol=1e-9):
    """Period of the attracting cycle at `param` (power of two up to max_period), or None."""
    u = float(start)
    with np.errstate(all="ignore"):
        for _ in range(transient):
            u = m.f(u, param)
        orbit = [u]
        for _ in range(max_period):
            orbit.append(m.f(orbit[-1], param))
    if not np.isfinite(orbit[-1]):
        return None, u
    p = 1
    while p <= max_period:
        if abs(orbit[p] - orbit[0]) < tol * (1 + abs(orbit[0])):
            return p, orbit[0]
        p *= 2
    return None, orbit[0]


def _newton_flip(m, period, u0, p0, dps=30):
    """Solve $F^p(u) = u$, $(F^p)'(u) = -1$ for (u, param) from (u0, p0)."""
    def comp(u, p):
        d = mpmath.mpf(1)
        for _ in range(period):
            d *= m.df_mp(u, p)
            u = m.f_mp(u, p)
        return u, d

    def system(u, p):
        v, d = comp(u, p)
        return [v - u, d + 1]

    with mpmath.workdps(dps):
        u, p = mpmath.findroot(system, (mpmath.mpf(u0), mpmath.mpf(p0)))
        res = max(abs(r) for r in system(u, p))
        return float(u), p, float(res)


def period_doublings(m, first, start, count=5, p_max=None, step=None, dps=30):
    """The first `count` period-doubling parameters of `m` above `first` (a parameter where
    the attractor is a fixed point), located by Newton. Returns a list of dicts
    ``{period, param (mpf string), u, residual}`` and the Feigenbaum ratio estimates.

    Brackets come from a scan of the attractor's period; Newton refines each to `dps`
    digits (residual reported)."""
    out = []
    p_lo = float(first)
    gap = step or 0.01
    u_seed = float(start)
    for k in range(count):
        period = 2 ** k
        # advance until the attractor period exceeds `period`; bisection on the scan
        lo, hi = p_lo, None
        q = p_lo
        while hi is None:
            q += gap
            if p_max is not None and q > p_max:
                return out, feigenbaum_ratios(out)
            per, _ = attractor_period(m, q, u_seed)
            if per is None or per > period:
                hi = q
            else:
                lo = q
        for _ in range(30):
            mid = (lo + hi) / 2
            per, _ = attractor_period(m, mid, u_seed)
            if per is not None and per <= period:
                lo = mid
            else:
                hi = mid
        _, u_guess = attractor_period(m, lo, u_seed)
        u, p, res = _newton_flip(m, period, u_guess, (lo + hi) / 2, dps)
        out.append({"period": period, "param": mpmath.nstr(p, 15), "u": u, "residual": res,
                    "bracket": [lo, hi]})
        p_lo = float(p)
        if len(out) >= 2:
            d = float(mpmath.mpf(out[-1]["param"]) - mpmath.mpf(out[-2]["param"]))
            gap = d / (2 * FEIGENBAUM)
    return out, feigenbaum_ratios(out)


def feigenbaum_ratios(doublings):
    """$(\\eta_k - \\eta_{k-1}) / (\\eta_{k+1} - \\eta_k)$ for consecutive doublings."""
    ps = [mpmath.mpf(d["param"]) for d in doublings]
    return [float((ps[i] - ps[i - 1]) / (ps[i + 1] - ps[i])) for i in range(1, len(ps) - 1)]
