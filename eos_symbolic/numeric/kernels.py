"""A model's exact maps and observables in one chart, compiled once and kept on disk.

`kernels_for(model, coords, rule)` returns the `Kernels` of a model in ``xy`` (reduced
coordinates, paper eq. 2), ``ab`` (offsets from the EoS minimum, the exact map of C7) or
``full`` (all parameters, eq. 1), under an update rule other than GD in ``xy`` only
(`symbolic.optimizers`: the rule's map on its state): derived by `kernel_build` from the
symbolic maps the first time, then read back from the kernel cache (`kernel_cache`), keyed
by a digest of the model's symbolic content (loss, parameters, ties, the reduced GD map),
the rule's spec and the package's code, so a changed map or a changed code generator is a
new entry. A built-in model named
on the command line (`symbolic.lazy.LazyModel`) is looked up by its name, through an alias
written when its kernels were first derived: such a run never imports SymPy. This module
itself needs no SymPy.
"""
from dataclasses import dataclass

from ..errors import EosError
from .compiled import CompiledFunction
from .kernel_cache import code_fingerprint, digest, load_bundle, save_bundle

COORDS = ("xy", "ab", "full")


@dataclass(frozen=True)
class Kernels:
    """Compiled numerics of `model` in `coords`.

    `variables`: names of the state coordinates; `step`: the map (increments when
    ``step.increments``); `jacobian`: its Jacobian, row-major; `observables` with
    `observable_names` (``loss``, ``grad_norm_sq``, ``eig0``..., then the other chart's
    coordinates such as ``a, b`` or ``x, y``); `hessian`: entries of the Hessian for a
    numeric eigen-solve when some eigenvalue has no closed form (else None); `spec`: the
    model's name, loss, ties and reduced coordinates as text; `rule`: the update rule (None
    for GD) and `threshold` its stability threshold as a function of $\\eta$ alone (None for
    GD, whose threshold is $2/\\eta$, and for rules without one). `guarded_step` (``xy`` of a
    model with an (a, b) chart): the map whose `run` stops at the first state outside the
    chart's domain $x > |y|$, where the (a, b) map is defined ($c'^2 = c^2 (1 - T^2)$
    turns negative exactly when the orbit leaves it). ``ab`` only: `to_ab` and `to_xy`, the
    chart maps $(x, y) \\mapsto (\\sqrt{x^2 - y^2} - \\check c, xy - 1)$ and back,
    `c_check` $= \\check c(\\eta)$ and `eta_range`, the supremum of the step sizes with an
    EoS minimum (exact, as text). Every compiled function takes the single parameter
    $\\eta$.
    """

    model: object
    coords: str
    variables: tuple
    step: object
    jacobian: object
    observables: object
    observable_names: tuple
    hessian: object
    closed_form_eigenvalues: bool
    spec: tuple = ()
    guarded_step: object = None
    to_ab: object = None
    to_xy: object = None
    c_check: object = None
    eta_range: str = None
    rule: object = None
    threshold: object = None

    _FUNCTIONS = ("step", "jacobian", "observables", "hessian", "guarded_step", "to_ab",
                  "to_xy", "c_check", "threshold")

    @classmethod
    def from_json(cls, model, data, rule=None):
        funcs = {f: CompiledFunction.from_json(data.get(f)) for f in cls._FUNCTIONS}
        spec = tuple((k, tuple(v) if isinstance(v, list) else v) for k, v in data["spec"])
        return cls(model, data["coords"], tuple(data["variables"]), funcs["step"],
                   funcs["jacobian"], funcs["observables"], tuple(data["observable_names"]),
                   funcs["hessian"], bool(data["closed_form_eigenvalues"]), spec,
                   funcs["guarded_step"], funcs["to_ab"], funcs["to_xy"], funcs["c_check"],
                   data["eta_range"], rule, funcs["threshold"])


_LOADED, _BUNDLES = {}, {}


def kernels_for(model, coords="xy", rule=None):
    """The compiled `Kernels` of `model` in `coords` ('xy', 'ab', 'full') under the update
    `rule` (an `Optimizer`; None or GD for gradient descent): from this process's memory,
    else the kernel cache, else derived (`kernel_build`) and stored."""
    if coords not in COORDS:
        raise EosError(f"coords: expected one of {', '.join(COORDS)}, got {coords!r}")
    if rule is not None and rule.is_gd:
        rule = None
    if rule is not None and coords != "xy":
        raise EosError(f"coords: {rule.spec} runs in the reduced coordinates (coords xy) "
                       f"only, got {coords!r}")
    tag = coords if rule is None else f"{coords} under {rule.spec}"
    memo = _memo_key(model, tag)
    if memo not in _LOADED:
        def build(real):
            from .kernel_build import build_kernels
            return build_kernels(real, coords, rule)
        _LOADED[memo] = Kernels.from_json(model, cached_bundle(model, tag, build), rule)
    return _LOADED[memo]


