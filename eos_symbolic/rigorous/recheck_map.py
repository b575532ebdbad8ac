"""Independent re-evaluation of the two-step map on boxes, for `recheck`.

Shares no code with the prover (`scaled_map`, `capture`, `reach`) beyond python-flint's
ball arithmetic: the one-step map is taken from the exact (a, b) map of the symbolic layer
(`reparam`, eq. 6, with $\\check c$ explicit, not the prover's kappa-folded form) and factored
here by rationalising its square root,
$a' - a = (a + \\check c)(X - 1)/(\\sqrt X + 1)$ with $X - 1$ divisible by $b^2$, and
$b' = b\\,\\beta$ term by term; gradients come from forward-mode automatic differentiation
(`Dual`) of an interpreter over the SymPy expressions, not from symbolic derivatives.

In a frame $U = U_0 + (d_0 + d_2 B^2) Z + (\\kappa/\\kappa_r)^2 \\psi_0(B)$
($U = a/\\kappa^3 - 2B^2$, $B = b/\\kappa^2$) the image of a box is enclosed twice and
intersected: the mean-value form $f(m) + Df(X)(X - m)$, and the increment form
$Z'' = Z + N/\\delta(B'')$ with $N = B^2 H - [\\psi(B'') - \\psi(B)] - Z d_2 (B''^2 - B^2)$,
$H = \\kappa \\hat A - 2(\\hat B^2 - 1)$, where the psi difference is the finite Taylor sum at B;
at B = 0 the factor $B^2$ is taken out exactly (endpoint arithmetic).
"""
from fractions import Fraction
from math import comb, factorial

import sympy as sp

from ..errors import EosError
from ..symbolic.models import get_model
from ..symbolic.reparam import reparameterise
from ..symbolic.symbols import a, b, kappa


def _flint():
    import flint
    return flint


def num(q):
    """Ball of an exact rational."""
    fl = _flint()
    q = Fraction(q)
    return fl.arb(fl.fmpq(q.numerator, q.denominator))


def interval(lo, hi):
    """Ball containing the exact interval [lo, hi]."""
    fl = _flint()
    lo, hi = Fraction(lo), Fraction(hi)
    m, r = (lo + hi) / 2, (hi - lo) / 2
    return num(m) + fl.arb(0, num(r).upper()) if r else num(m)


def exact_bounds(v):
    """Exact (lo, hi) with the ball inside."""
    def dy(x):
        man, exp = x.mid().man_exp()
        return Fraction(int(man)) * Fraction(2) ** int(exp)
    m, r = dy(v.mid()), dy(v.rad())
    return m - r, m + r


class Dual:
    """A ball with derivatives (tuple of balls) along the box directions."""

    __slots__ = ("v", "d")

    def __init__(self, v, d):
        self.v, self.d = v, d

    def _lift(self, o):
        if isinstance(o, Dual):
            return o
        if isinstance(o, Fraction):
            o = num(o)
        return Dual(o, tuple(0 * o for _ in self.d))

    def __add__(self, o):
        o = self._lift(o)
        return Dual(self.v + o.v, tuple(x + y for x, y in zip(self.d, o.d)))

    __radd__ = __add__

    def __sub__(self, o):
        o = self._lift(o)
        return Dual(self.v - o.v, tuple(x - y for x, y in zip(self.d, o.d)))

    def __rsub__(self, o):
        return self._lift(o) - self

    def __mul__(self, o):
        o = self._lift(o)
        return Dual(self.v * o.v, tuple(self.v * y + o.v * x for x, y in zip(self.d, o.d)))

    __rmul__ = __mul__

    def __truediv__(self, o):
        o = self._lift(o)
        q = self.v / o.v
        return Dual(q, tuple((x - q * y) / o.v for x, y in zip(self.d, o.d)))

    def ipow(self, n):
        if n == 0:
            return self._lift(num(1))
        if n < 0:
            return self._lift(num(1)) / self.ipow(-n)
        if n == 2 and self.v.contains(0):  # keep squares of balls around 0 non-negative
            v = (self.v.abs_upper() ** 2).union(0 * self.v)
        else:
            v = self.v ** n
        return Dual(v, tuple(n * self.v ** (n - 1) * x for x in self.d))

    def root(self, q):
        r = self.v.sqrt() if q == 2 else self.v.root(q)
        return Dual(r, tuple(x * r / (q * self.v) for x in self.d))


