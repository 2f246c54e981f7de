"""The standard schemas: all valid, their IR pinned by golden JSON, packaged in the wheel."""

from __future__ import annotations

import json
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from paths import GOLDEN, ROOT, SCHEMAS

from devstate import ir
from devstate.schema import load_schema, schema_files

STANDARD = schema_files(SCHEMAS)
GOLDEN_IR = GOLDEN / "ir"


def test_there_are_standard_schemas() -> None:
    models = {f.model for f in STANDARD}
    assert {"org.virtio.common", "org.virtio.net", "org.virtio.blk", "org.nvmexpress.ctrl"} <= models


@pytest.mark.parametrize("file", STANDARD, ids=lambda f: f.ident)
def test_standard_schema_ir_is_golden(
    file: object, golden: Callable[[Path, str], None], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(ROOT)
    assert hasattr(file, "path") and hasattr(file, "ident")
    schema = load_schema(file.path)
    dumped = json.dumps(schema.model_dump(mode="json"), indent=1) + "\n"
    golden(GOLDEN_IR / f"{file.ident}.json", dumped)


@pytest.mark.parametrize("file", STANDARD, ids=lambda f: f.ident)
def test_ir_round_trips_through_json(file: object) -> None:
    assert hasattr(file, "path")
    schema = load_schema(file.path)
    again = ir.Schema.model_validate_json(schema.model_dump_json())
    assert again == schema


def test_wheel_contains_standard_schemas(tmp_path: Path) -> None:
    from hatchling.builders.wheel import WheelBuilder

    builder = WheelBuilder(str(ROOT))
    (wheel,) = list(builder.build(directory=str(tmp_path), versions=["standard"]))
    names = zipfile.ZipFile(wheel).namelist()
    assert "devstate/_schemas/devstate.schema.json" in names
    for file in STANDARD:
        assert f"devstate/_schemas/{file.model}/{file.version}.yaml" in names


def test_parallel_preload_gives_the_same_ir_and_leaves_errors_to_load(tmp_path: Path) -> None:
    from devstate.errors import SchemaError
    from devstate.schema import SchemaLoader
    from devstate.schema import loader as loader_module

    big = [f.path for f in STANDARD if f.model == "org.virtio.net"]
    broken = tmp_path / "broken.yaml"
    broken.write_text("devstate: 1\n" + "# padding\n" * 10000)
    original = loader_module.PARALLEL_LOAD_MIN_BYTES
    loader_module.PARALLEL_LOAD_MIN_BYTES = 0
    try:
        loader = SchemaLoader(SCHEMAS)
        loader.preload([*big, broken])
    finally:
        loader_module.PARALLEL_LOAD_MIN_BYTES = original
    assert [loader.cache[p.resolve()] for p in big] == [load_schema(p) for p in big]
    assert broken.resolve() not in loader.cache
    with pytest.raises(SchemaError):
        loader.load(broken)
