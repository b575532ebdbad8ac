"""Float64 companions: the digits they certify are never more than a run at fixed high
precision confirms, they see digits being lost, and a run whose companions run out goes on
with a second mpfr run and comes back to companions afterwards."""
import math

import mpmath
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from eos_symbolic import get_model
from eos_symbolic.numeric.companions import CompanionRunner, companion_kernels, loss_profile
from eos_symbolic.numeric.iterate import Engine
from eos_symbolic.numeric.kernels import kernels_for, start_in_coords
from eos_symbolic.numeric.precision import agreeing_digits
from eos_symbolic.numeric.trajectory import parse_number, run_trajectory

FOUR = get_model("four-scalar")


def true_digits(text, reference, cap):
    """Digits of the decimal string `text` that the reference string confirms."""
    with mpmath.workdps(cap + 50):
        p, q = mpmath.mpf(text), mpmath.mpf(reference)
        if p == q:
            return cap
        return max(0, min(cap, int(math.floor(-mpmath.log10(abs(p - q) / abs(q))))))


def assert_honest(tr, ref, slack=1):
    """Every certified digit count of `tr` is confirmed by the fixed-precision run `ref`
    (`slack`: the decimal strings themselves are rounded to the digits shown)."""
    checked = 0
    for name, col in tr.record.digits.items():
        for i, claimed in enumerate(col):
            value, want = tr.record.columns[name][i], ref.record.columns[name][i]
            if claimed is None or value is None or want is None:
                continue
            assert tr.record.columns["step"][i] == ref.record.columns["step"][i]
            assert claimed <= true_digits(value, want, tr.record.config["dps"]) + slack, (
                name, tr.record.columns["step"][i], claimed)
            checked += 1
    return checked


@pytest.mark.parametrize("eta,start,coords", [("0.2", {"x": "2.5", "y": "0.2"}, "xy"),
                                              ("0.01", {"a": "0.01", "b": "0.01"}, "ab")])
def test_companion_digits_are_confirmed_by_a_fixed_high_precision_run(eta, start, coords):
    kw = dict(coords=coords, every=50)
    tr = run_trajectory(FOUR, eta, start, 3000, dps=30, **kw)
    ref = run_trajectory(FOUR, eta, start, 3000, dps=200, certify="none", **kw)
    assert "companions" in tr.certification["method"] and not tr.certification["escalations"]
    assert assert_honest(tr, ref) > 300
    assert tr.certification["state_digits"] >= 25  # and still useful: about 2 digits lost


def test_companions_see_digits_being_lost():
    # the start x = 11.5, y = 0.05 at eta = 0.01 loses about 75 digits in a chaotic
    # transient: the companions must report the loss step by step, as a reference does
    m, eta = FOUR, parse_number("0.01", "eta")
    values, conv = start_in_coords(m, "xy", {"x": parse_number("11.5", "x"),
                                            "y": parse_number("0.05", "y")})
    runner = CompanionRunner(m, "xy", eta, 60)
    state = runner.start(values, conv)
    ref = Engine(m, "xy", "mpfr", 400, eta)
    u = tuple(ref.number(v) for v in values)
    seen = []
    for _ in range(12):
        state, u = runner.advance(state, 10), ref.advance(u, 10)
        claimed = runner.digits(runner.state_loss(state), 60)
        true = min(agreeing_digits(p, q, 60) for p, q in zip(state[0], u))
        assert claimed <= true
        seen.append(claimed)
    assert seen[0] >= 50 and seen[-1] < seen[0] - 10  # digits really are lost


def test_exhausted_companions_hand_over_and_come_back():
    start, eta = {"x": "11.5", "y": "0.05"}, "0.01"
    kw = dict(coords="ab", every=100)
    tr = run_trajectory(FOUR, eta, start, 6000, dps=30, **kw)
    cert, rec = tr.certification, tr.record
    assert cert["escalations"] and rec.escalations[0]["step"] <= 512  # ran out early
    assert max(dps for _, dps in rec.schedule) > 100  # the loss was predicted: ~75 digits
    assert rec.schedule[-1][1] == 30 and rec.certifier["mode"] == "companions"
    assert "companions" in cert["method"] and cert["certified"]
    ref = run_trajectory(FOUR, eta, start, 6000, dps=400, certify="none", **kw)
    assert assert_honest(tr, ref) > 200


