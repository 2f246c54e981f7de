"""The JSON self-description QEMU appends to a migration stream, as checked, typed records.

At the end of a precopy stream, after ``QEMU_VM_EOF``, QEMU writes ``QEMU_VM_VMDESCRIPTION``
(0x06), a big-endian u32 length and that many bytes of JSON (migration/savevm.c,
``qemu_savevm_state_complete_precopy_non_iterable``). It records, for each device section
it saved, what ``vmstate_save_state`` wrote (migration/vmstate.c, ``vmsd_desc_field_start``
/ ``_end``): every field's name, QEMU type, the bytes written and, for an array whose
elements were written alike, ``array_len`` (the ``size`` is then one element's); a nested
struct's ``struct`` description; and the subsections sent. Since QEMU 8.2 it also
describes the configuration section (``configuration``).

The sizes are measured from the bytes QEMU wrote, so they delimit every field exactly, even
for custom savers (``virtio``, ``pci config``) whose layout no dump declares.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from devstate.errors import DevstateError
from devstate.limits import JsonIntegerTooLong, json_integer

MAX_DEPTH = 64
"""Deepest nesting of struct and subsection descriptions accepted."""
MAX_ARRAY_LEN = 1 << 32


class DescriptionError(DevstateError):
    """The self-description is not what QEMU writes; ``path`` is the JSON path of the problem."""

    code = "QEMU_DESCRIPTION_INVALID"

    def __init__(self, path: str, message: str) -> None:
        self.path = path
        self.message = message
        super().__init__(f"self-description {path}: {message}")


@dataclass(frozen=True)
class DescField:
    """One field entry: ``size`` bytes per element, ``count`` elements (``array_len`` or 1)."""

    name: str
    type: str
    size: int
    count: int
    index: int | None
    """The element index of an array written element by element (``index`` in the JSON)."""
    struct: DescVmsd | None

    @property
    def total(self) -> int:
        return self.size * self.count


@dataclass(frozen=True)
class DescVmsd:
    """What one ``vmstate_save_state`` call wrote: a section's body, a struct or a subsection."""

    name: str
    version: int
    fields: tuple[DescField, ...]
    subsections: tuple[DescVmsd, ...]


@dataclass(frozen=True)
class DescDevice:
    """One device section of the description: its section name (idstr) and instance."""

    name: str
    instance_id: int
    vmsd: DescVmsd | None
    """None for an old-style (non-VMState) saver: QEMU then records only ``size``."""
    size: int | None
    """The old-style saver's byte count."""


@dataclass(frozen=True)
class Description:
    page_size: int
    configuration: DescVmsd | None
    devices: tuple[DescDevice, ...]

    def device(self, name: str, instance_id: int) -> DescDevice | None:
        return next((d for d in self.devices if d.name == name and d.instance_id == instance_id), None)


def parse_description(text: bytes) -> Description:
    """Check and convert the JSON bytes of a self-description."""
    try:
        data = json.loads(text.decode("utf-8"), parse_int=json_integer)
    except UnicodeDecodeError as exc:
        raise DescriptionError("$", f"not UTF-8 (byte {exc.start})") from None
    except JsonIntegerTooLong as exc:
        raise DescriptionError("$", f"not read: {exc}") from None
    except json.JSONDecodeError as exc:
        raise DescriptionError("$", f"not JSON: {exc.msg} at character {exc.pos}") from None
    except RecursionError:
        raise DescriptionError("$", "JSON nested too deeply") from None
    return _Reader().description(data)


class _Reader:
    def description(self, data: Any) -> Description:
        obj = self.object(data, "$")
        page_size = self.integer(obj.get("page_size"), "$.page_size", minimum=1)
        configuration = None
        if "configuration" in obj:
            configuration = self.vmsd(obj["configuration"], "$.configuration", 0)
        devices = self.array(obj.get("devices"), "$.devices")
        return Description(page_size, configuration,
                           tuple(self.device(d, f"$.devices[{i}]") for i, d in enumerate(devices)))

    def device(self, data: Any, path: str) -> DescDevice:
        obj = self.object(data, path)
        name = self.string(obj.get("name"), f"{path}.name")
        instance = self.integer(obj.get("instance_id"), f"{path}.instance_id")
        if "vmsd_name" not in obj:  # vmstate_save_old_style: {"name", "instance_id", "size", "fields"}
            return DescDevice(name, instance, None, self.integer(obj.get("size"), f"{path}.size"))
        return DescDevice(name, instance, self.vmsd(obj, path, 0), None)

    def vmsd(self, data: Any, path: str, depth: int) -> DescVmsd:
        if depth > MAX_DEPTH:
            raise DescriptionError(path, f"descriptions nest more than {MAX_DEPTH} levels deep")
        obj = self.object(data, path)
        fields = self.array(obj.get("fields", []), f"{path}.fields")
        subsections = self.array(obj.get("subsections", []), f"{path}.subsections")
        return DescVmsd(
            name=self.string(obj.get("vmsd_name"), f"{path}.vmsd_name"),
            version=self.integer(obj.get("version"), f"{path}.version"),
            fields=tuple(self.field(f, f"{path}.fields[{i}]", depth) for i, f in enumerate(fields)),
            subsections=tuple(self.vmsd(s, f"{path}.subsections[{i}]", depth + 1) for i, s in enumerate(subsections)),
        )

    def field(self, data: Any, path: str, depth: int) -> DescField:
        obj = self.object(data, path)
        struct = self.vmsd(obj["struct"], f"{path}.struct", depth + 1) if "struct" in obj else None
        count = self.integer(obj.get("array_len", 1), f"{path}.array_len", minimum=0, maximum=MAX_ARRAY_LEN)
        index = self.integer(obj["index"], f"{path}.index") if "index" in obj else None
        return DescField(
            name=self.string(obj.get("name"), f"{path}.name"),
            type=self.string(obj.get("type"), f"{path}.type"),
            size=self.integer(obj.get("size"), f"{path}.size"),
            count=count,
            index=index,
            struct=struct,
        )

    @staticmethod
    def object(value: Any, path: str) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise DescriptionError(path, f"expected an object, got {type(value).__name__}")
        return value

    @staticmethod
    def array(value: Any, path: str) -> list[Any]:
        if not isinstance(value, list):
            raise DescriptionError(path, f"expected an array, got {type(value).__name__}")
        return value

    @staticmethod
    def string(value: Any, path: str) -> str:
        if not isinstance(value, str):
            raise DescriptionError(path, f"expected a string, got {type(value).__name__}")
        return value

    @staticmethod
    def integer(value: Any, path: str, minimum: int = 0, maximum: int = (1 << 63) - 1) -> int:
        if not isinstance(value, int) or isinstance(value, bool):
            raise DescriptionError(path, f"expected an integer, got {type(value).__name__}")
        if not minimum <= value <= maximum:
            raise DescriptionError(path, f"{value} is out of range ({minimum}..{maximum})")
        return value
