"""The core `Model`: a loss over parameters, ties that reduce it, and the GD map it induces.

GD with step $\\eta$ on $L(\\theta)$ is $\\theta' = \\theta - \\eta \\nabla L(\\theta)$ (paper eq. 1).
The loss is a polynomial over QQ (every exact route applies) or an analytic expression in
the parser's transcendental functions (exp, log, tanh, cosh, sinh, sin, cos) and rational
powers of polynomials; `is_polynomial` says which.
A tie $v = u$ is kept by GD exactly when $\\partial_v L = \\partial_u L$ on the tied set; then
the reduced map in the untied coordinates is $u' = u - \\eta\\, \\partial_u L|_{\\text{ties}}$
(eq. 2 for `four-scalar`). Ties are proved invariant at construction, so every reduction is
exact; a tie that is not invariant is refused.
"""
import re
from dataclasses import dataclass
from functools import cached_property

import sympy as sp

from ..errors import EosError
from .parser import TRANSCENDENTAL, parse_expression
from .symbols import eta, kappa, sort_key, symbol

_PARAM_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9]{0,7}$")
#: Largest Hessian (operation count) a model may have: derivatives of compositions grow fast.
MAX_HESSIAN_OPS = 20000

def parse_tie(text):
    """Parse ``"z=x"`` into the pair (z, x) of parameter symbols."""
    parts = text.split("=") if isinstance(text, str) else []
    if len(parts) != 2 or not all(_PARAM_NAME.match(p.strip()) for p in parts):
        raise EosError(f"tie: expected NAME=NAME such as 'z=x', got {text!r}")
    return symbol(parts[0].strip()), symbol(parts[1].strip())


