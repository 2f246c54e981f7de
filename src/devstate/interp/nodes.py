"""Construct nodes for DSF values: one ``construct.Construct`` class per IR type kind.

Each node parses from a ``Reader`` (absolute offsets into the whole blob, zero-copy
slices) inside a ``Frame`` (the end of the enclosing container and the nesting depth),
and builds into ``Pieces`` (large byte values kept, not copied). The ``path`` construct
passes down is the JSON path of the value (``$.sections.queues[3].size``). Every rule of
spec/wire-format.md is checked here, in both directions, and every failure is a
``DecodeError``/``EncodeError``: sizes, counts and lengths are checked against the
container before anything is read or allocated.
"""

from __future__ import annotations

import copy
import io
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import construct  # type: ignore[import-untyped]

from devstate import ir
from devstate.dsf1 import ZERO_COPY_THRESHOLD  # bytes at least this long decode as read-only views
from devstate.wire.errors import DecodeError, EncodeError, ErrorCode
from devstate.wire.limits import Limits

PREFIX = construct.Int32ul

_FORMATS: dict[str, Any] = {
    "u8": construct.Int8ul, "u16": construct.Int16ul, "u32": construct.Int32ul, "u64": construct.Int64ul,
    "i8": construct.Int8sl, "i16": construct.Int16sl, "i32": construct.Int32sl, "i64": construct.Int64sl,
    "bool": construct.Int8ul,
}


# --- decoding context -------------------------------------------------------------------


@dataclass
class TraceEntry:
    """One decoded value: its path, where it starts and ends, and the value."""

    path: str
    offset: int
    end: int = -1
    value: Any = None


@dataclass
class Trace:
    """Every value a decode visits, in pre-order (for ``devstate decode``'s tree)."""

    entries: list[TraceEntry] = field(default_factory=list)

    def enter(self, path: str, offset: int) -> int:
        self.entries.append(TraceEntry(path, offset))
        return len(self.entries) - 1

    def leave(self, index: int, end: int, value: Any) -> None:
        self.entries[index].end = end
        self.entries[index].value = value


@dataclass(frozen=True)
class Session:
    """What one decode call shares: limits, the blob's schema version, the trace."""

    limits: Limits
    data_version: ir.Version
    reader: str
    trace: Trace | None = None


@dataclass(frozen=True)
class Frame:
    """The enclosing container's end (absolute offset) and the depth of the value read."""

    end: int
    depth: int
    session: Session

    def inner(self, end: int | None = None) -> Frame:
        return Frame(self.end if end is None else end, self.depth + 1, self.session)


class Reader:
    """A stream over the blob with absolute positions; ``read`` returns zero-copy slices."""

    def __init__(self, data: memoryview) -> None:
        self.data = data
        self.pos = 0

    def read(self, size: int) -> memoryview:
        chunk = self.data[self.pos : self.pos + size]
        self.pos += len(chunk)
        return chunk

    def tell(self) -> int:
        return self.pos

    def seek(self, pos: int, whence: int = 0) -> int:
        self.pos = pos
        return pos


def _need(stream: Reader, frame: Frame, size: int, path: str, what: str) -> int:
    """Raise TRUNCATED unless ``size`` bytes of ``what`` fit before the container ends."""
    pos = stream.tell()
    if pos + size > frame.end:
        raise DecodeError(ErrorCode.TRUNCATED, pos, path,
                          f"{what} needs {size} bytes but only {frame.end - pos} remain in its container")
    return pos


def _read_prefix(stream: Reader, frame: Frame, path: str, what: str) -> tuple[int, int]:
    """Read a u32 count/length/size/stride; returns (offset, value)."""
    pos = _need(stream, frame, 4, path, what)
    return pos, int(PREFIX._parsereport(stream, frame, path))


def _type_name(obj: object) -> str:
    return type(obj).__name__


def _invalid(path: str, message: str) -> EncodeError:
    return EncodeError(ErrorCode.INVALID_STATE, path, message)


Buffer = bytes | bytearray | memoryview


