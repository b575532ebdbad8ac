"""The approach to the slow manifold, proved on a fixed grid of cells (set-oriented, GAIO style).

In the coordinates (V, s) of `CaptureSet.chain_frame` ($V = U - U_0 - \\psi(B)$, $s = |B|$;
the slow manifold is near V = 0) the zone is cut into rows $[S_r, S_{r+1}]$ and, in each row,
layers by distance from the manifold: layer 0 is $|V| \\le t_0 = \\delta_0$ (with $\\delta_0$
K's width at the lowest row, so layer 0 lies in the capture set K), layer $\\pm k$ is
$\\pm V \\in [t_{r,k-1}, t_{r,k}]$, $t_{r,k} \\approx \\delta_0 g_r^k$ (`next_edge`) up to
$|V| \\ge v_{max}$. The growth $g_r > 1$ stays below the inverse of the
contraction $|1 - 32\\kappa^4 s^2|$ of V per two-step (C9 linearised across the parabola), and
rises with s slowly enough that the drift of s does not undo it (`design_zone`).

**Claim.** If the image enclosure of every listed cell (`ScaledTwoStep.image`; of each of
its quarters, or their quarters, where the cell's is too wide) lies in K or meets only listed
cells of strictly smaller ``|layer|`` (layer 0 counts as K), every orbit entering the listed
cells reaches K within M two-steps (M the largest ``|layer|`` listed): ``|layer|`` is a
strictly decreasing potential, whatever the rows, so there are no cycles.

`explore_zone` lists the cells met by the entry boxes and, breadth first, by images.
"""
import bisect
import math
import time
from collections import deque
from dataclasses import dataclass
from fractions import Fraction

from ..errors import EosError
from .capture import decimal

#: Relative drift of s per two-step and per unit of ``|V|`` in the zone (float64 orbits at
#: eta = 1/100: at most 0.001); it sets how fast the growth may rise with s.
S_DRIFT = 0.001


def next_edge(t, g):
    """The layer edge after t: $t g$ rounded up to 12 decimal places (exact, increasing)."""
    return Fraction(math.ceil(t * g * 10 ** 12), 10 ** 12)


@dataclass
class Zone:
    """Rows `rows` (s breaks), one growth per row (`growths`); in row r the layer edges
    $t_{r,k}$ from `base` up to the first at or above `v_max`, around capture set `K`."""

    K: object
    rows: tuple
    base: Fraction
    growths: tuple
    v_max: Fraction

    def __post_init__(self):
        if len(self.growths) != len(self.rows) - 1 or min(self.growths) <= 1:
            raise EosError("zone: one growth above 1 per row expected")
        self.edges = []
        for g in self.growths:
            edges = [self.base]
            while edges[-1] < self.v_max:
                edges.append(next_edge(edges[-1], g))
            self.edges.append(edges)

    def cell(self, r, k):
        """The (V, s) box of cell (r, k)."""
        s = (self.rows[r], self.rows[r + 1])
        if k == 0:
            return (-self.base, self.base), s
        lo, hi = self.edges[r][abs(k) - 1], self.edges[r][abs(k)]
        return ((lo, hi) if k > 0 else (-hi, -lo)), s

    def layer_of(self, v, r):
        """Signed layer index of the value v in row r (None beyond the outermost layer)."""
        edges = self.edges[r]
        k = bisect.bisect_left(edges, abs(v))
        if k >= len(edges):
            return None
        return k if v > 0 else -k

    def cells_meeting(self, v, s):
        """Cells meeting the box v x s, or None when it leaves the zone."""
        if s[0] < self.rows[0] or s[1] > self.rows[-1]:
            return None
        i = max(bisect.bisect_right(self.rows, s[0]) - 1, 0)
        j = min(bisect.bisect_left(self.rows, s[1]), len(self.rows) - 1)
        out = []
        for r in range(i, max(j, i + 1)):
            lo, hi = self.layer_of(v[0], r), self.layer_of(v[1], r)
            if lo is None or hi is None:
                return None
            out += [(r, k) for k in range(lo, hi + 1)]
        return out

    def to_dict(self):
        return {"rows": [str(x) for x in self.rows], "base": str(self.base),
                "growths": [str(g) for g in self.growths], "v_max": str(self.v_max)}

    @classmethod
    def from_dict(cls, K, d):
        return cls(K, tuple(Fraction(x) for x in d["rows"]), Fraction(d["base"]),
                   tuple(Fraction(g) for g in d["growths"]), Fraction(d["v_max"]))


def _contraction_margin(kappa_value, s):
    """$1 - |1 - 32\\kappa^4 s^2|$: how much V shrinks per two-step at s (first order)."""
    return 1 - abs(1 - 32 * float(kappa_value) ** 4 * s * s)


