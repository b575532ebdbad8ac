"""`eos-symbolic sweep`: float64 grids of starts x step sizes, checkpointed."""
import time

from ..errors import EosError
from .common import add_model_options, model_from_args, write_json


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
    model = model_from_args(args)
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
    computed, loaded = res.chunks_computed, res.chunks_loaded
    # chunks are equal in size but for the last of each eta: the computed share is close
    share = computed / max(computed + loaded, 1)
    rate = len(res.status) * share * args.steps / max(seconds, 1e-9) if computed else None
    if computed:
        print(f"{len(res.status)} points x {args.steps} steps in {seconds:.1f} s wall, kernel "
              f"build included ({rate:.3g} point-steps/s"
              + (f" over the {computed} chunks computed; {loaded} loaded from the checkpoint)"
                 if loaded else ")"))
    else:
        print(f"{len(res.status)} points x {args.steps} steps: nothing computed, all {loaded} "
              f"chunks loaded from the checkpoint ({seconds:.1f} s)")
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
