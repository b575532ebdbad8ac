"""The liar tests at full size: the generated corpus of user claims and the mutation test
of the paper's registry, with the counts a reviewer checks.

Run: ``python benchmarks/bench_corpus.py [--claims N] [--seed S] [--mutants] [--json FILE]``.

- corpus: N claims (default 320) drawn round-robin over every family of
  `eos_symbolic.claims.corpus` (identities with sign traps, constants close in value,
  inequalities failing at a corner or near a face, leaky invariant regions, perturbed
  expansions, trajectory limits), checked with ``verify --quick`` settings. Prints the
  verdict counts per family and the two liar counts, which must be 0: false claims called
  `verified` or `verified-numerically`, true claims `refuted`.
- ``--mutants``: every single-number / single-sign mutant of every paper claim with a
  formula (`eos_symbolic.claims.mutants`); prints the kill rate, which must be 100%, and the
  number of mutants the derivations call true that were refuted (must be 0).

Exit code 1 if a liar count is not 0 or the kill rate is below 100%.
"""
import argparse
import collections
import json
import sys
import time

from eos_symbolic.claims.checks import Context
from eos_symbolic.claims.corpus import corpus, score
from eos_symbolic.claims.verify import check_claim


def run_corpus(n, seed):
    ctx = Context(quick=True)
    per = collections.defaultdict(lambda: {"claims": 0, "seconds": 0.0, "verdicts": {}})
    results, liars = [], []
    for claim, truth, family in corpus(n, seed):
        start = time.perf_counter()
        v = check_claim(claim, ctx)
        row = per[family]
        row["claims"] += 1
        row["seconds"] += time.perf_counter() - start
        key = f"{'true' if truth else 'false'}->{v.verdict}"
        row["verdicts"][key] = row["verdicts"].get(key, 0) + 1
        if v.verdict == "refuted":  # which round caught it (exact points, search, Arb)
            how = str(v.evidence.get("found_by", "screening")).split(" (")[0]
            row.setdefault("found_by", {})[how] = row.get("found_by", {}).get(how, 0) + 1
        results.append((truth, v.verdict))
        if (not truth and v.verdict in ("verified", "verified-numerically")) or \
                (truth and v.verdict == "refuted"):
            liars.append({"family": family, "fields": claim.fields, "verdict": v.verdict})
    return score(results), dict(per), liars


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--claims", type=int, default=320)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--mutants", action="store_true")
    ap.add_argument("--json")
    args = ap.parse_args(argv)
    start = time.perf_counter()
    counts, per, liars = run_corpus(args.claims, args.seed)
    print(f"corpus: {counts['claims']} claims ({counts['true']} true, {counts['false']} "
          f"false), seed {args.seed}, {time.perf_counter() - start:.0f} s")
    for family, row in per.items():
        print(f"  {family:18s} {row['claims']:4d} claims {row['seconds']:7.1f} s  "
              + ", ".join(f"{k} {v}" for k, v in sorted(row["verdicts"].items())))
        if row.get("found_by"):
            print(f"  {'':18s} refuted by: " + ", ".join(
                f"{k} {v}" for k, v in sorted(row["found_by"].items())))
    print(f"false claims verified or verified-numerically: {counts['false_verified']}")
    print(f"true claims refuted: {counts['true_refuted']}")
    out = {"corpus": counts, "families": per, "liars": liars}
    ok = counts["false_verified"] == 0 and counts["true_refuted"] == 0
    if args.mutants:
        from eos_symbolic.claims.mutants import mutation_report
        from eos_symbolic.claims.registry import paper_claims
        t0 = time.perf_counter()
        rep = mutation_report(paper_claims(), Context(quick=True))
        for r in rep["rows"]:
            print(f"  {r['id']:5s} mutants {r['mutants']:3d}  false {r['false']:3d}  killed "
                  f"{r['killed']:3d}  true {r['true']:2d}  undecided {r['undecided']:2d}")
        print(f"mutation kill rate: {rep['killed']}/{rep['false']} = {rep['kill_rate']:.1%}; "
              f"true mutants refuted: {rep['true_refuted']} "
              f"({time.perf_counter() - t0:.0f} s)")
        out["mutation"] = rep
        ok = ok and rep["kill_rate"] == 1.0 and rep["true_refuted"] == 0
    if args.json:
        with open(args.json, "w", encoding="utf-8") as fh:
            json.dump(out, fh, indent=1, default=str)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
