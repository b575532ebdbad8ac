"""Sharpness concentration and adaptivity at concrete step sizes, proved (C14-C17 instances).

For a start set $S = \\{x_0 \\in [x_l, x_h],\\ x_0 y_0 \\in P\\}$ and step sizes
$\\eta = \\kappa^2$, $\\kappa \\in [\\kappa_l, \\kappa_h]$ (one value: concentration, Corollary 3.1;
an interval: adaptivity, Corollary 3.2), each sign of $x_0 y_0 - 1$ is one part:

1. a capture set K around the slow manifold (`capture`): two-step invariant with
   $|b''| \\le \\rho |b|$, $\\rho < 1$, $|a'' - a| \\le C b^2$, so every orbit entering K
   converges to a global minimum (b = 0) with $a_\\infty/\\kappa^3 \\in [U_0 - d_0, U_0 + d_0]$;
2. chains of boxes from the start pieces to K or the approach zone (`chains`);
3. the zone's cells, each mapped into K or into cells nearer the manifold (`zone`).

Then every start in S converges to a minimum whose sharpness is the exact
$S = 2(u^2 + u^{-2})$ on the minima (C3, `sharpness_on_minima`) at
$u^2 = (\\sqrt{c^4 + 4} + c^2)/2$, $c = \\check c + a_\\infty$ (`reparam.ab_to_xy`), enclosed on
the limit interval: the certified gap $(2/\\eta - S)/\\eta$. `prove_concentration` returns the
certificate (JSON-ready, exact rationals as strings); `recheck.recheck_certificate`
re-verifies it with independent code.
"""
import json
import math
import sys
import time
from fractions import Fraction
from pathlib import Path

import numpy as np
import sympy as sp

from ..cluster import ONE_TASK_AT_A_TIME, run_on_cluster
from ..errors import EosError
from ..saving import atomic_write, fingerprint
from ..symbolic.minima import sharpness_on_minima
from ..symbolic.models import get_model
from ..symbolic.reparam import ab_to_xy
from ..symbolic.symbols import a, kappa, u
from .capture import ManifoldTooLow, decimal, design_capture_set, prove_capture
from .chains import V_HANDOFF, run_chains, start_boxes
from .frames import bounds
from .intervals import ball
from .scaled_map import ScaledTwoStep, float_two_step
from .zone import S_DRIFT, design_zone, explore_zone, manifold_drift

#: Certificate format (3: chain trees record their cut points; 4: zone cells carry their
#: ranks, zone rows above K's top); checkpoints of parts are keyed by it too, so a part
#: saved in another format is proved again.
FORMAT = 4


def gap_expression(model="four-scalar"):
    """$(2/\\kappa^2 - S)/\\kappa^2$ at the minimum with $a = \\kappa^3 A$ (symbol `a` for A)."""
    model = get_model(model) if isinstance(model, str) else model
    S = sharpness_on_minima(model)
    xm, _ = ab_to_xy(model, kappa ** 3 * a, 0, kappa)
    return sp.simplify((2 / kappa ** 2 - S.subs(u, xm)) / kappa ** 2)


def gap_interval(A_range, kappa_range, model="four-scalar", dps=60):
    """Exact bounds of the gap over the limit interval and kappa range (Arb, split in 64)."""
    from ..numeric.backends import precision_scope
    from .intervals import ball_function
    f = ball_function([gap_expression(model)], (a, kappa))
    lo, hi, (A0, A1) = None, None, A_range
    with precision_scope("arb", dps):
        for i in range(64):
            piece = (A0 + (A1 - A0) * i / 64, A0 + (A1 - A0) * (i + 1) / 64)
            v = f(ball(*piece), ball(*kappa_range))[0]
            if not v.is_finite():
                raise EosError("gap: not enclosed on the limit interval")
            pl, ph = bounds(v)
            lo, hi = (pl if lo is None else min(lo, pl)), (ph if hi is None else max(hi, ph))
    return lo, hi


def peak_height(kappa_value, sign, A_range, B_range, model="four-scalar"):
    """Largest ``|B|`` along float64 orbits from a 5 x 5 grid of the start region (B of the
    part's `sign`; numerics that size K, no soundness rests on them)."""
    two = float_two_step(model, float(kappa_value))
    top = 0.0
    for A0 in np.linspace(float(A_range[0]), float(A_range[1]), 5):
        for s0 in np.linspace(float(B_range[0]), float(B_range[1]), 5):
            B0 = sign * s0
            U, B, high = A0 - 2 * B0 * B0, B0, abs(B0)
            for _ in range(20000):
                U, B, _ = two(U, B)
                high = max(high, abs(B))
                if abs(B) < 0.9 * high:
                    break
            top = max(top, high)
    return top


