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
    """The full re-checks of the default suite: through the CLI in two worker processes
    (exit 0 = valid), reporting the same check lines as in this process."""
    cert = small_certificate
    assert cert["status"] == "proved" and cert["claim_band"]["holds"]
    lo, hi = (Fraction(v) for v in cert["limit_a_over_kappa3"])
    assert -Fraction(5, 3) < lo < hi < 0  # C14's interval for a_t / kappa^3
    good, report = tmp_path / "good.json", tmp_path / "report.json"
    good.write_text(json.dumps(cert))
    assert main(["certify", "recheck", str(good), "--quiet", "--processes", "2",
                 "--json", str(report)]) == 0
    out = capsys.readouterr().out
    assert "FAIL" not in out and "valid" in out and "INVALID" not in out
    one = recheck_certificate(cert)
    assert one.valid and json.loads(report.read_text())["checks"] == one.checks


@pytest.mark.parametrize("edit", ["drop zone cells", "flatten ranks", "ranks dropped",
                                  "tighten rho", "tighten limit",
                                  "drop start piece", "shorten chain", "narrow K",
                                  "another model", "exponent bomb", "zone below s = 0",
                                  "coarser layers", "growth near 1", "kappa not covered",
                                  "eta widened"])
def test_edited_certificate_fails_recheck(small_certificate, edit):
    cert = copy.deepcopy(small_certificate)
    part = cert["parts"][0]
    if edit == "drop zone cells":  # the outer layers, where the chains hand over
        cells = part["zone"]["cells"]
        top = max(abs(c[1]) for c in cells)
        part["zone"]["cells"] = [c for c in cells if 2 * abs(c[1]) < top]
    elif edit == "flatten ranks":  # rank 1 everywhere: the potential no longer falls
        part["zone"]["cells"] = [[r, k, 1] for r, k, _ in part["zone"]["cells"]]
    elif edit == "ranks dropped":  # a version 4 cell without its rank
        part["zone"]["cells"] = [c[:2] for c in part["zone"]["cells"]]
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
    elif edit == "exponent bomb":  # Fraction("1e99999999") would compute a huge power
        part["capture"]["frame"]["d0"] = "1e99999999"
    elif edit == "zone below s = 0":
        part["zone"]["rows"][0] = "-1/100"
    elif edit == "coarser layers":  # fewer layers, the same cells: potential not shown
        part["zone"]["growths"] = [str(Fraction(g) ** 2) for g in part["zone"]["growths"]]
    elif edit == "growth near 1":  # would ask for about 10^31 layers
        part["zone"]["growths"][0] = f"{10 ** 30 + 1}/{10 ** 30}"
    elif edit == "eta widened":  # the step sizes a reader is shown, not those proved
        cert["eta"] = ["1/1000", "1/100"]
    elif edit == "kappa not covered":  # a proof at kappa = 1/10 offered for an interval
        cert["kappa"] = ["1/10", "101/1000"]
    else:
        part["capture"]["frame"]["d0"] = str(Fraction(part["capture"]["frame"]["d0"]) / 4)
    assert not recheck_certificate(cert, fail_fast=True).valid


def test_dropped_zone_cells_are_found_in_worker_processes(small_certificate):
    """Batches over worker processes find dropped zone cells too (by the chains that hand
    over to them, or the zone)."""
    cert = copy.deepcopy(small_certificate)
    cells = cert["parts"][0]["zone"]["cells"]
    top = max(abs(c[1]) for c in cells)
    cert["parts"][0]["zone"]["cells"] = [c for c in cells if 2 * abs(c[1]) < top]
    bad = recheck_certificate(cert, processes=2)
    failed = [c["check"] for c in bad.checks if not c["ok"]]
    assert failed and all(n.endswith(("chains", "zone")) for n in failed)


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
@pytest.mark.parametrize("k", [K10, Fraction(1, 20)])
@pytest.mark.parametrize("sign", [1, -1])
def test_corrected_band_is_proved_at_kappa_one_tenth_and_one_twentieth(k, sign):
    from eos_symbolic.rigorous.phase2_band import above_band, tightest_band
    res = tightest_band(k, sign)
    c = Fraction(res["proved_c0"])
    assert res["refuted_c0"] is not None and Fraction(1, 200) < Fraction(res["refuted_c0"]) < c
    assert prove_capture(band_set(k, sign, c, 0, Fraction(res["B_top"])), band=True,
                         outside=above_band(k, c, 0)).status == "proved"


