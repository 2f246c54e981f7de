"""The ``nvme-controller-state`` annotations of a schema, checked and compiled into bindings.

Vocabulary (spec/bridges/index.md):

- an array of structs: ``{record: IOSQ}`` or ``{record: IOCQ}`` — element *i* is the
  *i*-th entry of that kind in the NVMe-defined state;
- a field of those elements: ``{record, field}`` (or ``{record, offset, size}``), with
  ``bits: [low, high]`` for part of an attribute field and ``transform``: ``plus-one``
  (the standard stores the value minus one: zero-based queue sizes) or ``s0pt`` with
  ``tail: FIELD`` (the phase tag from the Slot 0 Phase Tag and the queue's tail);
- an opaque vendor section: ``{vendor-state: true}`` — it holds the vendor-specific state.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from devstate import ir
from devstate.bridges.errors import BridgeCode, BridgeError
from devstate.bridges.layouts import Slot
from devstate.bridges.nvme import tables
from devstate.bridges.report import Uncovered
from devstate.bridges.schemawalk import Diagnostics, Node, container_of, is_int, keys_problem, per_schema, walk
from devstate.bridges.values import (
    ValueProblem,
    extract_bits,
    fits,
    from_item,
    insert_bits,
    is_scalar,
    scalar_to_int,
)

NAMESPACE = "nvme-controller-state"
BRIDGE = "NVMe controller state"
TRANSFORMS = ("plus-one", "s0pt")
_FIELD_KEYS = {"record", "field", "offset", "size", "bits", "transform", "tail"}


@dataclass(frozen=True)
class EntryBinding:
    """One field of a queue element ↔ a slot (or bit range) of its queue entry."""

    node: Node
    record: str
    slot: Slot
    bits: tuple[int, int] | None = None
    transform: str | None = None
    tail: str | None = None

    @property
    def name(self) -> str:
        return self.node.steps[-1]

    @property
    def phase(self) -> int:
        return 1 if self.transform == "s0pt" else 0

    def read(self, schema: ir.Schema, element: dict[str, Any], items: dict[str, Any]) -> Any:
        """The field's value from an entry's items; raises ``ValueProblem``."""
        raw = extract_bits(int(items[self.slot.name]), self.bits)
        if self.transform == "plus-one":
            raw += 1
        elif self.transform == "s0pt":
            assert self.tail is not None
            raw ^= int(element[self.tail] == 0)
        return from_item(schema, self.node.expr, raw, self.node.field)

    def write(self, schema: ir.Schema, element: dict[str, Any], items: dict[str, Any]) -> None:
        """Put the field's value into an entry's items; raises ``ValueProblem`` when it does not fit."""
        raw = scalar_to_int(schema, self.node.expr, element[self.name])
        if self.transform == "plus-one":
            raw -= 1
        elif self.transform == "s0pt":
            assert self.tail is not None
            raw ^= int(element[self.tail] == 0)
        if not fits(raw, self.slot.size, self.bits):
            raise ValueProblem(f"{element[self.name]} does not fit {self.label}")
        items[self.slot.name] = insert_bits(int(items.get(self.slot.name, 0)), self.bits, raw)

    @property
    def label(self) -> str:
        bits = "" if self.bits is None else f" bit{'s' if self.bits[0] != self.bits[1] else ''} " + (
            f"{self.bits[1]}:{self.bits[0]}" if self.bits[0] != self.bits[1] else str(self.bits[0]))
        return f"{self.record}.{self.slot.name}{bits}"

    def note(self) -> str:
        if self.transform == "plus-one":
            return "the standard stores the value minus one (zero-based)"
        if self.transform == "s0pt":
            return f"phase = S0PT xor ({self.tail} == 0): slot 0 holds the current phase unless the tail wrapped to 0"
        return ""


@dataclass(frozen=True)
class NvmeMapping:
    schema: ir.Schema
    containers: dict[str, Node]
    """Record name (IOSQ, IOCQ) → the array of structs its entries fill."""
    bindings: dict[str, tuple[EntryBinding, ...]]
    vendor: ir.VendorSection | None
    schema_only: tuple[Uncovered, ...]
    standard_only: tuple[Uncovered, ...]


@per_schema
def compile_mapping(schema: ir.Schema) -> NvmeMapping:
    """The schema's mapping (cached); raises ``AnnotationError`` or ``BridgeError(NO_MAPPING)``."""
    return _Compiler(schema).run()


