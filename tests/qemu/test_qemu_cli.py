"""``devstate qemu extract|inject`` as a user runs them: output, refusals that write nothing, bounded memory."""

from __future__ import annotations

import json
import resource
import struct
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from paths import ROOT
from qemu_sections import device_payload
from system_packages import require, unavailable

from devstate.interp import decode, encode
from devstate.qemu.stream import read_description_json, read_stream
from devstate.qemu.virtio.schemas import STANDARD, schema
from tools import guest, guest_vm, qemu_data

NET, BLK = "0000:00:03.0/virtio-net", "0000:00:04.0/virtio-blk"


@pytest.fixture(scope="session")
def save() -> guest_vm.SavedGuest:
    require("qemu")
    require("guest")
    try:
        return guest_vm.saved_guest(qemu_data.qemu("7.2"))
    except (qemu_data.QemuMissing, guest.GuestMissing, guest_vm.VmError) as error:
        unavailable(str(error))
        raise


def devstate(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "devstate", *map(str, args)], capture_output=True, text=True,
                          cwd=ROOT)


def test_the_stream_reader_finds_the_device_sections(save: guest_vm.SavedGuest) -> None:
    stream = read_stream(save.stream)
    assert stream.configuration is not None and stream.configuration.machine == "pc-i440fx-7.2"
    sections = {s.name: s for s in stream.devices()}
    for name in (NET, BLK):
        start, data = device_payload(save.stream, name)
        assert (sections[name].body, sections[name].body_size) == (start, len(data))
    assert stream.description_offset is not None
    text = json.dumps(read_description_json(save.stream))
    assert stream.description_offset + 5 + len(text) == stream.size  # QEMU's separators, as json.dumps writes


def test_extract_writes_one_blob_per_device_and_reports(save: guest_vm.SavedGuest, tmp_path: Path) -> None:
    result = devstate("qemu", "extract", save.stream, "-o", tmp_path / "out", "--json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["machine"] == "pc-i440fx-7.2"
    devices = {d["section"]: d for d in report["devices"]}
    assert set(devices) == {NET, BLK}
    assert devices[NET]["model"] == "org.virtio.net@1.1" and devices[BLK]["model"] == "org.virtio.blk@1.2"
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["0000-00-03.0_virtio-net.dsf",
                                                                    "0000-00-04.0_virtio-blk.dsf"]
    values = {v["where"]: v for v in devices[NET]["report"]["values"]}
    assert values["virtio-net.promisc"] == {"where": "virtio-net.promisc", "value": "1", "kind": "transformed",
                                            "to": "ctrl.rx_mode", "note": "bit promisc"}
    text = devstate("qemu", "extract", save.stream, "-o", tmp_path / "text")
    assert f"{NET} → " in text.stdout and "standard fields QEMU did not provide: 10" in text.stdout
    max_tx = "derived     rss.max_tx_vq = 2  (QEMU applies max_tx_vq as curr_queue_pairs and does not keep it)"
    assert max_tx in text.stdout
    inspect = devstate("inspect", tmp_path / "out" / "0000-00-03.0_virtio-net.dsf")
    assert inspect.returncode == 0 and "pci:0x1af4" in inspect.stdout


def test_a_property_fills_a_field_qemu_does_not_save(save: guest_vm.SavedGuest, tmp_path: Path) -> None:
    result = devstate("qemu", "extract", save.stream, "-o", tmp_path, "--property",
                      f"{NET}:device-features=0x79bf8fffa7", "--property", "config-generation=3", "--quiet")
    assert result.returncode == 0, result.stderr
    state = decode(schema(STANDARD["virtio-net"]), (tmp_path / "0000-00-03.0_virtio-net.dsf").read_bytes())
    assert state["sections"]["common"]["device_features"] == [0x79BF8FFFA7, 0]
    assert state["sections"]["common"]["config_generation"] == 3
    bad = devstate("qemu", "extract", save.stream, "-o", tmp_path, "--property", "speeed=1")
    assert bad.returncode == 2
    assert bad.stderr.startswith("devstate: error: USAGE: --property speeed=1: unknown property 'speeed'")


def test_a_hostile_stream_is_refused_and_nothing_is_written(save: guest_vm.SavedGuest, tmp_path: Path) -> None:
    start, _ = device_payload(save.stream, NET)
    stream = bytearray(save.stream.read_bytes())
    config_len_at = start + 4 + 256 + 16 + 6 * 16 + 1 + 2 + 8
    assert struct.unpack_from(">I", stream, config_len_at) == (24,)  # sizeof(struct virtio_net_config): RSS offered
    struct.pack_into(">I", stream, config_len_at, 1 << 20)
    hostile = tmp_path / "hostile.mig"
    hostile.write_bytes(bytes(stream))
    result = devstate("qemu", "extract", hostile, "-o", tmp_path / "out")
    assert result.returncode == 1
    assert result.stderr.strip() == (f"devstate: error: QEMU_OUT_OF_RANGE at byte {config_len_at} ({NET}: "
                                     "virtio.config_len): 1048576 bytes; the virtio-net configuration space has 24")
    assert not (tmp_path / "out").exists() or not list((tmp_path / "out").iterdir())
    as_json = json.loads(devstate("qemu", "extract", hostile, "-o", tmp_path / "out", "--json").stdout)
    assert set(as_json) == {"error"}
    assert as_json["error"]["offset"] == config_len_at and as_json["error"]["field"] == f"{NET}: virtio.config_len"


def test_inject_refuses_before_writing(save: guest_vm.SavedGuest, tmp_path: Path) -> None:
    assert devstate("qemu", "extract", save.stream, "-o", tmp_path, "--quiet").returncode == 0
    net = schema(STANDARD["virtio-net"])
    blob = tmp_path / "0000-00-03.0_virtio-net.dsf"
    state = decode(net, blob.read_bytes())
    state["sections"]["config"]["max_virtqueue_pairs"] = 4
    state["sections"]["ctrl"]["curr_queue_pairs"] = 4
    four = tmp_path / "four-pairs.dsf"
    four.write_bytes(encode(net, state))
    result = devstate("qemu", "inject", save.stream, four, "-o", tmp_path / "new.mig")
    assert result.returncode == 1
    assert "QEMU_CANNOT_REPRESENT (config.max_virtqueue_pairs): 4 queue pairs; the device in the stream has 2" \
        in result.stderr
    assert not (tmp_path / "new.mig").exists()
    wrong = devstate("qemu", "inject", save.stream, f"{BLK}={blob}", "-o", tmp_path / "new.mig")
    assert wrong.returncode == 1 and "holds org.virtio.net state for a virtio-blk" in wrong.stderr
    same = devstate("qemu", "inject", save.stream, blob, "-o", save.stream)
    assert same.returncode == 2
    assert same.stderr == f"devstate: error: IO_OUTPUT_IS_INPUT: cannot write '{save.stream}': it is the input file\n"


def test_inject_takes_older_versions_and_names_the_device(save: guest_vm.SavedGuest, tmp_path: Path) -> None:
    assert devstate("qemu", "extract", save.stream, "-o", tmp_path, "--quiet").returncode == 0
    blob = tmp_path / "0000-00-03.0_virtio-net.dsf"
    result = devstate("qemu", "inject", save.stream, f"{NET}={blob}", "-o", tmp_path / "new.mig", "--json")
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "new.mig").read_bytes() == save.stream.read_bytes()
    devices = json.loads(result.stdout)["devices"]
    assert [d["section"] for d in devices] == [NET]


