"""Compile SymPy expressions into fast numeric Python: gmpy2 mpfr, mpmath, Arb balls, float64.

A list of expressions $f_1, \\dots, f_m$ in variables $v$ and parameters $p$ becomes straight-line
code: maximal parameter-only subexpressions are hoisted into a once-per-binding setup, the rest
goes through `sympy.cse`, integer powers become squarings and products (``square(x)*x`` is ~2.5x
faster than ``x**3`` in gmpy2; ``mpfr_sqr`` beats a product at high precision), a product with
several squared factors is squared once ($b^2 c^2 \to (bc)^2$), and every number becomes a
constant of the backend type, rounded once at the working precision (``x - one`` with
``one = mpfr(1)`` is ~3x faster than ``x - 1``). With `horner`, each assignment takes the
form with the fewest operations (`opcount.cheapest_form`). The generated module has one
factory::

    def make(<params>):        # constants at the current precision of the backend
        def step(<vars>): ...  # one evaluation, returns the tuple of outputs
        def run(<vars>, n): ...  # n iterations v <- outputs (v <- v + outputs if increments)
        return step, run

Precision is the caller's: build and call inside `precision_scope(backend, dps)`.
"""
import re
from dataclasses import dataclass
from functools import lru_cache

import sympy as sp

from ..errors import EosError
from .compiled import CompiledFunction
from .opcount import Square, cheapest_form


@dataclass(frozen=True)
class Program:
    """Straight-line form of expressions: `setup` (parameter-only assignments), `body`
    (cse assignments in the variables) and `outputs`; each assignment is (symbol, expr)."""

    variables: tuple
    params: tuple
    setup: tuple
    body: tuple
    outputs: tuple


def straight_line(exprs, variables, params=(), shared=(), squares=False, horner=False):
    """Hoist parameter-only subexpressions, then common-subexpression-eliminate the rest.

    `shared` is a sequence of ``(symbol, expr)`` definitions the outputs may use (e.g. the
    common factor $\\eta\\,\\gcd_u g_u$ of a gradient map); they are evaluated first. With
    `squares`, products of several squared factors are squared once (`extract_squares`,
    before the hoisting, so cse shares the inner product); with `horner`, every assignment
    takes its cheapest form (`opcount.cheapest_form`).
    """
    if squares:
        # audited: sympify of SymPy objects handed in by the package, no text
        exprs = [extract_squares(sp.sympify(e)) for e in exprs]
        # audited: as above
        shared = [(s, extract_squares(sp.sympify(e))) for s, e in shared]
    consts = {}
    counter = iter(range(10 ** 9))
    pset = set(params)

    def is_const(e):
        return e.free_symbols <= pset

    def hoist(e):
        if e.is_Atom:
            return e
        if is_const(e):
            if e not in consts:
                consts[e] = sp.Symbol(f"_k{next(counter)}")
            return consts[e]
        if e.is_Add or e.is_Mul:
            cargs = [a for a in e.args if is_const(a)]
            rest = [hoist(a) for a in e.args if not is_const(a)]
            if len(cargs) > 1:
                cargs = [signed(e.func(*cargs))]
            elif cargs and not cargs[0].is_Atom:
                cargs = [signed(cargs[0])]
            return e.func(*(cargs + rest))
        return e.func(*[hoist(a) for a in e.args])

    def signed(c):  # the sign stays outside (x - k, not x + k' with k' = -k): cse then
        coeff, rest = c.as_coeff_Mul()  # sees -eta x and eta x as one product
        return -hoist(-c) if coeff.is_negative and rest != 1 else hoist(c)

    shared = list(shared)
    # audited: sympify of SymPy objects handed in by the package, no text
    hoisted = [hoist(sp.sympify(e)) for _, e in shared] + [hoist(sp.sympify(e)) for e in exprs]
    setup = _split_powers(_cse_pairs(list(consts.items()), "_s"), "_r")
    replaced, reduced = sp.cse(hoisted, symbols=sp.numbered_symbols("_t"), order="none")
    n = len(shared)
    outs = [sp.Symbol(f"_o{i}") for i in range(len(exprs))]
    assigned = _dependency_order(list(replaced) + [(s, e) for (s, _), e in
                                                   zip(shared, reduced[:n])])
    assigned += list(zip(outs, reduced[n:]))
    assigned = _split_powers(assigned, "_p")
    if horner:
        constants = set(params) | {s for s, _ in setup}
        assigned = [(s, cheapest_form(e, constants)) for s, e in assigned]
    body = [(s, e) for s, e in assigned if s not in outs]
    final = dict((s, e) for s, e in assigned if s in outs)
    return Program(tuple(variables), tuple(params), tuple(setup), tuple(body),
                   tuple(final[o] for o in outs))


