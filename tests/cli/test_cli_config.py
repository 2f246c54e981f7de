"""``devstate.toml``: option defaults (schema directory, limits, per-verb options) found upward from the cwd."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from paths import ROOT

from devstate.cli import main
from devstate.config import find_config, load_config
from devstate.errors import UsageError

LED_DIR = ROOT / "spec" / "conformance" / "schemas" / "org.example.led"
BLOB = ROOT / "spec" / "conformance" / "vectors" / "valid-org.virtio.net-1.1-max.dsf"


def run(*args: str | Path, stdin: bytes | None = None) -> Result:
    return CliRunner().invoke(main, [str(a) for a in args], input=stdin)


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A vendor project: its own schema directory and a devstate.toml, run from a subdirectory."""
    shutil.copytree(LED_DIR, tmp_path / "vendor-schemas" / "org.example.led")
    (tmp_path / "devstate.toml").write_text('schemas-dir = "vendor-schemas"\nmax-total-size = 100\n'
                                            "[encode]\nstrict = true\n")
    (tmp_path / "src" / "deep").mkdir(parents=True)
    monkeypatch.chdir(tmp_path / "src" / "deep")
    return tmp_path


def test_found_upward_and_its_schema_directory_names_models(project: Path) -> None:
    assert find_config(Path.cwd()) == project / "devstate.toml"
    result = run("template", "org.example.led@1.0")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["model"] == "org.example.led"
    assert "DEVSTATE_SCHEMAS" not in os.environ, "the variable is removed when the command ends"
    assert run("--no-config", "template", "org.example.led@1.0").exit_code == 2


def test_limits_and_verb_tables_are_option_defaults(project: Path) -> None:
    result = run("inspect", BLOB)
    assert (result.exit_code, result.stderr) == (1, f"devstate: error: {BLOB}: LIMIT_EXCEEDED at offset 0 ($): the "
                                                    "file is 108329 bytes, over the limit of 100 (--max-total-size)\n")
    assert run("inspect", BLOB, "--max-total-size", "1000000").exit_code == 0, "the command line wins"
    state = b'{"model": "org.example.led", "version": "1.0", "sections": {"led": {"lit": true}}}'
    strict = run("encode", "-", "-o", "-", stdin=state)
    assert strict.exit_code == 1 and "missing field 'color' of struct led" in strict.stderr
    assert run("--no-config", "encode", "-", "--schema", LED_DIR / "1.0.yaml", "-o", "-", stdin=state).exit_code == 0


def test_bad_config_is_one_clear_error(project: Path) -> None:
    (project / "devstate.toml").write_text("schemas-dir = \n")
    result = run("schema", "list")
    assert result.exit_code == 2
    assert result.stderr.startswith(f"devstate: error: CONFIG_INVALID: {project / 'devstate.toml'}: invalid TOML: ")
    (project / "devstate.toml").write_text('schema-dir = "x"\n')
    with pytest.raises(UsageError, match="unknown key 'schema-dir'"):
        load_config(project / "devstate.toml")


def test_the_cli_spells_the_config_name_as_the_library_does() -> None:
    from devstate import cli, config

    assert cli.CONFIG_NAME == config.CONFIG_NAME


def _config_error(project: Path, text: str, *args: str) -> str:
    (project / "devstate.toml").write_text(text)
    result = run(*args)
    assert (result.exit_code, result.stdout) == (2, "")
    prefix = f"devstate: error: CONFIG_INVALID: {project / 'devstate.toml'}: "
    assert result.stderr.startswith(prefix) and result.stderr.endswith("\n")
    return result.stderr[len(prefix):-1]


def test_a_verb_table_sets_options_by_their_long_name(project: Path) -> None:
    (project / "devstate.toml").write_text('[compat]\nformat = "json"\n')
    result = run("compat", "org.virtio.net@1.0", "org.virtio.net@1.1")
    assert result.exit_code == 0 and json.loads(result.stdout)["compatible"] is True  # --format json
    text = run("compat", "org.virtio.net@1.0", "org.virtio.net@1.1", "--format", "text")
    assert text.stdout.startswith("org.virtio.net 1.0 → 1.1  minor bump"), "the command line wins"


def test_defaults_reach_subcommands_and_paths_are_relative_to_the_file(project: Path) -> None:
    import click

    from devstate.cli.config_defaults import root_defaults

    (project / "devstate.toml").write_text('schemas-dir = "vendor-schemas"\nmax-depth = 9\n'
                                           '[fleet]\nstrict = true\n[fleet.pools]\nlimit = 3\n'
                                           '[demo]\nbuild-dir = "build/demo"\n[decode]\nmax-depth = 4\n')
    defaults = root_defaults(load_config(project / "devstate.toml"), main, click.Context(main))
    schemas = str(project / "vendor-schemas")
    assert defaults.get("fleet").get("pools") == {"schemas_dir": schemas, "strict": True, "limit": 3}
    assert defaults.get("fleet").get("affinity") == {"schemas_dir": schemas}, "no --strict there"
    assert defaults.get("demo") == {"build_dir": str(project / "build" / "demo")}
    assert defaults.get("decode")["max_depth"] == 4, "the table wins over the top level"
    assert defaults.get("inspect")["max_depth"] == 9
    assert defaults.get("no-such-verb") is None


def test_unknown_tables_keys_and_values_are_refused(project: Path) -> None:
    assert _config_error(project, "[encode]\nbogus = 1\n", "encode", "-", "-o", "-") == (
        "[encode] unknown key 'bogus' (options of devstate encode: json, model, output, schema, strict, version)")
    assert _config_error(project, "[ecnode]\nstrict = true\n", "schema", "list") == (
        "unknown table [ecnode] (verbs of devstate: check-migration, compat, convert, decode, demo, diff, encode, "
        "export, fleet, gen, import, import-vmstate, inspect, matrix, negotiate, nvme-state, parts, qemu, schema, "
        "template, validate, vmstate-compat)")
    assert _config_error(project, "[schema.jsonschema]\nstrict = true\n", "schema", "list") == (
        "unknown table [schema.jsonschema] (verbs of devstate schema: dump, json-schema, list, show)")
    assert _config_error(project, "[schema]\nstirct = true\n", "schema", "list") == (
        "[schema] unknown key 'stirct' (options of its subcommands: json, output, strict)")
    assert _config_error(project, "[encode.strict]\nx = 1\n", "encode", "-", "-o", "-") == (
        "unknown table [encode.strict] (devstate encode has no subcommands)")
    assert _config_error(project, '[compat]\nformat = "gitlab"\n', "compat", "org.virtio.net@1.0") == (
        "[compat] format: Invalid value for '--format': 'gitlab' is not one of 'text', 'json', 'github'.")
    assert _config_error(project, "[encode]\nstrict = 1\n", "encode", "-", "-o", "-") == (
        "[encode] strict: 1 is not true or false (--strict is a flag)")
    assert _config_error(project, "max-depth = [1]\n", "inspect", "x.dsf") == (
        "max-depth: [1] is not a value --max-depth takes")
    assert _config_error(project, '[fleet]\nlimit = "many"\n', "fleet", "pools", "hosts.jsonl") == (
        "[fleet] limit: Invalid value for '--limit': 'many' is not a valid integer.")
