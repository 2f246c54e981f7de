"""Whole-blob encode and decode with the construct nodes (the reference codec).

Decoding follows spec/wire-format.md, "Decoding order": envelope (``wire.header``),
model and major version, then each section in order (framing by ``wire.sections``,
then the payload), then the required sections that were absent.
"""

from __future__ import annotations

import itertools
import struct
from typing import Any

import construct  # type: ignore[import-untyped]

from devstate import ir
from devstate.interp.compile import SchemaCodec, compile_schema
from devstate.interp.nodes import (
    Frame,
    Node,
    OpaqueNode,
    Pieces,
    Reader,
    Session,
    StructNode,
    Trace,
    _bytes_value,
    stable_bytes,
)
from devstate.limits import MAX_SECTION_ID
from devstate.state import STATE_KEYS, BytesLike, State, vendor_order
from devstate.wire.checksum import crc32c
from devstate.wire.errors import DecodeError, EncodeError, ErrorCode
from devstate.wire.header import FIXED_HEADER_SIZE, TRAILER_SIZE, Header, encode_header, parse_header
from devstate.wire.limits import DEFAULT_LIMITS, Limits
from devstate.wire.sections import (
    FLAG_OPTIONAL,
    FLAG_VENDOR,
    KNOWN_FLAGS,
    VENDOR_HEADER_SIZE,
    Namespace,
    RawSection,
    check_unknown_count,
    iter_sections,
    parse_vendor,
    section_pieces,
    vendor_header,
)

# --- decode -----------------------------------------------------------------------------


def decode(schema: ir.Schema, data: BytesLike, limits: Limits = DEFAULT_LIMITS, trace: Trace | None = None) -> State:
    """Decode a DSF blob with ``schema`` as the reader; raises ``DecodeError`` only."""
    view = memoryview(data).cast("B")
    header = parse_header(view, limits)
    _check_reader(schema, header)
    decoder = _Decoder(compile_schema(schema), view, header, Session(limits, header.version, schema.ident, trace))
    try:
        return decoder.run()
    except construct.ConstructError as exc:  # pragma: no cover - every read is bounds-checked first
        raise DecodeError(ErrorCode.TRUNCATED, decoder.reader.tell(), "$", f"unexpected end of data: {exc}") from None


def _check_reader(schema: ir.Schema, header: Header) -> None:
    if header.model != schema.model:
        raise DecodeError(ErrorCode.MODEL_MISMATCH, FIXED_HEADER_SIZE, "$.header.model",
                          f"the blob holds {header.model} state; the reader's schema is {schema.ident}")
    if header.major != schema.version.major:
        raise DecodeError(ErrorCode.MAJOR_MISMATCH, 12, "$.header.major",
                          f"the blob was written with {header.model}@{header.version}; a {schema.ident} reader "
                          f"reads major version {schema.version.major} only")


