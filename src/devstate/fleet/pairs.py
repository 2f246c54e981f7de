"""The pairwise device check the fleet view is built from, once per pair of distinct devices.

A source device *migrates to* a destination device when ``check-migration`` reports them
compatible (same model, every parameter the source uses supported, the versions connect)
and the shared verdict (``compat.verdict.migration_verdict``) is not ``incompatible``
(which adds the vendor sections the source requires). A host (or VM) migrates to a host
when each of its devices migrates to the destination's device of the same model.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

from devstate import ir
from devstate.compat.negotiate import negotiate
from devstate.compat.params import DeviceDescription, Mismatch
from devstate.compat.verdict import MigrationVerdict, Verdict, check_devices
from devstate.fleet.inventory import Signature
from devstate.fleet.registry import Registry


@dataclass(frozen=True)
class DevicePair:
    """The outcome for one source device and one destination device."""

    model: str
    ok: bool
    reasons: tuple[Mismatch, ...]
    verdict: MigrationVerdict | None
    registry: Registry = field(repr=False, compare=False)

    @cached_property
    def version(self) -> ir.Version | None:
        """The version ``negotiate`` picks (None: none, e.g. only a conversion connects them);
        asked only when shown, so the pool graph does not pay for it."""
        if not self.ok or self.verdict is None:
            return None
        return negotiate(self.verdict.source, self.verdict.destination, self.registry.schema_for).version

    @property
    def conversion(self) -> bool:
        return self.verdict is not None and self.verdict.verdict is Verdict.CONVERT

    @property
    def direct(self) -> bool:
        """Loads as saved at a version both list: no conversion, no condition, no other
        reader version (what node affinity selects)."""
        verdict = self.verdict
        return (self.ok and verdict is not None and verdict.verdict is Verdict.COMPATIBLE
                and verdict.writes == verdict.loads)

    def to_json(self) -> dict[str, object]:
        verdict = self.verdict
        return {
            "model": self.model, "ok": self.ok,
            "verdict": None if verdict is None else verdict.verdict.value,
            "version": None if self.version is None else str(self.version),
            "writes": None if verdict is None or verdict.writes is None else str(verdict.writes),
            "loads": None if verdict is None or verdict.loads is None else str(verdict.loads),
            "conversion": self.conversion,
            "conditions": [] if verdict is None else [c.to_json() for c in verdict.conditions],
            "reasons": [r.to_json() for r in self.reasons],
        }


def check_pair(source: DeviceDescription, destination: DeviceDescription | None, registry: Registry) -> DevicePair:
    """check-migration and the shared verdict for one pair, as one outcome with every reason."""
    if destination is None:
        missing = Mismatch("model", source.model, source.model, None,
                           f"model: the destination has no {source.model} device")
        return DevicePair(source.model, False, (missing,), None, registry)
    check, verdict = check_devices(source, destination, registry.default_schema(source, destination),
                                   registry.schema_for)
    ok = check.compatible and verdict.ok
    reasons: dict[str, Mismatch] = {}
    if not ok:
        for mismatch in [*check.mismatches, *verdict.mismatches]:
            reasons.setdefault(mismatch.message, mismatch)
    return DevicePair(source.model, ok, tuple(reasons.values()), verdict, registry)


class PairCache:
    """``check_pair`` memoised by the devices' canonical identity (their description objects
    are shared by every record with the same device list)."""

    def __init__(self, registry: Registry) -> None:
        self.registry = registry
        self.cache: dict[tuple[int, int], DevicePair] = {}
        self.keep: list[DeviceDescription] = []
        """Descriptions whose ids are keys (kept alive so no id is reused)."""
        self.calls = 0

    def device(self, source: DeviceDescription, destination: DeviceDescription | None) -> DevicePair:
        key = (id(source), id(destination))
        found = self.cache.get(key)
        if found is None:
            self.calls += 1
            found = self.cache[key] = check_pair(source, destination, self.registry)
            self.keep += [source] if destination is None else [source, destination]
        return found

    def signature(self, source: Signature, destination: Signature) -> list[DevicePair]:
        """One outcome per device of the source."""
        return [self.device(device, destination.device(device.model)) for device in source.devices]
