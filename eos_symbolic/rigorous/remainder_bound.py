"""Certified bounds on the remainder of a truncated expansion (C8, C9) over a box.

Remainder of a truncated two-step expansion (C9) over a box in (a, b, kappa): with the exact
map in its cancellation-free increment form $p' = p + I(p)$ (`reparam.ab_increment`;
$\\check c \\sim 1/\\kappa$ never appears as a difference of large terms),

$$R(p) = I(p) + I(p + I(p)) - T(p), \\qquad T = (a'' - a, b'' - b) \\text{ truncated},$$

is enclosed on each sub-box by the natural extension intersected with the centred form
$R(m) + \\nabla R(X)(X - m)$, where $\\nabla R = DI(X) + DI(X')\\,(E + DI(X)) - DT(X)$ by the
chain rule (E the identity on (a, b) and kappa carried along). The box with the largest
bound is bisected (on the side whose gradient term widens it most) until that bound is within `tolerance` of the value at its midpoint,
so $\\max_m |R(m)| \\le \\sup |R| \\le B$ with both numbers reported.

"""
import heapq
import time
from fractions import Fraction

import sympy as sp

from ..errors import EosError
from ..numeric.backends import precision_scope
from ..symbolic.models import get_model
from ..symbolic.parser import to_sympy
from ..symbolic.reparam import reparameterise
from ..symbolic.symbols import a, b, kappa
from .intervals import ball, ball_function, to_fraction

#: The paper's two-step truncation (C9): a'' - a and b'' - b.
PAPER_TWO_STEP = (-4 * b ** 2 * kappa ** 3, 8 * a * b * kappa - 16 * b ** 3)
#: The paper's one-step truncation (C8): a' - a and b' - b.
PAPER_ONE_STEP = (-2 * b ** 2 * kappa ** 3, -2 * b - 4 * a * b * kappa - 3 * b ** 2 - b ** 3)


def _fl():
    import flint
    return flint


def scaled_increment(model):
    """$(a' - a, b' - b)$ with $\\kappa$ folded into $\\check c$: with
    $q = \\kappa \\check c = (\\kappa^4 \\check c^4)^{1/4}$ ($= (1 - 4\\kappa^4)^{1/4}$ for
    `four-scalar`, as in the paper's eq. 6) and $T = \\kappa^2 t(1 + b)$,

    $$a' - a = -\\frac{(\\kappa a + q)\\,\\kappa^3 t^2}{1 + \\sqrt{1 - T^2}}, \\qquad
    b' - b = (1 + b) T^2 - t \\sqrt{(\\kappa a + q)^4 + 4 \\kappa^4 (1 + b)^2}.$$

    Same values as `ab_increment`, but no factor $\\check c \\sim 1/\\kappa$ multiplies a
    factor $\\sim \\kappa$: over a kappa interval the ball products stay tight."""
    rp = reparameterise(model)
    q4 = sp.expand(kappa ** 4 * sp.expand(rp.c_check ** 4))
    if q4.has(sp.Pow) and any(p.exp < 0 for p in q4.atoms(sp.Pow)):
        return rp.ab_increment
    q = q4 ** sp.Rational(1, 4)
    t = _t_in_b(rp)
    T2 = kappa ** 4 * t ** 2
    ka = kappa * a + q
    return (-ka * kappa ** 3 * t ** 2 / (1 + sp.sqrt(1 - T2)),
            (1 + b) * T2 - t * sp.sqrt(ka ** 4 + 4 * kappa ** 4 * (1 + b) ** 2))


def _t_in_b(rp):
    from ..symbolic.symbols import d
    return sp.factor(rp.t_of_d.subs(d, 1 + b))


class _Remainder:
    """Ball evaluation of $R$ and of its gradient (see the module docstring)."""

    def __init__(self, model, truncation, steps):
        inc = scaled_increment(model)
        v = (a, b, kappa)
        self.steps = steps
        self.inc = ball_function(inc, v)
        self.dinc = ball_function([sp.diff(e, s) for e in inc for s in v], v)
        self.trunc = ball_function(truncation, v)
        self.dtrunc = ball_function([sp.diff(e, s) for e in truncation for s in v], v)

    def value(self, X):
        total, P = [0, 0], list(X)
        for _ in range(self.steps):
            I = self.inc(*P)
            total = [t + i for t, i in zip(total, I)]
            P = [P[0] + I[0], P[1] + I[1], P[2]]
        T = self.trunc(*X)
        return [t - s for t, s in zip(total, T)]

    def gradient(self, X):
        fl = _fl()
        D = fl.arb_mat(3, 3, [1, 0, 0, 0, 1, 0, 0, 0, 1])
        total = fl.arb_mat(2, 3, [0] * 6)
        P = list(X)
        for _ in range(self.steps):
            J = fl.arb_mat(2, 3, list(self.dinc(*P)))
            JD = J * D
            total = total + JD
            D = D + fl.arb_mat(3, 3, [JD[i, j] if i < 2 else 0 for i in range(3)
                                       for j in range(3)])
            I = self.inc(*P)
            P = [P[0] + I[0], P[1] + I[1], P[2]]
        dT = self.dtrunc(*X)
        return [[total[i, j] - dT[3 * i + j] for j in range(3)] for i in range(2)]

    def enclose(self, box):
        X = [ball(lo, hi) for lo, hi in box]
        mid = [(lo + hi) / 2 for lo, hi in box]
        M = [ball(m) for m in mid]
        at_mid = self.value(M)
        natural = self.value(X)
        grad = self.gradient(X)
        out = []
        for i in range(2):
            c = at_mid[i]
            for j in range(3):
                c = c + grad[i][j] * (X[j] - M[j])
            if natural[i].is_finite() and natural[i].overlaps(c):
                c = c.intersection(natural[i])
            out.append(c)
        self.spread = [[float(abs(grad[i][j]).upper().mid()) * float((box[j][1] - box[j][0]))
                        for j in range(3)] for i in range(2)]
        return out, at_mid