class _Decoder:
    def __init__(self, codec: SchemaCodec, view: memoryview, header: Header, session: Session) -> None:
        self.codec = codec
        self.schema = codec.schema
        self.view = view
        self.header = header
        self.session = session
        self.reader = Reader(view)
        self.state: State = {"model": self.schema.model, "version": str(self.schema.version),
                             "sections": {}, "vendor_sections": {}, "unknown_sections": []}

    def run(self) -> State:
        for raw in iter_sections(self.view, self.header, self.session.limits):
            if raw.vendor is None:
                self._standard(raw)
            else:
                self._vendor(raw)
        self._check_missing()
        return self.state

    def _standard(self, raw: RawSection) -> None:
        entry = self.codec.sections.get(raw.id)
        if entry is None:
            self._unknown(raw, f"section id {raw.id}")
            return
        section, node = entry
        path = f"$.sections.{section.name}"
        self._check_optional(raw, section.optional, path)
        self.state["sections"][section.name] = self._payload(node, raw, path)

    def _vendor(self, raw: RawSection) -> None:
        entry = self.codec.vendor.get((str(raw.vendor), raw.id))
        if entry is None:
            self._unknown(raw, f"vendor section {raw.vendor} id {raw.id}")
            return
        section, node = entry
        path = f"$.vendor_sections.{section.name}"
        self._check_optional(raw, section.optional, path)
        self.state["vendor_sections"][section.name] = self._payload(node, raw, path)

    def _check_optional(self, raw: RawSection, optional: bool, path: str) -> None:
        if raw.optional != optional:
            should = "set" if optional else "clear"
            raise DecodeError(ErrorCode.BAD_SECTION_FLAGS, raw.offset + 2, path,
                              f"the OPTIONAL flag must be {should}: {self.schema.ident} declares the section "
                              f"{'optional' if optional else 'required'}")

    def _unknown(self, raw: RawSection, what: str) -> None:
        if not raw.optional:
            raise DecodeError(ErrorCode.UNKNOWN_SECTION, raw.offset, raw.label,
                              f"{what} is unknown to {self.schema.ident} and not marked OPTIONAL; "
                              "the reader cannot load this state without understanding it")
        check_unknown_count(len(self.state["unknown_sections"]), raw, self.session.limits)
        entry: dict[str, Any] = {"id": raw.id, "flags": raw.flags}
        if raw.vendor is not None:
            entry["vendor"] = str(raw.vendor)
        entry["payload"] = _bytes_value(self.view[raw.payload_offset : raw.end])
        self.state["unknown_sections"].append(entry)

    def _payload(self, node: Node, raw: RawSection, path: str) -> Any:
        self.reader.seek(raw.payload_offset)
        value = node._parsereport(self.reader, Frame(raw.end, 1, self.session), path)
        end = self.reader.tell()
        if end != raw.end and not isinstance(node, StructNode | OpaqueNode):
            raise DecodeError(ErrorCode.SECTION_TRAILING_DATA, end, path,
                              f"{raw.end - end} bytes follow the section's value inside its payload")
        return value

    def _check_missing(self) -> None:
        at = self.header.trailer_offset
        for section in sorted(self.schema.sections, key=lambda s: s.id):
            if not section.optional and section.name not in self.state["sections"]:
                raise DecodeError(ErrorCode.MISSING_SECTION, at, f"$.sections.{section.name}",
                                  f"required section {section.name!r} (id {section.id}) of {self.schema.ident} "
                                  "is absent")
        for vendor in sorted(self.schema.vendor_sections, key=vendor_order):
            if not vendor.optional and vendor.name not in self.state["vendor_sections"]:
                raise DecodeError(ErrorCode.MISSING_SECTION, at, f"$.vendor_sections.{vendor.name}",
                                  f"required vendor section {vendor.name!r} ({vendor.vendor} id {vendor.id}) "
                                  f"of {self.schema.ident} is absent")


# --- encode -----------------------------------------------------------------------------

OrderKey = tuple[int, bytes, int]
Framed = tuple[BytesLike, ...]
"""A framed section as pieces (section header, vendor header, the payload's pieces), joined once per blob."""


def encode(schema: ir.Schema, state: State) -> bytes:
    """Encode ``state`` as a canonical DSF blob of ``schema``; raises ``EncodeError`` only."""
    return b"".join(encode_pieces(schema, state))  # one copy of each payload: a 64 MiB region is not copied four times


def encode_pieces(schema: ir.Schema, state: State) -> list[BytesLike]:
    """The blob ``encode`` returns as the buffers that make it up, in order: its large byte
    values are the state's own objects, not copies, so a caller writing the buffers one after
    another (``devstate encode``) holds a region once. Raises ``EncodeError`` only. Only
    values that cannot change are kept (``bytes``, a view of a read-only object such as the
    decoder's view of its input); a ``bytearray``, or a view of one, is copied
    (``interp.nodes.stable_bytes``)."""
    pieces: list[BytesLike] = [piece for _, frame in encode_framed(schema, state) for piece in frame]
    return seal_pieces(schema, pieces)


