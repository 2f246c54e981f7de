"""Comparing two QEMU VMState descriptions by replaying QEMU's loader both ways.

QEMU's stream is positional and untagged: for each field of the destination's
description, in order, the loader reads the field when ``field_exists()`` says so or,
without a test, when the field's ``version_id`` is at most the stream's version; the
source writes every field of its own description the same way. A nested struct
(``VMSTATE_STRUCT``) is loaded with the destination's own struct version. After the
fields come subsections, each named and versioned; a subsection the destination does
not know fails the load, one the source did not send is simply not loaded.

``compare_dumps`` runs that model for the backward migration (source = OLD,
destination = NEW) and the forward one (source = NEW, destination = OLD) and reports
each difference once, with the directions it breaks (see ``devstate.vmstate.rules``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from difflib import SequenceMatcher

from devstate.vmstate import rules as R
from devstate.vmstate.dump import Device, Dump, Field, Vmsd
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

    @property
    def notes(self) -> list[str]:
        if self.old.machine == self.new.machine:
            return []
        return [
            f"the dumps were taken with different machine types ({self.old.machine} → {self.new.machine}); "
            "device state is compared, the machine type itself must match when migrating "
            "(QEMU refuses a stream from another machine type)"
        ]

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
            "findings": [f.to_json() for f in self.selected(direction, include_info)],
        }


def compare_dumps(old: Dump, new: Dump) -> CompatReport:
    """Every difference between two dumps that a real migration would notice."""
    report = CompatReport(old, new)
    for key in sorted(set(old.devices) | set(new.devices)):
        report.findings += compare_devices(key, old.devices.get(key), new.devices.get(key))
    return report


def compare_devices(key: str, old: Device | None, new: Device | None) -> list[Finding]:
    """The findings for one device type (``None`` where a dump lacks it)."""
    if new is None:
        return [Finding(R.SECTION_REMOVED, key, "", "only in OLD", Direction.BACKWARD)]
    if old is None:
        return [Finding(R.SECTION_ADDED, key, "", "only in NEW", Direction.FORWARD)]
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
        replay = _Replay(old.vmsd, new.vmsd, direction)
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


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


class _Replay:
    """One direction: the source writes its description, the destination reads its own."""

    def __init__(self, old: Vmsd, new: Vmsd, direction: Direction) -> None:
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

        The k-th field named n on one side is the k-th field named n on the other; such
        pairs are compared, pairs out of order are one QV-F005 for the container, and the
        alignment of what is left (always OLD against NEW, so both directions agree) tells
        renames and padding from added and removed fields."""
        sent, read = _sent(src, src.version_id), _sent(dst, version)
        self.skipped(src, dst, read, path, version)
        old, new = (sent, read) if self.backward else (read, sent)
        old_ids, new_ids = _ids(old), _ids(new)
        shared = set(old_ids) & set(new_ids)
        self.reordered(old_ids, new_ids, shared, path)
        by_id = dict(zip(new_ids, new, strict=True))
        for key, o in zip(old_ids, old, strict=True):
            if key in shared:
                self.pair(*self.src_dst(o, by_id[key]), path)
        matcher = SequenceMatcher(None, old_ids, new_ids, autojunk=False)
        for tag, i1, i2, j1, j2 in matcher.get_opcodes():
            old_run = [f for f, key in zip(old[i1:i2], old_ids[i1:i2], strict=True) if key not in shared]
            new_run = [f for f, key in zip(new[j1:j2], new_ids[j1:j2], strict=True) if key not in shared]
            if tag == "replace" and old_run and new_run and self.same_wire(old_run, new_run, path):
                continue
            for f in old_run:
                self.one_sided(f, in_old=True, src=src, dst=dst, path=path, version=version)
            for f in new_run:
                self.one_sided(f, in_old=False, src=src, dst=dst, path=path, version=version)

    def src_dst(self, old: Field, new: Field) -> tuple[Field, Field]:
        return (old, new) if self.backward else (new, old)

    def reordered(self, old_ids: list[_Id], new_ids: list[_Id], shared: set[_Id], path: str) -> None:
        """One QV-F005 naming every shared field involved in an order inversion."""
        position = {key: n for n, key in enumerate(k for k in new_ids if k in shared)}
        order = [position[k] for k in old_ids if k in shared]
        names = [k[0] for k in old_ids if k in shared]
        moved = [name for name, out in zip(names, _out_of_order(order), strict=True) if out]
        if moved:
            self.note(R.FIELD_MOVED, path, "fields reordered: " + ", ".join(moved))

    def skipped(self, src: Vmsd, dst: Vmsd, read: list[Field], path: str, version: int) -> None:
        """Fields the destination skips at this version: tolerated when new (QV-F012)."""
        names = src.field_names()
        for f in dst.fields or ():
            if f not in read and f.name not in names and self.backward:
                detail = f"NEW field (version_id {f.version_id}) is skipped for OLD streams of version {version}"
                self.note(R.VERSIONED_FIELD_ADDED, _join(path, f.name), detail)

    def pair(self, s: Field, d: Field, path: str) -> None:
        """The same field on both sides: the source's ``s``, the destination's ``d``."""
        here = _join(path, s.name)
        if s.field_exists != d.field_exists:
            added = d.field_exists if self.backward else s.field_exists
            self.note(R.FIELD_CONDITION, here, f"field_exists test {'added' if added else 'removed'}")
        if (s.description is None) != (d.description is None):
            old, new = self.old_new(_kind(s), _kind(d))
            self.note(R.FIELD_KIND, here, f"{old} → {new}")
        elif s.description is not None and d.description is not None:
            self.struct(s.description, d.description, here)
        elif s.size != d.size:
            old, new = self.old_new(s.size, d.size)
            self.note(R.FIELD_SIZE, here, f"size {old} → {new}")

    def struct(self, src: Vmsd, dst: Vmsd, path: str) -> None:
        """A nested struct: loaded with the destination's own struct version, no check."""
        if src.name != dst.name:
            old, new = self.old_new(src.name, dst.name)
            self.note(R.STRUCT_RENAMED, path, f"description {old!r} → {new!r}")
        self.fields(src, dst, path, dst.version_id)
        self.subsections(src, dst, path)

    def same_wire(self, old_run: list[Field], new_run: list[Field], path: str) -> bool:
        """A renamed run with the same sizes, or padding of the same total: tolerated."""
        if any(f.description is not None or f.field_exists for f in [*old_run, *new_run]):
            return False
        unused = all(f.name == "unused" for f in old_run) or all(f.name == "unused" for f in new_run)
        if unused and sum(f.size for f in old_run) == sum(f.size for f in new_run):
            detail = f"{_names(old_run)} → {_names(new_run)}"
            self.note(R.FIELD_UNUSED, _join(path, old_run[0].name), detail)
            return True
        if [f.size for f in old_run] != [f.size for f in new_run]:
            return False
        for o, n in zip(old_run, new_run, strict=True):
            self.note(R.FIELD_RENAMED, _join(path, o.name), f"{o.name!r} → {n.name!r}, size {o.size}")
        return True

    def one_sided(self, f: Field, in_old: bool, src: Vmsd, dst: Vmsd, path: str, version: int) -> None:
        """``f`` is written but not read here, or read but not written."""
        here = _join(path, f.name)
        in_src = in_old == self.backward
        other_side = dst if in_src else src
        if f.name in other_side.field_names():
            self.version_skipped(f, in_src, other_side, here, version)
        else:
            self.missing(f, here, in_old)

    def version_skipped(self, f: Field, in_src: bool, other: Vmsd, here: str, version: int) -> None:
        """The other side has a field of that name but its version filter leaves it out."""
        other_field = next(o for o in other.fields or () if o.name == f.name)
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


def _ids(fields: list[Field]) -> list[_Id]:
    """``(name, k)``: the k-th field of that name (QEMU allows repeated names)."""
    seen: dict[str, int] = {}
    ids = []
    for f in fields:
        seen[f.name] = seen.get(f.name, 0) + 1
        ids.append((f.name, seen[f.name]))
    return ids


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
    return f"{f.size} bytes"


def _names(fields: list[Field]) -> str:
    return "+".join(f"{f.name}({f.size})" for f in fields)
