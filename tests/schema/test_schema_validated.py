"""The cache of valid schema files behind ``devstate validate``: same answers with and
without it, never stale (file, imports, an import that appears), off by an environment
variable, and any hostile entry ignored."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from paths import SCHEMAS

from devstate import result_cache
from devstate.cli import main
from devstate.schema import facts
from devstate.schema.validate import expand_schema_paths, validate_schema_files
from devstate.schema.validated import SchemaSummary

NET = SCHEMAS / "org.virtio.net" / "1.1.yaml"
LIBRARY = """
    devstate: 1
    model: org.example.lib
    version: "1.0"
    title: Library
    types:
      pair: {kind: struct, fields: [{name: a, type: u8}, {name: b, type: u8}]}
"""
DEVICE = """
    devstate: 1
    model: org.example.dev
    version: "1.1"
    title: Device
    imports: [{model: org.example.lib, version: "1.0", as: lib}]
    sections:
      - {id: 1, name: regs, type: regs}
    types:
      regs: {kind: struct, fields: [{name: p, type: lib.pair}, {name: c, type: u16}]}
"""


@pytest.fixture(autouse=True)
def no_shipped_facts(monkeypatch: pytest.MonkeyPatch) -> None:
    """The standard schemas here are files like any other: answered by the cache, not by the
    shipped facts (tests/schema/test_schema_facts.py)."""
    monkeypatch.setattr(facts, "table", dict)


@pytest.fixture(autouse=True)
def cache_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    home = tmp_path / "xdg"
    monkeypatch.setenv("XDG_CACHE_HOME", str(home))
    monkeypatch.delenv(result_cache.DISABLE_ENV, raising=False)
    yield home / "devstate" / "validated"


def _validate(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["validate", *args])
    return result.exit_code, re.sub(r"valid in \d+ ms", "valid in N ms", result.output)


def _entries(cache: Path) -> list[Path]:
    return sorted(cache.glob("*.json")) if cache.is_dir() else []


def test_cached_and_uncached_answers_are_identical(cache_home: Path, loads: list[Path]) -> None:
    for args in ([str(NET)], ["--json", str(NET)], ["--format", "github", str(NET)], [str(SCHEMAS)]):
        first = _validate(*args)
        loaded = len(loads)
        assert _validate(*args) == first
        assert len(loads) == loaded, f"validate {args} loaded again"
    count = len(expand_schema_paths([SCHEMAS]))
    assert first[0] == 0 and first[1].endswith(f"\n{count}/{count} valid in N ms\n")


def test_the_text_report_is_a_plain_table(write_schema: Callable[..., Path]) -> None:
    broken = write_schema(DEVICE)  # its import is missing
    diagnostics = validate_schema_files([broken])[0].diagnostics
    code, output = _validate(str(NET), str(broken))
    assert code == 1
    width = len(str(broken))
    empty = " " * (len("org.virtio.net") + len("version") + len("sections") + 3 * len("fields") + 2 * 6)
    assert output == "".join(f"{d}\n" for d in diagnostics) + (
        "Schema validation\n"
        f"{'file':<{width}}  model           version  sections  vendor  fields  params  status\n"
        f"{NET!s:<{width}}  org.virtio.net  1.1             8       1      24      19  valid\n"
        f"{broken}  {empty}invalid ({len(diagnostics)} errors)\n"
        "1/2 valid in N ms\n")


def test_a_hit_reports_the_schema_as_loaded(loads: list[Path]) -> None:
    [fresh] = validate_schema_files([NET])
    [cached] = validate_schema_files([NET])
    assert loads == [NET.resolve(), (SCHEMAS / "org.virtio.common" / "1.1.yaml").resolve()]
    assert cached.summary == fresh.summary == SchemaSummary(model="org.virtio.net", version="1.1", sections=8,
                                                           vendor_sections=1, fields=24, params=19)
    assert cached.to_json() == fresh.to_json()


def test_an_edited_file_is_loaded_again(write_schema: Callable[..., Path], loads: list[Path]) -> None:
    write_schema(LIBRARY, "org.example.lib/1.0.yaml")
    device = write_schema(DEVICE)
    assert validate_schema_files([device])[0].valid
    device.write_text(device.read_text().replace("type: u16", "type: u17"))
    [report] = validate_schema_files([device])
    assert not report.valid and "u17" in str(report.diagnostics[0])


def test_an_edited_import_is_loaded_again(write_schema: Callable[..., Path], loads: list[Path]) -> None:
    library = write_schema(LIBRARY, "org.example.lib/1.0.yaml")
    device = write_schema(DEVICE)
    assert validate_schema_files([device])[0].valid
    library.write_text(library.read_text().replace("pair:", "couple:"))
    [report] = validate_schema_files([device])
    assert not report.valid
    library.write_text(library.read_text().replace("couple:", "pair:"))
    assert validate_schema_files([device])[0].valid


def test_an_import_that_appears_where_it_was_looked_for_is_loaded(
        write_schema: Callable[..., Path], tmp_path: Path, loads: list[Path]) -> None:
    """A model import looks beside the importer first, then in the standard schemas."""
    device = write_schema(DEVICE.replace("org.example.lib", "org.virtio.common").replace('"1.0"', '"1.1"')
                          .replace("lib.pair", "u32"))
    assert validate_schema_files([device])[0].valid
    write_schema(LIBRARY.replace("org.example.lib", "org.virtio.common").replace('"1.0"', '"1.1"'),
                 "org.virtio.common/1.1.yaml")
    loads.clear()
    assert validate_schema_files([device])[0].valid
    assert device.resolve() in loads


def test_invalid_answers_are_not_kept(write_schema: Callable[..., Path], cache_home: Path, loads: list[Path]) -> None:
    broken = write_schema(DEVICE)  # its import is missing
    assert not validate_schema_files([broken])[0].valid
    assert not validate_schema_files([broken])[0].valid
    assert loads == [broken.resolve(), broken.resolve()]
    assert _entries(cache_home) == []


def test_the_cache_is_off_with_the_environment_variable(cache_home: Path, loads: list[Path],
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(result_cache.DISABLE_ENV, "1")
    assert _validate(str(NET))[0] == 0
    assert _validate(str(NET))[0] == 0
    assert loads.count(NET.resolve()) == 2
    assert _entries(cache_home) == []


def test_an_unwritable_cache_is_no_error(cache_home: Path, loads: list[Path]) -> None:
    cache_home.parent.mkdir(parents=True)
    cache_home.write_text("a file where the directory should be")
    assert _validate(str(NET))[0] == 0
    assert _validate(str(NET))[0] == 0
    assert loads.count(NET.resolve()) == 2


HOSTILE: dict[str, Callable[[dict[str, object]], object]] = {
    "not json": lambda entry: b"\xff\x00{",
    "a list": lambda entry: [entry],
    "another format": lambda entry: {**entry, "format": 2},
    "depends on another file only": lambda entry: {**entry, "depends": {"/nonexistent/devstate": None}},
    "no depends": lambda entry: {k: v for k, v in entry.items() if k != "depends"},
    "depends without the file": lambda entry: {**entry, "depends": {}},
    "a stale digest": lambda entry: {**entry, "depends": {k: "0" * 64 for k in entry["depends"]}},  # type: ignore[attr-defined]
    "a number as digest": lambda entry: {**entry, "depends": {k: 7 for k in entry["depends"]}},  # type: ignore[attr-defined]
    "answer of strings": lambda entry: {**entry, "answer": {k: "x" for k in entry["answer"]}},  # type: ignore[attr-defined]
    "answer with booleans": lambda entry: {**entry, "answer": {**entry["answer"], "fields": True}},  # type: ignore[dict-item]
    "answer missing a key": lambda entry: {**entry, "answer": {"model": "m"}},
    "answer with an extra key": lambda entry: {**entry, "answer": {**entry["answer"], "x": 1}},  # type: ignore[dict-item]
    "too large": lambda entry: b" " * (result_cache.MAX_ENTRY_SIZE + 1) + json.dumps(entry).encode(),
    "nested deep": lambda entry: b"[" * 100_000,
}


@pytest.mark.parametrize("spoil", HOSTILE.values(), ids=HOSTILE.keys())
def test_a_hostile_entry_is_ignored(spoil: Callable[[dict[str, object]], object], cache_home: Path,
                                    loads: list[Path]) -> None:
    expected = _validate("--json", str(NET))
    [entry_file] = _entries(cache_home)
    spoiled = spoil(json.loads(entry_file.read_text()))
    entry_file.write_bytes(spoiled if isinstance(spoiled, bytes) else json.dumps(spoiled).encode())
    loads.clear()
    assert _validate("--json", str(NET)) == expected
    assert NET.resolve() in loads


def test_an_entry_that_is_a_directory_is_ignored(cache_home: Path, loads: list[Path]) -> None:
    expected = _validate(str(NET))
    [entry_file] = _entries(cache_home)
    entry_file.unlink()
    entry_file.mkdir()
    assert _validate(str(NET)) == expected
