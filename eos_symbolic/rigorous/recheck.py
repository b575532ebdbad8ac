"""Independent re-check of a concentration certificate (`eos-symbolic certify recheck FILE`).

A Phase-2 band certificate (kind ``phase2-band``) is handed to `recheck_band`.

Shares no code with the prover beyond python-flint's balls: every image is recomputed by
`recheck_map.TwoStepRecheck` (the exact map of `reparam`, forward-mode duals), and every
claim is checked from the certificate's raw data:

- the start pieces tile the start set (breaks from end to end, each part's xy range on one
  side of 1, x > y > 0 at every start; the parts' kappa ranges end to end over the
  certificate's);
- the capture set: its cells, rebuilt from the slab breaks and bisection codes, tile K; each
  cell's image lies in K with $0 < \\hat B \\le \\rho < 1$ and $|\\hat A| \\le C$ (the claimed
  rho and C);
- the chains: replayed from each piece's chart image with their recorded steps and
  bisections; each ends inside K or inside listed zone cells;
- the zone: layer 0 lies in K on the rows up to K's top; each listed cell's image lies
  in K or meets only listed cells of smaller rank (the claimed ranks; before version 4,
  the rank is ``|layer|``);
- the limit interval and the sharpness gap: recomputed from K's frame and the exact
  sharpness on the minima, and inside the claimed intervals;
- the step sizes shown (``eta``): exactly the squares of the kappa range proved.

A failing capture cell is bisected (three times at most, kappa included), a zone cell cut
into quarters (and halves in kappa; twice at most), before it counts as a failure: any
subdivision is sound, and the re-check's rounding differs from the prover's. The chains and
cells are checked in batches (`recheck_cells`), in this process, in worker processes or on
a Dask cluster.
"""
import gzip
import json
import time
from dataclasses import dataclass, field
from fractions import Fraction

import sympy as sp

from ..cluster import run_on_cluster
from ..errors import ClusterLost, EosError
from ..symbolic.minima import sharpness_on_minima
from ..symbolic.models import get_model
from ..symbolic.reparam import reparameterise
from ..symbolic.symbols import a, kappa, u
from .recheck_band import recheck_bands
from .recheck_cells import (
    Part,
    Worker,
    part_tasks,
    rational,
    run_task,
    run_with,
    start_worker,
)
from .recheck_program import Program, centred_values, exact_bounds
from .recheck_zone import ZoneIndex, zone_grid_ok


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


def recheck_certificate(cert, prec=128, progress=None, fail_fast=False, processes=1,
                        scheduler=None):
    """Re-verify a `concentration.prove_concentration` certificate (module docstring) or a
    band certificate (`recheck_band`);
    with `fail_fast`, stop at the first failed check; the chains and cells are checked in
    batches spread over `processes` processes, or over a Dask cluster (`scheduler`,
    `cluster.client_for`)."""
    t0 = time.perf_counter()
    rep = RecheckReport(True, fail_fast=fail_fast)
    try:
        _recheck(cert, rep, prec, progress, (processes, scheduler))
    except _Stop:
        pass
    except ClusterLost:  # says nothing of the certificate
        raise
    except (EosError, KeyError, ValueError, TypeError, IndexError, ZeroDivisionError,
            AttributeError) as exc:
        rep.fail_fast = False
        rep.add("certificate structure", False, f"{type(exc).__name__}: {exc}")
    rep.seconds = round(time.perf_counter() - t0, 1)
    return rep


