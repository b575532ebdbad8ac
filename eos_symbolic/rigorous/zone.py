"""The approach to the slow manifold, proved on a fixed grid of cells (set-oriented, GAIO style).

In the coordinates (V, s) of `CaptureSet.chain_frame` ($V = U - U_0 - \\psi(B)$, $s = |B|$;
the slow manifold is near V = 0) the zone is cut into rows $[S_r, S_{r+1}]$ and, in each row,
layers by distance from the manifold: layer 0 is $|V| \\le t_0 = \\delta_0$ (with $\\delta_0$
K's width at the lowest row, so in the rows up to K's top layer 0 lies in the capture set K),
layer $\\pm k$ is $\\pm V \\in [t_{r,k-1}, t_{r,k}]$, $t_{r,k} \\approx \\delta_0 g_r^k$
(`next_edge`) up to $|V| \\ge v_{max}$. The growth $g_r > 1$ stays below the inverse of the
contraction $|1 - 32\\kappa^4 s^2|$ of V per two-step (C9 linearised across the parabola), and
rises with s slowly enough that the drift of s does not undo it (`design_zone`). Rows above
K's top (thinner than the drift of s along the manifold per two-step) take the images that
climb: across the manifold V and s move together, so a cell far from it near K's top maps
above the top.

**Claim.** Give every listed cell a rank $n \\ge 1$ (K has rank 0; so has layer 0 of a row
up to K's top). If the image enclosure of every listed cell (`ScaledTwoStep.image`; of each
of its quarters, or their quarters, where the cell's is too wide) lies in K or meets only
cells of smaller rank, every orbit entering the listed cells reaches K within M two-steps,
M the largest rank: the rank is a strictly decreasing potential. `explore_zone` lists the
cells met by the entry boxes and, breadth first, by images, and ranks them by the longest
path to K in the graph of the images (`rank_cells`); a cycle fails the proof.
"""
import bisect
import math
import time
from collections import deque
from dataclasses import dataclass
from fractions import Fraction

from ..errors import EosError
from .capture import decimal
from .scaled_map import float_two_step

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

    def in_K(self, cell):
        """Does the cell (r, k) count as K? Layer 0 of a row up to K's top."""
        r, k = cell
        return k == 0 and self.rows[r + 1] <= self.K.s_top

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


def manifold_drift(K, s, kappa_value, model="four-scalar", dv=1e-4):
    """Float64 fall of s in one two-step from the frame's manifold point at height s, and
    how fast the image's s changes with V there, ``|ds''/dV|`` (numerics that size the rows
    above K's top and the hand-offs below it)."""
    f, k = K.frame, Fraction(kappa_value)
    B = K.sign * Fraction(s)
    two = float_two_step(model, float(k))
    U = float(f.origin + f.psi_exact(B, k))
    s2, s3 = (abs(two(U + e, float(B))[1]) for e in (0.0, dv))
    return float(s) - s2, abs(s3 - s2) / dv


