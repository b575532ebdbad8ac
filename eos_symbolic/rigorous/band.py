"""The Phase-2 band of the proof sketch (C18), two steps at a fixed kappa.

The Phase-2 band (C18) in coordinates (a, r) with $b = \\sqrt{a\\kappa/2 + \\kappa^4/16 + r}$,
$|r| \\le \\kappa^4/200$: the two-step image must satisfy
$|b''^2 - a''\\kappa/2 - \\kappa^4/16| < \\kappa^4/200$; proved or refuted by `prove_positive`.
"""
import sympy as sp

from ..symbolic.models import get_model
from ..symbolic.reparam import reparameterise
from ..symbolic.symbols import a, b, kappa
from .intervals import prove_positive, to_fraction


def band_margins(kappa_value, model="four-scalar", steps=2):
    """The two margins $w \\mp \\rho''$ of the Phase-2 band in (a, r) at a fixed kappa, with
    $\\rho'' = b''^2 - a''\\kappa/2 - \\kappa^4/16$ and $w = \\kappa^4/200$."""
    model = get_model(model) if isinstance(model, str) else model
    k = sp.Rational(kappa_value)
    r = sp.Symbol("r")
    inc = [e.subs(kappa, k) for e in reparameterise(model).ab_increment]
    A, Bv = a, sp.sqrt(a * k / 2 + k ** 4 / 16 + r)
    for _ in range(steps):
        sub = {a: A, b: Bv}
        A, Bv = A + inc[0].xreplace(sub), Bv + inc[1].xreplace(sub)
    w = k ** 4 / 200
    rho = Bv ** 2 - A * k / 2 - k ** 4 / 16
    return (w - rho, w + rho), (a, r), w


def prove_band(kappa_value, a_range, model="four-scalar", steps=2, budget=20000, dps=30):
    """Prove (or refute with a verified point) that the two-step map keeps the Phase-2 band
    $|b^2 - a\\kappa/2 - \\kappa^4/16| < \\kappa^4/200$ for $a$ in `a_range`, $b > 0$."""
    (upper, lower), syms, w = band_margins(kappa_value, model, steps)
    box = [tuple(map(to_fraction, a_range)), (-to_fraction(w), to_fraction(w))]
    results = {}
    total = 0.0
    for name, m in (("rho'' < w", upper), ("rho'' > -w", lower)):
        res = prove_positive(m, syms, box, strict=True, budget=budget, dps=dps)
        results[name] = res
        total += res.seconds
        if res.status != "proved":
            break
    status = ("proved" if all(r.status == "proved" for r in results.values()) and
              len(results) == 2 else next(r.status for r in results.values()
                                          if r.status != "proved"))
    return {"statement": (f"for kappa = {kappa_value}, a in [{a_range[0]}, {a_range[1]}], "
                          f"b = +sqrt(a kappa/2 + kappa^4/16 + r) with |r| <= kappa^4/200: "
                          f"the {steps}-step image satisfies |b''^2 - a'' kappa/2 - kappa^4/16|"
                          f" < kappa^4/200"),
            "status": status, "boxes": sum(r.boxes for r in results.values()),
            "seconds": round(total, 3),
            "parts": {k: v.certificate(syms, max_leaves=0) for k, v in results.items()}}
