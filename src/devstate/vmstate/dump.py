"""Reading QEMU's ``-dump-vmstate`` JSON into frozen, checked records.

``qemu-system-<arch> -machine M -dump-vmstate FILE`` writes one entry per device type
that has a ``VMStateDescription`` (keyed by the QOM type name), plus ``vmschkmachine``:

```json
{"vmschkmachine": {"Name": "pc-i440fx-7.2"},
 "e1000": {"Name": "e1000", "version_id": 2, "minimum_version_id": 1,
           "Description": {"name": "e1000", "version_id": 2, "minimum_version_id": 1,
                           "Fields": [{"field": "rxbuf_size", "version_id": 0,
                                       "field_exists": false, "size": 4}, ...],
                           "Subsections": [{"name": "e1000/full_mac_state", ...}]}}}
```

A field's ``size`` is QEMU's ``VMStateField.size``: the element size of an array, the
C ``sizeof`` of a nested struct (whose wire layout is its ``Description``), the byte
count of a buffer, 0 for variable-size data and custom savers. Since QEMU 8.1 (commit
12c81e5ae9, "migration/vmstate-dump: Dump array size too as num") a ``VMS_ARRAY`` field
also has ``num``, its element count: the field is ``num × size`` bytes on the wire. A
description without ``Fields`` is an unmigratable device.

The dump format has no version and QEMU adds keys without notice, so a key this reader
does not know is tolerated: it is counted (``Dump.warnings``: "unknown key 'X' on N
fields") and what carries it is marked ``unverified``; ``strict=True`` refuses it instead.
A malformed value of a known key is refused with its JSON path; bad input never raises
anything but ``DumpError``.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from devstate.errors import DevstateError
from devstate.fileio import FileTooLargeError, read_regular
from devstate.limits import JsonIntegerTooLong, json_integer

MACHINE_KEY = "vmschkmachine"
MAX_DUMP_SIZE = 64 << 20
"""Largest dump accepted (QEMU 7.2 writes about 0.8 MiB for every x86 device type)."""
MAX_DEPTH = 32
"""Deepest nesting of descriptions accepted (QEMU 7.2 nests at most 5 levels)."""


class DumpError(DevstateError):
    """The file is not a QEMU ``-dump-vmstate`` description."""

    code = "VMSTATE_DUMP_INVALID"

    def __init__(self, file: str, path: str, message: str) -> None:
        self.file = file
        self.path = path
        self.message = message
        super().__init__(f"{file}: {path}: {message}" if path else f"{file}: {message}")


@dataclass(frozen=True)
class Field:
    """One ``VMStateField`` as dumped: QEMU's name, version, condition and size."""

    name: str
    version_id: int
    field_exists: bool
    """The field has a ``field_exists`` test: it is saved and loaded only when true."""
    size: int
    description: Vmsd | None
    """The nested ``VMStateDescription`` of a ``VMSTATE_STRUCT`` field."""
    path: str
    num: int | None = None
    """The element count of an array (``num``, QEMU 8.1 on); None where the dump has none."""
    unverified: tuple[str, ...] = ()
    """Keys of this entry that devstate does not know (their meaning was not checked)."""

    @property
    def total_size(self) -> int:
        """Bytes on the wire: ``num × size`` for an array, else ``size``."""
        return self.size * (self.num if self.num is not None else 1)


@dataclass(frozen=True)
class Vmsd:
    """One ``VMStateDescription``: a section, a nested struct or a subsection."""

    name: str
    version_id: int
    minimum_version_id: int
    fields: tuple[Field, ...] | None
    """None when the dump has no ``Fields`` (an unmigratable device)."""
    subsections: tuple[Vmsd, ...]
    path: str
    unverified: tuple[str, ...] = ()

    @property
    def migratable(self) -> bool:
        return self.fields is not None

    def field_names(self) -> set[str]:
        return {f.name for f in self.fields or ()}

    def subsection(self, name: str) -> Vmsd | None:
        return next((s for s in self.subsections if s.name == name), None)


@dataclass(frozen=True)
class Device:
    """A top-level dump entry: a QOM device type and its description."""

    key: str
    """The QOM type name (the dump's key), e.g. ``e1000-82544gc``."""
    version_id: int
    minimum_version_id: int
    vmsd: Vmsd


