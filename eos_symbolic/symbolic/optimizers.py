"""Optimizers as first-class symbolic objects: an update rule acting on a model's state.

Each rule is written once, over an abstract vector algebra (`Algebra`: the gradient at a
point, the step $\\eta$, norms, a diagonal preconditioner), and evaluated by different algebras:
SymPy on the reduced coordinates (`reduced_map`, what derivations and compiled kernels use),
opaque symbols on the full parameters (`check_ties`, the invariance proof), truncated series
in a local chart (`local.rule_charts`) and the 1-D quadratic (`symbolic.stability`). With
$g = \\nabla L$:

- ``gd``: $\\theta' = \\theta - \\eta g(\\theta)$ (paper eq. 1);
- ``heavy-ball:beta=B``: $\\theta' = \\theta - \\eta g(\\theta) + \\beta(\\theta - \\theta_-)$,
  state $(\\theta, \\theta_-)$ with $\\theta_-$ the previous iterate;
- ``nesterov:beta=B``: $\\phi = \\theta + \\beta(\\theta - \\theta_-)$, $\\theta' = \\phi -
  \\eta g(\\phi)$, state $(\\theta, \\theta_-)$;
- ``usam:rho=R``: $\\theta' = \\theta - \\eta g(\\theta + \\rho g(\\theta))$;
- ``sam:rho=R``: $\\theta' = \\theta - \\eta g(\\theta + \\rho g/|g|)$ (normalised ascent);
- ``normalized-gd``: $\\theta' = \\theta - \\eta g/|g|$;
- ``preconditioned:x=P,y=Q,...``: $\\theta' = \\theta - \\eta P g(\\theta)$, P diagonal (default 1).

Parameters are exact rationals (0 <= beta < 1, rho > 0, P > 0). The normalised rules are not
differentiable where $g = 0$ (every critical point, so every minimum): their maps are exact
away from critical points only, and nothing that linearises at a minimum applies to them.
"""
import re
from dataclasses import dataclass
from fractions import Fraction

import sympy as sp

from ..errors import EosError
from .symbols import beta, eta, rho, symbol

#: kind -> (parameter names, number of position-like state vectors, smooth at critical points)
KINDS = {
    "gd": ((), 1, True),
    "heavy-ball": (("beta",), 2, True),
    "nesterov": (("beta",), 2, True),
    "usam": (("rho",), 1, True),
    "sam": (("rho",), 1, False),
    "normalized-gd": ((), 1, False),
    "preconditioned": (None, 1, True),  # one entry per model parameter, default 1
}
_SYMBOLS = {"beta": beta, "rho": rho}
_NUMBER = re.compile(r"^-?[0-9]+(\.[0-9]+)?(/[0-9]+)?$")
_KEY = re.compile(r"^[A-Za-z][A-Za-z0-9]{0,7}$")


def parse_optimizer(spec):
    """``"heavy-ball:beta=1/2"`` -> `Optimizer`; one-line `EosError` naming the problem."""
    if spec is None or (isinstance(spec, str) and spec.strip() in ("", "gd")):
        return GD
    if not isinstance(spec, str) or len(spec) > 200:
        raise EosError(f"optimizer: expected a text such as heavy-ball:beta=1/2, got {spec!r}")
    kind, _, rest = spec.strip().partition(":")
    if kind not in KINDS:
        raise EosError(f"optimizer: unknown rule {kind!r}; expected one of "
                       f"{', '.join(KINDS)} (e.g. heavy-ball:beta=1/2, usam:rho=1/20)")
    names = KINDS[kind][0]
    values = {}
    for item in (rest.split(",") if rest.strip() else []):
        key, sep, text = (p.strip() for p in item.partition("="))
        if not sep or not _KEY.match(key) or not _NUMBER.match(text):
            raise EosError(f"optimizer {kind}: expected NAME=VALUE with an exact number "
                           f"such as beta=1/2 or rho=0.05, got {item.strip()!r}")
        if names is not None and key not in names:
            raise EosError(f"optimizer {kind}: unknown parameter {key!r}; expected "
                           f"{', '.join(names) or 'none'}")
        if key in values:
            raise EosError(f"optimizer {kind}: parameter {key} given twice")
        try:
            values[key] = sp.Rational(str(Fraction(text)))
        except ZeroDivisionError:
            raise EosError(f"optimizer {kind}: {key} = {text} divides by zero") from None
    missing = [n for n in (names or ()) if n not in values]
    if missing:
        raise EosError(f"optimizer {kind}: missing {', '.join(missing)} (e.g. "
                       f"{kind}:{missing[0]}={'1/2' if missing[0] == 'beta' else '1/20'})")
    return Optimizer(kind, tuple(sorted(values.items()) if names is None else
                                 ((n, values[n]) for n in names)))


