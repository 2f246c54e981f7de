"""The checker under test: ``devstate.compat.verdict`` per direction, ``check_history`` for histories."""

from __future__ import annotations

from devstate import ir
from devstate.compat.bump import check_history
from devstate.compat.verdict import LoadVerdict, Verdict, pair_verdicts
from tools.mutation.judge import BACKWARD, COMPATIBLE, CONDITIONAL, FORWARD, INCOMPATIBLE
from tools.mutation.judge import Verdict as Judged


def checker(old: ir.Schema, new: ir.Schema) -> dict[str, Judged]:
    backward, forward = pair_verdicts(old, new)
    return {BACKWARD: _judged(backward), FORWARD: _judged(forward)}


def _judged(verdict: LoadVerdict) -> Judged:
    rules = tuple(dict.fromkeys(c.rule.id for c in verdict.changes))
    if verdict.verdict is Verdict.COMPATIBLE:
        return Judged(COMPATIBLE, rules=rules)
    if verdict.verdict is Verdict.CONDITIONAL:
        return Judged(CONDITIONAL, verdict.conditions, rules)
    return Judged(INCOMPATIBLE, rules=rules)  # incompatible, or only through `devstate convert`


def history_ok(versions: list[ir.Schema]) -> bool:
    return all(report.compatible for report in check_history(versions))
