"""Command line: argument parsing only; every subcommand calls library functions.

May import every layer below (`symbolic`, `local`, `numeric`, `rigorous`, `dynamics`,
`claims`); nothing imports `cli`. Subcommands are registered in `main.COMMANDS`.
"""
from .main import build_parser, main

__all__ = ["build_parser", "main"]