def test_tightest_band_is_proved_and_refuted_inside_the_band():
    """kappa = 1/10, b > 0: the proved c0 and the refuted one just below; the refuting point
    lies in the band (a <= kappa^(5/2), exactly) and the independent re-check map also sends
    it out of the band; the paper's 1/200 is far below."""
    from eos_symbolic.rigorous.phase2_band import band_top, in_band, tightest_band
    from eos_symbolic.rigorous.recheck_cells import frame_of as _frame
    res = tightest_band(K10, 1)
    proved, refuted = Fraction(res["proved_c0"]), Fraction(res["refuted_c0"])
    assert Fraction(1, 200) < refuted < proved < Fraction(1, 10)
    w = res["witness"]
    assert in_band(K10, Fraction(w["a_over_kappa3"]))
    Z, B = Fraction(w["Z"]), Fraction(w["B"])
    assert Fraction(-1, 8) + 2 * refuted * Z + 2 * B * B == Fraction(w["a_over_kappa3"])
    frame = _frame(band_set(K10, 1, refuted, 0, band_top(K10, refuted)).frame.to_dict())
    with flint.ctx.workprec(100):
        z2, *_ = TwoStepRecheck().image([(Z, Z), (B, B), (K10, K10)], frame)
    assert z2[0] > 1 or z2[1] < -1
    from eos_symbolic.rigorous.phase2_band import above_band
    paper = Fraction(1, 200)
    assert prove_capture(band_set(K10, 1, paper, 0, band_top(K10, paper)), band=True,
                         outside=above_band(K10, paper, 0), max_depth=6).status == "failed"


def test_a_band_cell_above_the_top_is_not_in_the_band():
    """The refutation may not use points above a = kappa^(5/2): the corner Z = 1 at the
    covering height B_top lies above it, and `in_band` says so exactly."""
    from eos_symbolic.rigorous.phase2_band import above_band, band_top, in_band
    c = Fraction(6, 100)
    top = band_top(K10, c)
    assert not in_band(K10, Fraction(-1, 8) + 2 * c + 2 * top * top)
    assert above_band(K10, c, 0)((Fraction(1, 2), Fraction(1)), (top - Fraction(1, 1000), top))
    assert not above_band(K10, c, 0)((Fraction(-1), Fraction(1)), (Fraction(0), Fraction(1)))


def test_eta_one_twenty_fifth_near_x_check_plus_half_needs_zone_rows_above_K():
    """eta = 1/25, b > 0, at x_check + 0.5: orbits climb to ``|B|`` ~ 3.7, above K's top
    (3.49, where the slow manifold stops being clean); far from the manifold just below the
    top, V and s move together, so zone images climb above the top: the zone gets rows
    there, whose layer 0 is not K but ranked cells riding down to it. Proved and
    re-checked (about 30 s)."""
    from eos_symbolic.cli.concentration import parse_box
    eta = Fraction(1, 25)
    x_range, parts = parse_box("x=xcheck+0.496:xcheck+0.5,xy=1.009:1.01", eta)
    cert = prove_concentration((Fraction(1, 5), Fraction(1, 5)), x_range, parts,
                               dx=Fraction(1, 250))
    assert cert["status"] == "proved" and cert["claim_band"]["holds"]
    part = cert["parts"][0]
    top = Fraction(part["capture"]["breaks"][-1])
    rows = [Fraction(r) for r in part["zone"]["rows"]]
    above = [(r, k) for r, k, _ in part["zone"]["cells"] if rows[r] >= top]
    assert rows[-1] > top and above and any(k == 0 for _, k in above)
    assert recheck_certificate(cert).valid
    # layer 0 above the top is not K: a certificate without those cells fails
    part["zone"]["cells"] = [c for c in part["zone"]["cells"]
                             if not (c[1] == 0 and rows[c[0]] >= top)]
    assert not recheck_certificate(cert, fail_fast=True).valid


