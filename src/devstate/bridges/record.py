"""Bridge records: what a standard blob said beyond its values, kept in the DSF state it became.

A standard format says more than the values a schema keeps: which virtio device parts a
GET returned and in which order, how many feature words, whether an NVMe state had an
NVMe-defined part at all. An import keeps that in a **bridge record**, an optional vendor
section under the bridge's own UUID namespace (id 1), so that the same export writes the
same bytes back: import → DSF → export is byte-exact exactly when nothing was lost.

The record is optional: a reader that does not know the namespace skips it (and keeps it
when it re-encodes), and every schema version carries it without declaring it. A state
without a record (written by a device, or edited) exports in the bridge's canonical form.
"""

from __future__ import annotations

from typing import Any

from devstate.state import State
from devstate.wire.sections import FLAG_OPTIONAL, FLAG_VENDOR

RECORD_ID = 1


def record_entry(namespace: str, payload: bytes) -> dict[str, Any]:
    """The state's ``unknown_sections`` entry for a record under ``uuid:<namespace>``."""
    return {"id": RECORD_ID, "flags": FLAG_OPTIONAL | FLAG_VENDOR, "vendor": f"uuid:{namespace}", "payload": payload}


def find_record(state: State, namespace: str) -> bytes | None:
    """The payload of the record under ``uuid:<namespace>`` in ``state``, if it has one."""
    for entry in state.get("unknown_sections", []):
        if entry.get("vendor") == f"uuid:{namespace}" and entry.get("id") == RECORD_ID:
            return bytes(entry["payload"])
    return None


def with_record(state: State, namespace: str, payload: bytes) -> State:
    """``state`` with its record under ``namespace`` replaced by ``payload``."""
    kept = [entry for entry in state.get("unknown_sections", [])
            if not (entry.get("vendor") == f"uuid:{namespace}" and entry.get("id") == RECORD_ID)]
    return {**state, "unknown_sections": [*kept, record_entry(namespace, payload)]}


def without_record(state: State, namespace: str) -> State:
    """``state`` without a record under ``namespace`` (for comparing states by their values)."""
    kept = [entry for entry in state.get("unknown_sections", [])
            if not (entry.get("vendor") == f"uuid:{namespace}" and entry.get("id") == RECORD_ID)]
    return {**state, "unknown_sections": kept}
