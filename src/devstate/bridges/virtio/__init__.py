"""The virtio device parts bridge (virtio 1.4 device parts ⇄ devstate state)."""

from devstate.bridges.virtio.compile import VirtioMapping, compile_mapping
from devstate.bridges.virtio.convert import (
           ExportResult,
           ImportResult,
           describe_part,
           export_parts,
           import_parts,
           list_parts,
)

__all__ = ["ExportResult", "ImportResult", "VirtioMapping", "compile_mapping", "describe_part", "export_parts",
           "import_parts", "list_parts"]
