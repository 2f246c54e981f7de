"""The version-bump check and compatibility modes, for one pair or a model's history.

Modes (like a schema registry's compatibility levels):

* ``semver`` (the default): the declared bump must be big enough. A minor bump (same
  major) must not break loading in either direction; a major bump may break anything.
* ``backward``, ``forward``, ``full``: every change must keep the new reader loading old
  state, the old reader loading new state, or both — whatever the declared versions.

API-only changes (renames) never fail a wire mode; ``strict_api`` makes them require a
major bump in ``semver`` mode.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from itertools import pairwise

from devstate import ir
from devstate.compat import rules as R
from devstate.compat.change import Change
from devstate.compat.diff import diff_schemas
from devstate.compat.effects import Status
from devstate.compat.migrate import find_route
from devstate.compat.rules import Category, Direction, Rule


class Mode(StrEnum):
    SEMVER = "semver"
    BACKWARD = "backward"
    FORWARD = "forward"
    FULL = "full"

    @property
    def direction(self) -> Direction:
        """The loading direction the mode protects (``BOTH`` for semver minor bumps)."""
        return {
            Mode.BACKWARD: Direction.BACKWARD, Mode.FORWARD: Direction.FORWARD,
        }.get(self, Direction.BOTH)


class Bump(StrEnum):
    NONE = "none"
    MINOR = "minor"
    MAJOR = "major"
    DOWNGRADE = "downgrade"


def bump_kind(old: ir.Version, new: ir.Version) -> Bump:
    if new == old:
        return Bump.NONE
    if new < old:
        return Bump.DOWNGRADE
    return Bump.MAJOR if new.major > old.major else Bump.MINOR


@dataclass(frozen=True)
class Problem:
    """Why a pair fails its check: the rule that fails it and, if any, the change."""

    rule: Rule
    message: str
    change: Change | None = None

    def to_json(self) -> dict[str, object]:
        return {
            "rule": self.rule.id, "name": self.rule.name, "message": self.message,
            "change": self.change.rule.id if self.change else None,
            "path": self.change.path if self.change else None,
        }


@dataclass
class PairReport:
    """The changes between two schemas and the verdict of one mode on them."""

    old: ir.Schema
    new: ir.Schema
    mode: Mode
    changes: list[Change]
    problems: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def compatible(self) -> bool:
        return not self.problems

    @property
    def bump(self) -> Bump:
        return bump_kind(self.old.version, self.new.version)

    @property
    def breaking(self) -> list[Change]:
        return [c for c in self.changes if c.breaking]

    def to_json(self) -> dict[str, object]:
        return {
            "old": self.old.ident, "new": self.new.ident,
            "old_file": self.old.file, "new_file": self.new.file,
            "mode": self.mode.value, "bump": self.bump.value,
            "compatible": self.compatible,
            "problems": [p.to_json() for p in self.problems],
            "notes": self.notes,
            "changes": [c.to_json() for c in self.changes],
        }


def check_pair(old: ir.Schema, new: ir.Schema, mode: Mode = Mode.SEMVER, *, strict_api: bool = False) -> PairReport:
    """Diff ``old`` → ``new`` and judge the changes by ``mode``."""
    report = PairReport(old, new, mode, diff_schemas(old, new))
    if mode is Mode.SEMVER:
        _check_semver(report, strict_api)
    elif old.version.major != new.version.major and old.model == new.model:
        _check_majors(report)
    else:
        _check_mode(report)
    return report


def _check_semver(report: PairReport, strict_api: bool) -> None:
    bump = report.bump
    if bump in (Bump.NONE, Bump.DOWNGRADE) and report.changes:
        verb = "is not newer than" if bump is Bump.DOWNGRADE else "has the same version as"
        message = f"{report.new.ident} {verb} {report.old.ident} but the schema changed"
        report.problems.append(Problem(R.VERSION_NOT_INCREASED, message))
        return
    if bump is Bump.MAJOR:
        needed = [c for c in report.changes if _needs_major(c, strict_api)]
        if not needed:
            report.notes.append("major bump, but no change needs one: a minor bump would do")
        else:
            rules = ", ".join(dict.fromkeys(c.rule.id for c in needed))
            report.notes.append(f"{len(needed)} breaking change(s) ({rules}), allowed by the major bump")
        report.notes.append(_conversion_note(report.old, report.new))
        return
    for change in report.changes:
        if _needs_major(change, strict_api):
            report.problems.append(Problem(R.MAJOR_BUMP_REQUIRED, _minor_message(report, change), change))


def _minor_message(report: PairReport, change: Change) -> str:
    head = f"{report.old.version} → {report.new.version} is a minor bump, but {change.rule.label} at {change.path}"
    if change.direction is not Direction.NONE:
        effect = change.backward if change.direction in (Direction.BACKWARD, Direction.BOTH) else change.forward
        why = f"; {effect.why}" if effect.why and effect.status is not Status.COMPATIBLE else ""
        return (f"{head} needs a major version (breaks {change.direction.value.lower()}{why}): {change.detail}")
    if change.rule.major_only:
        return f"{head} needs a major version (a minor version may only append): {change.detail}"
    return f"{head} changes the generated API, which --strict-api allows only in a major version: {change.detail}"


def _needs_major(change: Change, strict_api: bool) -> bool:
    return change.breaking or (strict_api and change.category is Category.API)


def _check_mode(report: PairReport) -> None:
    wanted = report.mode.direction
    for change in report.changes:
        if change.direction.breaks(wanted):
            broken = [d for d in (Direction.BACKWARD, Direction.FORWARD)
                      if change.direction.breaks(d) and wanted.breaks(d)]
            why = "; ".join(change.effect(d).describe() for d in broken if change.effect(d).breaks)
            message = (
                f"{change.rule.label} at {change.path} breaks {change.direction.value.lower()} "
                f"compatibility, which mode {report.mode.value} requires: {change.detail}"
                + (f" ({why})" if why else "")
            )
            report.problems.append(Problem(change.rule, message, change))
        elif change.conditional is not Direction.NONE:
            report.notes.append(f"{change.path}: {change.effects_text}")


def _check_majors(report: PairReport) -> None:
    """Across majors a reader refuses the other's state: only a migration function connects them."""
    needed = {Mode.BACKWARD: [(report.old, report.new)], Mode.FORWARD: [(report.new, report.old)],
              Mode.FULL: [(report.old, report.new), (report.new, report.old)]}[report.mode]
    for writer, reader in needed:
        route = find_route(writer.model, writer.version, reader.version)
        if route is None:
            message = (f"a {reader.ident} reader refuses {writer.ident} state (MAJOR_MISMATCH) and no migration "
                       f"function converts {writer.version} to {reader.version}, which mode {report.mode.value} "
                       "requires")
            report.problems.append(Problem(R.MAJOR_MISMATCH, message))
        else:
            hops = "; ".join(str(h) for h in route)
            report.notes.append(f"{writer.version} → {reader.version}: compatible through `devstate convert` ({hops})")


