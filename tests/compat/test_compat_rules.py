"""One minimal schema pair per compatibility rule, with the exact rule ids expected."""

from __future__ import annotations

from pathlib import Path

import pytest
from compat_helpers import load_pair

from devstate.compat import RULES, Direction, check_pair, diff_schemas
from devstate.compat.bump import Mode

QUEUE = """
types:
  queue:
    kind: struct
    fields:
      - {{name: size, type: u16}}
      - {{name: addr, type: u64}}
{extra}sections:
  - {{id: 1, name: q, type: queue}}
{sections}"""


def queue(fields: str = "", extra: str = "", sections: str = "") -> str:
    """The base struct, with ``fields`` appended and more types/sections."""
    text = QUEUE.format(extra=extra, sections=sections)
    return text.replace("      - {name: addr, type: u64}\n", "      - {name: addr, type: u64}\n" + fields)


def fields(*lines: str, extra: str = "", sections: str = "") -> str:
    """A struct with exactly these field lines (no base fields)."""
    body = "".join(f"      - {line}\n" for line in lines)
    head = "types:\n  queue:\n    kind: struct\n    fields:\n"
    return f"{head}{body}{extra}sections:\n  - {{id: 1, name: q, type: queue}}\n{sections}"


ENUM = "  mode: {{kind: enum, base: u8, {open}values: {{{values}}}}}\n"
FLAGS = "  rx: {{kind: flags, base: u8, bits: {{{bits}}}}}\n"


def enum(values: str, open_: bool = False) -> str:
    return fields("{name: m, type: mode}", extra=ENUM.format(open="open: true, " if open_ else "", values=values))


def flags(bits: str) -> str:
    return fields("{name: r, type: rx}", extra=FLAGS.format(bits=bits))


VENDOR = "vendor_sections:\n  - {{id: 1, name: fw, vendor: {{pci: 0x15b3}}, opaque: true, max: {max}{optional}}}\n"


def vendor(optional: bool = True, maximum: int = 64) -> str:
    return queue(sections=VENDOR.format(max=maximum, optional=", optional: true" if optional else ""))


def params(spec: str) -> str:
    return queue(sections=f"params:\n  mqp: {{{spec}}}\n")


SMALL = "  small:\n    kind: struct\n    fields:\n      - {name: x, type: u8}\n"
COUNTED = "  - {{id: 2, name: qs, type: {{kind: array, of: queue, max: {max}}}}}\n"

