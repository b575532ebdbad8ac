"""Certified trajectories in Arb ball arithmetic with the centred (mean-value) form.

Iterating $F$ on balls directly is useless: every step re-encloses the image of a box in a
larger box (dependency and wrapping), the radius roughly doubles per step and exceeds 1e-3
after 50-300 steps. Instead the state is a box $X = m + [-r, r]$ with exact midpoint m and
the two-step map is enclosed by the mean-value theorem applied row by row:

$$F(F(X)) \\subseteq F(F(m)) + DF(Y)\\, DF(X)\\, (X - m), \\qquad
Y = F(m) + DF(X) (X - m) \\supseteq F(X),$$

with $DF$ the symbolic Jacobian (`kernels`), $F(F(m))$ evaluated on the exact point m (its
radius is the rounding error only) and the chain-rule product $DF(Y) DF(X) \\supseteq
D(F \\circ F)(X)$. The new box is re-centred on its midpoint. Its radius then grows only by
the rounding error per step times the local expansion, so a converging orbit keeps nearly
all its digits (four-scalar, $\\eta = 0.2$, start (2.5, 0.2): about 5 digits over $10^5$
steps). Every enclosure is rigorous: the true orbit of the exact start lies in the box.
"""
import math

from .backends import number, precision_scope
from .iterate import Engine, escape_radius, locate_escape, magnitude
from .record import decimal_string, from_exact, man_exp_string, parse_man_exp

_LOG10_2 = math.log10(2)


