"""The real QEMU 7.2 migration stream's self-description, as a second data source.

It shows what ``-dump-vmstate`` cannot: array lengths and QEMU types. These tests pin the
limitation the importer documents (the dump's ``size`` of an array is its element size).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from devstate.qemu.stream import StreamError
from devstate.qemu.stream import read_description_json as read_self_description
from devstate.vmstate.dump import Vmsd, load_dump


def _array_fields(fields: list[dict[str, Any]], vmsd: str, out: list[tuple[str, dict[str, Any]]]) -> None:
    for f in fields:
        if "array_len" in f:
            out.append((vmsd, f))
        if "struct" in f:
            _array_fields(f["struct"].get("fields", []), f["struct"]["vmsd_name"], out)


def _descriptions(vmsd: Vmsd, found: dict[str, Vmsd]) -> None:
    found.setdefault(vmsd.name, vmsd)
    for f in vmsd.fields or ():
        if f.description is not None:
            _descriptions(f.description, found)
    for sub in vmsd.subsections:
        _descriptions(sub, found)


def test_self_description(stream_72: Path) -> None:
    description = read_self_description(stream_72)
    assert description["page_size"] == 4096
    names = [d["name"] for d in description["devices"]]
    assert len(names) == 31 and "0000:00:02.0/virtio-net" in names
    (net,) = [d for d in description["devices"] if d["vmsd_name"] == "virtio-net"]
    assert net["version"] == 11 and [f["name"] for f in net["fields"]] == ["virtio"]


def test_the_dump_shows_element_sizes_not_array_lengths(stream_72: Path, pc_json: Path) -> None:
    descriptions: dict[str, Vmsd] = {}
    for device in load_dump(pc_json).devices.values():
        _descriptions(device.vmsd, descriptions)
    arrays: list[tuple[str, dict[str, Any]]] = []
    for device in read_self_description(stream_72)["devices"]:
        _array_fields(device["fields"], device["vmsd_name"], arrays)
    seen: dict[tuple[str, str], tuple[int, int, int]] = {}
    for vmsd, f in arrays:
        match = [d for d in (descriptions[vmsd].fields or ()) if d.name == f["name"]] if vmsd in descriptions else []
        if match and f["type"] != "struct":
            seen[(vmsd, f["name"])] = (match[0].size, f["array_len"], f["size"])
    assert seen[("PIIX3", "pci_irq_levels_vmstate")] == (4, 4, 4)
    assert seen[("ioapic", "ioredtbl")] == (8, 24, 8)
    assert seen[("vmmouse", "queue")] == (4, 1024, 4)
    assert len(seen) >= 7
    for dump_size, _, element_size in seen.values():
        assert dump_size == element_size
    hpet_timer = next(f for vmsd, f in arrays if (vmsd, f["name"]) == ("hpet", "timer"))
    assert (hpet_timer["type"], hpet_timer["array_len"], hpet_timer["size"]) == ("struct", 3, 42)
    assert next(f for f in descriptions["hpet"].fields or () if f.name == "timer").size == 64


def test_not_a_stream(tmp_path: Path) -> None:
    bad = tmp_path / "x.bin"
    bad.write_bytes(b"nope")
    with pytest.raises(StreamError, match="NOT_A_STREAM at byte 0"):
        read_self_description(bad)


def test_truncated_stream(tmp_path: Path, stream_72: Path) -> None:
    cut = tmp_path / "cut.bin"
    cut.write_bytes(stream_72.read_bytes()[:-10])
    with pytest.raises(StreamError, match="NO_DESCRIPTION"):
        read_self_description(cut)
