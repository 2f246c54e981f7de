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
    """apt-get with a private configuration for one suite, rooted in the cache."""

    def __init__(self, suite: str, components: str = "main") -> None:
        self.suite = suite
        self.home = cache_dir() / "debian" / "apt" / suite
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
        self.sources.write_text(f"deb {MIRROR} {self.suite} {self.components}\n")
        self._run("update")
        (self.home / "updated").touch()

    def download(self, packages: Sequence[str], into: Path) -> list[Path]:
        """Download the newest version of each package in this suite; returns the .deb files."""
        self.update()
        into.mkdir(parents=True, exist_ok=True)
        self._run("download", *(f"{name}/{self.suite}" for name in packages), cwd=into)
        return sorted(into.glob("*.deb"))


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
        staging = Path(tempfile.mkdtemp(prefix=f".{name}-", dir=folder.parent))
        try:
            debs = Apt(suite).download(packages, staging / "debs")
            for deb in debs:
                subprocess.run(["dpkg-deb", "-x", str(deb), str(staging / "root")], check=True)
            (staging / "versions").write_text("".join(f"{package_version(deb)}\n" for deb in debs))
            shutil.rmtree(staging / "debs")
            if folder.exists():
                shutil.rmtree(folder)
            staging.rename(folder)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
    return root
