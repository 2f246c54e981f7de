"""Run the test guest (``tools/guest.py``) under QEMU TCG: boot, talk to it, migrate it to a file, restore it.

The VM: machine ``pc-i440fx-7.2`` (which QEMU 7.2 and 10.0 both load), 128 MiB, two vCPUs,
a virtio-net NIC and a virtio-blk disk (a raw image file shared by the saving and the
restoring QEMU, as storage is in a real migration). Its serial console is QEMU's stdio: the
guest's ``GUEST-…`` lines are collected by a reader thread and commands are written to it.

Networks:

- ``tap`` (the default when running as root): QEMU runs in a private network namespace
  (``unshare --net``) with a multi-queue tap (two queue pairs, ``mq=on``) whose host end
  has ``10.0.3.1``, a fixed MAC (a random one leaves the guest's ARP entry stale after
  restoring into a new namespace) and answers the guest's pings. Every QEMU gets a new
  namespace, so saving and restoring VMs never meet.
- ``user``: QEMU's user-mode network (one queue pair, ``mq`` offers nothing); the guest
  pings the user-mode gateway ``10.0.2.2``.

Migration: ``stop``, QMP ``migrate`` to ``exec:cat > FILE``, poll ``query-migrate``; restore
with ``-incoming "exec:cat FILE"`` and ``-S``, then ``cont``.
"""

from __future__ import annotations

import hashlib
import json
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tools import debian, guest
from tools.qemu_data import Qemu
from tools.qmp import Qmp, QmpError

MACHINE = "pc-i440fx-7.2"
GUEST_MAC = "52:54:00:de:57:02"
TAP_MAC = "52:54:00:de:57:01"
DISK_BYTES = 8 << 20


class VmError(RuntimeError):
    """QEMU failed or the guest did not answer; the message ends with the guest's last console lines."""


@dataclass(frozen=True)
class VmConfig:
    """How the test VM is put together."""

    net: str = "tap"
    """``tap`` (multi-queue, in a private network namespace; needs root) or ``user``."""
    queues: int = 2
    cpus: int = 2
    memory_mib: int = 128
    machine: str = MACHINE
    nic: tuple[str, ...] = ("rss=on", "hash=on")
    """Extra ``-device virtio-net-pci`` properties (``key=value``): by default receive-side scaling and hash
    reports (QEMU falls back to its software RSS without the privileges for eBPF), which the guest configures."""

    @property
    def address(self) -> str:
        return "10.0.3.15/24" if self.net == "tap" else "10.0.2.15/24"

    @property
    def peer(self) -> str:
        return "10.0.3.1" if self.net == "tap" else "10.0.2.2"


def default_net() -> str:
    """``tap`` when this process may make network namespaces and taps (root, /dev/net/tun), else ``user``."""
    return "tap" if os.geteuid() == 0 and os.path.exists("/dev/net/tun") else "user"


def make_disk(path: Path) -> Path:
    """A sparse raw disk image of ``DISK_BYTES`` zero bytes."""
    with path.open("wb") as image:
        image.truncate(DISK_BYTES)
    return path


