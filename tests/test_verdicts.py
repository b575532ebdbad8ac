"""Sound verdicts: each false statement that once came back `verified` (or numerically
verified) is a regression test here, and the verdict policy rejects proofs that do not
re-check."""
import json

import pytest

from eos_symbolic.claims.checks import Context
from eos_symbolic.claims.corpus import _convergent
from eos_symbolic.claims.policy import finalize, recheck
from eos_symbolic.claims.registry import Claim, load_claims_file, paper_claims, select
from eos_symbolic.claims.verify import check_claim
from eos_symbolic.errors import EosError

QUICK = Context(quick=True)


def user(kind, model="four-scalar", **fields):
    return Claim("R", "test", "regression", kind, model, fields, "test")


def paper(cid):
    return select(paper_claims(), [cid])[0]


# -- equal up to sign is not equal ------------------------------------------------------------
@pytest.mark.parametrize("lhs, rhs, lo", [
    ("sqrt((x - 101/100)**2)", "x - 101/100", "1"),                 # q < 0 on [1, 1.01)
    ("sqrt(x**2 - 202*x/100 + 10201/10000)", "x - 101/100", "1"),   # the same, expanded
    ("sqrt(((x - 3/2)*(x - 151/100))**2)", "(x - 3/2)*(x - 151/100)", "0"),  # only inside
])
def test_equal_up_to_sign_is_refuted_not_verified(lhs, rhs, lo):
    v = check_claim(user("identity", lhs=lhs, rhs=rhs, domain={"x": [lo, "3"]}))
    assert v.verdict == "refuted"
    assert v.counterexample["claimed"] != v.counterexample["derived"]


def test_equal_up_to_sign_with_the_sign_proved_is_verified():
    v = check_claim(user("identity", lhs="sqrt(((x - 1/2)*(x - 3/4))**2)",
                         rhs="(x - 1/2)*(x - 3/4)", domain={"x": ["1", "3"]}))
    assert v.verdict == "verified"
    proof = v.evidence["proof"]
    assert proof["kind"] == "exact-algebra" and "re-checked" in proof["rechecked"]
    assert any(">= 0" in a for a in proof["assumptions"])  # the sign condition, stated


# -- domains outside a symbol's assumption ------------------------------------------------------
def test_domain_leaving_a_positive_symbol_is_refused(tmp_path):
    f = tmp_path / "c.toml"
    f.write_text('[[claim]]\nid = "K"\nkind = "identity"\nlhs = "sqrt(kappa**2)"\n'
                 'rhs = "kappa"\ndomain = { kappa = [-1, 1] }\n')
    with pytest.raises(EosError, match=r"kappa is declared positive .* reaches -1"):
        load_claims_file(f)
    v = check_claim(user("identity", lhs="sqrt(kappa**2)", rhs="kappa",
                         domain={"kappa": ["-1", "1"]}))
    assert v.verdict == "inconclusive" and "declared positive" in v.evidence["reason"]


# -- constants are decided exactly ---------------------------------------------------------------
def test_constants_differing_in_the_47th_digit_are_refuted():
    p, q = _convergent(2, 46)
    v = check_claim(user("identity", lhs="sqrt(2)", rhs=f"{p}/{q}"))
    assert v.verdict == "refuted"
    assert "excludes 0" in v.evidence["certified"]
    a, b = v.counterexample["claimed"], v.counterexample["derived"]
    assert a != b and len(a) > 47  # enough digits to see the difference


def test_equal_constants_are_proved():
    v = check_claim(user("identity", lhs="sqrt(3)*sqrt(5)", rhs="sqrt(15)"))
    assert v.verdict == "verified"
    # a denesting: the minimal polynomial of lhs - rhs is X, re-checked by elimination
    v = check_claim(user("identity", lhs="sqrt(5 + 2*sqrt(6))", rhs="sqrt(2) + sqrt(3)"))
    assert v.verdict == "verified"
    assert v.evidence["proof"]["steps"][0]["kind"] == "minimal-polynomial"
    off = check_claim(user("identity", lhs="sqrt(5 + 2*sqrt(6))",
                           rhs="sqrt(2) + sqrt(3) + 1/10**60"))
    assert off.verdict == "refuted"


# -- exact corners ---------------------------------------------------------------------------
def test_strict_inequality_failing_exactly_at_a_corner_is_refuted_there():
    v = check_claim(user("inequality", inequality="x*y < 6", domain={"x": [0, 2], "y": [0, 3]}),
                    QUICK)
    assert v.verdict == "refuted"
    assert v.counterexample["point"] == {"x": "2", "y": "3"}
    assert "exact point" in v.evidence["found_by"]
    # the non-strict version holds on the closed box
    ok = check_claim(user("inequality", inequality="x*y <= 6",
                          domain={"x": [0, 2], "y": [0, 3]}), QUICK)
    assert ok.verdict in ("verified", "verified-numerically")


# -- a violation the old search did not reach ----------------------------------------------------
HOLE = "b*((a - 1/1000)**2 + (b - 7/1000)**2 - 1/10**8) > 0"


