"""Which device parts a stream held, in which order: the virtio-parts bridge record.

An import keeps the header of every part it read (the unknown parts it skipped excepted)
as the payload of the bridge record (``devstate.bridges.record``), in the format of the
``hdr_list`` of VIRTIO_ADMIN_CMD_DEV_PARTS_METADATA_GET (admin-cmds-device-parts.tex)::

    le32 count; le32 reserved (0); struct virtio_dev_part_hdr hdrs[count];

An export of a state with a record writes exactly the recorded parts, in the recorded
order, with the recorded flags and as many feature words as recorded, plus any part the
state needs that the record lacks (a value changed after import). Without a record it
writes the canonical stream (every part the mapping carries and the features allow, in
the order table's order, selectors ascending).
"""

from __future__ import annotations

import struct
from collections.abc import Sequence
from dataclasses import dataclass

from devstate.bridges.record import find_record
from devstate.bridges.virtio.stream import Part
from devstate.bridges.virtio.tables import Selector
from devstate.state import State

NAMESPACE = "2b04365b-5c97-5015-a273-10aac0a91a8d"
"""uuid5(NAMESPACE_URL, "https://devstate.dev/bridges/virtio-parts/part-headers")."""

_LIST = struct.Struct("<II")
_HEADER = struct.Struct("<HBB8sI")

Key = tuple[int, bytes]


@dataclass(frozen=True)
class Header:
    """One recorded ``virtio_dev_part_hdr``."""

    type_id: int
    flags: int
    selector: bytes
    length: int

    @property
    def key(self) -> Key:
        return (self.type_id, self.selector)


def part_key(part: Part) -> Key:
    """A part's place in a stream: its type and selector."""
    return (part.type_id, part.selector)


def carried(part: Part) -> bool:
    """Whether the bridge reads the part (unknown parts and control commands are skipped)."""
    return part.kind is not None and not (part.kind.selector is Selector.CVQ and part.command is None)


def encode_headers(parts: Sequence[Part]) -> bytes:
    kept = [part for part in parts if carried(part)]
    return _LIST.pack(len(kept), 0) + b"".join(
        _HEADER.pack(part.type_id, part.flags, 0, part.selector, len(part.value)) for part in kept)


def decode_headers(payload: bytes) -> list[Header] | None:
    """The recorded headers, or None when the payload is not a header list."""
    if len(payload) < _LIST.size:
        return None
    count, reserved = _LIST.unpack_from(payload)
    if reserved or len(payload) != _LIST.size + count * _HEADER.size:
        return None
    headers = []
    for index in range(count):
        type_id, flags, zero, selector, length = _HEADER.unpack_from(payload, _LIST.size + index * _HEADER.size)
        if zero or flags & ~1:
            return None
        headers.append(Header(type_id, flags, selector, length))
    return headers


def recorded_headers(state: State) -> tuple[list[Header] | None, list[str]]:
    """The state's recorded headers (None without a usable record) and a note about the record."""
    payload = find_record(state, NAMESPACE)
    if payload is None:
        return None, []
    headers = decode_headers(payload)
    if headers is None:
        return None, [f"the bridge record (uuid:{NAMESPACE} #1, {len(payload)} bytes) is not a part header list; "
                      "ignored: the canonical stream is written"]
    return headers, []
