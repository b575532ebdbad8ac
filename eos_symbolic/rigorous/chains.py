r"""From the start set to the approach zone: chains of boxes in the coordinates (A, B).

$A = a/\kappa^3$ barely changes while b grows away from the minima ($a'' - a = b^2 \hat A$,
$\hat A \approx -4\kappa^3$, C9), so in (A, B) the two-step map is nearly diagonal and
monotone: its image of a box is the hull of two corner images (`corner_image`), with no
wrapping. A chain iterates a box until, converted to K's chain frame
($V = A - 2B^2 - U_0 - \psi(B)$, where the slow manifold is V = 0) and inflated by
`HANDOFF_MARGIN` (room for an independent re-check with its own rounding), it lies in K or
within $0 < V \le$ `V_HANDOFF` (preferably still on the side it comes from: the hull of a
box that straddles the manifold holds spurious points on the other side, so such a box is
handed over only once ``|V|`` <= `V_HANDOFF` on both sides) and below K's top, where the
approach zone (`zone`) takes over; a box above K's top (the peak of a climb) goes on, its
next images descend. Just below the top the reach shrinks (`handoff_reach`): across the
manifold s moves with V, so a box far from it there would climb high above the top. A box
whose image is not enclosed is cut in two, both halves go on, and so is a box below K's top
that straddles the manifold without handing over (`_rides`: across the manifold its (A, B)
hull cannot shrink, so it would ride along it). Each cut is
recorded with its place (`cut_point`), so that a re-check cuts where the prover did.

The start set $\{x \in [x_0, x_1],\ xy \in [p_0, p_1]\}$ (one sign of $xy - 1$, x > y > 0) is
cut into pieces; each piece's chart image
$A = (\sqrt{x^2 - (p/x)^2} - \check c)/\kappa^3$, $B = (p - 1)/\kappa^2$ (C5-C6, from
`reparam`) is enclosed in Arb and starts a chain.
"""
import math
import time
from dataclasses import dataclass, field
from fractions import Fraction

import sympy as sp

from ..errors import EosError
from ..numeric.compile import compile_expressions
from ..symbolic.models import get_model
from ..symbolic.reparam import reparameterise
from ..symbolic.symbols import kappa, x
from .frames import Frame, bounds
from .intervals import ball

RAW = Frame(raw=True)
#: ``|V|`` within which a chain hands its box to the approach zone.
V_HANDOFF = Fraction(3)
#: ``|V|`` up to which a box just below K's top may be handed to the zone.
V_NEAR = Fraction(1, 4)
#: Relative inflation of a hand-off box (its widths, each side).
HANDOFF_MARGIN = Fraction(1, 20)


def start_chart(model="four-scalar"):
    """Symbolic (A, B) of a start (x, p = xy), from the reparameterisation's definitions."""
    rp = reparameterise(get_model(model) if isinstance(model, str) else model)
    p = sp.Symbol("p", positive=True)
    c = sp.sqrt(x ** 2 - (p / x) ** 2)
    return (c - rp.c_check) / kappa ** 3, (p - 1) / kappa ** 2, p


def start_boxes(xs, ps, kappa_range, model="four-scalar"):
    """Enclosures ((A lo, hi), (B lo, hi)) of the chart images of the pieces
    [xs[i], xs[i+1]] x [ps[j], ps[j+1]] (Arb, natural extension)."""
    A, B, p = start_chart(model)
    step, _ = compile_expressions([A, B], (x, p, kappa)).bind("arb")
    kb = ball(*kappa_range)
    out = []
    for x0, x1 in zip(xs[:-1], xs[1:]):
        if not x0 ** 2 > max(ps):
            raise EosError(f"start set: need x > y > 0, i.e. x^2 > xy (x = {x0})")
        for p0, p1 in zip(ps[:-1], ps[1:]):
            a_, b_ = step(ball(x0, x1), ball(p0, p1), kb)
            if not (a_.is_finite() and b_.is_finite()):
                raise EosError(f"start piece x [{x0}, {x1}], xy [{p0}, {p1}] not enclosed")
            out.append((bounds(a_), bounds(b_)))
    return out


def to_zone(fmap, box, K):
    """(V, s) box of an (A, B) box in K's chain frame: $V = A - g(B)$ with
    $g = 2B^2 + U_0 + \\psi(B)$ enclosed on the B interval (Taylor form of psi)."""
    (al, ah), (bl, bh), (kl, kh) = box
    Bv, kb = ball(bl, bh), ball(kl, kh)
    f = K.frame
    g = 2 * Bv * Bv + ball(f.origin) + fmap._psi(Bv, kb, f)
    gl, gh = bounds(g)
    s = (bl, bh) if bl >= 0 else (-bh, -bl)
    return (al - gh, ah - gl), s


def inflate(box, margin=HANDOFF_MARGIN):
    """A (V, s) box enlarged by `margin` of its widths on each side (s kept >= 0)."""
    (vl, vh), (sl, sh) = box
    dv, ds = (vh - vl) * margin, (sh - sl) * margin
    return (vl - dv, vh + dv), (max(sl - ds, Fraction(0)), sh + ds)


