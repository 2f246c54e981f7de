"""The mutation-testing tools themselves (tools/mutation): the generator covers the schema
language, every edit kind makes valid mutants, and the oracle judges loads correctly."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from compat_helpers import load_pair
from paths import ROOT

from tools.mutation import mutants as M
from tools.mutation import oracle

NO_WIRE_MEANING = {
    "schema.$schema": "editor hint", "schema.title": "documentation", "schema.doc": "documentation (doc-change)",
    "schema.annotations": "tool data, never on the wire", "schema.devstate": "the schema language version (only 1)",
    "schema.version": "the bump itself: every mutant is a minor and a major version",
    "import.path": "where the file is, not what it holds", "import.model": "another model is another library",
    "struct.doc": "documentation", "struct.annotations": "tool data", "struct.kind": "a struct stays a struct",
    "field.doc": "documentation (field-doc)", "field.unit": "documentation", "field.annotations": "tool data",
    "enum.kind": "fixed", "enum.doc": "documentation", "enum.annotations": "tool data",
    "enum.values.doc": "documentation", "enum.values.since": "documentation: members are not framed by version",
    "flags.kind": "fixed", "flags.doc": "documentation", "flags.annotations": "tool data",
    "flags.bits.doc": "documentation", "flags.bits.since": "documentation: bits are not framed by version",
    "section.doc": "documentation", "section.annotations": "tool data",
    "section.since": "documentation: a section added in a minor version must be optional (validate checks it)",
    "vendorSection.doc": "documentation", "vendorSection.annotations": "tool data",
    "vendorSection.since": "documentation, as for sections",
    "param.doc": "documentation", "param.since": "documentation: an absent parameter means its default",
    "inlineArray.kind": "fixed", "inlineArray.doc": "documentation", "inlineBytes.kind": "fixed",
    "inlineBytes.doc": "documentation", "inlineString.kind": "fixed", "inlineString.doc": "documentation",
    "namedType.kind": "struct, enum or flags: the retyping kinds", "vendorNamespace.uuid": "vendor-namespace",
}
EDITED_BY = {
    "schema.model": ["model-rename"], "schema.imports": ["import-upgrade", "import-downgrade"],
    "schema.types": ["type-rename"], "schema.sections": ["section-add-optional", "section-remove"],
    "schema.vendor_sections": ["vendor-add-optional", "vendor-remove"], "schema.params": ["param-add", "param-remove"],
    "import.version": ["import-upgrade", "import-downgrade"], "import.as": ["import-alias"],
    "struct.fields": ["field-remove", "field-insert", "field-reorder", "field-append-u8"],
    "field.name": ["field-rename"], "field.type": ["field-widen", "field-bool-int", "field-enum-base"],
    "field.since": ["field-since-drop", "field-since-later", "field-since-add"], "field.default": ["field-default"],
    "field.min": ["field-min-raise"], "field.max": ["field-range-narrow", "field-range-widen"],
    "enum.base": ["enum-base-widen", "enum-base-narrow"], "enum.open": ["enum-open", "enum-close"],
    "enum.values": ["enum-value-add", "enum-value-remove", "enum-value-rename"],
    "enum.values.value": ["enum-value-renumber"],
    "flags.base": ["flags-base-widen", "flags-base-narrow"], "flags.bits": ["flag-add", "flag-remove", "flag-rename"],
    "flags.bits.bit": ["flag-move"],
    "inlineArray.of": ["element-widen", "element-narrow", "element-signedness"],
    "inlineArray.length": ["field-length-grow", "field-length-shrink"],
    "inlineArray.max": ["field-max-raise", "field-max-lower", "section-max-raise"],
    "inlineBytes.length": ["field-length-grow"], "inlineBytes.max": ["field-max-raise", "vendor-max-raise"],
    "inlineString.max": ["field-max-raise", "field-max-lower"],
    "section.id": ["section-reid"], "section.name": ["section-rename"], "section.type": ["section-max-raise"],
    "section.optional": ["section-make-optional", "section-make-required"],
    "vendorSection.id": ["vendor-reid"], "vendorSection.name": ["vendor-rename"],
    "vendorSection.vendor": ["vendor-namespace"], "vendorSection.type": ["vendor-to-typed"],
    "vendorSection.opaque": ["vendor-to-typed"], "vendorSection.max": ["vendor-max-raise", "vendor-max-lower"],
    "vendorSection.optional": ["vendor-make-required", "vendor-add-required"],
    "vendorNamespace.pci": ["vendor-namespace"],
    "param.type": ["param-type-widen", "param-type-narrow", "param-type-string"], "param.default": ["param-default"],
    "param.allowed": ["param-allowed-add", "param-allowed-remove"],
    "param.min": ["param-range-widen"], "param.max": ["param-range-widen", "param-range-narrow"],
}


def _language_keys() -> set[str]:
    """Every property of the meta-schema, as ``definition.property`` (``schema.`` for the top level)."""
    meta = json.loads((ROOT / "schemas" / "devstate.schema.json").read_text(encoding="utf-8"))
    keys: set[str] = set()

    def walk(node: Any, prefix: str) -> None:
        if isinstance(node, dict):
            for name, sub in node.get("properties", {}).items():
                keys.add(f"{prefix}.{name}")
                walk(sub, f"{prefix}.{name}")
            for key in ("additionalProperties", "items"):
                walk(node.get(key), prefix)
            for key in ("oneOf", "anyOf", "allOf"):
                for sub in node.get(key, []):
                    walk(sub, prefix)

    walk({"properties": meta["properties"]}, "schema")
    for name, definition in meta["$defs"].items():
        walk(definition, name)
    # properties nested in enum values and flag bits keep their definition's prefix
    return {k for k in keys if k.count(".") <= 2}


def test_every_key_of_the_schema_language_is_mutated_or_has_no_wire_meaning() -> None:
    keys = _language_keys()
    covered = set(EDITED_BY) | set(NO_WIRE_MEANING)
    assert keys - covered == set(), "a schema-language key no edit kind mutates: add a kind to tools/mutation"
    assert covered - keys == set(), "stale entries"
    for key, kinds in EDITED_BY.items():
        assert set(kinds) <= set(M.KINDS), key


NO_SITE = {"vendor-make-optional": "no standard schema has a required vendor section "
                                   "(tests/compat/test_compat_rules.py)"}


def test_every_edit_kind_makes_mutants_in_both_bumps() -> None:
    made: dict[str, set[str]] = {}
    for mutant in M.mutants(cap=1):
        made.setdefault(mutant.kind, set()).add(mutant.bump)
    assert {k for k in M.KINDS if made.get(k) != {M.MINOR, M.MAJOR}} == set(NO_SITE)


def test_the_sample_holds_every_kind_and_mutants_are_deterministic() -> None:
    sample = M.sample()
    assert {m.kind for m in sample} == set(M.KINDS) - set(NO_SITE)
    assert [m.ident for m in sample] == [m.ident for m in M.sample()]
    assert {m.bump for m in sample} == {M.MINOR, M.MAJOR}


@pytest.mark.parametrize("kind", ["field-append-u8", "field-rename", "section-reid", "import-upgrade"])
def test_mutants_are_valid_schemas_with_the_edit(tmp_path: Path, kind: str) -> None:
    mutant = next(m for m in M.sample() if m.kind == kind and m.bump == M.MINOR)
    loaded = mutant.load(tmp_path)
    assert loaded.refused == () and loaded.schema is not None
    assert loaded.schema.version == ir_version(mutant.base.schema.version, minor=1)
    assert loaded.schema.sha256 != mutant.base.schema.sha256


def ir_version(version: Any, minor: int) -> Any:
    return type(version)(version.major, version.minor + minor)


def test_a_rename_is_recorded_for_the_oracle(tmp_path: Path) -> None:
    mutant = next(m for m in M.sample() if m.kind == "field-rename" and m.bump == M.MINOR)
    files, renames = mutant.materialize()
    (key, old), = renames.items()
    assert key.endswith("_renamed") and key.rpartition(".")[2] == f"{old}_renamed"
    # the device's file first, then the new minor version of a library it imports, if the edit is there
    assert [f"name: {old}_renamed" in text for _, text in files].count(True) == 1


# -- the oracle ---------------------------------------------------------------------------------

BASE = """
types:
  s:
    kind: struct
    fields:
      - {name: a, type: u16}
