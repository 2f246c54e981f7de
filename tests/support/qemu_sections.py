"""Test scaffolding: where a virtio device's section payload is in a QEMU stream the tests made.

Finds the QEMU_VM_SECTION_FULL header of the section by its id string and confirms it with
the stream's self-description (the device field's size) and the section footer that must
follow. Good enough for the tests' own streams; devstate.qemu.stream is what the
commands use.
"""

from __future__ import annotations

import struct
from pathlib import Path

from devstate.qemu.stream import read_description_json


def device_payload(stream: Path, idstr: str) -> tuple[int, bytes]:
    """The stream offset and bytes of the payload of the device section ``idstr``."""
    data = stream.read_bytes()
    sizes = {d["name"]: d["fields"][0]["size"] for d in read_description_json(stream)["devices"]}
    name = idstr.encode()
    at = data.find(bytes([len(name)]) + name)
    while at >= 0:
        header, section_id = data[at - 5], struct.unpack(">I", data[at - 4:at])[0]
        start = at + 1 + len(name) + 8
        end = start + sizes[idstr]
        if header == 0x04 and data[end:end + 5] == b"\x7e" + struct.pack(">I", section_id):
            return start, data[start:end]
        at = data.find(bytes([len(name)]) + name, at + 1)
    raise AssertionError(f"{stream}: no section {idstr}")
