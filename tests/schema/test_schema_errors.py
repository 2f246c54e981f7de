"""Every schema error code, each with an invalid schema and its exact location."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from devstate.errors import SchemaError
from devstate.schema import load_schema

HEADER = """\
devstate: 1
model: org.example.dev
version: "1.1"
title: Example device
"""


def errors_of(path: Path) -> list[str]:
    with pytest.raises(SchemaError) as caught:
        load_schema(path)
    return [f"{d.line}:{d.col}: {d.code}" for d in caught.value.diagnostics]


def check(
    write_schema: Callable[..., Path], body: str, expected: list[str], name: str = "org.example.dev/1.1.yaml"
) -> None:
    path = write_schema(HEADER + body, name)
    assert errors_of(path) == expected


CASES: dict[str, tuple[str, list[str]]] = {
    "DUPLICATE_NAME field": (
        """
types:
  vq:
    kind: struct
    fields:
      - {name: size, type: u16}
      - {name: size, type: u32}
sections:
  - {id: 1, name: vq, type: vq}
""",
        ["11:16: DUPLICATE_NAME"],
    ),
    "DUPLICATE_NAME section": (
        """
sections:
  - {id: 1, name: a, type: u8}
  - {id: 2, name: a, type: u8}
""",
        ["8:19: DUPLICATE_NAME"],
    ),
    "DUPLICATE_ID section": (
        """
sections:
  - {id: 1, name: a, type: u8}
  - {id: 1, name: b, type: u8}
""",
        ["8:10: DUPLICATE_ID"],
    ),
    "DUPLICATE_ID flag bit": (
        """
types:
  mode: {kind: flags, base: u8, bits: {promisc: 0, allmulti: 0}}
sections:
  - {id: 1, name: mode, type: mode}
""",
        ["7:62: DUPLICATE_ID"],
    ),
    "UNKNOWN_TYPE": (
        """
sections:
  - {id: 1, name: a, type: virtqueue}
""",
        ["7:28: UNKNOWN_TYPE"],
    ),
    "RECURSIVE_TYPE": (
        """
types:
  node:
    kind: struct
    fields:
      - {name: next, type: "node[2]"}
""",
        ["7:3: RECURSIVE_TYPE"],
    ),
    "SINCE_TOO_NEW": (
        """
sections:
  - {id: 1, name: a, type: u8, optional: true, since: "1.2"}
""",
        ["7:55: SINCE_TOO_NEW"],
    ),
    "NONZERO_DEFAULT": (
        """
types:
  vq:
    kind: struct
    fields:
      - {name: size, type: u16}
      - {name: wrap, type: bool, since: "1.1", default: true}
""",
        ["11:57: NONZERO_DEFAULT"],
    ),
    "NONZERO_DEFAULT closed enum without zero": (
        """
types:
  mode: {kind: enum, base: u8, values: {on: 1, off: 2}}
  dev:
    kind: struct
    fields:
      - {name: size, type: u16}
      - {name: mode, type: mode, since: "1.1"}
""",
        ["12:9: NONZERO_DEFAULT"],
    ),
    "APPEND_ORDER": (
        """
types:
  vq:
    kind: struct
    fields:
      - {name: wrap, type: bool, since: "1.1"}
      - {name: size, type: u16}
""",
        ["11:9: APPEND_ORDER"],
    ),
    "BAD_DEFAULT": (
        """
types:
  dev:
    kind: struct
    fields:
      - {name: size, type: u8, default: 256}
""",
        ["10:41: BAD_DEFAULT"],
    ),
    "BAD_RANGE": (
        """
types:
  dev:
    kind: struct
    fields:
      - {name: size, type: u16, min: 10, max: 5}
""",
        ["10:38: BAD_RANGE"],
    ),
    "VALUE_OUT_OF_RANGE": (
        """
types:
  kind: {kind: enum, base: u8, values: {small: 1, big: 256}}
""",
        ["7:56: VALUE_OUT_OF_RANGE"],
    ),
    "LIMIT_EXCEEDED count": (
        """
