"""The report: one table row per claim, evidence sections, refutations summarised, HTML."""
from eos_symbolic.cli import main


def test_check_writes_markdown_and_html_report(tmp_path, capsys):
    out = tmp_path / "rep"
    assert main(["check", "C1", "C2", "C14", "F3", "--quick", "--report", str(out)]) == 0
    md = (out / "report.md").read_text()
    page = (out / "report.html").read_text()
    for cid in ("C1", "C2", "C14", "F3"):
        assert f"| [{cid}](#{cid.lower()}) |" in md and f"## {cid}" in md
    assert "**Refuted as printed**" in md and "- **C2**:" in md
    assert "F3_ode_solutions.png" in md and (out / "F3_ode_solutions.png").exists()
    assert "<table>" in page and "<a href='#c2'>C2</a>" in page and "<img" in page
    assert "✘ refuted" in capsys.readouterr().out
