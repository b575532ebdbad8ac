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
from .claims.registry import load_claims_file, paper_claims
from .errors import EosError
from .local.catalogue import derive_model
from .local.normal_form import normal_forms
from .numeric.trajectory import run_trajectory
from .symbolic.minima import (
           eos_minima,
           eos_minimum,
           eos_range,
           minima_manifold,
           sharpness_on_minima,
)
from .symbolic.model import Model
from .symbolic.models import get_model
from .symbolic.orbits import fixed_points, gd_map_2, real_two_cycles, two_cycles
from .symbolic.parser import parse, parse_expression
from .symbolic.reparam import ab_to_xy, reparameterise
from .symbolic.spectrum import characteristic_factors, hessian_eigenvalues

__all__ = ["Model", "EosError", "get_model", "parse_expression", "parse", "derive_model",
           "characteristic_factors", "hessian_eigenvalues", "fixed_points", "gd_map_2",
           "two_cycles", "real_two_cycles", "minima_manifold", "sharpness_on_minima",
           "eos_minima", "eos_minimum", "eos_range", "reparameterise", "ab_to_xy",
           "normal_forms", "run_trajectory", "paper_claims", "load_claims_file"]
__version__ = "0.1.0"
