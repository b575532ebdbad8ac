"""Whole-process startup of `trajectory` and `sweep`, with a cold and a warm kernel cache.

Run: ``python -m benchmarks.bench_startup [--runs N] [--json FILE]``.

Each case runs the command line in a fresh Python process with ``EOS_SYMBOLIC_CACHE`` set
to a new folder (cold: every kernel derived from the symbolic maps and compiled) and then
again with the same folder (warm: kernels read back and compiled by llvmlite). Times
are wall-clock seconds from the launch of the process (median of N warm runs):

- ``trajectory``: ``trajectory --model four-scalar --eta 0.2 --start x=2.5,y=0.2
  --steps 100000 --dps 30``: the moment the first step starts (the first call of the mpfr
  engine), and the whole process. Target (warm): first step within 0.5 s.
- ``sweep``: ``sweep --eta 0.2 --grid x=0.05:3.5:256 --grid y=0.05:3.5:256 --steps 20000``:
  the whole process and the time spent inside the kernel; their difference is what
  the process adds to its kernel time. Target (warm): at most 0.5 s.

Also reported: whether the warm processes imported SymPy or numba (they should not), and the
floor of a process that compiles a kernel: Python with numpy and llvmlite's native target.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

TRAJECTORY = """
import sys, time
import eos_symbolic.numeric.iterate as it
first = []
advance = it.Engine.advance
def timed(self, u, n):
    if not first:
        first.append(time.time())
    return advance(self, u, n)
it.Engine.advance = timed
from eos_symbolic.cli import main
main(["trajectory", "--model", "four-scalar", "--eta", "0.2", "--start", "x=2.5,y=0.2",
      "--steps", "100000", "--dps", "30", "--no-progress"])
print("RESULT", first[0], "sympy" in sys.modules, "numba" in sys.modules, file=sys.stderr)
"""

SWEEP = """
import sys, time
import eos_symbolic.dynamics.sweep_kernel as sk
spent = [0.0]
load = sk.sweep_kernel
class Timed:
    def __init__(self, mod):
        self.mod = mod
    def advance(self, *args):
        t = time.perf_counter()
        self.mod.advance(*args)
        spent[0] += time.perf_counter() - t
sk.sweep_kernel = lambda model, block=sk.BLOCK, rule=None: Timed(load(model, block, rule))
from eos_symbolic.cli import main
main(["sweep", "--eta", "0.2", "--grid", "x=0.05:3.5:256", "--grid", "y=0.05:3.5:256",
      "--steps", "20000", "--no-progress"])
print("RESULT", spent[0], "sympy" in sys.modules, "numba" in sys.modules, file=sys.stderr)
"""

FLOOR = """
import numpy
import llvmlite.binding as ll
ll.initialize_native_target()
ll.initialize_native_asmprinter()
"""


def launch(snippet, cache):
    env = dict(os.environ, EOS_SYMBOLIC_CACHE=cache)
    t = time.time()
    run = subprocess.run([sys.executable, "-c", snippet], capture_output=True, text=True,
                         env=env, timeout=900)
    wall = time.time() - t
    if run.returncode != 0:
        raise RuntimeError(run.stderr[-2000:])
    lines = [ln for ln in run.stderr.splitlines() if ln.startswith("RESULT")]
    fields = lines[-1].split()[1:] if lines else []
    return t, wall, fields


def case(snippet, runs):
    with tempfile.TemporaryDirectory() as cache:
        cold = launch(snippet, cache)
        warm = [launch(snippet, cache) for _ in range(runs)]
    return cold, warm


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=5, help="warm runs (median)")
    ap.add_argument("--json", metavar="FILE")
    args = ap.parse_args(argv)
    out = {}
    cold, warm = case(TRAJECTORY, args.runs)
    first = [float(f[0]) - t for t, _, f in warm]
    out["trajectory"] = {
        "cold": {"first_step_s": float(cold[2][0]) - cold[0], "process_s": cold[1]},
        "warm": {"first_step_s": statistics.median(first),
                 "process_s": statistics.median(w for _, w, _ in warm),
                 "imports_sympy": any(f[1] == "True" for *_, f in warm),
                 "imports_numba": any(f[2] == "True" for *_, f in warm)}}
    cold, warm = case(SWEEP, args.runs)
    added = [w - float(f[0]) for _, w, f in warm]
    out["sweep"] = {
        "cold": {"process_s": cold[1], "kernel_s": float(cold[2][0]),
                 "added_s": cold[1] - float(cold[2][0])},
        "warm": {"process_s": statistics.median(w for _, w, _ in warm),
                 "kernel_s": statistics.median(float(f[0]) for *_, f in warm),
                 "added_s": statistics.median(added),
                 "imports_sympy": any(f[1] == "True" for *_, f in warm),
                 "imports_numba": any(f[2] == "True" for *_, f in warm)}}
    out["floor_s"] = statistics.median(
        launch(FLOOR, tempfile.gettempdir())[1] for _ in range(args.runs))
    out["python_s"] = statistics.median(launch("pass", tempfile.gettempdir())[1]
                                        for _ in range(args.runs))
    report(out)
    if args.json:
        with open(args.json, "w", encoding="utf-8") as fh:
            json.dump(out, fh, indent=1)
    return 0


def report(out):
    t, s = out["trajectory"], out["sweep"]
    print("whole-process wall times from launch (warm: median of runs)")
    print(f"trajectory 1e5 steps at 30 digits: first step after {t['cold']['first_step_s']:.2f} s "
          f"cold, {t['warm']['first_step_s']:.2f} s warm (target <= 0.5 s "
          f"{'MET' if t['warm']['first_step_s'] <= 0.5 else 'MISSED'}); process "
          f"{t['cold']['process_s']:.2f} s cold, {t['warm']['process_s']:.2f} s warm; warm "
          f"imports SymPy: {t['warm']['imports_sympy']}, numba: {t['warm']['imports_numba']}")
    print(f"sweep 256x256 x 20000 steps: process {s['cold']['process_s']:.2f} s cold, "
          f"{s['warm']['process_s']:.2f} s warm; kernel {s['warm']['kernel_s']:.2f} s; added "
          f"{s['cold']['added_s']:.2f} s cold, {s['warm']['added_s']:.2f} s warm (target <= 0.5 s "
          f"{'MET' if s['warm']['added_s'] <= 0.5 else 'MISSED'}); warm imports SymPy: "
          f"{s['warm']['imports_sympy']}, numba: {s['warm']['imports_numba']}")
    print(f"floor: python alone {out['python_s']:.2f} s; python + numpy + llvmlite's native "
          f"target {out['floor_s']:.2f} s")


if __name__ == "__main__":
    sys.exit(main())
