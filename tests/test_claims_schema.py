"""The claims-file schema: every field of every user kind is validated when the file is read,
code planted anywhere never runs, every problem is one line naming file, claim and field."""
import copy

import pytest
from _toml import claims_file

from eos_symbolic import EosError
from eos_symbolic.claims.registry import load_claims_file, paper_claims
from eos_symbolic.claims.schema import KINDS, validate_claim
from eos_symbolic.cli import main

#: One valid claim of each user kind, using every optional field.
BASE = {
    "identity": {"id": "U1", "kind": "identity", "where": "here", "statement": "s",
                 "lhs": "2*(x**2 + y**2)", "rhs": "2*sqrt((x**2 - y**2)**2 + 4*gamma**2)",
                 "where_symbols": {"gamma": "x*y"}, "domain": {"x": [1.1, 3.0],
                                                               "y": [0.2, 1.0]}},
    "expansion": {"id": "U2", "kind": "expansion", "model": "four-scalar", "steps": 1,
                  "claimed": {"a'": "a - 2*b**2*kappa**3"},
                  "weights": {"a": 3, "b": 2, "kappa": 1}, "alternatives": ["two-scalar"],
                  "where_symbols": {"D": "1 + b"}, "hypotheses": "small",
                  "certify_box": {"a": ["-1/1000", "1/1000"], "b": ["-1/100", "1/100"],
                                  "kappa": ["1/20", "1/10"]}},
    "inequality": {"id": "U3", "kind": "inequality",
                   "inequality": "a*kappa/2 + kappa**4/16 - kappa**4/200 > 0",
                   "domain": {"a": [0, 0.01], "kappa": [0.05, 0.2]},
                   "where_symbols": {"D": "1 + b"}, "samples": 64, "dps": 30},
    "invariant-region": {"id": "U4", "kind": "invariant-region", "model": "four-scalar",
                         "coords": "xy", "steps": 1, "region": ["x > y", "y > 0"],
                         "into": ["x > y"], "domain": {"x": [0, 3], "y": [0, 3],
                                                       "eta": "1/10"},
                         "samples": 64, "dps": 30},
    "trajectory-limit": {"id": "U5", "kind": "trajectory-limit", "model": "four-scalar",
                         "eta": "0.04", "start": {"a": ["0.22", "0.3"], "b": ["0.01", "0.05"]},
                         "steps": 40000, "samples": 16,
                         "limit": {"a_over_kappa3": ["-5/3", "-1/10"]}},
}
TEXT_FIELDS = {"where", "statement", "hypotheses"}


def write(tmp_path, claims, name="claims.toml"):
    p = tmp_path / name
    p.write_text(claims_file(claims), encoding="utf-8")
    return p


def leaf_paths(claim):
    """Every place a value sits in `claim`: (key,), (key, subkey), (key, index), ..."""
    for key, v in claim.items():
        if key in ("id", "kind"):
            continue
        if isinstance(v, dict):
            for k, e in v.items():
                if isinstance(e, list):
                    yield from ((key, k, i) for i in range(len(e)))
                else:
                    yield key, k
        elif isinstance(v, list):
            yield from ((key, i) for i in range(len(v)))
        else:
            yield (key,)


def planted(claim, path, payload):
    c = copy.deepcopy(claim)
    node = c
    for p in path[:-1]:
        node = node[p]
    node[path[-1]] = payload
    return c


def test_every_user_kind_has_a_complete_base_claim(tmp_path):
    for kind, claim in BASE.items():
        assert set(claim) - {"id", "kind", "where", "statement", "hypotheses", "model"} == \
            set(KINDS[kind]), kind
    claims = load_claims_file(write(tmp_path, list(BASE.values())))
    assert [c.kind for c in claims] == list(BASE)


def test_paper_claims_of_user_kinds_fit_the_schema():
    for c in paper_claims():
        if c.kind in KINDS:
            validate_claim({"id": c.id, "kind": c.kind, "model": c.model, **c.fields},
                           "paper", 0)


