"""Bindings: one schema node ↔ the part items it comes from, in both directions.

A binding is compiled from one annotation (``devstate.bridges.virtio.compile``) and is
generic: it knows a schema node, a ``Source`` (part type, selector rule, item) and an
encoding, never a device. Import reads parts into a state (``ImportContext``); export
writes state values into part drafts (``ExportContext``) that become parts in the
spec's order.

Encodings: ``ValueBinding`` (a value is one item: a slot, a word list, a counted list),
``FlagBitsBinding`` (each flag bit is one part: its u8 value, or the part's presence or
absence), ``BitmapBinding`` (each set bit of a bitmap is one part carrying the bit's
number), ``SplitListBinding`` (an array of structs is split into several counted lists by
an enum field) and ``VariantBinding`` (a struct is one of several commands, chosen by an
enum field).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from devstate import ir
from devstate.bridges.errors import BridgeCode, BridgeDecodeError
from devstate.bridges.layouts import CountedLists, Fixed, Layout, Slot, Variable, Words
from devstate.bridges.report import show
from devstate.bridges.schemawalk import MISSING, Node, get, put
from devstate.bridges.values import Item, ValueProblem, fits, from_item, to_item
from devstate.bridges.virtio import tables
from devstate.bridges.virtio.stream import (
    NO_SELECTOR,
    Part,
    common_cfg_selector,
    cvq_selector,
    vq_selector,
    vq_selectors,
)
from devstate.bridges.virtio.tables import CommonCfgField, CvqCommand, PartType, Selector
from devstate.state import State, struct_default

Indices = tuple[int, ...]


@dataclass(frozen=True)
class Source:
    """A part type (with its control command or common-config field) and one item of its value."""

    kind: PartType
    command: CvqCommand | None = None
    common: CommonCfgField | None = None
    item: str = ""

    def selector(self, indices: Indices) -> bytes:
        if self.kind.selector is Selector.VQ_INDEX:
            return vq_selector(indices[-1])
        if self.kind.selector is Selector.COMMON_CFG:
            assert self.common is not None
            return common_cfg_selector(self.common.offset)
        if self.kind.selector is Selector.CVQ:
            assert self.command is not None
            return cvq_selector(self.command)
        return NO_SELECTOR

    def selectors(self, count: int) -> tuple[bytes, ...]:
        """The selectors of elements 0 to ``count - 1`` of an indexed array."""
        if self.kind.selector is Selector.VQ_INDEX:
            return vq_selectors(count)
        return tuple(self.selector((index,)) for index in range(count))

    @property
    def layout(self) -> Layout:
        if self.command is not None:
            return self.command.layout
        if self.common is not None:
            return Fixed((Slot(self.common.name, 0, self.common.size),), self.common.size)
        assert self.kind.layout is not None
        return self.kind.layout

    @property
    def part_label(self) -> str:
        if self.command is not None:
            return self.command.label
        if self.common is not None:
            return f"PCI_COMMON_CFG {self.common.name} (offset {self.common.offset})"
        return self.kind.name + ("[i]" if self.kind.selector is Selector.VQ_INDEX else "")

    @property
    def label(self) -> str:
        """``VQ_CFG[i].queue_size``, ``CVQ_CFG MAC/TABLE_SET.unicast``, ``DEVICE_STATUS``."""
        if self.common is not None or not self.item or len(self.layout.item_names()) <= 1:
            return self.part_label
        return f"{self.part_label}.{self.item}"

    @property
    def item_offset(self) -> int:
        layout = self.layout
        if isinstance(layout, Fixed) and self.item:
            return layout.slot(self.item).offset
        return 0

    def check(self, item: Item) -> str | None:
        """Why ``item`` cannot be written into this source, or None."""
        layout = self.layout
        if isinstance(layout, Fixed):
            slot = layout.slot(self.item)
            if isinstance(item, int):
                return None if fits(item, slot.size) else f"{item} does not fit {slot.size} bytes"
            return None if isinstance(item, bytes) and len(item) == slot.size else f"{slot.size} bytes needed"
        if isinstance(layout, Words) and isinstance(item, list):
            return next((f"{w!r} does not fit {layout.width} bytes" for w in item
                         if not isinstance(w, int) or not fits(w, layout.width)), None)
        return None


# --- contexts ----------------------------------------------------------------------------------


class ImportContext:
    """Parts by (type, selector) and the state being filled."""

    def __init__(self, schema: ir.Schema, parts: Sequence[Part], features: Node | None, state: State) -> None:
        self.schema = schema
        self.state = state
        """The state being filled (a default state to start with)."""
        self.features_node = features
        self.by_key: dict[tuple[int, bytes], list[Part]] = {}
        self.absent: list[str] = []
        for part in parts:
            if part.kind is not None and part.items is not None:
                self.by_key.setdefault((part.type_id, part.selector), []).append(part)

    def all(self, source: Source, indices: Indices) -> list[Part]:
        return self.by_key.get((source.kind.id, source.selector(indices)), [])

    def find(self, source: Source, indices: Indices) -> Part | None:
        found = self.all(source, indices)
        return found[0] if found else None

    def last_of(self, sources: Sequence[Source], indices: Indices) -> tuple[int, Part] | None:
        """Which of ``sources`` has the part latest in the stream (its position in ``sources``, the part)."""
        found = [(i, part) for i, source in enumerate(sources) if (part := self.find(source, indices)) is not None]
        return max(found, key=lambda pair: pair[1].offset) if found else None

    def store(self, node: Node, indices: Indices, item: Item, part: Part, source: Source) -> None:
        """Convert ``item`` for ``node`` and put it in the state; BAD_VALUE names the part."""
        try:
            value = from_item(self.schema, node.expr, item, node.field)
        except ValueProblem as exc:
            raise self.bad_value(part, source, f"{show(item)} cannot be {display(node, indices)}: {exc}") from None
        put(self.schema, self.state, node, value, indices)

    def bad_value(self, part: Part, source: Source, message: str) -> BridgeDecodeError:
        return BridgeDecodeError(BridgeCode.BAD_VALUE, part.offset + tables.HEADER_SIZE + source.item_offset,
                                 part.label, message)

    def negotiated(self, bit: int) -> bool:
        return negotiated(self.schema, self.state, self.features_node, bit)


class ExportContext:
    """Part drafts (type, selector → items) built from a state."""

    def __init__(self, schema: ir.Schema, state: State, features: Node | None) -> None:
        self.schema = schema
        self.state = state
        self.features_node = features
        self.drafts: dict[tuple[int, bytes], Draft] = {}
        self.problems: dict[str, str] = {}
        self.last: list[tuple[list[tuple[int, bytes]], tuple[int, bytes]]] = []
        """Ordering constraints: (a group of parts, the part that goes after the others of the group)."""

    def items(self, source: Source, indices: Indices, required: bool = False) -> dict[str, Any]:
        """The items of the part ``source`` names (created empty on first use).

        ``required``: the state needs this part (a value that is not the default, or a part whose
        presence is the value); other parts are written only where the export's selection wants them.
        """
        return self.items_at(source, source.selector(indices), required)

    def items_at(self, source: Source, selector: bytes, required: bool = False) -> dict[str, Any]:
        """``items`` for the part of ``source`` with ``selector``."""
        key = (source.kind.id, selector)
        draft = self.drafts.get(key)
        if draft is None:
            draft = self.drafts[key] = Draft(source.kind, source.command, source.common, selector)
        draft.required |= required
        return draft.items

    def problem(self, node: Node, indices: Indices, why: str) -> None:
        self.problems[display(node, indices)] = why

    def negotiated(self, bit: int) -> bool:
        return negotiated(self.schema, self.state, self.features_node, bit)

    def allowed(self, draft: Draft) -> bool:
        """Whether the negotiated features let the part exist (a control command the driver could send)."""
        return draft.command is None or all(self.negotiated(bit) for bit in draft.command.features)


@dataclass
class Draft:
    kind: PartType
    command: CvqCommand | None
    common: CommonCfgField | None
    selector: bytes
    items: dict[str, Any] = field(default_factory=dict)
    required: bool = False

    @property
    def key(self) -> tuple[int, bytes]:
        return (self.kind.id, self.selector)

    @property
    def label(self) -> str:
        return self.command.label if self.command else self.kind.name

    @property
    def layout(self) -> Layout:
        return Source(self.kind, self.command, self.common).layout

    def build(self, flags: int, words: int | None = None) -> Part:
        """The part; ``words``: the number of feature words to write (a ``Words`` value of 8-byte words)."""
        items = self.items
        layout = self.layout
        if isinstance(layout, Words) and layout.width == 8 and words is not None:
            values = list(items.get(layout.name, []))
            items = {layout.name: (values + [0] * words)[:words]}
        return Part(self.kind.id, flags, self.selector, layout.build(items), self.kind, self.command, self.common)


def canonical_key(part: Part | Draft) -> tuple[int, int, tuple[int, ...]]:
    """The canonical order: the order table's rank, the type, then the selector ascending."""
    kind, selector = part.kind, part.selector
    assert kind is not None
    if kind.selector is Selector.CVQ:
        key: tuple[int, ...] = (selector[0], selector[1])
    elif kind.selector is Selector.COMMON_CFG:
        key = (int.from_bytes(selector[:4], "little"),)
    else:
        key = (int.from_bytes(selector[:2], "little"),)
    return kind.rank, kind.id, key


