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


def cmd_verify(args):
    from .selfcheck import run_selfchecks
    results = run_selfchecks(quick=args.quick)
    width = max(len(r["id"]) for r in results)
    for r in results:
        print(f"{r['id']:{width}s}  {r['verdict']:21s}  {r['method']}")
    _write_json(args.json, results)
    failed = [r for r in results if r["verdict"] == "refuted"]
    print(f"{len(results)} checks, {len(failed)} refuted")
    # a refuted self-check is a defect of the toolkit (drift, a derivation contradicted)
    return 1 if failed else 0


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

    s = sub.add_parser("verify", help="run every check and report verdicts")
    s.add_argument("--quick", action="store_true")
    s.add_argument("--json", metavar="FILE")
    s.set_defaults(func=cmd_verify)
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
