"""The virtio-parts bridge's work grows linearly with the virtqueues of a stream, never faster.

An accepted stream fills one queue element per virtqueue up to its largest index (up to the
schema's 1024), and import and export walk those elements. The fuzz campaign of issue #19 found
that walk costing seconds per input (per-element defaults, conversions and lookups redone), so
these tests count it: Python function calls (deterministic, unlike time) of one import and one
export for streams of n, 2n and 4n virtqueues. Linear work makes the growth from n to 4n three
times the growth from n to 2n; quadratic work (a per-element pass over all elements) makes it
five times. Each import and export also converts the other way exactly once to find its losses.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Any

import pytest
from paths import SCHEMAS

from devstate.bridges.virtio import convert, export_parts, import_parts
from devstate.schema import load_schema
from tools.bridge_vectors.virtio import BASE, bits, device

PER_FIELD = 30
"""Calls per mapped field of a queue element without parts, over one import and one export (18 now;
87 before the element walk was worked out once per mapping)."""

NET = {version: load_schema(SCHEMAS / "org.virtio.net" / f"{version}.yaml") for version in ("1.1", "2.0", "3.0")}


def _queues(count: int) -> bytes:
    """A device with ``count`` virtqueues, each with its VQ_CFG and VQ_NOTIFY_CFG part."""
    return bytes(device(bits(*BASE), bits(*BASE), [256] * count).blob())


def _one_queue_at(index: int) -> bytes:
    """A device whose only VQ parts are for virtqueue ``index``: a few hundred bytes whatever the index."""
    stream = device(bits(*BASE), bits(*BASE), [], num_queues=1024)
    stream.vq_cfg(index, 256, 0, 1, 0x1000, 0x2000, 0x3000)
    stream.vq_notify(index, 0, index)
    return bytes(stream.blob())


@contextmanager
def _counting() -> Iterator[list[int]]:
    """Counts Python function calls made inside the block (C functions excluded)."""
    count = [0]

    def profile(frame: FrameType, event: str, arg: Any) -> None:
        if event == "call":
            count[0] += 1

    previous = sys.getprofile()
    sys.setprofile(profile)
    try:
        yield count
    finally:
        sys.setprofile(previous)


def _round_trip_calls(version: str, data: bytes) -> int:
    schema = NET[version]
    import_parts(schema, data, "raw")  # the mapping is compiled (and cached) before counting
    with _counting() as count:
        result = import_parts(schema, data, "raw")
        export_parts(schema, result.state, allow_lossy=True)
    return count[0]


def _growth(calls: Callable[[int], int], n: int) -> float:
    """(calls(4n) - calls(n)) / (calls(2n) - calls(n)): 3 for linear work, 5 for quadratic."""
    one, two, four = calls(n), calls(2 * n), calls(4 * n)
    assert one < two < four
    return (four - one) / (two - one)


@pytest.mark.parametrize("version", sorted(NET))
def test_work_is_linear_in_the_virtqueue_parts(version: str) -> None:
    growth = _growth(lambda count: _round_trip_calls(version, _queues(count)), 16)
    assert 2.9 < growth < 3.3, growth


@pytest.mark.parametrize("version", sorted(NET))
def test_work_for_far_virtqueue_indices_is_linear_in_the_elements_they_fill(version: str) -> None:
    """The input is the same size; the state holds index + 1 queues, and the work follows them."""
    sizes = {len(_one_queue_at(index)) for index in (63, 127, 255)}
    assert len(sizes) == 1
    growth = _growth(lambda count: _round_trip_calls(version, _one_queue_at(count - 1)), 64)
    assert 2.9 < growth < 3.3, growth


def test_a_queue_element_without_parts_costs_a_few_calls_per_field() -> None:
    """Each element the stream has no part for, over one import and one export (two imports and two
    exports inside): a few calls per mapped field, not the dozens of a generic walk per field."""
    fields = 8  # queues[].size, enabled, desc_addr, driver_addr, device_addr, msix_vector, notify_off, notify_data
    near, far = _round_trip_calls("3.0", _one_queue_at(63)), _round_trip_calls("3.0", _one_queue_at(1023))
    per_field = (far - near) / (1023 - 63) / fields
    assert per_field < PER_FIELD, per_field


def test_import_and_export_each_convert_back_once(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = {"_import": 0, "_export": 0}
    for name in calls:
        original = getattr(convert, name)

        def counted(*args: Any, name: str = name, original: Callable[..., Any] = original) -> Any:
            calls[name] += 1
            return original(*args)

        monkeypatch.setattr(convert, name, counted)
    schema = NET["3.0"]
    for count in (4, 64):
        calls.update(_import=0, _export=0)
        result = import_parts(schema, _queues(count), "raw")
        export_parts(schema, result.state, allow_lossy=True)
        assert calls == {"_import": 2, "_export": 2}, (count, calls)
