"""Exact derivation sections of a model with an analytic (non-polynomial) loss.

The polynomial sections (`derivations.SECTIONS`) factor over QQ and eliminate by resultants;
here every result that has a closed form is given exactly (gradient, Hessian, maps, the
composite structure $L = F(r)$, minima, sharpness along them, fixed points with multipliers,
the EoS minimum when $S(u) = 2/\\eta$ is algebraic), and what has none is stated as an
equation whose root `rigorous.certified` encloses (interval Newton) and labels as certified
numeric. A loss without a minimum at a finite point gets ``minima = EmptySet`` and its
infimum with the reason.
"""
import sympy as sp

from ..errors import EosError
from .analytic import composite, no_minimum_reason
from .derivations import Derivation, basics, fixed_point_rows, tuple_of
from .minima import eos_minima, eos_range, minima_manifold, sharpness_on_minima
from .orbits import fixed_points
from .symbols import eta, t


def structure(model):
    """The basics of `derivations.basics` and the composite structure $L = F(r)$."""
    yield from basics(model)
    cm = composite(model)
    yield Derivation("loss_structure", "Composite structure L = F(r): (r, F(t))",
                     tuple_of([cm.residual, cm.outer]),
                     "r is the innermost subexpression carrying every parameter; grad L = "
                     "F'(r) grad r, so the critical set is {F'(r) = 0} with {grad r = 0}.")


def analytic_maps(model):
    """The reduced GD map, its Jacobian and its two-step composition (unexpanded)."""
    yield Derivation("gd_map", "Reduced GD map (x, y) -> (x', y')", tuple_of(model.gd_map))
    yield Derivation("gd_jacobian", "Jacobian of the reduced map", model.jacobian)
    sub = dict(zip(model.coords, model.gd_map))
    yield Derivation("gd_map_2", "Two-step map F(F(p)) (composed, not expanded)",
                     tuple_of(e.subs(sub, simultaneous=True) for e in model.gd_map),
                     "Exact composition; with transcendental functions there is no "
                     "expansion into monomials, and no resultant elimination of 2-cycles "
                     "(`certify two-cycle` proves individual ones by Krawczyk's test).")


def analytic_fixed_points(model):
    """Fixed-point sets with multipliers and flip conditions (exact)."""
    yield Derivation("fixed_points", "Fixed-point sets (where, parametrisation by u, "
                     "multipliers, flip conditions)", fixed_point_rows(model),
                     "Multipliers are 1 - eta*mu for the eigenvalues mu of the gradient field's "
                     "Jacobian on the set. For an analytic loss the list holds the minima "
                     "curve and the isolated points with grad r = 0 that sympy solves for.")


def analytic_minima(model):
    """Minima curve, sharpness on it, the EoS condition and (if algebraic) the EoS minimum;
    for a loss without minima: EmptySet, the infimum and why."""
    cm = composite(model)
    if not cm.levels:
        yield Derivation("minima", "Global minima (loss = 0)", sp.S.EmptySet,
                         "None at a finite point: " + no_minimum_reason(model) + ".")
        yield Derivation("loss_infimum", "Infimum of the loss (not attained)", cm.infimum,
                         f"Approached as {cm.approached}; GD orbits that decrease the loss "
                         "escape to infinity (trajectory outcome 'escaping').")
        return
    manifold = minima_manifold(model)
    yield Derivation("minima", "Global minima (loss = 0): curve and parametrisation",
                     tuple_of(tuple_of([sp.Eq(m.equation, 0),
                                        tuple_of(sp.Eq(v, e) for v, e in m.param.items())])
                              for m in manifold),
                     f"The level set r = {cm.levels[0]} of the residual: F'({cm.levels[0]}) "
                     f"= 0 and F({cm.levels[0]}) = 0.")
    S = sharpness_on_minima(model)
    second = sp.diff(cm.outer, t, 2).subs(t, cm.levels[0])
    yield Derivation("sharpness_at_minimum", "Sharpness S(u) on the minima", S,
                     f"S = F''({cm.levels[0]}) |grad r|^2 with F''({cm.levels[0]}) = "
                     f"{second}; the other Hessian eigenvalues vanish there.")
    points, condition = eos_minima(model)
    if points is None:
        yield Derivation("eos_condition", "EoS condition S(u) = 2/eta (transcendental)",
                         sp.Eq(S, 2 / eta), "No closed form: its roots are enclosed by "
                         "interval Newton at sample step sizes (`eos_minimum_eta_*`, "
                         "certified numeric).")
        return
    top = eos_range(model)
    yield Derivation("eos_range", "Step sizes with an eta-EoS minimum",
                     sp.Interval.open(0, top), "eta < 2 / min_u S(u).")
    yield Derivation("eos_condition", "EoS condition S(u) = 2/eta as a polynomial in u",
                     condition)
    if not points:
        raise EosError(f"{model.name}: the EoS condition {condition} = 0 has no closed form")
    yield Derivation("eos_minimum", "eta-EoS minimum (larger first coordinate), exact",
                     points[0])
    yield Derivation("eos_minima", "All eta-EoS minima on the positive branch",
                     tuple_of(points))
    flips = [fs.flips for fs in fixed_points(model) if fs.equation == manifold[0].equation]
    if flips and len(flips[0]) == 1:
        same = sp.simplify(flips[0][0].rhs - 2 / S) == 0
        yield Derivation("flip_on_minima", "Flip along the minima: multiplier -1 at",
                         flips[0][0], "Coincides with S(u) = 2/eta: "
                         + ("proved (2/mu - 2/S simplifies to 0)." if same else "NOT equal."))


#: The exact sections for an analytic loss, in the order `derivations/` lists them.
ANALYTIC_SECTIONS = [structure, analytic_maps, analytic_fixed_points, analytic_minima]
