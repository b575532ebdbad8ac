"""The standing fuzz test: generated strings and TOML files through every parser and command.

Every input must end in a result or an `EosError` (the CLI: exit 0, 1 or 2 with one `error:`
line) - never a traceback, never a hang past the bound, never a file outside the output
path. Small in the default suite; ``-m slow`` runs the large version. Counts are printed
(``pytest -s`` shows them).
"""
import time
from collections import Counter

import pytest
import sympy as sp
from _toml import claims_file
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_claims_schema import BASE

from eos_symbolic import EosError, parse, parse_expression
from eos_symbolic.claims.checks import Context
from eos_symbolic.claims.fields import parse_formula, parse_relation
from eos_symbolic.claims.registry import load_claims_file
from eos_symbolic.claims.verify import check_claim
from eos_symbolic.cli import main
from eos_symbolic.symbolic.parser import parse_number

SMALL, LARGE = 150, 3000
#: Seconds one parser call / one command may take.
PARSE_BOUND, COMMAND_BOUND = 2.0, 30.0

TOKENS = ["x", "y", "z", "eta", "kappa", "a", "b", "gamma", "q", "os", "__import__", "exec",
          "eval", "lambda", "sqrt", "exp", "log", "sin", "Rational", "Matrix", "Eq",
          "Interval", "open", "EmptySet", "0", "1", "2", "9", "0.5", "1e5", "1e999", "1j",
          "_", "10**", "**", "*", "/", "+", "-", "^", "%", "//", "@", "(", ")", "[", "]",
          "{", "}", ",", ".", ":", "=", "==", "<", ">", "'", '"', " ", "\\", "\n", "\x00",
          "if", "else", "for", "in", "not", "and", "real", "__class__", "é", "∞"]
texts = st.one_of(st.text(max_size=80),
                  st.lists(st.sampled_from(TOKENS), max_size=40).map("".join))


def fuzz(n):
    return settings(max_examples=n, deadline=None, database=None,
                    suppress_health_check=list(HealthCheck))


def bounded(fn, *args, bound=PARSE_BOUND):
    """Run `fn`; return "ok" or "refused"; anything else (or taking too long) fails."""
    start = time.perf_counter()
    try:
        fn(*args)
        outcome = "ok"
    except EosError as exc:
        assert "\n" not in str(exc), repr(str(exc))
        outcome = "refused"
    assert time.perf_counter() - start < bound, (fn.__name__, args)
    return outcome


def parsers(text):
    counts = Counter()
    for fn in (parse_expression, parse, lambda t: parse_number(t, "n", rational=False),
               lambda t: parse_formula(t, "f"),
               lambda t: parse_relation(t, "r")):
        counts[bounded(fn, text)] += 1
    return counts


def run_parsers(n):
    counts = Counter()

    @fuzz(n)
    @given(texts)
    def check(text):
        counts.update(parsers(text))
    check()
    print(f"\nparsers: {sum(counts.values())} calls, {counts['ok']} parsed, "
          f"{counts['refused']} refused, 0 tracebacks, 0 over {PARSE_BOUND} s")
    return counts


def test_parsers_small():
    assert sum(run_parsers(SMALL).values()) >= 5 * SMALL


@pytest.mark.slow
def test_parsers_large():
    run_parsers(LARGE)


def test_parse_gives_sympy_or_refuses():
    assert isinstance(parse_expression("x*y - 1/2"), sp.Expr)
    with pytest.raises(EosError):
        parse_expression("__import__('os')")


# ------------------------------------------------------------------------ claims files

leaf = st.one_of(texts, st.integers(min_value=-10 ** 30, max_value=10 ** 30),
                 st.floats(allow_nan=True, allow_infinity=True), st.booleans(),
                 st.lists(texts, max_size=3), st.dictionaries(texts, texts, max_size=2))


@st.composite
def claim_files(draw):
    """A valid base claim with some fields replaced, dropped or added, or raw text."""
    if draw(st.integers(0, 5)) == 0:
        return draw(st.text(max_size=300))
    claim = dict(BASE[draw(st.sampled_from(sorted(BASE)))])
    for _ in range(draw(st.integers(1, 3))):
        key = draw(st.sampled_from(sorted(claim) + ["extra", "steps", "claimed"]))
        if draw(st.booleans()) and key in claim:
            value = claim[key]
            if isinstance(value, dict) and value:
                sub = dict(value)
                sub[draw(st.sampled_from(sorted(sub) + ["q'", "k"]))] = draw(leaf)
                claim[key] = sub
            else:
                claim[key] = draw(leaf)
        elif key in claim and key not in ("id", "kind"):
            del claim[key]
        else:
            claim[key] = draw(leaf)
    return claims_file([claim] * draw(st.integers(1, 2)))


