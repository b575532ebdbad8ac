"""A part that fails is cut in two at its x midpoint and proved again (`splits`): the parts
still tile the start set, a checkpoint keeps every level, and the re-check accepts parts of
different widths."""
import json
from fractions import Fraction

import pytest

from eos_symbolic.rigorous import concentration
from eos_symbolic.rigorous.recheck import recheck_certificate

KAPPA = (Fraction(1, 10),) * 2
X = (Fraction(10), Fraction(11))
XY = [(Fraction(1001, 1000), Fraction(1002, 1000))]


@pytest.fixture
def narrow_only(monkeypatch):
    """`prove_part` stood in for: parts wider than 1/4 fail, the rest are proved."""
    calls = []

    def fake(model, kr, xr, pr, *rest, log=None):
        calls.append(xr)
        ok = xr[1] - xr[0] <= Fraction(1, 4)
        return {"status": "proved" if ok else "failed", "x": [str(v) for v in xr],
                "limit": ["-1/8", "-1/9"]}

    monkeypatch.setattr(concentration, "prove_part", fake)
    return calls


def test_failed_parts_are_halved_until_they_are_proved(narrow_only, tmp_path):
    ck = tmp_path / "parts.ckpt"
    cert = concentration.prove_concentration(KAPPA, X, XY, splits=2, checkpoint=ck)
    assert cert["status"] == "proved"
    assert [p["x"] for p in cert["parts"]] == [["10", "41/4"], ["41/4", "21/2"],
                                               ["21/2", "43/4"], ["43/4", "11"]]
    assert len(narrow_only) == 1 + 2 + 4
    # every level is in the checkpoint: a rerun proves nothing again
    assert len(json.loads(ck.read_text())["parts"]) == 7
    again = concentration.prove_concentration(KAPPA, X, XY, splits=2, checkpoint=ck)
    assert len(narrow_only) == 7 and again["parts"] == cert["parts"]


def test_too_few_splits_leave_the_certificate_failed(narrow_only):
    cert = concentration.prove_concentration(KAPPA, X, XY, splits=1)
    assert cert["status"] == "failed" and len(narrow_only) == 3
    assert [p["status"] for p in cert["parts"]] == ["failed", "failed"]


def test_without_splits_a_saved_failure_is_proved_again(narrow_only, tmp_path):
    ck = tmp_path / "parts.ckpt"
    concentration.prove_concentration(KAPPA, X, XY, checkpoint=ck)
    concentration.prove_concentration(KAPPA, X, XY, checkpoint=ck)
    assert narrow_only == [X, X]


@pytest.mark.slow
def test_halves_of_a_real_part_are_proved_and_rechecked(monkeypatch):
    """eta = 1/25 near x-check + 0.05, the whole part refused once (stood in for a failure):
    its two halves are proved, and the re-check accepts the uneven tiling (about a minute)."""
    from eos_symbolic.cli.concentration import parse_box
    real = concentration.prove_part

    def refuse_wide(model, kr, xr, pr, *rest, log=None):
        if xr[1] - xr[0] > Fraction(3, 1000):
            return {"status": "failed", "x": [str(v) for v in xr]}
        return real(model, kr, xr, pr, *rest, log=log)

    monkeypatch.setattr(concentration, "prove_part", refuse_wide)
    x_range, parts = parse_box("x=xcheck+0.05:xcheck+0.055,xy=1.001:1.0015", Fraction(1, 25))
    cert = concentration.prove_concentration((Fraction(1, 5),) * 2, x_range, parts,
                                             dx=Fraction(1, 400), splits=1)
    assert cert["status"] == "proved" and len(cert["parts"]) == 2
    assert recheck_certificate(cert).valid
    cert["parts"].pop()  # half the start set left out
    assert not recheck_certificate(cert, fail_fast=True).valid


@pytest.mark.parametrize("n", ["-1", "7"])
def test_split_count_out_of_range_is_one_line(n, capsys):
    from eos_symbolic.cli import main
    assert main(["certify", "concentration", "--eta", "1/100", "--box",
                 "x=10:10.1,xy=1.001:1.002", "--split-failed", n]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: --split-failed: expected 0 to 6") and err.count("\n") == 1
