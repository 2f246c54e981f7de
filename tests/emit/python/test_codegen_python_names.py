"""Names in the generated Python: words, from one allocator per function, never a module's or a built-in's.

tests/data/codegen/org.devstate.names/1.0.yaml names its fields like the generated code's own
locals (``blob``, ``start``, ``end``, ``offset``, ``failure``, ``variable_size``, ``geometry_size``...),
like built-ins (``len``, ``type``), module-level names (``struct``, ``itertools``, ``decode``) and a
keyword (``class``), and its structs like parameters (``out``, ``path``). Its codec must still lint,
type-check and agree with the reference codec byte for byte and error for error.
"""

from __future__ import annotations

import builtins
import random
import re
import subprocess
import symtable
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from paths import ROOT

from devstate import interp, ir
from devstate.emit import snake_identifier
from devstate.emit.generate import emit_files, write_files
from devstate.emit.python import PACKAGE
from devstate.schema import load_schema
from devstate.state import state_to_json
from devstate.wire.checksum import crc32c
from devstate.wire.errors import DecodeError, EncodeError

COMMITTED = sorted((ROOT / "codegen" / "python" / PACKAGE).glob("org_*.py"))
UNDER_TEST = "devstate_codecs_names_under_test"
COUNTED = re.compile(r"[a-z]\d*|[a-z]+\d+")
"""A letter-and-counter local (``b``, ``q``, ``v12``, ``rows0``): what the generator used to emit."""
CODEC_FUNCTION = re.compile(r"_(decode|pack|encode|check|to_state|from_state)_[a-z0-9_]+")


@pytest.fixture(scope="module")
def schema() -> ir.Schema:
    return load_schema(ROOT / "tests" / "data" / "codegen" / "org.devstate.names" / "1.0.yaml")