def significant_words(words: Sequence[int]) -> int:
    """How many feature words hold a set bit (trailing zero words can be left out)."""
    count = len(words)
    while count and not words[count - 1]:
        count -= 1
    return count


def negotiated(schema: ir.Schema, state: State, features: Node | None, bit: int) -> bool:
    """Whether the driver features in ``state`` (the DRV_FEATURES node) include ``bit``."""
    if features is None:
        return False
    words = get(state, features)
    if words is MISSING or not isinstance(words, list):
        return False
    word, offset = divmod(bit, 64)
    return word < len(words) and bool(int(words[word]) >> offset & 1)


def display(node: Node, indices: Indices) -> str:
    """The node's path with element indices filled in: ``queues[2].size``."""
    index = iter(indices)
    return node.section.name + "".join(f"[{next(index)}]" if s == "*" else f".{s}" for s in node.steps)


# --- bindings ----------------------------------------------------------------------------------


class Binding:
    node: Node
    indexed: bool = False
    phase: int = 1
    """Bindings import in phase order (the driver features first: other bindings test them)."""

    def sources(self) -> list[Source]:
        raise NotImplementedError

    def import_(self, ctx: ImportContext, indices: Indices) -> None:
        raise NotImplementedError

    def export(self, ctx: ExportContext, indices: Indices) -> None:
        raise NotImplementedError

    def import_elements(self, ctx: ImportContext, count: int) -> None:
        """``import_`` for elements 0 to ``count - 1`` of the indexed array the binding maps."""
        for index in range(count):
            self.import_(ctx, (index,))

    def export_elements(self, ctx: ExportContext, count: int) -> None:
        """``export`` for elements 0 to ``count - 1`` of the indexed array the binding maps."""
        for index in range(count):
            self.export(ctx, (index,))

    def rows(self) -> list[tuple[str, str, str]]:
        """Documentation rows: (schema path, standard source, notes)."""
        raise NotImplementedError


