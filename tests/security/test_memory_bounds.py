"""Bounded memory: a blob's claims never make a decoder allocate beyond its size plus a constant.

Hostile blobs claim 4 GiB regions and strings, counts of 2^30 and more, and lengths that
run past their container. Every decoder checks each claim against the declared maximum,
the region limit and the bytes that remain before it allocates, so its peak memory is
bounded by the input's size plus a small constant, and a real large region is a view of
the input, not a copy:

- Python (generated codec and reference): ``tracemalloc`` peak during decoding;
- C (the generated codec in a minimal -O2 program without sanitizers): the process's peak
  RSS (``VmHWM`` from /proc/self/status, read by the program after decoding: ``ru_maxrss``
  would count the forked Python parent), against the same program on a tiny blob.
"""

from __future__ import annotations

import contextlib
import json
import struct
import subprocess
import sys
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from c import harness
from paths import ROOT
from system_packages import require

from devstate.interp import decode, encode, encode_pieces
from devstate.state import state_to_json
from devstate.state_input import read_state
from devstate.wire.errors import DecodeError
from devstate.wire.inspect import inspect_blob
from devstate.wire.limits import Limits
from tools.conformance import CONFORMANCE_DIR, entry_limits, load_manifest, put, resolve_schema
from tools.malicious import HOSTILE, Located, hostile_state

sys.path.insert(0, str(ROOT / "fuzz"))
import fuzzkit

KIB = 1024
MIB = 1024 * KIB
PYTHON_SLACK = 256 * KIB
C_SLACK_KB = 2 * 1024
MALICIOUS = [e for e in load_manifest() if e.get("class") == "malicious"]
RAISED = Limits(max_region_size=(1 << 32) - 1)
"""A reader that allows 4 GiB regions: only the remaining input bounds a claim."""


def _claims() -> dict[str, bytes]:
    """Hostile-model blobs whose prefixes claim far more than the blob holds."""
    schema = resolve_schema(HOSTILE)
    located = Located.of(schema, hostile_state(schema))
    at, blob = located.at, located.blob
    u32 = lambda value: struct.pack("<I", value)  # noqa: E731
    return {
        "region 4 GiB": put(blob, at("$.sections.region.data"), u32(0xFFFF_FFFF)),
        "region 256 MiB": put(blob, at("$.sections.region.data"), u32(0x0FFF_FFFF)),
        "string 4 GiB": put(blob, at("$.sections.log.text"), u32(0xFFFF_FFFE)),
        "words 2^30+1": put(blob, at("$.sections.log.words"), u32(0x4000_0001)),
        "words 4096": put(blob, at("$.sections.log.words"), u32(4096)),
        "cells stride 1 GiB": put(blob, at("$.sections.log.cells") + 4, u32(0x4000_0000)),
        "section 4 GiB": put(blob, located.section(2)[1].offset + 4, u32(0xFFFF_FFFF)),
    }


def _region_blob(size: int) -> bytes:
    schema = resolve_schema(HOSTILE)
    state = hostile_state(schema)
    state["sections"]["region"]["data"] = bytes(size)
    return encode(schema, state)


def _peak(call: Callable[[], Any]) -> int:
    call()  # warm caches (compiled structs, imports) outside the measurement
    tracemalloc.start()
    try:
        call()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def _quietly(decode_call: Callable[[], Any], errors: tuple[type[Exception], ...]) -> Callable[[], None]:
    def call() -> None:
        with contextlib.suppress(*errors):
            decode_call()

    return call


def _python_peaks(ref: str, blob: bytes, limits: Limits) -> tuple[int, int]:
    schema, module = fuzzkit.schema_of(ref), fuzzkit.python_module(ref)
    runtime = sys.modules[module.__name__.rpartition(".")[0] + "._runtime"]
    py_limits = runtime.Limits(**limits.to_json())
    reference = _peak(_quietly(lambda: decode(schema, blob, limits), (DecodeError,)))
    generated = _peak(_quietly(lambda: module.decode(blob, py_limits), (runtime.DecodeError,)))
    return reference, generated


