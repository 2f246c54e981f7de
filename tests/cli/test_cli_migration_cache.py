"""check-migration answers an unchanged question from ``devstate.result_cache``: the same
output and exit status as without the cache, a new answer when a description or a schema
file (edited, added) changes, nothing kept for standard input or errors, hostile entries
ignored."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner
from paths import ROOT, SCHEMAS

from devstate import result_cache
from devstate.cli import main
from devstate.cli.migration_cmd import CHECKS
from devstate.schema import facts

EXAMPLES = ROOT / "spec" / "examples"
SOURCE, DEST = EXAMPLES / "source.json", EXAMPLES / "dest.json"


@pytest.fixture(autouse=True)
def no_shipped_facts(monkeypatch: pytest.MonkeyPatch) -> None:
    """The standard schemas here are loaded like any other (a miss loads them, a hit none), not
    answered from the shipped facts (tests/cli/test_cli_migration_facts.py)."""
    monkeypatch.setattr(facts, "table", dict)


@pytest.fixture(autouse=True)
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    monkeypatch.delenv(result_cache.DISABLE_ENV, raising=False)
    return tmp_path / "xdg" / "devstate" / CHECKS


def _check(*args: str, stdin: str | None = None) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["check-migration", *args], input=stdin)
    return result.exit_code, result.output


def _entries(cache: Path) -> list[Path]:
    return sorted(cache.glob("*.json")) if cache.is_dir() else []


@pytest.mark.parametrize("args", [
    ["--source", str(SOURCE), "--dest", str(DEST)],
    ["--source", str(DEST), "--dest", str(SOURCE)],
    ["--json", "--source", str(SOURCE), "--dest", str(DEST)],
    ["--json", "--source", str(DEST), "--dest", str(SOURCE), "--schema", "org.virtio.net@1.0"],
    ["--source", str(SOURCE), "--dest", str(EXAMPLES / "dest-rss.json")],
], ids=["text", "reverse", "json", "explicit-schema", "dest-rss"])
def test_cached_and_uncached_answers_are_identical(args: list[str], loads: list[Path],
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    first = _check(*args)
    assert loads, "the first run loads the schemas"
    loads.clear()
    assert _check(*args) == first
    assert loads == []
    monkeypatch.setenv(result_cache.DISABLE_ENV, "1")
    assert _check(*args) == first
    assert loads


def test_the_json_answer_keeps_its_key_order() -> None:
    args = ["--json", "--source", str(SOURCE), "--dest", str(DEST)]
    fresh, cached = (json.loads(_check(*args)[1]) for _ in range(2))
    assert list(cached) == list(fresh) == ["compatible", "model", "schema", "mismatches", "notes", "verdict"]
    assert cached == fresh


def test_an_edited_description_is_a_new_question(tmp_path: Path) -> None:
    dest = tmp_path / "dest.json"
    shutil.copy(DEST, dest)
    assert _check("--source", str(SOURCE), "--dest", str(dest))[0] == 1
    data = json.loads(dest.read_text())
    data["supported_params"]["rss"] = {"any": True}
    dest.write_text(json.dumps(data))
    code, output = _check("--source", str(SOURCE), "--dest", str(dest))
    assert (code, " ".join(output.split()).endswith(": compatible")) == (0, True), output


@pytest.fixture
def schemas_dir(tmp_path: Path) -> Path:
    root = tmp_path / "schemas"
    shutil.copytree(SCHEMAS, root)
    return root


def test_an_edited_schema_is_loaded_again(schemas_dir: Path, loads: list[Path]) -> None:
    args = ["--json", "--source", str(SOURCE), "--dest", str(DEST), "--schemas-dir", str(schemas_dir)]
    first = _check(*args)
    net = schemas_dir / "org.virtio.net" / "1.1.yaml"
    net.write_text(net.read_text().replace("title: ", "title: Edited ", 1))
    loads.clear()
    assert _check(*args) == first
    assert net.resolve() in loads


def test_a_schema_added_under_the_root_is_a_new_question(schemas_dir: Path, loads: list[Path]) -> None:
    args = ["--source", str(SOURCE), "--dest", str(DEST), "--schemas-dir", str(schemas_dir)]
    first = _check(*args)
    shutil.copy(schemas_dir / "org.virtio.net" / "1.1.yaml", schemas_dir / "org.virtio.net" / "1.9.yaml")
    loads.clear()
    assert _check(*args) == first
    assert loads


def test_standard_input_and_errors_are_not_kept(cache: Path, tmp_path: Path) -> None:
    assert _check("--source", "-", "--dest", str(DEST), stdin=SOURCE.read_text())[0] == 1
    broken = tmp_path / "broken.json"
    broken.write_text('{"model": 1}')
    assert _check("--source", str(broken), "--dest", str(DEST))[0] == 2
    assert _check("--source", str(SOURCE), "--dest", str(DEST), "--schema", "org.virtio.net@9.9")[0] == 2
    assert _entries(cache) == []


def test_the_cache_is_off_with_the_environment_variable(cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(result_cache.DISABLE_ENV, "1")
    assert _check("--source", str(SOURCE), "--dest", str(DEST))[0] == 1
    assert _entries(cache) == []


HOSTILE: dict[str, Callable[[dict[str, object]], object]] = {
    "not json": lambda entry: b"{{",
    "no answer": lambda entry: {k: v for k, v in entry.items() if k != "answer"},
    "an answer of another shape": lambda entry: {**entry, "answer": {"compatible": True}},
    "compatible as a string": lambda entry: {**entry, "answer": {**entry["answer"], "compatible": "yes"}},  # type: ignore[dict-item]
    "messages not strings": lambda entry: {**entry, "answer": {**entry["answer"], "mismatches": [1]}},  # type: ignore[dict-item]
    "no depends": lambda entry: {**entry, "depends": {}},
    "a stale digest": lambda entry: {**entry, "depends": {k: "0" * 64 for k in entry["depends"]}},  # type: ignore[attr-defined]
}


@pytest.mark.parametrize("spoil", HOSTILE.values(), ids=HOSTILE.keys())
def test_a_hostile_entry_is_ignored(spoil: Callable[[dict[str, object]], object], cache: Path,
                                    loads: list[Path]) -> None:
    args = ["--source", str(SOURCE), "--dest", str(DEST)]
    expected = _check(*args)
    [entry_file] = _entries(cache)
    spoiled = spoil(json.loads(entry_file.read_text()))
    entry_file.write_bytes(spoiled if isinstance(spoiled, bytes) else json.dumps(spoiled).encode())
    loads.clear()
    assert _check(*args) == expected
    assert loads


def test_a_distribution_installed_on_the_path_is_a_new_question(tmp_path: Path, loads: list[Path],
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """A migration plugin (entry point) can change the verdict without touching a schema."""
    args = ["--source", str(SOURCE), "--dest", str(DEST)]
    first = _check(*args)
    site = tmp_path / "site"
    (site / "vendor_migrations-1.0.dist-info").mkdir(parents=True)
    monkeypatch.syspath_prepend(str(site))
    loads.clear()
    assert _check(*args) == first
    assert loads


def test_the_text_answer_is_plain() -> None:
    expected = (1, f"org.virtio.net: {SOURCE} → {DEST} (parameters of org.virtio.net@1.1): not compatible\n"
                "  ✗ rss: the source uses true; the destination supports only false (the default)\n")
    assert _check("--source", str(SOURCE), "--dest", str(DEST)) == expected
    assert _check("--source", str(SOURCE), "--dest", str(DEST)) == expected  # from the cache