class Program:
    """SymPy expressions in `symbols` as generated straight-line Python over `Dual`s: one
    line per operation of `sympy.cse`'s output, no symbolic differentiation."""

    def __init__(self, exprs, symbols):
        replaced, reduced = sp.cse(list(exprs), order="none")
        names = {s: f"i{k}" for k, s in enumerate(symbols)}
        self.consts, lines = [], []
        for sym, e in replaced:
            names[sym] = f"t{len(lines)}"
            lines.append(f"    {names[sym]} = {self._src(e, names)}")
        outs = ", ".join(self._src(e, names) for e in reduced)
        src = "def run({}):\n{}\n    return [{}]\n".format(
            ", ".join(names[s] for s in symbols), "\n".join(lines) or "    pass", outs)
        env = {"C": self.consts,
               "R": lambda c, q, p: (num(c).root(q) if q != 1 else num(c)) ** p}
        # written here from SymPy trees: names i/t, constants by index into C, other nodes refused
        # audited: exec of that source, never of text
        exec(compile(src, "<recheck program>", "exec"), env)
        self.run = env["run"]

    def _src(self, e, names):
        if e.is_Symbol:
            return names[e]
        if e.is_Rational:
            self.consts.append(Fraction(int(e.p), int(e.q)))
            return f"C[{len(self.consts) - 1}]"
        if e.is_Add or e.is_Mul:
            op = " + " if e.is_Add else " * "
            return "(" + op.join(self._src(t, names) for t in e.args) + ")"
        if e.is_Pow and e.exp.is_Rational:
            p, q = int(e.exp.p), int(e.exp.q)
            if e.base.is_Rational:
                self.consts.append(Fraction(int(e.base.p), int(e.base.q)))
                return f"R(C[{len(self.consts) - 1}], {q}, {p})"
            base = self._src(e.base, names)
            if q != 1:
                base = f"{base}.root({q})"
            return f"{base}.ipow({p})" if p != 1 else base
        raise EosError(f"recheck: no rule for {e}")

    def __call__(self, *inputs):
        return self.run(*inputs)


def natural_values(program, *ranges):
    """Balls of a `Program`'s outputs on exact ranges (natural interval extension)."""
    return [o.v for o in program(*[Dual(interval(*r), ()) for r in ranges])]


def centred_values(program, *ranges):
    """Balls of a `Program`'s outputs on exact ranges: the mean-value form
    $f(m) + \\sum_i \\partial_i f(X) (X_i - m_i)$ (forward-mode derivatives) intersected with
    the natural extension; the form that survives a difference of large terms such as
    $2/\\kappa^2 - S$ over a kappa interval."""
    n = len(ranges)
    X = [interval(*r) for r in ranges]
    whole = program(*[Dual(X[i], tuple(num(int(i == j)) for j in range(n)))
                      for i in range(n)])
    mids = [(lo + hi) / 2 for lo, hi in ranges]
    at = program(*[Dual(num(m), ()) for m in mids])
    out = []
    for c, w in zip(at, whole):
        e = c.v
        for g, x_, m in zip(w.d, X, mids):
            e = e + g * (x_ - num(m))
        out.append(e.intersection(w.v) if e.overlaps(w.v) else e)
    return out


def one_step_factors(model):
    """$(\\alpha, \\beta)$ with $a' = a + b^2\\alpha$, $b' = b\\beta$, derived from the exact
    (a, b) map `reparam.ab_map` (see the module docstring); identities checked exactly."""
    rp = reparameterise(get_model(model) if isinstance(model, str) else model)
    ap, bp = rp.ab_map
    roots = [p for p in ap.atoms(sp.Pow) if p.exp == sp.Rational(1, 2) and p.base.has(b)]
    if len(roots) != 1:
        raise EosError("recheck: expected one square root in the a-map")
    root = roots[0]
    coeff = ap.coeff(root)
    if sp.simplify(ap - coeff * root + rp.c_check) != 0:
        raise EosError("recheck: the a-map is not (a + c_check) sqrt(X) - c_check")
    inner = sp.cancel(sp.expand(root.base - 1) / b ** 2)
    if sp.denom(inner).has(b):
        raise EosError("recheck: X - 1 is not divisible by b^2")
    alpha = coeff * inner / (root + 1)  # = coeff (X - 1)/(sqrt X + 1) = coeff (sqrt X - 1)
    beta = sp.Add(*[t / b for t in sp.Add.make_args(sp.expand(bp))])
    if (sp.expand(inner * b ** 2 - (root.base - 1)) != 0
            or sp.simplify(coeff - a - rp.c_check) != 0 or sp.expand(beta * b - bp) != 0):
        raise EosError("recheck: the factored one-step map does not reproduce eq. 6")
    return alpha, beta


