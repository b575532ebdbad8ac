"""Plain decimal and fraction literals, read without SymPy.

``"0.01"``, ``"-3"``, ``"1/100"``: exactly the value the safe parser (`parser.parse_number`)
gives them (decimals are exact), read by `fractions.Fraction` from text that matched a
strict pattern (digits, one optional point or one slash, at most 100 digits a part; no
exponent, no names, no evaluation). Anything else goes to the parser. A command such as
`trajectory` on cached kernels then never imports the symbolic layer's SymPy.
"""
import re
from fractions import Fraction

_PLAIN = re.compile(r"[+-]?(\d{1,100}(\.\d{1,100})?|\d{1,100}/0*[1-9]\d{0,99})")


def plain_fraction(text):
    """The exact value of a plain literal `text`, or None when it is anything else."""
    if isinstance(text, str) and _PLAIN.fullmatch(text.strip()):
        return Fraction(text.strip())
    return None
