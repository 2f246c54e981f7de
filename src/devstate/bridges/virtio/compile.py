"""The ``virtio-parts`` annotations of a schema, checked and compiled into bindings.

The vocabulary is specified in spec/bridges/index.md. In short:

- top level: ``{device-type: net}`` selects the device-specific part table;
- an array of structs: ``{selector: index}`` (element *i* ↔ parts whose selector is
  virtqueue index *i*), or a split list ``{part, class, command, split-by, items, field}``;
- a struct: a variant ``{part, class, select-by, variants}`` whose fields carry ``{item}``;
- a value: ``{part, offset, size}`` / ``{part, item}`` / ``{part, class, command, ...}``,
  with ``feature``, ``bits`` (flags) or ``encoding: bitmap``.

Every problem is reported with the schema file and line of the annotated node; all of
them are collected before ``AnnotationError`` is raised.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any

from devstate import ir
from devstate.bridges.errors import BridgeCode, BridgeError
from devstate.bridges.layouts import Fixed, Words
from devstate.bridges.report import Uncovered
from devstate.bridges.schemawalk import (
    Diagnostics,
    Node,
    container_of,
    is_int,
    keys_problem,
    per_schema,
    schema_loc,
    walk,
)
from devstate.bridges.values import default_of, item_kind
from devstate.bridges.virtio import tables
from devstate.bridges.virtio.bindings import (
    Binding,
    BitEntry,
    BitmapBinding,
    FlagBitsBinding,
    LastOfBinding,
    Source,
    SplitListBinding,
    ValueBinding,
    VariantBinding,
    layout_item_kind,
)
from devstate.bridges.virtio.tables import PartType, Selector
from devstate.state import State, default_state, struct_default

NAMESPACE = "virtio-parts"
BRIDGE = "virtio device parts"
MAX_FEATURE_BIT = 64 * 64 - 1

_LEAF_KEYS = {"part", "offset", "size", "class", "command", "item", "feature", "bits", "encoding", "last-of"}
_SPLIT_KEYS = {"part", "class", "command", "split-by", "items", "field", "feature"}
_VARIANT_KEYS = {"part", "class", "select-by", "variants"}
_ENCODINGS = ("value", "presence", "absence")


@dataclass(frozen=True)
class VirtioMapping:
    """A schema's compiled virtio-parts mapping."""

    schema: ir.Schema
    device_type: str | None
    bindings: tuple[Binding, ...]
    indexed: tuple[Node, ...]
    """Arrays of structs whose elements are selected by virtqueue index."""
    features: Node | None
    """The node DRV_FEATURES maps to (feature conditions test it)."""
    schema_only: tuple[Uncovered, ...]
    standard_only: tuple[Uncovered, ...]

    def in_array(self, container: Node) -> list[Binding]:
        return [b for b in self.bindings if b.indexed and container_of(b.node, self.indexed) == container]

    @cached_property
    def plan(self) -> tuple[tuple[Binding, Node | None], ...]:
        """Every binding in import order (driver features first, then schema order), with the indexed
        array whose elements it maps (None for a binding outside one); worked out once per mapping."""
        return tuple((b, container_of(b.node, self.indexed) if b.indexed else None)
                     for b in sorted(self.bindings, key=lambda b: b.phase))

    @cached_property
    def default_state(self) -> State:
        """The schema's default state (an import starts from a copy: ``state.copy_value``)."""
        return default_state(self.schema)

    @cached_property
    def element_defaults(self) -> dict[str, dict[str, Any]]:
        """The default element of each indexed array, by the array's path (copied per element)."""
        out = {}
        for container in self.indexed:
            assert isinstance(container.expr, ir.ArrayType) and isinstance(container.expr.element, ir.NamedRef)
            out[container.path] = struct_default(self.schema, self.schema.struct(container.expr.element.name))
        return out

    @cached_property
    def element_kinds(self) -> dict[str, frozenset[int]]:
        """The part types that map the elements of each indexed array, by the array's path."""
        return {c.path: frozenset(s.kind.id for b in self.in_array(c) for s in b.sources()) for c in self.indexed}


@per_schema
def compile_mapping(schema: ir.Schema) -> VirtioMapping:
    """The schema's mapping (cached); raises ``AnnotationError`` or ``BridgeError(NO_MAPPING)``."""
    return _Compiler(schema).run()


