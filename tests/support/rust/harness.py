"""Build Rust crates for the tests with cargo, offline, cached under ``.cache/rust``.

A crate is *staged*: its files are written to ``<cache>/rust/crates/<name>/`` (only the
files whose bytes changed, so cargo's incremental build sees unchanged sources as
unchanged) and built there with ``CARGO_TARGET_DIR`` beside it. Inputs in the checkout are
never written to (cargo would put a ``Cargo.lock`` next to ``Cargo.toml``). Nothing is
fetched: every crate devstate builds has no dependencies, and ``--offline`` makes cargo
refuse to reach a registry.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from paths import ROOT

from tools.debian import cache_dir, locked

CODEGEN = ROOT / "codegen" / "rust"
ENV = {**os.environ, "CARGO_NET_OFFLINE": "true", "CARGO_TERM_COLOR": "never", "RUST_BACKTRACE": "1"}
TIMEOUT = 900


def rust_dir() -> Path:
    return cache_dir() / "rust"


def tree(directory: Path) -> dict[str, bytes]:
    """Every file under ``directory`` (relative path → bytes), without cargo's outputs."""
    files = {}
    for path in sorted(directory.rglob("*")):
        relative = path.relative_to(directory).as_posix()
        if path.is_file() and not relative.startswith("target/") and relative != "Cargo.lock":
            files[relative] = path.read_bytes()
    return files


def stage(name: str, files: dict[str, bytes | str]) -> Path:
    """Write ``files`` as the crate ``name`` in the cache (unchanged files keep their mtime)."""
    crate = rust_dir() / "crates" / name
    with locked(rust_dir() / f"{name}.lock"):
        wanted = {rel: data.encode("utf-8") if isinstance(data, str) else data for rel, data in files.items()}
        if crate.is_dir():
            for rel in tree(crate):
                if rel not in wanted:
                    (crate / rel).unlink()
        for rel, data in wanted.items():
            target = crate / rel
            if target.is_file() and target.read_bytes() == data:
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
    return crate


def cargo(crate: Path, *args: str, env: dict[str, str] | None = None,
          timeout: float = TIMEOUT) -> subprocess.CompletedProcess[str]:
    """``cargo ARGS`` in ``crate`` (offline, its own target directory); the result, not checked."""
    command = [cargo_path(), *args]
    environment = {**ENV, "CARGO_TARGET_DIR": str(crate.parent.parent / "target" / crate.name), **(env or {})}
    with locked(rust_dir() / f"{crate.name}.lock"):
        return subprocess.run(command, cwd=crate, env=environment, capture_output=True, text=True,
                              timeout=timeout, check=False)


def cargo_ok(crate: Path, *args: str, env: dict[str, str] | None = None) -> str:
    """``cargo ARGS``; AssertionError with cargo's output unless it succeeds. Returns stdout + stderr."""
    result = cargo(crate, *args, env=env)
    output = result.stdout + result.stderr
    assert result.returncode == 0, f"cargo {' '.join(args)} in {crate} failed:\n{output[-8000:]}"
    return output


def cargo_path() -> str:
    found = shutil.which("cargo")
    assert found is not None, "cargo is not installed (tools/system-deps --install rust)"
    return found


def has_subcommand(name: str) -> bool:
    """Whether ``cargo NAME`` exists here (clippy and rustfmt come in their own packages)."""
    return subprocess.run([cargo_path(), name, "--version"], capture_output=True, check=False).returncode == 0


def toolchain() -> str:
    """``rustc --version`` of the compiler cargo uses."""
    rustc = shutil.which("rustc") or "rustc"
    return subprocess.run([rustc, "--version"], capture_output=True, text=True, check=True).stdout.strip()