def _recheck(cert, rep, prec, progress, where):
    """Cheap checks first (tilings, limit, sharpness gap), then per part the chains, the
    capture cells and the zone cells, so a fail-fast re-check of a bad certificate stops
    early."""
    import flint
    log = progress or (lambda *args: None)
    if cert.get("kind") == "phase2-band":
        if cert.get("version") != 1 or cert.get("model", "four-scalar") != "four-scalar":
            rep.add("certificate", False, "expected a version 1 band certificate of the "
                    "four-scalar model")
            return
        with flint.ctx.workprec(prec):
            recheck_bands(cert, rep, log)
        return
    if cert.get("kind") != "concentration" or cert.get("status") != "proved":
        rep.add("certificate", False, "not a proved concentration certificate")
        return
    # version 1: one list of zone layer edges for all rows; 2: chain trees cut at midpoints;
    # 3: cut points recorded; 4: ranked zone cells, rows above K's top
    if cert.get("version") not in (2, 3, 4):
        rep.add("certificate", False, f"format version {str(cert.get('version'))[:20]!r}, "
                "expected 2, 3 or 4 (prove it again)")
        return
    model = cert.get("model", "four-scalar")
    if model != "four-scalar":  # the concentration proofs are of the paper's model only
        rep.add("model", False, f"expected the four-scalar model, got {str(model)[:40]!r}")
        return
    kappa_range = tuple(rational(k) for k in cert["kappa"])
    # the step sizes a reader is shown are the squares of the kappa range proved
    eta = [rational(v) for v in cert["eta"]]
    rep.add("step sizes", len(eta) == 2 and eta == [k * k for k in kappa_range],
            f"eta in [{float(eta[0]):.12g}, {float(eta[-1]):.12g}], kappa in "
            f"[{float(kappa_range[0]):.12g}, {float(kappa_range[1]):.12g}]")
    with flint.ctx.workprec(prec):
        parts = [(Part(cert, part), part) for part in cert["parts"]]
        _check_tiling(rep, cert, parts, kappa_range)
        _check_limit(rep, cert, [P for P, _ in parts], model, kappa_range)
        for P, part in parts:
            pieces = (len(P.xs) - 1) * (len(P.ps) - 1)
            if len(part["chains"]["trees"]) != pieces:
                rep.add(f"{P.name}: chains", False, "one chain per start piece expected")
                return
            if "zone" in part:  # a cheap check, before any cell is mapped
                zi = ZoneIndex(P, part["zone"])
                rep.add(f"{P.name}: zone grid", zone_grid_ok(P, zi),
                        f"{len(zi.rows) - 1} rows, up to "
                        f"{max(map(len, zi.edges), default=1) - 1} layers each side")
        tasks, counts = part_tasks(parts)
    first_bad, left = {}, {}
    for t in tasks:
        left[t[:2]] = left.get(t[:2], 0) + 1
    for n, (task, bad) in enumerate(_run(cert, prec, tasks, *where), 1):
        key = task[:2]
        if bad is not None:
            first_bad[key] = min(bad, first_bad.get(key, bad))
        left[key] -= 1
        if n % 5 == 0 or n == len(tasks):
            log(f"  recheck: {n}/{len(tasks)} batches ({task[1]} of {parts[task[0]][0].name})")
        if left[key] == 0 or (bad is not None and rep.fail_fast):
            _report(rep, parts[key[0]], key[1], counts[key[0]], first_bad.get(key))
    missing = sum(left.values())
    if missing:  # batches a runner lost must not leave the report valid
        rep.add("batches", False, f"{missing} of {len(tasks)} batches never came back")


def _run(cert, prec, tasks, processes, scheduler=None):
    """(task, first failing item or None) for each batch, in order (so the report is the
    same wherever the batches ran)."""
    if scheduler is not None:
        yield from run_on_cluster(scheduler, "certify recheck", run_with, tasks,
                                  shared=(cert, prec), in_order=True)
        return
    if processes <= 1 or len(tasks) < 2:
        worker = Worker(cert, prec)
        for task in tasks:
            yield task, worker.run(task)
        return
    import multiprocessing as mp
    with mp.get_context("spawn").Pool(processes, start_worker, (cert, prec)) as pool:
        yield from pool.imap(run_task, tasks)


def _report(rep, part, kind, counts, bad):
    """One check line per part and kind, with the first failing item."""
    P, raw = part
    if kind == "chains":
        rep.add(f"{P.name}: chains", bad is None, f"{counts['chains']} chains replayed"
                if bad is None else f"piece {bad} does not reach K")
    elif kind == "capture":
        cp = raw["capture_proof"]
        rho, C = rational(cp["rho"]), rational(cp["C"])
        rep.add(f"{P.name}: capture set", rho < 1 and bad is None,
                f"{counts['capture']} cells, rho = {float(rho):.12g}, C = {float(C):.6g}"
                + (f"; first failing cell #{bad}" if bad is not None else ""))
    else:
        rep.add(f"{P.name}: zone", bad is None,
                f"{counts['zone']} cells" + (f"; first failing cell #{bad}" if bad is not None
                                              else ""))


