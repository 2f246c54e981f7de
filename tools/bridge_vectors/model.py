"""A conformance vector: its files, what a reader must do with them, and the passages it rests on."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from tools.bridge_vectors.spec import QUOTES


@dataclass
class Vector:
    name: str
    bridge: str
    """``virtio-parts`` or ``nvme-controller-state``."""
    files: list[tuple[str, bytes]]
    """(file name, bytes): one blob, or the transfers of one NVMe state in order."""
    description: str
    rests_on: list[str]
    """Keys of ``spec.QUOTES``."""
    schema: str = ""
    """The schema to import into (``MODEL@VERSION``), for valid vectors."""
    options: dict[str, Any] = field(default_factory=dict)
    """Import options: ``framing`` (virtio), ``layout``, ``vendor_uuid`` (NVMe)."""
    decoded: dict[str, Any] | None = None
    """Valid vectors: the expected ``parts decode --json`` / ``nvme-state decode --json`` (without ``file``)."""
    losses: list[str] = field(default_factory=list)
    """Valid vectors: where each loss the import must report is (empty: lossless)."""
    export_options: dict[str, Any] = field(default_factory=dict)
    """Export options that give the input back (``framing``)."""
    exported: str = "same"
    """``same``: export writes the input byte for byte; ``state``: the state's extent (padding dropped);
    ``no``: the export differs (the vector has losses)."""
    error: dict[str, Any] | None = None
    """Invalid vectors: ``code``, ``number``, ``offset``."""
    rule: str = ""
    """What kind of statement the vector rests on: a ``MUST``/``MUST NOT``/``shall`` of the standard, a
    ``descriptive`` sentence, or devstate's ``reading`` where the standard is silent (see the bridge page)."""

    def entry(self, directory: str) -> dict[str, Any]:
        out: dict[str, Any] = {"name": self.name, "bridge": self.bridge,
                               "files": [f"{directory}/{name}" for name, _ in self.files],
                               "valid": self.error is None}
        if self.error is None:
            out.update({"schema": self.schema, "import": self.options, "decoded": f"{directory}/{self.name}.json",
                        "losses": self.losses, "export": self.export_options, "exported": self.exported})
        else:
            out.update({"import": self.options, "error": self.error})
        out["rule"] = self.rule
        out["rests_on"] = [QUOTES[key] for key in self.rests_on]
        out["description"] = self.description
        return out
