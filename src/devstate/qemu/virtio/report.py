"""Where every value went: the report of one device's extract or inject.

Extract lists every QEMU value of the device's section with its fate (copied to a
standard field, transformed into one, carried in the QEMU vendor section, derivable from
the standard state and so not carried, or dropped) and every standard field QEMU did not
provide (from a ``--property``, or a default, with the reason). Inject lists where each
value written into QEMU's section came from.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

FATES = ("standard", "transformed", "vendor", "derived", "dropped")
SOURCES = ("standard", "vendor", "stream", "derived", "property", "default")


def show(value: Any) -> str:
    """A short printable value."""
    if isinstance(value, bytes | bytearray | memoryview):
        data = bytes(value)
        if not data:
            return "(empty)"
        return data[:12].hex() + (f"… ({len(data)} bytes)" if len(data) > 12 else "")
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int):
        return f"{value:#x}" if value > 9 else str(value)
    if isinstance(value, list | tuple):
        items = [show(item) for item in value[:6]]
        return "[" + ", ".join(items) + (f", … ({len(value)} items)" if len(value) > 6 else "") + "]"
    return str(value)


@dataclass(frozen=True)
class Entry:
    """One value: where it was, what it was, its fate or source, where it went, and why."""

    where: str
    value: str
    kind: str
    to: str = ""
    note: str = ""

    def to_json(self) -> dict[str, str]:
        return {"where": self.where, "value": self.value, "kind": self.kind, "to": self.to, "note": self.note}


@dataclass
class DeviceReport:
    """The report of one device: its QEMU values and the standard fields QEMU did not provide."""

    section: str
    model: str
    direction: str
    values: list[Entry] = field(default_factory=list)
    not_provided: list[Entry] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def add(self, where: str, value: Any, kind: str, to: str = "", note: str = "") -> None:
        assert kind in FATES or kind in SOURCES, kind
        self.values.append(Entry(where, show(value), kind, to, note))

    def missing(self, standard: str, value: Any, source: str, note: str) -> None:
        """A standard field QEMU does not save: filled from a property or a default."""
        assert source in ("property", "default", "derived"), source
        self.not_provided.append(Entry(standard, show(value), source, "", note))

    def counts(self) -> dict[str, int]:
        counts = {kind: 0 for kind in (*FATES, *SOURCES)}
        for entry in self.values:
            counts[entry.kind] += 1
        return {kind: n for kind, n in counts.items() if n}

    def lines(self) -> list[str]:
        arrow = "→" if self.direction == "extract" else "←"
        summary = ", ".join(f"{n} {kind}" for kind, n in self.counts().items())
        out = [f"{self.section} {arrow} {self.model}: {len(self.values)} QEMU values ({summary})"]
        for entry in self.values:
            target = f" → {entry.to}" if entry.to else ""
            note = f"  ({entry.note})" if entry.note else ""
            out.append(f"  {entry.kind:<11} {entry.where} = {entry.value}{target}{note}")
        if self.direction == "extract":
            out.append(f"  standard fields QEMU did not provide: {len(self.not_provided) or 'none'}")
            out += [f"  {e.kind:<11} {e.where} = {e.value}  ({e.note})" for e in self.not_provided]
        out += [f"  note: {note}" for note in self.notes]
        return out

    def to_json(self) -> dict[str, Any]:
        return {"section": self.section, "model": self.model, "direction": self.direction, "counts": self.counts(),
                "values": [e.to_json() for e in self.values],
                "not_provided": [e.to_json() for e in self.not_provided], "notes": list(self.notes)}
