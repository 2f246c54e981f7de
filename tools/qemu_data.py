"""QEMU's own device-state data, made by real QEMU binaries from Debian's packages into the cache.

The tests never read QEMU data from outside the repository: they ask for it here, and it is
made on first use by the QEMU release named, then reused (``.cache/qemu/<release>/``, or under
``$DEVSTATE_CACHE``). Every file gets a ``<file>.how.json`` beside it: QEMU's ``--version``,
the packages, the command line, the size and sha256.

Releases:

- ``7.2``: Debian 12's ``qemu-system-x86`` (installed by ``tools/system-deps --install qemu``).
- ``10.0``: the bookworm-backports build, downloaded and unpacked into the cache (never
  installed); it runs beside 7.2 with its own firmware (``-L``) and modules
  (``QEMU_MODULE_DIR``) and the system's shared libraries.

Data (``python3 tools/qemu_data.py`` makes all of it and prints where it went):

- ``dump_vmstate(release, machine)``: ``qemu-system-x86_64 -machine M -nodefaults -dump-vmstate``.
- ``stream(release, name)``: a migration stream of one of the ``STREAMS`` scenarios, saved
  through QMP ``migrate "exec:cat > FILE"`` from a guest paused before it ever ran (``-S``).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tools import debian
from tools.qmp import Qmp


class QemuMissing(RuntimeError):
    """The QEMU release cannot be run here (not installed, or its packages cannot be fetched)."""


@dataclass(frozen=True)
class Release:
    """Where one QEMU release comes from."""

    name: str
    suite: str
    packages: tuple[str, ...] = ()
    """Packages to unpack into the cache; empty: use the system's installed binary."""


RELEASES = {
    "7.2": Release("7.2", "bookworm"),
    "10.0": Release("10.0", "bookworm-backports", (
        "qemu-system-x86", "qemu-system-common", "qemu-system-data",
        # every module the binary knows must come from the same build, or it refuses the system's 7.2 ones
        "qemu-system-gui", "qemu-system-modules-opengl", "qemu-system-modules-spice",
    )),
}


@dataclass(frozen=True)
class Qemu:
    """A runnable ``qemu-system-x86_64`` of one release."""

    release: str
    binary: Path
    data_dir: Path | None = None
    module_dir: Path | None = None
    packages: tuple[str, ...] = field(default=())

    def argv(self, *args: str) -> list[str]:
        data = ["-L", str(self.data_dir)] if self.data_dir else []
        return [str(self.binary), *data, *args]

    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        if self.module_dir:
            env["QEMU_MODULE_DIR"] = str(self.module_dir)
        return env

    def version(self) -> str:
        result = subprocess.run(self.argv("--version"), capture_output=True, text=True, env=self.env())
        return result.stdout.splitlines()[0] if result.stdout else ""


def _system_qemu(release: Release) -> Qemu:
    binary = shutil.which("qemu-system-x86_64")
    if binary is None:
        raise QemuMissing(f"QEMU {release.name} needs qemu-system-x86: tools/system-deps --install qemu")
    qemu = Qemu(release.name, Path(binary))
    if f"version {release.name}." not in qemu.version():
        raise QemuMissing(f"the system QEMU is {qemu.version()!r}, not {release.name}")
    status = subprocess.run(["dpkg-query", "-W", "-f=${Version}", "qemu-system-x86"], capture_output=True, text=True)
    return Qemu(release.name, Path(binary), packages=(f"qemu-system-x86={status.stdout.strip()}",))


def _unpacked_qemu(release: Release) -> Qemu:
    try:
        root = debian.unpacked(release.suite, release.packages, f"qemu-{release.name}")
    except (debian.DebianError, FileNotFoundError) as error:
        raise QemuMissing(f"QEMU {release.name} from {release.suite}: {error}") from error
    versions = tuple((root.parent / "versions").read_text().split())
    return Qemu(release.name, root / "usr/bin/qemu-system-x86_64", root / "usr/share/qemu",
                root / "usr/lib/x86_64-linux-gnu/qemu", versions)


def qemu(name: str) -> Qemu:
    """The QEMU release called ``name`` (a key of ``RELEASES``), fetched into the cache if need be."""
    release = RELEASES[name]
    return _unpacked_qemu(release) if release.packages else _system_qemu(release)


