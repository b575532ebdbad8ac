"""The `eos-symbolic` entry point: one parser, every subcommand registered here."""
import argparse
import sys

from ..errors import EosError
from . import certify, claims, derive, figures, sweep, trajectory

#: Subcommand modules in the order `--help` lists them; each has `register(subparsers)`.
COMMANDS = (derive, claims, trajectory, sweep, figures, certify)


def build_parser():
    p = argparse.ArgumentParser(prog="eos-symbolic", description=(
        "Symbolic and high-precision analysis of GD at the edge of stability."))
    sub = p.add_subparsers(dest="command", required=True)
    for command in COMMANDS:
        command.register(sub)
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
