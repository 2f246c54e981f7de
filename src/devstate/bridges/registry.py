"""The bridges by name, with one import and one export entry point each (for the CLI and docs)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from devstate import ir
from devstate.bridges.report import BridgeReport
from devstate.state import State


@dataclass(frozen=True)
class Imported:
    state: State
    report: BridgeReport


@dataclass(frozen=True)
class Exported:
    data: bytes
    report: BridgeReport
    extra: dict[str, Any]


@dataclass(frozen=True)
class Bridge:
    name: str
    title: str
    namespace: str
    import_: Callable[..., Imported]
    export: Callable[..., Exported]


def _virtio_import(schema: ir.Schema, data: bytes, **options: Any) -> Imported:
    from devstate.bridges.virtio import import_parts

    result = import_parts(schema, data, framing=options.get("framing") or "auto")
    return Imported(result.state, result.report)


def _virtio_export(schema: ir.Schema, state: State, **options: Any) -> Exported:
    from devstate.bridges.virtio import export_parts

    result = export_parts(schema, state, allow_lossy=options.get("allow_lossy", False),
                          framing=options.get("framing") or "raw")
    return Exported(result.data, result.report, {"parts": len(result.parts)})


def _nvme_import(schema: ir.Schema, data: bytes, **options: Any) -> Imported:
    from devstate.bridges.nvme import DEFAULT_LAYOUT, import_state

    result = import_state(schema, data, layout=options.get("layout") or DEFAULT_LAYOUT,
                          vendor_uuid=options.get("vendor_uuid"))
    return Imported(result.state, result.report)


def _nvme_export(schema: ir.Schema, state: State, **options: Any) -> Exported:
    from devstate.bridges.nvme import DEFAULT_LAYOUT, export_state

    result = export_state(schema, state, layout=options.get("layout") or DEFAULT_LAYOUT,
                          vendor_uuid=options.get("vendor_uuid"), allow_lossy=options.get("allow_lossy", False))
    return Exported(result.data, result.report, {"layout": result.controller.layout, "vendor_uuid": result.vendor_uuid})


BRIDGES: dict[str, Bridge] = {
    "virtio-parts": Bridge("virtio-parts", "virtio device parts", "virtio-parts", _virtio_import, _virtio_export),
    "nvme-controller-state": Bridge("nvme-controller-state", "NVMe controller state", "nvme-controller-state",
                                    _nvme_import, _nvme_export),
}
