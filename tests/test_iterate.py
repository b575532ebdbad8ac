"""Iteration, outcomes, certification and resume."""
import json

import mpmath
import pytest

from eos_symbolic import EosError, get_model
from eos_symbolic.numeric.iterate import Engine, iterate
from eos_symbolic.numeric.outcome import classify
from eos_symbolic.numeric.precision import escalated_dps
from eos_symbolic.numeric.record import TrajectoryRecord
from eos_symbolic.numeric.trajectory import Interrupted, run_trajectory

FOUR = get_model("four-scalar")
DEPTH2 = get_model("depth-2:2")  # x' = x + eta x (1 - x^2): flip at eta = 1, then doubling


def test_iterate_yields_the_record_grid_and_the_last_step():
    eng = Engine(FOUR, "xy", "mpfr", 20, "0.2")
    u = (eng.number("2.5"), eng.number("0.2"))
    ticks = [(t, rec) for t, _, rec in iterate(eng, u, 1000, every=300, check=256)]
    assert [t for t, r in ticks if r] == [300, 600, 900, 1000]
    assert [t for t, r in ticks if not r] == [256, 512, 768]


def test_converges_below_two_over_eta():
    tr = run_trajectory(FOUR, "0.2", {"x": "2.5", "y": "0.2"}, 3000, dps=30)
    out = tr.outcome
    assert out.kind == "converged"
    assert 0 < float(out.details["gap"]) < 0.2  # sharpness just below 2/eta = 10
    assert float(out.details["loss"]) < 1e-40
    assert tr.certification["certified"] and tr.certification["state_digits"] >= 25
    assert tr.certification["bits_lost_per_step"] < 0.01


def test_diverges_at_the_step_a_hand_loop_finds():
    tr = run_trajectory(FOUR, "0.2", {"x": "5", "y": "1"}, 100, dps=30)
    with mpmath.workdps(30):
        xv, yv, e, step = mpmath.mpf(5), mpmath.mpf(1), mpmath.mpf("0.2"), 0
        while max(abs(xv), abs(yv)) < 5e12:
            r = xv ** 2 * yv ** 2 - 1
            xv, yv, step = xv - e * xv * yv ** 2 * r, yv - e * xv ** 2 * yv * r, step + 1
    assert tr.outcome.kind == "diverged" and tr.outcome.step == step
    assert "same exit step at both precisions" in tr.outcome.message


def test_overflow_inside_a_block_is_a_verdict_not_a_traceback():
    # |u| grows like u^7 per step; within one block mpfr overflows to inf and then nan
    tr = run_trajectory(FOUR, "0.3", {"x": "40", "y": "1"}, 5000, dps=20, every=5000)
    assert tr.outcome.kind == "diverged" and tr.outcome.step <= 3


def test_period_two_cycle_with_multiplier():
    tr = run_trajectory(DEPTH2, "1.1", {"x1": "0.5"}, 2000, dps=30)
    assert tr.outcome.kind == "period-2"
    cycle = sorted(float(v[0]) for v in tr.outcome.details["cycle"])
    # independent reference: the 2-cycle solves F(F(x)) = x, F(x) = x + 1.1 x (1 - x^2)
    F = lambda v: v + mpmath.mpf("1.1") * v * (1 - v * v)  # noqa: E731
    low = mpmath.findroot(lambda v: F(F(v)) - v, cycle[0])
    assert abs(low - cycle[0]) < 1e-12 and abs(F(low) - cycle[1]) < 1e-12
    assert tr.outcome.details["stable"]


def test_period_four_after_the_second_doubling():
    assert run_trajectory(DEPTH2, "1.25", {"x1": "0.5"}, 2000, dps=30).outcome.kind == "period-4"


def test_left_the_ab_chart():
    # at x y = 3 the factor T = eta (d^3 - d) = 4.8 > 1: c'^2 = c^2 (1 - T^2) < 0, x' < y'
    tr = run_trajectory(FOUR, "0.2", {"x": "2.5", "y": "1.2"}, 50, dps=20, coords="ab")
    assert tr.outcome.kind == "left-domain" and tr.outcome.step == 1
    assert "--coords xy" in tr.outcome.message


def test_still_moving_reports_rate_and_extrapolated_limit():
    tr = run_trajectory(FOUR, "0.01", {"a": "0.01", "b": "0.01"}, 3000, dps=30, coords="ab")
    out = tr.outcome
    assert out.kind == "still-moving" and out.details["rate"] < 1
    assert "--resume" in out.message and out.details["more_steps"] > 0


def test_eos_limit_at_moderate_kappa_lies_in_the_theorem_band():
    # C14/C15 band at kappa = 0.3 (empirical: the theorem's hypotheses are far smaller):
    # a_inf / kappa^3 in (-5/3, -1/10), sharpness in (2/eta - 20 eta/3, 2/eta)
    tr = run_trajectory(FOUR, "0.09", {"a": "0.02", "b": "0.02"}, 20000, dps=30, coords="ab")
    out = tr.outcome
    assert out.kind == "converged"
    assert -5 / 3 < out.details["a_over_kappa3"] < -1 / 10
    assert 0 < float(out.details["gap"]) < 20 * 0.09 / 3


def test_chaotic_transient_escalates_precision_until_certified():
    tr = run_trajectory(FOUR, "0.01", {"x": "12.5", "y": "0.05"}, 600, dps=20, digits=10)
    cert = tr.certification
    assert cert["escalations"] and cert["certified"] and cert["state_digits"] >= 10
    assert cert["max_bits_lost_per_step"] > 0.1  # the transient loses a fraction of a bit/step


