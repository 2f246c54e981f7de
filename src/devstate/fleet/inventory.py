"""Host and VM records, read as an inventory exports them.

A **host record** is ``{"host": NAME, "devices": [DEVICE, ...]}`` and a **VM record**
``{"vm": NAME, "devices": [DEVICE, ...]}``, where each DEVICE is a device description
(schemas/device-description.schema.json): for a host what its device of that model can
load as a destination, for a VM what its device uses as a source. A record lists each
model at most once.

Records come from a directory of ``*.json`` files (one record each), a JSON Lines file
(``.jsonl``/``.ndjson``, one record a line) or a Parquet file (columns ``host`` or
``vm``, and ``devices`` holding the device list as JSON text). A malformed record is
reported with its file and row (or line) and the JSON path of the problem, and skipped;
``strict=True`` stops at the first one.

Hosts are stored compactly: a name and the index of its signature (its canonical device
set). Identical device lists are parsed and validated once, so reading 1,000,000 hosts
drawn from a few hundred configurations costs one ``json.loads`` per line.
"""

from __future__ import annotations

import json
import re
from array import array
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from json.decoder import scanstring  # type: ignore[attr-defined]
from pathlib import Path
from typing import Any, BinaryIO

import jsonschema

from devstate.compat.params import DeviceDescription, description_schema, parse_description
from devstate.errors import UsageError
from devstate.fileio import io_error, open_regular, read_regular
from devstate.limits import loads_json

MAX_RECORD_FILE = 16 << 20
"""Largest single-record JSON file read (bytes)."""
JSON_LINES_SUFFIXES = (".jsonl", ".ndjson")


@dataclass(frozen=True)
class RecordError:
    """One malformed record: where it is, the JSON path inside it, and what is wrong."""

    location: str
    """``file:line`` (JSON Lines, JSON files) or ``file:row N`` (Parquet)."""
    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.location}: {self.path}: {self.message}"

    def to_json(self) -> dict[str, str]:
        return {"location": self.location, "path": self.path, "message": self.message}


class FleetInputError(UsageError):
    """A host or VM input holds no usable record (or, in strict mode, a malformed one)."""

    code = "FLEET_RECORD_INVALID"


class MalformedRecord(FleetInputError):
    """Raised in strict mode at the first malformed record."""

    def __init__(self, error: RecordError) -> None:
        super().__init__(str(error))
        self.error = error


@dataclass(frozen=True)
class Signature:
    """A canonical capability: one device description per model, sorted by model."""

    devices: tuple[DeviceDescription, ...]
    key: str
    """Canonical JSON of the devices (without free text): equal keys, equal capability."""

    def device(self, model: str) -> DeviceDescription | None:
        for device in self.devices:
            if device.model == model:
                return device
        return None

    @property
    def models(self) -> tuple[str, ...]:
        return tuple(d.model for d in self.devices)


@dataclass
class Inventory:
    """Records grouped by signature: ``names[i]`` has signature ``signatures[kinds[i]]``."""

    kind: str
    """``host`` or ``vm``: the name key of the records."""
    names: list[str] = field(default_factory=list)
    kinds: array[int] = field(default_factory=lambda: array("I"))
    signatures: list[Signature] = field(default_factory=list)
    errors: list[RecordError] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.names)

    def members(self) -> list[list[int]]:
        """Per signature, the indexes of its records (in input order)."""
        out: list[list[int]] = [[] for _ in self.signatures]
        for index, kind in enumerate(self.kinds):
            out[kind].append(index)
        return out

    def counts(self) -> list[int]:
        out = [0] * len(self.signatures)
        for kind in self.kinds:
            out[kind] += 1
        return out

    def index(self, name: str) -> int | None:
        try:
            return self.names.index(name)
        except ValueError:
            return None