class _Compiler:
    def __init__(self, schema: ir.Schema) -> None:
        self.schema = schema
        self.diags = Diagnostics(NAMESPACE)
        self.device_type = self._device_type()
        self.nodes = list(walk(schema, NAMESPACE))
        self.indexed: list[Node] = []
        self.variants: dict[tuple[str, tuple[str, ...]], VariantBinding] = {}
        self.bindings: list[Binding] = []
        self.covered: set[str] = set()

    def run(self) -> VirtioMapping:
        for node in self.nodes:
            if node.annotation is not None and not node.is_leaf:
                self._composite(node)
        for node in self.nodes:
            if node.annotation is not None and node.is_leaf:
                self._leaf(node)
        self.diags.check()
        order = {(n.section.name, n.steps): i for i, n in enumerate(self.nodes)}
        self.bindings.sort(key=lambda b: order[(b.node.section.name, b.node.steps)])
        if not self.bindings:
            raise BridgeError(BridgeCode.NO_MAPPING, f"{self.schema.ident} has no {NAMESPACE} annotations")
        features = next((b.node for b in self.bindings if isinstance(b, ValueBinding)
                         and b.source.kind.name == "DRV_FEATURES" and not b.indexed), None)
        return VirtioMapping(self.schema, self.device_type, tuple(self.bindings), tuple(self.indexed), features,
                             tuple(self._schema_only()), tuple(self._standard_only()))

    # --- top level and composites -----------------------------------------------------------------

    def _device_type(self) -> str | None:
        value = self.schema.annotations.get(NAMESPACE)
        if value is None:
            return None
        problem = keys_problem(value, {"device-type"}, {"device-type"})
        if problem is None and value["device-type"] not in tables.DEVICE_PARTS:
            problem = f"unknown device type {value['device-type']!r} (known: {', '.join(tables.DEVICE_PARTS)})"
        if problem is not None:
            self.diags.error(schema_loc(self.schema), self.schema.model, problem)
            return None
        return str(value["device-type"])

    def _composite(self, node: Node) -> None:
        value = node.annotation
        if node.is_struct_array and value == {"selector": "index"}:
            self._index_rule(node)
        elif node.is_struct_array:
            self._split(node)
        else:
            self._variant(node)

    def _index_rule(self, node: Node) -> None:
        if node.depth:
            self.diags.error(node.loc, node.path, "selector rules apply to arrays directly in a section or struct, "
                                                  "not inside another array")
            return
        self.indexed.append(node)

    def _split(self, node: Node) -> None:
        value = node.annotation
        problem = keys_problem(value, _SPLIT_KEYS - {"feature"}, _SPLIT_KEYS)
        if problem is not None:
            self._bad(node, f"{problem} (an array of structs takes {{selector: index}} or a split list: "
                            f"{', '.join(sorted(_SPLIT_KEYS))})")
            return
        kind, command = self._command(node, value)
        if kind is None or command is None:
            return
        element = self._element_struct(node)
        split, field = value["split-by"], value["field"]
        enum = self._enum_field(node, element, split)
        items = value["items"]
        names = command.layout.item_names()
        if enum is None:
            return
        if not isinstance(items, dict):
            self._bad(node, "items must map members of the split-by enum to list items")
            return
        if field not in [f.name for f in element.fields]:
            self._bad(node, f"field {field!r} is not a field of {element.name}")
            return
        pairs = []
        for member, item in items.items():
            if member not in enum.by_name() or item not in names:
                self._bad(node, f"{member!r}: {item!r} must map a member of {enum.name} to one of {', '.join(names)}")
                return
            pairs.append((member, item))
        pairs.sort(key=lambda pair: names.index(pair[1]))
        source = Source(kind, command)
        self._add(SplitListBinding(node, source, split, field, tuple(pairs), self._feature(node, value)),
                  [f"{node.path}.{split}", f"{node.path}.{field}"])

    def _variant(self, node: Node) -> None:
        value = node.annotation
        problem = keys_problem(value, _VARIANT_KEYS, _VARIANT_KEYS)
        if problem is not None:
            self._bad(node, f"{problem} (a struct takes a variant: {', '.join(sorted(_VARIANT_KEYS))})")
            return
        kind = self._kind(node, value["part"])
        if kind is None or not self._require(node, kind.selector is Selector.CVQ, "variants need a CVQ part"):
            return
        assert isinstance(node.expr, ir.NamedRef)
        struct = self.schema.struct(node.expr.name)
        enum = self._enum_field(node, struct, value["select-by"])
        variants = value["variants"]
        if enum is None:
            return
        if not isinstance(variants, dict):
            self._bad(node, "variants must map members of the select-by enum to commands")
            return
        pairs = []
        for member, command_name in variants.items():
            command = tables.cvq_by_name(self.device_type, str(value["class"]), str(command_name))
            if member not in enum.by_name() or command is None:
                self._bad(node, f"{member!r}: {command_name!r} must map a member of {enum.name} to a "
                                f"{value['class']} command")
                return
            pairs.append((member, command))
        binding = VariantBinding(node, kind, value["select-by"], tuple(pairs), ())
        self.variants[(node.section.name, node.steps)] = binding
        self._add(binding, [f"{node.path}.{value['select-by']}"])

    # --- leaves -------------------------------------------------------------------------------------

    def _leaf(self, node: Node) -> None:
        parent = self.variants.get((node.section.name, node.steps[:-1]))
        if parent is not None:
            self._variant_field(node, parent)
            return
        indexed = False
        if node.depth:
            container = container_of(node, self.nodes)
            if container is None or container not in self.indexed:
                if container is not None and container.annotation is not None:
                    self._bad(node, f"the elements of {container.path} are mapped by its own annotation")
                return  # an array without a selector rule is not mapped: its annotations stay dormant
            indexed = True
        value = node.annotation
        problem = keys_problem(value, {"part"}, _LEAF_KEYS)
        if problem is not None:
            self._bad(node, problem)
            return
        kind = self._kind(node, value["part"])
        if kind is None:
            return
        if (kind.selector is Selector.VQ_INDEX) != indexed:
            self._bad(node, f"{kind.name} parts are selected by virtqueue index: they map fields of the elements "
                            "of an array annotated {selector: index}, and only they do")
            return
        self._leaf_binding(node, value, kind, indexed)

    def _leaf_binding(self, node: Node, value: dict[str, Any], kind: PartType, indexed: bool) -> None:
        if "last-of" in value:
            self._last_of(node, value, kind, indexed)
        elif "bits" in value:
            self._bits(node, value, kind, indexed)
        elif value.get("encoding") == "bitmap":
            self._bitmap(node, value, kind, indexed)
        elif "encoding" in value:
            self._bad(node, f"encoding {value['encoding']!r} is not known here (use bitmap, or bits: for flags)")
        else:
            source = self._source(node, value, kind)
            if source is not None and self._compatible(node, source):
                self._add(ValueBinding(node, source, indexed, self._feature(node, value),
                                       phase=0 if kind.name == "DRV_FEATURES" else 1,
                                       default=default_of(self.schema, node.expr, node.field)), [node.path])

    def _source(self, node: Node, value: dict[str, Any], kind: PartType) -> Source | None:
        if kind.selector is Selector.COMMON_CFG:
            return self._common(node, value, kind)
        command = None
        if kind.selector is Selector.CVQ:
            kind_command = self._command(node, value)
            if kind_command[1] is None:
                return None
            command = kind_command[1]
        layout = command.layout if command is not None else kind.layout
        assert layout is not None
        item = self._item(node, value, layout)
        return Source(kind, command, item=item) if item is not None else None

    def _common(self, node: Node, value: dict[str, Any], kind: PartType) -> Source | None:
        offset, size = value.get("offset"), value.get("size")
        common = tables.common_cfg_field(offset) if is_int(offset) else None
        if common is None or size != common.size:
            fields = ", ".join(f"{f.name}@{f.offset}/{f.size}" for f in tables.PCI_COMMON_CFG)
            self._bad(node, f"PCI_COMMON_CFG needs the offset and size of a field of struct virtio_pci_common_cfg "
                            f"(got offset {offset}, size {size}; fields: {fields})")
            return None
        return Source(kind, common=common, item=common.name)

    def _item(self, node: Node, value: dict[str, Any], layout: Any) -> str | None:
        names = layout.item_names()
        if "offset" in value or "size" in value:
            offset, size = value.get("offset"), value.get("size")
            slot = None
            if isinstance(layout, Fixed) and is_int(offset) and is_int(size):
                slot = layout.slot_at(offset, size)
            if slot is None:
                self._bad(node, f"no field at offset {value.get('offset')} of size {value.get('size')} "
                                f"(layout: {layout.describe()})")
            return slot.name if slot is not None else None
        item = value.get("item", names[0] if len(names) == 1 else None)
        if item not in names:
            self._bad(node, f"item {item!r} is not one of {', '.join(names) or '(none)'}")
            return None
        return str(item)

    def _compatible(self, node: Node, source: Source) -> bool:
        want = layout_item_kind(source.layout, source.item)
        have = item_kind(self.schema, node.expr)
        if want != have:
            return self._require(node, False, f"{ir.type_label(node.expr)} cannot hold {source.label} "
                                              f"(a {want.replace('-', ' ')} item)")
        layout = source.layout
        if want == "bytes" and isinstance(layout, Fixed) and node.expr.fixed_size != layout.slot(source.item).size:
            return self._require(node, False, f"{source.label} is {layout.slot(source.item).size} bytes; "
                                              f"{ir.type_label(node.expr)} is not")
        return not (isinstance(layout, Words) and not isinstance(node.expr, ir.ArrayType))

    def _bits(self, node: Node, value: dict[str, Any], kind: PartType, indexed: bool) -> None:
        flags = self._flags_of(node.expr)
        if flags is None or not isinstance(value["bits"], dict):
            self._bad(node, "bits: maps the flags of a flags field to parts; this field is not flags")
            return
        entries = []
        for flag, spec in value["bits"].items():
            entry = self._bit_entry(node, value, kind, flags, flag, spec)
            if entry is None:
                return
            entries.append(entry)
        self._add(FlagBitsBinding(node, tuple(entries), indexed), [node.path])

    def _bit_entry(self, node: Node, value: dict[str, Any], kind: PartType, flags: ir.FlagsType, flag: str,
                   spec: Any) -> BitEntry | None:
        bit = next((f.bit for f in flags.bits if f.name == flag), None)
        problem = keys_problem(spec, {"command"}, {"command", "encoding", "feature"})
        if bit is None or problem is not None:
            self._bad(node, f"bits.{flag}: " + (problem or f"{flag!r} is not a flag of {flags.name}"))
            return None
        encoding = spec.get("encoding", "value")
        command = tables.cvq_by_name(self.device_type, str(value.get("class")), str(spec["command"]))
        if command is None or encoding not in _ENCODINGS:
            self._bad(node, f"bits.{flag}: needs a {value.get('class')} command and an encoding in "
                            f"{', '.join(_ENCODINGS)}")
            return None
        names = command.layout.item_names()
        if encoding == "value" and len(names) != 1:
            self._bad(node, f"bits.{flag}: {command.label} has no single value to hold the bit")
            return None
        source = Source(kind, command, item=names[0] if names else "")
        return BitEntry(flag, bit, source, encoding, self._feature(node, spec))

    def _last_of(self, node: Node, value: dict[str, Any], kind: PartType, indexed: bool) -> None:
        enum = self._enum_of(node.expr)
        members = value["last-of"]
        problem = keys_problem(value, {"part", "class", "last-of"}, {"part", "class", "last-of"})
        if problem is None and enum is None:
            problem = "last-of maps the members of an enum field to commands; this field is not an enum"
        if problem is None and not (isinstance(members, dict) and members):
            problem = "last-of must map enum members to commands"
        if problem is not None or not self._require(node, kind.selector is Selector.CVQ, "last-of needs a CVQ part"):
            if problem is not None:
                self._bad(node, problem)
            return
        assert enum is not None
        pairs = []
        for member, command_name in members.items():
            command = tables.cvq_by_name(self.device_type, str(value["class"]), str(command_name))
            if member not in enum.by_name() or command is None:
                self._bad(node, f"last-of {member!r}: {command_name!r} must map a member of {enum.name} to a "
                                f"{value['class']} command")
                return
            pairs.append((member, command))
        self._add(LastOfBinding(node, kind, tuple(pairs), indexed), [node.path])

    def _bitmap(self, node: Node, value: dict[str, Any], kind: PartType, indexed: bool) -> None:
        kind_command = self._command(node, value)
        command = kind_command[1]
        if command is None:
            return
        names = command.layout.item_names()
        width = _word_width(node.expr)
        if width is None or not isinstance(command.layout, Words) or len(names) != 1:
            self._bad(node, "encoding: bitmap maps a fixed array of unsigned words to one part listing the numbers "
                            "of the set bits (a command whose value is a list of numbers)")
            return
        self._add(BitmapBinding(node, Source(kind, command, item=names[0]), width, indexed), [node.path])

    def _variant_field(self, node: Node, parent: VariantBinding) -> None:
        value = node.annotation
        problem = keys_problem(value, {"item"}, {"item"})
        items = {name for _, command in parent.variants for name in command.layout.item_names()}
        if problem is None and value["item"] not in items:
            problem = f"item {value['item']!r} is in none of the variants ({', '.join(sorted(items))})"
        if problem is not None:
            self._bad(node, f"{problem} (fields of a variant struct take {{item: NAME}})")
            return
        for _, command in parent.variants:
            if value["item"] in command.layout.item_names() and not self._compatible(
                    node, Source(parent.kind, command, item=value["item"])):
                return
        parent.fields = (*parent.fields, (node, str(value["item"])))
        self.covered.add(node.path)

    # --- shared checks ------------------------------------------------------------------------------

    def _kind(self, node: Node, name: Any) -> PartType | None:
        kind = tables.part_by_name(self.device_type, str(name))
        if kind is None:
            known = ", ".join(p.name for p in tables.part_types(self.device_type))
            hint = "" if self.device_type else " (device-specific parts need a top-level device-type)"
            self._bad(node, f"unknown part {name!r} (known: {known}){hint}")
        return kind

    def _command(self, node: Node, value: dict[str, Any]) -> tuple[PartType | None, Any]:
        kind = self._kind(node, value.get("part"))
        if kind is None:
            return None, None
        if kind.selector is not Selector.CVQ:
            self._bad(node, f"{kind.name} has no control commands")
            return kind, None
        command = tables.cvq_by_name(self.device_type, str(value.get("class")), str(value.get("command")))
        if command is None:
            classes = ", ".join(tables.cvq_classes(self.device_type))
            self._bad(node, f"unknown control command {value.get('class')}/{value.get('command')} "
                            f"(classes: {classes})")
        return kind, command

    def _feature(self, node: Node, value: dict[str, Any]) -> int | None:
        feature = value.get("feature")
        if feature is not None and not (is_int(feature) and 0 <= feature <= MAX_FEATURE_BIT):
            self._bad(node, f"feature must be a feature bit number 0..{MAX_FEATURE_BIT}")
            return None
        return feature

    def _enum_field(self, node: Node, struct: ir.StructType, name: Any) -> ir.EnumType | None:
        found = next((f for f in struct.fields if f.name == name), None)
        target = self._enum_of(found.type) if found else None
        if target is None:
            self._bad(node, f"{name!r} is not an enum field of {struct.name}")
            return None
        return target

    def _enum_of(self, expr: ir.TypeExpr) -> ir.EnumType | None:
        """The enum a field of type ``expr`` holds, or None (not an enum field)."""
        return self.schema.enum(expr.name) if isinstance(expr, ir.NamedRef) and expr.target_kind == "enum" else None

    def _flags_of(self, expr: ir.TypeExpr) -> ir.FlagsType | None:
        """The flags type a field of type ``expr`` holds, or None (not a flags field)."""
        return self.schema.flags(expr.name) if isinstance(expr, ir.NamedRef) and expr.target_kind == "flags" else None

    def _element_struct(self, node: Node) -> ir.StructType:
        assert isinstance(node.expr, ir.ArrayType) and isinstance(node.expr.element, ir.NamedRef)
        return self.schema.struct(node.expr.element.name)

    def _require(self, node: Node, ok: bool, message: str) -> bool:
        if not ok:
            self._bad(node, message)
        return ok

    def _bad(self, node: Node, message: str) -> None:
        self.diags.error(node.loc, node.path, message)

    def _add(self, binding: Binding, paths: list[str]) -> None:
        self.bindings.append(binding)
        self.covered.update(paths)

    # --- coverage -------------------------------------------------------------------------------------

    def _schema_only(self) -> list[Uncovered]:
        out = [Uncovered(n.path, "an array of virtqueues without {selector: index}: its elements are not mapped")
               for n in self.nodes if n.is_struct_array and n not in self.indexed and self._dormant(n)]
        for node in self.nodes:
            if node.is_leaf and node.path not in self.covered and not self._under_split(node):
                out.append(Uncovered(node.path))
        for binding in self.bindings:
            if isinstance(binding, FlagBitsBinding):
                out += _uncovered_flags(self.schema, binding)
        out += [Uncovered(f"vendor section {v.name}", f"{v.vendor} id {v.id}") for v in self.schema.vendor_sections]
        return out

    def _dormant(self, container: Node) -> bool:
        """Whether fields of the array's elements carry annotations that its missing rule leaves unused."""
        return any(n.annotation is not None and container_of(n, self.nodes) == container for n in self.nodes)

    def _under_split(self, node: Node) -> bool:
        container = container_of(node, self.nodes)
        return any(isinstance(b, SplitListBinding) and b.node == container for b in self.bindings) and \
            node.steps[-1] in self._split_fields(container)

    def _split_fields(self, container: Node | None) -> set[str]:
        return {f for b in self.bindings if isinstance(b, SplitListBinding) and b.node == container
                for f in (b.split_field, b.value_field)}

    def _standard_only(self) -> list[Uncovered]:
        used = {_source_key(s) for b in self.bindings for s in b.sources()}
        used_parts = {_source_key(s)[:2] for b in self.bindings for s in b.sources()}
        carried = {s.kind.name for b in self.bindings for s in b.sources()}
        out = []
        for kind in tables.part_types(self.device_type):
            out += _uncovered_items(kind, used, used_parts, self.device_type, carried)
        return out


