"""Website pages of the bridges, generated from the data tables and the schemas' annotations.

``bridge_pages(schemas)`` returns ``{path: Markdown}``: one page per bridge with the
standard's format (part types, control commands, record layouts, header versions) and,
for every schema version that carries the bridge's annotations, the field-by-field
mapping table and the lists of what does not map. The mkdocs hook adds them to the site.
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


def bridge_pages(schemas: Sequence[ir.Schema]) -> dict[str, str]:
    """Every bridge page by its path in the site source."""
    return {VIRTIO_PAGE: render_virtio_page(schemas), NVME_PAGE: render_nvme_page(schemas)}


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


def render_virtio_page(schemas: Sequence[ir.Schema]) -> str:
    blocks = [heading(1, "virtio device parts bridge", "top"), _VIRTIO_INTRO,
              heading(2, "Part types", "part-types"), _part_types(),
              heading(2, "PCI_COMMON_CFG fields", "pci-common-cfg"), _common_cfg(),
              heading(2, "virtio-net control commands (CVQ_CFG)", "cvq-commands"), _cvq_commands(),
              heading(2, "The Linux vfio stream", "vfio"), _VFIO_TEXT,
              heading(2, "Mappings", "mappings"), _MAPPING_INTRO]
    for schema in _annotated(schemas, virtio_compile.NAMESPACE):
        blocks += _virtio_mapping(schema)
    return join_blocks(blocks)


_VIRTIO_INTRO = (
    "virtio 1.4 lets an owner device get and set the state of a member device as a list of *device parts* "
    "(admin commands DEV_PARTS_METADATA_GET 0x0e, DEV_PARTS_GET 0x0f, DEV_PARTS_SET 0x10, DEV_MODE_SET 0x11). "
    "Each part is a 16-byte header (`le16 part_type`, `u8 flags` with bit 0 OPTIONAL, `u8 reserved`, "
    "`u8 selector[8]`, `le32 length`) and a value. This bridge converts a parts stream to devstate state and "
    "back, generically: which part, selector and value field each schema field comes from is declared by "
    "`virtio-parts` annotations in the schema ([vocabulary](index.md#virtio-parts)); the tables below are the "
    "bridge's data, taken from the virtio specification (`device-parts.tex`, `admin-cmds-device-parts.tex`, "
    "`device-types/net/description.tex`).\n\n"
    "```sh\n"
    "devstate parts decode net0.parts\n"
    "devstate import --from virtio-parts net0.parts --model org.virtio.net@1.1 -o net0.dsf\n"
    "devstate export --to virtio-parts net0.dsf -o net0.parts --framing vfio\n"
    "```\n\n"
    "On import the bridge checks the spec's rules and names the part and byte offset of any violation: parts "
    "in non-decreasing order of the table below, at most one DEV_FEATURES, DRV_FEATURES and DEVICE_STATUS, "
    "one PCI_COMMON_CFG per field offset, one VQ part per virtqueue index, one CVQ_CFG per command (one per "
    "VLAN id for VLAN ADD), reserved bytes zero, value lengths as the table says, and a complete state holds "
    "DRV_FEATURES and DEVICE_STATUS. Unknown parts are skipped and reported when marked OPTIONAL and refused "
    "otherwise. Export writes parts in that order, selectors ascending, DEV_FEATURES marked OPTIONAL.\n"
)

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
        rows.append([f"{part.id:#06x}", code(part.name), part.selector.value, str(part.rank), part.count.value,
                     cell(layout), flags, cell(part.doc)])
    return table(["Type", "Name", "Selector", "Order", "Count", "Value", "Export flags", "Meaning"], rows)


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


def render_nvme_page(schemas: Sequence[ir.Schema]) -> str:
    blocks = [heading(1, "NVMe controller state bridge", "top"), _NVME_INTRO,
              heading(2, "Header layouts", "layouts"), _layouts(),
              heading(2, "NVMe-defined state", "nvme-state"), _records(),
              heading(2, "Transfers", "transfers"), _TRANSFERS,
              heading(2, "Mappings", "mappings"), _NVME_MAPPING_INTRO]
    for schema in _annotated(schemas, nvme_compile.NAMESPACE):
        blocks += _nvme_mapping(schema)
    return join_blocks(blocks)


_NVME_INTRO = (
    "NVMe live migration (TP4159, NVMe 2.1) moves a suspended controller's state with Migration Receive "
    "(0x42, Get Controller State) and Migration Send (0x41, Set Controller State). The state is a header, "
    "the NVMe-defined state (its own header, then the I/O submission queue entries, then the I/O completion "
    "queue entries, 24 bytes each) and the vendor-specific state, opaque bytes in the format a vendor UUID "
    "names. This bridge converts it to devstate state and back; the queue fields map through "
    "`nvme-controller-state` annotations ([vocabulary](index.md#nvme-controller-state)), the vendor-specific "
    "state travels as an optional DSF vendor section under `uuid:<format UUID>` (section id 1), so a "
    "destination that does not know the format skips it.\n\n"
    "```sh\n"
    "devstate nvme-state decode ctrl.state\n"
    "devstate import --from nvme-controller-state ctrl.state --model org.nvmexpress.ctrl@1.1 \\\n"
    "    --vendor-uuid 2f4c6a8e-1b3d-4e5f-9a7b-c8d9e0f1a2b3 -o ctrl.dsf\n"
    "devstate export --to nvme-controller-state ctrl.dsf -o ctrl.state --transfer-size 4096\n"
    "```\n\n"
    "On import the sizes are checked against the bytes present before anything is read (NVMECSS and VSS are "
    "128-bit dword counts in the default layout): a size larger than the buffer, queue counts that do not fit "
    "NVMECSS, non-zero reserved bytes and non-zero bytes after the state are refused with the offset; zero "
    "bytes after the state (a fixed-size receive buffer) are ignored.\n"
)

_TRANSFERS = (
    "State larger than one transfer is sent with Migration Send - Set Controller State in pieces, each "
    "with a sequence indicator in CDW10 bits 17:16: 1 first, 0 middle, 2 last, or 3 entire for a state sent "
    "at once. `export --transfer-size BYTES` writes the pieces as `OUT.000`, `OUT.001`, ... and prints each "
    "one's indicator, offset, CDW10 and NUMD; `import` and `nvme-state decode` accept the pieces in order and "
    "join them (every piece but the last must be whole dwords).\n"
)

_NVME_MAPPING_INTRO = (
    "One table per schema version with `nvme-controller-state` annotations. Most of a controller's state in "
    "devstate (registers, admin queues, features, asynchronous events, namespaces, commands in flight) has no "
    "place in the NVMe-defined state of TP4159: an import sets it to its defaults and an export of non-default "
    "values fails unless `--allow-lossy`. The header's VER and CSATTR describe the capture, not the device: "
    f"export writes VER {nvme_tables.EXPORT_DEFAULTS['VER']} and CSATTR "
    f"{nvme_tables.EXPORT_DEFAULTS['CSATTR']:#04x} (suspended), and an import reports other values.\n"
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
