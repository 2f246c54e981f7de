"""Section names of a standard schema, read from its YAML without building the IR.

``devstate inspect`` labels the sections of a blob it does not decode; loading the full
schema (meta-schema check, IR build) would cost more than the rest of the command. The
standard schemas are validated by the test suite, so reading their ``sections`` and
``vendor_sections`` lists is enough; any file that does not read cleanly gives no names.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml

from devstate.errors import UsageError
from devstate.schema.registry import find_schema_file

try:
    _Loader: Any = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - PyYAML without libyaml
    _Loader = yaml.SafeLoader


@dataclass(frozen=True)
class SectionNames:
    """Names by id, of a ``MODEL@VERSION``; vendor sections keyed by (``pci:0x…``/``uuid:…``, id)."""

    ident: str
    standard: dict[int, str] = field(default_factory=dict)
    vendor: dict[tuple[str, int], str] = field(default_factory=dict)


def section_names(ident: str) -> SectionNames | None:
    """The section names of the standard schema ``MODEL@VERSION``, or None when it is not known."""
    try:
        path = find_schema_file(ident).path
        document = yaml.load(path.read_text(encoding="utf-8"), Loader=_Loader)
        return SectionNames(ident, _standard(document), _vendor(document))
    except (UsageError, OSError, UnicodeDecodeError, yaml.YAMLError, TypeError, KeyError, ValueError,
            AttributeError):
        return None


def _standard(document: dict[str, Any]) -> dict[int, str]:
    return {int(entry["id"]): str(entry["name"]) for entry in document.get("sections") or []}


def _vendor(document: dict[str, Any]) -> dict[tuple[str, int], str]:
    names = {}
    for entry in document.get("vendor_sections") or []:
        vendor = entry["vendor"]
        namespace = f"pci:{int(vendor['pci']):#06x}" if "pci" in vendor else f"uuid:{str(vendor['uuid']).lower()}"
        names[(namespace, int(entry["id"]))] = str(entry["name"])
    return names
