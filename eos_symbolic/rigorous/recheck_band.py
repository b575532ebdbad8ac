r"""Independent re-check of a Phase-2 band certificate (`certify tightest-band --json`).

A band certificate lists, per kappa and sign of b, the band
$\mathcal B(c_0, c_2) = \{|U + 1/8| \le 2c_0 + 2c_2 B^2,\ a \le \kappa^{5/2}\}$
(`phase2_band`; $U = a/\kappa^3 - 2B^2$, $B = b/\kappa^2$) with its proof (slab breaks and
preorder cell codes up to $B_{top}$) and, for a smaller $c_0$, a point that leaves. Checked
here from the raw numbers, with the map of `recheck_map.TwoStepRecheck`:

- the frame is rebuilt from $c_0, c_2$ (origin $-1/8$, no shear), never read from the file;
- $B_{top}$ covers the band: at $s \ge B_{top}$ the lowest $a/\kappa^3$ of the band,
  $-1/8 - 2c_0 + 2(1 - c_2)s^2$, exceeds $\kappa^{-1/2}$ (decided exactly at $B_{top}$);
- the cells rebuilt from breaks and codes tile $[-1, 1] \times [0, B_{top}]$;
- a cell left out ("x") lies wholly above the top line: $a/\kappa^3$ grows with Z and s on
  the band ($c_2 < 1$), so its lowest corner decides, exactly;
- every other cell maps into the band: $|Z''| \le 1$, $\hat B > 0$ (b keeps its sign) and
  $\hat A < 0$ (a decreases, so the top line is never crossed);
- the refutation: the point lies in the smaller band (its $a \le \kappa^{5/2}$ exact) and
  its image has $Z''$ certified outside $[-1, 1]$.
"""
from fractions import Fraction

from ..errors import EosError
from .recheck_cells import Signed, capture_cells, cell_ok, rational
from .recheck_map import TwoStepRecheck
from .recheck_program import exact_bounds

#: Largest slab count and code length a band certificate may ask for.
MAX_SLABS, MAX_CODE = 10_000, 10_000_000


def above_top(kappa_value, A):
    """Whether $a/\\kappa^3 = A$ lies above the band's top $A = \\kappa^{-1/2}$, exactly."""
    return A > 0 and A * A * kappa_value > 1


class Band(Signed):
    """One band of the certificate, parsed here: sign, kappa, frame, slab breaks."""

    def __init__(self, d, c0):
        self.sign = 1 if int(d["sign"]) > 0 else -1
        k = rational(d["kappa"])
        self.c0, self.c2 = c0, rational(d["c2"])
        if not (0 < k < 1 and c0 > 0 and 0 <= self.c2 < 1):
            raise EosError("recheck: band needs 0 < kappa < 1, c0 > 0, 0 <= c2 < 1")
        self.kappa = (k, k)
        self.frame = {"origin": Fraction(-1, 8), "d0": 2 * c0, "d2": 2 * self.c2,
                      "shear": (), "kappa_ref": k}
        self.breaks = [rational(v) for v in d["breaks"]]
        self.name = f"band kappa {k}, b {'>' if self.sign > 0 else '<'} 0"

    def A(self, z, s):
        """$a/\\kappa^3$ at (Z, s) of the band's frame."""
        return Fraction(-1, 8) + (2 * self.c0 + 2 * self.c2 * s * s) * z + 2 * s * s


def recheck_bands(cert, rep, log):
    """Add one check per band proof and per refutation of a band certificate to `rep`."""
    bands = cert["bands"]
    if not isinstance(bands, list) or not bands:
        raise EosError("recheck: no bands")
    tm = TwoStepRecheck(cert.get("model", "four-scalar"))
    for d in bands:
        band = Band(d, rational(d["proved_c0"]))
        rep.add(f"{band.name}: c0 = {d['proved_c0']} invariant", *_proof_ok(tm, band, d, log))
        if d.get("witness") is not None:
            low = Band(d, rational(d["refuted_c0"]))
            rep.add(f"{band.name}: c0 = {d['refuted_c0']} left", *_witness_ok(tm, low, d))


def _proof_ok(tm, band, d, log):
    k = band.kappa[0]
    top, codes = band.breaks[-1], d["codes"]
    if not (len(band.breaks) <= MAX_SLABS and sum(map(len, codes)) <= MAX_CODE):
        return False, "more slabs or cell codes than a band certificate may hold"
    if band.breaks[0] != 0 or any(u >= v for u, v in zip(band.breaks, band.breaks[1:])):
        return False, "slab breaks not increasing from 0"
    if not above_top(k, band.A(Fraction(-1), top)):
        return False, f"B_top = {top} does not cover the band (a <= kappa^(5/2) above it)"
    left_out = []
    cells = capture_cells(band, codes, left_out)
    for z, s in left_out:
        if not above_top(k, band.A(z[0], s[0])):
            return False, f"a cell left out meets the band: Z {z[0]}, s {s[0]}"

    def accept(zz, s2, h, Ahat):
        return exact_bounds(Ahat)[1] < 0
    for n, (z, s) in enumerate(cells, 1):
        if not cell_ok(tm, band, z, s, accept):
            return False, f"cell Z [{z[0]}, {z[1]}], s [{s[0]}, {s[1]}]: image not shown " \
                          "in the band with b keeping its sign and a decreasing"
        if n % 2000 == 0:
            log(f"  recheck: {band.name}, {n}/{len(cells)} cells")
    return True, f"{len(cells)} cells map into the band, {len(left_out)} lie above it"


def _witness_ok(tm, band, d):
    w = d["witness"]
    k = band.kappa[0]
    z, B = rational(w["Z"]), rational(w["B"])
    s = B * band.sign
    if abs(z) != 1 or s <= 0 or band.c0 >= rational(d["proved_c0"]):
        return False, "the point must be on an edge Z = +-1, with b of the band's sign, " \
                      "for a c0 below the proved one"
    if above_top(k, band.A(z, s)):
        return False, "the point lies above the band's top a = kappa^(5/2)"
    im = tm.image([(z, z), (B, B), band.kappa], band.frame)
    if im is None:
        return False, "image not enclosed"
    zz = im[0]
    if not (zz[0] > 1 or zz[1] < -1):
        return False, f"image Z'' [{float(zz[0])}, {float(zz[1])}] not certified outside"
    return True, f"Z = {z}, B = {B}: image Z'' in [{float(zz[0]):.9f}, {float(zz[1]):.9f}]"
