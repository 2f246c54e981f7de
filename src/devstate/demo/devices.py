"""The three device implementations the demo drives, each as a separate program.

Vendor A (``examples/vendor_a``, C99) is compiled with the system C compiler against
one generated C codec (``codegen/c``); the schema version it speaks is chosen at build
time. Vendor B (``examples/vendor_b``, Python) runs as ``python -S -m vendor_b``: no
site-packages, so it can import nothing but the standard library, itself and the
generated Python codecs (``codegen/python``) — not devstate. Vendor C
(``examples/vendor_c``, Rust) is built with ``cargo build --offline`` against the generated
Rust crate (``codegen/rust``, a path dependency: no registry).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from devstate.errors import DevstateError

CFLAGS = ("-std=c99", "-Wall", "-Wextra", "-Werror", "-O1")
TIMEOUT = 60.0


class DemoError(DevstateError):
    """The demo cannot run (no checkout, no C compiler, a device program failed to build)."""

    code = "DEMO"


@dataclass(frozen=True)
class Checkout:
    """Where the demo finds the device implementations and the generated codecs."""

    root: Path

    @property
    def examples(self) -> Path:
        return self.root / "examples"

    @property
    def codegen_c(self) -> Path:
        return self.root / "codegen" / "c"

    @property
    def codegen_python(self) -> Path:
        return self.root / "codegen" / "python"

    def scenario(self, name: str) -> Path:
        return self.examples / "scenarios" / name

    @classmethod
    def locate(cls, root: Path | None = None) -> Checkout:
        """The given repository root, else the checkout this module runs from."""
        checkout = cls((root or Path(__file__).resolve().parents[3]).resolve())
        for needed in (checkout.examples / "vendor_a", checkout.examples / "vendor_b", checkout.codegen_c):
            if not needed.is_dir():
                raise DemoError(f"{needed}: not found (the demo runs from a devstate checkout)")
        return checkout


@dataclass(frozen=True)
class Run:
    """One invocation of a device program."""

    argv: tuple[str, ...]
    returncode: int
    stdout: str
    stderr: str

    @property
    def ok(self) -> bool:
        return self.returncode == 0

    def lines(self) -> list[str]:
        return [line for line in (self.stdout + self.stderr).splitlines() if line.strip()]


@dataclass(frozen=True)
class Device:
    """A device program: ``describe``, ``save`` and ``load`` verbs (see examples/README.md)."""

    vendor: str
    name: str
    language: str
    version: str
    command: tuple[str, ...]
    env: tuple[tuple[str, str], ...] = ()
    cwd: Path | None = None
    """Where the program runs (file names are relative to it)."""

    @property
    def label(self) -> str:
        return f"{self.vendor} ({self.name}, {self.language}, {self.version})"

    def run(self, *args: str | Path) -> Run:
        argv = (*self.command, *map(str, args))
        env = {**os.environ, **dict(self.env)} if self.env else None
        done = subprocess.run(argv, capture_output=True, text=True, env=env, cwd=self.cwd, timeout=TIMEOUT,
                              check=False)
        return Run(argv, done.returncode, done.stdout, done.stderr)

    def describe(self, output: Path, scenario: Path | None = None) -> Run:
        run = self.run("describe", *([scenario] if scenario else []))
        if run.ok:
            (self.cwd or Path()).joinpath(output).write_text(run.stdout, encoding="utf-8")
        return run

    def save(self, scenario: Path, blob: Path) -> Run:
        return self.run("save", scenario, blob)

    def load(self, blob: Path, export: Path | None = None) -> Run:
        return self.run("load", blob, *([export] if export else []))


# --- vendor A: build the C program ------------------------------------------------------


@dataclass(frozen=True)
class Build:
    device: Device
    command: tuple[str, ...]
    seconds: float
    cached: bool


def find_cc(cc: str | None = None) -> str:
    for candidate in [cc] if cc else [os.environ.get("CC"), "cc", "gcc", "clang"]:
        if candidate and shutil.which(candidate):
            return candidate
    raise DemoError(f"no C compiler found ({cc or 'cc, gcc or clang'}): vendor A is a C program")


def build_vendor_a(checkout: Checkout, version: str, build_dir: Path, cc: str) -> Build:
    """Compile vendor A against the generated codec of ``version`` (cached by content)."""
    minor = version.split(".")[1]
    sources = sorted((checkout.examples / "vendor_a").glob("*.c"))
    codec = checkout.codegen_c / f"org_virtio_net_v{version.replace('.', '_')}.c"
    runtime = [checkout.codegen_c / name for name in ("dsf1.c", "dsf1.h", "dsf1_errors.h")]
    inputs = [*sources, *(checkout.examples / "vendor_a").glob("*.h"), codec, codec.with_suffix(".h"), *runtime]
    binary = build_dir / f"acme-nic-{version}-{_digest(inputs, cc, minor)}"
    command = (cc, *CFLAGS, f"-I{checkout.codegen_c}", f"-DACME_DSF_MINOR={minor}", *map(str, sources),
               str(codec), str(runtime[0]), "-o", str(binary))
    device = Device("vendor A", "acme-nic", "C", version, (str(binary),))
    if binary.is_file():
        return Build(device, command, 0.0, True)
    build_dir.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    _compile(command, binary)
    return Build(device, command, time.perf_counter() - started, False)


def _compile(command: tuple[str, ...], binary: Path) -> None:
    """Compile to a temporary name, then rename: a concurrent run never sees half a binary."""
    partial = binary.with_name(f".{binary.name}.{os.getpid()}")
    try:
        done = subprocess.run((*command[:-1], str(partial)), capture_output=True, text=True,
                              timeout=TIMEOUT * 2, check=False)
    except OSError as exc:
        raise DemoError(f"cannot run {command[0]}: {exc}") from None
    if done.returncode != 0:
        partial.unlink(missing_ok=True)
        raise DemoError(f"building vendor A failed:\n{done.stderr.strip()}")
    os.replace(partial, binary)


def _digest(inputs: list[Path], cc: str, minor: str) -> str:
    digest = hashlib.sha256(f"{cc} {CFLAGS} {minor}".encode())
    for path in inputs:
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


# --- vendor C: build the Rust program ------------------------------------------------------


def find_cargo() -> str | None:
    return shutil.which("cargo")


def build_vendor_c(checkout: Checkout, build_dir: Path, cargo: str) -> Build:
    """``cargo build --offline`` of examples/vendor_c (cargo keeps it incremental)."""
    target = build_dir / "vendor-c-target"
    manifest = checkout.examples / "vendor_c" / "Cargo.toml"
    command = (cargo, "build", "--offline", "--quiet", "--manifest-path", str(manifest))
    binary = target / "debug" / "rustnic"
    env = {**os.environ, "CARGO_TARGET_DIR": str(target), "CARGO_NET_OFFLINE": "true"}
    started = time.perf_counter()
    try:
        done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=TIMEOUT * 10, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise DemoError(f"cannot run {cargo}: {exc}") from None
    if done.returncode != 0 or not binary.is_file():
        raise DemoError(f"building vendor C failed:\n{done.stderr.strip()[-3000:]}")
    device = Device("vendor C", "rustnic", "Rust", "1.1", (str(binary),))
    return Build(device, command, time.perf_counter() - started, False)


# --- vendor B: the Python program ---------------------------------------------------------


def vendor_b(checkout: Checkout, version: str, cwd: Path | None = None) -> Device:
    """pynic speaking ``version``, isolated from site-packages (and so from devstate)."""
    path = os.pathsep.join([str(checkout.examples), str(checkout.codegen_python)])
    command = (sys.executable, "-S", "-m", "vendor_b", "--schema-version", version)
    return Device("vendor B", "pynic", "Python", version, command, (("PYTHONPATH", path),), cwd)