def test_stored_instances_become_the_first_part_of_the_theorem_claims_evidence():
    from types import SimpleNamespace

    from eos_symbolic.claims.checks.concentration import proved_instances, stored_certificates
    stored = stored_certificates()
    assert stored and all(c["status"] == "proved" for _, c in stored)
    ev = {"key": "end values at simulable kappa"}
    proved_instances(SimpleNamespace(id="C15", model="four-scalar"),
                     SimpleNamespace(certify=False), ev)
    assert ev["key"].startswith("proved at eta = 1/100, every start x0 in [10.0495, 10.0545]")
    assert "x0 y0 in [0.9985, 0.999] or [1.001, 1.0015]" in ev["key"]
    assert "; proved at eta = 1/25, every start x0 in [5.04599, 5.49599], x0 y0 in [0.95, " \
           "0.999] or [1.001, 1.05]" in ev["key"]
    # a step-size interval with the start box (Corollary 3.2): the interval of C16 at K = 10
    assert "; proved at eta in [0.00998999999998, 0.01], every start x0 in [10.05, 10.055], " \
           "x0 y0 in [0.9985, 0.999] or [1.001, 1.0015]" in ev["key"]
    assert ev["key"].endswith("; end values at simulable kappa")
    items = ev["proved_instances"]["instances"]
    assert items[0]["sharpness_in_claimed_band"] and "certify recheck" in items[0]["recheck"]
    other = {}
    proved_instances(SimpleNamespace(id="C18", model="four-scalar"),
                     SimpleNamespace(certify=False), other)
    assert other == {}


@pytest.mark.slow
def test_stored_certificates_recheck_valid():
    from eos_symbolic.claims.checks.concentration import stored_certificates
    for _, cert in stored_certificates():
        assert recheck_certificate(cert, fail_fast=True, processes=2).valid


def test_recheck_encloses_the_gap_over_a_kappa_interval():
    """The re-check's sharpness gap over a kappa interval (adaptivity): 2/eta - S is a
    difference of terms near 200, so the natural extension is useless there (width about 8
    at kappa in [0.099995, 0.1]); the mean-value form keeps it within 0.01."""
    from types import SimpleNamespace

    from eos_symbolic.rigorous.recheck import RecheckReport, _check_limit
    kr = kappa_bounds(Fraction(9999, 1000000), Fraction(1, 100))
    parts = [SimpleNamespace(frame={"origin": Fraction(-12494, 100000), "d0": Fraction(1, 1000)})]
    cert = {"limit_a_over_kappa3": ["-1/7", "-1/9"], "gap_over_eta": ["49/100", "51/100"],
            "claim_band": {"holds": True}}
    rep = RecheckReport(True)
    with flint.ctx.workprec(128):
        _check_limit(rep, cert, parts, "four-scalar", kr)
    assert rep.valid, rep.checks
    cert["gap_over_eta"] = ["497/1000", "51/100"]  # a gap interval tightened past the truth
    rep = RecheckReport(True)
    with flint.ctx.workprec(128):
        _check_limit(rep, cert, parts, "four-scalar", kr)
    assert not rep.valid


