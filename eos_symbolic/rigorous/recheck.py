"""Independent re-check of a concentration certificate (`eos-symbolic certify recheck FILE`).

Shares no code with the prover beyond python-flint's balls: every image is recomputed by
`recheck_map.TwoStepRecheck` (the exact map of `reparam`, forward-mode duals), and every
claim is checked from the certificate's raw data:

- the start pieces tile the start set (breaks from end to end, each part's xy range on one
  side of 1, x > y > 0 at every start);
- the capture set: its cells, rebuilt from the slab breaks and bisection codes, tile K; each
  cell's image lies in K with $0 < \\hat B \\le \\rho < 1$ and $|\\hat A| \\le C$ (the claimed
  rho and C);
- the chains: replayed from each piece's chart image with their recorded steps and
  bisections; each ends inside K or inside listed zone cells;
- the zone: layer 0 lies in K; each listed cell's image lies in K or meets only listed
  cells of smaller ``|layer|``;
- the limit interval and the sharpness gap: recomputed from K's frame and the exact
  sharpness on the minima, and inside the claimed intervals.

A failing cell is bisected (three times at most, kappa included) before it counts as a
failure: any subdivision is sound, and the re-check's rounding differs from the prover's.
"""
import bisect
import gzip
import json
import re
import time
from dataclasses import dataclass, field
from fractions import Fraction

import sympy as sp

from ..errors import EosError
from ..symbolic.minima import sharpness_on_minima
from ..symbolic.models import get_model
from ..symbolic.reparam import reparameterise
from ..symbolic.symbols import a, kappa, u, x
from . import recheck_map as rm
from .recheck_map import Dual, Program, TwoStepRecheck, exact_bounds, interval, num


@dataclass
class RecheckReport:
    """`valid` when every check passed; `checks` lists (name, ok, detail)."""

    valid: bool
    checks: list = field(default_factory=list)
    seconds: float = 0.0
    fail_fast: bool = False

    def add(self, name, ok, detail=""):
        self.checks.append({"check": name, "ok": bool(ok), "detail": detail})
        self.valid = self.valid and bool(ok)
        if self.fail_fast and not ok:
            raise _Stop
        return ok


class _Stop(Exception):
    """The first failed check ends a fail-fast re-check."""


_RATIONAL = re.compile(r"-?[0-9]{1,600}(/[0-9]{1,600})?")


def _q(v):
    """An exact rational of the certificate: an integer or a ``p/q`` string of bounded
    length (a hostile file's ``1e999999999`` would make `Fraction` compute a huge power)."""
    if isinstance(v, int) and not isinstance(v, bool) and abs(v) < 10 ** 600:
        return Fraction(v)
    if isinstance(v, str) and _RATIONAL.fullmatch(v):
        return Fraction(v)
    raise ValueError(f"expected an exact rational 'p/q', got {str(v)[:40]!r}")


def _frame(d):
    if d.get("raw"):
        return {"raw": True}
    return {"origin": _q(d["origin"]), "d0": _q(d["d0"]), "d2": _q(d["d2"]),
            "shear": tuple(_q(c) for c in d["shear"]), "kappa_ref": _q(d["kappa_ref"])}


class _Part:
    """One part of the certificate, parsed independently of the prover's classes."""

    def __init__(self, cert, part):
        self.sign = int(part["sign"])
        cap = part["capture"]
        self.kappa = tuple(_q(k) for k in cap["kappa"])
        self.frame = _frame(cap["frame"])
        self.breaks = [_q(v) for v in cap["breaks"]]
        self.chain = dict(self.frame, d0=Fraction(1), d2=Fraction(0))
        self.top = self.breaks[-1]
        self.name = (f"part {'+' if self.sign > 0 else '-'} x from "
                     f"{float(_q(part['breaks']['x'][0])):.6f}")
        self.xs = [_q(v) for v in part["breaks"]["x"]]
        self.ps = [_q(v) for v in part["breaks"]["xy"]]

    def width(self, s):
        return self.frame["d0"] + self.frame["d2"] * s * s

    def in_K(self, v, s):
        """(V, s) box in the chain frame inside K (V / width is monotone on corners)."""
        if s[0] < 0 or s[1] > self.top:
            return False
        return all(-1 <= vv / self.width(ss) <= 1 for vv in v for ss in s)

    def B_of(self, s):
        return s if self.sign > 0 else (-s[1], -s[0])

    def s_of(self, B):
        return B if B[0] >= 0 else (-B[1], -B[0])


