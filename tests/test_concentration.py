"""Concentration proofs: the two-step enclosures, the capture lemma, chains, the zone, the
certificate and its independent re-check, and the corrected Phase-2 band (C14-C18)."""
import copy
import json
from fractions import Fraction

import flint
import numpy as np
import pytest
import sympy as sp

from eos_symbolic.cli import main
from eos_symbolic.rigorous.capture import CaptureSet, design_capture_set, prove_capture
from eos_symbolic.rigorous.chains import start_boxes
from eos_symbolic.rigorous.concentration import kappa_bounds, prove_concentration
from eos_symbolic.rigorous.frames import Frame, factored_increment
from eos_symbolic.rigorous.phase2_band import band_set, refute
from eos_symbolic.rigorous.recheck import recheck_certificate
from eos_symbolic.rigorous.recheck_map import TwoStepRecheck, one_step_factors
from eos_symbolic.rigorous.scaled_map import ScaledTwoStep, float_two_step
from eos_symbolic.symbolic.symbols import a, b, kappa

K10 = Fraction(1, 10)


def test_the_two_factorisations_of_the_one_step_map_agree():
    """Prover (kappa-folded increment) and re-check (eq. 6 rationalised) at exact points."""
    pts = [(sp.Rational(1, 3), sp.Rational(1, 50), sp.Rational(1, 10)),
           (sp.Rational(-1, 7000), sp.Rational(-3, 100), sp.Rational(1, 5))]
    for mine, theirs in zip(factored_increment("four-scalar"), one_step_factors("four-scalar")):
        for p in pts:
            sub = dict(zip((a, b, kappa), p))
            assert abs(sp.N(mine.subs(sub) - theirs.subs(sub), 40)) < 1e-30


@pytest.mark.parametrize("frame,box", [
    (Frame(), [(Fraction(300), Fraction(301)), (Fraction(1, 10), Fraction(11, 100))]),
    (Frame(Fraction(-1, 8), Fraction(1, 1000), Fraction(3, 10000),
           (Fraction(1, 200), Fraction(1, 50)), K10),
     [(Fraction(-1, 2), Fraction(1, 2)), (Fraction(0), Fraction(1, 100))]),
    (Frame(raw=True), [(Fraction(300), Fraction(301)), (Fraction(2), Fraction(3))]),
])
def test_enclosures_contain_sampled_images(frame, box):
    """Prover (`image`, `corner_image`) and re-check enclosures hold float64 images of
    points of the box (float64 error is far below the box scale)."""
    two = float_two_step("four-scalar", 0.1)
    fmap = ScaledTwoStep()
    box3 = box + [(K10, K10)]
    with fmap.bound(30):
        encl = [fmap.image(box3, frame)]
        if frame.raw:
            encl.append(fmap.corner_image(box3, frame))
    fd = {"raw": True} if frame.raw else {"origin": frame.origin, "d0": frame.d0,
                                          "d2": frame.d2, "shear": frame.shear,
                                          "kappa_ref": frame.kappa_ref}
    with flint.ctx.workprec(128):
        re = TwoStepRecheck().image(box3, fd)
    rng = np.random.default_rng(1)
    for z, B in rng.uniform([float(box[0][0]), float(box[1][0])],
                            [float(box[0][1]), float(box[1][1])], (40, 2)):
        if frame.raw:
            U = z - 2 * B * B
        else:
            sh = sum(float(c) * B ** i for i, c in enumerate(frame.shear, 2))
            U = float(frame.origin) + (float(frame.d0) + float(frame.d2) * B * B) * z + sh
        U2, B2, _ = two(U, B)
        if frame.raw:
            z2 = U2 + 2 * B2 * B2
        else:
            sh2 = sum(float(c) * B2 ** i for i, c in enumerate(frame.shear, 2))
            z2 = (U2 - float(frame.origin) - sh2) / (float(frame.d0) + float(frame.d2) * B2 ** 2)
        tol = 1e-9 * (1 + abs(z2))
        for im in encl:
            assert im.Z[0] - tol <= z2 <= im.Z[1] + tol and im.B[0] - tol <= B2 <= im.B[1] + tol
        assert re[0][0] - tol <= z2 <= re[0][1] + tol


def _small_capture_set(**change):
    K = design_capture_set((K10, K10), 1, Fraction(1, 2))
    return CaptureSet(K.sign, K.kappa, Frame(**{**K.frame.__dict__, **change}), K.breaks)


def test_capture_lemma_holds_on_a_small_set_and_rejects_wrong_ones():
    good = prove_capture(_small_capture_set())
    assert good.status == "proved" and good.rho < 1
    # placed on the unstable side of the EoS minimum (a > 0: sharpness above 2/eta), b grows
    unstable = prove_capture(_small_capture_set(origin=Fraction(1, 2)), max_depth=4)
    assert unstable.status == "failed" and "b''/b" in unstable.failure["reason"]
    # too narrow around a shifted centre: images leave K
    narrow = prove_capture(_small_capture_set(origin=Fraction(-1, 8) + Fraction(1, 100),
                                              d0=Fraction(1, 100000)), max_depth=4)
    assert narrow.status == "failed" and "not inside K" in narrow.failure["reason"]


