"""Independent re-evaluation of the two-step map on boxes, for `recheck`.

Shares no code with the prover (`scaled_map`, `capture`, `reach`) beyond python-flint's
ball arithmetic: the one-step map is taken from the exact (a, b) map of the symbolic layer
(`reparam`, eq. 6, with $\\check c$ explicit, not the prover's kappa-folded form) and factored
here by rationalising its square root,
$a' - a = (a + \\check c)(X - 1)/(\\sqrt X + 1)$ with $X - 1$ divisible by $b^2$, and
$b' = b\\,\\beta$ term by term; gradients come from forward-mode automatic differentiation
(`recheck_program.Dual`) of generated code over the SymPy expressions, not from symbolic
derivatives.

In a frame $U = U_0 + (d_0 + d_2 B^2) Z + (\\kappa/\\kappa_r)^2 \\psi_0(B)$
($U = a/\\kappa^3 - 2B^2$, $B = b/\\kappa^2$) the image of a box is enclosed twice and
intersected: the mean-value form $f(m) + Df(X)(X - m)$, and the increment form
$Z'' = Z + N/\\delta(B'')$ with $N = B^2 H - [\\psi(B'') - \\psi(B)] - Z d_2 (B''^2 - B^2)$,
$H = \\kappa \\hat A - 2(\\hat B^2 - 1)$, where the psi difference is the finite Taylor sum at B;
at B = 0 the factor $B^2$ is taken out exactly (endpoint arithmetic).
"""
from fractions import Fraction
from math import comb, factorial

import sympy as sp

from ..errors import EosError
from ..symbolic.models import get_model
from ..symbolic.reparam import reparameterise
from ..symbolic.symbols import a, b, kappa
from .recheck_program import Dual, Program, exact_bounds, interval, num, power, value


def one_step_factors(model):
    """$(\\alpha, \\beta)$ with $a' = a + b^2\\alpha$, $b' = b\\beta$, derived from the exact
    (a, b) map `reparam.ab_map` (see the module docstring); identities checked exactly."""
    rp = reparameterise(get_model(model) if isinstance(model, str) else model)
    ap, bp = rp.ab_map
    roots = [p for p in ap.atoms(sp.Pow) if p.exp == sp.Rational(1, 2) and p.base.has(b)]
    if len(roots) != 1:
        raise EosError("recheck: expected one square root in the a-map")
    root = roots[0]
    coeff = ap.coeff(root)
    if sp.simplify(ap - coeff * root + rp.c_check) != 0:
        raise EosError("recheck: the a-map is not (a + c_check) sqrt(X) - c_check")
    inner = sp.cancel(sp.expand(root.base - 1) / b ** 2)
    if sp.denom(inner).has(b):
        raise EosError("recheck: X - 1 is not divisible by b^2")
    alpha = coeff * inner / (root + 1)  # = coeff (X - 1)/(sqrt X + 1) = coeff (sqrt X - 1)
    beta = sp.Add(*[t / b for t in sp.Add.make_args(sp.expand(bp))])
    if (sp.expand(inner * b ** 2 - (root.base - 1)) != 0
            or sp.simplify(coeff - a - rp.c_check) != 0 or sp.expand(beta * b - bp) != 0):
        raise EosError("recheck: the factored one-step map does not reproduce eq. 6")
    return alpha, beta


