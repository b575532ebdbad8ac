"""Float64 companions of a high-precision run: the digits it loses, at the price of floats.

A run at unit roundoff $u$ has, to first order, the error
$e_t = \\sum_{s \\le t} J_{t \\leftarrow s} r_s$ with rounding errors
$|r_s| \\lesssim u\\,|F|$: linear in $u$, amplified by the orbit's own Jacobians. So the
digits lost, $\\lambda_t = \\log_{10}(|e_t| / u)$, are a property of the orbit, not of the
precision. $K = 4$ float64 companions ($u_c = 2^{-53}$) run the same straight-line program
(`compile.float_parts`, compiled by `float_jit`) from the start and with the step size each
perturbed by $\\pm 2 u_c$ (independent samples of the rounding errors); against the primary
mpfr run $p$ at $D$ digits they measure
$\\lambda_t = \\log_{10}(\\max_k |c_k - p| / |p| / u_c)$ per coordinate and per observable,
and the primary then has $\\lfloor \\min(A, D) - \\max(0, \\lambda_t) - M \\rfloor$ digits:
$A = D$ for companions started with the run, $A$ = the digits certified at the step where
they were started from the primary's state (after a transient measured by two mpfr runs);
the margin $M = 1$ covers that the errors of two runs are two independent random sums (the
largest of four falls short of the primary's by a factor 10 with probability about
$10^{-5}$ when the sums are Gaussian). Valid while the companions keep at least 4 digits
(the linear regime): beyond $\\lambda = 11$ they are `exhausted` and the run continues with
two mpfr runs.

`loss_profile` iterates float64 orbits with a tangent vector (the growth of a perturbation,
$\\sum \\log_{10} \\|J w\\|$ with $w$ renormalised) to predict how many digits a transient will
cost before a run at high precision is started.
"""
import ctypes
import math
import random
from fractions import Fraction

import gmpy2
import numpy as np

from .backends import number, precision_scope
from .float_jit import CompiledKernels, module_ir, recorded
from .iterate import Engine, escape_radius, escaped, locate_escape
from .kernels import kernels_for
from .precision import decimal_row
from .record import exact_string, from_exact

K = 4
U_C = 2.0 ** -53
MARGIN = 1
LOSS_CAP = 11  # digits: beyond, a companion keeps fewer than 4 of its 15.95
_LOG10_UC = math.log10(U_C)


def _derived(kernels, oout, threshold="2.0 / p0"):
    """float64 expressions of grad_norm, sharpness (the largest closed-form eigenvalue; nan
    without one: then `CompanionRunner` solves for it) and gap = threshold - sharpness (the
    threshold: 2/eta, or an update rule's, see `float_jit.module_ir`)."""
    names = list(kernels.observable_names)
    eigs = [oout[i] for i, n in enumerate(names) if n.startswith("eig")]
    top = (eigs[0] if len(eigs) == 1 else f"max({', '.join(eigs)})") if eigs else "np.nan"
    return [f"sqrt({oout[names.index('grad_norm_sq')]})", top, f"({threshold}) - ({top})"]


_COMPILED = {}


def companion_kernels(kernels):
    """The companions' kernels of `kernels` (`float_jit`), compiled once a process."""
    key = (kernels.step.source, kernels.observables.source, kernels.jacobian.source,
           kernels.threshold.source if kernels.threshold is not None else None)
    if key not in _COMPILED:
        _COMPILED[key] = CompiledKernels(module_ir(kernels, lambda o, h: _derived(kernels, o, h)))
    return _COMPILED[key]


def perturbed(value, rng):
    """float(value (1 + eps u_c)), eps uniform in [-2, 2], exactly rounded from the rational."""
    eps = Fraction(rng.randint(-2 ** 20, 2 ** 20), 2 ** 19)
    return float(Fraction(value) * (1 + eps * Fraction(1, 2 ** 53)))