@dataclass(frozen=True)
class Optimizer:
    """An update rule `kind` with exact parameters `params` (pairs (name, Rational)).

    `spec` is the canonical text (parses back to an equal object), `state_size` the number of
    position-like vectors in the state, `smooth` whether the map is differentiable at critical
    points. `reduced_map(model)` is the map on the reduced state; `check_ties` proves the
    model's ties invariant under the rule; `general()` puts symbols beta, rho for the values.
    """

    kind: str
    params: tuple = ()

    def __post_init__(self):
        for name, value in self.params:
            if name == "beta" and not 0 <= value < 1:
                raise EosError(f"optimizer {self.kind}: expected 0 <= beta < 1 (momentum "
                               f"below 1 keeps the iteration stable), got beta = {value}")
            if name == "rho" and not value > 0:
                raise EosError(f"optimizer {self.kind}: expected rho > 0, got rho = {value}")
            if self.kind == "preconditioned" and not value > 0:
                raise EosError(f"optimizer preconditioned: expected a positive entry for "
                               f"{name}, got {value}")

    @property
    def spec(self):
        if not self.params:
            return self.kind
        return self.kind + ":" + ",".join(f"{n}={v}" for n, v in self.params)

    @property
    def is_gd(self):
        return self.kind == "gd"

    @property
    def state_size(self):
        return KINDS[self.kind][1]

    @property
    def smooth(self):
        return KINDS[self.kind][2]

    def value(self, name, default=None):
        return dict(self.params).get(name, default)

    def general(self):
        """The same rule with its parameters as symbols (beta, rho), for general formulas."""
        if self.kind == "preconditioned":
            return self
        return _General(self.kind, tuple((n, _SYMBOLS[n]) for n, _ in self.params))

    def values(self):
        """Parameter values by name (for `Algebra`)."""
        return dict(self.params)

    # -- the state ------------------------------------------------------------------------

    def state_symbols(self, model):
        """Reduced state variables: the coordinates, then (momentum) the previous iterate
        ``xprev, yprev, ...``."""
        coords = tuple(model.coords)
        if self.state_size == 1:
            return coords
        return coords + tuple(symbol(f"{c}prev") for c in coords)

    def start_state(self, position):
        """The state of a run started at `position` (momentum: $\\theta_- = \\theta_0$, i.e.
        zero initial velocity)."""
        return tuple(position) * self.state_size

    def position(self, state, n):
        """The position part (first `n` entries) of a state."""
        return tuple(state[:n])

    def update(self, state, alg):
        """One step of the rule on `state` (a tuple of vectors) in the algebra `alg`."""
        p = {**self.values(), **alg.overrides}
        th = state[0]
        k = self.kind
        if k == "gd":
            return (lin((1, th), (-alg.eta, alg.grad(th))),)
        if k == "heavy-ball":
            prev = state[1]
            new = lin((1 + p["beta"], th), (-p["beta"], prev), (-alg.eta, alg.grad(th)))
            return new, th
        if k == "nesterov":
            look = lin((1 + p["beta"], th), (-p["beta"], state[1]))
            return lin((1, look), (-alg.eta, alg.grad(look))), th
        if k == "usam":
            return (lin((1, th), (-alg.eta, alg.grad(lin((1, th), (p["rho"], alg.grad(th)))))),)
        if k == "sam":
            g = alg.grad(th)
            ascent = lin((1, th), (p["rho"] / alg.norm(g), g))
            return (lin((1, th), (-alg.eta, alg.grad(ascent))),)
        if k == "normalized-gd":
            g = alg.grad(th)
            return (lin((1, th), (-alg.eta / alg.norm(g), g)),)
        if k == "preconditioned":
            return (lin((1, th), (-alg.eta, alg.precond(alg.grad(th), self.values()))),)
        raise EosError(f"optimizer: no update for {k}")  # pragma: no cover

    def reduced_map(self, model):
        """The map on the reduced state (`state_symbols`) as SymPy expressions; for ``gd``
        exactly `model.gd_map`."""
        if self.is_gd:
            return tuple(model.gd_map)
        self.bind(model)
        syms = self.state_symbols(model)
        n = len(model.coords)
        state = tuple(syms[i * n:(i + 1) * n] for i in range(self.state_size))
        out = self.update(state, ReducedAlgebra(model))
        return tuple(e for vec in out for e in vec)

    def bind(self, model):
        """Check that the rule's parameters fit `model` and its ties are invariant."""
        if self.kind == "preconditioned":
            extra = sorted(set(n for n, _ in self.params) - {str(p) for p in model.params})
            if extra:
                raise EosError(f"optimizer preconditioned: {', '.join(extra)} is not a "
                               f"parameter of the loss ({', '.join(map(str, model.params))})")
        self.check_ties(model.loss, model.params, model.ties)
        return self

    def check_ties(self, loss, params, ties):
        """Prove every tie invariant under this rule, or raise `EosError` with the reason.

        Abstract interpretation of `update` on the full parameters: the state vectors are tied
        symbols ($\\theta_v = \\theta_u$ for each tie $v = u$); every gradient evaluation must
        receive a tied point (checked exactly) and returns a tied vector of fresh symbols
        (justified by $\\partial_v L = \\partial_u L$ on the tied set, checked exactly here);
        norms are scalars; the preconditioner multiplies entrywise. The rule keeps the ties
        when every output vector is tied, i.e. its entries $v$ and $u$ expand to the same
        expression."""
        if not ties:
            return
        tie_map = dict(ties)
        for v, u in ties:
            drift = sp.expand((sp.diff(loss, v) - sp.diff(loss, u)).subs(tie_map))
            if drift != 0 and sp.simplify(drift) != 0:
                raise EosError(f"tie {v}={u} is not invariant under {self.spec}: the rule "
                               f"evaluates grad L at tied points, where dL/d{v} - dL/d{u} = "
                               f"{sp.factor(drift)}, not 0")
        alg = TieAlgebra(params, tie_map, self.spec)
        state = tuple(alg.tied_vector(f"_s{i}") for i in range(self.state_size))
        out = self.update(state, alg)
        for vec in out:
            alg.require_tied(vec, "the rule maps a tied state to an untied one")
        if alg.failure:
            raise EosError(alg.failure)


