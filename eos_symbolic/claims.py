"""The claims registry: the paper's numbered claims as data, plus user claims files (TOML).

A claim is one `[[claim]]` table: `id`, `where` (paper location), `statement` (as printed),
`kind` (which checker applies), `model`, and kind-specific formula fields, each a SymPy-
parseable string transcribed exactly as printed. Formulas are parsed with the restricted
parser of `model.parse_expression`: no code runs from a claims file.
"""
import sys
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import sympy as sp

from .errors import EosError
from .model import parse_expression

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

#: Kinds a user claims file may use (the paper's registry uses more, with custom checkers).
USER_KINDS = ("identity", "expansion", "inequality", "invariant-region", "trajectory-limit")
#: Symbols a claim formula may mention.
ALLOWED_SYMBOLS = {"x", "y", "z", "w", "eta", "kappa", "a", "b", "c", "d", "gamma", "u", "t",
                   "C", "D"}


@dataclass(frozen=True)
class Claim:
    """One claim: identity and wording, the checker kind, and its raw fields."""

    id: str
    where: str
    statement: str
    kind: str
    model: str
    fields: dict = field(default_factory=dict)
    source: str = "paper"

    def formula(self, key, what=None):
        """Parse field `key` (a string, or a list/dict of strings) with the restricted parser."""
        raw = self.fields.get(key)
        if raw is None:
            raise EosError(f"claim {self.id}: missing field {key!r}")
        label = f"claim {self.id} field {what or key}"
        if isinstance(raw, list):
            return [_parse(v, label) for v in raw]
        if isinstance(raw, dict):
            return {k: _parse(v, f"{label}.{k}") for k, v in raw.items()}
        return _parse(raw, label)

    def substitutions(self):
        """`where_symbols` as a SymPy substitution dict (e.g. gamma -> x*y, D -> 1 + b)."""
        subs = self.fields.get("where_symbols", {})
        return {sp.Symbol(k, real=True) if k not in ("eta", "kappa") else _parse(k, k):
                _parse(v, f"claim {self.id} where_symbols.{k}") for k, v in subs.items()}


def _parse(text, label):
    if not isinstance(text, str):
        raise EosError(f"{label}: expected a formula string, got {text!r}")
    expr = parse_expression(text, label)
    unknown = {s.name for s in expr.free_symbols} - ALLOWED_SYMBOLS
    if unknown:
        raise EosError(f"{label}: unknown symbol(s) {', '.join(sorted(unknown))}; allowed: "
                       f"{', '.join(sorted(ALLOWED_SYMBOLS))}")
    return expr


def _claims_from_table(data, source, kinds=None):
    out = []
    entries = data.get("claim")
    if not isinstance(entries, list) or not entries:
        raise EosError(f"{source}: expected one or more [[claim]] tables")
    for i, entry in enumerate(entries, 1):
        missing = [k for k in ("id", "kind") if k not in entry]
        if missing:
            raise EosError(f"{source}: claim #{i} lacks {', '.join(missing)}")
        if kinds is not None and entry["kind"] not in kinds:
            raise EosError(f"{source}: claim {entry['id']}: unknown kind {entry['kind']!r}; "
                           f"expected one of {', '.join(kinds)}")
        rest = {k: v for k, v in entry.items()
                if k not in ("id", "where", "statement", "kind", "model")}
        claim = Claim(str(entry["id"]), entry.get("where", source), entry.get("statement", ""),
                      entry["kind"], entry.get("model", "four-scalar"), rest, source)
        out.append(claim)
    return out


def paper_claims():
    """The registry: C1-C27 and F2-F7 of the paper, in order."""
    text = resources.files("eos_symbolic").joinpath("data/paper_claims.toml").read_text("utf-8")
    return _claims_from_table(tomllib.loads(text), "paper")


def load_claims_file(path):
    """A user's claims file, validated: known kinds, parseable formulas, known symbols."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise EosError(f"claims file {path} does not exist") from None
    except tomllib.TOMLDecodeError as exc:
        raise EosError(f"claims file {path}: not valid TOML ({exc})") from None
    claims = _claims_from_table(data, str(path), USER_KINDS)
    for c in claims:
        for key in ("lhs", "rhs", "claimed"):
            if key in c.fields:
                c.formula(key)
        c.substitutions()
        _validate_region_kind(c)
    return claims


def _validate_region_kind(c):
    """Fields of the kinds `inequality`, `invariant-region`, `trajectory-limit` (issue 6)."""
    from .lemma_checks import parse_domain, parse_relation
    label = f"claim {c.id}"
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
            [_parse(str(v), f"{label} start.{k}") for v in rng]
        if not isinstance(limit, dict) or not limit:
            raise EosError(f"{label}: expected limit = {{ a_over_kappa3 = ['lo', 'hi'] }}")
        for k, rng in limit.items():
            if k not in ("a", "a_over_kappa3", "gap_over_eta", "sharpness"):
                raise EosError(f"{label}: limit.{k}: expected one of a, a_over_kappa3, "
                               "gap_over_eta, sharpness")
            if not isinstance(rng, list) or len(rng) != 2:
                raise EosError(f"{label}: limit.{k}: expected [lo, hi], got {rng!r}")
            [_parse(str(v), f"{label} limit.{k}") for v in rng]
        _parse(str(c.fields.get("eta", "")), f"{label} eta")


def select(claims, ids):
    """Claims whose id is in `ids` (in the order given); unknown ids raise `EosError`."""
    by_id = {c.id: c for c in claims}
    unknown = [i for i in ids if i not in by_id]
    if unknown:
        raise EosError(f"unknown claim id(s) {', '.join(unknown)}; known: "
                       f"{', '.join(by_id)}")
    return [by_id[i] for i in ids]
