"""Helpers shared by the subcommands: the model and optimizer named on the command line,
numbers and output paths checked before work starts, JSON output written atomically."""
import json

from ..errors import EosError
from ..saving import atomic_write, check_output
from ..symbolic.limits import LIMITS, time_budget
from ..symbolic.model import Model
from ..symbolic.models import get_model
from ..symbolic.optimizers import parse_optimizer
from ..symbolic.parser import parse_number


def add_model_options(s, model_help="built-in model (default four-scalar)", repeat=False):
    """``--model``, ``--loss`` and ``--tie`` (a built-in model or a user loss with ties)."""
    s.add_argument("--model", action="append" if repeat else None, help=model_help)
    s.add_argument("--loss", help="user loss, e.g. '(1 - x*y*z*w)**2/2'")
    s.add_argument("--tie", action="append", help="tie for --loss, e.g. z=x (repeatable)")


def add_optimizer_option(s):
    """``--optimizer SPEC`` (default gd)."""
    s.add_argument("--optimizer", metavar="SPEC", help="update rule: gd (default), "
                   "heavy-ball:beta=B, nesterov:beta=B, usam:rho=R, sam:rho=R, normalized-gd, "
                   "preconditioned:x=P,y=Q,...")


def optimizer_from_args(args):
    """The `Optimizer` of ``--optimizer`` (GD when absent)."""
    return parse_optimizer(getattr(args, "optimizer", None))


def add_force_option(s):
    """``--force``: run sizes beyond the documented maxima (README, "Errors and limits")."""
    s.add_argument("--force", action="store_true",
                   help="run even beyond the documented size limits (memory/time estimate "
                        "is printed when refused)")


def model_from_args(args, default="four-scalar", rule=None):
    """The user model of ``--loss``/``--tie`` (an empty ``--loss`` is refused, not ignored),
    else the built-in ``--model`` (or `default`). Building a user model proves its ties
    invariant (under `rule` too, when one is given), under the symbolic time budget."""
    if getattr(args, "loss", None) is not None:
        with time_budget(getattr(args, "time_budget", None) or LIMITS.symbolic_seconds,
                         "--loss"):
            model = Model.from_loss(args.loss, args.tie or [], rule=rule)
    elif getattr(args, "tie", None):
        raise EosError("--tie: only with --loss (a built-in model has its own ties)")
    else:
        model = get_model(args.model or default)
    if rule is not None:
        rule.bind(model)
    return model


def number_option(text, what, positive=False, rational=True):
    """A command-line number through the safe parser, as a float (exactness is kept where
    the value is passed on as text)."""
    q = parse_number(text, what, rational=rational)
    try:
        v = float(q)
    except (OverflowError, TypeError):
        raise EosError(f"{what}: {text!r} is beyond the float range") from None
    if positive and not v > 0:
        raise EosError(f"{what}: expected a positive number, got {text!r}")
    return v


def check_outputs(args, *names, directories=()):
    """Check every output path option in `names` (files) and `directories` (folders) of
    `args` before long work starts; one `EosError` line for the first that cannot be
    written."""
    for name in names:
        check_output(getattr(args, name, None), f"--{name.replace('_', '-')}")
    for name in directories:
        check_output(getattr(args, name, None), f"--{name.replace('_', '-')}", directory=True)


def write_json(path, payload):
    """Write `payload` as indented JSON to `path` atomically (nothing when `path` is empty)."""
    if path:
        atomic_write(path, json.dumps(payload, indent=1) + "\n", "--json")
