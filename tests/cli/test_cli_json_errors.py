"""An error under ``--json``, the same for every verb: the error document ``{"error": {...}}``
alone on stdout, and the one ``devstate: error:`` line on stderr that the verb prints without
--json (spec/security.md, "CLI errors"); the exit status does not change."""

from __future__ import annotations

import json
from pathlib import Path

import click
import pytest
from click.testing import CliRunner, Result

from devstate.cli import main

NOPE = "nope.x"
NOT_FOUND = {"code": "IO_NOT_FOUND", "file": NOPE, "message": f"cannot read '{NOPE}': no such file or directory"}
QEMU_JUNK = b"QEVM\0\0\0\x03\x09"
"""A QEMU stream header, then a record type QEMU never writes (0x09 at byte 8)."""

MISSING_INPUT: dict[str, list[str]] = {
    "check-migration": ["--source", NOPE, "--dest", NOPE],
    "convert": [NOPE, "--to", "org.virtio.net@1.0", "-o", "o.dsf"],
    "decode": [NOPE],
    "diff": [NOPE, NOPE],
    "encode": [NOPE, "-o", "o.dsf"],
    "export": ["--to", "virtio-parts", NOPE, "-o", "o.bin"],
    "fleet affinity": [NOPE],
    "fleet baseline": [NOPE],
    "fleet labels": [NOPE],
    "fleet place": [NOPE, NOPE],
    "fleet pools": [NOPE],
    "import": ["--from", "virtio-parts", NOPE, "--model", "org.virtio.net@1.1", "-o", "o.dsf"],
    "import-vmstate": [NOPE, "-o", "out"],
    "inspect": [NOPE],
    "negotiate": ["--source", NOPE, "--dest", NOPE],
    "nvme-state decode": [NOPE],
    "parts decode": [NOPE],
    "qemu extract": [NOPE, "-o", "out"],
    "qemu inject": [NOPE, NOPE, "-o", "o.mig"],
    "qemu inspect": [NOPE],
    "validate": [NOPE],
    "vmstate-compat": [NOPE, NOPE],
}
"""Verbs reading a file, given one that does not exist: IO_NOT_FOUND, exit 2."""

NAMED: dict[str, tuple[list[str], str]] = {
    "compat": (["org.nope@1.0", "org.nope@1.1"], "no standard schema for model 'org.nope'"),
    "gen": (["--lang", "c", "org.nope@1.0", "-o", "out"], "no standard schema for model 'org.nope'"),
    "matrix": (["org.nope"], "no schemas for model 'org.nope' in {schemas}"),
    "schema dump": (["org.nope@1.0"], "no standard schema for model 'org.nope'"),
    "schema show": (["org.nope@1.0"], "no standard schema for model 'org.nope'"),
    "demo": (["--cc", "/no/such/cc"], "no C compiler found (/no/such/cc): vendor A is a C program"),
    "schema list": (["--no-such-option"], "No such option '--no-such-option'."),
}
"""Verbs naming a schema (or nothing to read), given one that does not exist (or, ``schema list``,
an option it does not take: a usage error found by click): USAGE (``demo``: DEMO), exit 2."""


JSON_BY_DEFAULT = {"schema dump"}
"""Its --json is the default: its error is a document without it too."""


def run(args: list[str], stdin: bytes | None = None) -> Result:
    return CliRunner().invoke(main, args, input=stdin, prog_name="devstate")


def _json_verbs() -> set[str]:
    ctx = click.Context(main)
    found: set[str] = set()

    def walk(command: click.Command, path: list[str]) -> None:
        if isinstance(command, click.Group):
            for name in command.list_commands(ctx):
                sub = command.get_command(ctx, name)
                assert sub is not None
                walk(sub, [*path, name])
        elif any(p.name == "as_json" for p in command.params):
            found.add(" ".join(path))

    walk(main, [])
    return found


def test_every_verb_with_json_is_checked() -> None:
    assert set(MISSING_INPUT) | set(NAMED) == _json_verbs()
    assert not set(MISSING_INPUT) & set(NAMED)


def _check(verb: str, args: list[str], status: int, document: dict[str, object], line: str) -> None:
    words = verb.split()
    plain = run([*words, *args])
    as_json = run([*words, *args, "--json"])
    assert plain.exit_code == as_json.exit_code == status
    if verb in JSON_BY_DEFAULT:
        assert plain.stdout == as_json.stdout
    else:
        assert '"error"' not in plain.stdout, plain.output
    assert json.loads(as_json.stdout) == {"error": document}
    errors = [text for text in as_json.stderr.splitlines() if text.startswith("devstate:")]
    assert errors == [line] and as_json.stderr.endswith(line + "\n")
    assert as_json.stderr == plain.stderr


