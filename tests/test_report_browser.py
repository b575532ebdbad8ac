"""`report.html` in a real browser: headless Chromium renders the page, a probe script reads
the rendered DOM, a screenshot is kept as an artefact (``<pytest tmp>/report/screenshot.png``,
printed by the test), and the C7 correction's MathML equals SymPy's MathML of the derived map.

Skipped, with the reason, where no Chromium is installed (`.ci/run` installs the Debian
package `chromium`).
"""
import html.parser
import json
import re
import shutil
import subprocess

import pytest
from sympy.printing.mathml import mathml

from eos_symbolic import get_model, reparameterise
from eos_symbolic.cli import main

BROWSERS = ("chromium", "chromium-browser", "google-chrome")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--window-size=1200,1800"]
#: Runs after load and writes what it sees onto <body> (read back from --dump-dom).
PROBE = """<script>window.addEventListener('load', () => {
  const b = document.body, maths = [...document.querySelectorAll('math')];
  const imgs = [...document.images];
  const visible = [...b.querySelectorAll('*')]
    .filter(e => !e.closest('pre') && !['SCRIPT', 'STYLE'].includes(e.tagName))
    .map(e => [...e.childNodes].filter(n => n.nodeType === 3).map(n => n.data).join(''))
    .join(' ');
  const result = {
    maths: maths.length,
    mathml_namespace: maths.filter(
      m => m.namespaceURI === 'http://www.w3.org/1998/Math/MathML').length,
    typeset: maths.filter(m => m.getBoundingClientRect().width > 0).length,
    bold_in_math: document.querySelectorAll('math b, math strong, code b, code strong').length,
    images: imgs.length,
    loaded: imgs.filter(i => i.complete && i.naturalWidth > 0).length,
    raw_power: visible.includes('**'), escaped_bar: visible.includes('\\\\|'),
  };
  b.setAttribute('data-probe', JSON.stringify(result));
});</script>"""


def _browser():
    for name in BROWSERS:
        path = shutil.which(name)
        if path:
            return path
    return None


class _MathOf(html.parser.HTMLParser):
    """The content (tags and text, whitespace dropped) of the first <math> inside the
    element with id `target`."""

    def __init__(self, target):
        super().__init__(convert_charrefs=True)
        self.target, self.depth, self.inside, self.parts, self.done = target, 0, False, [], False

    def handle_starttag(self, tag, attrs):
        if self.done:
            return
        if dict(attrs).get("id") == self.target:
            self.depth = 1
        elif self.depth:
            self.depth += 1
        if self.depth and tag == "math":
            self.inside = True
        elif self.inside:
            self.parts.append(f"<{tag}>")

    def handle_endtag(self, tag):
        if self.inside and tag == "math":
            self.inside, self.done = False, True
        elif self.inside:
            self.parts.append(f"</{tag}>")
        if self.depth:
            self.depth -= 1

    def handle_data(self, data):
        if self.inside and data.strip():
            self.parts.append(data.strip())


def math_content(markup, target):
    p = _MathOf(target)
    p.feed(markup)
    return "".join(p.parts)


def sympy_content(expr):
    """SymPy's presentation MathML of `expr`, normalised like `math_content`."""
    p = _MathOf("x")
    p.feed(f"<div id='x'><math>{mathml(expr, printer='presentation')}</math></div>")
    return "".join(p.parts)


def test_math_content_reads_tags_and_entities():
    page = "<p id='q'><math><mrow><mi>&#954;</mi><mo>&InvisibleTimes;</mo></mrow></math></p>"
    assert math_content(page, "q") == "<mrow><mi>κ</mi><mo>\u2062</mo></mrow>"


def probe(browser, page, folder):
    """Render the HTML text `page` with the probe; (what the probe saw, the dumped DOM)."""
    path = folder / "probe.html"
    path.write_text(page.replace("</body>", PROBE + "</body>"), encoding="utf-8")
    run = [browser, *FLAGS, f"--user-data-dir={folder / 'profile'}",
           "--virtual-time-budget=10000", "--dump-dom", path.as_uri()]
    try:
        dom = subprocess.run(run, capture_output=True, text=True, timeout=180).stdout
    except (OSError, subprocess.TimeoutExpired) as exc:
        pytest.skip(f"Chromium at {browser} could not run here: {exc}")
    m = re.search(r'data-probe="([^"]*)"', dom)
    if m is None:
        pytest.skip(f"Chromium at {browser} gave no DOM (sandbox or display problem)")
    return json.loads(html.unescape(m.group(1))), dom


@pytest.fixture(scope="module")
def browser():
    path = _browser()
    if path is None:
        pytest.skip("no Chromium found (looked for " + ", ".join(BROWSERS) + "); install the "
                    "Debian package chromium, as .ci/run does")
    return path


@pytest.fixture(scope="module")
def rendered(browser, tmp_path_factory):
    out = tmp_path_factory.mktemp("report")
    assert main(["check", "C2", "C3", "C7", "C19", "F3", "--quick", "--report", str(out)]) == 0
    page = (out / "report.html").read_text(encoding="utf-8")
    seen, dom = probe(browser, page, out)
    shot = out / "screenshot.png"
    subprocess.run([browser, *FLAGS, f"--user-data-dir={out / 'profile'}",
                    f"--screenshot={shot}", (out / "report.html").as_uri()],
                   capture_output=True, timeout=180)
    print(f"screenshot: {shot}")
    return {"dom": dom, "probe": seen, "shot": shot, "page": page}


def test_probe_catches_a_broken_page(browser, tmp_path):
    bad = ("<!doctype html><html><body><p>x**2 and (\\|cos\\|)</p>"
           "<math><mi>x</mi></math><code>u<b>4 + 1</b></code><math><mi>y</mi></math>"
           "<img src='data:image/png;base64,AAAA'></body></html>")
    seen, _ = probe(browser, bad, tmp_path)
    assert seen["raw_power"] and seen["escaped_bar"] and seen["bold_in_math"] == 1
    assert seen["maths"] == 2 and seen["images"] == 1 and seen["loaded"] == 0


def test_formulas_are_typeset_mathml_and_figures_load(rendered):
    p = rendered["probe"]
    assert p["maths"] >= 10
    assert p["mathml_namespace"] == p["maths"]  # real MathML elements, not text
    assert p["typeset"] == p["maths"]  # each one laid out with a width
    assert p["bold_in_math"] == 0
    assert not p["raw_power"] and not p["escaped_bar"]
    assert p["images"] >= 1 and p["loaded"] == p["images"]
    assert rendered["shot"].stat().st_size > 10_000


def test_c7_correction_is_the_derived_map(rendered):
    derived = reparameterise(get_model("four-scalar")).ab_map[0]
    shown = math_content(rendered["dom"], "c7-correction")
    assert sympy_content(derived) in shown
    assert shown.startswith("<mrow><msup><mi>a</mi><mo>′</mo></msup><mo>=</mo>")


def test_page_is_self_contained(rendered):
    page = rendered["page"]
    assert "src='data:image/png;base64," in page
    # a <b> inside <math> would be moved out of it by the HTML parser: check the source
    assert not re.search(r"<math[^>]*>(?:(?!</math>).)*<(b|strong)>", page, re.S)
    assert not re.search(r"(src|href)=['\"](https?:|//)", page)