def _cells_from_codes(part, codes):
    """The capture cells (z, s) from slab breaks and preorder bisection codes."""
    out = []
    if len(codes) != len(part.breaks) - 1:
        raise EosError("recheck: one bisection code per slab expected")
    for j, code in enumerate(codes):
        pos = [0]

        def walk(z, s):
            c = code[pos[0]]
            pos[0] += 1
            if c == ".":
                out.append((z, s))
                return
            lo, hi = (z, s)[0 if c == "z" else 1]
            m = (lo + hi) / 2
            for h in ((lo, m), (m, hi)):
                walk(h, s) if c == "z" else walk(z, h)
        walk((Fraction(-1), Fraction(1)), (part.breaks[j], part.breaks[j + 1]))
        if pos[0] != len(code):
            raise EosError(f"recheck: code of slab {j} has unused symbols")
    return out


def _capture_cell_ok(tm, part, z, s, rho, C, depth=3, k=None):
    """(i)-(iii) of the capture lemma on the cell z x s (and kappa range `k`, default the
    part's), re-enclosed here; a cell that fails is split (in Z, in s, in kappa: its width
    costs the edge Z = +-1 at b = 0 most), up to `depth` times."""
    k = k or part.kappa
    box = [z, part.B_of(s), k]
    im = tm.image(box, part.frame)
    ok = im is not None
    if ok:
        zz, bb, Bhat, Ahat, chart = im
        s2 = part.s_of(bb)
        h = exact_bounds(Bhat)
        ok = (chart and -1 <= zz[0] and zz[1] <= 1 and 0 <= s2[0] and s2[1] <= part.top
              and 0 < h[0] and h[1] <= rho and exact_bounds(abs(Ahat))[1] <= C)
    if ok or depth == 0:
        return ok
    zm, sm, km = (z[0] + z[1]) / 2, (s[0] + s[1]) / 2, (k[0] + k[1]) / 2
    ks = ((k[0], km), (km, k[1])) if k[0] < k[1] else (k,)
    halves = ((s[0], sm), (sm, s[1]))

    def covered(ss):
        return all(_capture_cell_ok(tm, part, zz_, ss_, rho, C, depth - 1, kk)
                   for zz_ in ((z[0], zm), (zm, z[1])) for ss_ in ss for kk in ks)
    # a cell on b = 0 first keeps s whole: there the factor B^2 of Z'' - Z is taken out
    # exactly, which its upper half would lose (either cover proves the cell)
    return (covered((s,)) or covered(halves)) if s[0] == 0 else covered(halves)


class _ZoneIndex:
    def __init__(self, part, zd):
        self.rows = [_q(v) for v in zd["rows"]]
        self.edges = [_q(v) for v in zd["edges"]]
        self.cells = {tuple(c) for c in zd["cells"]}

    def layer(self, v):
        k = bisect.bisect_left(self.edges, abs(v))
        return None if k >= len(self.edges) else (k if v > 0 else -k)

    def meeting(self, v, s):
        if s[0] < self.rows[0] or s[1] > self.rows[-1]:
            return None
        lo, hi = self.layer(v[0]), self.layer(v[1])
        if lo is None or hi is None:
            return None
        i = max(bisect.bisect_right(self.rows, s[0]) - 1, 0)
        j = min(bisect.bisect_left(self.rows, s[1]), len(self.rows) - 1)
        return [(r, k) for r in range(i, max(j, i + 1)) for k in range(lo, hi + 1)]

    def box(self, r, k):
        s = (self.rows[r], self.rows[r + 1])
        lo, hi = self.edges[abs(k) - 1], self.edges[abs(k)]
        return ((lo, hi) if k > 0 else (-hi, -lo)), s


