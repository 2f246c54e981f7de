"""``Change``: one difference between two schema versions, located on both sides, with what it
does to loading in each direction."""

from __future__ import annotations

from dataclasses import dataclass, replace

from devstate import ir
from devstate.compat.effects import OK, Effect, Status
from devstate.compat.rules import Category, Direction, Rule, Severity


@dataclass(frozen=True)
class Change:
    """A change found by ``diff_schemas``: the rule, where, what exactly changed and its effects."""

    rule: Rule
    path: str
    """What changed, e.g. ``virtqueue.size``, ``section rss``, ``param mtu``."""
    detail: str
    """What changed about it, e.g. ``u16 → u32``."""
    old_loc: ir.Location | None
    new_loc: ir.Location | None
    fix: str = ""
    """A suggestion specific to this change; the rule's general fix when empty."""
    backward: Effect = OK
    """The new reader loading state the old version wrote."""
    forward: Effect = OK
    """The old reader loading state the new version writes."""
    category_override: Category | None = None
    history: Direction = Direction.NONE
    """Directions broken for other versions of the major line than this pair (a removed ``since``)."""

    def with_effects(self, backward: Effect, forward: Effect) -> Change:
        return replace(self, backward=backward, forward=forward)

    def effect(self, direction: Direction) -> Effect:
        return self.backward if direction is Direction.BACKWARD else self.forward

    @property
    def direction(self) -> Direction:
        """The directions this change breaks: some state does not load, beyond fields and sections
        the reader lacks holding their defaults (what every minor version relies on)."""
        backward = self.backward.breaks or self.history in (Direction.BACKWARD, Direction.BOTH)
        forward = self.forward.breaks or self.history in (Direction.FORWARD, Direction.BOTH)
        return Direction.of(backward, forward)

    @property
    def conditional(self) -> Direction:
        """The directions in which only some states load (conditions, minor-ok or not)."""
        return Direction.of(self.backward.status is Status.CONDITIONAL, self.forward.status is Status.CONDITIONAL)

    @property
    def category(self) -> Category:
        """WIRE when some valid state does not load unchanged in some direction, else the rule's (API for
        renames and removals), or the diff's finding (API for a type change every value survives)."""
        if self.category_override is not None:
            return self.category_override
        if self.backward.status is not Status.COMPATIBLE or self.forward.status is not Status.COMPATIBLE:
            return Category.WIRE
        return self.rule.category

    @property
    def breaking(self) -> bool:
        """Needs a new major version: it breaks some direction, or the rule allows it only in one."""
        return self.direction is not Direction.NONE or self.rule.major_only

    @property
    def severity(self) -> Severity:
        if self.breaking:
            return Severity.ERROR
        return Severity.WARNING if self.category is Category.API else Severity.INFO

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

    @property
    def effects_text(self) -> str:
        """``backward: loads; forward: loads while virtqueue.reset holds its default (false)``."""
        return f"backward: {self.backward.describe()}; forward: {self.forward.describe()}"

    def to_json(self) -> dict[str, object]:
        return {
            "rule": self.rule.id,
            "name": self.rule.name,
            "severity": self.severity.value,
            "direction": self.direction.value,
            "category": self.category.value,
            "breaking": self.breaking,
            "path": self.path,
            "detail": self.detail,
            "backward": self.backward.to_json(),
            "forward": self.forward.to_json(),
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
