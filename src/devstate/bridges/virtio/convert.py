"""virtio device parts ⇄ devstate state: import, export, and the listing of a parts stream.

``import_parts`` reads a parts stream (raw, or inside vfio records), checks it, fills a
state of the schema through the schema's bindings and reports what was not carried.
``export_parts`` writes a state as a parts stream in the spec's order and refuses to
drop non-default values unless ``allow_lossy``. Both find losses the same way, by
converting back: export → import must give the state again, import → export the parts.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from devstate import ir
from devstate.bridges.errors import BridgeCode, BridgeDecodeError, BridgeExportError, LossyExportError
from devstate.bridges.layouts import Variable, Words
from devstate.bridges.record import with_record, without_record
from devstate.bridges.report import BridgeReport, Loss, show
from devstate.bridges.schemawalk import put
from devstate.bridges.statecheck import check_state, state_losses
from devstate.bridges.values import ValueProblem
from devstate.bridges.virtio import presence, tables
from devstate.bridges.virtio.bindings import Draft, ExportContext, ImportContext, canonical_key, significant_words
from devstate.bridges.virtio.compile import BRIDGE, VirtioMapping, compile_mapping
from devstate.bridges.virtio.presence import Header, Key, part_key
from devstate.bridges.virtio.rules import SELECTOR, check_complete, parse_parts
from devstate.bridges.virtio.stream import Part, encode_parts, unwrap, wrap_vfio
from devstate.bridges.virtio.tables import Selector
from devstate.state import State, copy_value

NAME = "virtio-parts"


@dataclass
class ImportResult:
    state: State
    report: BridgeReport
    parts: list[Part] = field(default_factory=list)
    framing: str = "raw"


@dataclass
class ExportResult:
    data: bytes
    report: BridgeReport
    parts: list[Part] = field(default_factory=list)


def import_parts(schema: ir.Schema, data: bytes | bytearray | memoryview, framing: str = "auto") -> ImportResult:
    """A state of ``schema`` from a parts stream; raises ``BridgeDecodeError`` when it is malformed.

    The state carries the bridge record (``presence``): the headers of the parts read.
    """
    mapping = compile_mapping(schema)
    payload, base, used, notes = unwrap(data, framing)
    parts = parse_parts(payload, mapping.device_type, base)
    check_complete(parts, base + len(payload))
    values, absent = _import(mapping, parts)
    check_state(schema, values, lambda path, message: BridgeDecodeError(BridgeCode.BAD_VALUE, base, path, message))
    state = with_record(values, presence.NAMESPACE, presence.encode_headers(parts))
    report = _report(mapping, "import")
    kept = sum(presence.carried(part) for part in parts)
    report.notes += [f"framing: {used}", *notes, *_merged(absent),
                     f"bridge record: the {kept} part headers read, in order (optional vendor section "
                     f"uuid:{presence.NAMESPACE} #1); export writes the same parts"]
    report.losses = _import_losses(mapping, parts, bytes(payload), state)
    return ImportResult(state, report, parts, used)


def export_parts(schema: ir.Schema, state: State, allow_lossy: bool = False, framing: str = "raw") -> ExportResult:
    """A parts stream for ``state``; raises ``LossyExportError`` when values would be lost."""
    mapping = compile_mapping(schema)
    parts, problems, notes = _export(mapping, state)
    back, _ = _import(mapping, parts)
    report = _report(mapping, "export")
    report.notes += notes
    report.losses = state_losses(schema, without_record(state, presence.NAMESPACE), back, problems,
                                 f"not carried by {BRIDGE}")
    if report.losses and not allow_lossy:
        raise LossyExportError(report.losses, BRIDGE)
    data = encode_parts(parts)
    return ExportResult(wrap_vfio(data) if framing == "vfio" else data, report, parts)


# --- the two directions -------------------------------------------------------------------------


def _import(mapping: VirtioMapping, parts: Sequence[Part]) -> tuple[State, list[str]]:
    ctx = ImportContext(mapping.schema, parts, mapping.features, copy_value(mapping.default_state))
    counts = {container.path: _element_count(mapping, container, ctx) for container in mapping.indexed}
    for array in mapping.indexed:
        element = mapping.element_defaults[array.path]
        put(mapping.schema, ctx.state, array, [copy_value(element) for _ in range(counts[array.path])])
    for binding, container in mapping.plan:
        if container is None:
            binding.import_(ctx, ())
            continue
        binding.import_elements(ctx, counts[container.path])
    return ctx.state, ctx.absent


def _merged(absent: list[str]) -> list[str]:
    """One note per missing part (``no VQ_NOTIFY_CFG[2] part: queues[2].notify_off, queues[2].notify_data``)."""
    by_part: dict[str, list[str]] = {}
    for note in absent:
        head, _, rest = note.partition(": ")
        by_part.setdefault(head, []).append(rest.removesuffix(" keeps its default"))
    out = []
    for head, paths in by_part.items():
        verb = "keeps its default" if len(paths) == 1 else "keep their defaults"
        out.append(f"{head}: {', '.join(paths)} {verb}")
    return out


def _element_count(mapping: VirtioMapping, container: Any, ctx: ImportContext) -> int:
    """One more than the largest virtqueue index of the parts the array's elements map."""
    kinds = mapping.element_kinds[container.path]
    capacity = container.expr.capacity
    found = [part for (type_id, _), parts in ctx.by_key.items() if type_id in kinds for part in parts]
    past = min((part for part in found if part.index >= capacity), key=lambda part: part.offset, default=None)
    if past is not None:
        raise BridgeDecodeError(BridgeCode.BAD_VALUE, past.offset + SELECTOR, past.label,
                                f"vq_index {past.index} is past the {capacity} virtqueues {container.path} of "
                                f"{mapping.schema.model}@{mapping.schema.version} holds")
    return max(part.index for part in found) + 1 if found else 0


