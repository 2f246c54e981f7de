"""The JSON Schema (draft 2020-12) of a model's state JSON, for editors to complete and check.

It describes what ``devstate encode`` reads for one ``MODEL@VERSION``: the state shape of
spec/wire-format.md ("State as JSON"), with each field's type, range, enum member names,
flag bit names, byte lengths, documentation and default. Integers may also be hex strings
(``"0x1"``) and flags an integer mask, as ``encode`` accepts. By default fields and required
sections may be left out (``encode`` fills their defaults); ``strict`` requires all of them,
the shape ``decode --json`` prints.

One limit is approximate: a string's ``max`` counts UTF-8 bytes, JSON Schema's
``maxLength`` counts characters; the schema uses ``max`` as a character bound, which never
refuses a valid string.
"""

from __future__ import annotations

from typing import Any

from devstate import ir
from devstate.state import field_default, state_to_json, type_default, vendor_order
from devstate.state_input import HEX_INTEGER, SCHEMA_KEY
from devstate.visit import Visitor

DIALECT = "https://json-schema.org/draft/2020-12/schema"
_HEX_BYTES = "^(?:[0-9a-fA-F]{2})*$"
_HEX_INTEGER = f"^{HEX_INTEGER.pattern}$"


def state_json_schema(schema: ir.Schema, strict: bool = False) -> dict[str, Any]:
    """The JSON Schema of ``schema``'s state JSON (a plain JSON-ready dict)."""
    return _Builder(schema, strict).document()


