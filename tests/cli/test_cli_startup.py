"""Start time: what each per-call verb imports (the figures are in benchmarks/bench_startup.py).

A verb's module is imported only when it runs, ``--help`` imports none, ``inspect`` neither
the reference codec nor the schema loader, and ``validate`` of schema files not the codec.
Import sets are checked in a fresh interpreter, since the test process has everything loaded.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from paths import ROOT

from devstate.cli import COMMANDS, SUMMARIES
from devstate.schema import load_schema, names, schema_files
from devstate.schema.names import section_names

NET_BLOB = ROOT / "spec" / "conformance" / "vectors" / "valid-org.virtio.net-1.1-max.dsf"
PLAIN_BLOB = ROOT / "spec" / "conformance" / "vectors" / "valid-org.virtio.net-1.1-default.dsf"
"""No vendor sections (NET_BLOB has one, read as a plain wire.sections.Namespace: no pydantic either)."""
NET_SCHEMA = ROOT / "schemas" / "org.virtio.net" / "1.1.yaml"


def _modules_after(*args: str, prelude: str = "") -> set[str]:
    code = (f"{prelude}import sys, json\nfrom devstate.cli import main\ntry:\n    main({list(args)!r})\n"
            "except SystemExit:\n    pass\nsys.__stderr__.write(json.dumps(sorted(sys.modules)))\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=ROOT)
    return set(json.loads(result.stderr.splitlines()[-1]))


def test_every_verb_has_a_help_summary() -> None:
    assert set(SUMMARIES) == set(COMMANDS)


@pytest.mark.parametrize(("args", "absent"), [
    (["--help"], {"pydantic", "devstate.ir", "rich", "crc32c", "tomllib",
                  *(f"devstate.cli.{m.partition(':')[0]}" for m in COMMANDS.values())}),
    (["inspect", str(NET_BLOB)], {"pydantic", "devstate.ir", "devstate.interp", "devstate.schema.loader", "jsonschema",
                                  "devstate.cli.wire_cmd", "importlib.metadata", "rich"}),
    (["inspect", str(PLAIN_BLOB)], {"pydantic", "devstate.ir", "devstate.interp", "jsonschema", "importlib.metadata",
                                    "rich"}),
    (["validate", str(NET_SCHEMA)], {"devstate.interp", "devstate.cli.wire_cmd", "devstate.semantic"}),
], ids=["help", "inspect", "inspect-no-vendor-sections", "validate"])
def test_a_verb_imports_only_what_it_needs(args: list[str], absent: set[str]) -> None:
    assert _modules_after(*args) & absent == set()


@pytest.fixture
def names_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    return tmp_path / "devstate" / names.KIND


def test_inspect_section_names_are_the_schema_ones(names_cache: Path) -> None:
    """The shipped schemas' names are precomputed (standard_names.json): no cache entry, no YAML."""
    for file in schema_files():
        schema = load_schema(file.path)
        found = section_names(file.ident)
        assert found is not None
        assert found.ident == file.ident
        assert found.standard == {s.id: s.name for s in schema.sections}
        assert found.vendor == {(str(v.vendor), v.id): v.name for v in schema.vendor_sections}
    assert not names_cache.exists()
    assert section_names("org.virtio.net@9.9") is None


def test_precomputed_section_names_are_up_to_date() -> None:
    from tools.standard_names import contents

    assert names.PRECOMPUTED.read_bytes() == contents()


