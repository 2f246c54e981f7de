"""The malicious corpus of the ``-dump-vmstate`` reader: one lie in a valid dump each, an exact error.

A dump is foreign input (``devstate import-vmstate``, ``vmstate-compat``, ``compat --vmstate``
read dumps made elsewhere). Every case is a small valid dump with one lie; the reader must
refuse it with exactly one ``DumpError`` (file, JSON path, message), never another
exception, in memory bounded by its input. spec/security.md#hostile-streams lists the cases.
"""

from __future__ import annotations

import json
import os
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from paths import spec_section

from devstate.vmstate.dump import MAX_DEPTH, MAX_DUMP_SIZE, DumpError, load_dump, parse_dump
from devstate.vmstate.importer import import_dump

FILE = "hostile.json"


def _field(**extra: Any) -> dict[str, Any]:
    return {"field": "f", "version_id": 0, "field_exists": False, "size": 4, **extra}


def _valid() -> dict[str, Any]:
    """A dump QEMU could write: a machine and one device with a field, a struct and a subsection."""
    nested = {"name": "inner", "version_id": 1, "minimum_version_id": 1, "Fields": [_field()]}
    return {"vmschkmachine": {"Name": "pc-q35-10.0"},
            "dev": {"Name": "dev", "version_id": 2, "minimum_version_id": 1,
                    "Description": {"name": "dev", "version_id": 2, "minimum_version_id": 1,
                                    "Fields": [_field(), _field(field="s", size=8, Description=nested),
                                               _field(field="a", size=2, num=16)],
                                    "Subsections": [{"name": "dev/sub", "version_id": 1, "minimum_version_id": 1,
                                                     "Fields": [_field(field="g")]}]}}}


def _nested(levels: int) -> dict[str, Any]:
    vmsd: dict[str, Any] = {"name": "leaf", "version_id": 1, "minimum_version_id": 1}
    for _ in range(levels):
        vmsd = {"name": "s", "version_id": 1, "minimum_version_id": 1, "Fields": [_field(Description=vmsd)]}
    return vmsd


def _text(dump: dict[str, Any]) -> bytes:
    return json.dumps(dump).encode()


def _edit(change: Callable[[dict[str, Any]], None]) -> bytes:
    dump = _valid()
    change(dump)
    return _text(dump)


def _set(path: str, value: Any) -> bytes:
    """The valid dump with the value at ``path`` (keys and indexes separated by "/") replaced."""
    def change(dump: dict[str, Any]) -> None:
        *parents, last = path.split("/")
        node: Any = dump
        for key in parents:
            node = node[int(key)] if isinstance(node, list) else node[key]
        node[int(last) if isinstance(node, list) else last] = value

    return _edit(change)


D = '$["dev"]'
F = f"{D}.Description.Fields"


@dataclass(frozen=True)
class HostileDump:
    id: str
    text: bytes
    path: str
    message: str
    bug_class: str
    modelled_on: str = ""


