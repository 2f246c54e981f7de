"""``devstate qemu inject``: standard state written back into a QEMU stream, everything else copied through.

Each blob (org.virtio.net or org.virtio.blk, any version that converts to 1.1 / 1.2) is
assigned to a virtio device of the stream: ``SECTION=BLOB`` names it, a bare ``BLOB`` takes
the next device of its model in stream order. Every blob is decoded, translated and
checked against its device first (from_standard: what the device cannot hold is refused);
only then is the new stream written, atomically, in one pass that copies all other bytes
in chunks (constant memory) and replaces the device payloads. When a payload's length
changes, the device's size in the trailing self-description is updated too.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from devstate import ir
from devstate.compat.convert import ConversionError, convert_state
from devstate.fileio import read_regular, write_atomically
from devstate.interp import decode
from devstate.qemu.extract import KINDS, parse_section, virtio_sections
from devstate.qemu.stream import VMDESCRIPTION, Section, Stream, read_description_json, read_stream
from devstate.qemu.virtio import device, from_standard
from devstate.qemu.virtio.errors import QemuCode, QemuStateError
from devstate.qemu.virtio.report import DeviceReport
from devstate.qemu.virtio.schemas import STANDARD, VENDOR, VENDOR_SECTION, schema
from devstate.state import State
from devstate.wire.header import parse_header

MAX_BLOB = 16 << 20
CHUNK = 1 << 20
MODELS = {ident.partition("@")[0]: kind for kind, ident in STANDARD.items()}
"""Standard model → QEMU device kind."""


@dataclass
class Blob:
    path: Path
    section: str | None
    state: State = field(default_factory=dict)
    vendor: State | None = None
    notes: list[str] = field(default_factory=list)


@dataclass
class InjectedDevice:
    section: str
    blob: Path
    payload: bytes
    report: DeviceReport
    old_size: int


@dataclass
class Injection:
    stream: Path
    output: Path | None
    devices: list[InjectedDevice]
    seconds: float = 0.0


def parse_blob_argument(argument: str) -> Blob:
    """``PATH`` or ``SECTION=PATH`` (a section name has a ``/``, a path to a blob may too: ``=`` decides)."""
    section, sep, path = argument.rpartition("=")
    return Blob(Path(path), section if sep else None)


def load_blob(blob: Blob) -> Blob:
    data = read_regular(blob.path, MAX_BLOB)
    header = parse_header(memoryview(data))
    kind = MODELS.get(header.model)
    if kind is None:
        raise QemuStateError(QemuCode.NO_DEVICE, None, str(blob.path), f"a {header.model} blob; QEMU's virtio "
                             f"devices take {', '.join(sorted(MODELS))}")
    source = schema(f"{header.model}@{header.version}")
    state = decode(source, data)
    target = ir.Version.parse(STANDARD[kind].partition("@")[2])
    if header.version != target:
        try:
            state = convert_state(state, source, target, lambda v: schema(f"{header.model}@{v}")).state
        except ConversionError as error:
            raise QemuStateError(QemuCode.CANNOT_REPRESENT, None, str(blob.path),
                                 f"{header.model}@{header.version} does not convert to {target}: {error.message}"
                                 ) from None
        blob.notes.append(f"converted from {header.model}@{header.version} to {target}")
    blob.state = state
    blob.vendor = _vendor_state(blob, state, kind)
    return blob


def _vendor_state(blob: Blob, state: State, kind: str) -> State | None:
    payload = state.get("vendor_sections", {}).get(VENDOR_SECTION)
    if payload is None:
        blob.notes.append("no QEMU vendor section: QEMU-only state from the stream's device")
        return None
    try:
        header = parse_header(memoryview(bytes(payload)))
    except Exception:
        blob.notes.append(f"the {VENDOR_SECTION} vendor section is not a QEMU vendor blob: skipped")
        return None
    if f"{header.model}@{header.version}" != VENDOR[kind]:
        blob.notes.append(f"the {VENDOR_SECTION} vendor section holds {header.model}@{header.version}, another "
                          "implementation's private state: skipped")
        return None
    try:
        return decode(schema(VENDOR[kind]), bytes(payload))
    except Exception as error:
        raise QemuStateError(QemuCode.BAD_VENDOR_SECTION, None, f"{blob.path}: {VENDOR_SECTION}", str(error)) from None


def assign(blobs: Sequence[Blob], sections: Sequence[Section]) -> list[tuple[Blob, Section]]:
    """Each blob with its device: named ones first, then the free devices of each model in stream order."""
    by_name = {s.name: s for s in sections}
    taken: dict[str, Blob] = {}
    for blob in blobs:
        if blob.section is None:
            continue
        if blob.section not in by_name:
            raise QemuStateError(QemuCode.NO_DEVICE, None, blob.section, "no virtio device section of that name")
        _take(taken, blob, by_name[blob.section])
    for blob in blobs:
        if blob.section is not None:
            continue
        kind = MODELS[blob.state["model"]]
        free = [s for s in sections if s.name not in taken and s.vmsd_name == kind]
        if not free:
            raise QemuStateError(QemuCode.NO_DEVICE, None, str(blob.path),
                                 f"no {kind} device of the stream is left for this blob")
        _take(taken, blob, free[0])
    return [(blob, by_name[name]) for name, blob in taken.items()]


def _take(taken: dict[str, Blob], blob: Blob, section: Section) -> None:
    if section.name in taken:
        raise QemuStateError(QemuCode.NO_DEVICE, None, section.name, f"two blobs for one device: "
                             f"{taken[section.name].path} and {blob.path}")
    if MODELS[blob.state["model"]] != section.vmsd_name:
        raise QemuStateError(QemuCode.NO_DEVICE, None, section.name,
                             f"{blob.path} holds {blob.state['model']} state for a {section.vmsd_name}")
    taken[section.name] = blob


def prepare(stream: Path, arguments: Sequence[str],
            properties: dict[str, dict[str, int]] | None = None) -> tuple[Stream, list[InjectedDevice]]:
    """Decode, assign, translate and check every blob; nothing is written."""
    properties = properties or {}
    index = read_stream(stream)
    blobs = [load_blob(parse_blob_argument(a)) for a in arguments]
    devices = []
    for blob, section in assign(blobs, virtio_sections(index)):
        props = {**properties.get("*", {}), **properties.get(section.name, {})}
        target = parse_section(stream, section, props)
        state, report = from_standard.inject(blob.state, blob.vendor, target, section.name, props)
        report.notes[:0] = blob.notes
        payload = device.write(state, KINDS[section.vmsd_name])
        devices.append(InjectedDevice(section.name, blob.path, payload, report, section.body_size))
    return index, devices


def inject(stream: Path, arguments: Sequence[str], output: Path | None,
           properties: dict[str, dict[str, int]] | None = None) -> Injection:
    """Check everything, then write the new stream to ``output`` (when given)."""
    start = time.perf_counter()
    index, devices = prepare(stream, arguments, properties)
    if output is not None:
        write_atomically(output, _chunks(index, devices))
    return Injection(stream, output, devices, time.perf_counter() - start)


def _chunks(index: Stream, devices: list[InjectedDevice]) -> Iterator[bytes]:
    replaced = {d.section: d for d in devices}
    cuts = sorted((s.body, s.body_end, replaced[s.name].payload) for s in index.devices() if s.name in replaced)
    resized = any(d.old_size != len(d.payload) for d in devices)
    if resized and index.description_offset is None:
        raise QemuStateError(QemuCode.UNSUPPORTED, None, "stream", "a device section changes size and the stream "
                                                                   "has no self-description to update")
    with Path(index.path).open("rb") as handle:
        position = 0
        for begin, end, payload in cuts:
            yield from _copy(handle, position, begin)
            yield payload
            position = end
        yield from _copy(handle, position, index.description_offset if resized and index.description_offset
                         else index.size)
        if resized:
            yield _description(index, replaced)


def _copy(handle: BinaryIO, begin: int, end: int) -> Iterator[bytes]:
    handle.seek(begin)
    left = end - begin
    while left > 0:
        chunk = handle.read(min(CHUNK, left))
        if not chunk:
            raise QemuStateError(QemuCode.TRUNCATED, begin, "stream", "the stream changed while it was copied")
        left -= len(chunk)
        yield chunk


def _description(index: Stream, replaced: dict[str, InjectedDevice]) -> bytes:
    """The self-description with the new sizes of the replaced devices' ``virtio`` field."""
    data = read_description_json(index.path)
    for entry in data["devices"]:
        found = replaced.get(entry.get("name"))
        if found is not None and entry.get("fields"):
            entry["fields"][0]["size"] = len(found.payload)
    text = json.dumps(data).encode()
    return bytes([VMDESCRIPTION]) + len(text).to_bytes(4, "big") + text