def design_zone(K, s_lo, v_max, kappa_value, floor=Fraction(4, 5), drift=S_DRIFT, s_hi=None,
                model="four-scalar"):
    r"""Rows from `floor` * `s_lo` to K's top, heights $\min(0.015, 0.0015 s)$ (the wrapping
    of the mean-value form, like $s^2 h^2$, stays below the contraction margin at layer 1),
    and on to `s_hi` (if above the top) in rows of 2/5 of the `manifold_drift` at the top,
    so that near the manifold an image falls to lower rows; they keep the top row's growth.

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
    growths.reverse()
    if s_hi is not None and s_hi > K.s_top:
        fall = manifold_drift(K, K.s_top, kappa_value, model)[0]
        if not fall > 0:
            raise EosError(f"zone: s does not fall along the manifold at K's top "
                           f"{float(K.s_top)}")
        h = decimal(Fraction(0.4 * fall), 3, up=False)
        s = K.s_top
        while s < s_hi:
            s += h
            rows.append(s)
            growths.append(growths[-1])
    return Zone(K, tuple(rows), base, tuple(growths), Fraction(v_max))


@dataclass
class ZoneProof:
    """Outcome of `explore_zone`: status, the zone, the listed cells ``(r, k, rank)``, images
    computed, the largest rank (bound on the two-steps to K), seconds, failure."""

    status: str
    zone: Zone
    cells: list
    images: int = 0
    depth: int = 0
    seconds: float = 0.0
    failure: dict = None


def rank_cells(targets):
    """Ranks from the graph ``cell -> cells its image meets`` (K left out): 1 + the largest
    rank of the targets (longest path to K, Kahn's order); cells on or leading to a cycle
    get none. Returns (ranks, cells without a rank)."""
    waiting = {c: len(ts) for c, ts in targets.items()}
    sources = {c: [] for c in targets}
    for c, ts in targets.items():
        for d in ts:
            sources[d].append(c)
    rank = {c: 1 for c, n in waiting.items() if n == 0}
    queue = deque(rank)
    while queue:
        d = queue.popleft()
        for c in sources[d]:
            rank[c] = max(rank.get(c, 1), rank[d] + 1)
            waiting[c] -= 1
            if waiting[c] == 0:
                queue.append(c)
    # a cell whose targets are not all ranked has a tentative rank only: drop it
    final = {c: r for c, r in rank.items() if waiting[c] == 0}
    return final, sorted(c for c in targets if c not in final)


def _cycle(targets, unranked):
    """A few cells of a cycle among the unranked ones (to report), by walking targets."""
    left, c, seen = set(unranked), unranked[0], {}
    while c not in seen:
        seen[c] = len(seen)
        c = next(d for d in targets[c] if d in left)
    return list(seen)[seen[c]:][:6]


def explore_zone(zone, entries, fmap, progress=None, split_depth=2):
    """List, prove and rank the cells met by the `entries` ((v, s) boxes in the chain frame)
    and by their images (see the module docstring); `fmap` a bound `ScaledTwoStep`. A cell
    whose image meets cells no nearer the manifold (or, in a lower row, farther) is cut
    into quarters (V and s halved), each mapped on its own, down to `split_depth` levels;
    the targets of the pieces are the cell's."""
    t0 = time.perf_counter()
    K = zone.K
    frame = K.chain_frame()
    targets, queue, count, done = {}, deque(), 0, 0

    def meeting(v, s):
        """Cells met by the box v x s, without those in K, or the reason why not."""
        cells = zone.cells_meeting(v, s)
        if cells is None:
            return None, f"box V [{float(v[0])}, {float(v[1])}], s [{float(s[0])}, " \
                         f"{float(s[1])}] leaves the zone"
        return [c for c in cells if not zone.in_K(c)], None

    def enlist(cells):
        for c in cells:
            if c not in targets:
                targets[c] = None
                queue.append(c)

    def failed(info):
        cells = sorted(targets)
        return ZoneProof("failed", zone, cells, count, 0, time.perf_counter() - t0, info)

    def prove_box(cell, v, s, depth):
        """Cells the image of v x s meets, or (None, reason, None or ("below" / "above",
        the image's s range))."""
        nonlocal count
        im = fmap.image([v, s if K.sign > 0 else (-s[1], -s[0]), tuple(K.kappa)], frame)
        count += 1
        cells, why, leaves = None, "image not enclosed", None
        if im.finite and im.chart:
            s2 = im.B if K.sign > 0 else (-im.B[1], -im.B[0])
            if K.contains(im.Z, s2):
                return [], None, None
            cells, why = meeting(im.Z, s2)
            r, k = cell
            if cells is not None and all(abs(d) < abs(k) or (q < r and abs(d) <= abs(k))
                                         for q, d in cells):
                return cells, None, None
            leaves = "below" if s2[0] < zone.rows[0] else "above" if s2[1] > zone.rows[-1] \
                else None
        if depth == 0 or leaves:
            if cells is not None and cell not in cells:
                return cells, None, None
            return None, why or "image meets its own cell", (leaves, s2) if leaves else None
        vm, sm = (v[0] + v[1]) / 2, (s[0] + s[1]) / 2
        out = set()
        for vv in ((v[0], vm), (vm, v[1])):
            for ss in ((s[0], sm), (sm, s[1])):
                cells, why, leaves = prove_box(cell, vv, ss, depth - 1)
                if cells is None:
                    return None, why, leaves
                out.update(cells)
        return sorted(out), None, None

    for v, s in entries:
        if not K.contains(v, s):
            cells, why = meeting(v, s)
            if why:
                return failed({"entry": why})
            enlist(cells)
    while queue:
        cell = queue.popleft()
        v, s = zone.cell(*cell)
        done += 1
        if progress and done % 5000 == 0:
            progress(done, len(queue), len(targets))
        cells, why, leaves = prove_box(cell, v, s, split_depth)
        if cells is None:
            where, s2 = leaves or (None, None)
            return failed({"cell": list(cell), "box": [[str(x) for x in v],
                                                        [str(x) for x in s]],
                           "reason": why, "below": where == "below",
                           "above": where == "above",
                           "image_s": [str(x) for x in s2] if s2 else None})
        targets[cell] = cells
        enlist(cells)
    rank, unranked = rank_cells(targets)
    if unranked:
        return failed({"reason": f"{len(unranked)} cells lead to a cycle of images, e.g. "
                                 f"{_cycle(targets, unranked)}", "below": False,
                       "above": False})
    cells = sorted((r, k, rank[(r, k)]) for r, k in targets)
    return ZoneProof("proved", zone, cells, count, max(rank.values(), default=0),
                     time.perf_counter() - t0)
