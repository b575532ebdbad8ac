"""Formulas inside the toolkit's own text, found, parsed and printed by SymPy's printers.

Verdicts carry SymPy strings (corrections, derived eigenvalues, key numbers such as
``S = 2*(u**4 + 1)/u**2; eigenvalues [2, 3, 4] vanish``). `split_formulas` cuts such text
into prose and `Formula` pieces; a piece is a formula only when `symbolic.parser.parse` (the
ast-whitelist parser; nothing is evaluated) accepts it, it has an operator (``* / ^`` or a
function call) and all its symbols are mathematical names (one letter, a letter with digits,
or a Greek name), so words such as ``point-steps/s`` stay prose. Each formula is printed as
LaTeX (`sympy.latex`, for Markdown) and presentation MathML (`sympy.printing.mathml`, for
HTML); prose is escaped for the target format, never interpreted as markup.
"""
import html
import re
from dataclasses import dataclass

import sympy as sp
from sympy.printing.mathml import mathml

from ..errors import EosError
from .parser import parse

#: Names printed as Greek letters by SymPy; other symbols must be a letter and digits.
GREEK = {"alpha", "beta", "gamma", "delta", "epsilon", "eta", "kappa", "lamda", "lambda", "mu",
         "nu", "rho", "sigma", "tau", "theta", "xi", "omega", "phi", "psi", "chi", "zeta"}
_MATH_NAME = re.compile(r"^[A-Za-z]\d*$")
_LABEL = re.compile(r"^([A-Za-z]\w*)('*)(?:\((\w+(?:, \w+)*)\))?$")  # a'', S(u)
_OPERATOR = re.compile(r"[*/^]|[A-Za-z]\(")
_WORD_HYPHEN = re.compile(r"[A-Za-z)]-[A-Za-z(]")  # "point-steps": prose, not a difference
_TRAILING = ";,:."
#: Text longer than this is shown as it is (tracebacks, long lists).
MAX_SCAN = 4000


@dataclass(frozen=True)
class Formula:
    """A parsed formula, optionally ``label = expr`` (a label such as ``a''``, ``S`` or
    ``S(u)``: a name with primes and arguments)."""

    expr: object
    label: str = None

    def latex(self):
        """LaTeX by `sympy.latex` (preceded by the label and an equals sign when there is a label)."""
        body = sp.latex(self.expr)
        return f"{_label_latex(self.label)} = {body}" if self.label else body

    def mathml(self, display="inline"):
        """A ``<math>`` element whose content is `sympy.printing.mathml` (presentation)."""
        body = mathml(self.expr, printer="presentation")
        if self.label:
            body = f"<mrow>{_label_mathml(self.label)}<mo>=</mo>{body}</mrow>"
        return f'<math display="{display}">{body}</math>'


def _label_parts(label):
    name, primes, args = _LABEL.match(label).groups()
    return sp.Symbol(name), len(primes), [sp.Symbol(v) for v in args.split(", ")] if args \
        else []


def _label_latex(label):
    name, primes, args = _label_parts(label)
    tail = r"\left(" + ", ".join(map(sp.latex, args)) + r"\right)" if args else ""
    return sp.latex(name) + "'" * primes + tail


def _label_mathml(label):
    name, primes, args = _label_parts(label)
    base = mathml(name, printer="presentation")
    if primes:
        base = f"<msup>{base}<mo>{'′' * primes}</mo></msup>"
    if args:
        inner = "<mo>,</mo>".join(mathml(v, printer="presentation") for v in args)
        base = f"<mrow>{base}<mo>(</mo>{inner}<mo>)</mo></mrow>"
    return base


def _is_math(expr):
    atoms = expr.free_symbols if hasattr(expr, "free_symbols") else set()
    if isinstance(expr, tuple):
        atoms = set().union(*(getattr(e, "free_symbols", set()) for e in expr))
    return bool(atoms) and all(_MATH_NAME.match(s.name) or s.name in GREEK for s in atoms)


