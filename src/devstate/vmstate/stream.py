"""The JSON self-description at the end of a QEMU migration stream.

A stream starts with ``QEVM`` and version 3 and, since QEMU 2.3, ends with a
``QEMU_VM_VMDESCRIPTION`` section: the byte 0x06, a big-endian u32 length and that many
bytes of JSON (``{"page_size": ..., "devices": [...]}``) describing what was actually
saved for each device of that VM: field names, QEMU types (``uint16``, ``int32``,
``struct``, ...), ``array_len`` and sizes. It complements ``-dump-vmstate``, which shows
every device type but neither types nor array lengths.
"""

from __future__ import annotations

import json
import struct
from pathlib import Path
from typing import Any

from devstate.errors import DevstateError

STREAM_MAGIC = b"QEVM"
VMDESCRIPTION = 0x06
MAX_DESCRIPTION = 16 << 20
"""Largest self-description searched for (QEMU 7.2 writes about 100 KiB for a small VM)."""


class StreamError(DevstateError):
    """The file is not a QEMU migration stream with a self-description."""

    code = "VMSTATE_STREAM_INVALID"


def read_self_description(path: Path | str) -> dict[str, Any]:
    """The parsed self-description of the stream at ``path``."""
    path = Path(path)
    with path.open("rb") as stream:
        if stream.read(4) != STREAM_MAGIC:
            raise StreamError(f"{path}: not a QEMU migration stream (no QEVM magic)")
        size = stream.seek(0, 2)
        start = max(0, size - MAX_DESCRIPTION - 5)
        stream.seek(start)
        tail = stream.read()
    text = _find_description(tail)
    if text is None:
        raise StreamError(f"{path}: no self-description section at the end of the stream")
    try:
        data = json.loads(text)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise StreamError(f"{path}: the self-description is not JSON ({exc})") from None
    if not isinstance(data, dict) or not isinstance(data.get("devices"), list):
        raise StreamError(f"{path}: the self-description has no device list")
    return data


def _find_description(tail: bytes) -> bytes | None:
    """The JSON of the last 0x06 + be32 length section that ends exactly at the end."""
    pos = tail.rfind(b"{")
    while pos >= 5:
        (length,) = struct.unpack(">I", tail[pos - 4 : pos])
        if tail[pos - 5] == VMDESCRIPTION and pos + length == len(tail):
            return tail[pos:]
        pos = tail.rfind(b"{", 0, pos)
    return None
