"""devstate fleet ...: the verbs as a user runs them (table, --json, files)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from devstate.cli import main
from tests.fleet_helpers import example_hosts, write_jsonl


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
    assert strict.stderr.startswith(f"devstate: error: {path}:5: $.devices: ")


def test_no_valid_record(tmp_path: Path) -> None:
    result = run("fleet", "pools", str(write_jsonl(tmp_path / "h.jsonl", ["x"])))
    assert result.exit_code == 2
    assert result.stderr.endswith(f"devstate: error: {tmp_path / 'h.jsonl'}: no valid host record\n")