def _feature_note(feature: int | None) -> str:
    return f"written when driver feature bit {feature} is negotiated (or the value is not the default)" \
        if feature is not None else ""


@dataclass
class ValueBinding(Binding):
    """The node's value is one item of one part."""

    node: Node
    source: Source
    indexed: bool = False
    feature: int | None = None
    phase: int = 1
    default: Any = None
    """The node's default (``values.default_of``), worked out once by the compiler."""
    _default_item: tuple[Item, str | None] | None = field(default=None, init=False, repr=False, compare=False)
    """The default's item and why it cannot be written (None: it can), worked out on first use."""
    _note_format: str | None = field(default=None, init=False, repr=False, compare=False)

    def sources(self) -> list[Source]:
        return [self.source]

    def import_(self, ctx: ImportContext, indices: Indices) -> None:
        part = ctx.find(self.source, indices)
        if part is None:
            if self.feature is None or ctx.negotiated(self.feature):
                ctx.absent.append(self._absent_note(indices))
            return
        ctx.store(self.node, indices, _fitted(self.node, part.items[self.source.item], self.source), part,
                  self.source)

    def import_elements(self, ctx: ImportContext, count: int) -> None:
        """Every element at once: up to 1024 virtqueues, most of them often without parts (a note each)."""
        noted = self.feature is None or ctx.negotiated(self.feature)  # the features are imported first
        kind = self.source.kind.id
        for index, selector in enumerate(self.source.selectors(count)):
            found = ctx.by_key.get((kind, selector))
            if found:
                item = _fitted(self.node, found[0].items[self.source.item], self.source)
                ctx.store(self.node, (index,), item, found[0], self.source)
            elif noted:
                ctx.absent.append(self._absent_note((index,)))

    def _absent_note(self, indices: Indices) -> str:
        """``no VQ_CFG[3] part: queues[3].size keeps its default`` (the format is made once per binding)."""
        if self._note_format is None:
            label = self.source.part_label.replace("[i]", "[{}]") if self.indexed else self.source.part_label
            where = self.node.section.name + "".join("[{}]" if s == "*" else f".{s}" for s in self.node.steps)
            self._note_format = "no " + _braced(label) + " part: " + _braced(where) + " keeps its default"
        return self._note_format.format(*(indices[-1:] if self.indexed else ()), *indices)

    def export(self, ctx: ExportContext, indices: Indices) -> None:
        self._export_at(ctx, indices, self.source.selector(indices))

    def export_elements(self, ctx: ExportContext, count: int) -> None:
        for index, selector in enumerate(self.source.selectors(count)):
            self._export_at(ctx, (index,), selector)

    def _export_at(self, ctx: ExportContext, indices: Indices, selector: bytes) -> None:
        value = get(ctx.state, self.node, indices)
        if value is MISSING:
            return
        default = self.default
        if value == default:
            if self.feature is not None and not ctx.negotiated(self.feature):
                return
            item, problem = self._default_export(ctx.schema)
        else:
            item = to_item(ctx.schema, self.node.expr, value)
            problem = self.source.check(item)
        if problem is not None:
            ctx.problem(self.node, indices, f"{self.source.label}: {problem}")
            return
        required = value != default or self.node.section.optional
        ctx.items_at(self.source, selector, required)[self.source.item] = item

    def _default_export(self, schema: ir.Schema) -> tuple[Item, str | None]:
        """The default's item and problem: every element at its default writes the same (computed once)."""
        if self._default_item is None:
            item = to_item(schema, self.node.expr, self.default)
            self._default_item = (item, self.source.check(item))
        return self._default_item

    def rows(self) -> list[tuple[str, str, str]]:
        notes = ["selector: the element's index (virtqueue index)"] if self.indexed else []
        notes.append(_feature_note(self.feature))
        return [(self.node.path, self.source.label, "; ".join(n for n in notes if n))]


