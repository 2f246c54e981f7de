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