class ArbRunner:
    """Rigorous ball iteration of `model` in `coords` at `dps` digits (python-flint Arb).

    State: ``(mids, rads)``, tuples of exact Arb numbers; the box is ``arb(mid, rad)``.
    Certified digits of a quantity are $\\lfloor r \\log_{10} 2 \\rfloor$ with $r$ =
    `rel_accuracy_bits`.
    Boxes are axis-aligned, so in three or more dimensions the wrapping effect remains (an
    untied depth-3 orbit loses ~0.12 bit/step to it against ~0.002 in two-precision runs;
    a Lohner-type moving frame would remove it) and precision escalation absorbs the loss.
    """

    method = "arb centred form"

    def __init__(self, model, coords, eta, dps, rule=None):
        import flint
        self.arb = flint.arb
        self.dps, self.precisions, self.rule = dps, [dps], rule
        self.engine = Engine(model, coords, "arb", dps, eta, rule)
        self.point = Engine(model, coords, "mpfr", dps, eta, rule)  # replays and verdicts
        self.names = self.engine.names
        self.n = len(self.names)
        ns = {"F": self.engine.raw_step, "DF": self.engine.raw_jacobian, "arb": self.arb}
        # audited: exec of source generated here from SymPy expressions (printer output)
        exec(compile(centred_source(self.n), "<eos-centred-form>", "exec"), ns)
        self._two, self._one = ns["two_steps"], ns["one_step"]

    def scope(self):
        return precision_scope("arb", self.dps)

    def start(self, values, converter=None):
        with self.scope():
            X = tuple(number("arb", v) for v in values)
            if converter is not None:
                X = converter.bind("arb", [self.engine.eta])[0](*X)
        self.radius = escape_radius("arb", X)
        return tuple(x.mid() for x in X), tuple(x.rad() for x in X)

    def boxes(self, state):
        mids, rads = state
        with self.scope():
            return tuple(self.arb(m, r) for m, r in zip(mids, rads))

    def advance(self, state, k):
        """k steps: k // 2 centred two-steps, then one centred step if k is odd."""
        with self.scope():
            mids, rads = self._two(state[0], state[1], k // 2)
            if k % 2:
                mids, rads = self._one(mids, rads)
        return mids, rads

    def escaped(self, state):
        mids, rads = state
        return any(not (m.is_finite() and r.is_finite()) or not magnitude("arb", m) < self.radius
                   for m, r in zip(mids, rads))

    def downshift(self, state, dps):
        """Continue at `dps`: re-round the boxes (the radius absorbs the rounding)."""
        boxes = self.boxes(state)
        fresh = type(self)(self.engine.model, self.engine.coords, self.engine.eta, dps,
                           rule=self.rule)
        self.__dict__.update({k: v for k, v in fresh.__dict__.items() if k != "radius"})
        with self.scope():
            boxes = [+x for x in boxes]
            return tuple(x.mid() for x in boxes), tuple(x.rad() for x in boxes)

    def state_error_log2(self, state):
        return error_log2(state)

    def primary_values(self, state):
        """Midpoints as mpfr numbers at the working precision (for verdicts)."""
        with self.point.scope():
            return tuple(from_exact("mpfr", _me(m)) for m in state[0])

    def locate_escape(self, good_state, good_t, block):
        """Exit step, found by replaying the midpoints in mpfr (not certified)."""
        return locate_escape(self.point, self.primary_values(good_state), good_t,
                             self.radius, block), False

    def row(self, state, t, row_digits=None):
        X = self.boxes(state)
        obs = dict(zip(self.names, X), **self.engine.observe(X))
        with self.scope():
            obs["gap"] = self.engine.two_over_eta - obs["sharpness"]
        values, digits = {"step": t}, {}
        shown = min(self.dps, row_digits or self.dps)
        for name, v in obs.items():
            ok = v.is_finite()
            values[name] = decimal_string("arb", v, shown) if ok else None
            digits[name] = certified_digits(v, shown) if ok else None
        return values, digits

    def dump(self, state):
        """Exact text ``"mid +- rad"`` of each coordinate (see `record`)."""
        return [[f"{_me(m)} +- {_me(r)}" for m, r in zip(*state)]]

    def load(self, texts):
        with self.scope():
            pairs = [t.split("+-") for t in texts[0]]
            mids = tuple(self.arb(_pm(p[0])) for p in pairs)
            rads = tuple(self.arb(_pm(p[1])) for p in pairs)
        return mids, rads


def _me(v):
    return man_exp_string(*v.man_exp())


def _pm(text):
    return parse_man_exp(text.strip())


def centred_source(n):
    """Python source of the centred-form steps for an n-dimensional map, unrolled:
    ``two_steps(mids, rads, k)`` (k centred two-steps) and ``one_step(mids, rads)``.

    With $d = X - m = [\\pm r]$: $Y = F(m) + DF(X) d$, $Z = F(F(m)) + DF(Y) DF(X) d$."""
    idx = range(n)
    m, r = [f"m{i}" for i in idx], [f"r{i}" for i in idx]

    def box(lines, pad):
        lines += [f"{pad}X{i} = arb(m{i}, r{i}); d{i} = arb(0, r{i})" for i in idx]
        lines += [f"{pad}{', '.join(f'J{i}{j}' for i in idx for j in idx)}, = "
                  f"DF({', '.join(f'X{i}' for i in idx)})"]

    def apply(M, base, out, pad):
        return [f"{pad}{out}{i} = {base}{i} + " + " + ".join(f"{M}{i}{j}*d{j}" for j in idx)
                for i in idx]

    def recentre(out, pad):
        return [f"{pad}{', '.join(m)}, = {', '.join(f'{out}{i}.mid()' for i in idx)},",
                f"{pad}{', '.join(r)}, = {', '.join(f'{out}{i}.rad()' for i in idx)},"]

    p8, p4 = " " * 8, " " * 4
    lines = ["def two_steps(mids, rads, k):", f"{p4}{', '.join(m)}, = mids",
             f"{p4}{', '.join(r)}, = rads", f"{p4}for _ in range(k):"]
    box(lines, p8)
    lines += [f"{p8}{', '.join(f'A{i}' for i in idx)}, = F({', '.join(m)})",
              f"{p8}{', '.join(f'B{i}' for i in idx)}, = F({', '.join(f'A{i}' for i in idx)})"]
    lines += apply("J", "A", "Y", p8)
    lines += [f"{p8}{', '.join(f'K{i}{j}' for i in idx for j in idx)}, = "
              f"DF({', '.join(f'Y{i}' for i in idx)})"]
    lines += [f"{p8}C{i}{j} = " + " + ".join(f"K{i}{l}*J{l}{j}" for l in idx)
              for i in idx for j in idx]
    lines += apply("C", "B", "Z", p8) + recentre("Z", p8)
    lines += [f"{p4}return ({', '.join(m)},), ({', '.join(r)},)", "",
              "def one_step(mids, rads):", f"{p4}{', '.join(m)}, = mids",
              f"{p4}{', '.join(r)}, = rads"]
    box(lines, p4)
    lines += [f"{p4}{', '.join(f'A{i}' for i in idx)}, = F({', '.join(m)})"]
    lines += apply("J", "A", "Z", p4) + recentre("Z", p4)
    lines += [f"{p4}return ({', '.join(m)},), ({', '.join(r)},)"]
    return "\n".join(lines) + "\n"


def certified_digits(v, cap):
    """Correct decimal digits of a ball: $\\lfloor \\log_{10} 2 \\cdot$ relative accuracy
    bits$\\rfloor$, at most `cap`."""
    if v.is_exact():
        return cap
    return int(max(0, min(cap, math.floor(v.rel_accuracy_bits() * _LOG10_2))))


def _log2(v):
    man, exp = v.man_exp()
    man = abs(int(man))
    return math.log2(man) + int(exp)


def error_log2(state):
    """$\\log_2 \\max_i r_i / |m_i|$ of a box state."""
    worst = -math.inf
    for m, r in zip(*state):
        if r == 0:
            continue
        if m == 0:
            return math.inf
        worst = max(worst, _log2(r) - _log2(m))
    return worst


def naive_ball_orbit(model, coords, eta, start, steps, dps):
    """The useless baseline: iterate F on balls directly; returns the radius log per step."""
    eng = Engine(model, coords, "arb", dps, eta)
    with eng.scope():
        X = tuple(number("arb", v) for v in start)
        radii = []
        for _ in range(steps):
            X = eng.raw_step(*X)
            radii.append(max(float(x.rad().str(5, radius=False)) if x.is_finite() else math.inf
                             for x in X))
    return radii

