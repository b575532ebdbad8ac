"""Fixed points, multipliers, flips and 2-cycles of the reduced GD map $F$.

Fixed points of $F(p) = p - \\eta g(p)$ are the critical sets; their multipliers are the
eigenvalues $1 - \\eta\\mu$ of $DF = I - \\eta Dg$. A flip happens where a multiplier crosses
$-1$, i.e. $\\eta = 2/\\mu$. Period-2 points solve $F(F(p)) - p = 0$; every component of that
system is divisible by the fixed-point curves, which are divided out (gcd over QQ) before the
remaining cofactor system is eliminated by a resultant and factored.
"""
from dataclasses import dataclass
from functools import lru_cache

import mpmath
import sympy as sp
from sympy.polys.rings import ring

from ..errors import EosError
from .factoring import factor_list, resultant
from .minima import critical_sets
from .symbols import eta, lam


@dataclass(frozen=True)
class FixedSet:
    """A fixed-point component with its multipliers $1 - \\eta\\mu$ and flip step sizes $2/\\mu$."""

    equation: sp.Expr
    point: tuple
    param: dict
    multipliers: tuple
    flips: tuple


def fixed_points(model):
    """Fixed-point components of the reduced map with multipliers and flip conditions."""
    out = []
    for s in critical_sets(model):
        sub = s.param if s.param is not None else dict(zip(model.coords, s.point or ()))
        if not sub:
            out.append(FixedSet(s.equation, s.point, s.param, (), ()))
            continue
        Dg = model.gradient_jacobian.subs(sub).applyfunc(sp.cancel)
        n = Dg.shape[0]
        mus = sp.roots(sp.Poly(sp.factor((lam * sp.eye(n) - Dg).det()), lam), multiple=True)
        mus = sorted((sp.factor(m) for m in mus), key=sp.default_sort_key)
        flips = tuple(e for e in (sp.Eq(eta, sp.factor(2 / m)) for m in mus if m != 0)
                      if e is not sp.false)
        out.append(FixedSet(s.equation, s.point, s.param,
                            tuple(sp.expand(1 - eta * m) for m in mus), flips))
    return out


def gd_map_2(model):
    """Two-step map $F \\circ F$ as expanded polynomials (composed in a sparse QQ ring)."""
    R, F = _ring_map(model)
    return tuple(f.as_expr() for f in _compose2(R, F))


@lru_cache(maxsize=None)
def _ring_map(model):
    R, *_ = ring(list(model.coords) + [eta], sp.QQ)
    return R, tuple(R.from_dict(dict(sp.Poly(f, *model.coords, eta).as_dict()))
                    for f in model.gd_map)


def _compose2(R, F):
    gens = R.gens[:len(F)]
    return tuple(f.compose(list(zip(gens, F))) for f in F)


#: Above this many terms in a cofactor the resultant is too costly for `derive` (76 terms,
#: four-scalar: ~4 s; 190 terms, (1 - x y)^4: ~75 s); then only the invariant lines are
#: analysed and `eliminant` is None.
MAX_ELIMINATION_TERMS = 100


@dataclass(frozen=True)
class TwoCycles:
    """The factored period-2 condition of a 2-D reduced map.

    $F(F(p)) - p = G \\cdot (Q_1, Q_2)$ with $G$ the common factor (fixed-point curves);
    `eliminant` is the list of irreducible factors of $\\mathrm{res}_{y}(Q_1, Q_2)$ in
    (x, eta); `lines` maps each invariant line (y = x, y = -x) to the factors of its 1-D
    period-2 polynomial $(f(f(x)) - x)/(f(x) - x)$.
    """

    common: sp.Expr
    cofactors: tuple
    eliminant: tuple
    lines: dict


