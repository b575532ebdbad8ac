"""Region, trajectory and lemma checkers (sampling + adversarial search, trajectory
limits, the rank-1 matrix model) and the user kinds inequality / invariant-region /
trajectory-limit through the CLI."""
import json

import numpy as np
import pytest
import sympy as sp

from eos_symbolic import EosError
from eos_symbolic.claims.checks.invariant import check_invariant_region
from eos_symbolic.claims.checks.lemmas import check_inequality
from eos_symbolic.claims.checks.regions import check_trajectory_limit
from eos_symbolic.claims.registry import Claim, load_claims_file, paper_claims, select
from eos_symbolic.claims.sampling import box_samples
from eos_symbolic.claims.verify import Context, check_claim
from eos_symbolic.cli import main
from eos_symbolic.dynamics.ensembles import certify_start, run_ensemble
from eos_symbolic.dynamics.rank1 import alignment_identity, gradient, rank1_loss
from eos_symbolic.symbolic.models import get_model

QUICK = Context(quick=True)


def user(kind, **fields):
    model = fields.pop("model", "four-scalar")
    return Claim("U", "test", "", kind, model, fields, "user")


def test_box_samples_cover_corners_faces_and_strata():
    pts = box_samples([(0, 1), (10, 20)], n=8)
    assert len(pts) == 4 + 4 + 1 + 8
    assert np.all((pts[:, 0] > 0) & (pts[:, 0] < 1) & (pts[:, 1] > 10) & (pts[:, 1] < 20))
    # stratified: one interior point in each eighth of every axis
    inner = pts[9:]
    assert sorted(np.floor(inner[:, 0] * 8).astype(int)) == list(range(8))


def test_inequality_failing_only_near_one_corner_is_found_by_the_search():
    # violated only in a disc of radius 0.01 about (0.985, 0.985): no sample lands there
    c = user("inequality", inequality="(x - 0.985)**2 + (y - 0.985)**2 > 1/10000",
             domain={"x": [0, 1], "y": [0, 1]}, samples=16)
    v = check_inequality(c, QUICK)
    assert v.verdict == "refuted"
    assert v.evidence["violating_samples"] == 0  # the local optimiser found it
    point = v.counterexample["point"]
    assert abs(float(point["x"]) - 0.985) < 0.01 and abs(float(point["y"]) - 0.985) < 0.01
    assert float(v.counterexample["margin"]) < 0


def test_true_inequality_survives_with_its_worst_point():
    c = user("inequality", inequality="x**2 + y**2 >= 2*x*y", domain={"x": [-1, 1], "y": [-1, 1]})
    v = check_inequality(c, QUICK)
    assert v.verdict == "verified-numerically"
    assert float(v.evidence["worst_margin"]) >= 0 and v.evidence["evaluations"] > 100


def test_inequality_away_from_equality_is_proved_with_intervals():
    c = user("inequality", inequality="a*kappa/2 + kappa**4/16 > kappa**4/200",
             domain={"a": [0, "1/100"], "kappa": ["1/20", "1/5"]})
    v = check_inequality(c, QUICK)
    assert v.verdict == "verified" and "proved" in v.evidence["interval_proof"]
    # the same claim with a box reaching a < 0 is false, and found false
    c = user("inequality", inequality="a*kappa/2 + kappa**4/16 > kappa**4/200",
             domain={"a": ["-1/1000", "1/100"], "kappa": ["1/20", "1/5"]})
    assert check_inequality(c, QUICK).verdict == "refuted"


def test_invariant_region_refuted_in_its_corner_and_true_one_survives():
    region = ["x > y", "y > 0", "x*y < 1", "x < 3"]
    dom = {"x": [0, 3], "y": [0, 3], "eta": "1/10"}
    # x - y is multiplied by 1 + eta*xy*(x^2 y^2 - 1) > 0 here: x > y is kept (true)
    ok = check_invariant_region(user("invariant-region", coords="xy", region=region,
                                     into=["x > y"], domain=dom), QUICK)
    assert ok.verdict == "verified-numerically"
    # x*y < 1 is not kept: GD overshoots the minimum near the corner x = 3
    bad = check_invariant_region(user("invariant-region", coords="xy", region=region,
                                      into=["x*y < 1"], domain=dom), Context())
    assert bad.verdict == "refuted"
    assert float(bad.counterexample["point"]["x"]) > 2.5
    img = bad.counterexample["image"]
    assert float(img["x"]) * float(img["y"]) > 1


def test_ensemble_end_point_and_certified_rerun_agree():
    m = get_model("four-scalar")
    k = 0.2
    starts = np.array([[12 * k ** 2.5 * 1.2, 0.05], [0.3, -0.02]])
    ens = run_ensemble(m, "0.04", starts, 40000)
    assert list(ens.status) == ["settled", "settled"]
    assert np.all(np.abs(ens.a_over_kappa3 + 0.125) < 0.005)
    assert np.all(np.abs(ens.gap_over_eta - 0.5) < 0.02)
    cert = certify_start(m, "0.04", starts[0], ens.steps)
    assert abs(float(cert["a"]) - ens.a[0]) < 1e-8 * abs(ens.a[0])


def test_trajectory_limit_too_narrow_interval_is_refuted_with_the_offending_start():
    k3 = "kappa**3"
    fields = dict(eta="0.04", start={"a": ["0.22", "0.3"], "b": ["0.01", "0.05"]},
                  steps=40000, samples=4)
    good = check_trajectory_limit(user("trajectory-limit", limit={
        "a_over_kappa3": ["-5/3", "-1/10"]}, **fields), QUICK)
    assert good.verdict == "verified-numerically"
    bad = check_trajectory_limit(user("trajectory-limit", limit={
        "a": [f"-{k3}/10", f"{k3}"]}, **fields), QUICK)
    assert bad.verdict == "refuted"
    start = bad.counterexample["start"]
    assert 0.22 <= start["a0"] <= 0.3 and 0.01 <= start["b0"] <= 0.05
    assert bad.counterexample["certified"]["certification"].startswith("certified")


