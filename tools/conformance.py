"""DSF conformance vectors: deterministic generation, the manifest, and running a vector.

The vectors live in spec/conformance/: ``manifest.json`` lists each vector with its
schema (``MODEL@VERSION`` for a standard schema, or a path under ``schemas/`` for a
conformance-only one), its blob (``vectors/<name>.dsf``) and either the expected state
(``vectors/<name>.json``, the JSON form of spec/wire-format.md) or the expected error
(code, number, offset, path), with optional reader limits.

Regenerate (deterministic; the test suite checks that the committed files match)::

    .venv/bin/python -m tools.conformance            # rewrite spec/conformance/
    .venv/bin/python -m tools.conformance --check    # exit 1 if anything would change

Invalid vectors are built by editing a valid blob at offsets found with a decode trace
and re-sealing it (total length and CRC-32C), so each reaches the error it is about. The
expected code, offset and path of each are written down here from the spec's rules and
checked against the reference codec while generating.
"""

from __future__ import annotations

import argparse
import copy
import functools
import itertools
import json
import random
import struct
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from devstate import ir
from devstate.interp import Trace, decode, encode
from devstate.schema import find_schema_file, load_schema, schema_files
from devstate.state import State, default_state, state_from_json, state_to_json, type_default, vendor_order
from devstate.wire.checksum import crc32c
from devstate.wire.errors import DecodeError, ErrorCode
from devstate.wire.header import TRAILER_SIZE, parse_header
from devstate.wire.limits import DEFAULT_LIMITS, Limits
from devstate.wire.sections import FLAG_OPTIONAL, FLAG_VENDOR, RawSection, encode_section, iter_sections

CONFORMANCE_DIR = Path(__file__).resolve().parent.parent / "spec" / "conformance"
MANIFEST_FORMAT = "dsf-conformance/1"
TEST_10 = "schemas/org.devstate.test/1.0.yaml"
TEST_11 = "schemas/org.devstate.test/1.1.yaml"
LED = "schemas/org.example.led/1.0.yaml"
UNKNOWN_VENDOR = "pci:0xfffe"


# --- the manifest -----------------------------------------------------------------------


@dataclass
class Vector:
    """One conformance vector: a blob, the reader schema, and what decoding must give."""

    name: str
    schema: str
    blob: bytes
    description: str
    expected: State | None = None
    error: dict[str, Any] | None = None
    limits: dict[str, int] | None = None
    klass: str | None = None
    """``"malicious"`` for the malicious-state corpus (``tools.malicious``)."""
    bug_class: str | None = None
    modelled_on: str | None = None

    def manifest_entry(self) -> dict[str, Any]:
        entry: dict[str, Any] = {"name": self.name, "schema": self.schema, "blob": f"vectors/{self.name}.dsf"}
        if self.error is None:
            entry["expected"] = f"vectors/{self.name}.json"
        else:
            entry["error"] = self.error
        if self.limits:
            entry["limits"] = self.limits
        if self.klass is not None:
            entry.update({"class": self.klass, "bug_class": self.bug_class, "modelled_on": self.modelled_on})
        entry["description"] = self.description
        return entry


@functools.lru_cache(maxsize=64)
def resolve_schema(ref: str, root: Path = CONFORMANCE_DIR) -> ir.Schema:
    """A manifest schema reference: ``MODEL@VERSION`` or a path relative to ``root``."""
    if ref.endswith((".yaml", ".yml")):
        return load_schema(root / ref)
    return load_schema(find_schema_file(ref).path)