@dataclass(frozen=True)
class Dump:
    """A whole ``-dump-vmstate`` file."""

    file: str
    machine: str | None
    devices: dict[str, Device]
    warnings: tuple[str, ...] = ()
    """One line per unknown key: "unknown key 'X' on N fields" (what it touches is ``unverified``)."""

    def field_count(self) -> int:
        """Field entries, counted recursively through descriptions and subsections."""
        return sum(1 for device in self.devices.values() for _ in iter_fields(device.vmsd))

    def subsection_count(self) -> int:
        return sum(1 for device in self.devices.values() for _ in iter_subsections(device.vmsd))


def iter_fields(vmsd: Vmsd) -> Iterator[Field]:
    """Every field entry of ``vmsd``, its nested descriptions and its subsections."""
    for field in vmsd.fields or ():
        yield field
        if field.description is not None:
            yield from iter_fields(field.description)
    for sub in vmsd.subsections:
        yield from iter_fields(sub)


def iter_subsections(vmsd: Vmsd) -> Iterator[Vmsd]:
    """Every subsection entry of ``vmsd``, including those of nested descriptions."""
    for field in vmsd.fields or ():
        if field.description is not None:
            yield from iter_subsections(field.description)
    for sub in vmsd.subsections:
        yield sub
        yield from iter_subsections(sub)


# --- reading ------------------------------------------------------------------------------


def load_dump(path: Path | str, strict: bool = False) -> Dump:
    """Read and check a dump file; raises ``DumpError`` (or ``OSError`` if unreadable)."""
    path = Path(path)
    name = str(path)
    try:
        raw = read_regular(path, MAX_DUMP_SIZE)
    except FileTooLargeError:
        raise DumpError(name, "", f"the file is larger than {MAX_DUMP_SIZE} bytes") from None
    return parse_dump(raw, name, strict)


def parse_dump(raw: bytes, file: str = "<dump>", strict: bool = False) -> Dump:
    """Check and convert the bytes of a dump."""
    try:
        data = json.loads(raw.decode("utf-8"), object_pairs_hook=_no_duplicates, parse_int=json_integer)
    except UnicodeDecodeError as exc:
        raise DumpError(file, "", f"not UTF-8 text (byte {exc.start})") from None
    except json.JSONDecodeError as exc:
        raise DumpError(file, "", f"not JSON: {exc.msg} at line {exc.lineno} column {exc.colno}") from None
    except _DuplicateKey as exc:
        raise DumpError(file, "", f"duplicate key {exc.args[0]!r}") from None
    except JsonIntegerTooLong as exc:
        raise DumpError(file, "", f"not read: {exc}") from None
    except RecursionError:
        raise DumpError(file, "", "JSON nested too deeply") from None
    return _Reader(file, strict).dump(data)


class _DuplicateKey(Exception):
    pass


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise _DuplicateKey(key)
        result[key] = value
    return result


