"""`eos-symbolic certify ...`: computer-assisted proofs from the command line.

Subcommands: ``two-cycle`` / ``orbit`` (Krawczyk), ``flip`` (interval Newton over an eta
interval), ``remainder`` (expansion remainder bound), ``band`` (Phase-2 band, two-step),
``inequality`` (branch-and-bound on a box); ``concentration``, ``recheck`` and
``tightest-band`` (`cli.concentration`). Each prints a summary and, with ``--json FILE``,
the full certificate. Exit code 0 when the statement is proved, 1 when refuted or undecided.
"""
import re

from ..errors import EosError
from ..symbolic.limits import LIMITS
from .common import check_outputs, model_from_args, optimizer_from_args, parse_number, write_json

_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9]{0,7}$")


def _exact(text, what, positive=False):
    """`text` checked to be an exact rational (safe parser); returned as stripped text."""
    q = parse_number(text, what)
    if positive and not q > 0:
        raise EosError(f"{what}: expected a positive number, got {text!r}")
    return text.strip()


def _pairs(text, what, sep=":"):
    """``"x=0.9,y=0.9"`` -> {x: "0.9", ...}; with `sep`, ``"a=lo:hi"`` -> {a: (lo, hi)} with
    lo <= hi. Every value is checked by the safe parser."""
    out = {}
    for item in (text or "").split(","):
        if not item.strip():
            continue
        name, eq, value = item.partition("=")
        name = name.strip()
        if not eq or not _NAME.match(name):
            raise EosError(f"{what}: expected NAME=VALUE items, got {item!r}")
        if name in out:
            raise EosError(f"{what}: {name} is given twice")
        if sep:
            parts = value.split(sep)
            if len(parts) != 2:
                raise EosError(f"{what}: expected NAME=LO{sep}HI, got {item!r}")
            lo, hi = (_exact(v, f"{what} {name}") for v in parts)
            if parse_number(lo, what) > parse_number(hi, what):
                raise EosError(f"{what} {name}: expected LO <= HI, got {lo}{sep}{hi}")
            out[name] = (lo, hi)
        else:
            out[name] = _exact(value, f"{what} {name}")
    if not out:
        raise EosError(f"{what}: nothing given (e.g. x=0.9,y=0.9)")
    return out


def _interval(text, what, positive=False):
    parts = [p.strip() for p in (text or "").split(",")]
    if len(parts) != 2:
        raise EosError(f"{what}: expected LO,HI (e.g. 1/10,1/5), got {text!r}")
    lo, hi = (_exact(v, what, positive) for v in parts)
    if parse_number(lo, what) > parse_number(hi, what):
        raise EosError(f"{what}: expected LO <= HI, got {text!r}")
    return [lo, hi]


def _check_sizes(args):
    """Integer options within their documented ranges (one line naming the option)."""
    for name, lo, hi in (("dps", 10, LIMITS.claim_dps), ("period", 1, 64),
                         ("pieces", 1, 4096), ("budget", 1, LIMITS.certify_boxes),
                         ("steps", 1, 4)):
        v = getattr(args, name, None)
        if v is not None and not lo <= v <= hi:
            raise EosError(f"--{name}: expected an integer from {lo} to {hi}, got {v}")
    check_outputs(args, "json")


def cmd_orbit(args):
    from ..rigorous.krawczyk import prove_orbit
    _check_sizes(args)
    rule = optimizer_from_args(args)
    model = model_from_args(args, rule=rule)
    near = _pairs(args.near, "--near", sep=None)
    names = [str(c) for c in rule.state_symbols(model)]
    missing = [n for n in names if n not in near]
    if missing:
        raise EosError(f"--near: give every state variable of {model.name} under "
                       f"{rule.spec} ({', '.join(missing)} missing)")
    eta = _interval(args.eta, "--eta", True) if "," in args.eta else _exact(args.eta, "--eta",
                                                                             True)
    _exact(args.radius, "--radius", positive=True)
    res = prove_orbit(model, eta, [near[n] for n in names], period=args.period,
                      radius=args.radius, dps=args.dps, rule=rule)
    print(f"{model.name}, eta = {res.eta}: period-{res.period} orbit {res.status} "
          f"({res.seconds:.2f} s){' - ' + res.reason if res.reason else ''}")
    for i, box in enumerate(res.boxes):
        print(f"  point {i}: ({', '.join(box)})")
    if res.status == "proved":
        print(f"  multipliers: {', '.join(map(str, res.multipliers))} -> {res.stability}")
        top = "2/eta" if rule.is_gd or not rule.smooth else "threshold"
        for i, gap in enumerate(res.sharpness_minus_two_over_eta):
            print(f"  point {i}: sharpness {res.sharpness[i]}, sharpness - {top} {gap}")
    write_json(args.json, res.to_dict())
    return 0 if res.status == "proved" else 1


