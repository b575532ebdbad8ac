"""Parsing of claim fields: formulas, relations, domains (the schema is `schema`).

Every formula goes through the restricted parser `symbolic.parser.parse_expression`, so no
code runs from a claims file; symbols are limited to `ALLOWED_SYMBOLS`.
"""
import re

import sympy as sp

from ..errors import EosError
from ..symbolic.parser import parse_expression, parse_number

#: Symbols a claim formula may mention.
ALLOWED_SYMBOLS = {"x", "y", "z", "w", "eta", "kappa", "a", "b", "c", "d", "gamma", "u", "t",
                   "C", "D"}


def parse_formula(text, label):
    """A claim formula (restricted parser) whose symbols are all in `ALLOWED_SYMBOLS`."""
    if not isinstance(text, str):
        raise EosError(f"{label}: expected a formula string, got {text!r}")
    expr = parse_expression(text, label)
    unknown = {s.name for s in expr.free_symbols} - ALLOWED_SYMBOLS
    if unknown:
        raise EosError(f"{label}: unknown symbol(s) {', '.join(sorted(unknown))}; allowed: "
                       f"{', '.join(sorted(ALLOWED_SYMBOLS))}")
    return expr


RELATIONS = ("<=", ">=", "<", ">")


def parse_relation(text, label):
    """``"lhs REL rhs"`` -> (lhs, rel, rhs) with REL one of <, <=, >, >= (exactly one)."""
    if not isinstance(text, str):
        raise EosError(f"{label}: expected an inequality string such as 'b**2 < a', got {text!r}")
    parts = re.split(r"(<=|>=|<|>)", text)
    if len(parts) != 3:
        raise EosError(f"{label}: expected exactly one of {', '.join(RELATIONS)} in {text!r}")
    return parse_formula(parts[0], label), parts[1], parse_formula(parts[2], label)


def margin_expression(lhs, rel, rhs):
    """$m$ with $m > 0$ exactly where the relation holds (``rhs - lhs`` for < and <=)."""
    return sp.expand(rhs - lhs) if rel in ("<", "<=") else sp.expand(lhs - rhs)


def check_assumption(label, sym, lo):
    """Refuse a domain that leaves a symbol's declared assumption: kappa and eta are
    positive inside the toolkit (SymPy simplifies sqrt(kappa**2) to kappa), so a lower bound
    (or value) <= 0 would be checked through a simplification that is false there."""
    if sym.is_positive and not lo > 0:
        raise EosError(f"{label}: {sym} is declared positive (> 0) but the domain reaches "
                       f"{lo}; give bounds above 0")


def parse_domain(claim):
    """`domain` -> (sampled: [(symbol, lo, hi)], fixed: {symbol: value}) with exact bounds;
    every range must respect its symbol's assumption (`check_assumption`)."""
    dom = claim.fields.get("domain")
    if not isinstance(dom, dict) or not dom:
        raise EosError(f"claim {claim.id}: expected domain = {{ name = [lo, hi], ... }}")
    sampled, fixed = [], {}
    for name, rng in dom.items():
        sym = parse_formula(name, f"claim {claim.id} domain")
        if isinstance(rng, list) and len(rng) == 2:
            lo, hi = (parse_number(v, f"claim {claim.id} domain.{name}", rational=False)
                      for v in rng)
            if not float(lo) < float(hi):
                raise EosError(f"claim {claim.id} domain.{name}: expected lo < hi, got {rng}")
            check_assumption(f"claim {claim.id} domain.{name}", sym, lo)
            sampled.append((sym, lo, hi))
        else:
            fixed[sym] = parse_number(rng, f"claim {claim.id} domain.{name}", rational=False)
            check_assumption(f"claim {claim.id} domain.{name}", sym, fixed[sym])
    return sampled, fixed
