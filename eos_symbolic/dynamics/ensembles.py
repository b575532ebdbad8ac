"""Many starts at once: the exact (a, b) map in float64, vectorised, with extrapolated limits.

`run_ensemble` iterates the cancellation-free exact map (C7, `kernels_for(model, "ab")`) on
an array of starts in chunks, marking each start `diverged` (left the chart or overflowed),
`settled` (a < 0 and $|b| < s\\,\\kappa^2$: within ~$10^{-3}\\kappa^3$ of its end point) or
`moving`. The end point is extrapolated from the contracting tail: with
$b'' \\approx b(1 + 8a\\kappa)$ and $a' - a \\approx -2b^2\\kappa^3$ the remaining drift is
$\\sum_t -2 b_t^2 \\kappa^3 = \\kappa^2 b^2 / (4a)$. The limit sharpness is the largest Hessian
eigenvalue at $(a_\\infty, 0)$, evaluated at 30 digits. `certify_start` re-runs one start
with the certified engine (`run_trajectory`, two precisions) for the same number of steps.
"""
from dataclasses import dataclass, field
from fractions import Fraction

import mpmath
import numpy as np

from ..numeric.backends import precision_scope
from ..numeric.kernels import kernels_for
from ..numeric.trajectory import run_trajectory

#: A start is settled once $a < 0$ and $|b| < s\,\kappa^2$ with $s$ = `SETTLE`.
SETTLE = 0.02


@dataclass
class Ensemble:
    """End states of an ensemble: `status` per start (settled / moving / diverged),
    final (a, b), extrapolated `a_limit`, `gap_over_eta` = (2/eta - sharpness)/eta at the
    limit, and `steps` run."""

    eta: str
    kappa: float
    starts: np.ndarray
    a: np.ndarray
    b: np.ndarray
    status: np.ndarray
    a_limit: np.ndarray
    gap_over_eta: np.ndarray
    steps: int
    extra: dict = field(default_factory=dict)

    @property
    def a_over_kappa3(self):
        k = np.sqrt(self.eta_each()) if "eta_each" in self.extra else self.kappa
        return self.a_limit / k ** 3

    def eta_each(self):
        """Step size of every start (ensembles merged over several eta carry one each)."""
        if "eta_each" in self.extra:
            return np.array([float(Fraction(e)) for e in self.extra["eta_each"]])
        return np.full(len(self.a), float(Fraction(self.eta)))

    def eta_text(self, i):
        return self.extra["eta_each"][i] if "eta_each" in self.extra else self.eta


def run_ensemble(model, eta, starts, max_steps, settle=SETTLE):
    """Iterate starts (N x 2 array of (a0, b0)) at step `eta` (exact text) up to `max_steps`
    steps, stopping early once every start is settled or diverged."""
    eta = str(eta)
    eta_f = float(Fraction(eta))
    kap = eta_f ** 0.5
    k = kernels_for(model, "ab")
    _, run = k.step.bind("float", [eta])
    a, b = (np.array(starts[:, i], dtype=float) for i in (0, 1))
    chunk = int(max(500, min(max_steps, 0.5 / kap ** 4)))
    done, status = 0, np.full(len(a), "moving", dtype=object)
    with np.errstate(all="ignore"):
        while done < max_steps:
            n = min(chunk, max_steps - done)
            a, b = run(a, b, n)
            a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
            done += n
            bad = ~np.isfinite(a) | ~np.isfinite(b) | (b <= -1) | (np.abs(a) > 1e8)
            a[bad], b[bad] = np.nan, np.nan
            ok = ~bad & (a < 0) & (np.abs(b) < settle * kap ** 2)
            status[:] = "moving"
            status[ok], status[bad] = "settled", "diverged"
            if np.all(bad | ok):
                break
        a_lim = np.where(a < 0, a + kap ** 2 * b ** 2 / (4 * np.where(a < 0, a, -1)), a)
    gaps = limit_gaps(model, eta, a_lim)
    return Ensemble(eta, kap, np.asarray(starts, float), a, b, status, a_lim, gaps, done)


