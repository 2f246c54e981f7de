"""Build and run generated C codecs for the tests: compiled once per session, cached.

``driver(schema_ref)`` compiles the generated codec of a schema with the JSON driver of
``driver_gen`` under AddressSanitizer and UndefinedBehaviorSanitizer (any out-of-bounds
read or UB aborts the driver, which fails the test), starts it once and returns a
``Driver`` that decodes blobs through a pipe; ``encoder(schema_ref)`` runs the same driver's
``--encode`` mode, which encodes states sent as lines (tests/support/state_lines.py).
``schema_ref`` is ``MODEL@VERSION`` or a path under spec/conformance/ (like the conformance
manifest).
"""

from __future__ import annotations

import atexit
import functools
import json
import os
import shutil
import struct
import subprocess
import tempfile
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from system_packages import missing_system_deps

from devstate import ir
from devstate.emit.c import CNames, emit_c, emit_c_runtime
from devstate.wire.limits import DEFAULT_LIMITS, Limits
from tools.conformance import resolve_schema

from .driver_gen import driver_source

HERE = Path(__file__).resolve().parent
STRICT = ["-std=c99", "-Wall", "-Wextra", "-Werror", "-pedantic"]
SANITIZE = ["-g", "-O1", "-fsanitize=address,undefined", "-fno-sanitize-recover=all", "-fno-omit-frame-pointer"]
COMPILERS = [cc for cc in ("gcc", "clang") if shutil.which(cc)]
# clang only with its sanitizer runtime (Debian's libclang-rt-14-dev); gcc ships its own libasan/libubsan
SANITIZER_CC = os.environ.get("DEVSTATE_TEST_CC") or ("gcc" if missing_system_deps("c-sanitizers") else "clang")
ENV = {**os.environ, "ASAN_OPTIONS": "detect_leaks=1:abort_on_error=0", "UBSAN_OPTIONS": "print_stacktrace=1"}

_lock = threading.Lock()


@functools.cache
def build_dir() -> Path:
    path = Path(tempfile.mkdtemp(prefix="devstate-c-tests-"))
    atexit.register(shutil.rmtree, path, True)
    return path


@functools.cache
def schema_of(ref: str) -> ir.Schema:
    return resolve_schema(ref)


def write_codec(schema: ir.Schema, directory: Path) -> list[Path]:
    """Write the generated files of ``schema`` and the runtime to ``directory``.

    Returns the .c files to compile: the model's and ``dsf1.c`` (for several models in one
    directory, compile ``dsf1.c`` once).
    """
    directory.mkdir(parents=True, exist_ok=True)
    sources = []
    for name, text in {**emit_c_runtime(), **emit_c(schema)}.items():
        (directory / name).write_text(text, encoding="utf-8")
        if name.endswith(".c"):
            sources.append(directory / name)
    return sources


def unique(sources: list[Path]) -> list[Path]:
    """``sources`` without repeats (``dsf1.c`` of several ``write_codec`` calls), in order."""
    return list(dict.fromkeys(sources))


def compile_c(sources: list[Path], output: Path, flags: list[str], cc: str = SANITIZER_CC,
              include: list[Path] | None = None) -> Path:
    """Compile and link ``sources``; raises AssertionError with the compiler's output."""
    includes = [f"-I{path}" for path in include or []]
    command = [cc, *STRICT, *flags, *includes, *map(str, sources), "-o", str(output)]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    assert result.returncode == 0, f"{' '.join(command)} failed:\n{result.stderr}"
    return output


@functools.cache
def build_driver(ref: str) -> Path:
    """The sanitized driver executable of a schema (compiled on first use)."""
    schema = schema_of(ref)
    directory = build_dir() / CNames(schema).prefix
    sources = write_codec(schema, directory)
    (directory / "driver.c").write_text(driver_source(schema), encoding="utf-8")
    return compile_c([directory / "driver.c", *sources], directory / "driver", SANITIZE)


def prebuild(refs: list[str]) -> None:
    """Compile several drivers in parallel (the compiler is the slow part of a session)."""
    with ThreadPoolExecutor(max_workers=max(2, os.cpu_count() or 2)) as pool:
        list(pool.map(build_driver, sorted(set(refs))))


class Driver:
    """One running driver process: ``decode(blob, limits)`` → the driver's JSON response."""

    def __init__(self, executable: Path, *arguments: str) -> None:
        self.executable = executable
        self.process = subprocess.Popen([str(executable), *arguments], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                        stderr=subprocess.PIPE, env=ENV)
        self.lock = threading.Lock()

    def decode(self, blob: bytes, limits: Limits = DEFAULT_LIMITS) -> dict[str, Any]:
        head = struct.pack("<IQQIQQ", len(blob), limits.max_total_size, limits.max_region_size, limits.max_depth,
                           limits.max_sections, limits.max_unknown_sections)
        return self._ask(head + blob, "the C driver")

    def _ask(self, request: bytes, what: str) -> dict[str, Any]:
        """Send one request, read its one-line JSON response; AssertionError if the process died."""
        with self.lock:
            assert self.process.stdin is not None and self.process.stdout is not None
            try:
                self.process.stdin.write(request)
                self.process.stdin.flush()
                line = self.process.stdout.readline()
            except BrokenPipeError:
                line = b""
            if not line:
                raise AssertionError(f"{what} {self.executable} died:\n{self._stderr()}")
        response: dict[str, Any] = json.loads(line)
        return response

    def _stderr(self) -> str:
        self.process.kill()
        assert self.process.stderr is not None
        return self.process.stderr.read().decode(errors="replace")[-6000:]

    def close(self) -> None:
        """End the process; a sanitizer report (leaks at exit) fails loudly."""
        if self.process.poll() is None:
            assert self.process.stdin is not None
            self.process.stdin.close()
            self.process.wait(timeout=30)
        assert self.process.stderr is not None
        problems = self.process.stderr.read().decode(errors="replace")
        assert self.process.returncode == 0 and not problems, f"{self.executable}: {problems}"


class LineEncoder(Driver):
    """A running encoder of states sent as lines (tests/support/state_lines.py): a C driver's
    ``--encode`` mode or the Rust crate's ``state_encoder MODEL@VERSION``; one JSON line a state."""

    def encode_lines(self, lines: list[str]) -> dict[str, Any]:
        return self._ask(("\n".join(lines) + "\n").encode(), "the encoder")


_drivers: dict[str, Driver] = {}
_encoders: dict[str, LineEncoder] = {}


def driver(ref: str) -> Driver:
    """The session's running driver of a schema."""
    with _lock:
        if ref not in _drivers:
            _drivers[ref] = Driver(build_driver(ref))
        return _drivers[ref]


def encoder(ref: str) -> LineEncoder:
    """The session's running ``driver --encode`` of a schema: encodes states sent as lines
    (tests/support/state_lines.py)."""
    with _lock:
        if ref not in _encoders:
            _encoders[ref] = LineEncoder(build_driver(ref), "--encode")
        return _encoders[ref]


def close_drivers() -> None:
    """Stop every driver, checking its exit status and sanitizer output."""
    with _lock:
        drivers: list[Driver] = [*_drivers.values(), *_encoders.values()]
        _drivers.clear()
        _encoders.clear()
    for running in drivers:
        running.close()
