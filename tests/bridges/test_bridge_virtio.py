"""The virtio device parts bridge: published-layout vectors, round trips, rules, errors, genericity."""

from __future__ import annotations

import json
import shutil
import struct
import sys
from collections.abc import Callable
from pathlib import Path

import paths
import pytest
from paths import SCHEMAS

from devstate.bridges import AnnotationError, BridgeCode, BridgeDecodeError, BridgeError, LossyExportError
from devstate.bridges.virtio import describe_part, export_parts, import_parts, list_parts
from devstate.bridges.virtio.stream import parse_vfio, wrap_vfio
from devstate.interp import decode, encode
from devstate.schema import load_schema
from devstate.state import default_state, state_to_json

DATA = paths.DATA / "bridges"
sys.path.insert(0, str(DATA))
import make_vectors as vectors  # noqa: E402

NET = {v: load_schema(SCHEMAS / "org.virtio.net" / f"{v}.yaml") for v in ("1.0", "1.1", "2.0")}
PARTS = (DATA / "virtio-net-parts.bin").read_bytes()
VFIO = (DATA / "virtio-net-parts.vfio").read_bytes()


# --- the vectors ---------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["virtio-net-parts.bin", "virtio-net-parts.vfio"])
def test_vectors_are_what_the_layout_tables_build(name: str) -> None:
    assert (DATA / name).read_bytes() == vectors.VECTORS[name]()


def test_the_vector_has_every_common_part_type_and_every_net_control_class() -> None:
    parts, framing, _ = list_parts(PARTS)
    assert framing == "raw"
    names = {p.name for p in parts}
    assert names == {"DEV_FEATURES", "DRV_FEATURES", "PCI_COMMON_CFG", "DEVICE_STATUS", "VQ_CFG", "VQ_NOTIFY_CFG",
                     "CVQ_CFG"}
    classes = {p.command.class_name for p in parts if p.command}
    assert classes == {"RX", "MAC", "VLAN", "ANNOUNCE", "MQ"}


@pytest.mark.parametrize("version", ["1.1", "2.0"])
@pytest.mark.parametrize("name", ["virtio-net-parts.bin", "virtio-net-parts.vfio"])
def test_parts_to_dsf_and_back_is_byte_exact(version: str, name: str) -> None:
    data = (DATA / name).read_bytes()
    schema = NET[version]
    imported = import_parts(schema, data)
    assert imported.report.losses == []
    dsf = encode(schema, imported.state)
    exported = export_parts(schema, decode(schema, dsf), framing="vfio" if name.endswith(".vfio") else "raw")
    assert exported.data == data
    assert exported.report.losses == []


