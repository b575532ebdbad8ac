"""The one parser for text from outside: a whitelist over Python's `ast` that builds SymPy.

Nothing is evaluated as Python: the text is parsed by `ast.parse` (which only builds a tree),
every node is checked against a whitelist, and the SymPy object is built here node by node.
Before any number is formed its size is bounded (digits of a literal, bits of an integer
power), so towers such as ``9**9**9**9`` and literals such as ``1e999999`` are refused
instead of computed. Accepted:

- numbers (decimals become exact rationals; in `derivations` mode, as written by `str` of a
  SymPy Float, they become Floats of the written precision), names (canonical symbols of
  `symbols.symbol`), ``+ - * / **`` (and ``^`` for ``**``), unary ``+``/``-``, parentheses;
- calls of the functions in `FUNCTIONS` with positional arguments only;
- in `derivations` mode also tuples, ``Eq``, ``Matrix([[...]])``, ``Interval.open`` and
  ``EmptySet``: what `derive` writes to `derivations.json`.

Numbers from outside (a CLI value, a TOML int, float or string) go through `parse_number`:
the same grammar without symbols, giving an exact SymPy number. Code that holds SymPy objects
already converts Python numbers with `to_sympy`, which refuses text, so no string can reach
`sympy.sympify` by that route either.
"""
import ast
import keyword
import math
import re
import warnings
from dataclasses import dataclass

import sympy as sp

from ..errors import EosError
from .symbols import symbol


def _rational(p, q):
    if not (isinstance(p, sp.Integer) and isinstance(q, sp.Integer)) or q == 0:
        raise ValueError("Rational(p, q) takes two integers, q != 0")
    return sp.Rational(p, q)


#: Function name -> (SymPy constructor, number of arguments).
FUNCTIONS = {
    "sqrt": (sp.sqrt, 1), "exp": (sp.exp, 1), "log": (sp.log, 1), "sin": (sp.sin, 1),
    "cos": (sp.cos, 1), "tanh": (sp.tanh, 1), "cosh": (sp.cosh, 1), "sinh": (sp.sinh, 1),
    "Rational": (_rational, 2),
}
#: The transcendental functions of `FUNCTIONS` (analytic losses may use these).
TRANSCENDENTAL = (sp.exp, sp.log, sp.sin, sp.cos, sp.tanh, sp.cosh, sp.sinh)
#: Extra constructors of `derivations.json` text.
_DERIVATION_CALLS = {"Eq": (lambda lhs, rhs: sp.Eq(lhs, rhs, evaluate=False), 2),
                     "Matrix": (sp.Matrix, 1), "Interval": (sp.Interval, 2)}
_DERIVATION_ATTRS = {("Interval", "open"): sp.Interval.open,
                     ("Interval", "Lopen"): sp.Interval.Lopen,
                     ("Interval", "Ropen"): sp.Interval.Ropen}
_DERIVATION_NAMES = {"EmptySet": sp.S.EmptySet}
_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9]{0,7}$")


@dataclass(frozen=True)
class Limits:
    """Bounds checked before anything is built: text length, nesting depth, digits of a
    literal, size of an integer exponent and bits of an exact power's result; on the built
    expression, its total degree, the number of terms it can have once expanded and how
    deeply transcendental functions nest (each level multiplies the size of every derivative
    a model takes: ``tanh(tanh(...))`` grows without bound)."""

    length: int = 2000
    depth: int = 60
    digits: int = 300
    exponent: int = 64
    bits: int = 4096
    degree: int = 256
    terms: int = 20000
    functions: int = 4


USER = Limits()
#: `derivations.json` holds long expanded polynomials (two-step maps) with large exponents.
DERIVATIONS = Limits(length=2_000_000, depth=200, digits=2000, exponent=4096, bits=1 << 16,
                     degree=1 << 14, terms=10 ** 9, functions=16)


def parse_expression(text, what="expression", limits=USER, functions=None):
    """User text -> SymPy expression, or `EosError` naming `what` (one line).

    Only the grammar of the module docstring is accepted; decimals are exact rationals.
    `functions` (default `FUNCTIONS`) is the table of callable names.

    >>> parse_expression("2*x**2 + 0.5")
    2*x**2 + 1/2
    >>> parse_expression("__import__('os')")
    Traceback (most recent call last):
    ...
    eos_symbolic.errors.EosError: expression: function '__import__' is not allowed ..."""
    expr = _Builder(what, limits, functions or FUNCTIONS, derivations=False).run(text)
    if not isinstance(expr, sp.Expr):
        raise EosError(f"{what}: {_show(text)} is not a scalar expression")
    return expr


