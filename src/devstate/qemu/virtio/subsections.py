"""VMState subsections as QEMU's loader reads them (migration/vmstate.c, vmstate_subsection_load).

After a description's fields, each needed subsection is ``0x05``, a length byte, the name,
a be32 version and the subsection's own fields (and its subsections). The loader keeps
reading while the next byte is ``0x05`` and the name starts with the owner's name (the
rest belongs to an enclosing description); a name the owner does not have, or a version
outside what it loads, fails the migration. devstate refuses the same, and a duplicate.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from devstate.qemu.virtio.cursor import SUBSECTION, Cursor
from devstate.qemu.virtio.errors import QemuCode


@dataclass(frozen=True)
class Subsection:
    """One subsection an owner knows: the versions it loads and how to read it."""

    version: int
    read: Callable[[Cursor], None]
    minimum_version: int = 1


def read_subsections(cursor: Cursor, owner: str, known: Mapping[str, Subsection]) -> list[str]:
    """Read the owner's subsections; returns their names in stream order."""
    seen: list[str] = []
    while cursor.peek() == SUBSECTION and _next_name(cursor).startswith(owner.encode()):
        at = cursor.offset
        cursor.u8("subsection")
        name = cursor.take(cursor.u8(f"{owner} subsection name length"), f"{owner} subsection name").decode(
            errors="replace")
        version = cursor.be32(f"{name} version")
        entry = known.get(name)
        if entry is None:
            raise cursor.fail(QemuCode.UNKNOWN_SUBSECTION, name,
                              f"{owner} has no subsection {name!r} (QEMU's loader refuses it)", at)
        if not entry.minimum_version <= version <= entry.version:
            raise cursor.fail(QemuCode.UNKNOWN_SUBSECTION, name,
                              f"version {version}; QEMU loads {entry.minimum_version}..{entry.version}", at)
        if name in seen:
            raise cursor.fail(QemuCode.DUPLICATE_SUBSECTION, name, "the subsection appears twice", at)
        seen.append(name)
        entry.read(cursor)
    return seen


def _next_name(cursor: Cursor) -> bytes:
    """The name of the subsection at the cursor, without consuming it (b"" if it is cut short)."""
    start = cursor.pos + 2
    length = cursor.data[cursor.pos + 1] if cursor.pos + 1 < len(cursor.data) else 0
    return bytes(cursor.data[start:start + length])
