"""The pre-migration decision: migrate directly, convert first, or refuse — before anything moves.

Both devices describe themselves (spec/migration-parameters.md). ``devstate check-migration``
compares the migration parameters; ``devstate negotiate`` picks the schema version and
checks the vendor sections. When the only obstacle is that the devices share no version,
the state is saved in the source's version and converted (``devstate convert``) to the
destination's, which fails, naming every value, if one would be lost.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

from devstate import ir
from devstate.compat.migrate import find_route
from devstate.compat.negotiate import Negotiation, negotiate
from devstate.compat.params import DeviceDescription, MigrationCheck, check_migration, load_description
from devstate.errors import SchemaError, UsageError
from devstate.schema import SchemaLoader, find_schema_file


class Schemas:
    """The standard schemas by version, loaded once."""

    def __init__(self, model: str = "org.virtio.net", root: Path | None = None) -> None:
        self.model, self.root, self.loader = model, root, SchemaLoader(root)

    def __call__(self, version: ir.Version) -> ir.Schema:
        return self.loader.load(find_schema_file(f"{self.model}@{version}", self.root).path)

    def find(self, model: str, version: ir.Version) -> ir.Schema | None:
        try:
            return self(version) if model == self.model else None
        except (UsageError, SchemaError):
            return None


@dataclass
class Plan:
    """What the pre-migration checks decided."""

    action: str
    """``migrate`` (a common version), ``convert`` (to ``version``) or ``refuse``."""
    version: ir.Version | None
    check: MigrationCheck
    negotiation: Negotiation
    reasons: list[str] = field(default_factory=list)
    converted: Negotiation | None = None
    """For a conversion: the vendor-section check of the source's version against the destination."""

    @property
    def notes(self) -> list[str]:
        return self.check.notes + self.negotiation.notes + (self.converted.notes if self.converted else [])


def plan_migration(source_path: Path, dest_path: Path, schemas: Schemas) -> Plan:
    source, dest = load_description(source_path), load_description(dest_path)
    check = check_migration(source, dest, _parameter_schema(source, dest, schemas))
    negotiation = negotiate(source, dest, schemas.find)
    reasons = [m.message for m in check.mismatches]
    reasons += [m.message for m in negotiation.reasons if m.message not in reasons]
    # a direct load by an older minor reader (negotiation.loads) is refused only at load time if the
    # state uses what that reader lacks; the demo converts first, which names every loss before sending
    if negotiation.ok and check.compatible and negotiation.loads is None:
        return Plan("migrate", negotiation.version, check, negotiation)
    target = _conversion_target(source, dest, negotiation, check)
    if target is None:
        return Plan("refuse", None, check, negotiation, reasons)
    converted = _as_if_common(source, dest, schemas)
    if not converted.ok:
        return Plan("refuse", None, check, negotiation, reasons + [m.message for m in converted.reasons], converted)
    return Plan("convert", target, check, negotiation, [], converted)


def _parameter_schema(source: DeviceDescription, dest: DeviceDescription, schemas: Schemas) -> ir.Schema | None:
    """As ``devstate check-migration``: the newest common version, else the source's newest."""
    common = set(source.versions) & set(dest.versions)
    return schemas.find(source.model, max(common or source.versions))


def _conversion_target(source: DeviceDescription, dest: DeviceDescription, negotiation: Negotiation,
                       check: MigrationCheck) -> ir.Version | None:
    """The destination's newest version the source's newest converts to, when only versions differ."""
    if not check.compatible or any(reason.kind != "version" for reason in negotiation.reasons):
        return None
    written = max(source.versions)
    for loaded in sorted(dest.versions, reverse=True):
        if find_route(source.model, written, loaded) is not None:
            return loaded
    return None


def _as_if_common(source: DeviceDescription, dest: DeviceDescription, schemas: Schemas) -> Negotiation:
    """Negotiation as if the destination read the source's newest version: converting changes
    the version, not what the destination must understand (the source's required vendor
    sections) nor the parameters the source uses."""
    written = (max(source.versions),)
    return negotiate(replace(source, versions=written), replace(dest, versions=written), schemas.find)
