"""Every checker kind verifies true claims and refutes planted false variants
(a wrong coefficient, a wrong sign, a wrong exponent, a wrong constant term)."""
import pytest

from eos_symbolic.claims.registry import Claim, paper_claims, select
from eos_symbolic.claims.verify import check_claim


def claim(kind, model="four-scalar", **fields):
    return Claim("T", "test", "planted", kind, model, fields)


def paper(cid):
    return select(paper_claims(), [cid])[0]


# -- identity -------------------------------------------------------------------------------
@pytest.mark.parametrize("rhs, verdict", [
    ("x**2 + 2*x*y + y**2", "verified"),
    ("x**2 + 3*x*y + y**2", "refuted"),      # wrong coefficient
    ("x**2 - 2*x*y + y**2", "refuted"),      # wrong sign
    ("x**2 + 2*x*y + y**3", "refuted"),      # wrong exponent
    ("x**2 + 2*x*y + y**2 + 1", "refuted"),  # wrong constant term
])
def test_identity(rhs, verdict):
    v = check_claim(claim("identity", lhs="(x + y)**2", rhs=rhs))
    assert v.verdict == verdict
    if verdict == "refuted":
        assert v.counterexample["point"] and v.counterexample["claimed"] != v.counterexample["derived"]


def test_identity_with_radicals_needs_the_sign_on_the_stated_domain():
    # sqrt(x^2 y^2) = |x y|: equal to x y only where x y >= 0, which the proof must show
    pos = check_claim(claim("identity", lhs="sqrt(x**2*y**2)", rhs="gamma",
                            where_symbols={"gamma": "x*y"},
                            domain={"x": ["1/10", "3"], "y": ["1/10", "3"]}))
    assert pos.verdict == "verified"
    assert pos.evidence["proof"]["kind"] == "exact-algebra"
    # without a domain x and y range over the real line, where the claim is false
    real = check_claim(claim("identity", lhs="sqrt(x**2*y**2)", rhs="gamma",
                             where_symbols={"gamma": "x*y"}))
    assert real.verdict == "refuted"


# -- eigenvalues (closed form vs derivation) --------------------------------------------
C1 = ("((x**2 + y**2)*(3*gamma**2 - 1) {pm} sqrt((x**2 + y**2)**2*(1 - 3*gamma**2)**2 "
      "+ 4*gamma**2*(3 - 10*gamma**2 + 7*gamma**4)))/2")


@pytest.mark.parametrize("mutate, verdict", [
    (lambda s: s, "verified"),
    (lambda s: s.replace("(3*gamma**2 - 1)", "(2*gamma**2 - 1)"), "refuted"),   # coefficient
    (lambda s: s.replace("- 10*gamma**2", "+ 10*gamma**2"), "refuted"),        # sign
    (lambda s: s.replace("7*gamma**4", "7*gamma**3"), "refuted"),              # exponent
    (lambda s: s.replace("(3 - 10", "(4 - 10"), "refuted"),                    # constant
])
def test_eigenvalue_claims(mutate, verdict):
    forms = [mutate(C1.format(pm=pm)) for pm in "+-"]
    v = check_claim(claim("eigenvalues", claimed=forms, where_symbols={"gamma": "x*y"}))
    assert v.verdict == verdict


def test_paper_c2_refuted_with_correction_and_nearby_reading():
    v = check_claim(paper("C2"))
    assert v.verdict == "refuted"
    # hand derivation: antisymmetric block eigenvalues are x^2 (1 - x^2 y^2), y^2 (1 - x^2 y^2)
    assert v.correction == "-x**2*(x*y - 1)*(x*y + 1), -y**2*(x*y - 1)*(x*y + 1)"
    assert "read as (x*y)**2" in v.evidence["nearby_setting"]
    assert v.counterexample["point"] == {"x": "2", "y": "1"}


# -- closed form ---------------------------------------------------------------------------
XC = "(1/sqrt(2))*((eta**(-2) - 4)**(1/2) + eta**(-1))**(1/2)"
YC = "sqrt(2)*((eta**(-2) - 4)**(1/2) + eta**(-1))**(-1/2)"


@pytest.mark.parametrize("xc, verdict", [
    (XC, "verified"),
    (XC.replace("(1/sqrt(2))", "(1/sqrt(3))"), "refuted"),             # coefficient
    (XC.replace("+ eta**(-1)", "- eta**(-1)"), "refuted"),              # sign
    (XC.replace("**(1/2) + eta", "**(1/3) + eta"), "refuted"),          # exponent
    (XC.replace("- 4)", "- 3)"), "refuted"),                            # constant
])
def test_eos_minimum_closed_form(xc, verdict):
    v = check_claim(claim("closed-form", target="eos_minimum", claimed=[xc, YC],
                          eta_range=["0", "1/2"]))
    assert v.verdict == verdict


