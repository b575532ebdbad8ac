"""Assemble every exact derivation of a model as named SymPy objects (the `derivations/` content).

Each section is a pure function of the model yielding `Derivation` records; a section that
does not apply to a model raises `EosError`, which becomes an "unavailable" note with the
reason. Later capabilities add their sections to `SECTIONS`.
"""
from dataclasses import dataclass

import mpmath
import sympy as sp

from .errors import EosError
from .minima import eos_minima, eos_range, minima_manifold, sharpness_on_minima
from .normal_form import normal_forms
from .orbits import fixed_points, gd_map_2, real_two_cycles, two_cycles
from .remainder import remainder_estimate
from .reparam import reparameterise
from .spectrum import characteristic_factors, hessian_eigenvalues
from .symbols import b, eta, lam, u


@dataclass(frozen=True)
class Derivation:
    """One named result: `value` is a SymPy object written with `str` to JSON."""

    name: str
    title: str
    value: object
    note: str = ""


def _tuple(items):
    return sp.Tuple(*items)


def basics(model):
    """Loss, ties (each proved GD-invariant at construction), gradient, Hessian, spectrum."""
    yield Derivation("loss", "Loss", model.loss)
    if model.ties:
        yield Derivation("ties", "Ties (GD-invariant: dL/dv - dL/du = 0 on the tied set)",
                         _tuple(sp.Eq(v, w) for v, w in model.ties),
                         "Each tie v = u was checked exactly: (dL/dv - dL/du)|ties expands to 0.")
    yield Derivation("gradient", "Gradient over all parameters", _tuple(model.gradient))
    yield Derivation("hessian", "Hessian over all parameters", model.hessian)
    if model.ties:
        yield Derivation("hessian_tied", "Hessian at the tied point", model.tied_hessian)
    charpoly = sp.Mul(*[f ** m for f, m in characteristic_factors(model)])
    yield Derivation("characteristic_polynomial",
                     "det(lambda I - H) at the tied point, factored over QQ", charpoly)
    yield Derivation("hessian_eigenvalues", "Hessian eigenvalues at the tied point",
                     _tuple(hessian_eigenvalues(model)),
                     "Roots of the factors above; quadratic factors give the '+' root first.")


def maps(model):
    """The reduced one-step GD map, its Jacobian and the two-step composition."""
    yield Derivation("gd_map", "Reduced GD map (x, y) -> (x', y')", _tuple(model.gd_map))
    yield Derivation("gd_jacobian", "Jacobian of the reduced map", model.jacobian)
    yield Derivation("gd_map_2", "Two-step map F(F(p)), expanded", _tuple(gd_map_2(model)))


def orbits(model):
    """Fixed-point sets with multipliers and flips; the factored period-2 condition."""
    rows = []
    for fs in fixed_points(model):
        where = (sp.Eq(fs.equation, 0) if fs.equation is not None
                 else _tuple(sp.Eq(v, p) for v, p in zip(model.coords, fs.point)))
        param = _tuple(sp.Eq(v, e) for v, e in (fs.param or {}).items())
        rows.append(_tuple([where, param, _tuple(fs.multipliers), _tuple(fs.flips)]))
    yield Derivation("fixed_points", "Fixed-point sets (where, parametrisation by u, multipliers, "
                     "flip conditions)", _tuple(rows),
                     "Multipliers are 1 - eta*mu for the eigenvalues mu of the gradient field's "
                     "Jacobian on the set; a flip (multiplier -1) happens at eta = 2/mu.")
    tc = two_cycles(model)
    if tc is None:
        raise EosError(f"2-cycles: the reduced map has {len(model.coords)} coordinates; the "
                       "period-2 factorisation is implemented for 2-D maps")
    lines = _tuple(_tuple([line, _tuple(fs)]) for line, fs in tc.lines.items())
    eliminant = _tuple(tc.eliminant) if tc.eliminant is not None else sp.S.EmptySet
    yield Derivation("two_cycles", "Period-2 condition F(F(p)) - p = G * (Q1, Q2): "
                     "(G, eliminant factors of res_y(Q1, Q2), invariant lines with their 1-D "
                     "period-2 factors)", _tuple([tc.common, eliminant, lines]),
                     "G collects the fixed-point curves. The eliminant's factors in (x, eta) hold "
                     "every remaining period-2 point and the flip points where 2-cycles meet the "
                     "fixed curves. EmptySet means the eliminant was not computed (degree cap)."
                     + "".join(f"\n- eliminant factor {i + 1} (degree {sp.degree(f, model.coords[0])}"
                               f" in {model.coords[0]}): {_classify(model, tc, f)}"
                               for i, f in enumerate(tc.eliminant or ())))
    if tc.eliminant is not None:
        for value in ("1/5", "3/5"):
            name = f"two_cycle_points_eta_{value.replace('/', '_')}"
            title = f"Real 2-cycle points at eta = {value} (20 digits)"
            try:
                with mpmath.workdps(30):
                    pts = [[sp.Float(mpmath.nstr(v, 20, strip_zeros=False), 20) for v in p]
                           for p, _ in real_two_cycles(model, value, dps=30)]
            except EosError as exc:
                yield Derivation(name, title, sp.S.EmptySet, f"Not computed: {exc}.")
                continue
            yield Derivation(name, title, _tuple(_tuple(p) for p in pts),
                             "Each point p has F(p) != p and F(F(p)) = p to 15 digits at 30-digit "
                             "working precision.")


