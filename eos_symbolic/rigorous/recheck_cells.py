r"""The per-part checks of a concentration re-check: chains, capture cells, zone cells.

`recheck` runs the cheap checks of a certificate itself and hands these to `run_task` in
batches (`part_tasks`), in this process, in worker processes or on Dask workers
(`run_with`): each batch rebuilds what it needs from the certificate's raw data and the
independent map `recheck_map.TwoStepRecheck`, and reports the first item that fails.
"""
from fractions import Fraction

import sympy as sp

from ..cluster import ONE_TASK_AT_A_TIME
from ..errors import EosError
from ..symbolic.models import get_model
from ..symbolic.reparam import reparameterise
from ..symbolic.symbols import kappa, x
from .recheck_map import TwoStepRecheck
from .recheck_program import Program, exact_bounds, interval, natural_values, num, rational
from .recheck_zone import ZoneIndex, covered_by_zone, zone_cell_ok

#: Items per batch of `part_tasks`: a chain replays tens of two-steps, a cell one or a few
#: images, so batches take comparable times (and progress comes every few seconds).
BATCH = {"chains": 250, "capture": 4000, "zone": 4000}

#: Deepest bisection a cell code may ask for (the provers stop at 16).
MAX_DEPTH = 40



def frame_of(d):
    if d.get("raw"):
        return {"raw": True}
    return {"origin": rational(d["origin"]), "d0": rational(d["d0"]), "d2": rational(d["d2"]),
            "shear": tuple(rational(c) for c in d["shear"]), "kappa_ref": rational(d["kappa_ref"])}


class Signed:
    """One sign of b (`sign`): B intervals from s = ``|B|`` intervals and back."""

    def B_of(self, s):
        return s if self.sign > 0 else (-s[1], -s[0])

    def s_of(self, B):
        return B if B[0] >= 0 else (-B[1], -B[0])


class Part(Signed):
    """One part of the certificate, parsed independently of the prover's classes."""

    def __init__(self, cert, part):
        self.sign = int(part["sign"])
        cap = part["capture"]
        self.kappa = tuple(rational(k) for k in cap["kappa"])
        self.frame = frame_of(cap["frame"])
        self.breaks = [rational(v) for v in cap["breaks"]]
        self.chain = dict(self.frame, d0=Fraction(1), d2=Fraction(0))
        self.top = self.breaks[-1]
        self.name = (f"part {'+' if self.sign > 0 else '-'} x from "
                     f"{float(rational(part['breaks']['x'][0])):.6f}")
        if [str(k) for k in self.kappa] != list(cert["kappa"]):  # one of several pieces
            self.name += f" kappa from {float(self.kappa[0]):.10f}"
        self.xs = [rational(v) for v in part["breaks"]["x"]]
        self.ps = [rational(v) for v in part["breaks"]["xy"]]
        # chain trees record their cut points (3, 4); zone cells carry ranks (4)
        self.cuts = int(cert.get("version") in (3, 4))
        self.ranked = cert.get("version") == 4

    def width(self, s):
        return self.frame["d0"] + self.frame["d2"] * s * s

    def in_K(self, v, s):
        """(V, s) box in the chain frame inside K (V / width is monotone on corners)."""
        if s[0] < 0 or s[1] > self.top:
            return False
        return all(-1 <= vv / self.width(ss) <= 1 for vv in v for ss in s)



def capture_cells(part, codes, left_out=None):
    """The capture cells (z, s) from slab breaks and preorder bisection codes; with a list
    `left_out`, code "x" (a cell left out, of a band) is allowed and its cells go there."""
    out = []
    if len(codes) != len(part.breaks) - 1:
        raise EosError("recheck: one bisection code per slab expected")
    for j, code in enumerate(codes):
        pos = [0]

        def walk(z, s, depth=0):
            if depth > MAX_DEPTH:
                raise EosError(f"recheck: code of slab {j} bisects deeper than {MAX_DEPTH}")
            c = code[pos[0]]
            pos[0] += 1
            if c == "." or (c == "x" and left_out is not None):
                (out if c == "." else left_out).append((z, s))
                return
            if c not in "zs":
                raise EosError(f"recheck: code of slab {j} has the symbol {c[:1]!r}")
            lo, hi = (z, s)[0 if c == "z" else 1]
            m = (lo + hi) / 2
            for h in ((lo, m), (m, hi)):
                walk(h, s, depth + 1) if c == "z" else walk(z, h, depth + 1)
        walk((Fraction(-1), Fraction(1)), (part.breaks[j], part.breaks[j + 1]))
        if pos[0] != len(code):
            raise EosError(f"recheck: code of slab {j} has unused symbols")
    return out


