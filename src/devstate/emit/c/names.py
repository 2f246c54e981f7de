"""C names of one model: types, members, macros and functions, unique in their scopes."""

from __future__ import annotations

import re
from collections.abc import Iterable

from devstate import ir
from devstate.emit import module_stem
from devstate.emit.sections import AnySection, is_vendor
from devstate.state import vendor_order

# --- names ------------------------------------------------------------------------------

C_RESERVED = frozenset([
    "auto", "break", "case", "char", "const", "continue", "default", "do", "double", "else", "enum", "extern",
    "float", "for", "goto", "if", "inline", "int", "long", "register", "restrict", "return", "short", "signed",
    "sizeof", "static", "struct", "switch", "typedef", "union", "unsigned", "void", "volatile", "while",
    "_Bool", "_Complex", "_Imaginary",
    # macros of the headers the generated code includes
    "bool", "true", "false", "NULL", "offsetof", "stdin", "stdout", "stderr", "errno",
])


class Namer:
    """Unique C identifiers in one scope: reserved words get ``_``, collisions get ``_``."""

    def __init__(self, taken: Iterable[str] = ()) -> None:
        self.taken = set(taken)

    def take(self, wanted: str) -> str:
        name = re.sub(r"[^A-Za-z0-9_]", "_", wanted)
        while name in C_RESERVED or name in self.taken:
            name += "_"
        self.taken.add(name)
        return name


FUNCTION_ROLES = {"dec": "decode", "enc": "encode", "size": "body_size", "def": "set_defaults"}
"""What each static function of a model's source does, as the start of its name."""


class CNames:
    """Every C name the generated code uses for one schema (also used by test drivers).

    ``prefix`` names the files, the state struct and the public functions; each struct
    type, field, section and constant has one name, unique in its scope.
    """

    def __init__(self, schema: ir.Schema) -> None:
        self.schema = schema
        self.prefix = module_stem(schema.model, schema.version)
        self.upper = self.prefix.upper()
        self.reachable = schema.reachable_types
        type_namer = Namer()
        self.type_ids = {name: type_namer.take(name.replace(".", "_")) for name in schema.types}
        self._macros = Namer()
        self.members = {name: self._struct_members(schema.struct(name)) for name, named in schema.types.items()
                        if named.kind == "struct"}
        self._keys = {id(t): name for name, t in schema.types.items()}
        self.top = self._top_members()
        self.macros: dict[tuple[str, ...], str] = {}
        self._function_namer = Namer(["zero_bytes"])
        self._functions: dict[tuple[str, str, str], str] = {}
        self.fixed_macros = {part: self.macro(part) for part in ("MODEL", "VERSION_MAJOR", "VERSION_MINOR",
                                                                 "MAX_UNKNOWN")}
        """The model's own macros, claimed before any type's constant can take their names."""

    # types and members

    def reachable_of(self, kind: str) -> list[str]:
        """The reachable named types of one kind (``struct``, ``enum``, ``flags``), dependencies first."""
        return [name for name in self.reachable if self.schema.types[name].kind == kind]

    def struct(self, type_name: str) -> str:
        """``struct <prefix>_<type>`` tag (without ``struct``)."""
        return f"{self.prefix}_{self.type_ids[type_name]}"

    def field(self, struct: ir.StructType, field: ir.StructField) -> str:
        return self.members[self._keys[id(struct)]][field.name]

    def _struct_members(self, struct: ir.StructType) -> dict[str, str]:
        namer = Namer()
        return {f.name: namer.take(f.name) for f in struct.fields}

    def _top_members(self) -> dict[str, str]:
        namer = Namer(["unknown", "unknown_count"])
        members: dict[str, str] = {}
        for section in sorted(self.schema.sections, key=lambda s: s.id):
            members[f"s:{section.name}"] = namer.take(section.name)
        for vendor in sorted(self.schema.vendor_sections, key=vendor_order):
            members[f"v:{vendor.name}"] = namer.take(vendor.name)
        for key, member in list(members.items()):
            members[f"has:{key}"] = namer.take(f"has_{member}")
        return members

    def section(self, section: AnySection) -> str:
        """The state member holding a section's value."""
        return self.top[f"{kind_key(section)}:{section.name}"]

    def present(self, section: AnySection) -> str:
        """The ``bool has_<name>`` member of an optional section."""
        return self.top[f"has:{kind_key(section)}:{section.name}"]

    # constants and functions

    def macro(self, *parts: str) -> str:
        """A unique upper-case macro ``<PREFIX>_<PARTS>`` (the same parts give the same name)."""
        if parts not in self.macros:
            self.macros[parts] = self._macros.take("_".join((self.upper, *parts)).upper())
        return self.macros[parts]

    def enum_name_function(self, type_name: str) -> str:
        return f"{self.prefix}_{self.type_ids[type_name]}_name"

    def fn(self, role: str, type_name: str) -> str:
        """A static per-type function: ``decode_<type>``, ``encode_<type>``, ``body_size_<type>``,
        ``set_defaults_<type>`` (unique among the file's functions)."""
        return self._function((role, "type", type_name), f"{FUNCTION_ROLES[role]}_{self.type_ids[type_name]}")

    def section_fn(self, role: str, section: AnySection) -> str:
        """A static per-section function: ``decode_section_<name>``, ``encode_vendor_section_<name>``..."""
        kind = "vendor_section" if is_vendor(section) else "section"
        return self._function((role, kind, section.name), f"{FUNCTION_ROLES[role]}_{kind}_{section.name}")

    def _function(self, key: tuple[str, str, str], wanted: str) -> str:
        if key not in self._functions:
            self._functions[key] = self._function_namer.take(wanted)
        return self._functions[key]

    def public(self, verb: str) -> str:
        return f"{self.prefix}_{verb}"

    def sections_in_order(self) -> list[ir.Section]:
        return sorted(self.schema.sections, key=lambda s: s.id)

    def vendor_in_order(self) -> list[ir.VendorSection]:
        return sorted(self.schema.vendor_sections, key=vendor_order)


def kind_key(section: AnySection) -> str:
    return "v" if is_vendor(section) else "s"
