r"""The zone of a concentration re-check: its grid of cells (rows in s, layers in V by
distance from the slow manifold), the listed cells with their ranks, and the check of one
cell: its image lies in K or meets only listed cells of smaller rank.
"""
import bisect
import math
from fractions import Fraction

from .recheck_program import rational

#: Bounds on the zone grid a certificate may ask for (a hostile growth near 1 would
#: otherwise ask for endless layers), and on a cell's rank.
MAX_LAYERS, MAX_EDGES, MAX_RANK = 20_000, 5_000_000, 10 ** 7


def _log(q):
    return math.log(q.numerator) - math.log(q.denominator)


def layer_edges(base, growth, v_max):
    """Layer edges of a row: $t_0$ = `base`, $t_k = \\lceil 10^{12} t_{k-1} g \\rceil / 10^{12}$
    until $t_k \\ge v_{max}$; refused (ValueError) unless $0 < t_0 < v_{max}$, g > 1 and at
    most `MAX_LAYERS` layers are asked for."""
    if not (0 < base < v_max and growth > 1):
        raise ValueError("zone: need 0 < base < v_max and growths above 1")
    if _log(v_max) - _log(base) > MAX_LAYERS * _log(growth):
        raise ValueError(f"zone: more than {MAX_LAYERS} layers in a row")
    edges = [base]
    while edges[-1] < v_max:
        edges.append(Fraction(math.ceil(edges[-1] * growth * 10 ** 12), 10 ** 12))
    return edges


class ZoneIndex:
    """The zone's grid: rows, and per row the layer edges $t_{r,0} < t_{r,1} < \\dots$
    (`layer_edges`, from the row's growth); the listed cells with their ranks (version 4:
    ``[r, k, rank]``; before, ``[r, k]`` of rank ``|k|``), each in the grid, and layer 0 of
    a row up to K's top (which counts as K) not among them."""

    def __init__(self, part, zd):
        self.top = part.top
        self.rows = [rational(v) for v in zd["rows"]]
        base, v_max = rational(zd["base"]), rational(zd["v_max"])
        growths = [rational(g) for g in zd["growths"]]
        self.edges, total = [], 0
        for g in growths:
            self.edges.append(layer_edges(base, g, v_max))
            total += len(self.edges[-1])
            if total > MAX_EDGES:
                raise ValueError(f"zone: more than {MAX_EDGES} layer edges")
        self.cells = {}
        for c in zd["cells"]:
            if not (isinstance(c, (list, tuple)) and len(c) == 2 + part.ranked
                    and all(type(v) is int for v in c)):
                raise ValueError(f"zone: a cell is [r, k{', rank' * part.ranked}] (integers), "
                                 f"got {str(c)[:40]}")
            r, k = c[:2]
            rank = c[2] if part.ranked else abs(k)
            if not (0 <= r < len(self.edges) and abs(k) < len(self.edges[r])
                    and 0 < rank <= MAX_RANK and not self.in_K((r, k))):
                raise ValueError(f"zone: cell {c} not in the grid, rank not in [1, "
                                 f"{MAX_RANK}], or in K")
            self.cells[(r, k)] = rank

    def in_K(self, cell):
        """Layer 0 of a row up to K's top counts as K (`zone_grid_ok` checks it lies in K)."""
        return cell[1] == 0 and self.rows[cell[0] + 1] <= self.top

    def layer(self, v, r):
        edges = self.edges[r]
        k = bisect.bisect_left(edges, abs(v))
        return None if k >= len(edges) else (k if v > 0 else -k)

    def meeting(self, v, s):
        if s[0] < self.rows[0] or s[1] > self.rows[-1]:
            return None
        i = max(bisect.bisect_right(self.rows, s[0]) - 1, 0)
        j = min(bisect.bisect_left(self.rows, s[1]), len(self.rows) - 1)
        out = []
        for r in range(i, max(j, i + 1)):
            lo, hi = self.layer(v[0], r), self.layer(v[1], r)
            if lo is None or hi is None:
                return None
            out += [(r, k) for k in range(lo, hi + 1)]
        return out

    def box(self, r, k):
        s = (self.rows[r], self.rows[r + 1])
        if k == 0:
            return (-self.edges[r][0], self.edges[r][0]), s
        lo, hi = self.edges[r][abs(k) - 1], self.edges[r][abs(k)]
        return ((lo, hi) if k > 0 else (-hi, -lo)), s


def zone_grid_ok(part, zi):
    """Increasing rows from s >= 0 (before version 4, up to K's top), one list of increasing
    layer edges per row, and layer 0 ($|V| \\le t_{r,0}$) inside K on each row up to K's
    top: $t_{r,0}$ at most K's width $d_0 + d_2 s^2$ at both ends of the row (the width is
    monotone in s >= 0, whatever the sign of $d_2$)."""
    rows, edges = zi.rows, zi.edges
    return (len(edges) == len(rows) - 1
            and all(p < q for p, q in zip(rows, rows[1:]))
            and 0 <= rows[0] and (part.ranked or rows[-1] <= part.top)
            and all((hi > part.top or 0 < e[0] <= min(part.width(lo), part.width(hi)))
                    and 0 < e[0] and all(p < q for p, q in zip(e, e[1:]))
                    for e, lo, hi in zip(edges, rows, rows[1:])))


def covered_by_zone(zi, part, v, s, below=None):
    """The box v x s lies in K, or every zone cell it meets counts as K or is listed (with
    a rank below `below`, if given)."""
    if part.in_K(v, s):
        return True
    cells = zi.meeting(v, s) if zi else None
    return cells is not None and all(
        zi.in_K(c) or (c in zi.cells and (below is None or zi.cells[c] < below))
        for c in cells)


def zone_cell_ok(tm, part, zi, v, s, rank, depth=3, k=None):
    """The image of the zone box v x s (and kappa range `k`, default the part's) lies in K
    or in listed cells of smaller rank than `rank`; a box that fails is cut into quarters
    (and halves in kappa), up to `depth` times (one more than the prover: its enclosures
    are a little wider near the top of K, where the frame bends fast)."""
    k = k or part.kappa
    im = tm.image([v, part.B_of(s), k], part.chain)
    if im is not None and im[4] and covered_by_zone(zi, part, im[0], part.s_of(im[1]), below=rank):
        return True
    if depth == 0:
        return False
    vm, sm, km = (v[0] + v[1]) / 2, (s[0] + s[1]) / 2, (k[0] + k[1]) / 2
    ks = ((k[0], km), (km, k[1])) if k[0] < k[1] else (k,)
    return all(zone_cell_ok(tm, part, zi, vv, ss, rank, depth - 1, kk)
               for vv in ((v[0], vm), (vm, v[1])) for ss in ((s[0], sm), (sm, s[1]))
               for kk in ks)