HOSTILE_DUMPS = [
    HostileDump("integer-of-5000-digits", _text(_valid()).replace(b'"version_id": 2', b'"version_id": ' + b"9" * 5000,
                                                                      1),
                "", "not read: an integer literal of 5000 digits (at most 20 are read)", "CWE-407",
                "CVE-2020-10735 (CPython: int() of a long literal is quadratic; a ValueError escaped the reader)"),
    HostileDump("integer-of-21-digits", _text(_valid()).replace(b'"size": 4', b'"size": -' + b"1" * 21, 1),
                "", "not read: an integer literal of 21 digits (at most 20 are read)", "CWE-407"),
    HostileDump("version-2-to-the-63", _set("dev/version_id", 1 << 63), f"{D}.version_id",
                "9223372036854775808 is out of range", "CWE-190"),
    HostileDump("size-negative", _set("dev/Description/Fields/0/size", -1), f"{F}[0].size", "-1 is out of range",
                "CWE-191"),
    HostileDump("num-2-to-the-63", _set("dev/Description/Fields/2/num", 1 << 63), f"{F}[2].num",
                "9223372036854775808 is out of range", "CWE-190"),
    HostileDump("version-infinity", _text(_valid()).replace(b'"version_id": 2', b'"version_id": 1e400', 1),
                f"{D}.version_id", "expected an integer, got Infinity", "CWE-843"),
    HostileDump("size-nan", _text(_valid()).replace(b'"size": 4', b'"size": NaN', 1), f"{F}[0].size",
                "expected an integer, got NaN", "CWE-843"),
    HostileDump("field-exists-as-integer", _set("dev/Description/Fields/0/field_exists", 1),
                f"{F}[0].field_exists", "expected true or false, got 1", "CWE-843"),
    HostileDump("version-as-bool", _set("dev/Description/version_id", True), f"{D}.Description.version_id",
                "expected an integer, got true", "CWE-843"),
    HostileDump("fields-as-object", _set("dev/Description/Fields", {"0": _field()}), f"{D}.Description.Fields",
                'expected an array, got {"0": {"field": "f", "version_id": 0,...', "CWE-843"),
    HostileDump("empty-name", _set("dev/Description/Subsections/0/name", ""),
                f"{D}.Description.Subsections[0].name", 'expected a non-empty string, got ""', "CWE-20"),
    HostileDump("descriptions-nested-33-deep", _set("dev/Description", _nested(MAX_DEPTH + 1)),
                f"{D}.Description" + ".Fields[0].Description" * (MAX_DEPTH + 1),
                f"descriptions nest more than {MAX_DEPTH} levels deep", "CWE-674"),
    HostileDump("json-nested-100000-deep", b"[" * 100_000 + b"]" * 100_000, "", "JSON nested too deeply", "CWE-674"),
    HostileDump("duplicate-device-key", _text(_valid())[:-1] + b', "dev": {}}', "", "duplicate key 'dev'", "CWE-694"),
    HostileDump("not-utf-8", _text(_valid()).replace(b'"dev/sub"', b'"dev\xff"'), "",
                f"not UTF-8 text (byte {_text(_valid()).index(b'dev/sub') + 3})", "CWE-172"),
    HostileDump("overlong-slash", _text(_valid()).replace(b'"dev/sub"', b'"dev\xc0\xafsub"'), "",
                f"not UTF-8 text (byte {_text(_valid()).index(b'dev/sub') + 3})", "CWE-176"),
    HostileDump("missing-name", _edit(lambda d: d["dev"]["Description"]["Fields"][1]["Description"].pop("name")),
                f"{F}[1].Description", "missing key 'name'", "CWE-20"),
    HostileDump("no-devices", b'{"vmschkmachine": {"Name": "pc"}}', "$", "no device entries (is this a -dump-vmstate "
                "file?)", "CWE-20"),
]


@pytest.mark.parametrize("case", HOSTILE_DUMPS, ids=[case.id for case in HOSTILE_DUMPS])
def test_a_hostile_dump_is_refused_with_its_path(case: HostileDump) -> None:
    tracemalloc.start()
    try:
        with pytest.raises(DumpError) as error:
            parse_dump(case.text, FILE)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert (error.value.file, error.value.path, error.value.message) == (FILE, case.path, case.message)
    assert str(error.value) == (f"{FILE}: {case.path}: {case.message}" if case.path else f"{FILE}: {case.message}")
    assert peak < 40 * len(case.text) + (256 << 10), f"{peak} bytes to refuse a {len(case.text)}-byte dump"


def test_the_dump_the_lies_start_from_is_valid() -> None:
    dump = parse_dump(_text(_valid()), FILE)
    assert (dump.machine, list(dump.devices), dump.field_count(), dump.subsection_count(), dump.warnings) == (
        "pc-q35-10.0", ["dev"], 5, 1, ())
    assert parse_dump(_set("dev/Description", _nested(MAX_DEPTH)), FILE).devices["dev"].vmsd.name == "s"


def test_a_dump_over_the_size_limit_is_refused_before_it_is_read(tmp_path: Path) -> None:
    path = tmp_path / FILE
    with path.open("wb") as handle:
        handle.truncate(MAX_DUMP_SIZE + 1)  # sparse: nothing to read but its size
    tracemalloc.start()
    try:
        with pytest.raises(DumpError) as error:
            load_dump(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert str(error.value) == f"{path}: the file is larger than {MAX_DUMP_SIZE} bytes"
    assert peak < 64 << 10
    os.unlink(path)


def test_a_device_named_like_a_path_imports_under_a_plain_name() -> None:
    """CWE-22: the QOM type name is the dump's key; the schema file it becomes is named by model id."""
    dump = _valid()
    dump["../../etc/passwd"] = dump.pop("dev") | {"Name": "../../etc/passwd"}
    result = import_dump(parse_dump(_text(dump), FILE))
    assert [(s.document["model"], s.relpath) for s in result.schemas] == [
        ("org.qemu.etc-passwd", "org.qemu.etc-passwd/2.0.yaml")]


def test_the_security_spec_lists_the_cases() -> None:
    section = spec_section("security.md", "hostile-streams")
    assert f"**{len(HOSTILE_DUMPS)} hostile dumps**" in section
    for case in HOSTILE_DUMPS:
        row = next((line for line in section.splitlines() if line.startswith(f"| `{case.id}` |")), None)
        assert row is not None, f"{case.id} is not in spec/security.md#hostile-streams"
        assert case.bug_class in row
