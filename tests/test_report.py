"""The report: one table row per claim, evidence sections, refutations summarised, HTML; the
console's verdict lines and closing lines."""
import json

from eos_symbolic.claims import summary
from eos_symbolic.claims.registry import paper_claims
from eos_symbolic.claims.report import to_html, to_markdown
from eos_symbolic.cli import main
from eos_symbolic.symbolic import mathtext


def test_check_writes_markdown_and_html_report(tmp_path, capsys):
    out = tmp_path / "rep"
    assert main(["check", "C1", "C2", "C14", "F3", "--quick", "--report", str(out)]) == 0
    md = (out / "report.md").read_text()
    page = (out / "report.html").read_text()
    for cid in ("C1", "C2", "C14", "F3"):
        assert f"| [{cid}](#{cid.lower()}) |" in md and f"## {cid}" in md
        assert f"<h2 id='{cid.lower()}'>" in page
    assert "## Refuted as printed" in md and "- **C2**: $" in md
    assert "F3_ode_solutions.png" in md and (out / "F3_ode_solutions.png").exists()
    assert "<a href='#c2'>C2</a>" in page and "data:image/png;base64," in page
    assert "<math" in page and "**" not in page.split("<body>")[1]
    printed = capsys.readouterr().out
    assert "C2  ✘ refuted: eigenvalue x^2*(1 - gamma) (one of 2 refuted)" in printed
    assert "at x = 2, y = 1: claimed -4 vs derived -12" in " ".join(printed.split())
    assert "report:  " + str(out / "report.html") in printed


def test_check_without_report_says_how_to_get_one(capsys):
    assert main(["check", "C1", "C3", "--quick"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert any(line.startswith("report:  not written; add --report DIR")
               for line in lines[-3:])
    assert any(line.startswith("legend:  ✔\u00a0verified") for line in lines)
    assert any(line.startswith("checked: 2 paper claims (C1, C3)") for line in lines)
    assert any(line.startswith("totals:  2 ✔ verified") for line in lines)


def test_formulas_in_toolkit_text_are_found_and_typeset():
    parts = mathtext.split_formulas("S = 2*(u**4 + 1)/u**2; eigenvalues [2, 3, 4] vanish")
    assert isinstance(parts[0], mathtext.Formula) and parts[0].label == "S"
    assert parts[1] == "; eigenvalues [2, 3, 4] vanish"
    assert "<mfrac>" in parts[0].mathml() and r"\frac" in parts[0].latex()
    # words, units and plain numbers stay prose
    for prose in ("1.74e+11 point-steps/s", "converged/diverged", "exact", "x = y"):
        assert mathtext.split_formulas(prose) == [prose]
    html = mathtext.to_html("a'': derived a - 4*b**2*kappa**3 (|cos| >= 1)")
    assert "**" not in html and "<b>" not in html and "(|cos| &gt;= 1)" in html
    assert mathtext.to_markdown("x*y | dx*dy", in_table=True) == r"$x y$ \| dx\*dy"


def _verdict(vid, verdict, evidence=None, counterexample=None, correction=None):
    return {"id": vid, "verdict": verdict, "method": "m", "evidence": evidence or {},
            "counterexample": counterexample, "correction": correction, "seconds": 0.1}


def test_lines_name_quantity_point_values_and_proofs():
    claims = {c.id: c for c in paper_claims()}
    refuted = _verdict("C2", "refuted", {"refuted_eigenvalues": [1]},
                       {"point": {"y": "1", "x": "2"}, "claimed": "-4.0", "derived": "-12.0"})
    assert summary.headline(refuted, claims["C2"]).replace("\u00a0", " ") == (
        "refuted: eigenvalue x**2*(1 - gamma) at x = 2, y = 1: claimed -4 vs derived -12")
    proved = _verdict("U3", "verified", {"proof": {"kind": "arb-boxes", "boxes": 40,
                                                   "checked_by": "recheck"}})
    assert summary.headline(proved) == "proved by Arb on 40 boxes, checked by recheck"
    old = _verdict("C1", "verified", {"proof": "exact"})
    assert summary.headline(old) == "proved by exact algebra"
    cert = _verdict("C8", "verified", {"key": "k", "certificate": {"bounds": {
        "a'": {"B": "1.3e-8"}}}})
    nb = "\u00a0"
    assert summary.headline(cert).endswith(f"certificate: |R(a')|{nb}<={nb}1.3e-8 on a box (Arb)")


def test_close_constants_are_shown_with_the_digits_that_tell_them_apart():
    close = _verdict("A5", "refuted", {}, {"point": {},
                                           "claimed": "1.41421356237309504880168872420969807857",
                                           "derived": "1.41421356237309504880168962350253024361"})
    line = summary.headline(close).replace("\u00a0", " ")
    claimed, derived = line.split("claimed ")[1].split(" vs derived ")
    assert claimed != derived and claimed.startswith("1.41421356237309504880168")


def test_long_lines_are_abbreviated_at_part_boundaries():
    text = "; ".join(f"kappa 0.{i}: a/k^3 med -0.1249{i}" for i in range(1, 10))
    short = summary.abbreviate(text, limit=80)
    assert short.endswith("; … (7 more in the report)")
    assert short.startswith("kappa 0.1: a/k^3 med -0.12491; kappa 0.2: a/k^3 med -0.12492;")


def test_wrap_never_cuts_a_number():
    text = "a/k^3 med -0.12487000123, gap/eta med 0.49917 " * 4
    lines = summary.wrap("C14  ? ", text, width=60).splitlines()
    assert all(len(line) <= 60 for line in lines)
    words = set(text.split())
    assert all(w in words for line in lines for w in line[7:].split())


def test_report_pages_from_verdicts_alone():
    claims = paper_claims()[:2]
    vs = [_verdict("C1", "verified", {"proof": "exact", "runs": [{"eta": 0.1, "gap": None}]}),
          _verdict("C2", "refuted", {}, {"point": {"x": "2"}, "claimed": "1", "derived": "2"},
                   "-x**2*(x*y - 1)*(x*y + 1), -y**2*(x*y - 1)*(x*y + 1)")]
    page = to_html(claims, vs)
    assert "id='c2-correction'" in page and "<table><tr><th>eta</th><th>gap</th>" in page
    md = to_markdown(claims, vs)
    assert r"$- x^{2} \left(x y - 1\right) \left(x y + 1\right)$, $- y^{2}" in md
    json.dumps(vs)  # the inputs stay plain JSON


def test_stale_figures_are_not_shown(tmp_path):
    from eos_symbolic.claims.report import write_report
    (tmp_path / "C1_old.png").write_bytes(b"not this run's")
    claims = paper_claims()[:1]
    _, page = write_report(tmp_path, claims, [_verdict("C1", "verified", {"proof": "exact"})])
    assert "C1_old.png" not in page.read_text(encoding="utf-8")
