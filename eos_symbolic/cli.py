"""Command-line interface: parses arguments and calls the library; errors print one line."""
import argparse
import json
import sys
import time
from pathlib import Path

from .errors import EosError
from .model import Model
from .models import BUILTIN, DEFAULT_MODELS, get_model

DEFAULT_OUT = "derivations"


def _model_from_args(args):
    if getattr(args, "loss", None):
        return Model.from_loss(args.loss, args.tie or [])
    return get_model(args.model)


def _write_json(path, payload):
    if path:
        Path(path).write_text(json.dumps(payload, indent=1) + "\n", encoding="utf-8")


def cmd_models(args):
    rows = []
    for name in list(BUILTIN) + ["depth-5:2+3"]:
        m = get_model(name)
        ties = ", ".join(f"{v}={u}" for v, u in m.ties) or "-"
        rows.append({"name": m.name, "loss": str(m.loss), "ties": ties,
                     "coords": [str(c) for c in m.coords]})
        print(f"{m.name:22s} L = {str(m.loss):28s} ties: {ties:10s} coords: "
              f"({', '.join(map(str, m.coords))})")
    print("depth-K[:G1+G2+...]     family: 1/2 (1 - x1...xK)^2, groups of equal coordinates")
    _write_json(args.json, rows)
    return 0


def cmd_derive(args):
    from .render import drift, render_all, write_files
    if args.loss:
        models = [_model_from_args(args)]
    else:
        models = [get_model(n) for n in (args.model or DEFAULT_MODELS)]
    start = time.perf_counter()
    files = render_all(models, progress=lambda name, sec: print(
        f"  derived {name:22s} {sec:6.1f} s", file=sys.stderr))
    total = time.perf_counter() - start
    if args.check:
        bad = drift(files, args.out)
        for rel in bad:
            print(f"drift: {Path(args.out) / rel} differs from a fresh derivation")
        print(f"derive --check: {len(files)} files, {len(bad)} drifted ({total:.1f} s)")
        _write_json(args.json, {"drifted": bad, "seconds": total})
        return 1 if bad else 0
    written = write_files(files, args.out)
    print(f"wrote {len(written)} files under {args.out}/ in {total:.1f} s")
    _write_json(args.json, {"written": [str(p) for p in written], "seconds": total})
    return 0


def _claims(args):
    from .claims import load_claims_file, paper_claims
    claims = paper_claims()
    if args.claims:
        user = load_claims_file(args.claims)
        clash = {c.id for c in user} & {c.id for c in claims}
        if clash:
            raise EosError(f"claims file {args.claims}: id(s) {', '.join(sorted(clash))} "
                           "already name paper claims; choose other ids")
        claims += user
    return claims


def _print_verdicts(verdicts):
    from .report import SYMBOL, key_number
    width = max(len(v["id"]) for v in verdicts)
    for v in verdicts:
        print(f"{v['id']:{width}s}  {SYMBOL[v['verdict']]:24s} {key_number(v)[:70]}")


def _run_claims(args, claims, selfchecks=()):
    from .report import write_report
    from .verify import Context, check_claims
    start = time.perf_counter()
    ctx = Context(quick=getattr(args, "quick", False), out=getattr(args, "report", None),
                  certify=getattr(args, "certify", False))
    verdicts = [v.to_json() for v in check_claims(claims, ctx)]
    seconds = time.perf_counter() - start
    _print_verdicts(verdicts)
    counts = {k: sum(v["verdict"] == k for v in verdicts)
              for k in ("verified", "verified-numerically", "refuted", "inconclusive")}
    print(", ".join(f"{n} {k}" for k, n in counts.items()) + f"  ({seconds:.1f} s)")
    _write_json(args.json, verdicts)
    if getattr(args, "report", None):
        md, page = write_report(args.report, claims, verdicts, selfchecks, seconds)
        print(f"report: {md} and {page}")
    return verdicts


def cmd_check(args):
    from .claims import select
    _run_claims(args, select(_claims(args), args.ids))
    return 0


def cmd_verify(args):
    from .selfcheck import run_selfchecks
    claims = _claims(args)
    selfchecks = run_selfchecks(quick=args.quick)
    bad = [s for s in selfchecks if s["verdict"] == "refuted"]
    print(f"derivation self-checks: {len(selfchecks) - len(bad)}/{len(selfchecks)} passed")
    for s in bad:
        print(f"  FAILED {s['id']}: {s['method']} {s['evidence']}")
    _run_claims(args, claims, selfchecks)
    # refuted paper claims are findings; a failed self-check is a defect of the toolkit
    return 1 if bad else 0


