"""Operation counts of straight-line code and the cheapest of equivalent forms.

Two machines: a Python backend (gmpy2, mpmath, Arb), where every arithmetic operation is one
interpreted call of about the same cost, and a float64 FMA machine (the llvmlite sweep kernel),
where a sum absorbs one product per addition (``a*b + c`` is one instruction).
"""
import sympy as sp

#: Squaring as its own operation: ``square(b)`` (``mpfr_sqr`` is cheaper than a product at
#: high precision and one call in Python); `compile` prints it, `cse` shares it like any call.
Square = sp.Function("square")


def _is_product(e):
    return bool(e.is_Mul or (e.is_Pow and e.exp.is_Integer and e.exp > 1))


def operation_count(e, fma=False):
    """Arithmetic operations of $e$ as printed: $n - 1$ for a sum or product of $n$ terms
    (plus one for a coefficient other than $\\pm 1$), a power $b^n$ by repeated squaring,
    one per function call (sqrt, square); with `fma`, a sum absorbs one product per
    addition."""
    if e.is_Atom:
        return 0
    inner = sum(operation_count(a, fma) for a in e.args)
    if e.is_Add:
        adds = len(e.args) - 1
        return inner + adds - (min(adds, sum(map(_is_product, e.args))) if fma else 0)
    if e.is_Mul:
        coeff, rest = e.as_coeff_Mul()
        return inner + len(sp.Mul.make_args(rest)) - 1 + (abs(coeff) != 1)
    if e.is_Pow and e.exp.is_Integer and e.exp.is_positive:
        n = int(e.exp)
        chain = n - 1 if n <= 3 else n.bit_length() - 1 + bin(n).count("1") - 1
        return operation_count(e.base, fma) + chain
    return inner + 1


def cheapest_form(e, constants, fma=False):
    """$e$ or its Horner form in its non-constant symbols, whichever has fewer operations
    (eq. 2's gradient factor $\\eta q (q + 1)(q - 1)$ becomes $q (\\eta q^2 - \\eta)$: four
    operations, not five). Horner form multiplies out factors, so it is for maps whose
    cancellation is inherent anyway (the (x, y) map near $xy = 1$), not for the
    cancellation-free (a, b) map."""
    gens = sorted(e.free_symbols - set(constants), key=str)
    if not gens or not e.is_polynomial(*gens):
        return e
    h = sp.horner(sp.expand(e), *gens)
    return h if operation_count(h, fma) < operation_count(e, fma) else e


def program_cost(prog, fma=False):
    """Operations per evaluation of a `compile.Program` (setup excluded: done once)."""
    return (sum(operation_count(e, fma) for _, e in prog.body)
            + sum(operation_count(e, fma) for e in prog.outputs))
