"""`eos-symbolic figures`: the paper's figures with their key numbers, or with
``--optimizer SPEC`` the F2b experiment and the certified limit runs under that rule."""
import time

from ..symbolic.optimizers import parse_optimizer
from .common import check_outputs, write_json


def cmd_figures(args):
    if args.optimizer:
        return _optimizer_figures(args)
    from ..claims.figure_settings import figure_settings
    from ..dynamics.paper_figures import make_figures
    check_outputs(args, "json", directories=("out",))
    made, keys, seconds = make_figures(figure_settings(), args.out, quick=args.quick)
    for name, key in keys.items():
        print(f"{name}: {key}")
    print(f"figures written under {args.out}/ in {seconds:.1f} s")
    write_json(args.json, {"files": made, "numbers": keys, "seconds": seconds})
    return 0


def _optimizer_figures(args):
    from ..dynamics.figures import plot_rule_concentration
    from ..dynamics.rule_experiments import agreement, limit_runs, rule_concentration
    from ..local.render import rule_tag
    from ..symbolic.models import get_model
    check_outputs(args, "json", directories=("out",))
    start, out = time.perf_counter(), []
    model = get_model(args.model or "four-scalar")
    for spec in args.optimizer:
        rule = parse_optimizer(spec).bind(model)
        cm = rule_concentration(model, rule, n=128 if args.quick else 512)
        stem = f"{args.out}/F2b_{model.name}_{rule_tag(rule)}"
        files = [str(p) for p in plot_rule_concentration(cm, stem, pdf=not args.quick)]
        row = {"optimizer": rule.spec, "files": files, "threshold": cm["threshold"],
               **{k: cm[k] for k in ("converged", "diverged", "concentrated",
                                     "largest_region_fraction", "ratio_quantiles",
                                     "within_1_percent")}}
        print(f"{rule.spec}: F2b grid ({128 if args.quick else 512}^2, eta = {cm['eta']:g}, "
              f"threshold {cm['threshold']:.6g}): {cm['converged']:.1%} converge, "
              f"{cm['concentrated']:.2%} end in (threshold - {cm['band']:g}, threshold), "
              f"largest such region {cm['largest_region_fraction']:.2%}; median S/threshold "
              f"{cm['ratio_quantiles'][0.5]:.3f} -> {files[0]}")
        if rule.smooth:
            pred, runs = limit_runs(model, rule, ("0.2", "0.14") if args.quick else
                                    ("0.2", "0.14", "0.1"))
            errors, rates = agreement(pred, runs)
            row.update({"prediction": {"curve_type": pred["curve_type"],
                                       "a_over_kappa3": str(pred["a_over_kappa3"]),
                                       "gap_over_eta": str(pred["gap_over_eta"]),
                                       "limit_sharpness": f"{pred['limit_sharpness']} + "
                                                          f"O({pred['error']})"},
                        "runs": runs, "rates": rates})
            measured = ", ".join(f"{r['gap_over_eta']:.5f} (kappa {r['kappa']})" for r in runs
                                 if r["gap_over_eta"] is not None)
            print(f"  normal form ({pred['ray'].spec}): {pred['curve_type']}, S = "
                  f"{pred['limit_sharpness']} + O({pred['error']}); certified runs: "
                  f"(threshold - S)/eta = {measured} vs {pred['gap_over_eta']} = "
                  f"{float(pred['gap_over_eta']):.5f}; error ratios "
                  + ", ".join(f"{r['measured']:.2f} (expected {r['expected']:.2f})"
                              for r in rates))
        out.append(row)
    seconds = time.perf_counter() - start
    print(f"optimizer figures written under {args.out}/ in {seconds:.1f} s")
    write_json(args.json, {"optimizers": out, "seconds": seconds})
    return 0


def register(sub):
    s = sub.add_parser("figures", help="regenerate the paper's figures F2, F3, F5, F6, F7")
    s.add_argument("--out", default="figures", help="folder for PNG + PDF (default figures)")
    s.add_argument("--quick", action="store_true", help="smaller grids (under a minute)")
    s.add_argument("--optimizer", action="append", metavar="SPEC", help="instead: the F2b "
                   "experiment and certified limit runs under this update rule (repeatable)")
    s.add_argument("--model", help="model for --optimizer (default four-scalar)")
    s.add_argument("--json", metavar="FILE")
    s.set_defaults(func=cmd_figures)
