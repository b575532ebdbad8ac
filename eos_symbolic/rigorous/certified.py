"""Certified-numeric derivation sections: roots without a closed form, enclosed by interval
Newton (`roots`) and written to `derivations/` labelled as such.

For an analytic loss whose sharpness on the minima $S(u)$ is transcendental, the EoS
condition $\\eta S(u) = 2$ (equivalently: the normal multiplier $1 - \\eta S$ is $-1$, the flip
of the minima) has no closed form; at the sample step sizes `ETAS` every root with
$u \\in [1/100, 100]$ found by a sign scan is proved unique in its enclosure, and the EoS
minimum's coordinates are enclosed from the parametrisation on that ball. The CLI adds this
section to `derive` (the lower layers cannot run Arb proofs).
"""
import sympy as sp

from ..numeric.backends import precision_scope
from ..symbolic.derivations import Derivation, tuple_of
from ..symbolic.minima import _param_of_minima, eos_minima, sharpness_on_minima
from ..symbolic.symbols import u
from .intervals import ball, ball_function, interval_text
from .roots import find_roots

ETAS = ("1/5", "1/10")


def _interval(text):
    lo, hi = text.strip("[]").split(",")
    return sp.Interval(sp.Rational(lo.strip()), sp.Rational(hi.strip()))


def certified_eos(model):
    """EoS minima at `ETAS` by interval Newton when $S(u) = 2/\\eta$ has no closed form."""
    if model.is_polynomial or eos_minima(model)[0] is not None:
        return
    S, param = sharpness_on_minima(model), _param_of_minima(model)
    point = ball_function([param[c] for c in model.coords], (u,))
    for value in ETAS:
        h = sp.Rational(value) * S - 2
        roots = find_roots(h, u, sp.Rational(1, 100), 100)
        rows, digits = [], []
        with precision_scope("arb", 40):
            for r in roots:
                U = ball(*r.enclosure)
                rows.append(tuple_of(_interval(interval_text(v, 25)) for v in point(U)))
                digits.append(r.digits)
        yield Derivation(
            f"eos_minimum_eta_{value.replace('/', '_')}",
            f"eta-EoS minima at eta = {value} (certified numeric: interval Newton)",
            tuple_of(rows),
            f"CERTIFIED NUMERIC, not closed form: eta*S(u) - 2 = 0 ({len(roots)} root(s) with "
            "u in [1/100, 100] from a sign scan on a geometric grid of 400 points); each "
            "root is proved unique in its enclosure by interval Newton in Arb ball arithmetic "
            f"(N(U) inside U, d/du(eta*S) != 0 on U: a transversal flip of the minima), "
            f"{', '.join(map(str, digits)) or 'no'} significant digits of u certified; the "
            "coordinates are enclosed from the parametrisation on that ball (outward-rounded "
            "decimals). The scan proves nothing about roots outside the range or between "
            "grid points of equal sign.")
