"""`eos-symbolic certify concentration | recheck | tightest-band`: the C14-C18 instances.

``concentration --eta E [--eta-interval LO,HI] --box x=LO:HI,xy=LO:HI`` proves that every
start in the box converges to a global minimum and encloses the limit sharpness;
``recheck FILE`` re-verifies a certificate (of either kind) independently (exit 0 = valid);
``tightest-band --kappa K`` searches and proves the tightest two-step invariant Phase-2 band
(``--json`` writes its certificate).
"""
import sys
import time
from fractions import Fraction
from pathlib import Path

from ..errors import EosError
from .common import check_outputs, parse_number, write_json


def _fraction(text, what):
    """A user number (decimal, fraction or integer, bounded) as an exact Fraction."""
    return Fraction(str(parse_number(text, what)))


def _log(start):
    return lambda msg: print(f"[{time.perf_counter() - start:7.1f} s] {msg}", file=sys.stderr,
                             flush=True)


def _bound(text, what, eta, up):
    """A number, or ``xcheck+NUM`` / ``xcheck-NUM`` (the eta-EoS minimum, C4, rounded
    outward to 10 digits)."""
    t = text.replace(" ", "")
    if not t.startswith("xcheck"):
        return _fraction(t, what)
    if eta is None:
        raise EosError(f"{what}: xcheck needs one step size (--eta), not an interval")
    import sympy as sp

    from ..rigorous.capture import decimal
    from ..symbolic.minima import eos_minimum
    from ..symbolic.models import get_model
    from ..symbolic.symbols import eta as eta_sym
    off = _fraction(t[6:] or "0", what) if t[6:] else Fraction(0)
    xc = eos_minimum(get_model("four-scalar"))[0].subs(eta_sym, sp.Rational(str(eta)))
    return decimal(Fraction(str(sp.N(xc, 30))) + off, 10, up=up)


def parse_box(text, eta):
    """``x=LO:HI`` plus ``xy=LO:HI`` (one side of 1, repeatable) or ``dxy=LO:HI``
    (``|xy - 1|`` in [LO, HI], both sides): returns the x range and the xy ranges."""
    x_range, parts = None, []
    for item in (text or "").split(","):
        name, eq, value = item.partition("=")
        name = name.strip()
        lohi = value.split(":")
        if not eq or len(lohi) != 2 or name not in ("x", "xy", "dxy"):
            raise EosError(f"--box: expected x=LO:HI,xy=LO:HI (or dxy=LO:HI), got {item!r}")
        lo, hi = (_bound(v, f"--box {name}", eta, up) for v, up in zip(lohi, (False, True)))
        if not 0 < lo < hi:
            raise EosError(f"--box {name}: expected 0 < LO < HI, got {value}")
        if name == "x":
            x_range = (lo, hi)
        elif name == "xy":
            if lo <= 1 <= hi:
                raise EosError(f"--box xy: the range must lie on one side of 1, got {value}")
            parts.append((lo, hi))
        else:
            parts += [(1 + lo, 1 + hi), (1 - hi, 1 - lo)]
    if x_range is None or not parts:
        raise EosError("--box: give x=LO:HI and xy=LO:HI (or dxy=LO:HI)")
    return x_range, parts


def cmd_concentration(args):
    from ..rigorous.concentration import kappa_bounds, prove_concentration
    check_outputs(args, "json", "checkpoint", "figure")
    if (args.eta is None) == (args.eta_interval is None):
        raise EosError("certify concentration: give --eta E or --eta-interval LO,HI")
    if args.eta is not None:
        eta_lo = eta_hi = _fraction(args.eta, "--eta")
    else:
        lo, _, hi = args.eta_interval.partition(",")
        eta_lo, eta_hi = (_fraction(v, "--eta-interval") for v in (lo, hi))
    if not 0 < eta_lo <= eta_hi < Fraction(1, 4):
        raise EosError("certify concentration: expected 0 < eta < 1/4")
    _where(args)
    if not 1 <= args.chunks <= 10000:
        raise EosError(f"--chunks: expected 1 to 10000, got {args.chunks}")
    if not 0 <= args.split_failed <= 6:
        raise EosError(f"--split-failed: expected 0 to 6, got {args.split_failed}")
    if not 1 <= args.eta_pieces <= 1000 or (args.eta_pieces > 1 and args.eta is not None):
        raise EosError(f"--eta-pieces: expected 1 to 1000 with --eta-interval, got "
                       f"{args.eta_pieces}")
    x_range, parts = parse_box(args.box, eta_lo if eta_lo == eta_hi else None)
    kappa = kappa_bounds(eta_lo, eta_hi)
    start = time.perf_counter()
    cert = prove_concentration(kappa, x_range, parts, processes=args.processes,
                               log=None if args.quiet else _log(start),
                               checkpoint=args.checkpoint, dx=args.dx, chunks=args.chunks,
                               kappa_pieces=args.eta_pieces, scheduler=args.scheduler,
                               splits=args.split_failed)
    print(summary(cert))
    write_json(args.json, cert)
    _figure(args.figure, cert)
    return 0 if cert["status"] == "proved" else 1


