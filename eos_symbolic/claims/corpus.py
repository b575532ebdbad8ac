"""A generated corpus of user claims whose truth is known by construction (the liar test).

Families, each with true and false members (`build(family, rng)` -> (claim, truth)):

- ``identity-poly``: a product of linear factors against its expansion; false: one
  coefficient of the expansion moved by 1;
- ``identity-sign``: $\\sqrt{q^2} = q$ for a polynomial q, true where q >= 0 on the box,
  false where q changes sign (at a corner, or only inside: two close roots in the box);
- ``identity-radical``: $\\sqrt{x^2 y^2} = x y$ on a positive box (true) or one reaching x < 0;
- ``constant``: $\\sqrt n$ against a continued-fraction convergent accurate to 40-60 digits
  (false), $\\sqrt m \\sqrt n = \\sqrt{mn}$, $(1 + \\sqrt n)^2 = 1 + n + 2\\sqrt n$ and the
  denesting $\\sqrt{m + k + 2\\sqrt{mk}} = \\sqrt m + \\sqrt k$ (true; false 10^-50 off);
- ``inequality-margin``: $x^2 + y^2 + c > 0$ with $c \\ge 1/100$ (true), a strict bound that
  fails exactly at a corner, a sliver of violation along a face (false);
- ``invariant-xy``: four-scalar at eta, region {x > y} (or {x + y > 0}) in a box, mapped into
  itself. Exactly $x' - y' = (x - y)(1 + \\eta t (t^2 - 1))$ and
  $x' + y' = (x + y)(1 - \\eta t (t^2 - 1))$ with $t = x y$, so the claim is true iff that
  factor stays positive for t in the box's range of x y (a cubic, decided exactly); boxes
  are drawn on both sides of a leak;
- ``invariant-hole``: the two-step map in (a, b) with a target whose margin vanishes on the
  whole face b = 0 and fails in a small disk next to the face a = 0 (false) or outside the
  box (true);
- ``expansion``: the derived truncation of the 1- or 2-step series (true); one coefficient
  moved by 1, one term dropped or a spurious term added (false unless the result is again the
  series through its own largest weight, which is how an expansion claim reads);
- ``trajectory-limit``: four-scalar at eta = 1/25 from the box of the README example, with
  a/kappa^3 intervals containing the limit -0.1240 (true) or clear of it (false).

`corpus(n, seed)` draws n claims round-robin over the families, reproducibly.
"""
import random
from fractions import Fraction

import sympy as sp

from ..local.expansions import series_through, weight_of, weighted_part
from ..symbolic.models import get_model
from ..symbolic.symbols import x, y
from .registry import Claim

FAMILIES = ("identity-poly", "identity-sign", "identity-radical", "constant",
            "inequality-margin", "invariant-xy", "invariant-hole", "expansion",
            "trajectory-limit")


def _claim(kind, i, family, **fields):
    return Claim(f"G{i}", "generated", family, kind, fields.pop("model", "four-scalar"),
                 fields, "corpus")


def _q(v):
    return str(Fraction(v))


def identity_poly(rng, i):
    roots = [rng.randint(-3, 3) for _ in range(3)]
    lhs = (x - roots[0]) * (x + y - roots[1]) * (y - roots[2])
    rhs = sp.expand(lhs)
    truth = rng.random() < 0.5
    if not truth:
        terms = list(sp.Add.make_args(rhs))
        t = terms[rng.randrange(len(terms))]
        rhs = sp.expand(rhs + rng.choice((1, -1)) * t / sp.Poly(t, x, y).coeffs()[0])
    return _claim("identity", i, "identity-poly", lhs=str(lhs), rhs=str(rhs),
                  domain={"x": ["-2", "2"], "y": ["-2", "2"]}), truth


