"""Reading host inventories: directories of JSON, JSON Lines, Parquet; malformed records."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fleet_helpers import PLAIN, RICH, example_hosts, host, write_jsonl

from devstate.fleet.inventory import MalformedRecord, load_inventory


def test_json_lines_group_identical_hosts(tmp_path: Path) -> None:
    inventory = load_inventory(write_jsonl(tmp_path / "hosts.jsonl", example_hosts()))
    assert inventory.names == ["rich-1", "rich-2", "plain-1", "disk-1"]
    assert len(inventory.signatures) == 3
    assert list(inventory.kinds) == [0, 0, 1, 2]
    assert inventory.errors == []


def test_signature_ignores_order_and_free_text(tmp_path: Path) -> None:
    reordered = dict(RICH, versions=["1.1", "1.0"], description="host b, backend 3.2")
    inventory = load_inventory(write_jsonl(tmp_path / "h.jsonl", [host("a", RICH), host("b", reordered)]))
    assert list(inventory.kinds) == [0, 0]


def test_directory_of_json_files(tmp_path: Path) -> None:
    for record in example_hosts():
        (tmp_path / f"{record['host']}.json").write_text(json.dumps(record, indent=2), encoding="utf-8")
    (tmp_path / "notes.txt").write_text("not a record", encoding="utf-8")
    inventory = load_inventory(tmp_path)
    assert sorted(inventory.names) == ["disk-1", "plain-1", "rich-1", "rich-2"]


def test_malformed_records_are_reported_and_skipped(tmp_path: Path) -> None:
    records = [host("ok", PLAIN), host("bad-version", dict(PLAIN, versions=["1.x"])), [1],
               {"host": "", "devices": []}, host("ok", PLAIN), host("twice", PLAIN, PLAIN),
               {"host": "extra", "devices": [], "rack": 3}]
    path = write_jsonl(tmp_path / "h.jsonl", records)
    with path.open("a", encoding="utf-8") as out:
        out.write('{"host": "cut", "devi\n')
    inventory = load_inventory(path)
    assert inventory.names == ["ok"]
    assert [str(e) for e in inventory.errors] == [
        f"{path}:2: $.devices[0].versions[0]: '1.x' does not match '^(0|[1-9][0-9]{{0,4}})\\\\.(0|[1-9][0-9]{{0,4}})$'",
        f"{path}:3: $: a host record must be an object, not an array",
        f"{path}:4: $.host: 'host' must be a non-empty string",
        f"{path}:5: $.host: host 'ok' appears twice",
        f"{path}:6: $.devices[1].model: model org.virtio.net is listed twice",
        f"{path}:7: $.rack: unknown key 'rack' in a host record",
        f"{path}:8:17: $: invalid JSON: Unterminated string starting at",
    ]


def test_strict_stops_at_the_first_malformed_record(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "h.jsonl", [host("a", PLAIN), host("b", dict(PLAIN, params={"Bad": 1}))])
    with pytest.raises(MalformedRecord) as caught:
        load_inventory(path, strict=True)
    assert str(caught.value) == f"{path}:2: $.devices[0].params: 'Bad' does not match '^[a-z][a-z0-9-]{{0,63}}$'"


def test_one_malformed_record_among_100000(tmp_path: Path) -> None:
    good = json.dumps(host("h", RICH))
    lines = [good.replace('"h"', f'"h{i}"') for i in range(100_000)]
    lines[73_210] = lines[73_210].replace('"min": 1', '"min": "one"')
    (tmp_path / "big.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    inventory = load_inventory(tmp_path / "big.jsonl")
    assert len(inventory) == 99_999
    assert [str(e) for e in inventory.errors] == [
        f"{tmp_path / 'big.jsonl'}:73211: $.devices[0].supported_params.max-queue-pairs.min: "
        "'one' is not of type 'integer'"]


def test_parquet(tmp_path: Path) -> None:
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    records = example_hosts()
    table = pa.table({"host": [r["host"] for r in records] + ["broken"],
                      "devices": [json.dumps(r["devices"]) for r in records] + ['[{"model": 1}]']})
    pq.write_table(table, tmp_path / "hosts.parquet")
    inventory = load_inventory(tmp_path / "hosts.parquet")
    assert inventory.names == ["rich-1", "rich-2", "plain-1", "disk-1"]
    assert [str(e) for e in inventory.errors] == [
        f"{tmp_path / 'hosts.parquet'}:row 4: $.devices[0]: 'versions' is a required property"]


def test_missing_file_is_a_usage_error(tmp_path: Path) -> None:
    from devstate.errors import UsageError

    with pytest.raises(UsageError, match="no such file"):
        load_inventory(tmp_path / "absent.jsonl")