def _where(args):
    """Check --processes and --scheduler (one of the two spreads the work)."""
    if not 1 <= args.processes <= 64:
        raise EosError(f"--processes: expected 1 to 64, got {args.processes}")
    if args.scheduler is not None and args.processes > 1:
        raise EosError("--scheduler: the cluster's workers do the work; drop --processes")


def _figure(path, cert):
    if path:
        from ..dynamics.proof_figures import plot_proof_coverage
        try:
            print(f"coverage figure: {plot_proof_coverage(cert, path)}")
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise EosError(f"--figure: the certificate's parts are not readable "
                           f"({str(exc)[:80]})") from None


def summary(cert):
    """What a certificate proves, in a few lines."""
    eta = cert["eta"]
    # an interval's ends are squares of outward-rounded kappa bounds: long fractions, shown
    # to 12 digits (exact in the certificate)
    head = (f"eta = {eta[0]}" if eta[0] == eta[1] else
            f"eta in [{float(Fraction(eta[0])):.12g}, {float(Fraction(eta[1])):.12g}]")
    lines = [f"certify concentration, {cert['model']}, {head}: {cert['status']} "
             f"({cert['seconds']} s)"]
    groups = {}
    for p in cert["parts"]:
        groups.setdefault(tuple(p["xy"]), []).append(p)
    for xy, ps in groups.items():
        side = "xy - 1 > 0" if ps[0]["sign"] > 0 else "xy - 1 < 0"
        status = "proved" if all(p["status"] == "proved" for p in ps) else "failed"
        pieces = sum((len(p["breaks"]["x"]) - 1) * (len(p["breaks"]["xy"]) - 1) for p in ps)
        rho = max(float(Fraction(p["capture_proof"]["rho"])) for p in ps)
        C = max(float(Fraction(p["capture_proof"]["C"])) for p in ps)
        zone = sum(len(p.get("zone", {}).get("cells", [])) for p in ps)
        depth = max((p.get("two_steps_bound", 0) for p in ps), default=0)
        lines.append(f"  start x in [{cert['x'][0]}, {cert['x'][1]}], xy in [{xy[0]}, "
                     f"{xy[1]}] ({side}): {status}; {len(ps)} part(s), {pieces} pieces, "
                     f"{_total(ps, 'chains', 'steps')} chain two-steps, {zone} zone cells, capture "
                     f"sets {_total(ps, 'capture_proof', 'cells')} cells (rho <= {rho:.10f}, C <= "
                     f"{C:.5g}); in K within {depth} two-steps")
        for p in ps:
            for key in ("capture_proof", "chains", "zone"):
                if p.get(key, {}).get("failure"):
                    lines.append(f"    x from {float(Fraction(p['breaks']['x'][0])):.6f}: "
                                 f"{key} failed: {p[key]['failure']}")
    if cert["status"] == "proved":
        lo, hi = (Fraction(v) for v in cert["limit_a_over_kappa3"])
        g0, g1 = (Fraction(v) for v in cert["gap_over_eta"])
        lines.append(f"  every such start converges to a global minimum (xy = 1) with a/kappa^3"
                     f" in [{float(lo):.6f}, {float(hi):.6f}]")
        lines.append(f"  limit sharpness S with (2/eta - S)/eta in [{float(g0):.6f}, "
                     f"{float(g1):.6f}]: S in (2/eta - 20 eta/3, 2/eta) "
                     f"{'holds' if cert['claim_band']['holds'] else 'NOT shown'}")
    return "\n".join(lines)


def _total(parts, key, sub):
    return sum(p.get(key, {}).get(sub, 0) for p in parts)


def cmd_recheck(args):
    from ..rigorous.recheck import load_certificate, recheck_certificate
    check_outputs(args, "json", "figure")
    try:
        cert = load_certificate(Path(args.file))
    except (OSError, ValueError, EOFError, RecursionError) as exc:
        raise EosError(f"recheck {args.file}: cannot read a JSON certificate ({exc})") from None
    _where(args)
    start = time.perf_counter()
    rep = recheck_certificate(cert, progress=None if args.quiet else _log(start),
                              fail_fast=args.fail_fast, processes=args.processes,
                              scheduler=args.scheduler)
    for c in rep.checks:
        print(f"  {'ok  ' if c['ok'] else 'FAIL'} {c['check']}: {c['detail']}")
    print(f"recheck {args.file}: {'valid' if rep.valid else 'INVALID'} ({rep.seconds} s)")
    write_json(args.json, {"valid": rep.valid, "checks": rep.checks, "seconds": rep.seconds})
    if args.figure and cert.get("kind") == "concentration":
        _figure(args.figure, cert)
    return 0 if rep.valid else 1


