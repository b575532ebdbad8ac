"""Every derivation of a model under an optimizer: the exact rule sections and the local
normal form of the rule's map at its own EoS minimum (`rule_charts`, `normal_form`)."""
import sympy as sp

from ..symbolic.derivations import Derivation, tuple_of
from ..symbolic.rule_sections import RULE_SECTIONS
from ..symbolic.symbols import b, eta
from .normal_form import normal_forms
from .rule_charts import ray_rule


def rule_normal_forms(model, rule):
    """Series of the rule's 1- and 2-step maps at each of its EoS minima (momentum: on the
    centre manifold), the leading two-step system, ODE limit, curve type, end point and the
    predicted limit sharpness relative to the rule's threshold."""
    ray = ray_rule(rule)
    where = ("" if ray == rule else f" Computed along the ray {ray.spec.split(':')[1]} (rho "
             "proportional to eta, through eta = rho), where eta S = 1 at the flip: a fixed "
             "rho has no expansion in powers of kappa with rational coefficients (rho S grows "
             "like 1/kappa). Its prediction applies at eta = rho.")
    route = ("The rule is evaluated on chart points by truncated series (no closed form); "
             + ("momentum acts on two chart points (now, before), and the map is restricted "
                "to its 2-D centre manifold (multipliers 1 along the minima, -1 across; the "
                "other two stable), computed order by order. (a, b) are the centre "
                "coordinates, equal to the chart offsets on the fixed line."
                if rule.state_size == 2 else "the map acts on one chart point.") + where)
    for nf in normal_forms(model, ray):
        ch = nf.chart
        tag = "" if ch.branch == 1 else "_minimum_2"
        A, B = nf.leading_kappa
        S, err = nf.limit_sharpness
        attracting = nf.curve_type == "parabola (attracting)"
        top = 2 * ch.threshold / eta
        yield Derivation("expansion_weights" + tag, "Weights (w_a, w_b) in powers of kappa and "
                         "truncation weights (N_a, N_b)",
                         tuple_of([*nf.kappa_weights, *nf.kappa_orders]), route)
        yield Derivation("expansion_1step" + tag, "One step: (a' - a, b') truncated",
                         tuple_of(nf.expansion(1)), route)
        yield Derivation("expansion_2step" + tag, "Two steps: (a'' - a, b'') truncated",
                         tuple_of(nf.expansion(2)))
        yield Derivation("normal_form_2step" + tag, "Leading two-step system (a'' - a, b'')",
                         tuple_of([A, b + B]))
        yield Derivation("ode" + tag, "ODE limit db/da of the leading system", nf.ode_kappa)
        yield Derivation("ode_solution" + tag, "General solution",
                         sp.Eq(b ** 2, nf.to_kappa(nf.solution)))
        yield Derivation("curve_type" + tag, f"Curve type: {nf.curve_type}", nf.invariant_curve,
                         "Attracting parabola: sharpness concentration predicted under "
                         f"{rule.spec}." if attracting else "No attracting curve: the end "
                         "point depends on the start (no sharpness concentration predicted).")
        yield Derivation("limit_point" + tag, "Predicted end point (a, b), limit sharpness S "
                         "and the order of S's error term",
                         tuple_of([tuple_of([nf.to_kappa(nf.end_point), 0]), S, err]),
                         f"Threshold {top}; predicted gap threshold - S = "
                         f"{sp.simplify(top - S)} + O({err}).")


#: Sections of a model under a rule, each called as ``section(model, rule)``.
RULE_CATALOGUE = [*RULE_SECTIONS, rule_normal_forms]
