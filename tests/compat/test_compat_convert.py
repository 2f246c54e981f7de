"""Conversion of saved state through the reference codec, and the field-level state diff."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from compat_helpers import write_version

from devstate import ir
from devstate.blob_convert import convert_blob
from devstate.cli import main
from devstate.compat.convert import ConversionError, convert_state
from devstate.compat.statediff import diff_states
from devstate.interp import decode, encode
from devstate.schema import find_schema_file, load_schema
from devstate.state import State, default_state

NET = "org.virtio.net"


def net(version: str) -> ir.Schema:
    return load_schema(find_schema_file(f"{NET}@{version}").path)


def lookup(version: ir.Version) -> ir.Schema:
    return net(str(version))


def net_state(version: str) -> State:
    state = default_state(net(version))
    if version.startswith("1."):
        state["sections"]["mac_filter"]["unicast"] = [[2, 0, 0, 0, 0, 1], [2, 0, 0, 0, 0, 2]]
        state["sections"]["mac_filter"]["multicast"] = [[1, 0, 0x5E, 0, 0, 1]]
    state["sections"]["queues"] = [dict(state_queue(version), size=256, enabled=True, last_avail_idx=7)]
    return state


def state_queue(version: str) -> dict[str, object]:
    schema = net(version)
    from devstate.state import struct_default

    return struct_default(schema, schema.struct("virtio.virtqueue"))


@pytest.mark.parametrize(("source", "target"), [("1.0", "1.1"), ("1.1", "1.0"), ("1.0", "2.0"), ("1.1", "2.0")])
def test_round_trip_through_the_codec(source: str, target: str) -> None:
    state = net_state(source)
    blob = encode(net(source), state)
    converted = convert_blob(blob, ir.Version.parse(target), lookup)
    decoded = decode(net(target), converted.to_bytes())
    back = convert_blob(converted.to_bytes(), ir.Version.parse(source), lookup)
    assert back.to_bytes() == blob
    assert decode(net(source), back.to_bytes()) == decode(net(source), blob)
    assert decoded["version"] == target


def test_major_conversion_merges_the_mac_tables() -> None:
    converted = convert_blob(encode(net("1.0"), net_state("1.0")), ir.Version(2, 0), lookup)
    assert [str(h) for h in converted.route] == ["1.0 → 1.1 (up-conversion)", "1.1 → 2.0 (virtio_net_1_to_2)"]
    table = decode(net("2.0"), converted.to_bytes())["sections"]["mac_table"]
    assert [(e["kind"], e["mac"][-1]) for e in table["entries"]] == [("unicast", 1), ("unicast", 2), ("multicast", 1)]


def test_down_conversion_names_every_value_that_would_be_lost() -> None:
    state = net_state("2.0")
    state["sections"]["ctrl"]["guest_offloads_disabled"] = [0, 4]
    state["sections"]["config"]["speed"] = 1000
    state["sections"]["queues"][0]["avail_wrap_counter"] = True
    with pytest.raises(ConversionError) as caught:
        convert_state(state, net("2.0"), ir.Version(1, 0), lookup)
    assert sorted(loss.path for loss in caught.value.losses) == [
        "$.sections.config.speed", "$.sections.ctrl.guest_offloads_disabled[1]",
        "$.sections.queues[0].avail_wrap_counter"]


def test_up_conversion_fills_defaults_and_down_drops_optional_sections() -> None:
    state = net_state("1.1")
    state["sections"]["rss"] = default_state(net("1.1"))["sections"].get("rss") or _rss_default()
    down = convert_state(state, net("1.1"), ir.Version(1, 0), lookup)
    assert "rss" not in down.state["sections"] and down.dropped == ["rss"]
    up = convert_state(down.state, net("1.0"), ir.Version(1, 1), lookup)
    assert up.state["sections"]["config"]["speed"] == 0


def _rss_default() -> object:
    from devstate.state import type_default

    schema = net("1.1")
    return type_default(schema, schema.section("rss").type)


REGION = """
types:
  regs:
    kind: struct
    fields:
      - {{name: a, type: u32}}{extra}
sections:
  - {{id: 1, name: regs, type: regs}}
  - {{id: 2, name: memory, type: {{kind: bytes, max: 1048576}}}}