def test_imported_values_follow_the_published_layouts() -> None:
    state = import_parts(NET["1.1"], PARTS).state["sections"]
    common = state["common"]
    assert common["status"] == ["acknowledge", "driver", "driver_ok", "features_ok"]
    assert common["driver_features"] == [vectors.FEATURES, 0]
    assert common["device_features"] == [vectors.FEATURES | 1, 1]
    assert (common["num_queues"], common["config_generation"], common["queue_select"]) == (5, 2, 4)
    assert (common["device_feature_select"], common["driver_feature_select"]) == (1, 1)
    assert len(state["queues"]) == 5
    size, vector, enabled, desc, driver, device, notify_off, data = vectors.QUEUES[4]
    queue = state["queues"][4]
    assert (queue["size"], queue["msix_vector"], queue["enabled"]) == (size, vector, bool(enabled))
    assert (queue["desc_addr"], queue["driver_addr"], queue["device_addr"]) == (desc, driver, device)
    assert (queue["notify_off"], queue["notify_data"]) == (notify_off, data)
    assert (queue["last_avail_idx"], queue["used_idx"]) == (0, 0)  # not in virtio parts: defaults
    assert state["config"]["mac"] == list(bytes.fromhex("525400abcdef"))
    assert "announce" not in state["config"]["status"]  # ANNOUNCE/ACK present: acknowledged
    assert state["ctrl"]["rx_mode"] == ["promisc", "nobcast"]
    assert state["ctrl"]["curr_queue_pairs"] == 2
    assert state["mac_filter"]["unicast"] == [list(m) for m in vectors.UNICAST]
    assert state["mac_filter"]["multicast"] == [list(m) for m in vectors.MULTICAST]
    bitmap = state["vlan_filter"]
    assert [v for v in range(4096) if bitmap[v // 32] >> (v % 32) & 1] == vectors.VLANS
    rss = state["rss"]
    assert rss["mode"] == "rss" and rss["indirection_table"] == vectors.RSS_TABLE and rss["max_tx_vq"] == 2
    assert rss["hash_key"] == vectors.RSS_KEY and rss["hash_types"] == ["ipv4", "tcpv4", "udpv4", "ipv6", "tcpv6",
                                                                       "udpv6"]


def test_the_2_0_mac_table_is_split_by_kind() -> None:
    entries = import_parts(NET["2.0"], PARTS).state["sections"]["mac_table"]["entries"]
    assert [(bytes(e["mac"]), e["kind"]) for e in entries] == \
        [(m, "unicast") for m in vectors.UNICAST] + [(m, "multicast") for m in vectors.MULTICAST]


def test_decoded_listing_names_every_part() -> None:
    parts, _, _ = list_parts(VFIO)
    described = [describe_part(p) for p in parts]
    assert described[0] == {"offset": 16, "type": "0x0100", "name": "DEV_FEATURES", "flags": ["OPTIONAL"],
                            "selector": None, "length": 16, "value": {"feature_bits": [vectors.FEATURES | 1, 1]}}
    vq = next(d for d in described if d["name"] == "VQ_CFG")
    assert vq["selector"] == {"vq_index": 0} and vq["value"]["queue_size"] == 256
    promisc = next(d for d in described if d["selector"] == {"class": "RX", "command": "PROMISC"})
    assert promisc["value"] == {"on": 1}


# --- what does not map -------------------------------------------------------------------------------


def test_import_lists_both_sides_of_the_mapping() -> None:
    report = import_parts(NET["1.1"], PARTS).report
    schema_only = {u.where for u in report.schema_only}
    assert {"queues[].last_avail_idx", "queues[].used_idx", "common.isr", "config.status.link_up"} <= schema_only
    standard_only = {u.where for u in report.standard_only}
    assert "PCI_COMMON_CFG admin_queue_num" in standard_only
    assert "queues[].size" not in schema_only


def test_import_into_1_0_reports_the_rss_part_it_cannot_hold() -> None:
    report = import_parts(NET["1.0"], PARTS).report
    assert [loss.where for loss in report.losses] == ["CVQ_CFG MQ/RSS_CONFIG"]
    assert "has no place for it" in report.losses[0].detail


def test_unknown_optional_part_is_skipped_and_reported() -> None:
    extra = vectors.part(0x1F0, b"\x01\x02", flags=vectors.OPTIONAL)
    report = import_parts(NET["1.1"], PARTS + extra).report
    assert [loss.detail for loss in report.losses] == ["unknown optional part, skipped"]


def test_export_refuses_to_lose_runtime_indices() -> None:
    schema = NET["1.1"]
    state = import_parts(schema, PARTS).state
    state["sections"]["queues"][1]["last_avail_idx"] = 17
    state["sections"]["common"]["isr"] = ["config_change"]
    with pytest.raises(LossyExportError) as caught:
        export_parts(schema, state)
    assert caught.value.code == "LOSSY_EXPORT"
    assert {loss.where for loss in caught.value.losses} == {"queues[1].last_avail_idx", "common.isr"}
    allowed = export_parts(schema, state, allow_lossy=True)
    assert allowed.data == PARTS
    assert {loss.where for loss in allowed.report.losses} == {"queues[1].last_avail_idx", "common.isr"}


def test_export_reports_values_that_do_not_fit() -> None:
    schema = NET["1.1"]
    state = import_parts(schema, PARTS).state
    state["sections"]["rss"]["indirection_table"] = [0, 1, 2]  # not a power of two
    with pytest.raises(LossyExportError) as caught:
        export_parts(schema, state)
    assert any("power of two" in loss.detail for loss in caught.value.losses)


def test_control_parts_are_written_only_with_their_features() -> None:
    schema = NET["1.1"]
    state = default_state(schema)
    names = [p.label for p in export_parts(schema, state).parts]
    assert not any(name.startswith("CVQ_CFG") for name in names)
    state["sections"]["ctrl"]["rx_mode"] = ["allmulti"]
    with pytest.raises(LossyExportError) as caught:  # CTRL_VQ and CTRL_RX are not negotiated
        export_parts(schema, state)
    assert [loss.where for loss in caught.value.losses] == ["ctrl.rx_mode"]
    state["sections"]["common"]["device_features"] = [1 << 17 | 1 << 18, 0]
    state["sections"]["common"]["driver_features"] = [1 << 17 | 1 << 18, 0]
    names = [p.label for p in export_parts(schema, state).parts]
    assert "CVQ_CFG RX/ALLMULTI" in names and "CVQ_CFG RX/PROMISC" in names and "CVQ_CFG RX/ALLUNI" not in names


def test_announce_pending_without_the_feature_is_a_loss() -> None:
    schema = NET["1.1"]
    state = default_state(schema)
    state["sections"]["config"]["status"] = ["announce"]
    with pytest.raises(LossyExportError) as caught:
        export_parts(schema, state)
    assert [loss.where for loss in caught.value.losses] == ["config.status"]


# --- the spec's rules and malformed input -------------------------------------------------------------


def _error(data: bytes, version: str = "1.1") -> BridgeDecodeError:
    with pytest.raises(BridgeDecodeError) as caught:
        import_parts(NET[version], data, framing="raw")
    return caught.value


def _offsets() -> list[int]:
    return [p.offset for p in list_parts(PARTS)[0]]


def test_part_length_past_end() -> None:
    error = _error(PARTS[:-1])
    assert (error.code, error.part) == ("PAST_END", "CVQ_CFG")
    assert error.offset == _offsets()[-1] + 12
    assert isinstance(error, BridgeError) and error.number == BridgeCode.PAST_END


def test_truncated_header() -> None:
    error = _error(PARTS + b"\x03\x01\x00")
    assert (error.code, error.offset) == ("TRUNCATED", len(PARTS))


def test_duplicate_device_status() -> None:
    status = vectors.part(vectors.DEVICE_STATUS, b"\x0f")
    at = PARTS.index(status)
    error = _error(PARTS[: at + len(status)] + status + PARTS[at + len(status):])
    assert (error.code, error.part, error.offset) == ("DUPLICATE_PART", "DEVICE_STATUS", at + len(status))
    assert "already appeared at offset" in error.message


def test_duplicate_virtqueue_index() -> None:
    first = vectors.vq(vectors.VQ_CFG, 0, struct.pack("<HHHHQQQ", *vectors.QUEUES[0][:3], 0, *vectors.QUEUES[0][3:6]))
    at = PARTS.index(first)
    error = _error(PARTS[:at] + first + first + PARTS[at + len(first):])
    assert (error.code, error.part) == ("DUPLICATE_PART", "VQ_CFG[0]")


def test_wrong_order() -> None:
    status = vectors.part(vectors.DEVICE_STATUS, b"\x0f")
    stripped = PARTS.replace(status, b"")
    error = _error(stripped + status)
    assert (error.code, error.part) == ("PART_ORDER", "VQ_CFG[0]")
    assert error.message == f"VQ_CFG must be preceded by DEVICE_STATUS, which comes later (offset {len(stripped)})"
    error = _error(status + stripped)
    assert (error.code, error.offset) == ("PART_ORDER", 0)
    assert error.message == "DEVICE_STATUS must be preceded by DEV_FEATURES, which comes later (offset 17)"


def test_unknown_mandatory_part() -> None:
    error = _error(PARTS + vectors.part(0x1F0, b"\x01"))
    assert (error.code, error.offset) == ("UNKNOWN_PART", len(PARTS))


def test_unknown_mandatory_control_command() -> None:
    error = _error(PARTS + vectors.cvq(5, 0, bytes(8)))  # GUEST_OFFLOADS has no part
    assert error.code == "UNKNOWN_PART" and "class 5 command 0" in error.message


@pytest.mark.parametrize(("mutate", "code"), [
    (lambda d: d[:2] + b"\x02" + d[3:], "BAD_FLAGS"),
    (lambda d: d[:3] + b"\x01" + d[4:], "RESERVED_NOT_ZERO"),
    (lambda d: d[:4] + b"\x01" + d[5:], "RESERVED_NOT_ZERO"),
])
def test_header_checks(mutate: Callable[[bytes], bytes], code: str) -> None:
    assert _error(mutate(PARTS)).code == code


def test_wrong_value_length_names_the_part() -> None:
    bad = vectors.vq(vectors.VQ_CFG, 7, bytes(30))
    error = _error(PARTS.replace(vectors.vq(vectors.VQ_NOTIFY_CFG, 0, bytes(8)), bad + vectors.vq(
        vectors.VQ_NOTIFY_CFG, 0, bytes(8)), 1))
    assert (error.code, error.part) == ("BAD_LENGTH", "VQ_CFG[7]")


def test_common_cfg_offset_must_be_a_field() -> None:
    error = _error(PARTS.replace(vectors.common_cfg(22, struct.pack("<H", 4)), vectors.common_cfg(23, b"\x04\x00")))
    assert (error.code, error.part) == ("BAD_SELECTOR", "PCI_COMMON_CFG")


def test_value_the_schema_cannot_hold() -> None:
    bad = vectors.part(vectors.DEVICE_STATUS, b"\x30")  # bits 4 and 5 are reserved
    error = _error(PARTS.replace(vectors.part(vectors.DEVICE_STATUS, b"\x0f"), bad))
    assert (error.code, error.part) == ("BAD_VALUE", "DEVICE_STATUS")
    assert "common.status" in error.message


def test_missing_device_status() -> None:
    status = vectors.part(vectors.DEVICE_STATUS, b"\x0f")
    error = _error(PARTS.replace(status, b""))
    assert (error.code, error.part, error.offset) == ("MISSING_PART", "VQ_CFG[0]", PARTS.index(status))


def test_rss_and_hash_config_together_keep_the_later_one_in_1_1() -> None:
    hash_config = vectors.cvq(vectors.MQ, 2, struct.pack("<I8xB", 1, 0))
    offered, accepted = vectors.FEATURES | 1 << 0, vectors.FEATURES
    data = PARTS.replace(vectors.part(vectors.DEV_FEATURES, struct.pack("<QQ", offered, 1), flags=vectors.OPTIONAL),
                         vectors.part(vectors.DEV_FEATURES, struct.pack("<QQ", offered | 1 << 57, 1),
                                      flags=vectors.OPTIONAL))
    data = data.replace(vectors.part(vectors.DRV_FEATURES, struct.pack("<QQ", accepted, 0)),
                        vectors.part(vectors.DRV_FEATURES, struct.pack("<QQ", accepted | 1 << 57, 0))) + hash_config
    imported = import_parts(NET["1.1"], data)
    assert imported.state["sections"]["rss"]["mode"] == "hash_report"
    assert [str(loss) for loss in imported.report.losses] == [
        "CVQ_CFG MQ/RSS_CONFIG = hash_types=0x3f, unclassified_queue=0, indirection_table=[0, 1, 0, 1, 0, 1, 0, 1], "
        "max_tx_vq=2, hash_key=6d6e6f707172737475767778797a7b7c… (40 bytes): org.virtio.net@1.1 has no place for it"]


# --- the vfio stream ---------------------------------------------------------------------------------


def test_vfio_framing_is_detected_and_written() -> None:
    imported = import_parts(NET["1.1"], VFIO)
    assert imported.framing == "vfio"
    assert wrap_vfio(PARTS) == VFIO
    (record,) = parse_vfio(VFIO)
    assert (record.size, record.flags, record.tag) == (len(PARTS), 0, 0)


def test_vfio_optional_record_is_skipped_and_the_last_device_record_wins() -> None:
    optional = struct.pack("<QII", 3, 1, 7) + b"abc"
    old = wrap_vfio(vectors.part(vectors.DRV_FEATURES, bytes(16)) + vectors.part(vectors.DEVICE_STATUS, b"\x01"))
    result = import_parts(NET["1.1"], old + optional + VFIO, framing="vfio")
    assert result.state["sections"]["common"]["status"] == ["acknowledge", "driver", "driver_ok", "features_ok"]
    assert any("superseded" in note for note in result.report.notes)
    assert any("tag 7" in note for note in result.report.notes)


@pytest.mark.parametrize(("data", "code"), [
    (struct.pack("<QII", 3, 0, 7) + b"abc", "UNKNOWN_RECORD"),
    (struct.pack("<QII", 2 ** 32, 0, 0), "RECORD_TOO_LARGE"),
    (struct.pack("<QII", 100, 0, 0) + b"x", "PAST_END"),
    (struct.pack("<QII", 0, 2, 0), "BAD_FLAGS"),
    (struct.pack("<QII", 0, 1, 9), "NO_DEVICE_DATA"),
    (b"\x00" * 9, "TRUNCATED"),
])
def test_vfio_errors(data: bytes, code: str) -> None:
    with pytest.raises(BridgeDecodeError) as caught:
        import_parts(NET["1.1"], data, framing="vfio")
    assert caught.value.code == code


# --- genericity: a new mapping is a schema change ------------------------------------------------------


def test_a_blk_mapping_needs_only_annotations(tmp_path: Path) -> None:
    text = (SCHEMAS / "org.virtio.blk" / "1.1.yaml").read_text()
    marker = "    name: queues\n"
    annotated = text.replace(marker, marker + "    annotations: {virtio-parts: {selector: index}}\n")
    target = tmp_path / "org.virtio.blk" / "1.1.yaml"
    target.parent.mkdir()
    target.write_text(annotated)
    schema = load_schema(target)
    common_parts = PARTS[: PARTS.index(vectors.cvq(vectors.RX, 0, b"\x01"))]
    imported = import_parts(schema, common_parts)
    assert len(imported.state["sections"]["queues"]) == 5
    assert imported.report.losses == []
    assert export_parts(schema, imported.state, allow_lossy=True).data == common_parts


def test_the_standard_blk_schema_carries_common_state_only() -> None:
    schema = load_schema(SCHEMAS / "org.virtio.blk" / "1.1.yaml")
    common_parts = PARTS[: PARTS.index(vectors.cvq(vectors.RX, 0, b"\x01"))]
    report = import_parts(schema, common_parts).report
    assert {loss.where for loss in report.losses} >= {"VQ_CFG[0]", "VQ_NOTIFY_CFG[4]"}
    with pytest.raises(BridgeDecodeError) as caught:  # no device type: the net part is unknown
        import_parts(schema, PARTS)
    assert caught.value.code == "UNKNOWN_PART"


# --- malformed annotations ---------------------------------------------------------------------------


def _annotated(tmp_path: Path, old: str, new: str, version: str = "1.1") -> Path:
    root = tmp_path / "schemas"
    shutil.copytree(SCHEMAS, root)
    path = root / "org.virtio.net" / f"{version}.yaml"
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))
    return path