@pytest.mark.parametrize("verb", sorted(MISSING_INPUT))
def test_a_missing_input(verb: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    _check(verb, MISSING_INPUT[verb], 2, NOT_FOUND,
           f"devstate: error: IO_NOT_FOUND: cannot read '{NOPE}': no such file or directory")
    assert sorted(p.name for p in tmp_path.iterdir()) == []


@pytest.mark.parametrize("verb", sorted(NAMED))
def test_an_unknown_name_or_option(verb: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from devstate.schema import standard_schemas_dir

    args, message = NAMED[verb]
    message = message.format(schemas=standard_schemas_dir())
    monkeypatch.chdir(tmp_path)
    code = "DEMO" if verb == "demo" else "USAGE"
    _check(verb, [*args, *(["--build-dir", str(tmp_path / "build")] if verb == "demo" else [])], 2,
           {"code": code, "message": message}, f"devstate: error: {code}: {message}")


INVALID: dict[str, tuple[list[str], int, dict[str, object], str]] = {
    "qemu inspect": (["bad.bin"], 1, {"file": "bad.bin", "code": "UNKNOWN_RECORD", "offset": 8,
                                       "message": "unknown record type 0x09"},
                     "devstate: error: bad.bin: UNKNOWN_RECORD at byte 8: unknown record type 0x09"),
    "qemu extract": (["bad.bin", "-o", "out"], 1, {"file": "bad.bin", "code": "UNKNOWN_RECORD", "offset": 8,
                                                   "message": "unknown record type 0x09"},
                     "devstate: error: bad.bin: UNKNOWN_RECORD at byte 8: unknown record type 0x09"),
    "qemu inject": (["bad.bin", "x.dsf", "-o", "o.mig"], 1, {"file": "bad.bin", "code": "UNKNOWN_RECORD",
                                                              "offset": 8, "message": "unknown record type 0x09"},
                    "devstate: error: bad.bin: UNKNOWN_RECORD at byte 8: unknown record type 0x09"),
    "vmstate-compat": (["bad.json", "bad.json"], 2, {
        "code": "VMSTATE_DUMP_INVALID", "file": "bad.json", "path": "",
        "message": "not JSON: Expecting property name enclosed in double quotes at line 2 column 1"},
        "devstate: error: VMSTATE_DUMP_INVALID: bad.json: not JSON: Expecting property name enclosed in double "
        "quotes at line 2 column 1"),
    "import-vmstate": (["bad.json", "-o", "out"], 2, {
        "code": "VMSTATE_DUMP_INVALID", "file": "bad.json", "path": "",
        "message": "not JSON: Expecting property name enclosed in double quotes at line 2 column 1"},
        "devstate: error: VMSTATE_DUMP_INVALID: bad.json: not JSON: Expecting property name enclosed in double "
        "quotes at line 2 column 1"),
    "convert": (["bad.bin", "--to", "org.virtio.net@1.0", "-o", "o.dsf"], 2, {
        "file": "bad.bin", "code": "BAD_MAGIC", "number": 2, "offset": 0, "path": "$.header.magic",
        "message": "not a DSF blob: the magic is 51 45 56 4d 00 00 00 03, expected 89 44 53 46 0d 0a 1a 0a"},
        "devstate: error: bad.bin: BAD_MAGIC at offset 0 ($.header.magic): not a DSF blob: the magic is "
        "51 45 56 4d 00 00 00 03, expected 89 44 53 46 0d 0a 1a 0a"),
    "gen": (["--lang", "c", "bad.json", "-o", "out"], 1, {
        "code": "SCHEMA_INVALID", "message": "bad.json is not a valid schema", "diagnostics": [
            {"file": "bad.json", "line": 2, "col": 1, "code": "YAML_SYNTAX", "path": "",
             "message": "not valid YAML: while parsing a flow node, did not find expected node content"}]},
        "devstate: error: SCHEMA_INVALID: bad.json is not a valid schema"),
}
"""Inputs that are not what the verb reads: the verbs whose own error paths print the error."""


@pytest.mark.parametrize("verb", sorted(INVALID))
def test_an_invalid_input(verb: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "bad.bin").write_bytes(QEMU_JUNK)
    (tmp_path / "bad.json").write_text("{\n")
    args, status, document, line = INVALID[verb]
    if verb == "gen":  # without --json, the schema's diagnostics are printed on stdout first
        plain = run([*verb.split(), *args])
        assert (plain.exit_code, plain.stdout) == (1, "bad.json:2:1: YAML_SYNTAX: not valid YAML: while parsing a "
                                                      "flow node, did not find expected node content\n")
        as_json = run([*verb.split(), *args, "--json"])
        assert (as_json.exit_code, json.loads(as_json.stdout), as_json.stderr) == (1, {"error": document}, line + "\n")
        return
    _check(verb, args, status, document, line)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.bin", "bad.json"], "nothing written"


def test_a_usage_error_after_a_verb_given_json_is_a_document_too() -> None:
    result = run(["qemu", "inspect", "--json"])
    assert result.exit_code == 2
    assert json.loads(result.stdout) == {"error": {"code": "USAGE", "message": "Missing argument 'STREAM'."}}
    assert result.stderr == ("Usage: devstate qemu inspect [OPTIONS] STREAM\nTry 'devstate qemu inspect -h' for "
                             "help.\ndevstate: error: USAGE: Missing argument 'STREAM'.\n")
    unknown = run(["no-such-verb", "--json"])
    assert (unknown.exit_code, json.loads(unknown.stdout)) == (
        2, {"error": {"code": "USAGE", "message": "No such command 'no-such-verb'."}})
    after_dashes = run(["inspect", "--", "--json"])  # a file named --json: no document
    assert (after_dashes.exit_code, after_dashes.stdout) == (2, "")