def capture_cell_ok(tm, part, z, s, rho, C, depth=3):
    """(i)-(iii) of the capture lemma on the cell z x s: its image lies in K with
    $0 < \\hat B \\le \\rho$ and $|\\hat A| \\le C$ (`cell_ok`)."""
    def accept(zz, s2, h, Ahat):
        return (0 <= s2[0] and s2[1] <= part.top and h[1] <= rho
                and exact_bounds(abs(Ahat))[1] <= C)
    return cell_ok(tm, part, z, s, accept, depth)


def cell_ok(tm, part, z, s, accept, depth=3, k=None):
    """Whether the cell z x s (and kappa range `k`, default the part's), re-enclosed here,
    has its image in the chart with $|Z''| \\le 1$, $\\hat B > 0$ and
    ``accept(Z'', s'', Bhat bounds, Ahat)``; a cell that fails is split (in Z, in s, in
    kappa: its width costs the edge Z = +-1 at b = 0 most), up to `depth` times."""
    k = k or part.kappa
    box = [z, part.B_of(s), k]
    im = tm.image(box, part.frame)
    ok = im is not None
    if ok:
        zz, bb, Bhat, Ahat, chart = im
        h = exact_bounds(Bhat)
        ok = (chart and -1 <= zz[0] and zz[1] <= 1 and 0 < h[0]
              and accept(zz, part.s_of(bb), h, Ahat))
    if ok or depth == 0:
        return ok
    zm, sm, km = (z[0] + z[1]) / 2, (s[0] + s[1]) / 2, (k[0] + k[1]) / 2
    ks = ((k[0], km), (km, k[1])) if k[0] < k[1] else (k,)
    halves = ((s[0], sm), (sm, s[1]))

    def covered(ss):
        return all(cell_ok(tm, part, zz_, ss_, accept, depth - 1, kk)
                   for zz_ in ((z[0], zm), (zm, z[1])) for ss_ in ss for kk in ks)
    # a cell on b = 0 first keeps s whole: there the factor B^2 of Z'' - Z is taken out
    # exactly, which its upper half would lose (either cover proves the cell)
    return (covered((s,)) or covered(halves)) if s[0] == 0 else covered(halves)


def to_chain(tm, part, box):
    """(V, s) of an (A, B) box: $V = A - (2B^2 + U_0 + \\psi(B))$ on the B interval."""
    (al, ah), (bl, bh), (kl, kh) = box
    B = interval(bl, bh)
    k = interval(kl, kh)
    f = part.frame
    g = 2 * B * B + num(f["origin"]) + k * k * num(1 / f["kappa_ref"] ** 2) * \
        tm.psi_derivatives(B, f)[0]
    gl, gh = exact_bounds(g)
    return (al - gh, ah - gl), part.s_of((bl, bh))


def replay(tm, part, zi, box, tree, depth=0):
    """Re-run a chain tree from `box` (A, B, kappa); True when every branch ends covered.
    A cut node ``[axis, cut, left, right]`` (version 3; version 2: ``[axis, left, right]`` at
    the midpoint) cuts at the recorded value, so that this map's enclosures, which differ a
    little from the prover's, are cut where the prover cut; a half the box does not reach
    is empty. A malformed tree fails."""
    if not (isinstance(tree, list) and len(tree) == 2 and type(tree[0]) is int
            and 0 <= tree[0] <= 10 ** 6 and depth <= MAX_DEPTH):
        return False
    n, tail = tree
    for _ in range(n):
        im = tm.corner(box, {"raw": True})
        if im is None or im[1][0] <= 0 <= im[1][1]:
            return False
        box = [im[0], im[1], box[2]]
    if tail in ("K", "zone"):
        v, s = to_chain(tm, part, box)
        return part.in_K(v, s) if tail == "K" else covered_by_zone(zi, part, v, s)
    if not (isinstance(tail, list) and len(tail) == 3 + part.cuts and tail[0] in ("A", "B")):
        return False
    axis = {"A": 0, "B": 1}[tail[0]]
    lo, hi = box[axis]
    try:
        m = rational(tail[1]) if part.cuts else (lo + hi) / 2
    except ValueError:
        return False
    halves = ((lo, min(m, hi)), (max(m, lo), hi))
    return all(h[0] > h[1] or replay(tm, part, zi, [r if i != axis else h
                                                    for i, r in enumerate(box)], t, depth + 1)
               for h, t in zip(halves, tail[1 + part.cuts:]))


