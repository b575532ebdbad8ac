"""User claims files: validation, restricted parsing, and a round trip through the CLI."""
import json

import pytest

from eos_symbolic import EosError
from eos_symbolic.claims.registry import load_claims_file
from eos_symbolic.cli import main


def write(tmp_path, text):
    p = tmp_path / "claims.toml"
    p.write_text(text)
    return p


def test_identity_claim_round_trip(tmp_path, capsys):
    p = write(tmp_path, '''
[[claim]]
id = "U1"
kind = "identity"
lhs = "(x*y - 1)*(x*y + 1)"
rhs = "x**2*y**2 - 1"

[[claim]]
id = "U2"
kind = "identity"
lhs = "(x*y - 1)*(x*y + 1)"
rhs = "x**2*y**2 + 1"
''')
    out = tmp_path / "v.json"
    assert main(["check", "U1", "U2", "--claims", str(p), "--json", str(out)]) == 0
    verdicts = {v["id"]: v for v in json.loads(out.read_text())}
    assert verdicts["U1"]["verdict"] == "verified"
    assert verdicts["U2"]["verdict"] == "refuted"
    assert set(verdicts["U1"]) == {"id", "verdict", "method", "evidence", "counterexample",
                                   "correction", "seconds"}


@pytest.mark.parametrize("body, message", [
    ('id = "U"\nkind = "identity"\nlhs = "__import__(\'os\').system(\'true\')"\nrhs = "1"',
     "not allowed"),
    ('id = "U"\nkind = "identity"\nlhs = "x.__class__"\nrhs = "1"', "not allowed"),
    ('id = "U"\nkind = "identity"\nlhs = "q*x"\nrhs = "1"', "unknown symbol"),
    ('id = "U"\nkind = "identity"\nlhs = "(x +"\nrhs = "1"', "cannot parse"),
    ('id = "U"\nkind = "magic"\nlhs = "x"\nrhs = "x"', "unknown kind 'magic'"),
    ('kind = "identity"', "id: missing"),
])
def test_bad_claims_are_refused_clearly(tmp_path, body, message, capsys):
    p = write(tmp_path, "[[claim]]\n" + body + "\n")
    with pytest.raises(EosError, match=message):
        load_claims_file(p)
    assert main(["check", "U", "--claims", str(p)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "Traceback" not in err


def test_unparsable_toml_and_missing_file(tmp_path):
    with pytest.raises(EosError, match="not valid TOML"):
        load_claims_file(write(tmp_path, "[[claim]\n"))
    with pytest.raises(EosError, match="does not exist"):
        load_claims_file(tmp_path / "nope.toml")


def test_unknown_claim_id(capsys):
    assert main(["check", "C99"]) == 2
    assert "unknown claim id(s) C99" in capsys.readouterr().err


def test_readme_example_file_round_trips(tmp_path):
    from pathlib import Path
    example = Path(__file__).resolve().parents[1] / "examples/user_claims.toml"
    out = tmp_path / "v.json"
    assert main(["check", "U1", "U2", "--claims", str(example), "--json", str(out)]) == 0
    verdicts = {v["id"]: v["verdict"] for v in json.loads(out.read_text())}
    assert verdicts == {"U1": "verified", "U2": "verified"}


def test_planted_wrong_user_expansion_is_refuted(tmp_path):
    p = write(tmp_path, '''
[[claim]]
id = "U3"
kind = "expansion"
steps = 1
claimed = { "a'" = "a - 3*b**2*kappa**3" }
weights = { a = 3, b = 2, kappa = 1 }
''')
    out = tmp_path / "v.json"
    assert main(["check", "U3", "--claims", str(p), "--json", str(out)]) == 0
    v = json.loads(out.read_text())[0]
    assert v["verdict"] == "refuted" and v["correction"] == "a' = a - 2*b**2*kappa**3"
