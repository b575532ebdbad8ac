"""`eos-symbolic sweep`: float64 grids of starts x step sizes, checkpointed."""
import time

from ..errors import EosError
from ..symbolic.limits import check_sweep
from .common import (
    add_force_option,
    add_model_options,
    add_optimizer_option,
    check_outputs,
    model_from_args,
    number_option,
    optimizer_from_args,
    write_json,
)


def _parse_grid(items):
    """``NAME=LO:HI:N`` items -> {name: (lo, hi, n)} with LO < HI and N >= 2 points."""
    ranges = {}
    for item in items or []:
        name, sep, spec = item.partition("=")
        parts = spec.split(":")
        if not sep or len(parts) != 3 or not name.strip():
            raise EosError(f"--grid: expected NAME=LO:HI:N (e.g. x=0.05:3.5:256), got {item!r}")
        name = name.strip()
        lo, hi = (number_option(v, f"--grid {name}") for v in parts[:2])
        n = parts[2].strip()
        if not n.isdigit() or len(n) > 12:
            raise EosError(f"--grid {name}: N must be a whole number of points, got {n!r}")
        n = int(n)
        if n < 2:
            raise EosError(f"--grid {name}: N = {n} points; a grid needs at least 2 (for one "
                           f"value use --fixed {name}=VALUE)")
        if not lo < hi:
            raise EosError(f"--grid {name}: expected LO < HI, got {parts[0]}:{parts[1]}")
        if name in ranges:
            raise EosError(f"--grid: {name} is given twice")
        ranges[name] = (lo, hi, n)
    return ranges


def _parse_fixed(items):
    out = {}
    for item in items or []:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise EosError(f"--fixed: expected NAME=VALUE (e.g. z=1), got {item!r}")
        out[name.strip()] = number_option(value, f"--fixed {name.strip()}")
    return out


def cmd_sweep(args):
    from ..dynamics.sweep import grid_starts, run_sweep
    check_outputs(args, "out", "json", directories=("checkpoint",))
    if args.loss is None and not args.model:
        args.model = "four-scalar"
    rule = optimizer_from_args(args)
    ranges = _parse_grid(args.grid)
    if not ranges:
        raise EosError("sweep: give at least one --grid NAME=LO:HI:N")
    fixed = _parse_fixed(args.fixed)
    etas = [number_option(e, "--eta", positive=True) for e in args.eta]
    both = sorted(set(fixed) & set(ranges))
    if both:
        raise EosError(f"--fixed {both[0]}: {both[0]} also has a --grid; give one of them")
    for name, value, low in (("--steps", args.steps, 1), ("--every", args.every, 1),
                             ("--chunk", args.chunk, 1)):
        if value is not None and value < low:
            raise EosError(f"{name}: expected an integer >= {low}, got {value}")
    if not 0 < args.band < float("inf"):
        raise EosError(f"--band: expected a positive number, got {args.band}")
    points = 1
    for _, _, n in ranges.values():
        points *= n
    check_sweep(points * len(etas), args.steps, args.force)
    model = model_from_args(args, rule=rule)
    starts, shape = grid_starts(model, ranges, fixed)
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
    add_optimizer_option(s)
    s.add_argument("--eta", action="append", required=True, help="step size (repeatable)")
    s.add_argument("--grid", action="append", help="NAME=LO:HI:N per coordinate (repeatable)")
    s.add_argument("--fixed", action="append", help="NAME=VALUE for coordinates not gridded")
    s.add_argument("--steps", type=int, default=50000)
    s.add_argument("--every", type=int, default=500, help="status check every K steps")
    s.add_argument("--chunk", type=int, default=None,
                   help="points per chunk (default: about 1e9 point-steps per chunk)")
    s.add_argument("--band", type=float, default=0.1, help="report (2/eta - band, 2/eta)")
    s.add_argument("--checkpoint", metavar="DIR", help="save chunks here; rerun resumes")
    s.add_argument("--scheduler", metavar="ADDR", help="Dask scheduler (tcp://host:port)")
    s.add_argument("--out", metavar="FILE.npz", help="write the per-point arrays")
    s.add_argument("--no-progress", action="store_true")
    s.add_argument("--json", metavar="FILE")
    add_force_option(s)
    s.set_defaults(func=cmd_sweep)
