"""Converting saved state between versions of a model.

Within a major version the conversion is generic: sections are matched by id, struct
fields by name. Fields and sections the target has and the state lacks get their
defaults (up-conversion always works). Values the target cannot hold — a field or
required section it does not have that is not at its default, an enum member or flag
it does not declare, more elements than its ``max`` — are *losses*: conversion fails
listing every one, and nothing is written. Optional sections the target does not know
are dropped (they are optional precisely so that readers may skip them).

Across majors, state moves through the migration functions of ``devstate.compat.migrate``
along the route ``find_route`` returns, with generic hops before and after.

Bytes values are passed through by reference (large regions are never copied here).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from devstate import ir
from devstate.compat.layout import shape
from devstate.compat.migrate import Hop, find_route
from devstate.errors import DevstateError
from devstate.state import field_default, type_default, vendor_order
from devstate.visit import Visitor

State = dict[str, Any]
SchemaLookup = Callable[[ir.Version], ir.Schema]


@dataclass(frozen=True)
class Loss:
    """A value the target version cannot hold."""

    path: str
    value: Any
    reason: str

    def __str__(self) -> str:
        return f"{self.path} = {_short(self.value)}: {self.reason}"

    def to_json(self) -> dict[str, object]:
        return {"path": self.path, "value": _short(self.value), "reason": self.reason}


class ConversionError(DevstateError):
    """The state cannot be converted; ``losses`` names every value that would be lost."""

    code = "CONVERSION_FAILED"

    def __init__(self, message: str, losses: list[Loss] | None = None, partial: State | None = None) -> None:
        self.losses = losses or []
        self.message = message
        self.partial = partial
        """The converted state with the lost values left as they were, to go on collecting losses."""
        detail = "".join(f"\n  {loss}" for loss in self.losses)
        super().__init__(message + detail)


@dataclass
class ConversionResult:
    state: State
    route: list[Hop]
    dropped: list[str] = field(default_factory=list)
    """Optional sections the target does not know, dropped on the way."""


def convert_state(
    state: State, source: ir.Schema, target_version: ir.Version, schemas: SchemaLookup
) -> ConversionResult:
    """``state`` (in the shape of ``source``) converted to ``target_version`` of the model."""
    route = find_route(source.model, source.version, target_version)
    if route is None:
        raise ConversionError(
            f"no migration function registered from {source.model} {source.version} to major "
            f"{target_version.major} (see spec/compatibility.md, 'Writing a migration function')")
    result = ConversionResult(state, route)
    losses: list[Loss] = []
    current = source
    for hop in route:
        following = schemas(hop.target)
        try:
            result.state = _hop(hop, result, current, following)
        except ConversionError as exc:
            losses += exc.losses
            if exc.partial is None or not exc.losses:
                raise ConversionError(exc.message, losses) from None
            result.state = exc.partial
        current = following
    if losses:
        raise ConversionError(
            f"cannot convert {source.ident} state to {target_version}: {len(losses)} value(s) would be lost",
            losses)
    return result


def _hop(hop: Hop, result: ConversionResult, current: ir.Schema, following: ir.Schema) -> State:
    if hop.migration is not None:
        return hop.migration.function(result.state, current, following)
    converter = StateConverter(current, following)
    state = converter.convert(result.state)
    result.dropped += converter.dropped
    return state


def carry_over(state: State, source: ir.Schema, target: ir.Schema, handled: frozenset[str] = frozenset(),
               losses: list[Loss] | None = None) -> State:
    """Generic conversion of every section except ``handled`` ones (for migration functions).

    With a ``losses`` list, what cannot be carried is appended to it instead of raised.
    """
    converter = StateConverter(source, target, handled)
    state = converter.convert(state, strict=losses is None)
    if losses is not None:
        losses += converter.losses
    return state


def order_sections(state: State, schema: ir.Schema) -> State:
    """The state with its sections in the schema's wire order (id order)."""
    ids = {s.name: s.id for s in schema.sections}
    state["sections"] = dict(sorted(state["sections"].items(), key=lambda item: ids.get(item[0], 1 << 16)))
    return state


