"""A small Linux guest for QEMU: Debian's kernel, its virtio modules and a busybox initramfs.

Everything comes from Debian's packages, and is made into the cache (``.cache/guest/``, or
under ``$DEVSTATE_CACHE``), never committed:

- ``kernel()``: the kernel image that ``linux-image-amd64`` of bookworm depends on, downloaded
  with a private apt configuration (``tools/debian.py``) and never installed; only
  ``vmlinuz`` and the modules the guest loads (virtio_pci, virtio_net, virtio_blk, 8021q and
  what they depend on, found from each module's ``.modinfo``) are kept.
- ``initramfs()``: a ``newc`` cpio archive with the system's ``busybox`` (busybox-static),
  iproute2's ``ip`` and ``bridge`` and ``ethtool`` with their shared libraries, those
  modules, and ``guest/init`` as ``/init``. Busybox's own ``ip`` lacks ``allmulticast``,
  ``link add … type vlan`` and ``maddr``, hence iproute2's.

What the guest does is ``tools/guest/init`` (a shell script): it loads the modules, brings
the NIC up with the real Linux virtio-net driver using the control queue (multiqueue,
promiscuous and all-multicast modes, multicast and unicast MAC filter entries, a VLAN,
receive offloads turned off), writes a known pattern to the virtio-blk disk, then prints
``GUEST-READY`` on the serial console and answers commands read from it (see the script).

``python3 tools/guest.py`` makes both and prints where they are.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import struct
import subprocess
import sys
import tarfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tools import debian

SUITE = "bookworm"
KERNEL_META = "linux-image-amd64"
MODULES = ("virtio_pci", "virtio_net", "virtio_blk", "8021q")
"""The modules the guest loads; their dependencies are added from the modules' own metadata."""
PROGRAMS = ("/usr/sbin/ip", "/usr/sbin/bridge", "/usr/sbin/ethtool")
"""iproute2's and ethtool's programs copied into the guest with their shared libraries."""
BUSYBOX = "/bin/busybox"
INIT = Path(__file__).resolve().parent / "guest" / "init"


class GuestMissing(RuntimeError):
    """A piece of the guest cannot be made here (a package cannot be fetched, a program is missing)."""


@dataclass(frozen=True)
class Kernel:
    """A kernel image and the modules the guest loads, in load order."""

    folder: Path
    version: str
    """The Debian package, as ``name=version``."""

    @property
    def vmlinuz(self) -> Path:
        return self.folder / "vmlinuz"

    @property
    def modules(self) -> list[Path]:
        names = (self.folder / "modules.order").read_text().split()
        return [self.folder / "modules" / f"{name}.ko" for name in names]


# --- the kernel package ------------------------------------------------------------------


def _kernel_package(apt: debian.Apt) -> str:
    """The versioned kernel package (``linux-image-6.1.0-N-amd64``) the meta-package depends on."""
    apt.update()
    result = subprocess.run(["apt-cache", *apt.options(), "depends", KERNEL_META], capture_output=True, text=True)
    for line in result.stdout.splitlines():
        key, _, value = line.strip().partition(": ")
        if key == "Depends" and value.startswith("linux-image-"):
            return value.strip()
    raise GuestMissing(f"apt-cache depends {KERNEL_META} in {SUITE} names no kernel image: {result.stderr.strip()}")


def modinfo_depends(ko: bytes) -> list[str]:
    """The ``depends=`` entry of a kernel module's ``.modinfo`` ELF section (names, maybe empty)."""
    if ko[:4] != b"\x7fELF" or ko[4] != 2:
        raise GuestMissing("not a 64-bit ELF kernel module")
    shoff, = struct.unpack_from("<Q", ko, 0x28)
    shentsize, shnum, shstrndx = struct.unpack_from("<HHH", ko, 0x3A)

    def section(index: int) -> tuple[int, int, int]:
        name, _, _, _, offset, size = struct.unpack_from("<IIQQQQ", ko, shoff + index * shentsize)
        return name, offset, size

    _, names_at, _ = section(shstrndx)
    for index in range(shnum):
        name, offset, size = section(index)
        if ko[names_at + name:ko.index(b"\0", names_at + name)] == b".modinfo":
            for entry in ko[offset:offset + size].split(b"\0"):
                if entry.startswith(b"depends="):
                    return [dep for dep in entry[8:].decode().split(",") if dep]
            return []
    raise GuestMissing("kernel module without a .modinfo section")


def _module_name(path: str) -> str:
    return Path(path).name.removesuffix(".ko").replace("-", "_")


def load_order(wanted: Iterable[str], depends: dict[str, list[str]]) -> list[str]:
    """``wanted`` and everything they depend on, each after its dependencies."""
    order: list[str] = []

    def visit(name: str, chain: tuple[str, ...]) -> None:
        if name in order:
            return
        if name in chain:
            raise GuestMissing(f"module dependency cycle: {' -> '.join((*chain, name))}")
        if name not in depends:
            raise GuestMissing(f"module {name} is not in the kernel package")
        for dep in depends[name]:
            visit(dep, (*chain, name))
        order.append(name)

    for name in wanted:
        visit(name, ())
    return order


