"""Independent re-check of truncated series of the 1- and 2-step GD maps at an EoS minimum.

The prover (`local.normal_form`) expands the closed (a, b) map of eq. 6, or solves the chart
equations by multivariate series inversion. This re-check shares neither: it starts from the
model's reduced gradient and the chart's definition only ($c^2 = X - \\lambda Y$,
$d = x^p y^q$, $X = x^2$, $Y = y^2$, minima $d = 1$, EoS point where the multiplier along the
minima is $-1$), and works with *univariate* Laurent series over $\\mathbb{Q}$ (python-flint
`fmpq_series`): for rational $A, B$ it sets $a = A\\varepsilon^{w_a}$, $b = B\\varepsilon^{w_b}$,
$s = \\varepsilon^{w_s}$, recovers $x, y$ from $(c, d)$ by fixed-point iteration, applies
$x' = x - \\eta g_x$, $y' = y - \\eta g_y$ with $\\eta = \\rho^2 s^{2p}$, and maps back.

The coefficient of $\\varepsilon^k$ is a polynomial in A (degree $\\le k/w_a$) and B (degree
$\\le k/w_b$); agreement with the claimed truncation on a grid of $(k/w_a + 1)(k/w_b + 1)$
distinct rational points therefore proves equality of every coefficient of weight $\\le W$.
"""
from fractions import Fraction

import sympy as sp

from ..errors import EosError
from .proof_text import read


def _flint():
    import flint
    return flint


class Laurent:
    """$\\varepsilon^v S(\\varepsilon)$ with S an `fmpq_series` of relative precision `prec`."""

    def __init__(self, v, coeffs, prec):
        fl = _flint()
        coeffs = [Fraction(c) for c in coeffs][:prec]
        k = next((i for i, c in enumerate(coeffs) if c != 0), None)
        if k is None:  # zero to this precision
            self.v, self.prec, self.s = v + prec, 0, fl.fmpq_series([], prec=0)
            return
        self.v, self.prec = v + k, prec - k
        self.s = fl.fmpq_series([fl.fmpq(c.numerator, c.denominator) for c in coeffs[k:]],
                                prec=self.prec)

    @classmethod
    def const(cls, c, prec):
        return cls(0, [c], prec)

    def coeffs(self):
        out = [Fraction(int(c.p), int(c.q)) for c in self.s.coeffs()]
        return out + [Fraction(0)] * (self.prec - len(out))

    @property
    def top(self):
        """Absolute precision: coefficients below ε^top are exact."""
        return self.v + self.prec

    def __add__(self, o):
        o = o if isinstance(o, Laurent) else Laurent.const(o, self.top - min(self.v, 0) + 1)
        v = min(self.v, o.v)
        top = min(self.top, o.top)
        out = [Fraction(0)] * max(top - v, 0)
        for x in (self, o):
            for i, c in enumerate(x.coeffs()):
                if x.v + i < top:
                    out[x.v + i - v] += c
        return Laurent(v, out, top - v)

    def __radd__(self, o):
        return self + o

    def __neg__(self):
        return Laurent(self.v, [-c for c in self.coeffs()], self.prec)

    def __sub__(self, o):
        return self + (-o if isinstance(o, Laurent) else -Fraction(o))

    def __rsub__(self, o):
        return (-self) + o

    def __mul__(self, o):
        if not isinstance(o, Laurent):
            o = Fraction(o)
            return Laurent(self.v, [c * o for c in self.coeffs()], self.prec)
        if self.prec == 0 or o.prec == 0:
            return Laurent(self.v + o.v, [], max(0, min(self.prec, o.prec)))
        prod = self.s * o.s
        n = min(self.prec, o.prec)
        return Laurent(self.v + o.v, [Fraction(int(c.p), int(c.q)) for c in prod.coeffs()]
                       + [0] * n, n)

    __rmul__ = __mul__

    def shift(self, k):
        """Times ε^k."""
        return Laurent(self.v + k, self.coeffs(), self.prec)

    def __pow__(self, r):
        r = Fraction(r)
        if self.prec == 0:
            raise EosError("series re-check: power of a series known to be zero")
        lead = self.coeffs()[0]
        v = self.v * r
        if v.denominator != 1:
            raise EosError("series re-check: fractional valuation")
        c = _rational_power(lead, r)
        fl = _flint()
        unit = self.s * fl.fmpq(lead.denominator, lead.numerator)
        powered = (unit.log() * fl.fmpq(r.numerator, r.denominator)).exp() * \
            fl.fmpq(c.numerator, c.denominator)
        return Laurent(int(v), [Fraction(int(t.p), int(t.q)) for t in powered.coeffs()]
                       + [0] * self.prec, self.prec)


