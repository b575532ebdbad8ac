"""The Phase-2 band certificate (corrected C18) and its independent re-check: the proved band
is re-checked valid, and every planted falsehood (a tighter constant, a cell of the band
left out, a lower covering height, a witness that stays inside) is refused."""
import copy
import json
from fractions import Fraction

import pytest

from eos_symbolic.cli import main
from eos_symbolic.rigorous.phase2_band import band_certificate, tightest_band
from eos_symbolic.rigorous.recheck import recheck_certificate

K10 = Fraction(1, 10)


@pytest.fixture(scope="module")
def band_cert():
    """kappa = 1/10, b > 0: proved at c0 = 0.061, left at 0.06 (about 1 s)."""
    return band_certificate([tightest_band(K10, 1)])


def test_band_certificate_is_rechecked_valid_through_the_cli(band_cert, tmp_path, capsys):
    path = tmp_path / "band.json"
    path.write_text(json.dumps(band_cert))
    assert main(["certify", "recheck", str(path), "--quiet"]) == 0
    out = capsys.readouterr().out
    assert "c0 = 61/1000 invariant" in out and "c0 = 3/50 left" in out and "FAIL" not in out


def _tighter(d):
    """The proof offered for the refuted constant, every cell kept: the one holding the
    exit point cannot map into the band."""
    d["proved_c0"] = d["refuted_c0"]
    d["witness"] = None
    d["codes"] = [c.replace("x", ".") for c in d["codes"]]


def _another_kappa(d):
    """The proof at kappa = 1/10 offered for kappa = 1/9 (whose band needs a larger c0)."""
    d["kappa"] = "1/9"
    d["witness"] = None


def _drop_top_cell(d):
    """A cell of the band relabelled as lying above its top."""
    j = max(i for i, c in enumerate(d["codes"]) if "." in c)
    code = d["codes"][j]
    k = code.rindex(".")
    d["codes"][j] = code[:k] + "x" + code[k + 1:]


def _lower_top(d):
    """The covering height lowered (and the slabs cut there): points of the band above it
    would be unproved."""
    d["breaks"], d["codes"] = d["breaks"][:-6], d["codes"][:-5]


def _witness_inside(d):
    d["witness"] = dict(d["witness"], Z=str(-Fraction(d["witness"]["Z"])))


def _witness_proved(d):
    d["refuted_c0"] = d["proved_c0"]


def _shear(d):
    """A shear smuggled into the file: the re-check builds the frame from c0, c2 itself."""
    d["frame"] = {"origin": "-1/8", "d0": "1", "d2": "0", "shear": ["5"]}
    d["proved_c0"] = "1/1000"
    d["witness"] = None


def _deep_code(d):
    d["codes"][0] = "z" * 5000 + "." * 5001


def _c2_one(d):
    d["c2"] = "1"


@pytest.mark.parametrize("edit", [_tighter, _another_kappa, _drop_top_cell, _lower_top, _witness_inside,
                                  _witness_proved, _shear, _deep_code, _c2_one])
def test_edited_band_certificate_fails_recheck(band_cert, edit):
    cert = copy.deepcopy(band_cert)
    edit(cert["bands"][0])
    rep = recheck_certificate(cert)
    assert not rep.valid
    if edit in (_tighter, _another_kappa):  # refused by a cell's image, not by the tiling
        assert "image not shown in the band" in " ".join(c["detail"] for c in rep.checks)


def test_a_band_certificate_of_another_version_or_model_is_refused(band_cert):
    for key, value in (("version", 2), ("model", "depth-5")):
        cert = dict(band_cert, **{key: value})
        assert not recheck_certificate(cert).valid


def test_the_corrected_band_evidence_of_C18_is_rechecked(monkeypatch):
    """C18's evidence re-checks its band proofs, and says so when the re-check fails."""
    from eos_symbolic.claims.checks import phase2
    from eos_symbolic.rigorous import recheck
    ev = phase2.corrected_band(kappas=("1/10",))
    assert ev["recheck"] == {"valid": True, "checks": 4, "failed": []}
    monkeypatch.setattr(recheck, "recheck_bands", lambda cert, rep, log: rep.add(
        "band", False, "planted"))
    assert phase2.corrected_band(kappas=("1/10",))["recheck"]["failed"] == ["band"]
