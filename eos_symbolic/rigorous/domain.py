"""Domains of claims: a range per symbol with exact rational ends, open or closed, possibly
unbounded, and their text form as it appears in proofs (``"[1/10, 3]"``, ``"(0, 1/2)"``,
``"(-oo, oo)"``).

A statement proved "on the domain" holds at every point of the product of these ranges;
the text form is what a proof records as its assumption and what a re-checker parses back.
"""
import re
from dataclasses import dataclass
from fractions import Fraction

from ..errors import EosError


@dataclass(frozen=True)
class Range:
    """An interval of the real line: `lo`/`hi` exact `Fraction`s or None (unbounded);
    `lo_open`/`hi_open` say whether the ends are excluded (an unbounded end is open)."""

    lo: Fraction = None
    hi: Fraction = None
    lo_open: bool = True
    hi_open: bool = True

    def __post_init__(self):
        if self.lo is not None and self.hi is not None and self.lo > self.hi:
            raise EosError(f"range: expected lo <= hi, got [{self.lo}, {self.hi}]")

    @property
    def bounded(self):
        return self.lo is not None and self.hi is not None

    def contains(self, v):
        """Is the exact number `v` in the range?"""
        v = Fraction(v)
        if self.lo is not None and (v < self.lo or (v == self.lo and self.lo_open)):
            return False
        return not (self.hi is not None and (v > self.hi or (v == self.hi and self.hi_open)))

    def inside(self, other):
        """Is this range a subset of `other`?"""
        def below(a, a_open, b, b_open):  # lower end a at or above lower end b
            if b is None:
                return True
            return a is not None and (a > b or (a == b and (a_open or not b_open)))
        def above(a, a_open, b, b_open):
            if b is None:
                return True
            return a is not None and (a < b or (a == b and (a_open or not b_open)))
        return below(self.lo, self.lo_open, other.lo, other.lo_open) and \
            above(self.hi, self.hi_open, other.hi, other.hi_open)

    def text(self):
        lo = "-oo" if self.lo is None else str(self.lo)
        hi = "oo" if self.hi is None else str(self.hi)
        return f"{'(' if self.lo_open else '['}{lo}, {hi}{')' if self.hi_open else ']'}"

    def interior_point(self):
        """An exact point strictly inside (the midpoint, or near the finite end)."""
        if self.bounded:
            return (self.lo + self.hi) / 2
        if self.lo is not None:
            return self.lo + 1
        if self.hi is not None:
            return self.hi - 1
        return Fraction(0)


REAL = Range()
POSITIVE = Range(Fraction(0), None, True, True)
_TEXT = re.compile(r"^\s*([\[(])\s*([^,]+?)\s*,\s*([^,]+?)\s*([\])])\s*$")


def parse_range(text):
    """The inverse of `Range.text`."""
    m = _TEXT.match(text)
    if not m:
        raise EosError(f"range: expected '[lo, hi]' or '(lo, hi)', got {text!r}")
    lo = None if m.group(2) == "-oo" else Fraction(m.group(2))
    hi = None if m.group(3) == "oo" else Fraction(m.group(3))
    return Range(lo, hi, m.group(1) == "(" or lo is None, m.group(4) == ")" or hi is None)


def domain_text(domain):
    """``{"x": "[1/10, 3]", ...}`` for a domain ``{symbol: Range}``."""
    return {str(s): r.text() for s, r in sorted(domain.items(), key=lambda t: str(t[0]))}


def domain_from_text(texts, symbols):
    """``{symbol: Range}`` from `domain_text` output; `symbols` maps names to symbols."""
    return {symbols[name]: parse_range(t) for name, t in texts.items()}