@dataclass(frozen=True)
class _General(Optimizer):
    """An `Optimizer` whose parameters are symbols (no range checks apply)."""

    def __post_init__(self):
        pass


GD = Optimizer("gd")


def lin(*terms):
    """$\\sum_k c_k v_k$ for pairs (scalar $c_k$, vector $v_k$), entrywise."""
    n = len(terms[0][1])
    return tuple(sum((c * v[i] for c, v in terms[1:]), terms[0][0] * terms[0][1][i])
                 for i in range(n))


class ReducedAlgebra:
    """SymPy on the reduced coordinates: $g$ is the reduced gradient (gradient on the tied
    set), $|g|^2 = \\sum_u m_u g_u^2$ with $m_u$ the number of parameters tied to $u$ (the
    full gradient's norm), the preconditioner uses each coordinate's own entry."""

    overrides = {}

    def __init__(self, model):
        self.model, self.eta = model, eta
        self.coords = tuple(model.coords)
        tied = dict(model.ties)
        self.multiplicity = [1 + sum(1 for v in tied if tied[v] == c) for c in self.coords]

    def grad(self, point):
        sub = dict(zip(self.coords, point))
        return tuple(g.subs(sub, simultaneous=True) for g in self.model.reduced_gradient)

    def norm(self, vec):
        return sp.sqrt(sum(m * e ** 2 for m, e in zip(self.multiplicity, vec)))

    def precond(self, vec, entries):
        return tuple(entries.get(str(c), 1) * e for c, e in zip(self.coords, vec))


class TieAlgebra:
    """Opaque tied symbols on the full parameters (see `Optimizer.check_ties`)."""

    overrides = {}

    def __init__(self, params, tie_map, spec):
        self.params, self.tie_map, self.spec = tuple(params), tie_map, spec
        self.eta, self.failure, self.count = eta, None, 0

    def tied_vector(self, stem):
        self.count += 1
        roots = [self.tie_map.get(p, p) for p in self.params]
        return tuple(sp.Symbol(f"{stem}_{self.count}_{r}") for r in roots)

    def require_tied(self, vec, why):
        index = {p: i for i, p in enumerate(self.params)}
        for v, u in self.tie_map.items():
            diff = sp.expand(vec[index[v]] - vec[index[u]])
            if diff != 0 and self.failure is None:
                self.failure = f"tie {v}={u} is not invariant under {self.spec}: {why}"

    def grad(self, point):
        self.require_tied(point, "the rule evaluates grad L at a point off the tied set")
        return self.tied_vector("_g")

    def norm(self, vec):
        self.count += 1
        return sp.Symbol(f"_n{self.count}", positive=True)

    def precond(self, vec, entries):
        for v, u in self.tie_map.items():
            pv, pu = entries.get(str(v), 1), entries.get(str(u), 1)
            if pv != pu and self.failure is None:
                self.failure = (f"tie {v}={u} is not invariant under {self.spec}: the "
                                f"preconditioner scales d/d{v} by {pv} and d/d{u} by {pu}")
        return tuple(entries.get(str(p), 1) * e for p, e in zip(self.params, vec))
