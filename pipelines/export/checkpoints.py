"""核实要点: what a cadre checks at the door for a case, as each rule in
`pipelines/reconcile/rules.py` states it; a code the catalogue does not know (a case from an
older catalogue, say) gets the general sentence, so it never stops a worklist."""

from __future__ import annotations

from pipelines.reconcile.rules import RULES

GENERAL = "对照各部门记录入户核实，说明哪个部门的记录与实际情况不符。"

CHECKPOINTS = {rule.code: rule.check for rule in RULES}


def checkpoint(rule_code: str) -> str:
    return CHECKPOINTS.get(rule_code, GENERAL)