def _covered(zi, part, v, s, below=None):
    if part.in_K(v, s):
        return True
    cells = zi.meeting(v, s) if zi else None
    return cells is not None and all(
        c[1] == 0 or (c in zi.cells and (below is None or abs(c[1]) < below)) for c in cells)


def _zone_cell_ok(tm, part, zi, v, s, layer, depth=2):
    """The image of the zone box v x s lies in K or in listed cells below `layer`."""
    im = tm.image([v, part.B_of(s), part.kappa], part.chain)
    if im is not None and im[4] and _covered(zi, part, im[0], part.s_of(im[1]), below=layer):
        return True
    if depth == 0:
        return False
    vm, sm = (v[0] + v[1]) / 2, (s[0] + s[1]) / 2
    return all(_zone_cell_ok(tm, part, zi, vv, ss, layer, depth - 1)
               for vv in ((v[0], vm), (vm, v[1])) for ss in ((s[0], sm), (sm, s[1])))


def _to_chain(tm, part, box):
    """(V, s) of an (A, B) box: $V = A - (2B^2 + U_0 + \\psi(B))$ on the B interval."""
    (al, ah), (bl, bh), (kl, kh) = box
    B = Dual(interval(bl, bh), ())
    k = interval(kl, kh)
    f = part.frame
    g = 2 * B.v * B.v + num(f["origin"]) + k * k * num(1 / f["kappa_ref"] ** 2) * \
        tm.psi_derivatives(B, f)[0].v
    gl, gh = exact_bounds(g)
    return (al - gh, ah - gl), part.s_of((bl, bh))


def _replay(tm, part, zi, box, tree):
    """Re-run a chain tree from `box` (A, B, kappa); True when every branch ends covered."""
    n, tail = tree
    for _ in range(n):
        im = tm.corner(box, {"raw": True})
        if im is None or im[1][0] <= 0 <= im[1][1]:
            return False
        box = [im[0], im[1], box[2]]
    if tail in ("K", "zone"):
        v, s = _to_chain(tm, part, box)
        return part.in_K(v, s) if tail == "K" else _covered(zi, part, v, s)
    axis = {"A": 0, "B": 1}[tail[0]]
    lo, hi = box[axis]
    m = (lo + hi) / 2
    return all(_replay(tm, part, zi, [r if i != axis else h for i, r in enumerate(box)], t)
               for h, t in zip(((lo, m), (m, hi)), tail[1:]))


def _start_program(model):
    rp = reparameterise(get_model(model))
    p = sp.Symbol("p", positive=True)
    A = (sp.sqrt(x ** 2 - (p / x) ** 2) - rp.c_check) / kappa ** 3
    return Program([A, (p - 1) / kappa ** 2], (x, p, kappa))


def gap_program(model):
    """(2/eta - S)/eta at the minimum with offset a = kappa^3 A, from C3's S(u)."""
    rp = reparameterise(get_model(model))
    S = sharpness_on_minima(get_model(model))
    c = rp.c_check + kappa ** 3 * a
    xm2 = (sp.sqrt(c ** 4 + 4) + c ** 2) / 2
    return Program([(2 / kappa ** 2 - S.subs(u, sp.sqrt(xm2))) / kappa ** 2], (a, kappa))


def load_certificate(path):
    """The JSON certificate at `path` (gzip-compressed if its name ends in ``.gz``)."""
    raw = path.read_bytes()
    return json.loads((gzip.decompress(raw) if path.suffix == ".gz" else raw).decode("utf-8"))


