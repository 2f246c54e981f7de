"""Every CLI command against bad inputs and unwritable outputs: one clear line, the documented code.

A matrix of commands × bad inputs (missing, a directory, empty, not DSF, a truncated
blob, a dangling symlink, a path under a regular file, a FIFO — as root, ``chmod 000``
does not stop reads, so unreadable paths are simulated; a FIFO must not hang) and of
commands with an output × bad outputs (a missing directory, a path under a file, a
directory, the input itself). Each run must exit 1 (invalid input) or 2 (usage or I/O
error; always 2 for a path that cannot be read), print no traceback, name the problem in
exactly one ``devstate: error:`` line on stderr (or, for ``validate``, in its report),
and leave no output file and no temporary file behind.
"""

from __future__ import annotations

import errno
import os
import re
import shutil
import tracemalloc
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from paths import DATA, ROOT

from devstate.cli import main

VECTORS = ROOT / "spec" / "conformance" / "vectors"
NET_BLOB = VECTORS / "valid-org.virtio.net-1.1-default.dsf"
NET_SCHEMA = ROOT / "schemas" / "org.virtio.net" / "1.1.yaml"
DEST = ROOT / "spec" / "examples" / "dest.json"
FLEET = ROOT / "spec" / "examples" / "fleet-hosts.jsonl"

Args = Callable[[Path, Path], list[str]]
"""The command line for an input path and an output path."""

COMMANDS: dict[str, Args] = {
    "inspect": lambda i, o: ["inspect", str(i)],
    "decode": lambda i, o: ["decode", str(i)],
    "decode-json": lambda i, o: ["decode", "--json", "--schema", "org.virtio.net@1.1", str(i)],
    "encode": lambda i, o: ["encode", str(i), "--schema", "org.virtio.net@1.1", "-o", str(o)],
    "validate": lambda i, o: ["validate", str(i)],
    "convert": lambda i, o: ["convert", str(i), "--to-version", "1.0", "-o", str(o)],
    "diff": lambda i, o: ["diff", str(i), str(NET_BLOB)],
    "compat": lambda i, o: ["compat", str(i), str(NET_SCHEMA)],
    "check-migration": lambda i, o: ["check-migration", "--source", str(i), "--dest", str(DEST)],
    "negotiate": lambda i, o: ["negotiate", "--source", str(i), "--dest", str(DEST)],
    "import-virtio": lambda i, o: ["import", "--from", "virtio-parts", str(i), "--model", "org.virtio.net@1.1",
                                   "-o", str(o)],
    "import-nvme": lambda i, o: ["import", "--from", "nvme-controller-state", str(i), "--model",
                                 "org.nvmexpress.ctrl@1.1", "-o", str(o)],
    "export": lambda i, o: ["export", "--to", "virtio-parts", str(i), "-o", str(o)],
    "parts-decode": lambda i, o: ["parts", "decode", str(i)],
    "nvme-state-decode": lambda i, o: ["nvme-state", "decode", str(i)],
    "import-vmstate": lambda i, o: ["import-vmstate", str(i), "-o", str(o)],
    "vmstate-compat": lambda i, o: ["vmstate-compat", str(i), str(i)],
    "qemu-inspect": lambda i, o: ["qemu", "inspect", str(i)],
    "compat-stream": lambda i, o: ["compat", "--stream", str(i), "--vmstate", str(i)],
    "gen": lambda i, o: ["gen", "--lang", "python", str(i), "-o", str(o)],
    "template": lambda i, o: ["template", str(i), "--comments", "-o", str(o)],
    "schema-json-schema": lambda i, o: ["schema", "json-schema", str(i), "-o", str(o)],
    "encode-stdin": lambda i, o: ["encode", "-", "--schema", str(i), "-o", str(o)],
    "decode-hex": lambda i, o: ["decode", "--hex", "--json", str(i)],
    "decode-hexdump": lambda i, o: ["decode", "--hexdump", str(i)],
    "decode-partial": lambda i, o: ["decode", "--partial", "--schema", "org.virtio.net@1.1", str(i)],
    "validate-github": lambda i, o: ["validate", "--format", "github", str(i)],
    "convert-stdout": lambda i, o: ["convert", str(i), "--to", "org.virtio.net@1.0", "-o", "-"],
    "fleet-pools": lambda i, o: ["fleet", "pools", str(i)],
    "fleet-place": lambda i, o: ["fleet", "place", str(i), str(FLEET)],
    "fleet-affinity": lambda i, o: ["fleet", "affinity", str(i)],
}
WRITERS = ["encode", "convert", "import-virtio", "export", "import-vmstate", "gen", "template", "schema-json-schema"]
"""Commands that write an output (``-o``), with a good input of the kind they read."""