def cmd_flip(args):
    from ..rigorous.flip import prove_flip
    _check_sizes(args)
    rule = optimizer_from_args(args)
    model = model_from_args(args, rule=rule)
    lo, hi = _interval(args.eta_interval, "--eta-interval", positive=True)
    res = prove_flip(model, lo, hi, pieces=args.pieces, dps=args.dps, rule=rule)
    what = ("normal multiplier 1 - eta S = -1" if rule.is_gd else
            f"{rule.spec}: a multiplier of its Jacobian = -1")
    print(f"{model.name}: flip of the minima ({what}) {res.status} "
          f"for every eta in [{res.eta_lo}, {res.eta_hi}] with {len(res.pieces)} eta pieces "
          f"({res.seconds:.2f} s)")
    if res.status == "proved" and rule.is_gd:
        print(f"  EoS minima enclosed in ({', '.join(res.hull)}); multiplier slope "
              f"d(1 - eta S)/du in {res.pieces[0]['d_multiplier_du']} (first piece): "
              "transversal, stable before, unstable after")
    elif res.status == "proved":
        print(f"  its EoS minima enclosed in ({', '.join(res.hull)}); the flip factor f(u, eta) "
              f"has -df/du in {res.pieces[0]['d_multiplier_du']} (first piece, nonzero): a "
              "transversal crossing")
    write_json(args.json, res.to_dict())
    return 0 if res.status == "proved" else 1


def cmd_remainder(args):
    from ..rigorous.remainder_bound import remainder_bound
    _check_sizes(args)
    box = _pairs(args.box, "--box")
    res = remainder_bound(box, model=args.model or "four-scalar", steps=args.steps,
                          component=args.component, budget=args.budget, dps=args.dps)
    print(f"{res['statement']} on a in {res['box']['a']}, b in {res['box']['b']}, kappa in "
          f"{res['box']['kappa']}:")
    print(f"  B = {res['bound']} (sup |R| >= {res['attained_at_least']} at a box midpoint; "
          f"{res['boxes']} boxes, {res['seconds']} s)")
    write_json(args.json, res)
    return 0


def cmd_band(args):
    from ..rigorous.band import prove_band
    _check_sizes(args)
    _exact(args.kappa, "--kappa", positive=True)
    res = prove_band(args.kappa, _interval(args.a_range, "--a-range"),
                     model=args.model or "four-scalar", steps=args.steps, budget=args.budget)
    print(f"{res['statement']}: {res['status']} ({res['boxes']} boxes, {res['seconds']} s)")
    for name, part in res["parts"].items():
        extra = (f" at (a, r) = ({part['violating_point']['a']}, {part['violating_point']['r']}),"
                 f" margin {part['violating_value']}" if part.get("violating_point") else "")
        print(f"  {name}: {part['status']} with {part['boxes']} boxes{extra}")
    write_json(args.json, res)
    return 0 if res["status"] == "proved" else 1


