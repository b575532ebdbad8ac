"""Outcomes of an orbit's end: converged, diverged, left the chart, period-$2^k$, still moving.

From the final state $u_N$ the map is run $L$ more steps (a look-ahead used only for the
verdict, never recorded). With $e_t = \\|u_{t+1} - u_t\\|_\\infty / s$ ($s = \\max(1, \\|u_N\\|)$)
and $\\rho$ its per-step contraction over the window, the distance to a fixed limit is at most
$e_N / (1 - \\rho)$ (geometric tail); the orbit has *converged* when that is below `tol`.
It is *period p* ($p = 2, 4, \\dots$) when the same test holds for $\\|u_{t+p} - u_t\\|$ but not
for $p/2$; the cycle comes with the multipliers of $DF^p$ (chain rule along the cycle). A flip
orbit approaching a fixed point (multiplier $-\\rho$) is extrapolated to
$u_\\infty \\approx u_N + \\Delta (-\\rho)/(1+\\rho)$, $\\Delta = u_N - u_{N-1}$.
On a loss without a minimum at a finite point (logistic: $L \\to 0$ only at infinity) an
orbit whose $\\|u\\|_\\infty$ grows at every step of the window while the loss falls is
*escaping* (to infinity, the loss tending to its infimum); that is an observation over the
window, stated with its numbers, not a proof.
"""
import math
from dataclasses import dataclass, field
from fractions import Fraction

import mpmath

from .iterate import escaped, magnitude

LOOKAHEAD = 256
MAX_PERIOD = 64


@dataclass(frozen=True)
class Outcome:
    """Outcome of a run: `kind` is ``converged``, ``diverged``, ``left-domain``,
    ``period-2``/``period-4``/..., ``escaping`` or ``still-moving``; `message` says what happened and what
    to try; `details` holds the numbers (decimal strings or floats)."""

    kind: str
    message: str
    step: int = None
    details: dict = field(default_factory=dict)

    def to_dict(self):
        return {"kind": self.kind, "message": self.message, "step": self.step,
                "details": self.details}


def _dist(a, b):
    return max(magnitude("mpfr", p - q) for p, q in zip(a, b))


def _fmt(v, digits=12):
    return mpmath.nstr(mpmath.mpf(v.as_mantissa_exp()) if hasattr(v, "as_mantissa_exp") else v,
                       digits)


def escape_outcome(escape, confirmed, names, radius):
    """Outcome for an orbit that left the ball of `radius` (or the (a, b) chart)."""
    where = ", ".join(f"{n} = {_fmt(v, 8)}" for n, v in zip(names, escape.inside))
    if escape.chart:
        return Outcome("left-domain", f"left the (a, b) chart at step {escape.step}: the map "
                       "took a square root of a negative number (the orbit crossed x = y), from "
                       f"{where}; rerun with --coords xy to follow it", escape.step,
                       {"inside": [str(v) for v in escape.inside]})
    sure = " (same exit step at both precisions)" if confirmed else ""
    return Outcome("diverged", f"diverged: left the bounded region |u| < {radius:.3g} at step "
                   f"{escape.step}{sure}; last state inside: {where}", escape.step,
                   {"inside": [str(v) for v in escape.inside], "radius": radius,
                    "confirmed": confirmed})


