"""The generated Rust codecs in the tests: one crate of the schemas a test needs, its driver.

``driver(ref)`` builds (once per session) a crate holding the generated Rust modules of
every schema in ``REFS`` — the standard ones and the conformance-only ones — with
codegen/rust's Cargo.toml, and starts ``dsf1_driver MODEL@VERSION``: the protocol of the C
test driver (tests/support/c/driver_gen.py), so the C harness's ``Driver`` talks to it.
``encoder(ref)`` starts the crate's ``state_encoder MODEL@VERSION`` (tests/support/rust/encoder_gen.py),
which encodes states sent as lines like the C driver's ``--encode``. The build is
cargo's dev profile: integer overflow and out-of-bounds slicing panic, and a panic (the
driver dying) fails the test.
"""

from __future__ import annotations

import functools
import threading
from pathlib import Path

from c.harness import Driver, LineEncoder

from devstate import ir
from devstate.emit.generate import rust_files, standard_codec_schemas
from tools.conformance import resolve_schema

from . import harness
from .encoder_gen import encoder_source

CONFORMANCE = ("schemas/org.devstate.hostile/1.0.yaml", "schemas/org.devstate.test/1.0.yaml",
               "schemas/org.devstate.test/1.1.yaml",
               "schemas/org.example.led/1.0.yaml")
_lock = threading.Lock()


@functools.cache
def schemas() -> dict[str, ir.Schema]:
    """Every schema the test crate holds, by ``model@version``."""
    found = {s.ident: s for s in standard_codec_schemas()}
    for ref in CONFORMANCE:
        schema = resolve_schema(ref)
        found[schema.ident] = schema
    return found


@functools.cache
def crate() -> Path:
    files: dict[str, bytes | str] = dict(rust_files(list(schemas().values())))
    files["Cargo.toml"] = (harness.CODEGEN / "Cargo.toml").read_bytes()
    files["src/bin/state_encoder.rs"] = encoder_source(list(schemas().values()))
    return harness.stage("codec-tests", files)


@functools.cache
def executable(profile: str = "dev") -> Path:
    """The driver binary (``dev``: overflow checks on; ``release``: for benchmarks and fuzzing)."""
    where = crate()
    harness.cargo_ok(where, "build", "--offline", "--bin", "dsf1_driver", "--profile", profile)
    target = where.parent.parent / "target" / where.name / ("debug" if profile == "dev" else profile)
    return target / "dsf1_driver"


class RustDriver(Driver):
    """A running ``dsf1_driver MODEL@VERSION`` (``RustDriver(binary, ident)``)."""


_drivers: dict[str, RustDriver] = {}
_encoders: dict[str, LineEncoder] = {}


@functools.cache
def encoder_executable() -> Path:
    """The ``state_encoder`` binary (cargo's dev profile: overflow checks on)."""
    where = crate()
    harness.cargo_ok(where, "build", "--offline", "--bin", "state_encoder")
    return where.parent.parent / "target" / where.name / "debug" / "state_encoder"


def encoder(ref: str) -> LineEncoder:
    """The session's running ``state_encoder`` of a schema (``MODEL@VERSION`` or a conformance path)."""
    ident = ident_of(ref)
    with _lock:
        if ident not in _encoders:
            _encoders[ident] = LineEncoder(encoder_executable(), ident)
        return _encoders[ident]


@functools.cache
def ident_of(ref: str) -> str:
    return resolve_schema(ref).ident


def driver(ref: str) -> RustDriver:
    """The session's running Rust driver of a schema (``MODEL@VERSION`` or a conformance path)."""
    ident = ident_of(ref)
    with _lock:
        if ident not in _drivers:
            _drivers[ident] = RustDriver(executable(), ident)
        return _drivers[ident]


def close_drivers() -> None:
    with _lock:
        drivers: list[Driver] = [*_drivers.values(), *_encoders.values()]
        _drivers.clear()
        _encoders.clear()
    for running in drivers:
        running.close()