def _braced(text: str) -> str:
    """``text`` as a literal part of a ``str.format`` pattern, its ``[{}]`` index places kept."""
    return text.replace("{", "{{").replace("}", "}}").replace("[{{}}]", "[{}]")


def _fitted(node: Node, item: Item, source: Source) -> Item:
    """A word list fitted to a fixed-length array: missing words are zero, words past its end are dropped.

    ``le64 feature_bits[]`` has no fixed count; the words a fixed array cannot hold must be zero, or the
    round trip reports them lost.
    """
    expr = node.expr
    if isinstance(source.layout, Words) and isinstance(expr, ir.ArrayType) and expr.length is not None \
            and isinstance(item, list):
        words = [int(word) for word in item]
        return (words + [0] * expr.length)[: expr.length]
    return item


@dataclass(frozen=True)
class BitEntry:
    flag: str
    bit: int
    source: Source
    encoding: str
    """``value`` (the part's u8 is the bit), ``presence`` (the part exists when set), ``absence``."""
    feature: int | None = None


@dataclass
class FlagBitsBinding(Binding):
    """Each bit of a flags node is one part."""

    node: Node
    entries: tuple[BitEntry, ...]
    indexed: bool = False
    phase: int = 2

    def sources(self) -> list[Source]:
        return [e.source for e in self.entries]

    def import_(self, ctx: ImportContext, indices: Indices) -> None:
        current = get(ctx.state, self.node, indices)
        names = set(current) if isinstance(current, list) else set()
        for entry in self.entries:
            on = self._bit(ctx, entry, indices)
            if on is True:
                names.add(entry.flag)
            elif on is False:
                names.discard(entry.flag)
        put(ctx.schema, ctx.state, self.node, _bit_sorted(ctx.schema, self.node, list(names)), indices)

    def _bit(self, ctx: ImportContext, entry: BitEntry, indices: Indices) -> bool | None:
        part = ctx.find(entry.source, indices)
        if entry.encoding == "presence":
            return part is not None
        if entry.encoding == "absence":
            if entry.feature is not None and not ctx.negotiated(entry.feature):
                return None
            return part is None
        if part is None:
            return None
        return bool(part.items[entry.source.item])

    def export(self, ctx: ExportContext, indices: Indices) -> None:
        value = get(ctx.state, self.node, indices)
        if value is MISSING:
            return
        for entry in self.entries:
            on = entry.flag in value
            negotiated = entry.feature is None or ctx.negotiated(entry.feature)
            if entry.encoding == "value" and (on or negotiated):
                ctx.items(entry.source, indices, required=on)[entry.source.item] = int(on)
            elif (entry.encoding == "presence" and on) or (entry.encoding == "absence" and negotiated and not on):
                ctx.items(entry.source, indices, required=True)

    def rows(self) -> list[tuple[str, str, str]]:
        out = []
        for e in self.entries:
            how = {"value": "u8 value 1/0", "presence": "set when the part is present",
                   "absence": "set when the part is absent"}[e.encoding]
            if e.encoding == "absence" and e.feature is not None:
                note = f"{how} while driver feature bit {e.feature} is negotiated"
            else:
                note = "; ".join(n for n in (how, _feature_note(e.feature)) if n)
            out.append((f"{self.node.path}.{e.flag}", e.source.part_label, note))
        return out