def cached_bundle(model, tag, build):
    """Plain (JSON) data `build(model)` derives from `model`, kept in the kernel cache under
    `content_key` (a built-in model named on the command line is found by its name through
    an alias) and in this process's memory."""
    memo = _memo_key(model, tag)
    if memo not in _BUNDLES:
        _BUNDLES[memo] = _load_or_build(model, tag, getattr(model, "lazy_name", None), build)
    return _BUNDLES[memo]


def _memo_key(model, tag):
    lazy = getattr(model, "lazy_name", None)
    return ("builtin", lazy, tag) if lazy else (model, tag)


def content_key(model, tag):
    """Digest of the model's symbolic content (loss, parameters, ties, reduced GD map),
    `tag` (the chart, or another kernel's name) and the package's code."""
    import sympy as sp
    return digest(code_fingerprint(), tag, model.name, sp.srepr(model.loss),
                  sp.srepr(model.params), sp.srepr(model.ties), model.description,
                  sp.srepr(model.gd_map))


def coordinate_count(model):
    """How many reduced coordinates `model` has, read from any cached kernels of a lazy
    built-in model (so a warm run need not derive it), else from the model."""
    lazy = getattr(model, "lazy_name", None)
    for tag in COORDS if lazy else ():
        pointer = load_bundle(_alias(lazy, tag))
        data = load_bundle(pointer["target"]) if pointer else None
        if data is not None:
            return len(dict(data["spec"])["coords"])
    return len(model.coords)


def _alias(name, tag):
    return digest(code_fingerprint(), "builtin", name, tag)


def _load_or_build(model, tag, lazy, build):
    if lazy:
        pointer = load_bundle(_alias(lazy, tag))
        data = load_bundle(pointer["target"]) if pointer else None
        if data is not None:
            return data
    real = model.resolve() if lazy else model
    key = content_key(real, tag)
    data = load_bundle(key)
    if data is None:
        data = build(real)
        save_bundle(key, data)
    if lazy:
        save_bundle(_alias(lazy, tag), {"target": key})
    return data


def start_in_coords(model, coords, start):
    """The start values in the order of the run's coordinates, and a converter if needed.

    `start` maps names to exact values. ``xy``/``full`` need every coordinate by name;
    ``ab`` accepts ``a, b`` or the model's ``x, y``, which must satisfy x > y > 0 (the domain
    of the chart, C5). Returns ``(values, converter)``: converter is None or the compiled
    chart map $(x, y) \\mapsto (\\sqrt{x^2 - y^2} - \\check c, xy - 1)$, evaluated by each run at
    its own precision (it cancels about $\\log_{10}(\\check c / |a|)$ digits of a).
    """
    k = kernels_for(model, coords)
    names, given = list(k.variables), list(start)
    reduced = dict(k.spec).get("coords", ())
    if sorted(given) == sorted(names):
        return [start[n] for n in names], None
    if coords == "ab" and sorted(given) == sorted(reduced):
        xx, yy = reduced
        xv, yv = start[xx], start[yy]
        if not xv > yv > 0:
            raise EosError(f"start: the (a, b) chart needs {xx} > {yy} > 0 (C5), got "
                           f"{xx} = {xv}, {yy} = {yv}; use --coords xy for this start")
        return [xv, yv], k.to_ab
    raise EosError(f"start: expected values for {', '.join(names)} (coords {coords}), got "
                   f"{', '.join(given) or 'nothing'}")


def chart_map(model, target):
    """The compiled change of chart into `target` (``ab``: from (x, y); ``xy``: from
    (a, b)); EosError when the model has no (a, b) chart."""
    k = kernels_for(model, "ab")
    return k.to_ab if target == "ab" else k.to_xy


def chart_start(model, coords, chart, start):
    """The start of a run in `coords` for iterating it in `chart` instead: values in the
    chart's order and the converter (`start_in_coords` when the charts agree)."""
    if chart == coords:
        return start_in_coords(model, coords, start)
    reduced = dict(kernels_for(model, "ab").spec)["coords"]
    if sorted(reduced) == sorted(start):
        return [start[n] for n in reduced], None
    return [start["a"], start["b"]], chart_map(model, "xy")
