"""The wire runtime without a schema: header, envelope checks, checksum, limits, errors."""

from __future__ import annotations

import os
import struct
import zlib

import pytest

from devstate.ir import Version
from devstate.wire import checksum
from devstate.wire.errors import DecodeError, EncodeError, ErrorCode
from devstate.wire.header import MAGIC, encode_header, parse_header, seal
from devstate.wire.limits import DEFAULT_LIMITS, Limits


def blob(model: str = "org.example.dev", body: bytes = b"") -> bytes:
    total = 25 + len(model) + len(body) + 4
    return seal(encode_header(model, Version(1, 2), total) + body)


def error_of(data: bytes, limits: Limits = DEFAULT_LIMITS) -> DecodeError:
    with pytest.raises(DecodeError) as caught:
        parse_header(data, limits)
    return caught.value


def test_magic_is_png_style() -> None:
    assert bytes([0x89, 0x44, 0x53, 0x46, 0x0D, 0x0A, 0x1A, 0x0A]) == MAGIC


def test_header_fields() -> None:
    header = parse_header(blob())
    assert (header.format_version, header.flags, header.model) == (1, 0, "org.example.dev")
    assert header.version == Version(1, 2)
    assert header.total_length == 44
    assert (header.sections_offset, header.trailer_offset) == (40, 40)


def test_empty_and_short_inputs_are_truncated_at_the_field() -> None:
    data = blob()
    assert (error_of(b"").code, error_of(b"").offset) == ("TRUNCATED", 0)
    for length, offset in ((3, 0), (9, 8), (11, 10), (13, 12), (15, 14), (23, 16), (24, 24)):
        error = error_of(data[:length])
        assert (error.code, error.offset) == ("TRUNCATED", offset), length


def test_error_string_format() -> None:
    error = error_of(b"GIF89a")
    assert str(error) == (
        "BAD_MAGIC at offset 0 ($.header.magic): not a DSF blob: the magic is "
        "47 49 46 38 39 61, expected 89 44 53 46 0d 0a 1a 0a"
    )
    assert error.number == 2 and error.error_code is ErrorCode.BAD_MAGIC


@pytest.mark.parametrize(("offset", "raw", "code"), [
    (8, struct.pack("<H", 2), "UNSUPPORTED_FORMAT_VERSION"),
    (10, struct.pack("<H", 0x8000), "BAD_HEADER_FLAGS"),
    (24, b"\x00", "BAD_MODEL_ID"),
    (24, bytes([129]), "BAD_MODEL_ID"),
    (25, b"O", "BAD_MODEL_ID"),
])
def test_header_field_errors(offset: int, raw: bytes, code: str) -> None:
    data = blob()
    patched = data[:offset] + raw + data[offset + len(raw):]
    error = error_of(patched)
    assert (error.code, error.offset) == (code, offset)


def test_length_checks() -> None:
    data = blob()
    assert error_of(data[:-1]).code == "LENGTH_MISMATCH"
    error = error_of(data + b"\x00")
    assert (error.code, error.offset, error.path) == ("TRAILING_BYTES", len(data), "$.trailer")
    tiny = data[:16] + struct.pack("<Q", 29) + data[24:]
    assert (error_of(tiny).code, error_of(tiny).offset) == ("LENGTH_MISMATCH", 16)


def test_checksum_mismatch() -> None:
    data = bytearray(blob())
    data[14] ^= 0x01
    error = error_of(bytes(data))
    assert (error.code, error.offset, error.path) == ("BAD_CHECKSUM", 40, "$.trailer.crc32c")


def test_limits_checked_before_reading() -> None:
    data = blob()
    assert (error_of(data, Limits(max_total_size=10)).code, error_of(data, Limits(max_total_size=10)).offset) == (
        "LIMIT_EXCEEDED", 0)
    claims_huge = data[:16] + struct.pack("<Q", 1 << 40) + data[24:]
    error = error_of(claims_huge)
    assert (error.code, error.offset) == ("LIMIT_EXCEEDED", 16)


def test_limits_defaults_and_validation() -> None:
    assert DEFAULT_LIMITS.to_json() == {"max_total_size": 1 << 30, "max_region_size": 256 << 20, "max_depth": 16,
                                        "max_sections": 4096, "max_unknown_sections": 32}
    assert Limits(max_depth=0).max_depth == 0  # a limit of 0 refuses every value (the C codec's reading too)
    with pytest.raises(ValueError, match="max_depth must be an integer of at least 0, not -1"):
        Limits(max_depth=-1)
    with pytest.raises(ValueError, match="max_sections must be an integer of at least 0, not True"):
        Limits(max_sections=True)


def test_crc32c_check_value_and_fallback_agree() -> None:
    assert checksum.crc32c(b"123456789") == checksum.CHECK_VALUE == 0xE3069283
    assert checksum.crc32c_py(b"123456789") == 0xE3069283
    data = os.urandom(4096)
    assert checksum.crc32c(data) == checksum.crc32c_py(data)
    assert checksum.crc32c(data[100:], checksum.crc32c(data[:100])) == checksum.crc32c(data)
    assert checksum.crc32c(b"123456789") != zlib.crc32(b"123456789")


def test_error_numbers_are_stable() -> None:
    pinned = {
        "TRUNCATED": 1, "BAD_MAGIC": 2, "UNSUPPORTED_FORMAT_VERSION": 3, "BAD_HEADER_FLAGS": 4,
        "LENGTH_MISMATCH": 5, "BAD_CHECKSUM": 6, "TRAILING_BYTES": 7, "BAD_MODEL_ID": 8, "MODEL_MISMATCH": 9,
        "MAJOR_MISMATCH": 10, "SECTION_PAST_END": 11, "BAD_SECTION_FLAGS": 12, "UNKNOWN_SECTION": 13,
        "DUPLICATE_SECTION": 14, "SECTION_ORDER": 15, "MISSING_SECTION": 16, "SECTION_TRAILING_DATA": 17,
        "COUNT_OVER_MAX": 18, "LENGTH_OVER_MAX": 19, "COUNT_PAST_END": 20, "BAD_STRIDE": 21,
        "STRUCT_TOO_SHORT": 22, "NONZERO_TAIL": 23, "BAD_BOOL": 24, "BAD_ENUM": 25, "BAD_FLAGS": 26,
        "OUT_OF_RANGE": 27, "BAD_UTF8": 28, "LIMIT_EXCEEDED": 29, "NESTING_TOO_DEEP": 30,
        "BAD_VENDOR_HEADER": 31, "INVALID_STATE": 32, "BAD_SECTION_ID": 33,
    }
    assert {code.name: int(code) for code in ErrorCode} == pinned


def test_errors_share_the_root_exception() -> None:
    from devstate.errors import DevstateError

    encode_error = EncodeError(ErrorCode.INVALID_STATE, "$.sections.x", "missing field 'y'")
    assert isinstance(encode_error, DevstateError)
    assert str(encode_error) == "INVALID_STATE ($.sections.x): missing field 'y'"
    assert encode_error.to_json() == {"code": "INVALID_STATE", "number": 32, "path": "$.sections.x",
                                      "message": "missing field 'y'"}