def test_loss_profile_predicts_the_transient():
    values, conv = start_in_coords(FOUR, "xy", {"x": parse_number("11.5", "x"),
                                               "y": parse_number("0.05", "y")})
    prof = loss_profile(FOUR, "xy", parse_number("0.01", "eta"), values, conv, 4000)
    assert 60 < np.nanmax(prof) < 100  # about 76 digits (the true orbit loses ~75)
    assert abs(prof[-1] - prof[len(prof) // 2]) < 3  # and then no more


def test_companion_kernels_run_the_compiled_program():
    # the float64 step compiled through LLVM is the float backend of the same program
    # (five companions: four in the lanes of a vector, one alone; each as the scalar code)
    k = kernels_for(FOUR, "ab")
    mod = companion_kernels(k)
    starts = [[0.01, 0.01], [0.02, -0.01], [0.015, 0.0], [-0.01, 0.02], [0.005, 0.005]]
    V = np.array(starts)
    P = np.array([0.01, 0.04, 0.02, 0.03, 0.011])
    mod.ensemble(V, P, 500)
    for row, p, start in zip(V, P, starts):
        eng = Engine(FOUR, "ab", "float", 16, repr(float(p)))
        assert list(row) == [float(v) for v in eng.advance(tuple(start), 500)]


def test_compiled_digits_count_as_the_runner_does():
    # the LLVM kernel's digits against `_loss` and `digits` in Python, edge cases included
    import gmpy2

    from eos_symbolic.numeric.companions import _loss
    from eos_symbolic.numeric.float_jit import recorded
    runner = CompanionRunner(FOUR, "xy", parse_number("0.2", "eta"), 30)
    order = recorded(runner.kernels)
    V = np.array([[2.5, 0.2]] * 4)
    with runner.primary.scope():
        p = [gmpy2.mpfr(v) for v in ("2.5", "0.2", "1.5", "-3e-300", "0", "nan", "inf",
                                     "2.5000000001", "1e-20", "7", "0.1", "3", "9")]
    p = (p * 2)[:len(order)]
    QZ = np.array([float(v) if gmpy2.is_finite(v) else math.nan for v in p] +
                  [1.0 if v == 0 else 0.0 for v in p])
    OUT = np.empty(3 * len(order))
    runner.module.errors(V, runner.P, QZ, OUT, 28, 1)
    E, D, lam = np.split(OUT, 3)
    assert list(lam) == [_loss(v, e) for v, e in zip(p, E.tolist())]
    assert [int(d) for d in D] == [runner.digits(_loss(v, e), 28) for v, e in zip(p, E)]


@settings(max_examples=60, deadline=None)
@given(st.floats(0.2, 4.0), st.floats(0.02, 0.98), st.sampled_from(["0.05", "0.2", "0.45"]))
def test_guarded_xy_step_leaves_exactly_where_the_ab_map_fails(x, ratio, eta):
    # the (a, b) map is defined while x > |y|: c'^2 = c^2 (1 - T^2) < 0 iff the (x, y) step
    # lands outside; the guarded (x, y) run must stop there and nowhere else (eta < 1/2:
    # the (a, b) chart needs the EoS minimum)
    xs, ys = repr(x), repr(x * ratio)
    xy = Engine(FOUR, "xy", "mpfr", 30, eta, guarded=True)
    u = xy.advance((xy.number(xs), xy.number(ys)), 1)
    values, conv = start_in_coords(FOUR, "ab", {"x": parse_number(xs, "x"),
                                               "y": parse_number(ys, "y")})
    ab = Engine(FOUR, "ab", "mpfr", 30, eta)
    with ab.scope():
        v = conv.bind("mpfr", [ab.eta])[0](*(ab.number(s) for s in values))
    failed = not all(map(math.isfinite, map(float, ab.step(v))))
    assert Engine.outside(u) == failed


def test_guarded_run_stops_at_the_first_state_outside():
    # x y = 3 at eta = 0.2: T = 4.8, the first step leaves x > |y|; an unguarded run goes on
    guarded = Engine(FOUR, "xy", "mpfr", 30, "0.2", guarded=True)
    plain = Engine(FOUR, "xy", "mpfr", 30, "0.2")
    u0 = (guarded.number("2.5"), guarded.number("1.2"))
    assert guarded.advance(u0, 5) == plain.advance(u0, 1) != plain.advance(u0, 5)
