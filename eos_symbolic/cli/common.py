"""Helpers shared by the subcommands: the model named on the command line, JSON output."""
import json
from pathlib import Path



def add_model_options(s, model_help="built-in model (default four-scalar)", repeat=False):
    """``--model``, ``--loss`` and ``--tie`` (a built-in model or a user loss with ties)."""
    s.add_argument("--model", action="append" if repeat else None, help=model_help)
    s.add_argument("--loss", help="user loss, e.g. '(1 - x*y*z*w)**2/2'")
    s.add_argument("--tie", action="append", help="tie for --loss, e.g. z=x (repeatable)")


def model_from_args(args, default="four-scalar"):
    """The user model of ``--loss``/``--tie``, else the built-in ``--model`` (or `default`),
    derived only when needed (`symbolic.lazy.LazyModel`: cached kernels need its name only)."""
    if getattr(args, "loss", None):
        from ..symbolic.model import Model
        return Model.from_loss(args.loss, args.tie or [])
    from ..symbolic.lazy import LazyModel, is_builtin
    name = args.model or default
    if is_builtin(name):
        return LazyModel(name)
    from ..symbolic.models import get_model
    return get_model(name)  # refused with the list of built-in names


def write_json(path, payload):
    """Write `payload` as indented JSON to `path` (nothing when `path` is empty)."""
    if path:
        Path(path).write_text(json.dumps(payload, indent=1) + "\n", encoding="utf-8")