def _rational_power(c, r):
    """$c^r$ for rational c > 0 when it is rational (else EosError)."""
    value = sp.Rational(c.numerator, c.denominator) ** sp.Rational(r.numerator, r.denominator)
    if not value.is_Rational:
        raise EosError(f"series re-check: {c}^{r} is irrational")
    return Fraction(int(value.p), int(value.q))


def chart_structure(model, branch):
    """(coords, p, q, lambda, phi-polynomial, gradient) of the chart, from the model alone:
    minima $x^p y^q = 1$ and $\\varphi(d) = y g_y$, $\\lambda = x g_x / (y g_y)$."""
    xx, yy = model.coords
    gx, gy = model.reduced_gradient
    if branch == 2:
        xx, yy, gx, gy = yy, xx, gy, gx
    hx, hy = sp.expand(xx * gx), sp.expand(yy * gy)
    lam = sp.cancel(hx / hy)
    from ..symbolic.minima import minima_manifold
    eq = sp.Poly(minima_manifold(model)[0].equation, xx, yy)
    (p, q), = [m for m in eq.monoms() if m != (0, 0)]
    d = sp.Symbol("d")
    phi = sp.Integer(0)
    for (i, j), coeff in sp.Poly(hy, xx, yy).terms():
        k = sp.Rational(i, p)
        if not k.is_integer or sp.Rational(j, q) != k:
            raise EosError("series re-check: y g_y is not a polynomial in x^p y^q")
        phi += coeff * d ** int(k)
    if not lam.is_Rational:
        raise EosError("series re-check: x g_x / y g_y is not constant")
    return (xx, yy), int(p), int(q), Fraction(str(lam)), sp.Poly(phi, d), (gx, gy)


