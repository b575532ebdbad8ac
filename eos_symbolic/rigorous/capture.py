r"""The capture lemma on a set K around the slow manifold, proved on Arb boxes.

K (one sign of b; the two-step map keeps it, C11) is the rectangle $|Z| \le 1$,
$0 \le s = |B| \le s_{top}$ in a `scaled_map.Frame` that follows the slow manifold:

$$K = \{\, |U - U_0 - \psi(B, \kappa)| \le d_0 + d_2 B^2,\ |B| \le s_{top} \,\}.$$

**Lemma.** If for every point of K the two-step map F satisfies (i) $F(K) \subseteq K$,
(ii) $|b''| \le \rho |b|$ with $\rho < 1$ and (iii) $|a'' - a| \le C b^2$, then every orbit
entering K converges: $|b_n| \le \rho^n |b_0| \to 0$,
$\sum |a_{n+1} - a_n| \le C b_0^2 / (1 - \rho^2)$, so $a_n \to a_\infty$, and $(a_\infty, 0) \in K$ (closed), i.e.
$a_\infty / \kappa^3 \in [U_0 - d_0, U_0 + d_0]$ (at B = 0, U = $a/\kappa^3$). The odd
iterates follow by continuity of the one-step map, which fixes b = 0.

`design_capture_set` fits the frame to a float64 orbit on the slow manifold (numerics; no
soundness rests on it); `prove_capture` proves (i)-(iii) by tiling K with cells (slabs in s,
then bisection recorded as a preorder code) whose enclosed images (`ScaledTwoStep.image`)
lie in K with $0 < \hat B < 1$.
"""
import time
from dataclasses import dataclass, field
from fractions import Fraction

import numpy as np

from ..errors import EosError
from .scaled_map import Frame, ScaledTwoStep, bounds, float_two_step


