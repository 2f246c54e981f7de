"""Reading and writing a stream of virtio device parts, and the vfio records around it.

``frame_parts`` frames every part (16-byte header + value) and checks the header, the
selector and the value layout of each known part type (the rules over the whole stream
are ``devstate.bridges.virtio.rules``). Unknown parts are refused unless marked OPTIONAL
(then kept, to be reported). ``encode_parts`` writes parts back to back.

``parse_vfio``/``wrap_vfio`` handle the Linux virtio-vfio migration stream: 16-byte
records (le64 size, le32 flags, le32 tag) whose device-data record is the raw
DEV_PARTS_GET result.
"""

from __future__ import annotations

import struct
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from devstate.bridges.errors import BridgeCode, BridgeDecodeError
from devstate.bridges.layouts import Fixed, Layout, Slot
from devstate.bridges.values import Item
from devstate.bridges.virtio import tables
from devstate.bridges.virtio.tables import CommonCfgField, Count, CvqCommand, PartType, Selector

_HEADER = struct.Struct("<HBB8sI")
_VFIO = struct.Struct("<QII")


@dataclass(frozen=True)
class Part:
    """One device part: header fields, value bytes, and what the tables know about it."""

    type_id: int
    flags: int
    selector: bytes
    value: bytes
    kind: PartType | None = None
    command: CvqCommand | None = None
    common: CommonCfgField | None = None
    offset: int = -1
    """Absolute offset of the header in the input (-1 for a part built by an exporter)."""
    items: dict[str, Item] = field(default_factory=dict, compare=False)

    @property
    def name(self) -> str:
        return self.kind.name if self.kind else f"UNKNOWN_{self.type_id:#06x}"

    @property
    def index(self) -> int:
        """The virtqueue index of a VQ part (selector bytes 0-1)."""
        return int.from_bytes(self.selector[:2], "little")

    @property
    def label(self) -> str:
        """``VQ_CFG[3]``, ``PCI_COMMON_CFG num_queues``, ``CVQ_CFG RX/PROMISC``, ``DEVICE_STATUS``."""
        if self.kind is None:
            return self.name
        if self.kind.selector is Selector.VQ_INDEX:
            return f"{self.name}[{self.index}]"
        if self.kind.selector is Selector.COMMON_CFG:
            offset = int.from_bytes(self.selector[:4], "little")
            return f"{self.name} {self.common.name if self.common else f'offset {offset}'}"
        if self.kind.selector is Selector.CVQ:
            if self.command is not None:
                return f"{self.name} {self.command.class_name}/{self.command.command_name}"
            return f"{self.name} class {self.selector[0]}/command {self.selector[1]}"
        return self.name

    @property
    def layout(self) -> Layout | None:
        if self.kind is None:
            return None
        if self.kind.selector is Selector.COMMON_CFG:
            return _common_layout(self.common) if self.common else None
        if self.kind.selector is Selector.CVQ:
            return self.command.layout if self.command else None
        return self.kind.layout

    @property
    def identity(self) -> tuple[int, bytes]:
        """What is unique in a stream: the type (one part per stream) or the type and the selector."""
        if self.kind is not None and self.kind.count is Count.ONE:
            return (self.type_id, b"")
        return (self.type_id, self.selector)

    def encode(self) -> bytes:
        return _HEADER.pack(self.type_id, self.flags, 0, self.selector, len(self.value)) + self.value


def _common_layout(common: CommonCfgField) -> Layout:
    return Fixed((Slot(common.name, 0, common.size),), common.size)


# --- selectors ----------------------------------------------------------------------------


def common_cfg_selector(offset: int) -> bytes:
    return struct.pack("<II", offset, 0)


def vq_selector(index: int) -> bytes:
    return struct.pack("<H6x", index)


@lru_cache(maxsize=8)
def vq_selectors(count: int) -> tuple[bytes, ...]:
    """The selectors of virtqueues 0 to ``count - 1`` (made once per count: an import asks for them per field)."""
    return tuple(vq_selector(index) for index in range(count))


def cvq_selector(command: CvqCommand) -> bytes:
    return struct.pack("<BB6x", command.class_id, command.command_id)


NO_SELECTOR = bytes(8)


# --- parsing ------------------------------------------------------------------------------