@pytest.mark.parametrize("kind", list(BASE))
def test_code_planted_in_any_field_never_runs(tmp_path, kind, capsys):
    marker = tmp_path / "ran"
    payloads = [f"__import__('pathlib').Path({str(marker)!r}).touch() or 3",
                f"exec(\"open({str(marker)!r}, 'w')\")",
                f"eval('1') + {0}".format(0), "x.__class__.__mro__"]
    refused = accepted = 0
    for path in leaf_paths(BASE[kind]):
        for payload in payloads:
            p = write(tmp_path, [planted(BASE[kind], path, payload)])
            if path[0] in TEXT_FIELDS:
                load_claims_file(p)  # prose is kept as text, never evaluated
                accepted += 1
                continue
            with pytest.raises(EosError) as info:
                load_claims_file(p)
            msg = str(info.value)
            assert "\n" not in msg and msg.startswith(f"{p}: claim {BASE[kind]['id']}: "), msg
            assert str(path[0]) in msg, (path, msg)
            refused += 1
    # one planted claim through the command line: refused before any checker runs
    p = write(tmp_path, [planted(BASE[kind], next(leaf_paths(BASE[kind])), payloads[0])])
    rc = main(["check", BASE[kind]["id"], "--claims", str(p)])
    err = capsys.readouterr().err
    assert not marker.exists()
    assert refused > 0
    if next(leaf_paths(BASE[kind]))[0] not in TEXT_FIELDS:
        assert rc == 2 and err.startswith("error: ") and err.count("\n") == 1
    print(f"{kind}: {refused} planted values refused, {accepted} kept as prose, none ran")


@pytest.mark.parametrize("change, message", [
    ({"claimed": {"q'": "a"}}, "claimed.q': unknown component"),
    ({"claimed": {"a''": "a"}}, "claimed.a'': unknown component; a 1-step expansion has a' and b'"),
    ({"steps": -1}, "steps: expected an integer from 1 to 2, got -1"),
    ({"steps": 3}, "steps: expected an integer from 1 to 2, got 3"),
    ({"steps": "1"}, "steps: expected an integer from 1 to 2, got '1'"),
    ({"steps": True}, "steps: expected an integer"),
    ({"weights": {"a": 3}}, "weights: expected { a = 3, b = 2, kappa = 1 }"),
    ({"weights": {"a": -3, "b": 2}}, "weights.a: expected a positive rational"),
    ({"weights": {"a": 10 ** 6, "b": 2}}, "weights.a: expected a positive rational p/q"),
    ({"weights": {"a": "sqrt(2)", "b": 2}}, "weights.a: expected an exact rational"),
    ({"weights": {"a": 3, "b": 2, "c": 1}}, "weights: expected"),
    ({"model": "nope"}, "model: unknown model 'nope'"),
    ({"model": 3}, "model: expected a model name, got 3"),
    ({"alternatives": "two-scalar"}, "alternatives: expected a list"),
    ({"colour": "red"}, "colour: unknown field; expansion claims take steps, claimed"),
    ({"certify_box": {"a": [1, 0], "b": [0, 1], "kappa": [0, 1]}}, "certify_box.a: expected lo < hi"),
    ({"certify_box": {"a": [0, 1]}}, "certify_box: expected ranges for exactly a, b, kappa"),
    ({"where_symbols": {"q": "x"}}, "where_symbols.q: unknown symbol 'q'"),
    ({"id": 7}, "id: expected a name such as U1"),
    ({"id": "has space"}, "id: expected a name"),
])
def test_malformed_expansion_fields_are_refused_at_load_time(tmp_path, change, message):
    claim = {**BASE["expansion"], **change}
    p = write(tmp_path, [claim])
    with pytest.raises(EosError) as info:
        load_claims_file(p)
    assert message in str(info.value) and "\n" not in str(info.value)
    assert str(info.value).startswith(f"{p}: claim ")