def decimal(q, digits=9, up=None):
    """`q` rounded to `digits` significant decimal digits (down / up / nearest), exact."""
    q = Fraction(q)
    if q == 0:
        return q
    e = len(str(abs(q.numerator) // abs(q.denominator))) if abs(q) >= 1 else \
        -len(str(abs(q.denominator) // abs(q.numerator))) + 1
    scale = Fraction(10) ** (digits - e)
    n = q * scale
    n = (n.__floor__() if up is False else n.__ceil__() if up else round(n))
    return Fraction(n) / scale


@dataclass(frozen=True)
class CaptureSet:
    """K for one `sign` of b and kappa in `kappa` = (lo, hi): the frame, the top `s_top`
    and the slab `breaks` 0 = s_0 < ... < s_n = s_top that start the tiling."""

    sign: int
    kappa: tuple
    frame: Frame
    breaks: tuple

    @property
    def s_top(self):
        return self.breaks[-1]

    @property
    def limit(self):
        r"""Interval of $a_\infty / \kappa^3$ for orbits captured by K (the lemma)."""
        f = self.frame
        return f.origin - f.d0, f.origin + f.d0

    def chain_frame(self):
        """The frame with the same shear and unit width: V = U - U_0 - psi(B)."""
        f = self.frame
        return Frame(f.origin, Fraction(1), Fraction(0), f.shear, f.kappa_ref)

    def contains(self, v, s):
        r"""Is the box v = (lo, hi) (in `chain_frame` coordinates) x s = (lo, hi) in K?
        Exact: $v / \delta(s)$ is monotone in v and in s on the box's corners."""
        if s[0] < 0 or s[1] > self.s_top:
            return False
        f = self.frame
        z = [x / (f.d0 + f.d2 * t * t) for x in v for t in s]
        return -1 <= min(z) and max(z) <= 1

    def cell(self, z, s):
        """The (Z, B, kappa) box of a cell z x s (s = ``|B|``)."""
        bs = s if self.sign > 0 else (-s[1], -s[0])
        return [tuple(z), tuple(bs), tuple(self.kappa)]

    def to_dict(self):
        return {"sign": self.sign, "kappa": [str(k) for k in self.kappa],
                "frame": self.frame.to_dict(), "breaks": [str(x) for x in self.breaks]}

    @classmethod
    def from_dict(cls, d):
        return cls(int(d["sign"]), tuple(Fraction(k) for k in d["kappa"]),
                   Frame.from_dict(d["frame"]), tuple(Fraction(x) for x in d["breaks"]))


class ManifoldTooLow(EosError):
    """The slow manifold's clean orbits reach only ``|B|`` = `reached` (below the asked top)."""

    def __init__(self, msg, reached):
        super().__init__(msg)
        self.reached = reached


def _clean_tail(step, U, B, sign, s_cap, steps):
    """Float64 points (s, U), s increasing, of the two-step orbit from (U, B) down to
    s ~ 1e-3, after ``|B|`` last increases or b last has the other sign (transients, even
    chaotic ones, cut); None when the orbit leaves the map's domain or is not there within
    `steps` two-steps."""
    pts = []
    for _ in range(steps):
        U, B, _ = step(U, B)
        if not (np.isfinite(U) and abs(B) < s_cap):
            return None
        pts.append((sign * B, U))
        if abs(B) < 1e-3 and len(pts) > 10:
            arr = np.array(pts)
            cut = np.nonzero((np.diff(arr[:, 0]) > 0) | (arr[1:, 0] <= 0))[0]
            arr = arr[(cut[-1] + 1 if len(cut) else 0):]
            return arr[::-1] if len(arr) > 1 else None
    return None


def _agreement(low, high, tol):
    """Largest s up to which two tails agree, ``|U_low - U_high|`` <= tol (1 + s^2) on a
    grid from s = 0.01 (below it the tails end at different points of b = 0)."""
    top = min(low[-1, 0], high[-1, 0])
    if top <= 0.01:
        return 0.0
    grid = np.linspace(0.01, top, 4000)
    d = np.abs(np.interp(grid, *low.T) - np.interp(grid, *high.T))
    bad = np.nonzero(d > tol * (1 + grid ** 2))[0]
    if not len(bad):
        return float(top)
    return float(grid[bad[0] - 1]) if bad[0] > 0 else 0.0


def slow_manifold(kappa_value, sign, s_top, model="four-scalar", tol=1e-5):
    """Float64 points (s, U), s increasing, of the two-step orbit along the slow manifold for
    one sign of b, from `s_top` (or above) down to s ~ 1e-3. Orbits from ever higher starts,
    of either sign of b (a chaotic transient may flip it), each cut to its clean tail
    (`_clean_tail`); the transient of a lower start dies out along its descent, so the
    manifold is where two tails agree (`_agreement`), and the higher tail is returned below
    that height once it reaches s_top. Raises `ManifoldTooLow` with the highest agreement
    found when none reaches s_top: above it the manifold is transversally unstable (at
    eta = 1/25 and b > 0 its multiplier passes -1 near ``|B|`` = 3.6) or orbits reach the
    chaotic region."""
    step = float_two_step(model, float(kappa_value))
    # the descent to s ~ 1e-3 takes about 10 / kappa^4 two-steps; an orbit still going
    # after three times that wanders in the chaotic region
    steps = min(4_000_000, int(30 / float(kappa_value) ** 4))
    A, best, reached, stale = s_top ** 2 + 5.0, None, 0.0, 0
    # an orbit that leaves the map's domain gives NaN (then a new attempt), not a warning
    with np.errstate(invalid="ignore", over="ignore"):
        for attempt in range(40):
            if stale >= 6:  # higher starts stopped helping: the clean part ends below s_top
                break
            start = (sign if attempt % 2 == 0 else -sign) * 0.1
            tail = _clean_tail(step, A, start, sign, 50 * s_top + 10, steps)
            if attempt % 2:
                A *= 1.2
            h = _agreement(best, tail, tol) if tail is not None and best is not None else 0.0
            if h >= s_top:
                return tail[: np.searchsorted(tail[:, 0], h, side="right")]
            stale = 0 if h > reached else stale + 1
            reached = max(reached, h)
            if tail is not None and (best is None or tail[-1, 0] >= best[-1, 0]):
                best = tail
    raise ManifoldTooLow(f"slow manifold: no clean orbit reaching |B| = {s_top} at kappa = "
                         f"{kappa_value}, only |B| = {reached:.3g} (above it the manifold is "
                         "transversally unstable or orbits reach the chaotic region)", reached)


def design_capture_set(kappa, sign, s_top, d0=Fraction(1, 1000), d2=None, degree=None,
                       model="four-scalar"):
    r"""K around the slow manifold up to s = `s_top`: origin and shear psi (powers
    2..`degree`, scaled by $(\kappa/\kappa_r)^2$) fitted by weighted least squares to
    float64 orbits at the ends of the kappa range; width $d_0 + d_2 s^2$ with $d_2$ default
    such that the width is 1/40 at the top (below the $\hat B < 1$ limit) but at most
    $8 d_0$: across the manifold Z contracts by about $16 (1 - \hat B^2) B^2$ per two-step,
    while the width shrinks by $d_2 (1 - \hat B^2) B^2$, so $d_2 < 16\,\delta$ is needed.
    Without `degree`, the lowest of 12, 16, ..., 32 whose fit stays within 1/50 of the width
    (a tall K needs more terms: at s_top = 13.8, degree 12 misses by 2.6 widths)."""
    kappa = tuple(Fraction(k) for k in kappa)
    kref = max(kappa)
    # near b = 0 the width may shrink at most as fast as the transverse contraction, whose
    # rate is about 16 times the shrinking of delta: d2 / delta(0) < 16 (half of it kept)
    d2 = Fraction(d2) if d2 is not None else min(8 * Fraction(d0), max(
        Fraction(0), (Fraction(1, 40) - d0) / decimal(Fraction(s_top) ** 2, 4)))
    grids, origins = [], []
    for k in sorted(set(kappa)):
        pts = slow_manifold(k, sign, float(s_top), model)
        s, U = pts[:, 0], pts[:, 1]
        origins.append(float(np.median(U[s < 2e-3])))
        grid = np.concatenate([np.linspace(0, 1, 400), np.linspace(1, float(s_top), 800)])
        grids.append((float(k / kref) ** 2, grid, np.interp(grid, s, U) - origins[-1]))
    w = np.concatenate([1 / (float(d0) + float(d2) * g ** 2) for _, g, _ in grids])
    y = np.concatenate([u for _, _, u in grids])
    for deg in ([degree] if degree else range(12, 33, 4)):
        # a scaled variable t = B / s_top keeps the fit well conditioned
        X = np.vstack([np.vstack([r * (sign * g / float(s_top)) ** i
                                  for i in range(2, deg + 1)]).T for r, g, _ in grids])
        coef = np.linalg.lstsq(X * w[:, None], y * w, rcond=None)[0]
        if np.max(np.abs(X @ coef - y) * w) < 0.02:
            break
    top = Fraction(s_top)
    shear = tuple(decimal(Fraction(float(c)), 12) / top ** i for i, c in enumerate(coef, 2))
    origin = decimal(Fraction(float(np.mean(origins))), 10)
    breaks, t = [Fraction(0)], 0.0
    while t < float(s_top):
        t = min(float(s_top), t + 0.02 + 0.03 * t)
        breaks.append(decimal(Fraction(t), 4))
    breaks[-1] = Fraction(s_top)
    return CaptureSet(sign, kappa, Frame(origin, Fraction(d0), d2, shear, kref), tuple(breaks))


@dataclass
class CaptureProof:
    """Outcome of `prove_capture`: `status` proved | failed, the set, per-slice cell codes
    (preorder: "v"/"s" split V / s at the midpoint, "." a proved cell), `rho` and `C` (exact
    rational upper bounds of ``|b''/b|`` and ``|a'' - a|``/b^2 on K), cells, seconds, and for a
    failure the offending cell with the reason."""

    status: str
    capture: CaptureSet
    codes: list = field(default_factory=list)
    rho: Fraction = None
    C: Fraction = None
    cells: int = 0
    seconds: float = 0.0
    failure: dict = None


def prove_capture(K, model="four-scalar", dps=30, max_depth=16, progress=None,
                  band=False, outside=None):
    r"""Prove the capture lemma's hypotheses (i)-(iii) on K (see the module docstring).
    With `band` (the Phase-2 band of `phase2_band`, whose top edge is a line of constant a):
    $|Z''| \le 1$, $\hat B > 0$ (b keeps its sign) and $\hat A < 0$ (a decreases, so the top
    edge is never crossed) on every cell; a cell for which ``outside(z, s)`` holds lies wholly
    above that edge, is not in the band and is left out (code "x")."""
    start = time.perf_counter()
    fmap = ScaledTwoStep(model)
    rho, C, count, codes = Fraction(0), Fraction(0), 0, []
    with fmap.bound(dps):
        for j in range(len(K.breaks) - 1):
            code, stack = [], [((Fraction(-1), Fraction(1)), (K.breaks[j], K.breaks[j + 1]), 0)]
            while stack:
                z, s, depth = stack.pop()
                count += 1
                if outside is not None and outside(z, s):
                    code.append("x")
                    continue
                im = fmap.image(K.cell(z, s), K.frame)
                reason = _reject(im, K, band)
                if reason is None:
                    code.append(".")
                    rho = max(rho, bounds(abs(im.Bhat))[1])
                    C = max(C, bounds(abs(im.Ahat))[1])
                    continue
                if depth >= max_depth:
                    return CaptureProof("failed", K, codes, rho, C, count,
                                        time.perf_counter() - start,
                                        {"slab": j, "cell": [[str(x) for x in z],
                                                             [str(x) for x in s]],
                                         "reason": reason})
                axis = 0 if (z[1] - z[0]) / 2 >= (s[1] - s[0]) / (K.breaks[j + 1] -
                                                                   K.breaks[j]) else 1
                code.append("zs"[axis])
                lo, hi = (z, s)[axis]
                m = (lo + hi) / 2
                parts = [((lo, m), s), ((m, hi), s)] if axis == 0 else [(z, (lo, m)), (z, (m, hi))]
                stack.extend((pz, ps, depth + 1) for pz, ps in reversed(parts))
            codes.append("".join(code))
            if progress:
                progress(j + 1, len(K.breaks) - 1, count)
    return CaptureProof("proved" if rho < 1 or band else "failed", K, codes, rho, C, count,
                        time.perf_counter() - start)


def _reject(im, K, band=False):
    """Why a cell's image fails (i)-(iii) (or, for a band, ``|Z''|`` <= 1), or None."""
    if not im.finite:
        return "enclosure not finite (map leaves its domain)"
    if not im.chart:
        return "leaves the chart |a| < 1, |b| < 1/2"
    lo, hi = bounds(im.Bhat)
    if not band and not (0 < lo and hi < 1):
        return f"b''/b not certified in (0, 1): [{float(lo)}, {float(hi)}]"
    if band and not (0 < lo and bounds(im.Ahat)[1] < 0):
        return (f"b''/b > 0 and a'' < a not certified: b''/b in [{float(lo)}, {float(hi)}], "
                f"upper (a'' - a)/b^2 scaled {float(bounds(im.Ahat)[1])}")
    s = im.B if K.sign > 0 else (-im.B[1], -im.B[0])
    if not (-1 <= im.Z[0] and im.Z[1] <= 1 and (band or (0 <= s[0] and s[1] <= K.s_top))):
        return (f"image Z [{float(im.Z[0])}, {float(im.Z[1])}], s [{float(s[0])}, "
                f"{float(s[1])}] not inside K")
    return None