def cmd_trajectory(args):
    from .record import TrajectoryRecord
    from .trajectory import Interrupted, model_from_spec, parse_start, run_trajectory
    if args.resume:  # settings not repeated on the command line come from the record
        if not args.out:
            raise EosError("resume: needs --out FILE (the record to resume from)")
        cfg = TrajectoryRecord.load(args.out).config
        model = _model_from_args(args) if (args.loss or args.model) else model_from_spec(
            cfg["model"])
        eta = args.eta if args.eta is not None else cfg["eta"]
        start = parse_start(args.start) if args.start else cfg["start"]
        steps = args.steps if args.steps is not None else cfg["steps"]
        dps = args.dps if args.dps is not None else cfg["dps"]
        coords = args.coords or cfg["coords"]
        certify = args.certify or cfg["certify"]
    else:
        missing = [f for f in ("eta", "start", "steps") if getattr(args, f) is None]
        if missing:
            raise EosError(f"trajectory: missing --{', --'.join(missing)} (e.g. --eta 0.01 "
                           "--start x=12.5,y=0.05 --steps 200000)")
        if not (args.loss or args.model):
            args.model = "four-scalar"
        model, eta, start = _model_from_args(args), args.eta, parse_start(args.start)
        steps, dps = args.steps, args.dps if args.dps is not None else 30
        coords, certify = args.coords or "xy", args.certify or "two-precision"
    try:
        result = run_trajectory(model, eta, start, steps, dps=dps, coords=coords,
                                every=args.every, digits=args.digits, certify=certify,
                                tol=args.tol, out=args.out, resume=args.resume,
                                progress=not args.no_progress,
                                checkpoint_seconds=args.checkpoint_seconds,
                                max_dps=args.max_dps)
    except Interrupted as exc:
        print(f"interrupted: {exc}", file=sys.stderr)
        return 130
    print(result.summary())
    if args.out:
        print(f"record: {args.out}")
    _write_json(args.json, result.to_dict())
    return 0


def _parse_grid(items):
    ranges = {}
    for item in items or []:
        try:
            name, spec = item.split("=", 1)
            lo, hi, n = spec.split(":")
            ranges[name.strip()] = (float(lo), float(hi), int(n))
        except ValueError:
            raise EosError(f"--grid: expected NAME=LO:HI:N (e.g. x=0.05:3.5:256), got {item!r}") \
                from None
    return ranges


def cmd_sweep(args):
    from .sweep import grid_starts, run_sweep
    if not (args.loss or args.model):
        args.model = "four-scalar"
    model = _model_from_args(args)
    ranges = _parse_grid(args.grid)
    if not ranges:
        raise EosError("sweep: give at least one --grid NAME=LO:HI:N")
    fixed = dict(_parse_grid([f"{f}:{f.split('=')[1]}:1" for f in args.fixed or []]))
    starts, shape = grid_starts(model, ranges, {k: v[0] for k, v in fixed.items()})
    etas = [float(e) for e in args.eta]
    start = time.perf_counter()
    res = run_sweep(model, starts, etas, args.steps, shape=shape, chunk=args.chunk,
                    every=args.every, checkpoint=args.checkpoint, scheduler=args.scheduler,
                    progress=not args.no_progress)
    seconds = time.perf_counter() - start
    rows = []
    for e in etas:
        f = res.fractions(res.select(e))
        band = res.band_fraction(e, args.band)
        rows.append({"eta": e, **f, "concentrated": band})
        print(f"eta = {e:g}: {f['converged']:.2%} converged, {f['diverged']:.2%} diverged, "
              f"{f['undecided']:.2%} undecided; limit sharpness in (2/eta - {args.band:g}, "
              f"2/eta): {band:.2%}")
    rate = len(res.status) * args.steps / max(seconds, 1e-9)
    print(f"{len(res.status)} points x {args.steps} steps in {seconds:.1f} s wall, kernel build "
          f"included "
          f"({rate:.3g} point-steps/s; chunks computed {res.chunks_computed}, "
          f"loaded {res.chunks_loaded})")
    if args.out:
        res.save(args.out)
        print(f"per-point arrays: {args.out}")
    _write_json(args.json, {"rows": rows, "seconds": seconds, "point_steps_per_second": rate,
                            "chunks_computed": res.chunks_computed,
                            "chunks_loaded": res.chunks_loaded})
    return 0


def cmd_figures(args):
    from .figures import make_figures
    made, keys, seconds = make_figures(args.out, quick=args.quick)
    for name, key in keys.items():
        print(f"{name}: {key}")
    print(f"figures written under {args.out}/ in {seconds:.1f} s")
    _write_json(args.json, {"files": made, "numbers": keys, "seconds": seconds})
    return 0


def _claim_options(s):
    """Options shared by `check` and `verify`."""
    s.add_argument("--quick", action="store_true", help="smaller samples and runs "
                   "(verify --quick: about a minute)")
    s.add_argument("--claims", metavar="FILE", help="add a user claims file (TOML)")
    s.add_argument("--report", metavar="DIR", help="write report.md and report.html here")
    s.add_argument("--json", metavar="FILE")
    s.add_argument("--certify", action="store_true",
                   help="also run the rigorous Arb path (certificates) where a claim admits it")