def test_violation_near_a_face_of_a_degenerate_margin_is_found_by_default():
    # the margin vanishes on the whole face b = 0 (b = 0 is fixed by the map); the target
    # fails in a disk of radius 1e-4 next to the face a = 0
    c = user("invariant-region", coords="ab", steps=2, region=["b > 0"], into=[HOLE],
             domain={"a": ["0", "1/100"], "b": ["0", "1/100"], "kappa": "1/10"})
    v = check_claim(c, QUICK)
    assert v.verdict == "refuted"
    a, b = (float(v.counterexample["point"][k]) for k in "ab")
    assert (a - 1e-3) ** 2 + (b - 7e-3) ** 2 < 1.01e-8  # the worst point is in the hole
    assert v.evidence["worst_point"] == v.counterexample["point"]


def test_series_beyond_the_documented_limit_are_refused_with_it():
    v = check_claim(user("expansion", steps=1, weights={"a": 3, "b": 2, "kappa": 1},
                         claimed={"b'": "-b + b**9"}))
    assert v.verdict == "inconclusive" and "up to weight 16" in v.evidence["reason"]


# -- series beyond the stored truncation -------------------------------------------------------
def test_expansion_beyond_the_stored_order_is_decided():
    w = {"a": 3, "b": 2, "kappa": 1}
    b2 = "b + 8*a*b*kappa - 16*b**3 - 12*a*b**2*kappa - 24*b**4"  # weight 8 > stored 7
    v = check_claim(user("expansion", steps=2, weights=w, claimed={"b''": b2}))
    assert v.verdict == "verified"
    wrong = check_claim(user("expansion", steps=2, weights=w,
                             claimed={"b''": b2.replace("24*b**4", "25*b**4")}))
    assert wrong.verdict == "refuted"


# -- where a statement stops holding -----------------------------------------------------------
def test_c11_says_it_holds_through_weight_7_and_fails_at_8():
    v = check_claim(paper("C11"))
    assert v.verdict == "verified"
    assert v.evidence["holds_through_weight"] == "7"
    assert sorted(v.evidence["first_failure"]["terms"]) == ["-12*a*b**2*kappa", "-24*b**4"]
    assert v.evidence["first_failure"]["weight"] == "8"


def test_expansion_claims_report_the_first_term_beyond_them():
    v = check_claim(paper("C9"))
    b2 = v.evidence["components"]["b''"]
    assert b2["holds_through_weight"] == "7"
    assert sorted(b2["first_failure"]["terms"]) == ["-12*a*b**2*kappa", "-24*b**4"]


# -- wrong intervals in the theorems ----------------------------------------------------------
@pytest.mark.parametrize("cid, field, value", [
    ("C14", "claimed_interval", ["-5*kappa**3/3", "-kappa**3/5"]),     # excludes -1/8
    ("C15", "sharpness_interval", ["2/eta - 20*eta/3", "2/eta - eta"]),  # excludes 1/2
])
def test_theorem_interval_excluding_the_derived_limit_is_refuted(cid, field, value):
    from dataclasses import replace
    c = paper(cid)
    v = check_claim(replace(c, fields={**c.fields, field: value}), QUICK)
    assert v.verdict == "refuted"
    asym = v.evidence["asymptotic"]
    assert asym["derived_limit"] and float(asym["at_tested_kappa"]["remainder_bound"]) < 1e-2
    assert check_claim(c, QUICK).verdict == "inconclusive"  # the printed interval stays


# -- the policy -----------------------------------------------------------------------------
def test_every_verified_paper_claim_carries_a_rechecked_proof():
    for cid in ("C1", "C3", "C4", "C5", "C6", "C8", "C9", "C11", "C12", "C24", "C27", "F3"):
        v = check_claim(paper(cid), QUICK)
        assert v.verdict == "verified", cid
        p = v.evidence["proof"]
        assert {"kind", "assumptions", "checked_by", "rechecked"} <= set(p), cid
        json.dumps(v.to_json())


def test_a_verified_without_a_proof_or_with_a_tampered_one_is_downgraded():
    from eos_symbolic.claims.verdict import Verdict
    bare = finalize(Verdict("X", "verified", "m", {"screening": {"points": 3}}))
    assert bare.verdict == "verified-numerically" and "no proof" in bare.evidence["proof_rejected"]
    v = check_claim(user("identity", lhs="sqrt((x - 1)**2)", rhs="x - 1",
                         domain={"x": ["1", "3"]}))
    assert v.verdict == "verified"
    p = json.loads(json.dumps(v.evidence["proof"]))
    assert recheck(p)[0]
    p["steps"][0]["domain"]["x"] = "[1/2, 3]"  # the sign condition no longer holds
    assert not recheck(p)[0]
    p = json.loads(json.dumps(v.evidence["proof"]))
    p["steps"][0]["statement"]["rhs"] = "x - 2"
    assert not recheck(p)[0]
    tampered = Verdict("X", "verified", "m", {"proof": p})
    assert finalize(tampered).verdict == "inconclusive"
