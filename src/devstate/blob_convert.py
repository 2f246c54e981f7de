"""Converting a saved DSF blob to another version, without copying large regions.

``convert_blob`` decodes the blob with the schema of the version in its header, converts
the state (``devstate.compat.convert``) and encodes it with the target version. Sections
whose layout and value are unchanged are not re-encoded: their framed bytes are taken
from the input as they are (a memoryview of it), so a large region in such a section is
never copied in memory; ``ConvertedBlob.write`` streams the pieces to the output file,
computing the CRC-32C on the way. Only re-encoded sections go through the codec.
"""

from __future__ import annotations

import contextlib
import mmap
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from devstate import ir
from devstate.compat.convert import ConversionError, SchemaLookup, convert_state
from devstate.compat.diff import SchemaDiff
from devstate.compat.migrate import Hop
from devstate.fileio import open_regular, write_atomically
from devstate.interp import decode, encode_framed
from devstate.interp.codec import Framed, OrderKey
from devstate.state import State, type_default
from devstate.wire.checksum import crc32c
from devstate.wire.header import FIXED_HEADER_SIZE, TRAILER_SIZE, encode_header, parse_header
from devstate.wire.limits import DEFAULT_LIMITS, Limits
from devstate.wire.sections import RawSection, iter_sections

Key = tuple[int, bytes, int]
Chunk = bytes | bytearray | memoryview


@dataclass
class ConvertedBlob:
    """The output blob as pieces (header, then framed sections), and how it was made."""

    chunks: list[Chunk]
    source: ir.Schema
    target: ir.Schema
    route: list[Hop]
    dropped: list[str] = field(default_factory=list)
    reused: list[str] = field(default_factory=list)
    """Sections copied from the input as they are (not decoded and re-encoded)."""

    @property
    def size(self) -> int:
        return sum(len(c) for c in self.chunks) + TRAILER_SIZE

    def trailer(self) -> bytes:
        crc = 0
        for chunk in self.chunks:
            crc = crc32c(chunk, crc)
        return crc.to_bytes(4, "little")

    def to_bytes(self) -> bytes:
        return b"".join([*self.chunks, self.trailer()])

    def write(self, path: Path) -> None:
        """Write atomically, computing the trailer on the way (the region is read once)."""
        write_atomically(path, self.pieces())

    def pieces(self) -> Iterator[Chunk]:
        """The whole blob, piece by piece: the chunks, then the trailer, whose checksum is
        computed on the way (a writer given them reads a large region once)."""
        crc = 0
        for chunk in self.chunks:
            crc = crc32c(chunk, crc)
            yield chunk
        yield crc.to_bytes(4, "little")


def convert_blob(data: bytes | bytearray | memoryview, target_version: ir.Version, schemas: SchemaLookup,
                 source: ir.Schema | None = None, limits: Limits = DEFAULT_LIMITS) -> ConvertedBlob:
    """The blob converted to ``target_version``; raises ``ConversionError`` or ``DecodeError``."""
    view = memoryview(data).cast("B")
    header = parse_header(view, limits)
    source = source or schemas(header.version)
    state = decode(source, view, limits)
    result = convert_state(state, source, target_version, schemas)
    target = schemas(target_version)
    raw = {r.order_key: r for r in iter_sections(view, header, limits)} if source.version == header.version else {}
    reusable = _reusable(source, target, state, result.state, raw)
    framed = encode_framed(target, _placeholders(result.state, target, reusable))
    chunks = _splice(target, framed, view, raw, reusable)
    blob = ConvertedBlob(chunks, source, target, result.route, result.dropped, sorted(reusable.values()))
    return blob


def _reusable(source: ir.Schema, target: ir.Schema, before: State, after: State,
              raw: dict[Key, RawSection]) -> dict[Key, str]:
    """Sections (by wire key → name) whose input bytes are exactly their output bytes."""
    found: dict[Key, str] = {}
    for old, new, group in _section_pairs(source, target):
        key = _key(new)
        if key not in raw or old.optional != new.optional or old.name not in before.get(group, {}):
            continue
        if new.name not in after.get(group, {}) or not _same_layout(source, target, old, new):
            continue
        if identical(before[group][old.name], after[group][new.name]):
            found[key] = f"{group}.{new.name}"
    return found


def _section_pairs(source: ir.Schema, target: ir.Schema) -> Iterator[tuple[Any, Any, str]]:
    by_id = {s.id: s for s in source.sections}
    for section in target.sections:
        if section.id in by_id:
            yield by_id[section.id], section, "sections"
    by_key = {_key(v): v for v in source.vendor_sections}
    for vendor in target.vendor_sections:
        if _key(vendor) in by_key:
            yield by_key[_key(vendor)], vendor, "vendor_sections"


def _key(section: ir.Section | ir.VendorSection) -> Key:
    if isinstance(section, ir.Section):
        return (0, b"", section.id)
    from devstate.wire.sections import vendor_header

    return (1, vendor_header(section.vendor), section.id)


def _same_layout(source: ir.Schema, target: ir.Schema, old: Any, new: Any) -> bool:
    if old.type is None or new.type is None:
        return old.type is None and new.type is None
    probe = SchemaDiff(source, target)
    probe.expr(old.type, new.type, "", None, None)
    return not probe.changes


def identical(a: Any, b: Any) -> bool:
    """Deep equality that takes the same object (e.g. a large region) as equal without reading it."""
    if a is b:
        return True
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(identical(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(identical(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b)


def _placeholders(state: State, target: ir.Schema, reusable: dict[Key, str]) -> State:
    """The state with every reusable section's value replaced by its (small) default."""
    names = set(reusable.values())
    types: dict[str, ir.TypeExpr | None] = {f"sections.{s.name}": s.type for s in target.sections}
    types.update({f"vendor_sections.{v.name}": v.type for v in target.vendor_sections})
    replaced: State = dict(state)
    for group in ("sections", "vendor_sections"):
        values = dict(state.get(group, {}))
        for name in values:
            where = f"{group}.{name}"
            if where in names:
                expr = types[where]
                values[name] = b"" if expr is None else type_default(target, expr)
        replaced[group] = values
    return replaced


def _splice(target: ir.Schema, framed: list[tuple[OrderKey, Framed]], source: memoryview,
            raw: dict[Key, RawSection], reusable: dict[Key, str]) -> list[Chunk]:
    """The header and the encoded sections, each reusable one replaced by its bytes in the input.

    The re-encoded sections are their pieces (a decoded region is a view of the input, not a
    copy: ``interp.nodes.stable_bytes``), so the output is never joined in memory."""
    pieces: list[Chunk] = []
    for key, frame in framed:
        if key in reusable:
            pieces.append(source[raw[key].offset : raw[key].end])
        else:
            pieces.extend(frame)
    total = FIXED_HEADER_SIZE + len(target.model) + sum(len(p) for p in pieces) + TRAILER_SIZE
    return [encode_header(target.model, target.version, total), *pieces]


@contextlib.contextmanager
def open_blob(path: Path) -> Iterator[memoryview]:
    """The file's bytes as a read-only view (memory-mapped when large: no copy is made)."""
    with open_regular(path) as fd, os.fdopen(os.dup(fd), "rb") as handle:
        size = os.fstat(handle.fileno()).st_size
        if size < (1 << 20):
            yield memoryview(handle.read())
            return
        mapped = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)
        view = memoryview(mapped)
        try:
            yield view
        finally:
            with contextlib.suppress(BufferError):
                view.release()
                mapped.close()


__all__ = ["ConversionError", "ConvertedBlob", "convert_blob", "identical", "open_blob"]
