"""Streams a destination QEMU must refuse, made from real ones: one precise change each.

Every mutation starts from a stream real QEMU saved (``tools/qemu_data.py``), finds the bytes
to change with ``devstate.qemu.stream`` (so offsets are never guessed) and keeps the stream
consistent with its own self-description, so the stream reader still reads it and only the
destination's loader can object. The cases (``MUTATIONS``) are loaded by real QEMU in
tests/qemu/test_qemu_oracle.py and judged by devstate in tests/qemu/test_qemu_agreement.py.
"""

from __future__ import annotations

import json
import struct
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from devstate.qemu.stream import SUBSECTION, VMDESCRIPTION, Section, Stream, read_stream


def _section(stream: Stream, name: str) -> Section:
    section = stream.device(name)
    if section is None:
        raise KeyError(f"{stream.path}: no section {name!r}")
    return section


def _version_offset(section: Section) -> int:
    """The be32 version id of a FULL section's header: type, id, name (u8 length + bytes), instance."""
    return section.offset + 1 + 4 + 1 + len(section.name) + 4


def section_version(name: str, version: int) -> Callable[[Stream, bytes], bytes]:
    """The section header of ``name`` claims ``version`` (the body stays as the source wrote it)."""

    def mutate(stream: Stream, data: bytes) -> bytes:
        at = _version_offset(_section(stream, name))
        return data[:at] + struct.pack(">I", version) + data[at + 4:]

    return mutate


def subsection_version(name: str, subsection: str, version: int) -> Callable[[Stream, bytes], bytes]:
    """The subsection ``subsection`` of section ``name`` claims ``version``."""

    def mutate(stream: Stream, data: bytes) -> bytes:
        vmsd = _section(stream, name).vmsd
        sub = vmsd.subsection(subsection) if vmsd else None
        if sub is None:
            raise KeyError(f"{stream.path}: {name} sends no subsection {subsection!r}")
        at = sub.offset + 1 + 1 + len(sub.name)
        assert data[sub.offset] == SUBSECTION
        return data[:at] + struct.pack(">I", version) + data[at + 4:]

    return mutate


def rename(section: str, old: str, new: str) -> Callable[[Stream, bytes], bytes]:
    """Inside the record of ``section`` and in the self-description (never in RAM pages or block
    names), every ``old`` becomes ``new`` of the same length: a subsection name, or the device's
    own VMState name (and with it its section and subsection names)."""
    if len(old) != len(new):
        raise ValueError("a rename keeps the length")

    def mutate(stream: Stream, data: bytes) -> bytes:
        record = _section(stream, section)
        start, end, desc = record.offset, record.end, stream.description_offset
        assert desc is not None
        if old.encode() not in data[start:end]:
            raise KeyError(f"{stream.path}: no {old!r} in {section}")
        a, b = old.encode(), new.encode()
        return data[:start] + data[start:end].replace(a, b) + data[end:desc] + data[desc:].replace(a, b)

    return mutate


def grow_array(name: str, field: str, extra: int) -> Callable[[Stream, bytes], bytes]:
    """The array ``field`` of section ``name`` is sent with ``extra`` more (zero) elements, and the
    self-description says so (``array_len``): what a source with a longer array would send."""

    def mutate(stream: Stream, data: bytes) -> bytes:
        section = _section(stream, name)
        extent = section.vmsd.field(field) if section.vmsd else None
        if extent is None or extent.count < 2:
            raise KeyError(f"{stream.path}: {name} has no array field {field!r}")
        assert stream.description_offset is not None
        description = json.loads(data[stream.description_offset + 5:])
        entry = next(d for d in description["devices"] if d["name"] == name)
        item = next(f for f in entry["fields"] if f["name"] == field)
        item["array_len"] += extra
        text = json.dumps(description, separators=(",", ":")).encode()
        body = data[:extent.end] + bytes(extent.size * extra) + data[extent.end:stream.description_offset]
        return body + bytes([VMDESCRIPTION]) + struct.pack(">I", len(text)) + text

    return mutate


@dataclass(frozen=True)
class Mutation:
    """A real stream (``release``, ``scenario``) changed by ``change``, loaded by QEMU ``dest``
    with the scenario's devices on ``dest_machine``."""

    name: str
    release: str
    scenario: str
    change: Callable[[Stream, bytes], bytes]
    dest: str
    dest_machine: str
    why: str

    def make(self, source: Path, out: Path) -> Path:
        out.write_bytes(self.change(read_stream(source), source.read_bytes()))
        return out


MUTATIONS: tuple[Mutation, ...] = (
    Mutation("section-too-new", "7.2", "pc-e1000", section_version("0000:00:02.0/e1000", 3), "7.2", "pc",
             "a section version the destination does not have"),
    Mutation("section-too-old", "7.2", "pc-virtio-net", section_version("0000:00:02.0/virtio-net", 10), "10.0",
             "pc-i440fx-7.2", "a section version below the destination's minimum"),
    Mutation("unknown-subsection", "7.2", "pc-e1000",
             rename("0000:00:02.0/e1000", "e1000/mit_state", "e1000/xit_state"), "10.0", "pc-i440fx-7.2",
             "a subsection the destination does not know"),
    Mutation("subsection-too-new", "10.0", "pc-i440fx-7.2-e1000",
             subsection_version("0000:00:02.0/e1000", "e1000/full_mac_state", 2), "7.2", "pc",
             "a subsection version the destination does not have"),
    Mutation("longer-array", "7.2", "pc-virtio-net", grow_array("0000:00:01.0/PIIX3", "pci_irq_levels_vmstate", 1),
             "10.0", "pc-i440fx-7.2", "a fixed array sent longer than the destination reads it"),
    Mutation("unknown-section", "7.2", "pc-e1000", rename("0000:00:02.0/e1000", "e1000", "e100x"), "7.2",
             "pc", "a section the destination has no device for"),
)
"""Streams the tests generate for a destination to refuse, one reason each."""