def design_zone(K, s_lo, v_max, kappa_value, floor=Fraction(4, 5), drift=S_DRIFT):
    r"""Rows from `floor` * `s_lo` to K's top, heights $\min(0.015, 0.0015 s)$ (the wrapping
    of the mean-value form, like $s^2 h^2$, stays below the contraction margin at layer 1).

    Growth: $\ln g_r = L(S_r)$ with $L = \ln(1 + m(s_{lo})/2)$ up to `s_lo`, m the
    `_contraction_margin` (so $(1 - m) g < 1$ down to $s \approx s_{lo}/\sqrt 2$: the rows below
    `s_lo` take orbits that sink while they approach, and cost nothing where none do); above
    it L rises with s, up to $\ln(1 + m/2)$ (its least value at and above s, so L never falls),
    but no faster than $dL/ds = L^2/(c s)$. An image that sinks by $\Delta s$ into a row of
    smaller L sees its layer index grow by about $k\,\Delta L / L$ with
    $k \le \ln(v_{max}/t_0)/L$; with $\Delta s / s$ at most `drift` ``|V|`` plus a row
    height, $c = 2 \ln(v_{max}/t_0)(\text{drift}\,v_{max} + 0.0015)$ keeps that below half
    of the two layers an image drops (growths have 9 digits, so rounding adds no steps).
    ``drift=None`` gives one growth for all rows."""
    s = decimal(Fraction(s_lo), 4, up=False)
    m_lo = _contraction_margin(kappa_value, float(s))
    if not 0 < m_lo < 1:
        raise EosError(f"zone: no contraction estimate at s = {float(s)}")
    s_lo = float(s)
    s = decimal(s * floor, 4, up=False)
    base = K.frame.d0 + K.frame.d2 * s * s
    rows = []
    while s < K.s_top:
        rows.append(s)
        s = min(K.s_top, decimal(s + Fraction(min(0.015, max(0.005, 0.0015 * float(s)))), 5))
    rows.append(K.s_top)
    L_lo = math.log(1 + m_lo / 2)
    c = 0 if drift is None else 2 * math.log(float(v_max / base)) * (drift * float(v_max)
                                                                     + 0.0015)
    digits = 9 if c else 4
    g_lo = decimal(Fraction(1 + m_lo / 2), digits, up=False)
    growths, cap = [], math.inf
    for S in reversed(rows[:-1]):
        m = _contraction_margin(kappa_value, float(S))
        cap = min(cap, math.log(1 + m / 2)) if m > 0 else 0.0
        g = g_lo
        if float(S) > s_lo and c > 0:
            inv = 1 / L_lo - math.log(float(S) / s_lo) / c
            L = min(cap, 1 / inv if inv > 0 else math.inf)
            g = max(g_lo, decimal(Fraction(math.exp(L)), digits, up=False))
        growths.append(g)
    return Zone(K, tuple(rows), base, tuple(reversed(growths)), Fraction(v_max))


@dataclass
class ZoneProof:
    """Outcome of `explore_zone`: status, the zone, the listed cells, images computed, the
    largest ``|layer|`` (bound on the two-steps to K), seconds, failure."""

    status: str
    zone: Zone
    cells: list
    images: int = 0
    depth: int = 0
    seconds: float = 0.0
    failure: dict = None


def explore_zone(zone, entries, fmap, progress=None, split_depth=2):
    """List and prove the cells met by the `entries` ((v, s) boxes in the chain frame) and
    by their images (see the module docstring); `fmap` a bound `ScaledTwoStep`. A cell whose
    image is too wide is cut into quarters (V and s halved), each mapped on its own, down to
    `split_depth` levels (the claim holds for each piece, hence for the cell)."""
    t0 = time.perf_counter()
    K = zone.K
    frame = K.chain_frame()
    listed, queue, count, done = set(), deque(), 0, 0

    def targets(v, s, below=None):
        """Listed-to-be cells met by the box v x s (layer 0 is in K), or the reason why not."""
        cells = zone.cells_meeting(v, s)
        if cells is None:
            return None, f"box V [{float(v[0])}, {float(v[1])}], s [{float(s[0])}, " \
                         f"{float(s[1])}] leaves the zone"
        cells = [c for c in cells if c[1] != 0]
        for c in cells:
            if below is not None and abs(c[1]) >= below:
                return None, f"image meets layer {c[1]} (not below {below}) in row {c[0]}"
        return cells, None

    def enlist(cells):
        for c in cells:
            if c not in listed:
                listed.add(c)
                queue.append(c)

    def failed(info):
        return ZoneProof("failed", zone, sorted(listed), count, 0, time.perf_counter() - t0,
                         info)

    def prove_box(v, s, layer, depth):
        """Cells the image of v x s meets (all below `layer`), or (None, reason, sinks)."""
        nonlocal count
        im = fmap.image([v, s if K.sign > 0 else (-s[1], -s[0]), tuple(K.kappa)], frame)
        count += 1
        why, sinks = "image not enclosed", False
        if im.finite and im.chart:
            s2 = im.B if K.sign > 0 else (-im.B[1], -im.B[0])
            if K.contains(im.Z, s2):
                return [], None, False
            cells, why = targets(im.Z, s2, below=layer)
            if why is None:
                return cells, None, False
            sinks = s2[0] < zone.rows[0]
        if depth == 0 or sinks:
            return None, why, sinks
        vm, sm = (v[0] + v[1]) / 2, (s[0] + s[1]) / 2
        out = []
        for vv in ((v[0], vm), (vm, v[1])):
            for ss in ((s[0], sm), (sm, s[1])):
                cells, why, sinks = prove_box(vv, ss, layer, depth - 1)
                if cells is None:
                    return None, why, sinks
                out.extend(cells)
        return out, None, False

    for v, s in entries:
        if not K.contains(v, s):
            cells, why = targets(v, s)
            if why:
                return failed({"entry": why})
            enlist(cells)
    while queue:
        r, k = queue.popleft()
        v, s = zone.cell(r, k)
        done += 1
        if progress and done % 5000 == 0:
            progress(done, len(queue), len(listed))
        cells, why, sinks = prove_box(v, s, abs(k), split_depth)
        if cells is None:
            return failed({"cell": [r, k], "box": [[str(x) for x in v], [str(x) for x in s]],
                           "reason": why, "below": sinks})
        enlist(cells)
    depth = max((abs(k) for _, k in listed), default=0)
    return ZoneProof("proved", zone, sorted(listed), count, depth, time.perf_counter() - t0)
