"""What a concentration certificate covers, drawn: the proved and failed parts of the start
set, and how high the orbits climb against the top of each part's capture set K.

The left panel is read from the certificate only (its numbers through the re-check's
bounded `rational`: the file may be anyone's). The right panel adds float64 orbits
(numerics that explain a failure, no part of any proof): a part fails where its orbits climb
above the ``|B|`` up to which K could be fitted to the slow manifold (`capture.slow_manifold`).
"""

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import sympy as sp  # noqa: E402
from matplotlib.patches import Patch, Rectangle  # noqa: E402

from ..rigorous.chains import start_chart  # noqa: E402
from ..rigorous.concentration import peak_height  # noqa: E402
from ..rigorous.recheck_cells import rational  # noqa: E402
from ..symbolic.symbols import kappa, x  # noqa: E402
from .plots import save_figure  # noqa: E402

COLOURS = {"proved": "#4c9a4c", "failed": "#c8504b"}


def orbit_peaks(cert, part, n=5):
    """Largest ``|B|`` (B = b/kappa^2) along float64 orbits from the start pieces at each of
    n values of x0 over the part's range (`concentration.peak_height` on the chart image of
    its x0 y0 range), at the part's largest kappa: (x0 values, peak per x0)."""
    A, B, p = start_chart(cert["model"])
    chart = sp.lambdify((x, p, kappa), (A, B))
    k = max(rational(v) for v in part.get("capture", {}).get("kappa", cert["kappa"]))
    xs = np.linspace(*(float(rational(v)) for v in (part["breaks"]["x"][0],
                                                    part["breaks"]["x"][-1])), n)
    peaks = []
    with np.errstate(all="ignore"):
        for x0 in xs:
            ends = [chart(x0, float(rational(v)), float(k)) for v in part["xy"]]
            As, Bs = [e[0] for e in ends], [abs(e[1]) for e in ends]
            peaks.append(peak_height(k, part["sign"], (min(As), max(As)), (min(Bs), max(Bs)),
                                     cert["model"]))
    return xs, peaks


def coverage(cert):
    """Per part: x0 and x0 y0 ranges, sign of b, status, the failing step (None when proved)
    and the top of K (None when K was not designed)."""
    rows = []
    for part in cert["parts"]:
        cap = part.get("capture")
        rows.append({
            "x": tuple(float(rational(v)) for v in (part["breaks"]["x"][0],
                                                    part["breaks"]["x"][-1])),
            "xy": tuple(float(rational(v)) for v in part["xy"]), "sign": part["sign"],
            "status": part["status"],
            "step": None if part["status"] == "proved" else next(
                (k.split("_")[0] for k in ("capture_proof", "chains", "zone")
                 if part.get(k, {}).get("failure")), "proof"),
            "K_top": float(rational(cap["breaks"][-1])) if cap else None})
    return rows


def plot_proof_coverage(cert, path):
    """Left: each part's start pieces in (x0, x0 y0), green where proved, red where not
    (with the failing step). Right: per part, the top of K (``|B|`` <= s_top) and the float64
    orbits' highest ``|B|``, against x0; b > 0 solid, b < 0 dashed."""
    fig, (left, right) = plt.subplots(1, 2, figsize=(12, 4.6))
    for part, row in zip(cert["parts"], coverage(cert)):
        (x0, x1), (p0, p1) = row["x"], row["xy"]
        left.add_patch(Rectangle((x0, p0), x1 - x0, p1 - p0, color=COLOURS[row["status"]],
                                 alpha=0.75, lw=0))
        if row["step"]:
            left.text((x0 + x1) / 2, (p0 + p1) / 2, row["step"], ha="center", va="center",
                      fontsize=7, rotation=90)
        style = "-" if row["sign"] > 0 else "--"
        xs, peaks = orbit_peaks(cert, part)
        right.plot(xs, peaks, style, color="0.35", lw=1)
        if row["K_top"] is not None:
            right.plot([x0, x1], [row["K_top"]] * 2, style, color=COLOURS[row["status"]], lw=2.5)
    left.axhline(1, color="k", lw=0.5)
    left.set_xlim(*(float(rational(v)) for v in cert["x"]))
    ps = [v for row in coverage(cert) for v in row["xy"]]
    left.set_ylim(min(ps) - 0.002, max(ps) + 0.002)
    left.set_xlabel("$x_0$")
    left.set_ylabel("$x_0 y_0$")
    # an interval's ends are squares of outward-rounded kappa bounds: long fractions
    eta = [float(rational(v)) for v in cert["eta"]]
    head = f"eta = {eta[0]:.12g}" if eta[0] == eta[1] else \
        f"eta in [{eta[0]:.12g}, {eta[1]:.12g}]"
    left.set_title(f"start set, {head}: {cert['status']}", fontsize=10)
    left.legend(handles=[Patch(color=c, label=s) for s, c in COLOURS.items()], fontsize=8,
                loc="upper left")
    right.set_xlabel("$x_0$")
    right.set_ylabel("$|B| = |b|/\\kappa^2$")
    right.set_title("top of K (thick) and highest |B| of float64 orbits (thin);\n"
                    "b > 0 solid, b < 0 dashed", fontsize=10)
    return save_figure(fig, path, dpi=120)