class _Compiler:
    def __init__(self, schema: ir.Schema) -> None:
        self.schema = schema
        self.diags = Diagnostics(NAMESPACE)
        self.nodes = list(walk(schema, NAMESPACE))
        self.containers: dict[str, Node] = {}
        self.bindings: dict[str, list[EntryBinding]] = {name: [] for name in tables.RECORDS}

    def run(self) -> NvmeMapping:
        for node in self.nodes:
            if node.annotation is not None and node.is_struct_array:
                self._container(node)
        for node in self.nodes:
            if node.annotation is not None and not node.is_struct_array:
                self._field(node)
        vendor = self._vendor()
        self.diags.check()
        if not self.containers and vendor is None:
            raise BridgeError(BridgeCode.NO_MAPPING, f"{self.schema.ident} has no {NAMESPACE} annotations")
        bindings = {r: tuple(sorted(b, key=lambda b: b.phase)) for r, b in self.bindings.items()}
        return NvmeMapping(self.schema, dict(self.containers), bindings, vendor, tuple(self._schema_only()),
                           tuple(self._standard_only()))

    def _container(self, node: Node) -> None:
        problem = keys_problem(node.annotation, {"record"}, {"record"})
        record = node.annotation.get("record") if problem is None else None
        if problem is None and record not in tables.RECORDS:
            problem = f"unknown record {record!r} (known: {', '.join(tables.RECORDS)})"
        if problem is None and (node.depth or record in self.containers):
            problem = f"{record} entries already map to {self.containers[record].path}" if record in \
                self.containers else "queue entries map to an array directly in a section"
        if problem is not None:
            self.diags.error(node.loc, node.path, problem)
            return
        self.containers[str(record)] = node

    def _field(self, node: Node) -> None:
        container = container_of(node, self.nodes)
        record = next((r for r, c in self.containers.items() if c == container), None)
        value = node.annotation
        problem = keys_problem(value, {"record"}, _FIELD_KEYS)
        if problem is None and record is None:
            problem = "only fields of an array annotated {record: IOSQ|IOCQ} map to queue entries"
        if problem is None and value["record"] != record:
            problem = f"record {value['record']!r} differs from its array's record {record!r}"
        if problem is None and not is_scalar(self.schema, node.expr):
            problem = f"{ir.type_label(node.expr)} is not a number, bool, enum or flags"
        if problem is not None:
            self.diags.error(node.loc, node.path, problem)
            return
        assert record is not None
        binding = self._binding(node, record, value)
        if binding is not None:
            self.bindings[record].append(binding)

    def _binding(self, node: Node, record: str, value: dict[str, Any]) -> EntryBinding | None:
        slot = self._slot(node, record, value)
        bits = self._bits(node, value, slot)
        transform, tail = value.get("transform"), value.get("tail")
        if transform is not None and transform not in TRANSFORMS:
            self.diags.error(node.loc, node.path, f"unknown transform {transform!r} (known: {', '.join(TRANSFORMS)})")
            return None
        if (transform == "s0pt") != (tail is not None) or (tail is not None and tail not in self._siblings(node)):
            self.diags.error(node.loc, node.path, "transform s0pt needs tail: the sibling field holding the tail "
                                                  "(and tail is only for s0pt)")
            return None
        if slot is None or bits is False or bits is True:
            return None
        return EntryBinding(node, record, slot, bits, transform, tail)

    def _slot(self, node: Node, record: str, value: dict[str, Any]) -> Slot | None:
        layout = tables.RECORDS[record]
        if "field" in value:
            found = next((s for s in layout.slots if s.name == value["field"] and not s.reserved), None)
        else:
            offset, size = value.get("offset"), value.get("size")
            found = layout.slot_at(offset, size) if is_int(offset) and is_int(size) else None
        if found is None:
            self.diags.error(node.loc, node.path, f"no such field of {record} (layout: {layout.describe()}); "
                                                  "give field: NAME or offset and size")
        return found

    def _bits(self, node: Node, value: dict[str, Any], slot: Slot | None) -> tuple[int, int] | bool | None:
        bits = value.get("bits")
        if bits is None:
            return None
        ok = isinstance(bits, list) and len(bits) == 2 and all(is_int(b) for b in bits) and \
            0 <= bits[0] <= bits[1] < (slot.size * 8 if slot else 128)
        if not ok:
            self.diags.error(node.loc, node.path, "bits must be [low, high] inside the field")
            return False
        return int(bits[0]), int(bits[1])

    def _siblings(self, node: Node) -> set[str]:
        return {n.steps[-1] for n in self.nodes if n.section == node.section and n.steps[:-1] == node.steps[:-1]}

    def _vendor(self) -> ir.VendorSection | None:
        chosen = None
        for section in self.schema.vendor_sections:
            value = section.annotations.get(NAMESPACE)
            if value is None:
                continue
            problem = keys_problem(value, {"vendor-state"}, {"vendor-state"})
            if problem is None and (value["vendor-state"] is not True or not section.opaque or chosen):
                problem = "vendor-state: true marks one opaque vendor section as the vendor-specific state"
            if problem is not None:
                self.diags.error(section.loc, f"vendor section {section.name}", problem)
                continue
            chosen = section
        return chosen

    def _schema_only(self) -> list[Uncovered]:
        bound = {b.node.path for group in self.bindings.values() for b in group}
        out = [Uncovered(n.path) for n in self.nodes if n.is_leaf and n.path not in bound]
        out += [Uncovered(f"vendor section {v.name}", f"{v.vendor} id {v.id}")
                for v in self.schema.vendor_sections if not v.annotations.get(NAMESPACE)]
        return out

    def _standard_only(self) -> list[Uncovered]:
        out = [Uncovered("header VER", f"export writes {tables.EXPORT_DEFAULTS['VER']}"),
               Uncovered("header CSATTR", f"export writes {tables.EXPORT_DEFAULTS['CSATTR']:#04x} (suspended)"),
               Uncovered("NVMe-defined state VER", f"export writes {tables.EXPORT_DEFAULTS['NVME_VER']}")]
        for record, layout in tables.RECORDS.items():
            used = {(b.slot.name, b.bits) for b in self.bindings[record]}
            if record not in self.containers:
                out.append(Uncovered(f"{record} entries", "no array annotated for them"))
                continue
            for slot in layout.slots:
                out += _uncovered_slot(record, slot, used)
        return out


def _uncovered_slot(record: str, slot: Slot, used: set[tuple[str, tuple[int, int] | None]]) -> list[Uncovered]:
    if slot.reserved or (slot.name, None) in used:
        return []
    attributes = tables.ATTRIBUTE_BITS.get(slot.name)
    if attributes is None:
        return [Uncovered(f"{record}.{slot.name}")] if not any(s == slot.name for s, _ in used) else []
    return [Uncovered(f"{record}.{slot.name}.{name}", doc) for name, low, high, doc in attributes
            if (slot.name, (low, high)) not in used]
