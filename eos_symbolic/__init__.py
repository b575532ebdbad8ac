"""eos-symbolic: symbolic and high-precision analysis of GD at the edge of stability.

Core type: `Model` (loss, ties, step size eta). Built-ins via `get_model`. Exact results:
`characteristic_factors`, `hessian_eigenvalues`, `fixed_points`, `two_cycles`,
`minima_manifold`, `sharpness_on_minima`, `eos_minimum`, `reparameterise`; all of them
assembled by `derive_model` and written to `derivations/` by the CLI. Local analysis:
`normal_forms`. Numerics: `run_trajectory`. Claims: `paper_claims`, `load_claims_file`
(checkers in `eos_symbolic.claims.checks`, dispatched by `eos_symbolic.claims.verify`).

The subpackages are the layers, bottom up: `symbolic`, `local`, `numeric`, `rigorous`,
`dynamics`, `claims`, `cli`; each imports only the layers below it.
"""
from importlib import import_module

#: Public name -> module defining it: imported on first use (PEP 562), so that a command
#: such as `trajectory` on cached kernels never pays for the layers it does not use.
_WHERE = {
    "load_claims_file": ".claims.registry",
    "paper_claims": ".claims.registry",
    "EosError": ".errors",
    "derive_model": ".local.catalogue",
    "normal_forms": ".local.normal_form",
    "run_trajectory": ".numeric.trajectory",
    "eos_minima": ".symbolic.minima",
    "eos_minimum": ".symbolic.minima",
    "eos_range": ".symbolic.minima",
    "minima_manifold": ".symbolic.minima",
    "sharpness_on_minima": ".symbolic.minima",
    "Model": ".symbolic.model",
    "get_model": ".symbolic.models",
    "fixed_points": ".symbolic.orbits",
    "gd_map_2": ".symbolic.orbits",
    "real_two_cycles": ".symbolic.orbits",
    "two_cycles": ".symbolic.orbits",
    "parse": ".symbolic.parser",
    "parse_expression": ".symbolic.parser",
    "ab_to_xy": ".symbolic.reparam",
    "reparameterise": ".symbolic.reparam",
    "characteristic_factors": ".symbolic.spectrum",
    "hessian_eigenvalues": ".symbolic.spectrum",
}


def __getattr__(name):
    if name not in _WHERE:
        raise AttributeError(f"module 'eos_symbolic' has no attribute {name!r}")
    value = getattr(import_module(_WHERE[name], __name__), name)
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(_WHERE))


__all__ = ["Model", "EosError", "get_model", "parse_expression", "parse", "derive_model",
           "characteristic_factors", "hessian_eigenvalues", "fixed_points", "gd_map_2",
           "two_cycles", "real_two_cycles", "minima_manifold", "sharpness_on_minima",
           "eos_minima", "eos_minimum", "eos_range", "reparameterise", "ab_to_xy",
           "normal_forms", "run_trajectory", "paper_claims", "load_claims_file"]
__version__ = "0.1.0"