def _bit_sorted(schema: ir.Schema, node: Node, names: list[str]) -> list[str]:
    assert isinstance(node.expr, ir.NamedRef)
    flags = schema.flags(node.expr.name)
    return [f.name for f in sorted(flags.bits, key=lambda f: f.bit) if f.name in names]


@dataclass
class BitmapBinding(Binding):
    """A bitmap array ↔ one part whose value lists the numbers of the set bits, ascending (the VLAN table)."""

    node: Node
    source: Source
    width: int
    indexed: bool = False
    phase: int = 2

    def sources(self) -> list[Source]:
        return [self.source]

    def import_(self, ctx: ImportContext, indices: Indices) -> None:
        part = ctx.find(self.source, indices)
        if part is None:
            return
        current = get(ctx.state, self.node, indices)
        words = [0] * len(current) if isinstance(current, list) else []
        numbers = part.items[self.source.item]
        assert isinstance(numbers, list)
        for index, number in enumerate(numbers):
            assert isinstance(number, int)
            word, bit = divmod(number, self.width)
            if word >= len(words):
                raise BridgeDecodeError(BridgeCode.BAD_VALUE, part.offset + tables.HEADER_SIZE + 2 * index,
                                        part.label, f"{number} is past the end of {self.node.path} "
                                                    f"({len(words) * self.width} bits)")
            words[word] |= 1 << bit
        put(ctx.schema, ctx.state, self.node, words, indices)

    def export(self, ctx: ExportContext, indices: Indices) -> None:
        value = get(ctx.state, self.node, indices)
        if value is MISSING:
            return
        numbers = [k * self.width + bit for k, word in enumerate(value) if int(word) for bit in range(self.width)
                   if int(word) >> bit & 1]  # zero words skipped whole: a 4096-bit table is mostly zero
        ctx.items(self.source, indices, required=bool(numbers))[self.source.item] = numbers

    def rows(self) -> list[tuple[str, str, str]]:
        return [(self.node.path, f"{self.source.label} (the whole table in one part)",
                 f"bit n of element k is VLAN id {self.width}k + n; the part lists the ids ascending")]


