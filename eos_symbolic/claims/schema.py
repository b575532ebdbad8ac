"""The schema of user claims files: every kind's fields, their types and ranges.

`validate_claim` runs when a file is loaded, before any checker: a claim whose fields are
missing, unknown, of the wrong type, out of range or unparsable is refused with one line
naming the file, the claim id and the field (``claims.toml: claim U2: weights.a: ...``), so
a malformed field never reaches a checker as ``inconclusive: checker error``. Formulas go
through the restricted parser (`fields.parse_formula`), numbers through
`symbolic.parser.parse_number`; nothing from the file is evaluated as code.

A field spec is ``(type, required, detail)``; the types are the ``_check_*`` functions below.
"""
import re

from ..errors import EosError
from ..symbolic.limits import LIMITS
from ..symbolic.models import get_model
from ..symbolic.optimizers import parse_optimizer
from ..symbolic.parser import parse_number
from .fields import ALLOWED_SYMBOLS, check_assumption, parse_formula, parse_relation

ID = re.compile(r"^[A-Za-z][A-Za-z0-9_.-]{0,31}$")
#: Names of the limit quantities of `trajectory-limit`.
LIMIT_QUANTITIES = ("a", "a_over_kappa3", "gap_over_eta", "sharpness")


class _Fail(Exception):
    """A problem with one field: `where` (e.g. ``weights.a``) and `why`."""

    def __init__(self, where, why):
        super().__init__(where, why)
        self.where, self.why = where, why


def _raise_from(where, exc):
    raise _Fail(where, str(exc).split(": ", 1)[-1] if ": " in str(exc) else str(exc))


def _text(where, v, detail=None):
    if not isinstance(v, str):
        raise _Fail(where, f"expected a string, got {_kind(v)}")
    if len(v) > 20000:
        raise _Fail(where, "longer than 20000 characters")


def _formula(where, v, detail=None):
    try:
        parse_formula(v, where)
    except EosError as exc:
        _raise_from(where, exc)


def _relations(where, v, detail=None):
    if isinstance(v, str) or not isinstance(v, list) or not v:
        raise _Fail(where, "expected a non-empty list of inequalities such as ['x > y']")
    for i, t in enumerate(v):
        try:
            parse_relation(t, f"{where}[{i}]")
        except EosError as exc:
            _raise_from(f"{where}[{i}]", exc)


def _relation(where, v, detail=None):
    try:
        parse_relation(v, where)
    except EosError as exc:
        _raise_from(where, exc)


def _integer(where, v, detail):
    lo, hi = detail
    if isinstance(v, bool) or not isinstance(v, int):
        raise _Fail(where, f"expected an integer from {lo} to {hi}, got {_kind(v)}")
    if not lo <= v <= hi:
        raise _Fail(where, f"expected an integer from {lo} to {hi}, got {v}")


def _number(where, v, detail="positive"):
    try:
        q = parse_number(v, where)
    except EosError as exc:
        _raise_from(where, exc)
    if detail == "positive" and not q > 0:
        raise _Fail(where, f"expected a positive number, got {v!r}")


def _choice(where, v, detail):
    if v not in detail:
        raise _Fail(where, f"expected one of {', '.join(detail)}, got {_kind(v)}")


def _model(where, v, detail=None):
    if not isinstance(v, str):
        raise _Fail(where, f"expected a model name, got {_kind(v)}")
    try:
        get_model(v)
    except EosError as exc:
        _raise_from(where, exc)


def _models(where, v, detail=None):
    if not isinstance(v, list):
        raise _Fail(where, f"expected a list of model names, got {_kind(v)}")
    for i, name in enumerate(v):
        _model(f"{where}[{i}]", name)


def _interval(where, v, symbolic=False):
    """[lo, hi] with lo < hi: numbers, or (`symbolic`) formulas in kappa and eta."""
    if not isinstance(v, list) or len(v) != 2:
        raise _Fail(where, f"expected [lo, hi], got {_kind(v)}")
    if symbolic:
        for i, e in enumerate(v):
            text = e if isinstance(e, str) else repr(e) if isinstance(e, (int, float)) and \
                not isinstance(e, bool) else None
            if text is None:
                raise _Fail(f"{where}[{i}]", f"expected a number or formula, got {_kind(e)}")
            _formula(f"{where}[{i}]", text)
        return
    try:
        lo, hi = (float(parse_number(e, f"{where}[{i}]", rational=False))
                  for i, e in enumerate(v))
    except EosError as exc:
        _raise_from(where, exc)
    except OverflowError:
        raise _Fail(where, "a bound beyond the float range") from None
    if not lo < hi:
        raise _Fail(where, f"expected lo < hi, got [{v[0]}, {v[1]}]")


