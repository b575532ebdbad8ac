"""Chains re-checked at their recorded cuts, on the shipped eta = 1/25 certificate; trees a
hostile file could hold; corner images near the top of a climb, cut into quarters."""
import copy
from fractions import Fraction

import flint
import numpy as np
import pytest

from eos_symbolic.claims.checks.concentration import stored_certificates
from eos_symbolic.rigorous.frames import Frame
from eos_symbolic.rigorous.recheck_cells import Worker
from eos_symbolic.rigorous.recheck_map import TwoStepRecheck
from eos_symbolic.rigorous.scaled_map import ScaledTwoStep, float_two_step


@pytest.fixture(scope="module")
def eta25():
    (cert,) = [c for p, c in stored_certificates() if "1-25" in p.name]
    assert cert["version"] == 4
    return cert


def first_chain_fails(cert, tree):
    """Does the re-check refuse piece 0 of part 0 with this chain tree?"""
    cert = copy.deepcopy(cert)
    cert["parts"][0]["chains"]["trees"][0] = tree
    return Worker(cert, 128).run((0, "chains", 0, 1)) is not None


def test_the_stored_first_chain_replays(eta25):
    assert not first_chain_fails(eta25, eta25["parts"][0]["chains"]["trees"][0])


def test_a_cut_outside_the_box_leaves_one_half_which_must_be_proved(eta25):
    """The half a cut leaves empty is skipped, so the other half is the whole box: with the
    stored chain there it is proved; a whole start box claimed to be in K at once is not."""
    n, tail = eta25["parts"][0]["chains"]["trees"][0]
    far = str(-10 ** 6)
    assert not first_chain_fails(eta25, [0, ["A", far, [0, "K"], [n, tail]]])
    assert first_chain_fails(eta25, [0, ["A", far, [n, tail], [0, "K"]]])
    assert first_chain_fails(eta25, [0, ["A", str(10 ** 6), [0, "zone"], [n, tail]]])


@pytest.mark.parametrize("tree", [
    [3], "K", [-1, "K"], [10 ** 7, "K"], [0.5, "K"], [0, "elsewhere"],
    [0, ["A", [0, "K"], [0, "K"]]],  # a version 2 node (midpoint) in a version 3 file
    [0, ["C", "1", [0, "K"], [0, "K"]]], [0, ["A", "1e9999999", [0, "K"], [0, "K"]]],
    [0, ["B", "1", [0, "K"]]],
])
def test_a_malformed_chain_tree_fails_and_does_not_crash(eta25, tree):
    assert first_chain_fails(eta25, tree)


def test_a_chain_tree_nested_thousands_deep_fails_within_the_depth_bound(eta25):
    tree = [0, "K"]
    for _ in range(5000):
        tree = [0, ["A", "0", [0, "K"], tree]]
    assert first_chain_fails(eta25, tree)


def test_a_partial_sign_lost_near_the_peak_is_recovered_on_quarters():
    """Near the top of a climb at eta = 1/25 the re-check's map does not certify the sign of
    one partial of B'' on the whole box: its fallback, the centred form, is wide in B.
    Cut into quarters it is as tight as the prover's corner image, and both hold every
    sampled float64 image."""
    box = [(Fraction(3543, 100), Fraction(36002, 1000)),
           (Fraction(25465, 10000), Fraction(29493, 10000)), (Fraction(1, 5), Fraction(1, 5))]
    with flint.ctx.workprec(128):
        tm = TwoStepRecheck()
        whole = tm.corner(box, {"raw": True}, split=0)
        quarters = tm.corner(box, {"raw": True})
    fmap = ScaledTwoStep()
    with fmap.bound(30):
        mine = fmap.corner_image(box, Frame(raw=True))
    width = [float(hi - lo) for lo, hi in (whole[1], quarters[1])]
    assert width[1] < 0.6 * width[0]
    assert abs(float(quarters[1][1] - mine.B[1])) < 1e-3
    two = float_two_step("four-scalar", 0.2)
    rng = np.random.default_rng(0)
    for A, B in rng.uniform([float(box[0][0]), float(box[1][0])],
                            [float(box[0][1]), float(box[1][1])], (500, 2)):
        U2, B2, _ = two(A - 2 * B * B, B)
        A2 = U2 + 2 * B2 * B2
        for Z, Bs in ((quarters[0], quarters[1]), (mine.Z, mine.B)):
            assert float(Z[0]) - 1e-9 <= A2 <= float(Z[1]) + 1e-9
            assert float(Bs[0]) - 1e-9 <= B2 <= float(Bs[1]) + 1e-9


def test_the_coverage_figure_marks_a_failed_part_and_names_its_step(eta25, tmp_path, capsys):
    """A certificate with one part failed in its zone: the coverage rows say so, and
    `certify recheck --figure` (exit 1: not a proved certificate) still draws it."""
    import json

    from eos_symbolic.cli import main
    from eos_symbolic.dynamics.proof_figures import coverage
    cert = copy.deepcopy(eta25)
    cert["status"], cert["parts"][1]["status"] = "failed", "failed"
    cert["parts"][1]["zone"]["failure"] = {"entry": "box leaves the zone"}
    rows = coverage(cert)
    assert [r["status"] for r in rows] == ["proved", "failed"] + ["proved"] * 16
    assert rows[1]["step"] == "zone" and rows[0]["step"] is None
    assert rows[0]["K_top"] == pytest.approx(2.67) and rows[0]["x"][0] < rows[1]["x"][0]
    path = tmp_path / "cert.json"
    path.write_text(json.dumps(cert))
    png = tmp_path / "cover.png"
    assert main(["certify", "recheck", str(path), "--figure", str(png)]) == 1
    assert f"coverage figure: {png}" in capsys.readouterr().out
    assert png.stat().st_size > 10_000


def test_the_coverage_figure_of_a_hostile_file_is_a_one_line_error(eta25, tmp_path, capsys):
    """An exponent bomb in a part's x breaks (Fraction would compute 10^99999999) and a part
    without breaks: `--figure` refuses in one line (exit 2), no figure, no hang."""
    import json

    from eos_symbolic.cli import main
    for edit in ("bomb", "no breaks"):
        cert = copy.deepcopy(eta25)
        cert["status"] = "failed"
        if edit == "bomb":
            cert["parts"][0]["breaks"]["x"][0] = "1e99999999"
        else:
            del cert["parts"][0]["breaks"]
        path, png = tmp_path / "cert.json", tmp_path / "cover.png"
        path.write_text(json.dumps(cert))
        assert main(["certify", "recheck", str(path), "--figure", str(png)]) == 2
        err = capsys.readouterr().err.strip()
        assert err.startswith("error: --figure") and "\n" not in err and not png.exists()
