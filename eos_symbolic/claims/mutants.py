"""Systematic mutants of the paper's claim formulas, and an oracle that says which are false.

`mutants(claim)` alters every number and every sign of every formula field, one at a time:
each integer literal n becomes n + 1 and n - 1 (2 instead of 0), each ``a - b`` becomes
``a + b`` and back, each unary minus is dropped. The text is rewritten through Python's
`ast` (parse and unparse only; nothing is evaluated).

`oracle(mutant)` decides from the toolkit's *derivations* (not from a checker's verdict logic)
whether the mutated statement is false: numerically at random points for closed forms,
eigenvalues, ODE solutions and rates, exactly for series, by the derived limit as kappa -> 0
for the theorems' intervals (a widened interval that still holds is not false). It returns
True (false claim: must be refuted), False (a true claim: must not be refuted) or None (not
decided: e.g. an interval that contains the limit, about which the theorem's hypotheses
cannot be simulated).
"""
import ast
import random
from dataclasses import replace

import mpmath
import sympy as sp

from ..local.expansions import leading_part, series_through, weight_of, weighted_part
from ..symbolic.minima import eos_minima, eos_range
from ..symbolic.models import get_model
from ..symbolic.parser import to_sympy
from ..symbolic.reparam import reparameterise
from ..symbolic.spectrum import hessian_eigenvalues
from ..symbolic.symbols import C, a, b, eta, kappa, x, y
from .checks.asymptotic import derived_limit, limit_of
from .fields import parse_formula

#: Formula fields, by kind (the fields a mutant may alter).
FIELDS = {"eigenvalues": ("claimed",), "closed-form": ("claimed", "eta_range"),
          "reparam-structure": ("claimed",), "expansion": ("claimed",), "rate": ("claimed",),
          "ode": ("ode", "solution"), "end-point": ("parabola", "claimed"),
          "one-d-map": ("claimed",), "theorem-region": ("claimed_interval",
                                                         "sharpness_interval")}


class _Edit(ast.NodeTransformer):
    """Apply the `target`-th mutation site (numbering in walk order) with variant `which`."""

    def __init__(self, target, which):
        self.target, self.which, self.seen, self.done = target, which, -1, False

    def hit(self):
        self.seen += 1
        return self.seen == self.target

    def visit_Constant(self, node):
        if isinstance(node.value, int) and not isinstance(node.value, bool) and self.hit():
            n = node.value
            self.done = True
            return ast.copy_location(ast.Constant(n + 1 if self.which == 0 else
                                                  (n - 1 if n != 1 else 2)), node)
        return node

    def visit_BinOp(self, node):
        self.generic_visit(node)
        if isinstance(node.op, (ast.Add, ast.Sub)) and self.hit() and self.which == 0:
            self.done = True
            node.op = ast.Sub() if isinstance(node.op, ast.Add) else ast.Add()
        return node

    def visit_UnaryOp(self, node):
        self.generic_visit(node)
        if isinstance(node.op, ast.USub) and self.hit() and self.which == 0:
            self.done = True
            return node.operand
        return node


def text_mutants(text):
    """Every single-site mutant of a formula string (module docstring), as strings."""
    out = []
    tree = ast.parse(text, mode="eval")
    sites = sum(isinstance(n, (ast.Constant, ast.BinOp, ast.UnaryOp)) for n in ast.walk(tree))
    for site in range(sites + 1):
        for which in (0, 1):
            t = ast.parse(text, mode="eval")
            edit = _Edit(site, which)
            new = ast.unparse(edit.visit(t))
            if edit.done and new not in out and new != ast.unparse(ast.parse(text)):
                out.append(new)
    return out


def mutants(claim):
    """(field path, mutated claim) for every single-site mutant of the claim's formulas."""
    out = []
    for key in FIELDS.get(claim.kind, ()):
        raw = claim.fields.get(key)
        if raw is None:
            continue
        items = raw.items() if isinstance(raw, dict) else enumerate(raw) \
            if isinstance(raw, list) else [(None, raw)]
        for k, text in items:
            for new in text_mutants(str(text)):
                if isinstance(raw, dict):
                    value = {**raw, k: new}
                elif isinstance(raw, list):
                    value = [new if i == k else v for i, v in enumerate(raw)]
                else:
                    value = new
                out.append((f"{key}{'' if k is None else f'[{k}]'}: {text} -> {new}",
                            replace(claim, fields={**claim.fields, key: value})))
    return out


def _points(symbols, n=3, seed=0, windows=None):
    rng = random.Random(seed)
    win = {"x": (-2, 2), "y": (-2, 2), "eta": (0.05, 0.45), "kappa": (0.1, 0.6),
           "a": (-0.05, 0.05), "b": (0.01, 0.05), "C": (0.1, 0.5), **(windows or {})}
    return [{s: sp.Rational(round(rng.uniform(*win.get(s.name, (0.2, 2))) * 10 ** 6), 10 ** 6)
             for s in symbols} for _ in range(n)]


def _differs(p, q, symbols, windows=None):
    """True if p != q numerically (30 digits) at some random point."""
    for pt in _points(symbols, windows=windows):
        with mpmath.workdps(40):
            u, v = sp.N(to_sympy(p).subs(pt), 35), sp.N(to_sympy(q).subs(pt), 35)
        if not (u.is_number and v.is_number):
            return True
        if abs(complex(u) - complex(v)) > 1e-20 * max(1, abs(complex(u))):
            return True
    return False


