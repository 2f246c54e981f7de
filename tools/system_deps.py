#!/usr/bin/env python3
"""The one list of system (Debian) packages devstate's commands and tests need.

``./run.sh``, ``./test.sh``, ``.ci/run``, the tests (``@pytest.mark.needs("group")``) and
``tools/fresh-machine-check`` all read this table, so "what is missing" has one answer.

    tools/system-deps                 what is present and missing, and what it affects (exit 1 if missing)
    tools/system-deps --install       install every missing group's packages (as root, with apt-get)
    tools/system-deps --install base  only the named groups
    tools/system-deps --packages      the package names, one per line (for scripts)
    tools/system-deps --brief         one line when everything is present, else the table

Each group is checked by what it provides (a command, a file), not by asking dpkg, so a
machine that has the tools some other way (a pyenv Python, a hand-built clang) passes too.
Standard library only: it runs before any venv exists.
"""

from __future__ import annotations

import argparse
import glob
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass


def _commands(*names: str) -> Callable[[], list[str]]:
    """A probe: the commands among ``names`` that are not on PATH."""

    def missing() -> list[str]:
        return [name for name in names if shutil.which(name) is None]

    return missing


def _python_venv() -> list[str]:
    """``python3 -m venv`` needs ensurepip, which Debian ships in python3-venv."""
    python = shutil.which("python3")
    if python is None:
        return ["python3"]
    found = subprocess.run([python, "-c", "import ensurepip"], capture_output=True).returncode == 0
    return [] if found else ["python3 -m ensurepip"]


def _base() -> list[str]:
    return _python_venv() + _commands("git")()


def _c_compiler() -> list[str]:
    """gcc with the C library headers, and its own sanitizer runtimes (libasan, libubsan come with gcc)."""
    missing = _commands("gcc", "cc")()
    if not os.path.exists("/usr/include/stdio.h"):
        missing.append("/usr/include/stdio.h")
    return missing


def _sanitizers() -> list[str]:
    """clang plus its runtime libraries for ASan/UBSan and libFuzzer (libclang-rt-14-dev)."""
    if shutil.which("clang") is None:
        return ["clang"]
    resource = subprocess.run(["clang", "-print-resource-dir"], capture_output=True, text=True).stdout.strip()
    wanted = ("libclang_rt.asan_static-*.a", "libclang_rt.ubsan_standalone-*.a", "libclang_rt.fuzzer-*.a")
    return [name for name in wanted if not glob.glob(os.path.join(resource, "lib", "*", name))]


def _files(*paths: str) -> Callable[[], list[str]]:
    def missing() -> list[str]:
        return [path for path in paths if not os.path.exists(path)]

    return missing


@dataclass(frozen=True)
class Group:
    """Debian packages that together provide one capability, and what needs it."""

    name: str
    packages: tuple[str, ...]
    probe: Callable[[], list[str]]
    """Returns what is missing (commands, files); empty when the group is present."""
    needed_by: str
    for_tests: bool = True
    """False: not needed by ``./test.sh`` (installed on purpose, e.g. for the fresh-machine check)."""

    def missing(self) -> list[str]:
        return self.probe()


GROUPS: tuple[Group, ...] = (
    Group(
        "base",
        ("python3", "python3-venv", "git", "ca-certificates"),
        _base,
        "./run.sh and ./test.sh: the venv (python3 -m venv needs ensurepip), pip over HTTPS, git",
    ),
    Group(
        "c-compiler",
        ("gcc", "libc6-dev"),
        _c_compiler,
        "vendor A's C device in the demo, the generated C codecs' tests, the spec's C examples",
    ),
    Group(
        "c-sanitizers",
        ("clang", "libclang-rt-14-dev"),
        _sanitizers,
        "C codec conformance, differential and fuzz tests (ASan/UBSan builds, libFuzzer)",
    ),
    Group(
        "big-endian",
        ("gcc-s390x-linux-gnu", "libc6-dev-s390x-cross", "qemu-user"),
        _commands("s390x-linux-gnu-gcc", "qemu-s390x"),
        "the generated C codecs on a big-endian host (s390x under qemu-user)",
    ),
    Group(
        "rust",
        ("rustc", "cargo", "rustfmt", "rust-clippy"),
        _commands("cargo"),
        "the generated Rust codecs (codegen/rust), their test driver and vendor C in the demo: "
        "cargo build/test --offline (Rust 1.63), rustfmt and clippy checks",
    ),
    Group(
        "browser",
        ("chromium", "nodejs"),
        _files("/usr/bin/chromium", "/usr/bin/node"),
        "the website's browser tests (headless Chromium driven by Playwright) and the blob viewer's "
        "decoder under node",
    ),
    Group(
        "qemu",
        ("qemu-system-x86", "xz-utils"),
        _commands("qemu-system-x86_64", "xz"),
        "QEMU -dump-vmstate files and migration streams the QEMU bridge tests generate; QEMU's own "
        "checker out of Debian's qemu source package (xz unpacks it)",
    ),
    Group(
        "guest",
        ("busybox-static", "iproute2", "ethtool"),
        _files("/bin/busybox", "/usr/sbin/ip", "/usr/sbin/bridge", "/usr/sbin/ethtool"),
        "the Linux guest of the QEMU round trips (tools/guest.py): busybox, iproute2's ip and bridge, ethtool",
    ),
    Group(
        "graphviz",
        ("graphviz",),
        _commands("dot"),
        "the fleet pool graph as SVG (devstate fleet pools --svg) and its tests",
    ),
    Group(
        "fresh-machine",
        ("debootstrap",),
        _commands("debootstrap"),
        "tools/fresh-machine-check (a clean Debian 12 root for the README's two commands)",
        for_tests=False,
    ),
)

