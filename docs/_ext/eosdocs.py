"""Sphinx helpers for eos-symbolic's docstrings.

- ``$…$`` and ``$$…$$`` in docstrings become the ``:math:`` role and the ``math`` directive
  (the docstrings keep the notation that reads well in ``help()``);
- ``.. automodules:: PACKAGE`` documents the package and every module in it (recursively;
  ``:modules-only:`` for the package's own modules), so a module added to a layer appears in
  the reference without editing the docs.
"""
import importlib
import pkgutil
import re

from docutils import nodes
from docutils.parsers.rst import Directive, directives
from docutils.statemachine import StringList
from sphinx.util.nodes import nested_parse_with_titles

_DISPLAY = re.compile(r"\$\$(.+?)\$\$", re.S)
_INLINE = re.compile(r"(?<![\\$\w`])\$(?=\S)([^$\n]+?)(?<=\S)\$(?![\w$])")


def _display(lines):
    """Lines with each ``$$…$$`` moved into its own ``.. math::`` block at the indentation
    of the line where it starts."""
    text = "\n".join(lines)
    out, pos = [], 0
    for m in _DISPLAY.finditer(text):
        start = text.rfind("\n", 0, m.start()) + 1
        indent = re.match(r"[ \t]*", text[start:]).group(0)
        body = "\n".join(indent + "   " + line.strip() for line in m.group(1).splitlines()
                         if line.strip())
        out.append(text[pos:m.start()])
        out.append(f"\n\n{indent}.. math::\n\n{body}\n\n{indent}")
        pos = m.end()
    out.append(text[pos:])
    return "".join(out).split("\n")


def dollar_math(app, what, name, obj, options, lines):
    """``autodoc-process-docstring``: dollar math to Sphinx math, in place."""
    new = [_INLINE.sub(lambda m: f":math:`{m.group(1)}`", line) for line in _display(lines)]
    lines[:] = new


def _modules(package, subpackages=True):
    """`package` and its modules, depth first (without `subpackages`: its own modules)."""
    mod = importlib.import_module(package)
    names = [package] if subpackages else []
    for info in pkgutil.iter_modules(mod.__path__, package + "."):
        if info.name.rsplit(".", 1)[1].startswith("_"):
            continue
        if info.ispkg:
            names += _modules(info.name) if subpackages else []
        else:
            names.append(info.name)
    return names


class AutoModules(Directive):
    """``.. automodules:: PACKAGE``: a section with ``automodule`` per module; with the
    ``:modules-only:`` flag only the package's own modules, each with a heading."""

    required_arguments = 1
    option_spec = {"modules-only": directives.flag}

    def run(self):
        rst = []
        only = "modules-only" in self.options
        for i, name in enumerate(_modules(self.arguments[0], subpackages=not only)):
            if i or only:
                title = f"``{name}``"
                rst += [title, "-" * len(title), ""]
            rst += [f".. automodule:: {name}", ""]
        holder = nodes.section()
        holder.document = self.state.document
        nested_parse_with_titles(self.state, StringList(rst, source=self.arguments[0]),
                                 holder)
        return holder.children


def setup(app):
    app.connect("autodoc-process-docstring", dollar_math)
    app.add_directive("automodules", AutoModules)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
