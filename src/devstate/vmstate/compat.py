"""Comparing two QEMU VMState descriptions by replaying QEMU's loader both ways.

QEMU's stream is positional and untagged: for each field of the destination's
description, in order, the loader reads the field when ``field_exists()`` says so or,
without a test, when the field's ``version_id`` is at most the stream's version; the
source writes every field of its own description the same way. A nested struct
(``VMSTATE_STRUCT``) is loaded with the destination's own struct version. After the
fields come subsections, each named and versioned; a subsection the destination does
not know fails the load, one the source did not send is simply not loaded.

Devices are matched the way the loader finds a section: by VMState name (the part of the
section name after the QOM path), not by QOM type name, so a device that moved between
registration styles, abstract types or loadable modules is still the same section. Nested
structs carry no header on the wire, so each description is compared flattened: the leaves
of its nested structs in wire order (each struct filtered by its own version, as QEMU loads
it), then the subsections of those structs (matched by name), then its own subsections.

``compare_dumps`` runs that model for the backward migration (source = OLD,
destination = NEW) and the forward one (source = NEW, destination = OLD) and reports
each difference once, with the directions it breaks (see ``devstate.vmstate.rules``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from difflib import SequenceMatcher

from devstate.vmstate import rules as R
from devstate.vmstate.dump import Device, Dump, Field, Vmsd, iter_fields
from devstate.vmstate.rules import Direction, QvRule, Severity


@dataclass(frozen=True)
class Finding:
    """One difference: the rule, the device, where in it, and the directions it breaks."""

    rule: QvRule
    device: str
    path: str
    """Inside the device: ``parent_obj.config``, ``<e1000/full_mac_state>.mac_reg``; empty
    for the section itself."""
    detail: str
    direction: Direction

    @property
    def severity(self) -> Severity:
        return self.rule.severity

    @property
    def where(self) -> str:
        return f"{self.device} {self.path}" if self.path else self.device

    @property
    def message(self) -> str:
        return f"{self.where}: {self.detail}"

    def to_json(self) -> dict[str, object]:
        return {
            "rule": self.rule.id,
            "name": self.rule.name,
            "severity": self.severity.value,
            "direction": self.direction.value,
            "device": self.device,
            "path": self.path,
            "detail": self.detail,
            "message": self.message,
            "url": self.rule.url,
        }


@dataclass
class CompatReport:
    """Every finding of one comparison, plus what was compared."""

    old: Dump
    new: Dump
    findings: list[Finding] = field(default_factory=list)
    unverified: dict[str, list[str]] = field(default_factory=dict)
    """Device type → the entries of it that carry keys devstate does not know."""
    counts_ignored: bool = False
    """One dump gives array element counts and the other does not: arrays compared by element size."""
    matched: list[tuple[str, str, str]] = field(default_factory=list)
    """(OLD device type, NEW device type, VMState name) of types present on one side only,
    matched by the VMState name the loader looks up."""

    def add(self, findings: list[Finding]) -> None:
        self.findings += [f for f in findings if f not in self.findings]

    @property
    def notes(self) -> list[str]:
        notes = [f"device type {o} (OLD) and {n} (NEW) are the same section {name!r}: compared with each other"
                 for o, n, name in self.matched]
        if self.counts_ignored:
            notes.append("only one dump gives array element counts (num, QEMU 8.1 and later): arrays are compared "
                         "by element size, as QEMU's own checker does")
        if self.old.machine != self.new.machine:
            notes.append(
                f"the dumps were taken with different machine types ({self.old.machine} → {self.new.machine}); "
                "device state is compared, the machine type itself must match when migrating "
                "(QEMU refuses a stream from another machine type)"
            )
        return notes

    def selected(self, direction: Direction = Direction.BOTH, include_info: bool = False) -> list[Finding]:
        return [
            f
            for f in self.findings
            if (include_info if f.severity is Severity.INFO else f.direction.covers(direction))
        ]

    def compatible(self, direction: Direction = Direction.BOTH, strict: bool = False) -> bool:
        """No error (and with ``strict`` no warning) in ``direction``."""
        failing = {Severity.ERROR, Severity.WARNING} if strict else {Severity.ERROR}
        return not any(f.severity in failing for f in self.selected(direction))

    def counts(self) -> dict[str, int]:
        devices = set(self.old.devices) | set(self.new.devices)
        return {
            "devices": len(devices),
            "common": len(set(self.old.devices) & set(self.new.devices)),
            "matched": len(self.matched),
            "with_findings": len({f.device for f in self.selected()}),
            **{s.value: sum(f.severity is s for f in self.findings) for s in Severity},
        }

    def to_json(self, direction: Direction = Direction.BOTH, include_info: bool = False) -> dict[str, object]:
        return {
            "old": {"file": self.old.file, "machine": self.old.machine},
            "new": {"file": self.new.file, "machine": self.new.machine},
            "direction": direction.value,
            "compatible": self.compatible(direction),
            "counts": self.counts(),
            "notes": self.notes,
            "warnings": [*self.old.warnings, *self.new.warnings],
            "unverified": self.unverified,
            "findings": [f.to_json() for f in self.selected(direction, include_info)],
        }


def compare_dumps(old: Dump, new: Dump) -> CompatReport:
    """Every difference between two dumps that a real migration would notice.

    A device type in both dumps is compared with itself (a changed VMState name is QV-S003:
    its section is not found). A device type in one dump only is matched with a device type
    of the other dump that has the same VMState name, because the loader finds a section by
    that name: a type that moved between registration styles, abstract types or modules is
    still the same section. Only a VMState name that the other dump lacks is removed/added.
    """
    report = CompatReport(old, new)
    counts_known = _has_counts(old) and _has_counts(new)
    if _has_counts(old) != _has_counts(new):
        report.counts_ignored = True
        old, new = _without_counts(old), _without_counts(new)

    def compare_devices(key: str, o: Device, n: Device) -> list[Finding]:
        return compare_pair(key, o, n, counts_known)

    for key in sorted(old.devices.keys() & new.devices.keys()):
        report.add(compare_devices(key, old.devices[key], new.devices[key]))
    new_by_name, old_by_name = _by_vmsd(new), _by_vmsd(old)
    for key in sorted(old.devices.keys() - new.devices.keys()):
        device = old.devices[key]
        partner = _partner(device, new_by_name, old)
        if partner is None:
            report.add([_one_sided(key, device, "OLD", Direction.BACKWARD)])
        else:
            report.matched.append((key, partner.key, device.vmsd.name))
            detail = f"only in OLD; NEW loads its section {device.vmsd.name!r} (as {partner.key})"
            report.add([Finding(R.DEVICE_TYPE_MISSING, key, "", detail, Direction.BACKWARD)])
            report.add(compare_devices(key, device, partner))
    for key in sorted(new.devices.keys() - old.devices.keys()):
        device = new.devices[key]
        partner = _partner(device, old_by_name, new)
        if partner is None:
            report.add([_one_sided(key, device, "NEW", Direction.FORWARD)])
        else:
            detail = f"only in NEW; OLD loads its section {device.vmsd.name!r} (as {partner.key})"
            report.add([Finding(R.DEVICE_TYPE_MISSING, key, "", detail, Direction.FORWARD)])
            if all(m[1] != key for m in report.matched):
                report.matched.append((partner.key, key, device.vmsd.name))
                report.add(compare_devices(partner.key, partner, device))
    for dump in (old, new):
        for device in dump.devices.values():
            for mark in _unverified(device.vmsd):
                marks = report.unverified.setdefault(device.key, [])
                if mark not in marks:
                    marks.append(mark)
    return report


OUTSIDE_DEVICE_TYPES = {
    "ide": "before QEMU 8.1 (commit 752dfff5ec), piix3-ide and piix4-ide save their state with "
           "vmstate_register(), so a dump does not show it",
}
"""VMState names of device sections that some QEMU release saves without its type's VMState: a dump
of that release does not list them, yet it loads them."""


def _one_sided(key: str, device: Device, side: str, direction: Direction) -> Finding:
    """A device type whose section the other dump does not have."""
    if device.vmsd.name in OUTSIDE_DEVICE_TYPES:
        detail = f"only in {side}: {OUTSIDE_DEVICE_TYPES[device.vmsd.name]}"
        return Finding(R.SECTION_OUTSIDE_TYPES, key, "", detail, Direction.NONE)
    rule = R.SECTION_REMOVED if side == "OLD" else R.SECTION_ADDED
    return Finding(rule, key, "", f"only in {side}", direction)


def _has_counts(dump: Dump) -> bool:
    """Whether the dump gives array element counts (``num``: QEMU 8.1 and later)."""
    return any(f.num is not None for device in dump.devices.values() for f in iter_fields(device.vmsd))


def without_counts(vmsd: Vmsd) -> Vmsd:
    """``vmsd`` with every ``num`` dropped: what a pre-8.1 dump shows of the same description."""
    fields = None if vmsd.fields is None else tuple(
        replace(f, num=None, description=None if f.description is None else without_counts(f.description))
        for f in vmsd.fields
    )
    return replace(vmsd, fields=fields, subsections=tuple(without_counts(s) for s in vmsd.subsections))


def _without_counts(dump: Dump) -> Dump:
    devices = {key: replace(d, vmsd=without_counts(d.vmsd)) for key, d in dump.devices.items()}
    return replace(dump, devices=devices)


def _by_vmsd(dump: Dump) -> dict[str, list[Device]]:
    """The dump's device types grouped by VMState name (what the loader matches), in key order."""
    groups: dict[str, list[Device]] = {}
    for key in sorted(dump.devices):
        device = dump.devices[key]
        groups.setdefault(device.vmsd.name, []).append(device)
    return groups