class StateConverter(Visitor[Any]):
    """One generic conversion between two versions of the same major."""

    def __init__(self, source: ir.Schema, target: ir.Schema, handled: frozenset[str] = frozenset()) -> None:
        self.source = source
        self.target = target
        self.handled = handled
        self.losses: list[Loss] = []
        self.dropped: list[str] = []

    def convert(self, state: State, strict: bool = True) -> State:
        """The converted state; raises ``ConversionError`` (with ``partial``) on losses if ``strict``."""
        sections = self._sections(state.get("sections", {}))
        vendor = self._vendor_sections(state.get("vendor_sections", {}))
        converted = {
            "model": self.target.model, "version": str(self.target.version), "sections": sections,
            "vendor_sections": vendor, "unknown_sections": list(state.get("unknown_sections", [])),
        }
        if self.losses and strict:
            raise ConversionError(
                f"cannot convert {self.source.ident} state to {self.target.version}: "
                f"{len(self.losses)} value(s) would be lost", self.losses, converted)
        return converted

    # -- sections ---------------------------------------------------------------------------

    def _sections(self, values: dict[str, Any]) -> dict[str, Any]:
        source_by_name = {s.name: s for s in self.source.sections}
        target_by_id = {s.id: s for s in self.target.sections}
        out: dict[str, Any] = {}
        for name, value in values.items():
            if name in self.handled:
                continue
            section = source_by_name.get(name)
            path = f"$.sections.{name}"
            if section is None:
                self.losses.append(Loss(path, value, f"{self.source.ident} has no section {name!r}"))
                continue
            counterpart = target_by_id.get(section.id)
            if counterpart is None:
                self._section_missing(section, value, path)
                continue
            out[counterpart.name] = self.value(section.type, counterpart.type, value, path)
        for section in sorted(self.target.sections, key=lambda s: s.id):
            if section.name not in out and section.name not in self.handled and not section.optional:
                out[section.name] = type_default(self.target, section.type)
        return order_by(out, [s.name for s in sorted(self.target.sections, key=lambda s: s.id)])

    def _section_missing(self, section: ir.Section | ir.VendorSection, value: Any, path: str) -> None:
        if section.optional:
            self.dropped.append(section.name)
            return
        default = b"" if section.type is None else type_default(self.source, section.type)
        if not same(value, default):
            self.losses.append(Loss(path, value, f"{self.target.ident} has no section {section.name!r}"))

    def _vendor_sections(self, values: dict[str, Any]) -> dict[str, Any]:
        source_by_name = {s.name: s for s in self.source.vendor_sections}
        target_by_key = {(str(s.vendor), s.id): s for s in self.target.vendor_sections}
        out: dict[str, Any] = {}
        for name, value in values.items():
            section = source_by_name.get(name)
            path = f"$.vendor_sections.{name}"
            if section is None:
                self.losses.append(Loss(path, value, f"{self.source.ident} has no vendor section {name!r}"))
                continue
            counterpart = target_by_key.get((str(section.vendor), section.id))
            if counterpart is None:
                self._section_missing(section, value, path)
            elif section.type is None or counterpart.type is None:
                out[counterpart.name] = self._opaque(section, counterpart, value, path)
            else:
                out[counterpart.name] = self.value(section.type, counterpart.type, value, path)
        ordered = sorted(self.target.vendor_sections, key=vendor_order)
        for vendor in ordered:
            if vendor.name not in out and not vendor.optional:
                out[vendor.name] = b"" if vendor.type is None else type_default(self.target, vendor.type)
        return order_by(out, [v.name for v in ordered])

    def _opaque(self, source: ir.VendorSection, target: ir.VendorSection, value: Any, path: str) -> Any:
        if source.type is not None or target.type is not None:
            self.losses.append(Loss(path, value, "the payload changed between opaque and typed"))
        elif target.max is not None and len(value) > target.max:
            self.losses.append(Loss(path, value, f"{len(value)} bytes exceed the target max {target.max}"))
        return value

    # -- values -----------------------------------------------------------------------------

    def value(self, source: Any, target: Any, value: Any, path: str) -> Any:
        """``value`` of type ``source`` as a value of type ``target``; dispatch on kind."""
        if source.kind != target.kind:
            self.losses.append(Loss(path, value, f"type changed: {ir.type_label(source)} → {ir.type_label(target)}"))
            return value
        return self.visit(source, target, value, path)

    def visit_scalar(self, source: ir.ScalarType, target: ir.ScalarType, value: Any, path: str) -> Any:
        low, high = ir.scalar_range(target.name)
        if isinstance(value, bool) != (target.name == "bool") or not low <= int(value) <= high:
            self.losses.append(Loss(path, value, f"does not fit in {target.name}"))
        return value

    def visit_string(self, source: ir.StringType, target: ir.StringType, value: Any, path: str) -> Any:
        if len(value.encode()) > target.max:
            self.losses.append(Loss(path, value, f"longer than the target max {target.max} bytes"))
        return value

    def visit_bytes(self, source: ir.BytesType, target: ir.BytesType, value: Any, path: str) -> Any:
        size = len(value)
        if target.length is not None and size != target.length:
            self.losses.append(Loss(path, value, f"{size} bytes, the target has exactly {target.length}"))
        if target.max is not None and size > target.max:
            self.losses.append(Loss(path, value, f"{size} bytes exceed the target max {target.max}"))
        return value  # by reference: no copy of large regions

    def visit_array(self, source: ir.ArrayType, target: ir.ArrayType, value: Any, path: str) -> Any:
        count = len(value)
        if target.length is not None and count != target.length:
            self.losses.append(Loss(path, value, f"{count} elements, the target has exactly {target.length}"))
        if target.max is not None and count > target.max:
            self.losses.append(Loss(path, value, f"{count} elements exceed the target max {target.max}"))
        return [self.value(source.element, target.element, item, f"{path}[{i}]") for i, item in enumerate(value)]

    def visit_ref(self, source: ir.NamedRef, target: ir.NamedRef, value: Any, path: str) -> Any:
        old, new = self.source.resolve(source), self.target.resolve(target)
        if old.kind != new.kind:
            self.losses.append(Loss(path, value, f"type changed: {old.kind} → {new.kind}"))
            return value
        return self.visit(old, new, value, path)

    def visit_flags(self, old: ir.FlagsType, new: ir.FlagsType, value: Any, path: str) -> Any:
        bits = {flag.name: flag.bit for flag in old.bits}
        names = {flag.bit: flag.name for flag in new.bits}
        out = []
        for name in value:
            bit = bits.get(name)
            if bit not in names:
                self.losses.append(Loss(path, value, f"flag {name!r} is not declared in {self.target.ident}"))
                continue
            out.append(names[bit])
        return sorted(out, key=lambda n: new_bits_order(new, n))

    def visit_enum(self, old: ir.EnumType, new: ir.EnumType, value: Any, path: str) -> Any:
        members = new.by_name()
        number = old.by_name().get(value, value) if isinstance(value, str) else value
        if isinstance(value, str) and value in members:
            return value
        if new.open and isinstance(number, int):
            return new.by_value().get(number, number)
        if isinstance(number, int) and number in new.by_value():
            return new.by_value()[number]
        self.losses.append(Loss(path, value, f"enum {new.name} of {self.target.version} has no such value"))
        return value

    def visit_struct(self, old: ir.StructType, new: ir.StructType, value: dict[str, Any], path: str) -> dict[str, Any]:
        pairs = field_pairs(old, new, self.source, self.target)
        out: dict[str, Any] = {}
        for target_field in new.fields:
            source_field = pairs.get(target_field.name)
            if source_field is not None and source_field.name in value:
                where = f"{path}.{target_field.name}"
                item = self.value(source_field.type, target_field.type, value[source_field.name], where)
                if (source_field.min, source_field.max) != (target_field.min, target_field.max):
                    self._range(target_field, item, where)
                out[target_field.name] = item
            else:
                out[target_field.name] = field_default(self.target, target_field)
        carried = {f.name for f in pairs.values()}
        for source_field in old.fields:
            item = value.get(source_field.name)
            if source_field.name not in carried and not same(item, field_default(self.source, source_field)):
                reason = (f"{self.target.ident} has no field {new.name}.{source_field.name} "
                          "(only its default can be dropped)")
                self.losses.append(Loss(f"{path}.{source_field.name}", item, reason))
        return out

    def _range(self, target: ir.StructField, value: Any, path: str) -> None:
        if target.min is None and target.max is None:
            return
        items = value if isinstance(value, list) else [value]
        for item in items:
            if isinstance(item, int) and not isinstance(item, bool) and not (
                (target.min is None or item >= target.min) and (target.max is None or item <= target.max)):
                self.losses.append(Loss(path, value, f"outside {target.min}..{target.max}"))
                return