def _check_tiling(rep, cert, parts, kappa_range):
    """Each part's start pieces tile its x range times its xy range (one side of 1,
    x > y > 0); for each xy range the parts' kappa ranges tile the certificate's, and for
    each of those the parts' x ranges tile the certificate's x range."""
    x_lo, x_hi = (rational(v) for v in cert["x"])
    groups = {}
    for P, part in parts:
        xs, ps = P.xs, P.ps
        lo, hi = (rational(v) for v in part["xy"])
        groups.setdefault((lo, hi), {}).setdefault(P.kappa, []).append((xs[0], xs[-1]))
        rep.add(f"{P.name}: start pieces",
                ps[0] == lo and ps[-1] == hi and all(p < q for p, q in zip(xs, xs[1:]))
                and all(p < q for p, q in zip(ps, ps[1:])) and (hi < 1 or lo > 1)
                and (lo > 1) == (P.sign > 0) and lo > 0 and xs[0] ** 2 > hi
                and P.kappa[0] <= P.kappa[1],
                f"x in [{float(xs[0]):.8g}, {float(xs[-1]):.8g}]: {len(xs) - 1} x "
                f"{len(ps) - 1} pieces, kappa in [{float(P.kappa[0]):.12g}, "
                f"{float(P.kappa[1]):.12g}]")
    for (lo, hi), by_kappa in groups.items():
        name = f"xy in [{float(lo):.6g}, {float(hi):.6g}]"
        rep.add(f"{name}: kappa tiling", _tiles(sorted(by_kappa), kappa_range),
                f"{len(by_kappa)} kappa range(s) from {float(kappa_range[0]):.12g} to "
                f"{float(kappa_range[1]):.12g}")
        for kr, ranges in by_kappa.items():
            rep.add(f"{name}: x tiling", _tiles(sorted(ranges), (x_lo, x_hi)),
                    f"{len(ranges)} part(s) from x = {float(x_lo):.8g} to {float(x_hi):.8g}"
                    + (f" at kappa in [{float(kr[0]):.12g}, {float(kr[1]):.12g}]"
                       if len(by_kappa) > 1 else ""))


def _tiles(ranges, whole):
    """Sorted ranges laid end to end from whole[0] to whole[1] (a point: that point once)."""
    return (ranges[0][0] == whole[0] and ranges[-1][1] == whole[1]
            and all(r[1] == q[0] for r, q in zip(ranges, ranges[1:])))


def _check_limit(rep, cert, parts, model, kappa_range):
    """Limit interval from the capture sets' frames; the sharpness gap on it (C3's S)."""
    lo = min(P.frame["origin"] - P.frame["d0"] for P in parts)
    hi = max(P.frame["origin"] + P.frame["d0"] for P in parts)
    claimed = tuple(rational(v) for v in cert["limit_a_over_kappa3"])
    rep.add("limit interval", claimed[0] <= lo and hi <= claimed[1],
            f"a/kappa^3 in [{float(lo):.8g}, {float(hi):.8g}]")
    gp = gap_program(model)
    g_lo, g_hi = None, None
    k0, k1 = kappa_range
    kn = 1 if k0 == k1 else 8
    for i in range(64):
        for j in range(kn):
            v, = centred_values(gp, (lo + (hi - lo) * i / 64, lo + (hi - lo) * (i + 1) / 64),
                                   (k0 + (k1 - k0) * j / kn, k0 + (k1 - k0) * (j + 1) / kn))
            if not v.is_finite():
                rep.add("sharpness gap", False, "not enclosed")
                return
            pl, ph = exact_bounds(v)
            g_lo = pl if g_lo is None else min(g_lo, pl)
            g_hi = ph if g_hi is None else max(g_hi, ph)
    cg = tuple(rational(v) for v in cert["gap_over_eta"])
    rep.add("sharpness gap", cg[0] <= g_lo and g_hi <= cg[1] and 0 < g_lo
            and (not cert.get("claim_band", {}).get("holds") or g_hi < Fraction(20, 3)),
            f"(2/eta - S)/eta in [{float(g_lo):.8g}, {float(g_hi):.8g}]")
