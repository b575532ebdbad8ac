"""One line per verdict, as the console and the report's table show it.

The line says what the verdict rests on: a refutation names the quantity, the point and both
values (``C2 eigenvalue x**2*(1 - gamma) at x = 2, y = 1: claimed -4 vs derived -12``); a
proof says "proved by" and what (``exact algebra``, ``Arb on 559 boxes``, read from
``evidence.proof`` = {"kind", "assumptions", "checked_by"} where the checker gives one, else
from the older ``proof`` text or an Arb certificate); a sampled verdict gives its key number;
an inconclusive one its reason. A certificate from ``--certify`` is named on the line.
"""
import re
import shutil
import textwrap

import mpmath

SYMBOL = {"verified": "✔", "verified-numerically": "≈", "refuted": "✘", "inconclusive": "?"}
#: No-break space: keeps a symbol with its word and a relation with its number when wrapping.
NBSP = "\u00a0"
LEGEND = (f"✔{NBSP}verified: proved (exact algebra or Arb ball arithmetic) and the "
          "proof re-checked by an independent routine; "
          f"≈{NBSP}verified-numerically: held at every sampled point at the stated precision, "
          f"no proof; ✘{NBSP}refuted: a counterexample (claimed vs derived value); "
          f"?{NBSP}inconclusive: could not decide (the reason is given)")
PROOF_KINDS = {"exact-algebra": "exact algebra", "exact": "exact algebra",
               "arb-boxes": "Arb on {boxes} boxes", "arb": "Arb on {boxes} boxes"}


def number(text, digits=8):
    """A number as text with at most `digits` significant digits (integers without ``.0``);
    other text unchanged.

    >>> number("-12.0"), number("0.000000919402488161232"), number("exact")
    ('-12', '9.1940249e-7', 'exact')"""
    with mpmath.workdps(max(digits, 15) + 5):
        try:
            v = mpmath.mpf(str(text))
        except (TypeError, ValueError):
            return str(text)
        if v == int(v) and abs(v) < 10 ** 15:
            return str(int(v))
        return mpmath.nstr(v, digits)


def numbers_apart(first, second, digits=8):
    """Two numbers as text with `digits` significant digits, or with as many more as it takes
    for the texts to differ (up to 60), so a refutation never reads "1.4142136 vs 1.4142136".

    >>> numbers_apart("1.41421356237309504880168872", "1.41421356237309504880168962")
    ('1.414213562373095048801689', '1.41421356237309504880169')"""
    a, b = number(first, digits), number(second, digits)
    while a == b and digits < 60 and a != str(first):
        digits += 1
        a, b = number(first, digits), number(second, digits)
    return a, b


#: Coordinates first, then parameters, in the paper's order.
ORDER = ("x", "y", "z", "w", "a", "b", "c", "d", "u", "kappa", "eta")


def point_text(point):
    """``x = 2, y = 1`` from a point dict (values abbreviated by `number`)."""
    keys = sorted(point, key=lambda k: (ORDER.index(k) if k in ORDER else len(ORDER), k))
    return ", ".join(f"{k} = {number(point[k])}" for k in keys)


def _quantity(v, claim):
    ev, cx = v.get("evidence") or {}, v.get("counterexample") or {}
    if cx.get("quantity"):
        return str(cx["quantity"])
    if ev.get("refuted_components"):
        return ", ".join(ev["refuted_components"])
    if ev.get("refuted_eigenvalues"):
        claimed = (claim.fields.get("claimed") if claim else None) or []
        first, n = ev["refuted_eigenvalues"][0], len(ev["refuted_eigenvalues"])
        name = f"eigenvalue {claimed[first - 1]}" if 0 < first <= len(claimed) \
            else f"eigenvalue {first}"
        return name + (f" (one of {n} refuted)" if n > 1 else "")
    if claim is not None:
        target = claim.fields.get("target")
        return {"rate": "rate of a", "ode": "ODE residual", "inequality": "margin",
                "invariant-region": "target margin"}.get(claim.kind, target or claim.kind)
    return "value"


