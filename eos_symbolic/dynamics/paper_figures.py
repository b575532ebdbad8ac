"""The paper's figure experiments at their sizes, their key numbers, and their drawings.

Each ``run_<kind>(model_name, fields, quick)`` runs one experiment from plain settings (the
fields of a figure's registry entry: eta, grid, steps, start, ...) and returns its result
with a one-line ``"key"``; ``draw_<kind>(result, stem, pdf)`` draws it. The figure checkers
judge the same results; `make_figures` draws them all without judging anything.
"""
import time
from functools import lru_cache
from pathlib import Path

import numpy as np
import sympy as sp

from ..symbolic.models import get_model
from ..symbolic.parser import parse_number
from . import figures
from .bifurcation import (
    balanced_line_map,
    eq13_map,
    lyapunov,
    orbit_diagram,
    period_doublings,
)
from .experiments import (
    ab_trajectory,
    adaptivity_runs,
    basin_boundary,
    concentration_map,
    zoom_labels,
)
from .plots import plot_ode_solutions

SIZES = {  # (quick, full)
    "grid": (128, 512),
    "basin_n": (256, 1024),
    "basin_steps": (5000, 20000),
    "samples": (4000, 40000),
}
#: eq. 13 parameter a at kappa = 0.1 where the Lyapunov exponent is reported: order, then chaos.
LYAP_A = (0.5, 1.0, 1.5, 2.0, 2.4)


def size(key, quick):
    """The grid/run size `key` of `SIZES` for a quick or a full run."""
    return SIZES[key][0 if quick else 1]


def eta_of(fields):
    """The step size of a figure's settings (exact text such as "0.2") as a float."""
    return float(parse_number(fields["eta"], "eta"))


@lru_cache(maxsize=8)
def _concentration(model_name, eta_value, ranges, steps, band):
    return concentration_map(get_model(model_name), eta_value, dict(ranges), steps, band,
                             progress=False)


def run_concentration(model_name, fields, quick):
    """Limit sharpness over the start grid and the band (2/eta - band, 2/eta) (Fig. 2b/5b/6)."""
    eta_value, steps = eta_of(fields), int(fields.get("steps", 50000))
    band = float(fields.get("band", 0.1))
    n = size("grid", quick)
    ranges = tuple((k, (float(v[0]), float(v[1]), n)) for k, v in fields["grid"].items())
    cm = _concentration(model_name, eta_value, ranges, steps, band)
    key = (f"{cm['converged']:.1%} of the {n}x{n} grid converge, {cm['concentrated']:.2%}"
           f" end in (2/eta - {band:g}, 2/eta); largest such region "
           f"{cm['largest_region_fraction']:.2%} of the grid")
    return {"map": cm, "n": n, "steps": steps, "eta": eta_value, "band": band, "key": key}


def draw_concentration(result, stem, pdf=False):
    return {"figure": figures.plot_concentration(result["map"], stem, pdf)[0].name}


def run_adaptivity(model_name, fields, quick):
    """One start, several step sizes: the final gaps 2/eta - S (Fig. 2a/5a)."""
    steps = int(fields.get("steps", 20000))
    runs = adaptivity_runs(get_model(model_name), fields["etas"], fields["start"], steps,
                           every=2 if quick else 1)
    rows = [{"eta": r["eta"], "two_over_eta": r["two_over_eta"], "converged": r["converged"],
             "final_sharpness": r["final_sharpness"], "gap": r["gap"],
             "gap_over_two_over_eta": None if r["gap"] is None else r["gap"] / r["two_over_eta"]}
            for r in runs]
    key = "gaps 2/eta - S: " + ", ".join(
        f"{r['gap']:.4g} (eta {r['eta']:.4g})" if r["gap"] is not None else "diverged"
        for r in rows)
    return {"runs": runs, "rows": rows, "steps": steps, "model": model_name, "key": key}


def draw_adaptivity(result, stem, pdf=False):
    return {"figure": figures.plot_adaptivity(result["runs"], result["model"], stem,
                                              pdf)[0].name}


@lru_cache(maxsize=4)
def _basin(model_name, eta_value, box, n, steps, samples):
    eps = (1e-6, 1e-5, 1e-4, 1e-3, 1e-2)
    return basin_boundary(get_model(model_name), eta_value, box, n, steps, eps, samples,
                          progress=False)


