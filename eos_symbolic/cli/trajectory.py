"""`eos-symbolic trajectory`: the exact GD map at D digits, certified, resumable."""
from ..errors import EosError
from .common import (
    add_force_option,
    add_model_options,
    add_optimizer_option,
    check_outputs,
    model_from_args,
    optimizer_from_args,
    write_json,
)


def cmd_trajectory(args):
    from ..numeric.record import TrajectoryRecord
    from ..numeric.trajectory import model_from_spec, parse_start, run_trajectory
    check_outputs(args, "json", "out")
    if args.resume:  # settings not repeated on the command line come from the record
        if not args.out:
            raise EosError("resume: needs --out FILE (the record to resume from)")
        cfg = TrajectoryRecord.load(args.out).config
        if not args.optimizer:
            args.optimizer = cfg.get("optimizer")
        rule = optimizer_from_args(args)
        model = model_from_args(args, rule=rule) if (args.loss is not None or args.model) else \
            model_from_spec(cfg["model"])
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
        if args.loss is None and not args.model:
            args.model = "four-scalar"
        rule = optimizer_from_args(args)
        model, eta, start = model_from_args(args, rule=rule), args.eta, parse_start(args.start)
        steps, dps = args.steps, args.dps if args.dps is not None else 30
        coords, certify = args.coords or "xy", args.certify or "two-precision"
    if not args.checkpoint_seconds > 0:
        raise EosError(f"--checkpoint-seconds: expected a positive number, got "
                       f"{args.checkpoint_seconds}")
    result = run_trajectory(model, eta, start, steps, dps=dps, coords=coords,
                            every=args.every, digits=args.digits, certify=certify,
                            tol=args.tol, out=args.out, resume=args.resume,
                            progress=not args.no_progress,
                            checkpoint_seconds=args.checkpoint_seconds,
                            max_dps=args.max_dps, force=args.force, rule=rule)
    print(result.summary())
    if args.out:
        print(f"record: {args.out}")
    write_json(args.json, result.to_dict())
    return 0


def register(sub):
    s = sub.add_parser("trajectory", help="iterate the exact GD map at D digits, certified")
    add_model_options(s)
    add_optimizer_option(s)
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
    add_force_option(s)
    s.set_defaults(func=cmd_trajectory)