def _peak_rss_kib(*args: str | Path) -> int:
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    code = "import resource, sys; from devstate.cli import main\n" \
           "try:\n    main(sys.argv[1:])\nexcept SystemExit as e:\n    assert not e.code, e.code\n" \
           "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)"
    result = subprocess.run([sys.executable, "-c", code, *map(str, args)], capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    assert resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss >= 0 and before >= 0
    return int(result.stdout.strip().splitlines()[-1])


@pytest.mark.needs("qemu")
def test_a_4_gib_ram_stream_extracts_in_constant_memory(tmp_path: Path) -> None:
    try:
        small, big = qemu_data.stream("7.2", "pc-virtio-net"), qemu_data.stream("7.2", "pc-4g-virtio-net")
    except qemu_data.QemuMissing as error:
        unavailable(str(error))
        raise
    ram = read_stream(big).ram  # 4 GiB of RAM: a million page records read
    assert ram.blocks["pc.ram"] == 4 << 30 and ram.zero_pages + ram.pages == sum(ram.blocks.values()) // 4096
    small_kib = _peak_rss_kib("qemu", "extract", small, "-o", tmp_path / "small", "--quiet")
    big_kib = _peak_rss_kib("qemu", "extract", big, "-o", tmp_path / "big", "--quiet")
    assert big_kib - small_kib < 4096, (small_kib, big_kib)  # the same within 4 MiB (the stream is ~10 MB)
    assert (tmp_path / "big" / "0000-00-02.0_virtio-net.dsf").read_bytes() == \
        (tmp_path / "small" / "0000-00-02.0_virtio-net.dsf").read_bytes()


@pytest.mark.parametrize("release", ["7.2", "10.0"])
def test_a_device_no_driver_has_touched_round_trips(release: str, qemu_stream: Callable[..., Path],
                                                   tmp_path: Path) -> None:
    """A guest paused before it ran negotiated nothing, and QEMU's virtio-net still has its control queue
    (rx, tx, ctrl): extract and inject give QEMU's bytes back."""
    stream = qemu_stream(release, "pc-virtio-net")
    assert devstate("qemu", "extract", stream, "-o", tmp_path, "--quiet").returncode == 0
    [blob] = tmp_path.glob("*_virtio-net.dsf")
    state = decode(schema(STANDARD["virtio-net"]), blob.read_bytes())
    assert (len(state["sections"]["queues"]), state["sections"]["common"]["driver_features"]) == (3, [0, 0])
    result = devstate("qemu", "inject", stream, blob, "-o", tmp_path / "new.mig", "--quiet")
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "new.mig").read_bytes() == stream.read_bytes()