def run_basin(model_name, fields, quick):
    """Converge/diverge labels on a box, box-counting and uncertainty dimensions (Fig. 7a)."""
    eta_value = eta_of(fields)
    box = tuple(tuple(float(v) for v in fields["box"][k]) for k in ("x", "y"))
    n, steps = size("basin_n", quick), size("basin_steps", quick)
    bb = _basin(model_name, eta_value, box, n, steps, size("samples", quick))
    bc, unc = bb["box_counting"], bb["uncertainty"]
    d = bc.get("dimension")
    key = (f"box-counting D = {d:.3f} [{bc['interval'][0]:.3f}, "
           f"{bc['interval'][1]:.3f}]; uncertainty-exponent D = "
           + (f"{unc['dimension']:.3f}" if unc.get("dimension") is not None else "n/a")
           if d is not None else "no boundary seen")
    return {"basin": bb, "model": model_name, "eta": eta_value, "box": box, "n": n,
            "steps": steps, "key": key}


def _zooms(model, eta_value, box, n, steps):
    (x0, x1), (y0, y1) = box
    w, h = (x1 - x0) / 4, (y1 - y0) / 4
    cx, cy = x0 + 0.75 * (x1 - x0), y0 + 0.72 * (y1 - y0)  # inside the speckled band
    z1 = ((cx - w / 2, cx + w / 2), (cy - h / 2, cy + h / 2))
    z2 = ((cx - w / 8, cx + w / 8), (cy - h / 8, cy + h / 8))
    return [(lab, z, dim) for z in (z1, z2)
            for lab, dim in [zoom_labels(model, eta_value, z, n, steps)]]


def draw_basin(result, stem, pdf=False):
    """The basin with two zooms (their dimensions are returned too) and the box counts."""
    stem = Path(stem)
    zooms = _zooms(get_model(result["model"]), result["eta"], result["box"], result["n"] // 2,
                   result["steps"])
    bb = result["basin"]
    return {"figure": figures.plot_basin(bb, zooms, stem.with_name(stem.name + "basin"),
                                         pdf)[0].name,
            "figure_dimension": figures.plot_box_counts(
                bb, stem.with_name(stem.name + "dimension"), pdf)[0].name,
            "zoom_dimensions": [z[2]["dimension"] for z in zooms]}


@lru_cache(maxsize=2)
def _balanced_cascade(quick):
    m = balanced_line_map(get_model("four-scalar"))
    doublings, ratios = period_doublings(m, 0.45, 1.05, count=4 if quick else 6, step=0.01)
    return m, doublings, ratios


@lru_cache(maxsize=2)
def _ab_run(model_name, eta_value, start, steps):
    return ab_trajectory(get_model(model_name), eta_value, list(start), steps, every=2)


def run_bifurcation(model_name, fields, quick):
    """The Figure 7b run in (a, b) against the attracting fixed point of the claimed 1-D map
    (eq. 13) in the scaling window a in (2 kappa^3, 10 kappa^3), and the balanced-line
    cascade (Fig. 7c)."""
    eta_value = eta_of(fields)
    kap = float(np.sqrt(eta_value))
    steps = int(fields.get("steps", 200000))
    tr = _ab_run(model_name, eta_value, tuple(fields["start"]), steps)
    m = eq13_map(fields["claimed"], sp.sqrt(parse_number(fields["eta"], "eta")))
    a, b = tr["a"], tr["b"]
    # the scaling regime of eq. 7 (a ~ kappa^3, b ~ kappa^2), where eq. 13 is leading order;
    # the 1-D map's attractor at each a is found by iterating from the trajectory's b
    lo, hi = 2 * kap ** 3, 10 * kap ** 3
    sel = np.isfinite(a) & (a > lo) & (a < hi)
    rel = None
    if sel.sum() > 10:
        u = np.abs(b[sel]) + 1e-3
        with np.errstate(all="ignore"):
            for _ in range(3000):
                u = m.f(u, a[sel])
            fixed = np.abs(m.f(u, a[sel]) - u) < 1e-9 * (1 + np.abs(u))
            rel = np.abs(b[sel] ** 2 - u ** 2) / u ** 2
        rel = rel[fixed & np.isfinite(rel)]
    med = float(np.median(rel)) if rel is not None and len(rel) else None
    bm, doublings, ratios = _balanced_cascade(quick)
    key = ((f"median |b^2 - b*^2|/b*^2 = {med:.2e} over {len(rel)} two-step points; "
            f"balanced-line doublings at eta = "
            + ", ".join(d["param"][:8] for d in doublings)
            + ("; Feigenbaum ratio estimates " + ", ".join(f"{r:.3f}" for r in ratios)
               if ratios else "")) if med is not None else "no comparable points")
    return {"trajectory": tr, "map": m, "kappa": kap, "window": [lo, hi], "steps": steps,
            "eta": eta_value, "compared": int(0 if rel is None else len(rel)),
            "median_relative_error_b2": med, "balanced": (bm, doublings, ratios),
            "lyapunov_eq13": {f"a = {av:g}": float(lv) for av, lv in zip(
                LYAP_A, lyapunov(m, np.array(LYAP_A), 0.05))},
            "quick": quick, "key": key}