def _symbol_key(where, name):
    if name not in ALLOWED_SYMBOLS:
        raise _Fail(where, f"unknown symbol {name!r}; allowed: {', '.join(sorted(ALLOWED_SYMBOLS))}")


def _box(where, v, detail):
    """A table name -> [lo, hi]; `detail`: ("fixed",) also allows a single value, a tuple of
    names requires exactly those keys."""
    if not isinstance(v, dict) or not v:
        raise _Fail(where, "expected a table { name = [lo, hi], ... }")
    names = detail if isinstance(detail, tuple) and detail and detail[0] != "fixed" else None
    if names and sorted(v) != sorted(names):
        raise _Fail(where, f"expected ranges for exactly {', '.join(names)}, got "
                           f"{', '.join(sorted(v))}")
    for name, rng in v.items():
        _symbol_key(f"{where}.{name}", name)
        if detail == ("fixed",) and not isinstance(rng, list):
            _number(f"{where}.{name}", rng, "any")
        else:
            _interval(f"{where}.{name}", rng)
        low = rng[0] if isinstance(rng, list) else rng
        try:  # kappa and eta are declared positive: a domain reaching 0 is refused
            check_assumption(where, parse_formula(name, where),
                             parse_number(low, f"{where}.{name}", rational=False))
        except EosError as exc:
            _raise_from(f"{where}.{name}", exc)


def _start(where, v, detail=None):
    if not isinstance(v, dict) or sorted(v) not in (["a", "b"], ["x", "y"]):
        raise _Fail(where, "expected { a = [lo, hi], b = [lo, hi] } (or x, y ranges)")
    for name, rng in v.items():
        _interval(f"{where}.{name}", rng)


def _limit(where, v, detail=None):
    if not isinstance(v, dict) or not v:
        raise _Fail(where, "expected a table such as { a_over_kappa3 = ['-5/3', '-1/10'] }")
    for name, rng in v.items():
        if name not in LIMIT_QUANTITIES:
            raise _Fail(f"{where}.{name}", f"expected one of {', '.join(LIMIT_QUANTITIES)}")
        _interval(f"{where}.{name}", rng, symbolic=True)


def _substitutions(where, v, detail=None):
    if not isinstance(v, dict):
        raise _Fail(where, "expected a table { gamma = 'x*y' }")
    for name, text in v.items():
        _symbol_key(f"{where}.{name}", name)
        _formula(f"{where}.{name}", text)


def _weights(where, v, detail=None):
    if not isinstance(v, dict) or not {"a", "b"} <= set(v) <= {"a", "b", "kappa"}:
        raise _Fail(where, "expected { a = 3, b = 2, kappa = 1 } (kappa optional)")
    top = LIMITS.series_weight
    for name, value in v.items():
        try:
            q = parse_number(value, f"{where}.{name}")
        except EosError as exc:
            _raise_from(f"{where}.{name}", exc)
        if not (q > 0 and q.p <= top and q.q <= top):
            raise _Fail(f"{where}.{name}", f"expected a positive rational p/q with p, q <= "
                                           f"{top}, got {value!r}")


def components(steps):
    """The component names of a `steps`-step expansion: a', b' or a'', b''."""
    return tuple(f"{c}{chr(39) * steps}" for c in ("a", "b"))


def _claimed(where, v, steps):
    names = components(steps) if steps in (1, 2) else ()
    if not isinstance(v, dict) or not v:
        raise _Fail(where, f"expected a table {{ \"{names[0] if names else 'a'}\" = '...' }}")
    for name, text in v.items():
        if name not in names:
            raise _Fail(f"{where}.{name}", f"unknown component; a {steps}-step expansion has "
                                           f"{' and '.join(names)}")
        _formula(f"{where}.{name}", text)