sections:
  - {id: 1, name: a, type: {kind: bytes, max: 0x100000000}}
""",
        ["7:28: LIMIT_EXCEEDED"],
    ),
    "VARIABLE_ARRAY_ELEMENT": (
        """
types:
  entry:
    kind: struct
    fields:
      - {name: name, type: {kind: string, max: 8}}
sections:
  - {id: 1, name: a, type: {kind: array, of: entry, max: 4}}
""",
        ["12:28: VARIABLE_ARRAY_ELEMENT"],
    ),
    "REQUIRED_SECTION_IN_MINOR": (
        """
sections:
  - {id: 1, name: a, type: u8, since: "1.1"}
""",
        ["7:5: REQUIRED_SECTION_IN_MINOR"],
    ),
    "META_SCHEMA unknown key": (
        """
sections:
  - {id: 1, name: a, type: u8, optinal: true}
""",
        ["7:32: META_SCHEMA"],
    ),
    "META_SCHEMA bad version": (
        """
sections:
  - {id: 0, name: a, type: u8}
""",
        ["7:10: META_SCHEMA"],
    ),
    "DUPLICATE_NAME type named like a scalar": (
        """
types:
  u8: {kind: enum, base: u8, values: {a: 0}}
""",
        ["7:3: DUPLICATE_NAME"],
    ),
    "NONZERO_DEFAULT appended struct field": (
        """
types:
  inner:
    kind: struct
    fields:
      - {name: a, type: u8}
  outer:
    kind: struct
    fields:
      - {name: a, type: u8}
      - {name: b, type: inner, since: "1.1"}
""",
        ["15:9: NONZERO_DEFAULT"],
    ),
    "NONZERO_DEFAULT appended counted array of structs": (
        """
types:
  inner:
    kind: struct
    fields:
      - {name: a, type: u8}
  outer:
    kind: struct
    fields:
      - {name: a, type: u8}
      - {name: b, type: {kind: array, of: inner, max: 4}, since: "1.1"}
""",
        ["15:9: NONZERO_DEFAULT"],
    ),
    "NONZERO_DEFAULT appended field whose range excludes zero": (
        """
types:
  dev:
    kind: struct
    fields:
      - {name: size, type: u16}
      - {name: queues, type: u16, min: 1, since: "1.1"}
""",
        ["11:9: NONZERO_DEFAULT"],
    ),
    "NONZERO_DEFAULT appended negative field": (
        """
types:
  dev:
    kind: struct
    fields:
      - {name: size, type: u16}
      - {name: bias, type: i8, min: -5, max: -1, since: "1.1"}
""",
        ["11:9: NONZERO_DEFAULT"],
    ),
    "NONZERO_DEFAULT appended fixed array whose elements exclude zero": (
        """
types:
  dev:
    kind: struct
    fields:
      - {name: size, type: u16}
      - {name: ids, type: "u8[4]", min: 1, since: "1.1"}
""",
        ["11:9: NONZERO_DEFAULT"],
    ),
    "BAD_RANGE param": (
        """
params:
  queues: {type: u8, default: 1, max: 300}
""",
        ["7:39: BAD_RANGE"],
    ),
    "REQUIRED_SECTION_IN_MINOR vendor": (
        """
vendor_sections:
  - {id: 1, name: v, vendor: {pci: 0x1af4}, opaque: true, max: 16, since: "1.1"}
""",
        ["7:5: REQUIRED_SECTION_IN_MINOR"],
    ),
    "META_SCHEMA named bytes type": (
        """
types:
  mac: {kind: bytes, length: 6}
""",
        ["7:15: META_SCHEMA"],
    ),
    "DUPLICATE_KEY": (
        """
