"""The zone's ranked cells: ranks as longest paths to K, cycles refused, rows above K's top
(where layer 0 is not K), and the re-check of ranks; hand-offs near K's top."""
from fractions import Fraction
from types import SimpleNamespace

import pytest

from eos_symbolic.rigorous.capture import CaptureSet
from eos_symbolic.rigorous.chains import V_HANDOFF, V_NEAR, handoff_reach
from eos_symbolic.rigorous.frames import Frame
from eos_symbolic.rigorous.recheck_zone import ZoneIndex, zone_cell_ok, zone_grid_ok
from eos_symbolic.rigorous.scaled_map import Image
from eos_symbolic.rigorous.zone import Zone, explore_zone, rank_cells

K10 = Fraction(1, 10)


def test_ranks_are_longest_paths_and_cycles_get_none():
    dag = {"a": ["b", "c"], "b": ["c"], "c": [], "d": ["a"]}
    assert rank_cells(dag) == ({"c": 1, "b": 2, "a": 3, "d": 4}, [])
    # e <-> f is a cycle; g leads into it; h is fine
    ranks, unranked = rank_cells({"e": ["f"], "f": ["e", "h"], "g": ["e"], "h": []})
    assert ranks == {"h": 1} and unranked == ["e", "f", "g"]


class _Map:
    """A stand-in two-step map: V'' = lam V, s'' = s - sink, with a wrapping term (V width)
    x (s height) added on both sides, as the mean-value form has."""

    def __init__(self, lam, sink, wrap=1):
        self.lam, self.sink, self.wrap = Fraction(lam), Fraction(sink), wrap

    def image(self, box, frame):
        (vl, vh), (sl, sh), _ = box
        w = (vh - vl) * (sh - sl) * self.wrap
        lo, hi = sorted((self.lam * vl, self.lam * vh))
        return Image((lo - w, hi + w), (sl - self.sink, sh - self.sink), None, None,
                     chart=True)


def _capture(top=Fraction(1)):
    return CaptureSet(1, (K10, K10), Frame(Fraction(0), Fraction(1, 1000), Fraction(0)),
                      (Fraction(0), top))


def _zone(rows, K):
    return Zone(K, tuple(rows), Fraction(1, 1000), tuple(Fraction(2) for _ in rows[1:]),
                Fraction(1, 10))


def test_a_cycle_of_images_fails_the_zone():
    """V'' = -V: each layer maps onto the opposite one and back, in the same row (no sink):
    no cell's image meets the cell itself, yet no rank exists."""
    K = _capture()
    zone = _zone((Fraction(1, 2), Fraction(1)), K)
    entry = [((Fraction(3, 100), Fraction(4, 100)), (Fraction(6, 10), Fraction(7, 10)))]
    res = explore_zone(zone, entry, _Map(-1, 0, wrap=0), split_depth=0)
    assert res.status == "failed" and "cycle" in res.failure["reason"]


def _above_top():
    """K up to s = 1, zone rows on to 1.1 (thinner than the sink); orbits contract
    (V'' = -V/3) and sink by 1/100 per two-step: above K's top they reach layer 0, which is
    not K there, and ride it down to the top."""
    K = _capture()
    rows = [Fraction(i, 20) for i in range(10, 21)] + [1 + Fraction(i, 200)
                                                      for i in range(1, 21)]
    zone = _zone(rows, K)
    entry = [((Fraction(3, 1000), Fraction(4, 1000)), (Fraction(107, 100), Fraction(1075, 1000)))]
    return K, zone, entry, _Map(Fraction(-1, 3), Fraction(1, 100))


def _recheck_view(zone, cells, fmap, top=Fraction(1)):
    part = SimpleNamespace(top=top, ranked=True, width=lambda s: Fraction(1, 1000),
                           in_K=lambda v, s: s[1] <= top and max(map(abs, v)) <= Fraction(1, 1000),
                           B_of=lambda s: s, s_of=lambda b: b, kappa=(K10, K10), chain=None)
    zi = ZoneIndex(part, dict(zone.to_dict(), cells=[list(c) for c in cells]))

    def image(box, frame):
        im = fmap.image(box, frame)
        return im.Z, im.B, None, None, True
    return part, zi, SimpleNamespace(image=image)


