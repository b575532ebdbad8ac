"""Concentration proofs (C14-C17 instances) and their re-check, against same-run baselines.

Run: ``python -m benchmarks.bench_concentration [--full] [--eta25] [--adaptivity] [--dask]
[--processes N] [--json FILE]``.

Cases (wall and CPU time of the `eos-symbolic certify` commands, run as child processes):

- ``small``: the shipped instance, eta = 1/100, x0 in [xcheck + 0.05, xcheck + 0.055],
  |x0 y0 - 1| in [1e-3, 1.5e-3], proved on one core and re-checked on one core; reported
  with its work (chain two-steps, zone and capture cells) as ms per image, and the
  ratio of one ball-arithmetic image to the float64 two-step of the same map at the same
  number of points (the same-run baseline: machine speed cancels).
- ``full`` (with ``--full``, 10 to 23 minutes on 2 cores): the whole box of Theorem 3.1's
  instance, x0 in [xcheck + 0.05, xcheck + 0.5], |x0 y0 - 1| in [1e-3, 5e-2], proved and
  re-checked on ``--processes`` processes. Target: proof and re-check within 30 minutes.
- ``eta25`` (with ``--eta25``, about 6 minutes on 2 cores): the shipped eta = 1/25
  instance, the whole box x0 in [xcheck + 0.05, xcheck + 0.5], |x0 y0 - 1| in [1e-3, 5e-2],
  nine x chunks, proved and re-checked on ``--processes`` processes.
- ``adaptivity`` (with ``--adaptivity``, about 12 minutes on 2 cores): the shipped
  step-size interval instance, eta in [0.00999, 0.01] in five kappa pieces, x0 in [10.05,
  10.055], |x0 y0 - 1| in [1e-3, 1.5e-3], proved and re-checked on ``--processes``
  processes.
- ``dask`` (with ``--dask``): the ``small`` certificate re-checked in 2 worker processes
  and on a local Dask cluster of 2 single-threaded worker processes (``--scheduler``); the
  ratio of their wall times is the cost of the cluster's scheduling and transfers.
"""
import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

#: Per case: step size (or interval), start box and further options of `certify
#: concentration`.
CASES = {"small": (["--eta", "1/100"], "x=xcheck+0.05:xcheck+0.055,dxy=0.001:0.0015", []),
         "full": (["--eta", "1/100"], "x=xcheck+0.05:xcheck+0.5,dxy=0.001:0.05", []),
         "eta25": (["--eta", "1/25"], "x=xcheck+0.05:xcheck+0.5,dxy=0.001:0.05",
                   ["--dx", "1/250", "--chunks", "9"]),
         "adaptivity": (["--eta-interval", "999/100000,1/100"],
                        "x=10.05:10.055,dxy=0.001:0.0015", ["--eta-pieces", "5"])}


def _timed(args):
    """(wall s, CPU s of the child and its workers) of one CLI command; raises on failure."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-m", "eos_symbolic", *args], check=True,
                   stdout=subprocess.DEVNULL)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.perf_counter() - t0, (after.ru_utime - before.ru_utime
                                      + after.ru_stime - before.ru_stime)


def _float_baseline(n):
    """Seconds of n float64 two-steps of the same map (`scaled_map.float_two_step`)."""
    from eos_symbolic.rigorous.scaled_map import float_two_step
    two = float_two_step("four-scalar", 0.1)
    t0 = time.process_time()
    for i in range(n):
        two(-0.125 + 1e-6 * i, 3.0 + 1e-6 * i)
    return time.process_time() - t0


def run_case(name, processes, folder):
    cert = Path(folder) / f"{name}.json"
    eta, box, extra = CASES[name]
    prove = _timed(["certify", "concentration", *eta, "--box", box, *extra,
                    "--processes", str(processes), "--json", str(cert)])
    recheck = _timed(["certify", "recheck", str(cert), "--processes", str(processes)])
    parts = json.loads(cert.read_text())["parts"]
    images = sum(p["chains"]["steps"] + len(p.get("zone", {}).get("cells", []))
                 + p["capture_proof"]["cells"] for p in parts)
    per_image = prove[1] / images
    base = _float_baseline(20000) / 20000
    return {"case": name, "processes": processes, "prove_wall_s": round(prove[0], 1),
            "prove_cpu_s": round(prove[1], 1), "recheck_wall_s": round(recheck[0], 1),
            "recheck_cpu_s": round(recheck[1], 1), "images": images,
            "prove_ms_per_image": round(1e3 * per_image, 3),
            "recheck_ms_per_image": round(1e3 * recheck[1] / images, 3),
            "arb_over_float64": round(per_image / base, 1),
            "total_wall_min": round((prove[0] + recheck[0]) / 60, 1)}


def dask_case(folder):
    """Wall times of the ``small`` re-check in a 2-process pool and on a 2-worker Dask
    cluster (the workers are not this process's children, so CPU time is not shown)."""
    from distributed import LocalCluster
    cert = str(Path(folder) / "small.json")
    pool = _timed(["certify", "recheck", cert, "--processes", "2"])[0]
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                      dashboard_address=":0") as cluster:
        cluster_wall = _timed(["certify", "recheck", cert, "--scheduler",
                               cluster.scheduler_address])[0]
    return {"case": "dask", "recheck_pool_wall_s": round(pool, 1),
            "recheck_dask_wall_s": round(cluster_wall, 1),
            "dask_over_pool": round(cluster_wall / pool, 2)}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--full", action="store_true", help="also the whole box (about 50 min)")
    ap.add_argument("--eta25", action="store_true", help="also the eta = 1/25 instance")
    ap.add_argument("--adaptivity", action="store_true", help="also the step-size interval "
                    "instance")
    ap.add_argument("--dask", action="store_true", help="also the small re-check on a "
                    "local Dask cluster")
    ap.add_argument("--processes", type=int, default=2, help="processes of the large cases")
    ap.add_argument("--json", help="write the results here")
    args = ap.parse_args(argv)
    out = []
    with tempfile.TemporaryDirectory() as folder:
        names = (["small"] + ["full"] * args.full + ["eta25"] * args.eta25
                 + ["adaptivity"] * args.adaptivity)
        for name in names:
            r = run_case(name, 1 if name == "small" else args.processes, folder)
            if name == "full":
                r["target_30_min"] = r["total_wall_min"] <= 30
            out.append(r)
            print("  ".join(f"{k}={v}" for k, v in r.items()), flush=True)
        if args.dask:
            out.append(dask_case(folder))
            print("  ".join(f"{k}={v}" for k, v in out[-1].items()), flush=True)
    if args.json:
        Path(args.json).write_text(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