def recheck_certificate(cert, prec=128, progress=None, fail_fast=False):
    """Re-verify a `concentration.prove_concentration` certificate (module docstring);
    with `fail_fast`, stop at the first failed check."""
    t0 = time.perf_counter()
    rep = RecheckReport(True, fail_fast=fail_fast)
    try:
        _recheck(cert, rep, prec, progress)
    except _Stop:
        pass
    except (EosError, KeyError, ValueError, TypeError, IndexError, ZeroDivisionError,
            AttributeError) as exc:
        rep.fail_fast = False
        rep.add("certificate structure", False, f"{type(exc).__name__}: {exc}")
    rep.seconds = round(time.perf_counter() - t0, 1)
    return rep


def _recheck(cert, rep, prec, progress):
    """Cheap checks first (tilings, limit, sharpness gap), then the chains, the capture
    cells and the zone cells, so a fail-fast re-check of a bad certificate stops early."""
    import flint
    log = progress or (lambda *args: None)
    if cert.get("kind") != "concentration" or cert.get("status") != "proved":
        rep.add("certificate", False, "not a proved concentration certificate")
        return
    model = cert.get("model", "four-scalar")
    if model != "four-scalar":  # the concentration proofs are of the paper's model only
        rep.add("model", False, f"expected the four-scalar model, got {str(model)[:40]!r}")
        return
    kappa_range = tuple(_q(k) for k in cert["kappa"])
    tm = TwoStepRecheck(model)
    with flint.ctx.workprec(prec):
        parts = [(_Part(cert, part), part) for part in cert["parts"]]
        _check_tiling(rep, cert, parts, kappa_range)
        _check_limit(rep, cert, [P for P, _ in parts], model, kappa_range)
        starts = _start_program(model)
        for P, part in parts:
            name = P.name
            zi = _ZoneIndex(P, part["zone"]) if "zone" in part else None
            _check_chains(rep, tm, starts, P, part, zi, kappa_range, log)
            cp = part["capture_proof"]
            rho, C = _q(cp["rho"]), _q(cp["C"])
            cells = _cells_from_codes(P, cp["codes"])
            bad = None
            for i, c in enumerate(cells):
                if i % 5000 == 0:
                    log(f"  recheck {name}: capture cell {i}/{len(cells)}")
                if not _capture_cell_ok(tm, P, c[0], c[1], rho, C):
                    bad = c
                    break
            rep.add(f"{name}: capture set", rho < 1 and bad is None,
                    f"{len(cells)} cells, rho = {float(rho):.12g}, C = {float(C):.6g}"
                    + (f"; first failing cell {bad}" if bad else ""))
            if zi is None:
                continue
            edges_ok = (all(p < q for p, q in zip(zi.edges, zi.edges[1:]))
                        and zi.edges[0] <= P.width(zi.rows[0]) and zi.rows[-1] <= P.top
                        and all(p < q for p, q in zip(zi.rows, zi.rows[1:])))
            bad = None
            for i, (r, k) in enumerate(sorted(zi.cells)):
                if i % 5000 == 0:
                    log(f"  recheck {name}: zone cell {i}/{len(zi.cells)}")
                if not _zone_cell_ok(tm, P, zi, *zi.box(r, k), abs(k)):
                    bad = (r, k)
                    break
            rep.add(f"{name}: zone", edges_ok and bad is None,
                    f"{len(zi.cells)} cells" + (f"; first failing cell {bad}" if bad else ""))