def disk_pattern(label: str) -> bytes:
    """The 1 MiB the guest writes for ``label`` (``yes LABEL | head -c 1048576``)."""
    line = f"{label}\n".encode()
    return (line * (1048576 // len(line) + 1))[:1048576]


_TAP_SCRIPT = f"""set -e
ip link set lo up
ip tuntap add dev tap0 mode tap multi_queue
ip link set tap0 address {TAP_MAC}
ip addr add 10.0.3.1/24 dev tap0
ip link set tap0 up
exec "$@"
"""


@dataclass
class Vm:
    """One QEMU process running the test guest (fresh, or restoring a saved stream)."""

    qemu: Qemu
    disk: Path
    config: VmConfig = field(default_factory=VmConfig)
    incoming: Path | None = None
    lines: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._scratch = tempfile.TemporaryDirectory(prefix="devstate-vm-")
        self._socket = Path(self._scratch.name) / "qmp.sock"
        self._changed = threading.Condition()
        self._seen = 0
        self.process: subprocess.Popen[bytes] | None = None
        self.qmp: Qmp | None = None

    # --- the QEMU command line ------------------------------------------------------------

    def qemu_args(self) -> list[str]:
        kernel = guest.kernel()
        c = self.config
        append = f"console=ttyS0 quiet loglevel=1 panic=-1 guest_ip={c.address} guest_peer={c.peer}"
        args = [
            "-machine", f"{c.machine},accel=tcg", "-m", str(c.memory_mib), "-smp", str(c.cpus),
            "-nodefaults", "-no-user-config", "-display", "none", "-no-reboot", "-serial", "stdio",
            "-kernel", str(kernel.vmlinuz), "-initrd", str(guest.initramfs()), "-append", append,
            "-qmp", f"unix:{self._socket},server=on,wait=off",
            "-drive", f"file={self.disk},if=none,format=raw,id=disk0",
            "-device", "virtio-blk-pci,drive=disk0,id=blk0,addr=0x4",
            *self._net_args(),
        ]
        if self.incoming is not None:
            args += ["-S", "-incoming", f"exec:cat {shlex.quote(str(self.incoming))}"]
        return args

    def _net_args(self) -> list[str]:
        c = self.config
        nic = f"virtio-net-pci,netdev=net0,id=nic0,addr=0x3,mac={GUEST_MAC}"
        if c.net == "tap":
            netdev = f"tap,id=net0,ifname=tap0,script=no,downscript=no,vhost=off,queues={c.queues}"
            nic += f",mq=on,vectors={2 * c.queues + 2}"
        else:
            netdev = "user,id=net0"
        return ["-netdev", netdev, "-device", ",".join((nic, *c.nic))]

    def argv(self) -> list[str]:
        argv = self.qemu.argv(*self.qemu_args())
        if self.config.net == "tap":
            return ["unshare", "--net", "--", "sh", "-c", _TAP_SCRIPT, "sh", *argv]
        return argv

    # --- running ---------------------------------------------------------------------------

    def start(self, timeout: float = 30.0) -> Vm:
        self.process = subprocess.Popen(self.argv(), env=self.qemu.env(), stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        threading.Thread(target=self._read_console, daemon=True).start()
        try:
            self.qmp = Qmp(self._socket, timeout=timeout)
        except QmpError as error:
            self.kill()
            raise VmError(self._failure(f"QEMU did not start: {error}")) from error
        return self

    def _read_console(self) -> None:
        assert self.process is not None and self.process.stdout is not None
        for raw in self.process.stdout:
            with self._changed:
                self.lines.append(raw.decode(errors="replace").rstrip("\r\n"))
                self._changed.notify_all()
        with self._changed:
            self._changed.notify_all()

    def _failure(self, message: str) -> str:
        tail = "\n".join(f"  | {line}" for line in self.lines[-25:])
        return f"{message}\n{shlex.join(self.argv())}\nconsole:\n{tail}"

    def wait_for(self, prefix: str, timeout: float = 60.0) -> str:
        """The next console line (after those already consumed) starting with ``prefix``."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                for index in range(self._seen, len(self.lines)):
                    if self.lines[index].startswith(prefix):
                        self._seen = index + 1
                        return self.lines[index]
                    if self.lines[index].startswith("GUEST-ERROR"):
                        raise VmError(self._failure(f"the guest reported {self.lines[index]!r}"))
                left = deadline - time.monotonic()
                if left <= 0 or (self.process is not None and self.process.poll() is not None):
                    state = "no answer" if left <= 0 else f"QEMU exited ({self.process.returncode})"  # type: ignore[union-attr]
                    raise VmError(self._failure(f"waiting for {prefix!r}: {state}"))
                self._changed.wait(min(left, 0.5))

    def command(self, text: str, timeout: float = 60.0) -> list[str]:
        """Send one guest command; its ``GUEST-`` answer lines (without ``GUEST-DONE``)."""
        assert self.process is not None and self.process.stdin is not None
        start = len(self.lines)
        self.process.stdin.write(text.encode() + b"\n")
        self.process.stdin.flush()
        self.wait_for(f"GUEST-DONE {text.split()[0]}", timeout)
        with self._changed:
            answer = self.lines[start:self._seen - 1]
        return [line.removeprefix("GUEST-") for line in answer if line.startswith("GUEST-")]

    def answer(self, text: str, timeout: float = 60.0) -> str:
        """The single answer line of a guest command."""
        lines = self.command(text, timeout)
        if len(lines) != 1:
            raise VmError(self._failure(f"{text!r}: expected one answer line, got {lines}"))
        return lines[0]

    def execute(self, command: str, **arguments: object) -> object:
        assert self.qmp is not None
        try:
            return self.qmp.execute(command, **arguments)
        except QmpError as error:
            raise VmError(self._failure(f"QMP {command}: {error}")) from error

    def save(self, path: Path, timeout: float = 120.0) -> float:
        """Stop the guest and migrate it to ``path``; the seconds the migration took."""
        self.execute("stop")
        start = time.monotonic()
        self.execute("migrate", uri=f"exec:cat > {shlex.quote(str(path))}")
        assert self.qmp is not None
        try:
            self.qmp.wait_for_migration(timeout)
        except QmpError as error:
            raise VmError(self._failure(str(error))) from error
        return time.monotonic() - start

    def resume(self, timeout: float = 120.0) -> float:
        """Wait for the incoming migration to be loaded, then ``cont``; the seconds the load took."""
        start = time.monotonic()
        deadline = start + timeout
        while True:
            status = self.execute("query-status")
            assert isinstance(status, dict)
            if status.get("status") != "inmigrate":
                break
            if time.monotonic() > deadline:
                raise VmError(self._failure("the incoming migration did not finish"))
            time.sleep(0.02)
        loaded = time.monotonic() - start
        migration = self.execute("query-migrate")
        if isinstance(migration, dict) and migration.get("status") == "failed":
            raise VmError(self._failure(f"QEMU refused the stream: {migration.get('error-desc')}"))
        if status.get("status") not in ("paused", "prelaunch", "postmigrate", "running"):
            raise VmError(self._failure(f"after loading the stream QEMU is {status.get('status')}"))
        self.execute("cont")
        return loaded

    def wait_exit(self, timeout: float = 30.0) -> int:
        assert self.process is not None
        try:
            return self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            raise VmError(self._failure(f"QEMU still running after {timeout} s")) from None

    def quit(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        try:
            self.execute("quit")
            self.process.wait(15)
        except (VmError, subprocess.TimeoutExpired):
            self.kill()

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()

    def close(self) -> None:
        self.quit()
        if self.qmp is not None:
            self.qmp.close()
        self._scratch.cleanup()

    def __enter__(self) -> Vm:
        return self.start()

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self.close()


def boot_and_save(qemu: Qemu, disk: Path, stream: Path, config: VmConfig,
                  boot_timeout: float = 120.0) -> dict[str, object]:
    """Boot the guest, check it once, migrate it to ``stream``; what it reported and the times."""
    started = time.monotonic()
    with Vm(qemu, disk, config) as vm:
        vm.wait_for("GUEST-READY", boot_timeout)
        booted = time.monotonic() - started
        report = {name: vm.answer(name) for name in ("ping", "queues", "features", "filters")}
        report["disk"] = vm.answer("disk-read 0")
        seconds = vm.save(stream)
    return {"boot_seconds": booted, "save_seconds": seconds, "guest": report}


def restore_and_check(qemu: Qemu, disk: Path, stream: Path, config: VmConfig,
                      label: str = "devstate-second") -> dict[str, object]:
    """Restore ``stream`` in a fresh QEMU and ask the guest to go on: ping, read the disk, write to it."""
    with Vm(qemu, disk, config, incoming=stream) as vm:
        loaded = vm.resume()
        resumed = time.monotonic()
        report = {"ping": vm.answer("ping")}
        report["ping_seconds"] = f"{time.monotonic() - resumed:.2f}"
        for name in ("queues", "features", "filters"):
            report[name] = vm.answer(name)
        report["disk"] = vm.answer("disk-read 0")
        report["disk_write"] = vm.answer(f"disk-write 1 {label}")
    return {"load_seconds": loaded, "guest": report}


@dataclass(frozen=True)
class SavedGuest:
    """A guest saved to a migration stream, with its disk image and what it reported before the save."""

    release: str
    stream: Path
    disk: Path
    config: VmConfig
    how: dict[str, object]

    def disk_copy(self, into: Path) -> Path:
        """A private copy of the disk as it was at the save (restores write to their disk)."""
        copy = into / "disk.img"
        shutil.copyfile(self.disk, copy)
        return copy


def saved_guest(qemu: Qemu, config: VmConfig | None = None) -> SavedGuest:
    """The test guest booted, checked and saved by ``qemu`` (made once into ``cache/guest/streams/``, then reused)."""
    config = config or VmConfig(net=default_net())
    key = hashlib.sha256(json.dumps([qemu.version(), guest.kernel().version, guest.initramfs().name,
                                     repr(config)]).encode()).hexdigest()[:12]
    folder = debian.cache_dir() / "guest" / "streams" / f"{qemu.release}-{config.net}-{key}"
    how_path = folder / "stream.bin.how.json"
    with debian.locked(folder.with_suffix(".lock")):
        if not how_path.exists():
            folder.mkdir(parents=True, exist_ok=True)
            disk = make_disk(folder / "disk.img")
            saved = boot_and_save(qemu, disk, folder / "stream.partial", config)
            os.replace(folder / "stream.partial", folder / "stream.bin")
            how = {"qemu": qemu.version(), "packages": list(qemu.packages), "kernel": guest.kernel().version,
                   "initramfs": guest.initramfs().name, "config": repr(config),
                   "bytes": (folder / "stream.bin").stat().st_size, **saved}
            how_path.write_text(json.dumps(how, indent=2) + "\n")
    how = json.loads(how_path.read_text())
    return SavedGuest(qemu.release, folder / "stream.bin", folder / "disk.img", config, how)


def main(argv: Sequence[str] | None = None) -> int:
    """Boot, save, restore and check once with QEMU 7.2, printing what the guest said and the times."""
    from tools import qemu_data

    release = (argv or sys.argv[1:] or ["7.2"])[0]
    q = qemu_data.qemu(release)
    config = VmConfig(net=default_net())
    with tempfile.TemporaryDirectory(dir=debian.cache_dir()) as scratch:
        disk = make_disk(Path(scratch) / "disk.img")
        stream = Path(scratch) / "stream.bin"
        saved = boot_and_save(q, disk, stream, config)
        saved["stream_bytes"] = stream.stat().st_size
        restored = restore_and_check(q, disk, stream, config)
    print(json.dumps({"release": release, "net": config.net, "saved": saved, "restored": restored}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