CASES: dict[str, tuple[str, str, list[str]]] = {
    "DS-F001": (queue(), queue('      - {name: wrap, type: bool, since: "1.1"}\n'), ["DS-F001:NONE"]),
    "DS-F001/struct unmarked": (queue(extra=SMALL), queue("      - {name: inner, type: small}\n", extra=SMALL),
                                ["DS-F001:BOTH"]),
    "DS-F001/non-zero default unmarked": (queue(), queue("      - {name: mtu, type: u16, default: 1500}\n"),
                                          ["DS-F001:BOTH"]),
    "DS-F003": (queue(), fields("{name: addr, type: u64}"), ["DS-F003:BOTH"]),
    "DS-F003/last": (queue(), fields("{name: size, type: u16}"), ["DS-F003:FORWARD"]),
    "DS-F004": (queue(), fields("{name: size, type: u16}", "{name: flags, type: u8}", "{name: addr, type: u64}"),
                ["DS-F004:BOTH"]),
    "DS-F005": (queue(), fields("{name: addr, type: u64}", "{name: size, type: u16}"), ["DS-F005:BOTH"]),
    "DS-F006": (queue(), fields("{name: size, type: u16}", "{name: desc_addr, type: u64}"), ["DS-F006:NONE"]),
    "DS-F007": (fields("{name: size, type: u16, max: 32768}"), fields("{name: size, type: u16, max: 1024}"),
                ["DS-F007:BACKWARD"]),
    "DS-F008": (fields("{name: size, type: u16, min: 1}"), fields("{name: size, type: u16}"),
                ["DS-F008:FORWARD", "DS-F009:NONE"]),  # the implicit default moves from 1 to 0
    "DS-F009": (fields("{name: size, type: u16, default: 1}"), fields("{name: size, type: u16, default: 2}"),
                ["DS-F009:NONE"]),
    "DS-F001/unmarked": (queue(), queue("      - {name: wrap, type: bool}\n"), ["DS-F001:BACKWARD"]),
    "DS-T001": (queue(), fields("{name: size, type: u16}", "{name: addr, type: \"u8[6]\"}"), ["DS-T001:BOTH"]),
    "DS-T001/same bytes": (queue(), fields("{name: size, type: u16}", "{name: addr, type: \"u8[8]\"}"),
                           ["DS-T001:NONE"]),
    "DS-T002": (queue(), fields("{name: size, type: u32}", "{name: addr, type: u64}"), ["DS-T002:BOTH"]),
    "DS-T003": (queue(), fields("{name: size, type: i16}", "{name: addr, type: u64}"), ["DS-T003:BOTH"]),
    "DS-T004": (queue(sections=COUNTED.format(max=4)), queue(sections=COUNTED.format(max=8)), ["DS-T004:FORWARD"]),
    "DS-T005": (queue(sections=COUNTED.format(max=8)), queue(sections=COUNTED.format(max=4)), ["DS-T005:BACKWARD"]),
    "DS-T006": (fields('{name: key, type: "u8[4]"}'), fields('{name: key, type: "u8[8]"}'), ["DS-T006:BOTH"]),
    "DS-T007": (queue(), queue().replace("queue", "virtqueue"), ["DS-T007:NONE"]),
    "DS-E001": (enum("off: 0, on: 1", open_=True), enum('off: 0, on: 1, auto: {value: 2, since: "1.1"}', open_=True),
                ["DS-E001:NONE"]),
    "DS-E002": (enum("off: 0, on: 1"), enum('off: 0, on: 1, auto: {value: 2, since: "1.1"}'), ["DS-E002:FORWARD"]),
    "DS-E003": (enum("off: 0, on: 1"), enum("off: 0"), ["DS-E003:BACKWARD"]),
    "DS-E004": (enum("off: 0, on: 1", open_=True), enum("off: 0", open_=True), ["DS-E004:NONE"]),
    "DS-E005": (enum("off: 0, on: 1"), enum("off: 0, on: 2"), ["DS-E005:BOTH"]),
    "DS-E006": (enum("off: 0, on: 1"), enum("off: 0, enabled: 1"), ["DS-E006:NONE"]),
    "DS-E007": (enum("off: 0", open_=True), enum("off: 0"), ["DS-E007:BACKWARD"]),
    "DS-E008": (enum("off: 0"), enum("off: 0", open_=True), ["DS-E008:FORWARD"]),
    "DS-B001": (flags("promisc: 0"), flags('promisc: 0, allmulti: {bit: 1, since: "1.1"}'), ["DS-B001:FORWARD"]),
    "DS-B002": (flags("promisc: 0, allmulti: 1"), flags("promisc: 0"), ["DS-B002:BACKWARD"]),
    "DS-B003": (flags("promisc: 0, allmulti: 1"), flags("promisc: 0, allmulti: 3"), ["DS-B003:BOTH"]),
    "DS-B004": (flags("promisc: 0, allmulti: 1"), flags("promisc: 0, all_multicast: 1"), ["DS-B004:NONE"]),
    "DS-S001": (queue(), queue(sections='  - {id: 3, name: stats, type: u32, optional: true, since: "1.1"}\n'),
                ["DS-S001:NONE"]),
    "DS-S002": (queue(), queue(sections="  - {id: 3, name: stats, type: u32}\n"), ["DS-S002:BOTH"]),
    "DS-S003": (queue(sections="  - {id: 3, name: stats, type: u32}\n"), queue(), ["DS-S003:BOTH"]),
    "DS-S004": (queue(sections="  - {id: 3, name: stats, type: u32, optional: true}\n"), queue(), ["DS-S004:NONE"]),
    "DS-S005": (queue(sections="  - {id: 3, name: stats, type: u32}\n"),
                queue(sections="  - {id: 4, name: stats, type: u32}\n"), ["DS-S005:BOTH"]),
    "DS-S006": (queue(sections="  - {id: 3, name: stats, type: u32}\n"),
                queue(sections="  - {id: 3, name: stats, type: u32, optional: true}\n"), ["DS-S006:BOTH"]),
    "DS-S007": (queue(sections="  - {id: 3, name: stats, type: u32, optional: true}\n"),
                queue(sections="  - {id: 3, name: stats, type: u32}\n"), ["DS-S007:BOTH"]),
    "DS-S008": (queue(sections="  - {id: 3, name: stats, type: u32}\n"),
                queue(sections="  - {id: 3, name: counters, type: u32}\n"), ["DS-S008:NONE"]),
    "DS-V001": (queue(), vendor(optional=True), ["DS-V001:NONE"]),
    "DS-V002": (queue(), vendor(optional=False), ["DS-V002:BOTH"]),
    "DS-V003": (vendor(optional=False), queue(), ["DS-V003:BOTH"]),
    "DS-V004": (vendor(optional=True), queue(), ["DS-V004:NONE"]),
    "DS-V/max": (vendor(maximum=64), vendor(maximum=128), ["DS-T004:FORWARD"]),
    "DS-P001": (queue(), params("type: u16, default: 1"), ["DS-P001:NONE"]),
    "DS-P002": (params("type: u16, default: 1"), queue(), ["DS-P002:BACKWARD"]),
    "DS-P003": (params("type: u16, default: 1"), params("type: u16, default: 2"), ["DS-P003:BOTH"]),
    "DS-P004": (params("type: u16, default: 1, max: 64"), params("type: u16, default: 1, max: 16"),
                ["DS-P004:BACKWARD"]),
    "DS-P005": (params("type: u16, default: 1, max: 16"), params("type: u16, default: 1, max: 64"), ["DS-P005:NONE"]),
    "DS-P004/allowed": (params("type: u16, default: 1, allowed: [1, 2, 4]"),
                        params("type: u16, default: 1, allowed: [1, 2]"), ["DS-P004:BACKWARD"]),
    "DS-P006": (params("type: u16, default: 1"), params('type: string, default: "1"'), ["DS-P006:BOTH"]),
}


