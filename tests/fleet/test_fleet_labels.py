"""Kubernetes node labels and node affinity: the Kubernetes rules, and that the affinity
selects exactly the hosts that load the VM's state as saved."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from fleet_helpers import example_hosts, host, net, vm, write_jsonl
from hypothesis import given
from hypothesis import strategies as st

from devstate.cli import main
from devstate.fleet.inventory import load_inventory, load_record
from devstate.fleet.labels import Requirement, affinity, key, signature_labels, valid_key, valid_value
from devstate.fleet.pairs import PairCache
from devstate.fleet.place import place
from devstate.fleet.pools import make_pools
from devstate.fleet.registry import Registry

REGISTRY = Registry()


@pytest.mark.parametrize("text", [
    "a", "devstate.dev/org.virtio.net.v1.1", "x/" + "n" * 63, "a-b_c.d", "example.com/A9",
    ".".join(["p" * 63] * 3) + "." + "q" * 61 + "/name",
])
def test_valid_keys(text: str) -> None:
    assert valid_key(text)


@pytest.mark.parametrize("text", [
    "", "/name", "n" * 64, "x/" + "n" * 64, "-a", "a-", "a b", "a/b/c", "Upper.Case/name", "a..b/c", "-x.dev/n",
    "x" * 64 + ".dev/n", ".".join(["p" * 63] * 4) + "/name", "a_b.dev/name",
])
def test_invalid_keys(text: str) -> None:
    assert not valid_key(text)


def test_values() -> None:
    assert all(valid_value(v) for v in ("", "true", "1", "9223372036854775807", "a.b-c_d", "v" * 63))
    assert not any(valid_value(v) for v in ("v" * 64, "-1", "a ", "x.", "é"))


@given(st.lists(st.text(min_size=1, max_size=80), min_size=1, max_size=5))
def test_every_generated_key_is_valid(parts: list[str]) -> None:
    made = key(*parts)
    assert valid_key(made), made
    assert made == key(*parts)


def test_long_names_are_shortened_with_a_hash() -> None:
    long = key("com.example.some-very-long-vendor-name.device-model", "v1.0", "queue-count", "max")
    assert long.startswith("devstate.dev/com.example.some-very-long-vendor-name.device-m")
    assert len(long.partition("/")[2]) == 63
    assert long != key("com.example.some-very-long-vendor-name.device-model", "v1.0", "queue-count", "min")


def test_example_labels(tmp_path: Path) -> None:
    inventory = load_inventory(write_jsonl(tmp_path / "h.jsonl", example_hosts()))
    pools = make_pools(inventory)
    for pool in pools:
        labels = signature_labels(pool.signature, pool.digest, REGISTRY)
        assert all(valid_key(k) and valid_value(v) for k, v in labels.items())
    rich = signature_labels(pools[0].signature, pools[0].digest, REGISTRY)
    assert {k: v for k, v in rich.items() if "max-queue-pairs" in k or k.endswith((".mq.true", ".mq.false"))} == {
        "devstate.dev/org.virtio.net.v1.0.max-queue-pairs.min": "1",
        "devstate.dev/org.virtio.net.v1.0.max-queue-pairs.max": "8",
        "devstate.dev/org.virtio.net.v1.0.mq.false": "true",
        "devstate.dev/org.virtio.net.v1.0.mq.true": "true",
        "devstate.dev/org.virtio.net.v1.1.max-queue-pairs.min": "1",
        "devstate.dev/org.virtio.net.v1.1.max-queue-pairs.max": "8",
        "devstate.dev/org.virtio.net.v1.1.mq.false": "true",
        "devstate.dev/org.virtio.net.v1.1.mq.true": "true",
    }
    plain = signature_labels(pools[2].signature, pools[2].digest, REGISTRY)
    assert plain["devstate.dev/org.virtio.net.v1.0.max-queue-pairs.max"] == "1"
    assert "devstate.dev/org.virtio.net.v1.0.mq.true" not in plain


def test_requirement_operators() -> None:
    labels = {"a": "true", "n": "8"}
    assert Requirement("a", "In", ("true",)).matches(labels)
    assert not Requirement("b", "In", ("true",)).matches(labels)
    assert Requirement("b", "NotIn", ("true",)).matches(labels)
    assert not Requirement("a", "NotIn", ("true",)).matches(labels)
    assert Requirement("a", "Exists").matches(labels) and Requirement("b", "DoesNotExist").matches(labels)
    assert Requirement("n", "Gt", ("7",)).matches(labels) and not Requirement("n", "Gt", ("8",)).matches(labels)
    assert Requirement("n", "Lt", ("9",)).matches(labels) and not Requirement("n", "Lt", ("8",)).matches(labels)
    assert not Requirement("a", "Gt", ("0",)).matches(labels) and not Requirement("m", "Lt", ("9",)).matches(labels)


def _selected(vm_record: dict[str, object], hosts: list[dict[str, object]],
              tmp_path: Path) -> tuple[set[str], set[str]]:
    """(hosts the affinity selects by their labels, hosts where every device migrates directly)."""
    inventory = load_inventory(write_jsonl(tmp_path / "h.jsonl", hosts))
    (tmp_path / "vm.json").write_text(json.dumps(vm_record), encoding="utf-8")
    name, devices = load_record(tmp_path / "vm.json")
    chosen = affinity(name, devices, REGISTRY)
    assert chosen.complete
    placement = place(name, devices, inventory, PairCache(REGISTRY))
    by_labels = {inventory.names[i] for p in placement.pools for i in p.pool.hosts
                 if chosen.matches(signature_labels(p.pool.signature, p.pool.digest, REGISTRY))}
    direct = {inventory.names[i] for p in placement.pools if p.direct for i in p.pool.hosts}
    return by_labels, direct


@pytest.mark.parametrize("devices", [
    [net(["1.1"], {"max-queue-pairs": 2, "mq": True})],
    [net(["1.0", "1.1"])],
    [net(["1.1", "2.0"], {"max-queue-pairs": 8})],
    [net(["1.1"], {"max-queue-pairs": 9})],
    [net(["1.0"]), {"model": "org.virtio.blk", "versions": ["1.1"]}],
])
def test_affinity_selects_exactly_the_direct_hosts(devices: list[dict[str, object]], tmp_path: Path) -> None:
    hosts = [*example_hosts(), host("new", net(["1.1", "2.0"], supported={"max-queue-pairs": {"min": 1}}))]
    by_labels, direct = _selected(vm("v", *devices), hosts, tmp_path)
    assert by_labels == direct


def test_affinity_is_safe_where_labels_cannot_say_everything(tmp_path: Path) -> None:
    gaps = host("gaps", net(["1.1"], supported={"max-queue-pairs": {"values": [1, 4, 16]}}))
    by_labels, direct = _selected(vm("v", net(["1.1"], {"max-queue-pairs": 4})), [gaps], tmp_path)
    assert (by_labels, direct) == (set(), {"gaps"})  # one interval of 1, 4, 16 is labelled: {1}
    by_labels, direct = _selected(vm("v", net(["1.1"])), [gaps], tmp_path)
    assert by_labels == direct == {"gaps"}


def test_cli_labels_and_affinity(tmp_path: Path) -> None:
    hosts = write_jsonl(tmp_path / "h.jsonl", example_hosts())
    runner = CliRunner()
    out = json.loads(runner.invoke(main, ["fleet", "labels", str(hosts), "--json"]).output)
    assert [(p["pool"], p["hosts"]) for p in out["pools"]] == [
        ("P1", ["rich-1", "rich-2"]), ("P2", ["disk-1"]), ("P3", ["plain-1"])]
    kubectl = runner.invoke(main, ["fleet", "labels", str(hosts), "--kubectl"]).output.splitlines()
    assert len(kubectl) == 4 and kubectl[0].startswith("kubectl label node --overwrite rich-1 devstate.dev/pool=")
    (tmp_path / "vm.json").write_text(json.dumps(vm("web", net(["1.1"], {"mq": True}))), encoding="utf-8")
    result = runner.invoke(main, ["fleet", "affinity", str(tmp_path / "vm.json")])
    assert result.exit_code == 0, result.output
    manifest = yaml.safe_load(result.output)
    (term,) = manifest["affinity"]["nodeAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"][
        "nodeSelectorTerms"]
    assert {"key": "devstate.dev/org.virtio.net.v1.1.mq.true", "operator": "In", "values": ["true"]} in \
        term["matchExpressions"]
    matching = [p for p in out["pools"]
                if all(Requirement(e["key"], e["operator"], tuple(e.get("values", ()))).matches(p["labels"])
                       for e in term["matchExpressions"])]
    assert [p["pool"] for p in matching] == ["P1", "P2"]
