"""Float64 sweeps over grids of starts x step sizes: chunked, checkpointed, optionally on Dask.

Each point (start $u_0$, step $\\eta$) is iterated with the generated float64 kernel
(`sweep_kernel`) for `steps` steps and classified: ``converged`` (one-step displacement
below `tol` $(1 + |u|)$ at the end, having stayed so since step `steps_taken`), ``diverged``
(left $|u_i| < R$ or became non-finite at step `steps_taken`, resolution `every` steps) or
``undecided`` (still moving: slow convergence, a cycle, chaos). For converged points the
limit, its sharpness $S$ (largest Hessian eigenvalue, closed form when the model has one)
and the gap $2/\\eta - S$ are recorded. Under an update rule other than GD
(`symbolic.optimizers`) the kernel iterates the rule's map on its whole state (momentum:
started with the previous iterate equal to the start), convergence is judged on the whole
state, and the gap is to the rule's own stability threshold.

Work is split into chunks (one step size, a slice of starts) of about `CHUNK_WORK`
point-steps, so the first chunk is saved within seconds. With `checkpoint=DIR` each finished
chunk is written atomically to ``DIR/chunk_NNNNN.npz`` (five digits) next to
``DIR/spec.json``, carrying the fingerprint of the sweep (model, step sizes, steps, starts,
settings), its own place in it and a checksum of its arrays; a rerun with the same sweep
loads finished chunks instead of recomputing them (resume after interrupt), and a chunk of
another sweep, a moved or a damaged chunk is refused with one line naming the file.
With `scheduler="tcp://host:port"` chunks run on a Dask cluster (``pip install
eos-symbolic[dask]``); by default they run here, on `sweep_kernel.threads()` threads.
"""
import hashlib
import io
import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from tqdm import tqdm

from ..cluster import run_on_cluster
from ..errors import EosError, Interrupted
from ..numeric.backends import precision_scope
from ..numeric.compiled import CompiledFunction
from ..numeric.kernels import cached_bundle, kernels_for
from ..saving import atomic_write, checksum
from .sweep_kernel import CONVERGED, DIVERGED, RUNNING, advance

STATUS_NAMES = {RUNNING: "undecided", CONVERGED: "converged", DIVERGED: "diverged"}
CHUNK_FORMAT = "eos-symbolic-sweep-chunk/1"
#: Point-steps per chunk by default: 0.1 s to 1 s of kernel time here, so an interrupt
#: loses little and the first checkpoint comes within seconds.
CHUNK_WORK = 10 ** 9
#: Arrays of a chunk, with their dtype and trailing shape (None: number of coordinates).
CHUNK_ARRAYS = {"status": ("int8", ()), "steps_taken": ("int64", ()),
                "limit": ("float64", (None,)), "sharpness": ("float64", ())}


@dataclass
class SweepResult:
    """Per-point outcome of a sweep, flattened over (step size, start) in that order.

    Arrays: `eta` (n,), `start` (n, coords), `status` (int8: 0 undecided, 1 converged,
    2 diverged), `steps_taken` (step at which the final status began, -1 if undecided),
    `limit` (n, coords; nan unless converged), `sharpness` and `gap` = 2/eta - sharpness
    (nan unless converged). `shape` is the grid shape of the starts (for images). Under an
    update rule, `optimizer` is its spec, `threshold` the rule's stability threshold per point
    and `gap` = threshold - sharpness."""

    model_name: str
    coords: tuple
    steps: int
    eta: np.ndarray
    start: np.ndarray
    status: np.ndarray
    steps_taken: np.ndarray
    limit: np.ndarray
    sharpness: np.ndarray
    gap: np.ndarray
    shape: tuple = ()
    chunks_computed: int = 0
    chunks_loaded: int = 0
    extra: dict = field(default_factory=dict)
    optimizer: str = "gd"
    threshold: np.ndarray = None

    def select(self, eta_value):
        """Boolean mask of the points run at step size `eta_value`."""
        return np.isclose(self.eta, eta_value, rtol=0, atol=1e-15)

    def fractions(self, mask=None):
        """Fractions converged / diverged / undecided (over `mask` if given)."""
        st = self.status if mask is None else self.status[mask]
        n = max(len(st), 1)
        return {name: float(np.sum(st == code)) / n for code, name in STATUS_NAMES.items()}

    def image(self, values, eta_value=None):
        """`values` (per point) for one step size reshaped to the start grid (rows = last
        grid axis, so ``imshow(origin='lower')`` puts the first coordinate across)."""
        mask = self.select(eta_value) if eta_value is not None else slice(None)
        return np.asarray(values)[mask].reshape(self.shape).T

    def band_fraction(self, eta_value, band=0.1):
        """Fraction of the points at `eta_value` converging with limit sharpness in
        (2/eta - band, 2/eta) (under a rule: (threshold - band, threshold))."""
        m = self.select(eta_value)
        with np.errstate(invalid="ignore"):
            inside = (self.status[m] == CONVERGED) & (self.gap[m] > 0) & (self.gap[m] < band)
        return float(inside.mean()) if m.any() else 0.0

    def save(self, path):
        """Write every per-point array to an ``.npz`` file at `path` (atomically)."""
        buf = io.BytesIO()
        np.savez_compressed(buf, eta=self.eta, start=self.start, status=self.status,
                            steps_taken=self.steps_taken, limit=self.limit,
                            sharpness=self.sharpness, gap=self.gap, shape=np.array(self.shape),
                            coords=np.array(self.coords), steps=self.steps)
        atomic_write(path, buf.getvalue(), "sweep --out")
        return path

    def summary(self):
        f = self.fractions()
        return (f"{len(self.status)} points x {self.steps} steps: "
                f"{f['converged']:.1%} converged, {f['diverged']:.1%} diverged, "
                f"{f['undecided']:.1%} undecided")