def _conversion_note(old: ir.Schema, new: ir.Schema) -> str:
    parts = []
    for writer, reader in ((old, new), (new, old)):
        route = find_route(old.model, writer.version, reader.version) if old.model == new.model else None
        parts.append(f"{writer.version} → {reader.version} " + ("through `devstate convert`" if route else
                                                                  "has no migration function"))
    return "readers refuse state of the other major (MAJOR_MISMATCH): " + "; ".join(parts)


def history_pairs(versions: list[ir.Schema], transitive: bool) -> list[tuple[ir.Schema, ir.Schema]]:
    """Consecutive pairs of a model's versions (oldest first), or every earlier → later."""
    if transitive:
        return [(old, new) for index, new in enumerate(versions) for old in versions[:index]]
    return list(pairwise(versions))


def check_transitive(
    new: ir.Schema, earlier: list[ir.Schema], mode: Mode, *, strict_api: bool = False
) -> list[PairReport]:
    """``new`` against every earlier version (in semver mode, same major must be full)."""
    older = [old for old in earlier if old.version < new.version]
    return [check_pair(old, new, mode, strict_api=strict_api) for old in older]


def check_history(versions: list[ir.Schema], mode: Mode = Mode.SEMVER, *, transitive: bool = False,
                  strict_api: bool = False) -> list[PairReport]:
    """Every pair of a model's history checked by ``mode``."""
    return [check_pair(old, new, mode, strict_api=strict_api) for old, new in history_pairs(versions, transitive)]
