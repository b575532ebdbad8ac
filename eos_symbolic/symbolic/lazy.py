"""A built-in model (and GD) known by its name until something needs more than the name.

`LazyModel("four-scalar")` is what the command line hands to numeric runs: their compiled
kernels are found in the on-disk cache by the model's name (`numeric.kernels`), so a run
whose kernels are cached never derives the model, nor imports SymPy. Everything else
(attributes, equality, hashing) resolves to `get_model(name)` on first use, so a lazy model
behaves exactly as the built-in one wherever it is used symbolically.
"""
import re

#: The names of `models.BUILTIN` (kept here without SymPy; a test holds the two equal).
BUILTIN_NAMES = ("four-scalar", "two-scalar", "two-scalar-unhalved", "three-scalar")
_DEPTH = re.compile(r"^depth-\d+(?::\d+(?:\+\d+)*)?$")


def is_builtin(name):
    """Does `name` name a built-in model (a fixed one or ``depth-K[:G1+G2+...]``)?"""
    return name in BUILTIN_NAMES or bool(_DEPTH.match(name or ""))


class LazyModel:
    """The built-in model `name`, derived on first use (see the module docstring)."""

    def __init__(self, name):
        self.name = self.lazy_name = name
        self._model = None

    def resolve(self):
        """The `Model` itself (derived once)."""
        if self._model is None:
            from .models import get_model
            self._model = get_model(self.name)
        return self._model

    def __getattr__(self, attr):  # only attributes this object does not have itself
        if attr.startswith("__"):
            raise AttributeError(attr)
        return getattr(self.resolve(), attr)

    def __eq__(self, other):
        return self.resolve() == (other.resolve() if isinstance(other, LazyModel) else other)

    def __hash__(self):
        return hash(self.resolve())

    def __reduce__(self):
        return LazyModel, (self.name,)

    def __str__(self):
        return str(self.resolve())

    def __repr__(self):
        return f"LazyModel({self.name!r})"


class LazyGD:
    """Gradient descent, the default update rule, known by its name: `spec`, `kind`,
    `params` and `is_gd` answer without SymPy (numeric runs ask no more of GD); anything
    else, equality and hashing resolve to `optimizers.GD` on first use."""

    spec = kind = "gd"
    params = ()
    is_gd = True

    def resolve(self):
        """The `Optimizer` itself."""
        from .optimizers import GD
        return GD

    def __getattr__(self, attr):
        if attr.startswith("__"):
            raise AttributeError(attr)
        return getattr(self.resolve(), attr)

    def __eq__(self, other):
        return self.resolve() == (other.resolve() if isinstance(other, LazyGD) else other)

    def __hash__(self):
        return hash(self.resolve())

    def __reduce__(self):
        return LazyGD, ()

    def __repr__(self):
        return "LazyGD()"