@dataclass
class ChainResult:
    """Outcome of `run_chains`: per start piece a tree ``[n, tail]`` (n two-steps, then tail
    "K", "zone", or ``[axis, cut, left, right]`` cut along "A"/"B" at the decimal `cut`
    (`cut_point`)), the hand-off boxes
    (inflated, in the chain frame), total two-steps, longest chain, seconds, failure."""

    status: str
    trees: list = field(default_factory=list)
    handoffs: list = field(default_factory=list)
    steps: int = 0
    longest: int = 0
    seconds: float = 0.0
    failure: dict = None


def handoff_reach(K, vs, climb):
    """``|V|`` up to which a (V, s) box may be handed to the zone: `V_HANDOFF`, less near K's
    top, where across the manifold s moves with V (``|ds''/dV|`` about `climb`): a box far
    from the manifold just below the top would climb high above it (the zone's rows above
    the top take the little climbs, from ``|V|`` <= `V_NEAR`)."""
    if not climb:
        return V_HANDOFF
    return min(V_HANDOFF, max(V_NEAR, (K.s_top - vs[1][1]) / Fraction(climb)))


def _chain(fmap, box, K, budget, depth, out, climb=None):
    """Iterate the (A, B, kappa) `box`; returns its tree, appends hand-offs to `out`."""
    for n in range(budget + 1):
        vs = inflate(to_zone(fmap, box, K))
        if K.contains(*vs):
            return [n, "K"]
        # above K's top (the peak of a climb) the box goes on: its next images descend
        below = vs[1][1] <= K.s_top
        reach = handoff_reach(K, vs, climb)
        if below and vs[0][1] <= reach and (0 < vs[0][0] or -vs[0][0] <= reach):
            out.append(vs)
            return [n, "zone"]
        im = None if below and _rides(vs) else fmap.corner_image(box, RAW)
        if im is not None and im.finite and im.chart and not im.B[0] <= 0 <= im.B[1]:
            box = [im.Z, im.B, box[2]]
            continue
        if depth <= 0:
            raise EosError(f"chain: box {_text(box)} "
                           + ("rides along the manifold" if im is None else "not enclosed"))
        (al, ah), (bl, bh) = box[:2]
        if im is None:  # V = A - 2B^2 - ...: cut the side that widens V more
            axis = 1 if 4 * max(abs(bl), abs(bh)) * (bh - bl) >= ah - al else 0
        else:
            axis = 1 if (bh - bl) / abs(bl + bh) >= (ah - al) / abs(al + ah) else 0
        lo, hi = box[axis]
        m = cut_point(lo, hi)
        return [n, ["AB"[axis], str(m)] + [
            _chain(fmap, [r if i != axis else part for i, r in enumerate(box)], K,
                   budget - n, depth - 1, out, climb) for part in ((lo, m), (m, hi))]]
    raise EosError(f"chain: no hand-off within the step budget (box {_text(box)})")


def cut_point(lo, hi):
    """The midpoint of [lo, hi] rounded to a power of ten below a thousandth of the width:
    a short decimal, recorded in the tree, so that a re-check with its own (slightly
    different) enclosures cuts its box at the same place."""
    step = Fraction(10) ** math.floor(math.log10((hi - lo) / 1000))
    return round((lo + hi) / 2 / step) * step


def _rides(vs):
    """Does the (V, s) box straddle the manifold and yet not hand off? Its (A, B) hull cannot
    shrink across the manifold (that direction is diagonal in A, B), so it would ride along
    it, and near the peak of a climb its spurious points reach heights no orbit of the box
    reaches; halves can hand off."""
    (vl, vh), _ = vs
    return vl < 0 < vh


def _text(box):
    return ", ".join(f"[{float(lo):.6g}, {float(hi):.6g}]" for lo, hi in box)


def run_chains(starts, K, kappa_range, fmap, budget=6000, depth=16, progress=None,
               climb=None):
    """Chains from the start enclosures ((A range), (B range)) to K or the zone (hand-offs
    near K's top as far as `handoff_reach` lets)."""
    t0 = time.perf_counter()
    res = ChainResult("proved")
    for i, (A_, B_) in enumerate(starts):
        box = [A_, B_, tuple(kappa_range)]
        try:
            out = []
            try:
                tree = _chain(fmap, box, K, budget, depth, out, climb)
            except EosError:
                if not climb:
                    raise
                # a wide box near the top may keep straddling the manifold below the
                # restricted reach: it goes to the zone as before, whose rows above the
                # top take its climb
                out = []
                tree = _chain(fmap, box, K, budget, depth, out)
            res.trees.append(tree)
            res.handoffs += out
        except EosError as exc:
            res.status, res.failure = "failed", {"piece": i, "reason": str(exc)}
            break
        res.steps += count_steps(res.trees[-1])
        res.longest = max(res.longest, longest_chain(res.trees[-1]))
        if progress and (i + 1) % 50 == 0:
            progress(i + 1, len(starts), res.steps)
    res.seconds = time.perf_counter() - t0
    return res


def count_steps(tree):
    """Two-steps (images) taken in a chain tree."""
    n, tail = tree
    return n + (sum(count_steps(t) for t in tail[2:]) if isinstance(tail, list) else 0)


def longest_chain(tree):
    """Two-steps along the longest branch."""
    n, tail = tree
    return n + (max(longest_chain(t) for t in tail[2:]) if isinstance(tail, list) else 0)
