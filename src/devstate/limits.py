"""Format limits that schemas and every codec share (see spec/wire-format.md)."""

from __future__ import annotations

from devstate.dsf1 import MAX_NESTING_DEPTH as MAX_NESTING_DEPTH  # deepest nesting a schema may declare
from devstate.dsf1 import MAX_SECTION_ID as MAX_SECTION_ID  # section ids are 1..32767 (high bit reserved)

MAX_COUNT = 0xFFFF_FFFF
"""Largest count, length or size a DSF v1 prefix (u32) can carry."""
