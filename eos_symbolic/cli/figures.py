"""`eos-symbolic figures`: the paper's figures with their key numbers."""
from .common import check_outputs, write_json


def cmd_figures(args):
    from ..claims.figure_settings import figure_settings
    from ..dynamics.paper_figures import make_figures
    check_outputs(args, "json", directories=("out",))
    made, keys, seconds = make_figures(figure_settings(), args.out, quick=args.quick)
    for name, key in keys.items():
        print(f"{name}: {key}")
    print(f"figures written under {args.out}/ in {seconds:.1f} s")
    write_json(args.json, {"files": made, "numbers": keys, "seconds": seconds})
    return 0


def register(sub):
    s = sub.add_parser("figures", help="regenerate the paper's figures F2, F3, F5, F6, F7")
    s.add_argument("--out", default="figures", help="folder for PNG + PDF (default figures)")
    s.add_argument("--quick", action="store_true", help="smaller grids (under a minute)")
    s.add_argument("--json", metavar="FILE")
    s.set_defaults(func=cmd_figures)
