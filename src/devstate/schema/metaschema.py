"""Checking a parsed schema document against the JSON meta-schema."""

from __future__ import annotations

import copy
from functools import cache
from typing import Any

import jsonschema
from jsonschema.exceptions import ValidationError, best_match

from devstate.errors import Diagnostic
from devstate.schema.registry import shipped_json_schema
from devstate.schema.source import SourceDocument

META_SCHEMA_NAME = "devstate.schema.json"


def meta_schema() -> dict[str, Any]:
    """The meta-schema shipped beside the standard schemas."""
    return shipped_json_schema(META_SCHEMA_NAME)


@cache
def _validator() -> jsonschema.protocols.Validator:
    schema = _inline_local_refs(copy.deepcopy(meta_schema()))
    validator_class = jsonschema.validators.validator_for(schema)
    return validator_class(schema)


def _inline_local_refs(schema: dict[str, Any]) -> dict[str, Any]:
    """Replace every ``{"$ref": "#/$defs/x"}`` by the ``x`` definition object itself.

    The result is a graph (recursive definitions point back at themselves), which the
    validator walks only as deep as the instance goes. It validates exactly like the
    original and about twice as fast: ``$ref`` lookups dominated large schema files.
    """
    definitions = schema["$defs"]
    visited: set[int] = set()

    def target(value: Any) -> Any:
        if isinstance(value, dict) and value.keys() == {"$ref"} and value["$ref"].startswith("#/$defs/"):
            return definitions[value["$ref"].removeprefix("#/$defs/")]
        return value

    def walk(node: Any) -> None:
        if id(node) in visited or not isinstance(node, dict | list):
            return
        visited.add(id(node))
        keys = list(node) if isinstance(node, dict) else range(len(node))
        for key in keys:
            node[key] = target(node[key])
            walk(node[key])

    walk(schema)
    return schema


def warm_up_meta_schema() -> None:
    """Build the validator now (before forking workers that will all need it)."""
    _validator()


def check_meta_schema(document: SourceDocument) -> list[Diagnostic]:
    """Every meta-schema violation in the document, each located by file:line:col."""
    errors = sorted(_validator().iter_errors(document.data), key=lambda e: list(e.absolute_path))
    return [_diagnostic(document, _most_specific(error)) for error in errors]


def _most_specific(error: ValidationError) -> ValidationError:
    """For oneOf/anyOf failures, the sub-error that best explains what is wrong."""
    while error.context:
        deeper = best_match(error.context)
        if deeper is None:
            break
        error = deeper
    return error


def _diagnostic(document: SourceDocument, error: ValidationError) -> Diagnostic:
    path = tuple(error.absolute_path)
    message = error.message
    if error.validator == "additionalProperties" and isinstance(error.instance, dict):
        allowed = error.schema.get("properties", {}) if isinstance(error.schema, dict) else {}
        unexpected = [key for key in error.instance if key not in allowed]
        if unexpected:
            key_path = (*path, unexpected[0])
            return document.diagnostic(
                key_path,
                "META_SCHEMA",
                f"unknown key {unexpected[0]!r}; allowed here: {', '.join(sorted(allowed))}",
                at_key=True,
            )
    return document.diagnostic(path, "META_SCHEMA", message)
