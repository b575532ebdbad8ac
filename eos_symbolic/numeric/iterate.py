"""Iterating a compiled GD map: `Engine` (kernels bound at a precision) and `iterate`.

`iterate` only yields states; drivers (`precision`, `arb`, `trajectory`) decide stopping,
recording and verdicts. The state is a tuple of backend numbers; a block of steps runs in the
generated loop (`compile`), so Python overhead per step is the arithmetic alone.

Escape: the state has left the ball $\\|u\\|_\\infty < R$ (default
$R = 10^{12} \\max(1, \\|u_0\\|_\\infty)$) or is no longer finite. On the polynomial maps here
such orbits grow like $u \\mapsto c\\, u^{\\deg}$; a step can overflow any exponent range after a
few dozen steps, so blocks are short and `exit_step` replays a failed block one step at a
time from its last good state to name the exact step.
"""
import math
from dataclasses import dataclass

import gmpy2
import mpmath

from ..errors import EosError
from .backends import number, precision_scope
from .kernels import kernels_for

#: Escape radius relative to the start's scale (see module docstring).
ESCAPE_FACTOR = 10 ** 12


def magnitude(backend, value):
    """$|v|$ as a float (inf for nan/inf); mpfr/mpf are read exactly enough for comparisons."""
    if backend == "mpfr":
        return float(abs(value)) if gmpy2.is_finite(value) else float("inf")
    if backend == "mpmath":
        return float(abs(value)) if mpmath.isfinite(value) else float("inf")
    if backend == "arb":
        return float(abs(value.mid()).str(5, radius=False)) if value.is_finite() else float(
            "inf")
    v = abs(float(value))
    return v if v == v else float("inf")


def is_finite(backend, value):
    """Is `value` a finite number? (Unlike `magnitude`, true beyond the double range: an
    mpfr of 1e395 is finite, not infinite.)"""
    if backend == "mpfr":
        return bool(gmpy2.is_finite(value))
    if backend == "mpmath":
        return bool(mpmath.isfinite(value))
    if backend == "arb":
        return bool(value.is_finite())
    return math.isfinite(float(value))


class Engine:
    """The kernels of `model` in `coords` (under `rule`, default GD), bound for `backend` at
    `dps` digits with step `eta`. `two_over_eta` holds the stability threshold the outcome
    compares with: $2/\\eta$ for GD (and rules without a threshold), else the rule's
    (`threshold_name` says which).

    `advance(u, n)` iterates n steps; `observe(u)` gives a dict of observables with
    ``grad_norm`` $= |\\nabla L|$ and ``sharpness`` = the top Hessian eigenvalue (closed form,
    else `mpmath.eigsy` at `dps`); `jacobian(u)` the map's Jacobian (row-major tuple).
    `raw_step(*u)` and `raw_jacobian(*u)` are the bound kernels (call inside `scope()`).
    """

    def __init__(self, model, coords, backend, dps, eta, rule=None):
        self.model, self.coords, self.backend, self.dps, self.eta = model, coords, backend, dps, eta
        self.rule = rule
        self.kernels = k = kernels_for(model, coords, rule)
        self.names = tuple(str(v) for v in k.variables)
        self.threshold_name = "2/eta"
        with self.scope():
            self.raw_step, self._run = k.step.bind(backend, [eta])
            self._obs = k.observables.bind(backend, [eta])[0]
            self.raw_jacobian = k.jacobian.bind(backend, [eta])[0]
            self._hess = k.hessian.bind(backend, [eta])[0] if k.hessian is not None else None
            self.two_over_eta = number(backend, 2) / number(backend, eta)
            if k.threshold is not None:
                self.two_over_eta = k.threshold.bind(backend, [eta])[0]()[0]
                self.threshold_name = f"the {rule.spec} threshold"

    def scope(self):
        return precision_scope(self.backend, self.dps)

    def number(self, value):
        with self.scope():
            return number(self.backend, value)

    def advance(self, u, n):
        """$u \\mapsto F^n(u)$."""
        with self.scope():
            return self._run(*u, n)

    def step(self, u):
        with self.scope():
            return self.raw_step(*u)

    def jacobian(self, u):
        with self.scope():
            return self.raw_jacobian(*u)

    def observe(self, u):
        """Observables at u: loss, grad_norm, sharpness, and the other chart's coordinates."""
        with self.scope():
            vals = dict(zip(self.kernels.observable_names, self._obs(*u)))
            eigs = [vals.pop(n) for n in list(vals) if n.startswith("eig")]
            g2 = vals.pop("grad_norm_sq")
            sqrt = {"mpfr": gmpy2.sqrt, "mpmath": mpmath.sqrt,
                    "arb": lambda v: v.nonnegative_part().sqrt(),  # |grad L|^2 >= 0
                    "float": lambda v: float(v) ** 0.5}[self.backend]
            vals["grad_norm"] = sqrt(g2)
            vals["sharpness"] = self._top(eigs, u)
        return vals

    def _top(self, eigs, u):
        if not eigs:
            return self._eigsy(u)
        if self.backend == "arb":
            top = eigs[0]
            for e in eigs[1:]:
                top = top.max(e)
            return top
        finite = [e for e in eigs if is_finite(self.backend, e)]
        return max(finite) if finite else eigs[0]

    def _eigsy(self, u):
        """Top eigenvalue of the symmetric Hessian by `mpmath.eigsy` at `dps` digits.

        For Arb the midpoint matrix is solved and the ball widened by Weyl's bound
        $|\\lambda(H) - \\lambda(H_{mid})| \\le \\|H - H_{mid}\\|_F$ plus $n \\max|H_{ij}|\\,
        10^{5-dps}$ for the eigen-solver's own rounding (which is not itself enclosed)."""
        entries = self._hess(*u)
        n = int(round(len(entries) ** 0.5))
        with mpmath.workdps(self.dps):
            if self.backend == "mpfr":
                conv = lambda v: mpmath.mpf(v.as_mantissa_exp())  # noqa: E731
            elif self.backend == "arb":
                conv = lambda v: mpmath.mpf(v.mid().str(self.dps + 5, radius=False))  # noqa
            else:
                conv = mpmath.mpf
            H = mpmath.matrix(n, n)
            for i in range(n):
                for j in range(n):
                    H[i, j] = conv(entries[i * n + j])
            if not all(mpmath.isfinite(H[i, j]) for i in range(n) for j in range(n)):
                return number(self.backend, 0) * float("nan")
            top = max(mpmath.eigsy(H, eigvals_only=True))
            text = mpmath.nstr(top, self.dps + 5, min_fixed=0, max_fixed=0)
        if self.backend == "arb":
            import flint
            with self.scope():
                weyl = sum(e.rad() ** 2 for e in entries).sqrt()
                scale = max(abs(float(v)) for v in H) * n * 10.0 ** (5 - self.dps)
                return flint.arb(flint.arb(text).mid(), (weyl + scale + flint.arb(text).rad()
                                                         ).upper())
        return top if self.backend == "mpmath" else number(self.backend, text)


