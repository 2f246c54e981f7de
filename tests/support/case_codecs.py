"""The four codecs the feature cases run through, each seen the same way (a ``Codec``).

- ``interp``: the reference interpreter (devstate.interp).
- ``python``: the generated Python modules of every case schema, in a temporary package.
- ``c``: one executable holding the generated C codec of every case schema with the test
  driver of tests/support/c/driver_gen.py (``cases_driver MODEL@VERSION`` speaks its protocol),
  built with ASan and UBSan, cached under ``$DEVSTATE_CACHE/cases-c/<hash of the sources>``.
- ``rust``: one crate holding every case schema (its ``dsf1_driver MODEL@VERSION``), built
  by cargo in the cache (tests/support/rust/harness.py).

``decode`` gives the state JSON and the codec's own re-encoding of the decoded state, or
the error (code, number, offset, path, message). ``encode`` encodes a JSON state. The C and
Rust drivers have no JSON parser: the state goes to them as lines (tests/support/state_lines.py)
that their generated readers turn into the codec's state struct (``cases_driver MODEL@VERSION
--encode`` and the crate's ``state_encoder MODEL@VERSION``, tests/support/rust/encoder_gen.py);
a state their types cannot hold raises ``state_lines.Inexpressible``.
"""

from __future__ import annotations

import atexit
import functools
import hashlib
import importlib
import shutil
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

from c import harness as c_harness
from c.driver_gen import driver_source
from case_files import load_cases
from rust import harness as rust_harness
from rust.encoder_gen import encoder_source
from state_lines import state_lines

from devstate import interp, ir
from devstate.emit import module_stem
from devstate.emit.c import CNames, emit_c, emit_c_runtime
from devstate.emit.generate import emit_files, rust_files, write_files
from devstate.emit.python import PACKAGE
from devstate.state import state_from_json, state_to_json
from devstate.wire.errors import DecodeError
from devstate.wire.limits import Limits
from tools.debian import cache_dir, locked

Decoded = tuple[Any, ...]
"""``("ok", state_json, reencoded_bytes)`` or ``("error", code, number, offset, path, message)``
(message None for the C and Rust drivers, which report none)."""


Refused = tuple[str, int, str, str | None]
"""An encoder's error: (code, number, path, message) (message None for the C and Rust drivers)."""


@dataclass(frozen=True)
class Codec:
    name: str
    decode: Callable[[ir.Schema, bytes, dict[str, int]], Decoded]
    encode: Callable[[ir.Schema, Any], bytes]
    """Encode a JSON state; raises the codec's EncodeError (``refusal`` turns it into a tuple)."""
    needs: str | None = None
    """The tools/system-deps group it needs (``@pytest.mark.needs``)."""

    def refusal(self, schema: ir.Schema, state: Any) -> Refused | None:
        """The error encoding ``state`` raises, or None when it encodes."""
        try:
            self.encode(schema, state)
        except Exception as exc:  # each codec has its own EncodeError class
            if type(exc).__name__ != "EncodeError":
                raise
            return (exc.code, exc.number, exc.path, exc.message)  # type: ignore[attr-defined]
        return None


def schemas() -> list[ir.Schema]:
    return [feature.schema for feature in load_cases()]


# --- the reference interpreter ------------------------------------------------------------------


def _interp_decode(schema: ir.Schema, blob: bytes, limits: dict[str, int]) -> Decoded:
    try:
        state = interp.decode(schema, blob, Limits(**limits))
    except DecodeError as exc:
        return ("error", exc.code, exc.number, exc.offset, exc.path, exc.message)
    return ("ok", state_to_json(state), interp.encode(schema, state))


def _interp_encode(schema: ir.Schema, state: Any) -> bytes:
    return interp.encode(schema, state_from_json(state, schema))


# --- generated Python ---------------------------------------------------------------------------

UNDER_TEST = "devstate_cases_under_test"


