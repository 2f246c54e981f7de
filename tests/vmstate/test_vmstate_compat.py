"""QEMU VMState comparison: modified copies of the real QEMU 7.2 dump, exact findings.

Only one QEMU version's dumps exist, so each test derives a "new" dump from the real
one (remove a field, change a size, raise minimum_version_id, add a subsection, bump
the version with a new versioned field, ...) and asserts every finding.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import paths
import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from devstate.cli import main
from devstate.vmstate.compat import CompatReport, Finding, compare_devices, compare_dumps
from devstate.vmstate.dump import Dump, load_dump, parse_dump
from devstate.vmstate.rules import QV_RULES, Direction, Severity

SPEC = paths.SPEC / "qemu-vmstate.md"


Entry = dict[str, Any]


@pytest.fixture(scope="module")
def raw(pc_json: Path) -> dict[str, Any]:
    return json.loads(pc_json.read_text())  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def pc(pc_json: Path) -> Dump:
    return load_dump(pc_json)


def derive(raw: dict[str, Any], pc: Dump, key: str, change: Callable[[Entry], Entry | None]) -> Dump:
    """``pc`` with device ``key`` replaced by ``change(copy of its entry)`` (None removes it)."""
    entry = change(copy.deepcopy(raw[key]))
    devices = dict(pc.devices)
    del devices[key]
    if entry is not None:
        new_key = entry["Name"]
        devices[new_key] = parse_dump(json.dumps({new_key: entry}).encode(), "new.json").devices[new_key]
    return Dump("new.json", pc.machine, devices)


def findings(report: CompatReport, include_info: bool = False) -> list[tuple[str, str, str, str, str]]:
    return [
        (f.rule.id, f.direction.value, f.device, f.path, f.detail)
        for f in report.selected(Direction.BOTH, include_info)
    ]


def fields(entry: Entry) -> list[Entry]:
    return entry["Description"]["Fields"]  # type: ignore[no-any-return]


def set_version(entry: Entry, version: int, minimum: int | None = None) -> None:
    for target in (entry, entry["Description"]):
        target["version_id"] = version
        if minimum is not None:
            target["minimum_version_id"] = minimum


def new_field(name: str, size: int = 4, version: int = 0, exists: bool = False) -> Entry:
    return {"field": name, "version_id": version, "field_exists": exists, "size": size}


def e1000(raw: dict[str, Any], pc: Dump, change: Callable[[Entry], Any]) -> CompatReport:
    def apply(entry: Entry) -> Entry:
        change(entry)
        return entry

    return compare_dumps(pc, derive(raw, pc, "e1000", apply))


# --- the real dumps -------------------------------------------------------------------------


def test_pc_and_q35_have_no_device_differences(pc: Dump, q35_json: Path) -> None:
    report = compare_dumps(pc, load_dump(q35_json))
    assert report.findings == []
    assert report.compatible() and report.counts()["common"] == 213
    assert report.notes == [
        "the dumps were taken with different machine types (pc-i440fx-7.2 → pc-q35-7.2); device state is "
        "compared, the machine type itself must match when migrating (QEMU refuses a stream from another "
        "machine type)"
    ]


def test_a_dump_against_itself(pc: Dump) -> None:
    report = compare_dumps(pc, pc)
    assert report.findings == [] and report.notes == []


# --- derived dumps: exact findings ----------------------------------------------------------


def test_field_removed(raw: dict[str, Any], pc: Dump) -> None:
    report = e1000(raw, pc, lambda e: fields(e).pop(3))
    assert findings(report) == [("QV-F001", "BOTH", "e1000", "rxbuf_size", "only in OLD (4 bytes)")]
    assert not report.compatible(Direction.BACKWARD) and not report.compatible(Direction.FORWARD)


def test_field_size_changed(raw: dict[str, Any], pc: Dump) -> None:
    report = e1000(raw, pc, lambda e: fields(e)[4].update(size=8))
    assert findings(report) == [("QV-F003", "BOTH", "e1000", "rxbuf_min_shift", "size 4 → 8")]


def test_minimum_version_raised_above_the_old_version(raw: dict[str, Any], pc: Dump) -> None:
    report = e1000(raw, pc, lambda e: set_version(e, 3, minimum=3))
    assert findings(report) == [
        ("QV-V002", "BACKWARD", "e1000", "", "OLD version_id 2 < NEW minimum_version_id 3"),
        ("QV-V001", "FORWARD", "e1000", "", "NEW version_id 3 > OLD version_id 2"),
    ]


def test_minimum_version_raised_within_the_window_is_quiet(raw: dict[str, Any], pc: Dump) -> None:
    report = e1000(raw, pc, lambda e: set_version(e, 2, minimum=2))
    assert findings(report, include_info=True) == []


def test_subsection_added(raw: dict[str, Any], pc: Dump) -> None:
    sub = {"name": "e1000/extra", "version_id": 1, "minimum_version_id": 1, "Fields": [new_field("extra")]}
    report = e1000(raw, pc, lambda e: e["Description"]["Subsections"].append(sub))
    assert findings(report) == [
        ("QV-U001", "FORWARD", "e1000", "<e1000/extra>", "only in NEW; the new source sends it when needed"),
    ]
    assert report.findings[0].severity is Severity.WARNING
    assert report.compatible() and not report.compatible(strict=True)
    assert report.compatible(Direction.BACKWARD, strict=True)


def test_subsection_removed(raw: dict[str, Any], pc: Dump) -> None:
    report = e1000(raw, pc, lambda e: e["Description"]["Subsections"].pop(1))
    assert findings(report) == [
        ("QV-U002", "BACKWARD", "e1000", "<e1000/full_mac_state>", "only in OLD; the old source sends it when needed"),
    ]


def test_version_bump_with_a_new_versioned_field(raw: dict[str, Any], pc: Dump) -> None:
    def bump(entry: Entry) -> None:
        set_version(entry, 3)
        fields(entry).append(new_field("new_reg", version=3))

    report = e1000(raw, pc, bump)
    assert findings(report) == [("QV-V001", "FORWARD", "e1000", "", "NEW version_id 3 > OLD version_id 2")]
    assert report.compatible(Direction.BACKWARD)
    assert findings(report, include_info=True) == [
        ("QV-F012", "NONE", "e1000", "new_reg", "NEW field (version_id 3) is skipped for OLD streams of version 2"),
        ("QV-V001", "FORWARD", "e1000", "", "NEW version_id 3 > OLD version_id 2"),
    ]


def test_version_bump_with_an_unversioned_field(raw: dict[str, Any], pc: Dump) -> None:
    def bump(entry: Entry) -> None:
        set_version(entry, 3)
        fields(entry).append(new_field("new_reg"))

    assert findings(e1000(raw, pc, bump)) == [
        ("QV-F002", "BACKWARD", "e1000", "new_reg", "only in NEW (4 bytes)"),
        ("QV-V001", "FORWARD", "e1000", "", "NEW version_id 3 > OLD version_id 2"),
    ]


def test_field_appended_without_a_version_bump(raw: dict[str, Any], pc: Dump) -> None:
    report = e1000(raw, pc, lambda e: fields(e).append(new_field("new_reg", size=2)))
    assert findings(report) == [("QV-F002", "BOTH", "e1000", "new_reg", "only in NEW (2 bytes)")]


def test_field_added_to_a_nested_struct(raw: dict[str, Any], pc: Dump) -> None:
    def grow(entry: Entry) -> None:
        pci = fields(entry)[0]["Description"]
        pci["version_id"] = 3
        pci["Fields"].append(new_field("extra", version=3))

    assert findings(e1000(raw, pc, grow)) == [
        ("QV-F002", "BOTH", "e1000", "parent_obj.extra", "only in NEW (4 bytes, version_id 3)"),
    ]


def test_nested_struct_renamed_is_tolerated(raw: dict[str, Any], pc: Dump) -> None:
    report = e1000(raw, pc, lambda e: fields(e)[0]["Description"].update(name="PCIEDevice"))
    assert findings(report) == []
    assert findings(report, include_info=True) == [
        ("QV-F013", "NONE", "e1000", "parent_obj", "description 'PCIDevice' → 'PCIEDevice'"),
    ]


def test_field_renamed_is_tolerated(raw: dict[str, Any], pc: Dump) -> None:
    report = e1000(raw, pc, lambda e: fields(e)[3].update(field="rx_buffer_size"))
    assert findings(report) == []
    assert findings(report, include_info=True) == [
        ("QV-F010", "NONE", "e1000", "rxbuf_size", "'rxbuf_size' → 'rx_buffer_size', size 4"),
    ]


def test_field_turned_into_padding_is_tolerated(raw: dict[str, Any], pc: Dump) -> None:
    def retire(entry: Entry) -> None:
        fields(entry)[5:7] = [new_field("unused", size=6)]

    report = e1000(raw, pc, retire)
    assert findings(report) == []
    assert findings(report, include_info=True) == [
        ("QV-F011", "NONE", "e1000", "eecd_state.val_in", "eecd_state.val_in(4)+eecd_state.bitnum_in(2) → unused(6)"),
    ]


def test_fields_reordered(raw: dict[str, Any], pc: Dump) -> None:
    def swap(entry: Entry) -> None:
        f = fields(entry)
        f[3], f[4] = f[4], f[3]

    assert findings(e1000(raw, pc, swap)) == [
        ("QV-F005", "BOTH", "e1000", "", "fields reordered: rxbuf_size, rxbuf_min_shift"),
    ]


def test_field_exists_added(raw: dict[str, Any], pc: Dump) -> None:
    report = e1000(raw, pc, lambda e: fields(e)[3].update(field_exists=True))
    assert findings(report) == [("QV-F007", "BOTH", "e1000", "rxbuf_size", "field_exists test added")]
    assert report.compatible() and not report.compatible(strict=True)


def test_conditional_field_added(raw: dict[str, Any], pc: Dump) -> None:
    report = e1000(raw, pc, lambda e: fields(e).append(new_field("maybe", exists=True)))
    assert findings(report) == [("QV-F009", "BOTH", "e1000", "maybe", "only in NEW (4 bytes)")]


def test_existing_field_given_a_higher_version(raw: dict[str, Any], pc: Dump) -> None:
    def bump(entry: Entry) -> None:
        set_version(entry, 3)
        fields(entry)[3]["version_id"] = 3

    assert findings(e1000(raw, pc, bump)) == [
        ("QV-F006", "BACKWARD", "e1000", "rxbuf_size", "NEW reads it only from version 3, not at version 2"),
        ("QV-V001", "FORWARD", "e1000", "", "NEW version_id 3 > OLD version_id 2"),
    ]


def test_field_version_above_its_section_version_is_never_sent(raw: dict[str, Any], pc: Dump) -> None:
    report = e1000(raw, pc, lambda e: fields(e)[3].update(version_id=3))
    assert findings(report) == [
        ("QV-F006", "BACKWARD", "e1000", "rxbuf_size", "NEW reads it only from version 3, not at version 2"),
        ("QV-F006", "FORWARD", "e1000", "rxbuf_size", "NEW sends it only from version 3"),
    ]


def test_nested_struct_version_lowered_below_a_field(raw: dict[str, Any], pc: Dump) -> None:
    report = e1000(raw, pc, lambda e: fields(e)[0]["Description"].update(version_id=1))
    assert findings(report) == [
        ("QV-F006", "BACKWARD", "e1000", "parent_obj.irq_state", "NEW reads it only from version 2, not at version 1"),
        ("QV-F006", "FORWARD", "e1000", "parent_obj.irq_state", "NEW sends it only from version 2"),
    ]


def test_field_inserted_before_padding_of_the_same_size(raw: dict[str, Any], pc: Dump) -> None:
    report = e1000(raw, pc, lambda e: fields(e).insert(1, new_field("new_front")))
    assert findings(report, include_info=True) == [
        ("QV-F002", "BOTH", "e1000", "new_front", "only in NEW (4 bytes)"),
    ]


def test_field_changed_to_a_struct(raw: dict[str, Any], pc: Dump) -> None:
    nested = {"name": "rxbuf", "version_id": 1, "minimum_version_id": 1, "Fields": [new_field("size")]}
    report = e1000(raw, pc, lambda e: fields(e)[3].update(Description=nested))
    # a struct has no header on the wire: the same 4 bytes, now inside a struct, are the same stream
    assert findings(report) == []
    assert findings(report, include_info=True) == [
        ("QV-F014", "NONE", "e1000", "rxbuf_size", "rxbuf_size → rxbuf_size.size, size 4"),
    ]


def test_change_inside_a_subsection(raw: dict[str, Any], pc: Dump) -> None:
    def change(entry: Entry) -> None:
        mit = entry["Description"]["Subsections"][0]
        mit["Fields"][4]["size"] = 2
        mit["version_id"] = 2

    assert findings(e1000(raw, pc, change)) == [
        ("QV-F003", "BACKWARD", "e1000", "<e1000/mit_state>.mit_irq_level", "size 1 → 2"),
        ("QV-V001", "FORWARD", "e1000", "<e1000/mit_state>", "NEW version_id 2 > OLD version_id 1"),
    ]


E1000_TYPES = ("e1000", "e1000-82544gc", "e1000-82545em")
"""The device types whose VMState (section) name is ``e1000``."""


def _without(pc: Dump, keys: tuple[str, ...]) -> Dump:
    return Dump("new.json", pc.machine, {k: d for k, d in pc.devices.items() if k not in keys})


def test_device_removed_added_renamed(raw: dict[str, Any], pc: Dump) -> None:
    removed = compare_dumps(pc, _without(pc, E1000_TYPES))
    assert findings(removed) == [("QV-S001", "BACKWARD", key, "", "only in OLD") for key in E1000_TYPES]
    added = compare_dumps(_without(pc, E1000_TYPES), pc)
    assert findings(added) == [("QV-S002", "FORWARD", key, "", "only in NEW") for key in E1000_TYPES]
    renamed = e1000(raw, pc, lambda e: e["Description"].update(name="e1000-new"))
    assert findings(renamed) == [("QV-S003", "BOTH", "e1000", "", "section 'e1000' → 'e1000-new'")]


def test_a_device_type_gone_while_its_section_remains(pc: Dump) -> None:
    """The loader finds a section by its VMState name: another type with that name still loads it."""
    report = compare_dumps(pc, _without(pc, ("e1000",)))
    # the section loads; a VM with that very device type cannot be started on NEW
    assert findings(report) == [("QV-S005", "BACKWARD", "e1000", "",
                                 "only in OLD; NEW loads its section 'e1000' (as e1000-82544gc)")]
    assert report.compatible() and not report.compatible(strict=True)
    assert report.matched == [("e1000", "e1000-82544gc", "e1000")]
    assert report.notes[0] == "device type e1000 (OLD) and e1000-82544gc (NEW) are the same section 'e1000': " \
                              "compared with each other"


def test_a_device_type_renamed_keeping_its_section(raw: dict[str, Any], pc: Dump) -> None:
    entry = copy.deepcopy(raw["e1000"])
    entry["Name"] = "e1000-renamed"
    new = Dump("new.json", pc.machine, {**_without(pc, ("e1000",)).devices,
                                        "e1000-renamed": parse_dump(json.dumps({"e1000-renamed": entry}).encode())
                                        .devices["e1000-renamed"]})
    report = compare_dumps(pc, new)
    assert [(f[0], f[2]) for f in findings(report)] == [("QV-S005", "e1000"), ("QV-S005", "e1000-renamed")]
    assert ("e1000", "e1000-renamed", "e1000") in report.matched


def test_device_made_unmigratable(raw: dict[str, Any], pc: Dump) -> None:
    def block(entry: Entry) -> None:
        del entry["Description"]["Fields"]
        del entry["Description"]["Subsections"]

    assert findings(e1000(raw, pc, block)) == [("QV-S004", "BOTH", "e1000", "", "only OLD can migrate it")]


# --- symmetry (property) --------------------------------------------------------------------

_MIRROR = {
    "QV-F001": "QV-F002", "QV-F002": "QV-F001", "QV-S001": "QV-S002", "QV-S002": "QV-S001",
    "QV-U001": "QV-U002", "QV-U002": "QV-U001", "QV-F008": "QV-F009", "QV-F009": "QV-F008",
}
_SWAP = {"BACKWARD": "FORWARD", "FORWARD": "BACKWARD", "BOTH": "BOTH"}
_DEVICES = ["e1000", "hpet", "isa-fdc", "ich9-ahci", "PIIX3", "vmxnet3", "rtl8139"]


def _mutate(entry: Entry, kind: str, index: int) -> None:
    vmsd = entry["Description"]
    f = vmsd["Fields"]
    if not f:
        return
    i = index % len(f)
    if kind == "remove":
        f.pop(i)
    elif kind == "size":
        f[i]["size"] += 1
    elif kind == "append":
        f.insert(i, new_field("inserted", version=index % 3))
    elif kind == "version":
        version = vmsd["version_id"] + 1
        set_version(entry, version, minimum=min(version, vmsd["minimum_version_id"] + index % 3))
    elif kind == "subsection":
        vmsd.setdefault("Subsections", []).append(
            {"name": f"{vmsd['name']}/x", "version_id": 1, "minimum_version_id": 1, "Fields": [new_field("x")]}
        )
    elif kind == "swap" and len(f) > 1:
        f[i], f[i - 1] = f[i - 1], f[i]


def _key(f: Finding, mirror: bool) -> tuple[str, str, str, str]:
    rule = _MIRROR.get(f.rule.id, f.rule.id) if mirror else f.rule.id
    direction = _SWAP[f.direction.value] if mirror else f.direction.value
    return (rule, direction, f.device, f.path)


@settings(max_examples=100, deadline=None)
@given(
    device=st.sampled_from(_DEVICES),
    changes=st.lists(
        st.tuples(st.sampled_from(["remove", "size", "append", "version", "subsection", "swap"]), st.integers(0, 50)),
        min_size=1, max_size=3,
    ),
)
def test_swapping_old_and_new_mirrors_every_finding(raw: dict[str, Any], device: str,
                                                   changes: list[tuple[str, int]]) -> None:
    entry = copy.deepcopy(raw[device])
    old = parse_dump(json.dumps({device: entry}).encode()).devices[device]
    for kind, index in changes:
        _mutate(entry, kind, index)
    new = parse_dump(json.dumps({device: entry}).encode()).devices[device]
    there = [f for f in compare_devices(device, old, new) if f.severity is not Severity.INFO]
    back = [f for f in compare_devices(device, new, old) if f.severity is not Severity.INFO]
    assert sorted(_key(f, mirror=True) for f in there) == sorted(_key(f, mirror=False) for f in back)


# --- the command ----------------------------------------------------------------------------


def _write(tmp_path: Path, raw: dict[str, Any], change: Callable[[dict[str, Any]], Any]) -> Path:
    data = copy.deepcopy(raw)
    change(data)
    path = tmp_path / "new.json"
    path.write_text(json.dumps(data, indent=1))
    return path


def test_cli_pc_vs_q35(pc_json: Path, q35_json: Path) -> None:
    result = CliRunner().invoke(main, ["vmstate-compat", str(pc_json), str(q35_json)])
    assert result.exit_code == 0, result.output
    assert "213 device types, 213 in both; 0 errors, 0 warnings" in result.output
    assert "note: the dumps were taken with different machine types" in result.output
    assert result.output.rstrip().endswith("compatible (both)")


def test_cli_json_and_exit_codes(tmp_path: Path, raw: dict[str, Any], pc_json: Path) -> None:
    new = _write(tmp_path, raw, lambda d: fields(d["e1000"]).pop(3))
    result = CliRunner().invoke(main, ["vmstate-compat", "--json", str(pc_json), str(new)])
    assert result.exit_code == 1
    report = json.loads(result.output)
    assert report["compatible"] is False and report["direction"] == "BOTH"
    assert report["counts"] == {"devices": 213, "common": 213, "matched": 0, "with_findings": 1, "info": 0,
                                "warning": 0, "error": 1}
    (finding,) = report["findings"]
    assert finding == {
        "rule": "QV-F001",
        "name": "field-removed",
        "severity": "error",
        "direction": "BOTH",
        "device": "e1000",
        "path": "rxbuf_size",
        "detail": "only in OLD (4 bytes)",
        "message": "e1000 rxbuf_size: only in OLD (4 bytes)",
        "url": "https://devstate.dev/qemu-vmstate/#qv-f001",
    }


def test_cli_text_and_direction(tmp_path: Path, raw: dict[str, Any], pc_json: Path) -> None:
    def bump(data: dict[str, Any]) -> None:
        set_version(data["e1000"], 3)
        fields(data["e1000"]).append(new_field("new_reg", version=3))

    new = _write(tmp_path, raw, bump)
    both = CliRunner().invoke(main, ["vmstate-compat", str(pc_json), str(new)])
    assert both.exit_code == 1
    line = r"ERROR +QV-V001 version-too-new +FORWARD +e1000: NEW version_id 3 > OLD version_id 2"
    assert re.search(line, both.output)
    assert "(1 tolerated differences hidden; --all lists them)" in both.output
    backward = CliRunner().invoke(main, ["vmstate-compat", "--direction", "backward", str(pc_json), str(new)])
    assert backward.exit_code == 0 and "compatible (backward)" in backward.output
    listed = CliRunner().invoke(main, ["vmstate-compat", "--all", "--direction", "backward", str(pc_json), str(new)])
    assert "INFO    QV-F012 versioned-field-added" in listed.output


def test_cli_strict_fails_on_warnings(tmp_path: Path, raw: dict[str, Any], pc_json: Path) -> None:
    sub = {"name": "e1000/extra", "version_id": 1, "minimum_version_id": 1, "Fields": [new_field("extra")]}
    new = _write(tmp_path, raw, lambda d: d["e1000"]["Description"]["Subsections"].append(sub))
    assert CliRunner().invoke(main, ["vmstate-compat", str(pc_json), str(new)]).exit_code == 0
    assert CliRunner().invoke(main, ["vmstate-compat", "--strict", str(pc_json), str(new)]).exit_code == 1


def test_cli_bad_inputs(tmp_path: Path, pc_json: Path) -> None:
    missing = CliRunner().invoke(main, ["vmstate-compat", str(pc_json), str(tmp_path / "nope.json")])
    assert missing.exit_code == 2 and "no such file" in missing.output
    bad = tmp_path / "bad.json"
    bad.write_text("{")
    invalid = CliRunner().invoke(main, ["vmstate-compat", str(bad), str(pc_json)])
    assert invalid.exit_code == 2 and "bad.json: not JSON" in invalid.output


# --- documentation --------------------------------------------------------------------------


def test_every_rule_is_documented() -> None:
    text = SPEC.read_text(encoding="utf-8")
    for rule in QV_RULES.values():
        heading = rf"^### {rule.id} {re.escape(rule.name)} \{{#{rule.anchor}\}}$"
        assert re.search(heading, text, re.MULTILINE), rule.id
        assert f"[{rule.id}](#{rule.anchor}) | {rule.name} | {rule.severity.value} |" in text, rule.id
    documented = re.findall(r"^### (QV-[A-Z]\d{3}) ", text, re.MULTILINE)
    assert documented == list(QV_RULES), "the spec lists rules that the code does not have (or in another order)"


def test_devstate_compat_vmstate(tmp_path: Path, raw: dict[str, Any], pc_json: Path) -> None:
    def bump(data: dict[str, Any]) -> None:
        set_version(data["e1000"], 3)
        fields(data["e1000"]).append(new_field("new_reg", version=3))

    new = str(_write(tmp_path, raw, bump))
    both = CliRunner().invoke(main, ["compat", "--vmstate", str(pc_json), new])
    assert both.exit_code == 1 and "QV-V001 version-too-new" in both.output
    backward = CliRunner().invoke(main, ["compat", "--vmstate", "--mode", "backward", "--json", str(pc_json), new])
    assert backward.exit_code == 0
    assert json.loads(backward.output)["direction"] == "BACKWARD"
    forward_args = ["compat", "--vmstate", "--mode", "forward", "--format", "json", str(pc_json), new]
    forward = CliRunner().invoke(main, forward_args)
    assert forward.exit_code == 1 and json.loads(forward.output)["findings"][0]["rule"] == "QV-V001"
    assert CliRunner().invoke(main, ["compat", "--vmstate", str(pc_json)]).exit_code == 2
    assert CliRunner().invoke(main, ["compat", "--vmstate", "--format", "github", str(pc_json), new]).exit_code == 2
