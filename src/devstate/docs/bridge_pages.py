"""The generated part of the bridges' website pages: the data tables and the schemas' mappings.

Each bridge page (``spec/bridges/virtio-parts.md``, ``spec/bridges/nvme-controller-state.md``)
is written by hand — the format, the rules, the readings taken where the standards are silent,
the conformance vectors — and holds the marker ``TABLES_MARKER``; ``bridge_tables(schemas)``
returns ``{page path: Markdown}`` to put there: the standard's format as the bridge's data
(part types, control commands, record layouts, header versions) and, for every schema version
that carries the bridge's annotations, the field-by-field mapping table and the lists of what
does not map. The mkdocs hook replaces the marker at build time, so nothing generated is
committed and the tables cannot drift from the code.
"""

from __future__ import annotations

from collections.abc import Sequence

from devstate import ir
from devstate.bridges.errors import BridgeError
from devstate.bridges.nvme import compile as nvme_compile
from devstate.bridges.nvme import tables as nvme_tables
from devstate.bridges.report import Uncovered, grouped
from devstate.bridges.virtio import compile as virtio_compile
from devstate.bridges.virtio import tables as virtio_tables
from devstate.docs.markdown import cell, code, heading, join_blocks, slug, table

VIRTIO_PAGE = "bridges/virtio-parts.md"
NVME_PAGE = "bridges/nvme-controller-state.md"
TABLES_MARKER = "<!-- devstate: generated bridge tables -->"


def bridge_tables(schemas: Sequence[ir.Schema]) -> dict[str, str]:
    """The generated Markdown of every bridge page, by the page's path in the site source."""
    return {VIRTIO_PAGE: render_virtio_tables(schemas), NVME_PAGE: render_nvme_tables(schemas)}


def fill_tables(path: str, markdown: str, tables: dict[str, str]) -> str:
    """``markdown`` of page ``path`` with the marker replaced; raises ``ValueError`` when it has none."""
    if path not in tables:
        return markdown
    if markdown.count(TABLES_MARKER) != 1:
        raise ValueError(f"{path} must hold the marker {TABLES_MARKER} exactly once")
    return markdown.replace(TABLES_MARKER, tables[path])


def _annotated(schemas: Sequence[ir.Schema], namespace: str) -> list[ir.Schema]:
    """The schemas (newest version first per model) whose own or imported types use ``namespace``."""
    found = [s for s in schemas if not s.is_library and _uses(s, namespace)]
    return sorted(found, key=lambda s: (s.model, -s.version.major, -s.version.minor))


def _uses(schema: ir.Schema, namespace: str) -> bool:
    if namespace in schema.annotations or any(namespace in s.annotations for s in schema.sections):
        return True
    return any(namespace in f.annotations for t in schema.types.values() if isinstance(t, ir.StructType)
               for f in t.fields)


def _model_link(schema: ir.Schema) -> str:
    return f"[{code(schema.ident)}](../models/{schema.model}/{schema.version}.md)"


def _uncovered(items: Sequence[Uncovered]) -> str:
    """One bullet per struct (``registers``: cap, vs, ...) so long lists stay readable."""
    if not items:
        return "None.\n"
    return "".join(f"- {cell(line)}\n" for line in grouped([str(u) for u in items]))


# --- virtio device parts -----------------------------------------------------------------------------


def render_virtio_tables(schemas: Sequence[ir.Schema]) -> str:
    blocks = [heading(2, "Part types", "part-types"), _part_types(),
              heading(2, "PCI_COMMON_CFG fields", "pci-common-cfg"), _common_cfg(),
              heading(2, "virtio-net control commands (CVQ_CFG)", "cvq-commands"), _cvq_commands(),
              heading(2, "The Linux vfio stream", "vfio"), _VFIO_TEXT,
              heading(2, "Mappings", "mappings"), _MAPPING_INTRO]
    for schema in _annotated(schemas, virtio_compile.NAMESPACE):
        blocks += _virtio_mapping(schema)
    return join_blocks(blocks)