def _pad(v, limit):
    """A claimed bound a little above the proved one (room for the re-check's rounding):
    rho moves 1/20 of the way to 1, C up by 5%."""
    if v is None:
        return None
    v = Fraction(v)
    return decimal(v + (limit - v) / 20 if limit is not None else v * Fraction(21, 20), 12,
                   up=True)


def piece_breaks(lo, hi, width=None, ratio=None, around=1):
    """Breaks of [lo, hi]: uniform of `width`, or geometric in ``|value - around|`` by `ratio`."""
    lo, hi = Fraction(lo), Fraction(hi)
    out = [lo]
    while out[-1] < hi:
        if width is not None:
            nxt = out[-1] + Fraction(width)
        else:
            d = out[-1] - around
            nxt = around + (d * Fraction(ratio) if d > 0 else d / Fraction(ratio))
            nxt = decimal(nxt, 7, up=True)
        out.append(min(hi, nxt))
    return out


def prove_part(model, kappa_range, x_range, p_range, dx, p_ratio, dps=30, log=None):
    """One sign of $x_0 y_0 - 1$: capture set, chains, zone. Returns the part's record."""
    log = log or (lambda *args: None)
    t0 = time.perf_counter()
    sign = 1 if p_range[0] > 1 else -1
    if not (p_range[1] < 1 or p_range[0] > 1):
        raise EosError(f"start set: xy range [{p_range[0]}, {p_range[1]}] must not contain 1")
    xs = piece_breaks(*x_range, width=dx)
    ps = piece_breaks(*p_range, ratio=p_ratio) if sign > 0 else \
        sorted(2 - v for v in piece_breaks(2 - p_range[1], 2 - p_range[0], ratio=p_ratio))
    starts = start_boxes(xs, ps, kappa_range, model)
    A_range = (min(s[0][0] for s in starts), max(s[0][1] for s in starts))
    B_range = (min(abs(s[1][0]) for s in starts), max(abs(s[1][1]) for s in starts))
    peak = max(peak_height(k, sign, A_range, B_range, model) for k in set(kappa_range))
    s_top = decimal(Fraction(1.15 * peak + 0.3), 3, up=True)
    log(f"part {'+' if sign > 0 else '-'}: {len(starts)} start pieces, A in "
        f"[{float(A_range[0]):.1f}, {float(A_range[1]):.1f}], capture set up to |B| = "
        f"{float(s_top)}")
    record = {"sign": sign, "xy": [str(p) for p in p_range], "breaks": {
        "x": [str(v) for v in xs], "xy": [str(v) for v in ps]}}
    try:
        for attempt in range(4):
            try:
                K = design_capture_set(kappa_range, sign, s_top, model=model)
                break
            except ManifoldTooLow as exc:
                # above the manifold's clean part K cannot follow it: a lower K, which the
                # chains reach along their descent (lowered again if the new design's orbits
                # find the clean part a little lower)
                if exc.reached < 0.1 or attempt == 3:
                    raise
                s_top = decimal(Fraction(0.998 * exc.reached), 3, up=False)
                log(f"  capture set: the slow manifold is clean only up to |B| = "
                    f"{exc.reached:.3g}; K up to {float(s_top)}")
    except EosError as exc:  # no orbit to fit K to: this part is not proved, the rest goes on
        record["capture_proof"] = {"status": "failed", "codes": [], "cells": 0, "rho": "1",
                                   "C": "0", "failure": {"reason": str(exc)}}
        return dict(record, status="failed")
    cap = prove_capture(K, model=model, dps=dps,
                        progress=lambda j, n, c: log(f"  capture set: slab {j}/{n}, {c} cells")
                        if j % 25 == 0 or j == n else None)
    record["capture"] = K.to_dict()
    record["capture_proof"] = {"status": cap.status, "codes": cap.codes, "cells": cap.cells,
                               "rho": str(_pad(cap.rho, 1)), "C": str(_pad(cap.C, None)),
                               "failure": cap.failure}
    if cap.status != "proved":
        record["status"] = "failed"
        return record
    fmap = ScaledTwoStep(model)
    with fmap.bound(dps):
        climb = decimal(Fraction(max(manifold_drift(K, K.s_top, k, model)[1]
                                     for k in set(kappa_range))), 3, up=True)
        ch = run_chains(starts, K, kappa_range, fmap, climb=climb,
                        progress=lambda i, n, st: log(f"  chains: {i}/{n} pieces, {st} "
                                                      "two-steps") if i % 500 == 0 else None)
        record["chains"] = {"status": ch.status, "trees": ch.trees, "steps": ch.steps,
                            "longest": ch.longest, "failure": ch.failure}
        if ch.status != "proved":
            record["status"] = "failed"
            return record
        zone = None
        if ch.handoffs:
            # orbits sink in s while they approach the manifold: the zone's rows reach
            # below the hand-offs, and a zone whose bottom row is left below all the same
            # is rebuilt from a lower bottom
            s_lo = Fraction(9, 10) * min(h[1][0] for h in ch.handoffs)
            drift, s_hi = S_DRIFT, None
            for _ in range(8):
                zone = design_zone(K, s_lo, V_HANDOFF * Fraction(11, 10), min(kappa_range),
                                   drift=drift, s_hi=s_hi, model=model)
                zp = explore_zone(zone, ch.handoffs, fmap,
                                  progress=lambda c, q, n: log(f"  zone: {c} cells done, "
                                                               f"{q} queued"))
                if zp.status == "proved":
                    break
                if zp.failure.get("below"):
                    s_lo = decimal(s_lo * Fraction(4, 5), 4, up=False)
                    log(f"  zone: an image sinks below the bottom row s = "
                        f"{float(zone.rows[0])}; rebuilt lower")
                elif zp.failure.get("above"):
                    # across the manifold V and s move together: far from it near K's top
                    # an image climbs above the top; rows above the top take it
                    top, reached = zone.rows[-1], Fraction(zp.failure["image_s"][1])
                    s_hi = decimal(max(top + max((top - K.s_top) / 2, Fraction(1, 50)),
                                       reached + (reached - K.s_top) / 4), 4, up=True)
                    log(f"  zone: an image climbs above s = {float(top)}; rows added up to "
                        f"{float(s_hi)}")
                elif drift is not None:
                    drift = None
                    log("  zone: layers coarser at larger s fail; rebuilt with one growth")
                else:
                    break
            record["zone"] = dict(zone.to_dict(), status=zp.status, cells=zp.cells,
                                  depth=zp.depth, failure=zp.failure)
            if zp.status != "proved":
                record["status"] = "failed"
                return record
    record["status"] = "proved"
    record["limit"] = [str(v) for v in K.limit]
    record["seconds"] = round(time.perf_counter() - t0, 1)
    record["two_steps_bound"] = ch.longest + (record["zone"]["depth"] if zone else 0)
    return record


