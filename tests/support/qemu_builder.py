"""Writing QEMU migration streams byte by byte for tests (the layout of migration/savevm.c).

``StreamBuilder`` appends records the way QEMU writes them and keeps the self-description
in step, so a test can make a valid stream, then break exactly one thing in it.
"""

from __future__ import annotations

import json
import struct
from dataclasses import dataclass, field
from typing import Any

PAGE = 4096


def name(text: str) -> bytes:
    raw = text.encode()
    return bytes([len(raw)]) + raw


@dataclass
class StreamBuilder:
    machine: str | None = "pc-i440fx-7.2"
    footers: bool = True
    data: bytearray = field(default_factory=lambda: bytearray(struct.pack(">II", 0x5145564D, 3)))
    devices: list[dict[str, Any]] = field(default_factory=list)
    next_id: int = 0

    def __post_init__(self) -> None:
        if self.machine is not None:
            raw = self.machine.encode()
            self.data += b"\x07" + struct.pack(">I", len(raw)) + raw

    def section_id(self) -> int:
        self.next_id += 1
        return self.next_id - 1

    def footer(self, section_id: int) -> None:
        if self.footers:
            self.data += b"\x7e" + struct.pack(">I", section_id)

    def ram(self, blocks: dict[str, int], pages: list[tuple[str, int, bytes | int]]) -> int:
        """A RAM START (block list), one PART with ``pages`` ((block, address, bytes or fill byte)), END."""
        sid = self.section_id()
        self.data += b"\x01" + struct.pack(">I", sid) + name("ram") + struct.pack(">II", 0, 4)
        self.data += struct.pack(">Q", sum(blocks.values()) | 0x04)
        for block, length in blocks.items():
            self.data += name(block) + struct.pack(">Q", length)
        self.data += struct.pack(">Q", 0x10)
        self.footer(sid)
        self.data += b"\x02" + struct.pack(">I", sid)
        last = None
        for block, address, content in pages:
            flags = 0x08 if isinstance(content, bytes) else 0x02
            if block == last:
                flags |= 0x20
            self.data += struct.pack(">Q", address | flags)
            if block != last:
                self.data += name(block)
            self.data += content if isinstance(content, bytes) else bytes([content])
            last = block
        self.data += struct.pack(">Q", 0x10)
        self.footer(sid)
        self.data += b"\x03" + struct.pack(">I", sid) + struct.pack(">Q", 0x10)
        self.footer(sid)
        return sid

    def device(self, section: str, fields: list[tuple[str, str, bytes]], instance: int = 0, version: int = 1,
               subsections: list[tuple[str, int, list[tuple[str, str, bytes]]]] = ()) -> int:  # type: ignore[assignment]
        """A FULL section: ``fields`` (name, QEMU type, bytes), then ``subsections`` (name, version, fields)."""
        sid = self.section_id()
        vmsd_name = section.rsplit("/", 1)[-1]
        self.data += b"\x04" + struct.pack(">I", sid) + name(section) + struct.pack(">II", instance, version)
        entry: dict[str, Any] = {"name": section, "instance_id": instance, "vmsd_name": vmsd_name, "version": version,
                                 "fields": [self._field(f) for f in fields]}
        if subsections:
            entry["subsections"] = []
            for sub_name, sub_version, sub_fields in subsections:
                self.data += b"\x05" + name(sub_name) + struct.pack(">I", sub_version)
                entry["subsections"].append({"vmsd_name": sub_name, "version": sub_version,
                                             "fields": [self._field(f) for f in sub_fields]})
        self.footer(sid)
        self.devices.append(entry)
        return sid

    def _field(self, f: tuple[str, str, bytes]) -> dict[str, Any]:
        field_name, kind, raw = f
        self.data += raw
        return {"name": field_name, "type": kind, "size": len(raw)}

    def finish(self, description: bool = True) -> bytes:
        out = bytes(self.data) + b"\x00"
        if description:
            text = json.dumps({"page_size": PAGE, "devices": self.devices}).encode()
            out += b"\x06" + struct.pack(">I", len(text)) + text
        return out


def small_stream(**kwargs: Any) -> bytes:
    """A valid stream: 2 RAM blocks (a page and a zero page), two devices, one with a subsection."""
    b = StreamBuilder(**kwargs)
    b.ram({"pc.ram": 4 * PAGE, "pc.bios": PAGE}, [("pc.ram", 0, b"\xab" * PAGE), ("pc.ram", PAGE, 0),
                                                  ("pc.bios", 0, 0)])
    b.device("timer", [("cpu_ticks_offset", "int64", bytes(8)), ("cpu_clock_offset", "int64", bytes(8))])
    b.device("0000:00:02.0/e1000", [("parent_obj", "struct", bytes(3)), ("rxbuf_size", "uint32", b"\0\0\x08\0")],
             version=2, subsections=[("e1000/full_mac_state", 1, [("mac_reg", "buffer", bytes(16))])])
    return b.finish()