@pytest.mark.parametrize("kind, change, message", [
    ("identity", {"lhs": 3}, "lhs: expected a formula string, got 3"),
    ("identity", {"rhs": None}, None),
    ("identity", {"domain": {"x": [0, "x"]}}, "domain.x: expected a number"),
    ("identity", {"domain": {"x": [1, float("nan")]}}, "domain.x: expected a finite number"),
    ("identity", {"domain": {"x": 1}}, "domain.x: expected [lo, hi]"),
    ("inequality", {"inequality": "x = y"}, "inequality: expected exactly one of"),
    ("inequality", {"inequality": "x < y < 1"}, "inequality: expected exactly one of"),
    ("inequality", {"samples": 0}, "samples: expected an integer from 1 to 100000, got 0"),
    ("inequality", {"samples": 10 ** 9}, "samples: expected an integer from 1 to 100000"),
    ("inequality", {"dps": 5}, "dps: expected an integer from 15 to 1000, got 5"),
    ("inequality", {"domain": {}}, "domain: expected a table"),
    ("invariant-region", {"region": "x > y"}, "region: expected a non-empty list"),
    ("invariant-region", {"region": []}, "region: expected a non-empty list"),
    ("invariant-region", {"into": ["x >> y"]}, "into[0]:"),
    ("invariant-region", {"coords": "polar"}, "coords: expected one of ab, xy, got 'polar'"),
    ("invariant-region", {"steps": 0}, "steps: expected an integer from 1 to 2, got 0"),
    ("trajectory-limit", {"eta": "-1"}, "eta: expected a positive number"),
    ("trajectory-limit", {"eta": "kappa"}, "eta: expected a number"),
    ("trajectory-limit", {"steps": -5}, "steps: expected an integer from 1 to"),
    ("trajectory-limit", {"start": {"a": [0, 1]}}, "start: expected { a = [lo, hi]"),
    ("trajectory-limit", {"start": {"a": [1, 0], "b": [0, 1]}}, "start.a: expected lo < hi"),
    ("trajectory-limit", {"limit": {"speed": [0, 1]}}, "limit.speed: expected one of"),
    ("trajectory-limit", {"limit": {"a": [0]}}, "limit.a: expected [lo, hi]"),
    ("trajectory-limit", {"limit": {"a": ["q", 1]}}, "limit.a[0]: unknown symbol"),
])
def test_malformed_fields_of_each_kind_are_refused(tmp_path, kind, change, message):
    claim = {k: v for k, v in {**BASE[kind], **change}.items() if v is not None}
    p = write(tmp_path, [claim])
    with pytest.raises(EosError) as info:
        load_claims_file(p)
    text = str(info.value)
    assert "\n" not in text and text.startswith(f"{p}: claim {claim['id']}: ")
    assert (message or "rhs: missing") in text


def test_duplicate_ids_unknown_keys_and_kinds(tmp_path):
    p = write(tmp_path, [BASE["identity"], {**BASE["identity"], "rhs": "1"}])
    with pytest.raises(EosError, match=r"claim U1: id: used twice \(claims #1 and #2\)"):
        load_claims_file(p)
    p = tmp_path / "top.toml"
    p.write_text('title = "x"\n' + claims_file([BASE["identity"]]))
    with pytest.raises(EosError, match="unknown top-level key 'title'"):
        load_claims_file(p)
    with pytest.raises(EosError, match="claim U9: kind: unknown kind 'magic'"):
        load_claims_file(write(tmp_path, [{"id": "U9", "kind": "magic"}]))
    with pytest.raises(EosError, match=r"claim U9: kind: missing"):
        load_claims_file(write(tmp_path, [{"id": "U9"}]))


def test_binary_huge_and_directory_files_get_one_line(tmp_path, capsys):
    binary = tmp_path / "b.toml"
    binary.write_bytes(bytes(range(256)) * 4)
    big = tmp_path / "big.toml"
    big.write_text("# " + "x" * (1 << 21))
    deep = tmp_path / "deep.toml"
    deep.write_text("a = " + "[" * 5000 + "]" * 5000)
    for path, message in ((binary, "not UTF-8 text"), (big, "bytes a claims file may have"),
                          ("/dev/zero", "bytes a claims file may have"),
                          (tmp_path, "is a directory"), (deep, "not valid TOML")):
        assert main(["check", "U1", "--claims", str(path)]) == 2
        err = capsys.readouterr().err
        assert err.startswith("error: ") and message in err and err.count("\n") == 1, err