def build_parser():
    p = argparse.ArgumentParser(prog="eos-symbolic", description=(
        "Symbolic and high-precision analysis of GD at the edge of stability."))
    sub = p.add_subparsers(dest="command", required=True)

    s = sub.add_parser("models", help="list built-in models")
    s.add_argument("--json", metavar="FILE")
    s.set_defaults(func=cmd_models)

    s = sub.add_parser("derive", help="regenerate derivations/")
    s.add_argument("--model", action="append", help="built-in model (repeatable)")
    s.add_argument("--loss", help="user loss, e.g. '(1 - x*y*z*w)**2/2'")
    s.add_argument("--tie", action="append", help="tie for --loss, e.g. z=x (repeatable)")
    s.add_argument("--out", default=DEFAULT_OUT)
    s.add_argument("--check", action="store_true", help="write nothing; exit 1 on drift")
    s.add_argument("--json", metavar="FILE")
    s.set_defaults(func=cmd_derive)

    s = sub.add_parser("check", help="check the given claims (e.g. C9 C12)")
    s.add_argument("ids", nargs="+", metavar="CLAIM_ID")
    _claim_options(s)
    s.set_defaults(func=cmd_check)

    s = sub.add_parser("verify", help="check every claim of the paper and write a report")
    _claim_options(s)
    s.set_defaults(func=cmd_verify)

    s = sub.add_parser("trajectory", help="iterate the exact GD map at D digits, certified")
    s.add_argument("--model", help="built-in model (default four-scalar)")
    s.add_argument("--loss", help="user loss, e.g. '(1 - x*y*z*w)**2/2'")
    s.add_argument("--tie", action="append", help="tie for --loss, e.g. z=x (repeatable)")
    s.add_argument("--eta", help="step size, e.g. 0.01 (exact decimal)")
    s.add_argument("--start", help="start, e.g. x=12.5,y=0.05 (or a=..,b=.. with --coords ab)")
    s.add_argument("--steps", type=int, help="number of GD steps N")
    s.add_argument("--dps", type=int, help="working decimal digits D (>= 15; default 30)")
    s.add_argument("--coords", choices=["xy", "ab", "full"],
                   help="reduced coordinates, the (a, b) chart, or all parameters (default xy)")
    s.add_argument("--every", type=int, help="record every K-th state (default N/1000)")
    s.add_argument("--digits", type=int, help="digits to certify (default D/2)")
    s.add_argument("--certify", choices=["two-precision", "arb", "none"],
                   help="two runs at D and D+G digits (default), Arb balls, or none")
    s.add_argument("--tol", type=float, default=1e-10, help="convergence tolerance (relative)")
    s.add_argument("--max-dps", type=int, help="cap for automatic precision escalation")
    s.add_argument("--out", help="record file (.json or .npz); checkpoints go there too")
    s.add_argument("--resume", action="store_true", help="continue the run recorded in --out")
    s.add_argument("--checkpoint-seconds", type=float, default=30.0)
    s.add_argument("--no-progress", action="store_true", help="no progress bar on stderr")
    s.add_argument("--json", metavar="FILE")
    s.set_defaults(func=cmd_trajectory)

    s = sub.add_parser("sweep", help="float64 sweep over a grid of starts x step sizes")
    s.add_argument("--model", help="built-in model (default four-scalar)")
    s.add_argument("--loss", help="user loss, e.g. '(1 - x*y*z*w)**2/2'")
    s.add_argument("--tie", action="append", help="tie for --loss, e.g. z=x (repeatable)")
    s.add_argument("--eta", action="append", required=True, help="step size (repeatable)")
    s.add_argument("--grid", action="append", help="NAME=LO:HI:N per coordinate (repeatable)")
    s.add_argument("--fixed", action="append", help="NAME=VALUE for coordinates not gridded")
    s.add_argument("--steps", type=int, default=50000)
    s.add_argument("--every", type=int, default=500, help="status check every K steps")
    s.add_argument("--chunk", type=int, default=1 << 16, help="points per chunk")
    s.add_argument("--band", type=float, default=0.1, help="report (2/eta - band, 2/eta)")
    s.add_argument("--checkpoint", metavar="DIR", help="save chunks here; rerun resumes")
    s.add_argument("--scheduler", metavar="ADDR", help="Dask scheduler (tcp://host:port)")
    s.add_argument("--out", metavar="FILE.npz", help="write the per-point arrays")
    s.add_argument("--no-progress", action="store_true")
    s.add_argument("--json", metavar="FILE")
    s.set_defaults(func=cmd_sweep)

    s = sub.add_parser("figures", help="regenerate the paper's figures F2, F3, F5, F6, F7")
    s.add_argument("--out", default="figures", help="folder for PNG + PDF (default figures)")
    s.add_argument("--quick", action="store_true", help="smaller grids (under a minute)")
    s.add_argument("--json", metavar="FILE")
    s.set_defaults(func=cmd_figures)
    from .certify_cli import add_certify_parser  # issue 8
    add_certify_parser(sub)
    return p


def main(argv=None):
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except EosError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