def _truncated(path: Path) -> None:
    path.write_bytes(NET_BLOB.read_bytes()[:40])


BAD_INPUTS: dict[str, Callable[[Path], None]] = {
    "missing": lambda p: None,
    "directory": lambda p: p.mkdir(),
    "empty": lambda p: p.write_bytes(b""),
    "not-dsf": lambda p: p.write_text("hello, not a device state\n"),
    "truncated": _truncated,
    "dangling-symlink": lambda p: p.symlink_to(p.parent / "nowhere"),
    "under-a-file": lambda p: None,  # the input path is <regular file>/input.dsf
    "fifo": lambda p: os.mkfifo(p),
}
UNREADABLE = {"missing", "directory", "dangling-symlink", "under-a-file", "fifo"}
UNREADABLE_CODES = {"missing": ("IO_NOT_FOUND", "no such file or directory"),
                    "dangling-symlink": ("IO_NOT_FOUND", "no such file or directory"),
                    "under-a-file": ("IO_NOT_FOUND", "no such file or directory"),
                    "directory": ("IO_IS_DIRECTORY", "is a directory"),
                    "fifo": ("IO_NOT_REGULAR", "not a regular file (a FIFO, socket or device)")}
"""The error line's code and reason for each unreadable input (spec/security.md#cli-errors)."""
DIRECTORY_READERS = {("validate", "directory"), ("validate-github", "directory"), ("fleet-pools", "directory"),
                     ("fleet-place", "directory"), ("fleet-affinity", "directory")}
"""Their input may be a directory (of schemas, of host records): an empty one holds nothing to read."""
NAMED_INPUTS = {"encode-stdin"}
"""Their input is a schema name: a path that is not a file or *.yaml is MODEL@VERSION (USAGE: unknown model)."""
ALLOWED = {("parts-decode", "empty")}
"""Not an error: an empty device-parts stream is a valid list of no parts."""


def _input(kind: str, tmp_path: Path) -> Path:
    if kind == "under-a-file":
        (tmp_path / "plain").write_text("x")
        return tmp_path / "plain" / "input.dsf"
    path = tmp_path / "input.dsf"
    BAD_INPUTS[kind](path)
    return path


def run(args: list[str]) -> Result:
    return CliRunner().invoke(main, args)


def check_refused(result: Result, name: str, code: int | None, command: str) -> None:
    assert result.exit_code in (1, 2), (result.exit_code, result.output)
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.output
    if code is not None:
        assert result.exit_code == code, result.output
    errors = [line for line in result.stderr.splitlines() if line.startswith("devstate: error:")]
    if command.startswith("validate") and result.exit_code == 1:
        assert name in result.stdout, result.output
        return
    assert len(errors) == 1, result.output
    assert result.stderr.splitlines()[-1] == errors[0], result.stderr


def _files(directory: Path) -> set[str]:
    return {str(p.relative_to(directory)) for p in directory.rglob("*")}


