"""The two-step GD map in scaled, sheared coordinates around the slow manifold, on Arb boxes.

With $\\eta = \\kappa^2$ and the offsets (a, b) of the paper's eq. 5-6 (C6, C7), set

$$U = a/\\kappa^3 - 2 (b/\\kappa^2)^2, \\qquad B = b/\\kappa^2 .$$

The parabola $b^2 = a\\kappa/2 + \\kappa^4/16$ of C12-C13 is the line $U = -1/8$, the minima
are $B = 0$ (where $U = a/\\kappa^3$), and the two-step map keeps the sign of B (C11).
The one-step map factors exactly through the minima (`factored_increment`):
$a' = a + b^2 \\alpha(a, b, \\kappa)$, $b' = b\\,\\beta(a, b, \\kappa)$, hence the two-step map

$$\\hat A = \\alpha(p) + \\beta(p)^2 \\alpha(p'), \\quad \\hat B = \\beta(p)\\,\\beta(p'), \\qquad
B'' = B \\hat B, \\quad U'' = U + B^2 H, \\quad H = \\kappa \\hat A - 2(\\hat B^2 - 1),$$

so $a'' - a = b^2 \\hat A$ and $b'' = \\hat B\\, b$ (the two factors of the capture lemma).

A `Frame` straightens the slow manifold: $U = U_0 + \\delta(B) Z + \\psi(B, \\kappa)$ with
$\\delta = d_0 + d_2 B^2$ and $\\psi = (\\kappa/\\kappa_r)^2 \\sum_{i \\ge 2} c_i B^i$ (no constant
or linear term). Then $Z'' = Z + B^2 Q$ with
$Q = [H - (\\kappa/\\kappa_r)^2 \\sum_i c_i B^{i-2} (\\hat B^i - 1) - Z d_2 (\\hat B^2 - 1)] /
\\delta(B'')$, exact at the fixed points B = 0. `ScaledTwoStep.image` encloses the image of a
box in (Z, B, kappa) by the intersection of this increment form (endpoint arithmetic in exact
rationals, with Q and $\\hat B$ in centred form: the one-step factors carry odd terms in b
that cancel only over two steps) and the centred form $f(m) + Df(X)(X - m)$ of $(Z'', B'')$.
Gradients: symbolic for $\\alpha, \\beta$ (compiled from `certify.scaled_increment` by the
numeric layer), forward-mode jets for the composition.
"""
import math
from dataclasses import dataclass, field
from fractions import Fraction

import sympy as sp

from ..errors import EosError
from ..numeric.backends import precision_scope
from ..numeric.compile import compile_expressions
from ..symbolic.models import get_model
from ..symbolic.symbols import a, b, kappa
from .frames import Frame, Jet, bounds, factored_increment, product_bounds, square
from .intervals import ball

VARIABLES = (a, b, kappa)


@dataclass
class Image:
    """Two-step image of a box: exact rational bounds `Z` = (lo, hi) and `B` = (lo, hi) (None
    when not enclosed), balls `Bhat` = b''/b and `Ahat` = (a'' - a)/b^2 on the box, and
    `chart`: box and one-step image stay where the (a, b) chart conjugates GD
    (``|a|`` < 1, ``|b|`` < 1/2; then x > y > 0 and the map is eq. 6)."""

    Z: tuple
    B: tuple
    Bhat: object
    Ahat: object
    chart: bool = False
    extra: dict = field(default_factory=dict)

    @property
    def finite(self):
        return self.Z is not None


