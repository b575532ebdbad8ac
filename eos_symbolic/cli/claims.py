"""`eos-symbolic check` and `eos-symbolic verify`: verdicts for the paper's and users' claims."""
import time

from .common import check_outputs, write_json

#: Where `verify` writes its report unless `--report DIR` or `--no-report` is given.
DEFAULT_REPORT = "reports"


def _print_verdicts(claims, verdicts):
    from ..claims.summary import SYMBOL, abbreviate, headline, wrap
    by_id = {c.id: c for c in claims}
    width = max(len(v["id"]) for v in verdicts)
    for v in verdicts:
        text = abbreviate(headline(v, by_id.get(v["id"])).replace("**", "^"))
        print(wrap(f"{v['id']:{width}s} {SYMBOL[v['verdict']]} ", text))


def _run_claims(args, claims, selfchecks=None, seconds=None):
    from ..claims.report import write_report
    from ..claims.summary import closing_lines
    from ..claims.verify import Context, check_claims
    report = getattr(args, "report", None)
    start = time.perf_counter()
    ctx = Context(quick=getattr(args, "quick", False), out=report,
                  certify=getattr(args, "certify", False))
    verdicts = [v.to_json() for v in check_claims(claims, ctx)]
    seconds = {**(seconds or {}), "claims": time.perf_counter() - start}
    _print_verdicts(claims, verdicts)
    write_json(args.json, verdicts)
    page = None
    if report:
        start = time.perf_counter()
        _, page = write_report(report, claims, verdicts, selfchecks or (),
                               sum(seconds.values()))
        seconds["report"] = time.perf_counter() - start
    hint = ("not written; add --report DIR for report.html (figures embedded) and report.md"
            + ("" if args.json else ", --json FILE for the verdicts as JSON"))
    print()
    for line in closing_lines(claims, verdicts, selfchecks, seconds, page, hint):
        print(line)
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
    check_outputs(args, "json", directories=("report",))
    claims = select(claims_with_user_file(args.claims), args.ids)
    _run_claims(args, _with_optimizer(claims, args.optimizer))
    return 0


def cmd_verify(args):
    from ..claims.registry import claims_with_user_file
    from ..claims.selfcheck import NOT_APPLICABLE, run_selfchecks
    from ..claims.summary import selfcheck_counts, wrap
    if args.no_report:
        args.report = None
    elif not args.report:
        args.report = DEFAULT_REPORT
    check_outputs(args, "json", directories=("report",))
    claims = _with_optimizer(claims_with_user_file(args.claims), args.optimizer)
    start = time.perf_counter()
    selfchecks = run_selfchecks(quick=args.quick)
    seconds = {"self-checks": time.perf_counter() - start}
    passed, failed, na, undecided = selfcheck_counts(selfchecks)
    print(f"derivation self-checks: {passed} of {len(selfchecks)} passed"
          + (f", {failed} FAILED" if failed else "")
          + (f", {na} not applicable to their model" if na else "")
          + (f", {undecided} undecided" if undecided else ""))
    for s in selfchecks:
        if s["verdict"] == "refuted" or (s["verdict"] == "inconclusive"
                                         and s["method"] != NOT_APPLICABLE):
            word = "FAILED" if s["verdict"] == "refuted" else "undecided"
            reason = (s.get("evidence") or {}).get("reason", s["method"])
            print(wrap(f"  {word} {s['id']}: ", str(reason)))
    _run_claims(args, claims, selfchecks, seconds)
    # refuted paper claims are findings; a failed self-check is a defect of the toolkit
    return 1 if failed else 0


def _claim_options(s, report_help):
    """Options shared by `check` and `verify`."""
    s.add_argument("--quick", action="store_true", help="smaller samples and runs "
                   "(verify --quick: about a minute)")
    s.add_argument("--claims", metavar="FILE", help="add a user claims file (TOML)")
    s.add_argument("--report", metavar="DIR", help=report_help)
    s.add_argument("--json", metavar="FILE", help="write the verdicts as JSON")
    s.add_argument("--certify", action="store_true",
                   help="also run the rigorous Arb path (certificates) where a claim admits it")
    s.add_argument("--optimizer", metavar="SPEC", help="update rule for claims of the kinds "
                   "stability-threshold and limit-sharpness that name none")


def register(sub):
    s = sub.add_parser("check", help="check the given claims (e.g. C9 C12)")
    s.add_argument("ids", nargs="+", metavar="CLAIM_ID")
    _claim_options(s, "write report.html (figures embedded) and report.md here")
    s.set_defaults(func=cmd_check)

    s = sub.add_parser("verify", help="check every claim of the paper and write a report")
    _claim_options(s, f"write report.html and report.md here (default: {DEFAULT_REPORT}/)")
    s.add_argument("--no-report", action="store_true", help="write no report")
    s.set_defaults(func=cmd_verify)
