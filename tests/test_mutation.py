"""The liar test over the paper's registry: every number and every sign of every claim
formula is altered, one at a time, and each mutant the derivations call false must be
refuted (the kill rate is printed); no mutant they call true may be refuted."""
import pytest

from eos_symbolic.claims.checks import Context
from eos_symbolic.claims.mutants import (
    formula_claims,
    mutants,
    mutation_report,
    oracle,
    text_mutants,
)
from eos_symbolic.claims.registry import paper_claims, select

QUICK = Context(quick=True)


def _print(rep):
    for r in rep["rows"]:
        print(f"{r['id']:5s} mutants {r['mutants']:3d}  false {r['false']:3d}  killed "
              f"{r['killed']:3d}  true {r['true']:2d}  undecided {r['undecided']:2d}")
    print(f"kill rate {rep['killed']}/{rep['false']} = {rep['kill_rate']:.1%}; true mutants "
          f"refuted: {rep['true_refuted']}")


def test_mutation_operators_alter_every_number_and_sign():
    got = text_mutants("a - 2*b**2*kappa**3")
    assert "a + 2 * b ** 2 * kappa ** 3" in got            # sign
    assert "a - 3 * b ** 2 * kappa ** 3" in got            # coefficient up
    assert "a - 2 * b ** 2 * kappa ** 2" in got            # exponent down
    assert len(got) == 7
    claims = formula_claims(paper_claims())
    assert {"C1", "C7", "C9", "C14", "C22", "C27"} <= {c.id for c in claims}


def test_oracle_knows_a_true_mutant_from_a_false_one():
    c22 = select(paper_claims(), ["C22"])[0]
    labelled = {label: m for label, m in mutants(c22)}
    # b^2 = 4 (C + a^2)/kappa^2 is what db/da = 4a/(b kappa^2) integrates to
    fixed = next(m for label, m in labelled.items() if "C + a ** 2" in label)
    assert oracle(fixed) is False and oracle(c22) is True


def test_mutation_kill_rate_on_a_sample_of_the_registry():
    claims = [c for c in formula_claims(paper_claims()) if c.kind != "theorem-region"]
    rep = mutation_report(claims, QUICK, every=9)
    _print(rep)
    assert rep["false"] >= 25
    assert rep["kill_rate"] == 1.0, [r["survivors"] for r in rep["rows"] if r["survivors"]]
    assert rep["true_refuted"] == 0


@pytest.mark.slow
def test_mutation_kill_rate_is_complete_over_the_registry():
    rep = mutation_report(paper_claims(), QUICK)
    _print(rep)
    assert rep["kill_rate"] == 1.0, [r["survivors"] for r in rep["rows"] if r["survivors"]]
    assert rep["true_refuted"] == 0