def oracle(claim):
    """True if the claim is false by the derivations, False if true, None if undecided."""
    f = claim.formula
    subs = claim.substitutions()
    model = get_model(claim.model) if claim.kind != "theorem-region" else None
    k = claim.kind
    if k == "eigenvalues":
        claimed = [e.subs(subs) for e in f("claimed")]
        derived = [e for e in hessian_eigenvalues(model) if not isinstance(e, sp.Equality)]
        for pt in _points({x, y}):
            free = [complex(sp.N(d.subs(pt), 30)).real for d in derived]
            for e in claimed:  # each printed eigenvalue must be a distinct derived one
                v = complex(sp.N(e.subs(pt), 30))
                j = next((j for j, w in enumerate(free)
                          if abs(v - w) < 1e-18 * max(1, abs(w))), None)
                if j is None:
                    return True
                free.pop(j)
        return False
    if k == "closed-form":
        if claim.fields.get("eta_range"):
            lo, hi = f("eta_range")
            if lo != 0 or hi != eos_range(model):
                return True
        target = claim.fields["target"]
        derived = (list(eos_minima(model)[0][0]) if target == "eos_minimum" else
                   [reparameterise(model).c_check.subs(kappa, sp.sqrt(eta))] if target ==
                   "c_check" else list(reparameterise(model).ab_map))
        return any(_differs(e.subs(subs), d, {eta, kappa, a, b} & (e.free_symbols |
                                                                   d.free_symbols))
                   for e, d in zip(f("claimed"), derived))
    if k == "reparam-structure":
        derived = [reparameterise(model).c_check.subs(kappa, sp.sqrt(eta)), sp.Integer(1)]
        return any(_differs(e, d, {eta}) for e, d in zip(f("claimed"), derived))
    if k in ("expansion", "one-d-map"):
        weights = claim.fields["weights"]
        claimed = f("claimed")
        items = claimed.items() if isinstance(claimed, dict) else [("b''", claimed)]
        steps = int(claim.fields.get("steps", 2))
        for key, e in items:
            inc = sp.expand(e - a) if key[0] == "a" else sp.expand(e)
            W = weight_of(sp.expand(e), weights)
            da, db = series_through(model, steps, weights, W)
            derived = da if key[0] == "a" else db
            if sp.expand(inc - weighted_part(derived, weights, W)) != 0:
                return True
        return False
    if k == "rate":
        lead = leading_part(model, 1, "a", claim.fields["weights"])
        return _differs(f("claimed"), -lead, {b, kappa})
    if k == "ode":
        g, rhs = f("solution"), f("ode")
        res = sp.diff(g, a) - (2 * b * rhs).subs(b, sp.sqrt(g))
        return _differs(res, sp.Integer(0), {a, kappa, C}, {"kappa": (0.2, 0.8)})
    if k == "end-point":
        from .registry import paper_claims, select
        sol = select(paper_claims(), [claim.fields["from_claim"]])[0].formula("solution")
        parabola = f("parabola")
        if _differs(parabola, sol.subs(C, 0), {a, kappa}):
            return True
        return _differs(parabola.subs(a, f("claimed")), sp.Integer(0), {kappa})
    if k == "theorem-region":
        quantity = "a_over_kappa3" if "claimed_interval" in claim.fields else "gap_over_eta"
        L = derived_limit(get_model("four-scalar"), quantity)
        if quantity == "a_over_kappa3":
            lo, hi = (v / kappa ** 3 for v in f("claimed_interval"))
        else:
            s_lo, s_hi = f("sharpness_interval")
            lo, hi = ((2 / eta - v) / eta for v in (s_hi, s_lo))
        lo0, hi0 = limit_of(lo), limit_of(hi)
        return True if not (lo0 <= L <= hi0) else None
    return None


def formula_claims(claims):
    """The claims the mutation test covers (those with formula fields in `FIELDS`)."""
    return [c for c in claims if any(c.fields.get(key) for key in FIELDS.get(c.kind, ()))]


def parses(claim):
    """Does every formula field of the mutant still parse? (A mutant like ``x**-1`` may
    not; it is then not a claim.)"""
    try:
        for key in FIELDS.get(claim.kind, ()):
            raw = claim.fields.get(key)
            for v in (raw.values() if isinstance(raw, dict) else raw if isinstance(raw, list)
                      else [raw] if raw is not None else []):
                parse_formula(str(v), key)
        return True
    except Exception:
        return False


def mutation_report(claims, ctx, every=1, progress=None):
    """Check every `every`-th mutant of every formula claim: counts per claim, the kill rate
    over the mutants the oracle calls false, and every mutant the oracle calls true that a
    checker refuted (must be none)."""
    from .verify import check_claim
    rows, k = [], 0
    for claim in formula_claims(claims):
        row = {"id": claim.id, "mutants": 0, "false": 0, "killed": 0, "true": 0,
               "undecided": 0, "survivors": [], "true_refuted": []}
        for label, m in mutants(claim):
            k += 1
            if (k - 1) % every or not parses(m):
                continue
            truth = oracle(m)
            v = check_claim(m, ctx)
            row["mutants"] += 1
            if progress:
                progress(claim.id, label, truth, v.verdict)
            if truth is True:
                row["false"] += 1
                if v.verdict == "refuted":
                    row["killed"] += 1
                else:
                    row["survivors"].append(f"{label} ({v.verdict})")
            elif truth is False:
                row["true"] += 1
                if v.verdict == "refuted":
                    row["true_refuted"].append(label)
            else:
                row["undecided"] += 1
                if v.verdict == "refuted":
                    row["true_refuted"].append(f"{label} (undecided by the oracle)")
        rows.append(row)
    false = sum(r["false"] for r in rows)
    killed = sum(r["killed"] for r in rows)
    return {"rows": rows, "false": false, "killed": killed,
            "kill_rate": killed / false if false else 1.0,
            "true_refuted": sum(len(r["true_refuted"]) for r in rows)}