class _Reader:
    """Converts parsed JSON, naming the JSON path of the first problem."""

    def __init__(self, file: str, strict: bool = False) -> None:
        self.file = file
        self.strict = strict
        self.unknown: Counter[tuple[str, str]] = Counter()
        """(key, what carries it: "fields", "descriptions", "device entries") → count."""

    def fail(self, path: str, message: str) -> DumpError:
        return DumpError(self.file, path, message)

    def dump(self, data: Any) -> Dump:
        if not isinstance(data, dict):
            raise self.fail("$", "expected a JSON object of device entries (a -dump-vmstate file)")
        machine = self._machine(data.get(MACHINE_KEY))
        devices = {key: self.device(key, value) for key, value in data.items() if key != MACHINE_KEY}
        if not devices:
            raise self.fail("$", "no device entries (is this a -dump-vmstate file?)")
        unknown = sorted(self.unknown.items())
        warnings = tuple(f"{key} on {count} {what}" if " " in key else f"unknown key {key!r} on {count} {what}"
                         for (key, what), count in unknown)
        return Dump(file=self.file, machine=machine, devices=devices, warnings=warnings)

    def _machine(self, value: Any) -> str | None:
        if value is None:
            return None
        self.expect_keys(value, f"$.{MACHINE_KEY}", required={"Name"}, optional=set(), what="machine entries")
        return self.string(value["Name"], f"$.{MACHINE_KEY}.Name")

    def device(self, key: str, value: Any) -> Device:
        path = f"$[{json.dumps(key)}]"
        required = {"Name", "version_id", "minimum_version_id"}
        self.expect_keys(value, path, required=required, optional={"Description"}, what="device entries")
        if "Description" not in value:  # QEMU always writes one; its checker's test data has an entry without
            if self.strict:
                raise self.fail(path, "missing key 'Description' (--strict)")
            self.unknown[("no Description (read as unmigratable)", "device entries")] += 1
            version = self.integer(value["version_id"], f"{path}.version_id")
            minimum = self.integer(value["minimum_version_id"], f"{path}.minimum_version_id")
            return Device(key, version, minimum, Vmsd(key, version, minimum, None, (), f"{path}.Description",
                                                      unverified=("Description",)))
        name = self.string(value["Name"], f"{path}.Name")
        if name != key:
            if self.strict:
                raise self.fail(f"{path}.Name", f"expected {key!r} (the entry's key), got {name!r} (--strict)")
            self.unknown[("Name different from the entry's key", "device entries")] += 1
        version = self.integer(value["version_id"], f"{path}.version_id")
        minimum = self.integer(value["minimum_version_id"], f"{path}.minimum_version_id")
        return Device(key=key, version_id=version, minimum_version_id=minimum,
                      vmsd=self.vmsd(value["Description"], f"{path}.Description", depth=0))

    def vmsd(self, value: Any, path: str, depth: int) -> Vmsd:
        if depth > MAX_DEPTH:
            raise self.fail(path, f"descriptions nest more than {MAX_DEPTH} levels deep")
        required = {"name", "version_id", "minimum_version_id"}
        unverified = self.expect_keys(value, path, required=required, optional={"Fields", "Subsections"},
                                      what="descriptions")
        fields = None
        if "Fields" in value:
            items = self.array(value["Fields"], f"{path}.Fields")
            fields = tuple(self.field(item, f"{path}.Fields[{i}]", depth) for i, item in enumerate(items))
        subs = self.array(value.get("Subsections", []), f"{path}.Subsections")
        version = self.integer(value["version_id"], f"{path}.version_id")
        minimum = self.integer(value["minimum_version_id"], f"{path}.minimum_version_id")
        return Vmsd(
            name=self.string(value["name"], f"{path}.name"),
            version_id=version,
            minimum_version_id=minimum,
            fields=fields,
            subsections=tuple(self.vmsd(s, f"{path}.Subsections[{i}]", depth + 1) for i, s in enumerate(subs)),
            path=path,
            unverified=unverified,
        )

    def field(self, value: Any, path: str, depth: int) -> Field:
        required = {"field", "version_id", "field_exists", "size"}
        unverified = self.expect_keys(value, path, required=required, optional={"Description", "num"}, what="fields")
        description = None
        if "Description" in value:
            description = self.vmsd(value["Description"], f"{path}.Description", depth + 1)
        exists = value["field_exists"]
        if not isinstance(exists, bool):
            raise self.fail(f"{path}.field_exists", f"expected true or false, got {_show(exists)}")
        return Field(
            name=self.string(value["field"], f"{path}.field"),
            version_id=self.integer(value["version_id"], f"{path}.version_id"),
            field_exists=exists,
            size=self.integer(value["size"], f"{path}.size", minimum=0),
            description=description,
            path=path,
            num=self.integer(value["num"], f"{path}.num", minimum=0) if "num" in value else None,
            unverified=unverified,
        )

    # -- primitive checks ----------------------------------------------------------------

    def expect_keys(self, value: Any, path: str, required: set[str], optional: set[str], what: str) -> tuple[str, ...]:
        """Check the keys of an entry; returns the unknown ones (refused when strict)."""
        if not isinstance(value, dict):
            raise self.fail(path, f"expected an object, got {_show(value)}")
        missing = sorted(required - value.keys())
        if missing:
            raise self.fail(path, f"missing key {missing[0]!r}")
        unknown = tuple(sorted(value.keys() - required - optional))
        if unknown and self.strict:
            raise self.fail(path, f"unknown key {unknown[0]!r} (--strict)")
        for key in unknown:
            self.unknown[(key, what)] += 1
        return unknown

    def string(self, value: Any, path: str) -> str:
        if not isinstance(value, str) or not value:
            raise self.fail(path, f"expected a non-empty string, got {_show(value)}")
        return value

    def integer(self, value: Any, path: str, minimum: int = -(1 << 31)) -> int:
        if not isinstance(value, int) or isinstance(value, bool):
            raise self.fail(path, f"expected an integer, got {_show(value)}")
        if not minimum <= value < (1 << 63):
            raise self.fail(path, f"{value} is out of range")
        return value

    def array(self, value: Any, path: str) -> list[Any]:
        if not isinstance(value, list):
            raise self.fail(path, f"expected an array, got {_show(value)}")
        return value


def _show(value: Any) -> str:
    text = json.dumps(value)
    return text if len(text) <= 40 else text[:37] + "..."
