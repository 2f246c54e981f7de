#!/usr/bin/env python3
"""Readable hex of DSF blobs for the feature cases of tests/cases/: parse it, draft it, re-seal it.

A ``*.dsf.hex`` file (and the ``blob`` lines of a ``*.error.json``) is hex digits in any
grouping; ``#`` starts a comment to the end of the line. Drafting a case's expected blob::

    python -m tools.case_hex draft tests/cases/bool/schema.yaml tests/cases/bool/basic.state.json

prints the reference codec's encoding of the state, one line per header field, section
header and value, each commented with its offset and path (from a decode trace). The
draft is a help for writing the file once: the committed hex is the specification of the
case and is reviewed by hand; nothing regenerates it. For an error case, edit a valid blob
and re-seal it (the header's total length and the CRC-32C trailer)::

    python -m tools.case_hex reseal edited.hex       # the same lines, length and CRC fixed
"""

from __future__ import annotations

import argparse
import json
import re
import struct
import sys
from pathlib import Path

from devstate import ir
from devstate.interp import Trace, TraceEntry, decode, encode
from devstate.schema import load_schema
from devstate.state import state_from_json
from devstate.wire.checksum import crc32c
from devstate.wire.header import TRAILER_SIZE, parse_header
from devstate.wire.sections import iter_sections

_HEX = re.compile(r"(?:[0-9a-fA-F]{2})+")
_OFFSET = re.compile(r"^\s*\d+:")
"""The offset that starts a line's comment (``#   56: ...``), renumbered by ``reseal``."""


class HexError(ValueError):
    """A line of a hex file that is not hex digit pairs (with its 1-based line number)."""


def parse_hex(text: str | list[str]) -> bytes:
    """The bytes of readable hex: digit pairs in any grouping, ``#`` comments, blank lines."""
    lines = text.splitlines() if isinstance(text, str) else text
    out = bytearray()
    for number, line in enumerate(lines, 1):
        for token in line.split("#", 1)[0].split():
            if not _HEX.fullmatch(token):
                raise HexError(f"line {number}: {token!r} is not hex digit pairs")
            out += bytes.fromhex(token)
    return bytes(out)


def draft(schema: ir.Schema, state: object) -> str:
    """The annotated hex of ``state``'s canonical blob: one commented line per item."""
    blob = encode(schema, state_from_json(state, schema))
    trace = Trace()
    decode(schema, blob, trace=trace)
    header = parse_header(blob)
    lines = _header_lines(blob)
    leaves = _leaves(trace)
    starts = {entry.offset: entry for entry in trace.entries}  # the innermost value starting there
    for raw in iter_sections(blob, header):
        label = f"section id={raw.id}" if raw.vendor is None else f"vendor section {raw.vendor}#{raw.id}"
        lines.append(_line(blob, raw.offset, raw.offset + 8, f"{label}: id, flags {raw.flags:#x}, length"))
        if raw.vendor is not None:
            lines.append(_line(blob, raw.offset + 8, raw.offset + 26, "vendor header: namespace kind, namespace"))
        lines += _payload_lines(blob, raw.offset + 8 + (18 if raw.vendor else 0), raw.end, leaves, starts)
    lines.append(_line(blob, len(blob) - TRAILER_SIZE, len(blob), "CRC-32C"))
    return "\n".join(lines) + "\n"


def _header_lines(blob: bytes) -> list[str]:
    n = blob[24]
    fields = [(0, 8, "magic"), (8, 10, "format_version 1"), (10, 12, "header flags"),
              (12, 14, f"major {struct.unpack_from('<H', blob, 12)[0]}"),
              (14, 16, f"minor {struct.unpack_from('<H', blob, 14)[0]}"),
              (16, 24, "total_length"), (24, 25, f"model id length {n}"),
              (25, 25 + n, f"model id {blob[25:25 + n].decode('ascii')!r}")]
    return [_line(blob, start, end, what) for start, end, what in fields]


def _leaves(trace: Trace) -> list[tuple[int, int, str]]:
    """The traced values that contain no other traced value: (start, end, path)."""
    entries = sorted(trace.entries, key=lambda e: (e.offset, -e.end))
    out = []
    for index, entry in enumerate(entries):
        inner = entries[index + 1] if index + 1 < len(entries) else None
        if inner is not None and entry.offset <= inner.offset < entry.end:
            continue
        out.append((entry.offset, entry.end, entry.path))
    return out


def _payload_lines(blob: bytes, start: int, end: int, leaves: list[tuple[int, int, str]],
                   starts: dict[int, TraceEntry]) -> list[str]:
    lines, at = [], start
    for first, last, path in leaves:
        if first < start or last > end:
            continue
        cuts = [offset for offset in sorted(starts) if at < offset < first] + [first]
        for cut in cuts if first > at else []:  # one line per prefix (a struct's first field may be one)
            lines.append(_line(blob, at, cut, _prefix(starts[at], cut - at)))
            at = cut
        lines.append(_line(blob, first, last, path))
        at = last
    if at < end:
        lines.append(_line(blob, at, end, "payload (of a section the schema does not declare)"))
    return lines


def _prefix(container: TraceEntry, size: int) -> str:
    """What the u32 prefix of a struct or array value is (the wire rules leave one reading)."""
    value = container.value
    if isinstance(value, dict):
        what = "size"
    elif size == 8:
        what = "count, stride"
    else:
        what = "stride" if value and isinstance(value[0], dict) else "count"
    return f"{container.path}: {what}"


def _line(blob: bytes, start: int, end: int, what: str) -> str:
    """``start..end`` as hex, 16 bytes a line, the first line commented with offset and ``what``."""
    chunks = [blob[at:min(at + 16, end)].hex(" ") for at in range(start, end, 16)] or [""]
    first = f"{chunks[0]:<48} # {start:>4}: {what}"
    return "\n".join([first, *chunks[1:]])


def reseal(text: str) -> str:
    """``text`` (readable hex) with its total_length and CRC-32C rewritten for its bytes.

    The offset that starts a line's comment is renumbered, so lines can be inserted or removed.
    """
    data = bytearray(parse_hex(text))
    data[16:24] = struct.pack("<Q", len(data))
    data[-TRAILER_SIZE:] = struct.pack("<I", crc32c(bytes(data[:-TRAILER_SIZE])))
    out, at = [], 0
    for line in text.splitlines():
        body, sep, comment = line.partition("#")
        count = len(parse_hex([body]))
        if count == 0:
            out.append(line)
            continue
        comment = _OFFSET.sub(f" {at:>4}:", comment, count=1)
        out.append(f"{data[at:at + count].hex(' '):<48} {sep}{comment}".rstrip())
        at += count
    return "\n".join(out) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    drafting = commands.add_parser("draft", help="annotated hex of a state's canonical blob")
    drafting.add_argument("schema", type=Path)
    drafting.add_argument("state", type=Path)
    resealing = commands.add_parser("reseal", help="fix total_length and CRC-32C of a hex file")
    resealing.add_argument("hex", type=Path)
    args = parser.parse_args(argv)
    if args.command == "draft":
        state = json.loads(args.state.read_text(encoding="utf-8"))
        sys.stdout.write(draft(load_schema(args.schema), state))
    else:
        sys.stdout.write(reseal(args.hex.read_text(encoding="utf-8")))
    return 0


if __name__ == "__main__":
    sys.exit(main())
