"""Can *this VM* move to a destination QEMU? A real stream against the destination's dump.

``devstate vmstate-compat`` compares two builds for every device type and has to say
"breaks when needed() is true" about subsections and conditional fields. A migration
stream removes the guessing: it holds the machine type, exactly the sections of this VM,
the version of each, the subsections that were actually sent, and, in its
self-description, every field with its size and array length as written. ``check_stream``
replays QEMU's loader over that (source = the stream, destination = the dump): the same
rules as the dump comparison (``devstate.vmstate.compat``), one direction, plus:

- QV-M001: the stream's machine type is not the destination's (QEMU refuses it in
  ``configuration_post_load``: "Machine type received is X and local is Y");
- QV-U003: a subsection in the stream that the destination does not know (the load fails
  with -ENOENT) — an error, where the dump comparison can only warn;
- sections the stream has no description for cannot be compared field by field and are
  listed as unverified.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from devstate.qemu.description import DescField, DescVmsd
from devstate.qemu.stream import Section, Stream, VmsdExtent
from devstate.vmstate import rules as R
from devstate.vmstate.compat import OUTSIDE_DEVICE_TYPES, Finding
from devstate.vmstate.dump import Device, Dump, Field, Vmsd
from devstate.vmstate.rules import Direction, Severity

_INDEX = re.compile(r"\[\d+\]$")




@dataclass
class StreamReport:
    """The verdict for one stream against one destination."""

    stream: Stream
    dest: Dump
    findings: list[Finding] = field(default_factory=list)
    unverified: list[str] = field(default_factory=list)
    checked: list[str] = field(default_factory=list)
    """Sections compared field by field."""

    def loadable(self, strict: bool = False) -> bool:
        failing = {Severity.ERROR, Severity.WARNING} if strict else {Severity.ERROR}
        return not any(f.severity in failing for f in self.findings)

    def reasons(self) -> list[Finding]:
        return [f for f in self.findings if f.severity is not Severity.INFO]

    def to_json(self, include_info: bool = False) -> dict[str, object]:
        config = self.stream.configuration
        return {
            "stream": {"file": self.stream.path, "machine": config.machine if config else None,
                       "sections": len(self.stream.devices())},
            "dest": {"file": self.dest.file, "machine": self.dest.machine},
            "loadable": self.loadable(),
            "checked": self.checked,
            "unverified": self.unverified,
            "findings": [f.to_json() for f in self.findings if include_info or f.severity is not Severity.INFO],
        }


def check_stream(stream: Stream, dest: Dump) -> StreamReport:
    """Every reason the destination described by ``dest`` would refuse or misread ``stream``."""
    report = StreamReport(stream, dest)
    machine = stream.configuration.machine if stream.configuration else None
    if machine is not None and dest.machine is not None and machine != dest.machine:
        detail = (f"the stream is machine {machine}, the destination {dest.machine}: start the destination with "
                  f"-machine {machine} (and dump that)")
        report.findings.append(Finding(R.MACHINE_MISMATCH, "configuration", "", detail, Direction.BACKWARD))
    by_name: dict[str, list[Device]] = {}
    for device in dest.devices.values():
        by_name.setdefault(device.vmsd.name, []).append(device)
    counts_known = any(f.num is not None for d in dest.devices.values() for f in d.vmsd.fields or ())
    for section in stream.devices():
        report.findings += _check_section(section, by_name, counts_known, report)
    return report


def _check_section(section: Section, by_name: dict[str, list[Device]], counts_known: bool,
                   report: StreamReport) -> list[Finding]:
    label = section.name if section.instance_id == 0 else f"{section.name} #{section.instance_id}"
    candidates = by_name.get(section.vmsd_name, [])
    if not candidates:
        if "/" in section.name and section.vmsd_name not in OUTSIDE_DEVICE_TYPES:
            detail = (f"the destination has no device type with section name {section.vmsd_name!r}: \"Unknown "
                      "savevm section or instance\"")
            return [Finding(R.SECTION_REMOVED, label, "", detail, Direction.BACKWARD)]
        reason = OUTSIDE_DEVICE_TYPES.get(section.vmsd_name, "QEMU registers it outside any device type "
                                                             "(timers, CPUs, buses, global state)")
        report.unverified.append(f"{label}: not in the destination's dump: {reason}; not checked")
        return []
    if section.vmsd is None or report.stream.description is None:
        report.unverified.append(f"{label}: no self-description ({section.delimited_by}); only its version checked")
        return _version_window(label, "", section.version_id, candidates[0].vmsd)
    entry = report.stream.description.device(section.name, section.instance_id)
    assert entry is not None and entry.vmsd is not None
    report.checked.append(label)
    best: list[Finding] | None = None
    for dest in candidates:  # several device types may share a section name; any one that loads it will do
        found, notes = _align(label, entry.vmsd, section.version_id, dest.vmsd, counts_known,
                              _subsection_versions(section.vmsd))
        if best is None or _errors(found) < _errors(best):
            best, best_notes = found, notes
    report.unverified += [f"{label}: {note}" for note in best_notes]
    return best or []


def _align(label: str, sent: DescVmsd, version: int, dest: Vmsd, counts_known: bool,
           versions: dict[str, int]) -> tuple[list[Finding], list[str]]:
    """The findings for one section, and what could not be checked."""
    aligner = _Aligner(label, counts_known, {}, versions)
    aligner.section(sent, version, dest, "")
    return aligner.found, aligner.unverified


def _subsection_versions(extent: VmsdExtent) -> dict[str, int]:
    """The version each subsection was sent with, as read from the stream's bytes (the self-description
    says it too, but the bytes are what the destination reads)."""
    versions: dict[str, int] = {}
    for sub in extent.subsections:
        versions[sub.name] = sub.version
        versions.update(_subsection_versions(sub.vmsd))
    for f in extent.fields:
        if f.struct is not None:
            versions.update(_subsection_versions(f.struct))
    return versions


def _errors(findings: list[Finding]) -> int:
    return sum(f.severity is Severity.ERROR for f in findings)


def _version_window(label: str, path: str, version: int, dest: Vmsd) -> list[Finding]:
    if version > dest.version_id:
        detail = f"STREAM version_id {version} > DEST version_id {dest.version_id}"
        return [Finding(R.VERSION_TOO_NEW, label, path, detail, Direction.BACKWARD)]
    if version < dest.minimum_version_id:
        detail = f"STREAM version_id {version} < DEST minimum_version_id {dest.minimum_version_id}"
        return [Finding(R.VERSION_TOO_OLD, label, path, detail, Direction.BACKWARD)]
    return []


@dataclass(frozen=True)
class _Sent:
    """A field as the stream's self-description records it: ``count`` elements of ``size`` bytes."""

    name: str
    path: str
    size: int
    count: int
    structs: tuple[DescVmsd, ...] = ()
    """For a struct (or an array of them): what was written for each element."""
    occurrence: int | None = None
    """QEMU's ``name[k]`` suffix: the k-th field of that name in its description (None: a unique name)."""
    raw: str = ""
    """The name as the description writes it (a field may be called ``port.ifs[0]`` in QEMU's source)."""

    def named(self, name: str, occurrence: int = 0) -> bool:
        """Whether this is the destination's ``occurrence``-th field called ``name``."""
        if self.raw == name:
            return True
        return self.name == name and self.occurrence in (None, occurrence)


