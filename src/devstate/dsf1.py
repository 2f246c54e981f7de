"""The DSF v1 runtime for Python: one module, standard library only.

It is used twice, never copied by hand: the toolkit's wire layer (``devstate.wire``) takes
its error codes and errors, reader limits, CRC-32C and framing constants from here, and
``devstate gen`` copies this file verbatim into the generated package as
``devstate_codecs/_runtime.py`` (drift-checked by ``gen --check``), where every generated
model module imports it. Beyond those shared parts it holds the header and section framing
and the small typed helpers the generated code calls on its exact (error-reporting) paths.
It holds no per-schema knowledge: a generated module passes a ``ModelSpec`` describing its
sections.

CRC-32C: the ``crc32c`` package (hardware accelerated, several GB/s) is used when it is
importable; otherwise a table-driven pure-Python implementation (correct, but about
1000x slower: fine for small blobs, not for large memory regions). ``CRC32C_IMPLEMENTATION``
says which one is in use.

Error positions: generated decoders raise ``Fail`` (code, absolute offset, a path relative
to the function that raised it); callers prefix their part of the path on the way out,
and ``decode``/``encode`` turn it into ``DecodeError``/``EncodeError`` with the full path.
"""

from __future__ import annotations

import itertools
import mmap
import re
import struct
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, fields
from enum import IntEnum, IntFlag
from typing import Any, Generic, NamedTuple, NoReturn, Protocol, TypeVar, cast

Buffer = bytes | bytearray | memoryview
"""What encoders accept for ``bytes`` values (and decoders return: bytes, or a read-only view)."""
Readable = bytes | bytearray | memoryview | mmap.mmap
"""What ``decode`` reads."""
Writable = bytearray | memoryview | mmap.mmap
"""What ``encode_into`` writes into."""

ZERO_COPY_THRESHOLD = 64 * 1024
"""Decoded ``bytes`` values of at least this many bytes are read-only views of the input."""


def module_name(model: str, major: int, minor: int) -> str:
    """The generated module (or C/Rust file stem) of a model version: ``org.virtio.net`` 1.1 →
    ``org_virtio_net_v1_1``, a valid identifier in Python, C and Rust."""
    return re.sub(r"[^a-z0-9]", "_", model) + f"_v{major}_{minor}"


# --- errors ---------------------------------------------------------------------------


class ErrorCode(IntEnum):
    """Stable error codes (name and number) for decoding and encoding DSF blobs.

    The one list of every language's codes (spec/wire-format.md, "Error codes"; the C and
    Rust runtimes' tables are generated from it). Numbers are never reused or renumbered;
    new codes are appended.
    """

    TRUNCATED = 1
    BAD_MAGIC = 2
    UNSUPPORTED_FORMAT_VERSION = 3
    BAD_HEADER_FLAGS = 4
    LENGTH_MISMATCH = 5
    BAD_CHECKSUM = 6
    TRAILING_BYTES = 7
    BAD_MODEL_ID = 8
    MODEL_MISMATCH = 9
    MAJOR_MISMATCH = 10
    SECTION_PAST_END = 11
    BAD_SECTION_FLAGS = 12
    UNKNOWN_SECTION = 13
    DUPLICATE_SECTION = 14
    SECTION_ORDER = 15
    MISSING_SECTION = 16
    SECTION_TRAILING_DATA = 17
    COUNT_OVER_MAX = 18
    LENGTH_OVER_MAX = 19
    COUNT_PAST_END = 20
    BAD_STRIDE = 21
    STRUCT_TOO_SHORT = 22
    NONZERO_TAIL = 23
    BAD_BOOL = 24
    BAD_ENUM = 25
    BAD_FLAGS = 26
    OUT_OF_RANGE = 27
    BAD_UTF8 = 28
    LIMIT_EXCEEDED = 29
    NESTING_TOO_DEEP = 30
    BAD_VENDOR_HEADER = 31
    INVALID_STATE = 32
    BAD_SECTION_ID = 33


class DevstateError(Exception):
    """Root of every error devstate raises on purpose (``devstate.errors.DevstateError``)."""

    code: str = "ERROR"


class WireError(DevstateError):
    """A problem with saved state: ``code`` (name), ``number``, field ``path``, ``message``."""

    def __init__(self, code: ErrorCode, path: str, message: str) -> None:
        self.error_code = code
        self.code = code.name
        self.number = int(code)
        self.path = path
        self.message = message
        super().__init__(str(self))


class DecodeError(WireError):
    """A blob is invalid: ``code``, absolute byte ``offset``, field ``path``, ``message``.

    ``str(error)`` is ``CODE at offset N ($.path): message``.
    """

    def __init__(self, code: ErrorCode, offset: int, path: str, message: str) -> None:
        self.offset = offset
        super().__init__(code, path, message)

    def __str__(self) -> str:
        return f"{self.code} at offset {self.offset} ({self.path}): {self.message}"

    def to_json(self) -> dict[str, object]:
        return {"code": self.code, "number": self.number, "offset": self.offset, "path": self.path,
                "message": self.message}


class EncodeError(WireError):
    """A state cannot be encoded: ``code``, field ``path``, ``message``. ``str``: ``CODE ($.path): message``."""

    def __str__(self) -> str:
        return f"{self.code} ({self.path}): {self.message}"

    def to_json(self) -> dict[str, object]:
        return {"code": self.code, "number": self.number, "path": self.path, "message": self.message}