def encode_framed(schema: ir.Schema, state: State) -> list[tuple[OrderKey, Framed]]:
    """The blob's sections in canonical order, each as (order key, its framed pieces): what
    ``encode_pieces`` seals (``devstate convert`` puts unchanged sections of its input in
    their place). Raises ``EncodeError`` only."""
    _check_shape(schema, state)
    codec = compile_schema(schema)
    framed = _encode_sections(codec, state) + _encode_vendor(codec, state) + _encode_unknown(codec, state)
    framed.sort(key=lambda item: item[0])
    for (key, _), (next_key, _) in itertools.pairwise(framed):
        if key == next_key:
            raise EncodeError(ErrorCode.DUPLICATE_SECTION, "$.unknown_sections",
                              f"two sections have the same id {key[2]}{' in one vendor namespace' if key[0] else ''}")
    return framed


def seal_pieces(schema: ir.Schema, pieces: list[BytesLike]) -> list[BytesLike]:
    """The framed sections' pieces between the blob's header and its CRC-32C trailer (``pieces`` is extended)."""
    model = schema.model.encode("ascii")
    total = FIXED_HEADER_SIZE + len(model) + sum(len(piece) for piece in pieces) + TRAILER_SIZE
    pieces.insert(0, encode_header(schema.model, schema.version, total))
    crc = 0
    for piece in pieces:
        crc = crc32c(piece, crc)
    pieces.append(struct.pack("<I", crc))
    return pieces


def _check_shape(schema: ir.Schema, state: Any) -> None:
    if not isinstance(state, dict):
        raise EncodeError(ErrorCode.INVALID_STATE, "$", f"expected a state object, got {type(state).__name__}")
    for key in state:
        if key not in STATE_KEYS:
            raise EncodeError(ErrorCode.INVALID_STATE, f"$.{key}", f"unknown state key {key!r}")
    for key in ("model", "version", "sections"):
        if key not in state:
            raise EncodeError(ErrorCode.INVALID_STATE, f"$.{key}", f"the state has no {key!r}")
    if state["model"] != schema.model:
        raise EncodeError(ErrorCode.INVALID_STATE, "$.model",
                          f"the state is for {state['model']!r}, the schema is {schema.ident}")
    if state["version"] != str(schema.version):
        raise EncodeError(ErrorCode.INVALID_STATE, "$.version",
                          f"the state has version {state['version']!r}, the schema is {schema.ident}")
    for key, kind in (("sections", dict), ("vendor_sections", dict), ("unknown_sections", list)):
        if not isinstance(state.get(key, kind()), kind):
            expected = "an object" if kind is dict else "a list"
            raise EncodeError(ErrorCode.INVALID_STATE, f"$.{key}", f"expected {expected}")


def _payload_frame(
    section_id: int, flags: int, payload: Pieces | bytes | memoryview, path: str,
    vendor: ir.VendorNamespace | Namespace | None = None,
) -> Framed:
    buffers = payload.buffers() if isinstance(payload, Pieces) else [payload]
    size = sum(len(piece) for piece in buffers) + (VENDOR_HEADER_SIZE if vendor else 0)
    if size > 0xFFFF_FFFF:
        raise EncodeError(ErrorCode.LIMIT_EXCEEDED, path,
                          f"a section payload of {size} bytes does not fit a u32 length")
    return section_pieces(section_id, flags, buffers, vendor)


def _encode_sections(codec: SchemaCodec, state: State) -> list[tuple[OrderKey, Framed]]:
    values: dict[str, Any] = state["sections"]
    by_name = {section.name: (section, node) for section, node in codec.sections.values()}
    framed = []
    for name, value in values.items():
        path = f"$.sections.{name}"
        if name not in by_name:
            raise EncodeError(ErrorCode.INVALID_STATE, path, f"{codec.schema.ident} has no section {name!r}")
        section, node = by_name[name]
        payload = node.encode(value, path)
        flags = FLAG_OPTIONAL if section.optional else 0
        framed.append(((0, b"", section.id), _payload_frame(section.id, flags, payload, path)))
    for section, _ in sorted(by_name.values(), key=lambda item: item[0].id):
        if not section.optional and section.name not in values:
            raise EncodeError(ErrorCode.MISSING_SECTION, f"$.sections.{section.name}",
                              f"required section {section.name!r} is missing")
    return framed