def identity_sign(rng, i):
    lo, hi = Fraction(rng.randint(0, 4), 4), Fraction(rng.randint(8, 12), 4)
    case = rng.choice(("positive", "corner", "inside"))
    if case == "positive":
        q = x - (lo - Fraction(rng.randint(1, 8), 16))
        truth = True
    elif case == "corner":  # q < 0 only on [lo, lo + w): the corner x = lo shows it
        q = x - (lo + Fraction(1, rng.choice((100, 1000, 10 ** 6))))
        truth = False
    else:  # two close roots inside: q < 0 only between them, q > 0 at every end
        r = lo + (hi - lo) * Fraction(rng.randint(2, 7), 9)
        q = (x - r) * (x - r - Fraction(1, rng.choice((50, 500, 5000))))
        truth = False
    lhs = f"sqrt({sp.expand(q ** 2)})" if rng.random() < 0.5 else f"sqrt(({q})**2)"
    return _claim("identity", i, "identity-sign", lhs=lhs, rhs=str(sp.expand(q)),
                  domain={"x": [_q(lo), _q(hi)]}), truth


def identity_radical(rng, i):
    truth = rng.random() < 0.5
    lo = Fraction(rng.randint(1, 5), 10) if truth else -Fraction(rng.randint(1, 50), 1000)
    return _claim("identity", i, "identity-radical", lhs="sqrt(x**2*y**2)", rhs="x*y",
                  domain={"x": [_q(lo), "3"], "y": ["1/10", "2"]}), truth


def _convergent(n, digits):
    """A continued-fraction convergent p/q of sqrt(n) with |p/q - sqrt(n)| < 10^-digits."""
    import math
    a0 = math.isqrt(n)
    m, d, a = 0, 1, a0
    p0, p1, q0, q1 = 1, a0, 0, 1
    while True:
        m = d * a - m
        d = (n - m * m) // d
        a = (a0 + m) // d
        p0, p1, q0, q1 = p1, a * p1 + p0, q1, a * q1 + q0
        if q1 * q1 > 10 ** (digits + 1):
            return p1, q1


def constant(rng, i):
    n = rng.choice((2, 3, 5, 6, 7, 10, 11))
    case = rng.choice(("convergent", "product", "square", "denest"))
    if case == "denest":  # sqrt(m + k + 2 sqrt(m k)) = sqrt(m) + sqrt(k)
        m, k = rng.choice((2, 3, 5)), rng.choice((6, 7, 11))
        good = rng.random() < 0.5
        return _claim("identity", i, "constant", lhs=f"sqrt({m + k} + 2*sqrt({m * k}))",
                      rhs=f"sqrt({m}) + sqrt({k})" + ("" if good else " + 1/10**50")), good
    if case == "convergent":
        p, q = _convergent(n, rng.randint(40, 60))
        return _claim("identity", i, "constant", lhs=f"sqrt({n})", rhs=f"{p}/{q}"), False
    if case == "product":
        m = rng.choice((2, 3, 5))
        good = rng.random() < 0.5
        return _claim("identity", i, "constant", lhs=f"sqrt({m})*sqrt({n})",
                      rhs=f"sqrt({m * n + (0 if good else 1)})"), good
    good = rng.random() < 0.5
    return _claim("identity", i, "constant", lhs=f"(1 + sqrt({n}))**2",
                  rhs=f"{1 + n} + {2 if good else 3}*sqrt({n})"), good


