"""Hostile or broken schema files: one clear error, quickly, without a traceback."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from devstate.errors import SchemaError
from devstate.schema import load_schema
from devstate.schema.source import MAX_SCHEMA_FILE_SIZE

BILLION_LAUGHS = "\n".join(
    ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    + [f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)}]" for i in range(9)]
)


def only_error(path: Path) -> str:
    with pytest.raises(SchemaError) as caught:
        load_schema(path)
    (diagnostic,) = caught.value.diagnostics
    return str(diagnostic)


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"", "x.yaml:1:1: EMPTY_FILE: the file is empty"),
        (b"# only a comment\n\n", "x.yaml:1:1: EMPTY_FILE: the file is empty"),
        (b"devstate: 1\ntitle: \xff\n", "x.yaml:2:8: NOT_UTF8: byte 0xff is not valid UTF-8"),
        (
            b"devstate: [1\n",
            "x.yaml:2:1: YAML_SYNTAX: not valid YAML: while parsing a flow sequence, did not find expected ',' or ']'",
        ),
        (b"a: &x 1\nb: *x\n", "x.yaml:1:4: YAML_ALIAS: YAML anchors and aliases are not allowed in schema files"),
        (b"- 1\n- 2\n", "x.yaml:1:1: META_SCHEMA: [1, 2] is not of type 'object'"),
        (
            b"devstate: !!python/object:os.system x\n",
            "x.yaml:1:11: YAML_SYNTAX: not valid YAML: could not determine a constructor "
            "for the tag 'tag:yaml.org,2002:python/object:os.system'",
        ),
    ],
)
def test_unreadable_documents(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, content: bytes, expected: str) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "x.yaml").write_bytes(content)
    assert only_error(Path("x.yaml")) == expected


def test_billion_laughs_is_refused_at_the_first_anchor(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "bomb.yaml").write_text(BILLION_LAUGHS)
    started = time.perf_counter()
    assert (
        only_error(Path("bomb.yaml"))
        == "bomb.yaml:1:4: YAML_ALIAS: YAML anchors and aliases are not allowed in schema files"
    )
    assert time.perf_counter() - started < 1.0


def test_huge_file_is_refused_before_parsing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "huge.yaml").write_bytes(b"#" * (MAX_SCHEMA_FILE_SIZE + 1))
    assert only_error(Path("huge.yaml")) == (
        f"huge.yaml:1:1: FILE_TOO_LARGE: the file has {MAX_SCHEMA_FILE_SIZE + 1} bytes; "
        f"schema files are limited to {MAX_SCHEMA_FILE_SIZE} bytes"
    )


def test_directory_given_as_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "d.yaml").mkdir()
    assert only_error(Path("d.yaml")) == "d.yaml:1:1: IO_ERROR: is a directory, not a file"


def run_cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "devstate", *args], cwd=cwd, capture_output=True, text=True, timeout=60
    )


def test_cli_bomb_is_one_line_without_traceback(tmp_path: Path) -> None:
    (tmp_path / "bomb.yaml").write_text(BILLION_LAUGHS)
    result = run_cli("validate", "bomb.yaml", cwd=tmp_path)
    assert result.returncode == 1
    assert "Traceback" not in result.stdout + result.stderr
    assert (
        result.stdout.splitlines()[0]
        == "bomb.yaml:1:4: YAML_ALIAS: YAML anchors and aliases are not allowed in schema files"
    )


def test_cli_missing_path_is_a_usage_error(tmp_path: Path) -> None:
    result = run_cli("validate", "nope.yaml", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip() == "devstate: error: IO_NOT_FOUND: cannot read 'nope.yaml': no such file or directory"
    assert "Traceback" not in result.stderr
