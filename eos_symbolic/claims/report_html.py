"""`report.html`: one self-contained page built element by element (no Markdown conversion).

Formulas are presentation MathML from `sympy.printing.mathml` (``<math>`` elements, which
browsers typeset natively: no script, font or network), prose is HTML-escaped, evidence and
counterexamples are nested tables inside ``<details>``, figures are embedded as base64 PNG,
so the page can be mailed alone. Anchors: ``#c7`` for a claim's section, ``#c7-correction``
for its derived correction.
"""
import base64
import html
from pathlib import Path

from ..symbolic import mathtext
from .report_parts import (
    INTRO,
    VERDICT_TEXT,
    claims_by_id,
    figures_of,
    key_number,
    selfcheck_row,
    transcribed,
)
from .selfcheck import NOT_APPLICABLE
from .summary import LEGEND, ORDER, SYMBOL, proof, totals

#: Lists longer than this show their first entries and say how many more the JSON has.
MAX_LIST = 40
STYLE = """
body{font-family:system-ui,sans-serif;max-width:1150px;margin:1em auto;padding:0 1em;
line-height:1.4;color:#222}
table{border-collapse:collapse;margin:.4em 0}td,th{border:1px solid #ccc;padding:3px 7px;
vertical-align:top;text-align:left;font-size:92%}th{background:#f3f3f3}
table.kv th{font-weight:normal;font-family:ui-monospace,monospace;font-size:85%}
.v-verified{color:#1a7f37}.v-verified-numerically{color:#0b5cad}.v-refuted{color:#b3261e}
.v-inconclusive{color:#8a6d00}td.verdict{white-space:nowrap}
blockquote{border-left:4px solid #ddd;margin:.5em 0;padding:.2em .8em;color:#444}
pre{background:#f6f6f6;padding:6px;white-space:pre-wrap}
details{margin:.4em 0}summary{cursor:pointer;font-weight:600}
.correction{background:#fff7e6;border:1px solid #f0d9a8;padding:.4em .8em;overflow-x:auto}
figure{margin:.6em 0}figure img{max-width:100%;height:auto;border:1px solid #eee}
figcaption{font-size:85%;color:#555}math{font-size:112%}math[display=block]{margin:.3em 0}
"""


def text(s):
    """Prose with formulas as MathML (see `mathtext.to_html`)."""
    return mathtext.to_html(str(s))


def value_html(value):
    """A JSON value as HTML: dicts as key/value tables, lists of dicts as tables with one
    column per key, strings with their formulas typeset, tracebacks preformatted."""
    if isinstance(value, dict):
        if not value:
            return "{}"
        keys = list(value)
        if set(keys) <= set(ORDER):  # a point: coordinates in the paper's order
            keys.sort(key=ORDER.index)
        rows = "".join(f"<tr><th>{text(k)}</th><td>{value_html(value[k])}</td></tr>"
                       for k in keys)
        return f"<table class='kv'>{rows}</table>"
    if isinstance(value, list):
        more = len(value) - MAX_LIST
        shown = value[:MAX_LIST]
        tail = f" … ({more} more in the JSON)" if more > 0 else ""
        if shown and all(isinstance(v, dict) for v in shown):
            keys = list(dict.fromkeys(k for v in shown for k in v))
            head = "".join(f"<th>{text(k)}</th>" for k in keys)
            body = "".join("<tr>" + "".join(f"<td>{value_html(v.get(k))}</td>"
                                            for k in keys) + "</tr>" for v in shown)
            return f"<table><tr>{head}</tr>{body}</table>{html.escape(tail)}"
        return "[" + ", ".join(value_html(v) for v in shown) + "]" + \
            html.escape(tail)
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, str) and ("\n" in value or len(value) > mathtext.MAX_SCAN):
        return f"<pre>{html.escape(value)}</pre>"
    return text(value)


def _figure(path):
    data = base64.b64encode(Path(path).read_bytes()).decode("ascii")
    name = html.escape(Path(path).name)
    return (f"<figure><img src='data:image/png;base64,{data}' alt='{name}'>"
            f"<figcaption>{name}</figcaption></figure>")


def _verdict(v):
    return f"<span class='v-{v['verdict']}'>{html.escape(VERDICT_TEXT[v['verdict']])}</span>"


def _correction(v):
    pieces = mathtext.split_formulas(v["correction"])
    body = "".join(p.mathml("block") if isinstance(p, mathtext.Formula) else
                   (html.escape(p) if p.strip(" ,;") else "") for p in pieces)
    return (f"<div class='correction' id='{v['id'].lower()}-correction'><b>Correction "
            f"(derived by the toolkit)</b>{body}</div>")