def classify(engine, u, t, tol=1e-10, lookahead=LOOKAHEAD):
    """Outcome for an orbit that is still bounded at step t (state u at the engine's precision)."""
    orbit = [u]
    radius = 1e12 * max(1.0, *(magnitude("mpfr", v) for v in u))
    for k in range(lookahead):
        nxt = engine.step(orbit[-1])
        if escaped(engine.backend, nxt, radius):
            return Outcome("still-moving", f"still moving at step {t}, and leaves the bounded "
                           f"region {k + 1} steps later; run longer to see it diverge", t,
                           {"escape_in": k + 1})
        orbit.append(nxt)
    scale = max(1.0, *(magnitude("mpfr", v) for v in u))
    floor = 10.0 ** (3 - engine.dps)  # steps this small are rounding noise: the orbit stopped
    with engine.scope():
        rho, tail, flip, size = _tail(orbit, scale, 1, floor)
        if tail <= tol:
            # the verdict is about u_t, not about the look-ahead's end: u_t is within
            # |u_t - u_{t+L}| + tail of the limit
            now = _dist(orbit[0], orbit[-1]) / scale + tail
            if now <= tol:
                return _converged(engine, orbit, t, rho, tail, flip)
            return _settling(engine, orbit, t, now, tol, "its limit")
        p, prev = 2, size
        while p <= min(MAX_PERIOD, (len(orbit) - 1) // 8):
            _, tail_p, _, size_p = _tail(orbit, scale, p, floor)
            if tail_p <= tol and prev > 100 * tol:
                last = ((len(orbit) - 1) // p) * p
                now = _dist(orbit[0], orbit[last]) / scale + tail_p
                if now <= tol:
                    return _periodic(engine, orbit, t, p, tail_p)
                return _settling(engine, orbit, t, now, tol, f"a period-{p} cycle")
            p, prev = 2 * p, size_p
        away = _escaping(engine, orbit, t)
        if away is not None:
            return away
        return _moving(engine, orbit, t, rho, tail, flip, size, tol)


def _escaping(engine, orbit, t):
    """The ``escaping`` outcome of the module docstring, or None."""
    from ..symbolic.analytic import composite
    from ..symbolic.minima import has_minima
    model = engine.model
    if model.is_polynomial or has_minima(model):
        return None
    n = len(model.coords)
    norms = [max(magnitude("mpfr", v) for v in u[:n]) for u in orbit]
    if not all(b > a for a, b in zip(norms, norms[1:])):
        return None
    last = len(orbit) - 1
    picks = [orbit[i] for i in sorted(set(range(0, last, max(1, last // 8))) | {last})]
    losses = [float(engine.observe(v)["loss"]) for v in picks]
    if not all(b < a for a, b in zip(losses, losses[1:])):
        return None
    inf = composite(model).infimum
    msg = (f"escaping to infinity with loss -> {inf} at step {t}: over the next "
           f"{len(orbit) - 1} steps |u| grows at every step ({norms[0]:.6g} -> "
           f"{norms[-1]:.6g}) while the loss falls ({losses[0]:.4g} -> {losses[-1]:.4g}); the "
           f"loss has no minimum at a finite point (its infimum {inf} is approached only at "
           "infinity)")
    return Outcome("escaping", msg, t, {"norm": [norms[0], norms[-1]],
                                        "loss": [losses[0], losses[-1]], "infimum": str(inf)})


def _settling(engine, orbit, t, now, tol, target):
    """Still moving at step t, though the look-ahead shows it settles on `target`."""
    L = len(orbit) - 1
    return Outcome("still-moving", f"still moving at step {t}: {now:.3g} (relative) from "
                   f"{target}, above tol = {tol:g}; the next {L} steps bring it within tol "
                   "(continue with --resume --steps M)", t,
                   {"distance": now, "settles_within": L})


def _tail(orbit, scale, p, floor):
    """For the p-step displacements $e_i = \\|u_{i+p} - u_i\\| / s$: per-step contraction
    $\\rho$, a bound on the remaining distance, whether $F^p$ flips, and the last $e$.

    Monotone: tail $= e / (1 - \\rho^p)$. Flip (multiplier $\\approx -\\rho^p$): the orbit
    oscillates about its limit, tail $= e / (1 + \\rho^p)$ plus the tail of the 2p-step
    displacements (drift of the oscillation's centre)."""
    L = len(orbit) - 1
    seq = [_dist(orbit[i + p], orbit[i]) / scale for i in range(L - p + 1)]
    rho = _rate(seq, 2 * p)
    size = max(seq[-2:])
    if size <= floor:
        return min(rho, 1.0), floor, False, size
    d1 = [a - b for a, b in zip(orbit[L], orbit[L - p])]
    d0 = [a - b for a, b in zip(orbit[L - p], orbit[L - 2 * p])]
    flip = sum(x * y for x, y in zip(d1, d0)) < 0
    if not flip:
        return rho, (size / (1 - rho ** p) if rho < 1 else math.inf), False, size
    seq2 = [_dist(orbit[i + 2 * p], orbit[i]) / scale for i in range(L - 2 * p + 1)]
    rho2, size2 = _rate(seq2, 2 * p), max(seq2[-2:])
    drift = 0.0 if size2 <= floor else (size2 / (1 - rho2 ** (2 * p)) if rho2 < 1 else math.inf)
    return rho, size / (1 + min(rho, 1.0) ** p) + drift, True, size


def _rate(seq, stride):
    """Per-step contraction between the first and last entries a multiple of `stride` apart."""
    n = ((len(seq) - 1) // stride) * stride
    start, end = seq[0], seq[n]
    if end == 0 or n == 0:
        return 0.0
    return math.inf if start == 0 else (end / start) ** (1.0 / n)


def _observe(engine, v):
    obs = engine.observe(v)
    with engine.scope():
        obs["gap"] = engine.two_over_eta - obs["sharpness"]
    return obs


def _limit(engine, orbit, rho, flip):
    """Geometric extrapolation of the limit from the last step $\\Delta$ (see module doc)."""
    last, prev = orbit[-1], orbit[-2]
    factor = -rho / (1 + rho) if flip else (rho / (1 - rho) if rho < 1 else 0.0)
    with engine.scope():
        return tuple(a + (a - b) * factor for a, b in zip(last, prev))


def _describe_limit(engine, limit, tail):
    """Text and numbers for a (possibly extrapolated) limit: loss, sharpness vs 2/eta, a/k^3."""
    obs = _observe(engine, limit)
    names = engine.names
    eta = float(Fraction(str(engine.eta)))
    S, gap, loss = (float(obs[k]) for k in ("sharpness", "gap", "loss"))
    point = ", ".join(f"{n} = {_fmt(v, 15)}" for n, v in zip(names, limit))
    what = "a global minimum" if loss <= max(tail, 1e-150) ** 1.5 or loss < 1e-20 else (
        f"a point with loss {loss:.3g} (not a global minimum)")
    side = "below" if gap > 0 else "above"
    name = getattr(engine, "threshold_name", "2/eta")
    if name == "2/eta":
        text = (f"{what}: {point}; sharpness {_fmt(obs['sharpness'])} = 2/eta - {gap:.6g} "
                f"({side} 2/eta; S*eta/2 = {S * eta / 2:.9f})")
    else:
        top = float(engine.two_over_eta)
        text = (f"{what}: {point}; sharpness {_fmt(obs['sharpness'])} = threshold - {gap:.6g} "
                f"({side} {name} {top:.9g}; S/threshold = {S / top:.9f})")
    details = {"limit": [str(v) for v in limit], "loss": str(obs["loss"]),
               "sharpness": str(obs["sharpness"]), "gap": str(obs["gap"]),
               "sharpness_ratio": S * eta / 2}
    if "a" in obs or "a" in names:
        a_val = obs["a"] if "a" in obs else limit[names.index("a")]
        ratio = float(a_val) / eta ** 1.5
        text += f"; a/kappa^3 = {ratio:.6f}"
        details["a_over_kappa3"] = ratio
    return text, details


def _converged(engine, orbit, t, rho, tail, flip):
    text, details = _describe_limit(engine, _limit(engine, orbit, rho, flip), tail)
    details.update({"tail": tail, "rate": rho, "flip": flip})
    return Outcome("converged", f"converged (distance to the limit < {tail:.2g}) to {text}", t,
                   details)


def _periodic(engine, orbit, t, p, tail):
    cycle = orbit[-p:]
    n = len(engine.names)
    with mpmath.workdps(engine.dps):
        M = mpmath.eye(n)
        for v in cycle:
            J = engine.jacobian(v)
            M = mpmath.matrix([[mpmath.mpf(J[i * n + j].as_mantissa_exp()) for j in range(n)]
                               for i in range(n)]) * M
        mult = mpmath.eig(M, left=False, right=False)
        mult = mult[0] if isinstance(mult, tuple) else mult
        top = max(abs(m) for m in mult)
    losses = [float(_observe(engine, v)["loss"]) for v in cycle]
    pts = "; ".join("(" + ", ".join(_fmt(c, 10) for c in v) + ")" for v in cycle[:4])
    stable = "stable" if top < 1 else ("neutral" if top == 1 else "unstable")
    msg = (f"period-{p} oscillation at step {t} (tail bound {tail:.2g}) through {pts}"
           f"{' ...' if p > 4 else ''}; loss on the cycle up to {max(losses):.4g}; multipliers "
           f"of DF^{p}: {', '.join(mpmath.nstr(m, 6) for m in mult)} ({stable})")
    return Outcome(f"period-{p}", msg, t, {
        "cycle": [[str(c) for c in v] for v in cycle], "max_loss": max(losses),
        "multipliers": [mpmath.nstr(m, 15) for m in mult], "stable": top < 1})


def _moving(engine, orbit, t, rho, tail, flip, size, tol):
    if rho < 1 and math.isfinite(tail):
        more = math.log(tol / tail) / math.log(rho) if 0 < rho and tail > 0 else 0.0
        text, details = _describe_limit(engine, _limit(engine, orbit, rho, flip), tail)
        kind = "oscillating (flip) towards" if flip else "moving towards"
        msg = (f"still moving at step {t}: {kind} a limit, distance < {tail:.3g}, shrinking by a "
               f"factor {rho:.8f} per step (about {more:.3g} more steps to reach tol = {tol:g}; "
               f"continue with --resume --steps M); extrapolated limit: {text}")
        details.update({"step_size": size, "rate": rho, "tail": tail, "flip": flip,
                        "more_steps": more})
        return Outcome("still-moving", msg, t, details)
    msg = (f"still moving at step {t}: steps of size {size:.3g} (relative), not shrinking over "
           f"the last {len(orbit) - 1} steps (irregular or slowly drifting); run longer")
    return Outcome("still-moving", msg, t, {"step_size": size, "rate": rho, "tail": tail})
