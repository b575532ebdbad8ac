"""Built-in models of the paper (Sections 2 and 4) and the depth-k family."""
import re

import sympy as sp

from ..errors import EosError
from .model import Model
from .symbols import symbol, w, x, y, z

_HALF = sp.Rational(1, 2)

BUILTIN = {
    "four-scalar": lambda: Model("four-scalar", _HALF * (1 - x * y * z * w) ** 2,
                                 (x, y, z, w), ((z, x), (w, y)),
                                 "4-layer scalar network, tied z = x, w = y (paper eq. 1-2)"),
    "two-scalar": lambda: Model("two-scalar", _HALF * (1 - x * y) ** 2, (x, y), (),
                                "2-layer scalar network (paper Section 4)"),
    "two-scalar-unhalved": lambda: Model("two-scalar-unhalved", (1 - x * y) ** 2, (x, y), (),
                                         "2-scalar objective as printed in eq. 12"),
    "three-scalar": lambda: Model("three-scalar", _HALF * (1 - x * y * z) ** 2, (x, y, z),
                                  ((z, y),), "3-layer scalar network, tied z = y (Section 4)"),
}

#: Models `derive` regenerates by default (the family is represented by one tied member).
DEFAULT_MODELS = ("four-scalar", "two-scalar", "two-scalar-unhalved", "three-scalar",
                  "depth-5:2+3")

_DEPTH = re.compile(r"^depth-(\d+)(?::(\d+(?:\+\d+)*))?$")


def depth_model(k, groups=None):
    """$L = \\tfrac12 (1 - x_1 \\cdots x_k)^2$; `groups` (e.g. (2, 3)) ties consecutive
    coordinates within each group to the group's first one."""
    if not 1 <= k <= 12:
        raise EosError(f"depth-k: expected 1 <= k <= 12, got k = {k}")
    groups = tuple(groups or (1,) * k)
    if sum(groups) != k or min(groups) < 1:
        raise EosError(f"depth-{k}: group sizes {'+'.join(map(str, groups))} must be positive "
                       f"and add up to {k}")
    params = tuple(symbol(f"x{i}") for i in range(1, k + 1))
    ties, start = [], 0
    for size in groups:
        ties += [(params[start + j], params[start]) for j in range(1, size)]
        start += size
    name = f"depth-{k}" + ("" if set(groups) == {1} else ":" + "+".join(map(str, groups)))
    return Model(name, _HALF * (1 - sp.Mul(*params)) ** 2, params, tuple(ties),
                 f"depth-{k} scalar network, groups of equal coordinates {groups}")


def get_model(name):
    """The built-in model called `name` (see `BUILTIN` and ``depth-K[:G1+G2+...]``).

    >>> m = get_model("four-scalar")
    >>> m.loss, m.coords
    ((-w*x*y*z + 1)**2/2, (x, y))
    >>> get_model("depth-5:2+3").coords
    (x1, x3)"""
    if name in BUILTIN:
        return BUILTIN[name]()
    m = _DEPTH.match(name or "")
    if m:
        groups = tuple(int(g) for g in m.group(2).split("+")) if m.group(2) else None
        return depth_model(int(m.group(1)), groups)
    raise EosError(f"unknown model {name!r}; expected one of {', '.join(BUILTIN)} or "
                   "depth-K[:G1+G2+...] (e.g. depth-5:2+3)")
