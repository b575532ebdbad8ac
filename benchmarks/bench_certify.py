"""Certification, the generated gmpy2 engine and the symbolic caches against same-run baselines.

Run: ``python -m benchmarks.bench_certify [--quick] [--rounds N] [--json FILE]
[--skip-figure]``.

Cases (CPU time of this process, `time.process_time`, so that other tenants of a shared
machine slow every case alike; medians of interleaved rounds; four-scalar, paper eq. 2):

- ``certify``: `run_trajectory` with two-precision certification against the same run with
  ``certify="none"``, at 30 digits (1e5 steps) and 1000 digits (1e4 steps), from (2.5, 0.2)
  at eta = 0.2 (a converging EoS orbit), 1000 records at the default spacing (the records'
  own cost, observables and decimal strings, is in both). Target: at most 1.3x at 30
  digits, 1.2x at 1000.
- ``figure-7b``: the million-step Figure 7b-start run, ``trajectory --model four-scalar
  --eta 0.01 --start x=12.5,y=0.05 --steps 1000000 --dps 40 --coords ab --every 1000``,
  against a plain hand-written mpmath loop of eq. 2 at 40 digits over the same steps (one
  round each unless --rounds). Target: at least 5x, with at least 30 certified digits.
- ``gmpy2``: the generated engine (`Engine`, mpfr) against a careful hand-written gmpy2
  loop of eq. 2 (q = x y once, g = eta q (q^2 - 1), constants rounded once) at 30 and 1000
  digits, from (1.2, 0.8) at eta = 0.01. Target: at least 1.0x.
- ``symbolic``: the derived objects `verify` asks for (spectrum, sharpness on the minima,
  EoS range and minima, 2-cycles) for the five default models with the per-model caches
  against the same calls with the caches cleared before each; FLINT's factorisation of the
  period-2 eliminant against SymPy's `factor_list`.
"""
import argparse
import json
import statistics
import sys
import time

import gmpy2
import mpmath
import sympy as sp

from eos_symbolic import get_model
from eos_symbolic.numeric.backends import number, precision_scope
from eos_symbolic.numeric.iterate import Engine
from eos_symbolic.numeric.trajectory import run_trajectory

FOUR = get_model("four-scalar")


def cpu(fn):
    t = time.process_time()
    out = fn()
    return time.process_time() - t, out


def interleaved(cases, rounds):
    """{name: median CPU seconds} of `cases` (name -> thunk), run round by round."""
    times = {k: [] for k in cases}
    for _ in range(rounds):
        for name, fn in cases.items():
            times[name].append(cpu(fn)[0])
    return {k: statistics.median(v) for k, v in times.items()}


def certify_case(rounds, quick):
    out = {}
    for dps, steps in ((30, 30000 if quick else 100000), (1000, 3000 if quick else 10000)):
        def run(certify, dps=dps, steps=steps):
            return lambda: run_trajectory(FOUR, "0.2", {"x": "2.5", "y": "0.2"}, steps,
                                          dps=dps, certify=certify)
        run("two-precision")(), run("none")()  # kernels built and compiled
        med = interleaved({"two-precision": run("two-precision"), "none": run("none")}, rounds)
        digits = run("two-precision")().certification["state_digits"]
        out[dps] = {"steps": steps, "seconds": med, "ratio": med["two-precision"] / med["none"],
                    "certified_digits": digits}
    return out


def plain_mpmath(steps, dps=40):
    """Eq. 2 as printed, at `dps` digits, from the Figure 7b start."""
    with mpmath.workdps(dps):
        e, x, y = mpmath.mpf(1) / 100, mpmath.mpf("12.5"), mpmath.mpf("0.05")
        for _ in range(steps):
            x, y = (x - e * x * y ** 2 * (x ** 2 * y ** 2 - 1),
                    y - e * x ** 2 * y * (x ** 2 * y ** 2 - 1))
    return x, y


def figure_case(rounds, quick):
    steps = 100000 if quick else 1000000

    def run():
        return run_trajectory(FOUR, "0.01", {"x": "12.5", "y": "0.05"}, steps, dps=40,
                              coords="ab", every=1000)
    run_trajectory(FOUR, "0.01", {"x": "12.5", "y": "0.05"}, 2000, dps=40, coords="ab")
    times = {"trajectory": [], "mpmath-plain": []}
    for _ in range(rounds):
        dt, tr = cpu(run)
        times["trajectory"].append(dt)
        times["mpmath-plain"].append(cpu(lambda: plain_mpmath(steps))[0])
    med = {k: statistics.median(v) for k, v in times.items()}
    cert = tr.certification
    return {"steps": steps, "seconds": med, "speedup": med["mpmath-plain"] / med["trajectory"],
            "certified_digits": cert["state_digits"], "label": cert["label"],
            "schedule": tr.record.schedule}


