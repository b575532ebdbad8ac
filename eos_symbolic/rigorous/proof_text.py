"""Reading back the expressions a proof wrote (SymPy `str`), with the restricted parser.

Proof texts are the package's own output, but a re-check must not trust them: they go
through `symbolic.parser` like any outside text (the derivations' limits, plus `Abs`, which
SymPy prints for $\\sqrt{p^2}$ with p real).
"""
import sympy as sp

from ..symbolic.parser import DERIVATIONS, FUNCTIONS, parse_expression

_TEXT_FUNCTIONS = {**FUNCTIONS, "Abs": (sp.Abs, 1)}


def read(text):
    """An expression written by a proof, read back by the restricted parser."""
    return parse_expression(text, "proof expression", DERIVATIONS, _TEXT_FUNCTIONS)