def inequality_margin(rng, i):
    case = rng.choice(("true", "corner", "face"))
    if case == "true":
        c = Fraction(rng.randint(1, 100), 100)
        return _claim("inequality", i, "inequality-margin",
                      inequality=f"x**2 + y**2 + {_q(c)} > 0",
                      domain={"x": ["-1", "1"], "y": ["-1", "1"]}), True
    if case == "corner":  # x*y < hx*hy fails exactly at the corner (hx, hy)
        hx, hy = Fraction(rng.randint(2, 9), 4), Fraction(rng.randint(2, 9), 4)
        return _claim("inequality", i, "inequality-margin",
                      inequality=f"x*y < {_q(hx * hy)}",
                      domain={"x": ["0", _q(hx)], "y": ["0", _q(hy)]}), False
    # a sliver of violation along the face x = 0 around y = y0 (not the face centre)
    y0 = Fraction(rng.choice((3, 5, 7, 11, 13)), 16)
    w, d = Fraction(1, rng.choice((20, 50, 100))), Fraction(1, rng.choice((100, 1000)))
    ineq = f"x + {_q(d)}*((y - {_q(y0)})**2 - {_q(w * w)}) > 0"
    return _claim("inequality", i, "inequality-margin", inequality=ineq,
                  domain={"x": ["0", "1"], "y": ["0", "1"]}), False


def _factor_positive(eta, t_lo, t_hi, sign):
    """Is 1 + sign * eta * t (t^2 - 1) > 0 for every t in [t_lo, t_hi]? (exact)"""
    t = sp.Symbol("t", real=True)
    f = 1 + sign * eta * t * (t ** 2 - 1)
    cands = [t_lo, t_hi] + [r for r in sp.solve(sp.diff(f, t), t)
                            if r.is_real and t_lo <= r <= t_hi]
    return all(f.subs(t, c) > 0 for c in cands)


def invariant_xy(rng, i):
    eta = sp.Rational(1, rng.choice((5, 10, 20)))
    case = rng.choice(("negative", "straddle", "sum"))
    X = Fraction(rng.randint(5, 12), 4)
    if case == "negative":  # x > y on a box with x y < 0: leaks where |x y| is large
        box = {"x": ["1", _q(X)], "y": [_q(-X), "-1"]}
        t_lo, t_hi, region, sign = -X * X, Fraction(-1), "x > y", 1
    elif case == "straddle":  # the box crosses x = y, where the target margin vanishes
        box = {"x": ["1", _q(X)], "y": [_q(-X), _q(X)]}
        t_lo, t_hi, region, sign = -X * X, X * X, "x > y", 1
    else:  # x + y > 0 on a positive box: leaks where x y is large
        box = {"x": ["1", _q(X)], "y": ["1", _q(X)]}
        t_lo, t_hi, region, sign = Fraction(1), X * X, "x + y > 0", -1
    truth = _factor_positive(eta, sp.Rational(t_lo), sp.Rational(t_hi), sign)
    return _claim("invariant-region", i, "invariant-xy", coords="xy", steps=1,
                  region=[region], domain={**box, "eta": str(eta)}), truth


def invariant_hole(rng, i):
    """Two-step four-scalar map in (a, b) at kappa = 1/10 on [0, 1/100]^2, region b > 0,
    target $b\\,(\\mathrm{dist}((a, b), c)^2 - r^2) > 0$: its margin vanishes on the whole
    face b = 0 (fixed by the map) and fails in the disk around c. The map moves points by less than 1e-6
    there, so the claim is false iff the disk lies well inside the box (a hole of radius
    r >= 1e-4 next to a face) and true if it lies well outside."""
    r = Fraction(1, rng.choice((10 ** 4, 5000, 2000)))
    truth = rng.random() < 0.4
    if truth:  # the disk beyond the face a = 0 or b = 1/100
        ca, cb = (-10 * r, Fraction(rng.randint(1, 9), 1000)) if rng.random() < 0.5 else \
            (Fraction(rng.randint(1, 9), 1000), Fraction(1, 100) + 10 * r)
    else:  # inside, near the face a = 0 (a few radii from it), away from the corners
        ca = 3 * r + Fraction(rng.randint(0, 5), 10 ** 4)
        cb = Fraction(rng.randint(2, 8), 1000) + Fraction(rng.randint(0, 9), 10 ** 5)
    target = f"b*((a - {_q(ca)})**2 + (b - {_q(cb)})**2 - {_q(r * r)}) > 0"
    return _claim("invariant-region", i, "invariant-hole", coords="ab", steps=2,
                  region=["b > 0"], into=[target],
                  domain={"a": ["0", "1/100"], "b": ["0", "1/100"], "kappa": "1/10"}), truth


