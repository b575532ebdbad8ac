"""The exact derivations of a model as named SymPy objects (part of the `derivations/` content).

Each section is a pure function of the model yielding `Derivation` records; a section that
does not apply to a model raises `EosError`, which becomes an "unavailable" note with the
reason (`local.catalogue.derive_model` runs these and the local sections).
"""
from dataclasses import dataclass

import mpmath
import sympy as sp

from ..errors import EosError
from .minima import eos_minima, eos_range, minima_manifold, sharpness_on_minima
from .orbits import fixed_points, gd_map_2, real_two_cycles, two_cycles
from .reparam import reparameterise
from .spectrum import characteristic_factors, hessian_eigenvalues
from .symbols import eta, u


@dataclass(frozen=True)
class Derivation:
    """One named result: `value` is a SymPy object written with `str` to JSON."""

    name: str
    title: str
    value: object
    note: str = ""


def tuple_of(items):
    """`items` as a SymPy Tuple (how sequences are written to `derivations.json`)."""
    return sp.Tuple(*items)


def basics(model):
    """Loss, ties (each proved GD-invariant at construction), gradient, Hessian, spectrum."""
    yield Derivation("loss", "Loss", model.loss)
    if model.ties:
        yield Derivation("ties", "Ties (GD-invariant: dL/dv - dL/du = 0 on the tied set)",
                         tuple_of(sp.Eq(v, w) for v, w in model.ties),
                         "Each tie v = u was checked exactly: (dL/dv - dL/du)|ties expands to 0.")
    yield Derivation("gradient", "Gradient over all parameters", tuple_of(model.gradient))
    yield Derivation("hessian", "Hessian over all parameters", model.hessian)
    if model.ties:
        yield Derivation("hessian_tied", "Hessian at the tied point", model.tied_hessian)
    charpoly = sp.Mul(*[f ** m for f, m in characteristic_factors(model)])
    yield Derivation("characteristic_polynomial",
                     "det(lambda I - H) at the tied point, factored over QQ", charpoly)
    yield Derivation("hessian_eigenvalues", "Hessian eigenvalues at the tied point",
                     tuple_of(hessian_eigenvalues(model)),
                     "Roots of the factors above; quadratic factors give the '+' root first.")


def maps(model):
    """The reduced one-step GD map, its Jacobian and the two-step composition."""
    yield Derivation("gd_map", "Reduced GD map (x, y) -> (x', y')", tuple_of(model.gd_map))
    yield Derivation("gd_jacobian", "Jacobian of the reduced map", model.jacobian)
    yield Derivation("gd_map_2", "Two-step map F(F(p)), expanded", tuple_of(gd_map_2(model)))


def fixed_point_rows(model):
    """One row per fixed-point set: (where, parametrisation, multipliers, flip conditions)."""
    rows = []
    for fs in fixed_points(model):
        where = (sp.Eq(fs.equation, 0) if fs.equation is not None
                 else tuple_of(sp.Eq(v, p) for v, p in zip(model.coords, fs.point)))
        param = tuple_of(sp.Eq(v, e) for v, e in (fs.param or {}).items())
        rows.append(tuple_of([where, param, tuple_of(fs.multipliers), tuple_of(fs.flips)]))
    return tuple_of(rows)


def orbits(model):
    """Fixed-point sets with multipliers and flips; the factored period-2 condition."""
    yield Derivation("fixed_points", "Fixed-point sets (where, parametrisation by u, multipliers, "
                     "flip conditions)", fixed_point_rows(model),
                     "Multipliers are 1 - eta*mu for the eigenvalues mu of the gradient field's "
                     "Jacobian on the set; a flip (multiplier -1) happens at eta = 2/mu.")
    tc = two_cycles(model)
    if tc is None:
        raise EosError(f"2-cycles: the reduced map has {len(model.coords)} coordinates; the "
                       "period-2 factorisation is implemented for 2-D maps")
    lines = tuple_of(tuple_of([line, tuple_of(fs)]) for line, fs in tc.lines.items())
    eliminant = tuple_of(tc.eliminant) if tc.eliminant is not None else sp.S.EmptySet
    yield Derivation("two_cycles", "Period-2 condition F(F(p)) - p = G * (Q1, Q2): "
                     "(G, eliminant factors of res_y(Q1, Q2), invariant lines with their 1-D "
                     "period-2 factors)", tuple_of([tc.common, eliminant, lines]),
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
            yield Derivation(name, title, tuple_of(tuple_of(p) for p in pts),
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
                     tuple_of(tuple_of([sp.Eq(m.equation, 0),
                                    tuple_of(sp.Eq(v, e) for v, e in (m.param or {}).items())])
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
        yield Derivation("eos_minima", "All eta-EoS minima on the positive branch", tuple_of(points))
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
                     tuple_of(rp.definitions), "Valid on x > y > 0 (c > 0, d > 0).")
    yield Derivation("reparam_t", "Gradient factor t(d): grad = t(xy) (y, x)", rp.t_of_d)
    yield Derivation("reparam_cd_map", "Exact map in (c, d)", tuple_of(rp.cd_map))
    yield Derivation("reparam_map", "Exact map in (a, b) with step kappa^2", tuple_of(rp.ab_map))
    yield Derivation("reparam_increment", "Cancellation-free (a' - a, b' - b)",
                     tuple_of(rp.ab_increment),
                     "sqrt(1 - T^2) - 1 rewritten as -T^2 / (1 + sqrt(1 - T^2)).")


#: The exact sections, in the order `derivations/` lists them.
SECTIONS = [basics, maps, orbits, minima, reparam]
