"""Canonical SymPy symbols shared by derivations, JSON output and parsing.

Every derivation uses these objects, so expressions built in different modules compare
equal and `derivations.json` parses back (`parser.parse`) to the very same expressions.
"""
import re

import sympy as sp

x, y, z, w = sp.symbols("x y z w", real=True)
a, b, c, d, u, t, C = sp.symbols("a b c d u t C", real=True)
gamma = sp.Symbol("gamma", real=True)
eta = sp.Symbol("eta", positive=True)
kappa = sp.Symbol("kappa", positive=True)
#: Optimizer parameters: momentum beta, ascent radius rho (`symbolic.optimizers`).
beta = sp.Symbol("beta", positive=True)
rho = sp.Symbol("rho", positive=True)
lam = sp.Symbol("lamda", real=True)  # printed as \\lambda in LaTeX; "lambda" is a keyword

_NAMED = {s.name: s for s in (x, y, z, w, a, b, c, d, u, t, C, gamma, eta, kappa, lam, beta,
                             rho)}
_INDEXED = re.compile(r"^[A-Za-z][0-9]+$")


def symbol(name):
    """The canonical symbol called `name` (x1, x2, ... for depth-k models are real)."""
    if name in _NAMED:
        return _NAMED[name]
    return sp.Symbol(name, real=True)


def sort_key(sym):
    """Order parameters x, y, z, w first, then by name with numeric suffixes compared as numbers."""
    order = {"x": 0, "y": 1, "z": 2, "w": 3}
    m = re.match(r"^([A-Za-z]+)(\d*)$", sym.name)
    stem, num = (m.group(1), int(m.group(2) or 0)) if m else (sym.name, 0)
    return (order.get(sym.name, 4), stem, num, sym.name)