def prove_concentration(kappa_range, x_range, p_ranges, model="four-scalar", dx=None,
                        p_ratio=Fraction(3, 2), processes=1, dps=30, log=None,
                        checkpoint=None, chunks=1, kappa_pieces=1, scheduler=None,
                        splits=0):
    """Prove the concentration statement for the start set and kappa range (module docstring);
    `p_ranges` one xy interval per sign. Each sign's x range is cut into `chunks` equal
    parts and a kappa interval into `kappa_pieces` equal ones (exact cuts), each part proved
    on its own (capture set sized to its own orbits and kappa piece); a part that fails is
    cut in two at its x midpoint and both halves proved, up to `splits` times (a narrower
    part has a capture set and zone sized to fewer orbits). Parts run in `processes`
    processes (progress lines tagged by part), or as tasks on a Dask cluster (`scheduler`,
    `cluster.client_for`; a part's progress lines print on its worker); with `checkpoint`
    (a file) each finished part is saved (atomically, fingerprinted by its settings) and a
    rerun loads it instead of proving it again."""
    t0 = time.perf_counter()
    kappa_range = tuple(Fraction(k) for k in kappa_range)
    x_range = tuple(Fraction(v) for v in x_range)
    dx = Fraction(dx) if dx is not None else 4 * min(kappa_range) ** 3
    cuts = [x_range[0] + (x_range[1] - x_range[0]) * i / chunks for i in range(chunks + 1)]
    k0, k1 = kappa_range
    kcuts = [k0 + (k1 - k0) * i / kappa_pieces for i in range(kappa_pieces + 1)] \
        if k0 < k1 else [k0, k1]
    jobs = [(model, kr, (x0, x1), tuple(Fraction(p) for p in pr), dx, p_ratio, dps)
            for pr in p_ranges for kr in zip(kcuts, kcuts[1:]) for x0, x1 in zip(cuts, cuts[1:])]
    saved = _load_checkpoint(checkpoint)
    loaded = sum(_key(job) in saved for job in jobs)
    if log and loaded:
        log(f"checkpoint {checkpoint}: {loaded} of {len(jobs)} part(s) loaded")
    for depth in range(splits + 1):
        # a failed part is proved again only where it is not cut further
        done = ("proved",) if depth == splits else ("proved", "failed")
        todo = [(_key(job), job) for job in jobs
                if saved.get(_key(job), {}).get("status") not in done]
        _prove_parts(todo, processes, scheduler, saved, checkpoint, log)
        failed = {_key(job) for job in jobs if saved[_key(job)]["status"] != "proved"}
        if not failed or depth == splits:
            break
        if log:
            log(f"{len(failed)} part(s) failed: each cut in two at its x midpoint")
        jobs = [half for job in jobs for half in (
            _halves(job) if _key(job) in failed else (job,))]
    parts = [saved[_key(job)] for job in jobs]
    cert = {"kind": "concentration", "version": FORMAT, "model": model,
            "kappa": [str(k) for k in kappa_range],
            "eta": [str(k * k) for k in kappa_range], "x": [str(v) for v in x_range],
            "parts": parts, "status": "proved" if all(p["status"] == "proved" for p in parts)
            else "failed"}
    if cert["status"] == "proved":
        lo = min(Fraction(p["limit"][0]) for p in parts)
        hi = max(Fraction(p["limit"][1]) for p in parts)
        g = gap_interval((lo, hi), kappa_range, model)
        cert["limit_a_over_kappa3"] = [str(lo), str(hi)]
        cert["gap_over_eta"] = [str(g[0]), str(g[1])]
        cert["claim_band"] = {"gap_over_eta": ["0", "20/3"],
                              "holds": bool(0 < g[0] and g[1] < Fraction(20, 3))}
    cert["seconds"] = round(time.perf_counter() - t0, 1)
    return cert