class ScaledTwoStep:
    """Ball enclosures of the two-step map in (Z, B, kappa) of a `Frame`, for one model.

    ``with ScaledTwoStep(model).bound(dps) as fmap: fmap.image(box, frame)`` with `box` =
    ``[(Z_lo, Z_hi), (B_lo, B_hi), (k_lo, k_hi)]`` exact rationals (one sign of B)."""

    def __init__(self, model="four-scalar"):
        self.model = get_model(model) if isinstance(model, str) else model
        alpha, beta = factored_increment(self.model)
        grads = [sp.diff(e, v) for e in (alpha, beta) for v in VARIABLES]
        self._program = compile_expressions([alpha, beta] + grads, VARIABLES)
        self._step = None

    def bind(self):
        """Bind the compiled kernels at the current Arb precision (constants as balls)."""
        self._step, _ = self._program.bind("arb")
        self._consts, self._frames, self._taylor = {}, {}, {}
        return self

    def _inverse_factorial(self, j):
        """The ball of 1/j!, cached for the bound precision."""
        v = self._consts.get(j)
        if v is None:
            v = self._consts[j] = ball(Fraction(1, math.factorial(j)))
        return v

    def bound(self, dps=30):
        """Context manager: an Arb precision scope of `dps` digits with the kernels bound."""
        return _Bound(self, dps)

    def _one(self, p):
        """Jets of alpha and beta at the chart point p = (a, b, kappa) (jets)."""
        if self._step is None:
            raise EosError("ScaledTwoStep: use inside `bound(dps)` (kernels not bound)")
        out = self._step(*[q.v if isinstance(q, Jet) else q for q in p])
        return p[0].compose(out[0], out[2:5], p), p[0].compose(out[1], out[5:8], p)

    def _constants(self, frame):
        """The frame's constants as balls (origin, d0, d2, kappa_r^-2, shear), cached per
        frame object for the bound precision (a frame's hash walks all its coefficients)."""
        entry = self._frames.get(id(frame))
        if entry is None or entry[0] is not frame:
            entry = self._frames[id(frame)] = (frame, (
                ball(frame.origin), ball(frame.d0), ball(frame.d2),
                ball(1 / frame.kappa_ref ** 2), [ball(c) for c in frame.shear]))
        return entry[1]

    def _psi_derivatives(self, B, frame, upto=None):
        r"""Jets (or balls) of $\psi_0^{(j)}(B)$, j = 0..`upto` (all: up to the degree), from
        the Taylor form of $\psi_0 = \sum_i c_i B^i$ at a grid point near B (1/64 spacing;
        the exact coefficients of each derivative cached as balls): well conditioned however
        large the global coefficients are."""
        jet = isinstance(B, Jet)
        bv = B.v if jet else B
        grid = round(float(bv.mid()) * 64)
        entry = self._taylor.get((id(frame), grid))
        if entry is None or entry[0] is not frame:
            center = Fraction(grid, 64)
            t = frame.taylor(center)
            n = len(t) - 1
            rows = [[ball(t[m] * (math.factorial(m) // math.factorial(m - j)))
                     for m in range(n, j - 1, -1)] for j in range(n + 1)]
            entry = self._taylor[(id(frame), grid)] = (frame, ball(center), rows)
        _, center, rows = entry
        x = bv - center
        n = len(rows) - 1
        want = n if upto is None else min(n, upto)
        values = []
        for j in range(min(n, want + 1 if jet else want) + 1):
            v = 0 * x
            for c in rows[j]:
                v = v * x + c
            values.append(v)
        if not jet:
            return values
        values.append(0 * x)
        return [B.compose(values[j], [values[j + 1]], [B]) for j in range(want + 1)]

    def _psi(self, B, k, frame):
        r"""$\psi(B, \kappa) = (\kappa/\kappa_r)^2 \psi_0(B)$ on a jet or ball."""
        return self._psi_derivatives(B, frame, 0)[0] * (k * k * self._constants(frame)[3])

    def _width(self, B, frame):
        _, d0, d2, _, _ = self._constants(frame)
        return d0 + d2 * (B.sq() if isinstance(B, Jet) else square(B))

    def _evaluate(self, Z, B, k, frame, factored):
        r"""Jets of (Bhat, Q, Z'', B'', Ahat) at jets (Z, B, k), and the chart flag; with
        `factored`, $Z'' = Z + B^2 Q$ through the global shear coefficients (boxes at B = 0),
        else $Z'' = Z + N/\delta(B'')$ with the increment
        $N = B^2 H - (\psi(B'') - \psi(B)) - Z d_2 (B''^2 - B^2)$ and Q is None."""
        k2 = k * k
        b0 = k2 * B
        if frame.raw:
            p0 = (k2 * k * Z, b0, k)
        else:
            U = self._constants(frame)[0] + self._width(B, frame) * Z + self._psi(B, k, frame)
            p0 = (k2 * k * (U + 2 * B.sq()), b0, k)
        al0, be0 = self._one(p0)
        b0sq = b0.sq()
        p1 = (p0[0] + b0sq * al0, b0 * be0, k)
        al1, be1 = self._one(p1)
        chart = all(abs(p[0].v) < 1 and 2 * abs(p[1].v) < 1 for p in (p0, p1))
        Ahat, Bhat = al0 + be0 * be0 * al1, be0 * be1
        H = k * Ahat - 2 * (Bhat * Bhat - 1)
        B2 = B * Bhat
        if frame.raw:  # A'' = A + kappa B^2 Ahat
            return (Bhat, None, Z + k * B.sq() * Ahat, B2, Ahat), chart
        width2 = self._width(B2, frame)
        _, _, d2, inv_ref2, shear = self._constants(frame)
        ratio = k2 * inv_ref2
        if not factored:  # increments only: psi(B'') - psi(B) by its finite Taylor sum
            h = B * (Bhat - 1)
            D, hj = 0 * B, 1
            for j, dj in enumerate(self._psi_derivatives(B, frame)[1:], 1):
                hj = h * hj
                D = D + dj * hj * self._inverse_factorial(j)
            N = B.sq() * H - ratio * D - Z * d2 * B.sq() * (Bhat * Bhat - 1)
            return (Bhat, None, Z + N / width2, B2, Ahat), chart
        shift = 0 * B
        for i, c in enumerate(shear, 2):
            shift = shift + c * (B.pow(i - 2) if i > 2 else 1) * (Bhat.pow(i) - 1)
        G = H - ratio * shift - Z * d2 * (Bhat * Bhat - 1)
        Q = G / width2
        return (Bhat, Q, Z + B.sq() * Q, B2, Ahat), chart

    def point(self, point, frame=Frame()):
        """Balls of (Bhat, Q, Z'', B'', Ahat) at an exact point (Z, B, kappa); Q at B = 0."""
        vals, _ = self._evaluate(*[Jet(ball(q), []) for q in point[:2]], ball(point[2]),
                                 frame, point[1] == 0)
        return tuple(v.v if v is not None else None for v in vals)

    def image(self, box, frame=Frame()):
        """`Image` of the two-step map on `box` (see the module docstring)."""
        (zlo, zhi), (blo, bhi), _ = box
        if blo < 0 < bhi:
            raise EosError(f"ScaledTwoStep: a box must keep one sign of B, got [{blo}, {bhi}]")
        factored = blo == 0 or bhi == 0
        X = [ball(lo, hi) for lo, hi in box]
        zero = 0 * X[0]
        # a fixed kappa (one exact rational) stays a constant ball: its rounding radius is
        # carried by every evaluation, including the one at the midpoint
        n = 2 if box[2][0] == box[2][1] else 3
        jets = [Jet(x, [zero + (i == j) for j in range(n)]) for i, x in enumerate(X[:n])]
        vals, chart = self._evaluate(*jets, *X[n:], frame, factored)
        if not all(v.v.is_finite() and all(g.is_finite() for g in v.g) for v in vals if v):
            return Image(None, None, vals[0].v, vals[4].v)
        mid = [(lo + hi) / 2 for lo, hi in box]
        at_mid, _ = self._evaluate(*[Jet(ball(m), []) for m in mid[:n]], *X[n:], frame,
                                   factored)
        centred = []
        for fm, jet in zip(at_mid, vals):
            if jet is None:
                centred.append(None)
                continue
            c = fm.v
            for g, x, m in zip(jet.g, X, mid):
                c = c + g * (x - ball(m))
            centred.append(_ball_meet(jet.v, c, box))
        Bhat, Q, Z2c, B2c, Ahat = centred
        h = bounds(Bhat)
        if h[0] <= 0:
            return Image(None, None, Bhat, Ahat, chart)
        s_lo, s_hi = sorted((abs(blo), abs(bhi)))
        natural_s = (s_lo * h[0], s_hi * h[1])
        natural_b = natural_s if blo >= 0 else (-natural_s[1], -natural_s[0])
        z2 = bounds(Z2c)
        if factored:
            dz = product_bounds(s_lo ** 2, s_hi ** 2, bounds(Q))
            z2 = _meet((zlo + dz[0], zhi + dz[1]), z2, box)
        b2 = _meet(natural_b, bounds(B2c), box)
        return Image(z2, b2, Bhat, Ahat, chart)

    def corner_image(self, box, frame=Frame(), split=2):
        """`Image` by monotonicity: a component of (Z'', B'') whose partials in Z and B have
        certified signs on the box takes its extremes at two opposite corners (exact point
        evaluations; a kappa interval enters through its centred term), which removes the
        wrapping of the mean-value form. Where a sign is not certified (near the top of a
        climb a partial passes 0) the box is cut into quarters, `split` times, and the hull
        of their images taken; then the component comes from `image`."""
        (zl, zh), (bl, bh), (kl, kh) = box
        X = [ball(lo, hi) for lo, hi in box]
        zero = 0 * X[0]
        n = 2 if kl == kh else 3
        jets = [Jet(x, [zero + (i == j) for j in range(n)]) for i, x in enumerate(X[:n])]
        vals, chart = self._evaluate(*jets, *X[n:], frame, bl == 0 or bh == 0)
        if not chart or not all(v.v.is_finite() and all(g.is_finite() for g in v.g)
                                for v in vals if v is not None):
            return Image(None, None, vals[0].v, vals[4].v)
        km = (kl + kh) / 2
        dk = ball(kl - km, kh - km) if n == 3 else None
        out, fallback, at = [], None, {}
        for idx in (2, 3):
            g = vals[idx].g
            signs = [1 if gi > 0 else -1 if gi < 0 else 0 for gi in g[:2]]
            if 0 in signs and split > 0:
                return self._corner_quarters(box, frame, split - 1)
            if 0 in signs:
                fallback = fallback or self.image(box, frame)
                out.append(fallback.Z if idx == 2 else fallback.B)
                continue
            ends = []
            for flip in (False, True):
                corner = tuple(r[0] if (sg > 0) != flip else r[1] for r, sg in zip(box, signs))
                if corner not in at:  # Z'' and B'' often share their extreme corners
                    at[corner] = self.point((*corner, km if n == 3 else kl), frame)
                v = at[corner][idx]
                if dk is not None:
                    v = v + g[2] * dk
                ends.append(bounds(v))
            out.append((ends[0][0], ends[1][1]))
        if None in out:
            return Image(None, None, vals[0].v, vals[4].v)
        return Image(out[0], out[1], vals[0].v, vals[4].v, chart)

    def _corner_quarters(self, box, frame, split):
        """Hull of the `corner_image` of the box's four quarters (Z and B halved)."""
        (zl, zh), (bl, bh), k = box
        zm, bm = (zl + zh) / 2, (bl + bh) / 2
        ims = [self.corner_image([z, b, k], frame, split) for z in ((zl, zm), (zm, zh))
               for b in ((bl, bm), (bm, bh))]
        first = ims[0]
        if not all(i.finite for i in ims):
            return Image(None, None, first.Bhat, first.Ahat)
        hull = [(min(getattr(i, c)[0] for i in ims), max(getattr(i, c)[1] for i in ims))
                for c in ("Z", "B")]
        Bhat, Ahat = first.Bhat, first.Ahat
        for i in ims[1:]:
            Bhat, Ahat = Bhat.union(i.Bhat), Ahat.union(i.Ahat)
        return Image(hull[0], hull[1], Bhat, Ahat, all(i.chart for i in ims))


class _Bound:
    def __init__(self, owner, dps):
        self.owner, self.scope = owner, precision_scope("arb", dps)

    def __enter__(self):
        self.scope.__enter__()
        return self.owner.bind()

    def __exit__(self, *exc):
        return self.scope.__exit__(*exc)


def _ball_meet(natural, centred, box):
    if not natural.overlaps(centred):
        raise EosError(f"ScaledTwoStep: disjoint enclosures {natural}, {centred} on {box}")
    return natural.intersection(centred)


def _meet(natural, centred, box):
    """Intersection of two rigorous enclosures (disjoint ones would mean a defect)."""
    lo, hi = max(natural[0], centred[0]), min(natural[1], centred[1])
    if lo > hi:
        raise EosError(f"ScaledTwoStep: disjoint enclosures {natural}, {centred} on {box}")
    return lo, hi


def float_two_step(model, kappa_value):
    """Float64 two-step map ``(U, B) -> (U'', B'', Bhat)`` (numerics for designing sets)."""
    alpha, beta = factored_increment(get_model(model) if isinstance(model, str) else model)
    step, _ = compile_expressions([alpha, beta], VARIABLES).bind("float")
    k = float(kappa_value)

    def two(U, B):
        b0 = k * k * B
        a0 = k ** 3 * (U + 2 * B * B)
        al0, be0 = step(a0, b0, k)
        al1, be1 = step(a0 + b0 * b0 * al0, b0 * be0, k)
        Ahat, Bhat = al0 + be0 * be0 * al1, be0 * be1
        return U + B * B * (k * Ahat - 2 * (Bhat * Bhat - 1)), B * Bhat, Bhat
    return two
