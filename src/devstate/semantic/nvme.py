"""org.nvmexpress.ctrl: the queue rules the NVMe base specification sets between queues.

The schema says them in words ("one of section io_cqs", "in increasing cqid order"); these
checks make them rules. They match what Create I/O Submission/Completion Queue and Set Controller
State require (NVMe Base 2.1 5.1.1, 5.1.2, 5.1.17.1.3; Figure 359's ascending lists).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from devstate.semantic import State, Violation, rule

MODEL = "org.nvmexpress.ctrl"
LISTS = (("io_cqs", "cqid"), ("io_sqs", "sqid"))


def _queues(state: State, section: str) -> list[dict[str, Any]]:
    value = state.get("sections", {}).get(section, [])
    return value if isinstance(value, list) else []


@rule("NVME-Q001", MODEL, "Queue identifiers are unique in io_cqs and in io_sqs (Invalid Queue Identifier)")
def unique_ids(state: State) -> Iterator[Violation]:
    for section, key in LISTS:
        seen: dict[int, int] = {}
        for index, queue in enumerate(_queues(state, section)):
            qid = queue[key]
            if qid in seen:
                yield Violation("NVME-Q001", f"$.sections.{section}[{index}].{key}",
                                f"{key} {qid} is already used by {section}[{seen[qid]}]")
            seen.setdefault(qid, index)


@rule("NVME-Q002", MODEL, "io_cqs and io_sqs are in ascending order of queue identifier")
def ascending(state: State) -> Iterator[Violation]:
    for section, key in LISTS:
        queues = _queues(state, section)
        for index in range(1, len(queues)):
            if queues[index][key] < queues[index - 1][key]:
                yield Violation("NVME-Q002", f"$.sections.{section}[{index}].{key}",
                                f"{key} {queues[index][key]} follows {queues[index - 1][key]}")


@rule("NVME-Q003", MODEL, "Each io_sqs[].cqid is the cqid of an I/O completion queue (Completion Queue Invalid)")
def completion_queue_exists(state: State) -> Iterator[Violation]:
    known = {queue["cqid"] for queue in _queues(state, "io_cqs")}
    for index, queue in enumerate(_queues(state, "io_sqs")):
        if queue["cqid"] not in known:
            listed = ", ".join(map(str, sorted(known))) or "none"
            yield Violation("NVME-Q003", f"$.sections.io_sqs[{index}].cqid",
                            f"cqid {queue['cqid']} names no queue of io_cqs (cqids: {listed})")


@rule("NVME-Q004", MODEL, "A queue's head and tail index one of its slots (below its size)")
def pointers_in_queue(state: State) -> Iterator[Violation]:
    for section, _ in LISTS:
        for index, queue in enumerate(_queues(state, section)):
            for pointer in ("head", "tail"):
                if queue[pointer] >= queue["size"]:
                    yield Violation("NVME-Q004", f"$.sections.{section}[{index}].{pointer}",
                                    f"{pointer} {queue[pointer]} is past the last slot of a {queue['size']}-entry "
                                    "queue")


@rule("NVME-Q005", MODEL, "An in-flight command comes from the admin queue (sqid 0) or a queue of io_sqs")
def inflight_queue_exists(state: State) -> Iterator[Violation]:
    known = {queue["sqid"] for queue in _queues(state, "io_sqs")} | {0}
    for index, command in enumerate(_queues(state, "inflight")):
        if command["sqid"] not in known:
            yield Violation("NVME-Q005", f"$.sections.inflight[{index}].sqid",
                            f"sqid {command['sqid']} is neither 0 (admin) nor a queue of io_sqs")
