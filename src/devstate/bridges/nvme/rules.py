"""The NVMe rules over the queues of a controller state: what a destination could not re-create.

Set Controller State creates the I/O queues the NVMe Controller State lists ("the controller
state shall be verified and committed ... Creating any I/O Submission Queues and I/O
Completion Queues specified by the NVMe Controller State field"), so each entry must be a
queue that Create I/O Submission/Completion Queue would accept (NVMe Base 2.1 5.1.1, 5.1.2;
3.3.3 "Queue Size", "Queue Identifier") and the lists are ordered as the state structure
requires ("The I/O Submission Queue list shall be listed in ascending order by I/O Submission
Queue Identifier", and likewise the completion queues). In stream order, per entry:

- QSIZE is 0's based and a queue has at least two slots: QSIZE 0 is Invalid Queue Size;
- a queue identifier is 1 to 65535 and unique per list: 0 or a repeat is Invalid Queue
  Identifier; a list out of ascending order is QUEUE_ORDER;
- the head and tail pointers index a slot: 0 to QSIZE;

then, per submission queue, the completion queue it names: CQID 0 (the admin completion
queue) is Invalid Queue Identifier, a CQID no completion queue of the state has is
Completion Queue Invalid. Several submission queues may share one completion queue.
"""

from __future__ import annotations

from devstate.bridges.errors import BridgeCode, BridgeDecodeError
from devstate.bridges.nvme import tables
from devstate.bridges.nvme.stream import ControllerState, parse_state
from devstate.bridges.nvme.tables import HeaderLayout
from devstate.bridges.values import Item

NAMES = {"IOSQ": "submission", "IOCQ": "completion"}


def read_state(data: bytes | bytearray | memoryview, layout: HeaderLayout) -> ControllerState:
    """The controller state in ``data``, checked on its own and against the queue rules."""
    state = parse_state(data, layout)
    check_queues(state)
    return state


def check_queues(state: ControllerState) -> None:
    for record in tables.RECORDS:
        _entries(state, record)
    known = {_int(entry["QID"]) for entry in state.cqs}
    for index, entry in enumerate(state.sqs):
        cqid = _int(entry["CQID"])
        at = state.entry_offset("IOSQ", index) + _offset("IOSQ", "CQID")
        if cqid == 0:
            raise BridgeDecodeError(BridgeCode.INVALID_QUEUE_ID, at, f"IOSQ[{index}]",
                                    "IOSQCQID is 0h, the Admin Completion Queue: Create I/O Submission Queue aborts "
                                    "with Invalid Queue Identifier")
        if cqid not in known:
            listed = ", ".join(map(str, sorted(known))) or "none"
            raise BridgeDecodeError(BridgeCode.INVALID_CQ, at, f"IOSQ[{index}]",
                                    f"IOSQCQID {cqid} names no I/O completion queue of the state (IOCQQIDs: "
                                    f"{listed}): Completion Queue Invalid")


def _int(item: Item) -> int:
    assert isinstance(item, int)
    return item


def _offset(record: str, slot: str) -> int:
    return tables.RECORDS[record].slot(slot).offset


def _entries(state: ControllerState, record: str) -> None:
    previous: int | None = None
    seen: dict[int, int] = {}
    for index, entry in enumerate(state.entries(record)):
        _entry(state, record, index, entry)
        qid = _int(entry["QID"])
        at = state.entry_offset(record, index) + _offset(record, "QID")
        label = f"{record}[{index}]"
        if qid in seen:
            raise BridgeDecodeError(BridgeCode.INVALID_QUEUE_ID, at, label,
                                    f"{record}QID {qid} is already used by {record}[{seen[qid]}]: Invalid Queue "
                                    "Identifier")
        if previous is not None and qid < previous:
            raise BridgeDecodeError(BridgeCode.QUEUE_ORDER, at, label,
                                    f"{record}QID {qid} follows {previous}: the I/O {NAMES[record]} queue list "
                                    "shall be listed in ascending order by queue identifier")
        seen[qid] = index
        previous = qid


def _entry(state: ControllerState, record: str, index: int, entry: dict[str, Item]) -> None:
    base = state.entry_offset(record, index)
    label = f"{record}[{index}]"
    qsize, qid = _int(entry["QSIZE"]), _int(entry["QID"])
    if qid == 0:
        raise BridgeDecodeError(BridgeCode.INVALID_QUEUE_ID, base + _offset(record, "QID"), label,
                                f"{record}QID is 0h, the admin queue: I/O queue identifiers are 1 to 65535 "
                                "(Invalid Queue Identifier)")
    if qsize == 0:
        raise BridgeDecodeError(BridgeCode.INVALID_QUEUE_SIZE, base + _offset(record, "QSIZE"), label,
                                f"{record}QSIZE is 0h (0's based: one slot); the minimum size for a queue is two "
                                "slots (Invalid Queue Size)")
    for pointer in ("HP", "TP"):
        value = _int(entry[pointer])
        if value > qsize:
            raise BridgeDecodeError(BridgeCode.BAD_POINTER, base + _offset(record, pointer), label,
                                    f"{record}{pointer} {value} is past the last slot of a {qsize + 1}-slot queue "
                                    f"(QSIZE {qsize}, 0's based)")