def refutation(v, claim=None):
    """What was refuted, where, and both values, as one line of text."""
    cx = v.get("counterexample") or {}
    quantity = _quantity(v, claim)
    point = cx.get("point")
    if point is None:
        point = {k: val for k, val in cx.items() if isinstance(val, (str, int, float))
                 and k not in ("claimed", "derived", "verified", "quantity")}
    where = f" at {point_text(point)}" if isinstance(point, dict) and point else ""
    if "claimed" in cx and "derived" in cx:
        claimed, derived = numbers_apart(cx["claimed"], cx["derived"])
        return f"{quantity}{where}: claimed{NBSP}{claimed} vs derived{NBSP}{derived}"
    parts = {k: val for k, val in cx.items() if isinstance(val, dict) and k != "point"
             and {"claimed", "derived_truncation"} <= set(val)}
    if parts:
        name, val = next(iter(parts.items()))
        text = f"{name}{where}: claimed{NBSP}{number(val['claimed'])} vs exact map " \
               f"{number(val.get('exact_map'))}"
        if "claimed_error" in val and "derived_error" in val:
            text += (f" (error {number(val['claimed_error'], 3)}; the derived truncation's "
                     f"{number(val['derived_error'], 3)})")
        return text
    if "margin" in cx:
        return f"{quantity}{where} is {number(cx['margin'])}"
    key = (v.get("evidence") or {}).get("key")
    return f"{quantity}{where}" + (f": {key}" if key else "")


def proof(v):
    """How a `verified` verdict was proved, as text ("exact algebra", "Arb on 40 boxes"),
    or None when the evidence names no proof."""
    ev = v.get("evidence") or {}
    p, cert = ev.get("proof"), ev.get("certificate") or {}
    boxes = (p.get("boxes") if isinstance(p, dict) else None) or cert.get("boxes") or "N"
    if isinstance(p, dict) and p.get("kind"):
        text = PROOF_KINDS.get(p["kind"], p["kind"].replace("-", " ")).format(boxes=boxes)
        return text + (f", checked by {p['checked_by']}" if p.get("checked_by") else "")
    if isinstance(p, str) and p:
        return PROOF_KINDS.get(p, p).format(boxes=boxes)
    if isinstance(cert, dict) and cert.get("boxes"):
        return f"Arb on {cert['boxes']} boxes"
    m = re.match(r"proved on the whole box with (\d+) Arb boxes", str(ev.get("interval_proof")))
    return f"Arb on {m.group(1)} boxes" if m else None


def certificate(v):
    """A short description of the Arb certificate of ``--certify``, or None."""
    cert = (v.get("evidence") or {}).get("certificate")
    if not isinstance(cert, dict):
        return None
    if "bounds" in cert:
        parts = [f"|R({k})|{NBSP}<={NBSP}{number(b['B'], 3)}" for k, b in cert["bounds"].items()]
        return "certificate: " + ", ".join(parts) + " on a box (Arb)"
    if cert.get("boxes"):
        return f"certificate: Arb, {cert['boxes']} boxes"
    return "certificate attached"


def headline(v, claim=None):
    """The verdict's one line without the id and symbol (see the module docstring)."""
    ev = v.get("evidence") or {}
    key = str(ev.get("key", "")).strip()
    if v["verdict"] == "refuted":
        text = "refuted: " + refutation(v, claim)
    elif v["verdict"] == "verified":
        how = proof(v)
        # a proof makes the sampling figures ("worst margin ... after N evaluations") moot
        shown = key if key and not (how and "evaluations" in key) else ""
        text = (f"proved by {how}" if how else "verified") + (f": {shown}" if shown else "")
    elif v["verdict"] == "verified-numerically":
        text = "held numerically" + (f": {key}" if key else
                                     f" at {ev['points']} points" if "points" in ev else "")
    else:
        reason = str(ev.get("reason", "")).split("\n")[0]
        if len(reason) > 90 and ": " in reason:  # the rest is in the report
            reason = reason.split(": ")[0]
        text = "inconclusive: " + (reason or "no reason given") + (f"; {key}" if key else "")
    cert = certificate(v)
    return text + (f"; {cert}" if cert else "")


