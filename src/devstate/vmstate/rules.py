"""The QEMU VMState compatibility rules: one stable id (``QV-...``) per kind of difference.

Every rule is documented in ``spec/qemu-vmstate.md`` under a heading whose anchor is the
lower-cased id (``#qv-f001``). Ids are never reused or renumbered.

Unlike schema rules, a VMState rule has no fixed direction: whether a difference breaks
the *backward* migration (old QEMU → new QEMU: the new destination loads old state) or
the *forward* one (new → old) is computed for each finding by replaying QEMU's loader
both ways. The severity is fixed per rule:

* ``error`` — the destination refuses or misreads the (sub)section whenever it is sent;
* ``warning`` — it breaks only when a runtime test the dump does not show is true on the
  source (a subsection's ``needed()``, a field's ``field_exists()``);
* ``info`` — a difference a real migration tolerates (printed with ``--all``).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

DOCS_URL = "https://devstate.dev/qemu-vmstate/"
"""The published page of spec/qemu-vmstate.md; each rule is an anchor on it."""


class Direction(StrEnum):
    """Which migration a finding breaks (the values of ``devstate compat``)."""

    NONE = "NONE"
    BACKWARD = "BACKWARD"
    """Old QEMU → new QEMU: the new destination loads state the old source saved."""
    FORWARD = "FORWARD"
    """New QEMU → old QEMU: the old destination loads state the new source saved."""
    BOTH = "BOTH"

    def union(self, other: Direction) -> Direction:
        found = {self, other} - {Direction.NONE}
        if not found:
            return Direction.NONE
        return found.pop() if len(found) == 1 else Direction.BOTH

    def covers(self, wanted: Direction) -> bool:
        """Whether a finding in this direction matters to a check of ``wanted``."""
        if self is Direction.NONE or wanted is Direction.NONE:
            return self is wanted
        return self is Direction.BOTH or wanted is Direction.BOTH or self is wanted


class Severity(StrEnum):
    INFO = "info"
    WARNING = "warning"
    ERROR = "error"


@dataclass(frozen=True)
class QvRule:
    """One kind of difference between two VMState descriptions."""

    id: str
    name: str
    severity: Severity
    title: str
    qemu_effect: str
    """What QEMU's loader does, in its own words where it prints an error."""

    @property
    def anchor(self) -> str:
        return self.id.lower()

    @property
    def url(self) -> str:
        return f"{DOCS_URL}#{self.anchor}"


QV_RULES: dict[str, QvRule] = {}
"""Every rule by id, in documentation order."""


def _rule(id: str, name: str, severity: Severity, title: str, effect: str) -> QvRule:
    rule = QvRule(id, name, severity, title, effect)
    assert id not in QV_RULES and all(r.name != name for r in QV_RULES.values()), id
    QV_RULES[id] = rule
    return rule


E, W, I = Severity.ERROR, Severity.WARNING, Severity.INFO  # noqa: E741

# --- machine --------------------------------------------------------------------------------

MACHINE_MISMATCH = _rule(
    "QV-M001", "machine-type-mismatch", E, "the stream's machine type is not the destination's",
    "\"Machine type received is 'X' and local is 'Y'\": the configuration section fails to load. Stream checks only.",
)

# --- sections -------------------------------------------------------------------------------

SECTION_REMOVED = _rule(
    "QV-S001", "section-removed", E, "device type removed",
    "The destination has no handler for the section: \"Unknown savevm section or instance\".",
)
SECTION_ADDED = _rule(
    "QV-S002", "section-added", E, "device type added",
    "The old QEMU cannot create the device, nor load its section.",
)
SECTION_RENAMED = _rule(
    "QV-S003", "section-renamed", E, "VMState name of the device changed",
    "The section id on the wire is the VMState name: \"Unknown savevm section or instance\".",
)
SECTION_UNMIGRATABLE = _rule(
    "QV-S004", "section-unmigratable", E, "device migratable on one side only",
    "A description without fields is unmigratable: QEMU blocks the migration.",
)
DEVICE_TYPE_MISSING = _rule(
    "QV-S005", "device-type-missing", W, "a device type one side lacks, whose section the other side loads",
    "The section is known by its VMState name, so its state loads; but a VM that uses this device type cannot "
    "be started on the side that lacks it (abstract types, which no VM uses, are reported too).",
)
SECTION_OUTSIDE_TYPES = _rule(
    "QV-S006", "section-outside-types", I, "a section one dump does not show because it is saved outside a type",
    "Some releases save a device's state with vmstate_register() rather than through its type's VMState, so "
    "the dump does not list it; the section still loads (piix3-ide and piix4-ide before QEMU 8.1).",
)