@pytest.mark.slow
def test_adaptivity_instance_is_proved_and_rechecked():
    """A start box and a step-size interval together (Corollary 3.2): about 65 s to prove,
    twice as long to re-check."""
    kr = kappa_bounds(Fraction(9999, 1000000), Fraction(1, 100))
    cert = prove_concentration(kr, (Fraction(1005, 100), Fraction(10055, 1000)),
                               [(Fraction(1001, 1000), Fraction(10015, 10000))])
    assert cert["status"] == "proved" and cert["claim_band"]["holds"]
    assert recheck_certificate(cert).valid


@pytest.mark.slow
def test_an_eta_interval_cut_into_pieces_is_proved_and_rechecked():
    """Twice the interval above in two kappa pieces (each part proved at its own piece):
    valid; with one piece's parts dropped the kappa tiling fails."""
    kr = kappa_bounds(Fraction(9998, 1000000), Fraction(1, 100))
    cert = prove_concentration(kr, (Fraction(1005, 100), Fraction(10055, 1000)),
                               [(Fraction(1001, 1000), Fraction(10015, 10000))], kappa_pieces=2)
    assert cert["status"] == "proved" and len({p["capture"]["kappa"][0]
                                               for p in cert["parts"]}) == 2
    assert recheck_certificate(cert, processes=2).valid
    cert["parts"] = cert["parts"][:1]
    rep = recheck_certificate(cert)
    assert [c["check"] for c in rep.checks if not c["ok"]] == [
        "xy in [1.001, 1.0015]: kappa tiling"]


@pytest.mark.slow
def test_far_end_of_the_theorem_box_is_proved_and_rechecked():
    """x0 = x_check + 0.5, both signs: orbits climb to |B| ~ 14 and ~ 22 along the slow
    manifold (tall capture sets, zone cells proved by quarters); about 6 min to prove and
    as long to re-check."""
    from eos_symbolic.cli.concentration import parse_box
    x_range, parts = parse_box("x=xcheck+0.4995:xcheck+0.5,dxy=0.001:0.05", K10 ** 2)
    cert = prove_concentration((K10, K10), x_range, parts)
    assert cert["status"] == "proved" and cert["claim_band"]["holds"]
    assert recheck_certificate(cert).valid


@pytest.mark.parametrize("cert", [[], "proved", {"kind": "concentration", "status": "proved"}])
def test_a_malformed_certificate_is_invalid_not_a_crash(cert):
    rep = recheck_certificate(cert)
    assert not rep.valid and rep.checks[-1]["check"] in ("certificate", "certificate structure")


class _ContractingMap:
    """A stand-in two-step map for the zone: V'' = lam V, s'' = s, with a wrapping term
    (V width) x (s height) added on both sides, as the mean-value form has."""

    def __init__(self, lam, sink=0):
        self.lam, self.sink = Fraction(lam), Fraction(sink)

    def image(self, box, frame):
        from eos_symbolic.rigorous.scaled_map import Image
        (vl, vh), (sl, sh), _ = box
        w = (vh - vl) * (sh - sl)
        return Image((self.lam * vl - w, self.lam * vh + w), (sl - self.sink, sh - self.sink),
                     None, None, chart=True)


@pytest.mark.parametrize("lam, proved", [(Fraction(45, 100), True), (Fraction(55, 100), False)])
def test_zone_cells_too_wide_as_a_whole_are_proved_by_quarters(lam, proved):
    """Layers double (t_k = 2 t_(k-1)): with lam = 0.45 a whole cell's image wraps into its
    own layer but every quarter's lands below it, so the zone is proved only by splitting;
    with lam = 0.55 the top of each layer maps into the same layer, and no split hides it."""
    from eos_symbolic.rigorous.zone import Zone, explore_zone
    K = CaptureSet(1, (K10, K10), Frame(Fraction(0), Fraction(1, 1000), Fraction(0)),
                   (Fraction(0), Fraction(1)))
    zone = Zone(K, (Fraction(1, 2), Fraction(3, 4), Fraction(1)), Fraction(1, 1000),
                (Fraction(2), Fraction(2)), Fraction(128, 1000))
    entry = [((Fraction(3, 100), Fraction(6, 100)), (Fraction(6, 10), Fraction(9, 10)))]
    whole = explore_zone(zone, entry, _ContractingMap(lam), split_depth=0)
    assert whole.status == "failed" and "its own cell" in whole.failure["reason"]
    split = explore_zone(zone, entry, _ContractingMap(lam))
    assert split.status == ("proved" if proved else "failed")
    if proved:  # ranks: the longest path to K, layer by layer
        assert split.depth == 6 and (0, 6, 6) in split.cells and (1, 1, 1) in split.cells


