"""``devstate qemu extract``: every virtio-net and virtio-blk device of a QEMU stream as a standard DSF blob.

Each blob is of the standard model (org.virtio.net@1.1, org.virtio.blk@1.2) with the QEMU
vendor state (an org.qemu.virtio.* blob) in its optional impl_private vendor section. The
stream is read once by devstate.qemu.stream (RAM skimmed, device sections delimited) and
only the virtio device sections' bytes are read; nothing is written unless every device
translated.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from devstate.fileio import write_atomically
from devstate.interp import encode
from devstate.qemu.stream import Section, Stream, read_stream
from devstate.qemu.virtio import device, to_standard
from devstate.qemu.virtio.blk import BLK
from devstate.qemu.virtio.errors import QemuCode, QemuStateError
from devstate.qemu.virtio.net import NET
from devstate.qemu.virtio.report import DeviceReport
from devstate.qemu.virtio.schemas import STANDARD, VENDOR, VENDOR_SECTION, schema

KINDS: dict[str, device.DeviceKind] = {"virtio-net": NET, "virtio-blk": BLK}
"""Device VMState names (the self-description's vmsd_name) devstate translates."""
MAX_SECTION = 1 << 24
"""The largest device section read (a virtio-pci section is about 46 KiB)."""


@dataclass(frozen=True)
class ExtractedDevice:
    section: str
    instance: int
    model: str
    blob: bytes
    report: DeviceReport
    path: Path | None = None


def blob_name(section: str) -> str:
    """The file name of a device's blob: ``0000:00:03.0/virtio-net`` → ``0000-00-03.0_virtio-net.dsf``."""
    return section.replace(":", "-").replace("/", "_") + ".dsf"


def read_payload(stream: Path, section: Section) -> bytes:
    if section.body_size > MAX_SECTION:
        raise QemuStateError(QemuCode.OUT_OF_RANGE, section.body, f"{section.name}: section",
                             f"{section.body_size} bytes; a virtio device section is under {MAX_SECTION}")
    with stream.open("rb") as handle:
        handle.seek(section.body)
        return handle.read(section.body_size)


def virtio_sections(stream: Stream) -> list[Section]:
    return [s for s in stream.devices() if s.vmsd_name in KINDS]


def parse_section(stream: Path, section: Section,
                  properties: dict[str, int] | None = None) -> device.VirtioState:
    kind = KINDS[section.vmsd_name]
    return device.parse(read_payload(stream, section), section.body, kind, section.name, properties)


def extract_device(stream: Path, section: Section,
                   properties: dict[str, int] | None = None) -> ExtractedDevice:
    state = parse_section(stream, section, properties)
    extracted = to_standard.extract(state, section.name, section.instance_id, properties)
    vendor = encode(schema(VENDOR[state.kind]), extracted.vendor)
    extracted.standard["vendor_sections"][VENDOR_SECTION] = vendor
    blob = encode(schema(STANDARD[state.kind]), extracted.standard)
    return ExtractedDevice(section.name, section.instance_id, STANDARD[state.kind], blob, extracted.report)


@dataclass
class Extraction:
    stream: Path
    machine: str
    devices: list[ExtractedDevice]
    seconds: float


def extract(stream: Path, out_dir: Path | None, properties: dict[str, dict[str, int]] | None = None) -> Extraction:
    """Translate every virtio device of ``stream``; write the blobs into ``out_dir`` when given."""
    start = time.perf_counter()
    properties = properties or {}
    read = read_stream(stream)
    sections = virtio_sections(read)
    unknown = set(properties) - {s.name for s in sections} - {"*"}
    if unknown:
        raise QemuStateError(QemuCode.NO_DEVICE, None, sorted(unknown)[0], "no virtio device section of that name "
                             f"(the stream has: {', '.join(s.name for s in sections) or 'none'})")
    devices = [extract_device(stream, s, {**properties.get("*", {}), **properties.get(s.name, {})})
               for s in sections]
    if out_dir is not None:
        out_dir.mkdir(parents=True, exist_ok=True)
        written = []
        for found in devices:
            path = out_dir / blob_name(found.section)
            write_atomically(path, found.blob)
            written.append(ExtractedDevice(found.section, found.instance, found.model, found.blob, found.report, path))
        devices = written
    machine = read.configuration.machine if read.configuration else ""
    return Extraction(stream, machine, devices, time.perf_counter() - start)