def test_rank1_alignment_identity_and_gradient():
    assert alignment_identity(2) and alignment_identity(3)
    L, xs, ys = rank1_loss(3)
    rng = np.random.default_rng(1)
    xv, yv = rng.normal(size=3), rng.normal(size=3)
    subs = dict(zip(xs + ys, map(sp.Float, np.concatenate([xv, yv]))))
    exact = [float(sp.diff(L, v).subs(subs)) for v in xs + ys]
    gx, gy = gradient(xv[None, :], yv[None, :])
    assert np.allclose(np.concatenate([gx[0], gy[0]]), exact, rtol=1e-12)


def test_paper_c19_verified_and_c14_quick_is_evidence_only():
    c19, c14 = select(paper_claims(), ["C19", "C14"])
    v19 = check_claim(c19, QUICK)
    # exact for the expanded dimensions only; the every-d statement is numeric evidence
    assert v19.verdict == "verified-numerically" and v19.evidence["proof"].startswith("exact")
    v = check_claim(c14, QUICK)
    assert v.verdict == "inconclusive" and "outside the hypotheses" in v.evidence["reason"]
    row = v.evidence["per_kappa"][0]
    assert row["fraction_in_interval"] == 1.0
    assert abs(row["a_over_kappa3"]["median"] + 0.125) < 0.001


def test_user_region_kinds_round_trip_through_the_cli(tmp_path):
    p = tmp_path / "claims.toml"
    p.write_text('''
[[claim]]
id = "U3"
kind = "inequality"
inequality = "4*a*b <= (a + b)**2"
domain = { a = [-2, 2], b = [-2, 2] }

[[claim]]
id = "U4"
kind = "invariant-region"
model = "four-scalar"
coords = "xy"
steps = 2
region = ["x > y", "y > 0", "x*y < 1", "x < 2"]
into = ["x > y"]
domain = { x = [0, 2], y = [0, 2], eta = "1/10" }

[[claim]]
id = "U5"
kind = "trajectory-limit"
model = "four-scalar"
eta = "0.04"
start = { a = ["0.22", "0.3"], b = ["0.01", "0.05"] }
steps = 40000
samples = 4
limit = { a_over_kappa3 = ["-5/3", "-1/10"], gap_over_eta = ["0", "20/3"] }
''')
    out = tmp_path / "v.json"
    assert main(["check", "U3", "U4", "U5", "--claims", str(p), "--json", str(out)]) == 0
    verdicts = {v["id"]: v["verdict"] for v in json.loads(out.read_text())}
    assert verdicts == {"U3": "verified-numerically", "U4": "verified-numerically",
                        "U5": "verified-numerically"}


@pytest.mark.parametrize("body, message", [
    ('kind = "inequality"\ninequality = "x < y < 1"\ndomain = { x = [0, 1], y = [0, 1] }',
     "exactly one of"),
    ('kind = "inequality"\ninequality = "x < y"', "domain"),
    ('kind = "invariant-region"\nregion = []', "region"),
    ('kind = "trajectory-limit"\neta = "0.01"\nstart = { a = [0, 1] }\nlimit = { a = [0, 1] }',
     "start"),
    ('kind = "trajectory-limit"\neta = "0.01"\nstart = { a = [0, 1], b = [0, 1] }\n'
     'limit = { q = [0, 1] }', "limit.q"),
])
def test_bad_region_claims_are_refused(tmp_path, body, message):
    p = tmp_path / "c.toml"
    p.write_text('[[claim]]\nid = "U"\n' + body + "\n")
    with pytest.raises(EosError, match=message):
        load_claims_file(p)


@pytest.mark.slow
def test_full_paper_region_claims():
    for cid in ("C15", "C16", "C17", "C18", "C20", "F2b"):
        v = check_claim(select(paper_claims(), [cid])[0], Context())
        assert v.verdict in ("inconclusive", "verified-numerically"), (cid, v.evidence)


def test_readme_region_examples_run(tmp_path):
    from pathlib import Path
    text = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    part = text[text.index("*Regions, inequalities and trajectory limits.*"):]
    block = part[part.index("```toml") + len("```toml"):]
    block = block[:block.index("```")]
    p = tmp_path / "readme.toml"
    p.write_text(block)
    out = tmp_path / "v.json"
    assert main(["check", "U3", "U4", "U5", "--claims", str(p), "--json", str(out)]) == 0
    assert {v["id"]: v["verdict"] for v in json.loads(out.read_text())} == {
        "U3": "verified", "U4": "verified-numerically",
        "U5": "verified-numerically"}


def test_f2b_region_and_a_wrong_interval():
    from eos_symbolic.claims.checks.sharpness_region import check_sharpness_region
    f2b = select(paper_claims(), ["F2b"])[0]
    v = check_sharpness_region(f2b, QUICK)
    assert v.verdict == "verified-numerically"
    assert v.evidence["largest_component_interior_points"] > 0
    assert all(c["same_side"] for c in v.evidence["cross_check"])
    wrong = Claim("F2b", f2b.where, "", f2b.kind, f2b.model,
                  {**f2b.fields, "sharpness_interval": ["2/eta + 1", "2/eta + 2"]})
    assert check_sharpness_region(wrong, QUICK).verdict == "refuted"
