"""The verify report: a verdict table, then each claim's statement, method and evidence, in
Markdown (`report.md`) and HTML (`report.html`), with any figures in the report folder."""
import html
import json
import re
from pathlib import Path

import mpmath

SYMBOL = {"verified": "✔ verified", "verified-numerically": "≈ verified-numerically",
          "refuted": "✘ refuted", "inconclusive": "? inconclusive"}


def key_number(v):
    """The one number a reader looks at first, as text."""
    ev, cx = v.get("evidence") or {}, v.get("counterexample") or {}
    if v["verdict"] == "refuted":
        if "claimed" in cx and "derived" in cx:
            return f"claimed {_num(cx['claimed'])} vs derived {_num(cx['derived'])}"
        return ev.get("key", "see counterexample")
    if "key" in ev:
        return str(ev["key"])
    if v["verdict"] == "inconclusive":
        return ev.get("reason", "")[:70]
    return ev.get("proof", "") or f"{ev.get('points', '')} points"


def _num(text):
    try:
        return mpmath.nstr(mpmath.mpf(text), 8)
    except (TypeError, ValueError):
        return str(text)[:14]


def table_rows(claims, verdicts):
    by_id = {c.id: c for c in claims}
    for v in verdicts:
        c = by_id[v["id"]]
        yield c, v


def to_markdown(claims, verdicts, selfchecks=(), seconds=None, figures=()):
    counts = {k: sum(v["verdict"] == k for v in verdicts) for k in SYMBOL}
    out = ["# eos-symbolic verification report", "",
           "Zhu et al., *Understanding Edge-of-Stability Training Dynamics with a Minimalist "
           "Example* (ICLR 2023). Claims are transcribed as printed; each verdict comes from "
           "the toolkit's own derivation or computation, never from the claim itself.", "",
           "Totals: " + ", ".join(f"{n} {k}" for k, n in counts.items())
           + (f" ({seconds:.0f} s)" if seconds else ""), "",
           "| id | where | verdict | method | key number |", "| --- | --- | --- | --- | --- |"]
    for c, v in table_rows(claims, verdicts):
        out.append(f"| [{c.id}](#{c.id.lower()}) | {c.where} | {SYMBOL[v['verdict']]} | "
                   f"{v['method']} | {_cell(key_number(v))} |")
    refuted = [(c, v) for c, v in table_rows(claims, verdicts) if v["verdict"] == "refuted"]
    if refuted:
        out += ["", "**Refuted as printed** (corrections are the toolkit's derivations):", ""]
        for c, v in refuted:
            near = (v.get("evidence") or {}).get("nearby_setting")
            out.append(f"- **{c.id}**: " + (f"`{v['correction']}`" if v.get("correction")
                                             else "see counterexample")
                       + (f" — {near}" if near else ""))
    out += [""]
    for c, v in table_rows(claims, verdicts):
        out += [f"## {c.id}", "", f"*{c.where}* — {SYMBOL[v['verdict']]} "
                f"({v['seconds']:.2f} s)", "", f"> {c.statement}", "",
                f"**Method.** {v['method']}", "", "**Evidence.**", "", "```json",
                json.dumps(v["evidence"], indent=1, ensure_ascii=False), "```", ""]
        if v.get("counterexample"):
            out += ["**Counterexample.**", "", "```json",
                    json.dumps(v["counterexample"], indent=1, ensure_ascii=False), "```", ""]
        if v.get("correction"):
            out += [f"**Correction (derived).** `{v['correction']}`", ""]
        for fig in figures:
            if Path(fig).stem.split("_")[0] == c.id:
                out += [f"![{c.id}]({Path(fig).name})", ""]
    if selfchecks:
        out += ["## Checks of the derivations themselves", "",
                "| check | verdict | method |", "| --- | --- | --- |"]
        out += [f"| {s['id']} | {SYMBOL[s['verdict']]} | {s['method']} |" for s in selfchecks]
        out += [""]
    return "\n".join(out)


def _cell(text):
    return str(text).replace("|", "\\|").replace("\n", " ")


def _inline(text):
    """Escape, then render the inline Markdown the report uses: links, bold, italics, code."""
    t = html.escape(text)
    t = re.sub(r"`([^`]+)`", r"<code>\1</code>", t)
    t = re.sub(r"\[([^\]]+)\]\(([^)]+)\)", r"<a href='\2'>\1</a>", t)
    t = re.sub(r"\*\*([^*]+)\*\*", r"<b>\1</b>", t)
    return re.sub(r"(?<![\w*])\*([^*]+)\*(?![\w*])", r"<i>\1</i>", t)


def to_html(markdown_text):
    """A self-contained HTML page: the Markdown table as a table, the rest preformatted."""
    lines, body, in_code, table = markdown_text.splitlines(), [], False, []
    for line in lines:
        if line.startswith("```"):
            body.append("</pre>" if in_code else "<pre>")
            in_code = not in_code
        elif in_code:
            body.append(html.escape(line))
        elif line.startswith("|"):
            cells = [_inline(x.strip()) for x in line.strip("|").split(" | ")]
            if set("".join(cells)) <= set("- "):
                continue
            tag = "th" if not table else "td"
            table.append("<tr>" + "".join(f"<{tag}>{x}</{tag}>" for x in cells) + "</tr>")
        else:
            if table:
                body.append("<table>" + "".join(table) + "</table>")
                table = []
            if line.startswith("## "):
                body.append(f"<h2 id='{html.escape(line[3:].lower())}'>{html.escape(line[3:])}</h2>")
            elif line.startswith("# "):
                body.append(f"<h1>{html.escape(line[2:])}</h1>")
            elif line.startswith("!["):
                src = line[line.index("(") + 1:-1]
                body.append(f"<img src='{html.escape(src)}' width='600'>")
            elif line.startswith("- "):
                body.append(f"<li>{_inline(line[2:])}</li>")
            elif line.startswith("> "):
                body.append(f"<blockquote>{_inline(line[2:])}</blockquote>")
            elif line.strip():
                body.append(f"<p>{_inline(line)}</p>")
    if table:
        body.append("<table>" + "".join(table) + "</table>")
    style = ("body{font-family:sans-serif;max-width:1100px;margin:auto}"
             "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:3px 6px;"
             "font-size:90%}pre{background:#f6f6f6;padding:6px;overflow-x:auto}")
    return (f"<!doctype html><html><head><meta charset='utf-8'><title>eos-symbolic report"
            f"</title><style>{style}</style></head><body>{''.join(body)}</body></html>\n")


def write_report(out, claims, verdicts, selfchecks=(), seconds=None):
    """Write `report.md` and `report.html` under `out` (figures already saved there)."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    figures = sorted(out.glob("*.png"))
    md = to_markdown(claims, verdicts, selfchecks, seconds, figures)
    (out / "report.md").write_text(md, encoding="utf-8")
    (out / "report.html").write_text(to_html(md), encoding="utf-8")
    return out / "report.md", out / "report.html"