def _export(mapping: VirtioMapping, state: State) -> tuple[list[Part], dict[str, str], list[str]]:
    """The parts for ``state``, checked against the stream rules: (parts, per-path problems, notes)."""
    ctx = ExportContext(mapping.schema, state, mapping.features)
    for binding, container in mapping.plan:
        if container is None:
            binding.export(ctx, ())
            continue
        elements = state["sections"].get(container.section.name)
        count = len(_walk_value(elements, container.steps)) if elements is not None else 0
        binding.export_elements(ctx, count)
    headers, notes = presence.recorded_headers(state)
    parts = _ordered(_selected(ctx, headers), headers, ctx.last)
    try:
        return parse_parts(encode_parts(parts), mapping.device_type), ctx.problems, notes
    except BridgeDecodeError as exc:
        raise BridgeExportError(BridgeCode.CANNOT_EXPORT, "$",
                                f"the state does not give a valid parts stream: {exc}") from None


def _selected(ctx: ExportContext, headers: list[Header] | None) -> list[Part]:
    """Every part the features allow; with a record, only the recorded ones and those the state needs."""
    recorded = {header.key: header for header in headers or []}
    parts = []
    for draft in ctx.drafts.values():
        header = recorded.get(draft.key)
        if not ctx.allowed(draft) or (headers is not None and header is None and not draft.required):
            continue
        if not _buildable(ctx, draft):
            continue
        flags = header.flags if header is not None else draft.kind.flags
        parts.append(draft.build(flags, _word_count(draft, header)))
    if headers is not None:
        parts += _stand_ins(ctx, headers, parts)
    return parts


def _stand_ins(ctx: ExportContext, headers: list[Header], parts: list[Part]) -> list[Part]:
    """A part for each mandatory type the record has and the selection lost: the type's first part in
    canonical order.

    A recorded part the schema has no place for is not written (its value is lost); when every part
    of a mandatory type is such a part (a PCI_COMMON_CFG admin_queue_index alone), the stream would
    lack a type the order table requires before DEVICE_STATUS and the VQ parts, and no export could
    be read back. The stand-in is the mapped part of that type that comes first (for PCI_COMMON_CFG,
    offset 0: device_feature_select), with the state's value.
    """
    have = {part.type_id for part in parts}
    lost = {header.type_id for header in headers} - have
    out = []
    for kind in tables.COMMON_PARTS:
        if not kind.mandatory or kind.id not in lost:
            continue
        drafts = sorted((d for d in ctx.drafts.values() if d.kind.id == kind.id and ctx.allowed(d)), key=canonical_key)
        first = next((d for d in drafts if _buildable(ctx, d)), None)
        if first is not None:
            out.append(first.build(first.kind.flags, _word_count(first, None)))
    return out


def _buildable(ctx: ExportContext, draft: Draft) -> bool:
    layout = draft.layout
    if isinstance(layout, Variable):
        try:
            layout.check_items(draft.items)
        except ValueProblem as exc:
            ctx.problems[draft.label] = str(exc)
            return False
    return True


def _word_count(draft: Draft, header: Header | None) -> int | None:
    """Feature words to write: as many as recorded, never fewer than the set bits need."""
    layout = draft.layout
    if not isinstance(layout, Words) or layout.width != 8:
        return None
    words = [int(word) for word in draft.items.get(layout.name, [])]
    wanted = header.length // 8 if header is not None else len(words)
    return max(wanted, significant_words(words))