@pytest.mark.parametrize(("old", "new", "message"), [
    ("{part: CVQ_CFG, class: MQ, command: VQ_PAIRS_SET, feature: 22}", "{part: CVQ_CFG, class: MQ, command: NOPE}",
     "unknown control command MQ/NOPE"),
    ("{part: CVQ_CFG, class: MAC, command: ADDR_SET, feature: 23}", "{part: VQ_CFG, offset: 0, size: 2}",
     "selected by virtqueue index"),
    ("{virtio-parts: {device-type: net}}", "{virtio-parts: {device-type: gpu}}", "unknown device type 'gpu'"),
    ("{part: CVQ_CFG, class: MQ, command: VQ_PAIRS_SET, feature: 22}",
     "{part: CVQ_CFG, class: MQ, command: VQ_PAIRS_SET, colour: red}", "unknown key 'colour'"),
    ("{part: CVQ_CFG, class: MQ, command: VQ_PAIRS_SET, feature: 22}",
     "{part: CVQ_CFG, class: MAC, command: ADDR_SET}", "cannot hold CVQ_CFG MAC/ADDR_SET"),
])
def test_malformed_annotation_names_file_and_line(tmp_path: Path, old: str, new: str, message: str) -> None:
    path = _annotated(tmp_path, old, new)
    schema = load_schema(path)
    with pytest.raises(AnnotationError) as caught:
        import_parts(schema, PARTS)
    diagnostic = next(d for d in caught.value.diagnostics if message in d.message)
    assert diagnostic.file.endswith("org.virtio.net/1.1.yaml") and diagnostic.line > 0
    assert message in diagnostic.message and diagnostic.code == "ANNOTATION_INVALID"
    line = path.read_text().splitlines()[diagnostic.line - 1]
    assert "name:" in line or "model" in diagnostic.path or diagnostic.line == 1