_VFIO_TEXT = (
    "The Linux virtio-vfio variant driver (`drivers/vfio/pci/virtio/migrate.c`) carries the parts in records "
    f"with a {virtio_tables.VFIO_HEADER_SIZE}-byte header: `le64 record_size`, `le32 flags` (bit 0: optional "
    f"record), `le32 tag` ({virtio_tables.VFIO_TAG_DEVICE_DATA} = device data, the raw DEV_PARTS_GET result). "
    "A record of an unknown tag is skipped when optional and refused otherwise; records over 4 GiB - 1 are "
    "refused like the kernel does. Pre-copy may send several device-data records: the last one wins. "
    "`--framing auto` (the default on import) reads the vfio stream when the input frames exactly as records, "
    "raw parts otherwise; export writes raw parts or, with `--framing vfio`, one mandatory device-data "
    "record.\n"
)

_MAPPING_INTRO = (
    "One table per schema version with `virtio-parts` annotations, generated from them. *Not in virtio parts* "
    "lists the state devstate keeps that no part carries: an import sets it to its defaults (the destination "
    "device must recover it, e.g. the virtqueue indices from the rings) and an export that would drop a "
    "non-default value fails unless `--allow-lossy`. *Not in the schema* lists standard fields the schema has "
    "no place for; an import reports their values when present.\n"
)


def _part_types() -> str:
    rows = []
    for part in virtio_tables.part_types("net"):
        layout = part.layout.describe() if part.layout else (
            "the selected field" if part.selector is virtio_tables.Selector.COMMON_CFG else "the command's data")
        flags = "OPTIONAL" if part.flags else "-"
        preceded = ", ".join(part.preceded_by) or "-"
        rows.append([f"{part.id:#06x}", code(part.name), part.selector.value, str(part.rank), part.count.value,
                     "yes" if part.mandatory else "no", cell(preceded), cell(layout), flags, cell(part.doc)])
    return table(["Type", "Name", "Selector", "Order", "Count", "In every GET ALL", "Mandatory preceding parts",
                  "Value", "Export flags", "Meaning"], rows)


def _common_cfg() -> str:
    rows = [[str(f.offset), code(f.name), str(f.size), code(f.via) if f.via else "this part"]
            for f in virtio_tables.PCI_COMMON_CFG]
    return ("The selector's `offset` names a field of `struct virtio_pci_common_cfg`; the value has the field's "
            "size. Per-queue fields, the status byte and the feature windows are carried by their own parts.\n\n"
            + table(["Offset", "Field", "Bytes", "State carried by"], rows))


def _cvq_commands() -> str:
    rows = [[f"{c.class_name} ({c.class_id})", f"{c.command_name} ({c.command_id})", cell(c.layout.describe()),
             ", ".join(map(str, c.features)), "MUST NOT" if c.must else "reading", cell(c.doc)]
            for c in virtio_tables.CVQ_COMMANDS["net"]]
    return ("Device-specific part 0x200 of virtio-net: the selector is `u8 class; u8 command; u8 reserved[6]` "
            "and the value is that control command's data as the driver last sent it.\n\n"
            + table(["Class", "Command", "Value", "Needs driver features", "Without them", "Meaning"], rows))


def _virtio_mapping(schema: ir.Schema) -> list[str]:
    anchor = slug(schema.model, str(schema.version))
    try:
        mapping = virtio_compile.compile_mapping(schema)
    except BridgeError as exc:
        return [heading(3, f"{schema.ident}", anchor), f"The annotations do not compile: {cell(exc)}\n"]
    rows = [[code(path), cell(source), cell(notes)] for b in mapping.bindings for path, source, notes in b.rows()]
    device = f" (device type `{mapping.device_type}`)" if mapping.device_type else ""
    return [heading(3, f"{schema.ident}", anchor), f"Schema: {_model_link(schema)}{device}.\n",
            table(["Schema field", "virtio part", "Notes"], rows),
            f"**Not in virtio parts** ({len(mapping.schema_only)}):\n", _uncovered(mapping.schema_only),
            f"**Not in the schema** ({len(mapping.standard_only)}):\n", _uncovered(mapping.standard_only)]


# --- NVMe controller state --------------------------------------------------------------------------------


def render_nvme_tables(schemas: Sequence[ir.Schema]) -> str:
    blocks = [heading(2, "Header layouts", "layouts"), _layouts(),
              heading(2, "NVMe-defined state", "nvme-state"), _records(),
              heading(2, "Transfers", "transfers"), _TRANSFERS,
              heading(2, "Mappings", "mappings"), _NVME_MAPPING_INTRO]
    for schema in _annotated(schemas, nvme_compile.NAMESPACE):
        blocks += _nvme_mapping(schema)
    return join_blocks(blocks)


