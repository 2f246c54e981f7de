"""Turning QEMU names into devstate names: model ids, identifiers, unique names.

QEMU device types (``ICH9-LPC``, ``cfi.pflash01``), VMState names (``e1000/full_mac_state``)
and field names (``mac_reg[CTRL]``, ``tx.header``) use characters devstate names do not
allow. The mapping is deterministic; the original name is always kept in the
``annotations.qemu`` of the generated node.
"""

from __future__ import annotations

import hashlib
import re

from devstate.ir import SCALAR_SIZES

MODEL_PREFIX = "org.qemu."
MAX_IDENTIFIER = 64
MAX_MODEL_ID = 128
_RESERVED = {*SCALAR_SIZES, "bytes", "string", "array", "struct", "enum", "flags"}


def model_id(device: str) -> str:
    """``ICH9-LPC`` → ``org.qemu.ich9-lpc``: lower case, runs of other characters → ``-``."""
    segment = re.sub(r"[^a-z0-9]+", "-", device.lower()).strip("-") or "device"
    if not segment[0].isalpha():
        segment = "d-" + segment
    return _shorten(MODEL_PREFIX + segment, MAX_MODEL_ID, device, "-")


def identifier(name: str, fallback: str = "x") -> str:
    """``mac_reg[CTRL]`` → ``mac_reg_ctrl``: a devstate identifier (``[a-z][a-z0-9_]*``)."""
    text = re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_") or fallback
    if not text[0].isalpha():
        text = f"{fallback}_{text}"
    if text in _RESERVED:
        text += "_"
    return _shorten(text, MAX_IDENTIFIER, name, "_")


def _shorten(text: str, limit: int, original: str, sep: str) -> str:
    """``text`` cut to ``limit`` characters, ending in a hash of ``original`` when cut."""
    if len(text) <= limit:
        return text
    digest = hashlib.sha256(original.encode()).hexdigest()[:8]
    return text[: limit - len(digest) - 1].rstrip("_-") + sep + digest


class UniqueNames:
    """Hands out distinct identifiers: the second ``config`` becomes ``config_2``."""

    def __init__(self) -> None:
        self.used: set[str] = set()

    def take(self, wanted: str) -> str:
        name, n = wanted, 1
        while name in self.used:
            n += 1
            suffix = f"_{n}"
            name = wanted[: MAX_IDENTIFIER - len(suffix)] + suffix
        self.used.add(name)
        return name