@pytest.mark.parametrize(("old", "new", "message", "declared"), [
    ("name: rx_mode\n        type: rx_mode", "name: rx_mode\n        type: u8",
     "virtio-parts annotation on ctrl.rx_mode: bits: maps the flags of a flags field to parts; this field is "
     "not flags", "- name: rx_mode"),
    ('type: "u32[128]"', 'type: "i32[128]"',
     "virtio-parts annotation on vlan_filter: encoding: bitmap maps a fixed array of unsigned words to one part "
     "listing the numbers of the set bits (a command whose value is a list of numbers)", "- id: 6"),
    ('type: "u32[128]"', "type: {kind: array, of: u32, max: 128}",
     "virtio-parts annotation on vlan_filter: encoding: bitmap maps a fixed array of unsigned words to one part "
     "listing the numbers of the set bits (a command whose value is a list of numbers)", "- id: 6"),
    ("select-by: mode", "select-by: key_size",
     "virtio-parts annotation on rss: 'key_size' is not an enum field of rss_state", "- id: 8"),
])
def test_annotation_on_a_value_of_the_wrong_kind(tmp_path: Path, old: str, new: str, message: str,
                                                 declared: str) -> None:
    path = _annotated(tmp_path, old, new)
    with pytest.raises(AnnotationError) as caught:
        import_parts(load_schema(path), PARTS)
    diagnostic = caught.value.diagnostics[0]  # a rejected variant's fields ({item: ...}) are reported after it
    assert (diagnostic.code, diagnostic.message) == ("ANNOTATION_INVALID", message)
    assert path.read_text().splitlines()[diagnostic.line - 1].strip() == declared


