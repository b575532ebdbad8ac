"""The claims registry: the paper's numbered claims as data, plus user claims files (TOML).

A claim is one `[[claim]]` table: `id`, `where` (paper location), `statement` (as printed),
`kind` (which checker applies), `model`, and kind-specific formula fields, each a SymPy-
parseable string transcribed exactly as printed. Formulas are parsed with the restricted
parser of `fields.parse_formula`: no code runs from a claims file.
"""
import sys
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import sympy as sp

from ..errors import EosError
from .fields import parse_formula, validate_region_kind

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

#: Kinds a user claims file may use (the paper's registry uses more, with custom checkers).
USER_KINDS = ("identity", "expansion", "inequality", "invariant-region", "trajectory-limit",
              "stability-threshold", "limit-sharpness")


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
            return [parse_formula(v, label) for v in raw]
        if isinstance(raw, dict):
            return {k: parse_formula(v, f"{label}.{k}") for k, v in raw.items()}
        return parse_formula(raw, label)

    def substitutions(self):
        """`where_symbols` as a SymPy substitution dict (e.g. gamma -> x*y, D -> 1 + b)."""
        subs = self.fields.get("where_symbols", {})
        return {sp.Symbol(k, real=True) if k not in ("eta", "kappa") else parse_formula(k, k):
                parse_formula(v, f"claim {self.id} where_symbols.{k}") for k, v in subs.items()}


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
        validate_region_kind(c)
        if c.kind in ("stability-threshold", "limit-sharpness"):
            from ..symbolic.optimizers import parse_optimizer
            parse_optimizer(c.fields.get("optimizer"))
    return claims


def claims_with_user_file(path=None):
    """The paper's registry followed by the claims of the user file `path` (if any); a user
    id that names a paper claim is refused."""
    claims = paper_claims()
    if path:
        user = load_claims_file(path)
        clash = {c.id for c in user} & {c.id for c in claims}
        if clash:
            raise EosError(f"claims file {path}: id(s) {', '.join(sorted(clash))} "
                           "already name paper claims; choose other ids")
        claims += user
    return claims


def select(claims, ids):
    """Claims whose id is in `ids` (in the order given); unknown ids raise `EosError`."""
    by_id = {c.id: c for c in claims}
    unknown = [i for i in ids if i not in by_id]
    if unknown:
        raise EosError(f"unknown claim id(s) {', '.join(unknown)}; known: "
                       f"{', '.join(by_id)}")
    return [by_id[i] for i in ids]