class Pieces:
    """What a node builds into: an encoded value as a list of buffers, its length ``tell()``.

    Small writes (scalars, prefixes, strings: construct calls ``write``) are gathered in one
    ``BytesIO``; a byte value of ``LARGE`` bytes or more (``write_value``) is kept as the
    object written, not copied, so a 64 MiB region is in memory once while its section, and
    the blob, are built from it (spec/security.md, "Amplification"). The nodes give it only
    values that cannot change before the pieces are joined or written (``stable_bytes``:
    ``bytes``, views of read-only objects; a ``bytearray`` is copied).
    """

    LARGE = 4096

    def __init__(self) -> None:
        self.parts: list[Buffer] = []
        self.kept = 0
        """The bytes in ``parts``."""
        self._start_small()

    def _start_small(self) -> None:
        self.small = io.BytesIO()
        # bound to the C method: every scalar of a state is written here, a Python method per
        # write made the reference encoder 15-25% slower on small states
        self.write: Callable[[Buffer], int] = self.small.write

    def write_value(self, data: Buffer) -> None:
        """A byte value, or a nested value's buffer: kept uncopied from ``LARGE`` bytes on."""
        if len(data) < self.LARGE:
            self.write(data)
            return
        if self.small.tell():
            self.parts.append(self.small.getvalue())
            self.kept += self.small.tell()
            self._start_small()
        self.parts.append(data)
        self.kept += len(data)

    def tell(self) -> int:
        return self.kept + self.small.tell()

    @property
    def size(self) -> int:
        return self.tell()

    def buffers(self) -> list[Buffer]:
        """The value's buffers in order (after the last write)."""
        return [*self.parts, self.small.getvalue()] if self.small.tell() else list(self.parts)


# --- the node family --------------------------------------------------------------------


class Node(construct.Construct):  # type: ignore[misc]
    """A DSF value codec. ``min_size`` is the minimum encoded size (spec, "Minimum sizes")."""

    min_size: int = 1

    def _parsereport(self, stream: Reader, context: Frame, path: str) -> Any:
        if context.depth > context.session.limits.max_depth:
            raise DecodeError(ErrorCode.NESTING_TOO_DEEP, stream.tell(), path,
                              f"value nests {context.depth} levels deep; the limit is "
                              f"{context.session.limits.max_depth}")
        trace = context.session.trace
        if trace is None:
            return self._parse(stream, context, path)
        index = trace.enter(path, stream.tell())
        value = self._parse(stream, context, path)
        trace.leave(index, stream.tell(), value)
        return value

    def _sizeof(self, context: Any, path: str) -> int:
        raise construct.SizeofError("DSF values have no static size", path=path)

    def encode(self, obj: Any, path: str) -> Pieces:
        """The encoded value as ``Pieces`` (joined once per blob by the caller)."""
        stream = Pieces()
        self._build(obj, stream, None, path)
        return stream


class ScalarNode(Node):
    """u8..u64, i8..i64 and bool, with the field's min/max (if any) as extra bounds."""

    def __init__(self, name: str, low: int | None = None, high: int | None = None) -> None:
        super().__init__()
        self.name = name
        self.format = _FORMATS[name]
        self.min_size = ir.SCALAR_SIZES[name]
        type_low, type_high = ir.scalar_range(name)
        self.type_range = (type_low, type_high)
        self.low = type_low if low is None else max(low, type_low)
        self.high = type_high if high is None else min(high, type_high)

    def _parse(self, stream: Reader, context: Frame, path: str) -> int | bool:
        pos = _need(stream, context, self.min_size, path, self.name)
        value = int(self.format._parsereport(stream, context, path))
        if self.name == "bool":
            if value > 1:
                raise DecodeError(ErrorCode.BAD_BOOL, pos, path, f"bool byte is {value}; only 0 and 1 are valid")
            return value == 1
        if not self.low <= value <= self.high:
            raise DecodeError(ErrorCode.OUT_OF_RANGE, pos, path, f"{value} is outside {self.low}..{self.high}")
        return value

    def _build(self, obj: Any, stream: Pieces, context: Any, path: str) -> Any:
        if self.name == "bool":
            if not isinstance(obj, bool):
                raise _invalid(path, f"expected a bool, got {_type_name(obj)}")
            stream.write(b"\x01" if obj else b"\x00")
            return obj
        if isinstance(obj, bool) or not isinstance(obj, int):
            raise _invalid(path, f"expected an integer ({self.name}), got {_type_name(obj)}")
        if not self.low <= obj <= self.high:
            raise EncodeError(ErrorCode.OUT_OF_RANGE, path, f"{obj} is outside {self.low}..{self.high}")
        self.format._build(obj, stream, context, path)
        return obj