@pytest.mark.parametrize("kind", list(BAD_INPUTS))
@pytest.mark.parametrize("command", list(COMMANDS))
def test_bad_input(command: str, kind: str, tmp_path: Path) -> None:
    path = _input(kind, tmp_path)
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    before = _files(tmp_path)
    output = out_dir / ("generated" if command in ("import-vmstate", "gen") else "out.bin")
    result = run(COMMANDS[command](path, output))
    if (command, kind) in ALLOWED:
        assert result.exit_code == 0, result.output
        return
    check_refused(result, path.name, 2 if kind in UNREADABLE else None, command)
    assert _files(tmp_path) == before, "an output or temporary file was left behind"
    if kind in UNREADABLE and (command, kind) not in DIRECTORY_READERS and command not in NAMED_INPUTS:
        code, reason = UNREADABLE_CODES[kind]
        assert _error_line(result) == f"devstate: error: {code}: cannot read '{path}': {reason}"


def _error_line(result: Result) -> str:
    [line] = [line for line in result.stderr.splitlines() if line.startswith("devstate: error:")]
    return line


def _good_input(command: str, tmp_path: Path) -> Path:
    sources = {"encode": None, "convert": NET_BLOB, "export": NET_BLOB,
               "import-virtio": DATA / "bridges" / "virtio-net-parts.bin"}
    if command == "encode":
        result = run(["decode", "--json", str(NET_BLOB)])
        assert result.exit_code == 0, result.output
        (tmp_path / "state.json").write_text(result.stdout)
        return tmp_path / "state.json"
    if command in ("gen", "template", "schema-json-schema"):
        target = tmp_path / "org.virtio.net" / "1.1.yaml"
        target.parent.mkdir()
        shutil.copy(NET_SCHEMA, target)
        return target
    if command == "import-vmstate":
        dump = tmp_path / "dump.json"
        dump.write_text('{"timer": {"Name": "timer", "version_id": 2, "minimum_version_id": 1, "Description": '
                        '{"name": "timer", "version_id": 2, "minimum_version_id": 1, "Fields": [{"field": "ticks", '
                        '"version_id": 0, "field_exists": false, "size": 8}]}}}')
        return dump
    source = sources[command]
    assert source is not None
    target = tmp_path / source.name
    shutil.copy(source, target)
    return target


def _bad_output(kind: str, tmp_path: Path, good: Path) -> Path:
    if kind == "missing-directory":
        return tmp_path / "no" / "such" / "out.bin"
    if kind == "under-a-file":
        (tmp_path / "plain").write_text("x")
        return tmp_path / "plain" / "out.bin"
    if kind == "directory":
        (tmp_path / "adir").mkdir()
        return tmp_path / "adir"
    return good


_DIRECTORY_WRITERS = ("import-vmstate", "gen")
"""Their -o is a directory, created when missing: only a path under a file is a bad output for them."""
_BAD_OUTPUTS = [(command, kind) for command in WRITERS
                for kind in ("missing-directory", "under-a-file", "directory", "the-input")
                if command not in _DIRECTORY_WRITERS or kind == "under-a-file"]


@pytest.mark.parametrize(("command", "kind"), _BAD_OUTPUTS)
def test_bad_output(command: str, kind: str, tmp_path: Path) -> None:
    good = _good_input(command, tmp_path)
    output = _bad_output(kind, tmp_path, good)
    content = good.read_bytes()
    before = _files(tmp_path)
    result = run(COMMANDS[command](good, output))
    check_refused(result, output.name, 2, command)
    assert _files(tmp_path) == before, "an output or temporary file was left behind"
    assert good.read_bytes() == content, "the input was modified"


@pytest.mark.parametrize("command", WRITERS)
def test_good_input_and_output_work(command: str, tmp_path: Path) -> None:
    """The matrix's good inputs really are good: the refusals above are about the bad part."""
    good = _good_input(command, tmp_path)
    output = tmp_path / ("generated" if command in ("import-vmstate", "gen") else "out.bin")
    result = run(COMMANDS[command](good, output))
    assert result.exit_code == 0, result.output
    assert output.exists()
    assert not [p for p in tmp_path.rglob("*.tmp")], "a temporary file was left behind"
    if output.is_file():
        assert output.stat().st_mode & 0o777 == 0o666 & ~_umask(), "outputs get the usual file mode"