class _Builder:
    """Turns raw records into an ``Inventory``, parsing each distinct device list once."""

    def __init__(self, kind: str, strict: bool) -> None:
        self.inventory = Inventory(kind)
        self.strict = strict
        self.by_raw: dict[str, int | tuple[str, str]] = {}
        """Raw device-list JSON → signature index, or (path, message) when it is invalid."""
        self.by_key: dict[str, int] = {}
        self.parsed: dict[str, DeviceDescription | tuple[str, str]] = {}
        """Device JSON → its description or problem (each distinct device validated once)."""
        self.devices: dict[str, DeviceDescription] = {}
        """Canonical device JSON → the one description object records share."""
        self.seen: set[str] = set()
        self.by_template: dict[str, int | tuple[str, str]] = {}
        """A JSON Lines record's text without its name → what ``_rest`` found for it."""
        self.name_pattern = re.compile(f'"{kind}"\\s*:\\s*"')

    def add(self, record: Any, location: str) -> None:
        """One parsed record."""
        kind = self.inventory.kind
        if not isinstance(record, dict):
            return self.error(location, "$", f"a {kind} record must be an object, not {_json_type(record)}")
        problem = self._accept(record.get(kind), self._rest(record))
        if problem is not None:
            self.error(location, *problem)

    def add_line(self, text: str, path: str, number: int) -> None:
        """One JSON Lines record. A line equal to an earlier one but for the name string is
        not parsed again: the text around the name is the cache key (checked, on its first
        sighting, to hold the name at the top level)."""
        match = self.name_pattern.search(text)
        key = ""
        if match is not None:
            try:
                name, end = scanstring(text, match.end())
            except ValueError:
                match = None
            else:
                key = text[:match.end()] + text[end:]
                found = self.by_template.get(key)
                if found is not None:
                    problem = self._accept(name, found)
                    if problem is not None:
                        self.error(f"{path}:{number}", *problem)
                    return
        try:
            record = loads_json(text)
        except json.JSONDecodeError as exc:
            return self.error(f"{path}:{number}:{exc.colno}", "$", f"invalid JSON: {exc.msg}")
        if not isinstance(record, dict):
            return self.add(record, f"{path}:{number}")
        rest = self._rest(record)
        if match is not None and record.get(self.inventory.kind) == name:
            self.by_template[key] = rest
        problem = self._accept(record.get(self.inventory.kind), rest)
        if problem is not None:
            self.error(f"{path}:{number}", *problem)
        return None

    def read_lines(self, path: Path) -> None:
        """Every record of a JSON Lines file."""
        where = str(path)
        try:
            with open_regular(path) as fd, open(fd, "rb", closefd=False) as stream:
                for number, line in enumerate(stream, 1):
                    try:
                        text = line.rstrip(b"\r\n").decode("utf-8")
                    except UnicodeDecodeError as exc:
                        self.error(f"{where}:{number}", "$", f"not UTF-8: {exc.reason} at byte {exc.start}")
                        continue
                    if text and not text.isspace():
                        self.add_line(text, where, number)
        except OSError as exc:
            raise io_error(path, exc) from None

    def _rest(self, record: dict[str, Any]) -> int | tuple[str, str]:
        """Everything of a record but its name: the signature index, or (path, message)."""
        extra = sorted(set(record) - {self.inventory.kind, "devices", "description", "$schema"})
        if extra:
            return f"$.{extra[0]}", f"unknown key {extra[0]!r} in a {self.inventory.kind} record"
        devices = record.get("devices")
        raw = devices if isinstance(devices, str) else json.dumps(devices, separators=(",", ":"))
        found = self.by_raw.get(raw)
        if found is None:
            found = self.by_raw[raw] = self._signature(devices)
        return found

    def _accept(self, name: Any, rest: int | tuple[str, str]) -> tuple[str, str] | None:
        """Add the record, or return (JSON path, message) of why it is malformed."""
        kind = self.inventory.kind
        if not isinstance(name, str) or not name:
            return f"$.{kind}", f"'{kind}' must be a non-empty string"
        if isinstance(rest, tuple):
            return rest
        if name in self.seen:
            return f"$.{kind}", f"{kind} {name!r} appears twice"
        self.seen.add(name)
        self.inventory.names.append(name)
        self.inventory.kinds.append(rest)
        return None

    def error(self, location: str, path: str, message: str) -> None:
        error = RecordError(location, path, message)
        if self.strict:
            raise MalformedRecord(error)
        self.inventory.errors.append(error)

    def _signature(self, devices: Any) -> int | tuple[str, str]:
        if isinstance(devices, str):
            try:
                devices = loads_json(devices)
            except json.JSONDecodeError as exc:
                return "$.devices", f"invalid JSON in the devices column: {exc.msg} at character {exc.pos}"
        descriptions = parse_devices(devices, self.parsed)
        if isinstance(descriptions, tuple):
            return descriptions
        descriptions = [self.devices.setdefault(_canonical_text(d), d) for d in descriptions]
        key = signature_key(descriptions)
        if key not in self.by_key:
            self.by_key[key] = len(self.inventory.signatures)
            ordered = tuple(sorted(descriptions, key=lambda d: d.model))
            self.inventory.signatures.append(Signature(ordered, key))
        return self.by_key[key]