@functools.cache
def python_modules() -> dict[str, ModuleType]:
    """The generated module of every case schema, by ident (generated and imported once)."""
    root = Path(tempfile.mkdtemp(prefix="devstate-cases-python-"))
    atexit.register(shutil.rmtree, root, True)
    files = emit_files("python", schemas())
    write_files(root, {name.replace(f"{PACKAGE}/", f"{UNDER_TEST}/", 1): text for name, text in files.items()})
    sys.path.insert(0, str(root))
    return {s.ident: importlib.import_module(f"{UNDER_TEST}.{module_stem(s.model, s.version)}") for s in schemas()}


def _python_decode(schema: ir.Schema, blob: bytes, limits: dict[str, int]) -> Decoded:
    module = python_modules()[schema.ident]
    runtime = importlib.import_module(f"{UNDER_TEST}._runtime")
    try:
        state = module.decode(blob, runtime.Limits(**limits))
    except module.DecodeError as exc:
        return ("error", exc.code, exc.number, exc.offset, exc.path, exc.message)
    return ("ok", state_to_json(module.to_state(state)), module.encode(state))


def _python_encode(schema: ir.Schema, state: Any) -> bytes:
    module = python_modules()[schema.ident]
    return module.encode(module.from_state(state_from_json(state, schema)))  # type: ignore[no-any-return]


# --- generated C ----------------------------------------------------------------------------------


def _c_sources(all_schemas: list[ir.Schema]) -> dict[str, str]:
    """Every file of the C driver: the runtime, each codec, each renamed driver, the dispatcher."""
    files = dict(emit_c_runtime())
    entries = []
    for schema in all_schemas:
        prefix = CNames(schema).prefix
        files.update(emit_c(schema))
        source = driver_source(schema)
        assert source.count("int main(int argc, char **argv)") == 1
        files[f"{prefix}_driver.c"] = source.replace("int main(int argc, char **argv)",
                                                     f"int driver_{prefix}(int argc, char **argv)")
        entries.append((schema.ident, f"driver_{prefix}"))
    declarations = "".join(f"int {function}(int argc, char **argv);\n" for _, function in entries)
    dispatch = "".join(f'    if (strcmp(argv[1], "{ident}") == 0) return {function}(argc - 1, argv + 1);\n'
                       for ident, function in entries)
    files["cases_main.c"] = (f"#include <stdio.h>\n#include <string.h>\n\n{declarations}\n"
                             "int main(int argc, char **argv)\n{\n"
                             '    if (argc < 2) { fputs("usage: cases_driver MODEL@VERSION [BLOB...]\\n", stderr); '
                             "return 2; }\n"
                             f"{dispatch}"
                             '    fprintf(stderr, "cases_driver: unknown schema %s\\n", argv[1]);\n'
                             "    return 2;\n}\n")
    return files


@functools.cache
def c_executable() -> Path:
    """The C driver of every case schema: compiled once per set of sources (cached)."""
    files = _c_sources(schemas())
    flags = [*c_harness.STRICT, *c_harness.SANITIZE]
    key = hashlib.sha256(repr((sorted(files.items()), flags, c_harness.SANITIZER_CC,
                               _compiler_version())).encode()).hexdigest()[:16]
    directory = cache_dir() / "cases-c" / key
    executable = directory / "cases_driver"
    with locked(cache_dir() / "cases-c.lock"):
        if not executable.is_file():
            _build_c(files, directory, flags)
    return executable


def _compiler_version() -> str:
    return subprocess.run([c_harness.SANITIZER_CC, "--version"], capture_output=True, text=True,
                          check=True).stdout


def _build_c(files: dict[str, str], directory: Path, flags: list[str]) -> None:
    directory.parent.mkdir(parents=True, exist_ok=True)
    building = Path(tempfile.mkdtemp(prefix="build-", dir=directory.parent))
    for name, text in files.items():
        (building / name).write_text(text, encoding="utf-8")
    sources = sorted(building / name for name in files if name.endswith(".c"))

    def compile_one(source: Path) -> Path:
        return c_harness.compile_c([source], source.with_suffix(".o"), [*c_harness.SANITIZE, "-c"])

    with ThreadPoolExecutor(max_workers=2) as pool:
        objects = list(pool.map(compile_one, sources))
    link = [c_harness.SANITIZER_CC, *flags, *map(str, objects), "-o", str(building / "cases_driver")]
    result = subprocess.run(link, capture_output=True, text=True, check=False)
    assert result.returncode == 0, f"{' '.join(link)} failed:\n{result.stderr}"
    shutil.rmtree(directory, ignore_errors=True)
    building.rename(directory)


