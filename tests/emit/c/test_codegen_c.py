"""The C backend: generated files, strict compiles with gcc and clang, the C API.

Conformance vectors and differential tests against the reference codec are in
test_codegen_c_conformance.py and test_codegen_c_differential.py.
"""

from __future__ import annotations

import copy
import os
import re
import subprocess
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from c import harness
from paths import ROOT
from system_packages import require

from devstate import ir
from devstate.emit import GENERATED_MARKER
from devstate.emit.c import CNames, EmitError, emit_c, emit_c_runtime
from devstate.interp import Trace, decode, encode
from devstate.schema import load_schema, schema_files
from devstate.state import State, default_state, state_to_json, type_default
from devstate.wire.checksum import crc32c
from devstate.wire.errors import DESCRIPTIONS, DecodeError, EncodeError, ErrorCode
from devstate.wire.limits import Limits

STANDARD = [load_schema(f.path) for f in schema_files()]
MODELS = [schema for schema in STANDARD if not schema.is_library]
CODEGEN = ROOT / "codegen" / "c"
TEST_10 = "schemas/org.devstate.test/1.0.yaml"
CONFORMANCE_SCHEMAS = [TEST_10, "schemas/org.devstate.test/1.1.yaml", "schemas/org.example.led/1.0.yaml"]
needs_cc = pytest.mark.needs("c-compiler")


# --- the generated files ----------------------------------------------------------------


@pytest.mark.parametrize("schema", MODELS, ids=lambda s: s.ident)
def test_one_header_and_one_source_per_model_version(schema: ir.Schema) -> None:
    files = emit_c(schema)
    prefix = CNames(schema).prefix
    assert sorted(files) == [f"{prefix}.c", f"{prefix}.h"]
    assert prefix == f"{schema.model.replace('.', '_')}_v{schema.version.major}_{schema.version.minor}"
    for text in files.values():
        assert GENERATED_MARKER in text.splitlines()[0]
        assert str(ROOT) not in text, "generated code must not name absolute paths"
    assert emit_c(schema) == files, "generation is deterministic"


def test_library_schemas_have_no_codec() -> None:
    library = next(schema for schema in STANDARD if schema.is_library)
    with pytest.raises(EmitError, match="library"):
        emit_c(library)


def test_generated_header_is_readable_and_includes_only_the_runtime() -> None:
    schema = next(s for s in MODELS if s.ident == "org.virtio.net@1.1")
    header = emit_c(schema)["org_virtio_net_v1_1.h"]
    includes = {line for line in header.splitlines() if line.startswith("#include")}
    assert includes == {'#include "dsf1.h"'}
    assert "#define DEVSTATE_E_" not in header, "error codes live in dsf1_errors.h only"
    assert "struct devstate_virtqueue" not in header
    assert "/* size: u16, max 32768, body offset 0 */" in header
    queues = "struct org_virtio_net_v1_1_virtio_virtqueue items[ORG_VIRTIO_NET_V1_1_SECTION_QUEUES_MAX];"
    assert f"uint32_t count; {queues}" in header
    source = emit_c(schema)["org_virtio_net_v1_1.c"]
    assert "malloc" not in source and "stdio" not in source


def test_the_runtime_is_three_files_and_no_model_carries_it() -> None:
    runtime = emit_c_runtime()
    assert sorted(runtime) == ["dsf1.c", "dsf1.h", "dsf1_errors.h"]
    for text in runtime.values():
        assert GENERATED_MARKER in text.splitlines()[0]
    definition = re.compile(r"^(?:static inline )?(?:int|size_t|void|u?int\d+_t) (dsf1_\w+)\(", re.MULTILINE)
    functions = definition.findall(runtime["dsf1.c"] + runtime["dsf1.h"])
    assert len(functions) >= 30
    for schema in MODELS:
        source = emit_c(schema)[f"{CNames(schema).prefix}.c"]
        assert not [name for name in functions if re.search(rf"^\w.* {name}\(", source, re.MULTILINE)], schema.ident
        assert "0x82f63b78" not in source.lower() and "crc_slices" not in source


def test_error_code_numbers_are_the_wire_numbers() -> None:
    errors = emit_c_runtime()["dsf1_errors.h"]
    defines = re.findall(r"^#define DEVSTATE_E_(\w+) (\d+) /\* (.*) \*/$", errors, re.MULTILINE)
    assert defines == [(code.name, str(int(code)), DESCRIPTIONS[code]) for code in ErrorCode]
    names = re.findall(r'^    case (\d+): return "(\w+)";$', errors, re.MULTILINE)
    assert names == [("0", "OK"), *((str(int(code)), code.name) for code in ErrorCode)]