class EnumNode(Node):
    """An enum at its base width: member names; an open enum's undeclared values as int."""

    def __init__(self, enum: ir.EnumType) -> None:
        super().__init__()
        self.enum = enum
        self.base = ScalarNode(enum.base.name)
        self.min_size = self.base.min_size
        self.names = enum.by_value()
        self.values = enum.by_name()

    def _parse(self, stream: Reader, context: Frame, path: str) -> str | int:
        pos = stream.tell()
        value = int(self.base._parse(stream, context, path))
        if value in self.names:
            return self.names[value]
        if self.enum.open:
            return value
        raise DecodeError(ErrorCode.BAD_ENUM, pos, path, f"{value} is not a value of the closed enum {self.enum.name}")

    def _build(self, obj: Any, stream: Pieces, context: Any, path: str) -> Any:
        if isinstance(obj, str):
            if obj not in self.values:
                raise EncodeError(ErrorCode.BAD_ENUM, path, f"{obj!r} is not a member of enum {self.enum.name}")
            return self.base._build(self.values[obj], stream, context, path)
        if self.enum.open and isinstance(obj, int) and not isinstance(obj, bool):
            return self.base._build(obj, stream, context, path)
        expected = "a member name or an integer" if self.enum.open else "a member name"
        raise _invalid(path, f"expected {expected} of enum {self.enum.name}, got {_type_name(obj)}")


class FlagsNode(Node):
    """Flags at their base width: the list of set bit names in bit order."""

    def __init__(self, flags: ir.FlagsType) -> None:
        super().__init__()
        self.flags = flags
        self.base = ScalarNode(flags.base.name)
        self.min_size = self.base.min_size
        self.bits = sorted(flags.bits, key=lambda b: b.bit)
        self.by_name = {b.name: b.bit for b in flags.bits}

    def _parse(self, stream: Reader, context: Frame, path: str) -> list[str]:
        pos = stream.tell()
        value = int(self.base._parse(stream, context, path))
        undeclared = value & ~self.flags.mask
        if undeclared:
            raise DecodeError(ErrorCode.BAD_FLAGS, pos, path,
                              f"undeclared bits {undeclared:#x} are set in {self.flags.name} ({value:#x})")
        return [b.name for b in self.bits if value >> b.bit & 1]

    def _build(self, obj: Any, stream: Pieces, context: Any, path: str) -> Any:
        if not isinstance(obj, list) or not all(isinstance(n, str) for n in obj):
            raise _invalid(path, f"expected a list of bit names of {self.flags.name}, got {_type_name(obj)}")
        if len(set(obj)) != len(obj):
            raise _invalid(path, f"a bit of {self.flags.name} is listed twice")
        value = 0
        for name in obj:
            if name not in self.by_name:
                raise EncodeError(ErrorCode.BAD_FLAGS, path, f"{name!r} is not a bit of {self.flags.name}")
            value |= 1 << self.by_name[name]
        return self.base._build(value, stream, context, path)


def _bytes_value(view: memoryview) -> bytes | memoryview:
    return view.toreadonly() if len(view) >= ZERO_COPY_THRESHOLD else bytes(view)


def stable_bytes(obj: bytes | bytearray | memoryview) -> bytes | memoryview:
    """A byte value as the encoder keeps it: ``bytes`` and a contiguous memoryview of a
    read-only object (what the decoder returns for a large value: a view of its input, bytes
    or a read-only file mapping) as they are, cast to unsigned bytes; a ``bytearray``, or a
    view of one, is copied, as the caller could
    change it before the pieces are written (a decoded 64 MiB region is re-encoded without
    a copy: spec/security.md, "Amplification")."""
    if isinstance(obj, bytes):
        return obj
    if isinstance(obj, memoryview) and obj.c_contiguous and _read_only(obj):
        return obj if obj.format == "B" and obj.ndim == 1 else obj.cast("B")
    return bytes(obj)


