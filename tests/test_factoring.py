"""FLINT factorisation returns exactly SymPy's `factor_list` (content, factors, order)."""
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from eos_symbolic import get_model
from eos_symbolic.symbolic.factoring import factor_list, resultant
from eos_symbolic.symbolic.symbols import eta, lam, x, y

MONOMIALS = [sp.Integer(1), x, y, eta, x * y, x ** 2 * eta, y ** 3]
small = st.integers(-3, 3)
poly = st.lists(small, min_size=len(MONOMIALS), max_size=len(MONOMIALS)).map(
    lambda cs: sum(c * m for c, m in zip(cs, MONOMIALS)))


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(poly, st.integers(1, 2)), min_size=1, max_size=3),
       st.fractions(min_value=-5, max_value=5, max_denominator=7))
def test_same_as_sympy_on_random_products(factors, scale):
    expr = sp.expand(sp.Rational(scale.numerator, scale.denominator) *
                     sp.Mul(*[f ** k for f, k in factors]))
    assert factor_list(expr) == sp.factor_list(expr)
    assert factor_list(expr, x, y, eta) == sp.factor_list(expr, x, y, eta)


def test_same_as_sympy_on_the_period_two_eliminant():
    from eos_symbolic.symbolic.orbits import two_cycles
    tc = two_cycles(get_model("four-scalar"))
    res = sp.resultant(*tc.cofactors, y)
    assert factor_list(res) == sp.factor_list(res)


def test_other_domains_and_unexpanded_products_go_to_sympy():
    for expr, gens in [(sp.sqrt(2) * x ** 2 - 2 * y, ()), (x * (x * y - 1) ** 2, ()),
                       (lam ** 2 - eta * x * lam, (lam,)), (sp.Rational(3, 4), ())]:
        assert factor_list(expr, *gens) == sp.factor_list(expr, *gens)


def _sylvester_resultant(f, g, var):
    from sympy.polys.subresultants_qq_zz import sylvester
    return sp.expand(sylvester(f, g, var, method=1).det())


@settings(max_examples=40, deadline=None)
@given(poly, poly, st.sampled_from([x, y, eta]))
def test_resultant_is_the_sylvester_determinant(f, g, var):
    if sp.degree(f, var) < 1 or sp.degree(g, var) < 1:
        return
    res = resultant(f, g, var)
    assert sp.expand(res - _sylvester_resultant(f, g, var)) == 0
    assert sp.expand(res ** 2 - sp.resultant(f, g, var) ** 2) == 0  # SymPy's: up to sign


def test_resultant_of_the_period_two_cofactors():
    from eos_symbolic.symbolic.orbits import two_cycles
    q1, q2 = two_cycles(get_model("four-scalar")).cofactors
    assert sp.expand(resultant(q1, q2, y) - sp.resultant(q1, q2, y)) == 0
    f, g = x * y - 1, x ** 2 * y + sp.Rational(1, 3)
    assert resultant(f, g, y) == x ** 2 + x / 3 == _sylvester_resultant(f, g, y)
