"""The generated C codecs on a big-endian host: s390x, cross-compiled and run under qemu-user.

Skipped unless ``s390x-linux-gnu-gcc`` and ``qemu-s390x`` are installed (Debian:
``apt-get install gcc-s390x-linux-gnu libc6-dev-s390x-cross qemu-user``). Every conformance
vector must give the manifest's state or error, and the re-encoding of every valid one the
reference codec's bytes; the API program's round trip, encode errors and CRC-32C must be
the same as on the little-endian host.
"""

from __future__ import annotations

import json
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from c import harness
from c.driver_gen import driver_source

from devstate.emit.c import CNames
from devstate.interp import encode
from devstate.state import state_to_json
from tools.conformance import CONFORMANCE_DIR, load_manifest, run_entry

CROSS_CC = "s390x-linux-gnu-gcc"
QEMU = "qemu-s390x"
pytestmark = pytest.mark.needs("big-endian")
MANIFEST = [entry for entry in load_manifest() if not entry.get("limits")]
FLAGS = ["-O2", "-static"]


def _cross_driver(ref: str, root: Path) -> Path:
    schema = harness.schema_of(ref)
    directory = root / CNames(schema).prefix
    sources = harness.write_codec(schema, directory)
    (directory / "driver.c").write_text(driver_source(schema), encoding="utf-8")
    return harness.compile_c([directory / "driver.c", *sources], directory / "driver", FLAGS, cc=CROSS_CC)


def _run(executable: Path, *args: str) -> str:
    result = subprocess.run([QEMU, str(executable), *args], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    return result.stdout


@pytest.fixture(scope="module")
def answers(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    """The big-endian driver's answer for every vector (one process per schema)."""
    root = tmp_path_factory.mktemp("s390x")
    refs = sorted({entry["schema"] for entry in MANIFEST})
    with ThreadPoolExecutor(max_workers=4) as pool:
        drivers = dict(zip(refs, pool.map(lambda ref: _cross_driver(ref, root), refs), strict=True))
    found: dict[str, dict[str, Any]] = {}
    for ref in refs:
        entries = [entry for entry in MANIFEST if entry["schema"] == ref]
        lines = _run(drivers[ref], *(str(CONFORMANCE_DIR / entry["blob"]) for entry in entries)).splitlines()
        found.update({entry["name"]: json.loads(line) for entry, line in zip(entries, lines, strict=True)})
    return found


@pytest.mark.parametrize("entry", MANIFEST, ids=lambda e: e["name"])
def test_vector_on_big_endian(entry: dict[str, Any], answers: dict[str, dict[str, Any]]) -> None:
    got = answers[entry["name"]]
    state, error = run_entry(entry)
    if error is not None:
        assert (got["ok"], got["code"], got["offset"], got["path"]) == (False, error.number, error.offset, error.path)
        return
    assert state is not None and got["ok"], got
    assert got["state"] == state_to_json(state)
    assert bytes.fromhex(got["encoded"]) == encode(harness.schema_of(entry["schema"]), state)


def test_api_on_big_endian(tmp_path: Path) -> None:
    sources = harness.write_codec(harness.schema_of("schemas/org.devstate.test/1.0.yaml"), tmp_path)
    big = harness.compile_c([harness.HERE / "api_test.c", *sources], tmp_path / "api", FLAGS, cc=CROSS_CC,
                            include=[tmp_path])
    little = harness.compile_c([harness.HERE / "api_test.c", *sources], tmp_path / "api_le", ["-O2"],
                               cc=harness.COMPILERS[0], include=[tmp_path])
    assert _run(big, "roundtrip") == "OK\n"
    for args in (["encode-errors"], ["crc", "0", "9", "1535", "4096", "24577", "100000"]):
        native = subprocess.run([str(little), *args], capture_output=True, text=True, check=True).stdout
        assert _run(big, *args) == native