@dataclass
class SplitListBinding(Binding):
    """An array of structs ↔ several counted lists of one part, chosen by an enum field."""

    node: Node
    source: Source
    split_field: str
    value_field: str
    items: tuple[tuple[str, str], ...]
    """(enum member, list item) in the order the lists appear in the part."""
    feature: int | None = None
    phase: int = 2

    def sources(self) -> list[Source]:
        return [Source(self.source.kind, self.source.command, item=item) for _, item in self.items]

    def _element(self, ctx: ImportContext | ExportContext) -> ir.StructType:
        assert isinstance(self.node.expr, ir.ArrayType) and isinstance(self.node.expr.element, ir.NamedRef)
        return ctx.schema.struct(self.node.expr.element.name)

    def import_(self, ctx: ImportContext, indices: Indices) -> None:
        part = ctx.find(self.source, indices)
        if part is None:
            return
        struct = self._element(ctx)
        field_type = struct.field(self.value_field)
        entries = []
        for member, item in self.items:
            for raw in part.items[item]:  # type: ignore[union-attr]
                entry = struct_default(ctx.schema, struct)
                try:
                    entry[self.value_field] = from_item(ctx.schema, field_type.type, raw, field_type)
                except ValueProblem as exc:
                    raise ctx.bad_value(part, self.source, f"{show(raw)}: {exc}") from None
                entry[self.split_field] = member
                entries.append(entry)
        array = self.node.expr
        assert isinstance(array, ir.ArrayType)
        if array.max is not None and len(entries) > array.max:
            raise ctx.bad_value(part, self.source,
                                f"{len(entries)} entries; {self.node.path} holds at most {array.max}")
        put(ctx.schema, ctx.state, self.node, entries, indices)

    def export(self, ctx: ExportContext, indices: Indices) -> None:
        value = get(ctx.state, self.node, indices)
        if value is MISSING:
            return
        if self.feature is not None and not ctx.negotiated(self.feature) and not value:
            return
        field_type = self._element(ctx).field(self.value_field)
        items = ctx.items(self.source, indices, required=bool(value))
        for member, item in self.items:
            items[item] = [to_item(ctx.schema, field_type.type, e[self.value_field]) for e in value
                           if e[self.split_field] == member]

    def rows(self) -> list[tuple[str, str, str]]:
        return [(f"{self.node.path}[].{self.value_field}", f"{self.source.part_label}.{item}",
                 "; ".join(n for n in (f"the elements whose {self.split_field} is {member}",
                                       _feature_note(self.feature)) if n))
                for member, item in self.items]