def test_start_chart_encloses_the_reparameterisation():
    (A, B), = start_boxes([Fraction(103, 10), Fraction(10301, 1000)],
                          [Fraction(1001, 1000), Fraction(1002, 1000)], (K10, K10))
    from math import sqrt
    c = sqrt(10.3 ** 2 - (1.001 / 10.3) ** 2) - (1e4 - 4) ** 0.25
    assert A[0] <= c / 1e-3 <= A[1] and A[1] - A[0] < Fraction(11, 10)  # dx / kappa^3 = 1
    assert B[0] <= Fraction(1, 10) < Fraction(1, 5) <= B[1] and B[1] - B[0] < Fraction(101, 1000)


def test_kappa_bounds_enclose_square_roots():
    assert kappa_bounds(Fraction(1, 100), Fraction(1, 100)) == (K10, K10)
    lo, hi = kappa_bounds(Fraction(1, 101), Fraction(1, 99))
    assert lo * lo <= Fraction(1, 101) and hi * hi >= Fraction(1, 99)


@pytest.fixture(scope="module")
def small_certificate():
    """eta = 1/100, a small box above the EoS minimum on one side of xy = 1: proved in
    about 20 s (the default-suite instance; chains, zone and capture set all used)."""
    from eos_symbolic.cli.concentration import parse_box
    x_range, parts = parse_box("x=xcheck+0.05:xcheck+0.0505,xy=1.001:1.0015", Fraction(1, 100))
    return prove_concentration((K10, K10), x_range, parts)


def test_small_instance_is_proved_and_rechecked(small_certificate, tmp_path, capsys):
    """The one full re-check of the default suite, through the CLI (exit 0 = valid)."""
    cert = small_certificate
    assert cert["status"] == "proved" and cert["claim_band"]["holds"]
    lo, hi = (Fraction(v) for v in cert["limit_a_over_kappa3"])
    assert -Fraction(5, 3) < lo < hi < 0  # C14's interval for a_t / kappa^3
    good = tmp_path / "good.json"
    good.write_text(json.dumps(cert))
    assert main(["certify", "recheck", str(good), "--quiet"]) == 0
    out = capsys.readouterr().out
    assert "FAIL" not in out and "valid" in out and "INVALID" not in out


@pytest.mark.parametrize("edit", ["drop zone cells", "tighten rho", "tighten limit",
                                  "drop start piece", "shorten chain", "narrow K",
                                  "another model"])
def test_edited_certificate_fails_recheck(small_certificate, edit):
    cert = copy.deepcopy(small_certificate)
    part = cert["parts"][0]
    if edit == "drop zone cells":  # the outer layers, where the chains hand over
        cells = part["zone"]["cells"]
        top = max(abs(k) for _, k in cells)
        part["zone"]["cells"] = [c for c in cells if 2 * abs(c[1]) < top]
    elif edit == "tighten rho":
        rho = Fraction(part["capture_proof"]["rho"])
        part["capture_proof"]["rho"] = str(1 - (1 - rho) * 10)
    elif edit == "tighten limit":
        lo, hi = (Fraction(v) for v in cert["limit_a_over_kappa3"])
        cert["limit_a_over_kappa3"] = [str(lo + (hi - lo) / 4), str(hi)]
    elif edit == "drop start piece":
        part["breaks"]["xy"] = part["breaks"]["xy"][:-2] + part["breaks"]["xy"][-1:]
    elif edit == "shorten chain":
        part["chains"]["trees"][0][0] = max(0, part["chains"]["trees"][0][0] - 5)
    elif edit == "another model":  # a proof of the paper's model, offered for another one
        cert["model"] = "depth-5"
    else:
        part["capture"]["frame"]["d0"] = str(Fraction(part["capture"]["frame"]["d0"]) / 4)
    assert not recheck_certificate(cert, fail_fast=True).valid


def test_cli_recheck_rejects_an_edited_gap(small_certificate, tmp_path, capsys):
    cert = copy.deepcopy(small_certificate)
    cert["gap_over_eta"] = ["1/2", "1/2"]
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(cert))
    assert main(["certify", "recheck", str(bad), "--quiet", "--fail-fast"]) == 1
    assert "INVALID" in capsys.readouterr().out


def test_paper_band_is_refuted_at_a_certified_point():
    """C18's kappa^4/200 band is left at kappa = 1/10 (an exact point, certified image)."""
    w = refute(K10, 1, Fraction(1, 200), Fraction(0), Fraction(13, 10))
    assert w is not None and Fraction(w["image_Z"][0]) > 1 or Fraction(w["image_Z"][1]) < -1


@pytest.mark.slow
def test_corrected_band_is_proved_at_kappa_one_tenth():
    from eos_symbolic.rigorous.phase2_band import tightest_band
    res = tightest_band(K10, 1)
    assert res["refuted_c0"] is not None and Fraction(res["proved_c0"]) > Fraction(1, 200)
    assert prove_capture(band_set(K10, 1, Fraction(res["proved_c0"]), 0,
                                  Fraction(res["B_top"]))).status == "proved"