def _optimizer(where, v, detail=None):
    if not isinstance(v, str):
        raise _Fail(where, f"expected a rule such as 'heavy-ball:beta=1/2', got {_kind(v)}")
    try:
        parse_optimizer(v)
    except EosError as exc:
        _raise_from(where, exc)


def _kind(v):
    if isinstance(v, (dict, list)):
        return f"a {'table' if isinstance(v, dict) else 'list'}"
    s = repr(v)
    return s if len(s) <= 40 else s[:36] + "...'"


COMMON = {"id": (_text, True, None), "kind": (_text, True, None), "where": (_text, False, None),
          "statement": (_text, False, None), "hypotheses": (_text, False, None),
          "model": (_model, False, None)}
_SAMPLES = (_integer, False, (1, LIMITS.samples))
_DPS = (_integer, False, (15, LIMITS.claim_dps))
#: kind -> {field: (check, required, detail)}; `claimed` of `expansion` is checked against
#: `steps` separately.
KINDS = {
    "identity": {"lhs": (_formula, True, None), "rhs": (_formula, True, None),
                 "where_symbols": (_substitutions, False, None),
                 "domain": (_box, False, ())},
    "expansion": {"steps": (_integer, True, (1, 2)), "claimed": (None, True, None),
                  "weights": (_weights, True, None), "where_symbols": (_substitutions, False,
                                                                       None),
                  "alternatives": (_models, False, None),
                  "certify_box": (_box, False, ("a", "b", "kappa"))},
    "inequality": {"inequality": (_relation, True, None), "domain": (_box, True, ("fixed",)),
                   "where_symbols": (_substitutions, False, None), "samples": _SAMPLES,
                   "dps": _DPS},
    "invariant-region": {"region": (_relations, True, None), "into": (_relations, False, None),
                         "coords": (_choice, False, ("ab", "xy")),
                         "steps": (_integer, False, (1, 2)),
                         "domain": (_box, True, ("fixed",)), "samples": _SAMPLES,
                         "dps": _DPS},
    "trajectory-limit": {"eta": (_number, True, "positive"), "start": (_start, True, None),
                         "limit": (_limit, True, None),
                         "steps": (_integer, False, (1, LIMITS.ensemble_steps)),
                         "samples": (_integer, False, (1, LIMITS.ensemble_starts))},
    # the optimizer may instead come from `check --optimizer SPEC`
    "stability-threshold": {"optimizer": (_optimizer, False, None),
                            "claimed": (_formula, True, None)},
    "limit-sharpness": {"optimizer": (_optimizer, False, None),
                        "claimed": (_formula, True, None)},
}


def validate_claim(entry, source, index):
    """Check one ``[[claim]]`` table of a user file; `EosError` with one line on a problem."""
    cid = entry.get("id")
    label = f"{source}: claim {cid}" if isinstance(cid, str) and ID.match(cid) else \
        f"{source}: claim #{index}"
    try:
        for key in ("id", "kind"):
            if key not in entry:
                raise _Fail(key, "missing (every claim needs id and kind)")
        if not isinstance(cid, str) or not ID.match(cid):
            raise _Fail("id", f"expected a name such as U1 (a letter, then letters, digits, "
                              f"_ . -; at most 32), got {_kind(cid)}")
        kind = entry["kind"]
        if not isinstance(kind, str) or kind not in KINDS:
            raise _Fail("kind", f"unknown kind {_kind(kind)}; expected one of "
                                f"{', '.join(KINDS)}")
        spec = {**COMMON, **KINDS[kind]}
        unknown = sorted(set(entry) - set(spec))
        if unknown:
            raise _Fail(unknown[0], f"unknown field; {kind} claims take "
                                    f"{', '.join(k for k in spec if k not in COMMON)} "
                                    "(and id, kind, where, statement, hypotheses, model)")
        for key, (check, required, detail) in spec.items():
            if key not in entry:
                if required:
                    raise _Fail(key, "missing (required for kind " + kind + ")")
                continue
            if check is not None:
                check(key, entry[key], detail)
        if kind == "expansion":
            _claimed("claimed", entry["claimed"], entry["steps"])
    except _Fail as fail:
        raise EosError(f"{label}: {fail.where}: {fail.why}") from None