def frame_parts(data: bytes | bytearray | memoryview, device_type: str | None = "net", base: int = 0) -> list[Part]:
    """Every part of ``data`` (offsets relative to ``base``), each checked on its own (header, selector, value)."""
    view = memoryview(data).cast("B")
    parts: list[Part] = []
    offset = 0
    while offset < len(view):
        part = _frame(view, offset, base, device_type)
        parts.append(part)
        offset += tables.HEADER_SIZE + len(part.value)
    return parts


def _frame(view: memoryview, offset: int, base: int, device_type: str | None) -> Part:
    at = base + offset
    if len(view) - offset < tables.HEADER_SIZE:
        raise BridgeDecodeError(BridgeCode.TRUNCATED, at, "part header",
                                f"{len(view) - offset} bytes remain; a part header is {tables.HEADER_SIZE}")
    type_id, flags, reserved, selector, length = _HEADER.unpack_from(view, offset)
    kind = tables.part_by_id(device_type, type_id)
    name = kind.name if kind else f"part type {type_id:#06x}"
    if flags & ~tables.KNOWN_FLAGS:
        raise BridgeDecodeError(BridgeCode.BAD_FLAGS, at + 2, name,
                                f"flags {flags:#04x} set undefined bits (only OPTIONAL = 0x01 exists)")
    if reserved:
        raise BridgeDecodeError(BridgeCode.RESERVED_NOT_ZERO, at + 3, name,
                                f"the reserved header byte is {reserved:#04x}")
    start = offset + tables.HEADER_SIZE
    if length > len(view) - start:
        raise BridgeDecodeError(BridgeCode.PAST_END, at + 12, name,
                                f"the value is {length} bytes; only {len(view) - start} remain in the stream")
    value = bytes(view[start : start + length])
    part = Part(type_id, flags, selector, value, kind, offset=at)
    return _known(part, device_type) if kind is not None else _unknown(part, f"part type {type_id:#06x}")


def _unknown(part: Part, what: str) -> Part:
    if not part.flags & tables.FLAG_OPTIONAL:
        raise BridgeDecodeError(BridgeCode.UNKNOWN_PART, part.offset, part.name,
                                f"{what} is not known to the bridge and not marked OPTIONAL")
    return part


def _known(part: Part, device_type: str | None) -> Part:
    assert part.kind is not None
    selector = part.kind.selector
    if selector is Selector.NONE:
        _zero(part, part.selector, 0, "the selector")
    elif selector is Selector.VQ_INDEX:
        _zero(part, part.selector[2:], 2, "selector bytes 2-7")
    elif selector is Selector.CVQ:
        _zero(part, part.selector[2:], 2, "selector bytes 2-7")
        command = tables.cvq_command(device_type, part.selector[0], part.selector[1])
        if command is None:
            return _unknown(part, f"control class {part.selector[0]} command {part.selector[1]}")
        part = Part(part.type_id, part.flags, part.selector, part.value, part.kind, command=command,
                    offset=part.offset)
    else:
        part = _common(part)
    layout = part.layout
    assert layout is not None
    items = layout.parse(memoryview(part.value), part.offset + tables.HEADER_SIZE, part.label)
    return Part(part.type_id, part.flags, part.selector, part.value, part.kind, part.command, part.common,
                part.offset, items)


def _common(part: Part) -> Part:
    offset, reserved = struct.unpack("<II", part.selector)
    if reserved:
        raise BridgeDecodeError(BridgeCode.RESERVED_NOT_ZERO, part.offset + 8, part.name,
                                "selector bytes 4-7 (pci_common_cfg.reserved) are not zero")
    common = tables.common_cfg_field(offset)
    if common is None:
        raise BridgeDecodeError(BridgeCode.BAD_SELECTOR, part.offset + 4, part.name,
                                f"offset {offset} is not the start of a field of struct virtio_pci_common_cfg")
    return Part(part.type_id, part.flags, part.selector, part.value, part.kind, common=common, offset=part.offset)


def _zero(part: Part, data: bytes, first: int, what: str) -> None:
    if any(data):
        raise BridgeDecodeError(BridgeCode.RESERVED_NOT_ZERO, part.offset + 4 + first, part.name,
                                f"{what} must be zero for {part.name}")