title: Again
""",
        ["6:1: DUPLICATE_KEY"],
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_error_code_and_location(write_schema: Callable[..., Path], case: str) -> None:
    body, expected = CASES[case]
    check(write_schema, body, expected)


def test_nesting_limit(write_schema: Callable[..., Path]) -> None:
    types = "".join(f"  t{i}:\n    kind: struct\n    fields:\n      - {{name: f, type: t{i + 1}}}\n" for i in range(17))
    types += "  t17:\n    kind: struct\n    fields:\n      - {name: f, type: u8}\n"
    path = write_schema(HEADER + "types:\n" + types)
    assert errors_of(path)[0] == "6:3: LIMIT_EXCEEDED"


def test_path_mismatch(write_schema: Callable[..., Path]) -> None:
    path = write_schema(HEADER, "org.other.dev/1.1.yaml")
    assert errors_of(path) == ["2:8: PATH_MISMATCH"]


def test_version_in_file_name_must_match(write_schema: Callable[..., Path]) -> None:
    path = write_schema(HEADER, "org.example.dev/1.0.yaml")
    assert errors_of(path) == ["2:8: PATH_MISMATCH"]


def test_import_not_found(write_schema: Callable[..., Path]) -> None:
    body = 'imports:\n  - {model: org.example.lib, version: "1.0", as: lib}\n'
    path = write_schema(HEADER + body, "org.example.dev/1.1.yaml")
    assert errors_of(path) == ["6:5: IMPORT_NOT_FOUND"]


def test_duplicate_import_alias(write_schema: Callable[..., Path]) -> None:
    write_schema('devstate: 1\nmodel: org.example.lib\nversion: "1.0"\ntitle: Lib\n', "org.example.lib/1.0.yaml")
    body = (
        'imports:\n  - {model: org.example.lib, version: "1.0", as: lib}\n'
        '  - {model: org.example.lib, version: "1.0", as: lib}\n'
    )
    path = write_schema(HEADER + body, "org.example.dev/1.1.yaml")
    assert errors_of(path) == ["7:50: DUPLICATE_NAME"]


def test_import_cycle(write_schema: Callable[..., Path]) -> None:
    write_schema(
        'devstate: 1\nmodel: org.example.lib\nversion: "1.0"\ntitle: Lib\n'
        'imports:\n  - {model: org.example.dev, version: "1.1", as: dev}\n',
        "org.example.lib/1.0.yaml",
    )
    body = 'imports:\n  - {model: org.example.lib, version: "1.0", as: lib}\n'
    path = write_schema(HEADER + body, "org.example.dev/1.1.yaml")
    codes = errors_of(path)
    assert "6:5: IMPORT_CYCLE" in codes  # reported in the library, at its import of dev
    assert codes[0] == "6:5: IMPORT_NOT_FOUND"  # dev's import of the (invalid) library


def test_every_error_in_a_file_is_reported(write_schema: Callable[..., Path]) -> None:
    body = """
types:
  vq:
    kind: struct
    fields:
      - {name: size, type: u16, max: 70000}
      - {name: addr, type: u64x}
sections:
  - {id: 1, name: a, type: u8}
  - {id: 1, name: a, type: u8}
"""
    path = write_schema(HEADER + body, "org.example.dev/1.1.yaml")
    assert errors_of(path) == [
        "10:38: BAD_RANGE",
        "11:28: UNKNOWN_TYPE",
        "14:10: DUPLICATE_ID",
        "14:19: DUPLICATE_NAME",
    ]


def test_message_format(write_schema: Callable[..., Path]) -> None:
    path = write_schema(HEADER + "sections:\n  - {id: 1, name: a, type: virtqueu}\n")
    with pytest.raises(SchemaError) as caught:
        load_schema(path)
    (diagnostic,) = caught.value.diagnostics
    assert str(diagnostic).endswith(
        "org.example.dev/1.1.yaml:6:28: UNKNOWN_TYPE: unknown type 'virtqueu' (at sections[0].type)"
    )


def test_appended_field_whose_range_excludes_zero_names_its_effective_default(
        write_schema: Callable[..., Path]) -> None:
    body = """