def _release_dir(name: str) -> Path:
    return debian.cache_dir() / "qemu" / name


def _record(path: Path, qemu: Qemu, argv: Sequence[str]) -> None:
    data = path.read_bytes()
    how = {
        "qemu": qemu.version(),
        "packages": list(qemu.packages),
        "argv": [os.path.basename(argv[0]), *argv[1:]],
        "bytes": len(data),
        "sha256": hashlib.sha256(data).hexdigest(),
    }
    path.with_name(path.name + ".how.json").write_text(json.dumps(how, indent=2) + "\n")


def _made_once(path: Path) -> bool:
    return path.exists() and path.with_name(path.name + ".how.json").exists()


def dump_vmstate(release: str, machine: str = "pc") -> Path:
    """``-dump-vmstate`` of ``machine`` by QEMU ``release``: every migratable device type's VMState."""
    path = _release_dir(release) / f"qemu-{release}-{machine}.json"
    with debian.locked(path.with_suffix(".lock")):
        if not _made_once(path):
            q = qemu(release)
            path.parent.mkdir(parents=True, exist_ok=True)
            with tempfile.TemporaryDirectory(dir=path.parent) as scratch:  # same file system: os.replace
                out = Path(scratch) / path.name
                argv = q.argv("-machine", machine, "-nodefaults", "-dump-vmstate", str(out))
                result = subprocess.run(argv, capture_output=True, text=True, env=q.env(), timeout=120)
                if result.returncode != 0 or not out.exists() or out.stat().st_size == 0:
                    raise QemuMissing(f"{' '.join(argv)} failed: {result.stderr.strip()[-2000:]}")
                os.replace(out, path)
            _record(path, q, argv)
    return path


STREAMS: dict[str, tuple[str, ...]] = {
    "pc-virtio-net": ("-machine", "pc", "-nodefaults", "-m", "16", "-device", "virtio-net-pci"),
    "pc-4g-virtio-net": ("-machine", "pc", "-nodefaults", "-m", "4096", "-device", "virtio-net-pci"),
}
"""Stream scenarios: the QEMU arguments of a guest that is paused (``-S``) and migrated to a file."""


def save_stream(q: Qemu, args: Sequence[str], out: Path, timeout: float = 120.0) -> list[str]:
    """Start QEMU paused with ``args``, migrate it to ``out`` through QMP, quit; returns the argv."""
    with tempfile.TemporaryDirectory() as scratch:
        sock = Path(scratch) / "qmp.sock"
        argv = q.argv(*args, "-display", "none", "-S", "-qmp", f"unix:{sock},server=on,wait=off")
        process = subprocess.Popen(argv, env=q.env(), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                   stderr=subprocess.STDOUT)
        try:
            qmp = Qmp(sock, timeout=timeout)
            qmp.execute("migrate", uri=f"exec:cat > {out}")
            qmp.wait_for_migration(timeout)
            qmp.execute("quit")
            qmp.close()
            process.wait(timeout)
        except Exception as error:
            process.kill()
            output = process.communicate()[0].decode(errors="replace")
            raise QemuMissing(f"{' '.join(argv)}: {error}; QEMU printed: {output.strip()[-2000:]}") from error
    return argv


def stream(release: str, name: str = "pc-virtio-net") -> Path:
    """The migration stream of scenario ``name`` (a key of ``STREAMS``) saved by QEMU ``release``."""
    path = _release_dir(release) / f"stream-{release}-{name}.bin"
    with debian.locked(path.with_suffix(".lock")):
        if not _made_once(path):
            q = qemu(release)
            path.parent.mkdir(parents=True, exist_ok=True)
            partial = path.with_suffix(".partial")
            argv = save_stream(q, STREAMS[name], partial)
            os.replace(partial, path)
            _record(path, q, argv)
    return path


def main() -> int:
    for release in RELEASES:
        try:
            for machine in ("pc", "q35"):
                print(dump_vmstate(release, machine))
            for name in STREAMS:
                print(stream(release, name))
        except QemuMissing as error:
            print(f"QEMU {release}: {error}", file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
