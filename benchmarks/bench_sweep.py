"""Point-steps per second of the float64 sweep engine against a plain numpy loop.

Run: ``python benchmarks/bench_sweep.py [--quick] [--json FILE]``.

Map: four-scalar reduced GD map (paper eq. 2) at eta = 0.2, starts near the EoS minimum.
In the same process it times, interleaved over rounds (median, so a busy shared machine
shifts all numbers alike):

- ``numba-2``: the generated numba kernel (`sweep_kernel`, CSE form t = eta q (q^2 - 1),
  q = x y; blocks of 512 points, step loop outside a vectorised inner loop), 2 threads;
- ``numba-1``: the same kernel on 1 thread (workers scaling);
- ``numpy``: the plain numpy vectorised loop of the same generated map, all points at once;
- ``numpy-eq2``: eq. 2 as printed, x' = x - eta x y^2 (x^2 y^2 - 1), in numpy.

Target (issue 7): numba >= 1e10 point-steps/s on 2 cores and >= 50x numpy.
"""
import argparse
import json
import statistics
import sys
import time

import numba
import numpy as np

from eos_symbolic import get_model
from eos_symbolic.sweep_kernel import advance, numpy_iterate, sweep_kernel


def starts(n):
    rng = np.random.default_rng(0)
    x = rng.uniform(2.0, 2.6, n)
    return np.vstack([x, 1 / x + rng.uniform(-0.05, 0.05, n)])


def time_numba(model, n, steps, threads):
    numba.set_num_threads(threads)
    V = starts(n)
    st, wh = np.zeros(n, np.int8), np.full(n, -1, np.int64)
    t = time.perf_counter()
    advance(model, V, 0.2, steps, st, wh, every=500)
    return n * steps / (time.perf_counter() - t)


def time_numpy(model, n, steps):
    V = starts(n)
    t = time.perf_counter()
    numpy_iterate(model, V, 0.2, steps)
    return n * steps / (time.perf_counter() - t)


def time_numpy_eq2(n, steps):
    x, y = starts(n)
    eta = 0.2
    t = time.perf_counter()
    for _ in range(steps):
        r = x * x * y * y - 1
        x, y = x - eta * x * y * y * r, y - eta * x * x * y * r
    return n * steps / (time.perf_counter() - t)


def main(argv=None):
    p = argparse.ArgumentParser()
    p.add_argument("--quick", action="store_true")
    p.add_argument("--json")
    args = p.parse_args(argv)
    model = get_model("four-scalar")
    sweep_kernel(model)  # compile (or load from the on-disk cache) before timing
    n = 1 << 15 if args.quick else 1 << 16
    steps = 2000 if args.quick else 20000
    np_steps = 100 if args.quick else 400
    rounds = 3 if args.quick else 5
    threads = numba.config.NUMBA_NUM_THREADS
    rates = {"numba-2": [], "numba-1": [], "numpy": [], "numpy-eq2": []}
    for _ in range(rounds):
        rates["numba-2"].append(time_numba(model, n, steps, min(2, threads)))
        rates["numba-1"].append(time_numba(model, n, steps, 1))
        rates["numpy"].append(time_numpy(model, n, np_steps))
        rates["numpy-eq2"].append(time_numpy_eq2(n, np_steps))
    numba.set_num_threads(threads)
    med = {k: statistics.median(v) for k, v in rates.items()}
    out = {"points": n, "steps": steps, "numpy_steps": np_steps, "rounds": rounds,
           "median_point_steps_per_second": med, "all": rates,
           "speedup_vs_numpy": med["numba-2"] / med["numpy"],
           "speedup_vs_numpy_eq2": med["numba-2"] / med["numpy-eq2"],
           "scaling_2_vs_1": med["numba-2"] / med["numba-1"]}
    for k, v in med.items():
        print(f"{k:8s} {v:10.3e} point-steps/s   (best {max(rates[k]):.3e})")
    print(f"numba-2 / numpy = {out['speedup_vs_numpy']:.0f}x (/ numpy-eq2 = "
          f"{out['speedup_vs_numpy_eq2']:.0f}x); 2 workers / 1 worker = "
          f"{out['scaling_2_vs_1']:.2f}x")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(out, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