def parse_devices(devices: Any, cache: dict[str, DeviceDescription | tuple[str, str]] | None = None
                  ) -> list[DeviceDescription] | tuple[str, str]:
    """The device descriptions of a record, or (JSON path, message) of the first problem.

    ``cache``: device JSON → its description or (path inside it, message), shared by the
    records of one inventory so each distinct device is validated once."""
    if not isinstance(devices, list):
        return "$.devices", f"'devices' must be an array of device descriptions, not {_json_type(devices)}"
    cache = {} if cache is None else cache
    out: list[DeviceDescription] = []
    models: set[str] = set()
    for index, device in enumerate(devices):
        where = f"$.devices[{index}]"
        text = json.dumps(device, sort_keys=True)
        found = cache.get(text)
        if found is None:
            found = cache[text] = _parse_device(device)
        if isinstance(found, tuple):
            return where + found[0], found[1]
        if found.model in models:
            return f"{where}.model", f"model {found.model} is listed twice"
        models.add(found.model)
        out.append(found)
    return out


def _parse_device(device: Any) -> DeviceDescription | tuple[str, str]:
    error = jsonschema.exceptions.best_match(_validator().iter_errors(device))
    if error is not None:
        return "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in error.absolute_path), error.message
    try:
        return parse_description(device, "")
    except UsageError as exc:
        return "", str(exc).removeprefix(": ")


@cache
def _validator() -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(description_schema())


def signature_key(devices: list[DeviceDescription]) -> str:
    """Canonical JSON of what the devices can do: versions, parameters, vendor sections."""
    return json.dumps([canonical_device(d) for d in sorted(devices, key=lambda d: d.model)],
                      sort_keys=True, separators=(",", ":"))


def _canonical_text(device: DeviceDescription) -> str:
    return json.dumps(canonical_device(device), sort_keys=True, separators=(",", ":"))


def canonical_device(device: DeviceDescription) -> dict[str, object]:
    """A device description in canonical form (sorted lists, no free text)."""
    return {
        "model": device.model,
        "versions": [str(v) for v in sorted(device.versions)],
        "params": device.params,
        "supported_params": {name: _support_json(s) for name, s in device.supported.items()},
        "vendor_sections": sorted(({"vendor": v.vendor, "id": v.id, "name": v.name, "optional": v.optional}
                                   for v in device.vendor_sections), key=lambda v: (v["vendor"], v["id"])),
    }


def device_json(device: DeviceDescription) -> dict[str, object]:
    """A device description as the JSON a description file holds (empty keys left out)."""
    out = canonical_device(device)
    if device.description:
        out["description"] = device.description
    return {k: v for k, v in out.items() if v or k in ("model", "versions")}


