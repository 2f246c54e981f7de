"""NVMe controller state ⇄ devstate state: import, export and the listing of a state.

Import fills the schema's queue arrays from the I/O queue entries (through the schema's
bindings) and carries the vendor-specific state as an optional vendor section keyed by
its format UUID (the schema's ``vendor-state`` section, else an unknown optional section
under ``uuid:<format UUID>`` with id 1). Export is the reverse and refuses to drop
non-default values unless ``allow_lossy``. Losses are found by converting back.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from devstate import ir
from devstate.bridges.errors import BridgeCode, BridgeDecodeError, BridgeExportError, LossyExportError
from devstate.bridges.nvme import presence, tables
from devstate.bridges.nvme.compile import BRIDGE, EntryBinding, NvmeMapping, compile_mapping
from devstate.bridges.nvme.rules import read_state
from devstate.bridges.nvme.stream import ControllerState, encode_state, layout_named
from devstate.bridges.record import with_record, without_record
from devstate.bridges.report import BridgeReport, Loss, show
from devstate.bridges.schemawalk import MISSING, get, put
from devstate.bridges.statecheck import check_state, state_losses
from devstate.bridges.values import ValueProblem
from devstate.errors import UsageError
from devstate.semantic import check_state as check_semantics
from devstate.state import State, default_state, struct_default
from devstate.wire.sections import FLAG_OPTIONAL, FLAG_VENDOR

NAME = "nvme-controller-state"
VENDOR_SECTION_ID = 1
"""The section id of the vendor-specific state under its format UUID (one state per UUID)."""


@dataclass
class ImportResult:
    state: State
    report: BridgeReport
    controller: ControllerState


@dataclass
class ExportResult:
    data: bytes
    report: BridgeReport
    controller: ControllerState
    vendor_uuid: str | None = None
    notes: list[str] = field(default_factory=list)


def import_state(schema: ir.Schema, data: bytes | bytearray | memoryview, layout: str = tables.DEFAULT_LAYOUT,
                 vendor_uuid: str | None = None) -> ImportResult:
    """A state of ``schema`` from a controller state; raises ``BridgeDecodeError`` when malformed."""
    mapping = compile_mapping(schema)
    controller = read_state(data, layout_named(layout))
    values = _import(mapping, controller, _uuid(vendor_uuid))
    check_state(schema, values, lambda path, message: BridgeDecodeError(BridgeCode.BAD_VALUE, 0, path, message))
    state = with_record(values, presence.NAMESPACE, controller.header)
    report = _report(mapping, "import", layout)
    report.losses = _import_losses(mapping, controller, bytes(memoryview(data).cast("B")), state)
    report.notes.append(f"bridge record: the {len(controller.header)}-byte header as read (optional vendor section "
                        f"uuid:{presence.NAMESPACE} #1); export writes the same CSATTR and NVMECSS 0 again")
    if controller.padding:
        report.notes.append(f"{controller.padding} zero bytes after the state (a receive buffer's padding) ignored")
    if controller.nvme_version is None:
        report.notes.append("NVMECSS is 0: the state has no NVMe-defined state (no I/O queues)")
    return ImportResult(state, report, controller)


def export_state(schema: ir.Schema, state: State, layout: str = tables.DEFAULT_LAYOUT, vendor_uuid: str | None = None,
                 allow_lossy: bool = False) -> ExportResult:
    """A controller state for ``state``; raises ``LossyExportError`` when values would be lost."""
    mapping = compile_mapping(schema)
    violations = check_semantics(schema, state)
    if violations:
        first = violations[0]
        raise BridgeExportError(BridgeCode.CANNOT_EXPORT, first.path,
                                f"{first.rule}: {first.message}; Set Controller State could not create the queues")
    controller, problems, notes = _controller(mapping, state, layout_named(layout))
    chosen = _pick_vendor(mapping, state, _uuid(vendor_uuid))
    controller.vendor = chosen[1]
    data = encode_state(controller)
    try:
        parsed = read_state(data, controller.layout)
    except BridgeDecodeError as exc:
        raise BridgeExportError(BridgeCode.CANNOT_EXPORT, "$", f"the state gives no valid controller state: {exc}") \
            from None
    back = _import(mapping, parsed, chosen[0])
    report = _report(mapping, "export", layout)
    report.notes += notes
    report.losses = state_losses(schema, without_record(state, presence.NAMESPACE), back, problems,
                                 f"not carried by the {BRIDGE}")
    if report.losses and not allow_lossy:
        raise LossyExportError(report.losses, f"the {BRIDGE}")
    if chosen[0]:
        report.notes.append(f"vendor-specific state: {len(chosen[1])} bytes in format {chosen[0]}")
    return ExportResult(data, report, controller, chosen[0])


def _uuid(text: str | None) -> str | None:
    if text is None:
        return None
    try:
        return str(uuid.UUID(text))
    except ValueError:
        raise UsageError(f"{text!r} is not a UUID") from None


def _report(mapping: NvmeMapping, direction: str, layout: str) -> BridgeReport:
    report = BridgeReport(NAME, direction, mapping.schema.ident, list(mapping.schema_only), list(mapping.standard_only))
    report.notes.append(f"layout: {layout} ({tables.LAYOUTS[layout].size}-byte header)")
    return report


# --- import -----------------------------------------------------------------------------------------


def _import(mapping: NvmeMapping, controller: ControllerState, vendor_uuid: str | None) -> State:
    schema = mapping.schema
    state = default_state(schema)
    for record, container in mapping.containers.items():
        entries = controller.entries(record)
        array = container.expr
        assert isinstance(array, ir.ArrayType) and isinstance(array.element, ir.NamedRef)
        if len(entries) > array.capacity:
            raise BridgeDecodeError(BridgeCode.BAD_VALUE, controller.entry_offset(record, array.capacity), record,
                                    f"{len(entries)} {record} entries; {container.path} holds at most {array.capacity}")
        struct = schema.struct(array.element.name)
        elements = [_element(mapping, record, struct, items, controller.entry_offset(record, i), i)
                    for i, items in enumerate(entries)]
        put(schema, state, container, elements)
    _import_vendor(mapping, controller, state, vendor_uuid)
    return state


def _element(mapping: NvmeMapping, record: str, struct: ir.StructType, items: dict[str, Any], at: int,
             index: int) -> dict[str, Any]:
    element = struct_default(mapping.schema, struct)
    for binding in mapping.bindings[record]:
        try:
            element[binding.name] = binding.read(mapping.schema, element, items)
        except ValueProblem as exc:
            raise BridgeDecodeError(BridgeCode.BAD_VALUE, at + binding.slot.offset, f"{record}[{index}]",
                                    f"{binding.label} cannot be {binding.node.path}: {exc}") from None
    return element


def _import_vendor(mapping: NvmeMapping, controller: ControllerState, state: State, vendor_uuid: str | None) -> None:
    vendor = controller.vendor
    if not vendor:
        return
    if mapping.vendor is not None:
        if mapping.vendor.max is not None and len(vendor) > mapping.vendor.max:
            raise BridgeDecodeError(BridgeCode.BAD_VALUE, controller.offsets["vendor"], "vendor-specific state",
                                    f"{len(vendor)} bytes; vendor section {mapping.vendor.name} holds at most "
                                    f"{mapping.vendor.max}")
        state["vendor_sections"][mapping.vendor.name] = vendor
        return
    if vendor_uuid is None:
        raise UsageError(f"the controller state has {len(vendor)} bytes of vendor-specific state; name its format "
                         "UUID (the vendor format the state was read with, --vendor-uuid) to carry it")
    state["unknown_sections"].append({"id": VENDOR_SECTION_ID, "flags": FLAG_OPTIONAL | FLAG_VENDOR,
                                      "vendor": f"uuid:{vendor_uuid}", "payload": vendor})


def _import_losses(mapping: NvmeMapping, controller: ControllerState, data: bytes, state: State) -> list[Loss]:
    """What the new state does not give back: its export compared with the input, entry by entry.

    When no entry differs and the bytes still do (the padding of a receive buffer aside), the
    difference itself is reported, so a lossless import is one whose export is the input.
    """
    again, _, _ = _controller(mapping, state, controller.layout)
    again.vendor = controller.vendor
    losses = []
    for record in tables.RECORDS:
        losses += _entry_losses(mapping, record, controller, again)
    if not losses and encode_state(again) != data[: len(data) - controller.padding]:
        losses.append(Loss("the controller state", f"{len(data) - controller.padding} bytes",
                           "export writes other bytes"))
    return losses


def _entry_losses(mapping: NvmeMapping, record: str, before: ControllerState,
                  after: ControllerState) -> list[Loss]:
    losses = []
    mapped = record in mapping.containers
    for index, items in enumerate(before.entries(record)):
        twin = after.entries(record)[index] if mapped and index < len(after.entries(record)) else {}
        for name, value in items.items():
            if value != twin.get(name):
                losses.append(Loss(f"{record}[{index}].{name}", show(value),
                                   f"{mapping.schema.ident} keeps {show(twin.get(name, 0))}"))
    return losses


# --- export -------------------------------------------------------------------------------------------


def _controller(mapping: NvmeMapping, state: State,
                layout: tables.HeaderLayout) -> tuple[ControllerState, dict[str, str], list[str]]:
    controller = ControllerState(layout)
    problems: dict[str, str] = {}
    for record, container in mapping.containers.items():
        elements = get(state, container)
        for index, element in enumerate(elements if elements is not MISSING else []):
            controller.entries(record).append(_entry(mapping.bindings[record], mapping.schema, element,
                                                     f"{container.section.name}[{index}]", problems))
    kept, notes = presence.recorded(state)
    if kept is not None:
        controller.csattr = kept.csattr
        if not kept.nvme_state and not controller.sqs and not controller.cqs:
            controller.nvme_version = None
    return controller, problems, notes


def _entry(bindings: Sequence[EntryBinding], schema: ir.Schema, element: dict[str, Any], where: str,
           problems: dict[str, str]) -> dict[str, Any]:
    items: dict[str, Any] = {}
    for binding in bindings:
        try:
            binding.write(schema, element, items)
        except ValueProblem as exc:
            problems[f"{where}.{binding.name}"] = str(exc)
    return items


def _pick_vendor(mapping: NvmeMapping, state: State, vendor_uuid: str | None) -> tuple[str | None, bytes]:
    """The vendor-specific state to write: (its format UUID, bytes)."""
    if mapping.vendor is not None and mapping.vendor.name in state.get("vendor_sections", {}):
        payload = state["vendor_sections"][mapping.vendor.name]
        return str(mapping.vendor.vendor.uuid or mapping.vendor.vendor), bytes(payload)
    candidates = [entry for entry in state.get("unknown_sections", [])
                  if str(entry.get("vendor", "")).startswith("uuid:")
                  and entry.get("vendor") != f"uuid:{presence.NAMESPACE}"]
    if vendor_uuid is not None:
        candidates = [entry for entry in candidates if entry["vendor"] == f"uuid:{vendor_uuid}"]
        if not candidates:
            raise BridgeExportError(BridgeCode.CANNOT_EXPORT, "$.unknown_sections",
                                    f"the state has no vendor section under uuid:{vendor_uuid}")
    if len(candidates) > 1:
        names = ", ".join(str(entry["vendor"]) for entry in candidates)
        raise BridgeExportError(BridgeCode.CANNOT_EXPORT, "$.unknown_sections",
                                f"several vendor-specific states ({names}); a controller state holds one: pick it "
                                "with --vendor-uuid")
    if not candidates:
        return None, b""
    return str(candidates[0]["vendor"])[5:], bytes(candidates[0]["payload"])


# --- listing (devstate nvme-state decode) ------------------------------------------------------------------


def describe_state(controller: ControllerState) -> dict[str, Any]:
    """A JSON-ready description: header, NVMe-defined state with every entry, vendor state."""
    return {
        "layout": controller.layout.name,
        "header": {"VER": controller.version, "CSATTR": controller.csattr,
                   "suspended": bool(controller.csattr & tables.CSATTR_SUSPENDED)},
        "nvme_state": None if controller.nvme_version is None else {
            "offset": controller.offsets.get("nvme"), "VER": controller.nvme_version,
            "NIOSQ": len(controller.sqs), "NIOCQ": len(controller.cqs),
            "IOSQ": [_entry_json("IOSQ", items) for items in controller.sqs],
            "IOCQ": [_entry_json("IOCQ", items) for items in controller.cqs],
        },
        "vendor_state": {"offset": controller.offsets.get("vendor"), "length": len(controller.vendor),
                         "data": controller.vendor.hex()},
        "padding": controller.padding,
    }


def _entry_json(record: str, items: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = dict(items)
    for attribute, bits in tables.ATTRIBUTE_BITS.items():
        if attribute in items:
            raw = int(items[attribute])
            out[f"{attribute}_bits"] = {name: raw >> low & ((1 << (high - low + 1)) - 1) for name, low, high, _ in bits}
    return out