def cmd_inequality(args):
    from ..claims.fields import margin_expression, parse_relation
    from ..rigorous.intervals import prove_positive
    from ..symbolic.parser import parse_expression
    _check_sizes(args)
    lhs, rel, rhs = parse_relation(args.inequality, "inequality")
    m = margin_expression(lhs, rel, rhs)
    box = _pairs(args.box, "--box")
    syms = [parse_expression(n, "--box") for n in box]
    extra = m.free_symbols - set(syms)
    if extra:
        raise EosError(f"--box: no range for {', '.join(sorted(map(str, extra)))}")
    res = prove_positive(m, syms, [box[str(s)] for s in syms], strict=rel in ("<", ">"),
                         budget=args.budget)
    print(f"{args.inequality}: {res.status} ({res.boxes} boxes, {res.seconds:.2f} s)")
    if res.point:
        print(f"  verified violating point {res.point}: margin {res.value}")
    write_json(args.json, res.certificate(syms))
    return 0 if res.status == "proved" else 1


def register(sub):
    """Register ``certify`` and its subcommands on the CLI's subparsers."""
    p = sub.add_parser("certify", help="interval proofs: orbits, flips, remainders, band")
    cs = p.add_subparsers(dest="what", required=True)

    def common(s, model=True):
        if model:
            s.add_argument("--model", help="built-in model (default four-scalar)")
        s.add_argument("--dps", type=int, default=30, help="Arb working digits")
        s.add_argument("--json", metavar="FILE", help="write the certificate here")

    for name in ("two-cycle", "orbit"):
        s = cs.add_parser(name, help="Krawczyk proof of a periodic orbit, with stability")
        common(s)
        s.add_argument("--loss", help="user loss, e.g. '(1 - x*y*z*w)**2/2'")
        s.add_argument("--tie", action="append", help="tie for --loss (repeatable)")
        s.add_argument("--eta", required=True, help="step size (exact, e.g. 3/5) or LO,HI")
        s.add_argument("--near", required=True, help="approximate orbit point, e.g. x=0.9,y=0.9")
        s.add_argument("--period", type=int, default=2)
        s.add_argument("--optimizer", metavar="SPEC", help="an orbit of this update rule's "
                       "map (default gd; momentum: --near gives xprev, yprev too)")
        s.add_argument("--radius", default="1e-12", help="half-width of the Krawczyk box")
        s.set_defaults(func=cmd_orbit, dps=40)

    s = cs.add_parser("flip", help="interval-Newton proof of the EoS flip for eta in LO,HI")
    common(s)
    s.add_argument("--optimizer", metavar="SPEC", help="the flip of this update rule's map "
                   "(default gd)")
    s.add_argument("--eta-interval", required=True, help="LO,HI, e.g. 1/10,1/5")
    s.add_argument("--pieces", type=int, default=8, help="initial split of the eta interval")
    s.set_defaults(func=cmd_flip)

    s = cs.add_parser("remainder", help="bound |R| of the truncated 1- or 2-step expansion")
    common(s)
    s.add_argument("--box", default="a=-1/1000:1/1000,b=-1/100:1/100,kappa=1/20:1/10",
                   help="a=LO:HI,b=LO:HI,kappa=LO:HI")
    s.add_argument("--steps", type=int, choices=[1, 2], default=2)
    s.add_argument("--component", choices=["a", "b"], default="a")
    s.add_argument("--budget", type=int, default=4000, help="maximum number of boxes")
    s.set_defaults(func=cmd_remainder)

    s = cs.add_parser("band", help="two-step invariance of the Phase-2 band at fixed kappa")
    common(s)
    s.add_argument("--kappa", default="1/10")
    s.add_argument("--a-range", default="1/200,1/50", help="LO,HI")
    s.add_argument("--steps", type=int, default=2)
    s.add_argument("--budget", type=int, default=20000)
    s.set_defaults(func=cmd_band)

    s = cs.add_parser("inequality", help="branch-and-bound proof of 'lhs REL rhs' on a box")
    common(s, model=False)
    s.add_argument("inequality", help="e.g. 'x**2 + y**2 >= 2*x*y - 1/10'")
    s.add_argument("--box", required=True, help="x=LO:HI,y=LO:HI,...")
    s.add_argument("--budget", type=int, default=20000)
    s.set_defaults(func=cmd_inequality)

    from .concentration import register as register_concentration
    register_concentration(cs, common)
