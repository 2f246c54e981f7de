"""Shared by the fuzz scripts and the fuzz tests: decoders, seeds, input preparation, mutators.

Three decoders ("legs") read DSF blobs and must make the same decision on every input:

- ``reference``: devstate's construct interpreter (``devstate.interp``);
- ``python``: the generated stdlib-only Python codec (the committed ``codegen/python`` package
  for standard schemas, a freshly generated module for the conformance-only ones);
- ``c``: the generated C codec, through the ASan/UBSan JSON driver of ``tests/support/c/harness``.

Each leg's answer is an ``Outcome``: ``("ok", state_json, canonical_encoding_hex)`` or
``("error", code_number, offset, path)``. ``prepare`` is the input transformation the
libFuzzer target (``tests/support/c/fuzz_decode.c``) applies too, so every fuzzer sees the same
blob for the same bytes.
"""

from __future__ import annotations

import functools
import importlib
import random
import shutil
import struct
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.append(str(ROOT))  # the conformance vectors' tooling is tools/, in the checkout
CODEGEN_PYTHON = ROOT / "codegen" / "python"
TEST_SUPPORT = ROOT / "tests" / "support"
FUZZ_PACKAGE = "devstate_codecs_fuzz"
CONFORMANCE_REFS = ["schemas/org.devstate.test/1.0.yaml", "schemas/org.devstate.test/1.1.yaml",
                    "schemas/org.example.led/1.0.yaml", "schemas/org.devstate.hostile/1.0.yaml"]

Outcome = tuple[Any, ...]


# --- schemas and seeds ------------------------------------------------------------------------


def standard_refs() -> list[str]:
    """``MODEL@VERSION`` of every standard schema that has a codec (not a types-only library)."""
    from tools.conformance import standard_refs as refs

    return refs()


def all_refs() -> list[str]:
    """Every decoder the project generates: the standard schemas and the conformance-only ones."""
    return [*standard_refs(), *CONFORMANCE_REFS]


def schema_of(ref: str) -> Any:
    from tools.conformance import resolve_schema

    return resolve_schema(ref)


def seeds(ref: str) -> list[bytes]:
    """The conformance vectors read by ``ref`` (valid, invalid and malicious), plus a default state."""
    from devstate.interp import encode
    from devstate.state import default_state
    from tools.conformance import CONFORMANCE_DIR, load_manifest

    schema = schema_of(ref)
    blobs = [(CONFORMANCE_DIR / e["blob"]).read_bytes() for e in load_manifest()
             if schema_of(e["schema"]).ident == schema.ident]
    blobs.append(encode(schema, default_state(schema)))
    return list(dict.fromkeys(blobs))


def write_corpus(ref: str, directory: Path) -> Path:
    """A libFuzzer/atheris corpus directory seeded with ``seeds(ref)``."""
    directory.mkdir(parents=True, exist_ok=True)
    for index, blob in enumerate(seeds(ref)):
        (directory / f"seed-{index:03d}.dsf").write_bytes(blob)
    return directory


# --- input preparation (identical to tests/support/c/fuzz_decode.c) ------------------------------


def prepare(data: bytes) -> bytes:
    """Re-seal a fuzzer input so mutations reach the sections, with the envelope still fuzzed.

    Inputs of 28 bytes or more: the last byte's bit 0 clear → total_length set to the input's
    length; bits 1 and 2 not both set → the CRC-32C trailer recomputed. (The last byte is
    overwritten by a recomputed CRC, so it is free for these choices.)
    """
    if len(data) < 28:
        return data
    from devstate.wire.checksum import crc32c

    out = bytearray(data)
    choice = data[-1]
    if not choice & 1:
        out[16:24] = struct.pack("<Q", len(out))
    if choice & 6 != 6:
        out[-4:] = struct.pack("<I", crc32c(bytes(out[:-4])))
    return bytes(out)


def seal(data: bytes | bytearray) -> bytes:
    """total_length and CRC-32C fixed (``tools.conformance.reseal``)."""
    from tools.conformance import reseal

    return reseal(data)


# --- the four legs ------------------------------------------------------------------------------


def reference_outcome(schema: Any, blob: bytes, limits: Any = None) -> Outcome:
    from devstate.interp import decode, encode
    from devstate.state import state_to_json
    from devstate.wire.errors import DecodeError
    from devstate.wire.limits import DEFAULT_LIMITS

    try:
        state = decode(schema, blob, limits or DEFAULT_LIMITS)
    except DecodeError as exc:
        return ("error", exc.number, exc.offset, exc.path)
    return ("ok", state_to_json(state), encode(schema, state).hex())


def python_outcome(module: ModuleType, blob: bytes, limits: Any = None) -> Outcome:
    from devstate.state import state_to_json

    runtime = sys.modules[module.__name__.rpartition(".")[0] + "._runtime"]
    try:
        state = module.decode(blob, limits or runtime.DEFAULT_LIMITS)
    except runtime.DecodeError as exc:
        return ("error", exc.number, exc.offset, exc.path)
    return ("ok", state_to_json(module.to_state(state)), module.encode(state).hex())


