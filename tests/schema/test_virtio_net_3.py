"""org.virtio.net 3.0: RSS limits that follow the configuration fields, and how older readers get its state."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from paths import ROOT, SCHEMAS

from devstate import ir
from devstate.bridges.virtio import export_parts, import_parts
from devstate.cli import main
from devstate.compat.convert import ConversionError, convert_state
from devstate.interp import decode, encode
from devstate.schema import load_schema
from devstate.state import default_state

NET = {v: load_schema(SCHEMAS / "org.virtio.net" / f"{v}.yaml") for v in ("1.0", "1.1", "2.0", "3.0")}
VECTORS = ROOT / "spec" / "conformance" / "bridges" / "virtio-parts"


def _lookup(version: ir.Version) -> ir.Schema:
    return NET[str(version)]


def _rss_state(key: int = 40, table: int = 128) -> dict[str, Any]:
    state = default_state(NET["3.0"])
    state["sections"]["ctrl"]["mq_mode"] = "rss"
    state["sections"]["config"]["rss_max_key_size"] = max(key, 40)
    state["sections"]["config"]["rss_max_indirection_table_length"] = max(table, 128)
    state["sections"]["rss_config"] = {"hash_types": ["ipv4", "tcpv4"], "unclassified_queue": 1, "max_tx_vq": 2,
                                       "hash_key": bytes(range(key)), "indirection_table": [0, 1] * (table // 2)}
    return state


def test_a_52_byte_key_and_a_256_entry_table_encode_in_3_0_only() -> None:
    state = _rss_state(52, 256)
    assert decode(NET["3.0"], encode(NET["3.0"], state)) == state
    with pytest.raises(ConversionError) as caught:
        convert_state(state, NET["3.0"], ir.Version.parse("1.1"), _lookup)
    assert [loss.path for loss in caught.value.losses][:4] == [
        "$.sections.config.rss_max_key_size", "$.sections.config.rss_max_indirection_table_length",
        "$.sections.rss_config.hash_key", "$.sections.rss_config.indirection_table"]


def test_state_within_2_0_limits_goes_down_to_1_1_and_back() -> None:
    state = _rss_state()
    result = convert_state(state, NET["3.0"], ir.Version.parse("1.1"), _lookup)
    assert [str(hop) for hop in result.route] == ["3.0 → 2.0 (virtio_net_3_to_2)", "2.0 → 1.1 (virtio_net_2_to_1)"]
    assert result.state["sections"]["rss"]["mode"] == "rss"
    back = convert_state(result.state, NET["1.1"], ir.Version.parse("3.0"), _lookup).state
    assert back == state


def test_two_configurations_do_not_fit_2_0() -> None:
    state = _rss_state()
    state["sections"]["hash_config"] = {"hash_types": ["ipv6"], "hash_key": b"k" * 20}
    with pytest.raises(ConversionError) as caught:
        convert_state(state, NET["3.0"], ir.Version.parse("2.0"), _lookup)
    assert [str(loss) for loss in caught.value.losses] == [
        "$.sections.hash_config = present: 2.x keeps only the configuration ctrl.mq_mode uses (mq_mode is rss)"]


def test_the_mode_follows_the_last_multiqueue_part_and_comes_back_last() -> None:
    data = (VECTORS / "valid-net-rss-then-hash.bin").read_bytes()
    imported = import_parts(NET["3.0"], data)
    sections = imported.state["sections"]
    assert sections["ctrl"]["mq_mode"] == "hash_report"
    assert set(sections) >= {"rss_config", "hash_config"}
    state = decode(NET["3.0"], encode(NET["3.0"], imported.state))
    state["unknown_sections"] = []  # without the bridge record: the canonical order, the mode's part last
    labels = [p.label for p in export_parts(NET["3.0"], state).parts if p.label.startswith("CVQ_CFG MQ")]
    assert labels == ["CVQ_CFG MQ/VQ_PAIRS_SET", "CVQ_CFG MQ/RSS_CONFIG", "CVQ_CFG MQ/HASH_CONFIG"]
    state["sections"]["ctrl"]["mq_mode"] = "rss"
    labels = [p.label for p in export_parts(NET["3.0"], state).parts if p.label.startswith("CVQ_CFG MQ")]
    assert labels == ["CVQ_CFG MQ/VQ_PAIRS_SET", "CVQ_CFG MQ/HASH_CONFIG", "CVQ_CFG MQ/RSS_CONFIG"]


def test_a_destination_without_the_key_size_is_refused_before_migrating(tmp_path: Path) -> None:
    source, dest = tmp_path / "src.json", tmp_path / "dst.json"
    source.write_text(json.dumps({"model": "org.virtio.net", "versions": ["3.0"],
                                  "params": {"rss": True, "rss-max-key-size": 52}}))
    dest.write_text(json.dumps({"model": "org.virtio.net", "versions": ["2.0", "3.0"],
                                "supported_params": {"rss": {"values": [False, True]}}}))
    result = CliRunner().invoke(main, ["check-migration", "--source", str(source), "--dest", str(dest)])
    assert result.exit_code == 1
    assert "rss-max-key-size: the source uses 52; the destination supports only 40 (the default)" in result.stdout
    dest.write_text(json.dumps({"model": "org.virtio.net", "versions": ["3.0"], "supported_params": {
        "rss": {"values": [False, True]}, "rss-max-key-size": {"values": [40, 52]}}}))
    result = CliRunner().invoke(main, ["check-migration", "--source", str(source), "--dest", str(dest)])
    assert result.exit_code == 0, result.stdout


def test_compat_requires_the_major_bump() -> None:
    result = CliRunner().invoke(main, ["compat", "org.virtio.net@2.0", "org.virtio.net@3.0", "--json"])
    report = json.loads(result.stdout)
    assert result.exit_code == 0
    text = json.dumps(report)
    assert "DS-F008" in text and "rss_max_key_size" in text