def cmd_tightest_band(args):
    from ..rigorous.phase2_band import band_certificate, tightest_band
    check_outputs(args, "json")
    k = _fraction(args.kappa, "--kappa")
    out = []
    for sign in ((1, -1) if args.sign == "both" else (int(args.sign + "1"),)):
        res = tightest_band(k, sign, _fraction(args.c2, "--c2"))
        out.append(res)
        print(f"kappa = {k}, b {'>' if sign > 0 else '<'} 0: the band |b^2 - a kappa/2 - "
              f"kappa^4/16| <= c0 kappa^4 + {res['c2']} b^2, |b| <= {res['B_top']} kappa^2 "
              f"(covers a <= kappa^(5/2)), is two-step invariant for c0 = {res['proved_c0']} "
              f"(proved: {res['cells']} cells, {res['seconds']} s)"
              + (f"; not for c0 = {res['refuted_c0']} (exact point {res['witness']['Z']}, "
                 f"B = {res['witness']['B']} leaves it)" if res["refuted_c0"] else ""))
    write_json(args.json, band_certificate(out))
    return 0


def register(cs, common):
    """Add the subcommands to ``certify``'s subparsers `cs` (`common` adds --dps, --json)."""
    s = cs.add_parser("concentration", help="prove convergence and the limit sharpness "
                      "for every start in a box (C14-C17 instances)")
    s.add_argument("--eta", help="step size (exact, e.g. 1/100)")
    s.add_argument("--eta-interval", help="LO,HI: every step size in the interval "
                   "(adaptivity, Corollary 3.2)")
    s.add_argument("--box", required=True, help="x=LO:HI,xy=LO:HI or x=LO:HI,dxy=LO:HI "
                   "(|xy - 1| in [LO, HI], both sides); LO/HI may be xcheck+NUM")
    s.add_argument("--dx", help="width of the start pieces in x (default 4 kappa^3)")
    s.add_argument("--chunks", type=int, default=1, help="cut the x range into this many "
                   "parts, each proved on its own (batches for --processes and checkpoints)")
    s.add_argument("--split-failed", type=int, default=0, metavar="N", help="cut a part "
                   "that fails in two (at its x midpoint) and prove the halves, up to N times")
    s.add_argument("--eta-pieces", type=int, default=1, help="cut the --eta-interval into "
                   "this many parts (equal in kappa = sqrt(eta)), each proved on its own")
    s.add_argument("--processes", type=int, default=1, help="prove parts (x chunks, signs "
                   "of xy - 1, eta pieces) in this many processes")
    s.add_argument("--scheduler", metavar="ADDR", help="prove the parts on this Dask "
                   "scheduler's workers (tcp://host:port)")
    s.add_argument("--checkpoint", metavar="FILE", help="save finished parts here; rerun "
                   "resumes")
    s.add_argument("--quiet", action="store_true", help="no progress lines")
    s.add_argument("--json", metavar="FILE", help="write the certificate here")
    s.add_argument("--figure", metavar="PNG", help="draw the proved and failed parts and "
                   "the orbits' climb against K's top")
    s.set_defaults(func=cmd_concentration)

    s = cs.add_parser("recheck", help="re-verify a concentration or band certificate "
                      "independently")
    s.add_argument("file")
    s.add_argument("--quiet", action="store_true")
    s.add_argument("--fail-fast", action="store_true", help="stop at the first failed check")
    s.add_argument("--processes", type=int, default=1, help="check the chains and cells in "
                   "batches over this many processes")
    s.add_argument("--scheduler", metavar="ADDR", help="check the batches on this Dask "
                   "scheduler's workers (tcp://host:port)")
    s.add_argument("--json", metavar="FILE", help="write the re-check report here")
    s.add_argument("--figure", metavar="PNG", help="draw what a concentration certificate "
                   "covers")
    s.set_defaults(func=cmd_recheck)

    s = cs.add_parser("tightest-band", help="search and prove the tightest invariant Phase-2 "
                      "band (corrected C18)")
    s.add_argument("--kappa", default="1/10")
    s.add_argument("--sign", choices=["+", "-", "both"], default="both")
    s.add_argument("--c2", default="0", help="width grows as c0 kappa^4 + c2 b^2")
    s.add_argument("--json", metavar="FILE", help="write the certificate here (for recheck)")
    s.set_defaults(func=cmd_tightest_band)