def test_codegen_c_is_fresh() -> None:
    """codegen/c/ holds exactly the emitter's output for the standard schemas (gen --check)."""
    expected = {name: text for schema in MODELS for name, text in emit_c(schema).items()} | emit_c_runtime()
    generated = {p.name: p.read_text(encoding="utf-8") for p in CODEGEN.glob("*.[ch]")}
    assert sorted(generated) == sorted(expected)
    stale = [name for name in expected if generated[name] != expected[name]]
    assert not stale, f"stale generated C: {stale}; run `devstate gen --lang c`"


# --- compiling ------------------------------------------------------------------------------


EXTRA_WARNINGS = ["-Wconversion", "-Wsign-conversion", "-Wshadow", "-Wcast-qual", "-Wstrict-prototypes",
                  "-Wmissing-prototypes", "-Wundef"]


@needs_cc
@pytest.mark.parametrize("cc", harness.COMPILERS)
def test_every_generated_file_compiles_cleanly(cc: str, tmp_path: Path) -> None:
    """-std=c99 -Wall -Wextra -Werror -pedantic, at -O0 and -O2 (flow warnings), each model.

    Also clean with the stricter warnings firmware builds often use (conversions, shadowing).
    """
    schemas = [*MODELS, *(harness.schema_of(ref) for ref in CONFORMANCE_SCHEMAS)]
    sources = harness.unique([source for schema in schemas for source in harness.write_codec(schema, tmp_path)])

    def build(job: tuple[Path, str]) -> None:
        source, level = job
        harness.compile_c([source], tmp_path / f"{source.stem}{level}.o", [level, "-c", *EXTRA_WARNINGS], cc=cc)

    with ThreadPoolExecutor(max_workers=max(2, os.cpu_count() or 2)) as pool:
        list(pool.map(build, [(s, level) for s in sources for level in ("-O0", "-O2")]))


@needs_cc
def test_several_models_link_into_one_program(tmp_path: Path) -> None:
    picked = [s for s in MODELS if s.ident in ("org.virtio.net@1.0", "org.virtio.net@1.1", "org.virtio.blk@1.1")]
    sources = harness.unique([source for schema in picked for source in harness.write_codec(schema, tmp_path)])
    prefixes = [CNames(schema).prefix for schema in picked]
    main = [*[f'#include "{p}.h"' for p in prefixes], "#include <stdio.h>", "#include <stdlib.h>",
            "int main(void)", "{", "    int failures = 0;"]
    for prefix in prefixes:
        main += ["    {", f"        struct {prefix} *s = malloc(sizeof *s), *t = malloc(sizeof *t);",
                 "        static uint8_t buf[1 << 16];", "        size_t n = 0;",
                 f"        {prefix}_init(s);",
                 f"        failures += {prefix}_encode(s, buf, sizeof buf, &n, NULL) != DEVSTATE_OK;",
                 f"        failures += {prefix}_decode(buf, n, t, NULL) != DEVSTATE_OK;",
                 "        free(s);", "        free(t);", "    }"]
    main += ['    puts(failures ? "FAIL" : "OK");', "    return failures;", "}"]
    (tmp_path / "main.c").write_text("\n".join(main) + "\n", encoding="utf-8")
    exe = harness.compile_c([tmp_path / "main.c", *sources], tmp_path / "main", harness.SANITIZE)
    assert subprocess.run([str(exe)], capture_output=True, text=True, env=harness.ENV).stdout == "OK\n"


# --- the C API --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def api_test(tmp_path_factory: pytest.TempPathFactory) -> Callable[..., str]:
    require("c-compiler")
    directory = tmp_path_factory.mktemp("api")
    sources = harness.write_codec(harness.schema_of(TEST_10), directory)
    main = harness.HERE / "api_test.c"
    builds = {
        "hw": harness.compile_c([main, *sources], directory / "api", harness.SANITIZE, include=[directory]),
        "sw": harness.compile_c([main, *sources], directory / "api_sw", [*harness.SANITIZE, "-DDEVSTATE_NO_HW_CRC"],
                                include=[directory]),
    }

    def run(*args: str, build: str = "hw") -> str:
        result = subprocess.run([str(builds[build]), *args], capture_output=True, text=True, env=harness.ENV)
        assert result.returncode == 0 and not result.stderr, result.stdout + result.stderr
        return result.stdout

    return run


