"""Format limits that schemas and every codec share (see spec/wire-format.md)."""

from __future__ import annotations

MAX_COUNT = 0xFFFF_FFFF
"""Largest count, length or size a DSF v1 prefix (u32) can carry."""

MAX_NESTING_DEPTH = 16
"""Deepest nesting of structs and arrays a schema may declare and a decoder will follow."""

MAX_SECTION_ID = 0x7FFF
"""Section ids are 1..32767; the high bit of the wire id field is reserved."""
