"""Sphinx configuration: the README's tour as the first page (MyST), then an API reference
generated from the docstrings (autodoc + napoleon). Docstrings write math as ``$…$`` and
``$$…$$``; the local extension `eosdocs` turns them into Sphinx math, so the same text reads
well in a terminal and in the HTML. Build: ``python -m sphinx -W -b html docs docs/_build``.
"""
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).parent / "_ext"))

project = "eos-symbolic"
author = "eos-symbolic developers"
copyright = "the eos-symbolic developers"
extensions = ["myst_parser", "sphinx.ext.autodoc", "sphinx.ext.napoleon",
              "sphinx.ext.mathjax", "eosdocs"]
myst_enable_extensions = ["dollarmath"]
myst_heading_anchors = 3
source_suffix = {".md": "markdown", ".rst": "restructuredtext"}
exclude_patterns = ["_build"]
autodoc_member_order = "bysource"
autodoc_default_options = {"members": True, "show-inheritance": True}
napoleon_google_docstring = True
napoleon_numpy_docstring = True
html_theme = "alabaster"
html_title = "eos-symbolic"
# single backticks in docstrings name code, as in the README
default_role = "code"