def _ordered(parts: list[Part], headers: list[Header] | None,
             last: list[tuple[list[Key], Key]]) -> list[Part]:
    """Recorded parts in recorded order, the others at their canonical place; then the "last" rules."""
    position = {header.key: index for index, header in enumerate(headers or [])}
    ordered = sorted((p for p in parts if part_key(p) in position), key=lambda p: position[part_key(p)])
    for extra in sorted((p for p in parts if part_key(p) not in position), key=canonical_key):
        at = next((i for i, p in enumerate(ordered) if canonical_key(p) > canonical_key(extra)), len(ordered))
        ordered.insert(at, extra)
    for group, key in last:
        members = [i for i, p in enumerate(ordered) if part_key(p) in group]
        mine = next((i for i in members if part_key(ordered[i]) == key), None)
        if mine is not None and mine != members[-1]:
            ordered.insert(members[-1], ordered.pop(mine))
    return ordered


def _walk_value(value: Any, steps: tuple[str, ...]) -> Any:
    for step in steps:
        value = value[step]
    return value


def _report(mapping: VirtioMapping, direction: str) -> BridgeReport:
    return BridgeReport(NAME, direction, mapping.schema.ident, list(mapping.schema_only), list(mapping.standard_only))


# --- losses on import: standard data the state did not keep --------------------------------------


def _import_losses(mapping: VirtioMapping, parts: Sequence[Part], payload: bytes, state: State) -> list[Loss]:
    """What the state does not give back: the export of the new state, compared part by part with the input.

    Every part that is not written back identically is a loss (its values, or its bytes when the values
    agree), and so is a part the export would add; when none is, the export is the input byte for byte.
    """
    try:
        again, _, _ = _export(mapping, state)
    except BridgeExportError as exc:
        return [Loss("the parts stream", "(all)", str(exc))]
    by_key = {part_key(p): p for p in again}
    ident = mapping.schema.ident
    losses = []
    for part in parts:
        twin = by_key.pop(part_key(part), None)
        if not presence.carried(part):
            losses.append(Loss(f"{part.label} at offset {part.offset}", show(part.value),
                               "unknown optional part, skipped"))
        elif twin is None:
            losses.append(Loss(part.label, _show_items(part.items), f"{ident} has no place for it"))
        elif (twin.value, twin.flags) != (part.value, part.flags):
            losses += _item_losses(part, twin, ident)
    losses += [Loss(p.label, "(no part)", f"the input has no such part; {ident} would write one")
               for p in by_key.values()]
    if not losses and encode_parts(again) != payload:
        losses.append(Loss("the order of the parts", "as read", "export writes another order"))
    return losses


def _item_losses(part: Part, twin: Part, ident: str) -> list[Loss]:
    losses = []
    for name, value in part.items.items():
        if value != twin.items.get(name):
            where = part.label if len(part.items) == 1 else f"{part.label}.{name}"
            losses.append(Loss(where, show(value), f"{ident} keeps {show(twin.items.get(name))}"))
    if part.flags != twin.flags:
        losses.append(Loss(f"{part.label} flags", f"{part.flags:#04x}", f"written back as {twin.flags:#04x}"))
    if not losses:
        losses.append(Loss(part.label, show(part.value), f"written back as {show(twin.value)}"))
    return losses


def _show_items(items: dict[str, Any]) -> str:
    if len(items) == 1:
        return show(next(iter(items.values())))
    return ", ".join(f"{name}={show(value)}" for name, value in items.items()) or "(no value)"


# --- listing (devstate parts decode) --------------------------------------------------------------


def describe_part(part: Part) -> dict[str, Any]:
    """A JSON-ready description of one part: type, flags, selector, length, decoded value."""
    return {
        "offset": part.offset,
        "type": f"{part.type_id:#06x}",
        "name": part.name,
        "flags": ["OPTIONAL"] if part.flags & tables.FLAG_OPTIONAL else [],
        "selector": _selector(part),
        "length": len(part.value),
        "value": _value(part),
    }


def _selector(part: Part) -> dict[str, Any] | None:
    if part.kind is None:
        return {"raw": part.selector.hex()}
    if part.kind.selector is Selector.VQ_INDEX:
        return {"vq_index": part.index}
    if part.kind.selector is Selector.COMMON_CFG:
        offset = int.from_bytes(part.selector[:4], "little")
        return {"offset": offset, "field": part.common.name if part.common else None}
    if part.kind.selector is Selector.CVQ:
        command = part.command
        return {"class": command.class_name if command else part.selector[0],
                "command": command.command_name if command else part.selector[1]}
    return None


def _value(part: Part) -> Any:
    if part.kind is None or (part.kind.selector is Selector.CVQ and part.command is None):
        return {"raw": part.value.hex()}
    return {name: _json_item(value) for name, value in part.items.items()}


def _json_item(value: Any) -> Any:
    if isinstance(value, bytes):
        return value.hex()
    if isinstance(value, list):
        return [_json_item(item) for item in value]
    return value


def list_parts(data: bytes | bytearray | memoryview, framing: str = "auto",
               device_type: str | None = "net") -> tuple[list[Part], str, list[str]]:
    """Every part of a stream (checked like an import, without a schema): parts, framing, notes."""
    payload, base, used, notes = unwrap(data, framing)
    return parse_parts(payload, device_type, base), used, notes
