"""`report.md`: the verify report in Markdown, formulas as LaTeX in ``$…$`` (`sympy.latex`,
rendered by GitHub), prose escaped, evidence as indented JSON in collapsible blocks, figures
as the PNG files beside it."""
import json
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
from .summary import LEGEND, SYMBOL, proof, totals


def _md_formula(item):
    return f"${item.latex()}$" if isinstance(item, mathtext.Formula) else \
        mathtext.to_markdown(item)


def to_markdown(claims, verdicts, selfchecks=(), seconds=None, figures=()):
    """`report.md`: LaTeX formulas, one section per claim, evidence as indented JSON."""
    by_id, n = claims_by_id(claims), totals(verdicts)
    out = ["# eos-symbolic verification report", "", INTRO, "",
           "**Totals:** " + ", ".join(f"{n[k]} {VERDICT_TEXT[k]}" for k in SYMBOL)
           + (f" ({seconds:.0f} s including the self-checks)" if seconds else ""), "",
           f"**Legend:** {LEGEND}", "",
           "| id | where | verdict | what it rests on |", "| --- | --- | --- | --- |"]
    for v in verdicts:
        c = by_id.get(v["id"])
        out.append(f"| [{v['id']}](#{v['id'].lower()}) | {_cell(c.where if c else '')} | "
                   f"{VERDICT_TEXT[v['verdict']]} | "
                   f"{mathtext.to_markdown(key_number(v, c), in_table=True)} |")
    refuted = [v for v in verdicts if v["verdict"] == "refuted"]
    if refuted:
        out += ["", "## Refuted as printed", "",
                "Corrections are the toolkit's derivations.", ""]
        for v in refuted:
            near = (v.get("evidence") or {}).get("nearby_setting")
            fix = mathtext.to_markdown(v["correction"]) if v.get("correction") else \
                "see the counterexample"
            out.append(f"- **{v['id']}**: {fix}" + (f" ({mathtext.to_markdown(near)})"
                                                    if near else ""))
    out.append("")
    for v in verdicts:
        c = by_id.get(v["id"])
        out += _md_section(v, c, figures_of(v["id"], figures))
    if selfchecks:
        out += ["## Checks of the derivations themselves", "",
                "| check | verdict | method |", "| --- | --- | --- |"]
        out += [f"| {s['id']} | {verdict} | {_cell(method)} |"
                for s in selfchecks for verdict, method in [selfcheck_row(s)]]
        out.append("")
    return "\n".join(out)


def _md_section(v, c, figures):
    out = [f"## {v['id']}", ""]
    where = f"*{mathtext.to_markdown(c.where)}* — " if c else ""
    out += [f"{where}{VERDICT_TEXT[v['verdict']]} ({v['seconds']:.2f} s)", ""]
    if c and c.statement:
        out += [f"> {mathtext.to_markdown(c.statement)}", ""]
    if c:
        forms = transcribed(c)
        if forms:
            out += ["**As transcribed** (typeset by SymPy). " + "; ".join(
                f"{mathtext.to_markdown(label)}: {_md_formula(f)}" for label, f in forms), ""]
    out += [f"**Method.** {mathtext.to_markdown(v['method'])}", ""]
    how = proof(v) if v["verdict"] == "verified" else None
    if how:
        out += [f"**Proof.** {mathtext.to_markdown(how)}", ""]
    if v.get("counterexample"):
        out += ["**Counterexample.**", "", "```json",
                json.dumps(v["counterexample"], indent=1, ensure_ascii=False), "```", ""]
    if v.get("correction"):
        out += [f"**Correction (derived).** {mathtext.to_markdown(v['correction'])}", ""]
    out += ["<details><summary>Evidence</summary>", "", "```json",
            json.dumps(v["evidence"], indent=1, ensure_ascii=False), "```", "", "</details>",
            ""]
    out += [f"![{v['id']}: {Path(f).stem}]({Path(f).name})" for f in figures]
    return out + ([""] if figures else [])


def _cell(text):
    return mathtext.to_markdown(str(text), in_table=True).replace("\n", " ")