class Fail(Exception):
    """Internal: an error on its way out of generated code, with a path relative to the raiser."""

    def __init__(self, code: ErrorCode, offset: int, path: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.offset = offset
        self.path = path
        self.message = message

    def decode_error(self, prefix: str) -> DecodeError:
        return DecodeError(self.code, self.offset, prefix + self.path, self.message)

    def encode_error(self, prefix: str) -> EncodeError:
        return EncodeError(self.code, prefix + self.path, self.message)


class Reject(Exception):
    """Internal: a fast encoder found a value it will not write; the exact checker says why."""


# --- limits ---------------------------------------------------------------------------


MAX_NESTING_DEPTH = 16
"""Deepest nesting of structs and arrays a schema may declare and a decoder will follow."""


@dataclass(frozen=True)
class Limits:
    """What a decoder refuses with ``LIMIT_EXCEEDED`` or ``NESTING_TOO_DEEP`` (spec/wire-format.md, "Limits").

    Any limit may be 0 (nothing of that kind is accepted); a negative one is a ``ValueError``.
    """

    max_total_size: int = 1 << 30
    """Largest whole blob (header, sections and trailer) in bytes; checked before reading."""

    max_region_size: int = 256 << 20
    """Largest single counted ``bytes`` value or opaque vendor payload, in bytes."""

    max_depth: int = MAX_NESTING_DEPTH
    """Deepest nesting of values (a section's value is depth 1; each struct or array adds one)."""

    max_sections: int = 4096
    """Most sections in one blob (standard and vendor, known and unknown)."""

    max_unknown_sections: int = 32
    """Most unknown optional sections in one blob (the ones a reader skips and keeps)."""

    def __post_init__(self) -> None:
        for limit in fields(self):
            value = getattr(self, limit.name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                raise ValueError(f"{limit.name} must be an integer of at least 0, not {value!r}")

    def to_json(self) -> dict[str, int]:
        return {limit.name: getattr(self, limit.name) for limit in fields(self)}


DEFAULT_LIMITS = Limits()


# --- CRC-32C --------------------------------------------------------------------------


CRC32C_POLYNOMIAL_REFLECTED = 0x82F63B78
CRC32C_CHECK_VALUE = 0xE3069283
"""``crc32c(b"123456789")`` (spec/wire-format.md, "Checksum")."""


def _crc_table() -> tuple[int, ...]:
    table = []
    for byte in range(256):
        crc = byte
        for _ in range(8):
            crc = (crc >> 1) ^ CRC32C_POLYNOMIAL_REFLECTED if crc & 1 else crc >> 1
        table.append(crc)
    return tuple(table)


_CRC_TABLE = _crc_table()


def crc32c_py(data: Buffer, value: int = 0) -> int:
    """CRC-32C of ``data`` continuing from ``value``, in pure Python (the fallback)."""
    crc = value ^ 0xFFFFFFFF
    table = _CRC_TABLE
    for byte in bytes(data):
        crc = table[(crc ^ byte) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF


class Crc32c(Protocol):
    def __call__(self, data: Buffer, value: int = 0, /) -> int: ...


def _select_crc() -> tuple[Crc32c, str]:
    accelerated = _crc32c_extension()
    if accelerated is None:
        try:
            import crc32c as accelerated  # type: ignore[import-not-found, unused-ignore]
        except ImportError:
            return crc32c_py, "pure-python"
    function: Crc32c = accelerated.crc32c
    return function, "crc32c-hardware" if accelerated.hardware_based else "crc32c-software"


def _crc32c_extension() -> Any:
    """The ``crc32c`` package's compiled module ``_crc32c`` alone, or None.

    The package's ``__init__`` reads its version through ``importlib.metadata``, which costs
    a short command (``devstate inspect``) more than everything else it imports; the
    extension holds the functions used here. None (then the package is imported as usual)
    when the package is absent or not laid out that way.
    """
    import importlib.machinery
    import importlib.util
    import os

    try:
        package = importlib.util.find_spec("crc32c")
        for location in (package.submodule_search_locations or []) if package else []:
            for suffix in importlib.machinery.EXTENSION_SUFFIXES:
                path = os.path.join(location, "_crc32c" + suffix)
                spec = importlib.util.spec_from_file_location("crc32c._crc32c", path)
                if os.path.isfile(path) and spec is not None and spec.loader is not None:
                    module = importlib.util.module_from_spec(spec)
                    spec.loader.exec_module(module)
                    return module if callable(getattr(module, "crc32c", None)) else None
    except (ImportError, OSError, ValueError):
        return None
    return None


crc32c, CRC32C_IMPLEMENTATION = _select_crc()
"""``crc32c(data, value=0)``: the ``crc32c`` package when importable, else ``crc32c_py``."""


# --- header ---------------------------------------------------------------------------

MAGIC = b"\x89DSF\r\n\x1a\n"
FORMAT_VERSION = 1
FIXED_HEADER_SIZE = 25
TRAILER_SIZE = 4
MAX_MODEL_ID_LENGTH = 128
MODEL_ID_PATTERN = re.compile(r"^[a-z][a-z0-9-]*(\.[a-z][a-z0-9-]*)+$")
_HEADER = struct.Struct("<8sHHHHQB")
SECTION = struct.Struct("<HHI")
IntReader = Callable[[memoryview, int], tuple[int]]
U16 = cast(IntReader, struct.Struct("<H").unpack_from)
U32 = cast(IntReader, struct.Struct("<I").unpack_from)
U64 = cast(IntReader, struct.Struct("<Q").unpack_from)
I8 = cast(IntReader, struct.Struct("<b").unpack_from)
I16 = cast(IntReader, struct.Struct("<h").unpack_from)
I32 = cast(IntReader, struct.Struct("<i").unpack_from)
I64 = cast(IntReader, struct.Struct("<q").unpack_from)
U32_PACK = struct.Struct("<I").pack
U32X2_PACK = struct.Struct("<II").pack


def view(buffer: Any) -> memoryview:
    """A read-only, flat byte view of bytes, bytearray, memoryview, mmap or any buffer."""
    data = memoryview(buffer)
    if data.ndim != 1 or data.format != "B":
        try:
            data = data.cast("B")
        except TypeError:
            data = memoryview(data.tobytes())
    return data.toreadonly()


def header_error(code: ErrorCode, offset: int, field: str, message: str) -> DecodeError:
    return DecodeError(code, offset, "$.trailer" if field == "trailer" else f"$.header.{field}", message)


def header_field(blob: memoryview, offset: int, size: int, field: str) -> int:
    """A little-endian unsigned header field, or TRUNCATED inside it."""
    if len(blob) < offset + size:
        raise header_error(ErrorCode.TRUNCATED, offset, field,
                           f"the input ends at byte {len(blob)}, inside the header field {field} "
                           f"({offset}..{offset + size})")
    return int.from_bytes(blob[offset : offset + size], "little")


class Envelope(NamedTuple):
    """What the header says: the writer's version and where the sections are."""

    major: int
    minor: int
    sections_offset: int
    trailer_offset: int


def read_envelope(blob: memoryview, limits: Limits, model: str, major: int, ident: str) -> Envelope:
    """Check the header, lengths, model id, checksum, model and major (spec "Decoding order" 1-5).

    The common case (a well-formed header of the reader's model) is one ``unpack``; anything
    else takes the field-by-field path, which reports the first problem exactly.
    """
    size = len(blob)
    if FIXED_HEADER_SIZE <= size <= limits.max_total_size:
        magic, version, flags, blob_major, blob_minor, total, id_length = _HEADER.unpack_from(blob, 0)
        if (magic == MAGIC and version == FORMAT_VERSION and flags == 0 and blob_major == major
                and total == size and id_length == len(model)
                and blob[FIXED_HEADER_SIZE : FIXED_HEADER_SIZE + id_length] == model.encode("ascii")
                and total >= FIXED_HEADER_SIZE + id_length + TRAILER_SIZE):
            check_checksum(blob, total)
            return Envelope(blob_major, blob_minor, FIXED_HEADER_SIZE + id_length, total - TRAILER_SIZE)
    return _read_envelope_exact(blob, limits, model, major, ident)


def _read_envelope_exact(blob: memoryview, limits: Limits, model: str, major: int, ident: str) -> Envelope:
    if len(blob) > limits.max_total_size:
        raise DecodeError(ErrorCode.LIMIT_EXCEEDED, 0, "$", f"the input is {len(blob)} bytes, over the limit of "
                          f"{limits.max_total_size} (--max-total-size)")
    blob_major, blob_minor, total = read_header_fields(blob)
    if total > limits.max_total_size:
        raise header_error(ErrorCode.LIMIT_EXCEEDED, 16, "total_length",
                           f"total length {total} is over the limit of {limits.max_total_size} bytes "
                           "(--max-total-size)")
    id_length = read_model_id_length(blob)
    check_lengths(blob, total, id_length)
    check_checksum(blob, total)
    blob_model = bytes(blob[FIXED_HEADER_SIZE : FIXED_HEADER_SIZE + id_length]).decode("ascii")
    if blob_model != model:
        raise header_error(ErrorCode.MODEL_MISMATCH, FIXED_HEADER_SIZE, "model",
                           f"the blob holds {blob_model} state; the reader's schema is {ident}")
    if blob_major != major:
        raise header_error(ErrorCode.MAJOR_MISMATCH, 12, "major",
                           f"the blob was written with {model}@{blob_major}.{blob_minor}; a {ident} reader reads "
                           f"major version {major} only")
    return Envelope(blob_major, blob_minor, FIXED_HEADER_SIZE + id_length, total - TRAILER_SIZE)


# The exact header checks, in the spec's order. The toolkit's reader (devstate.wire.header)
# runs the same steps; only the size limits are checked by each caller (their messages name
# the caller's own setting).


def read_header_fields(blob: memoryview) -> tuple[int, int, int]:
    """Magic, format version and flags checked, then major, minor and total length read."""
    prefix = bytes(blob[:8])
    if prefix != MAGIC[: len(prefix)]:
        raise header_error(ErrorCode.BAD_MAGIC, 0, "magic",
                           f"not a DSF blob: the magic is {prefix.hex(' ')}, expected {MAGIC.hex(' ')}")
    if len(blob) < len(MAGIC):
        raise header_error(ErrorCode.TRUNCATED, 0, "magic", f"the input ends at byte {len(blob)}, inside the magic")
    version = header_field(blob, 8, 2, "format_version")
    if version != FORMAT_VERSION:
        raise header_error(ErrorCode.UNSUPPORTED_FORMAT_VERSION, 8, "format_version",
                           f"format version {version} is not supported (this reader knows DSF {FORMAT_VERSION})")
    flags = header_field(blob, 10, 2, "flags")
    if flags != 0:
        raise header_error(ErrorCode.BAD_HEADER_FLAGS, 10, "flags", f"header flags are {flags:#06x}; DSF v1 requires 0")
    return (header_field(blob, 12, 2, "major"), header_field(blob, 14, 2, "minor"),
            header_field(blob, 16, 8, "total_length"))


def read_model_id_length(blob: memoryview) -> int:
    id_length = header_field(blob, 24, 1, "model_id_length")
    if not 1 <= id_length <= MAX_MODEL_ID_LENGTH:
        raise header_error(ErrorCode.BAD_MODEL_ID, 24, "model_id_length",
                           f"model id length {id_length} is not in 1..{MAX_MODEL_ID_LENGTH}")
    return id_length


def check_lengths(blob: memoryview, total: int, id_length: int) -> None:
    """Total length against the input, then the model id text."""
    needed = FIXED_HEADER_SIZE + id_length + TRAILER_SIZE
    if total < needed:
        raise header_error(ErrorCode.LENGTH_MISMATCH, 16, "total_length",
                           f"total length {total} is smaller than the header and trailer ({needed} bytes)")
    if len(blob) < total:
        raise header_error(ErrorCode.LENGTH_MISMATCH, 16, "total_length",
                           f"the header says {total} bytes but the input has {len(blob)} (truncated?)")
    if len(blob) > total:
        raise header_error(ErrorCode.TRAILING_BYTES, total, "trailer",
                           f"{len(blob) - total} bytes follow the end of the blob (total length {total})")
    text = bytes(blob[FIXED_HEADER_SIZE : FIXED_HEADER_SIZE + id_length]).decode("latin-1")
    if not text.isascii() or not MODEL_ID_PATTERN.fullmatch(text):
        raise header_error(ErrorCode.BAD_MODEL_ID, FIXED_HEADER_SIZE, "model",
                           f"model id {text!r} is not a reverse-DNS model id like org.virtio.net")


def check_checksum(blob: memoryview, total: int) -> None:
    """The trailer must be the CRC-32C of every byte before it."""
    stored = int.from_bytes(blob[total - TRAILER_SIZE : total], "little")
    computed = crc32c(blob[: total - TRAILER_SIZE], 0)
    if stored != computed:
        raise DecodeError(ErrorCode.BAD_CHECKSUM, total - TRAILER_SIZE, "$.trailer.crc32c",
                          f"CRC-32C is {stored:#010x} but the content's is {computed:#010x}")


def header_bytes(model: str, major: int, minor: int, total: int) -> bytes:
    model_bytes = model.encode("ascii")
    return _HEADER.pack(MAGIC, FORMAT_VERSION, 0, major, minor, total, len(model_bytes)) + model_bytes


# --- sections -------------------------------------------------------------------------

FLAG_OPTIONAL = 1
FLAG_VENDOR = 2
SECTION_HEADER_SIZE = 8
VENDOR_HEADER_SIZE = 18
MAX_SECTION_ID = 0x7FFF


class Frame(NamedTuple):
    """One framed section: offset, id, flags, payload [start, end), vendor namespace or None."""

    offset: int
    id: int
    flags: int
    start: int
    end: int
    vendor: str | None
    key: tuple[int, bytes, int]

    @property
    def label(self) -> str:
        return f"$.sections[id={self.id}]" if self.vendor is None else f"$.vendor_sections[{self.vendor}#{self.id}]"


def frames(blob: memoryview, offset: int, end: int, limits: Limits) -> Iterator[Frame]:
    """Each section in order, with the section count, framing, vendor header, order and duplicate checks."""
    previous: Frame | None = None
    count = 0
    while offset < end:
        if count >= limits.max_sections:
            raise DecodeError(ErrorCode.LIMIT_EXCEEDED, offset, "$.sections",
                              f"a section at offset {offset} is over the limit of {limits.max_sections} sections "
                              "per blob (max_sections)")
        count += 1
        frame = _frame(blob, offset, end)
        if previous is not None:
            _check_order(previous, frame)
        yield frame
        previous = frame
        offset = frame.end


def _frame(blob: memoryview, offset: int, end: int) -> Frame:
    if end - offset < SECTION_HEADER_SIZE:
        raise DecodeError(ErrorCode.SECTION_PAST_END, offset, "$.sections",
                          f"{end - offset} bytes before the trailer cannot hold a section header (8 bytes)")
    section_id, flags, length = SECTION.unpack_from(blob, offset)
    path = f"$.sections[id={section_id}]"
    if not 1 <= section_id <= MAX_SECTION_ID:
        raise DecodeError(ErrorCode.BAD_SECTION_ID, offset, path,
                          f"section id {section_id} is not in 1..{MAX_SECTION_ID}")
    if flags & ~(FLAG_OPTIONAL | FLAG_VENDOR):
        raise DecodeError(ErrorCode.BAD_SECTION_FLAGS, offset + 2, path,
                          f"section flags {flags:#06x} have undefined bits (only OPTIONAL=1 and VENDOR=2 exist)")
    start = offset + SECTION_HEADER_SIZE
    if start + length > end:
        raise DecodeError(ErrorCode.SECTION_PAST_END, offset + 4, path,
                          f"payload of {length} bytes runs past the trailer at offset {end}")
    if not flags & FLAG_VENDOR:
        return Frame(offset, section_id, flags, start, start + length, None, (0, b"", section_id))
    vendor, raw = _vendor(blob, start, length, section_id)
    return Frame(offset, section_id, flags, start + VENDOR_HEADER_SIZE, start + length, vendor, (1, raw, section_id))


def _vendor(blob: memoryview, at: int, length: int, section_id: int) -> tuple[str, bytes]:
    path = f"$.vendor_sections[id={section_id}]"
    if length < VENDOR_HEADER_SIZE:
        raise DecodeError(ErrorCode.BAD_VENDOR_HEADER, at, path,
                          f"vendor section payload of {length} bytes cannot hold the 18-byte vendor header")
    raw = bytes(blob[at : at + VENDOR_HEADER_SIZE])
    kind, namespace = int.from_bytes(raw[:2], "little"), raw[2:]
    if kind == 2:
        return f"uuid:{uuid.UUID(bytes=namespace)}", raw
    if kind != 1:
        raise DecodeError(ErrorCode.BAD_VENDOR_HEADER, at, path,
                          f"vendor namespace kind {kind} is not 1 (PCI) or 2 (UUID)")
    pci = int.from_bytes(namespace[:2], "little")
    if not 1 <= pci <= 0xFFFE or any(namespace[2:]):
        raise DecodeError(ErrorCode.BAD_VENDOR_HEADER, at + 2, path,
                          f"PCI namespace {namespace.hex()} must be a vendor id 0x0001..0xfffe and 14 zero bytes")
    return f"pci:{pci:#06x}", raw


def _check_order(previous: Frame, frame: Frame) -> None:
    if frame.key == previous.key:
        raise DecodeError(ErrorCode.DUPLICATE_SECTION, frame.offset, frame.label,
                          f"section {_describe(frame)} appears twice (first at offset {previous.offset})")
    if frame.key < previous.key:
        raise DecodeError(ErrorCode.SECTION_ORDER, frame.offset, frame.label,
                          f"section {_describe(frame)} follows section {_describe(previous)}; standard sections "
                          "come first by increasing id, then vendor sections by namespace and id")


def _describe(frame: Frame) -> str:
    return str(frame.id) if frame.vendor is None else f"{frame.vendor}#{frame.id}"


def vendor_header(vendor: str) -> bytes:
    """The 18-byte vendor header of ``pci:0x1af4`` or ``uuid:<uuid>``; ValueError if malformed."""
    kind, _, value = vendor.partition(":")
    if kind == "pci":
        pci = int(value, 0)
        if not 1 <= pci <= 0xFFFE:
            raise ValueError(f"PCI vendor id {value} is not in 0x0001..0xfffe")
        return struct.pack("<HH14x", 1, pci)
    if kind == "uuid":
        return struct.pack("<H", 2) + uuid.UUID(value).bytes
    raise ValueError(f"vendor namespace {vendor!r} is not pci:0xNNNN or uuid:...")


def vendor_name(vendor: str) -> str:
    """The canonical spelling of a vendor namespace (``pci:0x1af4``, ``uuid:<lower-case uuid>``)."""
    raw = vendor_header(vendor)
    if raw[0] == 1:
        return f"pci:{int.from_bytes(raw[2:4], 'little'):#06x}"
    return f"uuid:{uuid.UUID(bytes=raw[2:])}"


@dataclass(slots=True)
class UnknownSection:
    """An optional section the reader did not know; written back unchanged by ``encode``."""

    id: int
    flags: int
    payload: Buffer
    vendor: str | None = None
    """``pci:0x1af4`` or ``uuid:<uuid>`` for a vendor section (flags then include VENDOR)."""


def region(blob: memoryview, start: int, end: int) -> Buffer:
    """``bytes`` below ZERO_COPY_THRESHOLD, else a read-only view of the input (zero copy)."""
    return blob[start:end] if end - start >= ZERO_COPY_THRESHOLD else bytes(blob[start:end])


# --- the model description every generated module passes --------------------------------

StateT = TypeVar("StateT")
Decoder = Callable[[memoryview, int, int, int, int], Any]
"""``decode(b, start, end, depth_left, region_limit) -> value`` of a section payload."""
Encoder = Callable[[Any, list[Buffer]], int]
"""``encode(value, out) -> size``: appends the payload's pieces to ``out``."""


class SectionSpec:
    """One section of a model: its id, names, codec functions and state conversions."""

    def __init__(self, section_id: int, name: str, attr: str, optional: bool, decode: Decoder, encode: Encoder,
                 to_state: Callable[[Any], Any], from_state: Callable[[Any, str], Any],
                 vendor: str | None = None) -> None:
        self.id = section_id
        self.name = name
        self.attr = attr
        self.optional = optional
        self.decode = decode
        self.encode = encode
        self.to_state = to_state
        self.from_state = from_state
        self.vendor = vendor
        self.vendor_raw = b"" if vendor is None else vendor_header(vendor)
        self.flags = (FLAG_OPTIONAL if optional else 0) | (FLAG_VENDOR if vendor is not None else 0)
        self.path = f"$.vendor_sections.{name}" if vendor else f"$.sections.{name}"
        self.key = (0, b"", section_id) if vendor is None else (1, self.vendor_raw, section_id)


class ModelSpec(Generic[StateT]):
    """A generated module's model: name, version, sections and how to build its ``State``."""

    def __init__(self, model: str, major: int, minor: int, state_class: type[Any], vendor_class: type[Any],
                 sections: tuple[SectionSpec, ...], vendor_sections: tuple[SectionSpec, ...]) -> None:
        self.model = model
        self.major = major
        self.minor = minor
        self.state_class = state_class
        """The generated ``State`` dataclass (``StateT``)."""
        self.vendor_class = vendor_class
        self.sections = sections
        """Standard sections in id order."""
        self.vendor_sections = vendor_sections
        """Vendor sections in declaration order (the order of the missing-section check)."""
        self.version = f"{major}.{minor}"
        self.ident = f"{model}@{self.version}"
        self.by_id = {section.id: section for section in sections}
        self.by_vendor = {(section.vendor, section.id): section for section in vendor_sections}
        self.known = {section.key for section in sections + vendor_sections}
        self.vendor_order = tuple(sorted(vendor_sections, key=lambda section: section.key))


# --- decode ---------------------------------------------------------------------------


def decode(spec: ModelSpec[StateT], buffer: Any, limits: Limits) -> StateT:
    """Decode a whole blob with the model ``spec`` (spec/wire-format.md, "Decoding order")."""
    blob = view(buffer)
    envelope = read_envelope(blob, limits, spec.model, spec.major, spec.ident)
    values: dict[str, Any] = {}
    vendor_values: dict[str, Any] = {}
    unknown: list[UnknownSection] = []
    depth, limit = limits.max_depth - 1, limits.max_region_size
    for frame in frames(blob, envelope.sections_offset, envelope.trailer_offset, limits):
        section = spec.by_id.get(frame.id) if frame.vendor is None else spec.by_vendor.get((frame.vendor, frame.id))
        if section is None:
            unknown.append(_unknown(blob, frame, spec, len(unknown), limits))
            continue
        if bool(frame.flags & FLAG_OPTIONAL) != section.optional:
            raise _optional_flag(frame, section, spec)
        if depth < 0:
            raise DecodeError(ErrorCode.NESTING_TOO_DEEP, frame.start, section.path, too_deep_message(limits.max_depth))
        try:
            value = section.decode(blob, frame.start, frame.end, depth, limit)
        except Fail as fail:
            raise _payload_error(fail, section, envelope, spec, limits) from None
        if section.vendor is None:
            values[section.attr] = value
        else:
            vendor_values[section.attr] = value
    if len(values) != len(spec.sections) or len(vendor_values) != len(spec.vendor_sections):
        _check_missing(spec, values, vendor_values, envelope.trailer_offset)
    made = spec.state_class(**values, vendor_sections=spec.vendor_class(**vendor_values), unknown_sections=unknown)
    return cast(StateT, made)


def _unknown(blob: memoryview, frame: Frame, spec: ModelSpec[Any], kept: int, limits: Limits) -> UnknownSection:
    if not frame.flags & FLAG_OPTIONAL:
        what = f"section id {frame.id}" if frame.vendor is None else f"vendor section {frame.vendor} id {frame.id}"
        raise DecodeError(ErrorCode.UNKNOWN_SECTION, frame.offset, frame.label,
                          f"{what} is unknown to {spec.ident} and not marked OPTIONAL; the reader cannot load "
                          "this state without understanding it")
    if kept >= limits.max_unknown_sections:
        raise DecodeError(ErrorCode.LIMIT_EXCEEDED, frame.offset, frame.label,
                          f"unknown optional section {_describe(frame)} is over the limit of "
                          f"{limits.max_unknown_sections} unknown sections per blob (max_unknown_sections)")
    return UnknownSection(frame.id, frame.flags, region(blob, frame.start, frame.end), frame.vendor)


def _optional_flag(frame: Frame, section: SectionSpec, spec: ModelSpec[Any]) -> DecodeError:
    should = "set" if section.optional else "clear"
    declared = "optional" if section.optional else "required"
    return DecodeError(ErrorCode.BAD_SECTION_FLAGS, frame.offset + 2, section.path,
                       f"the OPTIONAL flag must be {should}: {spec.ident} declares the section {declared}")


def _payload_error(fail: Fail, section: SectionSpec, envelope: Envelope, spec: ModelSpec[Any],
                   limits: Limits) -> DecodeError:
    """The decode error of a failure inside a section's payload, its message completed with what only
    the model and the reader know (the reference codec's words)."""
    if fail.code == ErrorCode.NONZERO_TAIL:
        fail.message += (f" known to {spec.ident}; the blob was written with version {envelope.major}."
                         f"{envelope.minor}, which a reader of that version or later understands")
    elif fail.code == ErrorCode.NESTING_TOO_DEEP:
        fail.message = too_deep_message(limits.max_depth)
    return fail.decode_error(section.path)


def _check_missing(spec: ModelSpec[Any], values: dict[str, Any], vendor: dict[str, Any], at: int) -> None:
    for section in spec.sections:
        if not section.optional and section.attr not in values:
            raise DecodeError(ErrorCode.MISSING_SECTION, at, section.path,
                              f"required section {section.name!r} (id {section.id}) of {spec.ident} is absent")
    for section in spec.vendor_sections:
        if not section.optional and section.attr not in vendor:
            raise DecodeError(ErrorCode.MISSING_SECTION, at, section.path,
                              f"required vendor section {section.name!r} ({section.vendor} id {section.id}) "
                              f"of {spec.ident} is absent")


# --- decode helpers (exact errors) ----------------------------------------------------


def too_short(at: int, end: int, path: str, struct_name: str, field: str, need: int) -> Fail:
    where = "inside" if end - at else "before"
    return Fail(ErrorCode.STRUCT_TOO_SHORT, at, path,
                f"the body of {struct_name} ends at offset {end}, {where} field {field!r} "
                f"(needs at least {need} bytes, {end - at} remain)")


def too_deep(at: int, path: str) -> Fail:
    """The first value over the depth limit (``decode`` words the message with the limit, ``too_deep_message``)."""
    return Fail(ErrorCode.NESTING_TOO_DEEP, at, path, "the value nests deeper than the reader's max_depth")


def too_deep_message(limit: int) -> str:
    """The first value over ``max_depth`` is one level deeper than the limit."""
    return f"value nests {limit + 1} levels deep; the limit is {limit}"


def truncated(at: int, end: int, path: str, what: str, size: int) -> Fail:
    return Fail(ErrorCode.TRUNCATED, at, path, f"{what} needs {size} bytes but only {end - at} remain in its container")


def prefix(blob: memoryview, at: int, end: int, path: str, what: str) -> int:
    """A u32 count, length, size or stride at ``at``, or TRUNCATED when it does not fit."""
    if end - at < 4:
        raise truncated(at, end, path, what, 4)
    value: int = U32(blob, at)[0]
    return value


def check_tail(blob: memoryview, at: int, end: int, struct_name: str) -> None:
    """The bytes after a struct's last known field must be zero (a newer writer's defaults)."""
    tail = bytes(blob[at:end])
    stripped = tail.lstrip(b"\x00")
    if stripped:
        first = at + len(tail) - len(stripped)
        raise Fail(ErrorCode.NONZERO_TAIL, first, "",
                   f"non-zero data in the {len(tail)}-byte tail after the last field of {struct_name}")


def bad_stride(at: int, path: str, stride: int, struct_name: str, body: int) -> Fail:
    return Fail(ErrorCode.BAD_STRIDE, at, path,
                f"stride {stride} is not a valid size for {struct_name} (body {body} bytes; shorter strides "
                "must end after a base field, at an appended field's offset)")


def count_over_max(at: int, path: str, count: int, maximum: int) -> Fail:
    return Fail(ErrorCode.COUNT_OVER_MAX, at, path, f"count {count} is over the declared max {maximum}")


def count_past_end(at: int, path: str, count: int, size: int, remaining: int, stride: bool = False) -> Fail:
    """``size`` is the array's stride (``stride``: an array of structs) or its elements' minimum size."""
    what = "stride" if stride else "minimum element size"
    return Fail(ErrorCode.COUNT_PAST_END, at, path,
                f"{count} elements × {what} {size} = {count * size} bytes run past the end of the container "
                f"({remaining} bytes remain)")


def struct_past_end(at: int, path: str, size: int, remaining: int) -> Fail:
    return Fail(ErrorCode.TRUNCATED, at, path,
                f"struct size {size} runs past the end of its container ({remaining} bytes remain)")


def out_of_range(at: int, path: str, value: int, low: int, high: int) -> Fail:
    return Fail(ErrorCode.OUT_OF_RANGE, at, path, f"{value} is outside {low}..{high}")


def bad_bool(at: int, path: str, value: int) -> Fail:
    return Fail(ErrorCode.BAD_BOOL, at, path, f"bool byte is {value}; only 0 and 1 are valid")


def bad_enum(at: int, path: str, value: int, name: str) -> Fail:
    return Fail(ErrorCode.BAD_ENUM, at, path, f"{value} is not a value of the closed enum {name}")


def bad_flags(at: int, path: str, value: int, undeclared: int, name: str) -> Fail:
    return Fail(ErrorCode.BAD_FLAGS, at, path,
                f"undeclared bits {value & undeclared:#x} are set in {name} ({value:#x})")


def trailing(at: int, end: int) -> Fail:
    return Fail(ErrorCode.SECTION_TRAILING_DATA, at, "",
                f"{end - at} bytes follow the section's value inside its payload")


def _counted(blob: memoryview, at: int, end: int, maximum: int, limit: int, path: str) -> int:
    length = prefix(blob, at, end, path, "the length of bytes")
    if length > maximum:
        raise Fail(ErrorCode.LENGTH_OVER_MAX, at, path, f"length {length} is over the declared max {maximum}")
    if length > limit:
        raise Fail(ErrorCode.LIMIT_EXCEEDED, at, path, f"a region of {length} bytes is over the limit of {limit} "
                   "(--max-region-size)")
    if length > end - at - 4:
        raise Fail(ErrorCode.TRUNCATED, at, path,
                   f"length {length} runs past the end of its container ({end - at - 4} bytes remain)")
    return length


def read_bytes(blob: memoryview, at: int, end: int, maximum: int, limit: int, path: str) -> tuple[bytes, int]:
    """Counted bytes (declared max under ZERO_COPY_THRESHOLD): u32 length, checked, then a copy."""
    length = _counted(blob, at, end, maximum, limit, path)
    return bytes(blob[at + 4 : at + 4 + length]), at + 4 + length


def read_region(blob: memoryview, at: int, end: int, maximum: int, limit: int, path: str) -> tuple[Buffer, int]:
    """Counted bytes that may be large: a read-only view of the input from ZERO_COPY_THRESHOLD up."""
    length = _counted(blob, at, end, maximum, limit, path)
    return region(blob, at + 4, at + 4 + length), at + 4 + length


def read_str(blob: memoryview, at: int, end: int, maximum: int, path: str) -> tuple[str, int]:
    """A string at ``at``: u32 length (max, container), then UTF-8."""
    length = prefix(blob, at, end, path, "the length of string")
    if length > maximum:
        raise Fail(ErrorCode.LENGTH_OVER_MAX, at, path, f"length {length} is over the declared max {maximum}")
    if length > end - at - 4:
        raise Fail(ErrorCode.TRUNCATED, at, path,
                   f"length {length} runs past the end of its container ({end - at - 4} bytes remain)")
    at += 4
    try:
        return str(blob[at : at + length], "utf-8"), at + length
    except UnicodeDecodeError as exc:
        raise Fail(ErrorCode.BAD_UTF8, at + exc.start, path, f"string is not valid UTF-8: {exc.reason}") from None


def _opaque_size(at: int, end: int, maximum: int, limit: int) -> None:
    if end - at > maximum:
        raise Fail(ErrorCode.LENGTH_OVER_MAX, at, "", f"opaque payload of {end - at} bytes is over the declared max "
                   f"{maximum}")
    if end - at > limit:
        raise Fail(ErrorCode.LIMIT_EXCEEDED, at, "", f"a region of {end - at} bytes is over the limit of {limit} "
                   "(--max-region-size)")


def read_opaque(blob: memoryview, at: int, end: int, maximum: int, limit: int) -> Buffer:
    """An opaque vendor payload: the rest of the section, at most ``maximum`` bytes (a view from 64 KiB)."""
    _opaque_size(at, end, maximum, limit)
    return region(blob, at, end)


def read_small_opaque(blob: memoryview, at: int, end: int, maximum: int, limit: int) -> bytes:
    """An opaque vendor payload whose declared max is under ZERO_COPY_THRESHOLD."""
    _opaque_size(at, end, maximum, limit)
    return bytes(blob[at:end])


def unpack(fmt: str, count: int, blob: memoryview, at: int) -> tuple[Any, ...]:
    """``count`` items of the one-item format ``fmt`` at ``at`` (a counted array's elements)."""
    return struct.unpack_from(f"<{count}{fmt}" if fmt[-1] != "s" else "<" + fmt * count, blob, at)


def _index(flat: int, dims: tuple[int, ...]) -> str:
    parts = []
    for size in reversed(dims):
        flat, rest = divmod(flat, size)
        parts.append(f"[{rest}]")
    return "".join(reversed(parts))


def check_ints(values: Sequence[int], low: int, high: int, at: int, size: int, path: str,
               dims: tuple[int, ...]) -> None:
    """Every integer in ``low..high``, else OUT_OF_RANGE at the first one outside."""
    if values and (min(values) < low or max(values) > high):
        index = next(position for position, value in enumerate(values) if not low <= value <= high)
        raise Fail(ErrorCode.OUT_OF_RANGE, at + index * size, path + _index(index, dims),
                   f"{values[index]} is outside {low}..{high}")


def check_bools(values: Sequence[int], at: int, path: str, dims: tuple[int, ...]) -> None:
    if values and max(values) > 1:
        index = next(position for position, value in enumerate(values) if value > 1)
        raise Fail(ErrorCode.BAD_BOOL, at + index, path + _index(index, dims),
                   f"bool byte is {values[index]}; only 0 and 1 are valid")


def check_enum(values: Sequence[int], declared: frozenset[int], at: int, size: int, path: str,
               dims: tuple[int, ...], name: str) -> None:
    if not declared.issuperset(values):
        index = next(position for position, value in enumerate(values) if value not in declared)
        raise Fail(ErrorCode.BAD_ENUM, at + index * size, path + _index(index, dims),
                   f"{values[index]} is not a value of the closed enum {name}")


def check_flags(values: Sequence[int], undeclared: int, at: int, size: int, path: str,
                dims: tuple[int, ...], name: str) -> None:
    for index, value in enumerate(values):
        if value & undeclared:
            raise Fail(ErrorCode.BAD_FLAGS, at + index * size, path + _index(index, dims),
                       f"undeclared bits {value & undeclared:#x} are set in {name} ({value:#x})")


def any_bits(values: Sequence[int], bits: int) -> bool:
    """Whether any value has one of ``bits`` set (ints or IntFlag members)."""
    return any(int(value) & bits for value in values)


FlagT = TypeVar("FlagT", bound=IntFlag)


def flag(cls: type[FlagT], cache: dict[int, FlagT], value: int) -> FlagT:
    """``cls(value)``, memoised (at most 4096 values per type, so hostile input cannot grow it)."""
    member = cache.get(value)
    if member is None:
        member = cls(value)
        if len(cache) < 4096:
            cache[value] = member
    return member


def exact(decoder: Callable[[memoryview, int, int, int, int], Any], blob: memoryview, start: int, count: int,
          stride: int, depth_left: int, regions_left: int, path: str) -> NoReturn:
    """A fast element path refused an element: decode each exactly until the bad one raises."""
    for index in range(count):
        at = start + index * stride
        try:
            decoder(blob, at, at + stride, depth_left, regions_left)
        except Fail as fail:
            fail.path = f"{path}[{index}]{fail.path}"
            raise
    raise AssertionError("a fast decoder refused an element the exact decoder accepts")


# --- encode ---------------------------------------------------------------------------


def encode_pieces(spec: ModelSpec[Any], state: Any) -> list[Buffer]:
    """A placeholder for the header, then every framed section in canonical order."""
    if not isinstance(state, spec.state_class):
        raise EncodeError(ErrorCode.INVALID_STATE, "$", f"expected a {spec.state_class.__name__}, got "
                          f"{type(state).__name__}")
    unknown = getattr(state, "unknown_sections", None)
    if not isinstance(unknown, list):
        raise EncodeError(ErrorCode.INVALID_STATE, "$.unknown_sections", "expected a list of UnknownSection")
    out: list[Buffer] = [b""]
    holder = getattr(state, "vendor_sections", None)
    if not isinstance(holder, spec.vendor_class):
        raise EncodeError(ErrorCode.INVALID_STATE, "$.vendor_sections", f"expected a {spec.vendor_class.__name__}")
    if not unknown:
        _append_all(spec.sections, state, out, "section")
        _append_all(spec.vendor_order, holder, out, "vendor section", spec.vendor_sections)
        return out
    framed: list[tuple[tuple[int, bytes, int], list[Buffer]]] = []
    for sections, source, what, declared in ((spec.sections, state, "section", spec.sections),
                                             (spec.vendor_order, holder, "vendor section", spec.vendor_sections)):
        single: list[Buffer] = []
        present = _append_all(sections, source, single, what, declared)
        framed += [(section.key, pieces) for section, pieces in present]
    framed += _encode_unknown(spec, unknown)
    framed.sort(key=lambda item: item[0])
    for (key, _), (next_key, _) in itertools.pairwise(framed):
        if key == next_key:
            what = " in one vendor namespace" if key[0] else ""
            raise EncodeError(ErrorCode.DUPLICATE_SECTION, "$.unknown_sections",
                              f"two sections have the same id {key[2]}{what}")
    for _, pieces in framed:
        out += pieces
    return out


def _append_all(sections: tuple[SectionSpec, ...], source: Any, out: list[Buffer], what: str,
                declared: tuple[SectionSpec, ...] | None = None) -> list[tuple[SectionSpec, list[Buffer]]]:
    """Frame every present section into ``out``; MISSING_SECTION for the first absent required one."""
    present = []
    for section in sections:
        value = getattr(source, section.attr)
        if value is not None:
            start = len(out)
            _append(section, value, out)
            present.append((section, out[start:]))
    for section in declared or sections:
        if not section.optional and getattr(source, section.attr) is None:
            raise EncodeError(ErrorCode.MISSING_SECTION, section.path, f"required {what} {section.name!r} is missing")
    return present


def _append(section: SectionSpec, value: Any, out: list[Buffer]) -> None:
    slot = len(out)
    out.append(b"")
    if section.vendor_raw:
        out.append(section.vendor_raw)
    try:
        size = section.encode(value, out) + len(section.vendor_raw)
    except Fail as fail:
        raise fail.encode_error(section.path) from None
    if size > 0xFFFF_FFFF:
        raise EncodeError(ErrorCode.LIMIT_EXCEEDED, section.path,
                          f"a section payload of {size} bytes does not fit a u32 length")
    out[slot] = SECTION.pack(section.id, section.flags, size)


def _encode_unknown(spec: ModelSpec[Any], entries: list[Any]) -> list[tuple[tuple[int, bytes, int], list[Buffer]]]:
    framed: list[tuple[tuple[int, bytes, int], list[Buffer]]] = []
    for index, entry in enumerate(entries):
        path = f"$.unknown_sections[{index}]"
        key, raw = _unknown_key(entry, path)
        if key in spec.known:
            what = f"section id {key[2]}" if not key[0] else f"vendor section {entry.vendor} id {key[2]}"
            raise EncodeError(ErrorCode.INVALID_STATE, path, f"{what} is known to {spec.ident}")
        payload = as_buffer(entry.payload)
        size = len(raw) + len(payload)
        if size > 0xFFFF_FFFF:
            raise EncodeError(ErrorCode.LIMIT_EXCEEDED, path, f"a section payload of {size} bytes does not fit a u32")
        framed.append((key, [SECTION.pack(entry.id, entry.flags, size), raw, payload]))
    return framed


def _unknown_key(entry: Any, path: str) -> tuple[tuple[int, bytes, int], bytes]:
    if not isinstance(entry, UnknownSection):
        raise EncodeError(ErrorCode.INVALID_STATE, path, f"expected an UnknownSection, got {type(entry).__name__}")
    if not _is_int(entry.id) or not 1 <= entry.id <= MAX_SECTION_ID:
        raise EncodeError(ErrorCode.INVALID_STATE, f"{path}.id", f"section id must be an integer 1..{MAX_SECTION_ID}")
    flags = entry.flags
    if not _is_int(flags) or flags & ~3 or bool(flags & FLAG_VENDOR) != (entry.vendor is not None):
        raise EncodeError(ErrorCode.INVALID_STATE, f"{path}.flags", "flags must use only OPTIONAL (1) and VENDOR (2), "
                          "with VENDOR set exactly when vendor is given")
    if not isinstance(entry.payload, bytes | bytearray | memoryview):
        raise EncodeError(ErrorCode.INVALID_STATE, f"{path}.payload",
                          f"expected bytes, got {type(entry.payload).__name__}")
    if entry.vendor is None:
        return (0, b"", entry.id), b""
    try:
        raw = vendor_header(entry.vendor) if isinstance(entry.vendor, str) else b""
    except ValueError as exc:
        raise EncodeError(ErrorCode.INVALID_STATE, f"{path}.vendor", str(exc)) from None
    if not raw:
        raise EncodeError(ErrorCode.INVALID_STATE, f"{path}.vendor", "expected pci:0xNNNN or uuid:...")
    return (1, raw, entry.id), raw


SMALL_BLOB = 1 << 18
"""Blobs up to this size are joined before the CRC (one extra small copy, fewer CRC calls)."""


def seal(spec: ModelSpec[Any], pieces: list[Buffer]) -> int:
    """Put the header in ``pieces[0]``; returns the blob's total length."""
    total = FIXED_HEADER_SIZE + len(spec.model) + TRAILER_SIZE
    for piece in pieces:
        total += len(piece)
    pieces[0] = header_bytes(spec.model, spec.major, spec.minor, total)
    return total


def checksum(pieces: list[Buffer]) -> int:
    crc = 0
    for piece in pieces:
        crc = crc32c(piece, crc)
    return crc


def encode(spec: ModelSpec[Any], state: Any) -> bytes:
    """The canonical blob: every piece (large regions included) is copied once, into the result."""
    pieces = encode_pieces(spec, state)
    if seal(spec, pieces) <= SMALL_BLOB:
        body = b"".join(pieces)
        return body + U32_PACK(crc32c(body, 0))
    pieces.append(U32_PACK(checksum(pieces)))
    return b"".join(pieces)


def encode_into(spec: ModelSpec[Any], state: Any, buffer: Any, offset: int) -> int:
    """Write the blob into ``buffer`` at ``offset``; returns its length (LIMIT_EXCEEDED if it does not fit)."""
    pieces = encode_pieces(spec, state)
    total = seal(spec, pieces)
    out = memoryview(buffer).cast("B")
    if out.readonly:
        raise EncodeError(ErrorCode.INVALID_STATE, "$", "the output buffer is read-only")
    if offset < 0 or len(out) - offset < total:
        raise EncodeError(ErrorCode.LIMIT_EXCEEDED, "$", f"the blob needs {total} bytes; the buffer has "
                          f"{max(len(out) - offset, 0)} from offset {offset}")
    at = offset
    for piece in pieces:
        out[at : at + len(piece)] = piece
        at += len(piece)
    out[at : at + TRAILER_SIZE] = U32_PACK(crc32c(out[offset:at], 0))
    return total


def as_buffer(value: Any) -> Buffer:
    """``bytes``/``bytearray`` as they are, anything else with the buffer protocol as a flat byte view."""
    if type(value) is bytes or type(value) is bytearray:
        return value
    data = memoryview(value)
    return data if data.format == "B" and data.ndim == 1 else data.cast("B")


def pack_items(fmt: str, items: Sequence[Any]) -> bytes:
    """A counted array's elements of the one-item format ``fmt``."""
    return struct.pack(f"<{len(items)}{fmt}", *items)


def u32_size(size: int) -> int:
    if size > 0xFFFF_FFFF:
        raise Fail(ErrorCode.LIMIT_EXCEEDED, 0, "", f"a struct body of {size} bytes does not fit a u32 size")
    return size


def rejected(check: Callable[[Any, str], None], value: Any, exc: BaseException) -> Fail:
    """Why a fast encoder refused ``value``: the exact checker's error, else INVALID_STATE."""
    try:
        check(value, "")
    except Fail as fail:
        return fail
    return Fail(ErrorCode.INVALID_STATE, 0, "", f"cannot encode the value: {exc}")


def flatten(values: Any, dims: tuple[int, ...]) -> list[Any]:
    """A nested fixed array as one flat list; Reject unless every level has its exact length."""
    flat = list(values)
    if len(flat) != dims[0]:
        raise Reject
    for size in dims[1:]:
        rows = flat
        flat = []
        for row in rows:
            if len(row) != size:
                raise Reject
            flat += row
    return flat


# --- exact encode checks (typed values) -------------------------------------------------


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _kind(value: object) -> str:
    return type(value).__name__


def chk_int(value: Any, low: int, high: int, path: str) -> None:
    if not isinstance(value, int):
        raise Fail(ErrorCode.INVALID_STATE, 0, path, f"expected an integer, got {_kind(value)}")
    if not low <= value <= high:
        raise Fail(ErrorCode.OUT_OF_RANGE, 0, path, f"{value} is outside {low}..{high}")


def chk_bool(value: Any, path: str) -> None:
    if not isinstance(value, int) or value not in (0, 1):
        raise Fail(ErrorCode.INVALID_STATE, 0, path, f"expected a bool, got {value!r}")


def chk_enum(value: Any, declared: frozenset[int], is_open: bool, low: int, high: int, name: str,
             path: str) -> None:
    if not isinstance(value, int):
        raise Fail(ErrorCode.INVALID_STATE, 0, path, f"expected a member of enum {name}, got {_kind(value)}")
    if is_open:
        chk_int(value, low, high, path)
    elif value not in declared:
        raise Fail(ErrorCode.BAD_ENUM, 0, path, f"{int(value)} is not a member of enum {name}")


def chk_flags(value: Any, undeclared: int, low: int, high: int, name: str, path: str) -> None:
    chk_int(value, low, high, path)
    if int(value) & undeclared:
        raise Fail(ErrorCode.BAD_FLAGS, 0, path, f"undeclared bits {int(value) & undeclared:#x} are set in {name}")


def over_max(size: int, maximum: int, opaque: bool) -> str:
    """The message of a bytes value (or an opaque vendor payload) over its declared max."""
    if opaque:
        return f"opaque payload of {size} bytes is over the declared max {maximum}"
    return f"length {size} is over the declared max {maximum}"


def chk_bytes(value: Any, length: int | None, maximum: int | None, path: str, opaque: bool = False) -> None:
    try:
        size = len(as_buffer(value))
    except TypeError:
        raise Fail(ErrorCode.INVALID_STATE, 0, path, f"expected bytes, got {_kind(value)}") from None
    if length is not None and size != length:
        raise Fail(ErrorCode.INVALID_STATE, 0, path, f"expected exactly {length} bytes, got {size}")
    if maximum is not None and size > maximum:
        raise Fail(ErrorCode.LENGTH_OVER_MAX, 0, path, over_max(size, maximum, opaque))


def chk_str(value: Any, maximum: int, path: str) -> None:
    if not isinstance(value, str):
        raise Fail(ErrorCode.INVALID_STATE, 0, path, f"expected a string, got {_kind(value)}")
    try:
        size = len(value.encode("utf-8"))
    except UnicodeEncodeError as exc:
        raise Fail(ErrorCode.BAD_UTF8, 0, path, f"string cannot be encoded as UTF-8: {exc.reason}") from None
    if size > maximum:
        raise Fail(ErrorCode.LENGTH_OVER_MAX, 0, path, f"length {size} is over the declared max {maximum}")


def chk_list(value: Any, length: int | None, maximum: int | None, path: str) -> Sequence[Any]:
    if not isinstance(value, list | tuple):
        raise Fail(ErrorCode.INVALID_STATE, 0, path, f"expected a list, got {_kind(value)}")
    if length is not None and len(value) != length:
        raise Fail(ErrorCode.INVALID_STATE, 0, path, f"expected exactly {length} elements, got {len(value)}")
    if maximum is not None and len(value) > maximum:
        raise Fail(ErrorCode.COUNT_OVER_MAX, 0, path, f"{len(value)} elements are over the declared max {maximum}")
    return value


def chk_ints(values: Any, length: int | None, maximum: int | None, low: int, high: int, path: str) -> None:
    for index, value in enumerate(chk_list(values, length, maximum, path)):
        chk_int(value, low, high, f"{path}[{index}]")


def not_instance(value: Any, cls: type, path: str) -> Fail:
    return Fail(ErrorCode.INVALID_STATE, 0, path, f"expected a {cls.__name__}, got {_kind(value)}")


# --- state dictionaries (to_state / from_state) ------------------------------------------


def flag_names(value: int, bits: tuple[tuple[str, int], ...]) -> list[str]:
    """The names of the set bits, in bit order (``bits`` is sorted by bit)."""
    number = int(value)
    return [name for name, bit in bits if number >> bit & 1]


def unknown_to_state(entry: UnknownSection) -> dict[str, Any]:
    state: dict[str, Any] = {"id": entry.id, "flags": entry.flags}
    if entry.vendor is not None:
        state["vendor"] = entry.vendor
    state["payload"] = entry.payload
    return state


def to_state(spec: ModelSpec[Any], state: Any) -> dict[str, Any]:
    """The plain state dict (``devstate.state``) of a typed state."""
    sections = {section.name: section.to_state(getattr(state, section.attr)) for section in spec.sections
                if getattr(state, section.attr) is not None}
    holder = state.vendor_sections
    vendor = {section.name: section.to_state(getattr(holder, section.attr)) for section in spec.vendor_order
              if getattr(holder, section.attr) is not None}
    return {"model": spec.model, "version": spec.version, "sections": sections, "vendor_sections": vendor,
            "unknown_sections": [unknown_to_state(unknown) for unknown in state.unknown_sections]}


def invalid(path: str, message: str) -> EncodeError:
    return EncodeError(ErrorCode.INVALID_STATE, path, message)


def _check_shape(spec: ModelSpec[Any], data: Any) -> None:
    if not isinstance(data, dict):
        raise invalid("$", f"expected a state object, got {_kind(data)}")
    for key in data:
        if key not in ("model", "version", "sections", "vendor_sections", "unknown_sections"):
            raise invalid(f"$.{key}", f"unknown state key {key!r}")
    for key in ("model", "version", "sections"):
        if key not in data:
            raise invalid(f"$.{key}", f"the state has no {key!r}")
    if data["model"] != spec.model:
        raise invalid("$.model", f"the state is for {data['model']!r}, the schema is {spec.ident}")
    if data["version"] != spec.version:
        raise invalid("$.version", f"the state has version {data['version']!r}, the schema is {spec.ident}")
    for key, kind in (("sections", dict), ("vendor_sections", dict), ("unknown_sections", list)):
        if not isinstance(data.get(key, kind()), kind):
            raise invalid(f"$.{key}", f"expected {'an object' if kind is dict else 'a list'}")


def _sections_from_state(sections: tuple[SectionSpec, ...], values: dict[str, Any], key: str,
                         ident: str) -> dict[str, Any]:
    by_name = {spec.name: spec for spec in sections}
    converted: dict[str, Any] = {}
    for name, value in values.items():
        path = f"$.{key}.{name}"
        section = by_name.get(name)
        if section is None:
            what = "vendor section" if key == "vendor_sections" else "section"
            raise invalid(path, f"{ident} has no {what} {name!r}")
        converted[section.attr] = section.from_state(value, path)
    ordered = sorted(sections, key=lambda spec: spec.id) if key == "sections" else list(sections)
    for section in ordered:
        if not section.optional and section.attr not in converted:
            what = "vendor section" if key == "vendor_sections" else "section"
            raise EncodeError(ErrorCode.MISSING_SECTION, section.path, f"required {what} {section.name!r} is missing")
    return converted


def from_state(spec: ModelSpec[StateT], data: Any) -> StateT:
    """A typed state from a plain state dict, with the reference encoder's checks and errors."""
    _check_shape(spec, data)
    values = _sections_from_state(spec.sections, data["sections"], "sections", spec.ident)
    vendor = _sections_from_state(spec.vendor_sections, data.get("vendor_sections", {}), "vendor_sections",
                                  spec.ident)
    unknown = [_unknown_from_state(entry, f"$.unknown_sections[{index}]", spec.known, spec.ident)
               for index, entry in enumerate(data.get("unknown_sections", []))]
    made = spec.state_class(**values, vendor_sections=spec.vendor_class(**vendor), unknown_sections=unknown)
    return cast(StateT, made)


def _unknown_from_state(entry: Any, path: str, known: set[tuple[int, bytes, int]], ident: str) -> UnknownSection:
    if not isinstance(entry, dict):
        raise invalid(path, "expected an object with id, flags and payload")
    extra = set(entry) - {"id", "flags", "vendor", "payload"}
    missing = {"id", "flags", "payload"} - set(entry)
    if extra or missing:
        raise invalid(path, f"unknown key {sorted(extra)[0]!r}" if extra else f"missing key {sorted(missing)[0]!r}")
    section_id, flags, payload = entry["id"], entry["flags"], entry["payload"]
    if not _is_int(section_id) or not 1 <= section_id <= MAX_SECTION_ID:
        raise invalid(f"{path}.id", f"section id must be an integer 1..{MAX_SECTION_ID}")
    if not _is_int(flags) or flags & ~3 or bool(flags & FLAG_VENDOR) != ("vendor" in entry):
        raise invalid(f"{path}.flags", "flags must use only OPTIONAL (1) and VENDOR (2), with VENDOR set exactly "
                      "when vendor is given")
    if not isinstance(payload, bytes | bytearray | memoryview):
        raise invalid(f"{path}.payload", f"expected bytes, got {_kind(payload)}")
    vendor = None
    if "vendor" in entry:
        try:
            vendor = vendor_name(entry["vendor"]) if isinstance(entry["vendor"], str) else None
        except ValueError as exc:
            raise invalid(f"{path}.vendor", str(exc)) from None
        if vendor is None:
            raise invalid(f"{path}.vendor", "expected pci:0xNNNN or uuid:...")
    key = (0, b"", section_id) if vendor is None else (1, vendor_header(vendor), section_id)
    if key in known:
        what = f"section id {section_id}" if vendor is None else f"vendor section {vendor} id {section_id}"
        raise invalid(path, f"{what} is known to {ident}")
    return UnknownSection(section_id, flags, payload, vendor)


def member(data: Any, name: str, path: str, struct_name: str) -> Any:
    """Field ``name`` of a struct's state dict, or INVALID_STATE when it is absent."""
    try:
        return data[name]
    except KeyError:
        raise invalid(f"{path}.{name}", f"missing field {name!r} of struct {struct_name}") from None


def expect_struct(data: Any, fields: tuple[str, ...], struct_name: str, path: str) -> None:
    if not isinstance(data, dict):
        raise invalid(path, f"expected an object for struct {struct_name}, got {_kind(data)}")
    for key in data:
        if key not in fields:
            raise invalid(f"{path}.{key}", f"struct {struct_name} has no field {key!r}")


def to_int(value: Any, low: int, high: int, scalar: str, path: str) -> int:
    """An integer of the scalar type ``scalar`` (``u8``...) in ``low..high``."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise invalid(path, f"expected an integer ({scalar}), got {_kind(value)}")
    return _in_range(value, low, high, path)


def _in_range(value: int, low: int, high: int, path: str) -> int:
    if not low <= value <= high:
        raise EncodeError(ErrorCode.OUT_OF_RANGE, path, f"{value} is outside {low}..{high}")
    return value


def to_bool(value: Any, path: str) -> bool:
    if not isinstance(value, bool):
        raise invalid(path, f"expected a bool, got {_kind(value)}")
    return value


def to_enum(value: Any, members: dict[str, Any], is_open: bool, low: int, high: int, name: str, path: str) -> Any:
    if isinstance(value, str):
        if value not in members:
            raise EncodeError(ErrorCode.BAD_ENUM, path, f"{value!r} is not a member of enum {name}")
        return members[value]
    if is_open and isinstance(value, int) and not isinstance(value, bool):
        return _in_range(value, low, high, path)
    expected = "a member name or an integer" if is_open else "a member name"
    raise invalid(path, f"expected {expected} of enum {name}, got {_kind(value)}")


def to_flags(value: Any, cls: type[FlagT], bits: dict[str, int], name: str, path: str) -> FlagT:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise invalid(path, f"expected a list of bit names of {name}, got {_kind(value)}")
    if len(set(value)) != len(value):
        raise invalid(path, f"a bit of {name} is listed twice")
    number = 0
    for item in value:
        if item not in bits:
            raise EncodeError(ErrorCode.BAD_FLAGS, path, f"{item!r} is not a bit of {name}")
        number |= 1 << bits[item]
    return cls(number)


def _to_buffer(value: Any, length: int | None, maximum: int | None, path: str, opaque: bool) -> Buffer:
    if not isinstance(value, bytes | bytearray | memoryview):
        raise invalid(path, f"expected bytes, got {_kind(value)}")
    data = as_buffer(value)
    if length is not None and len(data) != length:
        raise invalid(path, f"expected exactly {length} bytes, got {len(data)}")
    if maximum is not None and len(data) > maximum:
        raise EncodeError(ErrorCode.LENGTH_OVER_MAX, path, over_max(len(data), maximum, opaque))
    return data


def to_bytes(value: Any, length: int | None, maximum: int | None, path: str, opaque: bool = False) -> bytes:
    """A short ``bytes`` value (copied); ``opaque``: an opaque vendor section's payload."""
    return bytes(_to_buffer(value, length, maximum, path, opaque))


def to_buffer(value: Any, length: int | None, maximum: int | None, path: str, opaque: bool = False) -> Buffer:
    """A ``bytes`` value that may be a large region (not copied); ``opaque``: an opaque vendor section's payload."""
    return _to_buffer(value, length, maximum, path, opaque)


def to_str(value: Any, maximum: int, path: str) -> str:
    if not isinstance(value, str):
        raise invalid(path, f"expected a string, got {_kind(value)}")
    try:
        size = len(value.encode("utf-8"))
    except UnicodeEncodeError as exc:
        raise EncodeError(ErrorCode.BAD_UTF8, path, f"string cannot be encoded as UTF-8: {exc.reason}") from None
    if size > maximum:
        raise EncodeError(ErrorCode.LENGTH_OVER_MAX, path, f"length {size} is over the declared max {maximum}")
    return value


def to_list(value: Any, length: int | None, maximum: int | None, path: str) -> list[Any]:
    if not isinstance(value, list):
        raise invalid(path, f"expected a list, got {_kind(value)}")
    if length is not None and len(value) != length:
        raise invalid(path, f"expected exactly {length} elements, got {len(value)}")
    if maximum is not None and len(value) > maximum:
        raise EncodeError(ErrorCode.COUNT_OVER_MAX, path, f"{len(value)} elements are over the declared max {maximum}")
    return value
