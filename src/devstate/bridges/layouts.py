"""Value layouts of standard records, as data: fixed slots, word lists, counted lists.

A layout reads a record's bytes into *items* (see ``devstate.bridges.values``) and
builds bytes from items; it checks lengths and reserved bytes and raises
``BridgeDecodeError`` with the absolute offset and the record's name. Every layout is a
small declarative object, so the part and entry tables of each bridge stay data.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from devstate.bridges.errors import BridgeCode, BridgeDecodeError
from devstate.bridges.values import Item, ValueProblem

INT_SIZES = (1, 2, 4, 8, 16)


def _zero(chunk: memoryview, at: int, label: str, what: str) -> None:
    data = bytes(chunk)
    if any(data):
        first = next(i for i, byte in enumerate(data) if byte)
        raise BridgeDecodeError(BridgeCode.RESERVED_NOT_ZERO, at + first, label,
                                f"{what} are not zero (byte +{first} is {data[first]:#04x})")


@dataclass(frozen=True)
class Slot:
    """A fixed-width little-endian field of a record: an integer (1-16 bytes) or bytes."""

    name: str
    offset: int
    size: int
    reserved: bool = False
    doc: str = ""
    as_bytes: bool = False
    """Read as bytes even when the size is an integer width (a MAC address is 6 bytes anyway)."""

    @property
    def is_int(self) -> bool:
        return self.size in INT_SIZES and not self.as_bytes

    def read(self, data: memoryview) -> int | bytes:
        raw = bytes(data[self.offset : self.offset + self.size])
        return int.from_bytes(raw, "little") if self.is_int else raw

    def write(self, out: bytearray, value: int | bytes) -> None:
        if isinstance(value, int):
            out[self.offset : self.offset + self.size] = value.to_bytes(self.size, "little")
        else:
            out[self.offset : self.offset + self.size] = value.ljust(self.size, b"\0")[: self.size]


class Layout:
    """How a record's bytes map to named items."""

    doc = ""

    def item_names(self) -> tuple[str, ...]:
        raise NotImplementedError

    def parse(self, data: memoryview, at: int, label: str) -> dict[str, Item]:
        """The items of ``data`` (the record's bytes; ``at`` is their absolute offset)."""
        raise NotImplementedError

    def build(self, items: dict[str, Any]) -> bytes:
        """The record's bytes for ``items`` (absent items are zero or empty)."""
        raise NotImplementedError

    def describe(self) -> str:
        """A one-line layout for documentation and ``parts decode``."""
        raise NotImplementedError


@dataclass(frozen=True)
class Fixed(Layout):
    """A fixed-length record of slots; reserved slots must be zero."""

    slots: tuple[Slot, ...]
    length: int

    def item_names(self) -> tuple[str, ...]:
        return tuple(slot.name for slot in self.slots if not slot.reserved)

    def slot(self, name: str) -> Slot:
        for slot in self.slots:
            if slot.name == name:
                return slot
        raise KeyError(name)

    def slot_at(self, offset: int, size: int) -> Slot | None:
        for slot in self.slots:
            if slot.offset == offset and slot.size == size and not slot.reserved:
                return slot
        return None

    def parse(self, data: memoryview, at: int, label: str) -> dict[str, Item]:
        if len(data) != self.length:
            raise BridgeDecodeError(BridgeCode.BAD_LENGTH, at, label,
                                    f"the value is {len(data)} bytes; {label} has {self.length}")
        items: dict[str, Item] = {}
        for slot in self.slots:
            value = slot.read(data)
            if slot.reserved:
                _zero(data[slot.offset : slot.offset + slot.size], at + slot.offset, label,
                      f"reserved bytes ({slot.size} at +{slot.offset})")
                continue
            items[slot.name] = value
        return items

    def build(self, items: dict[str, Any]) -> bytes:
        out = bytearray(self.length)
        for slot in self.slots:
            if not slot.reserved and slot.name in items:
                slot.write(out, items[slot.name])
        return bytes(out)

    def describe(self) -> str:
        if not self.slots:
            return "no value (length 0)"
        parts = [f"{'reserved' if s.reserved else s.name}@{s.offset}/{s.size}" for s in self.slots]
        return f"{self.length} byte{'s' if self.length != 1 else ''}: " + ", ".join(parts)


