"""Computer-assisted proofs of periodic orbits: Krawczyk existence, uniqueness, stability.

Krawczyk's test for $G(p) = F^k(p) - p$ on a box $X$ with midpoint $m$ and any matrix $C$
(here the inverse of $DG(m)$):

$$K(X) = m - C\\,G(m) + (I - C\\,DG(X))(X - m).$$

If $K(X) \\subset \\operatorname{int} X$, then $G$ has exactly one zero in $X$ and it lies in
$K(X)$ (Krawczyk 1969, Moore's uniqueness theorem). $DG(X)$ is enclosed by the chain rule
$DF(F^{k-1}(X)) \\cdots DF(X) - I$ on balls (one code path for fixed points, k = 1, and
cycles). The multipliers are the eigenvalues of $D(F^k)$ over the final box (2-D: from the
trace and determinant), so stability is certified, and the sharpness at each orbit point is
the closed-form top Hessian eigenvalue enclosed on its box and compared with $2/\\eta$.
"""
import time
from dataclasses import asdict, dataclass
from fractions import Fraction
from functools import lru_cache

import sympy as sp

from ..errors import EosError
from ..numeric.backends import precision_scope
from ..symbolic.symbols import eta
from .intervals import ball, ball_function, to_fraction
from .intervals import exact_mid as _fraction


def _fl():
    import flint
    return flint


@lru_cache(maxsize=None)
def _map_functions(model, rule=None):
    """Ball functions of the map and its Jacobian: GD's reduced map, or an update rule's
    map on its state (`symbolic.optimizers`)."""
    if rule is None or rule.is_gd:
        coords = tuple(model.coords)
        F = ball_function(model.gd_map, coords + (eta,))
        J = ball_function(list(model.jacobian), coords + (eta,))
        return F, J
    state = tuple(rule.state_symbols(model))
    exprs = rule.reduced_map(model)
    F = ball_function(exprs, state + (eta,))
    J = ball_function(list(sp.Matrix(exprs).jacobian(state)), state + (eta,))
    return F, J


def _top_eigenvalue(model):
    from ..symbolic.spectrum import hessian_eigenvalues
    top = hessian_eigenvalues(model)[0]
    if isinstance(top, sp.Equality):
        return None
    return ball_function([top], tuple(model.coords))


def _chain(model, X, e, k, rule=None):
    """Balls of $F^k(X)$ and of $D(F^k)(X)$ (arb_mat) by the chain rule; each image box is
    the natural one intersected with the centred form $F(m) + DF(X)(X - m)$."""
    fl = _fl()
    F, J = _map_functions(model, rule)
    n = len(X)
    D = fl.arb_mat(n, n, [1 if i == j else 0 for i in range(n) for j in range(n)])
    M = [ball(_fraction(x.mid())) for x in X]
    for _ in range(k):
        Jx = fl.arb_mat(n, n, list(J(*X, e)))
        D = Jx * D
        natural, FM = list(F(*X, e)), list(F(*M, e))
        dX = fl.arb_mat(n, 1, [x - m for x, m in zip(X, M)])
        step = Jx * dX
        X = [_meet(y, fm + step[i, 0]) for i, (y, fm) in enumerate(zip(natural, FM))]
        M = FM
    return X, D


def _meet(x, y):
    return x.intersection(y) if x.is_finite() and x.overlaps(y) else y


def eta_ball(value):
    """Ball of a step size given as an exact number or an interval (lo, hi)."""
    if isinstance(value, (tuple, list)):
        return ball(*value)
    return ball(value)


@dataclass
class OrbitProof:
    """A proved period-k orbit: `boxes` (one per orbit point, ``"[mid +/- rad]"`` strings per
    coordinate), `multipliers` (balls), `stability` (stable | unstable | undetermined),
    `sharpness` per point and `sharpness_minus_two_over_eta` per point, `status` proved |
    failed with `reason`."""

    model: str
    period: int
    eta: str
    status: str
    boxes: list
    multipliers: list
    stability: str
    sharpness: list
    sharpness_minus_two_over_eta: list
    krawczyk_box: list
    seconds: float
    reason: str = ""

    def to_dict(self):
        return asdict(self)


def refine_orbit(model, eta_value, near, period=2, dps=60, iterations=60, rule=None):
    """Newton on $F^k(p) - p$ from `near` at `dps` digits; returns exact rationals."""
    fl = _fl()
    p = [to_fraction(v) for v in near]
    n = len(p)
    with precision_scope("arb", dps):
        e = eta_ball(eta_value)
        for _ in range(iterations):
            X = [ball(v) for v in p]
            Y, D = _chain(model, X, e.mid(), period, rule)
            G = fl.arb_mat(n, 1, [y - x for y, x in zip(Y, X)])
            M = D - fl.arb_mat(n, n, [1 if i == j else 0 for i in range(n) for j in range(n)])
            try:
                step = M.mid().solve(G.mid())
            except ZeroDivisionError:
                raise EosError("refine: singular Jacobian of F^k - id at the start point; the "
                               "orbit is not isolated (e.g. a curve of fixed points)") from None
            new = [v - _fraction(step[i, 0]) for i, v in enumerate(p)]
            if all(abs(a - b) <= abs(b) * Fraction(1, 10 ** (dps - 5)) + Fraction(1, 10 ** dps)
                   for a, b in zip(new, p)):
                return new
            p = new
    return p