class PartLog:
    """Progress lines of one part on stderr (picklable, for worker processes)."""

    def __init__(self, tag):
        self.tag, self.t0 = tag, time.time()

    def __call__(self, msg):
        print(f"[{time.time() - self.t0:7.1f} s] {self.tag}: {msg.strip()}", file=sys.stderr,
              flush=True)


def _key(job):
    """The checkpoint key of a part: its settings and the certificate format."""
    model, kr, xr, pr, dx, p_ratio, dps = job
    return fingerprint([str(v) for v in (FORMAT, model, *kr, *xr, *pr, dx, p_ratio, dps)])


def _halves(job):
    """The part cut in two at its x midpoint (exact)."""
    model, kr, (x0, x1), *rest = job
    mid = (x0 + x1) / 2
    return (model, kr, (x0, mid), *rest), (model, kr, (mid, x1), *rest)


def _prove_parts(todo, processes, scheduler, saved, checkpoint, log):
    """Prove the parts `todo` ((key, job) pairs) into `saved`, saving each as it finishes."""
    if scheduler is not None or (processes > 1 and len(todo) > 1):
        tasks = [(key, job, PartLog(f"part {n + 1}/{len(todo)}") if log else None)
                 for n, (key, job) in enumerate(todo)]
        for n, (key, rec) in enumerate(_run_parts(tasks, processes, scheduler), 1):
            saved[key] = rec
            _save_checkpoint(checkpoint, saved)
            if log:
                log(f"{n}/{len(todo)} parts done")
        return
    for n, (key, job) in enumerate(todo):
        if log and len(todo) > 1:
            log(f"part {n + 1}/{len(todo)}: x in [{float(job[2][0]):.6f}, "
                f"{float(job[2][1]):.6f}]")
        saved[key] = prove_part(*job, log=log)
        _save_checkpoint(checkpoint, saved)


def _run_part(task):
    """`prove_part` in a worker, one task at a time per process (`cluster`)."""
    key, job, log = task
    with ONE_TASK_AT_A_TIME:
        return key, prove_part(*job, log=log)


def _run_parts(tasks, processes, scheduler):
    """(key, record) of each part as it is proved, in worker processes or on Dask."""
    if scheduler is not None:
        for _, out in run_on_cluster(scheduler, "certify concentration", _run_part, tasks):
            yield out
        return
    import multiprocessing as mp
    with mp.get_context("spawn").Pool(min(processes, len(tasks))) as pool:
        yield from pool.imap_unordered(_run_part, tasks)


def _load_checkpoint(path):
    if not path or not Path(path).exists():
        return {}
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))["parts"]
    except (OSError, ValueError, KeyError):
        raise EosError(f"checkpoint {path}: not a concentration checkpoint") from None


def _save_checkpoint(path, parts):
    if path:
        atomic_write(path, json.dumps({"kind": "concentration-checkpoint", "parts": parts}),
                     "checkpoint")


def kappa_bounds(eta_lo, eta_hi):
    """Exact rationals kappa_lo <= sqrt(eta_lo), kappa_hi >= sqrt(eta_hi) (exact roots kept)."""
    out = []
    for e, up in ((Fraction(eta_lo), False), (Fraction(eta_hi), True)):
        r = sp.sqrt(sp.Rational(e.numerator, e.denominator))
        if r.is_Rational:
            out.append(Fraction(int(r.p), int(r.q)))
        else:
            k = decimal(Fraction(math.sqrt(e)) * Fraction(1 + (1 if up else -1) * 1e-12), 14,
                        up=up)
            if (k * k > e) if not up else (k * k < e):
                raise EosError(f"kappa bounds: rounding failed for eta = {e}")
            out.append(k)
    return tuple(out)
