"""The DSF v1 header and trailer: layout, parsing and the envelope checks.

Layout (all integers little-endian; spec/wire-format.md, "Header")::

    offset  size  field
    0       8     magic 89 44 53 46 0D 0A 1A 0A ("\\x89DSF\\r\\n\\x1a\\n")
    8       2     format_version = 1
    10      2     header flags = 0
    12      2     schema major
    14      2     schema minor
    16      8     total_length (the whole blob, header and trailer included)
    24      1     model_id_length (1..128)
    25      n     model id (ASCII)
    ...           sections
    end-4   4     CRC-32C of every byte before the trailer

``parse_header`` reads and checks the fields in that order and then the envelope
(lengths, model id, checksum); the first problem is raised as ``DecodeError``.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

from devstate import dsf1
from devstate.dsf1 import FIXED_HEADER_SIZE as FIXED_HEADER_SIZE  # bytes before the model id
from devstate.dsf1 import FORMAT_VERSION as FORMAT_VERSION
from devstate.dsf1 import MAGIC as MAGIC
from devstate.dsf1 import MAX_MODEL_ID_LENGTH as MAX_MODEL_ID_LENGTH
from devstate.dsf1 import MODEL_ID_PATTERN as MODEL_ID_PATTERN
from devstate.dsf1 import TRAILER_SIZE as TRAILER_SIZE
from devstate.version import Version
from devstate.wire.checksum import crc32c
from devstate.wire.errors import DecodeError, ErrorCode
from devstate.wire.limits import DEFAULT_LIMITS, Limits

MIN_BLOB_SIZE = FIXED_HEADER_SIZE + 1 + TRAILER_SIZE

_FIXED = struct.Struct("<8sHHHHQB")


@dataclass(frozen=True)
class Header:
    """A parsed header; ``sections_offset``..``trailer_offset`` holds the sections."""

    format_version: int
    flags: int
    major: int
    minor: int
    total_length: int
    model: str

    @property
    def version(self) -> Version:
        return Version(self.major, self.minor)

    @property
    def sections_offset(self) -> int:
        return FIXED_HEADER_SIZE + len(self.model)

    @property
    def trailer_offset(self) -> int:
        return self.total_length - TRAILER_SIZE

    def to_json(self) -> dict[str, object]:
        return {
            "format_version": self.format_version, "flags": self.flags,
            "model": self.model, "version": str(self.version),
            "total_length": self.total_length,
        }


def encode_header(model: str, version: Version, total_length: int) -> bytes:
    """The header bytes for a blob of ``total_length`` bytes (the caller appends the CRC)."""
    model_bytes = model.encode("ascii")
    fixed = _FIXED.pack(MAGIC, FORMAT_VERSION, 0, version.major, version.minor,
                        total_length, len(model_bytes))
    return fixed + model_bytes


def seal(body: bytes | bytearray) -> bytes:
    """``body`` (header and sections) followed by its CRC-32C trailer."""
    return bytes(body) + struct.pack("<I", crc32c(body))


def parse_fixed_header(data: memoryview, limits: Limits = DEFAULT_LIMITS) -> tuple[Header, int]:
    """Read and check the header fields in order; returns the header and the model id length.

    Checks the input's size against ``limits.max_total_size`` first. Does not check the
    total length against the input, the model id text or the checksum (see
    ``check_envelope``); the returned header's ``model`` is still empty. The field checks
    are the runtime's (``devstate.dsf1``), which the generated decoders run too.
    """
    if len(data) > limits.max_total_size:
        raise DecodeError(ErrorCode.LIMIT_EXCEEDED, 0, "$",
                          f"the input is {len(data)} bytes, over the limit of {limits.max_total_size} "
                          "(--max-total-size)")
    major, minor, total = dsf1.read_header_fields(data)
    if total > limits.max_total_size:
        raise dsf1.header_error(ErrorCode.LIMIT_EXCEEDED, 16, "total_length",
                                f"total length {total} is over the limit of {limits.max_total_size} bytes "
                                "(--max-total-size)")
    id_length = dsf1.read_model_id_length(data)
    return Header(FORMAT_VERSION, 0, major, minor, total, ""), id_length


def check_envelope(data: memoryview, header: Header, id_length: int) -> Header:
    """Total length, trailing bytes, model id text and checksum; returns the full header."""
    full = check_lengths(data, header, id_length)
    check_checksum(data, full)
    return full


def check_lengths(data: memoryview, header: Header, id_length: int) -> Header:
    """Total length against the input, then the model id text; returns the full header."""
    dsf1.check_lengths(data, header.total_length, id_length)
    model = bytes(data[FIXED_HEADER_SIZE : FIXED_HEADER_SIZE + id_length]).decode("ascii")
    return Header(header.format_version, header.flags, header.major, header.minor, header.total_length, model)


def check_checksum(data: memoryview, header: Header) -> None:
    """The trailer must be the CRC-32C of every byte before it."""
    dsf1.check_checksum(data, header.total_length)


def parse_header(data: bytes | bytearray | memoryview, limits: Limits = DEFAULT_LIMITS) -> Header:
    """Parse and check a whole blob's envelope; raises ``DecodeError`` (see module doc)."""
    view = memoryview(data).cast("B")
    header, id_length = parse_fixed_header(view, limits)
    return check_envelope(view, header, id_length)


def stored_checksum(data: bytes | bytearray | memoryview, header: Header) -> tuple[int, int]:
    """The trailer's CRC and the computed one (for ``inspect``; no checks)."""
    view = memoryview(data).cast("B")
    end = min(header.total_length, len(view))
    stored = int.from_bytes(view[end - TRAILER_SIZE : end], "little")
    return stored, crc32c(view[: end - TRAILER_SIZE])
