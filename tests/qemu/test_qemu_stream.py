"""The QEMU migration stream reader on real streams of QEMU 7.2 and 10.0, and on broken ones."""

from __future__ import annotations

import json
import re
import struct
import tracemalloc
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner
from paths import ROOT
from qemu_builder import PAGE, StreamBuilder, small_stream

from devstate.cli import main
from devstate.qemu.stream import ERROR_CODES, StreamError, iter_fields, read_stream

# --- real streams -------------------------------------------------------------------------


@pytest.mark.parametrize("release", ["7.2", "10.0"])
def test_a_real_stream_reads_whole(release: str, qemu_stream: Callable[..., Path]) -> None:
    path = qemu_stream(release, "pc-virtio-net")
    stream = read_stream(path)
    assert stream.version == 3
    assert stream.configuration is not None
    assert stream.configuration.machine == f"pc-i440fx-{release}"
    assert stream.page_size == 4096
    devices = stream.devices()
    assert len(devices) == 31
    assert all(d.footer and d.delimited_by == "description" for d in devices)
    net = stream.device("0000:00:02.0/virtio-net")
    assert net is not None and net.version_id == 11 and net.vmsd_name == "virtio-net"
    assert net.vmsd is not None and [f.name for f in net.vmsd.fields] == ["virtio"]
    cpu = stream.device("cpu")
    assert cpu is not None and cpu.vmsd is not None
    assert [s.name for s in cpu.vmsd.subsections] == ["cpu/poll_control_msr"]
    assert stream.ram.blocks["pc.ram"] == 16 << 20
    assert stream.ram.records == 3  # START, one PART (the guest never ran), END
    assert (stream.ram.pages + stream.ram.zero_pages) * 4096 == sum(stream.ram.blocks.values())
    assert stream.description is not None and len(stream.description.devices) == 31
    assert stream.description_offset == stream.eof_offset + 1
    # the records tile the file: every section ends where the next record starts
    ends = {s.end for s in stream.sections} | {stream.ram.last_end}
    assert all(s.offset in ends or s is devices[0] for s in devices)


def test_qemu_10_sends_the_switchover_command(qemu_stream: Callable[..., Path]) -> None:
    stream = read_stream(qemu_stream("10.0", "pc-virtio-net"))
    assert [(c.command, c.length) for c in stream.commands] == [(0x0B, 0)]  # MIG_CMD_SWITCHOVER_START
    assert read_stream(qemu_stream("7.2", "pc-virtio-net")).commands == ()


def test_field_offsets_follow_the_description(qemu_stream: Callable[..., Path]) -> None:
    stream = read_stream(qemu_stream("7.2", "pc-virtio-net"))
    data = Path(stream.path).read_bytes()
    timer = stream.device("timer")
    assert timer is not None and timer.vmsd is not None
    paths = [(path, f.offset - timer.body, f.size) for path, f in iter_fields(timer.vmsd)]
    assert paths == [("cpu_ticks_offset", 0, 8), ("unused", 8, 8), ("cpu_clock_offset", 16, 8)]
    globalstate = stream.device("globalstate")
    assert globalstate is not None and globalstate.vmsd is not None
    runstate = globalstate.vmsd.field("runstate")
    assert runstate is not None
    assert data[runstate.offset : runstate.offset + 8] == b"prelaunc"  # paused before it ever ran (-S)


# --- the command ------------------------------------------------------------------------


def test_inspect_text(qemu_stream: Callable[..., Path]) -> None:
    path = qemu_stream("7.2", "pc-virtio-net")
    result = CliRunner().invoke(main, ["qemu", "inspect", str(path)])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    size = path.stat().st_size
    assert lines[0] == f"{path}: QEMU migration stream v3, {size:,} bytes, machine pc-i440fx-7.2, page size 4096"
    assert any(line.split()[2:6] == ["0000:00:02.0/virtio-net", "0", "11", "46,143"] for line in lines)
    assert "RAM: section 2 v4, 7 blocks (17,571,840 bytes), 3 records" in result.output
    assert lines[-1] == f"31 device sections, EOF at {read_stream(path).eof_offset}"


def test_inspect_json_and_fields(qemu_stream: Callable[..., Path]) -> None:
    path = qemu_stream("10.0", "pc-virtio-net")
    result = CliRunner().invoke(main, ["qemu", "inspect", "--json", "--fields", "timer", str(path)])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["configuration"]["machine"] == "pc-i440fx-10.0"
    assert len(report["sections"]) == 31
    timer = next(s for s in report["sections"] if s["name"] == "timer")
    assert [f["path"] for f in timer["fields"]] == ["cpu_ticks_offset", "unused", "cpu_clock_offset"]
    assert "fields" not in next(s for s in report["sections"] if s["name"] == "cpu")
    assert report["commands"] == [{"offset": report["commands"][0]["offset"], "command": 11, "length": 0}]