class _Map:
    """The exact one-step map in (a, b) as Laurent series, for one model branch."""

    def __init__(self, model, branch, weights, prec):
        self.coords, self.p, self.q, self.lam, self.phi, grad = chart_structure(model, branch)
        self.wa, self.wb, self.ws = weights
        self.prec = prec
        slope = Fraction(str(self.phi.diff()(1)))
        self.rho2 = Fraction(2) / (self.q * slope)
        self.grad = [sp.Poly(g, *self.coords) for g in grad]
        self.lift = 2 * (self.p + self.q) * self.ws
        self.c0 = self.eos_point()

    def one(self):
        return Laurent.const(1, self.prec)

    def eos_point(self):
        """$\\tilde c$ at the EoS minimum (multiplier -1 along the minima)."""
        X = self.one()
        k = Fraction(self.p) * self.lam / self.q
        for _ in range(self.prec // max(self.lift, 1) + 3):
            Y = (self.one() - (X ** -1).shift(self.lift) * k) ** -1
            X = Y ** Fraction(-self.q, self.p)
        return (X - (Y * self.lam).shift(self.lift)) ** Fraction(1, 2)

    def poly(self, P, x, y):
        out = Laurent.const(0, self.prec + 4 * self.q * self.ws)
        for (i, j), coeff in P.terms():
            out = out + (x ** i) * (y ** j) * Fraction(str(coeff))
        return out

    def step(self, A, B):
        """(a', b') from Laurent series a, b."""
        p, q, ws = self.p, self.q, self.ws
        c = self.c0 + A.shift(q * ws)
        D = self.one() + B
        X = c * c
        for _ in range(self.prec // max(self.lift, 1) + 3):
            Y = (D * D * X ** (-p)) ** Fraction(1, q)
            X = c * c + (Y * self.lam).shift(self.lift)
        x, y = (X ** Fraction(1, 2)).shift(-q * ws), (Y ** Fraction(1, 2)).shift(p * ws)
        eta = self.rho2
        gx, gy = (self.poly(g, x, y) for g in self.grad)
        x1, y1 = x - (gx * eta).shift(2 * p * ws), y - (gy * eta).shift(2 * p * ws)
        X1, Y1 = (x1 * x1).shift(2 * q * ws), (y1 * y1).shift(-2 * p * ws)
        c1 = (X1 - (Y1 * self.lam).shift(self.lift)) ** Fraction(1, 2)
        d1 = x1 ** p * y1 ** q
        return (c1 - self.c0).shift(-q * ws), d1 - 1


def _poly_series(P, A, B, weights, prec):
    """P(a, b, s) (SymPy, in a, b, s) at a = A ε^wa, b = B ε^wb, s = ε^ws, as coefficients."""
    wa, wb, ws = weights
    out = [Fraction(0)] * prec
    a, b, s = sp.symbols("a b s")
    for (i, j, k), coeff in sp.Poly(P, a, b, s).terms():
        e = wa * i + wb * j + ws * k
        if e < prec:
            out[e] += Fraction(str(coeff)) * Fraction(A) ** i * Fraction(B) ** j
    return out


def check_series(step):
    """Re-check a `series` step: the claimed truncations of $(a^{(n)} - a, b^{(n)})$ (keys
    "a", "b", polynomials in a, b, s) are exact through weight `through`."""
    fl = _flint()
    old = fl.ctx.cap
    fl.ctx.cap = 1 << 12  # flint truncates series functions at ctx.cap terms
    try:
        return _check_series(step)
    finally:
        fl.ctx.cap = old


def _check_series(step):
    from ..symbolic.models import get_model
    try:
        model = get_model(step["model"])
        weights = tuple(int(w) for w in step["weights"])
        W, n = int(step["through"]), int(step["steps"])
        polys = {}
        for comp, text in step["series"].items():
            e = read(text)
            if "kappa_series" in step:  # the same polynomial written with kappa = rho s^m
                kap = next(iter(read("kappa").free_symbols))
                pos = {t: sp.Symbol(t.name, positive=True) for t in e.free_symbols
                       | read(step["scale"]["kappa"]).free_symbols if t.name == "s"}
                scale = read(step["scale"]["kappa"]).xreplace(pos)  # the scale s is > 0
                other = read(step["kappa_series"][comp]).subs(kap, scale)
                if sp.expand(other - e.xreplace(pos)) != 0:
                    return False, f"{comp}: the kappa form is not the series in s"
            polys[comp] = e.xreplace({s: sp.Symbol(s.name) for s in e.free_symbols})
        prec = W + 1 + 2 * max(weights)
        m = _Map(model, int(step.get("branch", 1)), weights, prec)
        grid_a = range(1, W // weights[0] + 2)
        grid_b = range(1, W // weights[1] + 2)
        for A in grid_a:
            for B in grid_b:
                a0 = Laurent(weights[0], [A], prec)
                b0 = Laurent(weights[1], [B], prec)
                a1, b1 = a0, b0
                for _ in range(n):
                    a1, b1 = m.step(a1, b1)
                true = {"a": a1 - a0, "b": b1}
                for comp, P in polys.items():
                    got = _poly_series(P, A, B, weights, W + 1)
                    series = true[comp]
                    if series.top <= W:
                        return False, "working precision too low"
                    want = [Fraction(0)] * (W + 1)
                    for i, c in enumerate(series.coeffs()):
                        if 0 <= series.v + i <= W:
                            want[series.v + i] = c
                    if series.v < 0 and any(series.coeffs()[:-series.v]):
                        return False, "negative powers in the series"
                    if got != want:
                        k = next(i for i in range(W + 1) if got[i] != want[i])
                        return False, (f"{comp}: the coefficient of weight {k} differs at "
                                       f"A = {A}, B = {B}")
        for req in step.get("require", []):
            ok, why = _requirement(req, polys, weights)
            if not ok:
                return False, why
        return True, (f"{len(grid_a) * len(grid_b)} grid points, univariate Laurent series "
                      f"from the model's gradient, weights <= {W}"
                      + (f"; {len(step['require'])} requirement(s) hold"
                         if step.get("require") else ""))
    except (EosError, KeyError, ValueError, TypeError, ZeroDivisionError) as exc:
        return False, f"unreadable step ({exc})"


def _requirement(req, polys, weights):
    r"""A statement about the re-checked polynomials (in a, b, s):

    - ``coefficient``: the coefficient of a^i b^j s^k in `component` is `value`;
    - ``odd-in-b``: P(a, -b, s) = -P(a, b, s) for `component`;
    - ``curve``: the leading two-step system (`a_weight`, `b_weight`: weights of the leading
      parts of $a'' - a$ and $b'' - b$, nothing lower) is $A = \alpha b^2 s^l$,
      $B = \mu a b s^k + \nu b^3 s^j$, and its curves $u = b^2$, $du/da = 2(\mu a + \nu u)/\alpha$
      are of type `value`: parabola (attracting) if $\nu < 0$, (repelling) if $\nu > 0$,
      for $\nu = 0$ ellipse if $\mu/\alpha < 0$, else hyperbola."""
    a, b, s = sp.symbols("a b s")
    kind = req.get("type")
    P = polys[req.get("component", "b")]
    if kind == "coefficient":
        i, j, k = (int(t) for t in req["monomial"])
        got = sp.Poly(P, a, b, s).coeff_monomial(a ** i * b ** j * s ** k)
        return got == sp.Rational(req["value"]), f"coefficient of a^{i} b^{j} s^{k}: {got}"
    if kind == "odd-in-b":
        return sp.expand(P.subs(b, -b) + P) == 0, "not odd in b"
    if kind == "curve":
        wa, wb, ws = weights

        def part(poly, lo, hi):
            return [(m, c) for m, c in sp.Poly(poly, a, b, s).terms()
                    if lo < wa * m[0] + wb * m[1] + ws * m[2] <= hi]
        la, lb = int(req["a_weight"]), int(req["b_weight"])
        A = part(polys["a"], -1, la)
        B = part(sp.expand(polys["b"] - b), wb, lb)
        if any(wa * m[0] + wb * m[1] + ws * m[2] < la for m, _ in A) or \
                any(wa * m[0] + wb * m[1] + ws * m[2] < lb for m, _ in B):
            return False, "terms below the stated leading weights"
        if not A or any(m[:2] != (0, 2) for m, _ in A) or \
                any(m[:2] not in ((1, 1), (0, 3)) for m, _ in B):
            return False, "the leading system is not alpha b^2, mu a b + nu b^3"
        alpha = sum(c for _, c in A)
        mu = sum(c for m, c in B if m[:2] == (1, 1))
        nu = sum(c for m, c in B if m[:2] == (0, 3))
        kind_found = ("parabola (attracting)" if nu < 0 else "parabola (repelling)") if nu != 0 \
            else ("ellipse" if mu / alpha < 0 else "hyperbola")
        return kind_found == req["value"], f"leading system gives {kind_found}"
    return False, f"unknown requirement {kind!r}"