@pytest.mark.parametrize("entry", MALICIOUS, ids=[e["name"] for e in MALICIOUS])
def test_python_decoders_on_malicious_vectors(entry: dict[str, Any]) -> None:
    blob = (CONFORMANCE_DIR / entry["blob"]).read_bytes()
    reference, generated = _python_peaks(entry["schema"], blob, entry_limits(entry))
    assert reference <= len(blob) + PYTHON_SLACK and generated <= len(blob) + PYTHON_SLACK, (reference, generated)


@pytest.mark.parametrize("claim", list(_claims()))
def test_python_decoders_on_huge_claims_with_a_4_gib_region_limit(claim: str) -> None:
    blob = _claims()[claim]
    reference, generated = _python_peaks(HOSTILE, blob, RAISED)
    assert reference <= PYTHON_SLACK and generated <= PYTHON_SLACK, (claim, reference, generated)


def test_python_decoders_keep_a_large_region_as_a_view() -> None:
    blob = _region_blob(16 * MIB)
    reference, generated = _python_peaks(HOSTILE, blob, Limits())
    assert reference <= PYTHON_SLACK and generated <= PYTHON_SLACK, (reference, generated)


# --- amplification: many empty unknown sections (spec/security.md, "Amplification") ------------------

NET = "org.virtio.net@1.1"
SECTION_BYTES = 26
"""An empty unknown vendor section: 8-byte section header and 18-byte vendor header."""
UNLIMITED = Limits(max_sections=1 << 40, max_unknown_sections=1 << 40)
BYTES_PER_SECTION = {"reference": 300, "reference-json": 500, "inspect": 170, "generated": 180}
"""The bound stated in spec/security.md for each path, per kept 26-byte section (measured: 284, 476, 152, 164)."""
INSPECT_JSON_BYTES_PER_SECTION = 200
"""``devstate inspect --json`` as a whole: the file (26 B a section), ``inspect_blob``'s report and
the JSON array made 256 entries at a time (measured: 179-186; 687-707 with the array built first)."""


def _unknown_sections(count: int) -> bytes:
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from bench_amplification import blob

    return blob(count)


def _amplification_peaks(count: int) -> dict[str, int]:
    data = _unknown_sections(count)
    schema, module = fuzzkit.schema_of(NET), fuzzkit.python_module(NET)
    runtime = sys.modules[module.__name__.rpartition(".")[0] + "._runtime"]
    generated_limits = runtime.Limits(**UNLIMITED.to_json())
    return {
        "reference": _peak(lambda: decode(schema, data, UNLIMITED)),
        "reference-json": _peak(lambda: state_to_json(decode(schema, data, UNLIMITED))),
        "inspect": _peak(lambda: inspect_blob(data, UNLIMITED)),
        "generated": _peak(lambda: module.decode(data, generated_limits)),
    }


def test_unknown_sections_cost_memory_linear_in_the_input_within_the_stated_bound() -> None:
    small, large = _amplification_peaks(5_000), _amplification_peaks(20_000)
    for path, bound in BYTES_PER_SECTION.items():
        assert large[path] <= 20_000 * bound, (path, large[path] / 20_000)
        assert 3.5 <= large[path] / small[path] <= 4.5, (path, small[path], large[path])  # 4x sections, 4x memory


def test_inspect_json_of_many_sections_is_within_200_bytes_per_section(tmp_path: Path) -> None:
    """The report's sections are printed as a streamed array (``cli.output.JsonArray``), never
    built as one dict per section; the output is what ``json.dumps`` gives the whole document."""
    import io
    import os

    from devstate.cli.inspect_verb import inspect_file

    counts, peaks = (5_000, 20_000), []
    for count in counts:
        path = tmp_path / f"sections-{count}.dsf"
        path.write_bytes(_unknown_sections(count))
        with open(os.devnull, "w", encoding="utf-8") as null, contextlib.redirect_stdout(null):
            peaks.append(_peak(lambda: inspect_file(path, True, UNLIMITED)))  # noqa: B023
    assert peaks[1] <= counts[1] * INSPECT_JSON_BYTES_PER_SECTION, peaks[1] / counts[1]
    assert peaks[0] <= counts[0] * INSPECT_JSON_BYTES_PER_SECTION + PYTHON_SLACK * 4, peaks[0] / counts[0]
    text = io.StringIO()
    with contextlib.redirect_stdout(text):
        inspect_file(path, True, UNLIMITED)
    document = json.loads(text.getvalue())
    assert len(document["sections"]) == 20_000 + 7 and text.getvalue() == json.dumps(document, indent=2) + "\n"
    assert document["sections"][-1] == {"offset": len(path.read_bytes()) - 4 - 26, "id": 20_000,
                                        "vendor": "pci:0x1000", "name": None, "flags": ["OPTIONAL", "VENDOR"],
                                        "length": 18}