def _partner(device: Device, other_by_name: dict[str, list[Device]], own: Dump) -> Device | None:
    """A device type of the other dump with ``device``'s VMState name, preferring one that its own
    dump does not also have (that one is compared with itself already)."""
    candidates = other_by_name.get(device.vmsd.name, [])
    fresh = [d for d in candidates if d.key not in own.devices]
    found = fresh or candidates
    return found[0] if found else None


def _unverified(vmsd: Vmsd, prefix: str = "") -> list[str]:
    marks = [f"{prefix or vmsd.name} (unknown key {', '.join(vmsd.unverified)})"] if vmsd.unverified else []
    for f in vmsd.fields or ():
        here = _join(prefix, f.name)
        if f.unverified:
            marks.append(f"{here} (unknown key {', '.join(f.unverified)})")
        if f.description is not None:
            marks += _unverified(f.description, here)
    for sub in vmsd.subsections:
        marks += _unverified(sub, f"{prefix}<{sub.name}>")
    return marks


def compare_devices(key: str, old: Device | None, new: Device | None) -> list[Finding]:
    """The findings for one pair of device descriptions (``None`` where a dump lacks it)."""
    return compare_pair(key, old, new, counts_known=True)


def compare_pair(key: str, old: Device | None, new: Device | None, counts_known: bool) -> list[Finding]:
    """``compare_devices``; ``counts_known`` False when the dumps give no array element counts."""
    if new is None:
        return [Finding(R.SECTION_REMOVED, key, "", "only in OLD", Direction.BACKWARD)]
    if old is None:
        return [Finding(R.SECTION_ADDED, key, "", "only in NEW", Direction.FORWARD)]
    missing = [side for side, d in (("OLD", old), ("NEW", new)) if "Description" in d.vmsd.unverified]
    if missing:
        detail = f"{' and '.join(missing)} has no description: nothing to load it with (unverified)"
        return [Finding(R.SECTION_UNMIGRATABLE, key, "", detail, Direction.BOTH)]
    if old.vmsd.name != new.vmsd.name:
        detail = f"section {old.vmsd.name!r} → {new.vmsd.name!r}"
        return [Finding(R.SECTION_RENAMED, key, "", detail, Direction.BOTH)]
    if old.vmsd.migratable != new.vmsd.migratable:
        side = "OLD" if old.vmsd.migratable else "NEW"
        return [Finding(R.SECTION_UNMIGRATABLE, key, "", f"only {side} can migrate it", Direction.BOTH)]
    if not old.vmsd.migratable:
        return []
    raw: list[tuple[QvRule, str, str, Direction]] = []
    for direction in (Direction.BACKWARD, Direction.FORWARD):
        replay = _Replay(old.vmsd, new.vmsd, direction, counts_known)
        replay.section(replay.src_top, replay.dst_top, "")
        raw += [(rule, path, detail, direction) for rule, path, detail in replay.found]
    return _merge(key, raw)