"""


def region_schemas(tmp_path: Path) -> dict[ir.Version, ir.Schema]:
    paths = {
        ir.Version(1, 0): write_version(tmp_path, REGION.format(extra=""), "1.0"),
        ir.Version(1, 1): write_version(tmp_path, REGION.format(extra='\n      - {name: b, type: u32, since: "1.1"}'),
                                        "1.1"),
    }
    return {version: load_schema(path) for version, path in paths.items()}


def test_unchanged_sections_are_copied_not_reencoded(tmp_path: Path) -> None:
    schemas = region_schemas(tmp_path)
    state = default_state(schemas[ir.Version(1, 0)])
    region = bytes(range(256)) * 2048
    state["sections"]["memory"] = region
    blob = encode(schemas[ir.Version(1, 0)], state)
    converted = convert_blob(blob, ir.Version(1, 1), schemas.__getitem__)
    assert converted.reused == ["sections.memory"]
    chunk = next(c for c in converted.chunks if len(c) > len(region))
    assert isinstance(chunk, memoryview) and chunk.obj is not None  # a view of the input, not a copy
    decoded = decode(schemas[ir.Version(1, 1)], converted.to_bytes())
    assert bytes(decoded["sections"]["memory"]) == region and decoded["sections"]["regs"] == {"a": 0, "b": 0}
    out = tmp_path / "out.dsf"
    converted.write(out)
    assert out.read_bytes() == converted.to_bytes()


def test_state_diff() -> None:
    a, b = net_state("1.1"), net_state("1.1")
    b["sections"]["queues"][0]["last_avail_idx"] = 9
    b["sections"]["mac_filter"]["multicast"] = []
    b["sections"]["vlan_filter"][3] = 1
    assert [str(d) for d in diff_states(a, b)] == [
        "$.sections.queues[0].last_avail_idx: 7 → 9",
        "$.sections.mac_filter.multicast[0]: removed [1, 0, 94, 0, 0, 1]",
        "$.sections.vlan_filter[3]: 0 → 1",
    ]
    assert diff_states(a, a) == []


def test_state_diff_of_large_regions() -> None:
    left = {"sections": {"m": bytes(100_000)}}
    right = {"sections": {"m": bytes(70_000) + b"\x01" + bytes(29_999)}}
    (difference,) = diff_states(left, right)
    assert str(difference) == "$.sections.m: 100000 → 100000 bytes, first difference at offset 70000"
    assert difference.to_json()["new"]["bytes"] == 100_000


def test_convert_and_diff_commands(tmp_path: Path) -> None:
    runner = CliRunner()
    state = net_state("1.1")
    source = tmp_path / "a.dsf"
    source.write_bytes(encode(net("1.1"), state))
    out = tmp_path / "b.dsf"
    result = runner.invoke(main, ["convert", str(source), "--to-version", "2.0", "-o", str(out), "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["route"] == ["1.1 → 2.0 (virtio_net_1_to_2)"]
    diff = runner.invoke(main, ["diff", str(source), str(out), "--json"])
    assert diff.exit_code == 1
    paths = [d["path"] for d in json.loads(diff.output)["differences"]]
    assert paths == ["$.version", "$.sections.ctrl.guest_offloads_disabled", "$.sections.mac_filter",
                     "$.sections.mac_table"]
    assert runner.invoke(main, ["diff", str(source), str(source)]).exit_code == 0


def test_failed_conversion_writes_nothing(tmp_path: Path) -> None:
    state = net_state("1.1")
    state["sections"]["config"]["speed"] = 1000
    source = tmp_path / "a.dsf"
    source.write_bytes(encode(net("1.1"), state))
    out = tmp_path / "b.dsf"
    result = CliRunner().invoke(main, ["convert", str(source), "--to-version", "1.0", "-o", str(out)])
    assert result.exit_code == 1
    assert "$.sections.config.speed = 1000" in result.output and "nothing was written" in result.output
    assert not out.exists() and list(tmp_path.iterdir()) == [source]


def test_convert_bad_input(tmp_path: Path) -> None:
    runner = CliRunner()
    junk = tmp_path / "junk.dsf"
    junk.write_bytes(b"not a blob")
    for args in (["convert", str(tmp_path / "none.dsf"), "--to-version", "1.0", "-o", str(tmp_path / "o")],
                 ["convert", str(junk), "--to-version", "1.0", "-o", str(tmp_path / "o")],
                 ["diff", str(junk), str(junk)]):
        result = runner.invoke(main, args)
        assert result.exit_code == 2, result.output
        assert "Traceback" not in result.output
