"""Version negotiation between a source and a destination device.

The chosen version is the newest schema version both devices support for which the
pre-migration check passes (parameters) and every required vendor section the source
writes is understood by the destination. Without one, it is the direct load between minor
versions of one major that the shared verdict (``compat.verdict.migration_verdict``,
also behind ``check-migration``) found: the source saves ``version``, the destination's
``loads`` reader loads it while the named fields and values hold their defaults. When
nothing works, every reason is reported (and a conversion, if one connects the versions).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace

from devstate import ir
from devstate.compat.migrate import find_route
from devstate.compat.params import DeviceDescription, Mismatch, check_migration, param_mismatches
from devstate.compat.verdict import MigrationVerdict, Verdict, migration_verdict, vendor_mismatches

SchemaFor = Callable[[str, ir.Version], ir.Schema | None]


@dataclass
class Negotiation:
    source: DeviceDescription
    destination: DeviceDescription
    version: ir.Version | None = None
    reasons: list[Mismatch] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    verdict: MigrationVerdict | None = None
    loads: ir.Version | None = None
    """The destination's reader version when it differs from ``version`` (a direct load between minor
    versions, while the verdict's conditions hold)."""

    @property
    def ok(self) -> bool:
        return self.version is not None

    def to_json(self) -> dict[str, object]:
        verdict = self.verdict
        return {
            "compatible": self.ok, "model": self.source.model,
            "version": None if self.version is None else str(self.version),
            "loads": str(self.loads or self.version) if self.ok else None,
            "verdict": None if verdict is None else verdict.verdict.value,
            "conditions": [] if verdict is None else [c.to_json() for c in verdict.conditions],
            "reasons": [r.to_json() for r in self.reasons], "notes": self.notes,
        }


def negotiate(source: DeviceDescription, destination: DeviceDescription, schema_for: SchemaFor) -> Negotiation:
    """The version to migrate with, or every reason why there is none."""
    result = Negotiation(source, destination, verdict=migration_verdict(source, destination, schema_for))
    if source.model != destination.model:
        result.reasons += check_migration(source, destination).mismatches
        return result
    common = sorted(set(source.versions) & set(destination.versions), reverse=True)
    if not common:
        if not _direct_load(result):
            _no_common_version(result, schema_for)
        return result
    failures: dict[str, tuple[Mismatch, list[str]]] = {}
    for version in common:
        schema = schema_for(source.model, version)
        notes: list[str] = []
        reasons = param_mismatches(source, destination, schema) + vendor_mismatches(source, destination, schema,
                                                                                    notes)
        if not reasons:
            result.version = version
            result.notes += notes + _schema_note(schema, source.model, version)
            result.reasons = []
            return result
        for reason in reasons:
            failures.setdefault(reason.message, (reason, []))[1].append(str(version))
    if not _direct_load(result):
        result.reasons = [_at_versions(reason, versions, len(common)) for reason, versions in failures.values()]
    return result


def _direct_load(result: Negotiation) -> bool:
    """Take the shared verdict's direct load between minor versions of one major, if it found one.

    The source saves ``version``; the destination's ``loads`` reader loads it while the
    verdict's conditions hold (it refuses, naming the offset, a state that does not).
    """
    verdict = result.verdict
    if verdict is None or verdict.verdict is not Verdict.CONDITIONAL or verdict.writes == verdict.loads:
        return False
    result.version, result.loads = verdict.writes, verdict.loads
    result.notes += [n for n in verdict.notes if n not in result.notes]
    return True


def _at_versions(reason: Mismatch, versions: list[str], candidates: int) -> Mismatch:
    """The reason, prefixed with the versions it applies to when several were tried."""
    if candidates == 1:
        return reason
    where = "every common version" if len(versions) == candidates else "version " + ", ".join(versions)
    return replace(reason, message=f"{where}: {reason.message}")


def _no_common_version(result: Negotiation, schema_for: SchemaFor) -> None:
    source, destination = result.source, result.destination
    writes = ", ".join(str(v) for v in sorted(source.versions))
    loads = ", ".join(str(v) for v in sorted(destination.versions))
    result.reasons.append(Mismatch("version", "versions", writes, loads,
                                   f"no common schema version: the source supports {writes}, the destination {loads}"))
    newest = schema_for(source.model, max(source.versions))
    result.reasons += param_mismatches(source, destination, newest)
    result.reasons += vendor_mismatches(source, destination, newest, result.notes)  # conversion keeps them
    for written in sorted(source.versions, reverse=True):
        for loaded in sorted(destination.versions, reverse=True):
            route = find_route(source.model, written, loaded)
            if route is not None:
                result.notes.append(
                    f"state saved as {written} can be converted to {loaded} with `devstate convert "
                    f"--to-version {loaded}` (it fails, naming each value, if one would be lost)")
                return


def _schema_note(schema: ir.Schema | None, model: str, version: ir.Version) -> list[str]:
    if schema is not None:
        return []
    return [f"no schema of {model}@{version} found: parameter defaults and vendor section "
            "optionality were taken from the descriptions"]
