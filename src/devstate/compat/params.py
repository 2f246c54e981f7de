"""The pre-migration check: "device model id + migration parameters".

A source and a destination are described by device descriptions (JSON, see
spec/migration-parameters.md and schemas/device-description.schema.json). The
destination is compatible if and only if it has the same model and supports every
parameter name and value the source uses. A parameter the source does not set has its
default, the old behaviour, which every destination supports unless its description
says otherwise. The check runs before the destination device is created.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from devstate.compat.description_check import plainly_valid
from devstate.errors import UsageError
from devstate.fileio import io_error, read_regular
from devstate.limits import loads_json
from devstate.schema.registry import shipped_json_schema
from devstate.version import Version

if TYPE_CHECKING:  # the IR (pydantic) is not needed to read descriptions or check parameters
    from devstate import ir

MAX_DESCRIPTION_SIZE = 16 << 20
"""Largest device description file read (bytes)."""

DESCRIPTION_SCHEMA = "device-description.schema.json"

Value = int | bool | str


@dataclass(frozen=True)
class VendorRef:
    vendor: str
    id: int
    name: str = ""
    optional: bool = False

    @property
    def key(self) -> tuple[str, int]:
        return (self.vendor, self.id)

    def __str__(self) -> str:
        label = f" ({self.name})" if self.name else ""
        return f"{self.vendor} #{self.id}{label}"


@dataclass(frozen=True)
class Support:
    """The values of one parameter a destination accepts."""

    values: tuple[Value, ...] | None = None
    min: int | None = None
    max: int | None = None
    any: bool = False

    def accepts(self, value: Value) -> bool:
        if self.any:
            return True
        if self.values is not None and _member(value, self.values):
            return True
        if self.min is None and self.max is None:
            return False
        if isinstance(value, bool) or not isinstance(value, int):
            return False
        return (self.min is None or value >= self.min) and (self.max is None or value <= self.max)

    def __str__(self) -> str:
        if self.any:
            return "any value"
        parts = []
        if self.values is not None:
            parts.append("{" + ", ".join(json.dumps(v) for v in self.values) + "}")
        if self.min is not None or self.max is not None:
            parts.append(f"{'' if self.min is None else self.min}..{'' if self.max is None else self.max}")
        return " or ".join(parts)


@dataclass(frozen=True)
class DeviceDescription:
    model: str
    versions: tuple[Version, ...]
    params: dict[str, Value] = field(default_factory=dict)
    supported: dict[str, Support] = field(default_factory=dict)
    vendor_sections: tuple[VendorRef, ...] = ()
    description: str = ""
    source: str = ""
    """Where the description was read from (for messages)."""

    def supports(self, name: str, value: Value, default: Value | None) -> bool:
        """Whether this device, as a destination, accepts ``value`` for parameter ``name``."""
        if name in self.supported:
            return self.supported[name].accepts(value)
        if name in self.params and _same(self.params[name], value):
            return True
        return default is not None and _same(value, default)

    def support_text(self, name: str, default: Value | None) -> str:
        """What the destination supports, as "supports ..." or "does not know the parameter"."""
        if name in self.supported:
            return f"supports {self.supported[name]}"
        values = [v for v in (default, self.params.get(name)) if v is not None]
        if not values:
            return "does not know the parameter"
        return "supports only " + " or ".join(dict.fromkeys(json.dumps(v) for v in values)) + (
            " (the default)" if default is not None and len(values) == 1 else "")


@dataclass(frozen=True)
class Mismatch:
    """One reason a migration cannot work, naming both sides' values."""

    kind: str
    """``model``, ``param``, ``version`` or ``vendor_section``."""
    name: str
    source: Any
    destination: Any
    message: str

    def to_json(self) -> dict[str, object]:
        return {"kind": self.kind, "name": self.name, "source": self.source,
                "destination": self.destination, "message": self.message}


@dataclass
class MigrationCheck:
    source: DeviceDescription
    destination: DeviceDescription
    schema: ir.Schema | None
    mismatches: list[Mismatch] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def compatible(self) -> bool:
        return not self.mismatches

    def to_json(self) -> dict[str, object]:
        return {
            "compatible": self.compatible, "model": self.source.model,
            "schema": self.schema.ident if self.schema else None,
            "mismatches": [m.to_json() for m in self.mismatches], "notes": self.notes,
        }


# -- loading descriptions ------------------------------------------------------------------


class DescriptionInvalid(UsageError):
    """A device description is not JSON or does not match its JSON Schema (exit status 2)."""

    code = "DESCRIPTION_INVALID"


def description_schema() -> dict[str, Any]:
    return shipped_json_schema(DESCRIPTION_SCHEMA)