@pytest.fixture
def edited_schemas(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the standard schemas whose org.virtio.net 1.1 renames section 3 (not shipped)."""
    root = tmp_path / "schemas"
    shutil.copytree(ROOT / "schemas", root)
    edited = root / "org.virtio.net" / "1.1.yaml"
    text = edited.read_text()
    assert text.count("name: config\n") == 1
    edited.write_text(text.replace("name: config\n", "name: device_config\n"))
    monkeypatch.setenv("DEVSTATE_SCHEMAS", str(root))
    return edited


def test_inspect_section_names_of_an_edited_schema_come_from_its_yaml(edited_schemas: Path,
                                                                       names_cache: Path) -> None:
    schema = load_schema(edited_schemas)
    for kept in (False, True):  # read from the YAML, then from the cache
        found = section_names("org.virtio.net@1.1")
        assert found is not None, kept
        assert found.standard == {s.id: s.name for s in schema.sections}
        assert found.standard[3] == "device_config"
        assert found.vendor == {(str(v.vendor), v.id): v.name for v in schema.vendor_sections}
        assert len(list(names_cache.glob("*.json"))) == 1
    assert section_names("org.virtio.net@1.0") == section_names_shipped("org.virtio.net@1.0")


def section_names_shipped(ident: str) -> names.SectionNames:
    entry = next(e for e in json.loads(names.PRECOMPUTED.read_bytes())["schemas"].values() if e["ident"] == ident)
    return names.SectionNames(ident, {i: n for i, n in entry["standard"]},
                              {(v, i): n for v, i, n in entry["vendor"]})


@pytest.mark.parametrize("spoiled", [
    b"[", b'{"format": 1, "answer": {"standard": [[1, 2]], "vendor": []}, "depends": {}}',
    b'{"format": 1, "answer": {"standard": [[true, "x"]], "vendor": []}, "depends": {"/nonexistent": null}}',
    b'{"format": 1, "answer": {"standard": 5, "vendor": []}, "depends": {"/nonexistent": null}}',
    b'{"format": 1, "answer": {"standard": [[1]], "vendor": [[1, 2, 3]]}, "depends": {"/nonexistent": null}}',
], ids=["not-json", "no-depends", "boolean-id", "not-a-list", "short-rows"])
def test_inspect_section_names_ignore_a_hostile_entry(edited_schemas: Path, names_cache: Path,
                                                      spoiled: bytes) -> None:
    expected = section_names("org.virtio.net@1.1")
    assert expected is not None and expected.standard[3] == "device_config"
    [entry] = names_cache.glob("*.json")
    entry.write_bytes(spoiled)
    assert section_names("org.virtio.net@1.1") == expected


def test_a_precomputed_entry_of_another_ident_is_not_used(edited_schemas: Path, names_cache: Path) -> None:
    """Content identical to a shipped schema but found under another name reads its YAML."""
    shutil.copy(ROOT / "schemas" / "org.virtio.net" / "1.0.yaml", edited_schemas)
    found = section_names("org.virtio.net@1.1")
    assert found == names.SectionNames("org.virtio.net@1.1", section_names_shipped("org.virtio.net@1.0").standard)
    assert len(list(names_cache.glob("*.json"))) == 1


def test_inspect_reads_no_yaml_for_a_standard_schema() -> None:
    """Even the first time (nothing cached): the names are precomputed into the package."""
    env_code = "import os\nos.environ['DEVSTATE_NO_CACHE'] = '1'\n"
    assert "yaml" not in _modules_after("inspect", str(PLAIN_BLOB), prelude=env_code)


def test_inspect_asked_again_reads_no_yaml() -> None:
    _modules_after("inspect", str(PLAIN_BLOB))
    assert "yaml" not in _modules_after("inspect", str(PLAIN_BLOB))


def test_validate_of_an_unchanged_valid_schema_loads_nothing_of_the_schema_language() -> None:
    """The second run answers from the cache of valid schemas (devstate.schema.validated)."""
    _modules_after("validate", str(NET_SCHEMA))
    heavy = {"pydantic", "jsonschema", "devstate.ir", "devstate.schema.loader", "yaml", "rich"}
    assert _modules_after("validate", str(NET_SCHEMA)) & heavy == set()


def test_check_migration_asked_again_loads_nothing_of_the_schema_language() -> None:
    """The second run answers from the cache (devstate.result_cache)."""
    examples = ROOT / "spec" / "examples"
    args = ("check-migration", "--source", str(examples / "source.json"), "--dest", str(examples / "dest.json"))
    _modules_after(*args)
    heavy = {"pydantic", "jsonschema", "devstate.ir", "devstate.schema.loader", "devstate.compat.verdict", "yaml",
             "rich"}
    assert _modules_after(*args) & heavy == set()


def test_check_migration_json_asked_again_imports_no_rich() -> None:
    """Management software reads --json: the console (rich) is made only when something prints through it."""
    examples = ROOT / "spec" / "examples"
    args = ("check-migration", "--json", "--source", str(examples / "source.json"),
            "--dest", str(examples / "dest.json"))
    _modules_after(*args)
    assert {m for m in _modules_after(*args) if m.split(".")[0] == "rich"} == set()