# --- version window -------------------------------------------------------------------------

VERSION_TOO_NEW = _rule(
    "QV-V001", "version-too-new", E, "source version_id above the destination's version_id",
    "\"incoming version_id N is too new for local version_id M\"; the load fails.",
)
VERSION_TOO_OLD = _rule(
    "QV-V002", "version-too-old", E, "source version_id below the destination's minimum_version_id",
    "\"incoming version_id N is too old for local minimum version_id M\"; the load fails.",
)

# --- fields ---------------------------------------------------------------------------------

FIELD_REMOVED = _rule(
    "QV-F001", "field-removed", E, "field removed",
    "The stream is positional: the bytes of the missing field are read into the next fields.",
)
FIELD_ADDED = _rule(
    "QV-F002", "field-added", E, "field added that the other side does not skip",
    "The destination reads bytes the source never wrote (or skips bytes it did write).",
)
FIELD_SIZE = _rule(
    "QV-F003", "field-size-changed", E, "field size changed",
    "Every later byte of the section is misread (for arrays: the element size changed).",
)
FIELD_KIND = _rule(
    "QV-F004", "field-kind-changed", E, "field changed between a nested struct and a plain value",
    "The destination reads a different layout at that place.",
)
FIELD_MOVED = _rule(
    "QV-F005", "field-moved", E, "fields reordered",
    "Bytes are read into the wrong fields.",
)
FIELD_VERSION = _rule(
    "QV-F006", "field-version-changed", E, "field version_id changed so one side skips it",
    "The destination reads only fields whose version_id is at most the stream's version.",
)
FIELD_CONDITION = _rule(
    "QV-F007", "field-condition-changed", W, "field_exists test added or removed",
    "With a test, the field is saved and loaded only when the test is true on each side.",
)
CONDITIONAL_FIELD_REMOVED = _rule(
    "QV-F008", "conditional-field-removed", W, "field guarded by field_exists removed",
    "Breaks when the test is true on the side that still has the field.",
)
CONDITIONAL_FIELD_ADDED = _rule(
    "QV-F009", "conditional-field-added", W, "field guarded by field_exists added",
    "Breaks when the test is true on the side that has the field.",
)
FIELD_RENAMED = _rule(
    "QV-F010", "field-renamed", I, "field renamed in place, same size",
    "Names are not on the wire; the stream is unchanged.",
)
FIELD_UNUSED = _rule(
    "QV-F011", "field-unused", I, "fields turned into VMSTATE_UNUSED padding (or back), same size",
    "The stream is unchanged; padding is written as zeros and skipped on load.",
)
VERSIONED_FIELD_ADDED = _rule(
    "QV-F012", "versioned-field-added", I, "field added with a version_id above the old version",
    "The old source never sends it; the new destination skips it when loading older versions.",
)
STRUCT_RENAMED = _rule(
    "QV-F013", "struct-renamed", I, "nested description renamed",
    "A nested struct has no header on the wire; only its fields count.",
)
STRUCT_FLATTENED = _rule(
    "QV-F014", "struct-flattened", I, "fields moved into or out of a nested struct, same bytes",
    "A nested struct has no header on the wire: the same fields in the same order are the same stream.",
)
FIELD_MISREAD = _rule(
    "QV-F015", "field-misread", W, "a value of the stream may be read into a conditional field of another name",
    "The bytes fit only if the destination reads a sent value into a field_exists-guarded field of another name "
    "that it also has: the load may succeed with values in the wrong fields. Stream checks only.",
)

# --- subsections ----------------------------------------------------------------------------

SUBSECTION_ADDED = _rule(
    "QV-U001", "subsection-added", W, "subsection added",
    "The old destination fails on an unknown subsection (-ENOENT) when the source sends it, "
    "that is when its needed() test is true (or it has none).",
)
SUBSECTION_REMOVED = _rule(
    "QV-U002", "subsection-removed", W, "subsection removed",
    "The new destination fails on the old source's subsection when the old needed() is true.",
)
SUBSECTION_UNKNOWN = _rule(
    "QV-U003", "subsection-unknown", E, "a subsection in the stream that the destination does not know",
    "The loader looks the subsection up by name and fails the load (-ENOENT). Stream checks only.",
)
