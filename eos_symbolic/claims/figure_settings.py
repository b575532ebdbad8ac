"""Settings of the figures `eos-symbolic figures` regenerates, read from the registry.

Most figures are drawn from their own registry entry (F2a, F5a, F5b, F6, F7a, F7c); F3 from
C12's eq. 9 family at F3's kappa; F7b from its run's settings. F2b's registry entry is the
sharpness-region check, so its figure is the concentration map of the same sweep, `F2B`.
"""
import sympy as sp

from .registry import paper_claims

#: The Figure 2b sweep: four-scalar, eta = 0.2, 50 000 steps on x, y in [0.05, 3.5].
F2B = {"kind": "concentration-map", "model": "four-scalar", "eta": "0.2", "steps": 50000,
       "grid": {"x": [0.05, 3.5], "y": [0.05, 3.5]}, "expect": "region"}
ORDER = ("F2a", "F2b", "F3", "F5a", "F5b", "F6", "F7a", "F7b", "F7c")


def figure_settings():
    """``{figure: {"kind", "model", **fields}}`` in the order of `ORDER`, for
    `dynamics.paper_figures.make_figures`."""
    claims = {c.id: c for c in paper_claims()}
    out = {}
    for name in ORDER:
        if name == "F2b":
            out[name] = dict(F2B)
            continue
        c = claims[name]
        spec = {**c.fields, "kind": c.kind, "model": c.model}
        if name == "F3":
            spec = {"kind": "ode-solutions", "model": c.model,
                    "solution": claims[c.fields["from_claim"]].formula("solution"),
                    "kappa": sp.Rational(c.fields["kappa"])}
        elif name == "F7b":
            spec["kind"] = "ab-trajectory"
        out[name] = spec
    return out
