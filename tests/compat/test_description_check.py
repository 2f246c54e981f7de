"""devstate.compat.description_check agrees with jsonschema on every description tried: the
examples, and each of them changed at every place in every way that matters to a rule."""

from __future__ import annotations

import copy
import hashlib
import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from paths import ROOT

from devstate.compat import description_check
from devstate.compat.description_check import CHECKED_SCHEMA_SHA256, plainly_valid
from devstate.compat.params import description_schema, parse_description
from devstate.errors import UsageError

SCHEMA_FILE = ROOT / "schemas" / "device-description.schema.json"
RICH = {
    "model": "com.example.nic-2", "versions": ["0.1", "99999.0"], "description": "",
    "params": {"a": 1, "b-2": True, "c": "x", "q" * 64: 0},
    "supported_params": {"a": {"values": [1, True, "s"]}, "b-2": {"min": -5}, "c": {"max": 3, "min": 1},
                         "d": {"any": True}},
    "vendor_sections": [{"vendor": "pci:0x1AF4", "id": 1}, {"vendor": "pci:0x0", "id": 32767, "name": "n",
                                                            "optional": True},
                        {"vendor": "uuid:12345678-1234-1234-1234-123456789abc", "id": 7, "optional": False}],
}
ODD = [None, 0, 1, -1, 1.0, 1.5, True, False, "", "x", "1.0", "1.0\n", "org.virtio.net", "pci:0x1af4", [], [1], ["1.0"],
       {}, {"any": True}, {"x": 1}, 32768, 2**70]
STRINGS = {
    "model": ["a.b", "a" * 62 + "." + "b" * 65, "a" * 62 + "." + "b" * 64, "A.b", "a", "a.b\n", "a..b", "1a.b",
              "a-.b-"],
    "version": ["0.0", "01.0", "1.01", "99999.99999", "100000.0", "1.0\n", "1", "1.0.0", " 1.0"],
    "param": ["a", "a" * 64, "a" * 65, "a\n", "A", "-a", "a_b", "a-9"],
    "vendor": ["pci:0x1", "pci:0xffff", "pci:0x10000", "pci:1af4", "uuid:12345678-1234-1234-1234-123456789ABC",
               "uuid:12345678-1234-1234-1234-123456789abc\n", "pci:0x1\n", "uuid:x"],
}


def _examples() -> list[Any]:
    found = [json.loads((ROOT / "spec" / "examples" / name).read_text())
             for name in ("source.json", "dest.json", "dest-rss.json")]
    return [*found, RICH]


def _places(value: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    yield path
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _places(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _places(item, (*path, index))


def _with(document: Any, path: tuple[Any, ...], change: Any) -> Any:
    """A copy of ``document`` with the value at ``path`` changed by ``change(parent, key)``."""
    result = copy.deepcopy(document)
    parent = result
    for key in path[:-1]:
        parent = parent[key]
    change(parent, path[-1])
    return result


def _variants() -> Iterator[Any]:
    for base in _examples():
        yield base
        for path in _places(base):
            if not path:
                continue
            for odd in ODD:
                yield _with(base, path, lambda parent, key, odd=odd: parent.__setitem__(key, odd))
            yield _with(base, path, lambda parent, key: parent.pop(key))
            for kind, texts in STRINGS.items():
                for text in texts:
                    yield _with(base, path, lambda parent, key, text=text: parent.__setitem__(key, text))
                    if kind == "param" and isinstance(_at(base, path), dict):
                        yield _with(base, (*path, text), lambda parent, key: parent.__setitem__(key, 1))
            if isinstance(_at(base, path), dict):
                yield _with(base, (*path, "unknown"), lambda parent, key: parent.__setitem__(key, 1))
            if isinstance(_at(base, path), list):
                yield _with(base, path, lambda parent, key: parent[key].append(copy.deepcopy(parent[key][0])))
        for version in STRINGS["version"]:
            yield {**base, "versions": [version]}


def _at(document: Any, path: tuple[Any, ...]) -> Any:
    for key in path:
        document = document[key]
    return document


def _has_float(value: Any) -> bool:
    return any(isinstance(_at(value, path), float) for path in _places(value))


def test_the_rules_give_jsonschemas_verdict_on_every_variant() -> None:
    """Same verdict, except that a float (1.0 is an integer to jsonschema) is always left to jsonschema."""
    validator = jsonschema.Draft202012Validator(description_schema())
    counts = {True: 0, False: 0, "float": 0}
    for variant in _variants():
        expected = validator.is_valid(variant)
        if _has_float(variant):
            assert not plainly_valid(variant), variant
            counts["float"] += 1
        else:
            assert plainly_valid(variant) is expected, variant
            counts[expected] += 1
    assert counts[True] > 300 and counts[False] > 1000 and counts["float"] > 50, counts


def test_the_rules_were_checked_against_this_schema_file() -> None:
    """Changed the description schema? Check description_check's rules again, then its sha256."""
    assert hashlib.sha256(SCHEMA_FILE.read_bytes()).hexdigest() == CHECKED_SCHEMA_SHA256


def test_another_description_schema_is_left_to_jsonschema(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = tmp_path / "schemas"
    shutil.copytree(ROOT / "schemas", root)
    changed = json.loads(SCHEMA_FILE.read_text())
    changed["properties"]["model"]["maxLength"] = 10
    (root / SCHEMA_FILE.name).write_text(json.dumps(changed))
    monkeypatch.setenv("DEVSTATE_SCHEMAS", str(root))
    monkeypatch.setattr(description_check, "shipped_json_schema", lambda name: changed)
    monkeypatch.setattr("devstate.compat.params.description_schema", lambda: changed)
    document = {"model": "org.virtio.net", "versions": ["1.0"]}
    assert not plainly_valid(document)
    with pytest.raises(UsageError) as raised:
        parse_description(document, "d.json")
    assert str(raised.value) == "d.json: $.model: 'org.virtio.net' is too long"


def test_a_refused_description_keeps_jsonschemas_message() -> None:
    with pytest.raises(UsageError) as raised:
        parse_description({"model": "org.virtio.net", "versions": ["1.0"], "params": {"mq": 1.5}}, "d.json")
    assert str(raised.value) == "d.json: $.params.mq: 1.5 is not of type 'integer', 'boolean', 'string'"
    accepted = parse_description({"model": "org.virtio.net", "versions": ["1.0"], "params": {"n": 2.0}})
    assert accepted.params == {"n": 2.0}