def grid_starts(model, ranges, fixed=None):
    """Starts on a regular grid: `ranges` maps coordinate names to ``(lo, hi, n)``;
    coordinates not in `ranges` take `fixed[name]`. Returns ``(starts (n, coords), shape)``
    with the first named coordinate varying slowest."""
    names = coordinate_names(model)
    fixed = dict(fixed or {})
    axes = []
    for nm in ranges:
        if nm not in names:
            raise EosError(f"grid: unknown coordinate {nm!r}; the model has {', '.join(names)}")
        lo, hi, n = ranges[nm]
        axes.append(np.linspace(float(lo), float(hi), int(n)))
    mesh = np.meshgrid(*axes, indexing="ij")
    pts = np.empty((mesh[0].size, len(names)))
    for i, nm in enumerate(names):
        if nm in ranges:
            pts[:, i] = mesh[list(ranges).index(nm)].ravel()
        elif nm in fixed:
            pts[:, i] = float(fixed[nm])
        else:
            raise EosError(f"grid: no range or fixed value for coordinate {nm!r}")
    return pts, tuple(len(a) for a in axes)


def _sharpness_kernels(model):
    """The sweep's own kernels: eigenvalues (or Hessian) and names only (cached)."""
    def build(real):
        from ..numeric.kernel_build import build_sharpness
        return build_sharpness(real)
    return cached_bundle(model, "sharpness", build)


def coordinate_names(model):
    """Names of the model's reduced coordinates (from its cached kernels)."""
    return tuple(dict(_sharpness_kernels(model)["spec"])["coords"])


def limit_sharpness(model, points, eta_value):
    """Largest Hessian eigenvalue at `points` (n, coords), float64."""
    data = _sharpness_kernels(model)
    fn = CompiledFunction.from_json(data["function"])
    cols = [points[:, i] for i in range(points.shape[1])]
    with precision_scope("float", 16), np.errstate(invalid="ignore"):
        values, _ = fn.bind("float", [float(eta_value)])
        entries = [np.asarray(e, dtype=float) * np.ones(len(points)) for e in values(*cols)]
        if data["closed"]:
            return np.max(np.vstack(entries), axis=0)
    dim = int(round(len(entries) ** 0.5))
    H = np.stack(entries, axis=-1).reshape(len(points), dim, dim)
    return np.linalg.eigvalsh(H)[:, -1]


def run_chunk(model, starts, eta_value, steps, every=500, radius=1e6, tol=1e-13, rule=None):
    """One chunk: iterate `starts` (n, coords) at one step size; returns a dict of arrays."""
    n = len(starts)
    status = np.zeros(n, np.int8)
    when = np.full(n, -1, np.int64)
    size = 1 if rule is None else rule.state_size
    V = advance(model, np.vstack([starts.T] * size), eta_value, steps, status, when,
                every=every, radius=radius, tol=tol, rule=rule)
    V = V[:starts.shape[1]]
    limit = np.where((status == CONVERGED)[None, :], V, np.nan).T.copy()
    sharp = np.full(n, np.nan)
    ok = status == CONVERGED
    if ok.any():
        sharp[ok] = limit_sharpness(model, limit[ok], eta_value)
    return {"status": status, "steps_taken": when, "limit": limit, "sharpness": sharp}


def _spec_hash(model, starts, etas, steps, every, radius, tol, chunk, rule=None):
    spec = dict(_sharpness_kernels(model)["spec"])
    h = hashlib.sha256()
    h.update(json.dumps([spec["loss"], [t.split("=") for t in spec["ties"]],
                         [float(e) for e in etas], int(steps), int(every), float(radius),
                         float(tol), int(chunk)] + ([rule.spec] if rule else [])).encode())
    h.update(np.ascontiguousarray(starts, dtype=np.float64).tobytes())
    return h.hexdigest()[:20]


