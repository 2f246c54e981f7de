"""devstate fleet ...: the verbs as a user runs them (table, --json, files)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from fleet_helpers import example_hosts, net, vm, write_jsonl
from paths import SPEC

from devstate.cli import main


def run(*args: str) -> Result:
    return CliRunner().invoke(main, list(args))


@pytest.fixture
def hosts(tmp_path: Path) -> Path:
    return write_jsonl(tmp_path / "hosts.jsonl", example_hosts())


def test_pools_json(hosts: Path) -> None:
    result = run("fleet", "pools", str(hosts), "--json")
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    assert [(p["pool"], p["hosts"]) for p in out["pools"]] == [
        ("P1", ["rich-1", "rich-2"]), ("P2", ["disk-1"]), ("P3", ["plain-1"])]
    assert out["receives_from"] == {"P1": ["P1", "P3"], "P2": ["P1", "P2", "P3"], "P3": ["P3"]}
    missing = {(e["from"], e["to"]): [r["message"] for r in e["reasons"]] for e in out["missing"]}
    assert missing == {
        ("P2", "P1"): ["model: the destination has no org.virtio.blk device"],
        ("P1", "P3"): ["max-queue-pairs: the source uses 4; the destination supports only 1 (the default)",
                       "mq: the source uses true; the destination supports only false (the default)"],
        ("P2", "P3"): ["model: the destination has no org.virtio.blk device",
                       "max-queue-pairs: the source uses 4; the destination supports only 1 (the default)",
                       "mq: the source uses true; the destination supports only false (the default)"],
    }


def test_pools_table_names_each_missing_edge(hosts: Path) -> None:
    result = run("fleet", "pools", str(hosts))
    assert result.exit_code == 0, result.output
    assert "4 hosts in 3 pools" in result.output
    assert "P3 cannot receive from P2:\n" in result.output
    assert "  ✗ model: the destination has no org.virtio.blk device\n" in result.output


def test_pools_dot(hosts: Path, tmp_path: Path) -> None:
    result = run("fleet", "pools", str(hosts), "--dot", str(tmp_path / "pools.dot"))
    assert result.exit_code == 0, result.output
    dot = (tmp_path / "pools.dot").read_text(encoding="utf-8")
    assert 'P1 [label="P1\\n2 hosts\\norg.virtio.net@1.0/1.1"];' in dot
    assert [line for line in dot.splitlines() if "->" in line] == [
        "  P1 -> P2;", "  P3 -> P1;", "  P3 -> P2;"]


@pytest.mark.needs("graphviz")
def test_pools_svg(hosts: Path, tmp_path: Path) -> None:
    result = run("fleet", "pools", str(hosts), "--svg", str(tmp_path / "pools.svg"))
    assert result.exit_code == 0, result.output
    svg = (tmp_path / "pools.svg").read_text(encoding="utf-8")
    assert svg.lstrip().startswith("<?xml") and "<svg" in svg
    assert svg.count('class="node"') == 3 and svg.count('class="edge"') == 3


def test_malformed_records_are_reported_on_stderr(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "h.jsonl", [*example_hosts(), {"host": "x", "devices": "nope"}])
    result = run("fleet", "pools", str(path), "--json")
    assert result.exit_code == 0
    assert f"devstate: skipped: {path}:5: $.devices: invalid JSON in the devices column" in result.stderr
    strict = run("fleet", "pools", str(path), "--strict")
    assert strict.exit_code == 2
    assert strict.stderr.startswith(f"devstate: error: FLEET_RECORD_INVALID: {path}:5: $.devices: ")


def test_no_valid_record(tmp_path: Path) -> None:
    result = run("fleet", "pools", str(write_jsonl(tmp_path / "h.jsonl", ["x"])))
    assert result.exit_code == 2
    assert result.stderr.endswith(
        f"devstate: error: FLEET_RECORD_INVALID: {tmp_path / 'h.jsonl'}: no valid host record\n")


@pytest.fixture
def web(tmp_path: Path) -> Path:
    path = tmp_path / "web-1.json"
    path.write_text(json.dumps(vm("web-1", net(["1.1"], {"max-queue-pairs": 2, "mq": True}))), encoding="utf-8")
    return path


def test_place_json(web: Path, hosts: Path) -> None:
    result = run("fleet", "place", str(web), str(hosts), "--json")
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    assert out["host_count"] == 3
    assert [(p["pool"], p["ok"], p["hosts"]) for p in out["pools"]] == [
        ("P1", True, ["rich-1", "rich-2"]), ("P2", True, ["disk-1"]), ("P3", False, ["plain-1"])]
    (device,) = out["pools"][0]["devices"]
    assert {k: device[k] for k in ("model", "verdict", "version", "writes", "loads", "conversion")} == {
        "model": "org.virtio.net", "verdict": "compatible", "version": "1.1", "writes": "1.1", "loads": "1.1",
        "conversion": False}


def test_place_explain_names_every_reason(web: Path, hosts: Path) -> None:
    result = run("fleet", "place", str(web), str(hosts), "--explain", "plain-1")
    assert result.exit_code == 1
    assert result.output.splitlines()[:5] == [
        "web-1 → plain-1 (pool P3): cannot go",
        "  org.virtio.net:",
        "    ✗ max-queue-pairs: the source uses 2; the destination supports only 1 (the default)",
        "    ✗ mq: the source uses true; the destination supports only false (the default)",
        "    ✗ no common schema version: the source supports 1.1, the destination 1.0",
    ]
    assert run("fleet", "place", str(web), str(hosts), "--explain", "rich-1").exit_code == 0
    unknown = run("fleet", "place", str(web), str(hosts), "--explain", "nobody")
    assert unknown.exit_code == 2 and "no host 'nobody'" in unknown.stderr


@pytest.mark.parametrize(("versions", "verdict", "version", "conversion"), [
    (["1.1"], "conditional", "1.1", False),  # negotiate: saved as 1.1, loaded by 1.0 while defaults hold
    (["2.0"], "convert", None, True)])
def test_place_across_versions(tmp_path: Path, hosts: Path, versions: list[str], verdict: str, version: str | None,
                               conversion: bool) -> None:
    path = tmp_path / "newer.json"
    path.write_text(json.dumps(vm("newer", net(versions))), encoding="utf-8")
    out = json.loads(run("fleet", "place", str(path), str(hosts), "--json").output)
    (p3,) = [p for p in out["pools"] if p["pool"] == "P3"]
    (device,) = p3["devices"]
    assert (p3["ok"], p3["direct"]) == (True, False)
    assert {k: device[k] for k in ("verdict", "version", "writes", "loads", "conversion")} == {
        "verdict": verdict, "version": version, "writes": versions[0], "loads": "1.0", "conversion": conversion}


def test_baseline(hosts: Path, tmp_path: Path) -> None:
    result = run("fleet", "baseline", str(hosts), "--vm", str(tmp_path / "baseline.json"))
    assert result.exit_code == 1, result.output  # no org.virtio.blk on every host
    assert result.output.splitlines() == [
        "org.virtio.blk: no baseline",
        "  ✗ org.virtio.blk: 3 hosts (P1, P3) have no org.virtio.blk device",
        "org.virtio.net@1.0: every parameter at its default",
        "  held back: org.virtio.net: version 1.1 is held back by 1 host (P3) not listing it",
        "  held back: org.virtio.net: max-queue-pairs=8 is held back by 1 host (P3) not accepting it",
        "  held back: org.virtio.net: mq=true is held back by 1 host (P3) not accepting it",
    ]
    assert json.loads((tmp_path / "baseline.json").read_text(encoding="utf-8")) == {
        "vm": "baseline", "devices": [{"model": "org.virtio.net", "versions": ["1.0"],
                                       "description": "the baseline of org.virtio.net over the set"}]}


def test_baseline_without_the_holdout(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "h.jsonl", [r for r in example_hosts() if r["host"] != "plain-1"])
    out = json.loads(run("fleet", "baseline", str(path), "--json").output)
    (net_model,) = [m for m in out["models"] if m["model"] == "org.virtio.net"]
    assert net_model["baseline"]["versions"] == ["1.1"]
    assert net_model["baseline"]["params"] == {"max-queue-pairs": 8, "mq": True}
    assert net_model["held_back"] == []


def test_baseline_passes_check_migration_against_every_host(tmp_path: Path) -> None:
    """The baseline VM's device, through the check-migration command, against each host's device."""
    example = SPEC / "examples" / "fleet-hosts.jsonl"
    run("fleet", "baseline", str(example), "--vm", str(tmp_path / "baseline.json"))
    (device,) = json.loads((tmp_path / "baseline.json").read_text(encoding="utf-8"))["devices"]
    (tmp_path / "source.json").write_text(json.dumps(device), encoding="utf-8")
    hosts = [json.loads(line) for line in example.read_text(encoding="utf-8").splitlines()]
    for record in hosts:
        (dest,) = [d for d in record["devices"] if d["model"] == device["model"]]
        (tmp_path / "dest.json").write_text(json.dumps(dest), encoding="utf-8")
        result = run("check-migration", "--source", str(tmp_path / "source.json"),
                     "--dest", str(tmp_path / "dest.json"))
        assert result.exit_code == 0, (record["host"], result.output)
