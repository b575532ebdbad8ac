"""Exact factorisation and resultants over QQ by FLINT, in SymPy's normal form.

`factor_list(expr, *gens)` returns exactly what ``sympy.factor_list(expr, *gens)`` returns for a
polynomial with rational coefficients: the rational content $c$ and the irreducible factors
$f_i$ with multiplicities, $\\text{expr} = c \\prod f_i^{k_i}$, each $f_i$ primitive over ZZ
with a positive leading coefficient in the lex order of the generators, listed in SymPy's
order (number of terms of the dense representation, then multiplicity, then the
representation). Unique factorisation in $\\mathbb{Z}[x_1, \\dots, x_n]$ makes the two results
equal; FLINT (`fmpz_mpoly.factor`) gets there tens of times faster on the large eliminants
(the period-2 resultant of `four-scalar`: 3 s in SymPy, 0.07 s here). Anything else (other
coefficient domains, or a product whose factors SymPy would put in separate rings because no
generators are given) goes to SymPy unchanged.

`resultant(f, g, var)` is the Sylvester resultant $\\mathrm{res}_{var}(f, g)$, the
determinant of the Sylvester matrix (FLINT's `fmpq_mpoly.resultant`: the period-2 eliminant
of `four-scalar` in 0.02 s instead of SymPy's 0.4 s). SymPy's ``resultant`` agrees up to
sign (it returns the negative for some degree patterns, e.g. $f = xy$, $g = y^3 + \\eta
x^2$), so factors agree exactly; other domains go to SymPy.
"""
import sympy as sp

from .parser import to_sympy

try:  # FLINT's multivariate rings came with python-flint 0.7, `get` a little later
    from flint import fmpq, fmpq_mpoly_ctx, fmpz_mpoly_ctx
    _RING, _QRING = fmpz_mpoly_ctx.get, fmpq_mpoly_ctx.get
except (ImportError, AttributeError):  # pragma: no cover - then SymPy does the work
    _RING = _QRING = None


def factor_list(expr, *gens):
    """``(content, [(factor, multiplicity), ...])`` of a polynomial over QQ (see module)."""
    expr = to_sympy(expr)  # SymPy objects and numbers only: text is refused
    if _RING is None or (not gens and (expr.is_Mul or expr.is_Pow)):
        return sp.factor_list(expr, *gens)
    try:
        poly = sp.Poly(expr, *gens)
    except sp.polys.polyerrors.BasePolynomialError:
        return sp.factor_list(expr, *gens)
    if poly.domain not in (sp.ZZ, sp.QQ) or poly.is_ground or not all(
            g.is_Symbol for g in poly.gens):
        return sp.factor_list(expr, *gens)
    den, integral = poly.clear_denoms(convert=True)
    names = tuple(f"v{i}" for i in range(len(poly.gens)))
    ctx = _RING(names, "lex")
    content, factors = ctx.from_dict(
        {k: int(v) for k, v in integral.as_dict().items()}).factor()
    out = [(sp.Poly.from_dict({tuple(k): int(v) for k, v in f.to_dict().items()},
                              *poly.gens, domain=sp.ZZ), int(m)) for f, m in factors]
    out.sort(key=lambda fm: (len(fm[0].rep.to_list()), fm[1], fm[0].rep.to_list()))
    return sp.Rational(int(content), int(den)), [(f.as_expr(), m) for f, m in out]


def resultant(f, g, var):
    """$\\mathrm{res}_{var}(f, g)$ of two polynomials over QQ, as a SymPy expression."""
    f, g = to_sympy(f), to_sympy(g)
    gens = sorted(f.free_symbols | g.free_symbols | {var}, key=sp.default_sort_key)
    try:
        polys = [sp.Poly(e, *gens) for e in (f, g)]
    except sp.polys.polyerrors.BasePolynomialError:
        polys = None
    if _QRING is None or polys is None or any(p.domain not in (sp.ZZ, sp.QQ) for p in polys):
        return sp.resultant(f, g, var)
    ctx = _QRING(tuple(f"v{i}" for i in range(len(gens))), "lex")
    a, b = (ctx.from_dict({k: fmpq(int(sp.Rational(v).p), int(sp.Rational(v).q))
                           for k, v in p.as_dict().items()}) for p in polys)
    res = a.resultant(b, f"v{gens.index(var)}")
    return sp.Poly.from_dict({tuple(k): sp.Rational(int(v.p), int(v.q))
                              for k, v in res.to_dict().items()} or {(0,) * len(gens): 0},
                             *gens).as_expr()
