"""The generated Python codecs: generation, lint and types, API, buffers, memory, hostile input."""

from __future__ import annotations

import dataclasses
import enum
import mmap
import os
import random
import struct
import subprocess
import sys
import tracemalloc
from pathlib import Path

import pytest
from codegen_python_support import codecs, package_dir, rich_state, runtime, schemas
from paths import ROOT

from devstate import __version__, interp, ir
from devstate.emit import GENERATED_MARKER
from devstate.emit.generate import check_tree
from devstate.emit.python import emit_python, emit_python_package
from devstate.schema import find_schema_file, load_schema
from devstate.state import default_state, state_to_json, type_default
from devstate.wire.checksum import crc32c, crc32c_py
from devstate.wire.errors import ErrorCode
from devstate.wire.limits import DEFAULT_LIMITS

NET = "org.virtio.net@1.1"


def reseal(blob: bytes | bytearray) -> bytes:
    out = bytearray(blob)
    out[-4:] = struct.pack("<I", crc32c(bytes(out[:-4])))
    return bytes(out)


# --- generation ---------------------------------------------------------------------------------


def test_generation_is_deterministic() -> None:
    schema = load_schema(find_schema_file(NET).path)
    assert emit_python(schema) == emit_python(load_schema(find_schema_file(NET).path))
    assert emit_python_package() == emit_python_package()


def test_banner_names_schema_file_sha256_and_generator() -> None:
    schema = load_schema(find_schema_file(NET).path)
    (name, text), = emit_python(schema).items()
    assert name == "devstate_codecs/org_virtio_net_v1_1.py"
    head = text.splitlines()[:3]
    assert GENERATED_MARKER in head[0] and f"devstate {__version__}" in head[0]
    assert "schemas/org.virtio.net/1.1.yaml" in head[0]
    assert schema.sha256 in head[1] and "org.virtio.common@1.1" in head[2]


def test_committed_tree_matches_the_generator() -> None:
    assert check_tree(ROOT / "codegen", ["python"]) == []


def test_generated_code_passes_ruff_and_mypy_strict() -> None:
    root = package_dir()
    ruff = subprocess.run([sys.executable, "-m", "ruff", "check", "--no-cache", "."], cwd=root, capture_output=True,
                          text=True, check=False)
    assert ruff.returncode == 0, ruff.stdout + ruff.stderr
    mypy = subprocess.run([sys.executable, "-m", "mypy", "--strict", "--no-incremental", "--cache-dir", os.devnull,
                           "devstate_codecs_under_test"], cwd=root, capture_output=True, text=True, check=False)
    assert mypy.returncode == 0, mypy.stdout + mypy.stderr