def driver_outcome(driver: Any, blob: bytes, limits: Any = None) -> Outcome:
    """The answer of a test driver (C or Rust: the same protocol) as an outcome."""
    from devstate.wire.limits import DEFAULT_LIMITS

    got = driver.decode(blob, limits or DEFAULT_LIMITS)
    if not got["ok"]:
        return ("error", got["code"], got["offset"], got["path"])
    if "encoded" not in got or not got.get("size_ok"):
        return ("driver-encode-failed", got)
    return ("ok", got["state"], got["encoded"])


@functools.cache
def _generated_package() -> Path:
    """The conformance-only schemas generated as ``devstate_codecs_fuzz`` in a temporary directory."""
    from devstate.emit.generate import emit_files, write_files
    from devstate.emit.python import PACKAGE

    root = Path(tempfile.mkdtemp(prefix="devstate-fuzz-codecs-"))
    schemas = [schema_of(ref) for ref in all_refs()]
    files = emit_files("python", schemas)
    write_files(root, {name.replace(f"{PACKAGE}/", f"{FUZZ_PACKAGE}/", 1): text for name, text in files.items()})
    import atexit

    atexit.register(shutil.rmtree, root, True)
    return root


def python_module(ref: str, *, committed: bool = True) -> ModuleType:
    """The generated Python codec of ``ref``: the committed one when it exists (and ``committed``)."""
    from devstate.emit import module_stem

    schema = schema_of(ref)
    name = module_stem(schema.model, schema.version)
    if committed and (CODEGEN_PYTHON / "devstate_codecs" / f"{name}.py").exists():
        if str(CODEGEN_PYTHON) not in sys.path:
            sys.path.insert(0, str(CODEGEN_PYTHON))
        return importlib.import_module(f"devstate_codecs.{name}")
    root = str(_generated_package())
    if root not in sys.path:
        sys.path.insert(0, root)
    return importlib.import_module(f"{FUZZ_PACKAGE}.{name}")


def c_harness() -> ModuleType:
    """``tests/support/c/harness`` (builds and runs the sanitized C driver of a schema)."""
    for path in (TEST_SUPPORT, ROOT):  # the harness imports tests/support/system_packages, which imports tools/
        if str(path) not in sys.path:
            sys.path.insert(0, str(path))
    return importlib.import_module("c.harness")


def rust_codec() -> ModuleType:
    """``tests/support/rust/codec`` (builds and runs the generated Rust codecs' test driver)."""
    c_harness()
    return importlib.import_module("rust.codec")


class FourWay:
    """The legs of one schema: the reference codec, generated Python, C and Rust;
    ``check(blob)`` asserts they agree and returns the outcome."""

    def __init__(self, ref: str, *, with_c: bool = True, with_rust: bool = True) -> None:
        self.ref = ref
        self.schema = schema_of(ref)
        self.module = python_module(ref)
        self.drivers = {}
        if with_c:
            self.drivers["c"] = c_harness().driver(ref)
        if with_rust:
            self.drivers["rust"] = rust_codec().driver(ref)

    def check(self, blob: bytes) -> Outcome:
        expected = reference_outcome(self.schema, blob)
        got = python_outcome(self.module, blob)
        if got != expected:
            raise Disagreement(self.ref, "python", blob, expected, got)
        for leg, driver in self.drivers.items():
            got = driver_outcome(driver, blob)
            if got != expected:
                raise Disagreement(self.ref, leg, blob, expected, got)
        return expected


class Disagreement(AssertionError):
    """Two decoders answered differently for one blob."""

    def __init__(self, ref: str, leg: str, blob: bytes, expected: Outcome, got: Outcome) -> None:
        self.blob = blob
        super().__init__(f"{ref}: the {leg} codec differs from the reference on {blob.hex()}:\n"
                         f"  reference: {_short(expected)}\n  {leg}: {_short(got)}")


def _short(outcome: Outcome) -> str:
    text = repr(outcome)
    return text if len(text) < 600 else text[:600] + "…"


# --- mutators -----------------------------------------------------------------------------------

EDGE_U32 = [0, 1, 2, 3, 4, 7, 8, 0x10, 0x7F, 0x80, 0xFF, 0x100, 0x3FFF_FFFF, 0x4000_0000, 0x4000_0001,
            0x7FFF_FFFF, 0x8000_0000, 0x8000_0001, 0xFFFF_FFF0, 0xFFFF_FFFE, 0xFFFF_FFFF, 0x0010_0001]
EDGE_U16 = [0, 1, 2, 0x7F, 0x80, 0xFF, 0x100, 0x7FFF, 0x8000, 0xFFFE, 0xFFFF]
EDGE_U8 = [0, 1, 2, 0x7F, 0x80, 0xFE, 0xFF]


def _body_range(data: bytearray) -> tuple[int, int]:
    start = 25 + data[24] if len(data) > 24 else 0
    return min(start, len(data)), max(len(data) - 4, 0)