_TRANSFERS = (
    "State larger than one transfer is sent with Migration Send - Set Controller State in pieces, each "
    "with a sequence indicator in CDW10 bits 17:16: 1 first, 0 middle, 2 last, or 3 entire for a state sent "
    "at once. `export --transfer-size BYTES` writes the pieces as `OUT.000`, `OUT.001`, ... and prints each "
    "one's indicator, offset, CDW10 and NUMD (the number of dwords; not 0's based in Migration Send); "
    "`import` and `nvme-state decode` accept the pieces in order and join them. Every piece is a whole number "
    "of dwords, and only the last of two or more may be empty (NUMD 0 with the last indicator).\n"
)

_NVME_MAPPING_INTRO = (
    "One table per schema version with `nvme-controller-state` annotations. Most of a controller's state in "
    "devstate (registers, admin queues, features, asynchronous events, namespaces, commands in flight) has no "
    "place in the NVMe-defined state of TP4159: an import sets it to its defaults and an export of non-default "
    "values fails unless `--allow-lossy`. The header's CSATTR describes the capture, not the device: it "
    "travels in the [bridge record](#bridge-record), and an export without one writes CSATTR "
    f"{nvme_tables.EXPORT_DEFAULTS['CSATTR']:#04x} (suspended).\n"
)


def _layouts() -> str:
    rows = []
    for name, layout in nvme_tables.LAYOUTS.items():
        widths = f"{layout.width('NVMECSS') * 8}-bit"
        selects = ", ".join(f"{k} {v}" for k, v in layout.send_select.items())
        default = " (default)" if name == nvme_tables.DEFAULT_LAYOUT else ""
        rows.append([code(name) + default, str(layout.size), widths, cell(layout.header.describe()), selects,
                     cell(layout.source)])
    return ("The public sources disagree on the header; both layouts are kept in one table "
            "(`devstate.bridges.nvme.tables`) and chosen with `--layout`. The default is the layout three "
            "codebases agree on.\n\n"
            + table(["Layout", "Header bytes", "NVMECSS/VSS", "Fields", "Migration Send selects", "Source"], rows))


def _records() -> str:
    out = [f"Header: {cell(nvme_tables.NVME_STATE_HEADER.describe())}, then NIOSQ submission queue entries, "
           "then NIOCQ completion queue entries.\n"]
    for record, layout in nvme_tables.RECORDS.items():
        rows = []
        for slot in layout.slots:
            bits = nvme_tables.ATTRIBUTE_BITS.get(slot.name, ())
            detail = ", ".join(f"{n} bits {hi}:{lo} ({doc})" if hi != lo else f"{n} bit {lo} ({doc})"
                               for n, lo, hi, doc in bits)
            rows.append([str(slot.offset), str(slot.size), "reserved" if slot.reserved else code(slot.name),
                         cell(detail)])
        out.append(f"**{record}** — {nvme_tables.RECORD_TITLES[record]} ({layout.length} bytes):\n")
        out.append(table(["Offset", "Bytes", "Field", "Bits"], rows))
    return "\n".join(out)


def _nvme_mapping(schema: ir.Schema) -> list[str]:
    anchor = slug(schema.model, str(schema.version))
    try:
        mapping = nvme_compile.compile_mapping(schema)
    except BridgeError as exc:
        return [heading(3, f"{schema.ident}", anchor), f"The annotations do not compile: {cell(exc)}\n"]
    rows = []
    for record, container in mapping.containers.items():
        rows.append([code(f"{container.path}"), f"every {record} entry, in order", ""])
        rows += [[code(b.node.path), cell(b.label), cell(b.note())] for b in mapping.bindings[record]]
    vendor = (f"Vendor-specific state: vendor section {code(mapping.vendor.name)}.\n" if mapping.vendor
              else "Vendor-specific state: an optional vendor section `uuid:<format UUID>` id 1.\n")
    return [heading(3, f"{schema.ident}", anchor), f"Schema: {_model_link(schema)}.\n",
            table(["Schema field", "Controller state", "Notes"], rows), vendor,
            f"**Not in the controller state** ({len(mapping.schema_only)}):\n", _uncovered(mapping.schema_only),
            f"**Not in the schema** ({len(mapping.standard_only)}):\n", _uncovered(mapping.standard_only)]