def _support_json(support: Any) -> dict[str, object]:
    out: dict[str, object] = {}
    if support.values is not None:
        out["values"] = list(support.values)
    if support.min is not None:
        out["min"] = support.min
    if support.max is not None:
        out["max"] = support.max
    if support.any:
        out["any"] = True
    return out


def _json_type(value: Any) -> str:
    names = {dict: "an object", list: "an array", str: "a string", bool: "a boolean", int: "an integer",
             float: "a number", type(None): "null"}
    return names.get(type(value), type(value).__name__)


# -- sources ----------------------------------------------------------------------------------


def load_inventory(path: Path, kind: str = "host", strict: bool = False, data: bytes | None = None) -> Inventory:
    """Every record of ``path`` (directory, JSON Lines or Parquet); ``UsageError`` if unreadable.

    With ``data`` (standard input, named ``path``), the records of those bytes instead: Parquet
    by its magic, else one JSON document, else JSON Lines."""
    builder = _Builder(kind, strict)
    if data is not None:
        _read_bytes(builder, data, str(path))
        return builder.inventory
    for file in _files(path):
        if file.suffix in JSON_LINES_SUFFIXES:
            builder.read_lines(file)
            continue
        for record, location in _parquet(file) if file.suffix == ".parquet" else _json_file(file):
            if isinstance(record, RecordError):
                builder.error(record.location, record.path, record.message)
            else:
                builder.add(record, location)
    return builder.inventory


def load_record(path: Path, kind: str = "vm", data: bytes | None = None) -> tuple[str, Signature]:
    """The one record of a file (a VM description; or of ``data``, as ``load_inventory``): its name and devices."""
    inventory = load_inventory(path, kind, strict=True, data=data)
    if len(inventory) != 1:
        raise FleetInputError(f"{path}: expected one {kind} record, found {len(inventory)}")
    return inventory.names[0], inventory.signatures[0]


PARQUET_MAGIC = b"PAR1"


def _read_bytes(builder: _Builder, data: bytes, name: str) -> None:
    if data[:4] == PARQUET_MAGIC:
        import io

        for record, location in _parquet(io.BytesIO(data), name):
            builder.add(record, location)
        return
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        builder.error(name, "$", f"not UTF-8: {exc.reason} at byte {exc.start}")
        return
    try:
        document = loads_json(text)
    except json.JSONDecodeError:
        for number, line in enumerate(text.splitlines(), 1):
            if line and not line.isspace():
                builder.add_line(line, name, number)
        return
    builder.add(document, name)


def _files(path: Path) -> list[Path]:
    if path.is_dir():
        return sorted(p for p in path.iterdir() if p.suffix in (".json", *JSON_LINES_SUFFIXES))
    return [path]


def _json_file(path: Path) -> Iterator[tuple[Any, str]]:
    try:
        text = read_regular(path, MAX_RECORD_FILE).decode("utf-8")
    except OSError as exc:
        raise io_error(path, exc) from None
    except UnicodeDecodeError as exc:
        yield RecordError(str(path), "$", f"not UTF-8: {exc.reason} at byte {exc.start}"), ""
        return
    try:
        yield loads_json(text), str(path)
    except json.JSONDecodeError as exc:
        yield RecordError(f"{path}:{exc.lineno}:{exc.colno}", "$", f"invalid JSON: {exc.msg}"), ""


def _parquet(path: Path | BinaryIO, name: str | None = None) -> Iterator[tuple[Any, str]]:
    name = name or str(path)
    try:
        import pyarrow.parquet as pq  # type: ignore[import-untyped,import-not-found,unused-ignore]
    except ImportError:
        raise UsageError(f"{name}: reading Parquet needs pyarrow (pip install 'devstate[parquet]')") from None
    try:
        table = pq.ParquetFile(path)
    except (OSError, ValueError) as exc:
        raise FleetInputError(f"{name}: cannot read as Parquet: {exc}") from None
    row = 0
    for batch in table.iter_batches():
        for record in batch.to_pylist():
            yield record, f"{name}:row {row}"
            row += 1
