"""``-`` on file arguments: standard input where a verb reads, standard output where it writes,
refused (USAGE) where the argument is a directory; exactly what each verb then prints."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from paths import ROOT, SCHEMAS

from devstate.cli import main

EXAMPLES = ROOT / "spec" / "examples"
HOSTS = EXAMPLES / "fleet-hosts.jsonl"
VM = EXAMPLES / "fleet-vm.json"
BAD_SCHEMA = ('devstate: 1\nmodel: org.example.x\nversion: "1.0"\ntitle: x\n'
              "sections:\n  - {id: 1, name: a, type: nope}\n")


def run(*args: str | Path, stdin: bytes | None = None) -> Result:
    return CliRunner().invoke(main, [str(a) for a in args], input=stdin)


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Every test runs in an empty directory: nothing named ``-`` (or anything else) is left there."""
    monkeypatch.chdir(tmp_path)
    yield
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def test_validate_reads_one_schema_from_stdin() -> None:
    valid = run("validate", "-", "--json", stdin=(SCHEMAS / "org.virtio.net" / "1.1.yaml").read_bytes())
    assert valid.exit_code == 0
    assert json.loads(valid.stdout) == {"valid": True, "files": [
        {"file": "<stdin>", "valid": True, "model": "org.virtio.net", "version": "1.1", "errors": []}]}
    invalid = run("validate", "-", stdin=BAD_SCHEMA.encode())
    assert invalid.exit_code == 1
    assert invalid.stdout.splitlines()[0] == "<stdin>:6:28: UNKNOWN_TYPE: unknown type 'nope' (at sections[0].type)"
    assert invalid.stdout.splitlines()[3].split() == ["<stdin>", "invalid", "(1", "errors)"]
    github = run("validate", "--format", "github", "-", stdin=BAD_SCHEMA.encode())
    assert (github.exit_code, github.stdout) == (
        1, "::error file=<stdin>,line=6,col=28,title=UNKNOWN_TYPE::unknown type 'nope' (at sections[0].type)\n")


def test_validate_stdin_among_files_keeps_the_order(tmp_path: Path) -> None:
    (tmp_path / "x.yaml").write_text(BAD_SCHEMA)
    result = run("validate", "--json", "x.yaml", "-", stdin=(SCHEMAS / "org.virtio.net" / "1.0.yaml").read_bytes())
    assert result.exit_code == 1
    assert [(f["file"], f["valid"]) for f in json.loads(result.stdout)["files"]] == [("x.yaml", False),
                                                                                     ("<stdin>", True)]
    (tmp_path / "x.yaml").unlink()
    twice = run("validate", "-", "-", stdin=b"")
    assert (twice.exit_code, twice.stderr) == (2, "devstate: error: USAGE: only one PATH can be - (standard input)\n")


def test_validate_stdin_without_click_is_the_same() -> None:
    """``devstate validate -`` is one of the forms ``devstate.cli.quick`` answers without click."""
    import contextlib
    import io
    import sys

    from devstate.cli.quick import answer

    out = io.StringIO()
    stdin = io.TextIOWrapper(io.BytesIO(BAD_SCHEMA.encode()))
    with contextlib.redirect_stdout(out):
        saved, sys.stdin = sys.stdin, stdin
        try:
            code = answer(["validate", "-", "--json"])
        finally:
            sys.stdin = saved
    assert code == 1
    assert json.loads(out.getvalue())["files"][0]["errors"][0]["file"] == "<stdin>"


def test_gen_to_stdout_takes_a_single_file_only() -> None:
    result = run("gen", "--lang", "c", "org.virtio.net@1.1", "-o", "-")
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == ("devstate: error: USAGE: -o -: --lang c generates 5 files (dsf1.c, dsf1.h, dsf1_errors.h, "
                             "org_virtio_net_v1_1.c, org_virtio_net_v1_1.h); standard output takes a single file: "
                             "give -o DIR\n")


@pytest.mark.parametrize("args", [["import-vmstate", "dump.json"], ["qemu", "extract", "vm.mig"]])
def test_a_directory_output_cannot_be_stdout(args: list[str]) -> None:
    result = run(*args, "-o", "-")
    assert (result.exit_code, result.stdout, result.stderr) == (
        2, "", "devstate: error: USAGE: -o names a directory; - (standard output) cannot be one\n")


def test_fleet_reads_hosts_and_vms_from_stdin() -> None:
    for args, stdin in ((["pools", HOSTS], HOSTS), (["labels", HOSTS], HOSTS), (["baseline", HOSTS], HOSTS),
                        (["place", VM, HOSTS], VM), (["place", VM, HOSTS], HOSTS), (["affinity", VM], VM)):
        from_file = run("fleet", *args, "--json")
        dashed = [("-" if a == stdin else a) for a in args]
        from_stdin = run("fleet", *dashed, "--json", stdin=stdin.read_bytes())
        assert from_stdin.exit_code == from_file.exit_code, from_stdin.output
        assert from_stdin.stdout == from_file.stdout.replace(f'"{stdin}', '"-'), args
    both = run("fleet", "place", "-", "-", stdin=b"")
    assert (both.exit_code, both.stderr) == (2, "devstate: error: USAGE: only one of VM and HOSTS can be - "
                                                "(standard input)\n")


