"""Steps per second of the compiled trajectory engine against same-run baselines.

Run: ``python -m benchmarks.bench_trajectory [--quick] [--json FILE]``.

Map: four-scalar reduced GD map (paper eq. 2) at eta = 0.01 from the Figure 7b start
(12.5, 0.05). For D = 30, 100, 1000 digits it times, in the same process and interleaved
(median of rounds, so a busy shared machine shifts all numbers alike):

- ``engine``: the map compiled from the symbolic layer (`kernels_for` -> gmpy2 mpfr code);
- ``engine-mpmath``: the same generated code run on mpmath numbers;
- ``mpmath-plain``: a hand-written mpmath loop, eq. 2 as printed
  (x' = x - eta x y^2 (x^2 y^2 - 1), y' = y - eta x^2 y (x^2 y^2 - 1));
- ``mpmath-shared``: the same loop with x y and x^2 y^2 - 1 computed once (hand-optimised);
- ``sympy``: the naive SymPy loop, ``gd_map[i].subs({x: x_t, y: y_t}).evalf(D)``;
- ``arb``: certified Arb steps (centred two-step form), from (2.5, 0.2) at eta = 0.2 (a
  converging orbit, where the enclosure stays tight; on the chaotic Figure 7b orbit the balls
  lose every digit within a few hundred steps at these precisions, see `eos_symbolic.numeric.arb`);

and reports steps/s and the ratios engine / baseline, plus float64 numpy point-steps/s
(many starts advanced together). Targets: engine >= 10x mpmath-plain at 30 digits
and >= 3x at 1000 digits.
"""
import argparse
import json
import statistics
import sys
import time

import mpmath
import numpy as np

from eos_symbolic import get_model
from eos_symbolic.numeric.arb import ArbRunner
from eos_symbolic.numeric.iterate import Engine
from eos_symbolic.symbolic.symbols import eta as ETA
from eos_symbolic.symbolic.symbols import x as X
from eos_symbolic.symbolic.symbols import y as Y

START, STEP = ("12.5", "0.05"), "0.01"


def rate(fn, budget):
    """Steps/s of fn(n) -> None, with n grown until one call takes >= budget seconds."""
    n = 8
    while True:
        t = time.perf_counter()
        fn(n)
        dt = time.perf_counter() - t
        if dt >= budget:
            return n / dt
        n = int(n * min(16.0, max(2.0, 1.5 * budget / max(dt, 1e-6))))


def engine_loop(model, backend, dps):
    eng = Engine(model, "xy", backend, dps, STEP)
    u0 = tuple(eng.number(v) for v in START)
    return lambda n: eng.advance(u0, n)


def mpmath_plain(dps):
    def run(n):
        with mpmath.workdps(dps):
            e, x, y = mpmath.mpf(1) / 100, mpmath.mpf("12.5"), mpmath.mpf("0.05")
            for _ in range(n):
                x, y = (x - e * x * y ** 2 * (x ** 2 * y ** 2 - 1),
                        y - e * x ** 2 * y * (x ** 2 * y ** 2 - 1))
    return run


def mpmath_shared(dps):
    def run(n):
        with mpmath.workdps(dps):
            e, x, y = mpmath.mpf(1) / 100, mpmath.mpf("12.5"), mpmath.mpf("0.05")
            for _ in range(n):
                p = x * y
                g = e * p * (p * p - 1)
                x, y = x - g * y, y - g * x
    return run


def sympy_loop(model, dps):
    import sympy as sp
    fx, fy = (f.subs(ETA, sp.Rational(1, 100)) for f in model.gd_map)

    def run(n):
        xv, yv = sp.Float("12.5", dps), sp.Float("0.05", dps)
        for _ in range(n):
            xv, yv = (fx.subs({X: xv, Y: yv}).evalf(dps), fy.subs({X: xv, Y: yv}).evalf(dps))
    return run


def arb_loop(model, dps):
    runner = ArbRunner(model, "xy", "0.2", dps)
    state = runner.start(("2.5", "0.2"))
    return lambda n: runner.advance(state, 2 * (n // 2) or 2)


def float64_points(model, starts):
    eng = Engine(model, "xy", "float", 15, STEP)
    rng = np.random.default_rng(0)
    xs = rng.uniform(2.0, 3.0, starts)
    ys = rng.uniform(0.1, 0.5, starts)
    return lambda n: eng.advance((xs, ys), max(1, n // starts)), starts


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="shorter timings (noisier)")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--json", metavar="FILE")
    args = ap.parse_args(argv)
    budget = 0.15 if args.quick else 0.5
    model = get_model("four-scalar")
    results = {}
    for dps in (30, 100, 1000):
        loops = {"engine": engine_loop(model, "mpfr", dps),
                 "engine-mpmath": engine_loop(model, "mpmath", dps),
                 "mpmath-plain": mpmath_plain(dps), "mpmath-shared": mpmath_shared(dps),
                 "arb": arb_loop(model, dps)}
        rates = {k: [] for k in loops}
        for _ in range(args.rounds):  # interleaved rounds: load changes hit every loop alike
            for name, fn in loops.items():
                rates[name].append(rate(fn, budget))
        rates["sympy"] = [rate(sympy_loop(model, dps), budget)]
        med = {k: statistics.median(v) for k, v in rates.items()}
        results[dps] = {"steps_per_s": med, "ratios": {
            f"engine/{k}": med["engine"] / med[k] for k in med if k != "engine"}}
    np_rate = {}
    for starts in (1000, 100000):
        fn, _ = float64_points(model, starts)
        np_rate[starts] = statistics.median(rate(lambda n: fn(n * starts), budget) * starts
                                            for _ in range(args.rounds))
    _report(results, np_rate)
    if args.json:
        with open(args.json, "w", encoding="utf-8") as fh:
            json.dump({"digits": results, "float64_point_steps_per_s": np_rate}, fh, indent=1)
    return 0


def _report(results, np_rate):
    names = ["engine", "engine-mpmath", "mpmath-plain", "mpmath-shared", "sympy", "arb"]
    print(f"four-scalar GD map (eq. 2), eta = {STEP}, start {START}; steps/s (median of rounds)")
    print(f"{'digits':>7s} " + " ".join(f"{n:>14s}" for n in names))
    for dps, r in results.items():
        print(f"{dps:>7d} " + " ".join(f"{r['steps_per_s'][n]:14.4g}" for n in names))
    print("\nratios engine / baseline (same run)")
    for dps, r in results.items():
        print(f"{dps:>7d} " + "  ".join(f"{k.split('/')[1]} {v:.3g}x"
                                        for k, v in r["ratios"].items()))
    for dps, need in ((30, 10), (1000, 3)):
        got = results[dps]["ratios"]["engine/mpmath-plain"]
        print(f"target at {dps} digits: >= {need}x mpmath-plain -> {got:.3g}x "
              f"{'MET' if got >= need else 'MISSED'}")
    for starts, v in np_rate.items():
        print(f"float64 numpy: {v:.4g} point-steps/s ({starts} starts at once)")


if __name__ == "__main__":
    sys.exit(main())
