"""The `eos-symbolic` entry point: one parser, every subcommand registered here.

The boundary's contract (README, "Errors and limits"): a bad input ends with one line
``error: ...`` on stderr and exit code 2 (argument errors included); Ctrl-C or SIGTERM ends
with one line ``interrupted: ...`` (what was saved, how to continue) and exit code 130;
output piped into a program that stops reading (``| head``) ends quietly with 141.
"""
import argparse
import os
import signal
import sys
import threading

from ..errors import EosError, Interrupted
from . import certify, claims, derive, figures, sweep, trajectory

#: Subcommand modules in the order `--help` lists them; each has `register(subparsers)`.
COMMANDS = (derive, claims, trajectory, sweep, figures, certify)


class OneLineParser(argparse.ArgumentParser):
    """argparse with its errors on one line (``error: eos-symbolic sweep: argument ...``)."""

    def error(self, message):
        print(f"error: {self.prog}: {' '.join(message.split())} (see {self.prog} --help)",
              file=sys.stderr)
        sys.exit(2)


def build_parser():
    p = OneLineParser(prog="eos-symbolic", description=(
        "Symbolic and high-precision analysis of GD at the edge of stability."))
    sub = p.add_subparsers(dest="command", required=True)
    for command in COMMANDS:
        command.register(sub)
    return p


def _terminate(signum, frame):
    raise KeyboardInterrupt  # SIGTERM saves and stops like Ctrl-C


def main(argv=None):
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as exc:  # --help (0) or an argument error, already printed (2)
        return exc.code if isinstance(exc.code, int) else 2
    if threading.current_thread() is threading.main_thread():
        previous = signal.signal(signal.SIGTERM, _terminate)
    try:
        code = args.func(args)
        sys.stdout.flush()  # a closed pipe shows here, inside the handlers below
        return code
    except Interrupted as exc:
        print(f"interrupted: {str(exc).removeprefix('interrupted: ')}", file=sys.stderr)
        return 130
    except KeyboardInterrupt:
        print("interrupted: stopped (this command keeps no checkpoint; files it finished "
              "are complete)", file=sys.stderr)
        return 130
    except EosError as exc:
        print(f"error: {' '.join(str(exc).split())}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        # the reader went away (| head): say nothing more, and let Python's own flush at
        # exit write into /dev/null instead of raising again
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 141
    except RecursionError:
        print("error: the input is nested too deeply to process", file=sys.stderr)
        return 2
    except MemoryError:
        print("error: out of memory; ask for less (smaller grid, fewer steps or digits)",
              file=sys.stderr)
        return 2
    finally:
        if threading.current_thread() is threading.main_thread():
            signal.signal(signal.SIGTERM, previous)


if __name__ == "__main__":
    sys.exit(main())