def remainder_bound(box, model="four-scalar", steps=2, truncation=None, component="a",
                    tolerance=Fraction(1, 10), budget=4000, dps=30):
    """Certified $B$ with $|R| \\le B$ on `box` = {a: (lo, hi), b: (lo, hi), kappa: (lo, hi)}.

    `truncation`: pair of SymPy expressions for $(a^{(n)} - a, b^{(n)} - b)$ (default the
    paper's C8 / C9); `component` "a" or "b". Returns a dict with the bound, the best
    point value found (a lower bound of $\\sup|R|$), boxes, seconds and the worst box."""
    model = get_model(model) if isinstance(model, str) else model
    if truncation is None:
        truncation = PAPER_TWO_STEP if steps == 2 else PAPER_ONE_STEP
    idx = {"a": 0, "b": 1}[component]
    start = time.perf_counter()
    try:
        bx = [tuple(map(to_fraction, box[k])) for k in ("a", "b", "kappa")]
    except KeyError as exc:
        raise EosError(f"remainder: box needs a, b and kappa ranges, missing {exc}") from None
    if not bx[2][0] > 0:
        raise EosError("remainder: kappa must be positive on the box")
    R = _Remainder(model, [to_sympy(e) for e in truncation], steps)
    heap, count, lower, tick = [], 0, Fraction(0), 0
    with precision_scope("arb", dps):
        def push(b_):
            nonlocal count, lower, tick
            count += 1
            enc, mid = R.enclose(b_)
            e, m = enc[idx], abs(mid[idx])
            if not e.is_finite():
                raise EosError("remainder: enclosure not finite (the map leaves its domain "
                               "on the box: kappa^4 (b+1)^2 (b+2)^2 b^2 must stay below 1)")
            upper = abs(e).upper()
            low = to_fraction(_exact(m.lower()))
            lower = max(lower, low)
            tick += 1
            heapq.heappush(heap, (-float(upper.mid()), tick, b_, upper, R.spread[idx]))

        push(bx)
        while True:
            _, _, worst, upper, spread = heapq.heappop(heap)
            B = to_fraction(_exact(upper))
            if B <= lower * (1 + to_fraction(tolerance)) or count >= budget:
                break
            k = max(range(3), key=lambda i: spread[i])  # side that widens the bound most
            lo, hi = worst[k]
            m = (lo + hi) / 2
            push(worst[:k] + [(lo, m)] + worst[k + 1:])
            push(worst[:k] + [(m, hi)] + worst[k + 1:])
    trunc_text = [str(e) for e in truncation]
    return {"model": model.name, "steps": steps, "component": component,
            "truncation": {"a": trunc_text[0], "b": trunc_text[1]},
            "statement": (f"{'a' if idx == 0 else 'b'}{chr(39) * steps} = "
                          f"{'a' if idx == 0 else 'b'} + ({trunc_text[idx]}) + R with |R| <= B"),
            "box": {k: [str(lo), str(hi)] for k, (lo, hi) in zip(("a", "b", "kappa"), bx)},
            "bound": _sci(B), "bound_exact": str(B), "attained_at_least": _sci(lower),
            "boxes": count, "seconds": round(time.perf_counter() - start, 3),
            "worst_box": [[str(lo), str(hi)] for lo, hi in worst],
            "tight": B <= lower * (1 + to_fraction(tolerance))}


def _exact(v):
    """The exact dyadic upper end of a ball's midpoint + radius (a rational >= the ball)."""
    man, exp = v.mid().man_exp()
    rman, rexp = v.rad().mid().man_exp()
    return (Fraction(int(man)) * Fraction(2) ** int(exp)
            + Fraction(int(rman)) * Fraction(2) ** int(rexp))


def _sci(q):
    return f"{float(q):.6e}"