class TwoStepRecheck:
    """Enclosures of the two-step image of boxes in a frame (see the module docstring)."""

    def __init__(self, model="four-scalar"):
        self.program = Program(one_step_factors(model), (a, b, kappa))

    def _shift(self, frame, center):
        key = (frame["shear"], center)
        cache = self.__dict__.setdefault("_taylor", {})
        if key not in cache:
            c = [Fraction(0), Fraction(0)] + list(frame["shear"])
            cache[key] = [num(sum((c[i] * comb(i, j) * center ** (i - j)
                                   for i in range(j, len(c))), Fraction(0)))
                          for j in range(len(c))]
        return cache[key]

    def psi_derivatives(self, B, frame):
        """Duals of $\\psi_0^{(j)}(B)$, j = 0..deg (Taylor form at a nearby grid point)."""
        center = Fraction(round(float(B.v.mid()) * 32), 32)
        t = self._shift(frame, center)
        x = B.v - num(center)
        n = len(t) - 1
        vals = []
        for j in range(n + 2):
            acc = 0 * x
            for m in range(n, j - 1, -1):
                acc = acc * x + t[m] * (factorial(m) // factorial(m - j))
            vals.append(acc)
        return [Dual(vals[j], tuple(vals[j + 1] * g for g in B.d)) for j in range(n + 1)]

    def evaluate(self, Z, B, k, frame, at_zero):
        """Duals of (Bhat, Q or None, Z'', B'', Ahat) and the chart flag; a `raw` frame
        has Z = a/kappa^3 and Z'' = Z + kappa B^2 Ahat."""
        k2 = k * k
        B2sq = B.ipow(2)
        if frame.get("raw"):
            p = (k2 * k * Z, k2 * B)
        else:
            d0, d2, U0 = num(frame["d0"]), num(frame["d2"]), num(frame["origin"])
            ratio = k * k * num(1 / frame["kappa_ref"] ** 2)
            psi = self.psi_derivatives(B, frame)
            U = U0 + (d0 + d2 * B2sq) * Z + ratio * psi[0]
            p = (k2 * k * (U + 2 * B2sq), k2 * B)
        al0, be0 = self.program(p[0], p[1], k)
        p1 = (p[0] + p[1].ipow(2) * al0, p[1] * be0)
        al1, be1 = self.program(p1[0], p1[1], k)
        chart = all(abs(q.v) < 1 and 2 * abs(r.v) < 1 for q, r in (p, p1))
        Ahat, Bhat = al0 + be0 * be0 * al1, be0 * be1
        if frame.get("raw"):
            return (Bhat, None, Z + k * B2sq * Ahat, B * Bhat, Ahat), chart
        H = k * Ahat - 2 * (Bhat * Bhat - 1)
        Bn = B * Bhat
        width = d0 + d2 * Bn.ipow(2)
        if at_zero:
            G = H - Z * d2 * (Bhat * Bhat - 1)
            for i, c in enumerate(frame["shear"], 2):
                G = G - ratio * num(c) * (B.ipow(i - 2) if i > 2 else 1) * (Bhat.ipow(i) - 1)
            return (Bhat, G / width, Z + B2sq * (G / width), Bn, Ahat), chart
        h = B * (Bhat - 1)
        diff, hp = 0 * h, 1
        for j in range(1, len(psi)):
            hp = h * hp
            diff = diff + psi[j] * hp * num(Fraction(1, factorial(j)))
        N = B2sq * H - ratio * diff - Z * d2 * B2sq * (Bhat * Bhat - 1)
        return (Bhat, None, Z + N / width, Bn, Ahat), chart

    def image(self, box, frame):
        """Exact bounds (Z'', B''), balls (Bhat, Ahat) and the chart flag; None if not
        enclosed. `box` = [(Z lo, hi), (B lo, hi), (kappa lo, hi)], one sign of B."""
        (zl, zh), (bl, bh), (kl, kh) = box
        at_zero = bl == 0 or bh == 0
        X = [interval(*r) for r in box]
        n = 2 if kl == kh else 3
        dirs = [Dual(X[i], tuple(num(int(i == j)) for j in range(n))) for i in range(n)]
        k = dirs[2] if n == 3 else Dual(X[2], tuple(0 * X[2] for _ in range(n)))
        vals, chart = self.evaluate(dirs[0], dirs[1], k, frame, at_zero)
        if not all(v.v.is_finite() and all(g.is_finite() for g in v.d)
                   for v in vals if v is not None):
            return None
        mid = [(lo + hi) / 2 for lo, hi in box]
        pt = [Dual(num(m), ()) for m in mid[:n]]
        kk = pt[2] if n == 3 else Dual(X[2], ())
        at, _ = self.evaluate(pt[0], pt[1], kk, frame, at_zero)
        out = []
        for c, v in zip(at, vals):
            if v is None:
                out.append(None)
                continue
            e = c.v
            for g, x, m in zip(v.d, X, mid):
                e = e + g * (x - num(m))
            if not e.overlaps(v.v):
                raise EosError("recheck: mean-value and natural enclosures are disjoint")
            out.append(e.intersection(v.v))
        Bhat, Q, Z2, B2, Ahat = out
        h1, h2 = exact_bounds(Bhat)
        if h1 <= 0:
            return None
        s1, s2 = sorted((abs(bl), abs(bh)))
        z = list(exact_bounds(Z2))
        if at_zero:
            q1, q2 = exact_bounds(Q)
            z[0] = max(z[0], zl + (s1 * s1 * q1 if q1 >= 0 else s2 * s2 * q1))
            z[1] = min(z[1], zh + (s2 * s2 * q2 if q2 >= 0 else s1 * s1 * q2))
        sb = (s1 * h1, s2 * h2)
        bb = list(exact_bounds(B2))
        nat = sb if bl >= 0 else (-sb[1], -sb[0])
        bb = [max(bb[0], nat[0]), min(bb[1], nat[1])]
        if z[0] > z[1] or bb[0] > bb[1]:
            raise EosError("recheck: inconsistent enclosures")
        return tuple(z), tuple(bb), Bhat, Ahat, chart

    def corner(self, box, frame):
        """Image bounds by monotonicity: where the partials of a component in Z and B have
        certified signs on the box, its extremes are at two opposite corners (points); a
        kappa interval adds its mean-value term. Falls back to `image` otherwise."""
        (zl, zh), (bl, bh), (kl, kh) = box
        X = [interval(*r) for r in box]
        n = 2 if kl == kh else 3
        dirs = [Dual(X[i], tuple(num(int(i == j)) for j in range(n))) for i in range(n)]
        k = dirs[2] if n == 3 else Dual(X[2], tuple(0 * X[2] for _ in range(n)))
        vals, chart = self.evaluate(dirs[0], dirs[1], k, frame, False)
        if not chart or not all(v.v.is_finite() and all(g.is_finite() for g in v.d)
                                for v in vals if v is not None):
            return None
        km = (kl + kh) / 2
        dk = interval(kl - km, kh - km) if n == 3 else None
        out = []
        for idx in (2, 3):
            g = vals[idx].d
            signs = [1 if gi > 0 else -1 if gi < 0 else 0 for gi in g[:2]]
            if 0 in signs:
                full = self.image(box, frame)
                if full is None:
                    return None
                out.append(full[0] if idx == 2 else full[1])
                continue
            ends = []
            for flip in (False, True):
                c = [(r[0] if (sg > 0) != flip else r[1]) for r, sg in zip(box, signs)]
                kk = Dual(num(km), ()) if n == 3 else Dual(X[2], ())
                at, _ = self.evaluate(Dual(num(c[0]), ()), Dual(num(c[1]), ()), kk, frame,
                                      False)
                v = at[idx].v + (g[2] * dk if dk is not None else 0)
                ends.append(exact_bounds(v))
            out.append((ends[0][0], ends[1][1]))
        return out[0], out[1], chart