def _classify(model, tc, factor):
    """Plain-words reading of one eliminant factor of the period-2 system."""
    lines = [str(line) for line, fs in tc.lines.items() if factor in fs]
    if lines:
        return "2-cycles on the invariant line(s) " + " and ".join(lines)
    if _vanishes_at_eos_minima(model, factor):
        return ("vanishes at the EoS minima: flip points on the minima, where the 2-cycle "
                "branch meets the fixed curve (not a 2-cycle)")
    coeffs = sp.Poly(factor, model.coords[0], eta).coeffs()
    if all(c > 0 for c in coeffs) or all(c < 0 for c in coeffs):
        return "no real point for eta > 0 (all coefficients of one sign, even powers)" if all(
            k % 2 == 0 for (k, _) in sp.Poly(factor, model.coords[0], eta).monoms()) else \
            "no positive real root for eta > 0 (all coefficients of one sign)"
    return "other period-2 points (see the sampled points below)"


def _vanishes_at_eos_minima(model, factor):
    """Does `factor(x, eta)` vanish at the first coordinate of every EoS minimum (tested at
    eta = eos_range/3 to 30 digits)?"""
    try:
        _, poly = eos_minima(model)
        param, e = minima_manifold(model)[0].param, eos_range(model) / 3
    except EosError:
        return False
    roots = [r for r in sp.Poly(poly.subs(eta, e), u).nroots(n=30) if r.is_real and r > 0]
    first = model.coords[0]
    return bool(roots) and all(
        abs(sp.N(factor.subs({eta: e, first: param[first].subs(u, r)}), 30)) < 1e-20
        for r in roots)


def minima(model):
    """Minima manifold, sharpness on it, the EoS minimum, its range and its flip."""
    manifold = minima_manifold(model)
    yield Derivation("minima", "Global minima (loss = 0): curves and parametrisation",
                     _tuple(_tuple([sp.Eq(m.equation, 0),
                                    _tuple(sp.Eq(v, e) for v, e in (m.param or {}).items())])
                            for m in manifold))
    S = sharpness_on_minima(model)
    yield Derivation("sharpness_at_minimum", "Sharpness S(u) on the positive branch", S,
                     "The only nonzero Hessian eigenvalue on the minima (the others vanish).")
    top = eos_range(model)
    yield Derivation("eos_range", "Step sizes with an eta-EoS minimum", sp.Interval.open(0, top),
                     "eta < 2 / min_u S(u); at the upper end the EoS minima merge.")
    points, poly = eos_minima(model)
    yield Derivation("eos_condition", "EoS condition S(u) = 2/eta as a polynomial in u", poly)
    if points:
        yield Derivation("eos_minimum", "eta-EoS minimum (larger first coordinate)", points[0])
        yield Derivation("eos_minima", "All eta-EoS minima on the positive branch", _tuple(points))
    manifold_fixed = [fs for fs in fixed_points(model) if fs.equation == manifold[0].equation]
    flips = manifold_fixed[0].flips if manifold_fixed else ()
    if len(flips) != 1:
        raise EosError(f"{model.name}: expected one flip condition along the minima, got {flips}")
    same = sp.simplify(flips[0].rhs - 2 / S) == 0
    yield Derivation("flip_on_minima", "Flip along the minima: multiplier -1 at", flips[0],
                     "Coincides with the EoS condition S(u) = 2/eta: "
                     + ("proved (2/mu - 2/S simplifies to 0)." if same else "NOT equal."))
    mult = [m for m in manifold_fixed[0].multipliers if m != 1][0]
    # the multiplier + 1 vanishes modulo the EoS polynomial: the flip is at the EoS minimum
    rem = sp.rem(sp.numer(sp.together(mult + 1)), poly, u)
    yield Derivation("eos_multiplier", "Multiplier at the EoS minimum (reduced modulo the EoS "
                     "condition)", sp.Integer(-1) if sp.expand(rem) == 0 else mult,
                     "numerator(multiplier + 1) mod eos_condition = " + str(sp.expand(rem)))


