"""Standards bridges: convert between devstate state and other standards' state formats.

Each bridge is generic over schema annotations in its own namespace (the vocabulary is
spec/bridges/index.md); the standard's layouts are data tables in the bridge's package.

- ``devstate.bridges.virtio``: virtio 1.4 device parts (and the Linux vfio stream around them).
- ``devstate.bridges.nvme``: NVMe live-migration controller state (TP4159).
"""

from devstate.bridges.errors import (
    AnnotationError,
    BridgeCode,
    BridgeDecodeError,
    BridgeError,
    BridgeExportError,
    LossyExportError,
)
from devstate.bridges.report import BridgeReport, Loss, Uncovered

__all__ = ["AnnotationError", "BridgeCode", "BridgeDecodeError", "BridgeError", "BridgeExportError", "BridgeReport",
           "Loss", "LossyExportError", "Uncovered"]
