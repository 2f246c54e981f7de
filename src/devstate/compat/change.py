"""``Change``: one difference between two schema versions, located on both sides."""

from __future__ import annotations

from dataclasses import dataclass

from devstate import ir
from devstate.compat.rules import Category, Direction, Rule, Severity


@dataclass(frozen=True)
class Change:
    """A change found by ``diff_schemas``: the rule, where, and what exactly changed."""

    rule: Rule
    path: str
    """What changed, e.g. ``virtqueue.size``, ``section rss``, ``param mtu``."""
    detail: str
    """What changed about it, e.g. ``u16 → u32``."""
    old_loc: ir.Location | None
    new_loc: ir.Location | None
    fix: str = ""
    """A suggestion specific to this change; the rule's general fix when empty."""

    @property
    def direction(self) -> Direction:
        return self.rule.direction

    @property
    def category(self) -> Category:
        return self.rule.category

    @property
    def severity(self) -> Severity:
        return self.rule.severity

    @property
    def breaking(self) -> bool:
        return self.rule.breaking

    @property
    def suggestion(self) -> str:
        return self.fix or self.rule.fix

    @property
    def where(self) -> str:
        """``old file:line → new file:line`` (``-`` for a side the change has not)."""
        return f"{_loc(self.old_loc)} → {_loc(self.new_loc)}"

    @property
    def message(self) -> str:
        return f"{self.path}: {self.detail} ({self.where}); see {self.rule.url}"

    def to_json(self) -> dict[str, object]:
        return {
            "rule": self.rule.id,
            "name": self.rule.name,
            "severity": self.severity.value,
            "direction": self.direction.value,
            "category": self.category.value,
            "path": self.path,
            "detail": self.detail,
            "old": _loc_json(self.old_loc),
            "new": _loc_json(self.new_loc),
            "message": self.message,
            "fix": self.suggestion,
            "url": self.rule.url,
        }


def _loc(loc: ir.Location | None) -> str:
    return "-" if loc is None else f"{loc.file}:{loc.line}"


def _loc_json(loc: ir.Location | None) -> dict[str, object] | None:
    return None if loc is None else {"file": loc.file, "line": loc.line, "col": loc.col}
