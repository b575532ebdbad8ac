"""Helpers shared by the subcommands: the model and optimizer named on the command line, JSON
output."""
import json
from pathlib import Path

from ..symbolic.model import Model
from ..symbolic.models import get_model
from ..symbolic.optimizers import parse_optimizer


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


def model_from_args(args, default="four-scalar", rule=None):
    """The user model of ``--loss``/``--tie``, else the built-in ``--model`` (or `default`);
    with `rule` its ties are proved invariant under that rule."""
    if getattr(args, "loss", None):
        model = Model.from_loss(args.loss, args.tie or [], rule=rule)
    else:
        model = get_model(args.model or default)
    if rule is not None:
        rule.bind(model)
    return model


def write_json(path, payload):
    """Write `payload` as indented JSON to `path` (nothing when `path` is empty)."""
    if path:
        Path(path).write_text(json.dumps(payload, indent=1) + "\n", encoding="utf-8")
