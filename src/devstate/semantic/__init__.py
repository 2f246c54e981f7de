"""Semantic checks: rules of a device model that relate fields the schema declares separately.

A schema constrains each value on its own (ranges, enum members, flag bits, counts); some rules of
a device relate values in different places — a submission queue names a completion queue of
another section, a queue's head is below its size. They are the model's **semantic rules**, each
with a stable id, checked on a decoded state by ``check_state`` (``devstate validate`` on a
``.dsf`` file, and the bridges before they write a standard blob). The codecs (reference,
generated Python and C) do not check them: a state that breaks one still decodes. The rules are
listed on the website (spec/semantic-checks.md).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from devstate import ir
from devstate.errors import DevstateError

State = dict[str, Any]


@dataclass(frozen=True)
class Violation:
    """A semantic rule the state breaks: the rule id, the state path at fault, and why."""

    rule: str
    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.rule} at {self.path}: {self.message}"

    def to_json(self) -> dict[str, str]:
        return {"code": SemanticError.code, "rule": self.rule, "path": self.path, "message": self.message}


@dataclass(frozen=True)
class Rule:
    id: str
    model: str
    title: str
    check: Callable[[State], Iterator[Violation]]


class SemanticError(DevstateError):
    """A state breaks its model's semantic rules; ``violations`` lists every one."""

    code = "SEMANTIC_RULE"

    def __init__(self, violations: list[Violation]) -> None:
        self.violations = violations
        more = f" (and {len(violations) - 1} more)" if len(violations) > 1 else ""
        super().__init__(f"{self.code} {violations[0]}{more}")


RULES: list[Rule] = []


def rule(id: str, model: str, title: str) -> Callable[[Callable[[State], Iterator[Violation]]],
                                                       Callable[[State], Iterator[Violation]]]:
    """Register the decorated generator as rule ``id`` of ``model``."""

    def register(check: Callable[[State], Iterator[Violation]]) -> Callable[[State], Iterator[Violation]]:
        RULES.append(Rule(id, model, title, check))
        return check

    return register


def rules_for(model: str) -> list[Rule]:
    _load()
    return [r for r in RULES if r.model == model]


def check_state(schema: ir.Schema, state: State) -> list[Violation]:
    """Every violation of ``schema``'s model rules in ``state`` (a decoded state of ``schema``)."""
    return [violation for r in rules_for(schema.model) for violation in r.check(state)]


def _load() -> None:
    from devstate.semantic import nvme  # noqa: F401  (registers its rules)