def loss_profile(model, coords, eta, values, converter, steps, every=64, probes=K,
                 chunk=8192, rule=None):
    """Predicted digits lost by step t, on the grid of `every` steps: the largest over
    `probes` float64 orbits of the cumulative $\\log_{10}$ growth of a tangent vector (nan
    once an orbit is no longer finite). Probing stops early, after at least four chunks,
    once the second half of the steps so far added less than one digit to the peak (the
    transient is over); the profile then ends there."""
    mod = companion_kernels(kernels_for(model, coords, rule))
    rng = random.Random(7)
    P = np.array([perturbed(eta, rng) for _ in range(probes)])
    V = _starts(P, values, converter, rng)
    W = np.full_like(V, 1.0 / math.sqrt(V.shape[1]))
    T, parts, done = np.zeros(probes), [], 0
    while done < steps:
        n = min(chunk, steps - done)
        L = np.full((probes, max(1, n // every)), np.nan)
        with np.errstate(all="ignore"):
            mod.probe(V, W, P, n, every, L, T)
        parts.append(np.max(L, axis=0))
        done += n
        prof = np.concatenate(parts)
        if done >= 4 * chunk and np.all(np.isfinite(prof)) and (
                np.max(prof) - np.max(prof[:len(prof) // 2]) < 1):
            break
    return np.concatenate(parts)


def _loss(primary, err):
    """$\\lambda$ in digits of one quantity from the companions' largest distance `err` to
    the primary's value (mpfr): -inf when they agree exactly, inf when they cannot be
    compared (not finite, or outside the float64 range)."""
    p = float(primary) if gmpy2.is_finite(primary) else math.nan
    if not (math.isfinite(p) and err < math.inf) or (p == 0) != (primary == 0) or (
            0 < abs(p) < 1e-290):
        return math.inf
    if err == 0:
        return -math.inf
    return math.inf if p == 0 else math.log10(err / abs(p)) - _LOG10_UC


def _starts(P, values, converter, rng):
    """Perturbed float64 starts of companions at step sizes P (through the chart map
    `converter` when the start is given in other coordinates)."""
    V = np.array([[perturbed(v, rng) for v in values] for _ in P])
    if converter is not None:
        with precision_scope("float", 16), np.errstate(all="ignore"):
            V = np.array([converter.bind("float", [p])[0](*row) for p, row in zip(P, V)],
                         dtype=np.float64)
    return np.ascontiguousarray(V, dtype=np.float64)


class CompanionRunner:
    """Primary mpfr run at `dps` digits with `K` float64 companions (module docstring).

    State: ``(u, V)``, the primary's mpfr tuple and the companions' array (K x coords).
    `sync` = digits certified at the step the companions were started from the primary
    (None: from the start). Interface as `precision.TwoPrecisionRunner`.
    """

    method = "two-precision (float64 companions: digits lost transferred)"
    check_every = 1024  # steps between checks: a check costs about 20 steps here

    def __init__(self, model, coords, eta, dps, sync=None, rule=None):
        self.dps, self.sync, self.rule = dps, sync, rule
        self.precisions = [dps, 16]
        self.primary = Engine(model, coords, "mpfr", dps, eta, rule)
        self.engines = (self.primary,)
        self.names = self.primary.names
        self.kernels = self.primary.kernels
        self.module = companion_kernels(self.kernels)
        # deterministic perturbations (a resumed run continues bit for bit)
        self._rng = random.Random(2 * dps + (sync is not None))
        self.P = np.array([perturbed(eta, self._rng) for _ in range(K)])
        self._last, self._order = (None, None), recorded(self.kernels)
        m = len(self._order)  # reused buffers: (Q, Z) in and (E, D, lambda) out
        self._qz, self._out = (ctypes.c_double * (2 * m))(), (ctypes.c_double * (3 * m))()
        self._addresses = [self.P.ctypes.data] + [ctypes.addressof(b) for b in (self._qz,
                                                                                self._out)]
        self._slot = {n: m + j for j, n in enumerate(self._order)}  # of D in OUT
        self._at = (None, None)  # the companions' array advanced last, and its address
        if self.kernels.hessian is not None:
            with precision_scope("float", 16):
                self._hess_f = self.kernels.hessian.bind("float", [self.P])[0]

    def start(self, values, converter=None):
        eng = self.primary
        with eng.scope():
            u = tuple(number("mpfr", v) for v in values)
            if converter is not None:
                u = converter.bind("mpfr", [eng.eta])[0](*u)
        self.radius = escape_radius("mpfr", u)
        return tuple(u), _starts(self.P, values, converter, self._rng)

    def synchronised(self, u):
        """Companions started from the primary state `u` (built with `sync` digits)."""
        exact = [Fraction(*v.as_integer_ratio()) for v in u]
        return tuple(u), _starts(self.P, exact, None, self._rng)

    def advance(self, state, n):
        u, V = state
        V = V.copy()
        self._at = (V, V.ctypes.data)  # V: ours, K x nv; its address again for the row
        self.module.ensemble_at(self._at[1], self._addresses[0], K, n)
        return self.primary.advance(u, n), V

    def escaped(self, state):
        return escaped("mpfr", state[0], self.radius)

    def locate_escape(self, good_state, good_t, block):
        """Exit step of the primary run and whether every companion leaves at that step."""
        first = locate_escape(self.primary, good_state[0], good_t, self.radius, block)
        V, exits = good_state[1].copy(), np.full(K, -1)
        with np.errstate(all="ignore"):
            for t in range(good_t + 1, first.step + 1):
                self.module.ensemble(V, self.P, 1)
                out = ~np.all(np.abs(V) < self.radius, axis=1) & (exits < 0)
                exits[out] = t
        return first, bool(np.all(exits == first.step))

    def primary_values(self, state):
        return state[0]

    @staticmethod
    def losses(primaries, C):
        """$\\lambda$ per quantity: the primary's values (mpfr) against the rows of C
        (quantities x companions), by `_loss`."""
        return [_loss(v, max(abs(c - float(v)) for c in row) if gmpy2.is_finite(v)
                      else math.inf) for v, row in zip(primaries, np.asarray(C).tolist())]

    def state_loss(self, state):
        u, V = state
        if self._last[0] is not V:  # asked twice per check (exhausted, error)
            self._last = (V, max(self.losses(u, V.T)))
        return self._last[1]

    def exhausted(self, state):
        return not self.state_loss(state) <= LOSS_CAP

    def digits(self, loss, cap):
        top = min(self.dps if self.sync is None else self.sync, self.dps, cap)
        return 0 if not loss < math.inf else int(max(0, min(cap, top - max(0, loss) - MARGIN)))

    def state_error_log2(self, state):
        """log2 of the primary's inferred relative error (from the state's digits)."""
        loss = self.state_loss(state)
        if not loss < math.inf:
            return math.inf
        top = min(self.dps, self.sync if self.sync is not None else self.dps)
        return -(top - max(0.0, loss) - MARGIN) / math.log10(2)

    def row(self, state, t, row_digits=None):
        u, V = state
        shown = min(self.dps, row_digits or self.dps)
        obs = dict(zip(self.names, u), **self.primary.observe(u))
        with self.primary.scope():
            obs["gap"] = self.primary.two_over_eta - obs["sharpness"]
        values, digits = decimal_row(obs, self.names, shown, t)
        got = [obs.get(n) for n in self._order]
        # a non-finite value is compared as such by the kernel (no digits); None is nan
        self._qz[:] = [math.nan if v is None else float(v) for v in got] + [
            1.0 if v is not None and v == 0 else 0.0 for v in got]
        top = min(self.dps if self.sync is None else self.sync, self.dps, shown)
        at = self._at[1] if self._at[0] is V else V.ctypes.data
        P, QZ, OUT = self._addresses
        self.module.errors_at(at, P, QZ, OUT, K, float(top), float(MARGIN))
        m, out = len(got), self._out[:]
        self._last = (V, max(out[2 * m:2 * m + len(u)]))  # the state's loss, for later
        slot = self._slot
        for n, v in values.items():
            if n != "step":
                digits[n] = None if v is None else int(out[slot[n]])
        if not self.kernels.closed_form_eigenvalues:  # sharpness by a numeric eigen-solve
            top_eig = self._eigh([V[:, i] for i in range(V.shape[1])])
            for name, c in (("sharpness", top_eig), ("gap", 2.0 / self.P - top_eig)):
                if values.get(name) is None:
                    continue
                err = float(np.max(np.abs(c - float(obs[name])))) if np.all(
                    np.isfinite(c)) else math.inf
                digits[name] = self.digits(_loss(obs[name], err), shown)
        return values, digits

    def _eigh(self, cols):
        with precision_scope("float", 16):
            entries = [np.broadcast_to(np.asarray(e, dtype=np.float64), (K,))
                       for e in self._hess_f(*cols)]
        n = int(round(len(entries) ** 0.5))
        H = np.stack(entries, axis=-1).reshape(K, n, n)
        if not np.all(np.isfinite(H)):
            return np.full(K, np.nan)
        return np.linalg.eigvalsh(H)[:, -1]

    def dump(self, state):
        u, V = state
        return [[exact_string("mpfr", v) for v in u]] + [[float(c).hex() for c in row]
                                                         for row in V]

    def load(self, texts):
        with self.primary.scope():
            u = tuple(from_exact("mpfr", s) for s in texts[0])
        V = np.array([[float.fromhex(s) for s in row] for row in texts[1:]], dtype=np.float64)
        return u, V