def test_inspect_of_many_sections_prints_its_table_within_200_bytes_per_section(tmp_path: Path) -> None:
    """The plain table is aligned from a first pass over the sections and written 1024 lines at
    a time (``cli.output.aligned_lines``), never held whole: the lines ``aligned_columns`` gives."""
    import io
    import os

    from devstate.cli.inspect_verb import inspect_file
    from devstate.cli.output import aligned_columns

    path = tmp_path / "sections.dsf"
    path.write_bytes(_unknown_sections(20_000))
    with open(os.devnull, "w", encoding="utf-8") as null, contextlib.redirect_stdout(null):
        peak = _peak(lambda: inspect_file(path, False, UNLIMITED))
    assert peak <= 20_000 * INSPECT_JSON_BYTES_PER_SECTION, peak / 20_000
    text = io.StringIO()
    with contextlib.redirect_stdout(text):
        inspect_file(path, False, UNLIMITED)
    lines = text.getvalue().split("\n")
    assert len(lines) == 2 + 1 + 20_007 + 1 and lines[-1] == ""
    rows = [tuple(line.split()) for line in lines[2:-1]]
    assert lines[2:-1] == aligned_columns(rows, (True, True, False, False, True))
    assert lines[-2] == f"{len(path.read_bytes()) - 30}  pci:0x1000#20000  ?            OPTIONAL,VENDOR      18"


def test_the_default_limits_refuse_many_unknown_sections_after_the_32nd() -> None:
    data = _unknown_sections(20_000)
    schema, module = fuzzkit.schema_of(NET), fuzzkit.python_module(NET)
    runtime = sys.modules[module.__name__.rpartition(".")[0] + "._runtime"]
    with pytest.raises(DecodeError) as reference:
        decode(schema, data)
    with pytest.raises(runtime.DecodeError) as generated:
        module.decode(data)
    for error in (reference.value, generated.value):
        assert (error.code, error.path) == ("LIMIT_EXCEEDED", "$.vendor_sections[pci:0x1000#33]")
    assert reference.value.offset == generated.value.offset
    report = inspect_blob(data)
    assert len(report.sections) == 4096 and report.error is not None
    assert (report.error.code, report.error.path) == ("LIMIT_EXCEEDED", "$.sections")
    peaks = _python_peaks(NET, data, Limits())
    assert max(peaks) <= PYTHON_SLACK, peaks  # 32 kept sections, whatever the input holds


# --- C: peak RSS of a child process ------------------------------------------------------------------

MEASURE_C = r"""
#include DS_HEADER
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#define DS_CAT2(a, b) a##b
#define DS_CAT(a, b) DS_CAT2(a, b)
#define DS_FN(name) DS_CAT(DS_PREFIX, DS_CAT(_, name))
static struct DS_PREFIX state;
int main(int argc, char **argv)
{
    FILE *f = fopen(argv[1], "rb");
    struct devstate_limits limits = DEVSTATE_DEFAULT_LIMITS;
    limits.max_region_size = (uint64_t)strtoull(argv[2], NULL, 10);
    struct devstate_error err;
    long n;
    uint8_t *blob;
    if (argc < 3 || f == NULL || fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0) return 90;
    rewind(f);
    blob = malloc((size_t)n ? (size_t)n : 1);
    if (blob == NULL || fread(blob, 1, (size_t)n, f) != (size_t)n) return 91;
    fclose(f);
    printf("%d ", DS_FN(decode_with_limits)(blob, (size_t)n, &limits, &state, &err));
    free(blob);
    f = fopen("/proc/self/status", "r");
    if (f == NULL) return 92;
    {
        char line[256];
        while (fgets(line, sizeof line, f) != NULL)
            if (strncmp(line, "VmHWM:", 6) == 0) fputs(line + 6, stdout);
    }
    fclose(f);
    return 0;
}
"""


