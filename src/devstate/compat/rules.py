"""The compatibility rules: one stable id per kind of schema change.

Every rule is documented in ``spec/compatibility.md`` under a heading whose anchor is the
lower-cased id (``#ds-f003``); ``Rule.url`` links there. Ids are never reused or
renumbered: a rule that is withdrawn keeps its id and its page section.

Directions follow the schema-registry convention, seen from the *new* schema:

* ``BACKWARD`` — the new reader cannot load (some) state written by the old schema;
* ``FORWARD`` — the old reader cannot load (some) state written by the new schema;
* ``BOTH`` — neither; ``NONE`` — the change does not break loading.

A rule names a kind of change; what one change does to each direction is computed by the
diff (``Change.backward`` / ``Change.forward``, see ``effects``), so the same rule may
break a direction for one field and not for another. ``Rule.direction`` is what the rule's
documented example does. Categories: ``WIRE`` (some valid state does not load, or loads
differently) and ``API`` (every state loads unchanged, but generated code and state JSON
change, e.g. a rename).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

DOCS_URL = "https://devstate.dev/compatibility/"
"""The published page of spec/compatibility.md; each rule is an anchor on it."""


class Direction(StrEnum):
    NONE = "NONE"
    BACKWARD = "BACKWARD"
    FORWARD = "FORWARD"
    BOTH = "BOTH"

    def breaks(self, other: Direction) -> bool:
        """Whether a change in this direction breaks a check in direction ``other``."""
        if self is Direction.NONE or other is Direction.NONE:
            return False
        return self is Direction.BOTH or other is Direction.BOTH or self is other

    @classmethod
    def of(cls, backward: bool, forward: bool) -> Direction:
        if backward and forward:
            return cls.BOTH
        return cls.BACKWARD if backward else cls.FORWARD if forward else cls.NONE


class Category(StrEnum):
    WIRE = "WIRE"
    API = "API"


class Severity(StrEnum):
    INFO = "info"
    WARNING = "warning"
    ERROR = "error"


@dataclass(frozen=True)
class Rule:
    """One kind of change: its stable id, what it breaks and how to avoid it."""

    id: str
    name: str
    title: str
    direction: Direction
    category: Category
    doc: str
    fix: str
    example_old: str
    example_new: str
    check: bool = False
    """A rule of the version-bump check itself (a problem, not a change between schemas)."""
    major_only: bool = False
    """Needs a major version whatever its effects (a minor version may only append fields)."""
    withdrawn: str = ""
    """Not reported any more: what reports the change now."""

    @property
    def anchor(self) -> str:
        return self.id.lower()

    @property
    def url(self) -> str:
        return f"{DOCS_URL}#{self.anchor}"

    @property
    def breaking(self) -> bool:
        """The documented example needs a new major version."""
        return self.direction is not Direction.NONE or self.major_only

    @property
    def severity(self) -> Severity:
        if self.breaking or self.check:
            return Severity.ERROR
        return Severity.WARNING if self.category is Category.API else Severity.INFO

    @property
    def label(self) -> str:
        return f"{self.id} {self.name}"


RULES: dict[str, Rule] = {}
"""Every rule by id, in documentation order."""


def _rule(id: str, name: str, title: str, direction: Direction, category: Category,
          doc: str, fix: str, old: str, new: str, check: bool = False, major_only: bool = False,
          withdrawn: str = "") -> Rule:
    rule = Rule(id, name, title, direction, category, doc, fix, old.strip("\n"), new.strip("\n"), check,
                major_only, withdrawn)
    assert id not in RULES and all(r.name != name for r in RULES.values()), id
    RULES[id] = rule
    return rule


N, B, F, X = Direction.NONE, Direction.BACKWARD, Direction.FORWARD, Direction.BOTH
W, A = Category.WIRE, Category.API

_STRUCT_OLD = """
types:
  queue:
    kind: struct
    fields:
      - {name: size, type: u16}
      - {name: addr, type: u64}
