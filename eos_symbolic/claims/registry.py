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
from .fields import parse_formula
from .schema import validate_claim

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

#: Kinds a user claims file may use (the paper's registry uses more, with custom checkers).
USER_KINDS = ("identity", "expansion", "inequality", "invariant-region", "trajectory-limit",
              "stability-threshold", "limit-sharpness")
#: A claims file is a short text; anything longer is refused before it is parsed.
MAX_FILE_BYTES = 1 << 20


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
    """A user's claims file, validated against `schema.KINDS` when it is read: known kinds and
    fields, types and ranges, parseable formulas, known symbols, unique ids. Any problem is
    one `EosError` line naming the file, the claim and the field."""
    path = Path(path)
    try:
        with open(path, "rb") as fh:  # bounded read: a device or a pipe cannot flood memory
            raw = fh.read(MAX_FILE_BYTES + 1)
    except FileNotFoundError:
        raise EosError(f"claims file {path} does not exist") from None
    except IsADirectoryError:
        raise EosError(f"claims file {path} is a directory, not a TOML file") from None
    except OSError as exc:
        raise EosError(f"claims file {path}: cannot read it ({exc.strerror})") from None
    if len(raw) > MAX_FILE_BYTES:
        raise EosError(f"claims file {path}: more than the {MAX_FILE_BYTES:,} bytes a claims "
                       "file may have")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise EosError(f"claims file {path}: not UTF-8 text (byte {exc.start}); expected a "
                       "TOML file") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise EosError(f"claims file {path}: not valid TOML ({exc})") from None
    except RecursionError:
        raise EosError(f"claims file {path}: not valid TOML (nested too deeply)") from None
    extra = sorted(set(data) - {"claim"})
    if extra:
        raise EosError(f"claims file {path}: unknown top-level key {extra[0]!r}; a claims file "
                       "holds [[claim]] tables only")
    entries = data.get("claim")
    if not isinstance(entries, list) or not entries:
        raise EosError(f"claims file {path}: expected one or more [[claim]] tables")
    seen = {}
    for i, entry in enumerate(entries, 1):
        validate_claim(entry, str(path), i)
        if entry["id"] in seen:
            raise EosError(f"{path}: claim {entry['id']}: id: used twice (claims #{seen[entry['id']]}"
                           f" and #{i}); ids must be unique")
        seen[entry["id"]] = i
    return _claims_from_table(data, str(path), USER_KINDS)


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
