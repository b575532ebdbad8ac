"""`eos-symbolic models` and `eos-symbolic derive`: the built-in models, `derivations/`."""
import sys
import time
from pathlib import Path

from ..errors import EosError, Interrupted
from ..symbolic.limits import LIMITS
from ..symbolic.models import BUILTIN, DEFAULT_MODELS, get_model
from .common import (
    add_model_options,
    add_optimizer_option,
    check_outputs,
    model_from_args,
    optimizer_from_args,
    write_json,
)

DEFAULT_OUT = "derivations"


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
    write_json(args.json, rows)
    return 0


def cmd_derive(args):
    from ..local.render import drift, render_all, write_files
    from ..rigorous.certified import certified_eos
    check_outputs(args, "json")
    if not args.check:
        check_outputs(args, directories=("out",))
    if not args.time_budget > 0:
        raise EosError(f"--time-budget: expected a positive number of seconds, got "
                       f"{args.time_budget}")
    rule = optimizer_from_args(args)
    if args.loss is not None:  # an empty --loss is an error, not "every built-in model"
        if args.model:
            raise EosError("derive: give --model or --loss, not both")
        models = [model_from_args(args, rule=rule)]
    else:
        models = [get_model(n) for n in (args.model or DEFAULT_MODELS)]
        for m in models:
            rule.bind(m)
    start = time.perf_counter()
    try:
        files = render_all(models, progress=lambda name, sec: print(
            f"  derived {name:22s} {sec:6.1f} s", file=sys.stderr), seconds=args.time_budget,
            rule=rule, extra=[certified_eos])
    except KeyboardInterrupt:
        raise Interrupted(f"derive stopped after {time.perf_counter() - start:.1f} s; nothing "
                          f"was written to {args.out}/") from None
    total = time.perf_counter() - start
    if args.check:
        bad = drift(files, args.out)
        for rel in bad:
            print(f"drift: {Path(args.out) / rel} differs from a fresh derivation")
        print(f"derive --check: {len(files)} files, {len(bad)} drifted ({total:.1f} s)")
        write_json(args.json, {"drifted": bad, "seconds": total})
        return 1 if bad else 0
    written = write_files(files, args.out)
    print(f"wrote {len(written)} files under {args.out}/ in {total:.1f} s")
    write_json(args.json, {"written": [str(p) for p in written], "seconds": total})
    return 0


def register(sub):
    s = sub.add_parser("models", help="list built-in models")
    s.add_argument("--json", metavar="FILE")
    s.set_defaults(func=cmd_models)

    s = sub.add_parser("derive", help="regenerate derivations/")
    add_model_options(s, "built-in model (repeatable)", repeat=True)
    add_optimizer_option(s)
    s.add_argument("--out", default=DEFAULT_OUT)
    s.add_argument("--check", action="store_true", help="write nothing; exit 1 on drift")
    s.add_argument("--time-budget", type=float, default=LIMITS.symbolic_seconds,
                   metavar="SECONDS", help="stop a model's derivation after this long "
                   f"(default {LIMITS.symbolic_seconds:g})")
    s.add_argument("--json", metavar="FILE")
    s.set_defaults(func=cmd_derive)
