"""Byte-layout figures (devstate.docs.layout_figure): boxes from the IR and the envelope, SVG out."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import paths

from devstate.docs.layout_figure import BYTES_PER_ROW, Box, envelope_boxes, layout_svg, struct_boxes
from devstate.schema import load_schema

DATA = paths.DATA / "docs"
SVG = "{http://www.w3.org/2000/svg}"


def _boxes(svg: str) -> list[tuple[str, str, str]]:
    """(tooltip, offset label, inside label) of every box, in drawing order."""
    root = ET.fromstring(svg)
    found = []
    for group in root.iter(f"{SVG}g"):
        texts = [t.text or "" for t in group.iter(f"{SVG}text")]
        offset = texts[0] if len(texts) == 2 else ""
        found.append((group.find(f"{SVG}title").text or "", offset, texts[-1] if texts else ""))
    return found


def test_struct_figure_has_a_box_per_field_at_its_offset() -> None:
    schema = load_schema(DATA / "org.example.dev" / "1.1.yaml")
    svg = layout_svg("struct regs", struct_boxes(schema.struct("regs")))
    assert _boxes(svg) == [
        ("mode: mode, 1 byte", "0", "mode"),
        ("status: status, 2 bytes", "1", "status"),
        ("level: i32, 4 bytes", "3", "level"),
        ("mac: u8[6], 6 bytes", "7", "mac"),
        ("wide: bool, 1 byte, since 1.1", "13", "wide"),
    ]
    assert 'aria-label="struct regs"' in svg


def test_variable_fields_are_dashed_and_later_offsets_unknown() -> None:
    schema = load_schema(DATA / "org.example.dev" / "1.1.yaml")
    svg = layout_svg("struct blob_state", struct_boxes(schema.struct("blob_state")))
    boxes = _boxes(svg)
    assert boxes[0] == ("name: string max 64, variable size", "0", "name")
    assert boxes[1][1] == "+", "after a variable-size field the offset is not fixed"
    assert svg.count('stroke-dasharray="4 3"') == 2, "name and data are variable-size"


def test_a_field_across_a_row_boundary_continues_on_the_next_row() -> None:
    svg = layout_svg("t", [Box("a", 12, 0), Box("b", 8, 12)])
    boxes = _boxes(svg)
    assert [b[1:] for b in boxes] == [("0", "a"), ("12", "b"), ("", "…b")]
    rects = [r.attrib for r in ET.fromstring(svg).iter(f"{SVG}rect")]
    assert [int(r["y"]) for r in rects] == [42, 42, 98], "b's second half is on the second row"
    assert re.search(r">\+16<", svg), "rows are labelled with their first offset"


def test_envelope_figures_follow_the_wire_format() -> None:
    boxes = envelope_boxes()
    header = boxes["header"]
    assert [(b.name, b.offset, b.size) for b in header[:7]] == [
        ("magic", 0, 8), ("format_version", 8, 2), ("flags", 10, 2), ("major", 12, 2), ("minor", 14, 2),
        ("total_length", 16, 8), ("n", 24, 1),
    ]
    assert sum(b.size for b in header) == 2 * BYTES_PER_ROW, "the model id is drawn to the end of the row"
    assert [(b.name, b.offset) for b in boxes["section-header"]] == [("id", 0), ("flags", 2), ("length", 4),
                                                                     ("payload", 8)]
    assert [(b.name, b.offset) for b in boxes["vendor-header"]] == [("kind", 0), ("namespace", 2), ("value", 18)]