def limit_gaps(model, eta, a_limit, dps=30):
    """(2/eta - sharpness at (a, 0)) / eta for each a in `a_limit` (nan stays nan)."""
    k = kernels_for(model, "ab")
    idx = [i for i, n in enumerate(k.observable_names) if n.startswith("eig")]
    out = np.full(len(a_limit), np.nan)
    with precision_scope("mpmath", dps):
        obs, _ = k.observables.bind("mpmath", [eta])
        e = mpmath.mpf(Fraction(eta).numerator) / Fraction(eta).denominator
        for i, av in enumerate(a_limit):
            if np.isfinite(av):
                vals = obs(mpmath.mpf(float(av)), mpmath.mpf(0))
                sharp = max(vals[j] for j in idx)
                out[i] = float((2 / e - sharp) / e)
    return out


def certify_start(model, eta, start, steps, dps=30):
    """Certified re-run of one (a0, b0) start for `steps` steps: final a, b and digits."""
    tr = run_trajectory(model, str(eta), {"a": repr(float(start[0])), "b": repr(float(start[1]))},
                        int(steps), dps=dps, coords="ab")
    final = tr.to_dict()["final"]
    return {"a": final.get("a"), "b": final.get("b"), "outcome": tr.outcome.kind,
            "certification": tr.certification.get("label"),
            "command": f"eos-symbolic trajectory --model {model.name} --eta {eta} --coords ab "
                       f"--start a={float(start[0])!r},b={float(start[1])!r} --steps {steps}"}


def xy_to_ab(model, eta, x, y):
    """Float chart (x, y) -> (a, b) = (sqrt(x^2 - y^2) - c_check, xy - 1) (C5-C6)."""
    import sympy as sp

    from ..symbolic.reparam import reparameterise
    from ..symbolic.symbols import kappa
    cc = float(reparameterise(model).c_check.subs(kappa, sp.sqrt(sp.Rational(eta))))
    x, y = np.asarray(x, float), np.asarray(y, float)
    with np.errstate(invalid="ignore"):
        return np.sqrt(x * x - y * y) - cc, x * y - 1


def summary(ens, lo, hi, quantity="a_over_kappa3"):
    """Statistics of one ensemble against the open interval (lo, hi) of `quantity`
    (``a_over_kappa3`` or ``gap_over_eta``): fractions, spread, worst start and margin."""
    vals = ens.a_over_kappa3 if quantity == "a_over_kappa3" else ens.gap_over_eta
    settled = ens.status == "settled"
    inside = settled & (vals > lo) & (vals < hi)
    margin = np.where(settled, np.minimum(vals - lo, hi - vals), -np.inf)
    worst = int(np.argmin(margin))
    s = vals[settled]
    other = ens.gap_over_eta if quantity == "a_over_kappa3" else ens.a_over_kappa3
    return {"kappa": round(ens.kappa, 6), "eta": ens.eta, "starts": len(vals),
            "steps": ens.steps, "settled": int(settled.sum()),
            "diverged": int((ens.status == "diverged").sum()),
            "still_moving": int((ens.status == "moving").sum()),
            "fraction_in_interval": round(float(inside.mean()), 4),
            quantity: _stats(s), ("gap_over_eta" if quantity == "a_over_kappa3" else
                                  "a_over_kappa3"): _stats(other[settled]),
            "min_margin": None if not np.isfinite(margin[worst]) else float(margin[worst]),
            "worst_start": {"index": worst, "eta": ens.eta_text(worst),
                            "a0": float(ens.starts[worst, 0]), "b0": float(ens.starts[worst, 1]),
                            "status": str(ens.status[worst]),
                            "value": None if not np.isfinite(vals[worst]) else float(vals[worst])}}


def _stats(v):
    if len(v) == 0:
        return None
    return {"min": float(np.min(v)), "median": float(np.median(v)), "max": float(np.max(v))}
