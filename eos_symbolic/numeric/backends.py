"""Numeric backends: precision scopes, exact-rational constants, names for generated code.

Four backends share one generated source (`compile`): ``mpfr`` (gmpy2, the fast engine),
``mpmath`` (reference), ``arb`` (python-flint balls, rigorous) and ``float`` (numpy float64,
vectorised over many starts). Precision is always a scope, never a global set at import.
"""
from fractions import Fraction

import gmpy2
import mpmath
import numpy as np
from mpmath.libmp import dps_to_prec, from_rational, round_nearest

from ..errors import EosError

BACKENDS = ("mpfr", "mpmath", "arb", "float")


def bits_for(dps):
    """Binary precision for `dps` decimal digits (mpmath's rule, so all backends agree)."""
    return dps_to_prec(int(dps))


class precision_scope:
    """Context manager setting the working precision of `backend` to `dps` digits, restored on
    exit (gmpy2 context, `mpmath.workdps`, `flint.ctx.workprec`; float64 ignores it)."""

    def __init__(self, backend, dps):
        self.backend, self.dps = backend, dps

    def __enter__(self):
        if self.backend == "mpfr":
            self._scope = gmpy2.context(gmpy2.get_context(), precision=bits_for(self.dps))
        elif self.backend == "mpmath":
            self._scope = mpmath.workdps(self.dps)
        elif self.backend == "arb":
            import flint
            self._scope = flint.ctx.workprec(bits_for(self.dps))
        else:
            return self
        self._scope.__enter__()
        return self

    def __exit__(self, *exc):
        if self.backend != "float":
            return self._scope.__exit__(*exc)
        return False


def number(backend, value):
    """`value` (int, Fraction, decimal string or SymPy Rational) as a backend number at the
    current precision: the exact rational p/q correctly rounded (an enclosing ball for Arb)."""
    q = Fraction(str(value)) if not isinstance(value, (int, Fraction)) else Fraction(value)
    p, r = q.numerator, q.denominator
    if backend == "mpfr":
        return gmpy2.mpfr(gmpy2.mpq(p, r))
    if backend == "mpmath":
        return mpmath.mpf(from_rational(p, r, mpmath.mp.prec, round_nearest))
    if backend == "arb":
        import flint
        return flint.arb(flint.fmpq(p, r))
    return p / r


_FUNCTIONS = ("exp", "log", "tanh", "cosh", "sinh", "sin", "cos")


def namespace(backend):
    """Names the generated code uses: `num` (constants), `sqrt`, `root` and the functions
    exp, log, tanh, cosh, sinh, sin, cos (a real log of a negative number is nan)."""
    if backend == "mpfr":
        return {"num": lambda v: number("mpfr", v), "sqrt": gmpy2.sqrt, "root": gmpy2.root,
                **{f: getattr(gmpy2, f) for f in _FUNCTIONS}}
    if backend == "mpmath":
        nan = mpmath.mpf("nan")
        def real_sqrt(v):  # mpmath.sqrt(-1) is complex; GD leaving the domain must give nan
            return mpmath.sqrt(v) if v >= 0 else nan
        return {"num": lambda v: number("mpmath", v), "sqrt": real_sqrt,
                "root": lambda v, q: mpmath.root(v, q) if v >= 0 else nan,
                **{f: getattr(mpmath, f) for f in _FUNCTIONS},
                "log": lambda v: mpmath.log(v) if v >= 0 else nan}
    if backend == "arb":
        return {"num": lambda v: number("arb", v), "sqrt": lambda v: v.sqrt(),
                "root": lambda v, q: v.root(q),
                **{f: (lambda name: lambda v: getattr(v, name)())(f) for f in _FUNCTIONS}}
    if backend == "float":
        return {"num": lambda v: number("float", v), "sqrt": np.sqrt,
                "root": lambda v, q: np.power(v, 1.0 / q),
                **{f: getattr(np, f) for f in _FUNCTIONS}}
    raise EosError(f"backend: expected one of {', '.join(BACKENDS)}, got {backend!r}")
