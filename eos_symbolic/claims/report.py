"""The verify report: a verdict table, then each claim's statement, method and evidence.

Two files from the same verdicts: `report.md` (formulas as LaTeX in ``$…$`` from
`sympy.latex`, which GitHub renders; figures as files beside it; `report_markdown`) and
`report.html` (one self-contained page that can be mailed: formulas as presentation MathML
from `sympy.printing.mathml`, which browsers render without any script or network, figures
embedded, evidence in collapsible tables; `report_html`). Formulas are found in the
toolkit's own text by `mathtext`; prose is escaped, never read as markup.
"""
from pathlib import Path

from ..saving import atomic_write
from .report_html import to_html
from .report_markdown import to_markdown
from .report_parts import key_number
from .summary import SYMBOL

__all__ = ["SYMBOL", "key_number", "to_html", "to_markdown", "write_report"]


def drawn_figures(out, verdicts):
    """The figure files the verdicts name (``evidence["figure…"]``) that exist under `out`:
    a PNG left there by an earlier run is not shown as this run's."""
    names = [name for v in verdicts for key, name in (v.get("evidence") or {}).items()
             if key.startswith("figure") and isinstance(name, str) and name.endswith(".png")]
    return [out / n for n in dict.fromkeys(names) if (out / n).is_file()]


def write_report(out, claims, verdicts, selfchecks=(), seconds=None):
    """Write `report.md` and `report.html` under `out` (the verdicts' figures already saved
    there); the HTML embeds the figures, so it can be sent alone."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    figures = drawn_figures(out, verdicts)
    md = to_markdown(claims, verdicts, selfchecks, seconds, figures)
    # atomic: a reader never sees half a report
    atomic_write(out / "report.md", md, "report")
    atomic_write(out / "report.html", to_html(claims, verdicts, selfchecks, seconds, figures),
                 "report")
    return out / "report.md", out / "report.html"