def test_generated_package_needs_only_the_standard_library(tmp_path: Path) -> None:
    blob = interp.encode(schemas()[NET], rich_state(schemas()[NET]))
    (tmp_path / "blob.dsf").write_bytes(blob)
    program = (f"import sys; sys.path.insert(0, {str(package_dir())!r})\n"
               "import devstate_codecs_under_test.org_virtio_net_v1_1 as net\n"
               "from devstate_codecs_under_test import _runtime\n"
               f"data = open({str(tmp_path / 'blob.dsf')!r}, 'rb').read()\n"
               "assert net.encode(net.decode(data)) == data\n"
               "assert 'devstate' not in sys.modules and 'crc32c' not in sys.modules\n"
               "print(_runtime.CRC32C_IMPLEMENTATION)\n")
    done = subprocess.run([sys.executable, "-S", "-I", "-c", program], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "pure-python"


# --- the runtime agrees with the toolkit -------------------------------------------------------------


def test_the_toolkit_and_the_generated_package_share_one_runtime() -> None:
    from devstate import dsf1, errors, wire
    from devstate.wire import checksum, limits

    copied = (ROOT / "codegen" / "python" / "devstate_codecs" / "_runtime.py").read_text(encoding="utf-8")
    banner, _, body = copied.partition("\n")
    assert banner.endswith("a copy of devstate/dsf1.py — do not edit.")
    assert body == Path(dsf1.__file__).read_text(encoding="utf-8")
    assert (wire.ErrorCode, wire.DecodeError, wire.EncodeError) == (dsf1.ErrorCode, dsf1.DecodeError, dsf1.EncodeError)
    assert (limits.Limits, checksum.crc32c, errors.DevstateError) == (dsf1.Limits, dsf1.crc32c, dsf1.DevstateError)
    assert issubclass(wire.DecodeError, errors.DevstateError)


def test_error_codes_have_the_same_names_and_numbers() -> None:
    assert [(c.name, c.value) for c in runtime().ErrorCode] == [(c.name, c.value) for c in ErrorCode]


def test_default_limits_are_the_toolkits() -> None:
    limits = runtime().DEFAULT_LIMITS
    assert (limits.max_total_size, limits.max_region_size, limits.max_depth) == (
        DEFAULT_LIMITS.max_total_size, DEFAULT_LIMITS.max_region_size, DEFAULT_LIMITS.max_depth)


def test_crc32c_fallback_matches_the_package() -> None:
    rt = runtime()
    assert rt.crc32c_py(b"123456789") == 0xE3069283
    data = random.Random(7).randbytes(3000)
    assert rt.crc32c_py(data) == crc32c(data) == crc32c_py(data)
    assert rt.crc32c_py(data[1000:], rt.crc32c_py(data[:1000])) == crc32c(data)
    assert rt.crc32c(memoryview(data), 0) == crc32c(data)


def test_errors_print_like_the_toolkits() -> None:
    rt = runtime()
    error = rt.DecodeError(rt.ErrorCode.BAD_BOOL, 12, "$.sections.x", "bool byte is 2")
    assert str(error) == "BAD_BOOL at offset 12 ($.sections.x): bool byte is 2"
    assert (error.code, error.number) == ("BAD_BOOL", 24)
    assert str(rt.EncodeError(rt.ErrorCode.INVALID_STATE, "$.a", "m")) == "INVALID_STATE ($.a): m"


# --- the typed API ------------------------------------------------------------------------------


def test_typed_classes() -> None:
    net = codecs()[NET]
    assert issubclass(net.Duplex, enum.IntEnum) and issubclass(net.RxMode, enum.IntFlag)
    assert dataclasses.is_dataclass(net.Virtqueue) and "__slots__" in vars(net.Virtqueue)
    queue = net.Virtqueue()
    assert (queue.size, queue.enabled, queue.reset) == (0, False, False)
    assert net.NetCtrl().curr_queue_pairs == 1  # the field's min, the spec's default
    state = net.State(queues=[net.Virtqueue(size=256, enabled=True)])
    state.config.status = net.NetStatus.LINK_UP | net.NetStatus.ANNOUNCE
    state.config.duplex = net.Duplex.FULL
    plain = net.to_state(state)
    assert plain["sections"]["config"]["status"] == ["link_up", "announce"]
    assert plain["sections"]["config"]["duplex"] == "full"
    assert net.encode(state) == interp.encode(schemas()[NET], plain)
    assert net.decode(net.encode(state)) == state


@pytest.mark.parametrize("ident", sorted(schemas()))
def test_state_defaults_are_the_default_state(ident: str) -> None:
    schema, module = schemas()[ident], codecs()[ident]
    assert module.to_state(module.State()) == default_state(schema)
    assert module.encode(module.State()) == interp.encode(schema, default_state(schema))


def test_decode_reads_bytes_bytearray_memoryview_and_mmap(tmp_path: Path) -> None:
    net, schema = codecs()[NET], schemas()[NET]
    blob = interp.encode(schema, rich_state(schema))
    path = tmp_path / "net.dsf"
    path.write_bytes(blob)
    expected = net.decode(blob)
    assert net.decode(bytearray(blob)) == expected
    assert net.decode(memoryview(blob)) == expected
    assert net.decode(memoryview(b"xx" + blob + b"yy")[2:-2]) == expected
    with path.open("rb") as handle, mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as mapped:
        state = net.decode(mapped)
        assert state == expected
        del state


def test_encode_into() -> None:
    net, schema = codecs()[NET], schemas()[NET]
    state = net.from_state(rich_state(schema))
    blob = net.encode(state)
    buffer = bytearray(len(blob) + 10)
    assert net.encode_into(state, buffer, 7) == len(blob)
    assert bytes(buffer[7 : 7 + len(blob)]) == blob and buffer[:7] == bytes(7)
    with pytest.raises(net.EncodeError) as error:
        net.encode_into(state, bytearray(len(blob) - 1))
    assert error.value.code == "LIMIT_EXCEEDED"


# --- large regions: zero-copy decode, one copy on encode -------------------------------------------

REGION_SCHEMA = """
devstate: 1
model: org.example.region
version: "1.0"
title: A large region
types:
  memory:
    kind: struct
    fields:
      - {name: base, type: u64}
      - {name: data, type: {kind: bytes, max: 268435456}}
sections:
  - {id: 1, name: memory, type: memory}
vendor_sections:
  - {id: 1, name: blob, vendor: {pci: 0x1af4}, opaque: true, max: 16777216, optional: true}
"""


@pytest.fixture
def region(write_schema, tmp_path: Path):  # type: ignore[no-untyped-def]
    schema = load_schema(write_schema(REGION_SCHEMA, "org.example.region/1.0.yaml"))
    out = tmp_path / "gen"
    from devstate.emit.generate import emit_files, write_files

    files = emit_files("python", [schema])
    write_files(out, {name.replace("devstate_codecs/", "region_codecs/"): text for name, text in files.items()})
    sys.path.insert(0, str(out))
    try:
        import region_codecs.org_example_region_v1_0 as module

        yield schema, module
    finally:
        sys.path.remove(str(out))
        for name in [n for n in sys.modules if n.startswith("region_codecs")]:
            del sys.modules[name]


def test_large_regions_decode_as_read_only_views_of_the_input(region) -> None:  # type: ignore[no-untyped-def]
    schema, module = region
    data = os.urandom(1 << 20)
    blob = interp.encode(schema, {"model": schema.model, "version": "1.0",
                                  "sections": {"memory": {"base": 5, "data": data}},
                                  "vendor_sections": {"blob": data[: 100 * 1024]}})
    state = module.decode(blob)
    assert isinstance(state.memory.data, memoryview) and state.memory.data.readonly
    assert state.memory.data.obj is blob and state.memory.data == data
    assert isinstance(state.vendor_sections.blob, memoryview) and state.vendor_sections.blob.obj is blob
    small = module.decode(interp.encode(schema, {"model": schema.model, "version": "1.0",
                                                 "sections": {"memory": {"base": 5, "data": b"abc"}}}))
    assert small.memory.data == b"abc" and isinstance(small.memory.data, bytes)


def test_region_decode_allocates_nothing_in_proportion(region) -> None:  # type: ignore[no-untyped-def]
    schema, module = region
    data = os.urandom(8 << 20)
    blob = interp.encode(schema, {"model": schema.model, "version": "1.0",
                                  "sections": {"memory": {"base": 5, "data": data}}})
    module.decode(blob)
    tracemalloc.start()
    try:
        state = module.decode(blob)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert state.memory.data.nbytes == len(data)
    assert peak < 64 * 1024


def test_region_encode_copies_once(region) -> None:  # type: ignore[no-untyped-def]
    schema, module = region
    data = bytearray(os.urandom(8 << 20))
    view = memoryview(data)[1:]
    state = module.State(memory=module.Memory(base=1, data=view))
    reference = interp.encode(schema, module.to_state(state))
    module.encode(state)
    tracemalloc.start()
    try:
        blob = module.encode(state)
        _, peak = tracemalloc.get_traced_memory()
        output = bytearray(len(blob))
        tracemalloc.reset_peak()
        before, _ = tracemalloc.get_traced_memory()
        module.encode_into(state, output, 0)
        _, peak_into = tracemalloc.get_traced_memory()
        peak_into -= before
    finally:
        tracemalloc.stop()
    assert blob == reference == output
    assert peak < len(view) + 256 * 1024
    assert peak_into < 256 * 1024


# --- hostile input ------------------------------------------------------------------------------------


def outcome(decode, blob: bytes, error_type: type) -> object:  # type: ignore[no-untyped-def]
    try:
        return state_to_json(decode(blob))
    except error_type as exc:
        return (exc.code, exc.offset, exc.path)


@pytest.mark.parametrize("ident", ["org.devstate.test@1.0", "org.devstate.test@1.1", NET, "org.nvmexpress.ctrl@1.1",
                                   "org.virtio.blk@1.1"])
def test_mutated_blobs_fail_like_the_reference(ident: str) -> None:
    """Random byte edits (re-sealed so they reach the values) and truncations: same result, no crash."""
    schema, module = schemas()[ident], codecs()[ident]
    rng = random.Random(ident)
    blob = interp.encode(schema, rich_state(schema))
    candidates = [blob[:cut] for cut in rng.sample(range(len(blob)), min(40, len(blob)))]
    for _ in range(300):
        mutated = bytearray(blob)
        for _ in range(rng.choice((1, 1, 2, 3))):
            at = rng.randrange(25, len(blob) - 4)
            mutated[at] = rng.choice((0, 1, 2, 0x7F, 0x80, 0xFF, rng.randrange(256)))
        candidates.append(reseal(mutated))
    for candidate in candidates:
        generated = outcome(lambda data: module.to_state(module.decode(data)), candidate, module.DecodeError)
        reference = outcome(lambda data: interp.decode(schema, data), candidate, interp_error())
        assert generated == reference, candidate.hex()


def interp_error() -> type:
    from devstate.wire.errors import DecodeError

    return DecodeError


def test_huge_counts_and_lengths_are_refused_before_allocating() -> None:
    net, schema = codecs()[NET], schemas()[NET]
    state = default_state(schema)
    queues = schema.section("queues").type
    assert isinstance(queues, ir.ArrayType)
    state["sections"]["queues"] = [type_default(schema, queues.element)]
    blob = interp.encode(schema, state)
    count_at = blob.index(struct.pack("<HHI", 2, 0, 8 + 40)) + 8
    tracemalloc.start()
    try:
        for count, code in ((0xFFFF_FFFF, "COUNT_OVER_MAX"), (1024, "COUNT_PAST_END")):
            with pytest.raises(net.DecodeError) as error:
                net.decode(reseal(blob[:count_at] + struct.pack("<I", count) + blob[count_at + 4 :]))
            assert (error.value.code, error.value.offset, error.value.path) == (code, count_at, "$.sections.queues")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 256 * 1024


# --- the typed encoder checks every constraint itself ---------------------------------------------


TYPED_CASES = [
    # (change to the typed state, the same change to the plain state)
    (lambda net, s: setattr(s.queues[1], "size", 40000), lambda p: p["queues"][1].update(size=40000)),
    (lambda net, s: setattr(s.queues[0], "desc_addr", -1), lambda p: p["queues"][0].update(desc_addr=-1)),
    (lambda net, s: setattr(s.queues[0], "used_idx", 1 << 16), lambda p: p["queues"][0].update(used_idx=1 << 16)),
    (lambda net, s: setattr(s.queues[0], "used_idx", "7"), lambda p: p["queues"][0].update(used_idx="7")),
    (lambda net, s: setattr(s.queues[0], "enabled", 2), lambda p: p["queues"][0].update(enabled=2)),
    (lambda net, s: setattr(s.queues[0], "enabled", None), lambda p: p["queues"][0].update(enabled=None)),
    (lambda net, s: setattr(s.config, "duplex", 7), lambda p: p["config"].update(duplex="seven")),
    (lambda net, s: setattr(s.config, "status", net.NetStatus(0x10)), lambda p: p["config"].update(status=["x"])),
    (lambda net, s: setattr(s.config, "mac", [1, 2, 3]), lambda p: p["config"].update(mac=[1, 2, 3])),
    (lambda net, s: setattr(s.config, "mac", [1, 2, 3, 4, 5, 256]),
     lambda p: p["config"].update(mac=[1, 2, 3, 4, 5, 256])),
    (lambda net, s: setattr(s.ctrl, "curr_queue_pairs", 0), lambda p: p["ctrl"].update(curr_queue_pairs=0)),
    (lambda net, s: s.queues.extend([net.Virtqueue()] * 1024), lambda p: p["queues"].extend([p["queues"][0]] * 1024)),
    (lambda net, s: setattr(s.mac_filter, "unicast", [[1, 2, 3, 4, 5]]),
     lambda p: p["mac_filter"].update(unicast=[[1, 2, 3, 4, 5]])),
    (lambda net, s: setattr(s.rss, "hash_key", bytes(41)), lambda p: p["rss"].update(hash_key=bytes(41))),
    (lambda net, s: setattr(s.rss, "indirection_table", [1 << 16]),
     lambda p: p["rss"].update(indirection_table=[1 << 16])),
    (lambda net, s: setattr(s, "config", None), lambda p: p.pop("config")),
    (lambda net, s: setattr(s, "ctrl", net.NetConfig()), lambda p: p.update(ctrl=p["config"])),
]


@pytest.mark.parametrize("case", range(len(TYPED_CASES)))
def test_typed_encoder_refuses_like_the_reference(case: int) -> None:
    net, schema = codecs()[NET], schemas()[NET]
    typed_change, plain_change = TYPED_CASES[case]
    plain = rich_state(schema)
    plain["sections"]["queues"] = [dict(plain["sections"]["queues"][0]) for _ in range(2)]
    state = net.from_state(plain)
    typed_change(net, state)
    plain_change(plain["sections"])
    with pytest.raises(net.EncodeError) as generated:
        net.encode(state)
    from devstate.wire.errors import EncodeError

    with pytest.raises(EncodeError) as reference:
        interp.encode(schema, plain)
    assert generated.value.code == reference.value.code
    if case == len(TYPED_CASES) - 1:  # a whole struct of the wrong class, a dict with other keys
        assert (generated.value.path, reference.value.path) == ("$.sections.ctrl", "$.sections.ctrl.mac")
    else:
        assert generated.value.path == reference.value.path
    with pytest.raises(net.EncodeError):
        net.encode_into(state, bytearray(1 << 16))


def newline_model_blob() -> bytes:
    """An org.example.led blob whose model id is ``org.example.le\\n`` (same length, re-sealed)."""
    schema = schemas()["org.example.led@1.0"]
    blob = bytearray(interp.encode(schema, default_state(schema)))
    blob[25 + len(schema.model) - 1] = 0x0A
    return reseal(blob)


def test_model_id_with_a_trailing_newline_is_refused() -> None:
    """spec/wire-format.md: the model id must match the whole pattern (the C codec agrees)."""
    module = codecs()["org.example.led@1.0"]
    with pytest.raises(module.DecodeError) as error:
        module.decode(newline_model_blob())
    assert (error.value.code, error.value.offset, error.value.path) == ("BAD_MODEL_ID", 25, "$.header.model")


def test_reference_refuses_a_model_id_with_a_trailing_newline() -> None:
    from devstate.wire.errors import DecodeError

    with pytest.raises(DecodeError) as error:
        interp.decode(schemas()["org.example.led@1.0"], newline_model_blob())
    assert error.value.code == "BAD_MODEL_ID"
