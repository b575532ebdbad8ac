"""Helpers shared by the subcommands: the model and optimizer named on the command line,
numbers and output paths checked before work starts, JSON output written atomically."""
import json

from ..errors import EosError
from ..saving import atomic_write, check_output
from ..symbolic.limits import LIMITS, time_budget
from ..symbolic.plain import plain_fraction


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
    """The `Optimizer` of ``--optimizer``; GD when absent or ``gd`` (as `symbolic.lazy.LazyGD`,
    so a numeric run whose kernels are cached needs no SymPy)."""
    spec = getattr(args, "optimizer", None)
    if spec is None or (isinstance(spec, str) and spec.strip() in ("", "gd")):
        from ..symbolic.lazy import LazyGD
        return LazyGD()
    from ..symbolic.optimizers import parse_optimizer
    return parse_optimizer(spec)


def add_force_option(s):
    """``--force``: run sizes beyond the documented maxima (README, "Errors and limits")."""
    s.add_argument("--force", action="store_true",
                   help="run even beyond the documented size limits (memory/time estimate "
                        "is printed when refused)")


def model_from_args(args, default="four-scalar", rule=None):
    """The user model of ``--loss``/``--tie`` (an empty ``--loss`` is refused, not ignored),
    else the built-in ``--model`` (or `default`), derived only when needed
    (`symbolic.lazy.LazyModel`: a run whose kernels are cached needs its name only).
    Building a user model proves its ties invariant (under `rule` too, when one other than
    GD is given: a model proves its ties invariant under GD when built), under the symbolic time
    budget."""
    if getattr(args, "loss", None) is not None:
        from ..symbolic.model import Model
        with time_budget(getattr(args, "time_budget", None) or LIMITS.symbolic_seconds,
                         "--loss"):
            model = Model.from_loss(args.loss, args.tie or [], rule=rule)
    elif getattr(args, "tie", None):
        raise EosError("--tie: only with --loss (a built-in model has its own ties)")
    else:
        from ..symbolic.lazy import LazyModel, is_builtin
        name = args.model or default
        if is_builtin(name):
            model = LazyModel(name)
        else:
            from ..symbolic.models import get_model
            model = get_model(name)  # refused with the list of built-in names
    if rule is not None and not rule.is_gd:
        rule.bind(model)
    return model


def parse_number(text, what):
    """The safe parser's exact number (imported when a command needs it: the others need not
    load SymPy)."""
    from ..symbolic.parser import parse_number as parse
    return parse(text, what)


def number_option(text, what, positive=False, rational=True):
    """A command-line number through the safe parser, as a float (exactness is kept where
    the value is passed on as text)."""
    q = plain_fraction(text)
    if q is None:
        from ..symbolic.parser import parse_number
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
