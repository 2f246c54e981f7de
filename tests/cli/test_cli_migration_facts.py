"""The first ``check-migration`` (empty cache) answers from the shipped facts of the standard
schemas (``devstate.schema.facts``) and of the standard migrations: the same answer, files
depended on and exit status as loading the schemas, for description pairs of every standard
model; no YAML parser, jsonschema or pydantic for the usual call; an edited schema loaded."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from itertools import product
from pathlib import Path
from typing import Any

import pytest
from paths import ROOT, SCHEMAS

from devstate import ir
from devstate.cli import migration_check
from devstate.compat import migrate
from devstate.schema import facts, load_schema, schema_files
from devstate.version import Version

EXAMPLES = ROOT / "spec" / "examples"


pytestmark = pytest.mark.usefixtures("cache_home")  # every test: an empty cache of its own


def _other_value(param: ir.Param) -> list[object]:
    """Values of ``param`` other than its default: in and out of its domain."""
    if param.type == "bool":
        return [not param.default]
    if param.type == "string":
        return ["other"]
    high = ir.scalar_range(param.type)[1]
    top = param.max if param.max is not None else high
    return [top, top + 1] + ([param.allowed[-1]] if param.allowed else [])


def _descriptions() -> Iterator[tuple[str, dict[str, Any], dict[str, Any]]]:
    """(name, source, destination) pairs of every standard model: versions in common or not,
    parameters defaulted, set, out of range, unsupported, and vendor sections."""
    models: dict[str, list[str]] = {}
    for file in schema_files():
        models.setdefault(file.model, []).append(str(file.version))
    for model, versions in models.items():
        newest = load_schema(SCHEMAS / model / f"{versions[-1]}.yaml")
        params: list[dict[str, Any]] = [{}]
        for param in newest.params[:3]:
            params += [{param.name: value} for value in _other_value(param)]
        supported: list[dict[str, Any]] = [{}]
        if newest.params:
            first = newest.params[0]
            supported += [{first.name: {"any": True}}, {first.name: {"values": [first.default]}}]
        vendor = [{"vendor": str(v.vendor), "id": v.id, "name": v.name} for v in newest.vendor_sections]
        version_sets = list(dict.fromkeys([tuple(versions), (versions[0],), (versions[-1],)]))
        for (i, writes), (j, reads) in product(enumerate(version_sets), repeat=2):
            yield (f"{model}-v{i}{j}", {"model": model, "versions": list(writes)},
                   {"model": model, "versions": list(reads)})
        for i, used in enumerate(params):
            for j, accepts in enumerate(supported):
                yield (f"{model}-p{i}s{j}", {"model": model, "versions": versions, "params": used},
                       {"model": model, "versions": versions[-1:], "supported_params": accepts})
        if vendor:
            for optional in (False, True):
                written = [{**v, "optional": optional} for v in vendor]
                yield (f"{model}-vendor-{optional}", {"model": model, "versions": versions, "vendor_sections": written},
                       {"model": model, "versions": versions})
            yield (f"{model}-vendor-both", {"model": model, "versions": versions, "vendor_sections": vendor},
                   {"model": model, "versions": versions, "vendor_sections": vendor})
    yield ("other-model", {"model": "org.virtio.net", "versions": ["1.1"]},
           {"model": "org.virtio.blk", "versions": ["1.1"]})
    yield ("unknown-model", {"model": "org.example.none", "versions": ["1.0"]},
           {"model": "org.example.none", "versions": ["1.0"]})


def _answer(source: Path, dest: Path, root: Path) -> dict[str, Any]:
    found = migration_check._check(source, dest, None, root, keep=True)
    return {**found, "depends": dict(sorted((str(k), v) for k, v in found["depends"].items()))}


def test_the_answers_are_those_of_the_loaded_schemas(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                       loads: list[Path]) -> None:
    migrate.load_migrations()
    cases = [(name, tmp_path / f"{name}-s.json", tmp_path / f"{name}-d.json") for name, _, _ in _descriptions()]
    for (_, source, dest), (_, source_data, dest_data) in zip(cases, _descriptions(), strict=True):
        source.write_text(json.dumps(source_data))
        dest.write_text(json.dumps(dest_data))
    root = SCHEMAS
    with monkeypatch.context() as patch:
        patch.setattr(migrate, "_REGISTRY", {})
        patch.setattr(migrate, "_loaded", False)
        from_facts = {name: _answer(source, dest, root) for name, source, dest in cases}
        assert migrate._REGISTRY == {}, "no migration module imported"
    loaded_by_facts = list(loads)
    monkeypatch.setattr(facts, "table", dict)
    loaded = {name: _answer(source, dest, root) for name, source, dest in cases}
    assert len(cases) == 117
    assert from_facts == loaded
    verdicts = {answer["json"]["verdict"]["verdict"] for answer in loaded.values()}
    assert verdicts == {"compatible", "conditional", "convert", "incompatible"}
    assert len(loaded_by_facts) < len(loads) / 4, "most checks need no IR"


def test_the_usual_first_call_imports_no_loader(cache_home: Path) -> None:
    args = ["check-migration", "--source", str(EXAMPLES / "source.json"), "--dest", str(EXAMPLES / "dest.json")]
    code = (f"import sys, json\nfrom devstate.cli import main\ntry:\n    main({args!r})\nexcept SystemExit as exc:\n"
            "    sys.__stderr__.write(json.dumps([exc.code, sorted(sys.modules)]))\n")
    env = {**{k: v for k, v in os.environ.items() if k != "DEVSTATE_SCHEMAS"}, "XDG_CACHE_HOME": str(cache_home)}
    outputs = []
    for _ in range(2):
        result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=ROOT,
                                env=env)
        status, modules = json.loads(result.stderr.splitlines()[-1])
        assert status == 1
        assert set(modules) & {"yaml", "jsonschema", "pydantic", "devstate.ir", "devstate.schema.loader",
                               "devstate.compat.diff", "devstate.compat.migrations.virtio_net", "importlib.metadata",
                               "devstate.compat.rules", "devstate.wire.inspect"} == set()
        outputs.append(result.stdout)
    assert outputs[0] == outputs[1] == (
        f"org.virtio.net: {EXAMPLES / 'source.json'} → {EXAMPLES / 'dest.json'} (parameters of org.virtio.net@1.1): "
        "not compatible\n  ✗ rss: the source uses true; the destination supports only false (the default)\n")
    assert len(list((cache_home / "devstate" / migration_check.CHECKS).glob("*.json"))) == 1


def test_an_edited_schema_is_loaded_and_checked(tmp_path: Path, loads: list[Path]) -> None:
    source, dest = EXAMPLES / "dest.json", EXAMPLES / "dest-rss.json"  # max-queue-pairs 8; 1..16 supported
    assert migration_check._check(source, dest, None, SCHEMAS, keep=False)["mismatches"] == []
    assert loads == []
    root = Path(shutil.copytree(SCHEMAS, tmp_path / "schemas"))
    net = root / "org.virtio.net" / "1.1.yaml"
    text = net.read_text()
    net.write_text(text.replace("  max-queue-pairs:\n    type: u16\n    default: 1\n    min: 1\n    max: 256\n",
                                "  max-queue-pairs:\n    type: u16\n    default: 1\n    min: 1\n    max: 4\n", 1))
    answer = migration_check._check(source, dest, None, root, keep=False)
    assert net.resolve() in loads
    assert answer["mismatches"] == ["max-queue-pairs: the source uses 8, which org.virtio.net@1.1 does not allow "
                                    "(u16 in 1..4)"]


def test_route_exists_is_find_route_found(monkeypatch: pytest.MonkeyPatch) -> None:
    versions = sorted({f.version for f in schema_files()} | {Version(9, 0), Version(2, 5)})
    pairs = [(m, a, b) for m in sorted({f.model for f in schema_files()}) for a in versions for b in versions]
    migrate.load_migrations()
    found = [migrate.find_route(*pair) is not None for pair in pairs]
    assert facts.table()["migrations"] == migrate.standard_migrations()
    with monkeypatch.context() as patch:
        patch.setattr(migrate, "_REGISTRY", {})
        patch.setattr(migrate, "_loaded", False)
        assert [migrate.route_exists(*pair) for pair in pairs] == found
        assert migrate._REGISTRY == {}
    assert 0 < sum(found) < len(pairs)
    assert [migrate.route_exists(*pair) for pair in pairs] == found


def _distribution(directory: Path, name: str, entry_points: str) -> None:
    info = directory / f"{name}-1.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text(entry_points)


def test_entry_points_are_read_only_when_a_distribution_may_declare_one(tmp_path: Path,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    from importlib.metadata import entry_points

    assert migrate._may_declare_plugins() or list(entry_points(group=migrate.ENTRY_POINT_GROUP)) == []
    _distribution(tmp_path / "other", "other_tool", "[console_scripts]\nother = other_tool:main\n")
    monkeypatch.syspath_prepend(str(tmp_path / "other"))
    assert migrate._may_declare_plugins() is (list(entry_points(group=migrate.ENTRY_POINT_GROUP)) != [])
    _distribution(tmp_path / "plugin", "net_plugin", "[devstate.migrations]\nnet = net_plugin.migrations\n")
    monkeypatch.syspath_prepend(str(tmp_path / "plugin"))
    assert migrate._may_declare_plugins() is True
    assert [(e.name, e.value) for e in migrate.plugin_entry_points()] == [("net", "net_plugin.migrations")]


def test_a_zip_on_the_import_path_is_left_to_importlib_metadata(tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    archive = tmp_path / "packages.zip"
    archive.write_bytes(b"PK\x05\x06" + bytes(18))  # an empty zip archive
    monkeypatch.syspath_prepend(str(archive))
    assert migrate._may_declare_plugins() is True
    assert migrate.plugin_entry_points() == []


def test_the_first_call_keeps_its_answer_without_waiting_for_the_disk(cache_home: Path, tmp_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch,
                                                                       capsys: pytest.CaptureFixture[str]) -> None:
    from devstate import fileio

    synced: list[int] = []
    monkeypatch.setattr(fileio.os, "fsync", synced.append)
    source, dest = EXAMPLES / "source.json", EXAMPLES / "dest.json"
    assert migration_check.check_migration(source, dest, None, False, None) == 1
    [entry] = (cache_home / "devstate" / migration_check.CHECKS).glob("*.json")
    assert json.loads(entry.read_bytes())["answer"]["compatible"] is False
    assert synced == []
    fileio.write_atomically(tmp_path / "blob.dsf", [b"DSF"])
    assert len(synced) == 1
    assert (tmp_path / "blob.dsf").read_bytes() == b"DSF"
    assert capsys.readouterr().out.endswith("the destination supports only false (the default)\n")


def test_a_missing_schema_root_gives_the_answer_it_gave(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    source, dest = EXAMPLES / "source.json", EXAMPLES / "dest.json"
    answer = _answer(source, dest, tmp_path / "none")
    assert answer["schema"] is None
    assert answer["notes"] == ["no schema of org.virtio.net found: parameter defaults are unknown, so every "
                               "parameter the source lists is treated as used"]
    monkeypatch.setattr(facts, "table", dict)
    assert _answer(source, dest, tmp_path / "none") == answer