def _umask() -> int:
    current = os.umask(0o022)
    os.umask(current)
    return current


@pytest.mark.parametrize("link", ["symlink", "hardlink"])
@pytest.mark.parametrize("command", ["encode", "convert", "export", "import-virtio"])
def test_output_that_is_a_link_to_the_input_is_refused(command: str, link: str, tmp_path: Path) -> None:
    good = _good_input(command, tmp_path)
    output = tmp_path / "alias.out"
    if link == "symlink":
        output.symlink_to(good)
    else:
        os.link(good, output)
    content = good.read_bytes()
    result = run(COMMANDS[command](good, output))
    check_refused(result, output.name, 2, command)
    assert _error_line(result) == f"devstate: error: IO_OUTPUT_IS_INPUT: cannot write '{output}': it is the input file"
    assert good.read_bytes() == content


BLOB_COMMANDS = ["inspect", "decode", "decode-json", "validate", "convert", "diff", "decode-hex", "decode-hexdump",
                 "decode-partial", "validate-github", "convert-stdout"]
"""Commands that read a DSF blob: refusing one, they name its error code, offset and path."""
_CODED = re.compile(r"[:]+ ?[A-Z][A-Z0-9_]+ at offset \d+ \(\$[^)]*\): ")


@pytest.mark.parametrize("kind", ["empty", "not-dsf", "truncated"])
@pytest.mark.parametrize("command", BLOB_COMMANDS)
def test_a_refused_blob_is_named_with_its_code(command: str, kind: str, tmp_path: Path) -> None:
    path = _input(kind, tmp_path)
    result = run(COMMANDS[command](path, tmp_path / "out.bin"))
    assert result.exit_code in (1, 2), result.output  # convert: 2 for any bad input
    lines = result.stdout.splitlines() if command.startswith("validate") else result.stderr.splitlines()
    assert any(_CODED.search(line) for line in lines), result.output


@pytest.mark.parametrize("command", BLOB_COMMANDS)
def test_a_huge_file_with_a_bad_magic_is_refused_from_its_first_bytes(command: str, tmp_path: Path) -> None:
    """BAD_MAGIC of a 200 MiB file (sparse: nothing on disk) without reading it: at most a few MiB
    are allocated (reading it whole would allocate 200 MiB)."""
    path = tmp_path / "input.dsf"
    with path.open("wb") as handle:
        handle.write(b"NOT A DSF BLOB")
        handle.truncate(200 << 20)
    tracemalloc.start()
    try:
        result = run(COMMANDS[command](path, tmp_path / "out.bin"))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert result.exit_code in (1, 2), result.output
    assert "BAD_MAGIC at offset 0 ($.header.magic)" in result.output
    assert peak < 16 << 20, f"{peak} bytes allocated"


def _refuse(error: int, target: Path, *functions: str) -> Callable[..., object]:
    """A stand-in for ``os.open``/``io.open``… that fails with ``error`` for ``target`` (tests run as
    root, for which permissions do not stop reads) and opens anything else."""
    originals = {name: _resolve(name) for name in functions}

    def opener(name: str) -> Callable[..., object]:
        def refused(path: object, *args: object, **kwargs: object) -> object:
            if isinstance(path, (str, os.PathLike)) and Path(os.fspath(path)) == target:
                raise OSError(error, os.strerror(error), os.fspath(path))
            return originals[name](path, *args, **kwargs)
        return refused
    return opener


def _resolve(name: str) -> Callable[..., object]:
    module, _, attribute = name.rpartition(".")
    function: Callable[..., object] = getattr(__import__(module), attribute)
    return function


_OPENERS = ("os.open", "io.open", "builtins.open")


