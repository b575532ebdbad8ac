"""Proved concrete instances of Theorem 3.1 and its corollaries (C14-C17), as evidence.

The paper's statements are asymptotic (kappa below astronomically small constants) and their
verdicts stay as the region checker decides. This hook adds, under ``proved_instances``, the
concentration certificates stored with the package (``data/concentration_*.json``): for each,
what is proved (start set, step size or interval, limit interval of $a/\\kappa^3$, interval of
$(2/\\eta - S)/\\eta$, whether $S \\in (2/\\eta - 20\\eta/3, 2/\\eta)$), and, under ``--certify``,
the outcome of the independent re-check (`rigorous.recheck`) run now.
"""
import os
from fractions import Fraction
from pathlib import Path

from ...rigorous.recheck import load_certificate, recheck_certificate
from . import asymptotic

CLAIMS = ("C14", "C15", "C16", "C17")
DATA = Path(__file__).resolve().parents[2] / "data"
#: Re-check outcomes by (path, modification time): the four claims share each stored
#: certificate, which is re-checked once per process.
_RECHECKED = {}
#: Worker processes of those re-checks (the step-size interval instance alone takes about
#: 20 CPU minutes).
PROCESSES = min(4, os.cpu_count() or 1)


def stored_certificates():
    """(path, certificate) of the stored concentration certificates
    (``concentration_*.json``, or gzip-compressed ``.json.gz``), sorted by name."""
    return [(p, load_certificate(p)) for p in sorted(DATA.glob("concentration_*.json*"))]


def describe(cert):
    """The proved statement of one certificate, JSON-ready."""
    eta = cert["eta"]
    return {"eta": eta[0] if eta[0] == eta[1] else eta,
            "start": {"x": cert["x"], "xy": [p["xy"] for p in cert["parts"]]},
            "limit_a_over_kappa3": cert["limit_a_over_kappa3"],
            "gap_over_eta": cert["gap_over_eta"],
            "sharpness_in_claimed_band": cert["claim_band"]["holds"],
            "seconds_to_prove": cert["seconds"]}


def _statement(item):
    """One proved instance in a few words."""
    eta = item["eta"]
    head = f"eta = {eta}" if isinstance(eta, str) else \
        f"eta in [{float(Fraction(eta[0])):.12g}, {float(Fraction(eta[1])):.12g}]"
    x = [float(Fraction(v)) for v in item["start"]["x"]]
    xy = " or ".join(f"[{float(Fraction(lo)):.6g}, {float(Fraction(hi)):.6g}]"
                     for lo, hi in sorted({tuple(p) for p in item["start"]["xy"]},
                                          key=lambda p: Fraction(p[0])))
    lo, hi = (float(Fraction(v)) for v in item["limit_a_over_kappa3"])
    return (f"{head}, every start x0 in [{x[0]:.6g}, {x[1]:.6g}], x0 y0 in {xy}: "
            f"a/kappa^3 -> [{lo:.5f}, {hi:.5f}], S in (2/eta - 20 eta/3, 2/eta) "
            f"{'proved' if item['sharpness_in_claimed_band'] else 'not shown'}")


def proved_instances(claim, ctx, evidence):
    """`asymptotic.EVIDENCE_HOOKS` entry: the stored proved instances (see the module)."""
    if claim.id not in CLAIMS or getattr(claim, "model", "four-scalar") != "four-scalar":
        return
    items = []
    for path, cert in stored_certificates():
        if cert.get("status") != "proved":
            continue
        item = dict(describe(cert), certificate=path.name,
                    recheck=f"eos-symbolic certify recheck {path}")
        if getattr(ctx, "certify", False):
            key = (str(path), path.stat().st_mtime_ns)
            if key not in _RECHECKED:
                rep = recheck_certificate(cert, fail_fast=True, processes=PROCESSES)
                _RECHECKED[key] = {"valid": rep.valid, "seconds": rep.seconds}
            item["recheck_result"] = dict(_RECHECKED[key])
        items.append(item)
    good = [it for it in items if it.get("recheck_result", {}).get("valid", True)]
    bad = [it["certificate"] for it in items if it not in good]
    if items:
        # first in the key, so the one-line summary keeps it
        evidence["key"] = "; ".join(
            ["proved at " + _statement(it) for it in good]
            + ([f"stored certificate {', '.join(bad)} INVALID on re-check"] if bad else [])
            + ([str(evidence["key"])] if evidence.get("key") else []))
        evidence["proved_instances"] = {
            "note": "concrete instances at simulable step sizes, proved with Arb boxes and "
                    "re-checked independently (`eos-symbolic certify concentration`); they do "
                    "not exercise the theorem's own hypotheses, whose verdict is unchanged",
            "instances": items}


asymptotic.EVIDENCE_HOOKS.append(proved_instances)