def test_rows_above_the_top_rank_their_layer_zero_and_the_recheck_needs_it():
    K, zone, entry, fmap = _above_top()
    res = explore_zone(zone, entry, fmap)
    assert res.status == "proved"
    above = [c for c in res.cells if c[1] == 0]
    assert above and all(zone.rows[r] >= 1 for r, _, _ in above)  # layer 0 above the top
    part, zi, tm = _recheck_view(zone, res.cells, fmap)
    assert zone_grid_ok(part, zi)
    assert all(zone_cell_ok(tm, part, zi, *zi.box(r, k), n) for r, k, n in res.cells)
    # without the layer-0 cells above the top, the cells that map onto them fail
    part, zi, tm = _recheck_view(zone, [c for c in res.cells if c[1] != 0], fmap)
    assert not all(zone_cell_ok(tm, part, zi, *zi.box(r, k), n)
                   for r, k, n in res.cells if k != 0)
    # the same grid read with K's top at 1.1 would count those cells as K: listing layer 0
    # of a row up to the top is refused
    with pytest.raises(ValueError, match="in K"):
        _recheck_view(zone, res.cells, fmap, top=Fraction(11, 10))


@pytest.mark.parametrize("edit", ["rank lowered", "rank zero", "rank not an integer",
                                  "outside the grid", "no rank"])
def test_hostile_ranks_are_refused(edit):
    K, zone, entry, fmap = _above_top()
    res = explore_zone(zone, entry, fmap)
    cells = [list(c) for c in res.cells]
    top = max(cells, key=lambda c: c[2])
    if edit == "rank lowered":  # the cell's targets no longer rank below it
        top[2] = 1
        part, zi, tm = _recheck_view(zone, cells, fmap)
        assert not zone_cell_ok(tm, part, zi, *zi.box(*top[:2]), top[2])
        return
    if edit == "rank zero":
        top[2] = 0
    elif edit == "rank not an integer":
        top[2] = "2"
    elif edit == "outside the grid":
        top[0] = len(zone.rows) + 3
    else:
        cells = [c[:2] for c in cells]
    with pytest.raises(ValueError):
        _recheck_view(zone, cells, fmap)


def test_hand_offs_near_the_top_are_limited_to_boxes_near_the_manifold():
    K = _capture(Fraction(349, 100))
    box = lambda s_hi: ((Fraction(-1), Fraction(1)), (s_hi - Fraction(1, 100), s_hi))  # noqa: E731
    climb = Fraction(43, 2000)
    assert handoff_reach(K, box(Fraction(3)), None) == V_HANDOFF
    assert handoff_reach(K, box(Fraction(3)), climb) == V_HANDOFF  # far below the top
    assert handoff_reach(K, box(Fraction(3489, 1000)), climb) == V_NEAR
    mid = handoff_reach(K, box(Fraction(345, 100)), climb)
    assert V_NEAR < mid < V_HANDOFF and mid == Fraction(4, 100) / climb


@pytest.mark.parametrize("ranked", [True, False])
def test_rows_above_the_top_only_in_ranked_certificates(ranked):
    """Before ranks, layer 0 counted as K in every row: rows above K's top are refused
    there; with ranks they are allowed, and their layer 0 need not fit K's width."""
    part = SimpleNamespace(top=Fraction(1), ranked=ranked, width=lambda s: Fraction(1, 1000))
    layers = [Fraction(1, 1000), Fraction(1, 100)]
    grid = SimpleNamespace(rows=[Fraction(1, 2), Fraction(1), Fraction(11, 10)],
                           edges=[list(layers), [Fraction(1, 500), Fraction(1, 100)]])
    assert zone_grid_ok(part, grid) == ranked
    grid.edges[0][0] = Fraction(1, 500)  # below the top layer 0 must still lie in K
    assert not zone_grid_ok(part, grid)
