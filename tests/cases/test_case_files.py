"""The loader of tests/cases/ refuses incomplete folders; tools.case_hex parses, drafts and re-seals hex;
the state lines the C and Rust drivers encode from (tests/support/state_lines.py)."""

from __future__ import annotations

import json
import shutil
import struct
from pathlib import Path
from typing import Any

import pytest
from case_files import (
    CASES_DIR,
    CaseFileError,
    Feature,
    all_unencodable,
    all_valid,
    load_cases,
    load_feature,
    schema_of,
)
from state_lines import Inexpressible, state_lines

from devstate import ir
from devstate.wire.checksum import crc32c
from tools.case_hex import HexError, draft, parse_hex, reseal

BOOL = CASES_DIR / "bool"


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """A copy of the bool feature folder to break."""
    return Path(shutil.copytree(BOOL, tmp_path / "bool"))


def test_a_copy_of_a_feature_folder_loads(folder: Path) -> None:
    feature = load_feature(folder)
    assert [case.name for case in feature.valid] == ["mixed"]
    assert [case.name for case in feature.invalid] == ["bool-ff", "bool-two"]
    assert [case.name for case in feature.unencodable] == ["integer-for-a-bool"]


def test_a_state_without_its_blob_fails(folder: Path) -> None:
    (folder / "mixed.dsf.hex").unlink()
    with pytest.raises(CaseFileError, match=r"mixed\.state\.json: no mixed\.dsf\.hex beside it$"):
        load_feature(folder)


def test_a_blob_without_its_state_fails(folder: Path) -> None:
    (folder / "other.dsf.hex").write_text("00\n", encoding="utf-8")
    with pytest.raises(CaseFileError, match=r"other\.dsf\.hex: no other\.state\.json beside it$"):
        load_feature(folder)


def test_a_file_the_runner_does_not_know_fails(folder: Path) -> None:
    (folder / "mixed.expected.json").write_text("{}", encoding="utf-8")
    with pytest.raises(CaseFileError, match=r"files the runner does not know: mixed\.expected\.json$"):
        load_feature(folder)


def test_an_error_case_without_its_offset_fails(folder: Path) -> None:
    path = folder / "bool-two.error.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    del data["offset"]
    data["expected"] = 1
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(CaseFileError, match=r"missing keys \['offset'\], unknown keys \['expected'\]$"):
        load_feature(folder)


def test_not_for_names_c_or_rust_with_a_reason(folder: Path) -> None:
    path = folder / "integer-for-a-bool.encode-error.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    data["not_for"] = {"python": "no reason"}
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(CaseFileError, match=r"not_for maps \['c', 'rust'\] to the reason, "
                                            r"not \{'python': 'no reason'\}$"):
        load_feature(folder)


def _valid(case_id: str) -> tuple[ir.Schema, Any]:
    case = next(case for case in all_valid() if case.id == case_id)
    return schema_of(case), case.state


def _unencodable(case_id: str) -> tuple[ir.Schema, Any]:
    case = next(case for case in all_unencodable() if case.id == case_id)
    return schema_of(case), case.state


def test_state_lines_of_unknown_and_vendor_sections() -> None:
    # main, then the unknown count and id, flags, vendor header, payload of each
    assert state_lines(*_valid("unknown-sections/kept"), "c") == [
        "state", "5", "2", "9", "1", "x", "x0102", "3", "3", "x0100f41a0000000000000000000000000000", "xff", "end"]
    # main; the optional acme_blob absent (0); the required acme_regs.r0; no unknown sections
    assert state_lines(*_valid("vendor-sections/required-only"), "rust") == ["state", "1", "0", "0", "0", "end"]


def test_state_lines_of_a_counted_array_over_its_max() -> None:
    """The C struct's storage holds max (4) elements: the count as given, the first 4; Rust's Vec holds all 5."""
    schema, state = _unencodable("counted-arrays/count-over-max")
    assert state_lines(schema, state, "c") == ["state", "5", "1", "2", "3", "4", "1", "5", "6", "0", "end"]
    assert state_lines(schema, state, "rust") == ["state", "5", "1", "2", "3", "4", "5", "1", "5", "6", "0", "end"]


def test_state_lines_of_a_lone_surrogate() -> None:
    """C takes the surrogate's bytes (its encoder must refuse them); a Rust str cannot hold it."""
    schema, state = _unencodable("strings/lone-surrogate")
    assert state_lines(schema, state, "c")[2] == "xeda080"
    with pytest.raises(Inexpressible, match=r"^\$\.sections\.main\.note: a Rust str holds UTF-8 only, and a lone "
                                            r"surrogate has none$"):
        state_lines(schema, state, "rust")


def test_a_folder_without_schema_or_cases_fails(folder: Path) -> None:
    for path in folder.glob("*.json"):
        path.unlink()
    for path in folder.glob("*.hex"):
        path.unlink()
    with pytest.raises(CaseFileError, match=r"no \*\.state\.json or \*\.error\.json case$"):
        load_feature(folder)
    (folder / "schema.yaml").unlink()
    with pytest.raises(CaseFileError, match=r"bool: no schema\.yaml$"):
        load_feature(folder)


def test_parse_hex_takes_any_grouping_and_comments() -> None:
    assert parse_hex("89445346 0d0a # magic\n\n  1a 0a# no space before\n# only a comment\n") == bytes.fromhex(
        "894453460d0a1a0a")


def test_parse_hex_names_the_bad_line() -> None:
    with pytest.raises(HexError, match=r"^line 2: '0g' is not hex digit pairs$"):
        parse_hex("00\n0g\n")
    with pytest.raises(HexError, match=r"^line 1: 'abc' is not hex digit pairs$"):
        parse_hex(["abc"])


def _feature(name: str) -> Feature:
    return next(feature for feature in load_cases() if feature.name == name)


def test_reseal_fixes_length_and_crc_and_renumbers_comments() -> None:
    feature = _feature("bool")
    bool_case = feature.valid[0]
    lines = draft(feature.schema, bool_case.state).splitlines()
    at = next(i for i, line in enumerate(lines) if "$.sections.main.muted" in line)
    lines.insert(at, "01                                               #    0: an extra byte")
    text = reseal("\n".join(lines) + "\n")
    data = parse_hex(text)
    assert data[:-4] == bool_case.blob[:16] + struct.pack("<Q", 63) + bool_case.blob[24:57] + b"\x01" + b"\x00"
    assert data[-4:] == struct.pack("<I", crc32c(data[:-4]))
    assert "#   57: an extra byte" in text and "#   58: $.sections.main.muted" in text and "#   59: CRC-32C" in text


def test_draft_comments_each_item_with_its_offset_and_path() -> None:
    feature = _feature("nested-structs")
    text = draft(feature.schema, feature.valid[0].state)
    assert parse_hex(text) == feature.valid[0].blob
    assert "08 00 00 00                                      #   67: $.sections.main.inner: size" in text.splitlines()