"""

# --- struct fields ------------------------------------------------------------------------

FIELD_APPENDED = _rule(
    "DS-F001", "field-appended", "field appended at the end of a struct", N, W,
    "A field is appended at the end of a struct. Marked `since` a minor version of the new "
    "major, with a default that encodes as zero bytes (which `validate` requires of such a "
    "field), it breaks nothing: a new reader fills it with the default when it loads older "
    "state, and an old reader accepts newer state *while the field holds its default* (the "
    "unknown tail is zero) and refuses it, naming the offset, otherwise — the conditional "
    "verdict every minor version has. The same change without `since` (every field of a "
    "new major version, or a forgotten marker) is a base field: the new reader requires it "
    "and refuses older state that ends before it (BACKWARD). A default that does not encode "
    "as zero bytes (a non-zero number, a struct with its u32 size, an array of structs with "
    "its stride, a range without 0) leaves the old reader loading only states holding zero, "
    "or none (FORWARD). The rule id is the same whatever the version bump; the directions "
    "say what this field does.",
    "Nothing to do for a field marked `since` with a zero default. Document what the "
    "default (old behaviour) means.",
    _STRUCT_OLD,
    _STRUCT_OLD + '      - {name: wrap, type: bool, since: "1.1"}\n',
)
FIELD_APPENDED_NONZERO = _rule(
    "DS-F002", "field-appended-nonzero-default", "field appended whose default is not zero bytes", F, W,
    "A field is appended at the end of a struct, but its default does not encode as zero "
    "bytes: a non-zero scalar or enum member, a nested struct (its u32 size prefix is never "
    "zero), a fixed array of structs (its stride). An old reader refuses the non-zero tail, "
    "so it refuses every state the new version writes, even with the field at its default.",
    "Choose a default that encodes as zero (invert the meaning of a bool, store an offset "
    "from the old constant, append the nested struct's fields one by one); otherwise bump "
    "the major version.",
    _STRUCT_OLD,
    _STRUCT_OLD + "      - {name: mtu, type: u16, default: 1500}\n",
    withdrawn="DS-F001",
)
FIELD_REMOVED = _rule(
    "DS-F003", "field-removed", "field removed", X, W,
    "A field of the old struct no longer exists. Removed from the middle (the example), it "
    "moves every later field on the wire, so neither version loads the other's state. "
    "Removed from the end, the new reader loads old state while the field holds zero bytes "
    "(it accepts a zero tail), and older readers fill the field's default if it was "
    "appended in a minor version (marked `since`), or refuse new state that lacks it if it "
    "was a base field. It needs a major version either way: a minor version may only append.",
    "Keep the field and document it as unused (always its default), or bump the major "
    "version and register a migration function.",
    _STRUCT_OLD,
    """
types:
  queue:
    kind: struct
    fields:
      - {name: addr, type: u64}
""",
    major_only=True,
)
FIELD_INSERTED = _rule(
    "DS-F004", "field-inserted", "field inserted before existing fields", X, W,
    "A new field is placed before fields that existed in the old version. Fields after it "
    "move on the wire; only appending at the end is compatible.",
    "Move the new field to the end of the struct and mark it `since` the new minor version.",
    _STRUCT_OLD,
    """
types:
  queue:
    kind: struct
    fields:
      - {name: size, type: u16}
      - {name: flags, type: u8}
      - {name: addr, type: u64}
""",
)
FIELDS_REORDERED = _rule(
    "DS-F005", "field-reordered", "fields reordered", X, W,
    "Fields that exist in both versions appear in a different order. The wire is positional, "
    "so bytes are read into the wrong fields.",
    "Restore the old order; order in the file is wire order, not presentation order.",
    _STRUCT_OLD,
    """
types:
  queue:
    kind: struct
    fields:
      - {name: addr, type: u64}
      - {name: size, type: u16}
