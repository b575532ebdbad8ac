"""What both report formats share: verdict labels, the introduction, claim formulas as
transcribed, and which figures belong to which claim."""
from pathlib import Path

from ..symbolic import mathtext
from .selfcheck import NOT_APPLICABLE
from .summary import SYMBOL, headline

VERDICT_TEXT = {k: f"{s} {k}" for k, s in SYMBOL.items()}
INTRO = ("Zhu et al., *Understanding Edge-of-Stability Training Dynamics with a Minimalist "
         "Example* (ICLR 2023). Claims are transcribed as printed; each verdict comes from the "
         "toolkit's own derivation or computation, never from the claim itself.")
#: Claim fields that hold formulas as transcribed (shown typeset under the statement).
FORMULA_FIELDS = ("claimed", "lhs", "rhs", "inequality", "ode", "solution", "parabola")


def key_number(v, claim=None):
    """The one line a reader looks at first (see `summary.headline`)."""
    return headline(v, claim)


def claims_by_id(claims):
    return {c.id: c for c in claims}


def transcribed(claim):
    """[(label, Formula or text)] of the claim's formula fields, as transcribed."""
    out = []
    for key in FORMULA_FIELDS:
        raw = claim.fields.get(key)
        if raw is None:
            continue
        items = raw.items() if isinstance(raw, dict) else (
            ((f"{key} {i}", r) for i, r in enumerate(raw, 1)) if isinstance(raw, list)
            else [(key, raw)])
        for label, text in items:
            f = mathtext.as_formula(str(text), operator=False)
            out.append((label, f if f is not None else str(text)))
    for name, value in claim.fields.get("where_symbols", {}).items():
        f = mathtext.as_formula(f"{name} = {value}", operator=False)
        out.append(("where", f if f is not None else f"{name} = {value}"))
    return out


def selfcheck_row(s):
    """(verdict text, what was done) of a self-check; one whose derivation does not exist for
    its model reads "not applicable" with the reason."""
    if s["method"] == NOT_APPLICABLE:
        return "– not applicable", (s.get("evidence") or {}).get("reason", "")
    return VERDICT_TEXT[s["verdict"]], s["method"]


def figures_of(claim_id, figures):
    """The figure files of `claim_id` (named ``<id>_<what>.png``)."""
    return [f for f in figures if Path(f).stem.split("_")[0] == claim_id]