def hand_gmpy2(dps, n):
    """Eq. 2 written by hand for gmpy2: q = x y, g = eta q (q^2 - 1), x - g y, y - g x."""
    with precision_scope("mpfr", dps):
        x, y, e, one = gmpy2.mpfr("1.2"), gmpy2.mpfr("0.8"), number("mpfr", "0.01"), \
            gmpy2.mpfr(1)
        for _ in range(n):
            q = x * y
            g = e * q * (q * q - one)
            x, y = x - g * y, y - g * x
    return x, y


def gmpy2_case(rounds, quick):
    out = {}
    for dps, n in ((30, 50000 if quick else 200000), (1000, 5000 if quick else 20000)):
        eng = Engine(FOUR, "xy", "mpfr", dps, "0.01")
        u0 = (eng.number("1.2"), eng.number("0.8"))
        med = interleaved({"engine": lambda: eng.advance(u0, n),
                           "hand-gmpy2": lambda dps=dps, n=n: hand_gmpy2(dps, n)}, rounds)
        out[dps] = {"steps": n, "steps_per_s": {k: n / v for k, v in med.items()},
                    "ratio": med["hand-gmpy2"] / med["engine"]}
    return out


def symbolic_case(rounds):
    from eos_symbolic.symbolic import minima, orbits, spectrum
    from eos_symbolic.symbolic.factoring import factor_list
    from eos_symbolic.symbolic.models import DEFAULT_MODELS
    cached = (spectrum._characteristic_factors, spectrum._hessian_eigenvalues,
              minima._critical_sets, minima.sharpness_on_minima, minima.eos_range,
              minima._eos_minima)

    def workload(clear):
        for name in DEFAULT_MODELS:
            m = get_model(name)
            for fn in (spectrum.characteristic_factors, spectrum.hessian_eigenvalues,
                       minima.sharpness_on_minima, minima.eos_range, minima.eos_minima,
                       minima.eos_range, minima.sharpness_on_minima):
                if clear:
                    for c in cached:
                        c.cache_clear()
                try:
                    fn(m)
                except Exception:  # noqa: BLE001 - a derivation a model lacks
                    pass
    workload(False)
    med = interleaved({"cached": lambda: workload(False), "cleared": lambda: workload(True)},
                      rounds)
    tc = orbits.two_cycles(FOUR)
    res = sp.resultant(*tc.cofactors, FOUR.coords[1])
    fl = interleaved({"flint": lambda: factor_list(res), "sympy": lambda: sp.factor_list(res)},
                     max(1, rounds // 2))
    return {"caches": {"seconds": med, "ratio": med["cached"] / med["cleared"]},
            "factor_list": {"seconds": fl, "ratio": fl["flint"] / fl["sympy"]}}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="shorter runs (noisier)")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--skip-figure", action="store_true", help="leave out figure-7b")
    ap.add_argument("--json", metavar="FILE")
    args = ap.parse_args(argv)
    res = {"certify": certify_case(args.rounds, args.quick),
           "gmpy2": gmpy2_case(args.rounds, args.quick),
           "symbolic": symbolic_case(args.rounds)}
    if not args.skip_figure:
        res["figure-7b"] = figure_case(1 if args.rounds >= 5 else args.rounds, args.quick)
    report(res)
    if args.json:
        with open(args.json, "w", encoding="utf-8") as fh:
            json.dump(res, fh, indent=1)
    return 0


def report(res):
    print("CPU-time ratios in one process (medians of interleaved rounds)")
    for dps, r in res["certify"].items():
        need = 1.3 if dps == 30 else 1.2
        print(f"certify  {dps:5d} digits: two-precision / none = {r['ratio']:.3f}x "
              f"({r['steps']} steps, {r['certified_digits']} digits certified; target <= "
              f"{need}x {'MET' if r['ratio'] <= need else 'MISSED'})")
    for dps, r in res["gmpy2"].items():
        rates = ", ".join(f"{k} {v:.3g}/s" for k, v in r["steps_per_s"].items())
        print(f"gmpy2    {dps:5d} digits: engine / hand-written = {r['ratio']:.3f}x ({rates}; "
              f"target >= 1.0x {'MET' if r['ratio'] >= 1.0 else 'MISSED'})")
    s = res["symbolic"]
    print(f"symbolic caches: cached / recomputed = {s['caches']['ratio']:.3f}x; FLINT / SymPy "
          f"factor_list on the period-2 eliminant = {s['factor_list']['ratio']:.3f}x")
    if "figure-7b" in res:
        f = res["figure-7b"]
        ok = f["speedup"] >= 5 and f["certified_digits"] >= 30
        print(f"figure-7b ({f['steps']} steps): plain mpmath / trajectory = {f['speedup']:.2f}x "
              f"({f['seconds']['trajectory']:.2f} s vs {f['seconds']['mpmath-plain']:.2f} s "
              f"CPU), {f['certified_digits']} digits certified; target >= 5x and >= 30 digits "
              f"{'MET' if ok else 'MISSED'}")


if __name__ == "__main__":
    sys.exit(main())