BY_NAME = {group.name: group for group in GROUPS}


def group(name: str) -> Group:
    """The group called ``name``; a KeyError names the known ones."""
    try:
        return BY_NAME[name]
    except KeyError:
        raise KeyError(f"unknown system-deps group {name!r}; known: {', '.join(BY_NAME)}") from None


def install_command(groups: Sequence[Group]) -> str:
    names = " ".join(group.name for group in groups)
    return f"tools/system-deps --install {names}"


def _selected(names: Sequence[str]) -> list[Group]:
    if names:
        return [group(name) for name in names]
    return [g for g in GROUPS if g.for_tests]


def report(groups: Sequence[Group]) -> list[Group]:
    """Print one line per group; return the missing ones."""
    absent = []
    for g in groups:
        missing = g.missing()
        mark = "ok     " if not missing else "MISSING"
        detail = "" if not missing else f"  (no {', '.join(missing)}; packages: {' '.join(g.packages)})"
        print(f"  {mark} {g.name:<14} {g.needed_by}{detail}")
        if missing:
            absent.append(g)
    return absent


def _not_installed(packages: Sequence[str]) -> list[str]:
    """The packages dpkg does not list as installed (all of them where there is no dpkg)."""
    if shutil.which("dpkg-query") is None:
        return list(packages)
    result = subprocess.run(["dpkg-query", "-W", "-f=${Package} ${db:Status-Status}\\n", *packages],
                            capture_output=True, text=True)
    installed = {line.split()[0] for line in result.stdout.splitlines() if line.endswith(" installed")}
    return [name for name in packages if name not in installed]


def install(groups: Sequence[Group]) -> int:
    """Install the packages of every group in ``groups`` that is missing; 0 when all present after."""
    absent = [g for g in groups if g.missing()]
    if not absent:
        return 0
    packages = _not_installed(sorted({p for g in absent for p in g.packages}))
    if os.geteuid() != 0:
        print(f"system-deps: missing {', '.join(g.name for g in absent)}; as root run: {install_command(absent)}")
        print(f"  (apt-get install --no-install-recommends {' '.join(packages)})")
        return 1
    if not packages:
        print(f"system-deps: {', '.join(g.name for g in absent)} missing although their packages are installed:")
        report(absent)
        return 1
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    apt = ["apt-get", "-o", "DPkg::Lock::Timeout=600", "-qq"]
    print(f"system-deps: installing {' '.join(packages)} (for {', '.join(g.name for g in absent)})", flush=True)
    subprocess.run([*apt, "update"], check=True, env=env, stdout=subprocess.DEVNULL)
    subprocess.run([*apt, "install", "-y", "--no-install-recommends", *packages], check=True, env=env,
                   stdout=subprocess.DEVNULL)
    still = [g.name for g in absent if g.missing()]
    if still:
        print(f"system-deps: still missing after install: {', '.join(still)}")
        return 1
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="tools/system-deps", description=__doc__.split("\n\n")[0])
    parser.add_argument("groups", nargs="*", help=f"groups to check or install (default: all that tests need): "
                                                  f"{', '.join(BY_NAME)}")
    parser.add_argument("--install", action="store_true", help="install what is missing (as root, apt-get)")
    parser.add_argument("--packages", action="store_true", help="print the Debian package names and exit")
    parser.add_argument("--brief", action="store_true", help="one line when everything is present")
    args = parser.parse_args(argv)
    try:
        groups = _selected(args.groups)
    except KeyError as error:
        print(f"system-deps: {error.args[0]}", file=sys.stderr)
        return 2
    if args.packages:
        print("\n".join(sorted({p for g in groups for p in g.packages})))
        return 0
    if args.install:
        return install(groups)
    if args.brief and not any(g.missing() for g in groups):
        print(f"System packages: all present ({', '.join(g.name for g in groups)}).")
        return 0
    print("System packages (tools/system-deps):")
    absent = report(groups)
    if absent:
        print("Tests needing a missing group are skipped (they fail when CI is set).")
        print(f"Install: {install_command(absent)}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