def _check_tiling(rep, cert, parts, kappa_range):
    """Each part's start pieces tile its x range times its xy range (one side of 1,
    x > y > 0); for each xy range the parts' x ranges tile the certificate's x range."""
    x_lo, x_hi = (_q(v) for v in cert["x"])
    groups = {}
    for P, part in parts:
        xs, ps = P.xs, P.ps
        lo, hi = (_q(v) for v in part["xy"])
        groups.setdefault((lo, hi), []).append((xs[0], xs[-1]))
        rep.add(f"{P.name}: kappa", P.kappa == kappa_range, "capture set at the kappa range")
        rep.add(f"{P.name}: start pieces",
                ps[0] == lo and ps[-1] == hi and all(p < q for p, q in zip(xs, xs[1:]))
                and all(p < q for p, q in zip(ps, ps[1:])) and (hi < 1 or lo > 1)
                and (lo > 1) == (P.sign > 0) and lo > 0 and xs[0] ** 2 > hi,
                f"x in [{float(xs[0]):.8g}, {float(xs[-1]):.8g}]: {len(xs) - 1} x "
                f"{len(ps) - 1} pieces")
    for (lo, hi), ranges in groups.items():
        ranges.sort()
        rep.add(f"xy in [{float(lo):.6g}, {float(hi):.6g}]: x tiling",
                ranges[0][0] == x_lo and ranges[-1][1] == x_hi
                and all(r[1] == q[0] for r, q in zip(ranges, ranges[1:])),
                f"{len(ranges)} part(s) from x = {float(x_lo):.8g} to {float(x_hi):.8g}")


def _check_chains(rep, tm, starts, P, part, zi, kappa_range, log):
    """Replay one chain per start piece from its chart image (enclosed here)."""
    trees = part["chains"]["trees"]
    pieces = [(x0, x1, p0, p1) for x0, x1 in zip(P.xs, P.xs[1:])
              for p0, p1 in zip(P.ps, P.ps[1:])]
    if len(trees) != len(pieces):
        rep.add(f"{P.name}: chains", False, "one chain per start piece expected")
        return
    for i, ((x0, x1, p0, p1), tree) in enumerate(zip(pieces, trees)):
        if i % 1000 == 0:
            log(f"  recheck {P.name}: chain {i}/{len(pieces)}")
        Ab, Bb = rm.natural_values(starts, (x0, x1), (p0, p1), kappa_range)
        if not (Ab.is_finite() and Bb.is_finite() and _replay(
                tm, P, zi, [exact_bounds(Ab), exact_bounds(Bb), kappa_range], tree)):
            rep.add(f"{P.name}: chains", False, f"piece {i} does not reach K")
            return
    rep.add(f"{P.name}: chains", True, f"{len(pieces)} chains replayed")


def _check_limit(rep, cert, parts, model, kappa_range):
    """Limit interval from the capture sets' frames; the sharpness gap on it (C3's S)."""
    lo = min(P.frame["origin"] - P.frame["d0"] for P in parts)
    hi = max(P.frame["origin"] + P.frame["d0"] for P in parts)
    claimed = tuple(_q(v) for v in cert["limit_a_over_kappa3"])
    rep.add("limit interval", claimed[0] <= lo and hi <= claimed[1],
            f"a/kappa^3 in [{float(lo):.8g}, {float(hi):.8g}]")
    gp = gap_program(model)
    g_lo, g_hi = None, None
    k0, k1 = kappa_range
    kn = 1 if k0 == k1 else 8
    for i in range(64):
        for j in range(kn):
            v, = rm.centred_values(gp, (lo + (hi - lo) * i / 64, lo + (hi - lo) * (i + 1) / 64),
                                   (k0 + (k1 - k0) * j / kn, k0 + (k1 - k0) * (j + 1) / kn))
            if not v.is_finite():
                rep.add("sharpness gap", False, "not enclosed")
                return
            pl, ph = exact_bounds(v)
            g_lo = pl if g_lo is None else min(g_lo, pl)
            g_hi = ph if g_hi is None else max(g_hi, ph)
    cg = tuple(_q(v) for v in cert["gap_over_eta"])
    rep.add("sharpness gap", cg[0] <= g_lo and g_hi <= cg[1] and 0 < g_lo
            and (not cert.get("claim_band", {}).get("holds") or g_hi < Fraction(20, 3)),
            f"(2/eta - S)/eta in [{float(g_lo):.8g}, {float(g_hi):.8g}]")