@dataclass(frozen=True)
class Words(Layout):
    """A list of little-endian words filling the whole value (``le64 feature_bits[]``)."""

    name: str
    width: int = 8
    max_words: int = 64

    def item_names(self) -> tuple[str, ...]:
        return (self.name,)

    def parse(self, data: memoryview, at: int, label: str) -> dict[str, Item]:
        if len(data) % self.width or len(data) > self.width * self.max_words:
            raise BridgeDecodeError(BridgeCode.BAD_LENGTH, at, label,
                                    f"the value is {len(data)} bytes; {label} holds whole {self.width}-byte words "
                                    f"(at most {self.max_words})")
        words = [int.from_bytes(data[i : i + self.width], "little") for i in range(0, len(data), self.width)]
        return {self.name: words}

    def build(self, items: dict[str, Any]) -> bytes:
        return b"".join(word.to_bytes(self.width, "little") for word in items.get(self.name, []))

    def describe(self) -> str:
        return f"le{self.width * 8} {self.name}[] (the whole value)"


@dataclass(frozen=True)
class CountedLists(Layout):
    """Lists of fixed-size entries back to back, each preceded by a little-endian count."""

    names: tuple[str, ...]
    count_size: int
    entry_size: int

    def item_names(self) -> tuple[str, ...]:
        return self.names

    def parse(self, data: memoryview, at: int, label: str) -> dict[str, Item]:
        items: dict[str, Item] = {}
        offset = 0
        for name in self.names:
            if len(data) - offset < self.count_size:
                raise BridgeDecodeError(BridgeCode.PAST_END, at + offset, label,
                                        f"the value ends before the entry count of {name}")
            count = int.from_bytes(data[offset : offset + self.count_size], "little")
            offset += self.count_size
            if count * self.entry_size > len(data) - offset:
                raise BridgeDecodeError(BridgeCode.PAST_END, at + offset - self.count_size, label,
                                        f"{name} has {count} entries of {self.entry_size} bytes; "
                                        f"only {len(data) - offset} bytes remain")
            items[name] = [bytes(data[offset + i * self.entry_size : offset + (i + 1) * self.entry_size])
                           for i in range(count)]
            offset += count * self.entry_size
        if offset != len(data):
            raise BridgeDecodeError(BridgeCode.BAD_LENGTH, at + offset, label,
                                    f"{len(data) - offset} bytes follow the last list")
        return items

    def build(self, items: dict[str, Any]) -> bytes:
        out = bytearray()
        for name in self.names:
            entries = items.get(name, [])
            out += len(entries).to_bytes(self.count_size, "little")
            for entry in entries:
                out += bytes(entry).ljust(self.entry_size, b"\0")[: self.entry_size]
        return bytes(out)

    def describe(self) -> str:
        return "; ".join(f"le{self.count_size * 8} {n} entries + {self.entry_size}-byte entries" for n in self.names)