class TwoStepRecheck:
    """Enclosures of the two-step image of boxes in a frame (see the module docstring)."""

    def __init__(self, model="four-scalar"):
        self.program = Program(one_step_factors(model), (a, b, kappa))

    def _constants(self, frame):
        """The frame's numbers as balls at the working precision, made once per frame."""
        import flint
        prec = flint.ctx.prec
        cache = self.__dict__.setdefault("_frames", {})
        hit = cache.get(id(frame))
        if hit is None or hit[0] is not frame or hit[1] != prec:
            hit = (frame, prec, {
                "d0": num(frame["d0"]), "d2": num(frame["d2"]), "U0": num(frame["origin"]),
                "inv_kr2": num(1 / frame["kappa_ref"] ** 2),
                "shear": [num(c) for c in frame["shear"]],
                "inv_fact": [num(Fraction(1, factorial(j))) for j in range(len(frame["shear"]) + 3)],
                "taylor": {}})
            cache[id(frame)] = hit
        return hit[2]

    def _shift(self, frame, center):
        """Rows j of balls $t_m\\,m!/(m-j)!$, m = j..n, where $t_m$ are the Taylor coefficients
        of $\\psi_0$ (shear coefficients of $B^2, B^3, \\dots$) at `center`."""
        table = self._constants(frame)["taylor"]
        if center not in table:
            c = [Fraction(0), Fraction(0)] + list(frame["shear"])
            t = [sum((c[i] * comb(i, j) * center ** (i - j) for i in range(j, len(c))),
                     Fraction(0)) for j in range(len(c))]
            n = len(t) - 1
            table[center] = [[num(t[m] * (factorial(m) // factorial(m - j)))
                              for m in range(j, n + 1)] for j in range(n + 2)]
        return table[center]

    def psi_derivatives(self, B, frame):
        """Duals (balls, for a ball B) of $\\psi_0^{(j)}(B)$, j = 0..deg (Taylor form at a
        nearby grid point)."""
        Bv = value(B)
        center = Fraction(round(float(Bv.mid()) * 32), 32)
        rows = self._shift(frame, center)
        x = Bv - num(center)
        vals = []
        for row in rows:
            acc = 0 * x
            for coeff in reversed(row):
                acc = acc * x + coeff
            vals.append(acc)
        if not isinstance(B, Dual):
            return vals[:-1]
        return [Dual(vals[j], tuple(vals[j + 1] * g for g in B.d)) for j in range(len(rows) - 1)]

    def evaluate(self, Z, B, k, frame, at_zero):
        """Duals (or balls, from balls) of (Bhat, Q or None, Z'', B'', Ahat) and the chart
        flag; a `raw` frame has Z = a/kappa^3 and Z'' = Z + kappa B^2 Ahat."""
        k2 = k * k
        B2sq = power(B, 2)
        if frame.get("raw"):
            p = (k2 * k * Z, k2 * B)
        else:
            f = self._constants(frame)
            d0, d2, U0 = f["d0"], f["d2"], f["U0"]
            ratio = k * k * f["inv_kr2"]
            psi = self.psi_derivatives(B, frame)
            U = U0 + (d0 + d2 * B2sq) * Z + ratio * psi[0]
            p = (k2 * k * (U + 2 * B2sq), k2 * B)
        al0, be0 = self.program(p[0], p[1], k)
        p1 = (p[0] + power(p[1], 2) * al0, p[1] * be0)
        al1, be1 = self.program(p1[0], p1[1], k)
        chart = all(abs(value(q)) < 1 and 2 * abs(value(r)) < 1 for q, r in (p, p1))
        Ahat, Bhat = al0 + be0 * be0 * al1, be0 * be1
        if frame.get("raw"):
            return (Bhat, None, Z + k * B2sq * Ahat, B * Bhat, Ahat), chart
        H = k * Ahat - 2 * (Bhat * Bhat - 1)
        Bn = B * Bhat
        width = d0 + d2 * power(Bn, 2)
        if at_zero:
            G = H - Z * d2 * (Bhat * Bhat - 1)
            for i, c in enumerate(f["shear"], 2):
                G = G - ratio * c * (power(B, i - 2) if i > 2 else 1) * (power(Bhat, i) - 1)
            return (Bhat, G / width, Z + B2sq * (G / width), Bn, Ahat), chart
        h = B * (Bhat - 1)
        diff, hp = 0 * h, 1
        for j in range(1, len(psi)):
            hp = h * hp
            diff = diff + psi[j] * hp * f["inv_fact"][j]
        N = B2sq * H - ratio * diff - Z * d2 * B2sq * (Bhat * Bhat - 1)
        return (Bhat, None, Z + N / width, Bn, Ahat), chart

    def image(self, box, frame):
        """Exact bounds (Z'', B''), balls (Bhat, Ahat) and the chart flag; None if not
        enclosed. `box` = [(Z lo, hi), (B lo, hi), (kappa lo, hi)], one sign of B."""
        (zl, zh), (bl, bh), (kl, kh) = box
        at_zero = bl == 0 or bh == 0
        X = [interval(*r) for r in box]
        n = 2 if kl == kh else 3
        dirs = [Dual(X[i], tuple(num(int(i == j)) for j in range(n))) for i in range(n)]
        k = dirs[2] if n == 3 else Dual(X[2], tuple(0 * X[2] for _ in range(n)))
        vals, chart = self.evaluate(dirs[0], dirs[1], k, frame, at_zero)
        if not all(v.v.is_finite() and all(g.is_finite() for g in v.d)
                   for v in vals if v is not None):
            return None
        mid = [(lo + hi) / 2 for lo, hi in box]
        pt = [num(m) for m in mid[:n]]
        at, _ = self.evaluate(pt[0], pt[1], pt[2] if n == 3 else X[2], frame, at_zero)
        out = []
        for c, v in zip(at, vals):
            if v is None:
                out.append(None)
                continue
            e = c
            for g, x, m in zip(v.d, X, mid):
                e = e + g * (x - num(m))
            if not e.overlaps(v.v):
                raise EosError("recheck: mean-value and natural enclosures are disjoint")
            out.append(e.intersection(v.v))
        Bhat, Q, Z2, B2, Ahat = out
        h1, h2 = exact_bounds(Bhat)
        if h1 <= 0:
            return None
        s1, s2 = sorted((abs(bl), abs(bh)))
        z = list(exact_bounds(Z2))
        if at_zero:
            q1, q2 = exact_bounds(Q)
            z[0] = max(z[0], zl + (s1 * s1 * q1 if q1 >= 0 else s2 * s2 * q1))
            z[1] = min(z[1], zh + (s2 * s2 * q2 if q2 >= 0 else s1 * s1 * q2))
        sb = (s1 * h1, s2 * h2)
        bb = list(exact_bounds(B2))
        nat = sb if bl >= 0 else (-sb[1], -sb[0])
        bb = [max(bb[0], nat[0]), min(bb[1], nat[1])]
        if z[0] > z[1] or bb[0] > bb[1]:
            raise EosError("recheck: inconsistent enclosures")
        return tuple(z), tuple(bb), Bhat, Ahat, chart

    def corner(self, box, frame, split=4):
        """Image bounds by monotonicity: where the partials of a component in Z and B have
        certified signs on the box, its extremes are at two opposite corners (points); a
        kappa interval adds its mean-value term. Where a sign is not certified (near the
        top of a climb a partial passes 0) the box is cut into quarters, `split` times, and
        the hull of their images taken; then it falls back to `image`."""
        (zl, zh), (bl, bh), (kl, kh) = box
        X = [interval(*r) for r in box]
        n = 2 if kl == kh else 3
        dirs = [Dual(X[i], tuple(num(int(i == j)) for j in range(n))) for i in range(n)]
        k = dirs[2] if n == 3 else Dual(X[2], tuple(0 * X[2] for _ in range(n)))
        vals, chart = self.evaluate(dirs[0], dirs[1], k, frame, False)
        if not chart or not all(v.v.is_finite() and all(g.is_finite() for g in v.d)
                                for v in vals if v is not None):
            return None
        km = (kl + kh) / 2
        dk = interval(kl - km, kh - km) if n == 3 else None
        kk = num(km) if n == 3 else X[2]
        out, full, points = [], None, {}
        for idx in (2, 3):
            g = vals[idx].d
            signs = [1 if gi > 0 else -1 if gi < 0 else 0 for gi in g[:2]]
            if 0 in signs and split > 0:
                return self._corner_quarters(box, frame, split - 1)
            if 0 in signs:
                full = full or self.image(box, frame)
                if full is None:
                    return None
                out.append(full[0] if idx == 2 else full[1])
                continue
            ends = []
            for flip in (False, True):
                c = tuple((r[0] if (sg > 0) != flip else r[1]) for r, sg in zip(box, signs))
                if c not in points:
                    points[c] = self.evaluate(num(c[0]), num(c[1]), kk, frame, False)[0]
                v = points[c][idx] + (g[2] * dk if dk is not None else 0)
                ends.append(exact_bounds(v))
            out.append((ends[0][0], ends[1][1]))
        return out[0], out[1], chart

    def _corner_quarters(self, box, frame, split):
        """Hull of the `corner` images of the box's four quarters (Z and B halved)."""
        (zl, zh), (bl, bh), k = box
        zm, bm = (zl + zh) / 2, (bl + bh) / 2
        ims = [self.corner([z, b, k], frame, split) for z in ((zl, zm), (zm, zh))
               for b in ((bl, bm), (bm, bh))]
        if None in ims:
            return None
        return ((min(i[0][0] for i in ims), max(i[0][1] for i in ims)),
                (min(i[1][0] for i in ims), max(i[1][1] for i in ims)),
                all(i[2] for i in ims))
