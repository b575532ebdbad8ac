"""The corrected Phase-2 band (C18): search for the tightest invariant band, then proof.

The paper's band $|b^2 - a\\kappa/2 - \\kappa^4/16| < \\kappa^4/200$ is, in the scaled
coordinates of `scaled_map` ($U = a/\\kappa^3 - 2B^2$, $B = b/\\kappa^2$),
$|U + 1/8| < 2c$ with c = 1/200. We consider the family, for one sign of b,

$$\\mathcal B(c_0, c_2) = \\{\\, |b^2 - a\\kappa/2 - \\kappa^4/16| \\le c_0 \\kappa^4 + c_2 b^2,
\\ a \\le \\kappa^{5/2} \\,\\}$$

($c_2 = 0$: the paper's form; $c_2 > 0$: a width growing with b, i.e. with a along the band,
the paper's Phase-2 range being $a \\le \\kappa^{5/2}$), the set $|Z| \\le 1$ of the frame
$U = -1/8 + (2c_0 + 2c_2 B^2) Z$ below a line of constant a. Its two-step invariance follows
from $|Z''| \\le 1$, $b''/b > 0$ and $a'' - a = b^2 \\hat A < 0$ on cells covering it up to
$B_{top}$ (`capture.prove_capture(band=True)`; cells wholly above the top line are not in the
band and are left out): a only decreases, so the top edge is never crossed. The search
bisects c on float64 samples of the band's edges inside the band (numerics), then proves the
band at the found value rounded up and refutes it just below, at an exact point of the band
(its $a \\le \\kappa^{5/2}$ checked exactly) whose image is certified (Arb) to leave it.
"""
import math
from fractions import Fraction

import numpy as np

from ..errors import EosError
from .capture import CaptureSet, decimal, prove_capture
from .scaled_map import Frame, ScaledTwoStep, bounds, float_two_step


def band_top(kappa_value, c0, c2=0):
    """$B_{top}$ (rational, rounded up) such that the band's part with $a \\le \\kappa^{5/2}$
    lies in $|B| \\le B_{top}$: $a/\\kappa^3 = U + 2B^2 \\ge -1/8 - 2c_0 + 2(1 - c_2) B^2$."""
    k = float(kappa_value)
    return decimal(Fraction(math.sqrt((k ** -0.5 + 0.125 + 2 * float(c0)) /
                                      (2 - 2 * float(c2)))), 3, up=True)


def band_set(kappa_value, sign, c0, c2, top):
    """The band as a `CaptureSet` (slabs geometric in s, as for K)."""
    k = Fraction(kappa_value)
    frame = Frame(Fraction(-1, 8), 2 * Fraction(c0), 2 * Fraction(c2), (), k)
    breaks, t = [Fraction(0)], 0.0
    while t < float(top):
        t = min(float(top), t + 0.02 + 0.03 * t)
        breaks.append(decimal(Fraction(t), 4))
    breaks[-1] = Fraction(top)
    return CaptureSet(sign, (k, k), frame, tuple(breaks))


def _edge_margin(kappa_value, sign, c0, c2, top, n=400):
    """Smallest float64 margin $1 - |Z''|$ over the band's edges $Z = \\pm 1$ (and the
    midline), $s$ on a grid in (0, top]: negative means the band is left."""
    two = float_two_step("four-scalar", kappa_value)
    a_top = float(kappa_value) ** -0.5  # the band's a <= kappa^(5/2), as a/kappa^3
    worst, where = np.inf, None
    for s in np.geomspace(1e-3, float(top), n):
        B = sign * s
        w = 2 * c0 + 2 * c2 * s * s
        for z in (-1.0, 1.0):
            if -0.125 + w * z + 2 * s * s > a_top:  # above the band's top: not in the band
                continue
            U2, B2, _ = two(-0.125 + w * z, B)
            z2 = (U2 + 0.125) / (2 * c0 + 2 * c2 * B2 * B2)
            m = 1 - abs(z2)
            if m < worst:
                worst, where = m, (z, s)
    return worst, where


def search_constant(kappa_value, sign, c2=0.0, lo=1e-4, hi=0.5, steps=40):
    """Bisection (float64 numerics) for the smallest c0 whose band's edges map inside, each
    band up to its own top (so the search judges the same set the proof and the refutation
    see, not the wider one of a larger c0)."""
    def inside(c):
        return _edge_margin(kappa_value, sign, c, c2, float(band_top(kappa_value, c, c2)))[0] > 0
    if not inside(hi):
        raise EosError(f"band search: even c = {hi} is left at kappa = {kappa_value}")
    for _ in range(steps):
        mid = math.sqrt(lo * hi)
        if inside(mid):
            hi = mid
        else:
            lo = mid
    return lo, hi


