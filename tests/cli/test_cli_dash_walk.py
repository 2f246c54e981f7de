"""Every file argument of every command takes ``-``, or is on ``EXCEPTIONS`` with the reason.

The walk finds every ``click.Path`` parameter of the ``devstate`` group and its subcommands
(and ``FILE_NAMES``, the text parameters that name a file or a schema); each one has a case
that runs the command once with a real file and once with ``-`` in its place (standard input
holding that file, or standard output receiving it) and compares what they print and exit with.
``devstate.cli.quick`` answers ``inspect -``, ``validate -`` and ``check-migration --source -``
with the same functions as click (tests/cli/test_cli_quick.py, tests/cli/test_cli_stdio.py).
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import click
import pytest
from click.testing import CliRunner, Result
from paths import ROOT, SCHEMAS

from devstate.cli import main

EXAMPLES = ROOT / "spec" / "examples"
VECTORS = ROOT / "spec" / "conformance" / "vectors"
BRIDGES = ROOT / "tests" / "data" / "bridges"
NET_BLOB = VECTORS / "valid-org.virtio.net-1.1-default.dsf"
NET_SCHEMA = SCHEMAS / "org.virtio.net" / "1.1.yaml"
NET_10_SCHEMA = SCHEMAS / "org.virtio.net" / "1.0.yaml"
SOURCE, DEST = EXAMPLES / "source.json", EXAMPLES / "dest-rss.json"
HOSTS, VM = EXAMPLES / "fleet-hosts.jsonl", EXAMPLES / "fleet-vm.json"
PARTS, NVME = BRIDGES / "virtio-net-parts.bin", BRIDGES / "nvme-ctrl-state.bin"

EXCEPTIONS: dict[tuple[str, str], str] = {
    **{(verb, "schemas_dir"): "a directory of schemas"
       for verb in ("check-migration", "compat", "convert", "diff", "matrix", "negotiate", "fleet affinity",
                    "fleet baseline", "fleet labels", "fleet place", "fleet pools")},
    ("gen", "codegen_dir"): "the committed directory of generated code",
    ("import-vmstate", "out_dir"): "a directory of schema files: - is refused (USAGE, tests/cli/test_cli_stdio.py)",
    ("qemu extract", "out_dir"): "a directory of blobs: - is refused (USAGE, tests/cli/test_cli_stdio.py)",
    ("demo", "work_dir"): "a directory the demo's files are kept in",
    ("demo", "build_dir"): "a directory vendor A is compiled in",
    ("demo", "root"): "a devstate checkout",
    ("", "config_path"): "read before the verb runs, whose input standard input is",
}
"""(command, parameter) → why it cannot be ``-``."""

FILE_NAMES = {("check-migration", "schema_name"), ("decode", "schema_name"), ("encode", "schema_name"),
              ("compat", "schemas"), ("gen", "schemas"), ("schema show", "name"), ("schema dump", "name"),
              ("schema json-schema", "name"), ("template", "name"), ("qemu inject", "blobs")}
"""Text parameters that name a file (or MODEL@VERSION): the walk cannot tell them from their type."""


@dataclass(frozen=True)
class Case:
    args: tuple[str | Path, ...]
    """The command line with the file; ``-`` replaces ``file`` in it."""
    file: Path | str
    writes: bool = False
    """The parameter is an output: with ``-``, standard output holds what the file held."""
    status: int = 0
    dash_status: int | None = None
    """The exit status with ``-``, when it differs."""
    shown: str = "-"
    """How the output names the file when it is ``-`` (a schema's diagnostics: ``<stdin>``)."""


def _state_json(tmp: Path) -> Path:
    path = tmp / "state.json"
    path.write_bytes(CliRunner().invoke(main, ["decode", str(NET_BLOB), "--json"]).stdout_bytes)
    return path


OUT = "out.bin"
DUMP = "<pc_json>"
"""Stands for QEMU 7.2's -dump-vmstate of machine pc (the ``pc_json`` fixture), copied to dump.json."""
CASES: dict[tuple[str, str], Case] = {
    ("check-migration", "source_path"): Case(("check-migration", "--source", SOURCE, "--dest", DEST), SOURCE),
    ("check-migration", "dest_path"): Case(("check-migration", "--source", SOURCE, "--dest", DEST), DEST),
    ("check-migration", "schema_name"): Case(("check-migration", "--source", SOURCE, "--dest", DEST, "--schema",
                                              NET_SCHEMA), NET_SCHEMA, shown="<stdin>"),
    ("negotiate", "source_path"): Case(("negotiate", "--source", SOURCE, "--dest", DEST), SOURCE),
    ("negotiate", "dest_path"): Case(("negotiate", "--source", SOURCE, "--dest", DEST), DEST),
    ("compat", "schemas"): Case(("compat", NET_10_SCHEMA, NET_SCHEMA), NET_SCHEMA, shown="<stdin>"),
    ("compat", "stream_path"): Case(("compat", "--stream", "junk.mig", "--vmstate", DEST), "junk.mig", status=1),
    ("convert", "input_path"): Case(("convert", NET_BLOB, "--to", "org.virtio.net@1.0", "-o", OUT), NET_BLOB),
    ("convert", "output"): Case(("convert", NET_BLOB, "--to", "org.virtio.net@1.0", "-o", OUT), OUT, writes=True),
    ("decode", "file"): Case(("decode", NET_BLOB), NET_BLOB),
    ("decode", "schema_name"): Case(("decode", "--schema", NET_SCHEMA, NET_BLOB, "--json"), NET_SCHEMA,
                                    shown="<stdin>"),
    ("diff", "a_path"): Case(("diff", NET_BLOB, "b.dsf"), NET_BLOB),
    ("diff", "b_path"): Case(("diff", NET_BLOB, "b.dsf"), "b.dsf"),
    ("encode", "state_file"): Case(("encode", "state.json", "-o", OUT), "state.json"),
    ("encode", "output"): Case(("encode", "state.json", "-o", OUT), OUT, writes=True),
    ("encode", "schema_name"): Case(("encode", "state.json", "--schema", NET_SCHEMA, "-o", "x.dsf"), NET_SCHEMA,
                                    shown="<stdin>"),
    ("export", "input_path"): Case(("export", "--to", "virtio-parts", NET_BLOB, "-o", "x.bin"), NET_BLOB),
    ("export", "output"): Case(("export", "--to", "virtio-parts", NET_BLOB, "-o", OUT), OUT, writes=True),
    ("import", "files"): Case(("import", "--from", "virtio-parts", PARTS, "--model", "org.virtio.net@1.1", "-o",
                               "x.dsf"), PARTS),
    ("import", "output"): Case(("import", "--from", "virtio-parts", PARTS, "--model", "org.virtio.net@1.1", "-o",
                                OUT), OUT, writes=True),
    ("import-vmstate", "dump_path"): Case(("import-vmstate", "junk.json", "-o", "skeletons"), "junk.json", status=2),
    ("inspect", "file"): Case(("inspect", NET_BLOB), NET_BLOB),
    ("nvme-state decode", "files"): Case(("nvme-state", "decode", NVME), NVME),
    ("parts decode", "file"): Case(("parts", "decode", PARTS), PARTS),
    ("qemu inspect", "stream_path"): Case(("qemu", "inspect", "junk.mig"), "junk.mig", status=1),
    ("qemu extract", "stream"): Case(("qemu", "extract", "junk.mig", "-o", "blobs"), "junk.mig", status=1),
    ("qemu inject", "stream"): Case(("qemu", "inject", "junk.mig", NET_BLOB, "-o", "x.mig"), "junk.mig", status=1),
    ("qemu inject", "blobs"): Case(("qemu", "inject", "junk.mig", NET_BLOB, "-o", "x.mig"), NET_BLOB, status=1),
    ("qemu inject", "output"): Case(("qemu", "inject", "junk.mig", NET_BLOB, "-o", OUT), OUT, writes=True, status=1),
    ("schema show", "name"): Case(("schema", "show", NET_SCHEMA), NET_SCHEMA, shown="<stdin>"),
    ("schema dump", "name"): Case(("schema", "dump", NET_SCHEMA), NET_SCHEMA, shown="<stdin>"),
    ("schema json-schema", "name"): Case(("schema", "json-schema", NET_SCHEMA), NET_SCHEMA, shown="<stdin>"),
    ("schema json-schema", "output"): Case(("schema", "json-schema", NET_SCHEMA, "-o", OUT), OUT, writes=True),
    ("template", "name"): Case(("template", NET_SCHEMA), NET_SCHEMA, shown="<stdin>"),
    ("template", "output"): Case(("template", NET_SCHEMA, "-o", OUT), OUT, writes=True),
    ("gen", "schemas"): Case(("gen", "--lang", "c", NET_SCHEMA, "-o", "generated", "--json"), NET_SCHEMA,
                             shown="<stdin>"),
    ("gen", "out_dir"): Case(("gen", "--lang", "c", NET_SCHEMA, "-o", OUT), OUT, writes=True, dash_status=2),
    ("validate", "paths"): Case(("validate", NET_SCHEMA, "--json"), NET_SCHEMA, shown="<stdin>"),
    ("vmstate-compat", "old_path"): Case(("vmstate-compat", "junk.json", DUMP), "junk.json", status=2),
    ("vmstate-compat", "new_path"): Case(("vmstate-compat", DUMP, "dump.json"), "dump.json"),
    ("fleet affinity", "vm"): Case(("fleet", "affinity", VM, "--json"), VM),
    ("fleet baseline", "hosts"): Case(("fleet", "baseline", HOSTS), HOSTS, status=1),
    ("fleet baseline", "vm_path"): Case(("fleet", "baseline", HOSTS, "--vm", OUT), OUT, writes=True, status=1),
    ("fleet labels", "hosts"): Case(("fleet", "labels", HOSTS), HOSTS),
    ("fleet place", "vm"): Case(("fleet", "place", VM, HOSTS), VM),
    ("fleet place", "hosts"): Case(("fleet", "place", VM, HOSTS, "--json"), HOSTS),
    ("fleet pools", "hosts"): Case(("fleet", "pools", HOSTS, "--json"), HOSTS),
    ("fleet pools", "svg_path"): Case(("fleet", "pools", HOSTS, "--svg", OUT), OUT, writes=True),
    ("fleet pools", "dot_path"): Case(("fleet", "pools", HOSTS, "--dot", OUT), OUT, writes=True),
}


def _file_parameters() -> set[tuple[str, str]]:
    ctx = click.Context(main)
    found: set[tuple[str, str]] = set()

    def walk(command: click.Command, path: list[str]) -> None:
        found.update((" ".join(path), str(p.name)) for p in command.params if isinstance(p.type, click.Path))
        if isinstance(command, click.Group):
            for name in command.list_commands(ctx):
                sub = command.get_command(ctx, name)
                assert sub is not None
                walk(sub, [*path, name])

    walk(main, [])
    return found


def test_every_file_parameter_takes_dash_or_says_why_not() -> None:
    walked = _file_parameters()
    assert not FILE_NAMES & walked, "a text parameter became a click.Path: move it out of FILE_NAMES"
    assert set(CASES) | set(EXCEPTIONS) == walked | FILE_NAMES
    assert not set(CASES) & set(EXCEPTIONS)


def test_the_text_parameters_named_exist() -> None:
    ctx = click.Context(main)
    for verb, name in FILE_NAMES:
        command: click.Command | None = main
        for word in verb.split():
            assert isinstance(command, click.Group)
            command = command.get_command(ctx, word)
        assert command is not None and name in {p.name for p in command.params}, (verb, name)


def _run(args: list[str], stdin: bytes | None = None) -> Result:
    return CliRunner().invoke(main, args, input=stdin)


@pytest.mark.parametrize("key", sorted(CASES), ids=" ".join)
def test_dash(key: tuple[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
              request: pytest.FixtureRequest) -> None:
    case = CASES[key]
    monkeypatch.chdir(tmp_path)
    _state_json(tmp_path)
    (tmp_path / "b.dsf").write_bytes(NET_BLOB.read_bytes())
    (tmp_path / "junk.mig").write_bytes(b"QEVM\0\0\0\x03\x09")
    (tmp_path / "junk.json").write_text("{}\n")
    if DUMP in case.args:
        dump = request.getfixturevalue("pc_json")
        shutil.copyfile(dump, tmp_path / "dump.json")
    with_file = [str(dump if a == DUMP else a) for a in case.args]
    with_dash = ["-" if a == str(case.file) else a for a in with_file]
    assert with_dash.count("-") == 1, with_dash
    reference = _run(with_file)
    assert reference.exit_code == case.status, reference.output
    for made in ("generated", "x.dsf", "x.bin", "x.mig", "skeletons", "blobs"):
        _remove(tmp_path / made)
    status = case.status if case.dash_status is None else case.dash_status
    if case.writes:
        dashed = _run(with_dash)
        assert dashed.exit_code == status, dashed.output
        written = (tmp_path / OUT).read_bytes() if (tmp_path / OUT).is_file() else b""
        if key == ("gen", "out_dir"):  # a directory of several files: refused, as tests/cli/test_cli_stdio.py shows
            assert dashed.stderr.startswith("devstate: error: USAGE: -o -: --lang c generates 5 files")
            _remove(tmp_path / OUT)
        elif key == ("fleet pools", "svg_path"):
            assert dashed.stdout_bytes.startswith(b"<?xml") and dashed.stdout_bytes.rstrip().endswith(b"</svg>")
        else:
            assert dashed.stdout_bytes == written, "standard output holds what the file held"
    else:
        source = Path(case.file) if Path(case.file).is_absolute() else tmp_path / case.file
        dashed = _run(with_dash, stdin=source.read_bytes())
        assert dashed.exit_code == status, dashed.output
        assert "cannot read '-'" not in dashed.output
        if "-o" not in with_dash:  # what it printed: the same, the file named - instead
            expected = reference.stdout.replace(str(case.file), case.shown)
            assert _loose(dashed.stdout) == _loose(expected)
    assert not (tmp_path / "-").exists(), "no file named -"


def _remove(path: Path) -> None:
    """What the run with the file wrote, so that the run with - starts from the same directory."""
    if path.is_dir():
        shutil.rmtree(path)
    path.unlink(missing_ok=True)


def _loose(text: str) -> str:
    """Output without its timings (``in 12 ms``, ``"seconds": 0.01``), which differ run to run."""
    import re

    text = re.sub(r" +", " ", re.sub(r"in \d+ ms", "in N ms", text))  # a table's title is centred over it
    return re.sub(r'"seconds": [0-9.]+', '"seconds": N', text)