def _read_only(view: memoryview) -> bool:
    """The view and the object it shows are read-only (``bytes``, a read-only ``mmap``): a
    read-only view of a ``bytearray`` is not, its owner can still change it."""
    if not view.readonly:
        return False
    if isinstance(view.obj, bytes):
        return True
    with memoryview(view.obj) as owner:
        return owner.readonly


def _check_bytes(obj: Any, path: str) -> bytes | memoryview:
    if not isinstance(obj, bytes | bytearray | memoryview):
        raise _invalid(path, f"expected bytes, got {_type_name(obj)}")
    return stable_bytes(obj)


class FixedBytesNode(Node):
    def __init__(self, length: int) -> None:
        super().__init__()
        self.length = self.min_size = length

    def _parse(self, stream: Reader, context: Frame, path: str) -> bytes | memoryview:
        _need(stream, context, self.length, path, f"bytes[{self.length}]")
        return _bytes_value(stream.read(self.length))

    def _build(self, obj: Any, stream: Pieces, context: Any, path: str) -> Any:
        data = _check_bytes(obj, path)
        if len(data) != self.length:
            raise _invalid(path, f"expected exactly {self.length} bytes, got {len(data)}")
        stream.write_value(data)
        return obj


def _read_counted(stream: Reader, frame: Frame, path: str, maximum: int, what: str) -> memoryview:
    """u32 length, checked against the declared max, the region limit (bytes) and the container."""
    pos, length = _read_prefix(stream, frame, path, f"the length of {what}")
    if length > maximum:
        raise DecodeError(ErrorCode.LENGTH_OVER_MAX, pos, path, f"length {length} is over the declared max {maximum}")
    limit = frame.session.limits.max_region_size
    if what == "bytes" and length > limit:
        raise DecodeError(ErrorCode.LIMIT_EXCEEDED, pos, path,
                          f"a region of {length} bytes is over the limit of {limit} (--max-region-size)")
    remaining = frame.end - stream.tell()
    if length > remaining:
        raise DecodeError(ErrorCode.TRUNCATED, pos, path,
                          f"length {length} runs past the end of its container ({remaining} bytes remain)")
    return stream.read(length)


def _write_counted(data: bytes | memoryview, maximum: int, stream: Pieces, path: str) -> None:
    if len(data) > maximum:
        raise EncodeError(ErrorCode.LENGTH_OVER_MAX, path, f"length {len(data)} is over the declared max {maximum}")
    PREFIX._build(len(data), stream, None, path)
    stream.write_value(data)


class CountedBytesNode(Node):
    """u32 length (<= max, <= max_region_size, <= remaining) then the bytes."""

    min_size = 4

    def __init__(self, maximum: int) -> None:
        super().__init__()
        self.max = maximum

    def _parse(self, stream: Reader, context: Frame, path: str) -> bytes | memoryview:
        return _bytes_value(_read_counted(stream, context, path, self.max, "bytes"))

    def _build(self, obj: Any, stream: Pieces, context: Any, path: str) -> Any:
        _write_counted(_check_bytes(obj, path), self.max, stream, path)
        return obj


class StringNode(Node):
    """u32 length (<= max) then UTF-8."""

    min_size = 4

    def __init__(self, maximum: int) -> None:
        super().__init__()
        self.max = maximum

    def _parse(self, stream: Reader, context: Frame, path: str) -> str:
        raw = bytes(_read_counted(stream, context, path, self.max, "string"))
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            offset = stream.tell() - len(raw) + exc.start
            raise DecodeError(ErrorCode.BAD_UTF8, offset, path, f"string is not valid UTF-8: {exc.reason}") from None

    def _build(self, obj: Any, stream: Pieces, context: Any, path: str) -> Any:
        if not isinstance(obj, str):
            raise _invalid(path, f"expected a string, got {_type_name(obj)}")
        try:
            data = obj.encode("utf-8")
        except UnicodeEncodeError as exc:
            raise EncodeError(ErrorCode.BAD_UTF8, path, f"string cannot be encoded as UTF-8: {exc.reason}") from None
        _write_counted(data, self.max, stream, path)
        return obj


