"""Two-precision certification: run at D and at D + G digits in lockstep, count agreeing digits.

For a quantity $q$ computed at D digits and $q^*$ at $D + G$ digits, the agreeing digits are
$\\min(D, -\\log_{10}(|q - q^*| / |q^*|))$: the digits of the D-digit result that the more
precise run confirms (an estimate in the sense of mpmath's "re-evaluate at higher precision until
two agree", not a rigorous bound; `arb` gives rigorous balls). The state's relative error
$\\delta_t$ grows like $2^{\\ell t}$ where $\\ell$ is the number of bits lost per step; when fewer
than the requested digits survive, `escalated_dps` picks a larger D and the run starts over.
"""
import bisect
import math

import gmpy2

from ..errors import EosError
from .backends import number
from .iterate import Engine, escape_radius, escaped, is_finite, locate_escape
from .record import decimal_string, exact_string, from_exact

_LOG10_2 = math.log10(2)


def guard_digits(dps):
    """Extra digits of the shadow run: $G = \\max(10, D/4)$."""
    return max(10, dps // 4)


def escalated_dps(dps, agreeing, requested, still_losing, max_dps):
    """Next working precision after only `agreeing` of `requested` digits survived at `dps`.

    While the orbit is still losing digits (a chaotic transient) the loss to come is unknown,
    so the precision doubles (geometric search: the final precision is at most twice what is
    needed); once the loss has stopped, adding the shortfall plus 10 guard digits suffices.
    Returns None when `max_dps` has been reached.
    """
    if dps >= max_dps:
        return None
    short = max(0, requested - agreeing)
    new = 2 * dps + short + 10 if still_losing else dps + short + 10
    return min(new, max_dps)


def agreeing_digits(p, q, cap):
    """$\\min(cap, -\\log_{10}(|p - q| / |q|))$ for mpfr numbers (q the more precise one);
    ``cap`` when equal, 0 when they differ in sign or one is not finite."""
    if p is None or q is None:
        return None
    if not (gmpy2.is_finite(p) and gmpy2.is_finite(q)):
        return cap if (gmpy2.is_nan(p) and gmpy2.is_nan(q)) else 0
    with gmpy2.context(gmpy2.get_context(), precision=max(p.precision, q.precision) + 8):
        diff = abs(p - q)
        if diff == 0:
            return cap
        if q == 0:
            return 0
        rel = diff / abs(q)
        return int(max(0, min(cap, math.floor(-float(gmpy2.log10(rel))))))


def relative_error_log2(p, q):
    """$\\log_2 \\max_i |p_i - q_i| / |q_i|$ of two states (-inf when equal)."""
    worst = -math.inf
    for a, b in zip(p, q):
        if not (gmpy2.is_finite(a) and gmpy2.is_finite(b)):
            return math.inf
        with gmpy2.context(gmpy2.get_context(), precision=max(a.precision, b.precision) + 8):
            d = abs(a - b)
            if d == 0:
                continue
            worst = max(worst, float(gmpy2.log2(d / abs(b))) if b != 0 else math.inf)
    return worst


class TwoPrecisionRunner:
    """Primary run at `dps`, shadow at `dps + guard_digits(dps)` (mpfr), advanced in lockstep.

    State: ``(u, u_star)``. `row` returns decimal strings of the primary values with the
    agreeing digits of every quantity; `state_digits` the minimum over the coordinates.
    """

    method = "two-precision agreement"

    def __init__(self, model, coords, eta, dps, shadow_dps=None, rule=None):
        backend = "mpfr"
        self.dps, self.rule = dps, rule
        self.precisions = [dps, shadow_dps or dps + guard_digits(dps)]
        self.primary = Engine(model, coords, backend, self.precisions[0], eta, rule)
        self.shadow = Engine(model, coords, backend, self.precisions[1], eta, rule)
        self.engines = (self.primary, self.shadow)
        self.names = self.primary.names

    def start(self, values, converter=None):
        state = []
        for eng in self.engines:
            with eng.scope():
                u = tuple(number(eng.backend, v) for v in values)
                if converter is not None:
                    u = converter.bind(eng.backend, [eng.eta])[0](*u)
            state.append(tuple(u))
        self.radius = escape_radius("mpfr", state[-1])
        return tuple(state)

    def advance(self, state, n):
        return tuple(eng.advance(u, n) for eng, u in zip(self.engines, state))

    def escaped(self, state):
        return escaped(self.primary.backend, state[0], self.radius) or escaped(
            self.shadow.backend, state[1], self.radius)

    def locate_escape(self, good_state, good_t, block):
        """Exit step of the primary run and whether the shadow run leaves at the same step."""
        first = locate_escape(self.primary, good_state[0], good_t, self.radius, block)
        try:
            other = locate_escape(self.shadow, good_state[1], good_t, self.radius, block)
            confirmed = other.step == first.step
        except EosError:
            confirmed = False
        return first, confirmed

    def primary_values(self, state):
        return state[0]

    def downshift(self, state, dps):
        """Continue at `dps` (shadow `dps + guard`): rebuild the engines and round the state."""
        fresh = type(self)(self.primary.model, self.primary.coords, self.primary.eta, dps,
                           rule=self.rule)
        self.__dict__.update({k: v for k, v in fresh.__dict__.items() if k != "radius"})
        out = []
        for eng, u in zip(self.engines, state):
            with eng.scope():
                out.append(tuple(+v for v in u))
        return tuple(out)

    def state_error_log2(self, state):
        return relative_error_log2(*state)

    def row(self, state, t, row_digits=None):
        """(values, digits) at step t: primary decimal strings and agreeing digits."""
        obs = [dict(zip(eng.names, u), **eng.observe(u)) for eng, u in zip(self.engines, state)]
        for o, eng in zip(obs, self.engines):
            with eng.scope():
                o["gap"] = eng.two_over_eta - o["sharpness"]
        values, digits = {"step": t}, {}
        shown = min(self.dps, row_digits or self.dps)
        for name, v in obs[0].items():
            ok = is_finite("mpfr", v) or name in self.names
            values[name] = decimal_string("mpfr", v, shown) if ok else None
            digits[name] = agreeing_digits(v, obs[1][name], shown) if ok else None
        return values, digits

    def dump(self, state):
        return [[exact_string(eng.backend, v) for v in u] for eng, u in zip(self.engines, state)]

    def load(self, texts):
        """The state from `dump` output (call `start` first: it fixes the escape radius)."""
        out = []
        for eng, row in zip(self.engines, texts):
            with eng.scope():
                out.append(tuple(from_exact(eng.backend, s) for s in row))
        return tuple(out)


class SingleRunner(TwoPrecisionRunner):
    """One mpfr run at `dps` with no second precision: every result is labelled uncertified."""

    method = "none (single precision, uncertified)"

    def __init__(self, model, coords, eta, dps, rule=None):
        self.dps, self.precisions, self.rule = dps, [dps], rule
        self.primary = Engine(model, coords, "mpfr", dps, eta, rule)
        self.engines = (self.primary,)
        self.names = self.primary.names

    def escaped(self, state):
        return escaped("mpfr", state[0], self.radius)

    def locate_escape(self, good_state, good_t, block):
        return locate_escape(self.primary, good_state[0], good_t, self.radius, block), False

    def state_error_log2(self, state):
        return None

    def row(self, state, t, row_digits=None):
        u = state[0]
        obs = dict(zip(self.names, u), **self.primary.observe(u))
        with self.primary.scope():
            obs["gap"] = self.primary.two_over_eta - obs["sharpness"]
        values, shown = {"step": t}, min(self.dps, row_digits or self.dps)
        for name, v in obs.items():
            ok = is_finite("mpfr", v) or name in self.names
            values[name] = decimal_string("mpfr", v, shown) if ok else None
        return values, {}


def still_losing(history, t):
    """Did the state lose more than one digit over the last max(1000, t/10) steps?"""
    window = max(1000, t // 10)
    i = bisect.bisect_right(history, (t - window, math.inf)) - 1
    if i < 0 or not math.isfinite(history[-1][1]):
        return True
    return history[-1][1] - history[i][1] > 1 / _LOG10_2


def certification(rec, runner, digits):
    """Summary: method, requested digits, certified digits per quantity (final row and the
    minimum over rows), bits lost per step, precisions and escalations, and a label."""
    final = {k: col[-1] for k, col in rec.digits.items()} if rec.digits else {}
    lowest = {k: min((d for d in col if d is not None), default=None)
              for k, col in rec.digits.items()}
    state_digits = min((final.get(n) for n in runner.names if final.get(n) is not None),
                       default=None)
    # growth of the state's relative error between records at the same precision (a drop
    # back to fewer digits after a transient re-rounds the state and is not a loss)
    errs = [row for row in rec.error_log2 if row[1] is not None]
    pairs = [(a, b) for a, b in zip(errs, errs[1:]) if a[2] == b[2] and b[0] > a[0]]
    lost = worst = None
    if pairs:
        span = sum(b[0] - a[0] for a, b in pairs)
        lost = max(0.0, sum(b[1] - a[1] for a, b in pairs) / span)
        worst = max(0.0, max((b[1] - a[1]) / (b[0] - a[0]) for a, b in pairs))
    last = rec.columns["step"][-1] if rec.columns.get("step") else 0
    which = "the final state" if last == rec.config.get("steps") else f"the state at step {last}"
    top = max(dps for _, dps in rec.schedule) if rec.schedule else rec.precisions[0]
    if state_digits is None:
        label = "UNCERTIFIED (single-precision run; use certify two-precision or arb)"
    elif state_digits >= digits:
        label = (f"certified: {state_digits} digits of {which} ({runner.method} at "
                 f"{'/'.join(map(str, rec.precisions))} digits; requested {digits})")
    else:
        label = (f"UNCERTIFIED: only {state_digits} digits of {which} agree (requested "
                 f"{digits}; precision capped at {top} digits, raise max_dps)")
    return {"method": runner.method, "requested_digits": digits, "label": label,
            "certified": state_digits is not None and state_digits >= digits,
            "state_digits": state_digits, "final_digits": final, "min_digits": lowest,
            "bits_lost_per_step": lost, "max_bits_lost_per_step": worst,
            "precisions": rec.precisions, "escalations": rec.escalations}
