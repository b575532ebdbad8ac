"""Rank-1 factorisation of an isotropic matrix (paper Section 3.3, C19-C20).

Objective (eq. 11): $L(x, y) = \\frac14 \\| I_d - x y^T x y^T \\|_F^2$ with $x, y \\in R^d$.
Since $x y^T x y^T = s\\, x y^T$ with $s = x \\cdot y$, and with $N = |x|^2 |y|^2$,

$$4L = d - 2 s^2 + s^2 N, \\qquad N\\,(4L - (d - 1)) = (N - s^2) + s^2 (N - 1)^2,$$

where $N - s^2 = \\sum_{i<j} (x_i y_j - x_j y_i)^2$ (Lagrange's identity). Both sides are sums
of squares, so $L \\ge (d-1)/4$ with equality iff x and y are parallel and $|s| = 1$: at every
global minimum x and y are aligned (C19). Gradient:
$\\nabla_x L = s(N/2 - 1)\\, y + (s^2 |y|^2 / 2)\\, x$ and symmetrically in y.
Once aligned ($x = u e$, $y = v e$) GD is exactly eq. 2 of the four-scalar model in (u, v),
so Theorem 3.2's end state $\\|x\\|^2 + \\|y\\|^2 \\in (1/\\eta - 10\\eta/3, 1/\\eta)$ is the
four-scalar prediction $x^2 + y^2 = 1/\\eta - \\eta/4$ (gap 1/4 in units of eta).
"""
import numpy as np
import sympy as sp


def rank1_loss(d):
    """Symbolic eq. 11 in d dimensions: (L, xs, ys) with L built from the matrices."""
    xs = sp.symbols(f"x1:{d + 1}", real=True)
    ys = sp.symbols(f"y1:{d + 1}", real=True)
    X, Y = sp.Matrix(xs), sp.Matrix(ys)
    P = X * Y.T
    R = sp.eye(d) - P * P
    return sum(e ** 2 for e in R) / 4, xs, ys


def alignment_identity(d):
    """True iff $N(4L - (d-1)) = \\sum_{i<j}(x_i y_j - x_j y_i)^2 + s^2(N-1)^2$ and
    $4L = d - 2s^2 + s^2 N$ expand to identities in dimension d."""
    L, xs, ys = rank1_loss(d)
    s = sum(a * b for a, b in zip(xs, ys))
    N = sum(a * a for a in xs) * sum(b * b for b in ys)
    lagrange = sum((xs[i] * ys[j] - xs[j] * ys[i]) ** 2 for i in range(d) for j in range(i + 1, d))
    form = sp.expand(4 * L - (d - 2 * s ** 2 + s ** 2 * N)) == 0
    sos = sp.expand(N * (4 * L - (d - 1)) - lagrange - s ** 2 * (N - 1) ** 2) == 0
    return form and sos


def gradient(X, Y):
    """Row-wise gradient of eq. 11 for a batch of (x, y) (arrays B x d, float or mpfr)."""
    s = np.sum(X * Y, axis=1, keepdims=True)
    nx = np.sum(X * X, axis=1, keepdims=True)
    ny = np.sum(Y * Y, axis=1, keepdims=True)
    half_n = nx * ny / 2
    return s * (half_n - 1) * Y + s * s * ny / 2 * X, s * (half_n - 1) * X + s * s * nx / 2 * Y


def run_gd(X, Y, eta, max_steps, factor=None, align_tol=1e-4, settle=0.02):
    """GD on eq. 11 from a batch of starts; when factor is given, every row gets the one-time
    perturbation $y \\leftarrow$ `factor` $\\cdot\\, y$ at the first step where
    $1 - |\\cos(x, y)|$ < `align_tol`. Stops once every row is perturbed and has
    $\\bigl| |x \\cdot y| - 1 \\bigr|$ < `settle` $\\cdot\\, \\eta$. Returns
    (X, Y, steps, t_p per row)."""
    X, Y = X.copy(), Y.copy()
    B = X.shape[0]
    t_p = np.full(B, -1 if factor else 0)
    t = 0
    with np.errstate(all="ignore"):
        while t < max_steps:
            gx, gy = gradient(X, Y)
            X, Y = X - eta * gx, Y - eta * gy
            t += 1
            if factor is not None and (t_p < 0).any():
                s = np.sum(X * Y, axis=1)
                cos = s / np.sqrt(np.sum(X * X, axis=1) * np.sum(Y * Y, axis=1))
                ready = (t_p < 0) & (1 - np.abs(cos.astype(float)) < align_tol)
                Y[ready] = Y[ready] * factor
                t_p[ready] = t
            if t % 500 == 0:
                s = np.abs(np.sum(X * Y, axis=1).astype(float))
                if ((t_p >= 0) & (np.abs(s - 1) < settle * eta)).all() or not np.isfinite(s).any():
                    break
    return X, Y, t, t_p


def sphere_starts(d, B, delta_x, seed):
    """x0 = delta_x u, y0 = (1/(2 delta_x)) v with u, v uniform on the unit sphere (C20)."""
    rng = np.random.default_rng(seed)
    u = rng.normal(size=(B, d))
    v = rng.normal(size=(B, d))
    u /= np.linalg.norm(u, axis=1, keepdims=True)
    v /= np.linalg.norm(v, axis=1, keepdims=True)
    dx = np.asarray(delta_x, float).reshape(B, 1)
    return dx * u, (0.5 / dx) * v