def test_inspect_refusals(tmp_path: Path) -> None:
    bad = tmp_path / "bad.bin"
    bad.write_bytes(b"QEVM\0\0\0\x03\x09")
    result = CliRunner().invoke(main, ["qemu", "inspect", str(bad)])
    assert result.exit_code == 1
    assert result.output.strip() == f"devstate: error: {bad}: UNKNOWN_RECORD at byte 8: unknown record type 0x09"
    as_json = CliRunner().invoke(main, ["qemu", "inspect", "--json", str(bad)])
    assert as_json.exit_code == 1
    assert json.loads(as_json.stdout) == {"error": {"file": str(bad), "code": "UNKNOWN_RECORD", "offset": 8,
                                                    "message": "unknown record type 0x09"}}
    assert as_json.stderr == f"devstate: error: {bad}: UNKNOWN_RECORD at byte 8: unknown record type 0x09\n"
    missing = CliRunner().invoke(main, ["qemu", "inspect", "--json", str(tmp_path / "nope.bin")])
    nope = tmp_path / "nope.bin"
    assert missing.exit_code == 2 and json.loads(missing.stdout) == {"error": {
        "code": "IO_NOT_FOUND", "file": str(nope), "message": f"cannot read '{nope}': no such file or directory"}}
    assert missing.stderr == f"devstate: error: IO_NOT_FOUND: cannot read '{nope}': no such file or directory\n"
    assert CliRunner().invoke(main, ["qemu", "inspect", str(tmp_path)]).exit_code == 2


# --- built streams: valid, then broken one thing at a time ---------------------------------


def _read(data: bytes, tmp_path: Path) -> StreamError:
    path = tmp_path / "s.bin"
    path.write_bytes(data)
    with pytest.raises(StreamError) as info:
        read_stream(path)
    return info.value


def test_a_built_stream_reads(tmp_path: Path) -> None:
    path = tmp_path / "s.bin"
    path.write_bytes(small_stream())
    stream = read_stream(path)
    assert stream.ram.blocks == {"pc.ram": 4 * PAGE, "pc.bios": PAGE}
    assert (stream.ram.pages, stream.ram.zero_pages, stream.ram.records) == (1, 2, 3)
    e1000 = stream.device("0000:00:02.0/e1000")
    assert e1000 is not None and e1000.vmsd is not None and e1000.body_size == 7 + 1 + 21 + 4 + 16
    assert [(p, f.size) for p, f in iter_fields(e1000.vmsd)] == [
        ("parent_obj", 3), ("rxbuf_size", 4), ("<e1000/full_mac_state>.mac_reg", 16)]


def test_without_a_description_sections_end_at_their_footer(tmp_path: Path) -> None:
    path = tmp_path / "s.bin"
    b = StreamBuilder()
    b.device("timer", [("x", "uint64", bytes(8))])
    path.write_bytes(b.finish(description=False))
    (timer,) = read_stream(path).devices()
    assert (timer.body_size, timer.delimited_by) == (8, "footer scan")


@pytest.mark.parametrize(("cut", "code"), [(3, "NOT_A_STREAM"), (8, "TRUNCATED"), (60, "TRUNCATED")])
def test_truncated(cut: int, code: str, tmp_path: Path) -> None:
    data = small_stream()[:cut]
    assert _read(data, tmp_path).code == code


def test_truncated_anywhere_is_a_typed_error(tmp_path: Path) -> None:
    data = small_stream()
    eof = data.index(b"\x00\x06" + struct.pack(">I", len(data) - data.rindex(b'{"page_size"')))
    path = tmp_path / "s.bin"
    for cut in range(8, eof, 7):
        path.write_bytes(data[:cut] + data[eof:])
        try:
            read_stream(path)
            continue  # cut at a record boundary: a shorter valid stream
        except StreamError as caught:
            error = caught
        assert error.code in ERROR_CODES, (cut, error)
        assert 0 <= error.offset <= len(data)


def test_header_errors(tmp_path: Path) -> None:
    error = _read(b"QEVX\0\0\0\x03\0", tmp_path)
    assert str(error) == "NOT_A_STREAM at byte 0: no QEVM magic: not a QEMU migration stream"
    assert _read(b"QEVM\0\0\0\x02\0", tmp_path).code == "UNSUPPORTED_VERSION"
    assert str(_read(b"QEVM\0\0\0\x04\0", tmp_path)) == "UNSUPPORTED_VERSION at byte 4: stream version 4; QEMU writes 3"