def reparam(model):
    """(c, d) and (a, b) reparameterisation and the exact map in (a, b) (C5-C7)."""
    rp = reparameterise(model)
    yield Derivation("reparam", "Reparameterisation (c, d) and offsets (a, b)",
                     _tuple(rp.definitions), "Valid on x > y > 0 (c > 0, d > 0).")
    yield Derivation("reparam_t", "Gradient factor t(d): grad = t(xy) (y, x)", rp.t_of_d)
    yield Derivation("reparam_cd_map", "Exact map in (c, d)", _tuple(rp.cd_map))
    yield Derivation("reparam_map", "Exact map in (a, b) with step kappa^2", _tuple(rp.ab_map))
    yield Derivation("reparam_increment", "Cancellation-free (a' - a, b' - b)",
                     _tuple(rp.ab_increment),
                     "sqrt(1 - T^2) - 1 rewritten as -T^2 / (1 + sqrt(1 - T^2)).")


def local_normal_forms(model):
    """Series of the 1- and 2-step maps at each EoS minimum, ODE limit, invariant curves, end
    point and limit sharpness, eq. 13 map, measured remainders (C8-C13, C21-C22, C24, C27)."""
    for nf in normal_forms(model):
        ch, notes = nf.chart, _normal_form_notes(nf)
        tag = "" if ch.branch == 1 else "_minimum_2"
        where = "" if ch.branch == 1 else f"[EoS minimum 2, {ch.coords[0]} large] "
        check, _ = nf.c_check()
        A, B = nf.leading_kappa
        S, err = nf.limit_sharpness
        exponents, rows = remainder_estimate(nf)
        items = [
            ("local_chart", "Chart (c, d), kappa and c_check; offsets a = c - c_check, b = d - 1",
             _tuple([*nf.chart_definitions(), check])),
            ("expansion_weights", "Weights (w_a, w_b) in powers of kappa and truncation "
             "weights (N_a, N_b)", _tuple([*nf.kappa_weights, *nf.kappa_orders])),
            ("expansion_1step", "One step: (a' - a, b') truncated", _tuple(nf.expansion(1))),
            ("expansion_2step", "Two steps: (a'' - a, b'') truncated", _tuple(nf.expansion(2))),
            ("normal_form_2step", "Leading two-step system (a'' - a, b''): the lowest-weight "
             "parts", _tuple([A, b + B])),
            ("ode", "ODE limit db/da of the leading system (eq. 8)", nf.ode_kappa),
            ("ode_solution", "General solution (eq. 9)", sp.Eq(b ** 2, nf.to_kappa(nf.solution))),
            ("curve_type", f"Curve type: {nf.curve_type}", nf.invariant_curve),
            ("limit_point", "Predicted end point (a, b), limit sharpness S, and the order of S's "
             "error term", _tuple([_tuple([nf.to_kappa(nf.end_point), 0]), S, err])),
            ("two_step_b_map", "Two-step map of b with a as parameter (eq. 13 form)", nf.b_map()),
            ("remainder_estimate", "Measured remainder: rows (kappa, max error of a' - a, b', "
             "a'' - a, b'') over a weighted box",
             sp.Matrix([[r[0]] + [_float(v) for v in r[1:]] for r in rows])),
        ]
        notes["remainder_estimate"] += (
            f" Predicted scaling: {_kappa_power(exponents[0])} (a), "
            f"{_kappa_power(exponents[1])} (b); observed log-log slopes between rows "
            f"(a', b', a'', b''): {_slopes(rows)}. An estimate on samples, not a bound.")
        for name, title, value in items:
            yield Derivation(name + tag, where + title, value, notes.get(name, ""))


