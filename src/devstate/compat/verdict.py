"""Verdicts: can a reader of one version load state written by another, and on what condition?

This is the one notion of compatibility that ``compat``, ``matrix``, ``negotiate`` and
``check-migration`` share, and the API for management software:

* ``load_verdict(writer, reader)`` — for two schemas: ``compatible`` (every valid state
  loads unchanged), ``conditional`` (states meeting the named ``Condition``s load
  unchanged; others are refused, skipped or — for ``silent`` conditions — loaded
  differently), ``convert`` (another major version: only through the migration functions
  of the named route) or ``incompatible``;
* ``migration_verdict(source, destination, schema_for)`` — for two devices (their
  descriptions: model, versions, parameters, vendor sections): which version the source
  saves, which the destination loads, and the verdict with every condition and mismatch.

Conditions are machine-checkable against a saved state: ``conditions.unmet``.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import TYPE_CHECKING, Protocol

from devstate.compat.migrate import route_exists
from devstate.compat.params import (
    DeviceDescription,
    MigrationCheck,
    Mismatch,
    VendorRef,
    check_migration,
    param_mismatches,
)
from devstate.schema.facts import full
from devstate.version import Version

if TYPE_CHECKING:  # a device check that needs no diff imports neither the IR (pydantic) nor the differ
    from devstate import ir
    from devstate.compat.change import Change
    from devstate.compat.conditions import Condition
    from devstate.compat.migrate import Hop
    from devstate.compat.rules import Direction


class Verdict(StrEnum):
    COMPATIBLE = "compatible"
    CONDITIONAL = "conditional"
    CONVERT = "convert"
    INCOMPATIBLE = "incompatible"


@dataclass(frozen=True)
class LoadVerdict:
    """Whether a ``reader`` version loads state its ``writer`` version wrote."""

    writer: ir.Schema
    reader: ir.Schema
    verdict: Verdict
    conditions: tuple[Condition, ...] = ()
    """For ``conditional``: what a state must meet to load unchanged (on the writer's schema)."""
    changes: tuple[Change, ...] = ()
    """The changes that decide it (every change that is not compatible in this direction)."""
    reasons: tuple[str, ...] = ()
    """For ``incompatible`` and ``convert``: why a direct load fails."""
    route: tuple[Hop, ...] = ()
    """For ``convert``: the conversions, first to last."""

    @property
    def direction(self) -> Direction:
        """The direction of the pair this verdict is about (``NONE`` for one version)."""
        from devstate.compat.rules import Direction

        if self.writer.version == self.reader.version:
            return Direction.NONE
        return Direction.BACKWARD if self.writer.version < self.reader.version else Direction.FORWARD

    @property
    def loads(self) -> bool:
        """The reader loads the state as it is (perhaps only while the conditions hold)."""
        return self.verdict in (Verdict.COMPATIBLE, Verdict.CONDITIONAL)

    @property
    def minor_ok(self) -> bool:
        """Compatible, or conditional only on what readers lack holding defaults (and parameters)."""
        return self.verdict is Verdict.COMPATIBLE or (
            self.verdict is Verdict.CONDITIONAL and all(c.kind.minor_ok for c in self.conditions))

    @property
    def silent(self) -> bool:
        """Some state that does not meet the conditions loads with another value, without an error."""
        if not self.conditions:
            return False
        from devstate.compat.conditions import ConditionKind  # imported already: there are conditions

        return any(c.kind is ConditionKind.SILENT for c in self.conditions)

    @property
    def summary(self) -> str:
        head = f"a {self.reader.ident} reader loading {self.writer.ident} state"
        if self.verdict is Verdict.COMPATIBLE:
            return f"{head}: compatible"
        if self.verdict is Verdict.CONDITIONAL:
            return f"{head}: compatible while " + "; ".join(str(c) for c in self.conditions)
        if self.verdict is Verdict.CONVERT:
            return f"{head}: compatible through `devstate convert` (" + "; ".join(str(h) for h in self.route) + ")"
        return f"{head}: incompatible (" + "; ".join(self.reasons) + ")"

    def to_json(self) -> dict[str, object]:
        return {
            "writer": self.writer.ident, "reader": self.reader.ident, "verdict": self.verdict.value,
            "minor_ok": self.minor_ok, "silent": self.silent, "summary": self.summary,
            "conditions": [c.to_json() for c in self.conditions], "reasons": list(self.reasons),
            "route": [str(h) for h in self.route], "rules": list(dict.fromkeys(c.rule.id for c in self.changes)),
        }


class _VerdictOf(Protocol):
    def __call__(self, writer: ir.Schema, reader: ir.Schema, changes: Sequence[Change] | None = None) -> LoadVerdict:
        ...


MEMO_SIZE = 64
"""Verdicts remembered per (writer, reader) schema object pair (the fleet view asks the same
pairs for thousands of devices; a verdict is frozen and depends only on the two schemas).
Small, because each entry keeps its two schemas alive: a model has few versions."""


def _memoised(function: _VerdictOf) -> _VerdictOf:
    memo: dict[tuple[int, int], tuple[ir.Schema, ir.Schema, LoadVerdict]] = {}

    @functools.wraps(function)
    def verdict(writer: ir.Schema, reader: ir.Schema, changes: Sequence[Change] | None = None) -> LoadVerdict:
        if changes is not None:
            return function(writer, reader, changes)
        found = memo.get((id(writer), id(reader)))
        if found is None or found[0] is not writer or found[1] is not reader:
            if len(memo) >= MEMO_SIZE:
                memo.clear()
            found = memo[(id(writer), id(reader))] = (writer, reader, function(writer, reader))
        return found[2]

    return verdict


@_memoised
def load_verdict(writer: ir.Schema, reader: ir.Schema, changes: Sequence[Change] | None = None) -> LoadVerdict:
    """Can a device on ``reader``'s version load state saved with ``writer``'s?

    ``changes``: the diff of the two (oldest first), when the caller has it already.
    """
    if writer.model != reader.model:
        return LoadVerdict(writer, reader, Verdict.INCOMPATIBLE,
                           reasons=(f"the state is of model {writer.model}, the reader's {reader.model} "
                                    "(MODEL_MISMATCH)",))
    if writer.version == reader.version and writer.sha256 == reader.sha256:
        return LoadVerdict(writer, reader, Verdict.COMPATIBLE)
    if writer.version.major != reader.version.major:
        return _across_majors(writer, reader)
    backward = writer.version < reader.version or (writer.version == reader.version)
    old, new = (writer, reader) if backward else (reader, writer)
    if changes is None:
        from devstate.compat.diff import diff_schemas

        changes = diff_schemas(full(old), full(new))
    found = list(changes)
    from devstate.compat.rules import Direction

    direction = Direction.BACKWARD if backward else Direction.FORWARD
    return from_changes(writer, reader, found, direction)


def from_changes(writer: ir.Schema, reader: ir.Schema, changes: Sequence[Change], direction: Direction) -> LoadVerdict:
    """The verdict of one direction of a diff (``BACKWARD``: the new reader, old state)."""
    from devstate.compat.conditions import merge
    from devstate.compat.effects import Status, worst

    deciding = tuple(c for c in changes if c.effect(direction).status is not Status.COMPATIBLE)
    effect = worst([c.effect(direction) for c in deciding])
    state_only = _state(effect.conditions)
    if effect.status is Status.COMPATIBLE:
        return LoadVerdict(writer, reader, Verdict.COMPATIBLE)
    if effect.status is Status.INCOMPATIBLE:
        reasons = tuple(dict.fromkeys(f"{c.path}: {c.effect(direction).why}" for c in deciding
                                      if c.effect(direction).status is Status.INCOMPATIBLE))
        return LoadVerdict(writer, reader, Verdict.INCOMPATIBLE, changes=deciding, reasons=reasons)
    return LoadVerdict(writer, reader, Verdict.CONDITIONAL, merge(state_only + _params(effect.conditions)),
                       deciding)


def _state(conditions: Sequence[Condition]) -> tuple[Condition, ...]:
    return tuple(c for c in conditions if not _on_param(c))


def _params(conditions: Sequence[Condition]) -> tuple[Condition, ...]:
    return tuple(c for c in conditions if _on_param(c))


def _on_param(condition: Condition) -> bool:
    from devstate.compat.conditions import Target  # imported already: there is a condition

    return condition.target is Target.PARAM


def _across_majors(writer: ir.Schema, reader: ir.Schema) -> LoadVerdict:
    from devstate.compat.migrate import find_route

    refused = (f"a {reader.ident} reader refuses state of major {writer.version.major} (MAJOR_MISMATCH)",)
    route = find_route(writer.model, writer.version, reader.version)
    if route is None:
        return LoadVerdict(writer, reader, Verdict.INCOMPATIBLE,
                           reasons=(*refused, f"no migration function converts {writer.version} to "
                                              f"{reader.version}"))
    return LoadVerdict(writer, reader, Verdict.CONVERT, reasons=refused, route=tuple(route))


def pair_verdicts(old: ir.Schema, new: ir.Schema) -> tuple[LoadVerdict, LoadVerdict]:
    """(backward: the new reader loading old state, forward: the old reader loading new state)."""
    if old.version.major != new.version.major or old.model != new.model:
        return load_verdict(old, new), load_verdict(new, old)
    from devstate.compat.diff import diff_schemas

    changes = diff_schemas(full(old), full(new))
    from devstate.compat.rules import Direction

    return (from_changes(old, new, changes, Direction.BACKWARD), from_changes(new, old, changes, Direction.FORWARD))


# -- devices ------------------------------------------------------------------------------------


SchemaFor = Callable[[str, Version], "ir.Schema | None"]


@dataclass
class MigrationVerdict:
    """Can a source device migrate to a destination device, with which versions, on what condition?"""

    source: DeviceDescription
    destination: DeviceDescription
    verdict: Verdict = Verdict.INCOMPATIBLE
    writes: Version | None = None
    """The version the source saves its state as."""
    loads: Version | None = None
    """The version of the destination's reader (equal to ``writes`` unless a conversion or a
    conditional load between minor versions bridges them)."""
    load: LoadVerdict | None = None
    conditions: tuple[Condition, ...] = ()
    """State conditions (of the ``writes`` schema) and parameter conditions, together."""
    mismatches: list[Mismatch] = field(default_factory=list)
    """Why no better verdict was possible (parameters, vendor sections, model, versions)."""
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.verdict is not Verdict.INCOMPATIBLE

    def to_json(self) -> dict[str, object]:
        return {
            "verdict": self.verdict.value, "model": self.source.model,
            "writes": None if self.writes is None else str(self.writes),
            "loads": None if self.loads is None else str(self.loads),
            "conditions": [c.to_json() for c in self.conditions],
            "load": None if self.load is None else self.load.to_json(),
            "mismatches": [m.to_json() for m in self.mismatches], "notes": self.notes,
        }


def migration_verdict(source: DeviceDescription, destination: DeviceDescription,
                      schema_for: SchemaFor) -> MigrationVerdict:
    """The best way, if any, for the source's state to reach the destination.

    In order of preference: a version both devices support whose parameters and vendor
    sections work (``compatible``); a version the source writes that a destination version
    of the same major loads directly, while named fields and values hold their defaults
    (``conditional``); a conversion through registered migration functions (``convert``).
    Otherwise ``incompatible``, with every reason.
    """
    result = MigrationVerdict(source, destination)
    if source.model != destination.model:
        result.mismatches += check_migration(source, destination).mismatches
        return result
    candidates = _candidates(source, destination, schema_for)
    failures: list[Mismatch] = []
    for writes, loads, schema, reader in candidates:
        problems = param_mismatches(source, destination, schema) + vendor_mismatches(source, destination, schema,
                                                                                     result.notes)
        if problems:
            failures += problems
            continue
        verdict = load_verdict(schema, reader) if schema is not None and reader is not None else None
        if writes != loads and (verdict is None or not verdict.loads or verdict.silent):
            continue
        if verdict is not None and schema is not None:
            unmet_params = _unmet_params(source, schema, verdict)
            if unmet_params:
                failures += unmet_params
                continue
            verdict = _state_conditions_only(verdict)
        _accept(result, writes, loads, verdict)
        return result
    result.mismatches += _unique(failures)
    _convert(result, schema_for)
    return result


def _unmet_params(source: DeviceDescription, writer: ir.Schema, verdict: LoadVerdict) -> list[Mismatch]:
    """The parameter conditions of a direct load that the source's parameter values do not meet."""
    conditions = _params(verdict.conditions)
    if not conditions:
        return []
    from devstate.compat.conditions import unmet

    found = unmet(full(writer), {}, conditions, source.params)
    return [Mismatch("param", u.condition.name, u.value, f"the {verdict.reader.version} reader: it must "
                     f"{u.condition.requirement.replace('holds', 'hold')}",
                     f"{u.condition.name}: the source uses {json.dumps(u.value)}; a {verdict.reader.ident} reader "
                     f"loads {verdict.writer.version} state only while it {u.condition.requirement}")
            for u in found]


def _state_conditions_only(verdict: LoadVerdict) -> LoadVerdict:
    """The verdict once the source's parameters are known to meet its parameter conditions."""
    state_only = _state(verdict.conditions)
    if state_only == verdict.conditions:
        return verdict
    if not state_only:
        return replace(verdict, verdict=Verdict.COMPATIBLE, conditions=())
    return replace(verdict, conditions=state_only)


def _candidates(source: DeviceDescription, destination: DeviceDescription,
                schema_for: SchemaFor) -> list[tuple[Version, Version, ir.Schema | None, ir.Schema | None]]:
    """(writes, loads, writer schema, reader schema): common versions first, newest first, then
    pairs of one major the destination may load directly."""
    common = sorted(set(source.versions) & set(destination.versions), reverse=True)
    pairs = [(v, v) for v in common]
    pairs += sorted(((w, r) for w in source.versions for r in destination.versions
                     if w != r and w.major == r.major and w not in common), reverse=True)
    out = []
    for writes, loads in pairs:
        writer = schema_for(source.model, writes)
        out.append((writes, loads, writer, writer if writes == loads else schema_for(source.model, loads)))
    return out


def _accept(result: MigrationVerdict, writes: Version, loads: Version, verdict: LoadVerdict | None) -> None:
    result.writes, result.loads, result.load = writes, loads, verdict
    if verdict is None or verdict.verdict is Verdict.COMPATIBLE:
        result.verdict = Verdict.COMPATIBLE
        return
    result.verdict = Verdict.CONDITIONAL
    result.conditions = verdict.conditions
    result.notes.append(f"the destination's {loads} reader loads {writes} state directly while "
                        + "; ".join(str(c) for c in verdict.conditions)
                        + " (it refuses, naming the offset, a state that does not)")


def _convert(result: MigrationVerdict, schema_for: SchemaFor) -> None:
    source, destination = result.source, result.destination
    if not set(source.versions) & set(destination.versions):
        writes = ", ".join(str(v) for v in sorted(source.versions))
        loads = ", ".join(str(v) for v in sorted(destination.versions))
        result.mismatches.insert(0, Mismatch("version", "versions", writes, loads,
                                             f"no common schema version: the source supports {writes}, "
                                             f"the destination {loads}"))
    for written in sorted(source.versions, reverse=True):
        for loaded in sorted(destination.versions, reverse=True):
            if written == loaded or not route_exists(source.model, written, loaded):
                continue
            result.verdict, result.writes, result.loads = Verdict.CONVERT, written, loaded
            result.notes.append(f"state saved as {written} can be converted to {loaded} with `devstate convert "
                                f"--to-version {loaded}` (it fails, naming each value, if one would be lost)")
            return


def vendor_mismatches(source: DeviceDescription, destination: DeviceDescription, schema: ir.Schema | None,
                      notes: list[str]) -> list[Mismatch]:
    """Required vendor sections the source writes that the destination does not understand."""
    understood = {ref.key for ref in destination.vendor_sections}
    declared = {(str(v.vendor), v.id): v for v in schema.vendor_sections} if schema else {}
    reasons: list[Mismatch] = []
    for ref in source.vendor_sections:
        if ref.key in understood:
            continue
        optional = declared[ref.key].optional if ref.key in declared else ref.optional
        label = _label(ref, declared)
        if optional:
            note = (f"vendor section {label} is optional and unknown to the destination: it is skipped and its "
                    "state is lost")
            if note not in notes:
                notes.append(note)
            continue
        reasons.append(Mismatch("vendor_section", label, "written", "not understood",
                                f"vendor section {label}: the source writes it (required) and the "
                                "destination does not understand it"))
    return reasons


def _label(ref: VendorRef, declared: dict[tuple[str, int], ir.VendorSection]) -> str:
    if ref.name or ref.key not in declared:
        return str(ref)
    return str(VendorRef(ref.vendor, ref.id, declared[ref.key].name))


def _unique(mismatches: list[Mismatch]) -> list[Mismatch]:
    seen: dict[str, Mismatch] = {}
    for mismatch in mismatches:
        seen.setdefault(mismatch.message, mismatch)
    return list(seen.values())


def check_devices(source: DeviceDescription, destination: DeviceDescription, schema: ir.Schema | None,
                  schema_for: SchemaFor) -> tuple[MigrationCheck, MigrationVerdict]:
    """The pre-migration check (model, parameters) and whether the versions connect at all."""
    check = check_migration(source, destination, schema)
    verdict = migration_verdict(source, destination, schema_for)
    if source.model == destination.model and not _versions_connect(source, destination, schema_for):
        check.mismatches.append(Mismatch(
            "version", "versions", _versions(source), _versions(destination),
            f"no version of the source ({_versions(source)}) reaches the destination ({_versions(destination)}): "
            "no common version, direct load or migration function"))
    elif verdict.verdict is Verdict.CONDITIONAL:
        check.notes += verdict.notes
    return check, verdict


def _versions_connect(source: DeviceDescription, destination: DeviceDescription, schema_for: SchemaFor) -> bool:
    if set(source.versions) & set(destination.versions):
        return True
    for writes in source.versions:
        for loads in destination.versions:
            if writes.major != loads.major and route_exists(source.model, writes, loads):
                return True
            writer, reader = schema_for(source.model, writes), schema_for(source.model, loads)
            if writes.major == loads.major and writer is not None and reader is not None \
                    and load_verdict(writer, reader).loads:
                return True
    return False


def _versions(device: DeviceDescription) -> str:
    return ", ".join(str(v) for v in sorted(device.versions))
