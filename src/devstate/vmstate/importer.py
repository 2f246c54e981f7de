"""QEMU VMState description → devstate schema skeletons (one per device type).

The mapping (spec/qemu-vmstate.md, "Importing"):

* device type ``T`` → model ``org.qemu.<T sanitised>``, version ``<version_id>.0``, file
  ``<model>/<version_id>.0.yaml``; the section window (version_id, minimum_version_id)
  is kept in ``annotations.qemu`` and the doc;
* the device's description → section 1 ``state``, a struct named after the description;
* a field of 1, 2, 4 or 8 bytes → ``u8``..``u64`` (signedness unknown, marked);
  a nested ``Description`` → a struct type; ``unused`` → ``bytes`` padding; another
  non-zero size → fixed ``bytes``; size 0 → a counted ``bytes`` placeholder marked
  ``unmapped``;
* a subsection → an optional section (ids 2, 3, ...); a subsection of a nested struct or
  of another subsection is flattened the same way and marked with where it belongs.

Every field keeps its QEMU name and size in ``annotations.qemu``. A field guarded by a
``field_exists`` test keeps its type and is marked ``field_exists``: devstate has no
conditional fields.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Literal

import yaml

from devstate.limits import MAX_COUNT, MAX_NESTING_DEPTH
from devstate.vmstate.dump import Device, Dump, Field, Vmsd, iter_subsections
from devstate.vmstate.names import UniqueNames, identifier, model_id

FieldStatus = Literal["mapped", "conditional", "unmapped"]
DeviceStatus = Literal["full", "partial", "none"]

SCALARS = {1: "u8", 2: "u16", 4: "u32", 8: "u64"}
PLACEHOLDER: dict[str, Any] = {"kind": "bytes", "max": MAX_COUNT}
"""The type of something that could not be mapped: bytes of unknown length."""

REASON_SIZE0 = (
    "size 0 in the dump: QEMU saves this with a custom VMStateInfo (virtio, a queue, a timer "
    "list...) or as a variable-size buffer or array; its length and layout are not in the dump"
)
REASON_EMPTY_STRUCT = "the nested description has no fields"
REASON_UNMIGRATABLE = (
    "the description has no fields: QEMU marks such a device unmigratable "
    "(a VM with it cannot migrate), so it has no state to map"
)
REASON_EMPTY_SUBSECTION = "the subsection has no fields"
REASON_TOO_DEEP = f"nested deeper than devstate allows ({MAX_NESTING_DEPTH} levels)"
REASON_TOO_BIG = f"larger than devstate's u32 size limit ({MAX_COUNT} bytes)"
REASON_EMPTY_ARRAY = "an array of 0 elements (num 0): nothing on the wire"
REASON_VARIABLE_ELEMENT = ("an array of a struct that is not fixed-size (it holds something the dump gives no "
                           "length for)")
MAX_STRUCT_LEVEL = MAX_NESTING_DEPTH - 2
"""The deepest nesting level (the section's struct is level 0) that still leaves room for a leaf."""


def field_status(f: Field) -> FieldStatus:
    """How one dump field entry maps (its nested fields are counted on their own)."""
    if f.description is not None and not f.description.fields:
        return "unmapped"
    if f.description is None and not 0 < f.size <= MAX_COUNT:
        return "unmapped"
    if f.num is not None and not 0 < f.total_size <= MAX_COUNT:
        return "unmapped"
    return "conditional" if f.field_exists else "mapped"


def _statuses(vmsd: Vmsd, level: int, cut: bool = False) -> Iterator[FieldStatus]:
    """The status of every field entry under ``vmsd`` (nested at ``level``), as imported:
    inside a struct nested too deep (``cut``) everything is unmapped."""
    for f in vmsd.fields or ():
        nested = f.description
        too_deep = cut or (nested is not None and bool(nested.fields) and level + 1 > MAX_STRUCT_LEVEL)
        yield "unmapped" if too_deep else field_status(f)
        if nested is not None:
            yield from _statuses(nested, level + 1, cut=too_deep)
    for sub in vmsd.subsections:
        yield from _statuses(sub, 0)


@dataclass
class DeviceReport:
    """How well one device mapped: counts of dump field entries and what is left to do."""

    device: str
    model: str
    version: str
    file: str
    """The schema's path relative to the output directory."""
    fields: Counter[str] = field(default_factory=Counter)
    sections: int = 0
    state_section: bool = False
    subsections: int = 0
    notes: list[str] = field(default_factory=list)
    """Paths and reasons of what was not mapped, or mapped with a caveat."""

    @property
    def status(self) -> DeviceStatus:
        if not self.fields["mapped"] + self.fields["conditional"]:
            return "none"
        return "partial" if self.notes else "full"

    @property
    def field_total(self) -> int:
        return sum(self.fields.values())

    def to_json(self) -> dict[str, object]:
        return {
            "device": self.device,
            "model": self.model,
            "version": self.version,
            "file": self.file,
            "status": self.status,
            "fields": self.field_total,
            "mapped": self.fields["mapped"],
            "conditional": self.fields["conditional"],
            "unmapped": self.fields["unmapped"],
            "sections": self.sections,
            "subsections": self.subsections,
            "notes": self.notes,
        }


@dataclass
class ImportedSchema:
    """One generated schema: its document (plain data) and how it mapped."""

    report: DeviceReport
    document: dict[str, Any]

    @property
    def relpath(self) -> str:
        return self.report.file

    def render(self, header: str) -> str:
        body = yaml.safe_dump(
            self.document, sort_keys=False, allow_unicode=True, width=100, default_flow_style=None
        )
        return header + body


@dataclass
class ImportResult:
    """Every generated schema and the totals the CLI prints."""

    dump: Dump
    schemas: list[ImportedSchema]

    def totals(self) -> dict[str, int]:
        reports = [s.report for s in self.schemas]
        statuses = Counter(r.status for r in reports)
        fields: Counter[str] = Counter()
        for report in reports:
            fields.update(report.fields)
        return {
            "devices": len(reports),
            "full": statuses["full"],
            "partial": statuses["partial"],
            "none": statuses["none"],
            "fields": sum(fields.values()),
            "fields_mapped": fields["mapped"],
            "fields_conditional": fields["conditional"],
            "fields_unmapped": fields["unmapped"],
            "sections": sum(r.sections for r in reports),
            "state_sections": sum(r.state_section for r in reports),
            "optional_sections": sum(r.sections - r.state_section for r in reports),
            "subsections": sum(r.subsections for r in reports),
        }

    def header(self) -> str:
        machine = f" (machine {self.dump.machine})" if self.dump.machine else ""
        return (
            f"# Generated by devstate import-vmstate from {_basename(self.dump.file)}{machine}.\n"
            "# A skeleton: annotations.qemu keeps QEMU's names and sizes; review every\n"
            "# 'unmapped' and 'field_exists' mark and the signedness of integers.\n"
        )


def import_dump(dump: Dump, devices: list[str] | None = None) -> ImportResult:
    """Map every device of ``dump`` (or only ``devices``, dump keys) to a schema document."""
    keys = devices if devices is not None else sorted(dump.devices)
    schemas = [_DeviceMapper(dump, dump.devices[key]).build() for key in keys]
    return ImportResult(dump=dump, schemas=schemas)


def _basename(file: str) -> str:
    return file.replace("\\", "/").rsplit("/", 1)[-1]


def _shape(vmsd: Vmsd) -> str:
    """A key equal for descriptions with the same content, wherever they appear."""

    def plain(v: Vmsd) -> object:
        fields = None if v.fields is None else [
            [f.name, f.version_id, f.field_exists, f.size, f.description and plain(f.description)]
            for f in v.fields
        ]
        return [v.name, v.version_id, v.minimum_version_id, fields, [plain(s) for s in v.subsections]]

    return json.dumps(plain(vmsd), separators=(",", ":"))


def _height(vmsd: Vmsd) -> int:
    """Levels of nested descriptions, counting ``vmsd`` itself."""
    nested = [f.description for f in vmsd.fields or () if f.description is not None and f.description.fields]
    return 1 + max((_height(d) for d in nested), default=0)


class _DeviceMapper:
    """Builds the schema document of one device."""

    def __init__(self, dump: Dump, device: Device) -> None:
        self.dump = dump
        self.device = device
        self.model = model_id(device.key)
        self.version = f"{device.version_id}.0"
        self.report = DeviceReport(device.key, self.model, self.version, f"{self.model}/{self.version}.yaml")
        self.types: dict[str, dict[str, Any]] = {}
        self.type_by_shape: dict[str, str] = {}
        self.type_names = UniqueNames()
        self.sections: list[dict[str, Any]] = []
        self.section_by_shape: dict[str, dict[str, Any]] = {}
        self.section_names = UniqueNames()
        self.section_names.take("state")

    def build(self) -> ImportedSchema:
        vmsd = self.device.vmsd
        self.report.fields.update(_statuses(vmsd, 0))
        self.report.subsections = sum(1 for _ in iter_subsections(vmsd))
        if vmsd.fields is None:
            self.report.notes.append(f"{self.device.key}: {REASON_UNMIGRATABLE}")
        else:
            self.sections.append(self._main_section(vmsd))
            self.report.state_section = True
            self._walk(vmsd, self.device.key, top=True)
        self.report.sections = len(self.sections)
        return ImportedSchema(self.report, self._document())

    # -- document ---------------------------------------------------------------------------

    def _document(self) -> dict[str, Any]:
        device, vmsd = self.device, self.device.vmsd
        doc: dict[str, Any] = {
            "devstate": 1,
            "model": self.model,
            "version": self.version,
            "title": f"QEMU {device.key} device state (VMState {vmsd.name} v{device.version_id})",
            "doc": self._doc_text(),
        }
        if self.types:
            doc["types"] = self.types
        if self.sections:
            doc["sections"] = self.sections
        doc["annotations"] = {"qemu": self._schema_annotation()}
        return doc

    def _doc_text(self) -> str:
        device, vmsd = self.device, self.device.vmsd
        machine = f" (machine {self.dump.machine})" if self.dump.machine else ""
        text = (
            f"Skeleton generated by devstate import-vmstate from the QEMU VMState description of "
            f"device type {device.key} in {_basename(self.dump.file)}{machine}. QEMU saves it as "
            f"section {vmsd.name!r}, version_id {device.version_id}; it loads versions "
            f"{device.minimum_version_id} to {device.version_id}. Schema version {self.version} "
            f"stands for QEMU version_id {device.version_id}."
        )
        if vmsd.fields is None:
            return text + " " + REASON_UNMIGRATABLE[0].upper() + REASON_UNMIGRATABLE[1:] + "."
        return text + (
            " The dump gives sizes only: 1, 2, 4 and 8-byte fields are mapped to u8..u64 whose "
            "signedness is unknown, and a field may be an array of such elements whose count "
            "the dump does not show. Subsections are optional sections. QEMU names and sizes "
            "are in annotations.qemu; 'unmapped' marks what could not be mapped."
        )

    def _schema_annotation(self) -> dict[str, Any]:
        device, report = self.device, self.report
        return {
            "device": device.key,
            "vmsd": device.vmsd.name,
            "version_id": device.version_id,
            "minimum_version_id": device.minimum_version_id,
            "source": _basename(self.dump.file),
            "machine": self.dump.machine,
            "mapping": report.status,
            "fields": {k: report.fields[k] for k in ("mapped", "conditional", "unmapped")},
            "signedness": "unknown",
        }

    # -- sections ---------------------------------------------------------------------------

    def _main_section(self, vmsd: Vmsd) -> dict[str, Any]:
        section: dict[str, Any] = {"id": 1, "name": "state", "type": None}
        section["type"] = self._struct(vmsd, self.device.key, level=0)
        section["doc"] = f"The fields of QEMU section {vmsd.name!r}, in wire order."
        qemu = {"vmsd": vmsd.name, "version_id": vmsd.version_id, "minimum_version_id": vmsd.minimum_version_id}
        section["annotations"] = {"qemu": qemu}
        return section

    def _walk(self, vmsd: Vmsd, path: str, top: bool = False) -> None:
        """Map every subsection under ``vmsd`` (at ``path``), in QEMU's wire order."""
        for f in vmsd.fields or ():
            if f.description is not None:
                self._walk(f.description, f"{path}.{f.name}")
        for sub in vmsd.subsections:
            shape = _shape(sub)
            owner = None if top else path
            if shape in self.section_by_shape:
                self._add_owner(self.section_by_shape[shape], owner)
            else:
                self.section_by_shape[shape] = self._subsection(sub, owner)
            self._walk(sub, f"{path}/{sub.name}")

    def _subsection(self, sub: Vmsd, owner: str | None) -> dict[str, Any]:
        qemu: dict[str, Any] = {
            "subsection": sub.name,
            "version_id": sub.version_id,
            "minimum_version_id": sub.minimum_version_id,
        }
        name = self.section_names.take(identifier(sub.name, "s"))
        section: dict[str, Any] = {"id": len(self.sections) + 1, "name": name, "type": None, "optional": True}
        self.sections.append(section)
        path = f"{owner or self.device.key}/{sub.name}"
        if sub.fields:
            section["type"] = self._struct(sub, path, level=0)
        else:
            section["type"] = dict(PLACEHOLDER)
            qemu["unmapped"] = REASON_EMPTY_SUBSECTION
            self.report.notes.append(f"{path}: {REASON_EMPTY_SUBSECTION}")
        section["doc"] = (
            f"QEMU subsection {sub.name!r} (versions {sub.minimum_version_id} to {sub.version_id}). "
            "QEMU sends it only when its needed() test is true; a loader that does not know it fails."
        )
        section["annotations"] = {"qemu": qemu}
        self._add_owner(section, owner)
        return section

    def _add_owner(self, section: dict[str, Any], owner: str | None) -> None:
        """Mark a subsection of a nested struct or subsection with where QEMU sends it."""
        if owner is None:
            return
        qemu = section["annotations"]["qemu"]
        owners: list[str] = qemu.setdefault("nested_in", [])
        if owner in owners:
            return
        owners.append(owner)
        self.report.notes.append(
            f"{owner}/{qemu['subsection']}: subsection of a nested struct or subsection; QEMU sends "
            "it right after that struct's fields, once per instance"
        )
        section["doc"] += f" Flattened: QEMU sends it inside {owner}, after that struct's fields."

    # -- types ------------------------------------------------------------------------------

    def _struct(self, vmsd: Vmsd, path: str, level: int) -> str:
        """The struct type of ``vmsd`` at nesting ``level`` (declared once per distinct content)."""
        shape = _shape(vmsd)
        if level + _height(vmsd) > MAX_STRUCT_LEVEL + 1:
            shape += f"@{level}"  # cut at a depth that depends on where it is used
        if shape in self.type_by_shape:
            return self.type_by_shape[shape]
        name = self.type_names.take(identifier(vmsd.name, "t"))
        self.type_by_shape[shape] = name
        struct: dict[str, Any] = {"kind": "struct", "doc": "", "fields": []}
        self.types[name] = struct
        names = UniqueNames()
        struct["fields"] = [self._field(f, path, names, level) for f in vmsd.fields or ()]
        struct["doc"] = f"QEMU VMState description {vmsd.name!r} (version_id {vmsd.version_id})."
        struct["annotations"] = {"qemu": {"vmsd": vmsd.name, "version_id": vmsd.version_id}}
        return name

    def _field(self, f: Field, owner: str, names: UniqueNames, level: int) -> dict[str, Any]:
        path = f"{owner}.{f.name}"
        qemu: dict[str, Any] = {"field": f.name, "size": f.size}
        docs: list[str] = []
        type_expr = self._field_type(f, path, qemu, docs, level)
        if f.num is not None:
            type_expr = self._array(f, path, qemu, docs, type_expr)
        if f.unverified:
            qemu["unverified"] = list(f.unverified)
            docs.append(f"Unverified: the dump has key(s) devstate does not know ({', '.join(f.unverified)}).")
            self.report.notes.append(f"{path}: unverified (unknown key {', '.join(f.unverified)})")
        if f.version_id:
            qemu["version_id"] = f.version_id
            docs.append(f"Sent by QEMU from section version {f.version_id} on.")
        if f.field_exists:
            qemu["field_exists"] = True
            docs.append("Saved only when QEMU's field_exists test is true (not expressible in devstate).")
            self.report.notes.append(f"{path}: conditional (field_exists)")
        entry: dict[str, Any] = {"name": names.take(identifier(f.name, "f")), "type": type_expr}
        if docs:
            entry["doc"] = " ".join(docs)
        entry["annotations"] = {"qemu": qemu}
        return entry

    def _field_type(self, f: Field, path: str, qemu: dict[str, Any], docs: list[str], level: int) -> Any:
        if f.description is not None:
            return self._struct_field(f, path, qemu, level + 1)
        if f.size > MAX_COUNT:
            return self._unmapped(path, qemu, REASON_TOO_BIG)
        if f.name == "unused" and f.size > 0:
            qemu["unused"] = True
            docs.append(f"Padding (VMSTATE_UNUSED): {f.size} bytes QEMU writes as zero and ignores.")
            return {"kind": "bytes", "length": f.size}
        if f.size in SCALARS:
            qemu["signedness"] = "unknown"
            return SCALARS[f.size]
        if f.size == 0:
            return self._unmapped(path, qemu, REASON_SIZE0)
        docs.append(f"Opaque: {f.size} bytes (a buffer, or a value with its own QEMU saver).")
        return {"kind": "bytes", "length": f.size}

    def _array(self, f: Field, path: str, qemu: dict[str, Any], docs: list[str], element: Any) -> Any:
        """A ``VMS_ARRAY`` field (``num`` elements of ``size`` bytes): a fixed array of the element type."""
        num = f.num
        assert num is not None
        qemu["num"] = num
        if "unmapped" in qemu:
            return element
        if num == 0 or f.total_size > MAX_COUNT:
            return self._unmapped(path, qemu, REASON_TOO_BIG if num else REASON_EMPTY_ARRAY)
        if not self._fixed_size(element):
            return self._unmapped(path, qemu, REASON_VARIABLE_ELEMENT)
        docs.append(f"An array of {num} elements of {f.size} bytes (num × size = {f.total_size} bytes on the wire).")
        return {"kind": "array", "of": element, "length": num}

    def _fixed_size(self, type_expr: Any) -> bool:
        """Whether a generated type expression has one size (an array element must)."""
        if isinstance(type_expr, str):
            struct = self.types.get(type_expr)
            return struct is None or all(self._fixed_size(f["type"]) for f in struct["fields"])
        if type_expr.get("kind") == "bytes":
            return "length" in type_expr
        if type_expr.get("kind") == "array":
            return "length" in type_expr and self._fixed_size(type_expr["of"])
        return True

    def _struct_field(self, f: Field, path: str, qemu: dict[str, Any], level: int) -> Any:
        nested = f.description
        assert nested is not None
        qemu["struct"] = nested.name
        if not nested.fields:
            return self._unmapped(path, qemu, REASON_EMPTY_STRUCT)
        if level > MAX_STRUCT_LEVEL:
            return self._unmapped(path, qemu, REASON_TOO_DEEP)
        return self._struct(nested, path, level)

    def _unmapped(self, path: str, qemu: dict[str, Any], reason: str) -> dict[str, Any]:
        qemu["unmapped"] = reason
        self.report.notes.append(f"{path}: unmapped ({reason.split(':')[0]})")
        return dict(PLACEHOLDER)
