"""Critical sets, the minima manifold, sharpness on it and the eta-EoS minimum (C3-C4).

On a global minimum of a squared loss $L = \\tfrac12 r^2$ the Hessian is $\\nabla r \\nabla r^T$,
so the sharpness is $|\\nabla r|^2$ and all other eigenvalues vanish (C3). The $\\eta$-EoS
minimum (Definition 1) is the minimum with sharpness exactly $2/\\eta$; it exists for
$\\eta < 2 / \\min S$, the minimum of the sharpness over the manifold.
"""
from dataclasses import dataclass
from functools import lru_cache

import sympy as sp

from ..errors import EosError
from .analytic import analytic_critical_points, analytic_minima, analytic_sharpness, composite
from .spectrum import characteristic_factors
from .symbols import eta, lam, u


@dataclass(frozen=True)
class CriticalSet:
    """A component of $\\{\\nabla L = 0\\}$ in reduced coordinates.

    `equation` is an irreducible factor over QQ (a curve or hypersurface) or None for an
    isolated point given by `point`; `param` maps coordinates to a rational parametrisation
    by the symbol u (None when no rational parametrisation was found).
    """

    equation: sp.Expr
    point: tuple
    param: dict
    is_minimum: bool


def rational_parametrisation(f, coords):
    """A substitution {coord: R(u)} putting the curve $f = 0$ in rational form.

    Linear in some coordinate: solve for it (the other is u). A binomial $x^p y^q - 1$
    (e.g. $x y^2 = 1$ or $x^2 y^3 = 1$) gives $x = u^q$, $y = u^{-p}$ on the positive branch.
    Returns None otherwise.
    """
    if len(coords) == 1:
        return None
    if len(coords) == 2:
        xx, yy = coords
        for solve_for, keep in ((yy, xx), (xx, yy)):
            if sp.degree(f, solve_for) == 1:
                sol = sp.solve(f, solve_for)
                if len(sol) == 1:
                    return {keep: u, solve_for: sp.factor(sol[0].subs(keep, u))}
        terms = sp.Poly(f, *coords).terms()
        if len(terms) == 2 and sorted(c for _, c in terms) == [-1, 1]:
            (p, q), = [m for m, c in terms if c == 1]
            g = sp.gcd(p, q)
            return {xx: u ** (q // g), yy: u ** (-(p // g))}
    return None


@lru_cache(maxsize=None)
def _critical_sets(model):
    coords, grads = model.coords, model.reduced_gradient
    common = grads[0]
    for g in grads[1:]:
        common = sp.gcd(common, g)
    loss = sp.expand(model.loss.subs(model.tie_map))
    sets = []
    for f, _ in sp.factor_list(common, *coords)[1]:
        if not f.free_symbols & set(coords):
            continue
        minimum = sp.rem(sp.Poly(loss, *coords), sp.Poly(f, *coords)).is_zero if len(
            coords) == 1 else sp.reduced(loss, [f], *coords)[1] == 0
        sets.append(CriticalSet(sp.expand(f), None, rational_parametrisation(f, coords), minimum))
    rest = [sp.cancel(g / common) for g in grads]
    curves = [s.equation for s in sets]
    for sol in sp.solve(rest, coords, dict=True):
        point = tuple(sol.get(v, v) for v in coords)
        if any(s.free_symbols & set(coords) for s in point) or any(
                f.subs(dict(zip(coords, point))) == 0 for f in curves):
            continue
        sets.append(CriticalSet(None, point, None, loss.subs(dict(zip(coords, point))) == 0))
    return tuple(sets)


def critical_sets(model):
    """Components of the critical set, via $\\gcd$ of the gradient components over QQ.

    $\\{g_1 = \\dots = g_n = 0\\} = \\{\\gcd = 0\\} \\cup \\{g_i / \\gcd = 0\\}$; irreducible factors of
    the gcd are curves; the cofactor system has finitely many further points. An analytic
    loss $F(r)$ gives its minima curve $r = t^*$ and the points $\\nabla r = 0$
    (`analytic`).
    """
    if not model.is_polynomial:
        out = []
        if composite(model).levels:
            eq, param = analytic_minima(model)
            out.append(CriticalSet(eq, None, param, True))
        return out + [CriticalSet(None, p, None, v == 0) for p, v in
                      analytic_critical_points(model)]
    return list(_critical_sets(model))


def has_minima(model):
    """Does the loss attain 0 on a curve of global minima (a finite point)?"""
    return any(s.is_minimum and s.equation is not None for s in critical_sets(model))


def minima_manifold(model):
    """The critical component(s) on which the loss vanishes (global minima), positive branch
    first (the one through the positive quadrant, e.g. $xy - 1$ for `four-scalar`)."""
    if not model.is_polynomial:
        eq, param = analytic_minima(model)
        return [CriticalSet(eq, None, param, True)]
    found = [s for s in critical_sets(model) if s.is_minimum and s.equation is not None]
    if not found:
        raise EosError(f"{model.name}: no curve of global minima (loss = 0) among the critical sets")
    ones = {v: 1 for v in model.coords}
    return sorted(found, key=lambda s: (s.equation.subs(ones) != 0, str(s.equation)))


def sharpness_on_minima(model):
    """Sharpness $S(u)$ along the positive branch of the minima manifold, $u$ its parameter.

    The top root of the tied Hessian's characteristic polynomial on the manifold (for
    `four-scalar`: $S = 2(x^2 + y^2) = 2(u^2 + u^{-2})$; claim C3).
    """
    if not model.is_polynomial:
        return analytic_sharpness(model)
    param = _param_of_minima(model)
    roots = []
    for f, _ in characteristic_factors(model):
        on = sp.factor(f.subs(param))
        roots += [r for r in sp.roots(sp.Poly(on, lam), multiple=True) if sp.simplify(r) != 0]
    if len(roots) != 1:
        raise EosError(f"{model.name}: expected one nonzero Hessian eigenvalue on the minima, "
                       f"got {roots}")
    return sp.factor(roots[0])


def _param_of_minima(model):
    manifold = minima_manifold(model)[0]
    if manifold.param is None:
        raise EosError(f"{model.name}: the minima manifold {manifold.equation} = 0 has no rational "
                       "parametrisation here, so no closed-form sharpness along it")
    return manifold.param


def eos_range(model):
    """Sup of the step sizes for which an $\\eta$-EoS minimum exists: $2 / \\min_{u>0} S(u)$."""
    S = sharpness_on_minima(model)
    if not S.is_rational_function(u):
        raise EosError(f"{model.name}: the sharpness on the minima, {S}, is transcendental in "
                       "u; its minimum has no closed form")
    num = sp.numer(sp.together(sp.diff(S, u)))
    crit = [r for r in sp.Poly(num, u).real_roots() if r > 0]
    if not crit:
        raise EosError(f"{model.name}: sharpness on the minima has no minimum over u > 0")
    # audited: nsimplify of an exact algebraic number (closed form of a root), no text
    return sp.nsimplify(2 / min(sp.simplify(S.subs(u, r)) for r in crit))


def eos_minima(model):
    """All $\\eta$-EoS minima on the positive branch: points with $S = 2/\\eta$ (C4, eq. 4).

    Returns ``(points, polynomial)``: closed-form points (largest first coordinate first) when
    $S(u) = 2/\\eta$ is solvable in radicals of degree <= 2 in $u^2$, else ``points = None``
    and the defining polynomial in u; valid for $0 < \\eta <$ `eos_range`.
    """
    param, S = _param_of_minima(model), sharpness_on_minima(model)
    if not S.is_rational_function(u):
        return None, S - 2 / eta
    poly = sp.factor(sp.numer(sp.together(S - 2 / eta)))
    poly = sp.Mul(*[f ** m for f, m in sp.factor_list(poly)[1] if f.has(u)])
    p = sp.Poly(poly, u)
    even = all(k % 2 == 0 for (k,) in p.monoms())
    if p.degree() > 2 and not (even and p.degree() <= 4):
        return None, sp.expand(poly)
    pos_u = sp.Symbol("u", positive=True)
    sols = sp.solve(poly.subs(u, pos_u), pos_u)
    points = [tuple(sp.simplify(e.subs(u, s)) for e in (param[v] for v in model.coords))
              for s in sols]
    probe = {eta: eos_range(model) / 3}
    points.sort(key=lambda pt: -float(pt[0].subs(probe)))
    return points, sp.expand(poly)


def eos_minimum(model):
    """The paper's $\\eta$-EoS minimum: the closed-form one with the larger first coordinate
    (for `four-scalar`: $\\check x = \\tfrac{1}{\\sqrt2}(\\sqrt{\\eta^{-2}-4} + \\eta^{-1})^{1/2}$).

    >>> from sympy import simplify
    >>> x_check, y_check = eos_minimum(get_model("four-scalar"))
    >>> simplify(x_check * y_check)  # on the minima x y = 1
    1"""
    points, poly = eos_minima(model)
    if not points:
        raise EosError(f"{model.name}: the EoS condition {poly} = 0 has no closed form here")
    return points[0]


def check_eta(model, value):
    """Raise `EosError` unless $0 < \\eta <$ `eos_range` (where the EoS minimum exists)."""
    top = eos_range(model)
    if not (value > 0 and value < top):
        raise EosError(f"{model.name}: eta = {value} has no eta-EoS minimum; valid range is "
                       f"0 < eta < {top}")
