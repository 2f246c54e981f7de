"""Host and VM records for the fleet tests."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

NET = "org.virtio.net"
BLK = "org.virtio.blk"


def net(versions: list[str], params: dict[str, Any] | None = None, supported: dict[str, Any] | None = None,
        vendor: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    device: dict[str, Any] = {"model": NET, "versions": versions}
    if params:
        device["params"] = params
    if supported:
        device["supported_params"] = supported
    if vendor:
        device["vendor_sections"] = vendor
    return device


def host(name: str, *devices: dict[str, Any]) -> dict[str, Any]:
    return {"host": name, "devices": list(devices)}


def vm(name: str, *devices: dict[str, Any]) -> dict[str, Any]:
    return {"vm": name, "devices": list(devices)}


RICH = net(["1.0", "1.1"], {"max-queue-pairs": 4, "mq": True},
           {"max-queue-pairs": {"min": 1, "max": 8}, "mq": {"values": [False, True]}})
PLAIN = net(["1.0"])
BLOCK = {"model": BLK, "versions": ["1.0", "1.1"]}


def example_hosts() -> list[dict[str, Any]]:
    """Two rich hosts, one plain one (receives only plain VMs), one with a disk too."""
    return [host("rich-1", RICH), host("rich-2", RICH), host("plain-1", PLAIN), host("disk-1", RICH, BLOCK)]


def write_jsonl(path: Path, records: list[Any]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path