def field_pairs(
    old: ir.StructType, new: ir.StructType, source: ir.Schema, target: ir.Schema
) -> dict[str, ir.StructField]:
    """Target field name → the source field it carries: same name, or renamed in place."""
    old_names = {f.name for f in old.fields}
    new_names = {f.name for f in new.fields}
    pairs = {f.name: f for f in old.fields if f.name in new_names}
    for old_field, new_field in zip(old.fields, new.fields, strict=False):
        if old_field.name not in new_names and new_field.name not in old_names and (
                shape(old_field.type, source) == shape(new_field.type, target)):
            pairs[new_field.name] = old_field
    return pairs


def new_bits_order(flags: ir.FlagsType, name: str) -> int:
    return next(flag.bit for flag in flags.bits if flag.name == name)


def order_by(values: dict[str, Any], order: list[str]) -> dict[str, Any]:
    rank = {name: i for i, name in enumerate(order)}
    return dict(sorted(values.items(), key=lambda item: rank.get(item[0], len(rank))))


def same(value: Any, default: Any) -> bool:
    """Equality of state values (bytes-like values compare by content)."""
    try:
        return bool(value == default)
    except (TypeError, ValueError):
        return False


def _short(value: Any) -> Any:
    if isinstance(value, bytes | bytearray | memoryview):
        data = bytes(value[:16])
        return data.hex() + ("…" if len(value) > 16 else "") + f" ({len(value)} bytes)"
    text = repr(value)
    return value if len(text) <= 80 else text[:77] + "..."
