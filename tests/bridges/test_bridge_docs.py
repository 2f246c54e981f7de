"""The bridge pages: generated from the annotations, linked from the site, error table in step."""

from __future__ import annotations

import re

from paths import ROOT, SCHEMAS

from devstate.bridges.errors import DESCRIPTIONS, BridgeCode
from devstate.bridges.nvme import compile_mapping as nvme_mapping
from devstate.bridges.virtio import compile_mapping as virtio_mapping
from devstate.docs.bridge_pages import NVME_PAGE, TABLES_MARKER, VIRTIO_PAGE, bridge_tables, fill_tables
from devstate.schema import SchemaLoader, schema_files

LOADER = SchemaLoader(SCHEMAS)
ALL = [LOADER.load(f.path) for f in schema_files(SCHEMAS)]
PAGES = bridge_tables(ALL)
INDEX = (ROOT / "spec" / "bridges" / "index.md").read_text(encoding="utf-8")


def test_every_annotated_schema_has_a_mapping_table() -> None:
    virtio, nvme = PAGES[VIRTIO_PAGE], PAGES[NVME_PAGE]
    for version in ("1.0", "1.1", "2.0", "3.0"):
        assert f"### org.virtio.net@{version} {{#org-virtio-net-{version.replace('.', '-')}}}" in virtio
    for version in ("1.0", "1.1"):
        assert f"### org.nvmexpress.ctrl@{version}" in nvme
    blk = virtio[virtio.index("### org.virtio.blk@1.1"):virtio.index("### org.virtio.blk@1.0")]
    assert "| `common.status` | DEVICE_STATUS |" in blk  # the imported common types are annotated
    assert "- queues (an array of virtqueues without {selector: index}: its elements are not mapped)" in blk


def test_rows_come_from_the_bindings() -> None:
    schema = next(s for s in ALL if s.ident == "org.virtio.net@1.1")
    page = PAGES[VIRTIO_PAGE]
    section = page[page.index("### org.virtio.net@1.1"):page.index("### org.virtio.net@1.0")]
    for binding in virtio_mapping(schema).bindings:
        for path, source, _ in binding.rows():
            assert f"| `{path}` | {source} |" in section
    assert "- queues[]: last_avail_idx, used_idx, avail_wrap_counter, used_wrap_counter, reset" in section
    nvme = next(s for s in ALL if s.ident == "org.nvmexpress.ctrl@1.1")
    for group in nvme_mapping(nvme).bindings.values():
        for binding in group:
            assert f"| `{binding.node.path}` | {binding.label} |" in PAGES[NVME_PAGE]


def test_format_tables_come_from_the_data_tables() -> None:
    assert "| 0x0104 | `VQ_CFG` | vq_index | 4 | one per selector | no | DEV_FEATURES, DRV_FEATURES, " \
           "PCI_COMMON_CFG, DEVICE_STATUS |" in PAGES[VIRTIO_PAGE]
    assert "| VLAN (2) | ADD (0) | le16 vlan_ids[] (the whole value) | 17, 19 | reading |" in PAGES[VIRTIO_PAGE]
    assert "| `libnvme` (default) | 48 | 128-bit |" in PAGES[NVME_PAGE]
    assert "| `rfc-2025` | 20 | 16-bit |" in PAGES[NVME_PAGE]


def test_pages_are_in_the_site_navigation() -> None:
    nav = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    for path in ("bridges/index.md", VIRTIO_PAGE, NVME_PAGE):
        assert path in nav
    assert "bridge_tables" in (ROOT / "src" / "devstate" / "cli" / "mkdocs_hook.py").read_text(encoding="utf-8")


def test_the_hand_written_pages_get_the_tables_at_their_marker() -> None:
    for path in (VIRTIO_PAGE, NVME_PAGE):
        text = (ROOT / "spec" / path).read_text(encoding="utf-8")
        filled = fill_tables(path, text, PAGES)
        assert TABLES_MARKER not in filled and PAGES[path] in filled
        assert "## Readings: where the" in text and "{#bridge-record}" in text and "{#vectors}" in text
    try:
        fill_tables(VIRTIO_PAGE, "no marker", PAGES)
    except ValueError as exc:
        assert "must hold the marker" in str(exc)
    else:
        raise AssertionError("a bridge page without the marker must fail the build")


def test_the_vector_counts_on_the_pages_are_the_manifest_s() -> None:
    import json
    counts = json.loads((ROOT / "spec" / "conformance" / "bridges" / "manifest.json").read_text())["counts"]
    virtio = (ROOT / "spec" / VIRTIO_PAGE).read_text(encoding="utf-8")
    nvme = (ROOT / "spec" / NVME_PAGE).read_text(encoding="utf-8")
    assert f"holds {counts['virtio-parts']['valid']} valid\nand {counts['virtio-parts']['invalid']} invalid" in virtio
    assert f"holds {counts['nvme-controller-state']['valid']} valid and\n" \
           f"{counts['nvme-controller-state']['invalid']} invalid" in nvme


def test_error_code_table_matches_the_code() -> None:
    rows = re.findall(r"^\| `([A-Z_]+)` \| (\d+) \| (.+) \|$", INDEX, flags=re.MULTILINE)
    assert [(name, int(number), text) for name, number, text in rows] == \
        [(code.name, int(code), DESCRIPTIONS[code]) for code in BridgeCode]


def test_vocabulary_page_names_every_annotation_key() -> None:
    for key in ("device-type", "selector: index", "offset", "item", "bits", "encoding: bitmap", "split-by",
                "select-by", "feature", "record", "transform: plus-one", "transform: s0pt", "vendor-state"):
        assert key in INDEX, key
