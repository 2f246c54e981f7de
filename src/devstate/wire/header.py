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


def _fail(code: ErrorCode, offset: int, field: str, message: str) -> DecodeError:
    path = "$.trailer" if field == "trailer" else f"$.header.{field}"
    return DecodeError(code, offset, path, message)


def _u(data: memoryview, offset: int, size: int, field: str) -> int:
    """Read a little-endian unsigned integer of ``size`` bytes, or raise TRUNCATED."""
    if len(data) < offset + size:
        raise _fail(ErrorCode.TRUNCATED, offset, field,
                    f"the input ends at byte {len(data)}, inside the header field {field} ({offset}..{offset + size})")
    return int.from_bytes(data[offset : offset + size], "little")


def parse_fixed_header(data: memoryview, limits: Limits = DEFAULT_LIMITS) -> tuple[Header, int]:
    """Read and check the header fields in order; returns the header and the model id length.

    Checks the input's size against ``limits.max_total_size`` first. Does not check the
    total length against the input, the model id text or the checksum (see
    ``check_envelope``); the returned header's ``model`` is still empty.
    """
    if len(data) > limits.max_total_size:
        raise DecodeError(ErrorCode.LIMIT_EXCEEDED, 0, "$",
                          f"the input is {len(data)} bytes, over the limit of {limits.max_total_size} "
                          "(--max-total-size)")
    prefix = bytes(data[: len(MAGIC)])
    if prefix != MAGIC[: len(prefix)]:
        raise _fail(ErrorCode.BAD_MAGIC, 0, "magic",
                    f"not a DSF blob: the magic is {prefix.hex(' ')}, expected {MAGIC.hex(' ')}")
    if len(data) < len(MAGIC):
        raise _fail(ErrorCode.TRUNCATED, 0, "magic", f"the input ends at byte {len(data)}, inside the magic")
    version = _u(data, 8, 2, "format_version")
    if version != FORMAT_VERSION:
        raise _fail(ErrorCode.UNSUPPORTED_FORMAT_VERSION, 8, "format_version",
                    f"format version {version} is not supported (this reader knows DSF {FORMAT_VERSION})")
    flags = _u(data, 10, 2, "flags")
    if flags != 0:
        raise _fail(ErrorCode.BAD_HEADER_FLAGS, 10, "flags", f"header flags are {flags:#06x}; DSF v1 requires 0")
    major = _u(data, 12, 2, "major")
    minor = _u(data, 14, 2, "minor")
    total = _u(data, 16, 8, "total_length")
    if total > limits.max_total_size:
        raise _fail(ErrorCode.LIMIT_EXCEEDED, 16, "total_length",
                    f"total length {total} is over the limit of {limits.max_total_size} bytes (--max-total-size)")
    id_length = _u(data, 24, 1, "model_id_length")
    if not 1 <= id_length <= MAX_MODEL_ID_LENGTH:
        raise _fail(ErrorCode.BAD_MODEL_ID, 24, "model_id_length",
                    f"model id length {id_length} is not in 1..{MAX_MODEL_ID_LENGTH}")
    header = Header(version, flags, major, minor, total, "")
    return header, id_length


def check_envelope(data: memoryview, header: Header, id_length: int) -> Header:
    """Total length, trailing bytes, model id text and checksum; returns the full header."""
    full = check_lengths(data, header, id_length)
    check_checksum(data, full)
    return full


def check_lengths(data: memoryview, header: Header, id_length: int) -> Header:
    """Total length against the input, then the model id text; returns the full header."""
    total = header.total_length
    needed = FIXED_HEADER_SIZE + id_length + TRAILER_SIZE
    if total < needed:
        raise _fail(ErrorCode.LENGTH_MISMATCH, 16, "total_length",
                    f"total length {total} is smaller than the header and trailer ({needed} bytes)")
    if len(data) < total:
        raise _fail(ErrorCode.LENGTH_MISMATCH, 16, "total_length",
                    f"the header says {total} bytes but the input has {len(data)} (truncated?)")
    if len(data) > total:
        raise _fail(ErrorCode.TRAILING_BYTES, total, "trailer",
                    f"{len(data) - total} bytes follow the end of the blob (total length {total})")
    model = _model_id(data[FIXED_HEADER_SIZE : FIXED_HEADER_SIZE + id_length])
    return Header(header.format_version, header.flags, header.major, header.minor, total, model)


def check_checksum(data: memoryview, header: Header) -> None:
    """The trailer must be the CRC-32C of every byte before it."""
    stored, computed = stored_checksum(data, header)
    if stored != computed:
        raise DecodeError(ErrorCode.BAD_CHECKSUM, header.trailer_offset, "$.trailer.crc32c",
                          f"CRC-32C is {stored:#010x} but the content's is {computed:#010x}")


def _model_id(raw: memoryview) -> str:
    text = bytes(raw).decode("latin-1")
    if not text.isascii() or not MODEL_ID_PATTERN.fullmatch(text):
        raise _fail(ErrorCode.BAD_MODEL_ID, FIXED_HEADER_SIZE, "model",
                    f"model id {text!r} is not a reverse-DNS model id like org.virtio.net")
    return text


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
