"""Debian packages as files: download ``.deb``s of any suite into the cache and unpack them.

For software the tests need in a version the machine does not have installed (QEMU 10 from
bookworm-backports beside the system's QEMU 7.2, a kernel image for a guest), nothing is
installed system-wide: apt downloads the package with a private configuration (its own
sources list and package lists under the cache, the machine's apt state untouched) and
``dpkg-deb -x`` unpacks it into a folder of the cache. Standard library only.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MIRROR = "http://deb.debian.org/debian"


def cache_dir() -> Path:
    """The cache for generated and downloaded test inputs: ``$DEVSTATE_CACHE`` or ``.cache/``."""
    path = Path(os.environ.get("DEVSTATE_CACHE") or ROOT / ".cache")
    path.mkdir(parents=True, exist_ok=True)
    return path


@contextmanager
def locked(path: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``path`` (created): concurrent test runs build a cache entry once."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


class DebianError(RuntimeError):
    """apt or dpkg-deb failed: the message holds the command and what it printed."""


class Apt:
    """apt-get with a private configuration for one suite, rooted in the cache.

    ``kind="deb-src"`` makes one for source packages (``apt-get source``): the machine's own
    sources list is never read or changed, whatever it has.
    """

    def __init__(self, suite: str, components: str = "main", kind: str = "deb") -> None:
        self.suite = suite
        self.kind = kind
        self.home = cache_dir() / "debian" / "apt" / (suite if kind == "deb" else f"{suite}-{kind}")
        self.sources = self.home / "sources.list"
        self.components = components

    def options(self) -> list[str]:
        """The ``-o`` options that point apt-get and apt-cache at this private configuration."""
        options = {
            "Dir::Etc::SourceList": str(self.sources),
            "Dir::Etc::SourceParts": str(self.home / "sources.list.d"),
            "Dir::State::Lists": str(self.home / "lists"),
            "Dir::Cache": str(self.home / "cache"),
            "Dir::State::status": str(self.home / "status"),
        }
        if os.geteuid() == 0:
            options["APT::Sandbox::User"] = "root"
        return [part for key, value in options.items() for part in ("-o", f"{key}={value}")]

    def _run(self, *args: str, cwd: Path | None = None) -> str:
        command = ["apt-get", "-qq", *self.options(), *args]
        result = subprocess.run(command, cwd=cwd, capture_output=True, text=True)
        if result.returncode != 0:
            raise DebianError(f"{' '.join(command)} failed ({result.returncode}): {result.stderr.strip()}")
        return result.stdout

    def update(self) -> None:
        """Fetch the suite's package lists (once per cache; delete the folder to refresh)."""
        if (self.home / "updated").exists():
            return
        for folder in ("lists/partial", "cache/archives/partial", "sources.list.d"):
            (self.home / folder).mkdir(parents=True, exist_ok=True)
        (self.home / "status").touch()
        self.sources.write_text(f"{self.kind} {MIRROR} {self.suite} {self.components}\n")
        self._run("update")
        (self.home / "updated").touch()

    def download(self, packages: Sequence[str], into: Path) -> list[Path]:
        """Download the newest version of each package in this suite; returns the .deb files."""
        self.update()
        into.mkdir(parents=True, exist_ok=True)
        self._run("download", *(f"{name}/{self.suite}" for name in packages), cwd=into)
        return sorted(into.glob("*.deb"))

    def download_source(self, package: str, into: Path) -> Path:
        """``apt-get source --download-only`` of ``package`` in this suite (apt checks every file
        against the suite's signed Sources index); returns the ``.dsc``."""
        self.update()
        into.mkdir(parents=True, exist_ok=True)
        self._run("source", "--download-only", f"{package}/{self.suite}", cwd=into)
        found = sorted(into.glob(f"{package}_*.dsc"))
        if len(found) != 1:
            raise DebianError(f"apt-get source {package}/{self.suite} left {len(found)} .dsc files in {into}")
        return found[0]


def package_version(deb: Path) -> str:
    """``name=version`` of a .deb file, as apt spells a pinned package."""
    fields = subprocess.run(["dpkg-deb", "-f", str(deb), "Package", "Version"], capture_output=True, text=True,
                            check=True).stdout
    values = dict(line.split(": ", 1) for line in fields.splitlines())
    return f"{values['Package']}={values['Version']}"


