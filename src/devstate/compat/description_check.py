"""Device descriptions checked without jsonschema, where that is certain to agree with it.

check-migration reads descriptions it has never seen (one per VM move); importing jsonschema
costs more than the rest of reading them. ``plainly_valid`` says True only when the device
description schema accepts the document: the shipped schema (the one whose sha256 is
``CHECKED_SCHEMA_SHA256``; a schema of ``$DEVSTATE_SCHEMAS`` that differs is never assumed),
checked here rule by rule, with its own patterns and bounds read from it and matched as
jsonschema matches them (``re.search``). Whatever it is not sure of (a float where an
integer is allowed, any violation) is False, and the caller asks jsonschema, which gives the
exact message. tests/test_description_check.py proves both give the same verdict on many
descriptions, and fails when the schema file changes without this module being checked again.
"""

from __future__ import annotations

import hashlib
import re
from typing import Any

from devstate.errors import UsageError
from devstate.schema.registry import shipped_file, shipped_json_schema

SCHEMA_NAME = "device-description.schema.json"
CHECKED_SCHEMA_SHA256 = "0b90b75b58055b81e79a0958ce61dcdc0ae3fe41caeab940145996ee656ea707"
"""The description schema these rules were written for (and tested against)."""

_TOP = {"$schema", "description", "model", "versions", "params", "supported_params", "vendor_sections"}
_SUPPORT = {"values", "min", "max", "any"}
_VENDOR_SECTION = {"vendor", "id", "name", "optional"}


def plainly_valid(data: Any) -> bool:
    """True: the description schema accepts ``data``. False: not known, ask jsonschema."""
    try:
        if _sha256(shipped_file(SCHEMA_NAME).read_bytes()) != CHECKED_SCHEMA_SHA256:
            return False
    except (OSError, UsageError):  # no schema file: the jsonschema path reports it
        return False
    rules = _Rules(shipped_json_schema(SCHEMA_NAME))
    return rules.description(data)


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _exactly(value: Any, kind: type) -> bool:
    """``type(value) is kind``: bool is no integer, and 1.0 (an integer to jsonschema) is left to it."""
    return type(value) is kind


class _Rules:
    """The schema's rules; patterns and bounds taken from the schema document itself."""

    def __init__(self, schema: dict[str, Any]) -> None:
        top, defs = schema["properties"], schema["$defs"]
        self.model_pattern = top["model"]["pattern"]
        self.model_max = top["model"]["maxLength"]
        self.version_pattern = defs["version"]["pattern"]
        self.param_pattern = defs["paramName"]["pattern"]
        self.vendor_pattern = defs["vendorSection"]["properties"]["vendor"]["pattern"]
        self.id_min = defs["vendorSection"]["properties"]["id"]["minimum"]
        self.id_max = defs["vendorSection"]["properties"]["id"]["maximum"]

    def description(self, data: Any) -> bool:
        if not _exactly(data, dict) or not set(data) <= _TOP or not {"model", "versions"} <= set(data):
            return False
        checks = {"$schema": self._string, "description": self._string, "model": self._model,
                  "versions": self._versions, "params": self._params, "supported_params": self._supported,
                  "vendor_sections": self._vendor_sections}
        return all(checks[key](value) for key, value in data.items())

    @staticmethod
    def _string(value: Any) -> bool:
        return _exactly(value, str)

    def _model(self, value: Any) -> bool:
        return (_exactly(value, str) and len(value) <= self.model_max
                and re.search(self.model_pattern, value) is not None)

    def _versions(self, value: Any) -> bool:
        return (_exactly(value, list) and len(value) >= 1
                and all(_exactly(v, str) and re.search(self.version_pattern, v) is not None for v in value)
                and len(set(value)) == len(value))

    def _names(self, value: Any) -> bool:
        return _exactly(value, dict) and all(re.search(self.param_pattern, name) is not None for name in value)

    @staticmethod
    def _value(value: Any) -> bool:
        return type(value) in (int, bool, str)

    def _params(self, value: Any) -> bool:
        return self._names(value) and all(self._value(v) for v in value.values())

    def _supported(self, value: Any) -> bool:
        return self._names(value) and all(self._support(v) for v in value.values())

    def _support(self, value: Any) -> bool:
        if not _exactly(value, dict) or not value or not set(value) <= _SUPPORT:
            return False
        values = value.get("values", [None])
        return (("values" not in value or (_exactly(values, list) and len(values) >= 1
                                           and all(self._value(v) for v in values)))
                and all(_exactly(value[k], int) for k in ("min", "max") if k in value)
                and ("any" not in value or value["any"] is True))

    def _vendor_sections(self, value: Any) -> bool:
        return _exactly(value, list) and all(self._vendor_section(v) for v in value)

    def _vendor_section(self, value: Any) -> bool:
        if not _exactly(value, dict) or not set(value) <= _VENDOR_SECTION or not {"vendor", "id"} <= set(value):
            return False
        return (_exactly(value["vendor"], str) and re.search(self.vendor_pattern, value["vendor"]) is not None
                and _exactly(value["id"], int) and self.id_min <= value["id"] <= self.id_max
                and _exactly(value.get("name", ""), str) and _exactly(value.get("optional", False), bool))
