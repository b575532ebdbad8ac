"""Parsing and validation of claim fields: formulas, relations, domains, region kinds.

Every formula goes through the restricted parser `symbolic.parser.parse_expression`, so no
code runs from a claims file; symbols are limited to `ALLOWED_SYMBOLS`.
"""
import re

import sympy as sp

from ..errors import EosError
from ..symbolic.parser import parse_expression

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
            lo, hi = (parse_formula(str(v), f"claim {claim.id} domain.{name}") for v in rng)
            if not float(lo) < float(hi):
                raise EosError(f"claim {claim.id} domain.{name}: expected lo < hi, got {rng}")
            check_assumption(f"claim {claim.id} domain.{name}", sym, lo)
            sampled.append((sym, lo, hi))
        else:
            fixed[sym] = parse_formula(str(rng), f"claim {claim.id} domain.{name}")
            check_assumption(f"claim {claim.id} domain.{name}", sym, fixed[sym])
    return sampled, fixed


def validate_region_kind(c):
    """Fields of the kinds `inequality`, `invariant-region`, `trajectory-limit` (and the
    `domain` of any kind that has one)."""
    label = f"claim {c.id}"
    if "domain" in c.fields and c.kind not in ("inequality", "invariant-region"):
        parse_domain(c)
    if c.kind == "inequality":
        parse_relation(c.fields.get("inequality"), f"{label} inequality")
        parse_domain(c)
    elif c.kind == "invariant-region":
        if not isinstance(c.fields.get("region"), list) or not c.fields["region"]:
            raise EosError(f"{label}: expected region = ['inequality', ...]")
        for t in c.fields["region"] + list(c.fields.get("into", [])):
            parse_relation(t, f"{label} region")
        if c.fields.get("coords", "ab") not in ("ab", "xy"):
            raise EosError(f"{label}: coords: expected ab or xy, got {c.fields['coords']!r}")
        if int(c.fields.get("steps", 1)) not in (1, 2):
            raise EosError(f"{label}: steps: expected 1 or 2, got {c.fields['steps']}")
        parse_domain(c)
    elif c.kind == "trajectory-limit":
        start, limit = c.fields.get("start"), c.fields.get("limit")
        if not isinstance(start, dict) or sorted(start) not in (["a", "b"], ["x", "y"]):
            raise EosError(f"{label}: expected start = {{ a = [lo, hi], b = [lo, hi] }} "
                           "(or x, y ranges)")
        for k, rng in start.items():
            if not isinstance(rng, list) or len(rng) != 2:
                raise EosError(f"{label}: start.{k}: expected [lo, hi], got {rng!r}")
            [parse_formula(str(v), f"{label} start.{k}") for v in rng]
        if not isinstance(limit, dict) or not limit:
            raise EosError(f"{label}: expected limit = {{ a_over_kappa3 = ['lo', 'hi'] }}")
        for k, rng in limit.items():
            if k not in ("a", "a_over_kappa3", "gap_over_eta", "sharpness"):
                raise EosError(f"{label}: limit.{k}: expected one of a, a_over_kappa3, "
                               "gap_over_eta, sharpness")
            if not isinstance(rng, list) or len(rng) != 2:
                raise EosError(f"{label}: limit.{k}: expected [lo, hi], got {rng!r}")
            [parse_formula(str(v), f"{label} limit.{k}") for v in rng]
        parse_formula(str(c.fields.get("eta", "")), f"{label} eta")