def _chunk_meta(key, j, job, data):
    return {"format": CHUNK_FORMAT, "sweep": key, "index": j, "job": list(job),
            "checksum": checksum(arrays={k: data[k] for k in CHUNK_ARRAYS})}


def _save_chunk(path, key, j, job, data):
    buf = io.BytesIO()
    meta = _chunk_meta(key, j, job, data)
    np.savez(buf, meta=np.array(json.dumps(meta)), **{k: data[k] for k in CHUNK_ARRAYS})
    atomic_write(path, buf.getvalue(), "sweep checkpoint")


def load_chunk(path, key, j, job, nv):
    """The arrays of chunk `j` (``job`` = (eta index, lo, hi)) of sweep `key` from `path`;
    `EosError` naming the file if it is damaged, belongs to another sweep or another place
    in this one, or its arrays are not of the expected shape."""
    try:
        with np.load(path, allow_pickle=False) as z:
            meta = json.loads(str(z["meta"][()]))
            data = {k: np.asarray(z[k]) for k in CHUNK_ARRAYS}
    except Exception as exc:  # noqa: BLE001 - whatever a damaged file raises, it is refused
        raise EosError(f"sweep: checkpoint chunk {path} is damaged ({type(exc).__name__}); "
                       "delete it to recompute that chunk") from None
    if not isinstance(meta, dict) or meta.get("format") != CHUNK_FORMAT:
        raise EosError(f"sweep: {path} is not a sweep chunk of this version; delete it")
    if meta.get("sweep") != key:
        raise EosError(f"sweep: checkpoint chunk {path} belongs to another sweep (other "
                       "model, step sizes, steps, starts or settings); use another folder or "
                       "delete it")
    if meta.get("index") != j or meta.get("job") != list(job):
        raise EosError(f"sweep: checkpoint chunk {path} holds chunk {meta.get('index')} of "
                       f"this sweep, not chunk {j} (a moved or renamed file); delete it")
    n = job[2] - job[1]
    for k, (dtype, tail) in CHUNK_ARRAYS.items():
        shape = (n,) + tuple(nv if t is None else t for t in tail)
        if data[k].dtype != np.dtype(dtype) or data[k].shape != shape:
            raise EosError(f"sweep: checkpoint chunk {path}: array {k} has shape "
                           f"{data[k].shape} {data[k].dtype}, expected {shape} {dtype}")
    if meta.get("checksum") != checksum(arrays=data):
        raise EosError(f"sweep: checkpoint chunk {path} is corrupt or was edited (its "
                       "checksum does not match); delete it to recompute that chunk")
    return data