def test_fleet_stdin_reports_malformed_lines_as_its_files_do() -> None:
    lines = HOSTS.read_bytes().splitlines(keepends=True)
    broken = b"".join([lines[0], b'{"host": 3}\n', *lines[1:]])
    result = run("fleet", "labels", "-", stdin=broken)
    assert result.exit_code == 0
    assert result.stderr == "devstate: skipped: -:2: $.host: 'host' must be a non-empty string\n"


def test_fleet_outputs_to_stdout_are_all_it_prints() -> None:
    dot = run("fleet", "pools", HOSTS, "--dot", "-")
    assert dot.exit_code == 0 and dot.stdout.startswith('digraph "fleet-hosts.jsonl" {\n')
    assert dot.stdout.endswith("}\n") and "hosts in" not in dot.stdout, "no table after the DOT text"
    vm = run("fleet", "baseline", HOSTS, "--vm", "-")
    assert vm.exit_code == 1  # org.virtio.blk has no baseline: the exit status does not change
    assert json.loads(vm.stdout)["vm"] == "baseline"
    both = run("fleet", "pools", HOSTS, "--dot", "-", "--svg", "-")
    assert (both.exit_code, both.stderr) == (2, "devstate: error: USAGE: only one of --svg and --dot can be - "
                                                "(standard output)\n")
    with_json = run("fleet", "pools", HOSTS, "--dot", "-", "--json")
    assert (with_json.exit_code, with_json.stderr) == (2, "devstate: error: USAGE: --dot - and --json both write "
                                                          "standard output\n")


def test_qemu_inject_writes_the_stream_to_stdout_and_its_report_to_stderr(monkeypatch: pytest.MonkeyPatch) -> None:
    from devstate.qemu import inject as inject_module

    def fake_inject(stream: Path, blobs: object, output: Path, props: object) -> inject_module.Injection:
        output.write_bytes(b"QEVM new stream")
        return inject_module.Injection(stream, output, [], 0.25)

    monkeypatch.setattr(inject_module, "inject", fake_inject)
    result = run("qemu", "inject", "vm.mig", "net.dsf", "-o", "-")
    assert (result.exit_code, result.stdout_bytes) == (0, b"QEVM new stream")
    assert result.stderr == "vm.mig → -: 0 devices written (0.25 s)\n"
    with_json = run("qemu", "inject", "vm.mig", "net.dsf", "-o", "-", "--json")
    assert (with_json.exit_code, with_json.stderr) == (2, "devstate: error: USAGE: --json prints the report on "
                                                          "standard output; give -o a file\n")


def test_qemu_inject_refused_writes_nothing_to_stdout() -> None:
    result = run("qemu", "inject", "-", "net.dsf", "-o", "-", stdin=b"QEVM\0\0\0\x03\x09")
    assert (result.exit_code, result.stdout, result.stderr) == (
        1, "", "devstate: error: -: UNKNOWN_RECORD at byte 8: unknown record type 0x09\n")


NET_11 = SCHEMAS / "org.virtio.net" / "1.1.yaml"
NET_BLOB = ROOT / "spec" / "conformance" / "vectors" / "valid-org.virtio.net-1.1-default.dsf"


def test_a_schema_argument_may_be_stdin() -> None:
    schema = NET_11.read_bytes()
    shown = run("schema", "show", "-", "--json", stdin=schema)
    assert shown.stdout == run("schema", "show", "org.virtio.net@1.1", "--json").stdout.replace(
        f'"file": "{NET_11}"', '"file": "<stdin>"')
    assert run("template", "-", stdin=schema).stdout == run("template", "org.virtio.net@1.1").stdout
    decoded = run("decode", "--schema", "-", NET_BLOB, "--json", stdin=schema)
    assert decoded.stdout == run("decode", NET_BLOB, "--json").stdout
    compat = run("compat", "org.virtio.net@1.0", "-", "--format", "json", stdin=schema)
    assert compat.exit_code == 0 and json.loads(compat.stdout)["compatible"] is True
    dumped = run("schema", "dump", "-", stdin=schema).stdout
    assert dumped == run("schema", "dump", "org.virtio.net@1.1").stdout.replace(f'"file": "{NET_11}"',
                                                                                '"file": "<stdin>"')


def test_an_invalid_schema_on_stdin_is_named_stdin() -> None:
    result = run("schema", "show", "-", stdin=BAD_SCHEMA.encode())
    assert result.exit_code == 1
    assert result.stdout == "<stdin>:6:28: UNKNOWN_TYPE: unknown type 'nope' (at sections[0].type)\n"
    assert result.stderr == "devstate: error: SCHEMA_INVALID: - is not a valid schema\n"
    compat = run("compat", "-", "org.virtio.net@1.1", stdin=BAD_SCHEMA.encode())
    assert (compat.exit_code, compat.stderr) == (2, "<stdin>:6:28: UNKNOWN_TYPE: unknown type 'nope' (at "
                                                    "sections[0].type)\ndevstate: error: SCHEMA_INVALID: - is not a "
                                                    "valid schema (1 errors)\n")


def test_standard_input_serves_one_argument() -> None:
    result = run("decode", "--schema", "-", "-", stdin=NET_11.read_bytes())
    assert (result.exit_code, result.stdout, result.stderr) == (
        2, "", "devstate: error: USAGE: only one file argument can be - (standard input)\n")
    twice = run("negotiate", "--source", "-", "--dest", "-", stdin=(EXAMPLES / "source.json").read_bytes())
    assert (twice.exit_code, twice.stderr) == (2, "devstate: error: USAGE: only one of --source and --dest can be - "
                                                  "(standard input)\n")
