"""A state as a person writes it: defaults for absent fields, hex integers, every error at once.

``decode --json`` prints a complete state; a hand-written one (``devstate template``, then
edited) may leave fields out, write registers as hex strings (``"0x1"``) and flags as an
integer mask, and carry ``//`` comments. ``read_state`` turns such a JSON value into the
Python state the encoder takes, walking the schema beside the value so that every problem
is found in one pass, each as an ``EncodeError`` with its field path; enum and flags errors
list the valid names. With ``strict`` nothing is filled in: every field and required
section must be present, as in the JSON ``decode`` prints.
"""

from __future__ import annotations

import binascii
import io
import json
import re
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from devstate import ir
from devstate.errors import DevstateError
from devstate.limits import loads_json
from devstate.state import STATE_KEYS, State, field_default, hex_bytes, type_default, vendor_order
from devstate.visit import Visitor
from devstate.wire.errors import EncodeError, ErrorCode

HEX_INTEGER = re.compile(r"-?0[xX][0-9a-fA-F]+(?:_[0-9a-fA-F]+)*")
"""An integer written as a hex string: ``"0x1"``, ``"0x0002_0000"``, ``"-0x80"``."""
SCHEMA_KEY = "$schema"
"""A state may name its JSON Schema (``schema json-schema``) for editors; ``read_state`` ignores it."""
_NAMES_SHOWN = 24
"""Valid names listed in one error message (enums and structs can be long)."""


class StateInputError(DevstateError):
    """The state does not fit the schema; ``errors`` holds every problem found, in path order."""

    def __init__(self, errors: list[EncodeError]) -> None:
        self.errors = errors
        super().__init__(f"{len(errors)} error(s) in the state; first: {errors[0]}")


def read_state(data: Any, schema: ir.Schema, strict: bool = False) -> State:
    """The encoder's state for the JSON value ``data``; raises ``StateInputError`` listing every error."""
    reader = _Reader(schema, strict)
    state = reader.state(data)
    if reader.errors:
        raise StateInputError(reader.errors)
    return state


def parse_jsonc(text: str) -> Any:
    """JSON that may carry ``//`` line comments (as ``devstate template --comments`` writes).

    Comments are blanked to spaces so that ``json.JSONDecodeError`` line and column numbers
    still point into the original text.
    """
    return loads_json(_blank_comments(text))


_STRING_OR_COMMENT = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|//[^\n]*')
"""A JSON string literal (kept) or a ``//`` comment up to the end of its line (blanked)."""


def _blank_comments(text: str) -> str:
    """``text`` with every ``//`` comment outside strings replaced by spaces (same length).

    Linear, at the regex engine's speed: a 128 MiB hex string is one match, not 128 Mi
    iterations of a Python loop (which took minutes)."""
    if "//" not in text:
        return text
    return _STRING_OR_COMMENT.sub(lambda m: m.group() if m.group().startswith('"') else " " * len(m.group()), text)


LONG_HEX = 4096
"""Hex strings of at least this many digits are converted straight from the file's bytes."""
_LONG_HEX = re.compile(rb'"([0-9a-fA-F]{%d,})"' % LONG_HEX)


class HexText(str):
    """A long hex string of a state file, already converted: ``data`` holds its bytes (the
    text itself, twice their size, is never made). The string is a placeholder."""

    data: bytes

    def __new__(cls, placeholder: str, data: bytes) -> HexText:
        text = super().__new__(cls, placeholder)
        text.data = data
        return text


