"""Certified flip of the minima: the $\\eta$-EoS minimum (C4) by interval Newton.

On the minima manifold $u \\mapsto p(u)$
the normal multiplier is $1 - \\eta S(u)$; it equals $-1$ where $h(u, \\eta) = \\eta S(u) - 2$
vanishes. Interval Newton $N = m - h(m, E)/\\partial_u h(U, E) \\subset \\operatorname{int} U$
proves one root $u^*(\\eta) \\in N$ for every $\\eta$ in the interval $E$, with
$\\partial_u h \\neq 0$ on U (a transversal crossing).
Every ball is rigorous; the eta interval is split into pieces (bisected where Newton's
test fails) and each piece carries its own enclosure of $u^*$. Under an update rule the
function is the rule's flip factor $f(u, \\eta)$ along the minima (`symbolic.stability`:
the rule's Jacobian there has the multiplier $-1$ exactly where $f = 0$), the same test.
"""
import time
from dataclasses import asdict, dataclass
from fractions import Fraction
from functools import lru_cache

import sympy as sp

from ..errors import EosError
from ..numeric.backends import precision_scope
from ..symbolic.symbols import eta, u
from .intervals import ball, ball_function, interval_text, to_fraction
from .intervals import exact_mid as _fraction


@dataclass
class FlipProof:
    """The certified flip of the minima for every eta in [`eta_lo`, `eta_hi`]: per piece of
    the eta interval the enclosure of $u^*$ (the EoS minimum's first coordinate for
    `four-scalar`), the enclosure of $\\partial_u(1 - \\eta S)$ there (nonzero: transversal),
    and the hull of the EoS minima."""

    model: str
    eta_lo: str
    eta_hi: str
    status: str
    pieces: list
    hull: list
    seconds: float
    reason: str = ""

    def to_dict(self):
        return asdict(self)


@lru_cache(maxsize=None)
def _flip_setup(model, rule=None):
    from ..symbolic.minima import _param_of_minima, eos_minimum, sharpness_on_minima
    param = _param_of_minima(model)
    first = model.coords[0]
    if param[first] != u:
        raise EosError(f"{model.name}: the minima are not parametrised by the first coordinate")
    if rule is None:
        h = eta * sharpness_on_minima(model) - 2
        guess = sp.lambdify(eta, eos_minimum(model)[0], "mpmath")
    else:
        from ..symbolic.stability import rule_eos_minima, stability_threshold
        h = stability_threshold(model, rule).flip_factor
        points, _ = rule_eos_minima(model, rule)
        if not points:
            raise EosError(f"{model.name} with {rule.spec}: no closed-form EoS minimum to "
                           "start Newton from")
        guess = sp.lambdify(eta, points[0][0], "mpmath")
    coords = [param[c] for c in model.coords]
    return (ball_function([h, sp.diff(h, u)], (u, eta)), ball_function(coords, (u,)), guess)


def prove_flip(model, eta_lo, eta_hi, pieces=8, dps=30, max_pieces=4096, rule=None):
    """Interval-Newton proof that the minima flip (normal multiplier $= -1$) at a unique
    $u^*(\\eta)$ near the EoS minimum for every $\\eta \\in$ [`eta_lo`, `eta_hi`]; the eta
    interval is split into `pieces` and a piece that fails is bisected (up to `max_pieces`).
    Under an update `rule` (other than GD) the flip of that rule's map, near its own EoS
    minimum."""
    import mpmath

    from ..symbolic.minima import check_eta
    rule = None if rule is None or rule.is_gd else rule
    start = time.perf_counter()
    lo, hi = to_fraction(eta_lo), to_fraction(eta_hi)
    if not lo <= hi:
        raise EosError(f"flip: expected eta_lo <= eta_hi, got {eta_lo}, {eta_hi}")
    pieces = pieces if lo < hi else 1
    if rule is None:
        check_eta(model, sp.Rational(lo.numerator, lo.denominator))
        check_eta(model, sp.Rational(hi.numerator, hi.denominator))
    else:
        _check_rule_eta(model, rule, lo, hi)
    hfun, pfun, guess = _flip_setup(model, rule)
    todo = [(lo + (hi - lo) * i / pieces, lo + (hi - lo) * (i + 1) / pieces)
            for i in range(pieces)]
    done, hull = [], None
    with precision_scope("arb", dps):
        while todo:
            if len(done) + len(todo) > max_pieces:
                return FlipProof(model.name, str(lo), str(hi), "failed", [], [],
                                 time.perf_counter() - start, "too many eta pieces")
            e0, e1 = todo.pop(0)
            piece = _newton_piece(hfun, guess, e0, e1, mpmath)
            if piece is None:
                m = (e0 + e1) / 2
                todo[:0] = [(e0, m), (m, e1)]
                continue
            U, slope = piece
            point = pfun(U)
            hull = point if hull is None else [h.union(p) for h, p in zip(hull, point)]
            done.append({"eta": [str(e0), str(e1)], "u": U.str(15, radius=True),
                         "u_range": interval_text(U),
                         "point": [p.str(15, radius=True) for p in point],
                         "d_multiplier_du": interval_text(-slope, 6)})
    return FlipProof(model.name, str(lo), str(hi), "proved", done,
                     [interval_text(h) for h in hull], time.perf_counter() - start)

def _check_rule_eta(model, rule, lo, hi):
    """Both ends inside the rule's EoS range (where its EoS minimum exists)."""
    from ..symbolic.rule_sections import _rule_eos_range
    from ..symbolic.stability import stability_threshold
    top = _rule_eos_range(model, stability_threshold(model, rule))
    for value in (lo, hi):
        if not 0 < value < top:
            raise EosError(f"{model.name} with {rule.spec}: eta = {value} has no EoS minimum; "
                           f"valid range is 0 < eta < {top}")


def _newton_piece(hfun, guess, e0, e1, mpmath):
    E = ball(e0, e1)
    c = to_fraction(str(mpmath.nstr(guess(mpmath.mpf(float((e0 + e1) / 2))), 20)))
    spread = abs(to_fraction(str(mpmath.nstr(guess(mpmath.mpf(float(e0))), 20)))
                 - to_fraction(str(mpmath.nstr(guess(mpmath.mpf(float(e1))), 20))))
    r = max(spread, Fraction(1, 10 ** 12)) * 2
    U = ball(c - r, c + r)
    m = ball(c)
    for it in range(4):
        hm = hfun(m, E)[0]
        dh = hfun(U, E)[1]
        if dh.contains(0):
            return None
        N = m - hm / dh
        if it == 0 and not U.contains_interior(N):
            return None
        U = N.intersection(U)
        m = ball(_fraction(U.mid()))
    return U, hfun(U, E)[1]  # d(eta S - 2)/du on U; the multiplier's slope is minus this