def abbreviate(text, limit=240):
    """`text` cut after its last ``"; "``-separated part that fits in `limit` characters,
    saying how many parts the report has beyond (never cut inside a part)."""
    parts = text.split("; ")
    kept = parts[:1]
    for p in parts[1:]:
        if len("; ".join(kept + [p])) > limit:
            break
        kept.append(p)
    rest = len(parts) - len(kept)
    return "; ".join(kept) + (f"; … ({rest} more in the report)" if rest else "")


def wrap(prefix, text, width=None):
    """`prefix` then `text` wrapped at spaces to `width` (the terminal's, at least 60), the
    continuation lines indented under the text; never breaks inside a word or number."""
    width = width or max(60, min(120, shutil.get_terminal_size((100, 24)).columns))
    return textwrap.fill(text, width, initial_indent=prefix,
                         subsequent_indent=" " * len(prefix), break_long_words=False,
                         break_on_hyphens=False)


def totals(verdicts):
    """{verdict: count} in the order of `SYMBOL`."""
    return {k: sum(v["verdict"] == k for v in verdicts) for k in SYMBOL}


def _ids_span(ids):
    return f"{ids[0]}-{ids[-1]}" if len(ids) > 2 else ", ".join(ids)


def selfcheck_counts(selfchecks, not_applicable="not applicable"):
    """(passed, failed, not applicable, undecided) counts of the derivation self-checks."""
    na = sum(s["method"] == not_applicable for s in selfchecks)
    failed = sum(s["verdict"] == "refuted" for s in selfchecks)
    passed = sum(s["verdict"] in ("verified", "verified-numerically") for s in selfchecks)
    return passed, failed, na, len(selfchecks) - passed - failed - na


def closing_lines(claims, verdicts, selfchecks=None, seconds=None, report=None, hint=None):
    """The last lines of `check` / `verify`: what was checked, the totals, the legend, the time
    ({"claims": s, "self-checks": s}) and where the report went (or `hint` to get one)."""
    paper = [c.id for c in claims if c.source == "paper"]
    users = {}
    for c in claims:
        if c.source != "paper":
            users.setdefault(c.source, []).append(c.id)
    what = [f"{len(paper)} paper claims ({_ids_span(paper)})"] if paper else []
    what += [f"{len(ids)} from {src} ({_ids_span(ids)})" for src, ids in users.items()]
    if selfchecks is not None:
        passed, failed, na, undecided = selfcheck_counts(selfchecks)
        what.append(f"{len(selfchecks)} derivation self-checks ({passed} passed, {failed} "
                    f"failed" + (f", {na} not applicable" if na else "")
                    + (f", {undecided} undecided" if undecided else "") + ")")
    n = totals(verdicts)
    lines = [wrap("checked: ", "; ".join(what)),
             wrap("totals:  ", ", ".join(f"{n[k]} {SYMBOL[k]} {k}" for k in SYMBOL))]
    certs = [v["id"] for v in verdicts if certificate(v)]
    if certs:
        lines.append(wrap("certificates: ", ", ".join(certs) + " (Arb; in the JSON and the "
                          "report under evidence.certificate)"))
    lines.append(wrap("legend:  ", LEGEND))
    if seconds:
        total = sum(seconds.values())
        parts = ", ".join(f"{k} {s:.1f} s" for k, s in seconds.items())
        lines.append(f"time:    {total:.1f} s in all ({parts})")
    if report:
        lines.append(wrap("report:  ", f"{report} (one page, figures embedded; open it in a "
                          "browser; report.md beside it)"))
    elif hint:
        lines.append(wrap("report:  ", hint))
    return lines