def _unknown(section_id: int, flags: int = 1, **extra: Any) -> dict[str, Any]:
    return {"id": section_id, "flags": flags, **extra, "payload": b"\x01\x02\x03"}


def _set(path: str, value: Any) -> Callable[[State], None]:
    def apply(state: State) -> None:
        *parents, last = path.split(".")
        target: Any = state
        for key in parents:
            target = target[int(key)] if isinstance(target, list) else target[key]
        target[last] = value
    return apply


ENTRY = {"id": 0, "caps": [], "value": 0}
EXTRA = {"pair": [dict(ENTRY), dict(ENTRY)], "words": []}
ENCODE_CASES: dict[str, list[Callable[[State], None]]] = {
    "valid": [],
    "count_below_min": [_set("sections.main.count", 0)],
    "closed_enum": [_set("sections.main.mode", "undeclared")],
    "open_enum_undeclared": [_set("sections.main.speed", 999)],
    "count_over_max": [_set("sections.entries", [ENTRY] * 9)],
    "undeclared_flag": [_set("sections.entries", [{**ENTRY, "caps": ["undeclared"]}])],
    "string_over_max": [_set("sections.main.name", "abcdefghijklmnopqrstuvwxyzabcdefg")],
    "bad_utf8": [_set("sections.main.name", "\udcff")],
    "null_bytes": [_set("sections.main.blob", None)],
    "fixed_bytes_length": [_set("sections.main.key", b"\x00\x00\x00")],
    "nested_out_of_range": [_set("sections.main.nested.x", 101)],
    "element_out_of_range": [_set("sections.main.levels", [0, 1001])],
    "stride_element": [_set("sections.extra", {**EXTRA, "pair": [ENTRY, {**ENTRY, "value": 1000001}]})],
    "inner_count_over_max": [_set("sections.extra", {**EXTRA, "words": [[0, 0]] * 4})],
    "string_element_over_max": [_set("sections.tags", ["123456789"])],
    "opaque_over_max": [_set("vendor_sections.acme_blob", bytes(33))],
    "unknown_id_zero": [_set("unknown_sections", [_unknown(0)])],
    "unknown_bad_flags": [_set("unknown_sections", [_unknown(100, 4)])],
    "unknown_known_id": [_set("unknown_sections", [_unknown(3)])],
    "unknown_duplicate": [_set("unknown_sections", [_unknown(100), _unknown(100)])],
    "unknown_bad_vendor": [_set("unknown_sections", [_unknown(1, 3, vendor="pci:0x0000")])],
    "known_before_unknown": [_set("unknown_sections", [_unknown(0)]), _set("sections.main.count", 0)],
    "unknown_sorted": [_set("unknown_sections", [_unknown(101), _unknown(100)])],
}


def _reference_encode(case: str) -> str:
    schema = harness.schema_of(TEST_10)
    state = copy.deepcopy(default_state(schema))
    for change in ENCODE_CASES[case]:
        change(state)
    try:
        return f"{case} OK {encode(schema, state).hex()}"
    except EncodeError as exc:
        return f"{case} {exc.code} {exc.path}"


def test_encoding_checks_every_constraint_like_the_reference(api_test: Callable[..., str]) -> None:
    lines = api_test("encode-errors").splitlines()
    assert [line.split()[0] for line in lines] == list(ENCODE_CASES)
    assert lines == [_reference_encode(case) for case in ENCODE_CASES]


def test_encode_decode_api(api_test: Callable[..., str]) -> None:
    """Buffer sizing, NULL err, zero-copy views, canonical re-encoding, limits, enum names."""
    assert api_test("roundtrip") == "OK\n"


CRC_SIZES = [0, 1, 7, 8, 9, 63, 3 * 512 - 1, 3 * 512, 3 * 512 + 1, 4096, 3 * 8192 - 1, 3 * 8192, 3 * 8192 + 1,
             3 * 8192 + 3 * 512 + 9, 6 * 8192 + 13, 1_000_003]


@pytest.mark.parametrize("build", ["hw", "sw"])
def test_crc32c_matches_the_wire_runtime(api_test: Callable[..., str], build: str) -> None:
    """Hardware (3 interleaved streams, two lane lengths) and slicing-by-8, around the lane sizes."""
    data, x = bytearray(), 12345
    for _ in range(max(CRC_SIZES)):
        x = (x * 1103515245 + 12345) & 0xFFFFFFFF
        data.append((x >> 16) & 0xFF)
    lines = api_test("crc", *map(str, CRC_SIZES), build=build).splitlines()
    assert lines == [f"{n} {crc32c(bytes(data[:n])):08x}" for n in CRC_SIZES]


