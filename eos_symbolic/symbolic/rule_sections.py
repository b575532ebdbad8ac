"""Exact derivation sections of a model under an optimizer (`derivations/` content).

Like `derivations.SECTIONS`, each section is a pure function yielding `Derivation` records;
one that does not apply raises `EosError` (an "unavailable" note with the reason). GD's
own sections are untouched: these are added only when a rule other than ``gd`` is asked for.
"""
import sympy as sp

from ..errors import EosError
from .derivations import Derivation, tuple_of
from .minima import eos_range, minima_manifold, sharpness_on_minima
from .stability import _MU, rule_eos_minima, stability_threshold
from .symbols import eta, lam, symbol, u


def rule_basics(model, rule):
    """Loss, ties (proved invariant under the rule), the rule, its state and its map."""
    rule.bind(model)
    yield Derivation("loss", "Loss", model.loss)
    if model.ties:
        yield Derivation("ties", f"Ties (invariant under {rule.spec})",
                         tuple_of(sp.Eq(v, w) for v, w in model.ties),
                         "Proved by evaluating the rule on tied symbols: every gradient is taken "
                         "at a tied point (where dL/dv = dL/du exactly), norms are scalars, and "
                         "every output vector has equal tied entries.")
    yield Derivation("gradient", "Gradient over all parameters", tuple_of(model.gradient))
    yield Derivation("hessian", "Hessian over all parameters", model.hessian)
    yield Derivation("optimizer_parameters", f"Optimizer {rule.kind}: parameters (exact)",
                     tuple_of(sp.Eq(symbol(n), v) for n, v in rule.params))
    state = rule.state_symbols(model)
    yield Derivation("optimizer_state", "State the rule acts on", tuple_of(state),
                     "The previous iterate (names ending in 'prev') is carried by momentum "
                     "rules; a run starts with it equal to the start (zero velocity)."
                     if rule.state_size > 1 else "The reduced coordinates only.")
    note = ("" if rule.smooth else "Not differentiable where grad L = 0 (every critical "
            "point): this map is exact away from critical points only; nothing that "
            "linearises at a minimum applies to it.")
    yield Derivation("optimizer_map", f"Reduced one-step map of {rule.spec} on the state",
                     tuple_of(rule.reduced_map(model)), note)


def rule_stability(model, rule):
    """Fixed states on the minima, their multipliers, the flip along the minima, the
    stability threshold and the rule's EoS minimum."""
    th = stability_threshold(model, rule)
    manifold = minima_manifold(model)[0]
    yield Derivation("minima", "Global minima (loss = 0): curve and parametrisation",
                     tuple_of([sp.Eq(manifold.equation, 0),
                               tuple_of(sp.Eq(v, e) for v, e in (manifold.param or {}).items())]))
    S = sharpness_on_minima(model)
    yield Derivation("sharpness_at_minimum", "Sharpness S(u) on the positive branch", S)
    yield Derivation("fixed_point_multipliers", "Characteristic polynomial det(mu I - J) of the "
                     "rule's Jacobian at the fixed state over the minima point p(u)",
                     th.charpoly, "Its roots mu are the multipliers; the state is fixed because "
                     "grad L = 0 there (and, for momentum, the previous iterate equals it).")
    yield Derivation("flip_on_minima", "Flip along the minima: det(-I - J) = 0 at",
                     sp.Eq(th.flip_factor, 0))
    yield Derivation("stability_condition", f"Flip relation between eta and the {th.measure} "
                     "lamda along the minima", sp.Eq(th.relation, 0),
                     "Resultant in u of the flip factor above and numerator(S(u) - lamda): "
                     "derived from the linearised map, not typed in.")
    yield Derivation("stability_threshold_general", f"Stability threshold of {rule.kind} "
                     "(parameters as symbols)", th.general, "Positive root in lamda of "
                     + str(sp.Eq(th.relation_general, 0)) + ".")
    value = th.value
    S_flip = sp.numer(sp.together(th.relation.subs(lam, th.curvature)))
    on_flip = sp.rem(sp.expand(S_flip), sp.expand(th.flip_factor), u) == 0
    yield Derivation("stability_threshold", f"Stability threshold: the {th.measure} at which "
                     f"{rule.spec} flips along the minima", value,
                     "The positive root lamda of the flip relation. Checks: on the flip set the "
                     f"{th.measure} satisfies the relation ("
                     + ("proved: numerator(R(S(u), eta)) vanishes modulo the flip factor" if
                        on_flip else "NOT proved") + "); the rule applied to the 1-D quadratic "
                     "lamda theta^2/2 flips at the same lamda ("
                     + ("identical" if th.checked else "DIFFERENT: a bug, please report") + ").")
    top = _rule_eos_range(model, th)
    yield Derivation("eos_range", f"Step sizes with an EoS minimum for {rule.spec}",
                     sp.Interval.open(0, top), "The threshold falls with eta; it meets "
                     "min_u S(u) at the upper end.")
    points, _ = rule_eos_minima(model, rule)
    if not points:
        raise EosError(f"{model.name}: S(u) = threshold has no closed form here")
    yield Derivation("eos_minimum", f"EoS minimum of {rule.spec} (larger first coordinate): "
                     "S = threshold", points[0])
    yield Derivation("eos_minima", "All its EoS minima on the positive branch",
                     tuple_of(points))
    mult = sp.factor(th.charpoly.subs(_MU, -1))
    yield Derivation("eos_multiplier", "det(-I - J) at the rule's EoS minimum",
                     sp.Integer(0) if on_flip else mult,
                     "0: the multiplier -1 occurs exactly where S = threshold (see above).")


def _rule_eos_range(model, th):
    """Sup of the eta with an EoS minimum: the threshold equals $\\min_u S(u)$ there."""
    if th.measure == "sharpness":
        low = 2 / eos_range(model)
    else:
        num = sp.numer(sp.together(sp.diff(th.curvature, u)))
        crit = [r for r in sp.Poly(num, u).real_roots() if r > 0]
        low = min(sp.simplify(th.curvature.subs(u, r)) for r in crit)
    roots = [r for r in sp.solve(th.relation.subs(lam, low), eta) if r.is_positive]
    if len(roots) != 1:
        raise EosError(f"{model.name}: could not locate the end of the EoS range ({roots})")
    return sp.simplify(roots[0])


#: The exact sections of a model under a rule, in the order `derivations/` lists them.
RULE_SECTIONS = [rule_basics, rule_stability]
