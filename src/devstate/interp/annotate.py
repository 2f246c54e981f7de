"""Where every byte of a blob belongs: an annotated, possibly partial, decode and its hex dump.

``annotate`` decodes with a trace and adds the spans of the framing the trace does not see
(the header's fields, each section header, vendor headers, the trailer). When decoding
fails, what was decoded before the error is kept and the error is returned with it; a bad
checksum does not hide the content: the blob is decoded as if the trailer were right and
the checksum error is reported (``checksum_ignored``). ``hexdump_lines`` prints offsets,
bytes and the innermost field path of each run side by side, like Kaitai's visualizer.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from devstate import ir
from devstate.interp.codec import decode
from devstate.interp.nodes import Trace
from devstate.state import BytesLike, State
from devstate.wire.checksum import crc32c
from devstate.wire.errors import DecodeError, ErrorCode
from devstate.wire.header import FIXED_HEADER_SIZE, TRAILER_SIZE, Header, check_lengths, parse_fixed_header
from devstate.wire.limits import DEFAULT_LIMITS, Limits
from devstate.wire.sections import SECTION_HEADER_SIZE, VENDOR_HEADER_SIZE, iter_sections

BYTES_PER_LINE = 16
REGION_LINES = 2
"""Lines shown of a long bytes value (or of undecoded bytes after an error) before ``…``."""
_HEADER_FIELDS = (("magic", 0, 8), ("format_version", 8, 2), ("flags", 10, 2), ("major", 12, 2), ("minor", 14, 2),
                  ("total_length", 16, 8), ("model_id_length", 24, 1))


@dataclass(frozen=True)
class Span:
    """Bytes ``offset``..``end`` hold ``path`` (with its decoded ``value`` for leaves; ``None`` for framing)."""

    path: str
    offset: int
    end: int
    value: Any = None
    leaf: bool = True


@dataclass
class Annotated:
    """An annotated decode: the spans, the state (None when decoding stopped) and the first error.

    ``checksum_error`` is set when the trailer is wrong; the content was then decoded as if it
    were right, and ``error`` is the first error in the content itself (if any).
    """

    data: memoryview
    spans: list[Span] = field(default_factory=list)
    state: State | None = None
    error: DecodeError | None = None
    checksum_error: DecodeError | None = None
    trace: Trace = field(default_factory=Trace)


def annotate(schema: ir.Schema, data: BytesLike, limits: Limits = DEFAULT_LIMITS) -> Annotated:
    """Decode ``data`` with ``schema``, keeping every value's byte span, up to the first error."""
    view = memoryview(data).cast("B")
    result = Annotated(view)
    readable = view
    try:
        result.state = decode(schema, view, limits, trace=result.trace)
    except DecodeError as exc:
        result.error = exc
        if exc.code == ErrorCode.BAD_CHECKSUM.name:
            result.checksum_error, result.error = exc, None
            readable = _resealed(view)
            result.trace = Trace()
            try:
                result.state = decode(schema, readable, limits, trace=result.trace)
            except DecodeError as later:
                result.error = later
    result.spans = _framing(readable, limits) + _value_spans(result.trace, result.error)
    result.spans.sort(key=lambda s: (s.offset, -s.end))
    return result


def _resealed(view: memoryview) -> memoryview:
    """A copy whose trailer is the CRC-32C of the content (to read past a bad checksum)."""
    fixed = bytearray(view)
    if len(fixed) >= TRAILER_SIZE:
        fixed[-TRAILER_SIZE:] = crc32c(bytes(fixed[:-TRAILER_SIZE])).to_bytes(4, "little")
    return memoryview(bytes(fixed))


def _framing(view: memoryview, limits: Limits) -> list[Span]:
    spans = [Span(f"$.header.{name}", offset, offset + size) for name, offset, size in _HEADER_FIELDS
             if offset + size <= len(view)]
    try:
        fixed, id_length = parse_fixed_header(view, limits)
    except DecodeError:
        return spans
    spans.append(Span("$.header.model", FIXED_HEADER_SIZE, min(len(view), FIXED_HEADER_SIZE + id_length)))
    try:
        header: Header = check_lengths(view, fixed, id_length)
    except DecodeError:
        return spans
    spans.append(Span("$.trailer.crc32c", header.trailer_offset, header.total_length))
    try:
        for raw in iter_sections(view, header):
            label = raw.label
            spans.append(Span(f"{label} (section header: id, flags, length)", raw.offset,
                              raw.offset + SECTION_HEADER_SIZE))
            if raw.vendor is not None:
                start = raw.offset + SECTION_HEADER_SIZE
                spans.append(Span(f"{label} (vendor {raw.vendor})", start, start + VENDOR_HEADER_SIZE))
    except DecodeError:
        pass
    return spans


