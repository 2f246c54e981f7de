"""Shared fixtures: paths of the checkout, a helper that writes schema files, system packages, QEMU data.

``@pytest.mark.needs("group")`` marks a test that needs a group of system packages from
``tools/system-deps``: it is skipped with the group's install command when the group is
missing, and fails instead when ``CI`` is set (CI must run everything). The header of every
run lists what is missing, so a skip is never silent.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest
from system_packages import missing_system_deps, require, unavailable

from tools import guest, guest_vm, qemu_data, system_deps

_TEST_CACHE_HOME = tempfile.mkdtemp(prefix="devstate-tests-cache-")


def pytest_unconfigure(config: pytest.Config) -> None:
    shutil.rmtree(_TEST_CACHE_HOME, ignore_errors=True)


def pytest_configure(config: pytest.Config) -> None:
    # the cache of valid schemas (devstate.schema.validated) of this run, not the user's
    os.environ["XDG_CACHE_HOME"] = _TEST_CACHE_HOME
    config.addinivalue_line("markers", "needs(group): needs a tools/system-deps group (skipped without it, "
                                       "fails under CI)")


def pytest_report_header(config: pytest.Config) -> str:
    absent = [g.name for g in system_deps.GROUPS if g.for_tests and missing_system_deps(g.name)]
    if not absent:
        return "system packages: every tools/system-deps group is present"
    return (f"system packages MISSING: {', '.join(absent)} — their tests are skipped "
            f"({'they FAIL: CI is set' if os.environ.get('CI') else 'install: tools/system-deps --install'})")


def pytest_runtest_setup(item: pytest.Item) -> None:
    for mark in item.iter_markers("needs"):
        for name in mark.args:
            require(name)


@pytest.fixture(scope="session")
def qemu_dump() -> Callable[..., Path]:
    """``qemu_dump(release="7.2", machine="pc")``: the path of QEMU's ``-dump-vmstate`` output (made once)."""

    def make(release: str = "7.2", machine: str = "pc") -> Path:
        require("qemu")
        try:
            return qemu_data.dump_vmstate(release, machine)
        except qemu_data.QemuMissing as error:
            unavailable(str(error))
            raise

    return make


@pytest.fixture(scope="session")
def qemu_stream() -> Callable[..., Path]:
    """``qemu_stream(release="7.2", name="pc-virtio-net")``: a QEMU migration stream (made once)."""

    def make(release: str = "7.2", name: str = "pc-virtio-net") -> Path:
        require("qemu")
        try:
            return qemu_data.stream(release, name)
        except qemu_data.QemuMissing as error:
            unavailable(str(error))
            raise

    return make


@pytest.fixture(scope="session")
def pc_json(qemu_dump: Callable[..., Path]) -> Path:
    """QEMU 7.2's ``-dump-vmstate`` of machine ``pc``."""
    return qemu_dump("7.2", "pc")


@pytest.fixture(scope="session")
def q35_json(qemu_dump: Callable[..., Path]) -> Path:
    """QEMU 7.2's ``-dump-vmstate`` of machine ``q35``."""
    return qemu_dump("7.2", "q35")


@pytest.fixture(scope="session")
def stream_72(qemu_stream: Callable[..., Path]) -> Path:
    """A QEMU 7.2 migration stream: a paused ``pc`` guest with one virtio-net-pci NIC, 16 MiB of RAM."""
    return qemu_stream("7.2", "pc-virtio-net")


@pytest.fixture(scope="session")
def saved() -> dict[str, guest_vm.SavedGuest]:
    """The test guest booted and saved by QEMU 7.2 and by QEMU 10.0, by release
    (``tools.guest_vm.saved_guest``: made once into the cache, then reused)."""
    require("qemu")
    require("guest")
    out = {}
    for release in ("7.2", "10.0"):
        try:
            out[release] = guest_vm.saved_guest(qemu_data.qemu(release))
        except (qemu_data.QemuMissing, guest.GuestMissing, guest_vm.VmError) as error:
            unavailable(str(error))
    return out


@pytest.fixture
def write_schema(tmp_path: Path) -> Callable[..., Path]:
    """Write dedented YAML to ``tmp_path/<name>`` and return its path."""

    def write(text: str, name: str = "org.example.dev/1.1.yaml") -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
        return path

    return write


@pytest.fixture
def cache_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty ``XDG_CACHE_HOME`` of the test's own, with the result caches on
    (``result_cache.DISABLE_ENV`` unset) and no ``DEVSTATE_SCHEMAS``."""
    from devstate import result_cache

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    monkeypatch.delenv(result_cache.DISABLE_ENV, raising=False)
    monkeypatch.delenv("DEVSTATE_SCHEMAS", raising=False)
    return tmp_path / "xdg"


@pytest.fixture
def loads(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """The schema files the loader really loads, resolved, in order (an answer from a cache or
    from the shipped facts loads none)."""
    from devstate.schema import loader

    seen: list[Path] = []
    original = loader.SchemaLoader._load_uncached

    def counting(self: loader.SchemaLoader, path: Path) -> object:
        seen.append(path.resolve())
        return original(self, path)

    monkeypatch.setattr(loader.SchemaLoader, "_load_uncached", counting)
    return seen


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-goldens",
        action="store_true",
        help="Rewrite golden files from the current output instead of comparing (review the diff!).",
    )


@pytest.fixture
def golden(request: pytest.FixtureRequest) -> Callable[[Path, str], None]:
    """Compare ``text`` with the golden file at ``path`` (or rewrite it with --update-goldens)."""

    def compare(path: Path, text: str) -> None:
        if request.config.getoption("--update-goldens"):
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
            return
        assert path.exists(), f"missing golden file {path}; run pytest --update-goldens and review it"
        assert text == path.read_text(encoding="utf-8"), f"{path} differs; run pytest --update-goldens and review"

    return compare