def draw_bifurcation(result, stem, pdf=False):
    """The (a, b) trajectory beside eq. 13's orbit diagram; the balanced-line cascade."""
    stem, quick = Path(stem), result["quick"]
    tr, m, kap = result["trajectory"], result["map"], result["kappa"]
    bm, doublings, _ = result["balanced"]
    grid = np.linspace(np.nanmin(tr["a"]), np.nanmax(tr["a"]), 300 if quick else 1500)
    diag = orbit_diagram(m, grid, 0.05, transient=500, keep=60 if quick else 200)
    out = {"figure": figures.plot_bifurcation_7c(
        tr, diag, kap, stem.with_name(stem.name + "bifurcation"), pdf)[0].name}
    etas = np.linspace(0.45, 0.68, 400 if quick else 2000)
    cas = orbit_diagram(bm, etas, 1.05, transient=1000, keep=60 if quick else 200)
    lyap = (etas, lyapunov(bm, etas, 1.05, transient=1000, steps=1000 if quick else 4000))
    out["figure_cascade"] = figures.plot_cascade(
        cas, lyap, doublings, stem.with_name(stem.name + "cascade"), pdf)[0].name
    return out


#: Figure kind -> (experiment, drawing, file suffix of the drawing).
FIGURES = {
    "concentration-map": (run_concentration, draw_concentration, "concentration"),
    "adaptivity": (run_adaptivity, draw_adaptivity, "adaptivity"),
    "basin-boundary": (run_basin, draw_basin, ""),
    "bifurcation-diagram": (run_bifurcation, draw_bifurcation, ""),
}


def draw_figure(name, kind, model_name, fields, out, quick=False, pdf=True):
    """Run figure `name`'s experiment and draw it under `out` as ``<name>_<suffix>``;
    returns the experiment's result with the drawings' names under ``"drawn"``."""
    run, draw, suffix = FIGURES[kind]
    result = run(model_name, fields, quick)
    stem = Path(out) / (f"{name}_{suffix}" if suffix else f"{name}_")
    stem.parent.mkdir(parents=True, exist_ok=True)
    result["drawn"] = draw(result, stem, pdf)
    return result


def make_figures(settings, out="figures", quick=False, progress=print):
    """Regenerate the figures described by `settings` under `out` (PNG + PDF).

    `settings` maps a figure name to ``{"kind": ..., "model": ..., **fields}``; kinds are
    those of `FIGURES` plus ``"ode-solutions"`` (``solution``: the eq. 9 family b^2 = g(a; C),
    ``kappa``) and ``"ab-trajectory"`` (``eta``, ``start``, ``steps``: Figure 7b). Returns
    ({figure: [files]}, {figure: key number}, seconds)."""
    start = time.perf_counter()
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    made, keys = {}, {}
    for name, spec in settings.items():
        t = time.perf_counter()
        kind, model_name = spec["kind"], spec.get("model", "four-scalar")
        if kind == "ode-solutions":
            stem = out / f"{name}_ode_solutions"
            for ext in (".png", ".pdf"):
                plot_ode_solutions(spec["solution"], spec["kappa"],
                                           stem.with_suffix(ext))
        elif kind == "ab-trajectory":
            tr = ab_trajectory(get_model(model_name), eta_of(spec), spec["start"],
                               int(spec["steps"]), every=2)
            figures.plot_trajectory_7b(tr, out / f"{name}_trajectory", pdf=True)
        else:
            keys[name] = draw_figure(name, kind, model_name, spec, out, quick)["key"]
        made[name] = sorted(str(p) for p in out.iterdir() if p.name.startswith(name + "_"))
        progress(f"  {name:4s} {time.perf_counter() - t:6.1f} s  "
                 f"{', '.join(Path(p).name for p in made[name])}")
    return made, keys, time.perf_counter() - start