types:
  dev:
    kind: struct
    fields:
      - {name: size, type: u16}
      - {name: queues, type: u16, min: 1, since: "1.1"}
"""
    path = write_schema(HEADER + body)
    with pytest.raises(SchemaError) as caught:
        load_schema(path)
    (diagnostic,) = caught.value.diagnostics
    assert diagnostic.message == (
        "field 'queues' is appended in 1.1; its default 1 (the value of its range nearest to zero) does not "
        "encode as zero bytes, so older readers would refuse every state at the old behaviour")


def test_a_field_without_default_defaults_to_its_range_nearest_zero(write_schema: Callable[..., Path]) -> None:
    body = """
types:
  dev:
    kind: struct
    fields:
      - {name: queues, type: u16, min: 1}
      - {name: bias, type: i8, min: -5, max: -1}
      - {name: plain, type: i8, min: -5, max: 5}
"""
    struct = load_schema(write_schema(HEADER + body)).struct("dev")
    assert [f.default for f in struct.fields] == [1, -1, 0]


LIBRARY = """\
devstate: 1
model: org.example.lib
version: "1.0"
title: Library
types:
  mode: {kind: enum, base: u8, values: {off: 0, fast: 1}}
  shut: {kind: enum, base: u8, values: {on: 1}}
  wide: {kind: enum, base: u16, open: true, values: {one: 1}}
  bits: {kind: flags, base: u8, bits: {ready: 0}}
"""
IMPORT = 'imports:\n  - {model: org.example.lib, version: "1.0", as: lib}\n'


def test_bad_default_messages_name_each_kind(write_schema: Callable[..., Path]) -> None:
    write_schema(LIBRARY, "org.example.lib/1.0.yaml")
    body = IMPORT + """
types:
  dev:
    kind: struct
    fields:
      - {name: a, type: u8, default: 256}
      - {name: b, type: i8, min: -3, max: 3, default: 4}
      - {name: c, type: bool, default: 1}
      - {name: d, type: {kind: string, max: 3}, default: abcd}
      - {name: e, type: lib.mode, default: slow}
      - {name: f, type: lib.wide, default: 7}
      - {name: g, type: lib.bits, default: [ready, gone]}
      - {name: h, type: "u8[2]", default: 0}
"""
    with pytest.raises(SchemaError) as caught:
        load_schema(write_schema(HEADER + body))
    assert [(d.line, d.code, d.message) for d in caught.value.diagnostics] == [
        (12, "BAD_DEFAULT", "default 256 is not an integer in 0..255"),
        (13, "BAD_DEFAULT", "default 4 is not an integer in -3..3"),
        (14, "BAD_DEFAULT", "default 1 is not a bool"),
        (15, "BAD_DEFAULT", "default 'abcd' is not a string of at most 3 bytes"),
        (16, "BAD_DEFAULT", "default 'slow' is not a member of enum lib.mode"),
        (18, "BAD_DEFAULT", "default ['ready', 'gone'] is not a list of bits of lib.bits"),
        (19, "BAD_DEFAULT", "defaults can be given only for scalar, enum, flags and string fields"),
    ]


def test_a_field_without_default_defaults_to_its_types_zero(write_schema: Callable[..., Path]) -> None:
    write_schema(LIBRARY, "org.example.lib/1.0.yaml")
    body = IMPORT + """
types:
  inner: {kind: struct, fields: [{name: x, type: u8}]}
  dev:
    kind: struct
    fields:
      - {name: a, type: bool}
      - {name: b, type: {kind: string, max: 3}}
      - {name: c, type: lib.mode}
      - {name: d, type: lib.shut}
      - {name: e, type: lib.wide}
      - {name: f, type: lib.bits}
      - {name: g, type: "u8[2]"}
      - {name: h, type: {kind: bytes, length: 2}}
      - {name: i, type: inner}
"""
    struct = load_schema(write_schema(HEADER + body)).struct("dev")
    assert [f.default for f in struct.fields] == [False, "", "off", None, 0, [], None, None, None]
