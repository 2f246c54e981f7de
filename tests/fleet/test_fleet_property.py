"""The fleet view agrees with pairwise check-migration on random small fleets.

For every pair of hosts: ``pools`` says the destination's pool can receive from the
source's exactly when check-migration (and the shared verdict) accepts each device of the
source for the destination's device of that model. For a random VM: ``place`` names
exactly the hosts pairwise checks accept, and ``affinity`` (by the hosts' labels) exactly
those where every device loads as saved at a version both list. A VM started with the set's
``baseline`` passes check-migration against every host, and each richer parameter value
the baseline reports as held back fails exactly on the hosts it names.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from devstate.compat.params import DeviceDescription, parse_description
from devstate.compat.verdict import Verdict, check_devices
from devstate.fleet.baseline import baseline
from devstate.fleet.inventory import Inventory, Signature, load_inventory, load_record
from devstate.fleet.labels import affinity, signature_labels
from devstate.fleet.pairs import PairCache
from devstate.fleet.place import place
from devstate.fleet.pools import pool_graph
from devstate.fleet.registry import Registry

REGISTRY = Registry()
NET, BLK = "org.virtio.net", "org.virtio.blk"
PRIVATE = {"vendor": "pci:0x1af4", "id": 1, "name": "impl_private"}  # declared optional by net 1.1
IPSEC = {"vendor": "pci:0x8086", "id": 7, "name": "ipsec"}  # declared nowhere: required


def _versions(choices: list[str]) -> st.SearchStrategy[list[str]]:
    return st.lists(st.sampled_from(choices), min_size=1, max_size=len(choices), unique=True)


@st.composite
def net_devices(draw: st.DrawFn) -> dict[str, Any]:
    device: dict[str, Any] = {"model": NET, "versions": draw(_versions(["1.0", "1.1", "2.0"]))}
    params: dict[str, Any] = {}
    supported: dict[str, Any] = {}
    limit = draw(st.sampled_from([None, 1, 2, 4, 8]))
    if limit is not None:
        supported["max-queue-pairs"] = draw(st.sampled_from([
            {"min": 1, "max": limit}, {"values": list(range(1, limit + 1))}, {"values": [limit]}]))
        params["max-queue-pairs"] = draw(st.integers(1, limit))
    elif draw(st.booleans()):
        params["max-queue-pairs"] = 1
    mq = draw(st.sampled_from([None, [False], [True], [False, True]]))
    if mq is not None:
        supported["mq"] = {"values": mq}
    if draw(st.booleans()):
        params["mq"] = draw(st.booleans())
    if params:
        device["params"] = params
    if supported:
        device["supported_params"] = supported
    sections = draw(st.lists(st.sampled_from([PRIVATE, IPSEC]), unique_by=lambda v: v["id"], max_size=2))
    if sections:
        device["vendor_sections"] = sections
    return device


@st.composite
def device_sets(draw: st.DrawFn) -> list[dict[str, Any]]:
    devices = [draw(net_devices())]
    if draw(st.booleans()):
        devices.append({"model": BLK, "versions": draw(_versions(["1.0", "1.1", "1.2"]))})
    return devices


@st.composite
def fleets(draw: st.DrawFn) -> tuple[list[list[dict[str, Any]]], list[dict[str, Any]]]:
    configurations = draw(st.lists(device_sets(), min_size=1, max_size=3))
    hosts = draw(st.lists(st.sampled_from(configurations), min_size=1, max_size=5))
    return hosts, draw(device_sets())


def _device_ok(source: DeviceDescription, destination: DeviceDescription | None) -> tuple[bool, bool]:
    """(check-migration and the verdict accept it, it loads at a common version as saved)."""
    if destination is None:
        return False, False
    common = set(source.versions) & set(destination.versions)
    schema = next((s for v in sorted(common or source.versions, reverse=True)
                   if (s := REGISTRY.schema_for(source.model, v)) is not None), None)
    check, verdict = check_devices(source, destination, schema, REGISTRY.schema_for)
    ok = check.compatible and verdict.ok
    return ok, ok and verdict.verdict is Verdict.COMPATIBLE and verdict.writes == verdict.loads


def _pairwise(source: list[DeviceDescription], destination: list[DeviceDescription]) -> tuple[bool, bool]:
    by_model = {d.model: d for d in destination}
    outcomes = [_device_ok(d, by_model.get(d.model)) for d in source]
    return all(o[0] for o in outcomes), all(o[1] for o in outcomes)


def _descriptions(devices: list[dict[str, Any]]) -> list[DeviceDescription]:
    return [parse_description(d) for d in devices]


def _load(tmp: Path, hosts: list[list[dict[str, Any]]], vm: list[dict[str, Any]]) -> tuple[Inventory, Signature]:
    (tmp / "hosts.jsonl").write_text("".join(json.dumps({"host": f"h{i}", "devices": d}) + "\n"
                                             for i, d in enumerate(hosts)), encoding="utf-8")
    (tmp / "vm.json").write_text(json.dumps({"vm": "v", "devices": vm}), encoding="utf-8")
    inventory = load_inventory(tmp / "hosts.jsonl", strict=True)
    return inventory, load_record(tmp / "vm.json")[1]


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(fleets())
def test_fleet_agrees_with_pairwise_check_migration(fleet: tuple[list[list[dict[str, Any]]], list[dict[str, Any]]]
                                                    ) -> None:
    hosts, vm = fleet
    with tempfile.TemporaryDirectory() as tmp:
        inventory, vm_devices = _load(Path(tmp), hosts, vm)
    pairs = PairCache(REGISTRY)
    graph = pool_graph(inventory, pairs)
    pool_index = {host: index for index, pool in enumerate(graph.pools) for host in pool.hosts}
    described = [_descriptions(d) for d in hosts]
    for a, source in enumerate(described):
        for b, destination in enumerate(described):
            assert graph.receives(pool_index[a], pool_index[b]) == _pairwise(source, destination)[0], (a, b)

    placement = place("v", vm_devices, inventory, pairs, graph.pools)
    vm_described = _descriptions(vm)
    targets = {i for p in placement.targets for i in p.pool.hosts}
    assert targets == {i for i, d in enumerate(described) if _pairwise(vm_described, d)[0]}
    direct = {i for i, d in enumerate(described) if _pairwise(vm_described, d)[1]}
    assert {i for p in placement.pools if p.direct for i in p.pool.hosts} == direct
    chosen = affinity("v", vm_devices, REGISTRY)
    labelled = {i for p in graph.pools for i in p.hosts
                if chosen.matches(signature_labels(p.signature, p.digest, REGISTRY))}
    assert labelled == direct

    result = baseline(inventory, REGISTRY, graph.pools)
    for model in result.models:
        if model.device is None:
            continue
        for index, destination in enumerate(described):
            assert _pairwise([model.device], destination)[0], (model.model, index)
        for held in model.held_back:
            if held.what != "param":
                continue
            richer = DeviceDescription(model.model, model.device.versions,
                                       {**model.device.params, held.name: held.richer},  # type: ignore[dict-item]
                                       vendor_sections=model.device.vendor_sections)
            refusing = {i for p in held.pools for i in p.hosts}
            assert {i for i, d in enumerate(described) if not _pairwise([richer], d)[0]} == refusing