@pytest.mark.parametrize("command", [c for c in COMMANDS if c not in NAMED_INPUTS])
def test_an_unreadable_input_is_io_permission(command: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "input.dsf"
    path.write_bytes(NET_BLOB.read_bytes())
    opener = _refuse(errno.EACCES, path, *_OPENERS)
    for name in _OPENERS:
        monkeypatch.setattr(name, opener(name))
    result = run(COMMANDS[command](path, tmp_path / "out.bin"))
    monkeypatch.undo()
    assert result.exit_code == 2, result.output
    assert _error_line(result) == f"devstate: error: IO_PERMISSION: cannot read '{path}': permission denied"


@pytest.mark.parametrize(("error", "expected"), [(errno.EACCES, "IO_PERMISSION: cannot write '{}': permission denied"),
                                                 (errno.ENOSPC, "IO_WRITE_ERROR: cannot write '{}': "
                                                                "no space left on the device"),
                                                 (errno.EIO, "IO_WRITE_ERROR: cannot write '{}': Input/output error")],
                         ids=["permission", "disk-full", "io-error"])
@pytest.mark.parametrize("command", WRITERS)
def test_an_unwritable_output_is_coded(command: str, error: int, expected: str, tmp_path: Path,
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    good = _good_input(command, tmp_path)
    output = tmp_path / ("generated" if command in _DIRECTORY_WRITERS else "out.bin")
    before = _files(tmp_path)

    def refused(*args: object, **kwargs: object) -> None:
        raise OSError(error, os.strerror(error))
    monkeypatch.setattr("os.replace", refused)
    result = run(COMMANDS[command](good, output))
    monkeypatch.undo()
    assert result.exit_code == 2, result.output
    assert _error_line(result) == "devstate: error: " + expected.format(output)
    assert _files(tmp_path) - before <= ({"generated"} if command in _DIRECTORY_WRITERS else set())


EXIT_CODES = {"encode": 1, "check-migration": 2, "fleet": 2}
HUGE = "9" * 5000
"""An integer literal past Python's 4300 digits, which ``int`` would refuse with a bare ValueError."""


@pytest.mark.parametrize(("command", "text", "expected"), [
    (["encode", "{path}", "-o", "{out}"],
     '{"model": "org.virtio.net", "version": "1.1", "sections": {"common": {"status": ' + HUGE + '}}}',
     "devstate: error: INVALID_STATE: {path}:1:81: invalid JSON: an integer literal of 5000 digits (at most 100)"),
    (["check-migration", "--source", str(ROOT / "spec" / "examples" / "source.json"), "--dest", "{path}"],
     '{"model": "org.virtio.net",\n "versions": ["1.1"], "params": {"max-queue-pairs": ' + HUGE + '}}',
     "devstate: error: DESCRIPTION_INVALID: {path}:2:53: invalid JSON: an integer literal of 5000 digits "
     "(at most 100)"),
    (["fleet", "pools", "{path}"],
     '{"host": "h1", "devices": [{"model": "org.virtio.net", "versions": [' + HUGE + ']}]}\n',
     "devstate: error: FLEET_RECORD_INVALID: {path}: no valid host record"),
], ids=["encode", "check-migration", "fleet"])
def test_an_integer_of_thousands_of_digits_is_invalid_json_at_its_place(
        tmp_path: Path, command: list[str], text: str, expected: str) -> None:
    path, out = tmp_path / "input.json", tmp_path / "out.dsf"
    path.write_text(text)
    result = CliRunner().invoke(main, [arg.format(path=path, out=out) for arg in command])
    assert (result.exit_code, type(result.exception)) == (EXIT_CODES[command[0]], SystemExit)
    lines = result.stderr.splitlines()
    assert lines[-1] == expected.format(path=path)
    assert "Traceback" not in result.stderr and not out.exists()
    if command[0] == "fleet":
        assert lines[0] == f"devstate: skipped: {path}:1:69: $: invalid JSON: an integer literal of 5000 digits " \
                           "(at most 100)"