class ArgDriver(c_harness.Driver):
    """A running ``DRIVER MODEL@VERSION`` (the C or Rust driver of every case schema: ``ArgDriver(binary, ident)``)."""


class EncodeError(Exception):
    """A C or Rust driver's refusal to encode a state (no message: the drivers report none)."""

    def __init__(self, code: str, number: int, path: str) -> None:
        super().__init__(f"{code} ({number}) at {path}")
        self.code, self.number, self.path, self.message = code, number, path, None


_drivers: dict[tuple[str, str], c_harness.Driver] = {}
_lock = threading.Lock()


def _driver(lang: str, ident: str) -> ArgDriver:
    with _lock:
        if (lang, ident) not in _drivers:
            binary = c_executable() if lang == "c" else rust_executable()
            _drivers[lang, ident] = ArgDriver(binary, ident)
        found = _drivers[lang, ident]
    assert isinstance(found, ArgDriver)
    return found


def _encoder(lang: str, ident: str) -> c_harness.LineEncoder:
    with _lock:
        if (f"{lang} encoder", ident) not in _drivers:
            encoder = (c_harness.LineEncoder(c_executable(), ident, "--encode") if lang == "c" else
                       c_harness.LineEncoder(rust_executable().with_name("state_encoder"), ident))
            _drivers[f"{lang} encoder", ident] = encoder
        found = _drivers[f"{lang} encoder", ident]
    assert isinstance(found, c_harness.LineEncoder)
    return found


def close_drivers() -> None:
    """Stop every driver; a sanitizer report or a non-zero exit fails."""
    with _lock:
        running = list(_drivers.values())
        _drivers.clear()
    for driver in running:
        driver.close()


def _driver_decode(lang: str) -> Callable[[ir.Schema, bytes, dict[str, int]], Decoded]:
    def decode(schema: ir.Schema, blob: bytes, limits: dict[str, int]) -> Decoded:
        got = _driver(lang, schema.ident).decode(blob, Limits(**limits))
        if not got["ok"]:
            return ("error", got["name"], got["code"], got["offset"], got["path"], None)
        assert got["size_ok"], f"{lang}: the encoded size differs from the bytes encode wrote"
        return ("ok", got["state"], bytes.fromhex(got["encoded"]))

    return decode


def _driver_encode(lang: str) -> Callable[[ir.Schema, Any], bytes]:
    def encode(schema: ir.Schema, state: Any) -> bytes:
        got = _encoder(lang, schema.ident).encode_lines(state_lines(schema, state, lang))
        if not got["ok"]:
            assert got["offset"] == 0, got
            raise EncodeError(got["name"], got["code"], got["path"])
        assert got["size_ok"], f"{lang}: the encoded size differs from the bytes encode wrote"
        return bytes.fromhex(got["encoded"])

    return encode


# --- generated Rust -------------------------------------------------------------------------------


@functools.cache
def rust_executable() -> Path:
    """``dsf1_driver`` of one crate holding every case schema (cargo's dev profile: overflow panics);
    ``state_encoder`` beside it."""
    files: dict[str, bytes | str] = dict(rust_files(schemas()))
    files["Cargo.toml"] = (rust_harness.CODEGEN / "Cargo.toml").read_bytes()
    files["src/bin/state_encoder.rs"] = encoder_source(schemas())
    crate = rust_harness.stage("case-tests", files)
    rust_harness.cargo_ok(crate, "build", "--offline", "--bin", "dsf1_driver", "--bin", "state_encoder")
    return crate.parent.parent / "target" / crate.name / "debug" / "dsf1_driver"


CODECS = [
    Codec("interp", _interp_decode, _interp_encode),
    Codec("python", _python_decode, _python_encode),
    Codec("c", _driver_decode("c"), _driver_encode("c"), "c-compiler"),
    Codec("rust", _driver_decode("rust"), _driver_encode("rust"), "rust"),
]