def in_band(kappa_value, A):
    """Whether $a/\\kappa^3 = A$ satisfies the band's $a \\le \\kappa^{5/2}$, decided exactly
    ($A \\le \\kappa^{-1/2}$, i.e. $A \\le 0$ or $A^2 \\kappa \\le 1$)."""
    return A <= 0 or A * A * Fraction(kappa_value) <= 1


def above_band(kappa_value, c0, c2):
    """``outside(z, s)`` for `capture.prove_capture`: the cell lies wholly above the band's
    top $a = \\kappa^{5/2}$. $A = a/\\kappa^3 = -1/8 + (2c_0 + 2c_2 s^2) Z + 2 s^2$ is smallest
    at the cell's lowest Z and s ($c_0, c_2 \\ge 0$, $c_2 < 1$), decided exactly there."""
    c0, c2 = Fraction(c0), Fraction(c2)

    def outside(z, s):
        A = Fraction(-1, 8) + (2 * c0 + 2 * c2 * s[0] ** 2) * z[0] + 2 * s[0] ** 2
        return not in_band(kappa_value, A)
    return outside


def refute(kappa_value, sign, c0, c2, top, dps=30):
    """An exact band point (Z = +-1, s, with $a \\le \\kappa^{5/2}$ checked exactly) whose
    two-step image is certified outside the band, or None."""
    margin, where = _edge_margin(kappa_value, sign, float(c0), float(c2), float(top), n=2000)
    if where is None:
        return None
    z, s = where
    K = band_set(kappa_value, sign, c0, c2, top)
    fmap = ScaledTwoStep()
    with fmap.bound(dps):
        for scale in (1, 1 - 1e-3, 1 + 1e-3):
            sq = decimal(Fraction(s * scale), 6)
            point = (Fraction(int(z)), sign * sq, Fraction(kappa_value))
            A = K.frame.origin + (K.frame.d0 + K.frame.d2 * sq * sq) * point[0] + 2 * sq * sq
            if not in_band(kappa_value, A):
                continue
            *_, z2, _, _ = fmap.point(point, K.frame)
            lo, hi = bounds(z2)
            if lo > 1 or hi < -1:
                return {"Z": str(point[0]), "B": str(point[1]), "image_Z": [str(lo), str(hi)],
                        "a_over_kappa3": str(A)}
    return None


def tightest_band(kappa_value, sign, c2=Fraction(0), digits=2, dps=30, progress=None):
    """Search, then prove the band at the search value rounded up to `digits` significant
    digits (raising the last digit until the proof closes) and refute it at the value just
    below. Returns a dict: statement, proved c0 with its proof summary, refuted c0 with the
    certified exit point."""
    lo, hi = search_constant(kappa_value, sign, float(c2))
    c = decimal(Fraction(hi), digits, up=True)
    step = Fraction(10) ** (math.floor(math.log10(c)) - digits + 1)
    for _ in range(10):
        top = band_top(kappa_value, c, c2)
        proof = prove_capture(band_set(kappa_value, sign, c, c2, top), dps=dps,
                              progress=progress, band=True,
                              outside=above_band(kappa_value, c, c2))
        if proof.status == "proved":
            break
        c += step
    else:
        raise EosError(f"band: no proof up to c = {c} at kappa = {kappa_value}")
    # just below the proved value first; when the proof needed a margin over the search
    # value, at the search value rounded down (between the two the band is left undecided)
    for below in dict.fromkeys((c - step, decimal(Fraction(lo), digits, up=False))):
        witness = refute(kappa_value, sign, below, c2, band_top(kappa_value, below, c2), dps)
        if witness:
            break
    return {"kappa": str(kappa_value), "sign": sign, "c2": str(c2), "proved_c0": str(c),
            "B_top": str(top), "breaks": [str(v) for v in proof.capture.breaks],
            "codes": proof.codes, "cells": proof.cells, "rho": str(proof.rho),
            "seconds": round(proof.seconds, 2), "refuted_c0": str(below) if witness else None,
            "witness": witness, "search": [lo, hi]}


def band_certificate(results):
    """The `tightest_band` results as a certificate for `certify recheck` (`recheck_band`)."""
    return {"kind": "phase2-band", "version": 1, "model": "four-scalar",
            "statement": "|b^2 - a kappa/2 - kappa^4/16| <= c0 kappa^4 + c2 b^2 with "
                         "a <= kappa^(5/2) (one sign of b) is mapped into itself by two GD "
                         "steps", "bands": results}
