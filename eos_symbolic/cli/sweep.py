"""`eos-symbolic sweep`: float64 grids of starts x step sizes, checkpointed."""
import time

from ..errors import EosError
from .common import (
    add_model_options,
    add_optimizer_option,
    model_from_args,
    optimizer_from_args,
    write_json,
)


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
    from ..dynamics.sweep import grid_starts, run_sweep
    if not (args.loss or args.model):
        args.model = "four-scalar"
    rule = optimizer_from_args(args)
    model = model_from_args(args, rule=rule)
    ranges = _parse_grid(args.grid)
    if not ranges:
        raise EosError("sweep: give at least one --grid NAME=LO:HI:N")
    fixed = dict(_parse_grid([f"{f}:{f.split('=')[1]}:1" for f in args.fixed or []]))
    starts, shape = grid_starts(model, ranges, {k: v[0] for k, v in fixed.items()})
    etas = [float(e) for e in args.eta]
    start = time.perf_counter()
    res = run_sweep(model, starts, etas, args.steps, shape=shape, chunk=args.chunk,
                    every=args.every, checkpoint=args.checkpoint, scheduler=args.scheduler,
                    progress=not args.no_progress, rule=rule)
    seconds = time.perf_counter() - start
    rows = []
    top = "2/eta" if rule.is_gd else "threshold"
    for e in etas:
        f = res.fractions(res.select(e))
        band = res.band_fraction(e, args.band)
        row = {"eta": e, **f, "concentrated": band}
        where = ""
        if not rule.is_gd:
            row["optimizer"], row["threshold"] = rule.spec, float(res.threshold[res.select(e)][0])
            where = f" ({rule.spec}; threshold = {row['threshold']:.6g})"
        rows.append(row)
        print(f"eta = {e:g}{where}: {f['converged']:.2%} converged, {f['diverged']:.2%} "
              f"diverged, {f['undecided']:.2%} undecided; limit sharpness in ({top} - "
              f"{args.band:g}, {top}): {band:.2%}")
    rate = len(res.status) * args.steps / max(seconds, 1e-9)
    print(f"{len(res.status)} points x {args.steps} steps in {seconds:.1f} s wall, kernel build "
          f"included "
          f"({rate:.3g} point-steps/s; chunks computed {res.chunks_computed}, "
          f"loaded {res.chunks_loaded})")
    if args.out:
        res.save(args.out)
        print(f"per-point arrays: {args.out}")
    write_json(args.json, {"rows": rows, "seconds": seconds, "point_steps_per_second": rate,
                           "chunks_computed": res.chunks_computed,
                           "chunks_loaded": res.chunks_loaded})
    return 0


def register(sub):
    s = sub.add_parser("sweep", help="float64 sweep over a grid of starts x step sizes")
    add_model_options(s)
    add_optimizer_option(s)
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