def ids(tmp_path: Path, old: str, new: str, **kwargs: str) -> list[str]:
    return [c.rule.id for c in diff_schemas(*load_pair(tmp_path, old, new, **kwargs))]


def ids_and_directions(tmp_path: Path, old: str, new: str, **kwargs: str) -> list[str]:
    return [f"{c.rule.id}:{c.direction.value}" for c in diff_schemas(*load_pair(tmp_path, old, new, **kwargs))]


@pytest.mark.parametrize("case", sorted(CASES))
def test_rule(tmp_path: Path, case: str) -> None:
    old, new, expected = CASES[case]
    assert ids_and_directions(tmp_path, old, new) == expected


@pytest.mark.parametrize("case", sorted(c for c in CASES if "/" not in c))
def test_each_rule_case_breaks_what_its_documentation_says(case: str) -> None:
    """The plain cases (test_rule checks what the diff says) are what the rules page documents."""
    _, _, expected = CASES[case]
    rule = RULES[expected[0].partition(":")[0]]
    assert expected[0] == f"{rule.id}:{rule.direction.value}"


APPENDED = queue('      - {name: wrap, type: bool, since: "1.1"}\n')


def test_removing_an_appended_field_breaks_no_direction_but_needs_a_major_version(tmp_path: Path) -> None:
    old, new = load_pair(tmp_path, APPENDED, queue(), old_version="1.1", new_version="1.2")
    (change,) = diff_schemas(old, new)
    assert (change.rule.id, change.direction, change.breaking) == ("DS-F003", Direction.NONE, True)
    assert change.detail == "field wrap (bool) removed (older readers fill its default)"
    assert change.effects_text == ("backward: loads while queue.wrap holds its default (false) (otherwise the 1.2 "
                                   "reader refuses the non-zero tail); forward: loads")
    (problem,) = check_pair(old, new).problems
    assert problem.message == ("1.1 → 1.2 is a minor bump, but DS-F003 field-removed at queue.wrap needs a major "
                               "version (a minor version may only append): field wrap (bool) removed (older readers "
                               "fill its default)")