def _extract_kernel(deb: Path, into: Path) -> list[str]:
    """vmlinuz and every module of ``deb`` into ``into``; returns the modules in load order."""
    tar = subprocess.Popen(["dpkg-deb", "--fsys-tarfile", str(deb)], stdout=subprocess.PIPE)
    assert tar.stdout is not None
    modules: dict[str, bytes] = {}
    with tarfile.open(fileobj=tar.stdout, mode="r|") as archive:
        for member in archive:
            if member.isfile() and member.name.startswith("./boot/vmlinuz-"):
                (into / "vmlinuz").write_bytes(_read(archive, member))
            elif member.isfile() and member.name.endswith(".ko") and "/kernel/" in member.name:
                modules[_module_name(member.name)] = _read(archive, member)
    if tar.wait() != 0 or not (into / "vmlinuz").exists():
        raise GuestMissing(f"{deb.name}: no kernel image (dpkg-deb exit {tar.returncode})")
    order = load_order(MODULES, {name: modinfo_depends(data) for name, data in modules.items()})
    (into / "modules").mkdir()
    for name in order:
        (into / "modules" / f"{name}.ko").write_bytes(modules[name])
    return order


def _read(archive: tarfile.TarFile, member: tarfile.TarInfo) -> bytes:
    handle = archive.extractfile(member)
    assert handle is not None
    return handle.read()


def kernel() -> Kernel:
    """Debian's kernel and the guest's modules, made once into ``cache/guest/kernel``."""
    folder = debian.cache_dir() / "guest" / "kernel"
    with debian.locked(folder.with_suffix(".lock")):
        if not (folder / "modules.order").exists():
            _make_kernel(folder)
    return Kernel(folder, (folder / "version").read_text().strip())


def _make_kernel(folder: Path) -> None:
    try:
        with debian.staged(folder, "kernel") as staging:
            apt = debian.Apt(SUITE)
            package = _kernel_package(apt)
            debs = apt.download([package], staging / "debs")
            order = _extract_kernel(debs[0], staging)
            (staging / "version").write_text(debian.package_version(debs[0]) + "\n")
            (staging / "modules.order").write_text("\n".join(order) + "\n")
            shutil.rmtree(staging / "debs")
            staging.chmod(0o755)
    except debian.DebianError as error:
        raise GuestMissing(f"the kernel from {SUITE}: {error}") from error


# --- the initramfs -----------------------------------------------------------------------


def shared_libraries(program: str) -> list[str]:
    """The shared libraries ``program`` loads (ldd), the dynamic loader included."""
    result = subprocess.run(["ldd", program], capture_output=True, text=True)
    if result.returncode != 0:
        raise GuestMissing(f"ldd {program}: {result.stderr.strip() or result.stdout.strip()}")
    libraries = []
    for line in result.stdout.splitlines():
        parts = line.split()
        if "=>" in parts and len(parts) > parts.index("=>") + 1 and parts[parts.index("=>") + 1].startswith("/"):
            libraries.append(parts[parts.index("=>") + 1])
        elif parts and parts[0].startswith("/"):
            libraries.append(parts[0])
    return libraries


def guest_files(kernel: Kernel) -> dict[str, Path]:
    """Path in the guest → file on this machine, for every file of the initramfs."""
    missing = [path for path in (BUSYBOX, *PROGRAMS) if not os.path.exists(path)]
    if missing:
        raise GuestMissing(f"no {', '.join(missing)}: tools/system-deps --install guest")
    files = {"/init": INIT, "/bin/busybox": Path(BUSYBOX)}
    for program in PROGRAMS:
        files[program] = Path(program)
        for library in shared_libraries(program):
            files[library] = Path(library)
    for module in kernel.modules:
        files[f"/lib/modules/{module.name}"] = module
    files["/lib/modules/order"] = kernel.folder / "modules.order"
    return files


DIRECTORIES = ("/bin", "/dev", "/proc", "/sys", "/tmp", "/lib", "/lib/modules", "/lib64", "/lib/x86_64-linux-gnu",
               "/usr", "/usr/lib", "/usr/lib/x86_64-linux-gnu", "/usr/sbin", "/mnt")


def cpio_newc(files: dict[str, Path], directories: Iterable[str] = DIRECTORIES) -> Iterator[bytes]:
    """A ``newc`` cpio archive (what the kernel unpacks as an initramfs): directories, then files."""
    inode = 1
    for directory in directories:
        yield _cpio_entry(directory.lstrip("/"), 0o040755, b"", inode)
        inode += 1
    for name, path in sorted(files.items()):
        mode = 0o100755 if os.access(path, os.X_OK) else 0o100644
        yield _cpio_entry(name.lstrip("/"), mode, path.read_bytes(), inode)
        inode += 1
    yield _cpio_entry("TRAILER!!!", 0, b"", 0)


def _cpio_entry(name: str, mode: int, data: bytes, inode: int) -> bytes:
    encoded = name.encode() + b"\0"
    fields = (inode, mode, 0, 0, 1, 0, len(data), 0, 0, 0, 0, len(encoded), 0)
    header = b"070701" + b"".join(b"%08x" % value for value in fields)
    out = header + encoded
    out += b"\0" * (-len(out) % 4) + data
    return out + b"\0" * (-len(out) % 4)


def initramfs() -> Path:
    """The guest's initramfs (made once per content: the kernel, the programs and the init script)."""
    k = kernel()
    files = guest_files(k)
    digest = hashlib.sha256()
    for name, path in sorted(files.items()):
        digest.update(f"{name}\0{path.stat().st_size}\0".encode())
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    path = debian.cache_dir() / "guest" / f"initramfs-{digest.hexdigest()[:16]}.cpio"
    with debian.locked(path.with_suffix(".lock")):
        if not path.exists():
            partial = path.with_suffix(".partial")
            with partial.open("wb") as out:
                for chunk in cpio_newc(files):
                    out.write(chunk)
            os.replace(partial, path)
    return path


def main() -> int:
    try:
        k = kernel()
        print(f"kernel: {k.vmlinuz} ({k.version}; modules: {', '.join(m.stem for m in k.modules)})")
        print(f"initramfs: {initramfs()}")
    except (GuestMissing, debian.DebianError) as error:
        print(f"guest: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