#: Kinds whose checkers are fast enough to run on accepted fuzzed claims.
FAST_KINDS = ("identity", "inequality", "expansion")


def run_claim_files(n, tmp_path, checked_at_most):
    counts = Counter()
    path = tmp_path / "fuzz.toml"

    @fuzz(n)
    @given(claim_files())
    def check(text):
        try:
            path.write_text(text, encoding="utf-8")
        except UnicodeEncodeError:
            path.write_bytes(text.encode("utf-8", "surrogatepass"))
        outcome = bounded(load_claims_file, path)
        counts[outcome] += 1
        if outcome == "ok" and counts["checked"] < checked_at_most:
            # a claim the schema accepts must not crash its checker
            claim = load_claims_file(path)[0]
            if claim.kind in FAST_KINDS:
                v = check_claim(claim, Context(quick=True))
                assert "checker error" not in str(v.evidence.get("reason", "")), v.evidence
                counts["checked"] += 1
    check()
    print(f"\nclaims files: {counts['ok'] + counts['refused']} loaded, {counts['ok']} accepted "
          f"({counts['checked']} of them checked, no checker error), {counts['refused']} "
          "refused in one line, 0 tracebacks")
    return counts


def test_claims_files_small(tmp_path):
    counts = run_claim_files(SMALL, tmp_path, 10)
    assert counts["refused"] > 0


@pytest.mark.slow
def test_claims_files_large(tmp_path):
    run_claim_files(LARGE, tmp_path, 200)


# ---------------------------------------------------------------------------- commands

#: Cheap valid commands; the fuzzer replaces one value (or appends an option) in each.
VALID = [
    ["trajectory", "--eta", "0.2", "--start", "x=2.5,y=0.2", "--steps", "5"],
    ["trajectory", "--loss", "(1 - x*y)**2/2", "--eta", "0.1", "--start", "x=1,y=2",
     "--steps", "3"],
    ["sweep", "--eta", "0.2", "--grid", "x=2:2.5:3", "--grid", "y=0.2:0.3:3", "--steps", "50"],
    ["certify", "inequality", "x**2 + 1 > 0", "--box", "x=-1:1", "--budget", "20"],
    ["certify", "two-cycle", "--eta", "3/5", "--near", "x=0.9,y=0.9"],
    ["certify", "remainder", "--box", "a=-1/1000:1/1000,b=-1/100:1/100,kappa=1/20:1/10",
     "--budget", "5"],
    ["derive", "--check", "--loss", "x*y", "--time-budget", "5"],
]
EXTRA = ["--dps", "--every", "--digits", "--tol", "--coords", "--certify", "--max-dps",
         "--chunk", "--fixed", "--radius", "--period", "--model", "--tie", "--band"]


@st.composite
def commands(draw):
    argv = list(draw(st.sampled_from(VALID)))
    values = [i for i in range(2, len(argv)) if not argv[i].startswith("--")]
    word = st.one_of(texts, st.integers(-3, 40).map(str),
                     st.sampled_from(["0.2", "3/5", "1e-3", "x=2.5,y=0.2", "x=1:2:3", "ab",
                                      "nan", "-1", "0", "1e400", "z=x", "four-scalar"]))
    if draw(st.booleans()):
        argv[draw(st.sampled_from(values))] = draw(word)
    else:
        argv += [draw(st.sampled_from(EXTRA)), draw(word)]
    return [a for a in argv if "\x00" not in a]


def run_commands(n, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    counts = Counter()

    @fuzz(n)
    @given(commands())
    def check(argv):
        start = time.perf_counter()
        rc = main(argv + (["--no-progress"] if argv[0] in ("trajectory", "sweep") else []))
        assert time.perf_counter() - start < COMMAND_BOUND, argv
        err = capsys.readouterr().err
        assert "Traceback" not in err, (argv, err)
        assert rc in (0, 1, 2), (argv, rc, err)
        if rc == 2:
            assert err.startswith("error: ") and err.count("\n") == 1, (argv, err)
        assert not list(tmp_path.iterdir()), (argv, list(tmp_path.iterdir()))
        counts[rc] += 1
    check()
    print(f"\ncommands: {sum(counts.values())} runs, {counts[0]} succeeded, {counts[1]} "
          f"unproved, {counts[2]} refused with one line, 0 tracebacks, no stray files")
    return counts


def test_commands_small(tmp_path, capsys, monkeypatch):
    counts = run_commands(SMALL // 3, tmp_path, capsys, monkeypatch)
    assert counts[2] > 0


@pytest.mark.slow
def test_commands_large(tmp_path, capsys, monkeypatch):
    run_commands(LARGE // 3, tmp_path, capsys, monkeypatch)
