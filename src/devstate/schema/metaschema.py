"""Checking a parsed schema document against the JSON meta-schema."""

from __future__ import annotations

import json
from functools import cache
from typing import Any

import jsonschema
from jsonschema.exceptions import ValidationError, best_match

from devstate.errors import Diagnostic
from devstate.schema.registry import standard_schemas_dir
from devstate.schema.source import SourceDocument

META_SCHEMA_NAME = "devstate.schema.json"


@cache
def meta_schema() -> dict[str, Any]:
    """The meta-schema shipped beside the standard schemas."""
    text = (standard_schemas_dir() / META_SCHEMA_NAME).read_text(encoding="utf-8")
    loaded: dict[str, Any] = json.loads(text)
    return loaded


@cache
def _validator() -> jsonschema.protocols.Validator:
    schema = meta_schema()
    validator_class = jsonschema.validators.validator_for(schema)
    return validator_class(schema)


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