def _encode_vendor(codec: SchemaCodec, state: State) -> list[tuple[OrderKey, Framed]]:
    values: dict[str, Any] = state.get("vendor_sections", {})
    by_name = {section.name: (section, node) for section, node in codec.vendor.values()}
    framed = []
    for name, value in values.items():
        path = f"$.vendor_sections.{name}"
        if name not in by_name:
            raise EncodeError(ErrorCode.INVALID_STATE, path, f"{codec.schema.ident} has no vendor section {name!r}")
        section, node = by_name[name]
        payload = node.encode(value, path)
        flags = FLAG_OPTIONAL if section.optional else 0
        key = (1, vendor_header(section.vendor), section.id)
        framed.append((key, _payload_frame(section.id, flags, payload, path, section.vendor)))
    for section, _ in by_name.values():
        if not section.optional and section.name not in values:
            raise EncodeError(ErrorCode.MISSING_SECTION, f"$.vendor_sections.{section.name}",
                              f"required vendor section {section.name!r} is missing")
    return framed


def _encode_unknown(codec: SchemaCodec, state: State) -> list[tuple[OrderKey, Framed]]:
    framed = []
    for index, entry in enumerate(state.get("unknown_sections", [])):
        path = f"$.unknown_sections[{index}]"
        section_id, flags, vendor, payload = _unknown_entry(entry, path)
        if vendor is None and section_id in codec.sections:
            raise EncodeError(ErrorCode.INVALID_STATE, path,
                              f"section id {section_id} is known to {codec.schema.ident}")
        if vendor is not None and (str(vendor), section_id) in codec.vendor:
            raise EncodeError(ErrorCode.INVALID_STATE, path,
                              f"vendor section {vendor} id {section_id} is known to {codec.schema.ident}")
        key = (0, b"", section_id) if vendor is None else (1, vendor_header(vendor), section_id)
        framed.append((key, _payload_frame(section_id, flags & ~FLAG_VENDOR, payload, path, vendor)))
    return framed


def _unknown_entry(entry: Any, path: str) -> tuple[int, int, Namespace | None, bytes | memoryview]:
    if not isinstance(entry, dict):
        raise EncodeError(ErrorCode.INVALID_STATE, path, "expected an object with id, flags and payload")
    extra = set(entry) - {"id", "flags", "vendor", "payload"}
    missing = {"id", "flags", "payload"} - set(entry)
    if extra or missing:
        problem = f"unknown key {sorted(extra)[0]!r}" if extra else f"missing key {sorted(missing)[0]!r}"
        raise EncodeError(ErrorCode.INVALID_STATE, path, problem)
    section_id, flags, payload = entry["id"], entry["flags"], entry["payload"]
    if not _is_int(section_id) or not 1 <= section_id <= MAX_SECTION_ID:
        raise EncodeError(ErrorCode.INVALID_STATE, f"{path}.id", f"section id must be an integer 1..{MAX_SECTION_ID}")
    if not _is_int(flags) or flags & ~KNOWN_FLAGS or bool(flags & FLAG_VENDOR) != ("vendor" in entry):
        raise EncodeError(ErrorCode.INVALID_STATE, f"{path}.flags",
                          "flags must use only OPTIONAL (1) and VENDOR (2), "
                          "with VENDOR set exactly when vendor is given")
    if not isinstance(payload, bytes | bytearray | memoryview):
        raise EncodeError(ErrorCode.INVALID_STATE, f"{path}.payload", f"expected bytes, got {type(payload).__name__}")
    vendor = None
    if "vendor" in entry:
        try:
            vendor = parse_vendor(entry["vendor"]) if isinstance(entry["vendor"], str) else None
        except ValueError as exc:
            raise EncodeError(ErrorCode.INVALID_STATE, f"{path}.vendor", str(exc)) from None
        if vendor is None:
            raise EncodeError(ErrorCode.INVALID_STATE, f"{path}.vendor", "expected pci:0xNNNN or uuid:...")
    return section_id, flags, vendor, stable_bytes(payload)


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)