@lru_cache(maxsize=None)
def two_cycles(model):
    """Factor the period-2 condition (2-D reduced maps only; returns None otherwise)."""
    if len(model.coords) != 2:
        return None
    R, F = _ring_map(model)
    X, Y = R.gens[:2]
    D = [f2 - g for f2, g in zip(_compose2(R, F), (X, Y))]
    G = D[0].gcd(D[1])
    Q = [di.quo(G) for di in D]
    xx, yy = model.coords
    q1, q2 = (q.as_expr() for q in Q)
    elim = None
    if max(len(q.terms()) for q in Q) <= MAX_ELIMINATION_TERMS:
        res = resultant(q1, q2, yy)
        elim = tuple(sorted((f for f, _ in factor_list(res)[1] if f.has(xx) and f.has(eta)),
                            key=lambda f: (sp.Poly(f, xx).degree(), sp.default_sort_key(f))))
    lines = {}
    for slope in (1, -1):
        fx, fy = (f.subs(yy, slope * xx) for f in model.gd_map)
        if sp.expand(fy - slope * fx) != 0:
            continue
        ffx = sp.expand(fx.subs(xx, fx))
        per2 = sp.cancel((ffx - xx) / (fx - xx))
        lines[sp.Eq(yy, slope * xx)] = tuple(
            sp.expand(f) for f, _ in factor_list(per2, xx, eta)[1] if f.has(xx))
    return TwoCycles(sp.factor(G.as_expr()), (q1, q2), elim, lines)


def _real_roots_numeric(poly, dps):
    """Roots of a univariate polynomial with Float coefficients (escalating the iteration
    budget); `EosError` if they cannot be isolated."""
    for steps in (200, 2000):
        try:
            return poly.nroots(n=dps, maxsteps=steps)
        except mpmath.libmp.NoConvergence:
            continue
    try:  # clustered (multiple) roots: Durand-Kerner converges with more working bits
        with mpmath.workdps(dps):
            coeffs = [mpmath.mpf(sp.Float(c, dps)) for c in poly.all_coeffs()]
            roots = mpmath.polyroots(coeffs, maxsteps=500, extraprec=10 * dps)
            tiny = mpmath.mpf(10) ** (-dps // 3)
            return [sp.Float(r.real, dps) + (0 if abs(r.imag) < tiny
                                             else sp.I * sp.Float(r.imag, dps))
                    for r in map(mpmath.mpc, roots)]
    except mpmath.libmp.NoConvergence:
        pass
    raise EosError(f"could not isolate the roots of a degree-{poly.degree()} cofactor "
                   f"at {dps} digits")


def real_two_cycles(model, eta_value, dps=30):
    """Real period-2 orbits at a rational step size, from the eliminant factors.

    For each real root x of an eliminant factor, the common real roots y of the cofactors
    are kept when $F(p) \\ne p$ and $F(F(p)) = p$ to working precision. Returns a list of
    ``(point, image)`` pairs of mpmath numbers, each orbit listed once per point.
    """
    tc = two_cycles(model)
    if tc is None or tc.eliminant is None:
        raise EosError(f"{model.name}: no eliminant of the period-2 system (needs a 2-D map "
                       f"whose period-2 cofactors have <= {MAX_ELIMINATION_TERMS} terms)")
    xx, yy = model.coords
    e = sp.Rational(eta_value)
    F = sp.lambdify((xx, yy), [f.subs(eta, e) for f in model.gd_map], "mpmath")
    found = []
    with mpmath.workdps(dps):
        tol = mpmath.mpf(10) ** (-dps // 2)
        for f in tc.eliminant:
            for rx in sp.Poly(f.subs(eta, e), xx).real_roots():
                xv = mpmath.mpf(sp.N(rx, dps))
                py = sp.Poly(tc.cofactors[0].subs({eta: e, xx: sp.Float(xv, dps)}), yy)
                for ry in _real_roots_numeric(py, dps):
                    if not ry.is_real:
                        continue
                    p = (xv, mpmath.mpf(ry))
                    img = F(*p)
                    back = F(*img)
                    if (mpmath.norm([back[0] - p[0], back[1] - p[1]]) < tol * (1 + abs(p[0]))
                            and mpmath.norm([img[0] - p[0], img[1] - p[1]]) > tol):
                        found.append((p, tuple(img)))
    return found