@pytest.mark.parametrize("sink, proved", [(0, True), (Fraction(1, 10), False)])
def test_orbits_sinking_into_finer_layers_are_refused_by_prover_and_recheck(sink, proved):
    """Layers t = 4^k / 1000 in the upper row, 2^k / 1000 in the lower one; V shrinks by 5
    per two-step, more than one layer of the upper row. An image that sinks into the lower
    row lands at a higher index there (V/5 = 2^(2k - 2.3) / 1000), so ``|layer|`` would not
    fall: the re-check refuses the cell at the rank ``|layer|`` (the format before ranks),
    although every cell is listed; the prover, whose ranks are longest paths, fails because
    the orbits sink out of the bottom row."""
    from types import SimpleNamespace

    from eos_symbolic.rigorous.recheck_zone import ZoneIndex, zone_cell_ok
    from eos_symbolic.rigorous.zone import Zone, explore_zone
    K = CaptureSet(1, (K10, K10), Frame(Fraction(0), Fraction(1, 1000), Fraction(0)),
                   (Fraction(0), Fraction(1)))
    zone = Zone(K, (Fraction(1, 2), Fraction(3, 4), Fraction(1)), Fraction(1, 1000),
                (Fraction(2), Fraction(4)), Fraction(1))
    fmap = _ContractingMap(Fraction(1, 5), sink)
    entry = [((Fraction(3, 100), Fraction(6, 100)), (Fraction(8, 10), Fraction(9, 10)))]
    res = explore_zone(zone, entry, fmap)
    assert res.status == ("proved" if proved else "failed")
    if not proved:  # the ranks would be fine; the orbits sink out of the bottom row
        assert "leaves the zone" in res.failure["reason"] and res.failure["below"]
    # every cell listed at the rank |layer| (the format before ranks)
    every = [[r, k] for r in (0, 1) for n in (len(zone.edges[r]),) for k in range(1 - n, n)
             if k]
    part = SimpleNamespace(in_K=lambda v, s: max(map(abs, v)) <= Fraction(1, 1000),
                           B_of=lambda s: s, s_of=lambda b: b, kappa=(K10, K10), chain=None,
                           top=Fraction(1), ranked=False)
    zi = ZoneIndex(part, dict(zone.to_dict(), cells=every))

    def image(box, frame):
        im = fmap.image(box, frame)
        return im.Z, im.B, None, None, True
    tm = SimpleNamespace(image=image)
    assert zi.meeting(*entry[0]) == [(1, 3)]
    assert zone_cell_ok(tm, part, zi, *zi.box(1, 3), 3) == proved


def test_a_box_riding_along_the_manifold_is_cut_until_it_hands_over(monkeypatch):
    """A start piece 4 kappa^3 wide at x0 = x_check + 0.45, xy < 1, reaches the manifold
    straddling it (V in about [-7, 7]); its (A, B) hull cannot shrink across the manifold,
    so uncut it rides along it for thousands of two-steps. Cut, it hands over within 30."""
    from eos_symbolic.cli.concentration import parse_box
    from eos_symbolic.rigorous import chains
    from eos_symbolic.rigorous.concentration import piece_breaks
    (x0, _), [p] = parse_box("x=xcheck+0.45:xcheck+0.46,xy=0.95:0.999", K10 ** 2)
    start = start_boxes([x0, x0 + 4 * K10 ** 3], sorted(
        2 - v for v in piece_breaks(2 - p[1], 2 - p[0], ratio=Fraction(3, 2)))[:2],
        (K10, K10))
    K = design_capture_set((K10, K10), -1, Fraction(219, 10))
    fmap = ScaledTwoStep()
    with fmap.bound(30):
        res = chains.run_chains(start, K, (K10, K10), fmap, budget=200)
        assert res.status == "proved" and res.longest <= 30
        assert isinstance(res.trees[0][1], list)  # cut
        monkeypatch.setattr(chains, "_rides", lambda vs: False)
        res = chains.run_chains(start, K, (K10, K10), fmap, budget=200)
        assert res.status == "failed" and "step budget" in res.failure["reason"]