@dataclass
class VariantBinding(Binding):
    """A struct is the value of one of several commands, chosen by an enum field."""

    node: Node
    kind: PartType
    select_by: str
    variants: tuple[tuple[str, CvqCommand], ...]
    fields: tuple[tuple[Node, str], ...]
    """(field node, item name) for the struct's mapped fields."""
    phase: int = 2

    def sources(self) -> list[Source]:
        return [Source(self.kind, command, item=item) for _, command in self.variants
                for _, item in self.fields if item in command.layout.item_names()]

    def import_(self, ctx: ImportContext, indices: Indices) -> None:
        latest = ctx.last_of([Source(self.kind, command) for _, command in self.variants], indices)
        if latest is None:
            return
        member, command = self.variants[latest[0]]
        part = latest[1]
        put(ctx.schema, ctx.state, _child(self.node, self.select_by), member, indices)
        for field_node, item in self.fields:
            if item in part.items:
                ctx.store(field_node, indices, part.items[item], part, Source(self.kind, command, item=item))

    def export(self, ctx: ExportContext, indices: Indices) -> None:
        value = get(ctx.state, self.node, indices)
        if value is MISSING:
            return
        command = dict(self.variants).get(value[self.select_by])
        if command is None:
            return
        source = Source(self.kind, command)
        names = command.layout.item_names()
        items = {item: to_item(ctx.schema, node.expr, get(ctx.state, node, indices))
                 for node, item in self.fields if item in names}
        if isinstance(command.layout, Variable):
            try:
                command.layout.check_items(items)
            except ValueProblem as exc:
                ctx.problem(self.node, indices, f"{command.label}: {exc}")
                return
        ctx.items(source, indices, required=True).update(items)

    def rows(self) -> list[tuple[str, str, str]]:
        out = [(f"{self.node.path}.{self.select_by}", " or ".join(c.label for _, c in self.variants),
                "; ".join(f"{member}: {c.label} is present" for member, c in self.variants)
                + " (both present: the later part in the stream)")]
        for node, item in self.fields:
            labels = [f"{c.label}.{item}" for _, c in self.variants if item in c.layout.item_names()]
            out.append((node.path, " / ".join(labels), f"from the part {self.select_by} selects"))
        return out


@dataclass
class LastOfBinding(Binding):
    """An enum field names which of several commands the driver sent last (the multiqueue mode).

    Import: the member whose command's part comes latest in the stream, or the field's default
    when none is present. Export: that command's part is written after the other parts of the group.
    """

    node: Node
    kind: PartType
    members: tuple[tuple[str, CvqCommand], ...]
    indexed: bool = False
    phase: int = 2

    def sources(self) -> list[Source]:
        return [Source(self.kind, command) for _, command in self.members]

    def import_(self, ctx: ImportContext, indices: Indices) -> None:
        latest = ctx.last_of(self.sources(), indices)
        if latest is not None:
            put(ctx.schema, ctx.state, self.node, self.members[latest[0]][0], indices)

    def export(self, ctx: ExportContext, indices: Indices) -> None:
        value = get(ctx.state, self.node, indices)
        command = dict(self.members).get(value) if value is not MISSING else None
        if command is None:
            return
        group = [(self.kind.id, source.selector(indices)) for source in self.sources()]
        ctx.last.append((group, (self.kind.id, Source(self.kind, command).selector(indices))))

    def rows(self) -> list[tuple[str, str, str]]:
        return [(self.node.path, " / ".join(c.label for _, c in self.members),
                 "; ".join(f"{member}: {c.label} is the last of these parts" for member, c in self.members)
                 + "; none present: the default")]


def _child(node: Node, name: str) -> Node:
    return Node(node.section, (*node.steps, name), node.expr, None, None, node.loc)


def layout_item_kind(layout: Layout, item: str) -> str:
    """Which item kind (see ``values.item_kind``) a layout's item has."""
    if isinstance(layout, Fixed):
        slot = layout.slot(item)
        return "int" if slot.is_int else "bytes"
    if isinstance(layout, Words):
        return "ints"
    if isinstance(layout, CountedLists):
        return "byte-strings"
    if isinstance(layout, Variable):
        kind = next(k for name, k, _, _ in layout.fields if name == item)
        return {"int": "int", "ints": "ints", "bytes": "bytes"}[kind]
    raise KeyError(item)
