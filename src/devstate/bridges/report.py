"""What a bridge carried and what it did not: the report of every import and export.

Two kinds of entries, both always listed:

- **coverage** (static, from the schema's annotations): schema paths the standard format
  has no place for (``schema_only``: set to their defaults on import, not written on
  export) and standard items the schema has no field for (``standard_only``).
- **losses** (from the data at hand): values that did not survive. On import, standard
  data in the input that the state cannot hold; on export, state values the standard
  format cannot carry. Export refuses losses unless allowed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Uncovered:
    """A schema path or standard item with no counterpart on the other side."""

    where: str
    note: str = ""

    def __str__(self) -> str:
        return f"{self.where}{f' ({self.note})' if self.note else ''}"

    def to_json(self) -> dict[str, str]:
        return {"where": self.where, "note": self.note}


@dataclass(frozen=True)
class Loss:
    """A value that did not survive the conversion: where, the value, and why."""

    where: str
    value: str
    detail: str = ""

    def __str__(self) -> str:
        return f"{self.where} = {self.value}{f': {self.detail}' if self.detail else ''}"

    def to_json(self) -> dict[str, str]:
        return {"where": self.where, "value": self.value, "detail": self.detail}


@dataclass
class BridgeReport:
    """The outcome of one import or export."""

    bridge: str
    direction: str
    """``import`` (standard → devstate) or ``export`` (devstate → standard)."""
    schema: str
    schema_only: list[Uncovered] = field(default_factory=list)
    standard_only: list[Uncovered] = field(default_factory=list)
    losses: list[Loss] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def lossless(self) -> bool:
        return not self.losses

    def lines(self) -> list[str]:
        """A human-readable summary: coverage, then every loss, then notes."""
        arrow = "→" if self.direction == "import" else "←"
        out = [f"{self.bridge} {arrow} {self.schema}: {len(self.losses)} values lost"]
        fate = "set to defaults" if self.direction == "import" else "not written"
        out += _block(f"in {self.schema} but not in {self.bridge} ({fate})", self.schema_only)
        out += _block(f"in {self.bridge} but not in {self.schema}", self.standard_only)
        out += _block("LOST" if self.losses else "lost", self.losses)
        out += [f"note: {note}" for note in self.notes]
        return out

    def to_json(self) -> dict[str, Any]:
        return {
            "bridge": self.bridge, "direction": self.direction, "schema": self.schema,
            "lossless": self.lossless,
            "schema_only": [u.to_json() for u in self.schema_only],
            "standard_only": [u.to_json() for u in self.standard_only],
            "losses": [loss.to_json() for loss in self.losses],
            "notes": list(self.notes),
        }


def _block(title: str, items: list[Uncovered] | list[Loss]) -> list[str]:
    if not items:
        return [f"{title}: none"]
    if all(isinstance(item, Uncovered) for item in items):
        return [f"{title}:"] + [f"  {line}" for line in grouped([str(item) for item in items])]
    return [f"{title}:"] + [f"  {item}" for item in items]


def grouped(names: list[str]) -> list[str]:
    """``registers.cap``, ``registers.vs`` → ``registers: cap, vs`` (one line per first component)."""
    groups: dict[str, list[str]] = {}
    for name in names:
        head, dot, rest = name.partition(".")
        key = head if dot and " " not in head else name
        groups.setdefault(key, []).append(rest if key == head and dot else "")
    return [key if members == [""] else f"{key}: {', '.join(m for m in members if m)}"
            for key, members in groups.items()]


def show(value: Any) -> str:
    """A short printable form of a state or standard value."""
    if isinstance(value, bytes | bytearray | memoryview):
        data = bytes(value)
        return data[:16].hex() + (f"… ({len(data)} bytes)" if len(data) > 16 else "") if data else "(empty)"
    if isinstance(value, list):
        items = [show(item) for item in value[:8]]
        return "[" + ", ".join(items) + (f", … ({len(value)} items)" if len(value) > 8 else "") + "]"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int):
        return f"{value:#x}" if value > 9 else str(value)
    return str(value)