def load_manifest(root: Path = CONFORMANCE_DIR) -> list[dict[str, Any]]:
    manifest = json.loads((root / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["format"] == MANIFEST_FORMAT, manifest["format"]
    return list(manifest["vectors"])


def entry_limits(entry: dict[str, Any]) -> Limits:
    return Limits(**entry.get("limits", {}))


def run_entry(entry: dict[str, Any], root: Path = CONFORMANCE_DIR) -> tuple[State | None, DecodeError | None]:
    """Decode one manifest entry's blob with the reference codec: (state, None) or (None, error)."""
    schema = resolve_schema(entry["schema"], root)
    data = (root / entry["blob"]).read_bytes()
    try:
        return decode(schema, data, entry_limits(entry)), None
    except DecodeError as exc:
        return None, exc


def expected_state(entry: dict[str, Any], root: Path = CONFORMANCE_DIR) -> State:
    schema = resolve_schema(entry["schema"], root)
    return state_from_json(json.loads((root / entry["expected"]).read_text(encoding="utf-8")), schema)


# --- blob editing -----------------------------------------------------------------------


def reseal(data: bytes | bytearray, *, fix_length: bool = True) -> bytes:
    """Set the header's total length to the real length (optional) and recompute the CRC."""
    out = bytearray(data)
    if fix_length:
        out[16:24] = struct.pack("<Q", len(out))
    out[-TRAILER_SIZE:] = struct.pack("<I", crc32c(bytes(out[:-TRAILER_SIZE])))
    return bytes(out)


def put(data: bytes, offset: int, raw: bytes, *, fix_length: bool = True) -> bytes:
    """``data`` with ``raw`` written at ``offset`` (same length), re-sealed."""
    return reseal(data[:offset] + raw + data[offset + len(raw) :], fix_length=fix_length)


@dataclass
class Parts:
    """A blob split into its header bytes and its framed sections."""

    header: bytes
    frames: list[bytes]
    sections: list[RawSection]

    def assemble(self, frames: list[bytes] | None = None) -> bytes:
        body = b"".join(self.frames if frames is None else frames)
        return reseal(self.header + body + bytes(TRAILER_SIZE))


def split(data: bytes) -> Parts:
    header = parse_header(data)
    sections = list(iter_sections(data, header))
    frames = [data[s.offset : s.end] for s in sections]
    return Parts(data[: header.sections_offset], frames, sections)


@dataclass
class Located:
    """A valid blob and the offset of every value in it (from a decode trace)."""

    schema: ir.Schema
    blob: bytes
    offsets: dict[str, int] = field(default_factory=dict)

    @classmethod
    def of(cls, schema: ir.Schema, state: State) -> Located:
        blob = encode(schema, state)
        trace = Trace()
        decode(schema, blob, trace=trace)
        return cls(schema, blob, {entry.path: entry.offset for entry in trace.entries})

    def at(self, path: str) -> int:
        return self.offsets[path]

    def section(self, key: int | str) -> tuple[int, RawSection]:
        """(index, section) by standard id or by vendor ``"pci:0x1234#1"``."""
        for index, raw in enumerate(split(self.blob).sections):
            label = raw.id if raw.vendor is None else f"{raw.vendor}#{raw.id}"
            if label == key:
                return index, raw
        raise KeyError(key)


def u8(value: int) -> bytes:
    return struct.pack("<B", value)


def u16(value: int) -> bytes:
    return struct.pack("<H", value)


def u32(value: int) -> bytes:
    return struct.pack("<I", value)


def i32(value: int) -> bytes:
    return struct.pack("<i", value)


# --- sample states ----------------------------------------------------------------------


class Sampler:
    """Deterministic sample values per IR type kind: ``max`` (full arrays, top values),
    ``empty`` (empty counted arrays, zero values) or ``random`` (seeded)."""

    def __init__(self, schema: ir.Schema, mode: str, seed: str = "") -> None:
        self.schema = schema
        self.mode = mode
        self.rng = random.Random(f"{schema.ident}/{mode}/{seed}")

    def value(self, expr: ir.TypeExpr, low: int | None = None, high: int | None = None) -> Any:
        if self.mode == "empty":
            return type_default(self.schema, expr)
        if isinstance(expr, ir.ScalarType):
            return self._scalar(expr.name, low, high)
        if isinstance(expr, ir.NamedRef):
            return self._named(self.schema.resolve(expr))
        if isinstance(expr, ir.ArrayType):
            count = expr.length if expr.length is not None else self._count(expr.capacity)
            return [self.value(expr.element, low, high) for _ in range(count)]
        if isinstance(expr, ir.BytesType):
            size = expr.length if expr.length is not None else self._count(expr.max or 0, 24)
            return bytes(self.rng.randrange(256) for _ in range(size))
        return self._text(self._count(expr.max, 24))

    def _count(self, capacity: int, cap: int = 3) -> int:
        return capacity if self.mode == "max" else self.rng.randint(0, min(capacity, cap))

    def _scalar(self, name: str, low: int | None, high: int | None) -> Any:
        if name == "bool":
            return True if self.mode == "max" else self.rng.random() < 0.5
        type_low, type_high = ir.scalar_range(name)
        low = type_low if low is None else max(low, type_low)
        high = type_high if high is None else min(high, type_high)
        if self.mode == "max":
            return high
        return self.rng.choice([low, high, self.rng.randint(low, high), min(max(low, 1), high)])

    def _named(self, named: ir.StructType | ir.EnumType | ir.FlagsType) -> Any:
        if isinstance(named, ir.StructType):
            return {f.name: self.value(f.type, f.min, f.max) for f in named.fields}
        if isinstance(named, ir.FlagsType):
            bits = sorted(named.bits, key=lambda b: b.bit)
            return [b.name for b in bits if self.mode == "max" or self.rng.random() < 0.5]
        if self.mode == "max":
            return named.values[-1].name
        return self.rng.choice(named.values).name

    def _text(self, size: int) -> str:
        alphabet = "dsf-état€" if self.mode == "random" else "abcdefghijklmnopqrstuvwxyz"
        text = ""
        while True:
            char = alphabet[len(text) % len(alphabet)] if self.mode == "max" else self.rng.choice(alphabet)
            if len((text + char).encode()) > size:
                return text
            text += char


def sample_state(schema: ir.Schema, mode: str, *, optional: bool = True, vendor: bool = True) -> State:
    """A state with every required section (and optional/vendor ones when asked) sampled."""
    sampler = Sampler(schema, mode)
    state = default_state(schema)
    state["sections"] = {
        s.name: sampler.value(s.type)
        for s in sorted(schema.sections, key=lambda s: s.id) if optional or not s.optional
    }
    state["vendor_sections"] = {
        v.name: _vendor_value(sampler, v) for v in sorted(schema.vendor_sections, key=vendor_order)
        if vendor or not v.optional
    }
    return state


def _vendor_value(sampler: Sampler, section: ir.VendorSection) -> Any:
    if section.type is not None:
        return sampler.value(section.type)
    size = (section.max or 0) if sampler.mode == "max" else min(section.max or 0, 8)
    return bytes((i * 37 + 11) % 256 for i in range(size))


def unknown_entries(schema: ir.Schema) -> list[dict[str, Any]]:
    """One optional unknown standard section and one optional unknown vendor section."""
    free = max([s.id for s in schema.sections] + [0]) + 10
    return [
        {"id": free, "flags": FLAG_OPTIONAL, "payload": b"\x00unknown-but-optional"},
        {"id": 1, "flags": FLAG_OPTIONAL | FLAG_VENDOR, "vendor": UNKNOWN_VENDOR, "payload": b"\xde\xad\xbe\xef"},
    ]


# --- valid vectors ----------------------------------------------------------------------


def _slug(ref: str) -> str:
    if ref.endswith(".yaml"):
        parts = Path(ref).parts
        return f"{parts[-2]}-{Path(parts[-1]).stem}"
    return ref.replace("@", "-")


def valid_vectors_for(ref: str) -> list[Vector]:
    """Five or more valid vectors of one schema (see the manifest descriptions)."""
    schema = resolve_schema(ref)
    slug = _slug(ref)
    with_vendor = default_state(schema)
    with_vendor["vendor_sections"] = sample_state(schema, "random")["vendor_sections"]
    with_vendor["unknown_sections"] = unknown_entries(schema)
    states = [
        ("default", default_state(schema),
         "every required section at its defaults (all zero where the schema gives no default); "
         "optional sections absent"),
        ("optional-empty", sample_state(schema, "empty"),
         "every section (optional and vendor ones too) present, counted arrays, bytes and strings empty"),
        ("max", sample_state(schema, "max"),
         "every section present; counted arrays, bytes and strings at their declared maximum, "
         "integers at their upper bound, every flag bit set"),
        ("random", sample_state(schema, "random", optional=False, vendor=False),
         "required sections only, with seeded pseudo-random values"),
        ("vendor", with_vendor,
         "required sections at defaults, the schema's vendor sections present, plus an unknown optional "
         "standard section and an unknown optional vendor section that a reader must skip and keep"),
    ]
    vectors = []
    for suffix, state, description in states:
        vectors.append(Vector(f"valid-{slug}-{suffix}", ref, encode(schema, state), description,
                              expected=decode(schema, encode(schema, state))))
    return vectors


def cross_version_vectors(writer_ref: str, reader_ref: str) -> list[Vector]:
    """A reader of another minor version of the same major reads default/max blobs."""
    writer, reader = resolve_schema(writer_ref), resolve_schema(reader_ref)
    direction = "older" if reader.version < writer.version else "newer"
    vectors = []
    for suffix, state in (("default", default_state(writer)), ("optional-empty", sample_state(writer, "empty"))):
        blob = encode(writer, state)
        name = f"valid-{_slug(reader_ref)}-reads-{writer.version}-{suffix}"
        description = (f"a {direction} reader ({reader.ident}) reads a {writer.ident} blob ({suffix}): "
                       + ("appended fields are absent and take their defaults" if direction == "newer"
                          else "zero tails of appended fields are accepted; unknown optional sections are kept"))
        vectors.append(Vector(name, reader_ref, blob, description, expected=decode(reader, blob)))
    return vectors


def led_example() -> tuple[ir.Schema, State]:
    """The worked example of spec/wire-format.md."""
    schema = resolve_schema(LED)
    state = {"model": "org.example.led", "version": "1.0",
             "sections": {"led": {"lit": True, "color": "green", "brightness": 500}, "label": "hi"},
             "vendor_sections": {}, "unknown_sections": []}
    return schema, state


def test_base_state(schema: ir.Schema) -> State:
    """A state of org.devstate.test that uses every feature (the base of the invalid vectors)."""
    newer = schema.version.minor >= 1

    def entry(entry_id: int, caps: list[str], value: int) -> dict[str, Any]:
        appended = {"weight": 0} if newer else {}
        return {"id": entry_id, "caps": caps, "value": value, **appended}

    main = {"mode": "auto", "speed": "fast", "enabled": True, "count": 3, "big": 2**63 + 5, "signed": -2,
            "mac": [2, 0, 0, 0, 0, 1], "name": "dsf", "blob": b"\x01\x02", "key": b"\xde\xad\xbe\xef",
            "nested": {"x": 5, "label": "in"}, "levels": [1, 2]}
    if newer:
        main.update(turbo=False, note="")
    sections: dict[str, Any] = {
        "main": main,
        "entries": [entry(1, ["alpha"], 10), entry(2, ["beta", "gamma"], 20)],
        "counters": [1, 2, 3, 4],
        "extra": {"pair": [entry(3, [], 0), entry(4, [], 1)], "words": [[1, 2]]},
        "tags": ["a", "bc"],
    }
    return {"model": schema.model, "version": str(schema.version), "sections": sections,
            "vendor_sections": {"acme_blob": b"\xca\xfe", "acme_regs": {"r0": 1, "r1": 2}},
            "unknown_sections": []}


def unknown_sections_blob(count: int) -> tuple[bytes, int]:
    """A valid org.devstate.test 1.0 blob with ``count`` empty unknown optional sections, half
    standard (ids 100, 101, ...) and half vendor (PCI 0xfffe, ids 1, 2, ...); and the offset of
    the last one."""
    schema = resolve_schema(TEST_10)
    state = test_base_state(schema)
    standard = count - count // 2
    state["unknown_sections"] = (
        [{"id": 100 + n, "flags": FLAG_OPTIONAL, "payload": b""} for n in range(standard)]
        + [{"id": 1 + n, "flags": FLAG_OPTIONAL | FLAG_VENDOR, "vendor": UNKNOWN_VENDOR, "payload": b""}
           for n in range(count - standard)])
    blob = encode(schema, state)
    last = [s for s in split_unlimited(blob) if str(s.vendor) == UNKNOWN_VENDOR][-1]
    return blob, last.offset


def split_unlimited(blob: bytes) -> list[RawSection]:
    """The sections of one of our own blobs, whatever their number."""
    return list(iter_sections(blob, parse_header(blob), Limits(max_sections=len(blob))))


def limit_vectors() -> list[Vector]:
    """Valid vectors at each limit (the invalid ones one past it are in ``InvalidVectors.limits``)."""
    schema = resolve_schema(TEST_10)
    blob = encode(schema, test_base_state(schema))
    sections = len(split_unlimited(blob))
    at_unknown, _ = unknown_sections_blob(DEFAULT_LIMITS.max_unknown_sections)
    vectors = [
        Vector("valid-limit-total-size-at-limit", TEST_10, blob,
               f"a reader limited to {len(blob)}-byte blobs reads a {len(blob)}-byte one",
               limits={"max_total_size": len(blob)}),
        Vector("valid-limit-region-size-at-limit", TEST_10, blob,
               "a reader limited to 2-byte regions: main.blob and the opaque vendor payload have 2 bytes",
               limits={"max_region_size": 2}),
        Vector("valid-limit-depth-at-limit", TEST_10, blob,
               "a reader limited to depth 4: extra.pair[0].id and extra.words[0][0] are at depth 4",
               limits={"max_depth": 4}),
        Vector("valid-limit-sections-at-limit", TEST_10, blob,
               f"a reader limited to {sections} sections reads a blob of {sections}",
               limits={"max_sections": sections}),
        Vector("valid-limit-unknown-sections-at-limit", TEST_10, at_unknown,
               f"{DEFAULT_LIMITS.max_unknown_sections} empty unknown optional sections (half standard, half vendor): "
               "the default limit, kept and written back"),
    ]
    for vector in vectors:
        vector.expected = decode(schema, vector.blob, Limits(**(vector.limits or {})))
    return vectors


def extra_valid_vectors() -> list[Vector]:
    schema = resolve_schema(TEST_10)
    base = test_base_state(schema)
    open_enum = copy.deepcopy(base)
    open_enum["sections"]["main"]["speed"] = 999
    newer = resolve_schema(TEST_11)
    base11 = test_base_state(newer)
    led, led_state = led_example()
    vectors = [
        Vector("valid-test-1.0-features", TEST_10, encode(schema, base),
               "every type kind with non-default values: enums, flags, nested sized struct, strided arrays, "
               "fixed and counted bytes, strings, a typed UUID vendor section and an opaque PCI one"),
        Vector("valid-test-1.0-open-enum-undeclared", TEST_10, encode(schema, open_enum),
               "an open enum holding an undeclared value (999) decodes to the integer"),
        Vector("valid-test-1.1-features", TEST_11, encode(newer, base11),
               "the 1.1 feature state (appended fields at zero)"),
        Vector("valid-test-1.0-reads-1.1-zero-tail", TEST_10, encode(newer, base11),
               "a 1.0 reader reads a 1.1 blob whose appended fields are zero: the zero struct tails "
               "(per stride element and in the section body) are accepted and dropped"),
        Vector("valid-test-1.1-reads-1.0-defaults", TEST_11, encode(schema, base),
               "a 1.1 reader reads a 1.0 blob: shorter strides and struct bodies end at the appended "
               "fields, which take their defaults"),
        Vector("valid-led-worked-example", LED, encode(led, led_state),
               "the worked example of spec/wire-format.md, byte for byte"),
    ]
    for vector in vectors:
        vector.expected = decode(resolve_schema(vector.schema), vector.blob)
    return vectors


# --- invalid vectors --------------------------------------------------------------------


class InvalidVectors:
    """The invalid vectors; each names the rule it breaks and the exact error expected."""

    def __init__(self) -> None:
        self.schema = resolve_schema(TEST_10)
        self.base = Located.of(self.schema, test_base_state(self.schema))
        self.vectors: list[Vector] = []

    def add(self, name: str, blob: bytes, code: ErrorCode, offset: int, path: str, description: str,
            *, schema: str = TEST_10, limits: dict[str, int] | None = None) -> None:
        error = {"code": code.name, "number": int(code), "offset": offset, "path": path}
        self.vectors.append(Vector(f"invalid-{name}", schema, blob, description, error=error, limits=limits))

    def build(self) -> list[Vector]:
        self.envelope()
        self.framing()
        self.containers()
        self.values()
        self.versions()
        self.limits()
        self.vendor()
        self.standard()
        return self.vectors

    def envelope(self) -> None:
        blob = self.base.blob
        total = len(blob)
        self.add("empty-input", b"", ErrorCode.TRUNCATED, 0, "$.header.magic", "a zero-byte input")
        self.add("truncated-magic", blob[:5], ErrorCode.TRUNCATED, 0, "$.header.magic",
                 "the input ends inside the magic")
        self.add("truncated-header", blob[:20], ErrorCode.TRUNCATED, 16, "$.header.total_length",
                 "the input ends inside the fixed header (in total_length)")
        self.add("truncated-before-model-id-length", blob[:24], ErrorCode.TRUNCATED, 24,
                 "$.header.model_id_length", "the input ends just before model_id_length")
        self.add("bad-magic-newline-conversion", blob[:4] + blob[5:], ErrorCode.BAD_MAGIC, 0, "$.header.magic",
                 "CR LF in the magic converted to LF by a text-mode transfer")
        self.add("bad-magic-7-bit", bytes([blob[0] & 0x7F]) + blob[1:], ErrorCode.BAD_MAGIC, 0, "$.header.magic",
                 "the high bit of the first magic byte stripped by a 7-bit channel")
        self.add("unsupported-format-version", put(blob, 8, u16(2)), ErrorCode.UNSUPPORTED_FORMAT_VERSION, 8,
                 "$.header.format_version", "format version 2")
        self.add("bad-header-flags", put(blob, 10, u16(1)), ErrorCode.BAD_HEADER_FLAGS, 10, "$.header.flags",
                 "header flags 0x0001 (must be 0 in DSF v1)")
        self.add("length-mismatch-truncated", blob[:-7], ErrorCode.LENGTH_MISMATCH, 16, "$.header.total_length",
                 "the last 7 bytes are missing: the input is shorter than total_length")
        self.add("length-mismatch-too-small", put(blob, 16, struct.pack("<Q", 20), fix_length=False),
                 ErrorCode.LENGTH_MISMATCH, 16, "$.header.total_length",
                 "total_length 20 cannot hold the header and the trailer")
        self.add("trailing-bytes", blob + b"\x00\x00\x00", ErrorCode.TRAILING_BYTES, total, "$.trailer",
                 "three bytes after the trailer (total_length is the valid blob's length)")
        flipped = bytearray(blob)
        flipped[self.base.at("$.sections.main.big")] ^= 0x01
        self.add("bad-checksum", bytes(flipped), ErrorCode.BAD_CHECKSUM, total - 4, "$.trailer.crc32c",
                 "one bit of a value flipped after the CRC was computed")
        self.add("bad-model-id-length-zero", put(blob, 24, u8(0)), ErrorCode.BAD_MODEL_ID, 24,
                 "$.header.model_id_length", "model_id_length 0")
        self.add("bad-model-id-length-129", put(blob, 24, u8(129)), ErrorCode.BAD_MODEL_ID, 24,
                 "$.header.model_id_length", "model_id_length 129 (the maximum is 128)")
        self.add("bad-model-id-text", put(blob, 25, b"O"), ErrorCode.BAD_MODEL_ID, 25, "$.header.model",
                 "model id 'Org.devstate.test' (upper case is not allowed)")
        other = blob[:24] + u8(18) + b"org.devstate.other" + blob[25 + len("org.devstate.test"):]
        self.add("model-mismatch", reseal(other), ErrorCode.MODEL_MISMATCH, 25, "$.header.model",
                 "a valid blob of another model (org.devstate.other) given to an org.devstate.test reader")
        self.add("major-mismatch", put(blob, 12, u16(2)), ErrorCode.MAJOR_MISMATCH, 12, "$.header.major",
                 "schema version 2.0 in the header; the reader is 1.0")

    def framing(self) -> None:
        parts = split(self.base.blob)
        index, counters = self.base.section(3)
        trailer = len(self.base.blob) - 4
        junk = parts.assemble([*parts.frames, b"\x01\x00\x00\x00\x00"])
        self.add("section-header-past-end", junk, ErrorCode.SECTION_PAST_END, trailer, "$.sections",
                 "5 bytes between the last section and the trailer: too short for a section header")
        self.add("section-length-past-end", put(self.base.blob, counters.offset + 4, u32(1000)),
                 ErrorCode.SECTION_PAST_END, counters.offset + 4, "$.sections[id=3]",
                 "section 3's length (1000) runs past the trailer")
        self.add("bad-section-id-zero", put(self.base.blob, counters.offset, u16(0)), ErrorCode.BAD_SECTION_ID,
                 counters.offset, "$.sections[id=0]", "section id 0")
        self.add("bad-section-id-high-bit", put(self.base.blob, counters.offset, u16(0x8003)),
                 ErrorCode.BAD_SECTION_ID, counters.offset, "$.sections[id=32771]",
                 "section id 0x8003 (the high bit is reserved)")
        self.add("bad-section-flags", put(self.base.blob, counters.offset + 2, u16(4)), ErrorCode.BAD_SECTION_FLAGS,
                 counters.offset + 2, "$.sections[id=3]", "undefined section flag bit 2")
        self.add("optional-flag-on-required-section", put(self.base.blob, counters.offset + 2, u16(FLAG_OPTIONAL)),
                 ErrorCode.BAD_SECTION_FLAGS, counters.offset + 2, "$.sections.counters",
                 "a section the schema requires is flagged OPTIONAL")
        unknown = encode_section(4, 0, b"\x01\x02")
        frames = [*parts.frames[: index + 1], unknown, *parts.frames[index + 1 :]]
        self.add("unknown-required-section", parts.assemble(frames), ErrorCode.UNKNOWN_SECTION, counters.end,
                 "$.sections[id=4]", "section id 4 is unknown to the reader and not OPTIONAL (must understand)")
        frames = [*parts.frames[: index + 1], parts.frames[index], *parts.frames[index + 1 :]]
        self.add("duplicate-section", parts.assemble(frames), ErrorCode.DUPLICATE_SECTION, counters.end,
                 "$.sections[id=3]", "section 3 appears twice")
        entries_index, entries = self.base.section(2)
        frames = list(parts.frames)
        frames[entries_index], frames[index] = frames[index], frames[entries_index]
        swapped_at = entries.offset + len(parts.frames[index])
        self.add("section-order", parts.assemble(frames), ErrorCode.SECTION_ORDER, swapped_at, "$.sections[id=2]",
                 "sections 3 and 2 swapped (ids must increase)")
        tags_index, _tags = self.base.section(7)
        frames = [f for i, f in enumerate(parts.frames) if i != tags_index] + [parts.frames[tags_index]]
        moved_at = len(self.base.blob) - 4 - len(parts.frames[tags_index])
        self.add("standard-section-after-vendor", parts.assemble(frames), ErrorCode.SECTION_ORDER, moved_at,
                 "$.sections[id=7]", "a standard section after the vendor sections")
        main_index, _main = self.base.section(1)
        frames = [*parts.frames[: index + 1], parts.frames[main_index], *parts.frames[index + 1 :]]
        self.add("section-repeat-non-adjacent", parts.assemble(frames), ErrorCode.SECTION_ORDER, counters.end,
                 "$.sections[id=1]",
                 "sections 1, 2, 3 and then 1 again: a repeat that is not adjacent breaks the order "
                 "(SECTION_ORDER; DUPLICATE_SECTION is only for the same section twice in a row)")
        frames = [f for i, f in enumerate(parts.frames) if i != index]
        missing_trailer = trailer - len(parts.frames[index])
        self.add("missing-section", parts.assemble(frames), ErrorCode.MISSING_SECTION, missing_trailer,
                 "$.sections.counters", "required section 3 (counters) is absent")
        longer = encode_section(3, 0, parts.frames[index][8:] + bytes(4))
        frames = [*parts.frames[:index], longer, *parts.frames[index + 1 :]]
        self.add("section-trailing-data", parts.assemble(frames), ErrorCode.SECTION_TRAILING_DATA,
                 counters.offset + 8 + 16, "$.sections.counters",
                 "4 bytes after the u32[4] value inside section 3's payload")

    def containers(self) -> None:
        base = self.base
        count_at = base.at("$.sections.entries")
        self.add("count-over-max", put(base.blob, count_at, u32(9)), ErrorCode.COUNT_OVER_MAX, count_at,
                 "$.sections.entries", "9 entries; the declared max is 8")
        self.add("count-past-end", put(base.blob, count_at, u32(5)), ErrorCode.COUNT_PAST_END, count_at,
                 "$.sections.entries", "5 entries × stride 8 = 40 bytes, but the payload holds 16")
        huge = put(put(base.blob, count_at, u32(8)), count_at + 4, u32(0x4000_0000))
        self.add("count-times-stride-past-end", huge, ErrorCode.COUNT_PAST_END, count_at, "$.sections.entries",
                 "8 entries × stride 1 GiB: refused before anything is allocated")
        tags_at = base.at("$.sections.tags")
        self.add("count-past-end-strings", put(base.blob, tags_at, u32(4)), ErrorCode.COUNT_PAST_END, tags_at,
                 "$.sections.tags", "4 strings need at least 16 bytes (4-byte length each); 11 remain")
        self.add("bad-stride-zero", put(base.blob, count_at + 4, u32(0)), ErrorCode.BAD_STRIDE, count_at + 4,
                 "$.sections.entries", "stride 0")
        self.add("bad-stride-mid-field", put(base.blob, count_at + 4, u32(5)), ErrorCode.BAD_STRIDE, count_at + 4,
                 "$.sections.entries", "stride 5 ends inside the base field value (entry is 8 bytes)")
        nested = base.at("$.sections.main.nested")
        x_at = base.at("$.sections.main.nested.x")
        self.add("struct-too-short-mid-field", put(base.blob, nested, u32(2)), ErrorCode.STRUCT_TOO_SHORT, x_at,
                 "$.sections.main.nested.x", "the nested struct's size (2) ends inside its first field (i32)")
        self.add("struct-too-short-before-base-field", put(base.blob, nested, u32(4)), ErrorCode.STRUCT_TOO_SHORT,
                 x_at + 4, "$.sections.main.nested.label",
                 "the nested struct's size (4) ends before its base field label")
        parts = split(base.blob)
        index, main = base.section(1)
        short = encode_section(1, 0, parts.frames[index][8 : 8 + 3])
        frames = [*parts.frames[:index], short, *parts.frames[index + 1 :]]
        self.add("struct-section-too-short", parts.assemble(frames), ErrorCode.STRUCT_TOO_SHORT, main.offset + 11,
                 "$.sections.main.enabled", "section main's payload (a struct body) ends after 3 bytes")
        self.add("struct-size-past-end", put(base.blob, nested, u32(1000)), ErrorCode.TRUNCATED, nested,
                 "$.sections.main.nested", "the nested struct's size (1000) runs past the section payload")
        last_tag = base.at("$.sections.tags[1]")
        self.add("string-length-past-end", put(base.blob, last_tag, u32(8)), ErrorCode.TRUNCATED, last_tag,
                 "$.sections.tags[1]", "the last string's length (8) runs past its section (2 bytes remain)")
        blob_at = base.at("$.sections.main.blob")
        self.add("bytes-length-over-max", put(base.blob, blob_at, u32(65)), ErrorCode.LENGTH_OVER_MAX, blob_at,
                 "$.sections.main.blob", "counted bytes of length 65; the declared max is 64")
        name_at = base.at("$.sections.main.name")
        self.add("string-length-over-max", put(base.blob, name_at, u32(33)), ErrorCode.LENGTH_OVER_MAX, name_at,
                 "$.sections.main.name", "a string of 33 bytes; the declared max is 32")

    def values(self) -> None:
        base = self.base
        at = base.at
        self.add("bad-bool", put(base.blob, at("$.sections.main.enabled"), u8(2)), ErrorCode.BAD_BOOL,
                 at("$.sections.main.enabled"), "$.sections.main.enabled", "a bool byte of 2")
        self.add("bad-enum-closed", put(base.blob, at("$.sections.main.mode"), u8(7)), ErrorCode.BAD_ENUM,
                 at("$.sections.main.mode"), "$.sections.main.mode", "value 7 in the closed enum mode")
        caps = at("$.sections.entries[0].caps")
        self.add("bad-flags-undeclared-bit", put(base.blob, caps, u16(0x0005)), ErrorCode.BAD_FLAGS, caps,
                 "$.sections.entries[0].caps", "flags value 0x0005: bit 2 is not declared")
        count = at("$.sections.main.count")
        self.add("out-of-range-above-max", put(base.blob, count, u8(9)), ErrorCode.OUT_OF_RANGE, count,
                 "$.sections.main.count", "count 9; the field's max is 8")
        self.add("out-of-range-below-min", put(base.blob, count, u8(0)), ErrorCode.OUT_OF_RANGE, count,
                 "$.sections.main.count", "count 0; the field's min is 1")
        level = at("$.sections.main.levels[1]")
        self.add("out-of-range-array-element", put(base.blob, level, u16(1001)), ErrorCode.OUT_OF_RANGE, level,
                 "$.sections.main.levels[1]", "an element 1001 of an array field with max 1000")
        x_at = at("$.sections.main.nested.x")
        self.add("out-of-range-signed", put(base.blob, x_at, i32(-101)), ErrorCode.OUT_OF_RANGE, x_at,
                 "$.sections.main.nested.x", "i32 -101; the field's min is -100")
        value = at("$.sections.entries[1].value")
        self.add("out-of-range-in-stride-element", put(base.blob, value, u32(1_000_001)), ErrorCode.OUT_OF_RANGE,
                 value, "$.sections.entries[1].value", "1000001 in an array element; the field's max is 1000000")
        name = at("$.sections.main.name")
        self.add("bad-utf8", put(base.blob, name + 5, b"\xff"), ErrorCode.BAD_UTF8, name + 5,
                 "$.sections.main.name", "string bytes 64 ff 66: 0xff is never valid UTF-8")
        self.add("bad-utf8-surrogate", put(base.blob, name + 4, b"\xed\xa0\x80"), ErrorCode.BAD_UTF8, name + 4,
                 "$.sections.main.name", "an encoded UTF-16 surrogate (ed a0 80) is not valid UTF-8")

    def versions(self) -> None:
        newer = resolve_schema(TEST_11)
        state = test_base_state(newer)
        state["sections"]["entries"][0]["weight"] = 0x0100
        located = Located.of(newer, state)
        weight = located.at("$.sections.entries[0].weight")
        self.add("nonzero-tail-stride-element", located.blob, ErrorCode.NONZERO_TAIL, weight + 1,
                 "$.sections.entries[0]",
                 "a 1.0 reader, a 1.1 blob whose appended field entry.weight is 0x0100: the tail is not zero "
                 "(the offset is the first non-zero byte)")
        state = test_base_state(newer)
        state["sections"]["main"]["turbo"] = True
        located = Located.of(newer, state)
        self.add("nonzero-tail-struct-section", located.blob, ErrorCode.NONZERO_TAIL,
                 located.at("$.sections.main.turbo"), "$.sections.main",
                 "a 1.0 reader, a 1.1 blob with main.turbo = true")

    def limits(self) -> None:
        base = self.base
        self.add("limit-total-size", base.blob, ErrorCode.LIMIT_EXCEEDED, 0, "$",
                 "a reader limited to 64-byte blobs (max_total_size 64)", limits={"max_total_size": 64})
        self.add("limit-region-size", base.blob, ErrorCode.LIMIT_EXCEEDED, base.at("$.sections.main.blob"),
                 "$.sections.main.blob", "a reader limited to 1-byte regions; main.blob has 2 bytes",
                 limits={"max_region_size": 1})
        self.add("nesting-too-deep", base.blob, ErrorCode.NESTING_TOO_DEEP, base.at("$.sections.main.mac"),
                 "$.sections.main.mac[0]",
                 "a reader limited to depth 2: main (1) → main.mac (2) → main.mac[0] (3)",
                 limits={"max_depth": 2})
        self.add("limit-depth-one-under", base.blob, ErrorCode.NESTING_TOO_DEEP,
                 base.at("$.sections.extra.pair[0].id"), "$.sections.extra.pair[0].id",
                 "a reader limited to depth 3: extra (1) → extra.pair (2) → pair[0] (3) → pair[0].id (4)",
                 limits={"max_depth": 3})
        self.add("limit-total-size-one-under", base.blob, ErrorCode.LIMIT_EXCEEDED, 0, "$",
                 f"a reader limited to {len(base.blob) - 1}-byte blobs reads a {len(base.blob)}-byte one",
                 limits={"max_total_size": len(base.blob) - 1})
        self.add("limit-depth-zero", base.blob, ErrorCode.NESTING_TOO_DEEP, base.at("$.sections.main"),
                 "$.sections.main", "a reader with max_depth 0 refuses the first section value (depth 1)",
                 limits={"max_depth": 0})
        self.add("limit-region-size-zero", base.blob, ErrorCode.LIMIT_EXCEEDED, base.at("$.sections.main.blob"),
                 "$.sections.main.blob", "a reader with max_region_size 0 refuses main.blob (2 bytes)",
                 limits={"max_region_size": 0})
        sections = split(base.blob).sections
        self.add("limit-sections-over", base.blob, ErrorCode.LIMIT_EXCEEDED, sections[-1].offset, "$.sections",
                 f"a reader limited to {len(sections) - 1} sections reads a blob of {len(sections)}: refused at "
                 "the last section, before its header is read", limits={"max_sections": len(sections) - 1})
        self.add("limit-sections-zero", base.blob, ErrorCode.LIMIT_EXCEEDED, sections[0].offset, "$.sections",
                 "a reader with max_sections 0 refuses the first section", limits={"max_sections": 0})
        over, at = unknown_sections_blob(DEFAULT_LIMITS.max_unknown_sections + 1)
        self.add("limit-unknown-sections-over", over, ErrorCode.LIMIT_EXCEEDED, at,
                 f"$.vendor_sections[{UNKNOWN_VENDOR}#{(DEFAULT_LIMITS.max_unknown_sections + 1) // 2}]",
                 f"{DEFAULT_LIMITS.max_unknown_sections + 1} unknown optional sections (the default limit is "
                 f"{DEFAULT_LIMITS.max_unknown_sections}): refused at the last of them")
        self.add("limit-unknown-sections-zero", self.base_with_unknown(), ErrorCode.LIMIT_EXCEEDED,
                 split(self.base_with_unknown()).sections[3].offset, "$.sections[id=4]",
                 "a reader with max_unknown_sections 0 refuses the first unknown optional section",
                 limits={"max_unknown_sections": 0})
        self.add("limit-unknown-before-count", self.base_with_unknown(required=True), ErrorCode.UNKNOWN_SECTION,
                 split(self.base_with_unknown()).sections[3].offset, "$.sections[id=4]",
                 "max_unknown_sections 0 and an unknown section that is not OPTIONAL: UNKNOWN_SECTION comes first",
                 limits={"max_unknown_sections": 0})

    def base_with_unknown(self, *, required: bool = False) -> bytes:
        """The base blob with an unknown section 4 (OPTIONAL unless ``required``) after section 3."""
        parts = split(self.base.blob)
        index, _ = self.base.section(3)
        unknown = encode_section(4, 0 if required else FLAG_OPTIONAL, b"\x01\x02")
        return parts.assemble([*parts.frames[: index + 1], unknown, *parts.frames[index + 1 :]])

    def vendor(self) -> None:
        base = self.base
        parts = split(base.blob)
        _, blob = base.section("pci:0x1234#1")
        self.add("bad-vendor-namespace-kind", put(base.blob, blob.offset + 8, u16(3)), ErrorCode.BAD_VENDOR_HEADER,
                 blob.offset + 8, "$.vendor_sections[id=1]", "vendor namespace kind 3 (only 1 and 2 exist)")
        self.add("bad-vendor-pci-padding", put(base.blob, blob.offset + 15, u8(1)), ErrorCode.BAD_VENDOR_HEADER,
                 blob.offset + 10, "$.vendor_sections[id=1]", "a PCI namespace with a non-zero padding byte")
        short = encode_section(1, FLAG_OPTIONAL | FLAG_VENDOR, b"\x01\x00\x34\x12")
        index, _ = base.section("pci:0x1234#1")
        frames = [*parts.frames[:index], short, *parts.frames[index + 1 :]]
        self.add("bad-vendor-header-short", parts.assemble(frames), ErrorCode.BAD_VENDOR_HEADER, blob.offset + 8,
                 "$.vendor_sections[id=1]", "a vendor section whose payload (4 bytes) cannot hold the vendor header")
        over = bytearray(parts.frames[index])
        over = bytearray(encode_section(1, FLAG_OPTIONAL | FLAG_VENDOR, bytes(over[8:]) + bytes(31)))
        frames = [*parts.frames[:index], bytes(over), *parts.frames[index + 1 :]]
        self.add("opaque-vendor-over-max", parts.assemble(frames), ErrorCode.LENGTH_OVER_MAX, blob.offset + 26,
                 "$.vendor_sections.acme_blob", "an opaque vendor payload of 33 bytes; the declared max is 32")
        unknown = encode_section(1, FLAG_VENDOR, b"\x01\x00\xfe\xff" + bytes(14) + b"\x00")
        frames = [*parts.frames[: index + 1], unknown, *parts.frames[index + 1 :]]
        self.add("unknown-required-vendor-section", parts.assemble(frames),
                 ErrorCode.UNKNOWN_SECTION, blob.end, f"$.vendor_sections[{UNKNOWN_VENDOR}#1]",
                 "a vendor section the reader does not know (PCI vendor 0xfffe), not marked OPTIONAL")
        frames = list(parts.frames)
        frames[index], frames[index + 1] = frames[index + 1], frames[index]
        self.add("vendor-section-order", parts.assemble(frames), ErrorCode.SECTION_ORDER,
                 blob.offset + len(frames[index]), "$.vendor_sections[pci:0x1234#1]",
                 "the PCI vendor section after the UUID one (order is by vendor header bytes, then id)")

    def standard(self) -> None:
        ref = "org.virtio.net@1.1"
        schema = resolve_schema(ref)
        state = default_state(schema)
        queues_type = schema.section("queues").type
        assert isinstance(queues_type, ir.ArrayType)
        state["sections"]["queues"] = [type_default(schema, queues_type.element) for _ in range(2)]
        located = Located.of(schema, state)
        queues = located.at("$.sections.queues")
        self.add("virtio-net-queue-count-over-max", put(located.blob, queues, u32(1025)), ErrorCode.COUNT_OVER_MAX,
                 queues, "$.sections.queues", "1025 virtqueues; the declared max is 1024", schema=ref)
        size = located.at("$.sections.queues[1].size")
        self.add("virtio-net-queue-size-out-of-range", put(located.blob, size, u16(40000)), ErrorCode.OUT_OF_RANGE,
                 size, "$.sections.queues[1].size", "virtqueue size 40000; the field's max is 32768", schema=ref)
        status = located.at("$.sections.common.status")
        self.add("virtio-net-status-reserved-bit", put(located.blob, status, u8(0x10)), ErrorCode.BAD_FLAGS,
                 status, "$.sections.common.status", "device status bit 4 (reserved) set", schema=ref)
        old = resolve_schema("org.virtio.net@1.0")
        self.add("virtio-net-2.0-reader-on-1.0", encode(old, default_state(old)), ErrorCode.MAJOR_MISMATCH, 12,
                 "$.header.major", "a 2.0 reader refuses a 1.0 blob (another major version)",
                 schema="org.virtio.net@2.0")


# --- generation -------------------------------------------------------------------------


def standard_refs() -> list[str]:
    refs = []
    for file in schema_files():
        if not load_schema(file.path).is_library:
            refs.append(file.ident)
    return refs


def cross_version_pairs() -> list[tuple[str, str]]:
    by_model: dict[tuple[str, int], list[str]] = {}
    for file in schema_files():
        if not load_schema(file.path).is_library:
            by_model.setdefault((file.model, file.version.major), []).append(file.ident)
    pairs = []
    for idents in by_model.values():
        for older, newer in itertools.pairwise(idents):
            pairs += [(older, newer), (newer, older)]
    return pairs


def generate() -> list[Vector]:
    """Every vector, in manifest order; checks each against the reference codec."""
    vectors: list[Vector] = []
    for ref in [TEST_10, TEST_11, LED, *standard_refs()]:
        vectors += valid_vectors_for(ref)
    for writer, reader in [(TEST_11, TEST_10), (TEST_10, TEST_11), *cross_version_pairs()]:
        vectors += cross_version_vectors(writer, reader)
    vectors += extra_valid_vectors()
    vectors += limit_vectors()
    vectors += InvalidVectors().build()
    from tools.malicious import malicious_vectors

    vectors += malicious_vectors()
    for vector in vectors:
        _verify(vector)
    names = [v.name for v in vectors]
    assert len(names) == len(set(names)), "duplicate vector names"
    return vectors


def _verify(vector: Vector) -> None:
    schema = resolve_schema(vector.schema)
    limits = Limits(**(vector.limits or {}))
    try:
        state = decode(schema, vector.blob, limits)
    except DecodeError as exc:
        got = {"code": exc.code, "number": exc.number, "offset": exc.offset, "path": exc.path}
        if got != vector.error:
            raise AssertionError(f"{vector.name}: expected {vector.error}, the reference codec gives {got}: "
                                 f"{exc}") from None
        return
    if vector.error is not None:
        raise AssertionError(f"{vector.name}: expected {vector.error['code']}, but the blob decodes")
    if state != vector.expected:
        raise AssertionError(f"{vector.name}: the decoded state differs from the expected one")
    if parse_header(vector.blob).version == schema.version and encode(schema, state) != vector.blob:
        raise AssertionError(f"{vector.name}: re-encoding the decoded state does not give the same bytes")


def render(vectors: list[Vector]) -> dict[str, bytes]:
    """Every file of spec/conformance/ that generation owns, by relative path."""
    files: dict[str, bytes] = {}
    for vector in vectors:
        files[f"vectors/{vector.name}.dsf"] = vector.blob
        if vector.expected is not None:
            files[f"vectors/{vector.name}.json"] = _json(state_to_json(vector.expected))
    valid = sum(1 for v in vectors if v.error is None)
    malicious = sum(1 for v in vectors if v.klass == "malicious")
    manifest = {
        "format": MANIFEST_FORMAT,
        "description": "DSF v1 conformance vectors (spec/wire-format.md). Generated by "
                       "`python -m tools.conformance`; do not edit by hand.",
        "counts": {"valid": valid, "invalid": len(vectors) - valid, "malicious": malicious},
        "vectors": [v.manifest_entry() for v in vectors],
    }
    files["manifest.json"] = _json(manifest)
    return files


def _json(value: Any) -> bytes:
    return (_dumps(value, "") + "\n").encode("utf-8")


def _dumps(value: Any, indent: str, width: int = 100) -> str:
    """JSON with one line per value that fits in ``width`` characters (compact, diff-friendly)."""
    flat = json.dumps(value, ensure_ascii=False)
    if len(flat) + len(indent) <= width or not isinstance(value, dict | list) or not value or _leaf_struct(value):
        return flat
    inner = indent + " "
    if isinstance(value, list):
        items = [inner + _dumps(item, inner, width) for item in value]
        return "[\n" + ",\n".join(items) + "\n" + indent + "]"
    items = [f"{inner}{json.dumps(key)}: {_dumps(item, inner, width)}" for key, item in value.items()]
    return "{\n" + ",\n".join(items) + "\n" + indent + "}"


def _leaf_struct(value: Any) -> bool:
    """A struct of scalars and short lists: one line, however long (array elements stay one per line)."""
    if not isinstance(value, dict):
        return False
    return all(not isinstance(v, dict) and not (isinstance(v, list) and len(v) > 16) for v in value.values())


def write(root: Path, files: dict[str, bytes]) -> list[str]:
    """Write ``files`` under ``root``, removing stale vectors; returns what changed."""
    changed = []
    vectors_dir = root / "vectors"
    vectors_dir.mkdir(parents=True, exist_ok=True)
    for stale in sorted(vectors_dir.iterdir()):
        if f"vectors/{stale.name}" not in files:
            stale.unlink()
            changed.append(f"vectors/{stale.name}")
    for rel, content in files.items():
        path = root / rel
        if not path.exists() or path.read_bytes() != content:
            path.write_bytes(content)
            changed.append(rel)
    return changed


def check(root: Path, files: dict[str, bytes]) -> list[str]:
    """What ``write`` would change (nothing when the committed vectors are current)."""
    differs = [rel for rel, content in files.items()
               if not (root / rel).exists() or (root / rel).read_bytes() != content]
    vectors_dir = root / "vectors"
    if vectors_dir.is_dir():
        differs += [f"vectors/{p.name}" for p in sorted(vectors_dir.iterdir()) if f"vectors/{p.name}" not in files]
    return differs


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.conformance", description=__doc__.split("\n")[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if the committed vectors are not current")
    parser.add_argument("--root", type=Path, default=CONFORMANCE_DIR, help="the conformance directory")
    args = parser.parse_args(argv)
    files = render(generate())
    if args.check:
        differs = check(args.root, files)
        for rel in differs:
            print(f"out of date: {rel}")
        return 1 if differs else 0
    changed = write(args.root, files)
    valid = sum(1 for rel in files if rel.endswith(".json") and rel.startswith("vectors/"))
    print(f"{len(files) - 1 - valid} blobs ({valid} valid), {len(changed)} files changed in {args.root}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
