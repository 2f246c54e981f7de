"""The shipped facts of the standard schemas (``devstate.schema.facts``): equal to what the
loader builds, used for a standard file unchanged and in place (the first ``validate`` then
imports no YAML parser, jsonschema or pydantic), and never for a file whose load would read
anything else: edited, moved, importing an edited library, or under another meta-schema."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from paths import ROOT, SCHEMAS

from devstate import result_cache
from devstate.schema import facts, load_schema, schema_files
from devstate.schema.validate import summarize, validate_schema_files

NET = SCHEMAS / "org.virtio.net" / "1.1.yaml"
BLK = SCHEMAS / "org.virtio.blk" / "1.1.yaml"
COMMON = SCHEMAS / "org.virtio.common" / "1.1.yaml"


pytestmark = pytest.mark.usefixtures("cache_home")  # every test: an empty cache of its own


@pytest.fixture
def copied(tmp_path: Path) -> Path:
    """A copy of the standard schemas directory."""
    return Path(shutil.copytree(SCHEMAS, tmp_path / "schemas"))


def test_the_facts_are_up_to_date() -> None:
    from tools.standard_facts import contents

    assert facts.FACTS.read_bytes() == contents()


def test_the_facts_are_what_the_loader_builds() -> None:
    from tools.standard_facts import param_facts

    table = facts.table()["schemas"]
    assert len(table) == len(schema_files()) == 14
    for file in schema_files():
        schema = load_schema(file.path)
        found = facts.known(file.path)
        assert found is not None
        assert found.facts == table[result_cache.sha256_of(file.path)]
        assert found.facts["summary"] == summarize(schema).__dict__
        assert (found.facts["model"], found.facts["version"]) == (schema.model, str(schema.version))
        assert found.facts["params"] == [param_facts(p) for p in schema.params]
        assert found.facts["vendor_sections"] == [[str(v.vendor), v.id, v.name, v.optional]
                                                  for v in schema.vendor_sections]


def test_validate_answers_the_same_with_and_without_the_facts(monkeypatch: pytest.MonkeyPatch) -> None:
    files = [f.path for f in schema_files()]
    with_facts = [(r.path, r.summary, r.diagnostics) for r in validate_schema_files(files)]
    monkeypatch.setenv(result_cache.DISABLE_ENV, "1")
    monkeypatch.setattr(facts, "table", dict)
    assert [(r.path, r.summary, r.diagnostics) for r in validate_schema_files(files)] == with_facts


def test_a_known_file_lists_every_file_its_load_reads() -> None:
    found = facts.known(BLK)
    assert found is not None
    assert found.files == {BLK.resolve(): result_cache.sha256_of(BLK), COMMON.resolve(): result_cache.sha256_of(COMMON)}


def test_the_first_validate_of_a_standard_schema_loads_nothing(cache_home: Path) -> None:
    code = ("import sys, json\nfrom devstate.cli import main\n"
            "try:\n    main(['validate', 'schemas/org.virtio.blk/1.1.yaml'])\nexcept SystemExit as exc:\n"
            "    sys.__stderr__.write(json.dumps([exc.code, sorted(sys.modules)]))\n")
    env = {k: v for k, v in os.environ.items() if k != "DEVSTATE_SCHEMAS"}
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=ROOT,
                            env={**env, "XDG_CACHE_HOME": str(cache_home)})
    status, modules = json.loads(result.stderr.splitlines()[-1])
    assert status == 0
    assert set(modules) & {"yaml", "jsonschema", "pydantic", "devstate.ir", "devstate.schema.loader"} == set()
    assert result.stdout.splitlines()[1:3] == [
        "file                             model           version  sections  vendor  fields  params  status",
        "schemas/org.virtio.blk/1.1.yaml  org.virtio.blk  1.1             5       0      35      13  valid",
    ]
    assert re.fullmatch(r"1/1 valid in \d+ ms", result.stdout.splitlines()[3])
    assert not cache_home.exists()


def test_an_edited_schema_gets_every_check(copied: Path) -> None:
    edited = copied / "org.virtio.net" / "1.1.yaml"
    edited.write_text(edited.read_text().replace("\ntypes:\n", "\ncolour: blue\ntypes:\n", 1))
    assert facts.known(edited) is None
    [report] = validate_schema_files([edited])
    assert [(d.code, d.message) for d in report.diagnostics] == [
        ("META_SCHEMA", "unknown key 'colour'; allowed here: $schema, annotations, devstate, doc, imports, model, "
                        "params, sections, title, types, vendor_sections, version")]


def test_a_comment_added_is_another_file_loaded_in_full(copied: Path) -> None:
    edited = copied / "org.virtio.net" / "1.1.yaml"
    edited.write_bytes(edited.read_bytes() + b"# edited\n")
    assert facts.known(edited) is None
    assert facts.known(copied / "org.virtio.net" / "1.0.yaml") is not None
    [report] = validate_schema_files([edited])
    assert report.summary == summarize(load_schema(NET))


def test_a_moved_schema_gets_the_path_check(tmp_path: Path) -> None:
    moved = tmp_path / "org.virtio.blk" / "1.2.yaml"
    moved.parent.mkdir()
    shutil.copyfile(BLK, moved)
    assert facts.known(moved) is None
    [report] = validate_schema_files([moved])
    assert [(d.code, d.message) for d in report.diagnostics] == [
        ("PATH_MISMATCH", "the file declares org.virtio.blk@1.1 and must be at org.virtio.blk/1.1.yaml, "
                          "not org.virtio.blk/1.2.yaml")]


def test_a_copy_in_place_elsewhere_is_known_with_the_standard_imports(tmp_path: Path) -> None:
    """Its import is not beside it, so the loader takes the standard one: the recorded file."""
    copy = tmp_path / "org.virtio.blk" / "1.1.yaml"
    copy.parent.mkdir()
    shutil.copyfile(BLK, copy)
    found = facts.known(copy)
    assert found is not None
    assert set(found.files) == {copy.resolve(), (tmp_path / "org.virtio.common" / "1.1.yaml").resolve(),
                                COMMON.resolve()}
    assert found.files[(tmp_path / "org.virtio.common" / "1.1.yaml").resolve()] is None


def test_an_edited_import_beside_the_file_is_loaded_in_full(copied: Path) -> None:
    common = copied / "org.virtio.common" / "1.1.yaml"
    common.write_text(common.read_text().replace("\ntypes:\n", "\ntypes:\n  extra: {kind: struct, fields: []}\n", 1))
    device = copied / "org.virtio.blk" / "1.1.yaml"
    assert facts.known(device) is None
    [report] = validate_schema_files([device])
    assert [d.code for d in report.diagnostics] == ["IMPORT_NOT_FOUND", "UNKNOWN_TYPE", "UNKNOWN_TYPE", "META_SCHEMA"]


def test_a_missing_import_is_loaded_in_full(copied: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (copied / "org.virtio.common" / "1.1.yaml").unlink()
    monkeypatch.setenv("DEVSTATE_SCHEMAS", str(copied))
    device = copied / "org.virtio.blk" / "1.1.yaml"
    assert facts.known(device) is None
    [report] = validate_schema_files([device])
    assert [d.code for d in report.diagnostics] == ["IMPORT_NOT_FOUND", "UNKNOWN_TYPE", "UNKNOWN_TYPE"]


def test_another_meta_schema_turns_the_facts_off(copied: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    meta = copied / facts.META_SCHEMA_NAME
    monkeypatch.setenv("DEVSTATE_SCHEMAS", str(copied))
    assert facts.known(NET) is not None
    meta.write_text(json.dumps(json.loads(meta.read_text())))  # the same meta-schema, other bytes
    assert facts.known(NET) is None


def test_a_parameter_accepts_what_the_ir_parameter_accepts() -> None:
    checked = 0
    for file in schema_files():
        schema = load_schema(file.path)
        found = facts.known(file.path)
        assert found is not None
        standard = facts.StandardSchema(found, lambda: None)
        assert [p.name for p in standard.params] == [p.name for p in schema.params]
        for plain, param in zip(standard.params, schema.params, strict=True):
            edges = [v + d for v in (param.min, param.max, *(plain.range or ())) if v is not None for d in (-1, 0, 1)]
            for value in [True, False, 0, 1, "x", "", param.default, *(param.allowed or ()), *edges]:
                assert plain.accepts(value) is param.accepts(value), (file.ident, param.name, value)
                checked += 1
    assert checked > 1000


def test_a_standard_schema_is_the_ir_beyond_its_facts() -> None:
    found = facts.known(NET)
    assert found is not None
    schema = load_schema(NET)
    calls: list[int] = []
    standard = facts.StandardSchema(found, lambda: calls.append(1) or schema)
    assert (standard.model, standard.version, standard.ident, standard.sha256) == (
        schema.model, schema.version, schema.ident, schema.sha256)
    assert [(v.vendor, v.id, v.name, v.optional) for v in standard.vendor_sections] == [
        (str(v.vendor), v.id, v.name, v.optional) for v in schema.vendor_sections]
    assert calls == []
    assert standard.sections is schema.sections
    assert standard.is_library is False
    assert facts.full(standard) is schema
    assert facts.full(schema) is schema
    assert calls == [1]
