"""Byte-layout figures as SVG: the DSF header, section header, vendor header and each struct.

A figure is a row of boxes per 16 bytes, one box per field, as wide as its bytes, with
its offset above and its name inside (the full name, type and size as the box's tooltip).
A field that crosses a row boundary continues on the next row. A variable-size field
(counted array, bytes, string, a struct with a size prefix) is drawn with a dashed border
as its minimum size, and the offsets after it are unknown ("+"). The figures are pure
functions of the IR (structs) and of ``devstate.wire`` (the envelope).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

from devstate import ir
from devstate.wire.header import FIXED_HEADER_SIZE, MAGIC, TRAILER_SIZE
from devstate.wire.sections import SECTION_HEADER_SIZE, VENDOR_HEADER_SIZE

BYTES_PER_ROW = 16
BYTE_WIDTH = 40
ROW_HEIGHT = 56
BOX_HEIGHT = 34
LEFT = 56
TOP = 30
CHAR_WIDTH = 6.6
"""Roughly the width of one character at the figure's 11 px monospace font."""


@dataclass(frozen=True)
class Box:
    """One field of a layout: where it starts (None: after a variable-size field), its size."""

    name: str
    size: int
    offset: int | None
    detail: str = ""
    variable: bool = False


def envelope_boxes() -> dict[str, list[Box]]:
    """The DSF v1 header, section header and vendor header (spec/wire-format.md)."""
    header = [
        Box("magic", len(MAGIC), 0, "89 44 53 46 0D 0A 1A 0A"),
        Box("format_version", 2, 8, "u16, 1"),
        Box("flags", 2, 10, "u16, 0"),
        Box("major", 2, 12, "u16"),
        Box("minor", 2, 14, "u16"),
        Box("total_length", 8, 16, "u64, the whole blob"),
        Box("n", 1, 24, "u8, model id length 1..128"),
        Box("model id", 7, FIXED_HEADER_SIZE, "n ASCII bytes", variable=True),
    ]
    assert header[-1].offset == FIXED_HEADER_SIZE and TRAILER_SIZE == 4
    section = [
        Box("id", 2, 0, "u16, 1..32767"),
        Box("flags", 2, 2, "u16: OPTIONAL 1, VENDOR 2"),
        Box("length", 4, 4, "u32, payload bytes"),
        Box("payload", 8, SECTION_HEADER_SIZE, "length bytes", variable=True),
    ]
    vendor = [
        Box("kind", 2, 0, "u16: 1 PCI, 2 UUID"),
        Box("namespace", VENDOR_HEADER_SIZE - 2, 2, "PCI id + 14 zero bytes, or a UUID"),
        Box("value", 8, VENDOR_HEADER_SIZE, "the section's value", variable=True),
    ]
    return {"header": header, "section-header": section, "vendor-header": vendor}


def struct_boxes(struct: ir.StructType) -> list[Box]:
    """A struct body's fields; variable-size ones at their minimum size."""
    boxes = []
    for member in struct.fields:
        size = member.type.fixed_size
        detail = f"{ir.type_label(member.type)}, " + (_bytes(size) if size is not None else "variable size")
        if member.since is not None:
            detail += f", since {member.since}"
        boxes.append(Box(member.name, size or member.type.min_size, member.offset, detail, variable=size is None))
    return boxes


def _bytes(size: int) -> str:
    return f"{size} byte" if size == 1 else f"{size} bytes"


def layout_svg(title: str, boxes: Sequence[Box]) -> str:
    """The figure of ``boxes`` (laid out back to back), titled ``title``."""
    pieces, rows = _pieces(boxes)
    width = LEFT + BYTES_PER_ROW * BYTE_WIDTH + 8
    height = TOP + rows * ROW_HEIGHT + 4
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="{escape(title)}" '
        'font-family="ui-monospace, SFMono-Regular, Menlo, Consolas, monospace" font-size="11">',
        f"<title>{escape(title)}</title>",
        f'<text x="{LEFT}" y="14" font-size="12" font-weight="bold" fill="#5c6bc0">{escape(title)}</text>',
    ]
    for row in range(rows):
        y = TOP + row * ROW_HEIGHT + 12 + BOX_HEIGHT / 2 + 4
        parts.append(f'<text x="{LEFT - 8}" y="{y:g}" text-anchor="end" fill="#888">+{row * BYTES_PER_ROW}</text>')
    parts += [_piece_svg(piece) for piece in pieces]
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


@dataclass(frozen=True)
class _Piece:
    box: Box
    row: int
    column: int
    width: int
    first: bool


def _pieces(boxes: Sequence[Box]) -> tuple[list[_Piece], int]:
    """Split boxes at row boundaries; returns the pieces and the number of rows."""
    pieces: list[_Piece] = []
    position = 0
    for box in boxes:
        remaining, first = max(box.size, 1), True
        while remaining:
            column = position % BYTES_PER_ROW
            width = min(remaining, BYTES_PER_ROW - column)
            pieces.append(_Piece(box, position // BYTES_PER_ROW, column, width, first))
            position += width
            remaining -= width
            first = False
    return pieces, max(1, -(-position // BYTES_PER_ROW))


def _piece_svg(piece: _Piece) -> str:
    box = piece.box
    x = LEFT + piece.column * BYTE_WIDTH
    y = TOP + piece.row * ROW_HEIGHT + 12
    width = piece.width * BYTE_WIDTH
    dash = ' stroke-dasharray="4 3"' if box.variable else ""
    tooltip = f"{box.name}: {box.detail}" if box.detail else box.name
    label = box.name if piece.first else f"…{box.name}"
    label = _fit(label, width - 6)
    offset = "" if not piece.first else (str(box.offset) if box.offset is not None else "+")
    out = [
        f'<g><title>{escape(tooltip)}</title>',
        f'<rect x="{x + 1}" y="{y}" width="{width - 2}" height="{BOX_HEIGHT}" rx="3" fill="#e8eaf6" '
        f'stroke="#3f51b5"{dash}/>',
    ]
    if offset:
        out.append(f'<text x="{x + 2}" y="{y - 3}" font-size="9" fill="#888">{offset}</text>')
    if label:
        out.append(f'<text x="{x + width / 2:g}" y="{y + BOX_HEIGHT / 2 + 4:g}" text-anchor="middle" '
                   f'fill="#1a237e">{escape(label)}</text>')
    out.append("</g>")
    return "".join(out)


def _fit(label: str, room: float) -> str:
    """The label, shortened with an ellipsis to fit ``room`` pixels (empty if nothing fits)."""
    fits = int(room // CHAR_WIDTH)
    if len(label) <= fits:
        return label
    return label[: fits - 1] + "…" if fits >= 3 else ""