def _merge(key: str, raw: list[tuple[QvRule, str, str, Direction]]) -> list[Finding]:
    """One finding per (rule, path, detail), with the union of its directions."""
    merged: dict[tuple[str, str, str], Direction] = {}
    rules: dict[str, QvRule] = {}
    for rule, path, detail, direction in raw:
        direction = Direction.NONE if rule.severity is Severity.INFO else direction
        slot = (rule.id, path, detail)
        merged[slot] = merged.get(slot, Direction.NONE).union(direction)
        rules[rule.id] = rule
    return [Finding(rules[r], key, path, detail, d) for (r, path, detail), d in merged.items()]


def _sent(vmsd: Vmsd, version: int) -> list[Field]:
    """The fields QEMU saves or loads for ``vmsd`` at stream version ``version``."""
    return [f for f in vmsd.fields or () if f.field_exists or f.version_id <= version]


@dataclass(frozen=True)
class _Leaf:
    """A field after flattening nested structs: what is on the wire at one place."""

    field: Field
    path: str
    """Its path from the compared description, through the structs: ``parent_obj.config``."""
    structs: tuple[tuple[str, str], ...] = ()
    """The nested structs containing it, outermost first: (path, description name)."""
    level_version: int = 0
    """The version its level is saved and loaded at: the stream's, or its struct's own version."""

    @property
    def depth(self) -> int:
        """How many nested structs contain it (0: a field of the description itself)."""
        return len(self.structs)

    @property
    def name(self) -> str:
        return self.field.name