def _normal_form_notes(nf):
    """The explanatory text under each local derivation."""
    (wa, wb), (na, nb) = nf.kappa_weights, nf.kappa_orders
    scale = (f"Weights a ~ {_kappa_power(wa)}, b ~ {_kappa_power(wb)} (kappa has weight 1), "
             "chosen so that the leading two-step terms balance; kept: every term of weight <= "
             f"{na} in the a-component and <= {nb} in the b-component.")
    if nf.chart.closed_form:
        route = ("Expanded from `reparam_map` (eq. 6) by truncated series arithmetic; the "
                 "implicit route (the chart inverted as a series) gives "
                 + ("identical coefficients." if nf.routes_agree else
                    "DIFFERENT coefficients (a bug: please report it)."))
    else:
        route = ("Implicit route: the chart is inverted as a series (fixed-point iteration); "
                 "there is no closed-form (a, b) map.")
    _, err = nf.c_check()
    corrections = ", ".join(f"{_kappa_power(nf.in_kappa_units(r))} ("
                            f"{'even' if keeps else 'odd'} under b -> -b)"
                            for r, keeps in nf.corrections) or "none"
    attracting = nf.curve_type == "parabola (attracting)"
    return {
        "local_chart": "c^2 = (large coordinate)^2 - (small coordinate)^2 is conserved by "
                       "gradient flow; c_check = c at the EoS minimum"
                       + ("." if err == 0 else f", given up to O({err})."),
        "expansion_weights": scale,
        "expansion_1step": f"{scale} {route}",
        "expansion_2step": scale,
        "normal_form_2step": "Both coordinates move by relative order "
                             f"{_kappa_power(nf.in_kappa_units(nf.rate))} per two steps. "
                             f"Corrections up to that relative order: {corrections}.",
        "ode_solution": "dsolve on u = b^2 (a linear first-order ODE); substituting the "
                        "solution back (checkodesol) leaves 0.",
        "curve_type": "b^2 minus this curve is C exp(P a), decaying as a decreases: the cubic "
                      "term in b'' pulls every trajectory onto the curve, which it follows to "
                      "the vertex: sharpness concentration predicted." if attracting else
                      "No curve attracts the others (the value shown is conserved by the "
                      "leading system, or the curve shown repels): the end point depends on "
                      "the start: no sharpness concentration predicted.",
        "limit_point": "Vertex of the attracting curve (start-independent up to an "
                       "exponentially small term for starts with a well above it). S = entry 2 + "
                       "O(entry 3). Predicted relative error of the end point: "
                       f"{_kappa_power(nf.in_kappa_units(nf.end_point_order))} (corrections odd "
                       "under b -> -b act with opposite signs on even and odd iterates, which "
                       "share one limit, so they enter squared; the ODE limit itself errs by "
                       "the relative order of one step)." if attracting else
                       "Here (a, b) in the end point stand for the START: it ends where its own "
                       "invariant curve meets b = 0, reached as a decreases; S is first order in "
                       "that end point, S = entry 2 + O(entry 3).",
        "two_step_b_map": "b = 0 loses stability where the a-term in the bracket changes sign, "
                          "a = 0: the first bifurcation is at the EoS minimum.",
        "remainder_estimate": f"5 x 5 grid on |a| <= {_kappa_power(wa)}, |b| <= "
                              f"{_kappa_power(wb)}; the exact map is evaluated by mpmath at 50 "
                              "digits without series.",
    }


def _kappa_power(w):
    return f"kappa^{w}" if w.is_integer else f"kappa^({w})"


def _float(value):
    return sp.Float(mpmath.nstr(value, 3), 15)


def _slopes(rows):
    out = []
    for n in range(1, 5):
        out.append("/".join(mpmath.nstr(mpmath.log(r[n] / t[n]) / mpmath.log(
            mpmath.mpf(r[0].p) / r[0].q * t[0].q / t[0].p), 3) for r, t in zip(rows, rows[1:])))
    return ", ".join(out)


SECTIONS = [basics, maps, orbits, minima, reparam, local_normal_forms]


def derive_model(model, sections=None):
    """Run every section; returns ``(derivations, unavailable)`` where `unavailable` lists
    ``(section, reason)`` for sections that do not apply to the model."""
    done, missing = [], []
    for section in sections or SECTIONS:
        try:
            done += list(section(model))
        except EosError as exc:
            missing.append((section.__name__, str(exc)))
    return done, missing