def test_wrong_eta_range_is_refuted():
    v = check_claim(claim("closed-form", target="eos_minimum", claimed=[XC, YC],
                          eta_range=["0", "1"]))
    assert v.verdict == "refuted" and v.correction == "Interval.open(0, 1/2)"


def test_paper_c7_refutes_a_component_only():
    v = check_claim(paper("C7"))
    assert v.verdict == "refuted"
    assert v.evidence["b'"] in ("exact", "numeric") and v.evidence["refuted_components"] == ["a'"]
    # at the EoS minimum a = b = 0 the printed a' is 2 * c-check, the true map stays at 0
    assert v.counterexample["point"]["a"] == "0" and float(v.counterexample["derived"]) == 0


# -- ODE -------------------------------------------------------------------------------------
ODE = "(16*b**3 - 8*a*b*kappa)/(4*b**2*kappa**3)"
SOL = "a*kappa/2 + kappa**4/16 + C*exp(8*a*kappa**(-3))"


@pytest.mark.parametrize("sol, verdict", [
    (SOL, "verified"),
    (SOL.replace("a*kappa/2", "a*kappa/3"), "refuted"),                 # coefficient
    (SOL.replace("exp(8*a", "exp(-8*a"), "refuted"),                    # sign
    (SOL.replace("kappa**(-3)", "kappa**(-2)"), "refuted"),             # exponent
    (SOL.replace("kappa**4/16", "kappa**4/8"), "refuted"),              # constant term
])
def test_ode_solution(sol, verdict):
    assert check_claim(claim("ode", ode=ODE, solution=sol)).verdict == verdict


def test_paper_c22_correction_is_the_ode_its_solution_solves():
    v = check_claim(paper("C22"))
    assert v.verdict == "refuted" and v.correction == "-4*a/(b*kappa**2)"


# -- structure claims ------------------------------------------------------------------------
def test_structure_claims_verified():
    for cid in ("C1", "C3", "C4", "C5", "C6", "C12"):
        assert check_claim(paper(cid)).verdict == "verified", cid


def test_claims_without_checker_are_inconclusive_with_reason():
    v = check_claim(claim("no-such-kind"))
    assert v.verdict == "inconclusive" and "no checker for kind" in v.evidence["reason"]


# -- expansions (series of the exact map) ----------------------------------------------------
W = {"a": 3, "b": 2, "kappa": 1}


@pytest.mark.parametrize("a2, b2, verdict", [
    ("a - 4*b**2*kappa**3", "b + 8*a*b*kappa - 16*b**3", "verified"),
    ("a - 4*b**2*kappa**3", "b + 8*a*b*kappa - 15*b**3", "refuted"),         # coefficient
    ("a - 4*b**2*kappa**3", "b - 8*a*b*kappa - 16*b**3", "refuted"),         # sign
    ("a - 4*b**2*kappa**2", "b + 8*a*b*kappa - 16*b**3", "refuted"),         # exponent
    ("a - 4*b**2*kappa**3", "b + 8*a*b*kappa - 16*b**3 + kappa**6", "refuted"),  # constant
    ("a - 4*b**2*kappa**3", "b + 8*a*b*kappa", "refuted"),                   # missing term
])
def test_two_step_expansion(a2, b2, verdict):
    v = check_claim(claim("expansion", steps=2, weights=W, claimed={"a''": a2, "b''": b2}))
    assert v.verdict == verdict
    if verdict == "refuted":
        # the exact map at a regime point sides with the derived truncation
        for key in v.counterexample:
            if key in ("a''", "b''") and v.evidence["components"][key].get("wrong_or_missing"):
                w = v.counterexample[key]
                assert float(w["derived_error"]) < float(w["claimed_error"])


def test_paper_c21_right_for_the_halved_objective():
    v = check_claim(paper("C21"))
    assert v.verdict == "refuted"
    assert "two-scalar" in v.evidence["nearby_setting"]
    # hand derivation for (1 - xy)^2: T = 2 kappa^2 b, a'' - a = -4 b^2 kappa^3, b'' = b + 8 a b kappa
    assert v.correction == "a'' = a - 4*b**2*kappa**3, b'' = 8*a*b*kappa + b"


def test_paper_c8_c9_c11_c27_verified():
    for cid in ("C8", "C9", "C11", "C27", "C24"):
        assert check_claim(paper(cid)).verdict == "verified", cid


def test_rate_claim_c10():
    v = check_claim(paper("C10"))
    assert v.verdict == "refuted" and v.correction == "2*b**2*kappa**3"
    good = check_claim(claim("rate", claimed="2*b**2*kappa**3", weights=W))
    assert good.verdict == "verified" and good.evidence["monotone_decrease"]


def test_one_d_map_variant_refuted():
    v = check_claim(claim("one-d-map", claimed="b*(1 + 8*a*kappa - 12*b**2)", from_claim="C9",
                          weights=W))
    assert v.verdict == "refuted"