@dataclass(frozen=True)
class Variable(Layout):
    """A record of fixed fields, counted arrays and counted bytes, in order.

    ``fields`` are ``(name, kind, size, counter)``: kind ``int`` (a ``size``-byte integer),
    ``reserved`` (``size`` zero bytes), ``ints`` (``count`` elements of ``size`` bytes,
    where the count is the integer item ``counter`` plus ``bias``), ``bytes`` (likewise,
    1-byte elements). Counter items are derived from the list lengths on build and are not
    exposed as items.
    """

    fields: tuple[tuple[str, str, int, str], ...]
    bias: dict[str, int] = field(default_factory=dict)
    power_of_two: tuple[str, ...] = ()
    element_mask: dict[str, int] = field(default_factory=dict)
    """Per list: the bits each element may use (reserved bits must be zero)."""
    value_mask: dict[str, int] = field(default_factory=dict)
    """Per integer field: the bits it may use (reserved bits must be zero)."""

    def counters(self) -> set[str]:
        return {counter for _, kind, _, counter in self.fields if counter}

    def item_names(self) -> tuple[str, ...]:
        hidden = self.counters()
        return tuple(name for name, kind, _, _ in self.fields if kind != "reserved" and name not in hidden)

    def parse(self, data: memoryview, at: int, label: str) -> dict[str, Item]:
        values: dict[str, Item] = {}
        positions: dict[str, int] = {}
        offset = 0
        for name, kind, size, counter in self.fields:
            positions[name] = at + offset
            count = 1 if kind in ("int", "reserved") else self._count(values, counter, positions[counter], label)
            need = size * count
            if need > len(data) - offset:
                raise BridgeDecodeError(BridgeCode.PAST_END, at + offset, label,
                                        f"{name} needs {need} bytes; only {len(data) - offset} remain")
            chunk = data[offset : offset + need]
            values[name] = self._read(name, kind, size, chunk, at + offset, label)
            offset += need
        if offset != len(data):
            raise BridgeDecodeError(BridgeCode.BAD_LENGTH, at + offset, label,
                                    f"{len(data) - offset} bytes follow the last field")
        hidden = self.counters()
        return {name: value for name, value in values.items() if name not in hidden and name != "reserved"}

    def _count(self, values: dict[str, Item], counter: str, at: int, label: str) -> int:
        raw = values[counter]
        assert isinstance(raw, int)
        count = raw + self.bias.get(counter, 0)
        if counter in self.power_of_two and count & (count - 1):
            raise BridgeDecodeError(BridgeCode.BAD_VALUE, at, label,
                                    f"{counter} = {raw} does not give a power-of-two length ({count})")
        return count

    def _read(self, name: str, kind: str, size: int, chunk: memoryview, at: int, label: str) -> Item:
        if kind == "reserved":
            _zero(chunk, at, label, "reserved bytes" if name == "reserved" else f"reserved {name}")
            return 0
        if kind == "int":
            value = int.from_bytes(chunk, "little")
            mask = self.value_mask.get(name)
            if mask is not None and value & ~mask:
                raise BridgeDecodeError(BridgeCode.RESERVED_NOT_ZERO, at, label,
                                        f"{name} = {value:#x} sets reserved bits {value & ~mask:#x}")
            return value
        if kind == "bytes":
            return bytes(chunk)
        mask = self.element_mask.get(name)
        out = []
        for i in range(0, len(chunk), size):
            element = int.from_bytes(chunk[i : i + size], "little")
            if mask is not None and element & ~mask:
                raise BridgeDecodeError(BridgeCode.RESERVED_NOT_ZERO, at + i, label,
                                        f"{name}[{i // size}] = {element:#x} sets reserved bits")
            out.append(element)
        return out

    def build(self, items: dict[str, Any]) -> bytes:
        values = dict(items)
        for name, kind, _, counter in self.fields:
            if counter:
                length = len(values.get(name, b"" if kind == "bytes" else []))
                values[counter] = length - self.bias.get(counter, 0)
        out = bytearray()
        for name, kind, size, _ in self.fields:
            if kind == "reserved":
                out += bytes(size)
            elif kind == "int":
                out += int(values.get(name, 0)).to_bytes(size, "little")
            elif kind == "bytes":
                out += bytes(values.get(name, b""))
            else:
                out += b"".join(int(v).to_bytes(size, "little") for v in values.get(name, []))
        return bytes(out)

    def offset_of(self, items: dict[str, Any], name: str) -> int:
        """The byte offset of field ``name`` in the value that ``items`` (as parsed) came from."""
        offset = 0
        for field_name, kind, size, _ in self.fields:
            if field_name == name:
                return offset
            offset += size if kind in ("int", "reserved") else size * len(items.get(field_name, []))
        raise KeyError(name)

    def check_items(self, items: dict[str, Any]) -> None:
        """Raise ``ValueProblem`` when ``items`` cannot be built (counter overflow, length rule)."""
        for name, kind, _, counter in self.fields:
            if not counter:
                continue
            count = len(items.get(name, b"" if kind == "bytes" else []))
            raw = count - self.bias.get(counter, 0)
            width = next(s for n, _, s, _ in self.fields if n == counter)
            if raw < 0 or raw >= 1 << (8 * width):
                raise ValueProblem(f"{name} has {count} elements; {counter} cannot express that")
            if counter in self.power_of_two and count & (count - 1):
                raise ValueProblem(f"{name} has {count} elements; the standard needs a power of two")
            mask = self.element_mask.get(name)
            if mask is not None and any(v & ~mask for v in items.get(name, [])):
                raise ValueProblem(f"an element of {name} does not fit its {mask.bit_length()}-bit field")
        for name, mask in self.value_mask.items():
            if int(items.get(name, 0)) & ~mask:
                raise ValueProblem(f"{name} does not fit its {mask.bit_length()}-bit field")

    def describe(self) -> str:
        out = []
        for name, kind, size, counter in self.fields:
            if kind in ("int", "reserved"):
                out.append(f"{name} ({size} B)")
            else:
                bias = self.bias.get(counter, 0)
                out.append(f"{name}[{counter}{f' + {bias}' if bias else ''}] ({size} B each)")
        return ", ".join(out)