def escape_radius(backend, u0):
    return ESCAPE_FACTOR * max(1.0, *(magnitude(backend, v) for v in u0))


def escaped(backend, u, radius):
    """True when u is not finite or $\\|u\\|_\\infty \\ge$ radius."""
    return any(not magnitude(backend, v) < radius for v in u)


def iterate(engine, u, steps, every, start=0, check=256):
    """Yield ``(t, u_t, recorded)`` for t on the grid of `every` (recorded=True) and of
    `check` (bound checks, recorded=False), from ``t = start`` to `steps` (always yielded).

    A generator of states only: it never stops early; the caller stops consuming it.
    """
    if steps < start:
        raise EosError(f"steps: the run is already at step {start}, asked for {steps}")
    t = start
    while t < steps:
        nxt = min(steps, (t // every + 1) * every, (t // check + 1) * check)
        u = engine.advance(u, nxt - t)
        t = nxt
        yield t, u, (t % every == 0 or t == steps)


def exit_step(engine, u, t, radius, limit):
    """Replay from a good state ``u`` at step t one step at a time; return ``(t_exit, u_prev,
    u_exit)`` for the first state outside the ball (or None within `limit` steps)."""
    for _ in range(limit):
        nxt = engine.step(u)
        if escaped(engine.backend, nxt, radius):
            return t + 1, u, nxt
        u, t = nxt, t + 1
    return None


@dataclass(frozen=True)
class Escape:
    """Where an orbit left the bounded region: step, last state inside, first state outside,
    and whether it was a chart failure (nan without overflow: the (a, b) map's square root
    of a negative number, i.e. the orbit crossed x = y) rather than unbounded growth."""

    step: int
    inside: tuple
    outside: tuple
    chart: bool


def locate_escape(engine, good_u, good_t, radius, block):
    """The `Escape` within the block that started at (good_t, good_u)."""
    found = exit_step(engine, good_u, good_t, radius, block)
    if found is None:  # cannot happen for a deterministic map; be explicit rather than crash
        raise EosError("internal: escape not reproduced on replay")
    t, inside, outside = found
    chart = engine.coords == "ab" and all(
        magnitude(engine.backend, v) != float("inf") or _is_nan(engine.backend, v)
        for v in outside) and any(_is_nan(engine.backend, v) for v in outside)
    return Escape(t, inside, outside, chart)


def _is_nan(backend, v):
    if backend == "mpfr":
        return gmpy2.is_nan(v)
    if backend == "mpmath":
        return mpmath.isnan(v)
    if backend == "arb":
        return not v.is_finite()
    return v != v