def prove_orbit(model, eta_value, near, period=2, radius="1e-12", dps=40, tighten=3,
                rule=None):
    """Krawczyk proof of a unique period-`period` point in the box `near` +- `radius`
    (`near` is first refined by Newton). `eta_value`: exact number or interval (lo, hi).
    Under an update `rule` the orbit is one of the rule's map on its whole state (`near`
    gives every state variable; momentum: the previous iterate too)."""
    fl = _fl()
    start = time.perf_counter()
    centre = refine_orbit(model, eta_value, near, period, dps=dps + 20, rule=rule)
    n = len(centre)
    r = to_fraction(radius)
    eye = fl.arb_mat(n, n, [1 if i == j else 0 for i in range(n) for j in range(n)])
    with precision_scope("arb", dps):
        e = eta_ball(eta_value)
        X = [ball(c - r, c + r) for c in centre]
        mid = [ball(c) for c in centre]
        Gm, Dm = _chain(model, mid, e, period, rule)
        Gm = fl.arb_mat(n, 1, [y - x for y, x in zip(Gm, mid)])
        C = (Dm - eye).mid().inv()
        proved, K = False, X
        for it in range(1 + tighten):
            _, DX = _chain(model, X, e, period, rule)
            dX = fl.arb_mat(n, 1, [x - m for x, m in zip(X, mid)])
            Km = fl.arb_mat(n, 1, mid) - C * Gm + (eye - C * (DX - eye)) * dX
            K = [Km[i, 0] for i in range(n)]
            if it == 0:
                proved = all(x.contains_interior(k) for x, k in zip(X, K))
                if not proved:
                    break
            X = [k.intersection(x) for k, x in zip(K, X)]
        seconds = time.perf_counter() - start
        label = _eta_label(eta_value)
        if not proved:
            return OrbitProof(model.name, period, label, "failed", [], [], "undetermined", [],
                              [], [[k.str(15, radius=True) for k in K]], seconds,
                              "Krawczyk image not inside the box: try another --radius or a "
                              "better --near")
        points = [X]
        for _ in range(period - 1):
            points.append(_chain(model, points[-1], e, 1, rule)[0])
        _, D = _chain(model, X, e, period, rule)
        mults, stability = _multipliers(D)
        top = _top_eigenvalue(model)
        n_pos = len(model.coords)
        sharp = [top(*p[:n_pos])[0] for p in points] if top else []
        two = 2 / e  # the threshold the sharpness is compared with: 2/eta, or the rule's
        if rule is not None and not rule.is_gd and rule.smooth:
            from ..symbolic.stability import stability_threshold
            two = ball_function([stability_threshold(model, rule).value], (eta,))(e)[0]
        return OrbitProof(model.name, period, label, "proved",
                          [[c.str(20, radius=True) for c in p] for p in points],
                          [m.str(15, radius=True) if hasattr(m, "str") else m for m in mults],
                          stability, [s.str(15, radius=True) for s in sharp],
                          [(s - two).str(15, radius=True) for s in sharp],
                          [[k.str(15, radius=True) for k in K]], time.perf_counter() - start)


def _eta_label(value):
    if isinstance(value, (tuple, list)):
        return f"[{value[0]}, {value[1]}]"
    return str(value)


def _multipliers(D):
    """Eigenvalue balls of a 2x2 arb_mat (or a 1x1) and the certified stability."""
    if D.nrows() == 1:
        lam = D[0, 0]
        return [lam], _stability([abs(lam)])
    if D.nrows() != 2:
        return ["not computed (dimension > 2)"], "undetermined"
    tr, det = D[0, 0] + D[1, 1], D[0, 0] * D[1, 1] - D[0, 1] * D[1, 0]
    disc = tr * tr - 4 * det
    if disc > 0:
        root = disc.sqrt()
        lams = [(tr + root) / 2, (tr - root) / 2]
        return lams, _stability([abs(v) for v in lams])
    if disc < 0:  # complex pair, |lambda|^2 = det
        mod = det.sqrt()
        return [f"complex pair, |lambda| = {mod.str(15, radius=True)}"], _stability([mod])
    return [f"trace {tr.str(15, radius=True)}, det {det.str(15, radius=True)}"], "undetermined"


def _stability(moduli):
    if all(m < 1 for m in moduli):
        return "stable"
    if any(m > 1 for m in moduli):
        return "unstable"
    return "undetermined"
