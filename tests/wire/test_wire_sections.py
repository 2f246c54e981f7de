"""Section framing without a schema: offsets, flags, vendor headers, order, inspect."""

from __future__ import annotations

import struct
import uuid

import pytest

from devstate import dsf1
from devstate.ir import VendorNamespace, Version
from devstate.wire.errors import DecodeError
from devstate.wire.header import encode_header, parse_header, seal
from devstate.wire.inspect import inspect_blob
from devstate.wire.sections import (
    FLAG_OPTIONAL,
    Namespace,
    encode_section,
    iter_sections,
    parse_vendor,
    vendor_header,
)

PCI = VendorNamespace(pci=0x1AF4)
UUID = VendorNamespace(uuid="6f1c1a2e-3b4d-4c5e-8f60-718293a4b5c6")


def assemble(*frames: bytes, model: str = "org.example.dev") -> bytes:
    body = b"".join(frames)
    return seal(encode_header(model, Version(1, 0), 25 + len(model) + len(body) + 4) + body)


def sections_of(data: bytes) -> list[tuple[int, int, int, int, str | None]]:
    header = parse_header(data)
    return [(s.offset, s.id, s.flags, s.length, str(s.vendor) if s.vendor else None)
            for s in iter_sections(data, header)]


def framing_error(*frames: bytes) -> DecodeError:
    data = assemble(*frames)
    with pytest.raises(DecodeError) as caught:
        list(iter_sections(data, parse_header(data)))
    return caught.value


def test_sections_with_offsets() -> None:
    data = assemble(encode_section(1, 0, b"abc"), encode_section(4, FLAG_OPTIONAL, b""),
                    encode_section(2, FLAG_OPTIONAL, b"xy", PCI), encode_section(1, 0, b"", UUID))
    assert sections_of(data) == [
        (40, 1, 0, 3, None), (51, 4, 1, 0, None), (59, 2, 3, 20, "pci:0x1af4"),
        (87, 1, 2, 18, "uuid:6f1c1a2e-3b4d-4c5e-8f60-718293a4b5c6"),
    ]


def test_vendor_header_layout() -> None:
    assert vendor_header(PCI) == b"\x01\x00\xf4\x1a" + bytes(14)
    assert vendor_header(UUID) == b"\x02\x00" + uuid.UUID(UUID.uuid).bytes
    assert parse_vendor("pci:0x1af4") == Namespace(pci=0x1AF4) and parse_vendor(str(UUID)) == Namespace(uuid=UUID.uuid)
    with pytest.raises(ValueError, match=r"not in 0x0001\.\.0xfffe"):
        parse_vendor("pci:0xffff")


@pytest.mark.parametrize(("text", "message"), [
    ("pci:0xffff", "PCI vendor id 0xffff is not in 0x0001..0xfffe"),
    ("pci:0", "PCI vendor id 0 is not in 0x0001..0xfffe"),
    ("pci:acme", "invalid literal for int() with base 0: 'acme'"),
    ("uuid:6f1c", "badly formed hexadecimal UUID string"),
    ("acme:1", "vendor namespace 'acme:1' is not pci:0xNNNN or uuid:..."),
])
def test_parse_vendor_refuses_in_the_runtimes_words(text: str, message: str) -> None:
    with pytest.raises(ValueError) as refused:
        parse_vendor(text)
    assert str(refused.value) == message
    with pytest.raises(ValueError) as runtime:
        dsf1.vendor_header(text)
    assert str(runtime.value) == message


def test_parse_vendor_spells_a_namespace_canonically() -> None:
    assert parse_vendor("pci:6900") == Namespace(pci=0x1AF4)
    assert parse_vendor("uuid:6F1C1A2E3B4D4C5E8F60718293A4B5C6") == Namespace(uuid=UUID.uuid)


@pytest.mark.parametrize(("frames", "code", "offset"), [
    ((encode_section(2, 0, b""), encode_section(1, 0, b"")), "SECTION_ORDER", 48),
    ((encode_section(2, 0, b""), encode_section(2, 0, b"")), "DUPLICATE_SECTION", 48),
    ((encode_section(1, 0, b"", UUID), encode_section(1, 0, b"", PCI)), "SECTION_ORDER", 66),
    ((encode_section(1, 0, b"", PCI), encode_section(1, 0, b"", PCI)), "DUPLICATE_SECTION", 66),
    ((encode_section(1, 0, b"", PCI), encode_section(9, 0, b"")), "SECTION_ORDER", 66),
    ((encode_section(0, 0, b""),), "BAD_SECTION_ID", 40),
    ((encode_section(0x8000, 0, b""),), "BAD_SECTION_ID", 40),
    ((encode_section(1, 4, b""),), "BAD_SECTION_FLAGS", 42),
    ((struct.pack("<HHI", 1, 0, 5),), "SECTION_PAST_END", 44),
    ((b"\x01\x00\x00",), "SECTION_PAST_END", 40),
    ((struct.pack("<HHI", 1, 2, 4) + b"\x01\x00\x01\x00",), "BAD_VENDOR_HEADER", 48),
    ((struct.pack("<HHI", 1, 2, 18) + b"\x03\x00" + bytes(16),), "BAD_VENDOR_HEADER", 48),
    ((struct.pack("<HHI", 1, 2, 18) + b"\x01\x00\x00\x00" + bytes(14),), "BAD_VENDOR_HEADER", 50),
])
def test_framing_errors(frames: tuple[bytes, ...], code: str, offset: int) -> None:
    error = framing_error(*frames)
    assert (error.code, error.offset) == (code, offset)


def test_inspect_reports_bad_checksum_and_keeps_sections() -> None:
    data = bytearray(assemble(encode_section(1, 0, b"abc")))
    data[48] ^= 1
    report = inspect_blob(bytes(data))
    assert report.header is not None and report.checksum_ok is False
    assert [s.id for s in report.sections] == [1]
    assert report.error is not None and report.error.code == "BAD_CHECKSUM"


def test_inspect_stops_at_framing_errors() -> None:
    report = inspect_blob(assemble(encode_section(1, 0, b""), encode_section(1, 0, b"")))
    assert report.checksum_ok is True and [s.id for s in report.sections] == [1]
    assert report.error is not None and report.error.code == "DUPLICATE_SECTION"
    broken = inspect_blob(b"\x89DSF\r\n")
    assert broken.header is None and broken.error is not None and broken.error.code == "TRUNCATED"


@pytest.mark.parametrize("ir_namespace", [PCI, UUID, VendorNamespace(pci=1), VendorNamespace(pci=0xFFFE)],
                         ids=["pci", "uuid", "pci-lowest", "pci-highest"])
def test_the_wire_namespace_prints_and_packs_as_the_ir_one(ir_namespace: VendorNamespace) -> None:
    """The wire layer reads namespaces without pydantic; decoders match them to the schema's by text."""
    wire = parse_vendor(str(ir_namespace))
    assert isinstance(wire, Namespace)
    assert (str(wire), wire.header) == (str(ir_namespace), ir_namespace.header)
    assert vendor_header(wire) == vendor_header(ir_namespace)