def default_chunk(steps):
    """Points per chunk: about `CHUNK_WORK` point-steps, a power of two in [256, 65536]."""
    want = max(1, CHUNK_WORK // max(1, int(steps)))
    return int(min(1 << 16, max(256, 1 << (want.bit_length() - 1))))


def run_sweep(model, starts, etas, steps, *, shape=(), chunk=None, every=500,
              radius=1e6, tol=1e-13, checkpoint=None, scheduler=None, progress=True,
              on_chunk=None, rule=None):
    """Sweep `starts` (n, coords) x `etas` for `steps` steps; returns a `SweepResult`.

    `chunk`: points per chunk (default `default_chunk(steps)`); `checkpoint`: folder for
    finished chunks (resumable); `scheduler`: a Dask scheduler address (or a
    `distributed.Client`) to run chunks on; `on_chunk(index)` is called after each chunk is
    computed (used by tests to interrupt); `rule`: an update rule (`Optimizer`, default
    GD). On KeyboardInterrupt raises `Interrupted` saying how many chunks are saved."""
    rule = None if rule is None or rule.is_gd else rule.bind(model)
    starts = np.atleast_2d(np.asarray(starts, dtype=np.float64))
    names = coordinate_names(model)
    if starts.shape[1] != len(names):
        raise EosError(f"sweep: starts need {len(names)} columns "
                       f"({', '.join(names)}), got {starts.shape[1]}")
    etas = [float(e) for e in np.atleast_1d(etas)]
    bad = [e for e in etas if not (np.isfinite(e) and e > 0)]
    if bad or not etas:
        raise EosError(f"sweep: step sizes must be positive finite numbers (eta > 0), got "
                       f"{bad[0] if bad else 'none'}")
    if not np.isfinite(starts).all():
        raise EosError("sweep: starts must be finite numbers (found nan or inf)")
    for name, value, low in (("steps", steps, 1), ("chunk", chunk, 1), ("every", every, 1)):
        if value is not None and (int(value) != value or value < low):
            raise EosError(f"sweep: {name} must be an integer >= {low}, got {value}")
    chunk = default_chunk(steps) if chunk is None else int(chunk)
    if not (radius > 0 and tol > 0):
        raise EosError(f"sweep: radius and tol must be positive, got {radius}, {tol}")
    n = len(starts)
    jobs = [(ie, lo, min(lo + chunk, n)) for ie in range(len(etas)) for lo in range(0, n, chunk)]
    folder = None
    if checkpoint:
        folder = Path(checkpoint)
        folder.mkdir(parents=True, exist_ok=True)
        key = _spec_hash(model, starts, etas, steps, every, radius, tol, chunk, rule)
        spec_file = folder / "spec.json"
        spec = {"hash": key, "model": model.name, "etas": etas, "steps": steps, "points": n,
                "chunks": len(jobs)}
        if spec_file.exists() and _read_spec(spec_file) != spec:
            raise EosError(f"sweep: checkpoint {folder} holds a different sweep (or its "
                           "spec.json was changed); use another folder or delete it")
    results, todo = {}, []
    for j, job in enumerate(jobs):
        f = folder / f"chunk_{j:05d}.npz" if folder else None
        if f is not None and f.exists():
            results[j] = load_chunk(f, key, j, job, starts.shape[1])
        else:
            todo.append(j)
    if folder:  # written once the folder's chunks are known to be this sweep's
        atomic_write(spec_file, json.dumps(spec), "sweep checkpoint")
    loaded = len(results)
    bar = tqdm(total=len(jobs), initial=loaded, desc=f"sweep {model.name}", unit="chunk",
               leave=False, disable=not progress)

    def finish(j, data):
        results[j] = data
        if folder:
            _save_chunk(folder / f"chunk_{j:05d}.npz", key, j, jobs[j], data)
        bar.update(1)
        if on_chunk:
            on_chunk(j)

    try:
        if scheduler is not None and todo:
            _run_on_dask(scheduler, model, starts, etas, jobs, todo, steps,
                         dict(every=every, radius=radius, tol=tol, rule=rule), finish)
        else:
            for j in todo:
                ie, lo, hi = jobs[j]
                finish(j, run_chunk(model, starts[lo:hi], etas[ie], steps, every, radius, tol,
                                    rule))
    except KeyboardInterrupt:
        done = len(results)
        raise Interrupted(f"sweep stopped with {done} of {len(jobs)} chunks done" + (
            f"; they are saved in {folder}, rerun the same command to continue" if folder
            else "; nothing saved (use --checkpoint DIR to keep finished chunks)")) from None
    finally:
        bar.close()
    return _assemble(model, starts, etas, steps, jobs, results, shape, len(todo), loaded, rule)


def _read_spec(spec_file):
    try:
        return json.loads(spec_file.read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError):
        raise EosError(f"sweep: {spec_file} is damaged; delete it (the chunks carry their "
                       "own fingerprints)") from None


def _run_on_dask(scheduler, model, starts, etas, jobs, todo, steps, opts, finish):
    items = [(j, starts[jobs[j][1]:jobs[j][2]], etas[jobs[j][0]]) for j in todo]
    for (j, _, _), data in run_on_cluster(scheduler, "sweep", _chunk_task, items,
                                          shared=(model, steps, opts)):
        finish(j, data)


def _chunk_task(model, steps, opts, item):
    """`run_chunk` on a Dask worker: `item` is (chunk number, starts, eta)."""
    _, starts, eta = item
    return run_chunk(model, starts, eta, steps, **opts)


def thresholds(model, etas, rule=None):
    """The stability threshold at each step size: $2/\\eta$ for GD and for rules without one
    (the normalised ones), else the rule's (compiled in `kernels`), as float64."""
    etas = np.asarray(etas, dtype=np.float64)
    k = None if rule is None or rule.is_gd else kernels_for(model, "xy", rule)
    if k is None or k.threshold is None:
        return 2.0 / etas
    with precision_scope("float", 16):
        return np.asarray(k.threshold.bind("float", [etas])[0]()[0], float) * np.ones_like(etas)


def _assemble(model, starts, etas, steps, jobs, results, shape, computed, loaded, rule=None):
    n, nv = starts.shape
    total = n * len(etas)
    out = {"status": np.zeros(total, np.int8), "steps_taken": np.full(total, -1, np.int64),
           "limit": np.full((total, nv), np.nan), "sharpness": np.full(total, np.nan)}
    eta_col = np.repeat(etas, n)
    for j, (ie, lo, hi) in enumerate(jobs):
        for k in out:
            out[k][ie * n + lo: ie * n + hi] = results[j][k]
    top = thresholds(model, eta_col, rule)
    gap = top - out["sharpness"]
    return SweepResult(model.name, coordinate_names(model), int(steps), eta_col,
                       np.tile(starts, (len(etas), 1)), out["status"], out["steps_taken"],
                       out["limit"], out["sharpness"], gap, tuple(shape) or (n,),
                       computed, loaded, optimizer=rule.spec if rule else "gd", threshold=top)