def test_last_of_needs_an_enum_field(tmp_path: Path) -> None:
    path = _annotated(tmp_path, "name: mq_mode\n        type: mq_mode", "name: mq_mode\n        type: u8", "3.0")
    with pytest.raises(AnnotationError) as caught:
        import_parts(load_schema(path), PARTS)
    assert [(d.code, d.message) for d in caught.value.diagnostics] == [
        ("ANNOTATION_INVALID", "virtio-parts annotation on ctrl.mq_mode: last-of maps the members of an enum field "
                               "to commands; this field is not an enum")]


def test_vq_offset_must_be_a_slot(tmp_path: Path) -> None:
    root = tmp_path / "schemas"
    shutil.copytree(SCHEMAS, root)
    common = root / "org.virtio.common" / "1.1.yaml"
    common.write_text(common.read_text().replace("{part: VQ_CFG, offset: 0, size: 2}", "{part: VQ_CFG, offset: 3, "
                                                                                          "size: 2}"))
    schema = load_schema(root / "org.virtio.net" / "1.1.yaml")
    with pytest.raises(AnnotationError) as caught:
        import_parts(schema, PARTS)
    assert "no field at offset 3 of size 2" in str(caught.value)
    assert "org.virtio.common/1.1.yaml" in str(caught.value)