def parse_jsonc_bytes(raw: bytes) -> Any:
    """``parse_jsonc`` of a UTF-8 file's bytes, with every hex string of ``LONG_HEX`` digits or
    more a ``HexText``: a 64 MiB region is read as 128 MiB of file and 64 MiB of bytes, not also
    as a 128 MiB string and its parsed copy. JSON and UTF-8 errors are those of the whole text."""
    token = f"\ue000{uuid.uuid4().hex}:"
    regions: dict[str, bytes] = {}
    pieces: list[bytes] = []
    at = 0
    for match in _LONG_HEX.finditer(raw):
        start, end = match.span(1)
        if (end - start) % 2 or _escaped(raw, match.start()):
            continue
        key = f"{token}{len(regions)}"
        regions[key] = binascii.unhexlify(memoryview(raw)[start:end])
        pieces += [raw[at : match.start()], json.dumps(key).encode("ascii")]
        at = match.end()
    if not regions:
        return parse_jsonc(raw.decode("utf-8"))
    pieces.append(raw[at:])
    try:
        data = parse_jsonc(b"".join(pieces).decode("utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError):
        return parse_jsonc(raw.decode("utf-8"))  # the error at its place in the file
    return _restored(data, regions)


_HEX_RUN = re.compile(rb"[0-9a-fA-F]*+")
_LONG_HEX_OR_TAIL = re.compile(rb'"([0-9a-fA-F]{%d,}+)"|"[0-9a-fA-F]*+\Z' % LONG_HEX)
"""A long hex string (as ``_LONG_HEX``), or a quote and hex digits up to the end of a chunk."""


def _digits_end(data: bytes, start: int, stop: int | None = None) -> int:
    """Where the hex digits from ``start`` (up to ``stop``) end."""
    match = _HEX_RUN.match(data, start, len(data) if stop is None else stop)
    assert match is not None  # (a run may be empty)
    return match.end()


class _Unsettled(Exception):
    """The chunks hold something ``parse_jsonc_chunks`` leaves to ``parse_jsonc_bytes`` of the whole file."""


def parse_jsonc_chunks(chunks: Iterable[bytes], whole: Callable[[], bytes]) -> Any:
    """``parse_jsonc_bytes`` of the file whose bytes ``chunks`` yields in order, read once: a long
    hex string is converted as its chunks arrive, so a 64 MiB region is its 64 MiB of bytes and
    a chunk, never also the 128 MiB of file it was written in.

    ``whole`` gives the file's bytes again, for the inputs this leaves to ``parse_jsonc_bytes``:
    invalid JSON or UTF-8 (the error at its place in the file) and a hex run of ``LONG_HEX``
    digits or more, across chunks, that is not a whole hex string (odd, unterminated, after
    an escaped quote). Otherwise the value is the one ``parse_jsonc_bytes`` gives."""
    scan = _ChunkScan(f"\ue000{uuid.uuid4().hex}:")
    try:
        for chunk in chunks:
            if chunk:
                scan.feed(chunk)
        text = scan.finish()
    except _Unsettled:
        del scan
        return parse_jsonc_bytes(whole())
    if not scan.regions:
        return parse_jsonc(text.decode("utf-8"))
    try:
        data = parse_jsonc(text.decode("utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError):
        del text, scan
        return parse_jsonc_bytes(whole())  # the error at its place in the file
    return _restored(data, scan.regions)


class _ChunkScan:
    """``parse_jsonc_bytes``'s search for long hex strings, a chunk at a time: the text of the file
    with each one a placeholder, and the regions (converted while the next chunk is unread)."""

    def __init__(self, token: str) -> None:
        self.token = token
        self.regions: dict[str, bytes] = {}
        self.text: list[bytes] = []
        self.pending = b""
        """A quote and the (fewer than ``LONG_HEX``) hex digits after it that end the last chunk."""
        self.before = b""
        """The last bytes of the file before the chunk (for ``_escaped``)."""
        self.region: io.BytesIO | None = None
        """The long hex string the last chunk ended in, converted so far (its last digit, if odd, in ``pending``)."""

    def feed(self, chunk: bytes) -> None:
        if self.region is not None:
            buf, at = chunk, self._region_end(chunk)
            if at < 0:
                self.before = (self.before + buf[-64:])[-64:]
                return
        else:
            buf, at = self.pending + chunk if self.pending else chunk, 0
            self.pending = b""
        scan = at
        while match := _LONG_HEX_OR_TAIL.search(buf, scan):
            quote = match.start()
            if match.group(1) is None:  # a quote and digits to the end of the chunk: they may go on
                self.text.append(buf[at:quote])
                at = len(buf)
                if len(buf) - quote - 1 < LONG_HEX:
                    self.pending = buf[quote:]
                elif self._escaped_at(buf, quote):
                    raise _Unsettled
                else:
                    self.region = io.BytesIO()
                    self._convert(memoryview(buf)[quote + 1 :])
                break
            end = match.end(1)
            if not (end - quote - 1) % 2 and not self._escaped_at(buf, quote):
                self.text.append(buf[at:quote])
                self._add(binascii.unhexlify(memoryview(buf)[quote + 1 : end]))
                at = end + 1
            scan = end + 1
        if at < len(buf):
            self.text.append(buf[at:])
        cut = len(buf) - len(self.pending)
        self.before = (self.before + buf[max(0, cut - 64) : cut])[-64:]

    def _escaped_at(self, buf: bytes, quote: int) -> bool:
        if quote >= 64:
            return _escaped(buf, quote)
        joined = self.before + buf[:quote]
        return _escaped(joined, len(joined))

    def _convert(self, digits: memoryview) -> None:
        """Convert an even number of ``digits`` into the region; an odd last one waits in ``pending``."""
        assert self.region is not None
        even = len(digits) - len(digits) % 2
        self.region.write(binascii.unhexlify(digits[:even]))
        self.pending = bytes(digits[even:])

    def _region_end(self, chunk: bytes) -> int:
        """Go on converting the region the last chunk ended in; where the text after it starts
        in ``chunk``, or -1 if it goes on in the next chunk."""
        assert self.region is not None
        start = 0
        if self.pending:  # the odd last digit of the chunk before, and the first of this one
            if _digits_end(chunk, 0, 1) != 1:
                raise _Unsettled
            self.region.write(binascii.unhexlify(self.pending + chunk[:1]))
            self.pending, start = b"", 1
        stop = len(chunk) - (len(chunk) - start) % 2
        try:  # the usual chunk, all digits: checked and converted in one pass
            data = binascii.unhexlify(memoryview(chunk)[start:stop])
        except binascii.Error:
            pass
        else:
            if stop == len(chunk) or _digits_end(chunk, stop, stop + 1) > stop:
                self.region.write(data)
                self.pending = chunk[stop:]
                return -1
        end = _digits_end(chunk, start)
        if chunk[end] != 0x22 or (end - start) % 2:
            raise _Unsettled
        self.region.write(binascii.unhexlify(memoryview(chunk)[start:end]))
        region, self.region = self.region, None
        self._add(region.getvalue())  # the buffer itself, not a copy
        return end + 1

    def _add(self, data: bytes) -> None:
        key = f"{self.token}{len(self.regions)}"
        self.regions[key] = data
        self.text.append(json.dumps(key).encode("ascii"))

    def finish(self) -> bytes:
        """The text of the file, each long hex string a placeholder."""
        if self.region is not None:
            raise _Unsettled  # the file ends inside a long hex string
        self.text.append(self.pending)
        text = b"".join(self.text)
        self.text = []
        return text


def _escaped(raw: bytes, quote: int) -> bool:
    """Whether the quote at ``quote`` follows an odd number of backslashes (is inside a string)."""
    backslashes = len(raw[max(0, quote - 64) : quote]) - len(raw[max(0, quote - 64) : quote].rstrip(b"\\"))
    return backslashes % 2 == 1


def _restored(value: Any, regions: dict[str, bytes]) -> Any:
    if isinstance(value, str):
        return HexText(value, regions[value]) if value in regions else value
    if isinstance(value, dict):
        return {key: _restored(item, regions) for key, item in value.items()}
    if isinstance(value, list):
        return [_restored(item, regions) for item in value]
    return value


def _listing(names: list[str]) -> str:
    shown = ", ".join(names[:_NAMES_SHOWN])
    return shown + (f", … ({len(names)} in all)" if len(names) > _NAMES_SHOWN else "")


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "a bool"
    return {int: "an integer", float: "a number", str: "a string", list: "a list", dict: "an object",
            type(None): "null"}.get(type(value), type(value).__name__)


@dataclass
class _Reader(Visitor[Any]):
    schema: ir.Schema
    strict: bool
    errors: list[EncodeError] = field(default_factory=list)
    readers: dict[str, list[tuple[ir.StructField, Callable[..., Any]]]] = field(default_factory=dict)
    """Per struct (``Schema.types`` key): its fields with the method reading each, found once, not per value."""

    def error(self, code: ErrorCode, path: str, message: str) -> None:
        self.errors.append(EncodeError(code, path, message))

    # --- the envelope -----------------------------------------------------------------

    def state(self, data: Any) -> State:
        if not isinstance(data, dict):
            self.error(ErrorCode.INVALID_STATE, "$", f"expected a JSON object, got {_kind(data)}")
            return {}
        for key in data:
            if key not in STATE_KEYS and key != SCHEMA_KEY:
                self.error(ErrorCode.INVALID_STATE, f"$.{key}",
                           f"unknown state key {key!r}; a state has {_listing(list(STATE_KEYS))}")
        state: State = {"model": self._identity(data, "model", self.schema.model),
                        "version": self._identity(data, "version", str(self.schema.version))}
        state["sections"] = self._sections(data.get("sections", {}))
        state["vendor_sections"] = self._vendor_sections(data.get("vendor_sections", {}))
        state["unknown_sections"] = self._unknown(data.get("unknown_sections", []))
        return state

    def _identity(self, data: dict[str, Any], key: str, expected: str) -> str:
        if key not in data:
            if self.strict:
                self.error(ErrorCode.INVALID_STATE, f"$.{key}", f"the state has no {key!r}")
            return expected
        if data[key] != expected:
            self.error(ErrorCode.INVALID_STATE, f"$.{key}",
                       f"the state has {key} {data[key]!r}; the schema is {self.schema.ident}")
        return expected

    def _sections(self, values: Any) -> dict[str, Any]:
        if not isinstance(values, dict):
            self.error(ErrorCode.INVALID_STATE, "$.sections", f"expected an object, got {_kind(values)}")
            return {}
        declared = {s.name: s for s in sorted(self.schema.sections, key=lambda s: s.id)}
        for name in values:
            if name not in declared:
                self.error(ErrorCode.INVALID_STATE, f"$.sections.{name}",
                           f"{self.schema.ident} has no section {name!r}; its sections: {_listing(list(declared))}")
        out: dict[str, Any] = {}
        for name, section in declared.items():
            path = f"$.sections.{name}"
            if name in values:
                out[name] = self.value(section.type, values[name], path)
            elif not section.optional:
                out[name] = self._absent_section(section.type, path, f"required section {name!r} is missing")
        return out

    def _vendor_sections(self, values: Any) -> dict[str, Any]:
        if not isinstance(values, dict):
            self.error(ErrorCode.INVALID_STATE, "$.vendor_sections", f"expected an object, got {_kind(values)}")
            return {}
        declared = {v.name: v for v in sorted(self.schema.vendor_sections, key=vendor_order)}
        for name in values:
            if name not in declared:
                known = _listing(list(declared)) if declared else "none"
                self.error(ErrorCode.INVALID_STATE, f"$.vendor_sections.{name}",
                           f"{self.schema.ident} has no vendor section {name!r}; its vendor sections: {known}")
        out: dict[str, Any] = {}
        for name, section in declared.items():
            path = f"$.vendor_sections.{name}"
            if name in values:
                out[name] = (self._bytes(values[name], path, None, section.max) if section.type is None
                             else self.value(section.type, values[name], path))
            elif not section.optional:
                message = f"required vendor section {name!r} is missing"
                out[name] = b"" if section.type is None else self._absent_section(section.type, path, message)
        return out

    def _absent_section(self, expr: ir.TypeExpr, path: str, message: str) -> Any:
        if self.strict:
            self.error(ErrorCode.MISSING_SECTION, path, message)
        return type_default(self.schema, expr)

    def _unknown(self, entries: Any) -> list[Any]:
        """Unknown sections pass through (the encoder checks their framing); only payload hex is read here."""
        if not isinstance(entries, list):
            self.error(ErrorCode.INVALID_STATE, "$.unknown_sections", f"expected a list, got {_kind(entries)}")
            return []
        out = []
        for index, entry in enumerate(entries):
            if isinstance(entry, dict) and isinstance(entry.get("payload"), str):
                path = f"$.unknown_sections[{index}].payload"
                entry = {**entry, "payload": self._bytes(entry["payload"], path, None, None)}
            out.append(entry)
        return out

    # --- values -------------------------------------------------------------------------

    def value(self, expr: ir.TypeExpr, value: Any, path: str, low: int | None = None,
              high: int | None = None) -> Any:
        return self.visit(expr, value, path, low, high)

    def visit_bytes(self, expr: ir.BytesType, value: Any, path: str, low: int | None, high: int | None) -> Any:
        return self._bytes(value, path, expr.length, expr.max)

    def visit_scalar(self, expr: ir.ScalarType, value: Any, path: str, low: int | None, high: int | None) -> Any:
        name = expr.name
        if name == "bool":
            if not isinstance(value, bool):
                self.error(ErrorCode.INVALID_STATE, path, f"expected true or false, got {_kind(value)}")
            return value
        number = self._integer(value, path, f"an integer ({name}) or a hex string such as \"0x1\"")
        if number is None:
            return value
        type_low, type_high = ir.scalar_range(name)
        low = type_low if low is None else max(low, type_low)
        high = type_high if high is None else min(high, type_high)
        if not low <= number <= high:
            self.error(ErrorCode.OUT_OF_RANGE, path, f"{value if isinstance(value, str) else number} is outside "
                       f"{low}..{high}")
        return number

    def _integer(self, value: Any, path: str, expected: str) -> int | None:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        if isinstance(value, str) and HEX_INTEGER.fullmatch(value):
            return int(value, 16)
        self.error(ErrorCode.INVALID_STATE, path, f"expected {expected}, got {_shown(value)}")
        return None

    def visit_enum_ref(self, expr: ir.NamedRef, value: Any, path: str, low: int | None, high: int | None) -> Any:
        enum = self.schema.enum(expr.name)
        members = enum.by_name()
        names = list(members)
        if isinstance(value, str) and not HEX_INTEGER.fullmatch(value):
            if value not in members:
                self.error(ErrorCode.BAD_ENUM, path,
                           f"{value!r} is not a member of enum {enum.name}; valid: {_listing(names)}")
            return value
        if enum.open:
            number = self._integer(value, path, f"a member name of enum {enum.name} or an integer")
            if number is None:
                return value
            low, high = ir.scalar_range(enum.base.name)
            if not low <= number <= high:
                self.error(ErrorCode.OUT_OF_RANGE, path, f"{number} is outside {low}..{high} ({enum.base.name})")
            return enum.by_value().get(number, number)
        self.error(ErrorCode.INVALID_STATE if not isinstance(value, int | str) else ErrorCode.BAD_ENUM, path,
                   f"expected a member name of enum {enum.name} ({_listing(names)}), got {_shown(value)}")
        return value

    def visit_flags_ref(self, expr: ir.NamedRef, value: Any, path: str, low: int | None, high: int | None) -> Any:
        flags = self.schema.flags(expr.name)
        bits = sorted(flags.bits, key=lambda b: b.bit)
        names = [b.name for b in bits]
        if not isinstance(value, list):
            number = self._integer(value, path, f"a list of bit names of {flags.name} ({_listing(names)}) "
                                   "or an integer mask")
            if number is None:
                return value
            undeclared = number & ~flags.mask if number >= 0 else -1
            if undeclared:
                self.error(ErrorCode.BAD_FLAGS, path, f"{_shown(value)} sets bits {flags.name} does not declare; "
                           f"its bits: {_listing([f'{b.name} ({1 << b.bit:#x})' for b in bits])}")
                return value
            return [b.name for b in bits if number >> b.bit & 1]
        unknown = [item for item in value if not isinstance(item, str) or item not in names]
        for item in unknown:
            self.error(ErrorCode.BAD_FLAGS, path,
                       f"{_shown(item)} is not a bit of {flags.name}; valid: {_listing(names)}")
        if len(set(map(str, value))) != len(value):
            self.error(ErrorCode.INVALID_STATE, path, f"a bit of {flags.name} is listed twice")
        return value if unknown else [name for name in names if name in value]

    def visit_struct_ref(self, expr: ir.NamedRef, value: Any, path: str, low: int | None, high: int | None) -> Any:
        struct = self.schema.struct(expr.name)
        if not isinstance(value, dict):
            self.error(ErrorCode.INVALID_STATE, path,
                       f"expected an object for struct {struct.name}, got {_kind(value)}")
            return value
        names = [f.name for f in struct.fields]
        for key in value:
            if key not in names:
                self.error(ErrorCode.INVALID_STATE, f"{path}.{key}",
                           f"struct {struct.name} has no field {key!r}; its fields: {_listing(names)}")
        out: dict[str, Any] = {}
        readers = self.readers.get(expr.name) or self.readers.setdefault(
            expr.name, [(fld, self.handler(fld.type)) for fld in struct.fields])
        for fld, read in readers:
            where = f"{path}.{fld.name}"
            if fld.name in value:
                out[fld.name] = read(fld.type, value[fld.name], where, fld.min, fld.max)
            else:
                if self.strict:
                    self.error(ErrorCode.INVALID_STATE, where, f"missing field {fld.name!r} of struct {struct.name}")
                out[fld.name] = field_default(self.schema, fld)
        return out

    def visit_array(self, expr: ir.ArrayType, value: Any, path: str, low: int | None, high: int | None) -> Any:
        if not isinstance(value, list):
            self.error(ErrorCode.INVALID_STATE, path, f"expected a list, got {_kind(value)}")
            return value
        if expr.length is not None and len(value) != expr.length:
            self.error(ErrorCode.INVALID_STATE, path, f"expected exactly {expr.length} elements, got {len(value)}")
        if expr.max is not None and len(value) > expr.max:
            self.error(ErrorCode.COUNT_OVER_MAX, path, f"{len(value)} elements are over the declared max {expr.max}")
        element, read = expr.element, self.handler(expr.element)
        return [read(element, item, f"{path}[{i}]", low, high) for i, item in enumerate(value)]

    def _bytes(self, value: Any, path: str, length: int | None, maximum: int | None) -> Any:
        data = hex_bytes(value)
        if data is None:
            self.error(ErrorCode.INVALID_STATE, path,
                       f"expected bytes as a hex string (two digits a byte), got {_shown(value)}")
            return value
        if length is not None and len(data) != length:
            self.error(ErrorCode.INVALID_STATE, path, f"expected exactly {length} bytes, got {len(data)}")
        if maximum is not None and len(data) > maximum:
            self.error(ErrorCode.LENGTH_OVER_MAX, path, f"length {len(data)} is over the declared max {maximum}")
        return data

    def visit_string(self, expr: ir.StringType, value: Any, path: str, low: int | None, high: int | None) -> Any:
        if isinstance(value, HexText):
            value = value.data.hex()  # a string field that holds a long hex text (rare): the text again
        if not isinstance(value, str):
            self.error(ErrorCode.INVALID_STATE, path, f"expected a string, got {_kind(value)}")
            return value
        try:
            size = len(value.encode("utf-8"))
        except UnicodeEncodeError as exc:
            self.error(ErrorCode.BAD_UTF8, path, f"string cannot be encoded as UTF-8: {exc.reason}")
            return value
        if size > expr.max:
            self.error(ErrorCode.LENGTH_OVER_MAX, path, f"length {size} is over the declared max {expr.max}")
        return value


def _shown(value: Any) -> str:
    """A JSON value as the user wrote it (not a Python repr), shortened."""
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 40 else text[:37] + "…"