def parse(text, what="derivation"):
    """A `derivations.json` value -> the SymPy object `derive` wrote, with the canonical
    symbols (tuples as Python tuples, as `sympy.sympify` gives them); no code runs."""
    return _Builder(what, DERIVATIONS, FUNCTIONS, derivations=True).run(text)


def parse_number(value, what, rational=True, limits=USER):
    """A number from outside -> an exact SymPy number, or `EosError` naming `what`.

    `value` is a string (the expression grammar without symbols: ``"0.01"``, ``"1/100"``,
    ``"2**-7"``; decimals are exact, ``"0.1"`` is 1/10), an int, or a finite float (read as
    its shortest decimal, so TOML ``0.1`` is 1/10 as well). With `rational` the result must be
    rational; otherwise any finite real constant (``sqrt(2)``) is accepted."""
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise EosError(f"{what}: expected a number, got {_show(value)}")
    if isinstance(value, float):
        if not math.isfinite(value):
            raise EosError(f"{what}: expected a finite number, got {value}")
        value = repr(value)
    elif isinstance(value, int):
        if abs(value).bit_length() > limits.digits * 3.33:
            raise EosError(f"{what}: a number with more than {limits.digits} digits")
        return sp.Integer(value)
    expr = parse_expression(value, what, limits)
    if expr.free_symbols:
        raise EosError(f"{what}: expected a number, got {_show(value)} (it names "
                       f"{', '.join(sorted(s.name for s in expr.free_symbols))})")
    if expr.is_Rational:
        return expr
    if rational:
        raise EosError(f"{what}: expected an exact rational number such as 0.01 or 1/100, got "
                       f"{_show(value)}")
    if expr.is_real is not True or not expr.is_finite:
        raise EosError(f"{what}: expected a finite real number, got {_show(value)}")
    return expr


def to_sympy(obj):
    """An internal SymPy object or Python number as SymPy (`sympy.sympify` without its string
    path): text is refused, it must come through `parse_expression` or `parse_number`."""
    if isinstance(obj, (str, bytes)):
        raise TypeError(f"to_sympy: text must be parsed first, got {_show(obj)}")
    return sp.sympify(obj, strict=True)  # audited: strict=True refuses strings


def degree_bound(expr):
    """An upper bound on the total degree of `expr` once expanded (functions count as their
    argument's degree; a negative or fractional power counts its size)."""
    if isinstance(expr, (sp.Tuple, sp.MatrixBase)):
        return max((degree_bound(e) for e in expr), default=0)
    if not isinstance(expr, sp.Basic) or expr.is_Number or not expr.free_symbols:
        return 0
    if expr.is_Symbol:
        return 1
    if expr.is_Add or isinstance(expr, sp.Eq):
        return max(degree_bound(a) for a in expr.args)
    if expr.is_Mul:
        return sum(degree_bound(a) for a in expr.args)
    if expr.is_Pow and expr.exp.is_Rational:
        return math.ceil(abs(expr.exp)) * degree_bound(expr.base)
    return max(degree_bound(a) for a in expr.args)


def function_depth(expr):
    """How deeply transcendental functions (`TRANSCENDENTAL`) nest in `expr` (0 for none)."""
    if not isinstance(expr, sp.Basic) or expr.is_Atom:
        return 0
    if isinstance(expr, (sp.Tuple, sp.MatrixBase)):
        return max((function_depth(e) for e in expr), default=0)
    inner = max((function_depth(a) for a in expr.args), default=0)
    return inner + (1 if expr.func in TRANSCENDENTAL else 0)


def terms_bound(expr, cap):
    """An upper bound (capped at `cap` + 1) on the number of terms of `expr` expanded: a
    sum adds, a product multiplies, $p^n$ has at most $\binom{n + k - 1}{k - 1}$ terms for a
    p of k terms (the monomials of degree n in k letters)."""
    if isinstance(expr, (sp.Tuple, sp.MatrixBase, tuple)):
        return min(cap + 1, sum(terms_bound(e, cap) for e in expr))
    if not isinstance(expr, sp.Basic) or not expr.args:
        return 1
    if expr.is_Add:
        return min(cap + 1, sum(terms_bound(a, cap) for a in expr.args))
    if expr.is_Mul:
        out = 1
        for a in expr.args:
            out = min(cap + 1, out * terms_bound(a, cap))
        return out
    k = terms_bound(expr.args[0], cap)
    if expr.is_Pow and expr.exp.is_Integer and expr.exp > 1 and k > 1:
        n = int(expr.exp)
        if k > cap:
            return cap + 1
        return min(cap + 1, math.comb(n + k - 1, k - 1))
    return min(cap + 1, max(terms_bound(a, cap) for a in expr.args))


