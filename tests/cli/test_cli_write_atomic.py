"""The one atomic writer: ``fileio.write_atomically`` and the CLI's ``streams.write_atomic``
take one buffer or a list of buffers (written one after another, never joined), for a file or
for ``-``; every verb that writes an output goes through them."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import click
import pytest
from click.testing import CliRunner, Result
from paths import ROOT

from devstate.cli import main
from devstate.cli.streams import write_atomic
from devstate.fileio import write_atomically

NET_11 = ROOT / "spec" / "conformance" / "vectors" / "valid-org.virtio.net-1.1-default.dsf"
HOSTS = ROOT / "spec" / "examples" / "fleet-hosts.jsonl"
PIECES = [b"\x89DSF", bytearray(b"\r\n"), memoryview(b"--\x1a\n--")[2:4]]


def run(*args: str | Path, stdin: bytes | None = None) -> Result:
    return CliRunner().invoke(main, [str(a) for a in args], input=stdin)


def _files(directory: Path) -> list[str]:
    return sorted(path.name for path in directory.iterdir())


@pytest.mark.parametrize("data", [b"\x89DSF\r\n\x1a\n", bytearray(b"\x89DSF\r\n\x1a\n"),
                                  memoryview(b"..\x89DSF\r\n\x1a\n")[2:], PIECES, tuple(PIECES),
                                  iter(PIECES)],
                         ids=["bytes", "bytearray", "memoryview", "list", "tuple", "iterator"])
def test_write_atomically_takes_one_buffer_or_buffers_in_turn(tmp_path: Path, data: object) -> None:
    write_atomically(tmp_path / "out.dsf", data, durable=False)  # type: ignore[arg-type]
    assert (tmp_path / "out.dsf").read_bytes() == b"\x89DSF\r\n\x1a\n"
    assert _files(tmp_path) == ["out.dsf"]  # no temporary file left


def test_write_atomically_leaves_the_old_file_when_the_buffers_fail(tmp_path: Path) -> None:
    (tmp_path / "out.dsf").write_bytes(b"old")

    def pieces() -> Iterator[bytes]:
        yield b"new"
        raise ValueError("the encoder failed")

    with pytest.raises(ValueError, match=r"^the encoder failed$"):
        write_atomically(tmp_path / "out.dsf", pieces())
    assert (tmp_path / "out.dsf").read_bytes() == b"old"
    assert _files(tmp_path) == ["out.dsf"]


def test_write_atomic_writes_buffers_to_stdout_in_turn(capsysbinary: pytest.CaptureFixture[bytes]) -> None:
    write_atomic(Path("-"), PIECES)
    write_atomic(Path("-"), b"|one")
    assert capsysbinary.readouterr() == (b"\x89DSF\r\n\x1a\n|one", b"")


def test_write_atomic_refuses_a_directory_with_one_error_line(tmp_path: Path,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(click.exceptions.Exit) as exit_info:
        write_atomic(tmp_path, PIECES)
    assert exit_info.value.exit_code == 2
    assert capsys.readouterr() == ("", f"devstate: error: IO_IS_DIRECTORY: cannot write '{tmp_path}': "
                                       "is a directory\n")
    assert _files(tmp_path) == []


def test_encode_writes_the_same_blob_to_a_file_and_to_stdout(tmp_path: Path) -> None:
    state = run("decode", NET_11, "--json").stdout.encode()
    to_file = run("encode", "-", "-o", tmp_path / "net.dsf", stdin=state)
    assert (to_file.exit_code, to_file.stdout) == (0, f"wrote {tmp_path / 'net.dsf'} (718 bytes, "
                                                      "org.virtio.net@1.1)\n")
    assert (tmp_path / "net.dsf").read_bytes() == NET_11.read_bytes()
    to_stdout = run("encode", "-", "-o", "-", stdin=state)
    assert (to_stdout.exit_code, to_stdout.stdout_bytes) == (0, NET_11.read_bytes())


def test_encode_and_fleet_name_the_missing_directory_of_an_output(tmp_path: Path) -> None:
    state = run("decode", NET_11, "--json").stdout.encode()
    encoded = run("encode", "-", "-o", tmp_path / "none" / "net.dsf", stdin=state)
    assert (encoded.exit_code, encoded.stderr) == (
        2, f"devstate: error: IO_NOT_FOUND: cannot write '{tmp_path / 'none' / 'net.dsf'}': no such directory\n")
    pools = run("fleet", "pools", HOSTS, "--dot", tmp_path / "none" / "pools.dot")
    assert (pools.exit_code, pools.stderr) == (
        2, f"devstate: error: IO_NOT_FOUND: cannot write '{tmp_path / 'none' / 'pools.dot'}': no such directory\n")
    directory = run("encode", "-", "-o", tmp_path, stdin=state)
    assert (directory.exit_code, directory.stderr) == (
        2, f"devstate: error: IO_IS_DIRECTORY: cannot write '{tmp_path}': is a directory\n")
    assert _files(tmp_path) == []


def test_fleet_baseline_writes_the_vm_description_atomically(tmp_path: Path) -> None:
    result = run("fleet", "baseline", HOSTS, "--vm", tmp_path / "vm.json")
    assert result.exit_code == 1  # org.virtio.blk has no baseline: the exit status says so
    assert json.loads((tmp_path / "vm.json").read_text())["vm"] == "baseline"
    assert _files(tmp_path) == ["vm.json"]


def test_convert_writes_the_same_blob_to_a_file_and_to_stdout(tmp_path: Path) -> None:
    to_file = run("convert", NET_11, "--to", "org.virtio.net@1.0", "-o", tmp_path / "net.dsf")
    assert to_file.exit_code == 0, to_file.output
    written = (tmp_path / "net.dsf").read_bytes()
    to_stdout = run("convert", NET_11, "--to", "org.virtio.net@1.0", "-o", "-")
    assert (to_stdout.exit_code, to_stdout.stdout_bytes) == (0, written)
    checked = json.loads(run("inspect", tmp_path / "net.dsf", "--json").stdout)
    assert (checked["valid"], checked["checksum"]["ok"], checked["header"]["total_length"]) == (True, True, 698)
    assert len(written) == 698
    directory = run("convert", NET_11, "--to", "org.virtio.net@1.0", "-o", tmp_path)
    assert (directory.exit_code, directory.stderr) == (
        2, f"devstate: error: IO_IS_DIRECTORY: cannot write '{tmp_path}': is a directory\n")
    assert _files(tmp_path) == ["net.dsf"]