def _sent_fields(desc: DescVmsd, path: str) -> list[_Sent]:
    """What was written at one level, in order; elements written one by one (``index``) are one array."""
    sent: list[_Sent] = []
    for f, run in _element_runs(desc.fields):
        match = _INDEX.search(f.name)
        name = _INDEX.sub("", f.name)
        structs = tuple(e.struct for e in run if e.struct is not None)
        sent.append(_Sent(name, f"{path}.{name}" if path else name, f.size, sum(e.count for e in run), structs,
                          int(match.group(0)[1:-1]) if match else None, f.name))
    return sent


def _element_runs(fields: tuple[DescField, ...]) -> list[tuple[DescField, list[DescField]]]:
    """Fields with the entries QEMU wrote element by element grouped: ``index`` 0, 1, ..., and (since
    QEMU 9.x, where an element with no successor is not marked as part of an array) a last one without."""
    runs: list[tuple[DescField, list[DescField]]] = []
    for f in fields:
        last = runs[-1][1][-1] if runs else None
        follows = last is not None and last.index is not None and last.name == f.name and last.size == f.size \
            and f.index in (last.index + 1, None)
        if follows:
            runs[-1][1].append(f)
        else:
            runs.append((f, [f]))
    return runs


@dataclass(frozen=True)
class _Read:
    """A field the destination reads: at ``version`` (its level's), the ``occurrence``-th of its name."""

    field: Field
    path: str
    version: int
    occurrence: int


def _read_fields(dest: Vmsd, version: int, path: str) -> list[_Read]:
    seen: dict[str, int] = {}
    out = []
    for f in dest.fields or ():
        occurrence = seen.get(f.name, 0)
        seen[f.name] = occurrence + 1
        out.append(_Read(f, f"{path}.{f.name}" if path else f.name, version, occurrence))
    return out


_Cost = tuple[int, int]
"""(errors, warnings) of a reading: what a choice is judged by."""