def _section(v, c, figures):
    out = [f"<h2 id='{html.escape(v['id'].lower())}'>{html.escape(v['id'])}</h2>",
           f"<p><i>{text(c.where) if c else ''}</i> — {_verdict(v)} "
           f"({v['seconds']:.2f} s)</p>"]
    if c and c.statement:
        out.append(f"<blockquote>{html.escape(c.statement)}</blockquote>")
    forms = transcribed(c) if c else []
    if forms:
        items = "".join(f"<li>{text(label)}: " + (f.mathml() if isinstance(f, mathtext.Formula)
                                                  else html.escape(f)) + "</li>"
                        for label, f in forms)
        out.append(f"<p><b>As transcribed</b> (typeset by SymPy)</p><ul>{items}</ul>")
    out.append(f"<p><b>Method.</b> {text(v['method'])}</p>")
    how = proof(v) if v["verdict"] == "verified" else None
    if how:
        out.append(f"<p><b>Proof.</b> {text(how)}</p>")
    if v.get("counterexample"):
        out.append("<details open><summary>Counterexample</summary>"
                   f"{value_html(v['counterexample'])}</details>")
    if v.get("correction"):
        out.append(_correction(v))
    if v.get("evidence"):
        out.append("<details><summary>Evidence</summary>"
                   f"{value_html(v['evidence'])}</details>")
    out += [_figure(f) for f in figures]
    return "\n".join(out)


def to_html(claims, verdicts, selfchecks=(), seconds=None, figures=()):
    """The whole page as text (see the module docstring)."""
    by_id, n = claims_by_id(claims), totals(verdicts)
    rows = "".join(
        f"<tr><td><a href='#{html.escape(v['id'].lower())}'>{html.escape(v['id'])}</a></td>"
        f"<td>{text(by_id[v['id']].where) if v['id'] in by_id else ''}</td>"
        f"<td class='verdict'>{_verdict(v)}</td>"
        f"<td>{text(key_number(v, by_id.get(v['id'])))}</td></tr>" for v in verdicts)
    body = ["<h1>eos-symbolic verification report</h1>",
            f"<p>{html.escape(INTRO).replace('*', '')}</p>",
            "<p><b>Totals:</b> " + ", ".join(
                f"{n[k]} <span class='v-{k}'>{html.escape(VERDICT_TEXT[k])}</span>"
                for k in SYMBOL) + (f" ({seconds:.0f} s including the self-checks)"
                                    if seconds else "") + "</p>",
            f"<p><b>Legend:</b> {html.escape(LEGEND)}</p>",
            "<table><tr><th>id</th><th>where</th><th>verdict</th><th>what it rests on</th>"
            f"</tr>{rows}</table>"]
    refuted = [v for v in verdicts if v["verdict"] == "refuted"]
    if refuted:
        items = "".join(
            f"<li><a href='#{v['id'].lower()}'>{html.escape(v['id'])}</a>: "
            + (text(v["correction"]) if v.get("correction") else "see the counterexample")
            + (f" ({text(v['evidence']['nearby_setting'])})"
               if (v.get("evidence") or {}).get("nearby_setting") else "") + "</li>"
            for v in refuted)
        body.append("<h2>Refuted as printed</h2><p>Corrections are the toolkit's "
                    f"derivations.</p><ul>{items}</ul>")
    body += [_section(v, by_id.get(v["id"]), figures_of(v["id"], figures)) for v in verdicts]
    if selfchecks:
        rows = "".join(f"<tr><td>{html.escape(s['id'])}</td><td class='verdict'>"
                       + (_verdict(s) if s["method"] != NOT_APPLICABLE else
                          html.escape(selfcheck_row(s)[0]))
                       + f"</td><td>{text(s['method'])}</td>"
                       f"<td>{value_html(s.get('evidence'))}</td></tr>" for s in selfchecks)
        body.append("<h2 id='self-checks'>Checks of the derivations themselves</h2><table>"
                    "<tr><th>check</th><th>verdict</th><th>method</th><th>evidence</th></tr>"
                    f"{rows}</table>")
    return ("<!doctype html>\n<html lang='en'><head><meta charset='utf-8'>"
            "<meta name='viewport' content='width=device-width, initial-scale=1'>"
            f"<title>eos-symbolic report</title><style>{STYLE}</style></head><body>\n"
            + "\n".join(body) + "\n</body></html>\n")