class StructNode(Node):
    """A struct body of known size (the frame's end): fields in order, defaults, zero tail."""

    def __init__(self, struct: ir.StructType, default: Callable[[ir.StructField], Any]) -> None:
        super().__init__()
        self.struct = struct
        self.fields: list[tuple[ir.StructField, Node]] = []
        self.default = default

    def bind(self, fields: list[tuple[ir.StructField, Node]]) -> None:
        """Set the field nodes (after construction, so nodes can be cached by name)."""
        self.fields = fields

    def _parse(self, stream: Reader, context: Frame, path: str) -> dict[str, Any]:
        value: dict[str, Any] = {}
        inner = context.inner()
        for index, (fld, node) in enumerate(self.fields):
            pos = stream.tell()
            remaining = context.end - pos
            if remaining == 0 and index >= self.struct.base_field_count:
                value.update((f.name, copy.deepcopy(self.default(f))) for f, _ in self.fields[index:])
                return value
            if remaining < node.min_size:
                where = "inside" if remaining else "before"
                raise DecodeError(ErrorCode.STRUCT_TOO_SHORT, pos, f"{path}.{fld.name}",
                                  f"the body of {self.struct.name} ends at offset {context.end}, {where} field "
                                  f"{fld.name!r} (needs at least {node.min_size} bytes, {remaining} remain)")
            value[fld.name] = node._parsereport(stream, inner, f"{path}.{fld.name}")
        self._check_tail(stream, context, path)
        return value

    def _check_tail(self, stream: Reader, frame: Frame, path: str) -> None:
        start = stream.tell()
        tail = bytes(stream.read(frame.end - start))
        nonzero = len(tail) - len(tail.lstrip(b"\x00"))
        if nonzero < len(tail):
            session = frame.session
            raise DecodeError(ErrorCode.NONZERO_TAIL, start + nonzero, path,
                              f"non-zero data in the {len(tail)}-byte tail after the last field of "
                              f"{self.struct.name} known to {session.reader}; the blob was written with version "
                              f"{session.data_version}, which a reader of that version or later understands")

    def _build(self, obj: Any, stream: Pieces, context: Any, path: str) -> Any:
        if not isinstance(obj, dict):
            raise _invalid(path, f"expected an object for struct {self.struct.name}, got {_type_name(obj)}")
        names = [f.name for f, _ in self.fields]
        extra = [key for key in obj if key not in names]
        if extra:
            raise _invalid(f"{path}.{extra[0]}", f"struct {self.struct.name} has no field {extra[0]!r}")
        for fld, node in self.fields:
            if fld.name not in obj:
                raise _invalid(f"{path}.{fld.name}", f"missing field {fld.name!r} of struct {self.struct.name}")
            node._build(obj[fld.name], stream, context, f"{path}.{fld.name}")
        return obj


class SizedStructNode(Node):
    """A struct in field position: u32 size, then a body of that many bytes."""

    min_size = 4

    def __init__(self, body: StructNode) -> None:
        super().__init__()
        self.body = body

    def _parse(self, stream: Reader, context: Frame, path: str) -> dict[str, Any]:
        pos, size = _read_prefix(stream, context, path, f"the size of struct {self.body.struct.name}")
        if size > context.end - stream.tell():
            raise DecodeError(ErrorCode.TRUNCATED, pos, path,
                              f"struct size {size} runs past the end of its container "
                              f"({context.end - stream.tell()} bytes remain)")
        frame = Frame(stream.tell() + size, context.depth, context.session)
        return self.body._parse(stream, frame, path)

    def _build(self, obj: Any, stream: Pieces, context: Any, path: str) -> Any:
        body = self.body.encode(obj, path)
        _check_u32(body.size, path, "struct body")
        PREFIX._build(body.size, stream, context, path)
        for piece in body.buffers():
            stream.write_value(piece)
        return obj


def _check_u32(size: int, path: str, what: str) -> None:
    if size > 0xFFFF_FFFF:
        raise EncodeError(ErrorCode.LIMIT_EXCEEDED, path, f"{what} of {size} bytes does not fit a u32 size")


