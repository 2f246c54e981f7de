"""Real QEMU as vendor A: the guest's virtio-net and virtio-blk state through devstate and back into QEMU.

Each test takes the stream of the running test guest (booted once per QEMU release and
saved to a file), moves its devices' state through DSF (and in one case through vendor
B, the Python device of the demo), writes it back with ``devstate qemu inject``, starts a
fresh QEMU with ``-incoming`` and asserts on the guest's own console: its pings to the
host end of the network are answered, the disk pattern it wrote before the save reads
back, a new pattern written after the load reads back, and its NIC still has its queues,
modes, multicast addresses and VLAN.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from paths import ROOT

from devstate.interp import decode
from devstate.qemu.virtio.schemas import STANDARD, schema
from tools import guest_vm, qemu_data

NET, BLK = "0000:00:03.0/virtio-net", "0000:00:04.0/virtio-blk"
DEVSTATE = [sys.executable, "-m", "devstate"]


def devstate(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*DEVSTATE, *map(str, args)], capture_output=True, text=True, cwd=ROOT)


def extract(stream: Path, out: Path) -> dict[str, Path]:
    result = devstate("qemu", "extract", stream, "-o", out, "--json")
    assert result.returncode == 0, result.stderr
    devices = json.loads(result.stdout)["devices"]
    return {d["section"]: Path(d["blob"]) for d in devices}


def inject(stream: Path, blobs: list[Path], out: Path) -> Path:
    result = devstate("qemu", "inject", stream, *blobs, "-o", out)
    assert result.returncode == 0, result.stderr + result.stdout
    return out


def sha(label: str) -> str:
    return hashlib.sha256(guest_vm.disk_pattern(label)).hexdigest()


def check_restored(qemu: qemu_data.Qemu, guest_save: guest_vm.SavedGuest, stream: Path, tmp: Path,
                   resave: Path | None = None) -> dict[str, str]:
    """Restore ``stream`` into ``qemu`` with a copy of the guest's disk; the guest's answers, asserted."""
    disk = guest_save.disk_copy(tmp)
    with guest_vm.Vm(qemu, disk, guest_save.config, incoming=stream) as vm:
        vm.resume()
        answers = {name: vm.answer(name) for name in ("ping", "queues", "filters")}
        answers["disk"] = vm.answer("disk-read 0")
        answers["disk_write"] = vm.answer("disk-write 1 devstate-second")
        if resave is not None:
            vm.save(resave)
    assert answers["ping"].startswith("PING ok"), answers
    assert answers["disk"] == f"DISK off=0 sha256={sha('devstate-first')}"
    assert answers["disk_write"] == f"DISK off=1 sha256={sha('devstate-second')}"
    before = guest_save.how["guest"]
    assert isinstance(before, dict)
    assert answers["queues"] == before["queues"]
    assert answers["filters"] == before["filters"]
    assert "promisc=1 allmulti=1 vlan100=1" in answers["filters"]
    assert "01:00:5e:7f:00:01" in answers["filters"] and "33:33:de:57:a7:e0" in answers["filters"]
    return answers


def standard_sections(blob: Path) -> dict:
    state = decode(schema(STANDARD["virtio-net"]), blob.read_bytes())
    return state["sections"]


@pytest.mark.parametrize("release", ["7.2", "10.0"])
def test_qemu_to_dsf_to_qemu(saved: dict[str, guest_vm.SavedGuest], release: str, tmp_path: Path) -> None:
    """Extract both devices, inject them into the same stream: QEMU's bytes again, and the guest goes on."""
    save = saved[release]
    blobs = extract(save.stream, tmp_path / "blobs")
    assert set(blobs) == {NET, BLK}
    new = inject(save.stream, [blobs[NET], blobs[BLK]], tmp_path / "new.mig")
    assert new.read_bytes() == save.stream.read_bytes()
    check_restored(qemu_data.qemu(release), save, new, tmp_path)


def test_qemu_to_dsf_to_vendor_b_to_dsf_to_qemu(saved: dict[str, guest_vm.SavedGuest], tmp_path: Path) -> None:
    """Vendor B loads QEMU's virtio-net state, shows it, saves it again; QEMU loads the result."""
    save = saved["7.2"]
    blobs = extract(save.stream, tmp_path / "blobs")
    resaved = tmp_path / "pynic.dsf"
    env = {**os.environ, "PYTHONPATH": str(ROOT / "codegen" / "python")}
    result = subprocess.run([sys.executable, "-S", "-m", "vendor_b", "load", str(blobs[NET]), str(resaved)],
                            capture_output=True, text=True, cwd=ROOT / "examples", env=env)
    assert result.returncode == 0, result.stderr
    assert "skipped optional vendor section pci:0x1af4 #1 impl_private" in result.stdout
    assert "rx modes ['allmulti', 'promisc']; vlans [0, 100]; pairs 2/2" in result.stdout
    assert "rss: rss, 6 hash types, 40-byte key, 128-entry table" in result.stdout
    assert standard_sections(resaved) == standard_sections(blobs[NET])  # every standard field equal
    assert decode(schema(STANDARD["virtio-net"]), resaved.read_bytes())["vendor_sections"] == {}
    new = inject(save.stream, [resaved, blobs[BLK]], tmp_path / "new.mig")
    check_restored(qemu_data.qemu("7.2"), save, new, tmp_path)


def test_a_72_stream_through_dsf_into_qemu_100(saved: dict[str, guest_vm.SavedGuest], tmp_path: Path) -> None:
    """QEMU 7.2's guest through DSF, loaded by QEMU 10.0; 10.0 keeps the VLAN table 7.2 saved."""
    save = saved["7.2"]
    blobs = extract(save.stream, tmp_path / "blobs")
    new = inject(save.stream, [blobs[NET], blobs[BLK]], tmp_path / "new.mig")
    again = tmp_path / "again.mig"
    check_restored(qemu_data.qemu("10.0"), save, new, tmp_path, resave=again)
    vlans = standard_sections(extract(again, tmp_path / "again")[NET])["vlan_filter"]
    assert [w * 32 + b for w, word in enumerate(vlans) for b in range(32) if word >> b & 1] == [0, 100]


def test_qemu_72_clears_the_vlan_table_it_loads(saved: dict[str, guest_vm.SavedGuest], tmp_path: Path) -> None:
    """The 7.2 bug (fixed in 8.1) the inject report warns about: the table is empty after 7.2 loads it."""
    save = saved["7.2"]
    again = tmp_path / "again.mig"
    check_restored(qemu_data.qemu("7.2"), save, save.stream, tmp_path, resave=again)
    assert standard_sections(extract(again, tmp_path / "again")[NET])["vlan_filter"] == [0] * 128