def test_a_removed_since_marker_breaks_the_history_not_the_pair(tmp_path: Path) -> None:
    unmarked = queue("      - {name: wrap, type: bool}\n")
    old, new = load_pair(tmp_path, APPENDED, unmarked, old_version="1.1", new_version="1.2")
    (change,) = diff_schemas(old, new)
    assert (change.rule.id, change.direction, change.history) == ("DS-F011", Direction.BACKWARD, Direction.BACKWARD)
    assert change.effects_text == "backward: loads; forward: loads"
    assert [p.rule.id for p in check_pair(old, new).problems] == ["DS-M003"]
    assert [p.rule.id for p in check_pair(old, new, Mode.BACKWARD).problems] == ["DS-F011"]
    assert check_pair(old, new, Mode.FORWARD).compatible


def test_library_type_removed(tmp_path: Path) -> None:
    queue_type = "  queue: {kind: struct, fields: [{name: size, type: u16}]}\n"
    library = f"types:\n{queue_type}  mode: {{kind: enum, base: u8, values: {{a: 0}}}}\n"
    assert ids(tmp_path, library, "types:\n  queue: {kind: struct, fields: [{name: size, type: u16}]}\n") == ["DS-T008"]


def test_model_changed(tmp_path: Path) -> None:
    assert ids(tmp_path, queue(), queue(), new_model="org.example.other") == ["DS-M001"]


def test_version_not_increased(tmp_path: Path) -> None:
    old, new = load_pair(tmp_path, queue(), fields("{name: size, type: u16}"), new_version="1.0")
    report = check_pair(old, new)
    assert [p.rule.id for p in report.problems] == ["DS-M002"]


def test_minor_bump_with_breaking_change_names_the_rule(tmp_path: Path) -> None:
    old, new = load_pair(tmp_path, queue(), fields("{name: size, type: u16}"))
    report = check_pair(old, new)
    assert not report.compatible
    assert [(p.rule.id, p.change.rule.id if p.change else None) for p in report.problems] == [("DS-M003", "DS-F003")]
    assert "DS-F003 field-removed" in report.problems[0].message


def test_major_bump_allows_breaking_changes(tmp_path: Path) -> None:
    old, new = load_pair(tmp_path, queue(), fields("{name: size, type: u16}"), new_version="2.0")
    assert check_pair(old, new).compatible
    assert not check_pair(old, new, Mode.FULL).compatible


@pytest.mark.parametrize(("mode", "passes"), [("backward", True), ("forward", False), ("full", False)])
def test_modes(tmp_path: Path, mode: str, passes: bool) -> None:
    old, new, _ = CASES["DS-E002"]  # a FORWARD break
    assert check_pair(*load_pair(tmp_path, old, new), Mode(mode)).compatible is passes


def test_strict_api_makes_renames_major(tmp_path: Path) -> None:
    old, new, _ = CASES["DS-F006"]
    pair = load_pair(tmp_path, old, new)
    assert check_pair(*pair).compatible
    assert [p.rule.id for p in check_pair(*pair, strict_api=True).problems] == ["DS-M003"]


def test_every_rule_has_a_case() -> None:
    covered = {rule.partition(":")[0] for _, _, expected in CASES.values() for rule in expected}
    covered |= {"DS-T008", "DS-M001", "DS-M002", "DS-M003", "DS-M004", "DS-F011"}
    assert covered == {r.id for r in RULES.values() if not r.withdrawn}


def test_changes_carry_locations_links_and_fixes(tmp_path: Path) -> None:
    for index, case in enumerate(["DS-F003/last", "DS-F001", "DS-S001", "DS-P002", "DS-E002"]):
        old, new, _ = CASES[case]
        (change,) = diff_schemas(*load_pair(tmp_path / str(index), old, new))
        assert change.old_loc is not None or change.new_loc is not None
        assert f"#{change.rule.id.lower()}" in change.message
        assert change.suggestion
        where = change.where
        assert ("1.0.yaml:" in where or where.startswith("-")) and ("1.1.yaml:" in where or where.endswith("-"))


def test_field_removed_locations_on_both_sides(tmp_path: Path) -> None:
    (change,) = diff_schemas(*load_pair(tmp_path, queue(), fields("{name: size, type: u16}")))
    assert change.path == "queue.addr"
    assert change.old_loc is not None and change.new_loc is not None
    assert (change.old_loc.line, change.new_loc.line) == (10, 7)
    assert change.old_loc.file.endswith("a/org.example.dev/1.0.yaml")
    assert change.new_loc.file.endswith("b/org.example.dev/1.1.yaml")