def expansion(rng, i):
    model_name = rng.choice(("four-scalar", "four-scalar", "two-scalar"))
    steps, top = rng.choice((1, 2)), rng.choice((6, 7, 8))
    w = {"a": 3, "b": 2, "kappa": 1}
    da, db = series_through(get_model(model_name), steps, w, top)
    prime = "'" * steps
    comp = rng.choice(("a", "b"))
    poly = sp.expand(da + sp.Symbol("a", real=True) if comp == "a" else db)
    if rng.random() >= 0.4:
        terms = list(sp.Add.make_args(poly))
        t = terms[rng.randrange(len(terms))]
        how = rng.choice(("coefficient", "drop", "spurious"))
        if how == "coefficient":
            poly = sp.expand(poly + t / abs(sp.Poly(t, *sorted(t.free_symbols, key=str))
                                            .coeffs()[0]))
        elif how == "drop" and len(terms) > 1:
            poly = sp.expand(poly - t)
        else:
            poly = sp.expand(poly + sp.Symbol("b", real=True) ** 2 * sp.Symbol(
                "kappa", positive=True) ** (top - 4))
    # the reading of an expansion claim: exact through its own largest weight W
    W = weight_of(poly, w)
    ea, eb = series_through(get_model(model_name), steps, w, W)
    exact = sp.expand(ea + sp.Symbol("a", real=True) if comp == "a" else eb)
    truth = sp.expand(poly - weighted_part(exact, w, W)) == 0
    return _claim("expansion", i, "expansion", model=model_name, steps=steps,
                  claimed={f"{comp}{prime}": str(poly)}, weights=w), truth


def trajectory_limit(rng, i):
    truth = rng.random() < 0.5
    lo, hi = (rng.choice((("-5/3", "-1/10"), ("-1/5", "-1/20"))) if truth else
              rng.choice((("-1/10", "0"), ("-1", "-3/20"), ("-3/25", "-1/20"))))
    return _claim("trajectory-limit", i, "trajectory-limit", eta="1/25",
                  start={"a": ["0.22", "0.3"], "b": ["0.01", "0.05"]}, steps=40000,
                  samples=8, limit={"a_over_kappa3": [lo, hi]}), truth


BUILDERS = {"identity-poly": identity_poly, "identity-sign": identity_sign,
            "identity-radical": identity_radical, "constant": constant,
            "inequality-margin": inequality_margin, "invariant-xy": invariant_xy,
            "invariant-hole": invariant_hole,
            "expansion": expansion, "trajectory-limit": trajectory_limit}


def build(family, rng, i=0):
    """One claim of `family` drawn with `rng` (a `random.Random`): (claim, truth)."""
    return BUILDERS[family](rng, i)


def corpus(n, seed=0, families=FAMILIES):
    """`n` claims drawn round-robin over `families`, reproducibly from `seed`."""
    rng = random.Random(seed)
    return [(*build(families[i % len(families)], rng, i), families[i % len(families)])
            for i in range(n)]


def score(results):
    """Counts of (truth, verdict) pairs; the liar counts must be zero."""
    out = {"claims": len(results), "true": 0, "false": 0, "false_verified": 0,
           "true_refuted": 0, "verdicts": {}}
    for truth, verdict in results:
        out["true" if truth else "false"] += 1
        key = f"{'true' if truth else 'false'}->{verdict}"
        out["verdicts"][key] = out["verdicts"].get(key, 0) + 1
        if not truth and verdict in ("verified", "verified-numerically"):
            out["false_verified"] += 1
        if truth and verdict == "refuted":
            out["true_refuted"] += 1
    return out
