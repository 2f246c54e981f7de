"""Section framing: iterate the sections of a blob with their offsets, without a schema.

Section header (8 bytes, little-endian; spec/wire-format.md, "Sections")::

    0  u16 id       1..32767
    2  u16 flags    bit 0 OPTIONAL, bit 1 VENDOR, other bits 0
    4  u32 length   payload length in bytes
    8  payload

A vendor section's payload starts with an 18-byte vendor header: u16 namespace kind
(1 = PCI vendor id, 2 = UUID) and 16 namespace bytes. Standard sections come first, in
strictly increasing id order; vendor sections follow, ordered by (vendor header bytes, id).
"""

from __future__ import annotations

import struct
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from devstate.dsf1 import FLAG_OPTIONAL as FLAG_OPTIONAL
from devstate.dsf1 import FLAG_VENDOR as FLAG_VENDOR
from devstate.dsf1 import SECTION_HEADER_SIZE as SECTION_HEADER_SIZE
from devstate.dsf1 import VENDOR_HEADER_SIZE as VENDOR_HEADER_SIZE
from devstate.limits import MAX_SECTION_ID
from devstate.wire.errors import DecodeError, ErrorCode
from devstate.wire.header import Header

if TYPE_CHECKING:
    from devstate.ir import VendorNamespace

KNOWN_FLAGS = FLAG_OPTIONAL | FLAG_VENDOR

_SECTION = struct.Struct("<HHI")


def vendor_header(vendor: VendorNamespace) -> bytes:
    """The 18-byte vendor header of ``vendor`` (kind, then 16 namespace bytes)."""
    return vendor.header


def parse_vendor(text: str) -> VendorNamespace:
    """``pci:0x1af4`` or ``uuid:<uuid>`` (the form ``str(VendorNamespace)`` prints)."""
    from devstate.ir import VendorNamespace  # pydantic: only when a vendor namespace is met

    kind, _, value = text.partition(":")
    if kind == "pci":
        pci = int(value, 0)
        if not 1 <= pci <= 0xFFFE:
            raise ValueError(f"PCI vendor id {value} is not in 0x0001..0xfffe")
        return VendorNamespace(pci=pci)
    if kind == "uuid":
        return VendorNamespace(uuid=str(uuid.UUID(value)))
    raise ValueError(f"vendor namespace {text!r} is not pci:0xNNNN or uuid:...")


@dataclass(frozen=True)
class RawSection:
    """One framed section: where it is and what its header says."""

    offset: int
    id: int
    flags: int
    length: int
    vendor: VendorNamespace | None = None

    @property
    def optional(self) -> bool:
        return bool(self.flags & FLAG_OPTIONAL)

    @property
    def payload_offset(self) -> int:
        """Where the value starts (after the vendor header for a vendor section)."""
        return self.offset + SECTION_HEADER_SIZE + (VENDOR_HEADER_SIZE if self.vendor else 0)

    @property
    def end(self) -> int:
        return self.offset + SECTION_HEADER_SIZE + self.length

    @property
    def order_key(self) -> tuple[int, bytes, int]:
        """Canonical order: standard sections by id, then vendor sections by (header, id)."""
        if self.vendor is None:
            return (0, b"", self.id)
        return (1, vendor_header(self.vendor), self.id)

    @property
    def label(self) -> str:
        """A path naming the section without a schema: ``$.sections[id=3]``."""
        if self.vendor is None:
            return f"$.sections[id={self.id}]"
        return f"$.vendor_sections[{self.vendor}#{self.id}]"


def iter_sections(data: bytes | bytearray | memoryview, header: Header) -> Iterator[RawSection]:
    """Yield each section in order, checking framing, vendor headers, order and duplicates."""
    view = memoryview(data).cast("B")
    offset, end = header.sections_offset, header.trailer_offset
    previous: RawSection | None = None
    while offset < end:
        section = _frame(view, offset, end)
        _check_order(previous, section)
        yield section
        previous = section
        offset = section.end