""",
)
FIELD_RENAMED = _rule(
    "DS-F006", "field-renamed", "field renamed", N, A,
    "A field keeps its position and type but has a new name. The wire is unchanged; "
    "generated code and state JSON use the new name, so code written against the old "
    "codec no longer compiles.",
    "Keep the old name, or accept the API change and note it in the changelog.",
    _STRUCT_OLD,
    """
types:
  queue:
    kind: struct
    fields:
      - {name: size, type: u16}
      - {name: desc_addr, type: u64}
""",
)
RANGE_NARROWED = _rule(
    "DS-F007", "range-narrowed", "min/max narrowed", B, W,
    "A field's `min` was raised or its `max` lowered. Constraints are checked on decode, so "
    "the new reader refuses old state holding a value outside the new range.",
    "Keep the old range; check the tighter limit in the device, not in the format.",
    "      - {name: size, type: u16, max: 32768}",
    "      - {name: size, type: u16, max: 1024}",
)
RANGE_WIDENED = _rule(
    "DS-F008", "range-widened", "min/max widened", F, W,
    "A field's `min` was lowered or its `max` raised (or a limit removed). The new writer "
    "may store a value the old reader refuses.",
    "Bump the major version, or keep the old limit until every reader is upgraded.",
    "      - {name: size, type: u16, max: 1024}",
    "      - {name: size, type: u16, max: 32768}",
)
DEFAULT_CHANGED = _rule(
    "DS-F009", "default-changed", "field default changed", N, A,
    "The default of a field that is not appended changed. Defaults are not on the wire for "
    "such fields, but generated constructors and converted state use them.",
    "Keep the old default unless it was wrong; say why in the changelog.",
    "      - {name: mtu, type: u16, default: 1500}",
    "      - {name: mtu, type: u16, default: 9000}",
)

FIELD_APPENDED_WITHOUT_SINCE = _rule(
    "DS-F010", "field-appended-without-since", "field appended without a `since` marker", B, W,
    "A field is appended at the end of a struct but not marked `since` a minor version of "
    "the new schema's major, so it counts as a base field: the new reader requires it and "
    "refuses older state whose struct body ends before it (it fills only fields marked "
    "`since` with defaults). In a new major version every field is a base field, which is "
    "why a major version needs a migration function.",
    "Mark the field `since` the new minor version (its default must encode as zero).",
    _STRUCT_OLD,
    _STRUCT_OLD + "      - {name: wrap, type: bool}\n",
    withdrawn="DS-F001",
)

SINCE_REMOVED = _rule(
    "DS-F011", "since-removed", "`since` marker removed from an appended field", B, W,
    "A field appended in a minor version loses its `since` marker in a later minor version "
    "of the same major, so it becomes a base field. State of the version just before loads "
    "(it has the field), but state of the minor versions before the field was appended does "
    "not: the new reader requires the field and refuses that state (STRUCT_TOO_SHORT). The "
    "pair's own directions are fine; the history breaks BACKWARD, so `compat --all`, "
    "`--transitive` and the modes report it. (In a new major version every field is a base "
    "field, and markers of the previous major mean nothing: not reported there.)",
    "Keep the `since` marker as long as the major version lasts.",
    _STRUCT_OLD + '      - {name: wrap, type: bool, since: "1.1"}\n',
    _STRUCT_OLD + "      - {name: wrap, type: bool}\n",
    major_only=True,
)

# --- types --------------------------------------------------------------------------------

TYPE_CHANGED = _rule(
    "DS-T001", "type-changed", "type changed", X, W,
    "A field, array element or section payload changed kind (scalar, struct, enum, flags, "
    "fixed or counted array, bytes, string). Between kinds of another size or framing (the "
    "example) the bytes no longer mean the same thing. Between bool, an integer, an enum and "
    "a flags type of the same size the bytes stay where they were and are read in place: the "
    "directions name the values that keep their meaning (a u8 read as bool loads while it "
    "is 0 or 1; an enum read as its base integer always loads), and a change that every "
    "value survives both ways is reported as API only (generated code and state JSON change). "
    "An opaque vendor section given a typed payload (or the reverse): the typed reader refuses "
    "arbitrary opaque bytes, while the opaque reader keeps the typed payload's bytes unchanged "
    "when its largest encoding fits the opaque `max`.",
    "Add a new field with the new type (appended, `since` the new minor version) and keep "
    "the old one, or bump the major version.",
    "      - {name: mac, type: u64}",
    "      - {name: mac, type: u8[6]}",
)
WIDTH_CHANGED = _rule(
    "DS-T002", "width-changed", "integer width changed", X, W,
    "A scalar (or the base of an enum or flags type) changed size, e.g. u16 to u32. Every "
    "later byte moves. For the last field of a struct, a narrower reader reads the low bytes "
    "of a wider value and accepts the rest as the struct's tail while it is zero: it loads "
    "the new state while the value fits (a flags base widened with no new bit always loads).",
    "Append a wider field and keep the old one (or bump the major version).",
    "      - {name: size, type: u16}",
    "      - {name: size, type: u32}",
)
SIGNEDNESS_CHANGED = _rule(
    "DS-T003", "signedness-changed", "signedness changed", X, W,
    "An integer kept its width but changed between signed and unsigned. The same bytes mean "
    "the same value only in the common range; outside it a reader loads another value "
    "without any error (a silent condition).",
    "Keep the old signedness; add a new field if the range must change.",
    "      - {name: delta, type: u32}",
    "      - {name: delta, type: i32}",
)
MAX_WIDENED = _rule(
    "DS-T004", "max-widened", "counted array, bytes or string max raised", F, W,
    "The declared `max` of a counted array, counted bytes or string grew. The new reader "
    "loads all old state; the new writer may write more elements than the old maximum, "
    "which the old reader refuses on decode.",
    "Bump the major version, or keep the old maximum and negotiate the larger size with a "
    "migration parameter (the pre-migration check then refuses an old destination).",
    "  - {id: 2, name: queues, type: {kind: array, of: queue, max: 64}}",
    "  - {id: 2, name: queues, type: {kind: array, of: queue, max: 1024}}",
)
MAX_NARROWED = _rule(
    "DS-T005", "max-narrowed", "counted array, bytes or string max lowered", B, W,
    "The declared `max` of a counted array, counted bytes or string shrank. The new reader "
    "refuses old state with more elements than the new maximum.",
    "Keep the old maximum.",
    "  - {id: 2, name: queues, type: {kind: array, of: queue, max: 1024}}",
    "  - {id: 2, name: queues, type: {kind: array, of: queue, max: 64}}",
)
LENGTH_CHANGED = _rule(
    "DS-T006", "length-changed", "fixed array or bytes length changed", X, W,
    "A fixed-length array or fixed bytes changed length, so its encoded size changes and "
    "every later byte moves.",
    "Append a new field with the new length, or use a counted array with a `max`.",
    "      - {name: key, type: u8[40]}",
    "      - {name: key, type: u8[52]}",
)
TYPE_RENAMED = _rule(
    "DS-T007", "type-renamed", "named type renamed", N, A,
    "A field or section refers to a struct, enum or flags type with another name but the "
    "same layout. The wire is unchanged; generated type names change. (Moving a type into "
    "an import under the same name is not a change at all.)",
    "Keep the old name, or accept the API change and note it in the changelog.",
    "      - {name: q, type: queue}",
    "      - {name: q, type: virtqueue}",
)
TYPE_REMOVED = _rule(
    "DS-T008", "type-removed", "library type removed", N, A,
    "A types-only (library) schema no longer declares a type that importers may use. "
    "Existing state is unaffected, but schemas that import the type no longer load.",
    "Keep the type; mark it deprecated in its doc.",
    "types: {queue: {kind: struct, fields: [{name: size, type: u16}]}}",
    "types: {}",
)

# --- enums --------------------------------------------------------------------------------

_ENUM_OLD = "  mode: {kind: enum, base: u8, values: {off: 0, on: 1}}"

ENUM_VALUE_ADDED_OPEN = _rule(
    "DS-E001", "enum-value-added-open", "value added to an open enum", N, W,
    "An open enum accepts undeclared values on decode, so an old reader loads state that "
    "holds the new value (and keeps it as a number).",
    "Nothing to do.",
    "  mode: {kind: enum, base: u8, open: true, values: {off: 0, on: 1}}",
    '  mode: {kind: enum, base: u8, open: true, values: {off: 0, on: 1, auto: {value: 2, since: "1.1"}}}',
)
ENUM_VALUE_ADDED_CLOSED = _rule(
    "DS-E002", "enum-value-added-closed", "value added to a closed enum", F, W,
    "A closed enum refuses undeclared values on decode, so an old reader refuses state that "
    "holds the new value.",
    "Declare the enum `open: true` from its first version if it is expected to grow, or "
    "bump the major version.",
    _ENUM_OLD,
    "  mode: {kind: enum, base: u8, values: {off: 0, on: 1, auto: 2}}",
)
ENUM_VALUE_REMOVED = _rule(
    "DS-E003", "enum-value-removed", "value removed from a closed enum", B, W,
    "The new (closed) enum no longer declares a value, so the new reader refuses old state "
    "that holds it.",
    "Keep the value and document it as deprecated.",
    _ENUM_OLD,
    "  mode: {kind: enum, base: u8, values: {off: 0}}",
)
ENUM_VALUE_REMOVED_OPEN = _rule(
    "DS-E004", "enum-value-removed-open", "value removed from an open enum", N, A,
    "An open enum accepts the number anyway, so loading still works; generated code loses "
    "the constant.",
    "Keep the value and document it as deprecated.",
    "  mode: {kind: enum, base: u8, open: true, values: {off: 0, on: 1}}",
    "  mode: {kind: enum, base: u8, open: true, values: {off: 0}}",
)
ENUM_VALUE_RENUMBERED = _rule(
    "DS-E005", "enum-value-renumbered", "enum value renumbered", X, W,
    "A value kept its name but changed its number: the same bytes now mean another member.",
    "Restore the old number; add a new member if a new number is needed.",
    _ENUM_OLD,
    "  mode: {kind: enum, base: u8, values: {off: 0, on: 2}}",
)
ENUM_VALUE_RENAMED = _rule(
    "DS-E006", "enum-value-renamed", "enum value renamed", N, A,
    "A number kept its meaning under a new name. The wire is unchanged; generated constants "
    "and state JSON change.",
    "Keep the old name, or accept the API change.",
    _ENUM_OLD,
    "  mode: {kind: enum, base: u8, values: {off: 0, enabled: 1}}",
)
ENUM_CLOSED = _rule(
    "DS-E007", "enum-closed", "open enum made closed", B, W,
    "The new reader refuses undeclared values that the old (open) enum accepted and old "
    "writers may have stored.",
    "Keep the enum open.",
    "  mode: {kind: enum, base: u8, open: true, values: {off: 0}}",
    "  mode: {kind: enum, base: u8, values: {off: 0}}",
)
ENUM_OPENED = _rule(
    "DS-E008", "enum-opened", "closed enum made open", F, W,
    "The new writer may store undeclared values, which the old (closed) enum refuses.",
    "Open an enum only in a new major version (or declare it open from the start).",
    "  mode: {kind: enum, base: u8, values: {off: 0}}",
    "  mode: {kind: enum, base: u8, open: true, values: {off: 0}}",
)

# --- flags --------------------------------------------------------------------------------

_FLAGS_OLD = "  rx: {kind: flags, base: u8, bits: {promisc: 0, allmulti: 1}}"

FLAG_ADDED = _rule(
    "DS-B001", "flag-added", "flag bit added", F, W,
    "Undeclared bits must be zero on decode, so an old reader refuses state in which the new "
    "bit is set (it loads state in which it is clear).",
    "Bump the major version, or add a bool field appended with `since` if the old "
    "behaviour must remain loadable by old readers while the bit is clear.",
    _FLAGS_OLD,
    '  rx: {kind: flags, base: u8, bits: {promisc: 0, allmulti: 1, nouni: {bit: 2, since: "1.1"}}}',
)
FLAG_REMOVED = _rule(
    "DS-B002", "flag-removed", "flag bit removed", B, W,
    "The new reader refuses old state in which the removed bit is set.",
    "Keep the bit and document it as reserved.",
    _FLAGS_OLD,
    "  rx: {kind: flags, base: u8, bits: {promisc: 0}}",
)
FLAG_MOVED = _rule(
    "DS-B003", "flag-moved", "flag bit renumbered", X, W,
    "A flag kept its name but uses another bit: the same bytes mean other flags.",
    "Restore the old bit number.",
    _FLAGS_OLD,
    "  rx: {kind: flags, base: u8, bits: {promisc: 0, allmulti: 3}}",
)
FLAG_RENAMED = _rule(
    "DS-B004", "flag-renamed", "flag bit renamed", N, A,
    "A bit kept its number under a new name; the wire is unchanged, generated code changes.",
    "Keep the old name, or accept the API change.",
    _FLAGS_OLD,
    "  rx: {kind: flags, base: u8, bits: {promisc: 0, all_multicast: 1}}",
)

# --- sections -----------------------------------------------------------------------------

_SECTIONS_OLD = "sections:\n  - {id: 1, name: common, type: common}"

SECTION_ADDED_OPTIONAL = _rule(
    "DS-S001", "section-added-optional", "optional section added", N, W,
    "An old reader skips an unknown optional section (its state is lost on that reader): it "
    "loads new state unchanged while the section is absent. A new reader loads old state "
    "without it.",
    "Nothing to do.",
    _SECTIONS_OLD,
    _SECTIONS_OLD + '\n  - {id: 3, name: rss, type: rss, optional: true, since: "1.1"}',
)
SECTION_ADDED_REQUIRED = _rule(
    "DS-S002", "section-added-required", "required section added", X, W,
    "An old reader refuses an unknown required section, and a new reader refuses old state "
    "that lacks it.",
    "Mark the section `optional: true` (and `since` the new minor version).",
    _SECTIONS_OLD,
    _SECTIONS_OLD + "\n  - {id: 3, name: rss, type: rss}",
)
SECTION_REMOVED = _rule(
    "DS-S003", "section-removed", "required section removed", X, W,
    "The new reader refuses old state carrying the section (unknown and required), and an "
    "old reader refuses new state that lacks it.",
    "Keep the section, or make it optional first (itself a major change) and remove it in a "
    "later major version.",
    _SECTIONS_OLD + "\n  - {id: 2, name: stats, type: stats}",
    _SECTIONS_OLD,
)
SECTION_REMOVED_OPTIONAL = _rule(
    "DS-S004", "section-removed-optional", "optional section removed", N, W,
    "The new reader skips the unknown optional section in old state, so loading works both "
    "ways, but the state it carried is dropped: the new reader loads old state unchanged "
    "while the section is absent. Generated code loses it.",
    "Keep the section if a destination needs its content.",
    _SECTIONS_OLD + "\n  - {id: 2, name: stats, type: stats, optional: true}",
    _SECTIONS_OLD,
)
SECTION_ID_CHANGED = _rule(
    "DS-S005", "section-id-changed", "section id changed", X, W,
    "Sections are identified on the wire by id only: a section with a new id is unknown to "
    "the other version, and the old id is missing. A required section (the example) is "
    "refused both ways. An optional one is worse: both versions load the other's state "
    "without an error and silently drop the section, whose state is lost (a silent "
    "condition: loads unchanged only while it is absent). The same holds for a vendor "
    "section moved to another id or vendor namespace.",
    "Restore the old id; ids are forever.",
    _SECTIONS_OLD,
    "sections:\n  - {id: 7, name: common, type: common}",
)
SECTION_MADE_OPTIONAL = _rule(
    "DS-S006", "section-made-optional", "required section made optional", X, W,
    "The OPTIONAL flag travels in every section header and a reader refuses a known section "
    "whose flag differs from its own declaration; the new writer may also omit the section, "
    "which the old reader requires.",
    "Keep it required, or bump the major version.",
    _SECTIONS_OLD,
    "sections:\n  - {id: 1, name: common, type: common, optional: true}",
)
SECTION_MADE_REQUIRED = _rule(
    "DS-S007", "section-made-required", "optional section made required", X, W,
    "The new reader requires a section that old writers may omit, and the OPTIONAL flag in "
    "the section header no longer matches either reader's declaration.",
    "Keep it optional.",
    "sections:\n  - {id: 1, name: common, type: common, optional: true}",
    _SECTIONS_OLD,
)
SECTION_RENAMED = _rule(
    "DS-S008", "section-renamed", "section renamed", N, A,
    "A section kept its id under a new name. The wire is unchanged; generated code and "
    "state JSON change.",
    "Keep the old name, or accept the API change.",
    _SECTIONS_OLD,
    "sections:\n  - {id: 1, name: virtio, type: common}",
)

# --- vendor sections ----------------------------------------------------------------------

_VENDOR = "vendor_sections:\n  - {id: 1, name: fw, vendor: {pci: 0x15b3}, opaque: true, max: 4096"

VENDOR_ADDED = _rule(
    "DS-V001", "vendor-section-added", "optional vendor section added", N, W,
    "A destination that does not know the vendor section skips it; the vendor state it "
    "carries is lost on such a destination (the pre-migration check reports this).",
    "Nothing to do; keep vendor sections optional where the device can do without them.",
    "vendor_sections: []",
    _VENDOR + ", optional: true}",
)
VENDOR_ADDED_REQUIRED = _rule(
    "DS-V002", "vendor-section-added-required", "required vendor section added", X, W,
    "An old reader refuses the unknown required vendor section, and a new reader refuses "
    "old state that lacks it.",
    "Mark the vendor section `optional: true`.",
    "vendor_sections: []",
    _VENDOR + "}",
)
VENDOR_REMOVED = _rule(
    "DS-V003", "vendor-section-removed", "required vendor section removed", X, W,
    "The new reader refuses old state carrying the (required, now unknown) vendor section; "
    "the old reader refuses new state that lacks it.",
    "Keep the vendor section in the schema.",
    _VENDOR + "}",
    "vendor_sections: []",
)
VENDOR_REMOVED_OPTIONAL = _rule(
    "DS-V004", "vendor-section-removed-optional", "optional vendor section removed", N, W,
    "The new reader skips the unknown optional vendor section in old state; its state is "
    "dropped on migration (it loads old state unchanged while the section is absent).",
    "Keep it if destinations need its content.",
    _VENDOR + ", optional: true}",
    "vendor_sections: []",
)

# --- migration parameters -----------------------------------------------------------------

_PARAM_OLD = "params:\n  max-queue-pairs: {type: u16, default: 1, max: 64}"

PARAM_ADDED = _rule(
    "DS-P001", "param-added", "migration parameter added", N, W,
    "An absent parameter means its default, the old behaviour, so old sources migrate to new "
    "destinations; a new source that uses a non-default value is refused by the "
    "pre-migration check on an old destination.",
    "Nothing to do; make sure the default is exactly the old behaviour.",
    "params: {}",
    _PARAM_OLD,
)
PARAM_REMOVED = _rule(
    "DS-P002", "param-removed", "migration parameter removed", B, W,
    "A new destination no longer knows the parameter, so an old source that uses a "
    "non-default value cannot migrate to it (the pre-migration check refuses it): new "
    "destinations must keep accepting what old sources may use.",
    "Keep the parameter (its values can be documented as deprecated).",
    _PARAM_OLD,
    "params: {}",
)
PARAM_DEFAULT_CHANGED = _rule(
    "DS-P003", "param-default-changed", "migration parameter default changed", X, W,
    "Absence of the parameter now means another behaviour, so a source and destination of "
    "different versions disagree about a device that does not set it.",
    "Keep the default; the default is the old behaviour by definition.",
    _PARAM_OLD,
    "params:\n  max-queue-pairs: {type: u16, default: 4, max: 64}",
)
PARAM_NARROWED = _rule(
    "DS-P004", "param-values-narrowed", "migration parameter values narrowed", B, W,
    "The new version accepts fewer values (`allowed` shrank, `min` rose or `max` fell), so "
    "an old source using a dropped value cannot migrate to a new destination.",
    "Keep accepting the old values.",
    _PARAM_OLD,
    "params:\n  max-queue-pairs: {type: u16, default: 1, max: 16}",
)
PARAM_WIDENED = _rule(
    "DS-P005", "param-values-widened", "migration parameter values widened", N, W,
    "The new version accepts more values. Sources using the new values are refused on old "
    "destinations by the pre-migration check, which is the intended behaviour.",
    "Nothing to do.",
    "params:\n  max-queue-pairs: {type: u16, default: 1, max: 16}",
    _PARAM_OLD,
)
PARAM_TYPE_CHANGED = _rule(
    "DS-P006", "param-type-changed", "migration parameter type changed", X, W,
    "The parameter's values are of another type. Values compare with their JSON type, so "
    "between a number and a bool or string (the example) no value carries over. Between two "
    "integer types, the values both accept carry over: a type change that keeps every "
    "accepted value (u16 to u32 with the same range) breaks nothing and is reported as API.",
    "Add a parameter with a new name and keep the old one.",
    _PARAM_OLD,
    "params:\n  max-queue-pairs: {type: string, default: \"1\"}",
)

# --- model and version --------------------------------------------------------------------

MODEL_CHANGED = _rule(
    "DS-M001", "model-changed", "model id changed", X, W,
    "The DSF header carries the model id and a reader refuses state of another model. "
    "Compared only with `--allow-model-change`.",
    "Keep the model id; a new id is a new device model.",
    "model: org.example.net",
    "model: com.example.net",
)
VERSION_NOT_INCREASED = _rule(
    "DS-M002", "version-not-increased", "version not increased", N, A,
    "The new schema's version is not greater than the old one's although the schema "
    "changed. Published versions are immutable.",
    "Give the changed schema a new version (a new file), minor or major as the changes "
    "require.",
    'version: "1.1"',
    'version: "1.1"   # but fields changed',
    check=True,
)
MAJOR_BUMP_REQUIRED = _rule(
    "DS-M003", "major-bump-required", "change needs a major version", N, A,
    "The version-bump check: the new version is a minor bump (same major) but a change in "
    "it breaks loading in some direction. The message names the rule of that change.",
    "Bump the major version (`2.0`) and register a migration function, or avoid the change.",
    'version: "1.0"',
    'version: "1.1"   # with a field removed',
    check=True,
)

MAJOR_MISMATCH = _rule(
    "DS-M004", "major-mismatch", "major versions differ", N, A,
    "The two versions have different major numbers. A reader refuses state whose header "
    "names another major version (`MAJOR_MISMATCH`), whatever the changes between them, so "
    "`--mode backward`, `forward` and `full` fail across majors unless a migration function "
    "registered for the model converts the state in the direction the mode needs: then the "
    "verdict is \"compatible through `devstate convert`\" and names the route. (`--mode "
    "semver` allows a major bump; it notes whether a conversion connects the majors.)",
    "Register a migration function for the version pair (see Writing a migration function), "
    "or check versions of one major.",
    'version: "1.1"',
    'version: "2.0"',
    check=True,
)


def rule(rule_id: str) -> Rule:
    """The rule with this id (``KeyError`` for an unknown id)."""
    return RULES[rule_id]