def start_program(model):
    rp = reparameterise(get_model(model))
    p = sp.Symbol("p", positive=True)
    A = (sp.sqrt(x ** 2 - (p / x) ** 2) - rp.c_check) / kappa ** 3
    return Program([A, (p - 1) / kappa ** 2], (x, p, kappa))


def part_tasks(parts):
    """Batches ``(part index, kind, lo, hi)`` over the parts' chains, capture cells and
    zone cells, in that order per part; with each part's item counts."""
    tasks, counts = [], []
    for i, (P, part) in enumerate(parts):
        n = {"chains": len(part["chains"]["trees"]),
             "capture": len(capture_cells(P, part["capture_proof"]["codes"])),
             "zone": len(part["zone"]["cells"]) if "zone" in part else 0}
        counts.append(n)
        for kind in ("chains", "capture", "zone"):
            step = BATCH[kind]
            tasks += [(i, kind, lo, min(lo + step, n[kind])) for lo in range(0, n[kind], step)]
    return tasks, counts


class Worker:
    """The parsed parts of one certificate and the independent map, built once per process."""

    def __init__(self, cert, prec):
        self.cert, self.prec, self.parts = cert, prec, {}
        self.tm = TwoStepRecheck(cert.get("model", "four-scalar"))
        self.starts = start_program(cert.get("model", "four-scalar"))

    def part(self, i):
        if i not in self.parts:
            raw = self.cert["parts"][i]
            P = Part(self.cert, raw)
            zi = ZoneIndex(P, raw["zone"]) if "zone" in raw else None
            self.parts[i] = (P, raw, zi, capture_cells(P, raw["capture_proof"]["codes"]),
                             sorted(zi.cells) if zi else [])
        return self.parts[i]

    def run(self, task):
        """The first failing item of the batch (its index), or None."""
        import flint
        i, kind, lo, hi = task
        with flint.ctx.workprec(self.prec):
            P, raw, zi, cells, zone = self.part(i)
            if kind == "chains":
                pieces = [(x0, x1, p0, p1) for x0, x1 in zip(P.xs, P.xs[1:])
                          for p0, p1 in zip(P.ps, P.ps[1:])]
                for j in range(lo, hi):
                    x0, x1, p0, p1 = pieces[j]
                    Ab, Bb = natural_values(self.starts, (x0, x1), (p0, p1), P.kappa)
                    if not (Ab.is_finite() and Bb.is_finite() and replay(
                            self.tm, P, zi, [exact_bounds(Ab), exact_bounds(Bb), P.kappa],
                            raw["chains"]["trees"][j])):
                        return j
            elif kind == "capture":
                cp = raw["capture_proof"]
                rho, C = rational(cp["rho"]), rational(cp["C"])
                for j in range(lo, hi):
                    if not capture_cell_ok(self.tm, P, *cells[j], rho, C):
                        return j
            else:
                for j in range(lo, hi):
                    r, k = zone[j]
                    if not zone_cell_ok(self.tm, P, zi, *zi.box(r, k), zi.cells[(r, k)]):
                        return j
        return None


_WORKER = None


def start_worker(cert, prec):
    """Pool initializer: the certificate is sent once per worker process."""
    global _WORKER
    _WORKER = Worker(cert, prec)


def run_task(task):
    """`Worker.run` in a worker process (after `start_worker`)."""
    return task, _WORKER.run(task)


def run_with(cert, prec, task):
    """`Worker.run` on a Dask worker, where the certificate arrives once (scattered): the
    parsed worker is kept while the same object comes back; one task at a time per process
    (`cluster`)."""
    global _WORKER
    with ONE_TASK_AT_A_TIME:
        if _WORKER is None or _WORKER.cert is not cert or _WORKER.prec != prec:
            _WORKER = Worker(cert, prec)
        return _WORKER.run(task)