def test_no_false_alarms(tmp_path: Path) -> None:
    """Doc changes, identical copies and a struct moved into an import are not changes."""
    documented = queue().replace("{name: size, type: u16}", "{name: size, type: u16, doc: Queue size}")
    assert ids(tmp_path / "doc", queue(), documented) == []
    assert ids(tmp_path / "same", queue(), queue()) == []


def test_struct_moved_into_an_import_is_no_change(tmp_path: Path) -> None:
    library = queue().split("sections:")[0]
    from compat_helpers import write_version

    write_version(tmp_path / "b", library, "1.0", "org.example.lib")
    importer = ('imports:\n  - {model: org.example.lib, version: "1.0", as: lib}\n'
                "sections:\n  - {id: 1, name: q, type: lib.queue}\n")
    assert ids(tmp_path, queue(), importer) == []


def test_directions_match_the_rule_table() -> None:
    assert RULES["DS-F001"].direction is Direction.NONE
    assert RULES["DS-T004"].direction is Direction.FORWARD
    assert RULES["DS-E001"].direction is Direction.NONE and RULES["DS-E002"].direction is Direction.FORWARD
    assert all(rule.id.startswith("DS-") and rule.url.endswith("#" + rule.id.lower()) for rule in RULES.values())


def test_rules_page_is_in_sync_with_the_registry() -> None:
    from devstate.compat.rules_doc import PAGE, splice

    page = PAGE.read_text(encoding="utf-8")
    assert splice(page) == page, "run: python -m devstate.compat.rules_doc --write"
    for rule in RULES.values():
        assert f"#### {rule.id} {rule.name} {{#{rule.anchor}}}" in page


def test_widening_the_last_field_loads_forward_while_the_value_fits(tmp_path: Path) -> None:
    last = "types:\n  s:\n    kind: struct\n    fields:\n      - {{name: a, type: u8}}\n" \
           "      - {{name: b, type: {}}}\nsections:\n  - {{id: 1, name: q, type: s}}\n"
    (change,) = diff_schemas(*load_pair(tmp_path / "u", last.format("u16"), last.format("u32")))
    assert change.effects_text == (
        "backward: does not load: the fields of s from here on are read at other offsets; forward: loads while "
        "s.b stays in 0..65535 (otherwise the 1.0 reader refuses the non-zero high bytes as the struct's tail)")
    (change,) = diff_schemas(*load_pair(tmp_path / "i", last.format("i16"), last.format("i32")))
    forward = change.forward.conditions
    assert [(c.kind.value, c.low, c.high) for c in forward] == [("silent", 0, 32767), ("value", 0, 65535)]


def test_an_opaque_reader_keeps_a_typed_payload_only_while_it_fits_its_max(tmp_path: Path) -> None:
    from devstate.compat.verdict import Verdict, pair_verdicts
    from devstate.interp import decode, encode
    from devstate.wire.errors import DecodeError

    vendor = 'vendor_sections:\n  - {id: 1, name: impl, vendor: {pci: 0x1af4}, PAYLOAD, optional: true, since: "1.0"}\n'
    opaque = queue(sections=vendor.replace("PAYLOAD", "opaque: true, max: 8"))
    for typed, fits in (("u64", True), ("'u8[12]'", False)):  # the bound counts framing: u8[12] is 12 bytes or more
        new = queue(sections=vendor.replace("PAYLOAD", f"type: {typed}"))
        old, mutant = load_pair(tmp_path / typed, opaque, new)
        backward, forward = pair_verdicts(old, mutant)
        assert (backward.verdict, forward.verdict) == (Verdict.INCOMPATIBLE,
                                                       Verdict.COMPATIBLE if fits else Verdict.INCOMPATIBLE)
        value = 2**64 - 1 if fits else [255] * 12
        state = {"model": "org.example.dev", "version": "1.1", "sections": {"q": {"size": 1, "addr": 2}},
                 "vendor_sections": {"impl": value}, "unknown_sections": []}
        blob = encode(mutant, state)
        if fits:  # the codec agrees: the opaque reader keeps the bytes
            assert decode(old, blob)["vendor_sections"]["impl"] == b"\xff" * 8
        else:
            with pytest.raises(DecodeError):
                decode(old, blob)