def test_a_tall_capture_set_follows_the_slow_manifold_within_its_width():
    """Orbits from far above the EoS minimum climb to |B| ~ 14 (eta = 1/100): a degree-12
    shear misses the manifold there by 2.6 widths, so the fit takes more terms."""
    from eos_symbolic.rigorous.capture import slow_manifold
    top = Fraction(138, 10)
    K = design_capture_set((K10, K10), 1, top)
    f = K.frame
    assert len(f.shear) + 1 > 12
    pts = slow_manifold(K10, 1, float(top))
    s, U = pts[pts[:, 0] <= float(top)].T
    psi = sum(float(c) * s ** i for i, c in enumerate(f.shear, 2))
    assert np.max(np.abs(U - float(f.origin) - psi) / (float(f.d0) + float(f.d2) * s ** 2)) < 0.1


def test_zone_layer_zero_must_lie_in_K_at_both_ends_of_the_rows():
    """Layer 0 counts as K: with K's width d0 + d2 s^2 shrinking in s (d2 < 0) a t_0 below
    the width at the bottom row but above it at the top is refused, as are rows below 0."""
    from types import SimpleNamespace

    from eos_symbolic.rigorous.recheck_zone import zone_grid_ok
    shrinking = SimpleNamespace(top=Fraction(4), width=lambda s: Fraction(1, 10) - s * s / 200,
                                ranked=False)
    layers = [Fraction(1, 20), Fraction(1, 10), Fraction(1, 5)]
    grid = SimpleNamespace(rows=[Fraction(1), Fraction(2), Fraction(3)],
                           edges=[list(layers), list(layers)])
    assert zone_grid_ok(shrinking, grid)  # width 0.055 at the top row: t_0 = 0.05 fits
    grid.edges[1][0] = Fraction(3, 50)  # inside K at s = 2 (0.08), not at s = 3 (0.055)
    assert not zone_grid_ok(shrinking, grid)
    grid.edges[1][0] = Fraction(1, 20)
    grid.edges[0][1] = Fraction(1, 30)  # edges of a row must increase
    assert not zone_grid_ok(shrinking, grid)
    grid.edges[0][1] = Fraction(1, 10)
    grid.edges.pop()  # one edge list per row
    assert not zone_grid_ok(shrinking, grid)
    grid.edges.append(list(layers))
    assert zone_grid_ok(shrinking, grid)
    grid.rows[0] = Fraction(-1, 2)
    assert not zone_grid_ok(shrinking, grid)


def test_the_slow_manifold_is_fitted_to_an_orbit_of_its_own_sign():
    """At eta = 1/25 orbits from high starts may end with the other sign of b: the points
    are consecutive two-steps with b of the asked sign. Above ``|B|`` ~ 3.5 (b > 0) the
    manifold's transverse multiplier nears -1 and orbits from higher starts still oscillate
    across it there: the design says how high two orbits agree instead of fitting them."""
    from eos_symbolic.rigorous.capture import ManifoldTooLow, slow_manifold
    kap = Fraction(1, 5)
    step = float_two_step("four-scalar", float(kap))
    for sign in (1, -1):
        s, U = slow_manifold(kap, sign, 3.4).T
        assert s[0] > 0 and s[-1] >= 3.4
        for i in range(1, len(s), 97):
            U2, B2, _ = step(U[i], sign * s[i])
            assert sign * B2 == pytest.approx(s[i - 1], rel=1e-9)
            assert U2 == pytest.approx(U[i - 1], rel=1e-9, abs=1e-12)
    with pytest.raises(ManifoldTooLow) as exc:
        slow_manifold(kap, 1, 4.0)
    assert 3.4 < exc.value.reached < 3.6