class ArrayNode(Node):
    """Fixed (``length``) or counted (``max``) arrays; struct elements use one u32 stride."""

    def __init__(self, expr: ir.ArrayType, element: Node) -> None:
        super().__init__()
        self.element = element
        self.length = expr.length
        self.max = expr.max
        self.stride = expr.stride
        self.min_size = expr.min_size

    def _parse(self, stream: Reader, context: Frame, path: str) -> list[Any]:
        start = stream.tell()
        count = self._count(stream, context, path)
        size = self._element_size(stream, context, path)
        remaining = context.end - stream.tell()
        if count * size > remaining:
            what = "stride" if self.stride else "minimum element size"
            raise DecodeError(ErrorCode.COUNT_PAST_END, start, path,
                              f"{count} elements × {what} {size} = {count * size} bytes run past the end "
                              f"of the container ({remaining} bytes remain)")
        inner = context.inner()
        items = []
        for index in range(count):
            if self.stride:
                inner = Frame(stream.tell() + size, context.depth + 1, context.session)
            items.append(self.element._parsereport(stream, inner, f"{path}[{index}]"))
        return items

    def _count(self, stream: Reader, frame: Frame, path: str) -> int:
        if self.max is None:
            assert self.length is not None
            return self.length
        pos, count = _read_prefix(stream, frame, path, "the array count")
        if count > self.max:
            raise DecodeError(ErrorCode.COUNT_OVER_MAX, pos, path, f"count {count} is over the declared max {self.max}")
        return count

    def _element_size(self, stream: Reader, frame: Frame, path: str) -> int:
        if not isinstance(self.element, StructNode):
            return self.element.min_size
        pos, stride = _read_prefix(stream, frame, path, "the array stride")
        if not self.element.struct.valid_stride(stride):
            struct = self.element.struct
            raise DecodeError(ErrorCode.BAD_STRIDE, pos, path,
                              f"stride {stride} is not a valid size for {struct.name} (body {struct.body_size} bytes; "
                              f"shorter strides must end after a base field, at an appended field's offset)")
        return stride

    def _build(self, obj: Any, stream: Pieces, context: Any, path: str) -> Any:
        if not isinstance(obj, list):
            raise _invalid(path, f"expected a list, got {_type_name(obj)}")
        if self.max is None:
            if len(obj) != self.length:
                raise _invalid(path, f"expected exactly {self.length} elements, got {len(obj)}")
        else:
            if len(obj) > self.max:
                raise EncodeError(ErrorCode.COUNT_OVER_MAX, path,
                                  f"{len(obj)} elements are over the declared max {self.max}")
            PREFIX._build(len(obj), stream, context, path)
        if isinstance(self.element, StructNode):
            PREFIX._build(self.element.struct.body_size, stream, context, path)
        for index, item in enumerate(obj):
            self.element._build(item, stream, context, f"{path}[{index}]")
        return obj


class OpaqueNode(Node):
    """An opaque vendor payload: the whole rest of the section, at most ``max`` bytes."""

    def __init__(self, maximum: int) -> None:
        super().__init__()
        self.max = maximum
        self.min_size = 0

    def _parse(self, stream: Reader, context: Frame, path: str) -> bytes | memoryview:
        pos = stream.tell()
        length = context.end - pos
        if length > self.max:
            raise DecodeError(ErrorCode.LENGTH_OVER_MAX, pos, path,
                              f"opaque payload of {length} bytes is over the declared max {self.max}")
        limit = context.session.limits.max_region_size
        if length > limit:
            raise DecodeError(ErrorCode.LIMIT_EXCEEDED, pos, path,
                              f"a region of {length} bytes is over the limit of {limit} (--max-region-size)")
        return _bytes_value(stream.read(length))

    def _build(self, obj: Any, stream: Pieces, context: Any, path: str) -> Any:
        data = _check_bytes(obj, path)
        if len(data) > self.max:
            raise EncodeError(ErrorCode.LENGTH_OVER_MAX, path,
                              f"opaque payload of {len(data)} bytes is over the declared max {self.max}")
        stream.write_value(data)
        return obj