def _flatten(vmsd: Vmsd, version: int, path: str = "", structs: tuple[tuple[str, str], ...] = (),
             every: bool = False) -> list[_Leaf]:
    """The wire-order leaves of ``vmsd`` at ``version``, each nested struct replaced by its own
    leaves (at its own version, as QEMU loads it); ``every`` keeps fields the version filter drops."""
    fields = vmsd.fields or () if every else _sent(vmsd, version)
    leaves: list[_Leaf] = []
    for f in fields:
        here = _join(path, f.name)
        nested = f.description
        if nested is not None and nested.fields and f.num in (None, 1):
            leaves += _flatten(nested, nested.version_id, here, (*structs, (here, nested.name)), every)
        else:
            leaves.append(_Leaf(f, here, structs, version))
    return leaves


def _nested_subsections(vmsd: Vmsd, path: str = "") -> list[tuple[str, Vmsd]]:
    """The subsections of the nested structs of ``vmsd`` (path of the struct, subsection)."""
    found: list[tuple[str, Vmsd]] = []
    for f in vmsd.fields or ():
        nested = f.description
        if nested is not None and nested.fields:
            here = _join(path, f.name)
            found += _nested_subsections(nested, here)
            found += [(here, sub) for sub in nested.subsections]
    return found


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


class _Replay:
    """One direction: the source writes its description, the destination reads its own."""

    def __init__(self, old: Vmsd, new: Vmsd, direction: Direction, counts_known: bool = True) -> None:
        self.counts_known = counts_known
        """False: the dumps give no element counts, so a field may be an array of any length."""
        self.backward = direction is Direction.BACKWARD
        self.src_top, self.dst_top = (old, new) if self.backward else (new, old)
        self.found: list[tuple[QvRule, str, str]] = []

    def note(self, rule: QvRule, path: str, detail: str) -> None:
        self.found.append((rule, path, detail))

    def side(self, src: bool) -> str:
        """``OLD`` or ``NEW`` for the source (``src``) or the destination."""
        return "OLD" if src == self.backward else "NEW"

    def old_new(self, src_value: object, dst_value: object) -> tuple[object, object]:
        return (src_value, dst_value) if self.backward else (dst_value, src_value)

    # -- sections and subsections ----------------------------------------------------------

    def section(self, src: Vmsd, dst: Vmsd, path: str) -> None:
        """A section or subsection: version window check, then fields and subsections."""
        version = src.version_id
        if version > dst.version_id:
            detail = f"{self.side(True)} version_id {version} > {self.side(False)} version_id {dst.version_id}"
            self.note(R.VERSION_TOO_NEW, path, detail)
            return
        if version < dst.minimum_version_id:
            detail = (
                f"{self.side(True)} version_id {version} < {self.side(False)} "
                f"minimum_version_id {dst.minimum_version_id}"
            )
            self.note(R.VERSION_TOO_OLD, path, detail)
            return
        self.fields(src, dst, path, version)
        self.subsections(src, dst, path)

    def subsections(self, src: Vmsd, dst: Vmsd, path: str) -> None:
        for sub in src.subsections:
            sub_path = f"{path}<{sub.name}>"
            counterpart = dst.subsection(sub.name)
            if counterpart is not None:
                self.section(sub, counterpart, sub_path)
            elif self.backward:
                self.note(R.SUBSECTION_REMOVED, sub_path, "only in OLD; the old source sends it when needed")
            else:
                self.note(R.SUBSECTION_ADDED, sub_path, "only in NEW; the new source sends it when needed")

    # -- fields ---------------------------------------------------------------------------

    def fields(self, src: Vmsd, dst: Vmsd, path: str, version: int) -> None:
        """Compare what the source writes with what the destination reads at ``version``.

        Both are flattened (nested structs have no header on the wire). The k-th leaf named
        n on one side is the k-th leaf named n on the other; such pairs are compared, pairs
        out of order are one QV-F005 for the container, and the alignment of what is left
        (always OLD against NEW, so both directions agree) tells renames and padding from
        added and removed fields. Then the subsections of nested structs, by name."""
        sent, read = _flatten(src, src.version_id, path), _flatten(dst, version, path)
        self.skipped(src, dst, read, path, version)
        old, new = (sent, read) if self.backward else (read, sent)
        old_ids, new_ids = _ids(old), _ids(new)
        shared = set(old_ids) & set(new_ids)
        self.reordered(old_ids, new_ids, shared, path)
        by_id = dict(zip(new_ids, new, strict=True))
        for key, o in zip(old_ids, old, strict=True):
            if key in shared:
                self.pair(*self.src_dst(o, by_id[key]))
        matcher = SequenceMatcher(None, old_ids, new_ids, autojunk=False)
        for tag, i1, i2, j1, j2 in matcher.get_opcodes():
            old_run = [f for f, key in zip(old[i1:i2], old_ids[i1:i2], strict=True) if key not in shared]
            new_run = [f for f, key in zip(new[j1:j2], new_ids[j1:j2], strict=True) if key not in shared]
            if tag == "replace" and old_run and new_run and self.same_wire(old_run, new_run):
                continue
            for f in old_run:
                self.one_sided(f, in_old=True, src=src, dst=dst, version=version)
            for f in new_run:
                self.one_sided(f, in_old=False, src=src, dst=dst, version=version)
        self.nested_subsections(src, dst, path)

    def nested_subsections(self, src: Vmsd, dst: Vmsd, path: str) -> None:
        """Subsections of nested structs: each one the source sends must be known by name."""
        known = {sub.name: sub for _, sub in _nested_subsections(dst)}
        for owner, sub in _nested_subsections(src):
            sub_path = f"{_join(path, owner)}<{sub.name}>"
            if sub.name in known:
                self.section(sub, known[sub.name], sub_path)
            elif self.backward:
                self.note(R.SUBSECTION_REMOVED, sub_path, "only in OLD; the old source sends it when needed")
            else:
                self.note(R.SUBSECTION_ADDED, sub_path, "only in NEW; the new source sends it when needed")

    def src_dst(self, old: _Leaf, new: _Leaf) -> tuple[_Leaf, _Leaf]:
        return (old, new) if self.backward else (new, old)

    def reordered(self, old_ids: list[_Id], new_ids: list[_Id], shared: set[_Id], path: str) -> None:
        """One QV-F005 naming every shared field involved in an order inversion."""
        position = {key: n for n, key in enumerate(k for k in new_ids if k in shared)}
        order = [position[k] for k in old_ids if k in shared]
        names = [k[0] for k in old_ids if k in shared]
        moved = [name for name, out in zip(names, _out_of_order(order), strict=True) if out]
        if moved:
            self.note(R.FIELD_MOVED, path, "fields reordered: " + ", ".join(moved))

    def skipped(self, src: Vmsd, dst: Vmsd, read: list[_Leaf], path: str, version: int) -> None:
        """Fields the destination skips at this version: tolerated when new (QV-F012)."""
        names = src.field_names()
        for f in dst.fields or ():
            if f.name not in names and self.backward and not any(leaf.field is f for leaf in read):
                if f.field_exists or f.version_id <= version:
                    continue
                detail = f"NEW field (version_id {f.version_id}) is skipped for OLD streams of version {version}"
                self.note(R.VERSIONED_FIELD_ADDED, _join(path, f.name), detail)

    def pair(self, s_leaf: _Leaf, d_leaf: _Leaf) -> None:
        """The same field on both sides: the source's ``s``, the destination's ``d``."""
        s, d = s_leaf.field, d_leaf.field
        here = s_leaf.path if self.backward else d_leaf.path  # the OLD side's path
        self.containers(s_leaf, d_leaf, here)
        if s.field_exists != d.field_exists:
            added = d.field_exists if self.backward else s.field_exists
            self.note(R.FIELD_CONDITION, here, f"field_exists test {'added' if added else 'removed'}")
        if (s.description is None) != (d.description is None):
            old, new = self.old_new(_kind(s), _kind(d))
            self.note(R.FIELD_KIND, here, f"{old} → {new}")
        elif s.description is not None and d.description is not None:
            self.struct(s.description, d.description, here)
        elif s.total_size != d.total_size:
            old, new = self.old_new(_size(s), _size(d))
            self.note(R.FIELD_SIZE, here, f"size {old} → {new}")
        elif (s.size, s.num) != (d.size, d.num) and None not in (s.num, d.num):
            old, new = self.old_new(_size(s), _size(d))
            self.note(R.FIELD_KIND, here, f"elements {old} → {new} (same bytes, another layout)")

    def containers(self, s_leaf: _Leaf, d_leaf: _Leaf, here: str) -> None:
        """The same leaf inside other structs: moved into or out of one (QV-F014), or renamed (QV-F013)."""
        s_paths = [p for p, _ in s_leaf.structs]
        d_paths = [p for p, _ in d_leaf.structs]
        if s_paths != d_paths:
            old, new = self.old_new(s_leaf.path, d_leaf.path)
            self.note(R.STRUCT_FLATTENED, here, f"{old} → {new}")
            return
        for (path, s_name), (_, d_name) in zip(s_leaf.structs, d_leaf.structs, strict=True):
            if s_name != d_name:
                old, new = self.old_new(s_name, d_name)
                self.note(R.STRUCT_RENAMED, path, f"description {old!r} → {new!r}")

    def struct(self, src: Vmsd, dst: Vmsd, path: str) -> None:
        """A nested struct that was not flattened (an array of structs): its own comparison."""
        if src.name != dst.name:
            old, new = self.old_new(src.name, dst.name)
            self.note(R.STRUCT_RENAMED, path, f"description {old!r} → {new!r}")
        self.fields(src, dst, path, dst.version_id)
        self.subsections(src, dst, path)

    def same_wire(self, old_run: list[_Leaf], new_run: list[_Leaf]) -> bool:
        """A renamed run with the same sizes, or padding (``UNUSED(n)``) of the same total: tolerated."""
        if any(f.field.description is not None or f.field.field_exists for f in [*old_run, *new_run]):
            return False
        unused = all(f.name == "unused" for f in old_run) or all(f.name == "unused" for f in new_run)
        total_old, total_new = (sum(f.field.total_size for f in run) for run in (old_run, new_run))
        if unused and total_old == total_new:
            self.note(R.FIELD_UNUSED, old_run[0].path, f"{_names(old_run)} → {_names(new_run)}")
            return True
        if unused and not self.counts_known and _may_fill(old_run, new_run):
            assumed = "assumed: without element counts, a field may be an array that fills the padding"
            self.note(R.FIELD_UNUSED, old_run[0].path, f"{_names(old_run)} → {_names(new_run)} ({assumed})")
            return True
        if [f.field.total_size for f in old_run] != [f.field.total_size for f in new_run]:
            return False
        for o, n in zip(old_run, new_run, strict=True):
            if [p for p, _ in o.structs] != [p for p, _ in n.structs]:
                self.note(R.STRUCT_FLATTENED, o.path, f"{o.path} → {n.path}, size {_size(o.field)}")
            else:
                self.note(R.FIELD_RENAMED, o.path, f"{o.name!r} → {n.name!r}, size {_size(o.field)}")
        return True

    def one_sided(self, leaf: _Leaf, in_old: bool, src: Vmsd, dst: Vmsd, version: int) -> None:
        """``leaf`` is written but not read here, or read but not written."""
        in_src = in_old == self.backward
        other = dst if in_src else src
        other_version = version if in_src else other.version_id
        match = next((o for o in _flatten(other, other_version, every=True) if o.name == leaf.name), None)
        if match is not None:
            self.version_skipped(match.field, in_src, leaf.path, match.level_version)
        else:
            self.missing(leaf.field, leaf.path, in_old)

    def version_skipped(self, other_field: Field, in_src: bool, here: str, version: int) -> None:
        """The other side has a field of that name but its version filter leaves it out."""
        if in_src:
            detail = f"{self.side(False)} reads it only from version {other_field.version_id}, not at version {version}"
        else:
            detail = f"{self.side(True)} sends it only from version {other_field.version_id}"
        self.note(R.FIELD_VERSION, here, detail)

    def missing(self, f: Field, here: str, in_old: bool) -> None:
        """``f`` exists on one side only: removed if that side is OLD, else added."""
        if f.field_exists:
            rule = R.CONDITIONAL_FIELD_REMOVED if in_old else R.CONDITIONAL_FIELD_ADDED
        else:
            rule = R.FIELD_REMOVED if in_old else R.FIELD_ADDED
        version = f", version_id {f.version_id}" if f.version_id else ""
        self.note(rule, here, f"only in {'OLD' if in_old else 'NEW'} ({_kind(f)}{version})")