def extract_squares(e):
    """$\\prod_i f_i^{n_i} \\to \\mathrm{square}(\\prod f_i^{\\lfloor n_i/2 \\rfloor})
    \\prod f_i^{n_i \\bmod 2}$ in every product with at least two squared factors: one squaring
    instead of one per factor, and a shared base (the (a, b) map of C7 has
    $b^2\\kappa^4(b+1)^2(b+2)^2 = T^2$ and $T$ itself, $T = \\kappa^2 b(b+1)(b+2)$)."""
    if e.is_Atom:
        return e
    e = e.func(*[extract_squares(a) for a in e.args])
    if not e.is_Mul:
        return e
    coeff, rest = e.as_coeff_Mul()
    powers = [(f.base, int(f.exp)) if f.is_Pow and f.exp.is_Integer and f.exp > 0 else (f, 1)
              for f in sp.Mul.make_args(rest)]
    if sum(n >= 2 for _, n in powers) < 2:
        return e
    inner = sp.Mul(*[f ** (n // 2) for f, n in powers if n >= 2])
    return coeff * Square(inner) * sp.Mul(*[f ** (n % 2) for f, n in powers])


def _dependency_order(assignments):
    """Order assignments so each comes after those it uses (cse temporaries may use shared
    symbols and shared definitions may use cse temporaries)."""
    pending, done, out = list(assignments), set(), []
    defined = {s for s, _ in assignments}
    while pending:
        ready = [(s, e) for s, e in pending if (e.free_symbols & defined) <= done]
        if not ready:
            raise EosError("compile: cyclic shared definitions")
        out += ready
        done |= {s for s, _ in ready}
        pending = [p for p in pending if p[0] not in done]
    return out


def _cse_pairs(pairs, prefix):
    """cse over hoisted constants given as (expr, name) pairs; returns assignments."""
    if not pairs:
        return []
    names = [n for _, n in pairs]
    replaced, reduced = sp.cse([e for e, _ in pairs], symbols=sp.numbered_symbols(prefix),
                               order="none")
    return list(replaced) + list(zip(names, reduced))


def _split_powers(assignments, prefix="_q"):
    """Give every non-symbol base of an integer power its own temporary, so that the printer's
    multiplication chains never re-evaluate a compound base."""
    out, names, counter = [], {}, iter(range(10 ** 9))

    def walk(e):
        if e.is_Atom:
            return e
        e = e.func(*[walk(a) for a in e.args])
        if e.is_Pow and e.exp.is_Integer and abs(e.exp) > 1 and not e.base.is_Symbol:
            if e.base not in names:
                names[e.base] = sp.Symbol(f"{prefix}{next(counter)}")
                out.append((names[e.base], e.base))
            return sp.Pow(names[e.base], e.exp, evaluate=False)
        return e

    for sym, e in assignments:
        out.append((sym, walk(e)))
    return out


#: Transcendental functions the generated code calls by name (each backend's namespace
#: supplies them: `backends.namespace`; the sweep kernel imports them from `math`).
FUNCTION_NAMES = {sp.exp: "exp", sp.log: "log", sp.tanh: "tanh", sp.cosh: "cosh",
                  sp.sinh: "sinh", sp.sin: "sin", sp.cos: "cos"}


class _Printer:
    """Python source for one backend; numbers become hoisted constants `_cN`. With `square`
    (the Python backends), powers are chains of ``square`` calls; without (the float64 statements,
    whose LLVM emitter lowers ``b**n`` to multiplications), ``b*b*b`` up to cubes, else
    ``b**n``."""

    def __init__(self, names, square=True):
        self.names, self.numbers, self.square = names, {}, square

    def const(self, value):
        value = sp.Rational(value)
        if value not in self.numbers:
            self.numbers[value] = f"_c{len(self.numbers)}"
        return self.numbers[value]

    def __call__(self, e):
        if e.is_Symbol:
            return self.names.get(e, e.name)
        if e.is_Rational:
            return self.const(e)
        if e.is_Number:
            raise EosError(f"compile: only exact numbers can be compiled, got {e}")
        if e.is_Add:
            return self.add(e)
        if e.is_Mul:
            return self.mul(e)
        if e.is_Pow:
            return self.pow(e)
        if e.func == Square:
            return f"square({self(e.args[0])})"
        if e.func in FUNCTION_NAMES and len(e.args) == 1:
            return f"{FUNCTION_NAMES[e.func]}({self(e.args[0])})"
        raise EosError(f"compile: cannot compile {type(e).__name__} in {e} (polynomials, "
                       "rational powers, sqrt and " + ", ".join(FUNCTION_NAMES.values()) + " only)")

    def add(self, e):
        terms = sorted(e.args, key=lambda t: t.as_coeff_Mul()[0].is_negative)
        out = ""
        for term in terms:
            coeff, rest = term.as_coeff_Mul()
            neg = coeff.is_negative
            text = self.term(-coeff if neg else coeff, rest)
            out += (" - " if neg else " + ") + text if out else ("-" if neg else "") + text
        return out

    def term(self, coeff, rest):
        if rest == 1:
            return self.const(coeff)
        if coeff == 1:
            return self(rest)
        return f"{self.const(coeff)}*{self.atom(rest) if rest.is_Add else self(rest)}"

    def mul(self, e):
        coeff, rest = e.as_coeff_Mul()
        factors = sp.Mul.make_args(rest)
        num = [self.atom(f) for f in factors if not (f.is_Pow and f.exp.is_negative)]
        den = [self(sp.Pow(f.base, -f.exp, evaluate=False)) for f in factors
               if f.is_Pow and f.exp.is_negative]
        den = [d if d.isidentifier() else f"({d})" for d in den]  # x/(y*y), not x/y*y
        if abs(coeff) != 1 or not num:
            num = [self.const(abs(coeff))] + num
        text = "*".join(num)
        if den:
            text = f"{text}/{den[0]}" if len(den) == 1 else f"{text}/({'*'.join(den)})"
        return f"(-{text})" if coeff < 0 else text

    def atom(self, f):
        text = self(f)
        return f"({text})" if f.is_Add or f.is_Mul else text

    def power_chain(self, b, n):
        """$b^n$ by repeated squaring: ``square(square(b))*b`` for $b^5$."""
        if n == 1:
            return b
        if not self.square:
            return "*".join([b] * n) if n <= 3 else f"{b}**{n}"
        return f"square({self.power_chain(b, n // 2)})" + (f"*{b}" if n % 2 else "")

    def pow(self, e):
        base, ex = e.base, e.exp
        b = self.atom(base)
        if ex.is_Integer:
            n = int(ex)
            chain = self.power_chain(b, abs(n))
            return chain if n > 0 else f"{self.const(1)}/({chain})"
        if ex.is_Rational:
            p, q = ex.p, ex.q
            core = {2: f"sqrt({b})", 4: f"sqrt(sqrt({b}))"}.get(q, f"root({b}, {q})")
            if abs(p) > 1:
                core = f"({core})**{abs(p)}"
            return core if p > 0 else f"{self.const(1)}/({core})"
        raise EosError(f"compile: cannot compile the power {e} (exponent must be rational)")


def _names(program):
    names = {v: f"v{i}" for i, v in enumerate(program.variables)}
    names.update({p: f"p{i}" for i, p in enumerate(program.params)})
    return names


def _new_state(program, printer, names, outs, increments):
    """The updated values: the outputs, or with `increments` v + (v' - v), printed as
    v - (v - v') when the increment is a negated product (no separate negation)."""
    if not increments:
        return outs
    vs = [names[v] for v in program.variables]
    return [f"{v} - ({printer(-e)})" if e.is_Mul and e.as_coeff_Mul()[0].is_negative
            else f"{v} + ({o})" for v, o, e in zip(vs, outs, program.outputs)]


def generate_source(program, increments=False, guard=None):
    """Python source of the `make` factory for `program` (backend-independent: numbers and
    functions are looked up in the namespace the backend supplies). `guard`, a condition on
    the variables ``v0, v1, ...``, ends `run` at the first state that violates it."""
    names = _names(program)
    pr = _Printer(names)
    setup = [f"    {s.name} = {pr(e)}" for s, e in program.setup]
    body = [f"{s.name} = {pr(e)}" for s, e in program.body]
    outs = [pr(e) for e in program.outputs]
    vs = [names[v] for v in program.variables]
    consts = [f"    {name} = num('{val}')" for val, name in pr.numbers.items()]
    args = ", ".join(vs)
    lines = [f"def make({', '.join(names[p] for p in program.params)}):"] + consts + setup
    new = _new_state(program, pr, names, outs, increments)
    lines += [f"    def step({args}):"] + [f"        {s}" for s in body]
    lines += [f"        return ({', '.join(new)},)"]
    if len(outs) == len(vs):
        # constants and functions as default arguments: locals in the loop, not lookups
        known = {n for _, n in pr.numbers.items()} | {s.name for s, _ in program.setup} | {
            names[p] for p in program.params} | {"sqrt", "root", "square"}
        used = sorted(known & set(re.findall(r"[A-Za-z_]\w*", " ".join(body + new))))
        bound = "".join(f", {u}={u}" for u in used)
        lines += [f"    def run({args}, n{bound}):", "        for _ in range(n):"]
        lines += [f"            {s}" for s in body]
        lines += [f"            {args}, = {', '.join(new)},"]
        lines += [f"            if not ({guard}):", "                break"] if guard else []
        lines += [f"        return ({args},)"]
    else:
        lines += ["    run = None"]
    lines += ["    return step, run"]
    return "\n".join(lines) + "\n"


def float_parts(program, names=None, increments=False):
    """Float64 statements of `program` for the llvmlite kernels: ``(setup, body, outputs)``, the
    setup with every number as a correctly rounded float literal, powers above cubes as
    ``b**n`` (`llvm_emit` lowers them), ``square`` and ``sqrt`` left to the kernel module;
    `increments` as in `generate_source`. Names default to ``v0, v1, ...`` and
    ``p0, ...``."""
    names = names or _names(program)
    pr = _Printer(names, square=False)
    setup = [f"{s.name} = {pr(e)}" for s, e in program.setup]
    body = [f"{s.name} = {pr(e)}" for s, e in program.body]
    outs = _new_state(program, pr, names, [pr(e) for e in program.outputs], increments)
    consts = [f"{name} = {float(sp.Rational(val))!r}" for val, name in pr.numbers.items()]
    return tuple(consts + setup), tuple(body), tuple(outs)


def compile_expressions(exprs, variables, params=(), increments=False, shared=(), horner=False,
                        guard=None):
    """Compile `exprs` (outputs, or increments $f(v) - v$ if `increments`) into a
    `CompiledFunction`; `shared` and `horner` as in `straight_line` (squares are always
    extracted), `guard` as in `generate_source`. See the module docstring."""
    # audited: sympify of SymPy objects handed in by the package, no text
    key = (tuple(sp.sympify(e) for e in exprs), tuple(variables), tuple(params), increments,
           tuple((s, sp.sympify(e)) for s, e in shared), horner, guard)  # audited: as above
    return _compile_cached(key)


@lru_cache(maxsize=256)
def _compile_cached(key):
    exprs, variables, params, increments, shared, horner, guard = key
    program = straight_line(exprs, variables, params, shared, squares=True, horner=horner)
    return CompiledFunction(generate_source(program, increments, guard),
                            tuple(map(str, variables)), tuple(map(str, params)), increments,
                            float_parts(program, increments=increments))
