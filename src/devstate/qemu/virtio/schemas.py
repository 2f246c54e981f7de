"""The schemas the translation speaks: the standard models and QEMU's vendor-section models."""

from __future__ import annotations

import functools

from devstate import ir
from devstate.schema import find_schema_file, load_schema

STANDARD = {"virtio-net": "org.virtio.net@1.1", "virtio-blk": "org.virtio.blk@1.2"}
"""The standard model version each QEMU device is extracted to (the newest 1.x with a vendor section)."""
VENDOR = {"virtio-net": "org.qemu.virtio.net@1.0", "virtio-blk": "org.qemu.virtio.blk@1.0"}
"""The model of the DSF blob inside the QEMU vendor section of each device type."""
VENDOR_SECTION = "impl_private"
"""The standard models' optional implementation-private vendor section (pci:0x1af4 #1) that carries it."""
VENDOR_NAMESPACE = "pci:0x1af4"


@functools.cache
def schema(ident: str) -> ir.Schema:
    """The IR of a schema named ``MODEL@VERSION`` (loaded once)."""
    return load_schema(find_schema_file(ident).path)