def _show(text, n=60):
    s = repr(text)
    return s if len(s) <= n else s[:n - 4] + "...'"


class _Builder:
    def __init__(self, what, limits, functions, derivations):
        self.what, self.limits, self.functions = what, limits, functions
        self.derivations = derivations

    def fail(self, why):
        raise EosError(f"{self.what}: {why} in {_show(self.text)}")

    def run(self, text):
        if not isinstance(text, str):
            raise EosError(f"{self.what}: expected a formula string, got {_show(text)}")
        self.text = text
        if not text.strip():
            raise EosError(f"{self.what}: expected a non-empty formula, got {text!r}")
        if len(text) > self.limits.length:
            raise EosError(f"{self.what}: formula longer than {self.limits.length} characters")
        if "\x00" in text:
            self.fail("a NUL character is not allowed")
        try:
            with warnings.catch_warnings():  # "invalid decimal literal" etc.: not for users
                warnings.simplefilter("ignore")
                tree = ast.parse(text.replace("^", "**").strip(), mode="eval")
        except (SyntaxError, ValueError, MemoryError, RecursionError):
            self.fail("cannot parse (expected numbers, names, + - * / ** and parentheses)")
        self.source = text.replace("^", "**").strip()
        try:
            out = self.node(tree.body, 0)
            if degree_bound(out) > self.limits.degree:
                self.fail(f"polynomial degree above {self.limits.degree}")
            if terms_bound(out, self.limits.terms) > self.limits.terms:
                self.fail(f"more than {self.limits.terms} terms once expanded")
            if function_depth(out) > self.limits.functions:
                self.fail(f"functions nested more than {self.limits.functions} deep (every "
                          "derivative of such a loss grows without bound)")
            return out
        except EosError:
            raise
        except RecursionError:
            self.fail("nesting too deep")
        except (TypeError, ValueError, ZeroDivisionError, sp.SympifyError,
                sp.polys.polyerrors.PolynomialError) as exc:
            self.fail(f"cannot build the expression ({type(exc).__name__})")

    def node(self, n, depth):
        if depth > self.limits.depth:
            self.fail(f"nesting deeper than {self.limits.depth}")
        if isinstance(n, ast.BinOp):
            return self.binop(n, depth)
        if isinstance(n, ast.UnaryOp) and isinstance(n.op, (ast.USub, ast.UAdd)):
            v = self.scalar(n.operand, depth + 1)
            return -v if isinstance(n.op, ast.USub) else v
        if isinstance(n, ast.Constant):
            return self.number(n)
        if isinstance(n, ast.Name):
            return self.name(n.id)
        if isinstance(n, ast.Call):
            return self.call(n, depth)
        if self.derivations and isinstance(n, ast.Tuple):
            return tuple(self.node(e, depth + 1) for e in n.elts)
        if isinstance(n, ast.Attribute):
            self.fail("attribute access is not allowed")
        self.fail(f"{type(n).__name__} is not allowed")

    def binop(self, n, depth):
        # long sums and products are left-nested chains: walk them iteratively
        ops, operands = [], []
        while isinstance(n, ast.BinOp) and isinstance(n.op, (ast.Add, ast.Sub)):
            ops.append(n.op)
            operands.append(n.right)
            n = n.left
        if ops:
            terms = [self.scalar(n, depth + 1)]
            for op, r in zip(reversed(ops), reversed(operands)):
                v = self.scalar(r, depth + 1)
                terms.append(v if isinstance(op, ast.Add) else -v)
            return sp.Add(*terms)
        while isinstance(n, ast.BinOp) and isinstance(n.op, (ast.Mult, ast.Div)):
            ops.append(n.op)
            operands.append(n.right)
            n = n.left
        if ops:
            out = self.scalar(n, depth + 1)
            for op, r in zip(reversed(ops), reversed(operands)):
                v = self.scalar(r, depth + 1)
                if isinstance(op, ast.Div) and v == 0:
                    self.fail("division by zero")
                out = out * v if isinstance(op, ast.Mult) else out / v
            return out
        if isinstance(n.op, ast.Pow):
            base = self.scalar(n.left, depth + 1)
            exp = self.scalar(n.right, depth + 1)
            return self.power(base, exp)
        self.fail(f"operator {type(n.op).__name__} is not allowed")

    def scalar(self, n, depth):
        """An operand of arithmetic, an argument of a function or an entry of a matrix: a
        scalar expression (not a tuple, set, equation or matrix)."""
        v = self.node(n, depth)
        if not isinstance(v, sp.Expr):
            self.fail(f"arithmetic on {type(v).__name__} is not allowed")
        return v

    def power(self, base, exp):
        lim = self.limits
        if isinstance(exp, sp.Number):
            if not exp.is_Rational:
                self.fail("a floating-point exponent is not allowed")
            if abs(exp.p) > lim.exponent or exp.q > lim.exponent:
                self.fail(f"exponent {exp} is larger than {lim.exponent}")
            if base == 0 and exp < 0:
                self.fail("division by zero")
        elif exp.atoms(sp.Number) and any(abs(v) > 10 ** 6 for v in exp.atoms(sp.Rational)):
            self.fail("a symbolic exponent with large numbers is not allowed")
        if isinstance(base, sp.Rational) and isinstance(exp, sp.Number):
            size = max(abs(base.p), base.q).bit_length()
            if size * abs(exp.p) > lim.bits:
                self.fail(f"the power {base}**{exp} has more than {lim.bits} bits")
        return sp.Pow(base, exp)

    def number(self, n):
        v = n.value
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            self.fail(f"the constant {v!r} is not a number")
        seg = ast.get_source_segment(self.source, n) or repr(v)
        digits = len(re.sub(r"[^0-9]", "", seg.split("e")[0].split("E")[0]))
        if digits > self.limits.digits:
            self.fail(f"a number with more than {self.limits.digits} digits")
        if isinstance(v, int):
            return sp.Integer(v)
        m = re.search(r"[eE]([+-]?\d+)$", seg)
        if m and abs(int(m.group(1))) > self.limits.digits:
            self.fail(f"a decimal exponent beyond +-{self.limits.digits}")
        if not math.isfinite(v) and not m:
            self.fail("a non-finite number")
        if self.derivations:
            return sp.Float(seg)
        return sp.Rational(seg.replace("_", ""))

    def name(self, name):
        if self.derivations and name in _DERIVATION_NAMES:
            return _DERIVATION_NAMES[name]
        if name in self.functions or (self.derivations and name in _DERIVATION_CALLS):
            self.fail(f"function {name} needs arguments")
        if keyword.iskeyword(name) or not _NAME.match(name):
            self.fail(f"name {name!r} is not allowed (parameter names are a letter then "
                      "letters/digits, at most 8 characters)")
        return symbol(name)

    def call(self, n, depth):
        if n.keywords or any(isinstance(a, ast.Starred) for a in n.args):
            self.fail("keyword or starred arguments are not allowed")
        f = n.func
        if self.derivations and isinstance(f, ast.Attribute) and isinstance(f.value, ast.Name) \
                and (f.value.id, f.attr) in _DERIVATION_ATTRS:
            return _DERIVATION_ATTRS[f.value.id, f.attr](*[self.scalar(a, depth + 1)
                                                             for a in n.args])
        if isinstance(f, ast.Attribute):
            self.fail("attribute access is not allowed")
        if not isinstance(f, ast.Name):
            self.fail("calling anything but a named function is not allowed")
        table = {**self.functions, **(_DERIVATION_CALLS if self.derivations else {})}
        if f.id not in table:
            self.fail(f"function {f.id!r} is not allowed (allowed: "
                      f"{', '.join(sorted(self.functions))})")
        fn, arity = table[f.id]
        if len(n.args) != arity:
            self.fail(f"{f.id} takes {arity} argument(s), got {len(n.args)}")
        if f.id == "Matrix":
            return fn(self.rows(n.args[0], depth + 1))
        return fn(*[self.scalar(a, depth + 1) for a in n.args])

    def rows(self, n, depth):
        if not isinstance(n, ast.List) or not all(isinstance(r, ast.List) for r in n.elts):
            self.fail("Matrix takes a list of rows")
        return [[self.scalar(e, depth + 1) for e in r.elts] for r in n.elts]