def test_a_tail_with_a_transient_is_cut_where_two_orbits_part():
    """Two tails that agree up to s = 2 and then part by far more than the tolerance agree
    up to 2, not to their common top."""
    from eos_symbolic.rigorous.capture import _agreement
    s = np.linspace(0.001, 3, 3000)
    low = np.column_stack([s, s ** 2])
    high = np.column_stack([s, s ** 2 + np.where(s > 2, 1e-2, 0)])
    assert 1.99 < _agreement(low, high, 1e-5) <= 2
    assert _agreement(low, low, 1e-5) == pytest.approx(3)


def test_a_part_without_a_capture_set_is_a_failed_part_not_a_crash(monkeypatch):
    """No clean orbit to fit K to (the chaotic region): that part is reported failed with
    the reason, and the proof of the other parts goes on."""
    from eos_symbolic.cli.concentration import parse_box, summary
    from eos_symbolic.errors import EosError
    from eos_symbolic.rigorous import concentration

    def no_orbit(kappa, sign, s_top, **kw):
        if sign < 0:
            raise EosError("slow manifold: no clean orbit")
        return design_capture_set(kappa, sign, Fraction(1, 2), **kw)
    monkeypatch.setattr(concentration, "design_capture_set", no_orbit)
    monkeypatch.setattr(concentration, "prove_capture", lambda K, **kw: type(
        "P", (), {"status": "failed", "codes": [], "cells": 1, "rho": Fraction(1),
                  "C": Fraction(0), "failure": {"reason": "planted"}})())
    x_range, parts = parse_box("x=xcheck+0.05:xcheck+0.0505,dxy=0.001:0.0015", Fraction(1, 100))
    cert = prove_concentration((K10, K10), x_range, parts)
    assert cert["status"] == "failed" and [p["status"] for p in cert["parts"]] == ["failed"] * 2
    assert "no clean orbit" in summary(cert) and "planted" in summary(cert)


@pytest.mark.parametrize("argv", [["--eta", "1/100", "--eta-pieces", "3"],
                                  ["--eta-interval", "1/101,1/100", "--eta-pieces", "0"]])
def test_eta_pieces_need_an_interval(argv, capsys):
    box = ["--box", "x=10.05:10.055,xy=1.001:1.0015"]
    assert main(["certify", "concentration", *argv, *box]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: --eta-pieces") and "\n" not in err


def test_eta_one_twenty_fifth_above_the_clean_manifold_is_proved_below_it():
    """eta = 1/25, b > 0, near x_check + 0.4: the orbits' peak asks for K up to
    ``|B|`` ~ 4.2, but two orbits of the slow manifold of b > 0 agree only up to about 3.5;
    K stops just below that, the chains go on over the peak, and the proof closes (about
    10 s), re-checked."""
    from eos_symbolic.cli.concentration import parse_box
    eta = Fraction(1, 25)
    x_range, parts = parse_box("x=xcheck+0.396:xcheck+0.4,xy=1.009:1.01", eta)
    cert = prove_concentration((Fraction(1, 5), Fraction(1, 5)), x_range, parts,
                               dx=Fraction(1, 250))
    assert cert["status"] == "proved" and cert["claim_band"]["holds"]
    top = Fraction(cert["parts"][0]["capture"]["breaks"][-1])
    assert Fraction(34, 10) < top < Fraction(351, 100)
    assert recheck_certificate(cert).valid