# --- version tolerance -------------------------------------------------------------------------


@pytest.fixture
def net_drivers() -> Any:
    require("c-compiler")
    harness.prebuild(["org.virtio.net@1.0", "org.virtio.net@1.1"])
    yield harness.driver
    harness.close_drivers()


def _net_11_blob(**appended: Any) -> tuple[bytes, Trace]:
    schema = harness.schema_of("org.virtio.net@1.1")
    state = default_state(schema)
    queue = type_default(schema, ir.NamedRef(name="virtio.virtqueue", target_kind="struct", fixed_size=None))
    state["sections"]["queues"] = [{**queue, "size": 256}, {**queue, "size": 256, **appended}]
    blob = encode(schema, state)
    trace = Trace()
    decode(schema, blob, trace=trace)
    return blob, trace


def test_older_c_reader_accepts_zero_appended_fields(net_drivers: Any) -> None:
    blob, _ = _net_11_blob()
    got = net_drivers("org.virtio.net@1.0").decode(blob)
    assert got["ok"], got
    assert got["state"] == state_to_json(decode(harness.schema_of("org.virtio.net@1.0"), blob))
    assert got["state"]["version"] == "1.0" and "avail_wrap_counter" not in got["state"]["sections"]["queues"][1]


def test_older_c_reader_refuses_nonzero_appended_fields(net_drivers: Any) -> None:
    blob, trace = _net_11_blob(used_wrap_counter=True)
    offset = next(e.offset for e in trace.entries if e.path == "$.sections.queues[1].used_wrap_counter")
    got = net_drivers("org.virtio.net@1.0").decode(blob)
    assert (got["name"], got["offset"], got["path"]) == ("NONZERO_TAIL", offset, "$.sections.queues[1]")


def test_newer_c_reader_fills_defaults(net_drivers: Any) -> None:
    old = harness.schema_of("org.virtio.net@1.0")
    blob = encode(old, default_state(old))
    got = net_drivers("org.virtio.net@1.1").decode(blob)
    new = harness.schema_of("org.virtio.net@1.1")
    assert got["ok"] and got["state"] == state_to_json(decode(new, blob))
    config = got["state"]["sections"]["config"]
    assert (config["speed"], config["duplex"], config["supported_hash_types"]) == (0, "half", [])
    assert got["state"]["sections"]["ctrl"]["guest_offloads_disabled"] == 0
    assert bytes.fromhex(got["encoded"]) == encode(new, decode(new, blob)), "re-encoded as canonical 1.1"


# --- fixed capacities (the one intended difference from the reference codec) -------------------


def test_the_33rd_unknown_section_is_limit_exceeded_in_c_and_the_reference(net_drivers: Any) -> None:
    """max_unknown_sections (32) is the format's limit, and a C state's capacity: both codecs refuse
    the 33rd alike; raised to 33, the reference keeps 33 and C still stops at its capacity."""
    schema = harness.schema_of("org.virtio.net@1.1")
    state = default_state(schema)
    state["unknown_sections"] = [{"id": 100 + i, "flags": 1, "payload": bytes([i])} for i in range(33)]
    blob = encode(schema, state)
    offset = blob.rindex(bytes([132 & 0xFF, 0, 1, 0, 1, 0, 0, 0, 32]))  # id 132, OPTIONAL, length 1, payload 32
    with pytest.raises(DecodeError) as error:
        decode(schema, blob)
    assert (error.value.code, error.value.offset, error.value.path) == ("LIMIT_EXCEEDED", offset, "$.sections[id=132]")
    got = net_drivers("org.virtio.net@1.1").decode(blob)
    assert (got["name"], got["offset"], got["path"]) == ("LIMIT_EXCEEDED", offset, "$.sections[id=132]")
    raised = Limits(max_unknown_sections=33)
    assert len(decode(schema, blob, raised)["unknown_sections"]) == 33
    assert net_drivers("org.virtio.net@1.1").decode(blob, raised)["name"] == "LIMIT_EXCEEDED"
    state["unknown_sections"].pop()
    assert net_drivers("org.virtio.net@1.1").decode(encode(schema, state))["ok"]
