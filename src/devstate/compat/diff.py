"""Schema diff: every change between two versions of a model, as ``Change`` objects.

The diff walks both schemas from their sections in parallel (the wire is what matters),
comparing each pair of type expressions once. Named types are compared by structure,
not by where they are declared: a struct moved into an import under the same name with
the same layout is no change at all. For types-only (library) schemas, every declared
type is compared by name.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from devstate import ir
from devstate.compat import rules as R
from devstate.compat.change import Change
from devstate.compat.layout import encodes_as_zero, lis_indices, shape
from devstate.compat.rules import Rule

Expr = ir.ScalarType | ir.NamedRef | ir.ArrayType | ir.BytesType | ir.StringType
Named = ir.StructType | ir.EnumType | ir.FlagsType
Loc = ir.Location | None


def diff_schemas(old: ir.Schema, new: ir.Schema) -> list[Change]:
    """Every change from ``old`` to ``new``, in schema order (model, sections, types, params)."""
    return SchemaDiff(old, new).run()


class SchemaDiff:
    """One comparison; ``changes`` collects what ``run`` finds."""

    def __init__(self, old: ir.Schema, new: ir.Schema) -> None:
        self.old = old
        self.new = new
        self.changes: list[Change] = []
        self.compared: set[tuple[str, str]] = set()
        self.renamed: set[tuple[str, str]] = set()

    def run(self) -> list[Change]:
        self._model()
        self._sections()
        self._vendor_sections()
        if self.old.is_library or self.new.is_library:
            self._library_types()
        self._params()
        return self.changes

    def emit(self, rule: Rule, path: str, detail: str, old_loc: Loc, new_loc: Loc, fix: str = "") -> None:
        self.changes.append(Change(rule, path, detail, old_loc, new_loc, fix))

    # -- model ------------------------------------------------------------------------------

    def _model(self) -> None:
        if self.old.model != self.new.model:
            old_loc = ir.Location(file=self.old.file, line=1, col=1)
            new_loc = ir.Location(file=self.new.file, line=1, col=1)
            self.emit(R.MODEL_CHANGED, "model", f"{self.old.model} → {self.new.model}", old_loc, new_loc)

    # -- sections ---------------------------------------------------------------------------

    def _sections(self) -> None:
        new_by_id = {s.id: s for s in self.new.sections}
        new_by_name = {s.name: s for s in self.new.sections}
        old_ids = {s.id for s in self.old.sections}
        matched: set[int] = set()
        for old in self.old.sections:
            new = new_by_id.get(old.id)
            if new is None and old.name in new_by_name and new_by_name[old.name].id not in old_ids:
                new = new_by_name[old.name]
                self.emit(R.SECTION_ID_CHANGED, f"section {old.name}", f"id {old.id} → {new.id}", old.loc, new.loc)
            if new is None:
                rule = R.SECTION_REMOVED_OPTIONAL if old.optional else R.SECTION_REMOVED
                self.emit(rule, f"section {old.name}", f"section {old.id} {old.name!r} removed", old.loc, None)
                continue
            matched.add(new.id)
            self._section_pair(old, new)
        for new in self.new.sections:
            if new.id not in matched:
                rule = R.SECTION_ADDED_OPTIONAL if new.optional else R.SECTION_ADDED_REQUIRED
                self.emit(rule, f"section {new.name}", f"section {new.id} {new.name!r} added", None, new.loc)

    def _section_pair(self, old: ir.Section | ir.VendorSection, new: ir.Section | ir.VendorSection) -> None:
        path = f"section {new.name}"
        if old.name != new.name:
            self.emit(R.SECTION_RENAMED, path, f"{old.name} → {new.name}", old.loc, new.loc)
        if old.optional and not new.optional:
            self.emit(R.SECTION_MADE_REQUIRED, path, "optional → required", old.loc, new.loc)
        elif new.optional and not old.optional:
            self.emit(R.SECTION_MADE_OPTIONAL, path, "required → optional", old.loc, new.loc)
        if old.type is not None and new.type is not None:
            self.expr(old.type, new.type, path, old.loc, new.loc)

    # -- vendor sections --------------------------------------------------------------------

    def _vendor_sections(self) -> None:
        def key(section: ir.VendorSection) -> tuple[str, int]:
            return (str(section.vendor), section.id)

        new_by_key = {key(s): s for s in self.new.vendor_sections}
        new_by_name = {s.name: s for s in self.new.vendor_sections}
        old_keys = {key(s) for s in self.old.vendor_sections}
        matched: set[tuple[str, int]] = set()
        for old in self.old.vendor_sections:
            new = new_by_key.get(key(old))
            if new is None and old.name in new_by_name and key(new_by_name[old.name]) not in old_keys:
                new = new_by_name[old.name]
                detail = f"{old.vendor} #{old.id} → {new.vendor} #{new.id}"
                self.emit(R.SECTION_ID_CHANGED, f"section {old.name}", detail, old.loc, new.loc)
            if new is None:
                rule = R.VENDOR_REMOVED_OPTIONAL if old.optional else R.VENDOR_REMOVED
                detail = f"vendor section {old.vendor} #{old.id} {old.name!r} removed"
                self.emit(rule, f"section {old.name}", detail, old.loc, None)
                continue
            matched.add(key(new))
            self._section_pair(old, new)
            self._vendor_payload(old, new)
        for new in self.new.vendor_sections:
            if key(new) not in matched:
                rule = R.VENDOR_ADDED if new.optional else R.VENDOR_ADDED_REQUIRED
                detail = f"vendor section {new.vendor} #{new.id} {new.name!r} added"
                self.emit(rule, f"section {new.name}", detail, None, new.loc)

    def _vendor_payload(self, old: ir.VendorSection, new: ir.VendorSection) -> None:
        path = f"section {new.name}"
        if old.opaque != new.opaque:
            detail = f"{_payload(old)} → {_payload(new)}"
            self.emit(R.TYPE_CHANGED, path, detail, old.loc, new.loc)
        elif old.opaque and old.max != new.max and old.max is not None and new.max is not None:
            self._max(old.max, new.max, path, old.loc, new.loc)

    # -- params -----------------------------------------------------------------------------

    def _params(self) -> None:
        new_params = {p.name: p for p in self.new.params}
        for old in self.old.params:
            path = f"param {old.name}"
            new = new_params.pop(old.name, None)
            if new is None:
                self.emit(R.PARAM_REMOVED, path, f"parameter {old.name!r} removed", old.loc, None)
            elif old.type != new.type:
                self.emit(R.PARAM_TYPE_CHANGED, path, f"{old.type} → {new.type}", old.loc, new.loc)
            else:
                self._param_pair(old, new, path)
        for new in new_params.values():
            detail = f"parameter {new.name!r} added (default {new.default!r})"
            self.emit(R.PARAM_ADDED, f"param {new.name}", detail, None, new.loc)

    def _param_pair(self, old: ir.Param, new: ir.Param, path: str) -> None:
        if old.default != new.default:
            self.emit(R.PARAM_DEFAULT_CHANGED, path, f"default {old.default!r} → {new.default!r}", old.loc, new.loc)
        lost = _param_values_lost(old, new)
        gained = _param_values_lost(new, old)
        if lost:
            self.emit(R.PARAM_NARROWED, path, f"{_param_values(old)} → {_param_values(new)}; {lost}", old.loc, new.loc)
        if gained:
            self.emit(R.PARAM_WIDENED, path, f"{_param_values(old)} → {_param_values(new)}", old.loc, new.loc)

    # -- library types ----------------------------------------------------------------------

    def _library_types(self) -> None:
        for name, old in self.old.types.items():
            if "." in name:
                continue
            new = self.new.types.get(name)
            if new is None:
                self.emit(R.TYPE_REMOVED, name, f"{old.kind} {name} removed", old.loc, None)
            elif old.kind != new.kind:
                self.emit(R.TYPE_CHANGED, name, f"{old.kind} → {new.kind}", old.loc, new.loc)
            else:
                self.named(name, name, old, new)

    # -- type expressions -------------------------------------------------------------------

    def expr(self, old: Expr, new: Expr, path: str, old_loc: Loc, new_loc: Loc) -> None:
        """Compare two type expressions found at ``path``; dispatch on their kind."""
        if old.kind != new.kind:
            self.emit(R.TYPE_CHANGED, path, f"{_label(old)} → {_label(new)}", old_loc, new_loc)
            return
        compare: Callable[[Any, Any, str, Loc, Loc], None] = getattr(self, f"_expr_{old.kind}")
        compare(old, new, path, old_loc, new_loc)

    def _expr_scalar(self, old: ir.ScalarType, new: ir.ScalarType, path: str, old_loc: Loc, new_loc: Loc) -> None:
        rule = _scalar_rule(old, new)
        if rule is not None:
            self.emit(rule, path, f"{old.name} → {new.name}", old_loc, new_loc)

    def _expr_ref(self, old: ir.NamedRef, new: ir.NamedRef, path: str, old_loc: Loc, new_loc: Loc) -> None:
        old_type, new_type = self.old.types[old.name], self.new.types[new.name]
        if old_type.kind != new_type.kind:
            detail = f"{old_type.kind} {old.name} → {new_type.kind} {new.name}"
            self.emit(R.TYPE_CHANGED, path, detail, old_loc, new_loc)
            return
        pair = (old.name, new.name)
        if old_type.name != new_type.name and pair not in self.renamed:
            self.renamed.add(pair)
            self.emit(R.TYPE_RENAMED, path, f"type {old.name} → {new.name}", old_type.loc, new_type.loc)
        self.named(old.name, new.name, old_type, new_type)

    def _expr_array(self, old: ir.ArrayType, new: ir.ArrayType, path: str, old_loc: Loc, new_loc: Loc) -> None:
        if old.counted != new.counted:
            self.emit(R.TYPE_CHANGED, path, f"{_label(old)} → {_label(new)}", old_loc, new_loc)
            return
        self._extent(old.length, new.length, old.max, new.max, path, old_loc, new_loc)
        self.expr(old.element, new.element, f"{path}[]", old_loc, new_loc)

    def _expr_bytes(self, old: ir.BytesType, new: ir.BytesType, path: str, old_loc: Loc, new_loc: Loc) -> None:
        if old.counted != new.counted:
            self.emit(R.TYPE_CHANGED, path, f"{_label(old)} → {_label(new)}", old_loc, new_loc)
            return
        self._extent(old.length, new.length, old.max, new.max, path, old_loc, new_loc)

    def _expr_string(self, old: ir.StringType, new: ir.StringType, path: str, old_loc: Loc, new_loc: Loc) -> None:
        self._max(old.max, new.max, path, old_loc, new_loc)

    def _extent(self, old_len: int | None, new_len: int | None, old_max: int | None, new_max: int | None,
                path: str, old_loc: Loc, new_loc: Loc) -> None:
        if old_len != new_len:
            self.emit(R.LENGTH_CHANGED, path, f"length {old_len} → {new_len}", old_loc, new_loc)
        if old_max is not None and new_max is not None:
            self._max(old_max, new_max, path, old_loc, new_loc)

    def _max(self, old: int, new: int, path: str, old_loc: Loc, new_loc: Loc) -> None:
        if new > old:
            fix = f"Keep max {old}, or bump the major version: a new writer may write up to {new}."
            self.emit(R.MAX_WIDENED, path, f"max {old} → {new}", old_loc, new_loc, fix)
        elif new < old:
            self.emit(R.MAX_NARROWED, path, f"max {old} → {new}", old_loc, new_loc)

    # -- named types ------------------------------------------------------------------------

    def named(self, old_name: str, new_name: str, old: Named, new: Named) -> None:
        """Compare two named types of the same kind, once per pair."""
        if (old_name, new_name) in self.compared:
            return
        self.compared.add((old_name, new_name))
        if isinstance(old, ir.StructType) and isinstance(new, ir.StructType):
            StructDiff(self, new_name, old, new).run()
        elif isinstance(old, ir.EnumType) and isinstance(new, ir.EnumType):
            self._enum(new_name, old, new)
        elif isinstance(old, ir.FlagsType) and isinstance(new, ir.FlagsType):
            self._flags(new_name, old, new)

    def _enum(self, label: str, old: ir.EnumType, new: ir.EnumType) -> None:
        self._expr_scalar(old.base, new.base, f"{label} (base)", old.loc, new.loc)
        if old.open and not new.open:
            self.emit(R.ENUM_CLOSED, label, "open → closed", old.loc, new.loc)
        elif new.open and not old.open:
            self.emit(R.ENUM_OPENED, label, "closed → open", old.loc, new.loc)
        old_names, new_names = old.by_name(), new.by_name()
        old_values, new_values = old.by_value(), new.by_value()
        for name, value in old_names.items():
            self._enum_member(label, name, value, new_names, new_values, old, new)
        for name, value in new_names.items():
            if name not in old_names and not (value in old_values and old_values[value] not in new_names):
                rule = R.ENUM_VALUE_ADDED_OPEN if old.open else R.ENUM_VALUE_ADDED_CLOSED
                self.emit(rule, f"{label}.{name}", f"value {name}={value} added", old.loc, new.loc)

    def _enum_member(self, label: str, name: str, value: int, new_names: dict[str, int],
                     new_values: dict[int, str], old: ir.EnumType, new: ir.EnumType) -> None:
        path = f"{label}.{name}"
        if name in new_names:
            if new_names[name] != value:
                self.emit(R.ENUM_VALUE_RENUMBERED, path, f"{name}={value} → {new_names[name]}", old.loc, new.loc)
        elif value in new_values and new_values[value] not in old.by_name():
            self.emit(R.ENUM_VALUE_RENAMED, path, f"value {value}: {name} → {new_values[value]}", old.loc, new.loc)
        else:
            rule = R.ENUM_VALUE_REMOVED_OPEN if new.open else R.ENUM_VALUE_REMOVED
            self.emit(rule, path, f"value {name}={value} removed", old.loc, new.loc)

    def _flags(self, label: str, old: ir.FlagsType, new: ir.FlagsType) -> None:
        self._expr_scalar(old.base, new.base, f"{label} (base)", old.loc, new.loc)
        old_bits = {f.name: f.bit for f in old.bits}
        new_bits = {f.name: f.bit for f in new.bits}
        old_names = {f.bit: f.name for f in old.bits}
        new_names = {f.bit: f.name for f in new.bits}
        for name, bit in old_bits.items():
            path = f"{label}.{name}"
            if name in new_bits:
                if new_bits[name] != bit:
                    self.emit(R.FLAG_MOVED, path, f"bit {bit} → {new_bits[name]}", old.loc, new.loc)
            elif bit in new_names and new_names[bit] not in old_bits:
                self.emit(R.FLAG_RENAMED, path, f"bit {bit}: {name} → {new_names[bit]}", old.loc, new.loc)
            else:
                self.emit(R.FLAG_REMOVED, path, f"bit {name}={bit} removed", old.loc, new.loc)
        for name, bit in new_bits.items():
            if name not in old_bits and not (bit in old_names and old_names[bit] not in new_bits):
                self.emit(R.FLAG_ADDED, f"{label}.{name}", f"bit {name}={bit} added", old.loc, new.loc)


class StructDiff:
    """Field-by-field comparison of two versions of a struct (the wire is positional)."""

    def __init__(self, parent: SchemaDiff, label: str, old: ir.StructType, new: ir.StructType) -> None:
        self.parent = parent
        self.label = label
        self.old = old
        self.new = new
        self.old_index = {f.name: i for i, f in enumerate(old.fields)}
        self.new_index = {f.name: i for i, f in enumerate(new.fields)}

    def run(self) -> None:
        pairs = self._pairs()
        matched_new = {j for _, j in pairs}
        matched_old = {i for i, _ in pairs}
        self._removed(matched_old)
        self._reordered(pairs)
        last_matched = max(matched_new, default=-1)
        for j, field in enumerate(self.new.fields):
            if j not in matched_new:
                self._added(j, field, inserted=j < last_matched)
        for i, j in pairs:
            self._field_pair(self.old.fields[i], self.new.fields[j], j)

    def _pairs(self) -> list[tuple[int, int]]:
        """Matched (old index, new index): same name, or a rename at the same position."""
        pairs = [(i, self.new_index[f.name]) for i, f in enumerate(self.old.fields) if f.name in self.new_index]
        for i in range(min(len(self.old.fields), len(self.new.fields))):
            old, new = self.old.fields[i], self.new.fields[i]
            if old.name in self.new_index or new.name in self.old_index:
                continue
            if shape(old.type, self.parent.old) == shape(new.type, self.parent.new):
                pairs.append((i, i))
        return sorted(pairs)

    def _removed(self, matched_old: set[int]) -> None:
        for i, field in enumerate(self.old.fields):
            if i not in matched_old:
                detail = f"field {field.name} ({ir.type_label(field.type)}) removed"
                self.parent.emit(R.FIELD_REMOVED, self.path(field.name), detail, field.loc, self.new.loc)

    def _reordered(self, pairs: list[tuple[int, int]]) -> None:
        order = [j for _, j in pairs]
        keep = set(lis_indices(order))
        for position, (i, j) in enumerate(pairs):
            if position not in keep:
                old, new = self.old.fields[i], self.new.fields[j]
                detail = f"field {new.name} moved from position {i} to {j}"
                self.parent.emit(R.FIELDS_REORDERED, self.path(new.name), detail, old.loc, new.loc)

    def _added(self, index: int, field: ir.StructField, inserted: bool) -> None:
        path = self.path(field.name)
        label = f"{field.name} ({ir.type_label(field.type)})"
        if inserted:
            detail = f"field {label} inserted at position {index}, before existing fields"
            self.parent.emit(R.FIELD_INSERTED, path, detail, self.old.loc, field.loc)
            return
        zero = encodes_as_zero(field.type, field.default, self.parent.new)
        marked = index >= self.new.base_field_count
        if not zero:
            detail = f"field {label} appended; its default {field.default!r} does not encode as zero bytes"
            self.parent.emit(R.FIELD_APPENDED_NONZERO, path, detail, self.old.loc, field.loc)
        if not marked:
            detail = f"field {label} appended but not marked `since` a minor version: the new reader requires it"
            self.parent.emit(R.FIELD_APPENDED_WITHOUT_SINCE, path, detail, self.old.loc, field.loc)
        if zero and marked:
            detail = f"field {label} appended since {field.since} with default {field.default!r}"
            self.parent.emit(R.FIELD_APPENDED, path, detail, self.old.loc, field.loc)

    def _field_pair(self, old: ir.StructField, new: ir.StructField, index: int) -> None:
        path = self.path(new.name)
        if old.name != new.name:
            self.parent.emit(R.FIELD_RENAMED, path, f"{old.name} → {new.name}", old.loc, new.loc)
        before = len(self.parent.changes)
        self.parent.expr(old.type, new.type, path, old.loc, new.loc)
        if len(self.parent.changes) == before:
            self._range(old, new, path)
        appended = index >= self.new.base_field_count
        if not appended and old.default is not None and new.default is not None and old.default != new.default:
            self.parent.emit(R.DEFAULT_CHANGED, path, f"default {old.default!r} → {new.default!r}", old.loc, new.loc)

    def _range(self, old: ir.StructField, new: ir.StructField, path: str) -> None:
        old_low, old_high = _field_range(old)
        new_low, new_high = _field_range(new)
        detail = f"range {old_low}..{old_high} → {new_low}..{new_high}"
        if new_low > old_low or new_high < old_high:
            self.parent.emit(R.RANGE_NARROWED, path, detail, old.loc, new.loc)
        if new_low < old_low or new_high > old_high:
            self.parent.emit(R.RANGE_WIDENED, path, detail, old.loc, new.loc)

    def path(self, field: str) -> str:
        return f"{self.label}.{field}"


# -- helpers -------------------------------------------------------------------------------


def _label(expr: Expr) -> str:
    return ir.type_label(expr)


def _payload(section: ir.VendorSection) -> str:
    return f"opaque max {section.max}" if section.type is None else _label(section.type)


def _scalar_rule(old: ir.ScalarType, new: ir.ScalarType) -> Rule | None:
    if old.name == new.name:
        return None
    if "bool" in (old.name, new.name):
        return R.TYPE_CHANGED
    if old.size != new.size:
        return R.WIDTH_CHANGED
    return R.SIGNEDNESS_CHANGED


def _field_range(field: ir.StructField) -> tuple[int, int]:
    expr: Any = field.type
    while isinstance(expr, ir.ArrayType):
        expr = expr.element
    if not isinstance(expr, ir.ScalarType):
        return (0, 0)
    low, high = ir.scalar_range(expr.name)
    low = low if field.min is None else max(low, field.min)
    high = high if field.max is None else min(high, field.max)
    return low, high


ValueSet = tuple[str, Any]


def _param_value_set(param: ir.Param) -> ValueSet:
    """("set", values) for a finite set of accepted values, else ("range", (low, high))."""
    if param.allowed is not None:
        return ("set", frozenset(v for v in param.allowed if param.accepts(v)))
    if param.type == "bool":
        return ("set", frozenset({False, True}))
    if param.type == "string":
        return ("range", ("", ""))
    low, high = ir.scalar_range(param.type)
    low = low if param.min is None else max(low, param.min)
    high = high if param.max is None else min(high, param.max)
    return ("range", (low, high))


def _param_values_lost(old: ir.Param, new: ir.Param) -> str:
    """A description of values ``old`` accepts that ``new`` refuses, or "" when none."""
    kind, values = _param_value_set(old)
    if kind == "set":
        lost = sorted((v for v in values if not new.accepts(v)), key=repr)
        return "no longer accepted: " + ", ".join(map(repr, lost)) if lost else ""
    new_kind, new_values = _param_value_set(new)
    if old.type == "string":
        return "" if new_kind == "range" else "only the listed strings are accepted now"
    low, high = values
    if new_kind == "set":
        return f"only {len(new_values)} of the values {low}..{high} are accepted now"
    new_low, new_high = new_values
    return "" if new_low <= low and high <= new_high else f"{low}..{high} is now {new_low}..{new_high}"


def _param_values(param: ir.Param) -> str:
    kind, values = _param_value_set(param)
    if kind == "set":
        return "{" + ", ".join(map(repr, sorted(values, key=repr))) + "}"
    return "any string" if param.type == "string" else f"{values[0]}..{values[1]}"


def changed_paths(changes: Iterable[Change]) -> list[str]:
    """The distinct paths of ``changes``, in order (for summaries)."""
    return list(dict.fromkeys(c.path for c in changes))
