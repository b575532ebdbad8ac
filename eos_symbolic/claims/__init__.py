"""Layer 6, claims and verdicts: the registry (paper claims and user files, field parsing),
the verdict record, the checkers grouped by what they check (`checks`), sampling and
adversarial search, the derivations' self-checks, `verify`, the report and the figure
settings.

May import every layer below; only `cli` imports `claims`.
"""