@pytest.fixture(scope="module")
def package(schema: ir.Schema, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    root = tmp_path_factory.mktemp("names")
    files = emit_files("python", [schema])
    write_files(root, {name.replace(f"{PACKAGE}/", f"{UNDER_TEST}/", 1): text for name, text in files.items()})
    sys.path.insert(0, str(root))
    yield root
    sys.path.remove(str(root))


@pytest.fixture(scope="module")
def module(package: Path) -> ModuleType:
    import importlib

    return importlib.import_module(f"{UNDER_TEST}.org_devstate_names_v1_0")


def source_of(package: Path) -> str:
    return (package / UNDER_TEST / "org_devstate_names_v1_0.py").read_text(encoding="utf-8")


def function_text(source: str, name: str) -> str:
    start = source.index(f"\ndef {name}(") + 1
    return source[start : source.index("\n\n\n", start)]


# --- the names ---------------------------------------------------------------------------------------


def test_a_field_named_like_a_local_gets_a_suffix_and_only_then(package: Path) -> None:
    assert function_text(source_of(package), "_decode_out") == '''\
def _decode_out(blob: memoryview, start: int, end: int, depth_left: int, region_limit: int) -> Out:
    if end - start != 12 or depth_left < 2:
        return _decode_out_exact(blob, start, end, depth_left, region_limit)
    (blob_2, start_2, end_2, offset_0, offset_1, offset_2, type_, len_) = _OUT_LAYOUT.unpack_from(blob, start)
    if start_2 > 100 or end_2 not in _MODE_BY_VALUE or type_ > 1:
        return _decode_out_exact(blob, start, end, depth_left, region_limit)
    return Out(blob_2, start_2, _MODE_BY_VALUE[end_2], [offset_0, offset_1, offset_2], type_ == 1, len_)'''
    assert function_text(source_of(package), "_pack_out") == '''\
def _pack_out(out_2: Out) -> bytes:
    try:
        blob = out_2.blob
        start = out_2.start
        end = out_2.end
        offset = out_2.offset
        type_ = out_2.type
        len_ = out_2.len
        if start > 100 or end not in _MODE_BY_VALUE or len(offset) != 3 or type_ > 1:
            raise _rt.Reject
        return _OUT_LAYOUT.pack(blob, start, end, *offset, type_, len_)
    except Exception as exc:
        raise _rt.rejected(_check_out, out_2, exc) from None'''


def test_a_nested_structs_prefix_and_value_are_named_after_its_field(package: Path) -> None:
    decoder = function_text(source_of(package), "_decode_path_exact")
    assert "    geometry_size_2 = _rt.U32(blob, offset)[0]\n" in decoder  # the field geometry_size took the name
    assert ("        geometry = _decode_out(blob, offset + 4, offset + 4 + geometry_size_2, depth_left - 1, "
            "region_limit)\n") in decoder
    assert "        failure_2 = _decode_out(blob, offset + 4, offset + 4 + failure_size, " in decoder
    assert "    except _rt.Fail as failure:\n        failure.path = \".failure\" + failure.path\n" in decoder


def test_the_generated_module_passes_ruff_and_mypy_strict(package: Path) -> None:
    ruff = subprocess.run([sys.executable, "-m", "ruff", "check", "--no-cache", "--config",
                           str(ROOT / "codegen" / "python" / "pyproject.toml"), "."], cwd=package,
                          capture_output=True, text=True, check=False)
    assert ruff.returncode == 0, ruff.stdout + ruff.stderr
    mypy = subprocess.run([sys.executable, "-m", "mypy", "--strict", "--no-incremental", "--cache-dir", "/dev/null",
                           UNDER_TEST], cwd=package, capture_output=True, text=True, check=False)
    assert mypy.returncode == 0, mypy.stdout + mypy.stderr


def function_locals(source: str, filename: str) -> Iterator[tuple[str, str]]:
    """(function, local) for every name a function or comprehension of ``source`` binds."""
    stack = symtable.symtable(source, filename, "exec").get_children()
    while stack:
        table = stack.pop()
        stack.extend(table.get_children())
        if table.get_type() == "function":
            yield from ((table.get_name(), s.get_name()) for s in table.get_symbols()
                        if s.is_local() and (s.is_assigned() or s.is_parameter()))


def module_names(source: str, filename: str) -> set[str]:
    table = symtable.symtable(source, filename, "exec")
    return {s.get_name() for s in table.get_symbols() if s.is_assigned() or s.is_imported()}


def sources(package: Path) -> list[tuple[str, str]]:
    return [(path.name, path.read_text(encoding="utf-8")) for path in COMMITTED] + \
        [("org_devstate_names_v1_0.py", source_of(package))]


def test_no_local_shadows_a_module_name_or_a_builtin(package: Path) -> None:
    for filename, source in sources(package):
        taken = module_names(source, filename) | set(dir(builtins))
        shadowing = sorted({f"{function}: {name}" for function, name in function_locals(source, filename)
                            if name in taken})
        assert shadowing == [], filename


def test_locals_and_codec_functions_are_words(package: Path) -> None:
    for filename, source in sources(package):
        counted = sorted({name for _, name in function_locals(source, filename) if COUNTED.fullmatch(name)})
        assert counted == [], filename
        private = {name for name in module_names(source, filename) if name.startswith("_") and name.islower()}
        assert {name for name in private if not CODEC_FUNCTION.fullmatch(name)} == {"_rt", "__all__"}, filename


# --- the codec still agrees with the reference ---------------------------------------------------------


def names_state(schema: ir.Schema) -> dict[str, Any]:
    out = {"blob": 7, "start": 100, "end": "on", "offset": [1, 2, 3], "type": True, "len": 9}
    path = {"depth_left": 1, "region_limit": "limit", "failure": out, "exc": [out, out], "variable_size": b"\x01\x02",
            "index": [1, 65535], "item": [[1, 2], [3, 4]], "state": 1, "decode": 2, "struct": 3, "itertools": 4,
            "class": 5, "geometry_size": 6, "geometry": out}
    state = {"model": schema.model, "version": str(schema.version),
             "sections": {"path": path, "out": [out], "state": [1, 2, 3]}, "vendor_sections": {}}
    return interp.decode(schema, interp.encode(schema, state))  # type: ignore[no-any-return]


def outcome(decode: Any, blob: bytes, error: type[Exception]) -> object:
    try:
        return state_to_json(decode(blob))
    except error as exc:
        return (exc.code, exc.offset, exc.path)  # type: ignore[attr-defined]


def test_encode_and_decode_agree_with_the_reference(schema: ir.Schema, module: ModuleType) -> None:
    state = names_state(schema)
    blob = interp.encode(schema, state)
    assert module.encode(module.from_state(state)) == blob
    assert state_to_json(module.to_state(module.decode(blob))) == state_to_json(state)


def test_truncated_and_mutated_blobs_fail_like_the_reference(schema: ir.Schema, module: ModuleType) -> None:
    blob = interp.encode(schema, names_state(schema))
    rng = random.Random(16)
    candidates = [blob[:cut] for cut in range(len(blob))]
    for _ in range(300):
        mutated = bytearray(blob)
        mutated[rng.randrange(25, len(blob) - 4)] = rng.choice((0, 1, 2, 0x65, 0x7F, 0x80, 0xFF))
        mutated[-4:] = crc32c(bytes(mutated[:-4])).to_bytes(4, "little")
        candidates.append(bytes(mutated))
    for candidate in candidates:
        generated = outcome(lambda data: module.to_state(module.decode(data)), candidate, module.DecodeError)
        reference = outcome(lambda data: interp.decode(schema, data), candidate, DecodeError)
        assert generated == reference, candidate.hex()


@pytest.mark.parametrize(("where", "value", "path"), [
    (("out", 0, "start"), 101, "$.sections.out[0].start"),
    (("path", "failure", "len"), 256, "$.sections.path.failure.len"),
    (("path", "exc", 1, "offset"), [1, 2], "$.sections.path.exc[1].offset"),
    (("path", "item", 1), [1, 2, 3], "$.sections.path.item[1]"),
    (("state", 2), -1, "$.sections.state[2]"),
])
def test_a_refused_typed_value_has_the_references_code_and_path(schema: ir.Schema, module: ModuleType,
                                                                where: tuple[Any, ...], value: Any,
                                                                path: str) -> None:
    state = names_state(schema)
    typed = module.from_state(state)
    holder: Any = typed
    plain: Any = state["sections"]
    for step in where[:-1]:
        holder = holder[step] if isinstance(step, int) else getattr(holder, step)
        plain = plain[step]
    if isinstance(where[-1], int):
        holder[where[-1]] = value
    else:
        setattr(holder, where[-1], value)
    plain[where[-1]] = value
    with pytest.raises(module.EncodeError) as generated:
        module.encode(typed)
    with pytest.raises(EncodeError) as reference:
        interp.encode(schema, state)
    assert (generated.value.code, generated.value.path) == (reference.value.code, reference.value.path)
    assert generated.value.path == path


def test_only_hard_keywords_get_a_suffix_so_names_do_not_depend_on_the_python_version() -> None:
    """``type`` became a soft keyword in Python 3.12; the generator must name it the same on 3.11."""
    assert [snake_identifier(n) for n in ("class", "lambda", "type", "match", "case", "queues")] == \
        ["class_", "lambda_", "type", "match", "case", "queues"]