@dataclass(frozen=True)
class Model:
    """GD on a polynomial or analytic loss, optionally reduced by GD-invariant ties.

    Attributes: `name`, `loss` (SymPy, over `params`), `params` (full parameter tuple),
    `ties` (pairs ``(v, u)`` meaning $v = u$), `description`. Derived on demand and cached:
    `coords` (reduced coordinates), `gradient`, `hessian`, `tied_hessian`,
    `reduced_gradient`, `gd_map`, `jacobian`. Step size is the positive symbol `eta`.
    """

    name: str
    loss: sp.Expr
    params: tuple
    ties: tuple = ()
    description: str = ""

    def __post_init__(self):
        bad = self.loss.free_symbols & {eta, kappa}
        if bad:
            raise EosError(f"loss: may not contain the step size ({', '.join(map(str, bad))}); "
                           "give the loss in the parameters only")
        if not self.is_polynomial:
            _check_analytic(self.loss, self.params)
        self._check_ties()
        if not self.is_polynomial:
            ops = sp.count_ops(self.hessian)
            if ops > MAX_HESSIAN_OPS:
                raise EosError(f"loss: its Hessian has {ops} operations, above the limit "
                               f"{MAX_HESSIAN_OPS}; give a simpler loss")

    @classmethod
    def from_loss(cls, loss, ties=(), name="user", description="", rule=None):
        """A user model from a loss (string or SymPy) and ties like ``["z=x", "w=y"]``.

        With an update `rule` (`optimizers.Optimizer`) the ties are first proved invariant
        under that rule (a refusal then names the rule)."""
        if isinstance(loss, str):
            expr = parse_expression(loss, "loss")
        elif isinstance(loss, sp.Expr):
            expr = loss
        else:
            raise EosError(f"loss: expected a formula string or a SymPy expression, got "
                           f"{type(loss).__name__}")
        pairs = tuple(parse_tie(t) if isinstance(t, str) else tuple(t) for t in ties)
        params = tuple(sorted(expr.free_symbols - {eta, kappa}, key=sort_key))
        if not params:
            raise EosError(f"loss: expected at least one parameter, got the constant {expr}")
        if rule is not None and not rule.is_gd:
            check_tie_names(params, pairs)
            rule.check_ties(expr, params, pairs)
        return cls(name, expr, params, pairs, description or f"L = {expr}")

    def _check_ties(self):
        check_tie_names(self.params, self.ties)
        for v, u in self.ties:
            drift = sp.expand((sp.diff(self.loss, v) - sp.diff(self.loss, u)).subs(self.tie_map))
            if drift != 0 and not self.is_polynomial and sp.simplify(drift) == 0:
                continue
            if drift != 0:
                raise EosError(f"tie {v}={u} is not invariant under GD: on the tied set "
                               f"dL/d{v} - dL/d{u} = {sp.factor(drift)}, not 0, so GD leaves "
                               "the tie")

    @cached_property
    def is_polynomial(self):
        """Is the loss a polynomial over QQ in the parameters (every exact route applies)?"""
        try:
            sp.Poly(self.loss, *self.params, domain="QQ")
        except (sp.PolynomialError, sp.polys.polyerrors.CoercionFailed, ValueError):
            return False
        return True

    @cached_property
    def tie_map(self):
        """Substitution dict {v: u} of the ties."""
        return dict(self.ties)

    @cached_property
    def coords(self):
        """Reduced coordinates: the parameters that are not tied to another."""
        return tuple(p for p in self.params if p not in self.tie_map)

    @cached_property
    def gradient(self):
        """$\\nabla L$ over all parameters (list)."""
        return [sp.expand(sp.diff(self.loss, p)) for p in self.params]

    @cached_property
    def hessian(self):
        """$\\nabla^2 L$ over all parameters."""
        return sp.hessian(self.loss, self.params).applyfunc(sp.expand)

    @cached_property
    def tied_hessian(self):
        """The full Hessian evaluated on the tied set (paper eq. 3 for `four-scalar`)."""
        return self.hessian.subs(self.tie_map).applyfunc(sp.expand)

    @cached_property
    def reduced_gradient(self):
        """$g_u = \\partial_u L|_{\\text{ties}}$ for each reduced coordinate $u$."""
        return [sp.expand(sp.diff(self.loss, u).subs(self.tie_map)) for u in self.coords]

    @cached_property
    def gd_map(self):
        """Reduced one-step GD map $u \\mapsto u - \\eta g_u$ (paper eq. 2), expanded."""
        return tuple(sp.expand(u - eta * g) for u, g in zip(self.coords, self.reduced_gradient))

    @cached_property
    def jacobian(self):
        """Jacobian of `gd_map`: $I - \\eta\\, Dg$."""
        return sp.Matrix(self.gd_map).jacobian(self.coords).applyfunc(sp.expand)

    @cached_property
    def gradient_jacobian(self):
        """$Dg$, the Jacobian of the reduced gradient field; multipliers are $1 - \\eta\\mu$."""
        return sp.Matrix(self.reduced_gradient).jacobian(self.coords).applyfunc(sp.expand)

    def __str__(self):
        ties = ", ".join(f"{v}={u}" for v, u in self.ties)
        return f"{self.name}: L = {self.loss}" + (f"; ties {ties}" if ties else "")


def check_tie_names(params, ties):
    """Each tie sets a distinct parameter equal to an untied one, both of the loss."""
    tied = [v for v, _ in ties]
    for v, u in ties:
        if v not in params or u not in params:
            raise EosError(f"tie {v}={u}: both sides must be parameters of the loss "
                           f"({', '.join(map(str, params))})")
        if v == u or u in tied or tied.count(v) > 1:
            raise EosError(f"tie {v}={u}: each tie must set a distinct parameter equal to "
                           "an untied one")


def _check_analytic(loss, params):
    """Refuse a loss that is not built from rational numbers, the parameters, ``+ - * /``,
    rational powers and the transcendental functions of the parser."""
    def bad(why):
        raise EosError(f"loss: expected a polynomial in {', '.join(map(str, params))} with "
                       "rational coefficients or an analytic expression in exp, log, tanh, "
                       f"cosh, sinh, sin, cos of them; {why} in {loss}")

    for node in sp.preorder_traversal(loss):
        if node.is_Number and not node.is_Rational:
            bad(f"the number {node} is not exact")
        if isinstance(node, sp.Function) and node.func not in TRANSCENDENTAL:
            bad(f"the function {node.func} is not allowed")
        if node.is_Pow and not node.exp.is_Rational:
            bad(f"the exponent {node.exp} is not a rational number")
        if node.is_Symbol and node not in params:
            bad(f"the symbol {node} is not a parameter")
        if not (node.is_Atom or node.is_Add or node.is_Mul or node.is_Pow
                or isinstance(node, sp.Function)):
            bad(f"{type(node).__name__} is not allowed")
