"""`eos-symbolic check` and `eos-symbolic verify`: verdicts for the paper's and users' claims."""
import time

from .common import write_json


def _print_verdicts(verdicts):
    from ..claims.report import SYMBOL, key_number
    width = max(len(v["id"]) for v in verdicts)
    for v in verdicts:
        print(f"{v['id']:{width}s}  {SYMBOL[v['verdict']]:24s} {key_number(v)[:70]}")


def _run_claims(args, claims, selfchecks=()):
    from ..claims.report import write_report
    from ..claims.verify import Context, check_claims
    start = time.perf_counter()
    ctx = Context(quick=getattr(args, "quick", False), out=getattr(args, "report", None),
                  certify=getattr(args, "certify", False))
    verdicts = [v.to_json() for v in check_claims(claims, ctx)]
    seconds = time.perf_counter() - start
    _print_verdicts(verdicts)
    counts = {k: sum(v["verdict"] == k for v in verdicts)
              for k in ("verified", "verified-numerically", "refuted", "inconclusive")}
    print(", ".join(f"{n} {k}" for k, n in counts.items()) + f"  ({seconds:.1f} s)")
    write_json(args.json, verdicts)
    if getattr(args, "report", None):
        md, page = write_report(args.report, claims, verdicts, selfchecks, seconds)
        print(f"report: {md} and {page}")
    return verdicts


def _with_optimizer(claims, spec):
    """Claims naming an optimizer kind but no optimizer get ``--optimizer SPEC``."""
    from dataclasses import replace

    from ..symbolic.optimizers import parse_optimizer
    if not spec:
        return claims
    spec = parse_optimizer(spec).spec
    return [replace(c, fields={**c.fields, "optimizer": spec})
            if c.kind in ("stability-threshold", "limit-sharpness")
            and "optimizer" not in c.fields else c for c in claims]


def cmd_check(args):
    from ..claims.registry import claims_with_user_file, select
    claims = select(claims_with_user_file(args.claims), args.ids)
    _run_claims(args, _with_optimizer(claims, args.optimizer))
    return 0


def cmd_verify(args):
    from ..claims.registry import claims_with_user_file
    from ..claims.selfcheck import run_selfchecks
    claims = _with_optimizer(claims_with_user_file(args.claims), args.optimizer)
    selfchecks = run_selfchecks(quick=args.quick)
    bad = [s for s in selfchecks if s["verdict"] == "refuted"]
    print(f"derivation self-checks: {len(selfchecks) - len(bad)}/{len(selfchecks)} passed")
    for s in bad:
        print(f"  FAILED {s['id']}: {s['method']} {s['evidence']}")
    _run_claims(args, claims, selfchecks)
    # refuted paper claims are findings; a failed self-check is a defect of the toolkit
    return 1 if bad else 0


def _claim_options(s):
    """Options shared by `check` and `verify`."""
    s.add_argument("--quick", action="store_true", help="smaller samples and runs "
                   "(verify --quick: about a minute)")
    s.add_argument("--claims", metavar="FILE", help="add a user claims file (TOML)")
    s.add_argument("--report", metavar="DIR", help="write report.md and report.html here")
    s.add_argument("--json", metavar="FILE")
    s.add_argument("--certify", action="store_true",
                   help="also run the rigorous Arb path (certificates) where a claim admits it")
    s.add_argument("--optimizer", metavar="SPEC", help="update rule for claims of the kinds "
                   "stability-threshold and limit-sharpness that name none")


def register(sub):
    s = sub.add_parser("check", help="check the given claims (e.g. C9 C12)")
    s.add_argument("ids", nargs="+", metavar="CLAIM_ID")
    _claim_options(s)
    s.set_defaults(func=cmd_check)

    s = sub.add_parser("verify", help="check every claim of the paper and write a report")
    _claim_options(s)
    s.set_defaults(func=cmd_verify)
