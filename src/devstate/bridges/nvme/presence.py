"""What an NVMe controller state said beyond the queues: the nvme-controller-state bridge record.

An import keeps the controller state header exactly as read (48 bytes in the libnvme layout,
20 in the 2025 RFC's) as the payload of the bridge record (``devstate.bridges.record``). An
export of a state with a record writes its CSATTR (Controller Suspended, or not) and leaves
the NVMe-defined state out when the record's NVMECSS is 0 and the state has no I/O queue
(a Get Controller State with CSVI 0: "no Controller State field is returned"). Without a
record it writes CSATTR 1 and an NVMe-defined state, even with no queues.
"""

from __future__ import annotations

from dataclasses import dataclass

from devstate.bridges.nvme import tables
from devstate.bridges.record import find_record
from devstate.state import State

NAMESPACE = "cb98f3ee-d968-5309-93a0-9a59bca0b40b"
"""uuid5(NAMESPACE_URL, "https://devstate.dev/bridges/nvme-controller-state/header")."""


@dataclass(frozen=True)
class Recorded:
    csattr: int
    nvme_state: bool
    """Whether the state had an NVMe-defined state (NVMECSS not 0)."""


def recorded(state: State) -> tuple[Recorded | None, list[str]]:
    """What the state's record says (None without a usable record) and a note about the record."""
    payload = find_record(state, NAMESPACE)
    if payload is None:
        return None, []
    layout = next((layout for layout in tables.LAYOUTS.values() if layout.size == len(payload)), None)
    if layout is None:
        return None, [f"the bridge record (uuid:{NAMESPACE} #1, {len(payload)} bytes) is no controller state header; "
                      "ignored"]
    fields = {slot.name: slot.read(memoryview(payload)) for slot in layout.header.slots if not slot.reserved}
    csattr, nvmecss = fields["CSATTR"], fields["NVMECSS"]
    assert isinstance(csattr, int) and isinstance(nvmecss, int)
    return Recorded(csattr & tables.CSATTR_SUSPENDED, bool(nvmecss)), []