_Id = tuple[str, int]


def _ids(fields: list[_Leaf]) -> list[_Id]:
    """``(name, k)``: the k-th field of that name (QEMU allows repeated names)."""
    seen: dict[str, int] = {}
    ids = []
    for f in fields:
        seen[f.name] = seen.get(f.name, 0) + 1
        ids.append((f.name, seen[f.name]))
    return ids


def _may_fill(old_run: list[_Leaf], new_run: list[_Leaf]) -> bool:
    """Whether fields of unknown element counts can add up to the padding run on the other side."""
    padding, fields = (old_run, new_run) if all(f.name == "unused" for f in old_run) else (new_run, old_run)
    n = sum(f.field.total_size for f in padding)
    sizes = [f.field.size for f in fields]
    if not sizes or 0 in sizes or n < sum(sizes):
        return False
    return (n - sum(sizes)) % math.gcd(*sizes) == 0


def _out_of_order(order: list[int]) -> list[bool]:
    """For each element: whether some earlier element is larger or some later one smaller."""
    flags = [False] * len(order)
    highest = -1
    for n, value in enumerate(order):
        flags[n] = value < highest
        highest = max(highest, value)
    lowest = len(order)
    for n in range(len(order) - 1, -1, -1):
        flags[n] = flags[n] or order[n] > lowest
        lowest = min(lowest, order[n])
    return flags


def _kind(f: Field) -> str:
    if f.description is not None:
        return f"struct {f.description.name}"
    return f"{_size(f)} bytes"


def _size(f: Field) -> str:
    """``4`` or, for an array, ``1024×4``."""
    return f"{f.num}×{f.size}" if f.num is not None else str(f.size)


def _names(leaves: list[_Leaf]) -> str:
    return "+".join(f"{f.name}({_size(f.field)})" for f in leaves)