def test_schema_without_annotations_has_no_mapping() -> None:
    schema = load_schema(SCHEMAS / "org.nvmexpress.ctrl" / "1.1.yaml")
    with pytest.raises(BridgeError) as caught:
        import_parts(schema, PARTS)
    assert caught.value.code == "NO_MAPPING"


def test_state_json_of_the_vector_is_golden(golden: Callable[[Path, str], None]) -> None:
    state = import_parts(NET["1.1"], PARTS).state
    golden(DATA / "virtio-net-parts.org.virtio.net@1.1.json", json.dumps(state_to_json(state), indent=1) + "\n")


def test_fuzz_finding_a_lone_common_cfg_part_the_schema_lacks_exports_with_a_stand_in() -> None:
    """The second campaign's finding (issue #19): the stream's only PCI_COMMON_CFG part is
    admin_queue_index (offset 60), which no org.virtio.net version carries. Import accepted it
    (reporting it lost) but every export then lacked a PCI_COMMON_CFG part, which DEVICE_STATUS
    must follow: CANNOT_EXPORT, even with allow_lossy. The export now writes the first mapped
    PCI_COMMON_CFG part (device_feature_select) in its place, and the import reports both."""
    data = (DATA / "findings" / "virtio-parts-only-uncarried-common-cfg.bin").read_bytes()
    for version in ("1.1", "2.0", "3.0"):
        schema = load_schema(SCHEMAS / "org.virtio.net" / f"{version}.yaml")
        imported = import_parts(schema, data, "raw")
        assert [(loss.where, loss.value, loss.detail) for loss in imported.report.losses] == [
            ("PCI_COMMON_CFG admin_queue_index", "3", f"org.virtio.net@{version} has no place for it"),
            ("PCI_COMMON_CFG device_feature_select", "(no part)",
             f"the input has no such part; org.virtio.net@{version} would write one")]
        exported = export_parts(schema, imported.state)
        assert [part.label for part in exported.parts] == [
            "DEV_FEATURES", "DRV_FEATURES", "PCI_COMMON_CFG device_feature_select", "DEVICE_STATUS", "VQ_CFG[0]",
            "VQ_CFG[1]", "VQ_NOTIFY_CFG[0]", "VQ_NOTIFY_CFG[1]"]
        assert exported.report.losses == []
        stand_in = bytes.fromhex("0201 0000 00000000 00000000 04000000 00000000")  # device_feature_select = 0
        assert exported.data == data[:48] + stand_in + data[66:]  # in place of bytes 48-65, admin_queue_index
