"""`eos-symbolic figures`: the paper's figures with their key numbers, or with
``--optimizer SPEC`` the F2b experiment and the certified limit runs under that rule."""
import time

from ..errors import EosError
from ..symbolic.optimizers import parse_optimizer
from .common import check_outputs, number_option, write_json


def cmd_figures(args):
    if args.optimizer:
        return _optimizer_figures(args)
    if args.eta or args.model:
        raise EosError("figures: --eta and --model apply to --optimizer runs only")
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
    from ..dynamics.rule_experiments import (
        agreement,
        default_kappas,
        limit_runs,
        prediction,
        rule_concentration,
    )
    from ..local.render import rule_tag
    from ..symbolic.models import get_model
    check_outputs(args, "json", directories=("out",))
    start, out = time.perf_counter(), []
    model = get_model(args.model or "four-scalar")
    for spec in args.optimizer:
        rule = parse_optimizer(spec).bind(model)
        eta_value = number_option(args.eta, "--eta", positive=True) if args.eta else 0.2
        cm = rule_concentration(model, rule, eta_value, n=128 if args.quick else 512)
        stem = f"{args.out}/F2b_{model.name}_{rule_tag(rule)}"
        files = [str(p) for p in plot_rule_concentration(cm, stem, pdf=not args.quick)]
        row = {"optimizer": rule.spec, "files": files, "threshold": cm["threshold"],
               **{k: cm[k] for k in ("converged", "diverged", "concentrated",
                                     "largest_region_fraction", "ratio_quantiles",
                                     "within_1_percent")}}
        top = f"threshold {cm['threshold']:.6g}" if rule.smooth else \
            f"no threshold (not smooth at minima), 2/eta = {cm['threshold']:.6g} used"
        print(f"{rule.spec}: F2b grid ({128 if args.quick else 512}^2, eta = {cm['eta']:g}, "
              f"{top}): {cm['converged']:.1%} converge, "
              f"{cm['concentrated']:.2%} end in (threshold - {cm['band']:g}, threshold), "
              f"largest such region {cm['largest_region_fraction']:.2%}; median S/threshold "
              f"{_fmt(cm['ratio_quantiles'][0.5])} -> {files[0]}")
        try:
            pred = prediction(model, rule)
        except EosError as exc:
            print(f"  no normal-form prediction: {exc}")
            pred = None
        if pred is not None and pred["curve_type"] != "parabola (attracting)":
            print(f"  normal form ({pred['ray'].spec}): {pred['curve_type']}: no attracting "
                  "curve, so no sharpness concentration predicted (end points depend on the "
                  "start)")
            row["prediction"] = {"curve_type": pred["curve_type"]}
        elif pred is not None:
            pred, runs = limit_runs(model, rule, default_kappas(pred, args.quick))
            errors, rates = agreement(pred, runs)
            j = pred["gap_power"]
            scale = "eta" if j == 1 else f"eta^{j}"
            row.update({"prediction": {"curve_type": pred["curve_type"],
                                       "end": f"{pred['end']} kappa^{pred['end_power']}",
                                       "gap": f"{pred['gap']} eta^{j}",
                                       "limit_sharpness": f"{pred['limit_sharpness']} + "
                                                          f"O({pred['error']})"},
                        "runs": runs, "rates": rates})
            measured = ", ".join(f"{r['gap_scaled']:.5f} (kappa {r['kappa']})" for r in runs
                                 if r["gap_scaled"] is not None)
            print(f"  normal form ({pred['ray'].spec}): {pred['curve_type']}, S = "
                  f"{pred['limit_sharpness']} + O({pred['error']}); certified runs: "
                  f"(threshold - S)/{scale} = {measured} vs {pred['gap']} = "
                  f"{float(pred['gap']):.5f}; error ratios "
                  + ", ".join(f"{r['measured']:.2f} (expected {r['expected']:.2f})"
                              for r in rates))
        out.append(row)
    seconds = time.perf_counter() - start
    print(f"optimizer figures written under {args.out}/ in {seconds:.1f} s")
    write_json(args.json, {"optimizers": out, "seconds": seconds})
    return 0


def _fmt(v):
    return "n/a (none converged)" if v is None else f"{v:.3f}"


def register(sub):
    s = sub.add_parser("figures", help="regenerate the paper's figures F2, F3, F5, F6, F7")
    s.add_argument("--out", default="figures", help="folder for PNG + PDF (default figures)")
    s.add_argument("--quick", action="store_true", help="smaller grids (under a minute)")
    s.add_argument("--optimizer", action="append", metavar="SPEC", help="instead: the F2b "
                   "experiment and certified limit runs under this update rule (repeatable)")
    s.add_argument("--model", help="model for --optimizer (default four-scalar)")
    s.add_argument("--eta", help="step size of the --optimizer sweeps (default 0.2, as F2b)")
    s.add_argument("--json", metavar="FILE")
    s.set_defaults(func=cmd_figures)
