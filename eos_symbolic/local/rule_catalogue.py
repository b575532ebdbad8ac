"""Every derivation of a model under an optimizer: the exact rule sections and the local
normal form of the rule's map at its own EoS minimum (`rule_charts`)."""
from ..symbolic.rule_sections import RULE_SECTIONS

#: Sections of a model under a rule, each called as ``section(model, rule)``.
RULE_CATALOGUE = [*RULE_SECTIONS]