def test_precision_cap_gives_an_uncertified_label():
    tr = run_trajectory(FOUR, "0.01", {"x": "12.5", "y": "0.05"}, 600, dps=20, digits=10,
                        max_dps=25)
    assert not tr.certification["certified"]
    assert tr.certification["label"].startswith("UNCERTIFIED")


def test_escalation_policy():
    assert escalated_dps(40, 0, 20, True, 10000) == 110  # still losing: double
    assert escalated_dps(300, 12, 20, False, 10000) == 318  # loss over: add the shortfall
    assert escalated_dps(100, 0, 20, True, 100) is None


def test_arb_certification_is_labelled_rigorous():
    tr = run_trajectory(FOUR, "0.2", {"x": "2.5", "y": "0.2"}, 2000, dps=30, certify="arb")
    assert tr.certification["method"] == "arb centred form"
    assert tr.certification["state_digits"] >= 25
    single = run_trajectory(FOUR, "0.2", {"x": "2.5", "y": "0.2"}, 200, dps=30, certify="none")
    assert single.certification["label"].startswith("UNCERTIFIED")


@pytest.mark.parametrize("certify,start,eta,coords", [
    ("two-precision", {"x": "12.5", "y": "0.05"}, "0.01", "xy"),  # includes an escalation
    ("arb", {"x": "2.5", "y": "0.2"}, "0.2", "xy"),
    ("two-precision", {"a": "0.01", "b": "0.01"}, "0.01", "ab")])
def test_resume_after_interrupt_is_bit_for_bit(tmp_path, certify, start, eta, coords):
    kw = dict(dps=20, every=7, certify=certify, coords=coords, digits=8)
    run_trajectory(FOUR, eta, start, 1200, out=tmp_path / "a.json", **kw)

    def interrupt(t):
        if t >= 600:
            raise KeyboardInterrupt
    with pytest.raises(Interrupted, match="resume"):
        run_trajectory(FOUR, eta, start, 1200, out=tmp_path / "b.json", on_check=interrupt, **kw)
    part = TrajectoryRecord.load(tmp_path / "b.json")
    assert part.status == "interrupted" and 0 < part.step < 1200
    run_trajectory(FOUR, eta, start, 1200, out=tmp_path / "b.json", resume=True, **kw)
    a, b = (json.loads((tmp_path / f).read_text()) for f in ("a.json", "b.json"))
    for r in (a, b):
        r.pop("seconds"), r.pop("checksum")  # the checksum covers the run time too
    assert a == b


def test_resume_refuses_other_settings(tmp_path):
    run_trajectory(FOUR, "0.2", {"x": "2.5", "y": "0.2"}, 100, dps=20, out=tmp_path / "r.json")
    with pytest.raises(EosError, match="eta"):
        run_trajectory(FOUR, "0.1", {"x": "2.5", "y": "0.2"}, 200, dps=20,
                       out=tmp_path / "r.json", resume=True)


def test_npz_record_round_trip(tmp_path):
    tr = run_trajectory(FOUR, "0.2", {"x": "2.5", "y": "0.2"}, 300, dps=20,
                        out=tmp_path / "r.npz")
    back = TrajectoryRecord.load(tmp_path / "r.npz")
    assert back.columns == tr.record.columns and back.states == tr.record.states


def test_classify_fixed_point_directly():
    eng = Engine(FOUR, "xy", "mpfr", 30, "0.2")
    u = eng.advance((eng.number("2.5"), eng.number("0.2")), 3000)
    assert classify(eng, u, 3000).kind == "converged"


# --- long runs at the documented targets (minutes in total; run with -m slow) ---------------

@pytest.mark.slow
def test_figure_7b_start_is_certified_after_escalation():
    # paper Figure 7b / C26: the chaotic transient loses ~0.5 bit/step for ~15000 steps
    # (~2200 digits), so certification needs escalation; the orbit then settles next to the
    # EoS minimum: a -> -kappa^3/8 (C13), sharpness -> 2/eta - eta/2
    tr = run_trajectory(FOUR, "0.01", {"x": "12.5", "y": "0.05"}, 200000, dps=40)
    cert, d = tr.certification, tr.outcome.details
    assert cert["certified"] and cert["state_digits"] >= 20 and cert["escalations"]
    assert max(e["new_dps"] for e in cert["escalations"]) > 2200
    assert abs(d["a_over_kappa3"] + 0.125) < 0.005
    assert abs(float(d["gap"]) - 0.005) < 2e-4


@pytest.mark.slow
def test_start_near_eos_minimum_at_kappa_one_tenth_converges_to_the_predicted_limit():
    tr = run_trajectory(FOUR, "0.01", {"a": "0.01", "b": "0.01"}, 400000, dps=40, coords="ab")
    d = tr.outcome.details
    assert tr.outcome.kind == "converged" and tr.certification["state_digits"] >= 30
    assert abs(d["a_over_kappa3"] + 0.125) < 0.001
    assert abs(float(d["gap"]) / 0.005 - 1) < 0.002


@pytest.mark.slow
def test_arb_certified_trajectory_of_1e5_steps_keeps_20_digits():
    tr = run_trajectory(FOUR, "0.2", {"x": "2.5", "y": "0.2"}, 100000, dps=30, certify="arb")
    assert tr.certification["state_digits"] >= 20 and tr.outcome.kind == "converged"