def _word_width(expr: ir.TypeExpr) -> int | None:
    """The bit width of the words of a fixed array of unsigned words (``encoding: bitmap``), else None."""
    element = expr.element if isinstance(expr, ir.ArrayType) and expr.length is not None else None
    return element.size * 8 if isinstance(element, ir.ScalarType) and element.name.startswith("u") else None


def _uncovered_flags(schema: ir.Schema, binding: FlagBitsBinding) -> list[Uncovered]:
    assert isinstance(binding.node.expr, ir.NamedRef)
    flags = schema.flags(binding.node.expr.name)
    mapped = {e.flag for e in binding.entries}
    return [Uncovered(f"{binding.node.path}.{f.name}", "flag bit") for f in flags.bits if f.name not in mapped]


def _source_key(source: Source) -> tuple[int, str, int, str]:
    command = source.command.label if source.command else ""
    return source.kind.id, command, source.common.offset if source.common else -1, source.item


def _uncovered_items(kind: PartType, used: set[Any], used_parts: set[Any], device_type: str | None,
                     carried: set[str]) -> list[Uncovered]:
    if kind.selector is Selector.COMMON_CFG:
        return [Uncovered(f"PCI_COMMON_CFG {f.name}", f"offset {f.offset}, {f.size} byte{'s' if f.size > 1 else ''}")
                for f in tables.PCI_COMMON_CFG if (kind.id, "", f.offset, f.name) not in used and f.via not in carried]
    if kind.selector is Selector.CVQ:
        out = []
        for command in tables.CVQ_COMMANDS.get(device_type or "", ()):
            names = command.layout.item_names()
            if not names and (kind.id, command.label) not in used_parts:
                out.append(Uncovered(command.label, "no value"))
            out += [Uncovered(f"{command.label}.{n}" if len(names) > 1 else command.label, command.doc)
                    for n in names if (kind.id, command.label, -1, n) not in used]
        return out
    assert kind.layout is not None
    names = kind.layout.item_names()
    return [Uncovered(f"{kind.name}.{n}" if len(names) > 1 else kind.name, kind.doc if len(names) == 1 else "")
            for n in names if (kind.id, "", -1, n) not in used]


def all_bindings(mapping: VirtioMapping) -> list[Binding]:
    """The mapping's bindings in import order (driver features first, then schema order)."""
    return [binding for binding, _ in mapping.plan]
