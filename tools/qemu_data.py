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
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tools import debian
from tools.qmp import Qmp, QmpError


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


def _vm(machine: str, *devices: str, memory: str = "16") -> tuple[str, ...]:
    return ("-machine", machine, "-nodefaults", "-m", memory, *(a for d in devices for a in ("-device", d)))


STREAMS: dict[str, tuple[str, ...]] = {
    "pc-virtio-net": _vm("pc", "virtio-net-pci"),
    "pc-4g-virtio-net": _vm("pc", "virtio-net-pci", memory="4096"),
    "q35-virtio-net": _vm("q35", "virtio-net-pci"),
    # e1000 sends three subsections (mit_state, full_mac_state, tx_tso_state) even from a guest that never ran
    "pc-e1000": _vm("pc", "e1000"),
    # the new binary with the old machine type (saved by 10.0 for 7.2)
    "pc-i440fx-7.2-virtio-net": _vm("pc-i440fx-7.2", "virtio-net-pci"),
    "pc-i440fx-7.2-e1000": _vm("pc-i440fx-7.2", "e1000"),
    "pc-q35-7.2-virtio-net": _vm("pc-q35-7.2", "virtio-net-pci"),
    # devices where QEMU's checker and devstate disagree (spec/qemu-vmstate.md, "Differences")
    "pc-am53c974": _vm("pc", "am53c974"),
    "pc-i440fx-7.2-am53c974": _vm("pc-i440fx-7.2", "am53c974"),
    "pc-e1000e": _vm("pc", "e1000e"),
    "pc-i440fx-7.2-e1000e": _vm("pc-i440fx-7.2", "e1000e"),
    "pc-serial": ("-machine", "pc", "-nodefaults", "-m", "16", "-serial", "null"),
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


# --- QEMU's own checker -------------------------------------------------------------------

CHECKER_SUITE = "trixie"
"""Where QEMU's ``scripts/vmstate-static-checker.py`` comes from: Debian 13's ``qemu`` source
package (10.0.x, the release line of the 10.0 binary; bookworm-backports publishes the binary
packages, and its source is not always on the mirror)."""
CHECKER = "scripts/vmstate-static-checker.py"
CHECKER_DATA = "tests/vmstate-static-checker-data"


def qemu_source() -> Path:
    """QEMU's checker and its test data, from Debian's ``qemu`` source package (``apt-get source``
    with a private deb-src configuration), in the cache; a ``source`` file beside it names the
    package version."""
    try:
        return debian.source_files(CHECKER_SUITE, "qemu", (CHECKER, CHECKER_DATA), f"qemu-source-{CHECKER_SUITE}")
    except (debian.DebianError, FileNotFoundError, subprocess.CalledProcessError) as error:
        raise QemuMissing(f"QEMU's source package from {CHECKER_SUITE}: {error}") from error


def qemu_source_version() -> str:
    """``qemu=1:10.0.13+ds-0+deb13u1 (trixie)``: the source package the checker came from."""
    return (qemu_source().parent / "source").read_text().strip()


@dataclass(frozen=True)
class CheckerRun:
    """One run of QEMU's ``vmstate-static-checker.py -s SRC -d DEST``."""

    exit_code: int
    """The number of errors it counted (capped at 255 by the script)."""
    lines: tuple[str, ...]
    """What it printed: one line per finding, plus warnings (``Warning: ...``)."""
    seconds: float

    @property
    def findings(self) -> tuple[str, ...]:
        return tuple(line for line in self.lines if not line.startswith("Warning:"))


def run_checker(src: Path, dest: Path, reverse: bool = False) -> CheckerRun:
    """Run QEMU's checker on two ``-dump-vmstate`` files with this Python."""
    argv = [sys.executable, str(qemu_source() / CHECKER), "-s", str(src), "-d", str(dest)]
    if reverse:
        argv.append("--reverse")
    start = time.monotonic()
    result = subprocess.run(argv, capture_output=True, text=True, timeout=300)
    seconds = time.monotonic() - start
    if result.returncode != 0 and not result.stdout:
        raise QemuMissing(f"{' '.join(argv)} failed ({result.returncode}): {result.stderr.strip()[-2000:]}")
    return CheckerRun(result.returncode, tuple(result.stdout.splitlines()), seconds)


# --- QEMU's loader as the oracle ----------------------------------------------------------


@dataclass(frozen=True)
class Loaded:
    """What a destination QEMU did with an incoming stream (``-incoming "exec:cat FILE"``)."""

    loaded: bool
    """True: the migration completed (``query-migrate`` says ``completed``); False: QEMU refused it."""
    errors: tuple[str, ...]
    """QEMU's error lines (``qemu-system-x86_64: `` and warnings left out), in the order printed."""
    argv: tuple[str, ...]


def _error_lines(output: str) -> tuple[str, ...]:
    lines = []
    for line in output.splitlines():
        text = line.split(": ", 1)[1] if line.startswith("qemu-system-x86_64: ") else line
        if text.strip() and not text.startswith("warning:") and "terminating on signal" not in text:
            lines.append(text.strip())
    return tuple(lines)


def run_incoming(q: Qemu, args: Sequence[str], stream_path: Path, timeout: float = 60.0) -> Loaded:
    """Start QEMU with ``args`` waiting for ``stream_path`` as an incoming migration; did it load?

    The destination is started paused (``-S``); QEMU exits with an error when it refuses the
    stream, and otherwise ``query-migrate`` turns ``completed``. It is quit either way.
    """
    with tempfile.TemporaryDirectory() as scratch:
        sock = Path(scratch) / "qmp.sock"
        argv = q.argv(*args, "-display", "none", "-S", "-incoming", f"exec:cat {shlex.quote(str(stream_path))}",
                      "-qmp", f"unix:{sock},server=on,wait=off")
        process = subprocess.Popen(argv, env=q.env(), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                   stderr=subprocess.STDOUT)
        try:
            status = _incoming_status(sock, process, timeout)
        finally:
            if process.poll() is None:
                process.kill()
            output = process.communicate()[0].decode(errors="replace")
    if status == "completed":
        return Loaded(True, (), tuple(argv))
    errors = _error_lines(output)
    if not errors:
        raise QemuMissing(f"{' '.join(argv)}: migration {status} without a reason; QEMU printed: {output[-2000:]}")
    return Loaded(False, errors, tuple(argv))


def _incoming_status(sock: Path, process: subprocess.Popen[bytes], timeout: float) -> str:
    """``completed``, or ``exited``/``failed`` (QEMU refused the stream): polls QMP ``query-migrate``."""
    deadline = time.monotonic() + timeout
    try:
        qmp = Qmp(sock, timeout=timeout)
    except (QmpError, OSError):
        if process.wait(timeout) is not None:
            return "exited"
        raise
    try:
        while time.monotonic() < deadline:
            info = qmp.execute("query-migrate")
            status = info.get("status") if isinstance(info, dict) else None
            if status in ("completed", "failed"):
                if status == "completed":
                    qmp.execute("quit")
                return str(status)
            time.sleep(0.02)
    except (QmpError, OSError):
        if process.wait(timeout) is not None:
            return "exited"
    finally:
        qmp.close()
    raise QemuMissing(f"the incoming migration of {sock.parent} did not finish in {timeout} s")


def load(release: str, stream_path: Path, args: Sequence[str]) -> Loaded:
    """Whether QEMU ``release`` started with ``args`` loads ``stream_path`` (run once per stream
    content, release and arguments; the answer is cached with the rest of the QEMU data)."""
    data = stream_path.read_bytes()
    key = hashlib.sha256(data + b"\0" + "\0".join(args).encode()).hexdigest()[:24]
    path = _release_dir(release) / "loads" / f"{key}.json"
    with debian.locked(path.with_suffix(".lock")):
        if path.exists():
            known = json.loads(path.read_text())
            return Loaded(known["loaded"], tuple(known["errors"]), tuple(known["argv"]))
        q = qemu(release)
        result = run_incoming(q, args, stream_path)
        path.parent.mkdir(parents=True, exist_ok=True)
        record = {"qemu": q.version(), "packages": list(q.packages), "stream": str(stream_path),
                  "stream_sha256": hashlib.sha256(data).hexdigest(), "args": list(args),
                  "loaded": result.loaded, "errors": list(result.errors), "argv": list(result.argv)}
        partial = path.with_suffix(".partial")
        partial.write_text(json.dumps(record, indent=2) + "\n")
        os.replace(partial, path)
    return result


def with_machine(args: Sequence[str], machine: str) -> tuple[str, ...]:
    """``args`` with the value of ``-machine`` replaced."""
    out = list(args)
    out[out.index("-machine") + 1] = machine
    return tuple(out)


@dataclass(frozen=True)
class LoadCase:
    """A stream of one release loaded by another: the destination runs the scenario's devices with
    ``dest_machine`` (the machine type its ``-dump-vmstate`` is taken with too)."""

    name: str
    source: str
    scenario: str
    dest: str
    dest_machine: str
    why: str

    def dest_args(self) -> tuple[str, ...]:
        return with_machine(STREAMS[self.scenario], self.dest_machine)


LOADS: tuple[LoadCase, ...] = (
    LoadCase("same-7.2", "7.2", "pc-virtio-net", "7.2", "pc", "same release"),
    LoadCase("same-10.0", "10.0", "pc-virtio-net", "10.0", "pc", "same release"),
    LoadCase("same-10.0-e1000", "10.0", "pc-e1000", "10.0", "pc", "same release, subsections sent"),
    LoadCase("old-on-new", "7.2", "pc-virtio-net", "10.0", "pc-i440fx-7.2", "old stream on the new binary"),
    LoadCase("old-on-new-q35", "7.2", "q35-virtio-net", "10.0", "pc-q35-7.2", "old q35 stream on the new binary"),
    LoadCase("old-on-new-e1000", "7.2", "pc-e1000", "10.0", "pc-i440fx-7.2",
             "old stream with subsections on the new binary"),
    LoadCase("old-machine-back", "10.0", "pc-i440fx-7.2-virtio-net", "7.2", "pc",
             "the new binary on the old machine type, back to the old binary"),
    LoadCase("old-machine-back-e1000", "10.0", "pc-i440fx-7.2-e1000", "7.2", "pc",
             "the same with subsections"),
    LoadCase("old-machine-back-q35", "10.0", "pc-q35-7.2-virtio-net", "7.2", "q35", "the same on q35"),
    LoadCase("new-machine-on-old", "10.0", "pc-virtio-net", "7.2", "pc",
             "the new machine type on the old binary (its newest machine type)"),
    LoadCase("old-on-new-default-machine", "7.2", "pc-virtio-net", "10.0", "pc",
             "the old stream on the new binary started with its own default machine type"),
    LoadCase("esp-old-on-new", "7.2", "pc-am53c974", "10.0", "pc-i440fx-7.2",
             "esp gained drq_state in QEMU 9.0 without a version check (commit 442de89a93)"),
    LoadCase("esp-old-machine-back", "10.0", "pc-i440fx-7.2-am53c974", "7.2", "pc",
             "the new esp on the old machine type, back to the old binary"),
    LoadCase("e1000e-old-on-new", "7.2", "pc-e1000e", "10.0", "pc-i440fx-7.2",
             "e1000e's eitr_intr_pending became VMSTATE_UNUSED(5) (commit 31e3f318c8)"),
    LoadCase("e1000e-old-machine-back", "10.0", "pc-i440fx-7.2-e1000e", "7.2", "pc", "the same, back"),
    LoadCase("serial-old-on-new", "7.2", "pc-serial", "10.0", "pc-i440fx-7.2",
             "the isa-serial section; the serial-mm type is gone in 10.0"),
)
"""Every stream the tests hand to a real destination QEMU, with what it checks."""


def main() -> int:
    for release in RELEASES:
        try:
            for machine in ("pc", "q35"):
                print(dump_vmstate(release, machine))
            for name in STREAMS:
                if release != "7.2" or "7.2-" not in name:
                    print(stream(release, name))
        except QemuMissing as error:
            print(f"QEMU {release}: {error}", file=sys.stderr)
            return 1
    try:
        for case in LOADS:
            result = load(case.dest, stream(case.source, case.scenario), case.dest_args())
            print(f"{case.name}: {'loaded' if result.loaded else 'refused: ' + '; '.join(result.errors)}")
        print(qemu_source(), f"({qemu_source_version()})")
    except QemuMissing as error:
        print(error, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