def unpacked(suite: str, packages: Sequence[str], name: str) -> Path:
    """The packages of ``suite`` unpacked into ``cache/debian/<name>/root`` (made once, then reused).

    A ``versions`` file beside the root lists each .deb unpacked there.
    """
    folder = cache_dir() / "debian" / name
    root = folder / "root"
    with locked(folder.with_suffix(".lock")):
        if root.is_dir():
            return root
        with staged(folder, name) as staging:
            debs = Apt(suite).download(packages, staging / "debs")
            for deb in debs:
                subprocess.run(["dpkg-deb", "-x", str(deb), str(staging / "root")], check=True)
            (staging / "versions").write_text("".join(f"{package_version(deb)}\n" for deb in debs))
            shutil.rmtree(staging / "debs")
    return root


@contextmanager
def staged(folder: Path, name: str) -> Iterator[Path]:
    """A new empty folder beside ``folder`` (``.NAME-*``) to fill: when the block ends, it replaces
    ``folder`` whole; on any failure it is removed and ``folder`` is left as it was."""
    staging = Path(tempfile.mkdtemp(prefix=f".{name}-", dir=folder.parent))
    try:
        yield staging
        if folder.exists():
            shutil.rmtree(folder)
        staging.rename(folder)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def _dsc_fields(dsc: Path) -> dict[str, str]:
    """The one-line fields of a .dsc (``Source``, ``Version``, ...); signature lines skipped."""
    fields = {}
    for line in dsc.read_text(encoding="utf-8", errors="replace").splitlines():
        key, sep, value = line.partition(": ")
        if sep and not line.startswith((" ", "-")):
            fields[key] = value.strip()
    return fields


def source_files(suite: str, package: str, members: Sequence[str], name: str) -> Path:
    """Files of a Debian source package, ``members`` (paths inside the upstream tree, a folder
    takes everything under it), as the package builds them, into ``cache/debian/<name>/tree``.

    ``apt-get source --download-only`` fetches the package with a private configuration; only
    ``members`` are taken out of the upstream tarball (a whole QEMU tree is about 40 MB packed,
    700 MB unpacked), after checking that no Debian patch touches them, so they are exactly
    what ``dpkg-source -x`` would unpack. A ``source`` file beside the tree says which
    package version it came from. Made once, then reused.
    """
    folder = cache_dir() / "debian" / name
    tree = folder / "tree"
    with locked(folder.with_suffix(".lock")):
        if tree.is_dir():
            return tree
        with staged(folder, name) as staging:
            dsc = Apt(suite, kind="deb-src").download_source(package, staging / "src")
            fields = _dsc_fields(dsc)
            _refuse_patched(staging / "src", members)
            _extract_members(staging / "src", members, staging / "tree")
            (staging / "source").write_text(f"{fields.get('Source', package)}={fields.get('Version', '?')} "
                                            f"({suite})\n")
            shutil.rmtree(staging / "src")
    return tree


def _refuse_patched(src: Path, members: Sequence[str]) -> None:
    """Fail if a Debian patch (``debian/patches`` in the ``.debian.tar.*``) touches one of ``members``."""
    for debian_tar in src.glob("*.debian.tar.*"):
        listing = subprocess.run(["tar", "-tf", str(debian_tar)], capture_output=True, text=True, check=True)
        patches = [line for line in listing.stdout.splitlines() if line.startswith("debian/patches/")
                   and not line.endswith("/")]
        if not patches:
            continue
        text = subprocess.run(["tar", "-xOf", str(debian_tar), *patches], capture_output=True, check=True).stdout
        touched = [m for m in members if m.encode() in text]
        if touched:
            raise DebianError(f"{debian_tar.name}: a Debian patch changes {', '.join(touched)}; unpack the whole "
                              "package with dpkg-source -x instead")


def _extract_members(src: Path, members: Sequence[str], into: Path) -> None:
    """Take ``members`` out of the upstream tarball (its top folder stripped) into ``into``."""
    orig = sorted(src.glob("*.orig.tar.*"))
    if len(orig) != 1:
        raise DebianError(f"{src}: expected one upstream tarball, found {[p.name for p in orig]}")
    into.mkdir(parents=True)
    patterns = [f"*/{member.rstrip('/')}" for member in members]
    command = ["tar", "-xf", str(orig[0]), "-C", str(into), "--strip-components=1", "--wildcards",
               "--no-wildcards-match-slash", "--no-same-owner", *patterns]
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        raise DebianError(f"tar -xf {orig[0].name} {' '.join(patterns)} failed: {result.stderr.strip()}")
