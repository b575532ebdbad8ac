"""CPU time of `verify --quick` in this tree against other trees, with their verdicts.

Run: ``python -m benchmarks.bench_verify BASELINE_TREE [OTHER_TREE ...] [--rounds N]
[--json FILE]``.

Each tree (this one first, then the others) runs ``python -m eos_symbolic verify --quick
--no-report --json FILE`` in a fresh process from its own root, so that its own package
shadows the installed one; rounds are interleaved (tree by tree) and the CPU time is the
child's user + system time (`resource.getrusage`), so other tenants of a shared machine
slow every tree alike. This tree runs with an empty kernel cache each round
(``EOS_SYMBOLIC_CACHE`` a new folder): nothing carried over from an earlier process.
Reported: the median CPU seconds per tree, the ratio of this tree to each other one, and
whether the verdicts (claim id -> verdict) are identical. Target: at most 0.6x the
baseline, with the same verdicts.

A tree older than the report options (``--no-report``) gets ``--report`` into a temporary
folder instead.
"""
import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent.parent


def verdicts(path):
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    rows = data.get("claims", data) if isinstance(data, dict) else data
    if isinstance(rows, dict):
        rows = list(rows.values())
    return {r["id"]: r["verdict"] for r in rows if isinstance(r, dict) and "id" in r}


def run(tree, scratch):
    out = Path(scratch) / "verdicts.json"
    env = dict(os.environ, EOS_SYMBOLIC_CACHE=str(Path(scratch) / "cache"))
    help_text = subprocess.run([sys.executable, "-m", "eos_symbolic", "verify", "--help"],
                               cwd=tree, capture_output=True, text=True, env=env).stdout
    report = ["--no-report"] if "--no-report" in help_text else [
        "--report", str(Path(scratch) / "report")]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    done = subprocess.run([sys.executable, "-m", "eos_symbolic", "verify", "--quick",
                           "--json", str(out)] + report, cwd=tree, capture_output=True,
                          text=True, env=env)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0 or not out.exists():
        raise RuntimeError(f"{tree}: exit {done.returncode}\n{done.stderr[-2000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return cpu, verdicts(out)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("trees", nargs="+", help="other source trees (the first is the baseline)")
    ap.add_argument("--rounds", type=int, default=1)
    ap.add_argument("--json", metavar="FILE")
    args = ap.parse_args(argv)
    trees = [str(HERE)] + [str(Path(t).resolve()) for t in args.trees]
    cpu, seen = {t: [] for t in trees}, {}
    for _ in range(args.rounds):
        for tree in trees:
            with tempfile.TemporaryDirectory() as scratch:
                seconds, v = run(tree, scratch)
            cpu[tree].append(seconds)
            seen[tree] = v
    med = {t: statistics.median(v) for t, v in cpu.items()}
    mine = trees[0]
    print(f"verify --quick CPU seconds (median of {args.rounds}): " + ", ".join(
        f"{t} {s:.1f}" for t, s in med.items()))
    res = {"cpu_s": med, "ratios": {}, "same_verdicts": {}}
    for t in trees[1:]:
        same = seen[t] == seen[mine]
        diff = {k: (seen[t].get(k), seen[mine].get(k)) for k in set(seen[t]) | set(seen[mine])
                if seen[t].get(k) != seen[mine].get(k)}
        res["ratios"][t], res["same_verdicts"][t] = med[mine] / med[t], same
        need = " (target <= 0.6x " + ("MET" if med[mine] / med[t] <= 0.6 else "MISSED") + ")" \
            if t == trees[1] else ""
        print(f"this tree / {t} = {med[mine] / med[t]:.3f}x{need}; verdicts of "
              f"{len(seen[mine])} claims " + ("identical" if same else
                                             f"differ: {dict(sorted(diff.items()))}"))
    if args.json:
        Path(args.json).write_text(json.dumps(res, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
