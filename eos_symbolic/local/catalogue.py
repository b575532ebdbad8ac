"""Every derivation of a model, exact and local: what `derivations/` holds for it.

The exact sections come from `symbolic.derivations` (polynomial losses) or
`symbolic.analytic_sections` (analytic ones); `local_normal_forms` adds the series of the 1-
and 2-step maps at each EoS minimum, the ODE limit, the end point and the remainders. Under
an optimizer other than GD the sections are `symbolic.rule_sections` and
`rule_catalogue.rule_normal_forms` instead, each called with the rule.
"""
import mpmath
import sympy as sp

from ..errors import EosError
from ..symbolic import derivations as exact
from ..symbolic.analytic_sections import ANALYTIC_SECTIONS
from ..symbolic.derivations import Derivation, tuple_of
from ..symbolic.symbols import b
from .normal_form import normal_forms
from .remainder import remainder_estimate


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
             tuple_of([*nf.chart_definitions(), check])),
            ("expansion_weights", "Weights (w_a, w_b) in powers of kappa and truncation "
             "weights (N_a, N_b)", tuple_of([*nf.kappa_weights, *nf.kappa_orders])),
            ("expansion_1step", "One step: (a' - a, b') truncated", tuple_of(nf.expansion(1))),
            ("expansion_2step", "Two steps: (a'' - a, b'') truncated", tuple_of(nf.expansion(2))),
            ("normal_form_2step", "Leading two-step system (a'' - a, b''): the lowest-weight "
             "parts", tuple_of([A, b + B])),
            ("ode", "ODE limit db/da of the leading system (eq. 8)", nf.ode_kappa),
            ("ode_solution", "General solution (eq. 9)", sp.Eq(b ** 2, nf.to_kappa(nf.solution))),
            ("curve_type", f"Curve type: {nf.curve_type}", nf.invariant_curve),
            ("limit_point", "Predicted end point (a, b), limit sharpness S, and the order of S's "
             "error term", tuple_of([tuple_of([nf.to_kappa(nf.end_point), 0]), S, err])),
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


SECTIONS = [*exact.SECTIONS, local_normal_forms]
#: Sections of a model whose loss is analytic but not polynomial.
ANALYTIC = [*ANALYTIC_SECTIONS, local_normal_forms]


def default_sections(model, rule=None):
    """The catalogue that applies: under a rule, `rule_catalogue.RULE_CATALOGUE`; else
    `SECTIONS` (polynomial loss) or `ANALYTIC`."""
    if rule is not None and not rule.is_gd:
        from .rule_catalogue import RULE_CATALOGUE
        return RULE_CATALOGUE
    return SECTIONS if model.is_polynomial else ANALYTIC


def derive_model(model, sections=None, rule=None):
    """Run every section; returns ``(derivations, unavailable)`` where `unavailable` lists
    ``(section, reason)`` for sections that do not apply to the model. Under a `rule` other
    than GD each section is called as ``section(model, rule)``."""
    rule = None if rule is None or rule.is_gd else rule
    done, missing = [], []
    for section in sections or default_sections(model, rule):
        try:
            done += list(section(model) if rule is None else section(model, rule))
        except EosError as exc:
            missing.append((section.__name__, str(exc)))
    return done, missing
