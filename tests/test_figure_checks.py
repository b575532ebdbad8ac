"""Sweep and figure checkers: the paper's claims at quick size, and planted false variants
that must be refuted."""
import dataclasses

import pytest

from eos_symbolic.claims.registry import paper_claims, select
from eos_symbolic.claims.verify import CHECKERS, Context, check_claim

QUICK = Context(quick=True)


def claim(cid, **changes):
    c = select(paper_claims(), [cid])[0]
    fields = {**c.fields, **changes.pop("fields", {})}
    return dataclasses.replace(c, fields=fields, **changes)


def test_kinds_are_registered():
    for cid in ("C23", "C25", "F2a", "F5a", "F5b", "F6", "F7a", "F7c"):
        c = select(paper_claims(), [cid])[0]
        assert c.kind != "pending" and c.kind in CHECKERS


@pytest.mark.parametrize("cid", ["C23", "F2a", "F5a", "F5b", "F6", "C25", "F7c"])
def test_paper_claim_holds_numerically(cid, tmp_path):
    v = check_claim(claim(cid), Context(quick=True, out=tmp_path))
    assert v.verdict == "verified-numerically", v.evidence
    assert (tmp_path / v.evidence["figure"]).exists()
    assert v.evidence["figure"].startswith(cid + "_")


def test_concentration_claimed_for_the_two_scalar_model_is_refuted():
    v = check_claim(claim("F6", model="two-scalar-unhalved",
                          fields={"grid": {"x": [0.05, 3.5], "y": [0.05, 3.5]}}), QUICK)
    assert v.verdict == "refuted"
    assert v.evidence["largest_region_fraction"] < 0.001


def test_no_concentration_claimed_for_the_four_scalar_model_is_refuted():
    v = check_claim(claim("C23", model="four-scalar"), QUICK)
    assert v.verdict == "refuted"
    assert v.evidence["largest_region_fraction"] > 0.01


def test_too_narrow_band_is_refuted():
    """The four-scalar end points sit about 0.07 below 2/eta: a band of 0.01 misses them."""
    v = check_claim(claim("F6", model="four-scalar", fields={
        "band": 0.01, "grid": {"x": [0.05, 3.5], "y": [0.05, 3.5]}}), QUICK)
    assert v.verdict == "refuted"


def test_adaptivity_claimed_for_the_two_scalar_model_is_refuted():
    v = check_claim(claim("F5a", fields={"expect": "adaptive"}), QUICK)
    assert v.verdict == "refuted"


def test_flatter_claimed_for_the_four_scalar_model_is_refuted():
    v = check_claim(claim("F2a", fields={"expect": "flatter"}), QUICK)
    assert v.verdict == "refuted"


def test_fractal_boundary_claimed_for_a_smooth_basin_is_refuted():
    v = check_claim(claim("C25", model="two-scalar-unhalved",
                          fields={"box": {"x": [0.05, 3.5], "y": [0.05, 3.5]}}), QUICK)
    assert v.verdict == "refuted", v.evidence["box_counting"]
    assert v.evidence["box_counting"]["dimension"] < 1.1


def test_wrong_eq13_coefficient_is_refuted():
    v = check_claim(claim("F7c", fields={"claimed": "b*(1 + 8*a*kappa - 4*b**2)"}), QUICK)
    assert v.verdict == "refuted"
    assert v.evidence["median_relative_error_b2"] > 0.5


@pytest.mark.slow
def test_figures_command_quick_writes_every_figure(tmp_path):
    from eos_symbolic.cli import main
    assert main(["figures", "--quick", "--out", str(tmp_path)]) == 0
    for name in ("F2a", "F2b", "F3", "F5a", "F5b", "F6", "F7a", "F7b", "F7c"):
        assert list(tmp_path.glob(f"{name}_*.png")) and list(tmp_path.glob(f"{name}_*.pdf"))