def as_formula(text, operator=True):
    """`text` as a `Formula` when the whole of it is one (see the module docstring); with
    `operator` False, text known to be a formula (a claim's field) needs no operator.

    >>> print(as_formula("S = 2*(u**4 + 1)/u**2").latex())
    S = \\frac{2 u^{4} + 2}{u^{2}}
    >>> as_formula("point-steps/s") is None
    True"""
    text = text.strip()
    if not text or len(text) > MAX_SCAN or (operator and (
            not _OPERATOR.search(text) or _WORD_HYPHEN.search(text))):
        return None
    label, rhs = None, text
    if " = " in text:
        left, rhs = text.split(" = ", 1)
        if not _LABEL.match(left.strip()):
            return None
        label = left.strip()
    try:
        expr = parse(rhs, "formula")
    except EosError:
        return None
    if isinstance(expr, tuple):
        if not (rhs.strip().startswith("(") and rhs.strip().endswith(")")):
            return None  # "p, q" in prose is a list of two formulas, not a tuple
        expr = sp.Tuple(*expr)
    return Formula(expr, label) if _is_math(expr) else None


def split_formulas(text):
    """`text` as a list of prose strings and `Formula` pieces, in order (concatenated, the
    prose and the formulas' source give back `text`)."""
    text = str(text)
    if len(text) > MAX_SCAN or not _OPERATOR.search(text):
        return [text]
    whole = as_formula(text)
    if whole is not None:
        return [whole]
    # words, runs of blanks and single parentheses: a formula may start after a "("
    tokens = re.findall(r"\s+|[()]|[^\s()]+", text)
    out, prose, i = [], "", 0
    while i < len(tokens):
        found = None
        if tokens[i].strip() and tokens[i] != ")":
            for j in range(len(tokens), i, -1):
                chunk = "".join(tokens[i:j])
                core = chunk.rstrip().rstrip(_TRAILING)
                if core.strip() and _OPERATOR.search(core):
                    f = as_formula(core)
                    if f is not None:
                        found = (f, chunk[len(core):], j)
                        break
        if found:
            f, rest, j = found
            if prose:
                out.append(prose)
            out.append(f)
            prose, i = rest, j
        else:
            prose += tokens[i]
            i += 1
    if prose:
        out.append(prose)
    return out


_CODE = re.compile(r"(`[^`\n]+`)")
#: What Markdown could read as markup in prose: ``*`` or ``_`` next to a non-blank (emphasis;
#: ``_`` inside a word is safe), ``$`` (math), a backslash before punctuation, ``<`` opening
#: a tag, a stray backtick.
_MD_SPECIAL = re.compile(r"\*(?=\S)|(?<=\S)\*|(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])|\$|`"
                         r"|\\(?=[!-/:-@\[-`{-~])|<(?=[A-Za-z/!?])")


def _pieces(text):
    """`text` cut into code spans (between backticks: kept as code) and the rest."""
    return [(p, p.startswith("`") and p.endswith("`") and len(p) > 1)
            for p in _CODE.split(str(text)) if p]


def to_html(text):
    """Escaped prose with formulas as inline MathML and code spans as ``<code>``; ``**``
    left in prose reads ``^``."""
    out = []
    for piece, code in _pieces(text):
        if code:
            out.append(f"<code>{html.escape(piece[1:-1])}</code>")
            continue
        out += [p.mathml() if isinstance(p, Formula) else html.escape(p.replace("**", "^"))
                for p in split_formulas(piece)]
    return "".join(out)


def to_markdown(text, in_table=False):
    """Prose with Markdown's special characters escaped, formulas as ``$latex$``, code spans
    kept; `in_table` also protects ``|`` (a table cell's separator)."""
    out = []
    for piece, code in _pieces(text):
        if code:
            out.append(piece.replace("|", r"\|") if in_table else piece)
            continue
        for p in split_formulas(piece):
            if isinstance(p, Formula):
                tex = p.latex()
                out.append("$" + (tex.replace("|", r"\vert ") if in_table else tex) + "$")
            else:
                s = _MD_SPECIAL.sub(r"\\\g<0>", p)
                out.append(s.replace("|", r"\|") if in_table else s)
    return "".join(out)
