"""The non-DSF input readers, as fuzz targets: what each must do with any bytes, and its seeds.

A reader either accepts its input or refuses it with its own typed error (a ``DevstateError``
with a stable code and, for binary formats, an offset inside the input); anything else — an
``IndexError``, a ``RecursionError``, a hang, unbounded memory — is a bug. Shared by
``fuzz/run_readers.py`` (atheris, long campaigns) and ``tests/fuzz/test_fuzz_readers.py``.

Targets:

- ``virtio-parts``: a virtio 1.4 device-parts result (raw and vfio framing) imported into
  every org.virtio.net version; an accepted one must export again.
- ``nvme-state``: an NVMe controller-state transfer, both layouts; an accepted one must
  export again (or refuse with CANNOT_EXPORT).
- ``qemu-dump``: a ``-dump-vmstate`` JSON file, read and imported into schema skeletons, and
  compared with itself.
- ``qemu-stream``: a QEMU migration stream read whole (``parse_stream``), then every virtio
  device section in it parsed as QEMU's loader does.
- ``qemu-virtio``: a virtio-net and a virtio-blk device section payload parsed directly.
"""

from __future__ import annotations

import json
import struct
import sys
from collections.abc import Callable, Iterator
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
for entry in (ROOT, ROOT / "tests" / "support"):
    if str(entry) not in sys.path:
        sys.path.insert(0, str(entry))

CONFORMANCE = ROOT / "spec" / "conformance" / "bridges"
VENDOR_UUID = "5b6c4a58-0d6f-4f6e-9a1b-3c2d1e0f9a8b"
"""The format of any vendor-specific controller state in the fuzzed inputs (the CLI asks for one)."""
Check = Callable[[bytes], str]
"""A target: returns the outcome ("accepted" or the error code); raises on a bug."""


def _located(error: object, size: int) -> str:
    """The code of a typed error, after checking its offset lies inside the input."""
    code = getattr(error, "code", None)
    if not isinstance(code, str) or not code:
        raise AssertionError(f"error without a code: {error!r}")
    offset = getattr(error, "offset", None)
    if isinstance(offset, int) and not 0 <= offset <= size:
        raise AssertionError(f"offset {offset} outside the {size}-byte input: {error!r}")
    return code


@cache
def _net_schemas() -> tuple[object, ...]:
    from devstate.schema import load_schema

    return tuple(load_schema(ROOT / "schemas" / "org.virtio.net" / f"{v}.yaml") for v in ("1.1", "2.0", "3.0"))


def check_virtio_parts(data: bytes) -> str:
    """Both framings, each into every org.virtio.net version; an accepted one must export again.

    The parts are read once per framing (``list_parts``): that is where most inputs are refused,
    and ``import_parts`` reads them the same way for every version (the device type, net, is the
    only thing it takes from the schema), so it would refuse them there with the same error each
    time. Parts that read are imported into each version, which checks the state and exports it
    again to find the losses; a state accepted by a version is then exported by ``export_parts``
    (export, import back, compare).
    """
    from devstate.bridges import BridgeError
    from devstate.bridges.virtio import export_parts, import_parts, list_parts

    outcomes = set()
    for framing in ("raw", "vfio"):
        try:
            list_parts(data, framing)
        except BridgeError as error:
            outcomes.add(_located(error, len(data)))
            continue
        for schema in _net_schemas():
            try:
                result = import_parts(schema, data, framing)  # type: ignore[arg-type]
            except BridgeError as error:
                outcomes.add(_located(error, len(data)))
                continue
            export_parts(schema, result.state, allow_lossy=True)  # type: ignore[arg-type]
            outcomes.add("accepted")
    return "accepted" if "accepted" in outcomes else min(outcomes)


@cache
def _nvme_schema() -> object:
    from devstate.schema import load_schema

    return load_schema(ROOT / "schemas" / "org.nvmexpress.ctrl" / "1.1.yaml")


def check_nvme_state(data: bytes) -> str:
    from devstate.bridges import BridgeError
    from devstate.bridges.nvme import LAYOUTS, export_state, import_state

    schema = _nvme_schema()
    outcome = "refused"
    for layout in LAYOUTS:
        try:
            result = import_state(schema, data, layout=layout, vendor_uuid=VENDOR_UUID)  # type: ignore[arg-type]
        except BridgeError as error:
            outcome = outcome if outcome == "accepted" else _located(error, len(data))
            continue
        try:
            export_state(schema, result.state, layout=layout, allow_lossy=True)  # type: ignore[arg-type]
        except BridgeError as error:
            if error.code != "CANNOT_EXPORT":
                raise
        outcome = "accepted"
    return outcome


def check_qemu_dump(data: bytes) -> str:
    from devstate.vmstate.compat import compare_dumps
    from devstate.vmstate.dump import DumpError, parse_dump
    from devstate.vmstate.importer import import_dump

    try:
        dump = parse_dump(data, "fuzz.json")
    except DumpError as error:
        return _located(error, len(data))
    import_dump(dump)
    report = compare_dumps(dump, dump)
    undescribed = {key for key, d in dump.devices.items() if "Description" in d.vmsd.unverified}
    wrong = [f for f in report.findings if not (f.rule.id == "QV-S004" and f.device in undescribed)
             and not (f.rule.id == "QV-V002" and _empty_window(f.detail))]
    assert not wrong, f"a dump compared with itself: {wrong}"
    return "accepted"


