"""The checkers, grouped by what they check, and the table that dispatches claims to them.

- `formulas`: identities, eigenvalues, closed forms, the minimum spectrum, the (c, d)
  structure, ODE solutions, rates (exact algebra first, 50-digit sampling otherwise);
- `series`: truncated expansions of the 1- and 2-step maps, parity, the eq.-13 map;
- `trajectories`: end points and trajectory ends from certified runs, the Figure 3 ODE plot;
- `regions`, `phase2`, `sharpness_region`, `rank1`: Theorem 3.1 and its corollaries, the
  Phase-2 band, the sharpness region of Figure 2b, the rank-1 model (C19-C20);
- `lemmas`, `invariant`: user inequalities and invariant regions (exact points, search,
  Arb proof by default);
- `figures`: sweeps, basins and bifurcation figures;
- `certificates`: the `--certify` paths that turn Arb certificates into verdicts;
- `concentration`: the stored proved instances of C14-C17 added to their evidence;
- `optimizers`: claims naming an update rule (stability threshold, limit sharpness).

Every checker is ``fn(claim, ctx) -> Verdict``.
"""
from dataclasses import dataclass

from . import (
    certificates,
    concentration,  # noqa: F401 (adds the proved instances to C14-C17's evidence)
    figures,
    formulas,
    invariant,
    lemmas,
    optimizers,
    phase2,
    rank1,
    regions,
    series,
    sharpness_region,
    trajectories,
)


@dataclass
class Context:
    """Run options shared by checkers: `quick` (smaller runs), `out` (figure folder or None),
    `certify` (run the rigorous Arb path where a claim admits it)."""

    quick: bool = False
    out: object = None
    certify: bool = False


def _plain(fn):
    return lambda claim, ctx: fn(claim)


#: Claim kind -> checker.
CHECKERS = {
    "identity": _plain(formulas.check_identity),
    "eigenvalues": _plain(formulas.check_eigenvalues),
    "closed-form": _plain(formulas.check_closed_form),
    "minimum-spectrum": _plain(formulas.check_minimum_spectrum),
    "reparam-structure": _plain(formulas.check_reparam_structure),
    "ode": _plain(formulas.check_ode),
    "rate": _plain(formulas.check_rate),
    # under --certify a verified expansion also carries rigorous remainder bounds
    "expansion": certificates.with_remainder_certificate(_plain(series.check_expansion)),
    "two-step-parity": _plain(series.check_two_step_parity),
    "one-d-map": _plain(series.check_one_d_map),
    "three-scalar-structure": _plain(series.check_three_scalar_structure),
    "end-point": trajectories.check_end_point,
    "trajectory-end": trajectories.check_trajectory_end,
    "ode-figure": trajectories.check_ode_figure,
    "theorem-region": regions.check_theorem_region,
    "phase2-band": phase2.check_band,
    "sharpness-region": sharpness_region.check_sharpness_region,
    "rank1-alignment": rank1.check_alignment,
    "rank1-sphere-starts": rank1.check_sphere_starts,
    "inequality": lemmas.check_inequality,
    "invariant-region": invariant.check_invariant_region,
    "trajectory-limit": regions.check_trajectory_limit,
    **figures.CHECKERS,
    **optimizers.CHECKERS,
}