def encode_parts(parts: Sequence[Part]) -> bytes:
    return b"".join(part.encode() for part in parts)


# --- the vfio migration stream ------------------------------------------------------------------


@dataclass(frozen=True)
class VfioRecord:
    offset: int
    size: int
    flags: int
    tag: int
    payload: bytes

    @property
    def optional(self) -> bool:
        return bool(self.flags & tables.VFIO_FLAG_OPTIONAL)


def parse_vfio(data: bytes | bytearray | memoryview) -> list[VfioRecord]:
    """Every record of a vfio migration stream (framing only)."""
    view = memoryview(data).cast("B")
    records = []
    offset = 0
    while offset < len(view):
        if len(view) - offset < tables.VFIO_HEADER_SIZE:
            raise BridgeDecodeError(BridgeCode.TRUNCATED, offset, "vfio record header",
                                    f"{len(view) - offset} bytes remain; a record header is {tables.VFIO_HEADER_SIZE}")
        size, flags, tag = _VFIO.unpack_from(view, offset)
        where = f"vfio record tag {tag}"
        if flags & ~tables.VFIO_FLAG_OPTIONAL:
            raise BridgeDecodeError(BridgeCode.BAD_FLAGS, offset + 8, where, f"flags {flags:#x} set undefined bits")
        if size > tables.VFIO_MAX_RECORD:
            raise BridgeDecodeError(BridgeCode.RECORD_TOO_LARGE, offset, where,
                                    f"record size {size} is over the kernel's limit of {tables.VFIO_MAX_RECORD}")
        start = offset + tables.VFIO_HEADER_SIZE
        if size > len(view) - start:
            raise BridgeDecodeError(BridgeCode.PAST_END, offset, where,
                                    f"the record is {size} bytes; only {len(view) - start} remain")
        records.append(VfioRecord(offset, size, flags, tag, bytes(view[start : start + size])))
        offset = start + size
    return records


def device_data(records: Sequence[VfioRecord], end: int) -> tuple[VfioRecord, list[str]]:
    """The device-data record to load (the last one: pre-copy resends), with notes on the others."""
    notes: list[str] = []
    chosen: VfioRecord | None = None
    for record in records:
        if record.tag == tables.VFIO_TAG_DEVICE_DATA:
            if chosen is not None:
                notes.append(f"vfio device-data record at offset {chosen.offset} is superseded by the one at "
                             f"offset {record.offset} (the last record wins)")
            chosen = record
        elif record.optional:
            notes.append(f"optional vfio record with tag {record.tag} at offset {record.offset} "
                         f"({record.size} bytes) skipped")
        else:
            raise BridgeDecodeError(BridgeCode.UNKNOWN_RECORD, record.offset, f"vfio record tag {record.tag}",
                                    f"tag {record.tag} is unknown and the record is not marked optional")
    if chosen is None:
        raise BridgeDecodeError(BridgeCode.NO_DEVICE_DATA, end, "vfio stream", "no device-data record (tag 0)")
    return chosen, notes


def wrap_vfio(payload: bytes) -> bytes:
    """One mandatory device-data record around ``payload``, as the kernel writes it."""
    return _VFIO.pack(len(payload), 0, tables.VFIO_TAG_DEVICE_DATA) + payload


def looks_like_vfio(data: bytes | bytearray | memoryview) -> bool:
    """Whether ``data`` frames exactly as vfio records with a device-data record."""
    try:
        records = parse_vfio(data)
    except BridgeDecodeError:
        return False
    return any(r.tag == tables.VFIO_TAG_DEVICE_DATA for r in records)


def unwrap(data: bytes | bytearray | memoryview, framing: str) -> tuple[memoryview, int, str, list[str]]:
    """The parts stream inside ``data``: (bytes, their offset, the framing used, notes).

    ``framing`` is ``raw``, ``vfio`` or ``auto`` (vfio when the input frames exactly as
    vfio records, else raw).
    """
    view = memoryview(data).cast("B")
    if framing == "auto":
        framing = "vfio" if looks_like_vfio(view) else "raw"
    if framing == "raw":
        return view, 0, "raw", []
    record, notes = device_data(parse_vfio(view), len(view))
    start = record.offset + tables.VFIO_HEADER_SIZE
    return view[start : start + record.size], start, "vfio", notes