def _value_spans(trace: Trace, error: DecodeError | None) -> list[Span]:
    parents = {_parent(entry.path) for entry in trace.entries}
    spans = []
    for entry in trace.entries:
        end = entry.end
        if end < 0:  # the value being decoded when the error struck: up to the error
            end = max(entry.offset, error.offset if error is not None else entry.offset)
        leaf = entry.path not in parents
        spans.append(Span(entry.path, entry.offset, end, entry.value if leaf and entry.end >= 0 else None, leaf))
    return spans


def _parent(path: str) -> str:
    if path.endswith("]"):
        return path[: path.rindex("[")]
    return path.rpartition(".")[0]


# --- the hex dump -------------------------------------------------------------------------


def hexdump_lines(annotated: Annotated, as_hex: bool = False, show_all: bool = False) -> list[str]:
    """``OFFSET  BYTES  PATH = value`` lines; bytes no span covers are labelled by their container."""
    lines = []
    stop = annotated.error.offset if annotated.error is not None else None
    for start, end, span in _runs(annotated.spans, len(annotated.data)):
        if stop is not None and start >= stop:
            break
        lines += _rows(annotated.data, start, end if stop is None else min(end, stop), _label(span, start, as_hex),
                       show_all)
    if annotated.error is not None:
        lines.append(f"{annotated.error.offset:08x}  ^ {annotated.error}")
        if annotated.error.offset < len(annotated.data):
            lines += _rows(annotated.data, annotated.error.offset, len(annotated.data), "(not decoded)", show_all)
    if annotated.checksum_error is not None:
        lines.append(f"{annotated.checksum_error.offset:08x}  ^ {annotated.checksum_error}")
        lines.append(f"{'':8}    (the content above was decoded as if the checksum were right)")
    return lines


def _label(span: Span | None, start: int, as_hex: bool) -> str:
    if span is None:
        return "(outside every section)"
    if not span.leaf:
        what = "count, size or stride prefix" if start == span.offset else "padding / tail"
        return f"{span.path} ({what})"
    if span.value is None:
        return span.path
    return f"{span.path} = {_value(span.value, as_hex)}"


def _value(value: Any, as_hex: bool) -> str:
    if isinstance(value, bool):
        return json.dumps(value)
    if isinstance(value, int):
        return (f"-{-value:#x}" if value < 0 else f"{value:#x}") if as_hex else str(value)
    if isinstance(value, BytesLike):
        shown = bytes(memoryview(value)[:16]).hex()
        return (shown or '""') + (f"… ({len(value)} bytes)" if len(value) > 16 else "")
    if isinstance(value, list):
        more = f", … ({len(value)} elements)" if len(value) > 16 else ""
        return "[" + ", ".join(_value(item, as_hex) for item in value[:16]) + more + "]"
    return json.dumps(value, ensure_ascii=False)


def _runs(spans: list[Span], size: int) -> Iterator[tuple[int, int, Span | None]]:
    """Consecutive byte ranges with the same innermost span (spans nest: a tree in pre-order)."""
    bounds = sorted({0, size, *(s.offset for s in spans), *(s.end for s in spans)})
    stack: list[Span] = []
    pending = iter(spans)
    upcoming = next(pending, None)
    for start, end in itertools.pairwise(bounds):
        if start >= size:
            break
        stack = [s for s in stack if s.end > start]
        while upcoming is not None and upcoming.offset <= start:
            if upcoming.end > start:
                stack.append(upcoming)
            upcoming = next(pending, None)
        inner = min(stack, key=lambda s: (s.end - s.offset, -s.offset)) if stack else None
        yield start, end, inner


def _rows(data: memoryview, start: int, end: int, label: str, show_all: bool) -> list[str]:
    rows = []
    offsets = range(start, end, BYTES_PER_LINE)
    for index, offset in enumerate(offsets):
        if not show_all and index == REGION_LINES and len(offsets) > REGION_LINES + 1:
            rows.append(f"{'':8}  … {end - offset} more bytes (--all shows them)")
            break
        chunk = bytes(data[offset : min(end, offset + BYTES_PER_LINE)])
        text = " ".join(f"{b:02x}" for b in chunk)
        rows.append(f"{offset:08x}  {text:<{BYTES_PER_LINE * 3 - 1}}  {label if index == 0 else '…'}")
    return rows