@EXTRA@sections:
  - {id: 1, name: main, type: s}
@SECTIONS@"""


def body(extra: str = "", sections: str = "") -> str:
    return BASE.replace("@EXTRA@", extra).replace("@SECTIONS@", sections)


def pair(tmp_path: Path, old_extra: str = "", new_extra: str = "", old_sections: str = "",
         new_sections: str = "", new_type: str = "u16") -> tuple[Any, Any]:
    old = body(old_extra, old_sections)
    new = body(new_extra, new_sections).replace("type: u16}", f"type: {new_type}}}", 1)
    return load_pair(tmp_path, old, new)


def state(a: int = 0, version: str = "1.1", **fields: Any) -> dict[str, Any]:
    return {"model": "org.example.dev", "version": version, "sections": {"main": {"a": a, **fields}},
            "vendor_sections": {}, "unknown_sections": []}


def test_oracle_appended_field_loads_at_its_default_and_is_refused_otherwise(tmp_path: Path) -> None:
    old, new = pair(tmp_path, new_extra='      - {name: b, type: u8, since: "1.1"}\n')
    assert oracle.load(new, old, state(5, b=0), {}) == oracle.Outcome(oracle.EQUAL)
    assert oracle.load(new, old, state(5, b=1), {}) == oracle.Outcome(oracle.REFUSED, "NONZERO_TAIL at $.sections.main")
    assert oracle.load(old, new, state(5, "1.0"), {}) == oracle.Outcome(oracle.EQUAL)


def test_oracle_sees_a_silent_difference(tmp_path: Path) -> None:
    old, new = pair(tmp_path, new_type="i16")
    assert oracle.load(old, new, state(7, "1.0"), {}).kind == oracle.EQUAL
    assert oracle.load(old, new, state(40000, "1.0"), {}) == oracle.Outcome(oracle.DIFFERENT, "$.sections.main.a")


def test_oracle_follows_renames_and_skipped_sections(tmp_path: Path) -> None:
    stats = '  - {id: 2, name: stats, type: u32, optional: true, since: "1.1"}\n'
    old, new = pair(tmp_path, new_sections=stats)
    assert oracle.load(new, old, {**state(1), "sections": {"main": {"a": 1}, "stats": 9}}, {}).kind == oracle.SKIPPED
    old, new = load_pair(tmp_path / "r", body(), body().replace("name: a,", "name: b,"))
    assert oracle.load(old, new, state(3, "1.0"), {"s.b": "a"}).kind == oracle.EQUAL
    assert oracle.load(old, new, state(3, "1.0"), {}).kind == oracle.EQUAL  # nothing shared is compared
    assert oracle.load(new, old, {**state(), "sections": {"main": {"b": 3}}}, {"s.a": "b"}).kind == oracle.EQUAL


def test_oracle_extreme_states_reach_the_maxima(tmp_path: Path) -> None:
    counted = "      - {name: c, type: {kind: array, of: u8, max: 40}}\n"
    old, _ = pair(tmp_path, old_extra=counted)
    high, low = oracle.extreme_states(old, frozenset({"s.c", "s.a"}))[:2]
    assert high["sections"]["main"] == {"a": 65535, "c": [255] * 40}
    assert low["sections"]["main"] == {"a": 0, "c": [0]}


def test_oracle_cross_checks_the_generated_codec_of_standard_schemas() -> None:
    from devstate.interp import encode
    from devstate.schema import find_schema_file, load_schema

    schema = load_schema(find_schema_file("org.virtio.net@1.1").path)
    written = oracle.drawn_states(schema, 3)[2]
    blob = encode(schema, written)
    assert oracle.cross_check_encode(schema, written, blob) is None
    assert oracle.cross_check_decode(schema, blob, written) is None
    assert oracle.cross_check_decode(schema, blob, {**written, "version": "1.0"}) is not None