class _Aligner:
    """Replays the destination's loader over the bytes the stream's description says were sent.

    Both sides are walked as queues. A struct has no header on the wire, so a struct on one side
    facing plain fields on the other is opened in place (its fields replace it in the queue); two
    structs facing each other are compared as units.

    A field with a ``field_exists`` test on the destination may or may not be read: the test is
    not in the dump. Both readings are tried and the one with the fewest errors, then warnings,
    wins (on a tie: read it when the stream has it next by name). So a stream is refused only
    when no outcome of the destination's tests reads it. A value read into a field of another
    name is a rename (info) when that name does not occur at this level of the destination, and
    otherwise a misread: an error for a field without a test (QEMU reads it whatever happens),
    a warning (QV-F015) for a conditional one."""

    def __init__(self, label: str, counts_known: bool, costs: dict[tuple[object, ...], _Cost],
                 versions: dict[str, int] | None = None) -> None:
        self.label = label
        self.versions = versions or {}
        """Subsection name → the version the stream's bytes give it."""
        self.counts_known = counts_known
        self.costs = costs
        """The best cost of reading the rest of a level, by what is left on both sides (shared)."""
        self.found: list[Finding] = []
        self.unverified: list[str] = []

    def note(self, rule: R.QvRule, path: str, detail: str) -> None:
        self.found.append(Finding(rule, self.label, path, detail, Direction.BACKWARD))

    def cost(self) -> _Cost:
        return _errors(self.found), sum(f.severity is Severity.WARNING for f in self.found)

    def section(self, sent: DescVmsd, version: int, dest: Vmsd, path: str) -> None:
        """A section, subsection or struct: version window, fields, then the subsections that were sent."""
        window = _version_window(self.label, path, version, dest)
        if window:
            self.found += window
            return
        nested: list[tuple[str, DescVmsd]] = []
        read = _read_fields(dest, version, path)
        self.fields(_sent_fields(sent, path), read, nested, frozenset(r.field.name for r in read))
        self.subsections([(path, s) for s in sent.subsections], {s.name: s for s in dest.subsections})
        self.subsections(nested, _nested_known(dest))

    def subsections(self, sent: list[tuple[str, DescVmsd]], known: dict[str, Vmsd]) -> None:
        for owner, sub in sent:
            here = f"{owner}<{sub.name}>"
            if sub.name not in known:
                self.note(R.SUBSECTION_UNKNOWN, here, "sent in this stream; the destination does not know it "
                                                      "(-ENOENT)")
            else:
                self.section(sub, self.versions.get(sub.name, sub.version), known[sub.name], here)

    def fields(self, sent: list[_Sent], read: list[_Read], nested: list[tuple[str, DescVmsd]],
               names: frozenset[str]) -> None:
        """Walk the destination's fields in order, consuming what was sent; stop at the first misread.
        ``names`` are the destination's field names at this level."""
        while read:
            d = read[0]
            f = d.field
            s = sent[0] if sent else None
            if not f.field_exists and f.version_id > d.version:
                read.pop(0)  # not read from a stream of this version
                continue
            if f.field_exists:
                read.pop(0)
                if s is not None and self.fits(s, f) and self.read_it(s, d, sent, read, names):
                    sent.pop(0)
                    if not self.compare(s, d, names):
                        return
                continue  # its test is taken to be false: the field is not read
            unsent = s is None or (s.structs and not s.named(f.name, d.occurrence))
            if f.description is not None and f.num is None and unsent:
                read.pop(0)  # a variable array of structs (VMSTATE_STRUCT_VARRAY_*) with no element sent
                self.unverified.append(f"{d.path}: not in the stream; read as a variable array of 0 structs")
                continue
            if s is None:
                self.note(R.FIELD_ADDED, d.path, f"DEST reads {f.name!r} ({_dest_size(f)} bytes), the stream has "
                                                 "no more fields to give it")
                return
            if f.description is not None and f.description.fields and f.num in (None, 1) and not s.structs:
                expanded = _read_fields(f.description, f.description.version_id, d.path)
                read[:1] = expanded
                names = names | {r.field.name for r in expanded}
                continue
            if s.structs and s.count == 1 and f.description is None:
                sent[:1] = _sent_fields(s.structs[0], s.path)
                nested += [(s.path, sub) for sub in s.structs[0].subsections]
                continue
            read.pop(0)
            sent.pop(0)
            if not self.compare(s, d, names):
                return
        for s in sent:
            self.note(R.FIELD_REMOVED, s.path, f"sent ({_shape(s.count, s.size)}); DEST does not read it")

    def read_it(self, s: _Sent, d: _Read, sent: list[_Sent], rest: list[_Read], names: frozenset[str]) -> bool:
        """Whether to read the conditional field ``d`` from ``s``: the reading of the rest that costs less."""
        taken = self.rest_cost(sent[1:], rest, names, extra=self.pair_cost(s, d, names))
        skipped = self.rest_cost(sent, rest, names)
        if taken != skipped:
            return taken < skipped
        renamed = s.name not in names and d.field.name not in {x.name for x in sent}  # renamed in place
        return s.named(d.field.name, d.occurrence) or renamed

    def pair_cost(self, s: _Sent, d: _Read, names: frozenset[str]) -> _Cost:
        trial = _Aligner(self.label, self.counts_known, self.costs, self.versions)
        trial.compare(s, d, names)
        return trial.cost()

    def rest_cost(self, sent: list[_Sent], read: list[_Read], names: frozenset[str], extra: _Cost = (0, 0)) -> _Cost:
        key = (tuple(sent), tuple(read), names)
        if key not in self.costs:
            self.costs[key] = (1 << 30, 0)  # guards a cycle while it is being computed
            trial = _Aligner(self.label, self.counts_known, self.costs, self.versions)
            trial.fields(list(sent), list(read), [], names)
            self.costs[key] = trial.cost()
        errors, warnings = self.costs[key]
        return errors + extra[0], warnings + extra[1]

    def fits(self, s: _Sent, d: Field) -> bool:
        """Whether what was sent has the size the destination's field reads (for a conditional field)."""
        if (d.description is not None) != bool(s.structs):
            return False
        if d.description is not None or d.size == 0:
            return True
        return self.same_bytes(s, d)

    def compare(self, s: _Sent, read: _Read, names: frozenset[str] = frozenset()) -> bool:
        """One field both sides have; False when the rest of the section is misread."""
        d, path = read.field, read.path
        if d.description is not None and s.structs:
            if d.num is not None and self.counts_known and d.num != s.count:
                self.note(R.FIELD_SIZE, path, f"{s.count} structs sent, DEST reads {d.num}")
                return False
            before = _errors(self.found)
            for element in dict.fromkeys(s.structs):  # each distinct element layout once
                self.section(element, d.description.version_id, d.description, path)
            return _errors(self.found) == before
        if d.description is not None or s.structs:
            sent_kind = "structs" if s.structs else "values"
            self.note(R.FIELD_KIND, path, f"sent {_shape(s.count, s.size)} of {sent_kind}, DEST reads "
                                          f"{'a struct' if d.description else 'a value'}")
            return False
        if d.size == 0:  # a custom saver (virtio, a queue) or a variable buffer: its layout is not in the dump
            self.unverified.append(f"{path}: {s.count * s.size} bytes of a custom saver; their layout is not in the "
                                   "dump (not checked)")
            return True
        if not self.same_bytes(s, d):
            self.note(R.FIELD_SIZE, path, f"sent {_shape(s.count, s.size)}, DEST reads {_dest_size(d)} bytes: "
                                          "every later byte is misread")
            return False
        if not s.named(d.name, read.occurrence):
            self.renamed(s, d, path, names)
        return True

    def renamed(self, s: _Sent, d: Field, path: str, names: frozenset[str]) -> None:
        if "unused" in (s.name, d.name):
            self.note(R.FIELD_UNUSED, path, f"{s.name!r} → {d.name!r}, same size")
        elif s.name not in names and s.raw not in names:
            self.note(R.FIELD_RENAMED, path, f"{s.name!r} → {d.name!r}, same size")
        elif d.field_exists:
            self.note(R.FIELD_MISREAD, path, f"the stream's {s.name!r} may be read into {d.name!r} (if DEST's "
                                             f"field_exists test of {d.name!r} is true)")
        else:
            self.note(R.FIELD_MOVED, path, f"the stream's {s.name!r} is read into {d.name!r}: DEST's own "
                                           f"{s.name!r} is elsewhere")

    def same_bytes(self, s: _Sent, d: Field) -> bool:
        """Whether the destination reads as many bytes as were sent here."""
        sent = s.size * s.count
        if d.num is not None:
            return sent == d.total_size if self.counts_known else s.size == d.size
        # no count: a value or buffer of d.size bytes, a variable array (VMSTATE_VARRAY_*, VBUFFER: no num even
        # since 8.1) of elements of d.size bytes, or, in a dump before 8.1, any array of such elements
        if s.size == d.size or sent == d.size:
            return True
        return not self.counts_known and d.size > 0 and sent % d.size == 0


def _shape(count: int, size: int) -> str:
    return f"{count}×{size} bytes" if count != 1 else f"{size} bytes"


def _dest_size(d: Field) -> str:
    return f"{d.num}×{d.size}" if d.num is not None else str(d.size)


def _nested_known(dest: Vmsd) -> dict[str, Vmsd]:
    """Subsections of the destination's nested structs, by name."""
    known: dict[str, Vmsd] = {}
    for f in dest.fields or ():
        if f.description is not None:
            known.update({s.name: s for s in f.description.subsections})
            known.update(_nested_known(f.description))
    return known