def _frame(view: memoryview, offset: int, end: int) -> RawSection:
    if end - offset < SECTION_HEADER_SIZE:
        raise DecodeError(ErrorCode.SECTION_PAST_END, offset, "$.sections",
                          f"{end - offset} bytes before the trailer cannot hold a section header (8 bytes)")
    section_id, flags, length = _SECTION.unpack_from(view, offset)
    path = f"$.sections[id={section_id}]"
    if not 1 <= section_id <= MAX_SECTION_ID:
        raise DecodeError(ErrorCode.BAD_SECTION_ID, offset, path,
                          f"section id {section_id} is not in 1..{MAX_SECTION_ID}")
    if flags & ~KNOWN_FLAGS:
        raise DecodeError(ErrorCode.BAD_SECTION_FLAGS, offset + 2, path,
                          f"section flags {flags:#06x} have undefined bits (only OPTIONAL=1 and VENDOR=2 exist)")
    if offset + SECTION_HEADER_SIZE + length > end:
        raise DecodeError(ErrorCode.SECTION_PAST_END, offset + 4, path,
                          f"payload of {length} bytes runs past the trailer at offset {end}")
    vendor = _vendor(view, offset, length) if flags & FLAG_VENDOR else None
    return RawSection(offset, section_id, flags, length, vendor)


def _vendor(view: memoryview, offset: int, length: int) -> VendorNamespace:
    from devstate.ir import NAMESPACE_PCI, NAMESPACE_UUID, VendorNamespace  # pydantic: only for vendor sections

    at = offset + SECTION_HEADER_SIZE
    path = f"$.vendor_sections[id={_SECTION.unpack_from(view, offset)[0]}]"
    if length < VENDOR_HEADER_SIZE:
        raise DecodeError(ErrorCode.BAD_VENDOR_HEADER, at, path,
                          f"vendor section payload of {length} bytes cannot hold the 18-byte vendor header")
    kind = int.from_bytes(view[at : at + 2], "little")
    namespace = bytes(view[at + 2 : at + VENDOR_HEADER_SIZE])
    if kind == NAMESPACE_UUID:
        return VendorNamespace(uuid=str(uuid.UUID(bytes=namespace)))
    if kind != NAMESPACE_PCI:
        raise DecodeError(ErrorCode.BAD_VENDOR_HEADER, at, path,
                          f"vendor namespace kind {kind} is not 1 (PCI) or 2 (UUID)")
    pci = int.from_bytes(namespace[:2], "little")
    if not 1 <= pci <= 0xFFFE or any(namespace[2:]):
        raise DecodeError(ErrorCode.BAD_VENDOR_HEADER, at + 2, path,
                          f"PCI namespace {namespace.hex()} must be a vendor id 0x0001..0xfffe and 14 zero bytes")
    return VendorNamespace(pci=pci)


def _check_order(previous: RawSection | None, section: RawSection) -> None:
    if previous is None:
        return
    if section.order_key == previous.order_key:
        raise DecodeError(ErrorCode.DUPLICATE_SECTION, section.offset, section.label,
                          f"section {_describe(section)} appears twice (first at offset {previous.offset})")
    if section.order_key < previous.order_key:
        raise DecodeError(ErrorCode.SECTION_ORDER, section.offset, section.label,
                          f"section {_describe(section)} follows section {_describe(previous)}; "
                          "standard sections come first by increasing id, then vendor sections by namespace and id")


def _describe(section: RawSection) -> str:
    return str(section.id) if section.vendor is None else f"{section.vendor}#{section.id}"


def encode_section(section_id: int, flags: int, payload: bytes, vendor: VendorNamespace | None = None) -> bytes:
    """A framed section (the vendor header is prepended when ``vendor`` is given)."""
    if vendor is not None:
        payload = vendor_header(vendor) + payload
        flags |= FLAG_VENDOR
    return _SECTION.pack(section_id, flags, len(payload)) + payload
