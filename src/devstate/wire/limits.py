"""Resource limits a DSF reader enforces, configurable per call (and by CLI flags).

The defaults fit every standard schema with room to spare. A reader checks each limit
before it reads or allocates what the limit guards (see spec/wire-format.md, "Limits").
"""

from __future__ import annotations

from dataclasses import dataclass

from devstate.limits import MAX_NESTING_DEPTH

GIB = 1 << 30
MIB = 1 << 20


@dataclass(frozen=True)
class Limits:
    """What a decoder refuses with ``LIMIT_EXCEEDED`` or ``NESTING_TOO_DEEP``."""

    max_total_size: int = 1 * GIB
    """Largest whole blob (header, sections and trailer) in bytes; checked before reading."""

    max_region_size: int = 256 * MIB
    """Largest single counted ``bytes`` value or opaque vendor payload, in bytes."""

    max_depth: int = MAX_NESTING_DEPTH
    """Deepest nesting of values (a section's value is depth 1; each struct or array adds one)."""

    def __post_init__(self) -> None:
        for name in ("max_total_size", "max_region_size", "max_depth"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be at least 1")

    def to_json(self) -> dict[str, int]:
        return {"max_total_size": self.max_total_size, "max_region_size": self.max_region_size,
                "max_depth": self.max_depth}


DEFAULT_LIMITS = Limits()