@pytest.fixture(scope="module")
def measure(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from devstate.emit.c import CNames

    schema = resolve_schema(HOSTILE)
    directory = tmp_path_factory.mktemp("rss")
    prefix = CNames(schema).prefix
    sources = harness.write_codec(schema, directory)
    (directory / "measure.c").write_text(MEASURE_C, encoding="utf-8")
    require("c-compiler")
    cc = harness.COMPILERS[0]
    return harness.compile_c([directory / "measure.c", *sources], directory / "measure",
                             ["-O2", f"-DDS_PREFIX={prefix}", f'-DDS_HEADER="{prefix}.h"'], cc=cc,
                             include=[directory])


def _rss_kb(program: Path, blob: bytes, directory: Path, region_limit: int) -> tuple[int, int]:
    """(decode result code, peak RSS in KiB) of one run of the measuring program."""
    if not Path("/proc/self/status").exists():
        pytest.skip("needs /proc (Linux)")
    path = directory / "blob.dsf"
    path.write_bytes(blob)
    result = subprocess.run([str(program), str(path), str(region_limit)], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result
    code, hwm, unit = result.stdout.split()
    assert unit == "kB"
    return int(code), int(hwm)


@pytest.mark.needs("c-compiler")
def test_c_decoder_peak_rss_is_input_size_plus_a_constant(measure: Path, tmp_path: Path) -> None:
    schema = resolve_schema(HOSTILE)
    tiny = encode(schema, hostile_state(schema))
    _, baseline = _rss_kb(measure, tiny, tmp_path, RAISED.max_region_size)
    for claim, blob in _claims().items():
        code, rss = _rss_kb(measure, blob, tmp_path, RAISED.max_region_size)
        assert code != 0, claim
        assert rss <= baseline + C_SLACK_KB, (claim, rss, baseline)
    for entry in MALICIOUS:
        if entry["schema"] == HOSTILE:
            blob = (CONFORMANCE_DIR / entry["blob"]).read_bytes()
            assert _rss_kb(measure, blob, tmp_path, entry_limits(entry).max_region_size)[1] <= baseline + C_SLACK_KB
    region = _region_blob(32 * MIB)
    code, rss = _rss_kb(measure, region, tmp_path, RAISED.max_region_size)
    assert code == 0
    assert rss <= baseline + len(region) // KIB + C_SLACK_KB, (rss, baseline, len(region) // KIB)


def _region_json(size: int) -> tuple[Any, Any, bytes]:
    schema = resolve_schema(HOSTILE)
    state = hostile_state(schema)
    state["sections"]["region"]["data"] = bytes(range(256)) * (size // 256)
    return schema, json.loads(json.dumps(state_to_json(state))), encode(schema, state)


def test_a_region_from_json_is_converted_and_encoded_within_twice_its_size() -> None:
    """read_state (the hex string's bytes: 1x) and encode (the blob: 1x); the payload and the
    blob are built from the state's own bytes, not copies (spec/security.md, "Amplification")."""
    schema, data, expected = _region_json(4 * MIB)

    def convert_and_encode() -> None:
        assert encode(schema, read_state(data, schema)) == expected

    assert _peak(convert_and_encode) <= 2 * 4 * MIB + PYTHON_SLACK


def test_a_region_from_json_is_converted_and_encoded_as_pieces_within_its_size() -> None:
    """encode_pieces (what ``devstate encode`` writes): the region is in memory once, as the state's bytes."""
    schema, data, expected = _region_json(4 * MIB)
    pieces: list[Any] = []

    def convert_and_encode() -> None:
        pieces[:] = encode_pieces(schema, read_state(data, schema))

    assert _peak(convert_and_encode) <= 4 * MIB + PYTHON_SLACK
    assert b"".join(pieces) == expected



# --- decode → encode and convert of a large region: the region stays the input's bytes ------------


def _hostile_lookup(directory: Path) -> Callable[[Any], Any]:
    """org.devstate.hostile 1.0 and a 1.1 with a field after the region (convert re-encodes its section)."""
    from devstate.schema import load_schema

    text = (CONFORMANCE_DIR / HOSTILE).read_text(encoding="utf-8")
    newer = directory / "org.devstate.hostile" / "1.1.yaml"
    newer.parent.mkdir()
    newer.write_text(text.replace('version: "1.0"', 'version: "1.1"').replace(
        "doc: The region's bytes.}", "doc: The region's bytes.}\n      - {name: flags, type: u32}"), encoding="utf-8")
    schemas = {s.version: s for s in (resolve_schema(HOSTILE), load_schema(newer))}
    assert len(schemas) == 2
    return schemas.__getitem__


def test_a_decoded_region_is_encoded_again_as_pieces_without_a_copy() -> None:
    """The decoder's region is a read-only view of the blob; encode_pieces keeps it (spec/security.md)."""
    schema, blob = resolve_schema(HOSTILE), _region_blob(16 * MIB)
    pieces: list[Any] = []

    def decode_and_encode() -> None:
        pieces[:] = encode_pieces(schema, decode(schema, blob))

    assert _peak(decode_and_encode) <= PYTHON_SLACK
    assert b"".join(pieces) == blob
    assert any(isinstance(p, memoryview) and p.obj is blob and len(p) == 16 * MIB for p in pieces)


def test_convert_re_encodes_a_changed_region_section_without_copying_the_region(tmp_path: Path) -> None:
    """convert_blob 1.0 → 1.1 re-encodes the region's section (its layout changed) from the
    input's view: its peak is not the region (2x before: the copy and the joined blob)."""
    from devstate.blob_convert import convert_blob
    from devstate.ir import Version

    lookup = _hostile_lookup(tmp_path)
    blob = _region_blob(16 * MIB)
    newer = lookup(Version(1, 1))
    state = decode(resolve_schema(HOSTILE), blob)
    state["version"] = "1.1"
    state["sections"]["region"]["flags"] = 0
    expected = encode(newer, state)
    del state
    converted: list[Any] = []

    def convert() -> None:
        converted[:] = [convert_blob(blob, Version(1, 1), lookup)]

    assert _peak(convert) <= PYTHON_SLACK
    assert converted[0].to_bytes() == expected
    assert converted[0].reused == ["sections.log", "sections.table", "vendor_sections.firmware"]  # not the region


def test_a_region_from_standard_input_is_encoded_within_1_25_times_its_size(tmp_path: Path) -> None:
    """devstate encode - reads standard input in 256 KiB chunks like a file (it had read up to its
    1 GiB limit at once: a 1 GiB buffer, and the whole text held) and spools them to a temporary
    file past 1 MiB, for the inputs parsed again whole: the region's bytes and an eighth more."""
    from click.testing import CliRunner

    from devstate.cli import main

    _, data, expected = _region_json(4 * MIB)
    source = tmp_path / "state.json"
    source.write_text(json.dumps(data), encoding="utf-8")
    output = tmp_path / "out.dsf"
    args = ["encode", "-", "--schema", str(CONFORMANCE_DIR / HOSTILE), "-o", str(output)]

    def encode_from_stdin() -> None:
        with source.open("rb") as stdin:
            result = CliRunner().invoke(main, args, input=stdin)
        assert result.exit_code == 0, result.output

    assert _peak(encode_from_stdin) <= 1.25 * 4 * MIB + 512 * KIB
    assert output.read_bytes() == expected


def _piped_stdin(monkeypatch: pytest.MonkeyPatch, data: bytes) -> None:
    """Standard input as a real pipe (a BufferedReader, as a shell gives it), fed by a thread."""
    import io
    import os
    import threading

    read_end, write_end = os.pipe()

    def feed() -> None:
        with open(write_end, "wb") as pipe, contextlib.suppress(BrokenPipeError):
            pipe.write(data)

    threading.Thread(target=feed, daemon=True).start()
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BufferedReader(io.FileIO(read_end, "r"))))


def test_standard_input_is_read_within_its_size_not_its_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    """`decode -`, `check-migration --dest -`, fleet `-`: a small input under the default 1 GiB limit
    costs its size (one read of the limit's size allocated the whole limit)."""
    from devstate.cli.streams import read_stdin
    from devstate.fileio import FileTooLargeError

    data = bytes(range(256)) * 12_000  # 3 MB: three chunks
    _piped_stdin(monkeypatch, data)
    tracemalloc.start()
    try:
        assert read_stdin(1 << 30) == data
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 2 * len(data) + (2 << 20), peak
    _piped_stdin(monkeypatch, data)
    with pytest.raises(FileTooLargeError):
        read_stdin(len(data) - 1)