class _Builder(Visitor[dict[str, Any]]):
    def __init__(self, schema: ir.Schema, strict: bool) -> None:
        self.schema = schema
        self.strict = strict
        self.defs: dict[str, Any] = {}

    def document(self) -> dict[str, Any]:
        sections = sorted(self.schema.sections, key=lambda s: s.id)
        vendor = sorted(self.schema.vendor_sections, key=vendor_order)
        section_props = {s.name: self._section(s.type, s.doc, f"section {s.id}") for s in sections}
        vendor_props = {v.name: self._vendor(v) for v in vendor}
        required = ["model", "version", "sections"] if self.strict else []
        document: dict[str, Any] = {
            "$schema": DIALECT,
            "$id": f"https://devstate.dev/schemas/state/{self.schema.model}/{self.schema.version}.schema.json",
            "title": f"{self.schema.ident} state",
            "description": f"Saved state of {self.schema.title} ({self.schema.ident}), as `devstate encode` "
                           "reads it and `devstate decode --json` prints it.",
            "type": "object",
            "properties": {
                SCHEMA_KEY: {"type": "string", "description": "This JSON Schema, for editors (encode ignores it)."},
                "model": {"const": self.schema.model},
                "version": {"const": str(self.schema.version)},
                "sections": self._object(section_props, [s.name for s in sections if not s.optional]),
                "vendor_sections": self._object(vendor_props, [v.name for v in vendor if not v.optional]),
                "unknown_sections": {"type": "array", "items": {"$ref": "#/$defs/unknown_section"},
                                     "description": "Optional sections this schema does not know, kept unchanged."},
            },
            "required": required,
            "additionalProperties": False,
        }
        self.defs["unknown_section"] = {
            "type": "object",
            "properties": {"id": {"type": "integer", "minimum": 1}, "flags": {"type": "integer", "minimum": 0},
                           "vendor": {"type": "string"}, "payload": {"type": "string", "pattern": _HEX_BYTES}},
            "required": ["id", "flags", "payload"],
            "additionalProperties": False,
        }
        document["$defs"] = dict(sorted(self.defs.items()))
        return document

    def _object(self, properties: dict[str, Any], required: list[str]) -> dict[str, Any]:
        return {"type": "object", "properties": properties, "required": required if self.strict else [],
                "additionalProperties": False}

    def _section(self, expr: ir.TypeExpr, doc: str, what: str) -> dict[str, Any]:
        described = dict(self.type(expr))
        described["description"] = f"{what}. {doc.strip()}".strip()
        described["default"] = state_to_json(type_default(self.schema, expr))
        return described

    def _vendor(self, section: ir.VendorSection) -> dict[str, Any]:
        what = f"vendor section {section.vendor} #{section.id}"
        if section.type is not None:
            return self._section(section.type, section.doc, what)
        opaque: dict[str, Any] = {"type": "string", "pattern": _HEX_BYTES, "default": "",
                                  "description": f"{what}, opaque bytes as hex. {section.doc.strip()}".strip()}
        if section.max is not None:
            opaque["maxLength"] = 2 * section.max
        return opaque

    def type(self, expr: ir.TypeExpr, low: int | None = None, high: int | None = None) -> dict[str, Any]:
        """The JSON Schema of a value of ``expr`` (``low``/``high``: a field's min/max, also for elements)."""
        return self.visit(expr, low, high)

    def visit_scalar(self, expr: ir.ScalarType, low: int | None, high: int | None) -> dict[str, Any]:
        return self._scalar(expr.name, low, high)

    def visit_array(self, expr: ir.ArrayType, low: int | None, high: int | None) -> dict[str, Any]:
        array: dict[str, Any] = {"type": "array", "items": self.type(expr.element, low, high)}
        if expr.length is not None:
            array.update(minItems=expr.length, maxItems=expr.length)
        if expr.max is not None:
            array["maxItems"] = expr.max
        return array

    def visit_bytes(self, expr: ir.BytesType, low: int | None, high: int | None) -> dict[str, Any]:
        text: dict[str, Any] = {"type": "string", "pattern": _HEX_BYTES,
                                "description": "bytes as lower-case hex, two digits a byte"}
        if expr.length is not None:
            text.update(minLength=2 * expr.length, maxLength=2 * expr.length)
        if expr.max is not None:
            text["maxLength"] = 2 * expr.max
        return text

    def visit_string(self, expr: ir.StringType, low: int | None, high: int | None) -> dict[str, Any]:
        return {"type": "string", "maxLength": expr.max}

    def visit_ref(self, expr: ir.NamedRef, low: int | None, high: int | None) -> dict[str, Any]:
        """A named type is defined once, under ``$defs``."""
        if expr.name not in self.defs:
            self.defs[expr.name] = {}  # reserve the name first: struct types may nest
            self.defs[expr.name] = self.visit(self.schema.resolve(expr))
        return {"$ref": f"#/$defs/{expr.name}"}

    def _scalar(self, name: str, low: int | None, high: int | None) -> dict[str, Any]:
        if name == "bool":
            return {"type": "boolean"}
        type_low, type_high = ir.scalar_range(name)
        low = type_low if low is None else max(low, type_low)
        high = type_high if high is None else min(high, type_high)
        # One schema, no anyOf: minimum/maximum apply to numbers only, pattern to strings only
        # (and validators are many times faster on large arrays than with a branch per integer).
        return {"type": ["integer", "string"], "minimum": low, "maximum": high, "pattern": _HEX_INTEGER}

    def visit_enum(self, named: ir.EnumType) -> dict[str, Any]:
        members: dict[str, Any] = {"enum": [v.name for v in named.values]}
        choices = [members]
        if named.open:
            choices.append(self._scalar(named.base.name, None, None))
        return {"description": _doc(named.doc, "enum " + ", ".join(f"{v.name} = {v.value}" for v in named.values)),
                **({"anyOf": choices} if named.open else members)}

    def visit_flags(self, named: ir.FlagsType) -> dict[str, Any]:
        bits = sorted(named.bits, key=lambda b: b.bit)
        return {"description": _doc(named.doc, "flags " + ", ".join(f"{b.name} (bit {b.bit})" for b in bits)
                                    + "; or an integer mask"),
                "type": ["array", "integer", "string"], "items": {"enum": [b.name for b in bits]},
                "uniqueItems": True, "minimum": 0, "maximum": named.mask, "pattern": _HEX_INTEGER}

    def visit_struct(self, struct: ir.StructType) -> dict[str, Any]:
        properties = {}
        for fld in struct.fields:
            described = dict(self.type(fld.type, fld.min, fld.max))
            notes = [fld.doc.strip()] if fld.doc.strip() else []
            if fld.unit:
                notes.append(f"Unit: {fld.unit}.")
            if fld.since:
                notes.append(f"Since {fld.since}.")
            if notes:
                described["description"] = " ".join(notes)
            described["default"] = state_to_json(field_default(self.schema, fld))
            properties[fld.name] = described
        return {"type": "object", "description": _doc(struct.doc, f"struct {struct.name}"),
                "properties": properties, "required": [f.name for f in struct.fields] if self.strict else [],
                "additionalProperties": False}


def _doc(doc: str, fallback: str) -> str:
    return f"{fallback}. {doc.strip()}".strip() if doc.strip() else fallback
