"""The feature cases of tests/cases/: one folder per wire feature (tests/cases/README.md).

A folder holds ``schema.yaml``, valid cases (``NAME.state.json`` with its blob
``NAME.dsf.hex``, and ``NAME.reencoded.dsf.hex`` when the blob is not the canonical
encoding of the state, such as an older minor version's), error cases (``NAME.error.json``)
states the encoders must refuse (``NAME.encode-error.json``) and ``golden/`` snippets of
the generated code. ``load_cases()`` reads them all and
raises ``CaseFileError`` for a folder that lacks a file it needs or has a file it does not
know, so an incomplete case fails instead of being skipped.
"""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from paths import TESTS

from devstate import ir
from devstate.schema import load_schema
from tools.case_hex import parse_hex

CASES_DIR = TESTS / "cases"
GOLDEN_FILES = {"python": "python.py.txt", "c": "c.c.txt", "rust": "rust.rs.txt"}
ERROR_KEYS = {"doc", "blob", "limits", "code", "number", "offset", "path", "message"}
ENCODE_ERROR_KEYS = {"doc", "state", "code", "number", "path", "message", "not_for"}
NOT_FOR = {"c", "rust"}
"""The codecs whose types may be unable to hold a state (``not_for`` of an encode-error case)."""
_KNOWN = re.compile(r"[a-z0-9-]+\.(state\.json|dsf\.hex|reencoded\.dsf\.hex|error\.json|encode-error\.json)")


class CaseFileError(AssertionError):
    """A feature folder that is incomplete or holds a file the runner does not know."""


@dataclass(frozen=True)
class Valid:
    """A state and its blob: decode(blob) is the state; encode(state) is ``canonical``."""

    feature: str
    name: str
    state: dict[str, Any]
    blob: bytes
    canonical: bytes

    @property
    def id(self) -> str:
        return f"{self.feature}/{self.name}"


@dataclass(frozen=True)
class Invalid:
    """A blob every codec must refuse with exactly this error."""

    feature: str
    name: str
    blob: bytes
    code: str
    number: int
    offset: int
    path: str
    message: str
    """The reference interpreter's message (the drivers of C and Rust report no message)."""
    limits: dict[str, int] = field(default_factory=dict)

    @property
    def id(self) -> str:
        return f"{self.feature}/{self.name}"


@dataclass(frozen=True)
class Unencodable:
    """A state every encoder that takes a JSON state must refuse with exactly this error."""

    feature: str
    name: str
    state: dict[str, Any]
    code: str
    number: int
    path: str
    message: str
    not_for: dict[str, str] = field(default_factory=dict)
    """Codec → why its state types cannot hold this state (C and Rust structs hold no bool given as
    1, no u8 of 256...): the case does not apply to that codec."""

    @property
    def id(self) -> str:
        return f"{self.feature}/{self.name}"


@dataclass(frozen=True)
class Feature:
    """One folder: its schema and cases."""

    name: str
    directory: Path
    schema: ir.Schema
    valid: tuple[Valid, ...]
    invalid: tuple[Invalid, ...]
    unencodable: tuple[Unencodable, ...]

    def golden(self, lang: str) -> Path:
        return self.directory / "golden" / GOLDEN_FILES[lang]


def feature_dirs() -> list[Path]:
    return sorted(path for path in CASES_DIR.iterdir() if path.is_dir() and not path.name.startswith(("_", ".")))


@functools.cache
def load_cases() -> tuple[Feature, ...]:
    return tuple(load_feature(directory) for directory in feature_dirs())


def load_feature(directory: Path) -> Feature:
    schema_path = directory / "schema.yaml"
    if not schema_path.is_file():
        raise CaseFileError(f"{directory}: no schema.yaml")
    schema = load_schema(schema_path)
    names = sorted(p.name for p in directory.iterdir() if p.is_file() and p.name != "schema.yaml")
    unknown = [name for name in names if not _KNOWN.fullmatch(name)]
    if unknown:
        raise CaseFileError(f"{directory}: files the runner does not know: {', '.join(unknown)}")
    valid = tuple(_valid(directory, name.removesuffix(".state.json"))
                  for name in names if name.endswith(".state.json"))
    invalid = tuple(_invalid(directory, name.removesuffix(".error.json"))
                    for name in names if name.endswith(".error.json") and not name.endswith(".encode-error.json"))
    unencodable = tuple(_unencodable(directory, name.removesuffix(".encode-error.json"))
                        for name in names if name.endswith(".encode-error.json"))
    for name in names:
        stem = name.removesuffix(".reencoded.dsf.hex").removesuffix(".dsf.hex")
        if name.endswith(".dsf.hex") and not (directory / f"{stem}.state.json").is_file():
            raise CaseFileError(f"{directory / name}: no {stem}.state.json beside it")
    if not valid and not invalid:
        raise CaseFileError(f"{directory}: no *.state.json or *.error.json case")
    return Feature(directory.name, directory, schema, valid, invalid, unencodable)


def _valid(directory: Path, name: str) -> Valid:
    blob_path = directory / f"{name}.dsf.hex"
    if not blob_path.is_file():
        raise CaseFileError(f"{directory / name}.state.json: no {blob_path.name} beside it")
    blob = parse_hex(blob_path.read_text(encoding="utf-8"))
    reencoded = directory / f"{name}.reencoded.dsf.hex"
    canonical = parse_hex(reencoded.read_text(encoding="utf-8")) if reencoded.is_file() else blob
    state = json.loads((directory / f"{name}.state.json").read_text(encoding="utf-8"))
    return Valid(directory.name, name, state, blob, canonical)


def _invalid(directory: Path, name: str) -> Invalid:
    path = directory / f"{name}.error.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    missing, extra = ERROR_KEYS - {"limits"} - set(data), set(data) - ERROR_KEYS
    if missing or extra:
        raise CaseFileError(f"{path}: missing keys {sorted(missing)}, unknown keys {sorted(extra)}")
    return Invalid(directory.name, name, parse_hex(data["blob"]), data["code"], data["number"], data["offset"],
                   data["path"], data["message"], data.get("limits", {}))


def _unencodable(directory: Path, name: str) -> Unencodable:
    path = directory / f"{name}.encode-error.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    if set(data) | {"not_for"} != ENCODE_ERROR_KEYS:
        raise CaseFileError(f"{path}: keys {sorted(data)}, expected {sorted(ENCODE_ERROR_KEYS)} (not_for optional)")
    not_for = data.get("not_for", {})
    if not set(not_for) <= NOT_FOR or not all(isinstance(why, str) and why for why in not_for.values()):
        raise CaseFileError(f"{path}: not_for maps {sorted(NOT_FOR)} to the reason, not {not_for!r}")
    return Unencodable(directory.name, name, data["state"], data["code"], data["number"], data["path"],
                       data["message"], not_for)


def all_valid() -> list[Valid]:
    return [case for feature in load_cases() for case in feature.valid]


def all_invalid() -> list[Invalid]:
    return [case for feature in load_cases() for case in feature.invalid]


def all_unencodable() -> list[Unencodable]:
    return [case for feature in load_cases() for case in feature.unencodable]


def schema_of(case: Valid | Invalid | Unencodable) -> ir.Schema:
    return next(f.schema for f in load_cases() if f.name == case.feature)