def _empty_window(detail: str) -> bool:
    """QEMU's own dumps hold version windows with nothing in them (minimum_version_id above
    version_id, e.g. PIIX3-xen): such a device refuses even its own stream, and says so."""
    numbers = [int(word) for word in detail.split() if word.isdigit()]
    return len(numbers) == 2 and numbers[0] < numbers[1]


def check_qemu_stream(data: bytes) -> str:
    from devstate.qemu.extract import KINDS
    from devstate.qemu.stream import StreamError, parse_stream
    from devstate.qemu.virtio import device
    from devstate.qemu.virtio.errors import QemuStateError

    try:
        stream = parse_stream(data, "fuzz.bin")
    except StreamError as error:
        return _located(error, len(data))
    outcome = "accepted"
    for section in stream.devices():
        if section.vmsd_name in KINDS:
            try:
                device.parse(data[section.body:section.body_end], section.body, KINDS[section.vmsd_name],
                             section.name)
            except QemuStateError as error:
                outcome = "section " + _located(error, len(data))
    return outcome


def check_qemu_virtio(data: bytes) -> str:
    from devstate.qemu.virtio import device
    from devstate.qemu.virtio.blk import BLK
    from devstate.qemu.virtio.errors import QemuStateError
    from devstate.qemu.virtio.net import NET

    outcome = "refused"
    for kind in (NET, BLK):
        try:
            state = device.parse(data, 0, kind, "fuzz")
        except QemuStateError as error:
            outcome = outcome if outcome == "accepted" else _located(error, len(data))
            continue
        device.write(state, kind)
        outcome = "accepted"
    return outcome


TARGETS: dict[str, Check] = {
    "virtio-parts": check_virtio_parts,
    "nvme-state": check_nvme_state,
    "qemu-dump": check_qemu_dump,
    "qemu-stream": check_qemu_stream,
    "qemu-virtio": check_qemu_virtio,
}
"""Every reader fuzz target, by name."""

INSTRUMENT = {
    "virtio-parts": ["devstate.bridges"],
    "nvme-state": ["devstate.bridges"],
    "qemu-dump": ["devstate.vmstate"],
    "qemu-stream": ["devstate.qemu"],
    "qemu-virtio": ["devstate.qemu"],
}
"""The packages whose code coverage guides each target."""


# --- seeds -----------------------------------------------------------------------------


def seeds(target: str) -> Iterator[bytes]:
    """Valid and invalid inputs to start a campaign from (only what the checkout and the cache hold)."""
    if target == "virtio-parts":
        yield from (p.read_bytes() for p in sorted((CONFORMANCE / "virtio-parts").glob("*.bin")))
    elif target == "nvme-state":
        yield from (p.read_bytes() for p in sorted((CONFORMANCE / "nvme-controller-state").glob("*.bin")))
    elif target == "qemu-dump":
        yield from _dump_seeds()
    elif target == "qemu-stream":
        yield from _stream_seeds()
    elif target == "qemu-virtio":
        yield from _virtio_seeds()


def _dump_seeds() -> Iterator[bytes]:
    """One small dump per device type of a few real ones (the whole dumps are 0.8 MB)."""
    for path in _real("dump"):
        data = json.loads(path.read_text())
        machine = data.pop("vmschkmachine", None)
        for key in ("e1000", "hpet", "piix4_pm", "virtio-net-device", "ich9-ahci", "fw_cfg", "i8259"):
            if key in data:
                entry = {"vmschkmachine": machine, key: data[key]} if machine else {key: data[key]}
                yield json.dumps(entry).encode()


def _stream_seeds() -> Iterator[bytes]:
    from qemu_builder import small_stream

    yield small_stream()
    yield small_stream(footers=False)
    for path in _real("stream"):
        yield reduced_stream(path.read_bytes())


def _virtio_seeds() -> Iterator[bytes]:
    from devstate.qemu.stream import parse_stream

    for path in _real("stream"):
        data = path.read_bytes()
        for section in parse_stream(data).devices():
            if section.vmsd_name in ("virtio-net", "virtio-blk"):
                yield data[section.body:section.body_end]


def _real(kind: str) -> list[Path]:
    """QEMU data already in the cache (the fuzzers never start QEMU)."""
    from tools.debian import cache_dir

    folder = cache_dir() / "qemu"
    pattern = "qemu-*-pc.json" if kind == "dump" else "stream-*-pc-virtio-net.bin"
    return sorted(folder.glob(f"*/{pattern}"))


def reduced_stream(data: bytes, keep: tuple[str, ...] = ("timer", "cpu", "fw_cfg", "virtio-net")) -> bytes:
    """A real stream with only a few device sections (and no RAM), its self-description cut to match:
    small enough to fuzz, still every record kind a real one has."""
    from devstate.qemu.stream import VMDESCRIPTION, parse_stream

    stream = parse_stream(data)
    out = bytearray(data[:8])
    if stream.configuration is not None:
        out += data[stream.configuration.offset:stream.configuration.end]
    chosen = [s for s in stream.devices() if s.vmsd_name in keep]
    for section in chosen:
        out += data[section.offset:section.end]
    out += b"\x00"
    assert stream.description_offset is not None
    description = json.loads(data[stream.description_offset + 5:])
    names = {(s.name, s.instance_id) for s in chosen}
    description["devices"] = [d for d in description["devices"] if (d["name"], d["instance_id"]) in names]
    text = json.dumps(description).encode()
    return bytes(out) + bytes([VMDESCRIPTION]) + struct.pack(">I", len(text)) + text
