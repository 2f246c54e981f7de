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

import functools
import struct
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from devstate import dsf1
from devstate.dsf1 import FLAG_OPTIONAL as FLAG_OPTIONAL
from devstate.dsf1 import FLAG_VENDOR as FLAG_VENDOR
from devstate.dsf1 import SECTION_HEADER_SIZE as SECTION_HEADER_SIZE
from devstate.dsf1 import VENDOR_HEADER_SIZE as VENDOR_HEADER_SIZE
from devstate.wire.errors import DecodeError, ErrorCode
from devstate.wire.header import Header
from devstate.wire.limits import DEFAULT_LIMITS, Limits

if TYPE_CHECKING:
    from devstate.ir import VendorNamespace

KNOWN_FLAGS = FLAG_OPTIONAL | FLAG_VENDOR
NAMESPACE_PCI = 1
NAMESPACE_UUID = 2

_SECTION = struct.Struct("<HHI")


@dataclass(frozen=True)
class Namespace:
    """A vendor namespace read from a blob or from text: plain Python, so that the wire layer
    (``devstate inspect``) needs no pydantic; prints and packs as ``ir.VendorNamespace`` does."""

    pci: int | None = None
    uuid: str | None = None

    def __str__(self) -> str:
        return f"pci:{self.pci:#06x}" if self.pci is not None else f"uuid:{self.uuid}"

    @property
    def header(self) -> bytes:
        """The 18-byte vendor header: u16 namespace kind, then 16 namespace bytes (the runtime's
        ``dsf1.vendor_header``)."""
        return dsf1.vendor_header(str(self))


def vendor_header(vendor: VendorNamespace | Namespace) -> bytes:
    """The 18-byte vendor header of ``vendor`` (kind, then 16 namespace bytes)."""
    return vendor.header


def parse_vendor(text: str) -> Namespace:
    """``pci:0x1af4`` or ``uuid:<uuid>`` (the form ``str(VendorNamespace)`` prints); ValueError,
    in the runtime's words (``dsf1.vendor_header``), if malformed."""
    raw = dsf1.vendor_header(text)
    if raw[0] == NAMESPACE_PCI:
        return Namespace(pci=int.from_bytes(raw[2:4], "little"))
    return Namespace(uuid=str(uuid.UUID(bytes=raw[2:])))


@dataclass(frozen=True, slots=True)
class RawSection:
    """One framed section: where it is and what its header says (slots: ``inspect`` keeps one
    per section, 100,000 of them for a hostile blob with raised limits)."""

    offset: int
    id: int
    flags: int
    length: int
    vendor: Namespace | None = None
    vendor_raw: bytes = b""
    """The 18 vendor header bytes as read (empty for a standard section)."""

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
        return (1, self.vendor_raw or vendor_header(self.vendor), self.id)

    @property
    def label(self) -> str:
        """A path naming the section without a schema: ``$.sections[id=3]``."""
        if self.vendor is None:
            return f"$.sections[id={self.id}]"
        return f"$.vendor_sections[{self.vendor}#{self.id}]"


def iter_sections(data: bytes | bytearray | memoryview, header: Header,
                  limits: Limits = DEFAULT_LIMITS) -> Iterator[RawSection]:
    """Yield each section in order, checking the section count, framing, vendor headers,
    order and duplicates.

    The checks are the runtime's (``devstate.dsf1.frames``), which the generated decoders run too.
    """
    view = memoryview(data).cast("B")
    headers: dict[bytes, bytes] = {}  # one object per distinct vendor header, not one per section
    for frame in dsf1.frames(view, header.sections_offset, header.trailer_offset, limits):
        length = frame.end - frame.offset - SECTION_HEADER_SIZE
        if frame.vendor is None:
            yield RawSection(frame.offset, frame.id, frame.flags, length)
        else:
            raw = headers.setdefault(frame.key[1], frame.key[1])
            yield RawSection(frame.offset, frame.id, frame.flags, length, _vendor(frame.vendor), raw)


@functools.lru_cache(maxsize=256)
def _vendor(text: str) -> Namespace:
    """Parsed once per namespace: a blob's vendor sections mostly share a few."""
    return parse_vendor(text)


def check_unknown_count(count: int, section: RawSection, limits: Limits) -> None:
    """Before keeping another unknown optional section: ``count`` were kept already."""
    if count >= limits.max_unknown_sections:
        label = str(section.id) if section.vendor is None else f"{section.vendor}#{section.id}"
        raise DecodeError(ErrorCode.LIMIT_EXCEEDED, section.offset, section.label,
                          f"unknown optional section {label} is over the limit of "
                          f"{limits.max_unknown_sections} unknown sections per blob (max_unknown_sections)")


def section_pieces(section_id: int, flags: int, payload: Sequence[bytes | bytearray | memoryview],
                   vendor: VendorNamespace | Namespace | None = None) -> tuple[bytes | bytearray | memoryview, ...]:
    """A framed section as (section header, [vendor header,] the payload's pieces...), without
    copying the payload (given as the buffers that make it up, in order)."""
    size = sum(len(piece) for piece in payload)
    if vendor is None:
        return _SECTION.pack(section_id, flags, size), *payload
    head = _SECTION.pack(section_id, flags | FLAG_VENDOR, size + VENDOR_HEADER_SIZE)
    return head, vendor_header(vendor), *payload


def encode_section(section_id: int, flags: int, payload: bytes,
                   vendor: VendorNamespace | Namespace | None = None) -> bytes:
    """A framed section (the vendor header is prepended when ``vendor`` is given)."""
    if vendor is not None:
        payload = vendor_header(vendor) + payload
        flags |= FLAG_VENDOR
    return _SECTION.pack(section_id, flags, len(payload)) + payload
