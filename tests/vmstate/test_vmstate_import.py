"""QEMU VMState import: the real QEMU 7.2 dumps → devstate schema skeletons.

Uses ../shared/data/qemu (QEMU 7.2 ``-dump-vmstate`` output); skipped only when that
directory is missing outside CI.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from devstate import ir
from devstate.cli import main
from devstate.errors import SchemaError
from devstate.limits import MAX_COUNT
from devstate.schema import SchemaLoader
from devstate.vmstate.compat import compare_dumps
from devstate.vmstate.dump import Dump, DumpError, Field, Vmsd, load_dump, parse_dump
from devstate.vmstate.importer import ImportedSchema, import_dump
from devstate.vmstate.names import UniqueNames, identifier, model_id
from devstate.vmstate.writer import GeneratedSchemaInvalid, write_files


@pytest.fixture(scope="module")
def pc(pc_json: Path) -> Dump:
    return load_dump(pc_json)


@pytest.fixture(scope="module")
def cli_import(tmp_path_factory: pytest.TempPathFactory, pc_json: Path) -> tuple[Path, str]:
    """The whole pc dump imported through the CLI once for this module: (dir, output)."""
    out = tmp_path_factory.mktemp("vmstate") / "schemas"
    result = CliRunner().invoke(main, ["import-vmstate", str(pc_json), "-o", str(out)])
    assert result.exit_code == 0, result.output
    return out, result.output


@pytest.fixture(scope="module")
def imported(cli_import: tuple[Path, str]) -> Path:
    return cli_import[0]


@pytest.fixture(scope="module")
def loaded(imported: Path) -> dict[str, ir.Schema]:
    """Every generated file loaded with the real schema loader, by model id."""
    loader = SchemaLoader(root=imported)
    schemas = [loader.load(path) for path in sorted(imported.rglob("*.yaml"))]
    return {schema.model: schema for schema in schemas}


# --- the dump reader ----------------------------------------------------------------------


def test_dump_counts_match_the_data_readme(pc: Dump, q35_json: Path) -> None:
    assert len(pc.devices) == 213
    assert pc.field_count() == 4029
    assert pc.subsection_count() == 132
    assert pc.machine == "pc-i440fx-7.2"
    assert load_dump(q35_json).machine == "pc-q35-7.2"


def test_unmigratable_devices_have_no_fields(pc: Dump) -> None:
    unmigratable = sorted(key for key, device in pc.devices.items() if not device.vmsd.migratable)
    assert len(unmigratable) == 17
    assert {"nvme", "usb-serial", "vhost-user-fs-device", "amd-iommu"} <= set(unmigratable)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (b"[]", "$: expected a JSON object of device entries"),
        (b"{}", "$: no device entries"),
        (b"{nope", "not JSON"),
        (b'{"a": 1, "a": 2}', "duplicate key 'a'"),
        (b"\xff", "not UTF-8"),
        (b'{"e1000": {"version_id": 2, "minimum_version_id": 1}}', "missing key 'Name'"),
        (b'{"x": {"Name": 5, "version_id": 1, "minimum_version_id": 1, "Description": {}}}',
         "$[\"x\"].Name: expected a non-empty string, got 5"),
        (
            b'{"x": {"Name": "x", "version_id": "1", "minimum_version_id": 1,'
            b' "Description": {"name": "x", "version_id": 1, "minimum_version_id": 1}}}',
            '$["x"].version_id: expected an integer, got "1"',
        ),
        (
            b'{"x": {"Name": "x", "version_id": 1, "minimum_version_id": 1,'
            b' "Description": {"name": "x", "version_id": 1, "minimum_version_id": 1,'
            b' "Fields": [{"field": "a", "version_id": 0, "field_exists": 0, "size": 4}]}}}',
            '$["x"].Description.Fields[0].field_exists: expected true or false, got 0',
        ),
        (
            b'{"x": {"Name": "x", "version_id": 1, "minimum_version_id": 1,'
            b' "Description": {"name": "x", "version_id": 1, "minimum_version_id": 1,'
            b' "Fields": [{"field": "a", "version_id": 0, "field_exists": false, "size": -1}]}}}',
            '$["x"].Description.Fields[0].size: -1 is out of range',
        ),
    ],
)
def test_bad_dumps_are_refused_with_the_json_path(text: bytes, message: str) -> None:
    with pytest.raises(DumpError) as caught:
        parse_dump(text, "bad.json")
    assert message in str(caught.value)
    assert str(caught.value).startswith("bad.json: ")


def test_deeply_nested_json_is_refused_cleanly() -> None:
    with pytest.raises(DumpError):
        parse_dump(b"[" * 100_000 + b"]" * 100_000, "deep.json")


# --- names ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("device", "model"),
    [
        ("e1000", "org.qemu.e1000"),
        ("ICH9-LPC", "org.qemu.ich9-lpc"),
        ("cfi.pflash01", "org.qemu.cfi-pflash01"),
        ("pcm3680_pci", "org.qemu.pcm3680-pci"),
        ("82559er", "org.qemu.d-82559er"),
    ],
)
def test_model_ids(device: str, model: str) -> None:
    assert model_id(device) == model


def test_identifiers() -> None:
    assert identifier("mac_reg[CTRL]") == "mac_reg_ctrl"
    assert identifier("parent_obj.parent_obj") == "parent_obj_parent_obj"
    assert identifier("u8") == "u8_"
    assert identifier("0x10", "f") == "f_0x10"
    long = identifier("a" * 100)
    assert len(long) == 64 and long != identifier("a" * 99)
    names = UniqueNames()
    assert [names.take("config"), names.take("config"), names.take("config")] == ["config", "config_2", "config_3"]


# --- the import -----------------------------------------------------------------------------


def test_import_totals(pc: Dump) -> None:
    totals = import_dump(pc).totals()
    assert totals == {
        "devices": 213,
        "full": 62,
        "partial": 114,
        "none": 37,
        "fields": 4029,
        "fields_mapped": 3726,
        "fields_conditional": 239,
        "fields_unmapped": 64,
        "sections": 328,
        "state_sections": 196,
        "optional_sections": 132,
        "subsections": 132,
    }


def test_cli_prints_the_summary(cli_import: tuple[Path, str]) -> None:
    output = cli_import[1]
    assert "Imported 213 device types from" in output
    assert "devices:  62 mapped fully, 114 partly, 37 not at all" in output
    assert "fields:   4029 in the dump: 3726 mapped, 239 conditional (field_exists), 64 unmapped" in output
    assert "sections: 328 (196 device state + 132 optional from 132 subsections)" in output


def test_every_generated_file_loads(imported: Path, loaded: dict[str, ir.Schema]) -> None:
    files = sorted(imported.rglob("*.yaml"))
    assert len(files) == len(loaded) == 213
    for path in files:
        assert path.relative_to(imported).parts[0].startswith("org.qemu.")
    assert sum(len(s.sections) for s in loaded.values()) == 328
    assert not list(imported.glob(".devstate-import-*")), "the staging directory was left behind"


def test_devstate_validate_accepts_the_output(imported: Path) -> None:
    result = CliRunner().invoke(main, ["validate", "--json", str(imported)])
    assert result.exit_code == 0, result.output[-2000:]
    assert json.loads(result.output)["valid"] is True


def test_every_device_matches_its_dump_field_by_field(pc: Dump, loaded: dict[str, ir.Schema]) -> None:
    for key, device in pc.devices.items():
        schema = loaded[model_id(key)]
        assert schema.version == ir.Version(device.version_id, 0)
        assert schema.annotations["qemu"]["device"] == key
        if not device.vmsd.migratable:
            assert schema.sections == () and schema.annotations["qemu"]["mapping"] == "none"
            continue
        state = schema.section("state")
        assert state.id == 1 and not state.optional
        _assert_struct_matches(schema, state.type, device.vmsd)


def _assert_struct_matches(schema: ir.Schema, expr: Any, vmsd: Vmsd) -> None:
    assert isinstance(expr, ir.NamedRef)
    struct = schema.struct(expr.name)
    assert struct.annotations["qemu"]["vmsd"] == vmsd.name
    assert vmsd.fields is not None and len(struct.fields) == len(vmsd.fields)
    for mine, theirs in zip(struct.fields, vmsd.fields, strict=True):
        qemu = mine.annotations["qemu"]
        assert (qemu["field"], qemu["size"]) == (theirs.name, theirs.size)
        assert qemu.get("field_exists", False) == theirs.field_exists
        assert qemu.get("version_id", 0) == theirs.version_id
        _assert_type_matches(schema, mine, theirs)


def _assert_type_matches(schema: ir.Schema, mine: ir.StructField, theirs: Field) -> None:
    qemu = mine.annotations["qemu"]
    if theirs.description is not None and theirs.description.fields:
        _assert_struct_matches(schema, mine.type, theirs.description)
    elif theirs.description is not None or theirs.size == 0:
        assert mine.type == ir.BytesType(max=MAX_COUNT, fixed_size=None)
        assert qemu["unmapped"]
    elif theirs.name == "unused" or theirs.size not in (1, 2, 4, 8):
        assert mine.type == ir.BytesType(length=theirs.size, fixed_size=theirs.size)
    else:
        assert mine.type == ir.ScalarType(name=f"u{theirs.size * 8}")  # type: ignore[arg-type]
        assert qemu["signedness"] == "unknown"


def test_e1000(loaded: dict[str, ir.Schema]) -> None:
    e1000 = loaded["org.qemu.e1000"]
    assert e1000.version == ir.Version(2, 0)
    assert e1000.annotations["qemu"] | {"fields": None} == {
        "device": "e1000",
        "vmsd": "e1000",
        "version_id": 2,
        "minimum_version_id": 1,
        "source": "qemu-7.2-pc.json",
        "machine": "pc-i440fx-7.2",
        "mapping": "partial",
        "fields": None,
        "signedness": "unknown",
    }
    state = e1000.struct("e1000")
    labels = [(f.name, ir.type_label(f.type)) for f in state.fields]
    assert len(labels) == 68
    assert labels[:8] == [
        ("parent_obj", "pcidevice"),
        ("unused", "bytes[4]"),
        ("unused_2", "bytes[4]"),
        ("rxbuf_size", "u32"),
        ("rxbuf_min_shift", "u32"),
        ("eecd_state_val_in", "u32"),
        ("eecd_state_bitnum_in", "u16"),
        ("eecd_state_bitnum_out", "u16"),
    ]
    assert ("tx_header", "bytes[256]") in labels and ("tx_data", "bytes[65536]") in labels
    assert ("mac_reg_ctrl", "u32") in labels
    assert labels[-3:] == [("mac_reg", "u32"), ("mac_reg_2", "u32"), ("mac_reg_3", "u32")]
    assert state.field("unused").annotations["qemu"] == {
        "field": "unused", "size": 4, "unused": True, "field_exists": True,
    }
    pci = e1000.struct("pcidevice")
    assert [(f.name, ir.type_label(f.type)) for f in pci.fields] == [
        ("version_id", "u32"),
        ("config", "bytes[256]"),
        ("config_2", "bytes[4096]"),
        ("irq_state", "bytes[16]"),
    ]
    assert pci.field("irq_state").annotations["qemu"]["version_id"] == 2
    assert [pci.field(n).annotations["qemu"].get("field_exists") for n in ("config", "config_2")] == [True, True]
    subsections = [(s.id, s.name, s.optional, s.annotations["qemu"]["subsection"]) for s in e1000.sections[1:]]
    assert subsections == [
        (2, "e1000_mit_state", True, "e1000/mit_state"),
        (3, "e1000_full_mac_state", True, "e1000/full_mac_state"),
        (4, "e1000_tx_tso_state", True, "e1000/tx_tso_state"),
    ]
    mit = e1000.struct("e1000_mit_state")
    assert [(f.name, ir.type_label(f.type)) for f in mit.fields] == [
        ("mac_reg_rdtr", "u32"), ("mac_reg_radv", "u32"), ("mac_reg_tadv", "u32"), ("mac_reg_itr", "u32"),
        ("mit_irq_level", "u8"),
    ]


def test_virtio_net_is_not_mapped(loaded: dict[str, ir.Schema]) -> None:
    net = loaded["org.qemu.virtio-net-device"]
    assert net.version == ir.Version(11, 0)
    assert net.annotations["qemu"]["vmsd"] == "virtio-net"
    assert net.annotations["qemu"]["mapping"] == "none"
    (state,) = net.sections
    assert state.type == ir.NamedRef(name="virtio_net", target_kind="struct", fixed_size=None)
    (virtio,) = net.struct("virtio_net").fields
    assert virtio.name == "virtio" and virtio.type == ir.BytesType(max=MAX_COUNT, fixed_size=None)
    assert virtio.annotations["qemu"]["unmapped"].startswith("size 0 in the dump")


def test_nested_subsections_are_flattened_and_marked(loaded: dict[str, ir.Schema], pc: Dump) -> None:
    ahci = loaded["org.qemu.ich9-ahci"]
    nested = {s.annotations["qemu"]["subsection"]: s.annotations["qemu"]["nested_in"] for s in ahci.sections[1:]}
    assert nested == {
        "ide_bus/error": ["ich9-ahci.ahci.dev.port"],
        "ide_drive/pio_state": ["ich9-ahci.ahci.dev.port.ifs[0]"],
        "ide_drive/tray_state": ["ich9-ahci.ahci.dev.port.ifs[0]"],
        "ide_drive/atapi/gesn_state": ["ich9-ahci.ahci.dev.port.ifs[0]"],
    }
    assert all(s.optional for s in ahci.sections[1:])


def test_unmigratable_device(loaded: dict[str, ir.Schema]) -> None:
    nvme = loaded["org.qemu.nvme"]
    assert nvme.sections == () and nvme.types == {}
    assert "unmigratable" in nvme.doc


def test_device_reports(pc: Dump) -> None:
    reports = {s.report.device: s.report for s in import_dump(pc).schemas}
    assert reports["e1000"].status == "partial"
    assert reports["e1000"].to_json()["fields"] == 89
    assert reports["virtio-net-device"].status == "none"
    assert reports["nvme"].status == "none"
    assert reports["hpet"].status == "full"
    full_example = reports["hpet"]
    assert full_example.notes == [] and full_example.fields["unmapped"] == 0


def test_device_selection(tmp_path: Path, pc_json: Path) -> None:
    out = tmp_path / "out"
    args = ["import-vmstate", str(pc_json), "-o", str(out), "--device", "e1000", "--device", "org.qemu.hpet", "--json"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert [d["device"] for d in report["devices"]] == ["e1000", "hpet"]
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*.yaml")) == [
        "org.qemu.e1000/2.0.yaml",
        "org.qemu.hpet/2.0.yaml",
    ]


def test_unknown_device_is_a_usage_error(tmp_path: Path, pc_json: Path) -> None:
    result = CliRunner().invoke(main, ["import-vmstate", str(pc_json), "-o", str(tmp_path / "o"), "--device", "e100"])
    assert result.exit_code == 2
    assert "did you mean e1000" in result.output
    assert not (tmp_path / "o").exists()


def test_output_is_deterministic_and_machine_independent(pc: Dump, q35_json: Path) -> None:
    q35 = load_dump(q35_json)
    header_pc, header_q35 = import_dump(pc).header(), import_dump(q35).header()
    for a, b in zip(import_dump(pc, ["e1000"]).schemas, import_dump(q35, ["e1000"]).schemas, strict=True):
        text_a = a.render(header_pc).replace("qemu-7.2-pc.json", "X").replace("pc-i440fx-7.2", "M")
        text_b = b.render(header_q35).replace("qemu-7.2-q35.json", "X").replace("pc-q35-7.2", "M")
        assert text_a == text_b


# --- writing: all or nothing ---------------------------------------------------------------


def test_invalid_dump_writes_nothing(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"x": 1}')
    result = CliRunner().invoke(main, ["import-vmstate", str(bad), "-o", str(tmp_path / "out")])
    assert result.exit_code == 2  # a dump that cannot be read is a tool failure
    assert 'bad.json: $["x"]: expected an object' in result.output
    assert not (tmp_path / "out").exists()


def test_missing_dump_is_exit_2(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["import-vmstate", str(tmp_path / "nope.json"), "-o", str(tmp_path / "o")])
    assert result.exit_code == 2
    assert "no such file" in result.output


def test_a_failing_file_leaves_the_output_untouched(tmp_path: Path, pc: Dump) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "keep.txt").write_text("mine")
    schemas = import_dump(pc, ["e1000", "hpet"]).schemas
    files = [(s.relpath, s.render("")) for s in schemas]
    files[1] = (files[1][0], files[1][1].replace("model: org.qemu.hpet", "model: org.qemu.other"))
    with pytest.raises(GeneratedSchemaInvalid) as caught:
        write_files(out, files)
    assert isinstance(caught.value, SchemaError)
    assert any(d.code == "PATH_MISMATCH" for d in caught.value.diagnostics)
    assert sorted(p.name for p in out.iterdir()) == ["keep.txt"]


def test_a_failure_removes_an_output_directory_it_created(tmp_path: Path, pc: Dump) -> None:
    out = tmp_path / "new" / "dir"
    schema: ImportedSchema = import_dump(pc, ["hpet"]).schemas[0]
    with pytest.raises(GeneratedSchemaInvalid):
        write_files(out, [(schema.relpath, "devstate: 1\n")])
    assert not out.exists()


def test_existing_files_are_replaced_atomically(tmp_path: Path, pc: Dump) -> None:
    schema = import_dump(pc, ["hpet"]).schemas[0]
    target = tmp_path / schema.relpath
    target.parent.mkdir(parents=True)
    target.write_text("old")
    (written,) = write_files(tmp_path, [(schema.relpath, schema.render(""))])
    assert written == target and target.read_text().startswith("devstate: 1")


# --- synthetic dumps at the limits -----------------------------------------------------------


def _nested(depth: int) -> dict[str, Any]:
    """A description nesting ``depth`` structs below itself, each with one u32 and the next."""
    vmsd: dict[str, Any] = {"name": f"s{depth}", "version_id": 1, "minimum_version_id": 1,
                            "Fields": [{"field": "x", "version_id": 0, "field_exists": False, "size": 4}]}
    if depth:
        vmsd["Fields"].append(
            {"field": "next", "version_id": 0, "field_exists": False, "size": 8, "Description": _nested(depth - 1)}
        )
    return vmsd


def test_structs_nested_beyond_the_devstate_limit_are_cut(tmp_path: Path) -> None:
    entry = {"Name": "deep", "version_id": 1, "minimum_version_id": 1, "Description": _nested(20)}
    huge = {"field": "huge", "version_id": 0, "field_exists": False, "size": MAX_COUNT + 1}
    entry["Description"]["Fields"].append(huge)
    dump = parse_dump(json.dumps({"deep": entry}).encode(), "deep.json")
    result = import_dump(dump)
    (schema,) = result.schemas
    report = schema.report
    assert report.field_total == 21 + 20 + 1
    assert report.fields["unmapped"] == 1 + 1 + 11  # huge; "next" into level 15; the 11 fields below it
    assert any("nested deeper than devstate allows" in note for note in report.notes)
    (path,) = write_files(tmp_path, [(schema.relpath, schema.render(result.header()))])
    loaded = SchemaLoader(root=tmp_path).load(path)
    assert loaded.struct("s20").field("huge").annotations["qemu"]["unmapped"].startswith("larger than")
    assert len([t for t in loaded.types if t.startswith("s")]) == 15


# --- newer QEMU dumps: element counts, unknown keys --------------------------------------


def test_qemu_10_dump_reads_with_element_counts(qemu_dump: Callable[..., Path]) -> None:
    dump = load_dump(qemu_dump("10.0", "pc"))
    assert dump.machine == "pc-i440fx-10.0" and dump.warnings == ()
    ioapic = dump.devices["ioapic"].vmsd
    ioredtbl = next(f for f in ioapic.fields or () if f.name == "ioredtbl")
    assert (ioredtbl.size, ioredtbl.num, ioredtbl.total_size) == (8, 24, 192)


def test_an_array_imports_as_a_fixed_array(qemu_dump: Callable[..., Path]) -> None:
    result = import_dump(load_dump(qemu_dump("10.0", "pc")), ["ioapic"])
    (schema,) = result.schemas
    text = schema.render(result.header())
    assert "type: {kind: array, of: u64, length: 24}" in text
    assert "qemu: {field: ioredtbl, size: 8, signedness: unknown, num: 24}" in text


def test_the_whole_qemu_10_dump_imports(qemu_dump: Callable[..., Path], tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["import-vmstate", str(qemu_dump("10.0", "pc")), "-o", str(tmp_path / "o")])
    assert result.exit_code == 0, result.output
    loader = SchemaLoader(root=tmp_path / "o")
    assert all(loader.load(path) for path in sorted((tmp_path / "o").rglob("*.yaml")))


def _with_unknown_keys(pc_json: Path, tmp_path: Path) -> Path:
    raw = json.loads(pc_json.read_text())
    for f in raw["e1000"]["Description"]["Fields"][:3]:
        f["signedness"] = "unsigned"
    raw["e1000"]["Description"]["flags"] = 4
    path = tmp_path / "future.json"
    path.write_text(json.dumps(raw))
    return path


def test_unknown_keys_warn_once_and_mark_what_they_touch(pc_json: Path, tmp_path: Path) -> None:
    path = _with_unknown_keys(pc_json, tmp_path)
    dump = load_dump(path)
    assert dump.warnings == ("unknown key 'flags' on 1 descriptions", "unknown key 'signedness' on 3 fields")
    fields = dump.devices["e1000"].vmsd.fields or ()
    assert [f.unverified for f in fields[:4]] == [("signedness",)] * 3 + [()]
    result = CliRunner().invoke(main, ["import-vmstate", str(path), "-o", str(tmp_path / "o"), "--device", "e1000"])
    assert result.exit_code == 0, result.output
    assert result.output.count("devstate: warning:") == 2
    assert f"devstate: warning: {path}: unknown key 'signedness' on 3 fields (what it touches is marked " \
           "unverified; --strict refuses)" in result.output
    text = next((tmp_path / "o").rglob("*.yaml")).read_text()
    assert text.count("unverified: [signedness]") == 3


def test_strict_refuses_unknown_keys_with_exit_2(pc_json: Path, tmp_path: Path) -> None:
    path = _with_unknown_keys(pc_json, tmp_path)
    with pytest.raises(DumpError, match=r"\$\[\"e1000\"\]\.Description: unknown key 'flags' \(--strict\)"):
        load_dump(path, strict=True)
    out = tmp_path / "o"
    result = CliRunner().invoke(main, ["import-vmstate", "--strict", str(path), "-o", str(out)])
    assert result.exit_code == 2 and not out.exists()
    as_json = CliRunner().invoke(main, ["import-vmstate", "--strict", "--json", str(path), "-o", str(out)])
    assert as_json.exit_code == 2
    assert json.loads(as_json.stdout) == {"error": {
        "code": "VMSTATE_DUMP_INVALID", "file": str(path), "path": '$["e1000"].Description',
        "message": "unknown key 'flags' (--strict)"}}
    assert as_json.stderr == result.stderr


def test_an_unreadable_dump_is_exit_2_never_a_verdict(pc_json: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("{")
    for args in (["vmstate-compat", str(bad), str(pc_json)], ["compat", "--vmstate", str(pc_json), str(bad)],
                 ["import-vmstate", str(bad), "-o", str(tmp_path / "o")]):
        result = CliRunner().invoke(main, args)
        assert result.exit_code == 2, args
        assert "bad.json: not JSON" in result.output
    as_json = CliRunner().invoke(main, ["vmstate-compat", "--json", str(bad), str(pc_json)])
    assert as_json.exit_code == 2 and json.loads(as_json.stdout)["error"]["code"] == "VMSTATE_DUMP_INVALID"
    assert as_json.stderr.count("devstate: error: VMSTATE_DUMP_INVALID: ") == 1
    assert "bad.json: not JSON" in as_json.stderr


def test_a_version_window_with_nothing_in_it_is_read_and_refuses_its_own_stream() -> None:
    """QEMU writes such windows (PIIX3-xen, sun-fdtwo in its checker's test data): read them,
    and say that no stream loads, not even the device's own."""
    entry = (b'{"x": {"Name": "x", "version_id": 1, "minimum_version_id": 2, "Description": {"name": "x", '
             b'"version_id": 1, "minimum_version_id": 2, "Fields": []}}}')
    dump = parse_dump(entry)
    assert (dump.devices["x"].version_id, dump.devices["x"].minimum_version_id) == (1, 2)
    details = sorted((f.rule.id, f.direction.value, f.detail) for f in compare_dumps(dump, dump).findings)
    assert details == [("QV-V002", "BACKWARD", "OLD version_id 1 < NEW minimum_version_id 2"),
                       ("QV-V002", "FORWARD", "NEW version_id 1 < OLD minimum_version_id 2")]
