"""Start time: what each per-call verb imports (the figures are in benchmarks/bench_startup.py).

A verb's module is imported only when it runs, ``--help`` imports none, ``inspect`` neither
the reference codec nor the schema loader, and ``validate`` of schema files not the codec.
Import sets are checked in a fresh interpreter, since the test process has everything loaded.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT

from devstate.cli import COMMANDS, SUMMARIES
from devstate.schema import load_schema, names, schema_files
from devstate.schema.names import section_names

NET_BLOB = ROOT / "spec" / "conformance" / "vectors" / "valid-org.virtio.net-1.1-max.dsf"
PLAIN_BLOB = ROOT / "spec" / "conformance" / "vectors" / "valid-org.virtio.net-1.1-default.dsf"
"""No vendor sections (NET_BLOB has one, read as a plain wire.sections.Namespace: no pydantic either)."""
NET_SCHEMA = ROOT / "schemas" / "org.virtio.net" / "1.1.yaml"


def _modules_after(*args: str) -> set[str]:
    code = (f"import sys, json\nfrom devstate.cli import main\ntry:\n    main({list(args)!r})\nexcept SystemExit:\n"
            "    pass\nsys.__stderr__.write(json.dumps(sorted(sys.modules)))\n")
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
    for file in schema_files():
        schema = load_schema(file.path)
        for kept in (False, True):  # read from the YAML, then from the cache
            found = section_names(file.ident)
            assert found is not None, kept
            assert found.standard == {s.id: s.name for s in schema.sections}
            assert found.vendor == {(str(v.vendor), v.id): v.name for v in schema.vendor_sections}
    assert len(list(names_cache.glob("*.json"))) == len(schema_files())
    assert section_names("org.virtio.net@9.9") is None


@pytest.mark.parametrize("spoiled", [
    b"[", b'{"format": 1, "answer": {"standard": [[1, 2]], "vendor": []}, "depends": {}}',
    b'{"format": 1, "answer": {"standard": [[true, "x"]], "vendor": []}, "depends": {"/nonexistent": null}}',
    b'{"format": 1, "answer": {"standard": 5, "vendor": []}, "depends": {"/nonexistent": null}}',
    b'{"format": 1, "answer": {"standard": [[1]], "vendor": [[1, 2, 3]]}, "depends": {"/nonexistent": null}}',
], ids=["not-json", "no-depends", "boolean-id", "not-a-list", "short-rows"])
def test_inspect_section_names_ignore_a_hostile_entry(names_cache: Path, spoiled: bytes) -> None:
    expected = section_names("org.virtio.net@1.1")
    [entry] = names_cache.glob("*.json")
    entry.write_bytes(spoiled)
    assert section_names("org.virtio.net@1.1") == expected


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