def _mutation(data: bytearray, rng: random.Random, donors: list[bytes]) -> None:
    start, end = _body_range(data)
    if end <= start:
        data[len(data):] = rng.randbytes(rng.randrange(1, 16))
        return
    at = rng.randrange(start, end)
    kind = rng.randrange(11)
    if kind == 0:
        data[at] = rng.randrange(256)
    elif kind == 1:
        data[at] ^= 1 << rng.randrange(8)
    elif kind == 2:
        data[at : at + 4] = struct.pack("<I", rng.choice([*EDGE_U32, end - at, rng.getrandbits(32)]))
    elif kind == 3:
        data[at : at + 2] = struct.pack("<H", rng.choice(EDGE_U16))
    elif kind == 4:
        data[at] = rng.choice(EDGE_U8)
    elif kind == 5:
        del data[at : rng.randrange(at, end + 1)]
    elif kind == 6:
        data[at:at] = rng.randbytes(rng.randrange(1, 24))
    elif kind == 7:
        size = rng.randrange(1, 32)
        source = rng.randrange(start, end)
        data[at:at] = data[source : source + size]
    elif kind == 8 and donors:
        donor = rng.choice(donors)
        d_start, d_end = _body_range(bytearray(donor))
        if d_end > d_start:
            cut = rng.randrange(d_start, d_end)
            data[at:end] = donor[cut : rng.randrange(cut, d_end + 1)]
    elif kind == 9:
        data[at : at + 8] = struct.pack("<Q", rng.choice([0, 1 << 63, (1 << 64) - 1, rng.getrandbits(64)]))
    else:
        data[at : at + 4] = struct.pack("<I", rng.choice([8, 12, 16, 18, 20, 26, 44, 0xFFFF_FFFF]))


def mutate(blob: bytes, rng: random.Random, donors: list[bytes] | None = None) -> bytes:
    """1 to 4 structure-blind edits after the model id (values, prefixes, cuts, inserts, splices), re-sealed."""
    data = bytearray(blob)
    for _ in range(rng.choice((1, 1, 1, 2, 2, 3, 4))):
        _mutation(data, rng, donors or [])
    return seal(data + b"\0\0\0\0") if len(data) < 29 else seal(data)


def random_blob(schema: Any, rng: random.Random) -> bytes:
    """A sealed blob with the schema's header and random sections (known and unknown ids, random payloads)."""
    from devstate.wire.header import encode_header

    ids = sorted({s.id for s in schema.sections} | {rng.randrange(1, 40)})
    frames = []
    for section_id in ids:
        if rng.random() < 0.25:
            continue
        payload = rng.randbytes(rng.choice((0, 1, 2, 4, 8, rng.randrange(64), rng.randrange(600))))
        flags = rng.choice((0, 0, 0, 1, 2, 3))
        frames.append(struct.pack("<HHI", section_id, flags, len(payload)) + payload)
    body = b"".join(frames)
    header = encode_header(schema.model, schema.version, 0)
    return seal(header + body + bytes(4))


def fuzz_inputs(ref: str, rng: random.Random) -> Iterator[bytes]:
    """An endless stream of inputs for ``ref``: mutated seeds (mostly), random blobs, random bytes."""
    schema = schema_of(ref)
    pool = seeds(ref)
    while True:
        roll = rng.random()
        if roll < 0.8:
            yield mutate(rng.choice(pool), rng, pool)
        elif roll < 0.95:
            yield random_blob(schema, rng)
        else:
            yield rng.randbytes(rng.randrange(0, 64))


def minimize(blob: bytes, fails: Callable[[bytes], bool]) -> bytes:
    """A shorter blob that still ``fails`` (byte deletions, then zeroing), re-sealed at each step."""
    best = blob
    step = max(len(best) // 2, 1)
    while step >= 1:
        index = 29
        while index + step <= len(best) - 4:
            candidate = seal(best[:index] + best[index + step :])
            if fails(candidate):
                best = candidate
            else:
                index += step
        step //= 2
    return best


# --- libFuzzer (the generated C codecs) -----------------------------------------------------

LIBFUZZER_FLAGS = ["-g", "-O1", "-fsanitize=fuzzer,address,undefined", "-fno-sanitize-recover=all"]


def build_libfuzzer(ref: str, directory: Path) -> Path:
    """Compile tests/support/c/fuzz_decode.c with the generated C codec of ``ref`` (clang, ASan, UBSan)."""
    harness = c_harness()
    from devstate.emit.c import CNames

    schema = schema_of(ref)
    prefix = CNames(schema).prefix
    sources = harness.write_codec(schema, directory)
    flags = [*LIBFUZZER_FLAGS, f"-DDS_PREFIX={prefix}", f'-DDS_HEADER="{prefix}.h"']
    return harness.compile_c([harness.HERE / "fuzz_decode.c", *sources], directory / "fuzz", flags, cc="clang",
                             include=[directory])


def libfuzzer_stats(stderr: str) -> dict[str, int]:
    """``stat::number_of_executed_units`` and friends from a libFuzzer run with -print_final_stats=1."""
    stats = {}
    for line in stderr.splitlines():
        if line.startswith("stat::"):
            key, _, value = line[len("stat::"):].partition(":")
            stats[key.strip()] = int(value.strip())
    return stats