def test_a_footer_of_another_section(tmp_path: Path) -> None:
    data = bytearray(small_stream())
    at = data.index(b"\x7e" + struct.pack(">I", 2))
    data[at + 1 : at + 5] = struct.pack(">I", 9)
    error = _read(bytes(data), tmp_path)
    assert (error.code, error.offset) == ("BAD_FOOTER", at)
    assert "0000:00:02.0/e1000: footer of section 9, expected 2" in error.message


def test_a_subsection_the_description_does_not_match(tmp_path: Path) -> None:
    data = bytearray(small_stream())
    at = data.index(b"e1000/full_mac_state") - 2
    data[at] = 0x06
    error = _read(bytes(data), tmp_path)
    assert (error.code, error.offset) == ("DESCRIPTION_MISMATCH", at)
    assert error.message == "0000:00:02.0/e1000: subsection 'e1000/full_mac_state' expected (0x05), found 0x06"


def test_ram_errors(tmp_path: Path) -> None:
    b = StreamBuilder()
    b.ram({"pc.ram": PAGE}, [("pc.ram", PAGE, 0)])
    error = _read(b.finish(), tmp_path)
    assert error.code == "BAD_RAM" and "page at 0x1000 is past the end of RAM block 'pc.ram'" in error.message
    b = StreamBuilder()
    b.ram({"pc.ram": PAGE}, [("other", 0, 0)])
    assert "unknown RAM block 'other'" in _read(b.finish(), tmp_path).message
    data = bytearray(small_stream())
    word = data.index(struct.pack(">Q", 0 | 0x08))
    data[word : word + 8] = struct.pack(">Q", 0x40)
    error = _read(bytes(data), tmp_path)
    assert (error.code, error.offset) == ("UNSUPPORTED_RAM", word)


def test_section_ids(tmp_path: Path) -> None:
    b = StreamBuilder()
    b.data += b"\x02" + struct.pack(">I", 7)
    error = _read(b.finish(), tmp_path)
    assert (error.code, error.offset) == ("UNKNOWN_SECTION_ID", 8 + 1 + 4 + 13 + 1)
    assert "part record of section id 7, which no START record opened" in error.message


def test_trailing_bytes_and_bad_descriptions(tmp_path: Path) -> None:
    data = small_stream()
    assert _read(data[: data.index(b"\x00\x06")] + b"\x00junk", tmp_path).code == "TRAILING_DATA"
    broken = data.replace(b'"page_size": 4096', b'"page_size": "x"')
    broken = broken[: broken.index(b"\x00\x06") + 2] + struct.pack(">I", len(broken) - broken.index(b"{\"page") ) + \
        broken[broken.index(b"{\"page"):]
    error = _read(broken, tmp_path)
    assert error.code == "BAD_DESCRIPTION" and "$.page_size: expected an integer, got str" in error.message


def test_huge_declared_sizes_fail_before_reading(tmp_path: Path) -> None:
    b = StreamBuilder()
    b.device("big", [("blob", "buffer", b"\0" * 4)])
    data = b.finish().replace(b'"size": 4', b'"size": 4000000000000')
    start = data.index(b'{"page_size"')
    data = data[: start - 4] + struct.pack(">I", len(data) - start) + data[start:]
    tracemalloc.start()
    error = _read(data, tmp_path)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert error.code == "TRUNCATED" and "big: field 'blob': 4000000000000 bytes needed" in error.message
    assert peak < 1 << 20


def test_memory_does_not_grow_with_ram(tmp_path: Path) -> None:
    b = StreamBuilder()
    pages = 16384  # 64 MiB of pages
    b.ram({"pc.ram": pages * PAGE}, [("pc.ram", n * PAGE, bytes([n % 251]) * PAGE) for n in range(pages)])
    path = tmp_path / "big.bin"
    path.write_bytes(b.finish())
    tracemalloc.start()
    stream = read_stream(path)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert stream.ram.pages == pages and stream.ram.page_bytes == 64 << 20
    assert peak < 1 << 20, f"{peak} bytes for a {path.stat().st_size}-byte stream"


def test_every_error_code_is_listed() -> None:
    source = "".join(p.read_text() for p in ROOT.glob("src/devstate/qemu/*.py"))
    assert set(re.findall(r'StreamError\("([A-Z_]+)"', source)) == set(ERROR_CODES)
