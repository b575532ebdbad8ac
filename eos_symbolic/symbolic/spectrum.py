"""Hessian spectrum at the tied point: characteristic polynomial over QQ and eigenvalues.

For `four-scalar` the factors give the paper's eigenvalues (eq. 3, claims C1-C2): one
quadratic factor (the tie-symmetric block) and linear ones (the antisymmetric block).
"""
import sympy as sp

from .symbols import lam


def characteristic_factors(model):
    """Irreducible factors over QQ of $\\det(\\lambda I - \\nabla^2 L)$ at the tied point (for an
    analytic loss: factors in $\\lambda$ with the entries' expressions as coefficients).

    Returns a list of ``(factor, multiplicity)`` with each factor monic in $\\lambda$.
    """
    H = model.tied_hessian
    n = H.shape[0]
    if not model.is_polynomial:
        return _analytic_factors(H, model.coords)
    charpoly = sp.expand((lam * sp.eye(n) - H).det(method="berkowitz"))
    _, factors = sp.factor_list(charpoly, lam, *model.coords)
    out = []
    for f, m in factors:
        p = sp.Poly(f, lam)
        out.append((sp.expand(f / p.LC()), m))
    return sorted(out, key=lambda fm: (sp.Poly(fm[0], lam).degree(), sp.default_sort_key(fm[0])))


def _analytic_factors(H, coords):
    """Factors for an analytic loss: each transcendental function of the entries becomes a
    symbol ($e^{k g}$ the k-th power of one symbol for $e^{g}$), the characteristic
    polynomial's numerator is factored over QQ in lamda, the coordinates and those symbols,
    and the functions are put back (a polynomial identity, so the factors are exact)."""
    funcs = sorted(H.atoms(sp.Function), key=sp.default_sort_key)
    gens, back = {}, {}
    for f in funcs:
        if f.func == sp.exp:
            coeff, base = f.args[0].as_coeff_Mul()
            key = ("exp", base)
            if key not in back:
                back[key] = (sp.Symbol(f"_f{len(back)}"), sp.exp(base))
            gens[f] = back[key][0] ** coeff if coeff.is_Integer else f
        if f not in gens or gens[f] == f:
            key = ("f", f)
            back.setdefault(key, (sp.Symbol(f"_f{len(back)}"), f))
            gens[f] = back[key][0]
    Hs = H.xreplace(gens).applyfunc(sp.cancel)
    n = H.shape[0]
    num = sp.numer(sp.together((lam * sp.eye(n) - Hs).det(method="berkowitz")))
    syms = [sym for sym, _ in back.values()]
    _, factors = sp.factor_list(num, lam, *coords, *syms)
    undo = {sym: f for sym, f in back.values()}
    out = []
    for f, m in factors:
        if not f.has(lam):
            continue
        p = sp.Poly(f, lam)
        out.append((sp.expand(f / p.LC()).xreplace(undo), m))
    return sorted(out, key=lambda fm: (sp.Poly(fm[0], lam).degree(), sp.default_sort_key(fm[0])))


def hessian_eigenvalues(model):
    """Closed-form eigenvalues of the tied Hessian, with multiplicity.

    Highest-degree factors first (for `four-scalar`: $\\lambda_1, \\lambda_2$ of eq. 3, then
    $\\lambda_3, \\lambda_4$). Linear factors give their root; a quadratic $\\lambda^2 + p\\lambda + q$ gives
    $\\tfrac12(-p \\pm \\sqrt{p^2 - 4q})$, '+' (the larger) first; a factor of higher degree is
    returned as the equation ``Eq(factor, 0)`` (no closed form attempted).

    >>> hessian_eigenvalues(get_model("four-scalar"))[2:]  # lambda_3, lambda_4 (C2)
    [-x**2*(x*y - 1)*(x*y + 1), -y**2*(x*y - 1)*(x*y + 1)]
    """
    values = []
    for f, m in reversed(characteristic_factors(model)):
        coeffs = sp.Poly(f, lam).all_coeffs()
        if len(coeffs) == 2:
            roots = [sp.factor(-coeffs[1])]
        elif len(coeffs) == 3:
            p, q = sp.factor(coeffs[1]), coeffs[2]
            disc = sp.sqrt(sp.expand(p ** 2 - 4 * q))
            roots = [(-p + disc) / 2, (-p - disc) / 2]
        else:
            roots = [sp.Eq(f, 0)]
        values += roots * m
    return values