def load_description(path: Path) -> DeviceDescription:
    """Read and validate a device description; ``UsageError`` with one clear line otherwise."""
    try:
        raw = read_regular(path, MAX_DESCRIPTION_SIZE)
    except OSError as exc:
        raise io_error(path, exc) from None
    return description_from_bytes(raw, str(path))


def description_from_bytes(raw: bytes, source: str) -> DeviceDescription:
    """A description's JSON text (a file's or standard input's bytes), validated."""
    try:
        data = loads_json(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise io_error(source, exc) from None
    except json.JSONDecodeError as exc:
        raise DescriptionInvalid(f"{source}:{exc.lineno}:{exc.colno}: invalid JSON: {exc.msg}") from None
    return parse_description(data, source)


def parse_description(data: Any, source: str = "<description>") -> DeviceDescription:
    if not plainly_valid(data):  # jsonschema (imported only then) finds the error and its message
        _check_with_jsonschema(data, source)
    return DeviceDescription(
        model=data["model"],
        versions=tuple(Version.parse(v) for v in data["versions"]),
        params=dict(data.get("params", {})),
        supported={name: _support(spec) for name, spec in data.get("supported_params", {}).items()},
        vendor_sections=tuple(VendorRef(_vendor(v["vendor"], source), v["id"], v.get("name", ""),
                                        v.get("optional", False)) for v in data.get("vendor_sections", [])),
        description=data.get("description", ""),
        source=source,
    )


def _check_with_jsonschema(data: Any, source: str) -> None:
    """``UsageError`` with jsonschema's best message when the description schema refuses ``data``."""
    import jsonschema
    from jsonschema.exceptions import best_match

    validator = jsonschema.Draft202012Validator(description_schema())
    errors = list(validator.iter_errors(data))
    if errors:
        error = best_match(errors)
        assert error is not None
        where = "$" + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in error.absolute_path)
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        raise DescriptionInvalid(f"{source}: {where}: {error.message}{more}")


def _vendor(text: str, source: str) -> str:
    from devstate.wire.sections import parse_vendor  # the wire package: only for vendor sections

    try:
        return str(parse_vendor(text))
    except ValueError as exc:
        raise DescriptionInvalid(f"{source}: {exc}") from None


def _support(spec: dict[str, Any]) -> Support:
    values = tuple(spec["values"]) if "values" in spec else None
    return Support(values=values, min=spec.get("min"), max=spec.get("max"), any=spec.get("any", False))


# -- the check -----------------------------------------------------------------------------


def check_migration(source: DeviceDescription, destination: DeviceDescription,
                    schema: ir.Schema | None = None) -> MigrationCheck:
    """Same model, and every parameter the source uses supported by the destination."""
    check = MigrationCheck(source, destination, schema)
    if source.model != destination.model:
        check.mismatches.append(Mismatch(
            "model", "model", source.model, destination.model,
            f"model: the source is {source.model}, the destination {destination.model}"))
        return check
    if schema is None:
        check.notes.append(f"no schema of {source.model} found: parameter defaults are unknown, so every "
                           "parameter the source lists is treated as used")
    check.mismatches += param_mismatches(source, destination, schema)
    return check


def param_mismatches(source: DeviceDescription, destination: DeviceDescription,
                     schema: ir.Schema | None) -> list[Mismatch]:
    """Every parameter (set by the source, or defaulted) the destination does not support."""
    declared = {p.name: p for p in schema.params} if schema else {}
    mismatches: list[Mismatch] = []
    for name in sorted(set(source.params) | set(declared)):
        param = declared.get(name)
        default = param.default if param else None
        value = source.params.get(name, default)
        if value is None:
            continue
        if param is not None and not param.accepts(value):
            mismatches.append(Mismatch("param", name, value, None,
                                       f"{name}: the source uses {json.dumps(value)}, which {schema and schema.ident} "
                                       f"does not allow ({_param_domain(param)})"))
            continue
        if not destination.supports(name, value, default):
            support = destination.support_text(name, default)
            used = "uses" if name in source.params else "uses the default"
            message = f"{name}: the source {used} {json.dumps(value)}; the destination {support}"
            mismatches.append(Mismatch("param", name, value, support, message))
    return mismatches


def _param_domain(param: ir.Param) -> str:
    if param.allowed is not None:
        return "allowed: " + ", ".join(json.dumps(v) for v in param.allowed)
    if param.type in ("bool", "string"):
        return f"a {param.type}"
    from devstate import ir

    low, high = ir.scalar_range(param.type)
    low = low if param.min is None else param.min
    high = high if param.max is None else param.max
    return f"{param.type} in {low}..{high}"


def _same(a: Value, b: Value) -> bool:
    return type(a) is type(b) and a == b


def _member(value: Value, values: tuple[Value, ...]) -> bool:
    return any(_same(value, candidate) for candidate in values)
