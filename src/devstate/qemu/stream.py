"""Reading a whole QEMU migration stream: every record with its byte offsets, in bounded memory.

The format is QEMU's own (migration/savevm.c, migration/vmstate.c, migration/ram.c); all
integers are big-endian:

- ``QEVM`` magic (be32 0x5145564d) and version 3;
- ``QEMU_VM_CONFIGURATION`` (0x07): the ``configuration`` VMState: the machine type as a
  be32 length and its bytes, then subsections (target page bits, validated capabilities,
  the VM's UUID);
- device sections: a type byte (``SECTION_START`` 0x01, ``PART`` 0x02, ``END`` 0x03,
  ``FULL`` 0x04), be32 section id and, for START and FULL, the section name (``idstr``:
  u8 length and bytes, e.g. ``0000:00:02.0/virtio-net``), be32 instance id and be32
  version id; then the device's bytes; then, on machine types that send it, the footer
  ``QEMU_VM_SECTION_FOOTER`` (0x7e) and the be32 section id again;
- ``QEMU_VM_COMMAND`` (0x08): be16 command, be16 length and its bytes;
- ``QEMU_VM_EOF`` (0x00), then the JSON self-description (``devstate.qemu.description``).

A device's bytes are not self-delimiting (a field is just its bytes), so a FULL section is
delimited by the self-description QEMU wrote for it: every field's size and every
subsection (0x05, u8 name length, name, be32 version, its fields), which this reader checks
against the bytes as it goes, down to nested structs. Without a self-description a section
is delimited by its footer, found by scanning (and said so). RAM sections (``ram``) are read
by their own rules (``devstate.qemu.ram``) without keeping any page. Memory stays bounded by
the self-description's size and the number of device sections, whatever the stream's size.
"""

from __future__ import annotations

import io
import json
import os
import struct
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from devstate.errors import DevstateError
from devstate.fileio import open_regular
from devstate.limits import JsonIntegerTooLong, json_integer
from devstate.qemu.description import DescField, Description, DescriptionError, DescVmsd, parse_description

MAGIC = 0x5145564D
VERSION = 3
VERSION_COMPAT = 2

EOF = 0x00
SECTION_START = 0x01
SECTION_PART = 0x02
SECTION_END = 0x03
SECTION_FULL = 0x04
SUBSECTION = 0x05
VMDESCRIPTION = 0x06
CONFIGURATION = 0x07
COMMAND = 0x08
SECTION_FOOTER = 0x7E

SECTION_KINDS = {SECTION_START: "start", SECTION_PART: "part", SECTION_END: "end", SECTION_FULL: "full"}

MAX_DESCRIPTION = 64 << 20
"""Largest self-description read (QEMU 10.0 writes about 100 KiB for a small x86 VM)."""
MAX_SECTIONS = 1 << 16
"""Most device sections kept (a VM with hundreds of devices has a few thousand)."""


ERROR_CODES = {
    "NOT_A_STREAM": "no QEVM magic, or too short",
    "UNSUPPORTED_VERSION": "a stream version other than 3",
    "TRUNCATED": "the file ends inside a record",
    "UNKNOWN_RECORD": "a record type byte QEMU does not write",
    "UNEXPECTED_RECORD": "a record where QEMU never writes one (a late configuration, an early self-description)",
    "BAD_CONFIGURATION": "the configuration section is malformed",
    "BAD_NAME": "a section, subsection or RAM block name is not ASCII",
    "DUPLICATE_SECTION_ID": "a START/FULL record reuses an open section id",
    "UNKNOWN_SECTION_ID": "a PART/END record of a section no START opened",
    "UNKNOWN_ITERATIVE_SECTION": "an iterative (START/PART/END) section other than RAM",
    "BAD_FOOTER": "a section footer naming another section (the body is not what its description says)",
    "DESCRIPTION_MISMATCH": "the bytes disagree with the self-description (a subsection marker or name, a size)",
    "NO_DESCRIPTION": "a section with neither a self-description entry nor a footer",
    "BAD_DESCRIPTION": "the self-description is not what QEMU writes",
    "BAD_RAM": "a RAM record breaks QEMU's rules (unknown block, page past a block, a bad block list)",
    "UNSUPPORTED_RAM": "XBZRLE, RDMA or compressed pages, or a RAM version other than 4",
    "TRAILING_DATA": "bytes after QEMU_VM_EOF that are not the self-description",
    "TOO_MANY_SECTIONS": f"more than {1 << 16} device sections",
}
"""Every ``StreamError.code``, with what it means (stable: tools may match on them)."""


class StreamError(DevstateError):
    """The stream is not one QEMU could have written; ``code``, ``offset`` and the reason say why."""

    code = "QEMU_STREAM_INVALID"

    def __init__(self, code: str, offset: int, message: str) -> None:
        self.code = code
        self.offset = offset
        self.message = message
        super().__init__(f"{code} at byte {offset}: {message}")

    def to_json(self) -> dict[str, object]:
        return {"code": self.code, "offset": self.offset, "message": self.message}


# --- the records ------------------------------------------------------------------------


@dataclass(frozen=True)
class FieldExtent:
    """Where one field's bytes are: ``count`` elements of ``size`` bytes from ``offset``."""

    name: str
    type: str
    offset: int
    size: int
    count: int
    index: int | None = None
    struct: VmsdExtent | None = None
    """The struct's own fields and subsections, for a struct written once (``count`` 1)."""

    @property
    def end(self) -> int:
        return self.offset + self.size * self.count


@dataclass(frozen=True)
class VmsdExtent:
    """The bytes one ``vmstate_save_state`` call wrote: fields, then subsections."""

    name: str
    version: int
    offset: int
    end: int
    fields: tuple[FieldExtent, ...]
    subsections: tuple[SubsectionExtent, ...]

    def field(self, name: str) -> FieldExtent | None:
        return next((f for f in self.fields if f.name == name), None)

    def subsection(self, name: str) -> SubsectionExtent | None:
        return next((s for s in self.subsections if s.name == name), None)


@dataclass(frozen=True)
class SubsectionExtent:
    """A subsection: its marker at ``offset`` (0x05, name, version), its body ``vmsd``."""

    name: str
    version: int
    offset: int
    vmsd: VmsdExtent

    @property
    def end(self) -> int:
        return self.vmsd.end


@dataclass(frozen=True)
class Configuration:
    offset: int
    end: int
    machine: str
    target_page_bits: int | None
    capabilities: tuple[str, ...]
    uuid: bytes | None


@dataclass(frozen=True)
class Section:
    """A device (or RAM) section record.

    ``offset`` is its type byte, ``body``..``body_end`` the device's bytes, ``end`` the end of
    the record (after the footer, when there is one). PART and END records of a section carry
    the name, instance and version of its START.
    """

    kind: str
    offset: int
    section_id: int
    name: str
    instance_id: int
    version_id: int
    body: int
    body_end: int
    end: int
    footer: bool
    delimited_by: str
    """How the body's end was found: ``description``, ``old-style size``, ``footer scan``, ``ram``."""
    vmsd: VmsdExtent | None = None

    @property
    def vmsd_name(self) -> str:
        """The VMState name loaders match: the part of the section name after the last ``/``."""
        return self.vmsd.name if self.vmsd else self.name.rsplit("/", 1)[-1]

    @property
    def body_size(self) -> int:
        return self.body_end - self.body


@dataclass
class RamSummary:
    """RAM sections seen, without keeping any page."""

    section_id: int | None = None
    version_id: int | None = None
    blocks: dict[str, int] = field(default_factory=dict)
    """RAM block name → used length in bytes (from the START record)."""
    last_block: str | None = None
    """The block of the last page: a CONTINUE page in a later record is of this block."""
    records: int = 0
    pages: int = 0
    zero_pages: int = 0
    page_bytes: int = 0
    first_offset: int | None = None
    last_end: int | None = None


@dataclass(frozen=True)
class Command:
    offset: int
    end: int
    command: int
    length: int


@dataclass(frozen=True)
class Stream:
    """A whole stream, read: its records in file order (RAM summarised), and its self-description."""

    path: str
    size: int
    version: int
    configuration: Configuration | None
    sections: tuple[Section, ...]
    """Every non-RAM section record, in file order."""
    ram: RamSummary
    commands: tuple[Command, ...]
    eof_offset: int
    description_offset: int | None
    """Offset of the 0x06 byte of the self-description (None: the stream has none)."""
    description: Description | None
    page_size: int

    def devices(self) -> list[Section]:
        """The FULL device sections (the state of each device), in file order."""
        return [s for s in self.sections if s.kind == "full"]

    def device(self, name: str, instance_id: int = 0) -> Section | None:
        return next((s for s in self.devices() if s.name == name and s.instance_id == instance_id), None)


# --- reading ----------------------------------------------------------------------------


class _Cursor:
    """Reads a file with an offset, refusing to run past its end."""

    def __init__(self, handle: BinaryIO, size: int) -> None:
        self.handle = handle
        self.size = size
        self.pos = 0

    def read(self, n: int, what: str) -> bytes:
        if n > self.size - self.pos:
            raise StreamError("TRUNCATED", self.pos, f"{what}: {n} bytes needed, {self.size - self.pos} left")
        data = self.handle.read(n)
        if len(data) != n:
            raise StreamError("TRUNCATED", self.pos, f"{what}: the file ended early")
        self.pos += n
        return data

    def skip(self, n: int, what: str) -> None:
        if n > self.size - self.pos:
            raise StreamError("TRUNCATED", self.pos, f"{what}: {n} bytes needed, {self.size - self.pos} left")
        self.pos += n
        self.handle.seek(self.pos)

    def seek(self, pos: int) -> None:
        self.pos = pos
        self.handle.seek(pos)

    def u8(self, what: str) -> int:
        return self.read(1, what)[0]

    def be16(self, what: str) -> int:
        value: int = struct.unpack(">H", self.read(2, what))[0]
        return value

    def be32(self, what: str) -> int:
        value: int = struct.unpack(">I", self.read(4, what))[0]
        return value

    def be64(self, what: str) -> int:
        value: int = struct.unpack(">Q", self.read(8, what))[0]
        return value

    def peek(self) -> int | None:
        if self.pos >= self.size:
            return None
        byte = self.handle.read(1)
        self.handle.seek(self.pos)
        return byte[0] if byte else None

    def name(self, what: str) -> str:
        """A u8-length-prefixed name (section names, subsection names, RAM block names)."""
        start = self.pos
        raw = self.read(self.u8(f"{what} length"), what)
        try:
            return raw.decode("ascii")
        except UnicodeDecodeError:
            raise StreamError("BAD_NAME", start, f"{what} is not ASCII: {raw[:40]!r}") from None


def read_stream(path: Path | str) -> Stream:
    """Read the stream at ``path`` (a regular file); raises ``StreamError`` or ``OSError``."""
    path = Path(path)
    with open_regular(path) as fd, open(fd, "rb", buffering=1 << 16, closefd=False) as handle:
        size = os.fstat(fd).st_size
        return _Reader(str(path), handle, size).stream()


def parse_stream(data: bytes, name: str = "<stream>") -> Stream:
    """Read a stream held in memory (the same checks as ``read_stream``)."""
    return _Reader(name, io.BytesIO(data), len(data)).stream()


def read_description_json(path: Path | str) -> Any:
    """The self-description of the stream at ``path`` as parsed JSON (``StreamError`` if it has none)."""
    with open_regular(path) as fd, open(fd, "rb", closefd=False) as handle:
        if handle.read(4) != struct.pack(">I", MAGIC):
            raise StreamError("NOT_A_STREAM", 0, "no QEVM magic: not a QEMU migration stream")
        found = find_description(handle, os.fstat(fd).st_size)
    if found is None:
        raise StreamError("NO_DESCRIPTION", 0, "no self-description at the end of the stream")
    try:
        return json.loads(found[1], parse_int=json_integer)
    except (UnicodeDecodeError, json.JSONDecodeError, JsonIntegerTooLong) as exc:
        raise StreamError("BAD_DESCRIPTION", found[0] + 5, f"not JSON ({exc})") from None


def find_description(handle: BinaryIO, size: int) -> tuple[int, bytes] | None:
    """(offset of the 0x06 byte, JSON bytes) of the self-description that ends the file, if any.

    The tail is read in growing windows (64 KiB, doubling up to ``MAX_DESCRIPTION``), so a
    stream's size never decides how much is read.
    """
    window = 1 << 16
    while True:
        start = max(0, size - min(window, MAX_DESCRIPTION + 5))
        handle.seek(start)
        tail = handle.read(size - start)
        found = _description_in(tail)
        if found is not None:
            return start + found, tail[found + 5 :]
        if start == 0 or window >= MAX_DESCRIPTION + 5:
            return None
        window *= 2


def _description_in(tail: bytes) -> int | None:
    """Where in ``tail`` the 0x06 + be32 length header is whose JSON ends exactly at its end."""
    pos = tail.rfind(b"{")
    while pos >= 5:
        (length,) = struct.unpack(">I", tail[pos - 4 : pos])
        if tail[pos - 5] == VMDESCRIPTION and pos + length == len(tail):
            return pos - 5
        pos = tail.rfind(b"{", 0, pos)
    return None


class _Reader:
    def __init__(self, path: str, handle: BinaryIO, size: int) -> None:
        self.path = path
        self.cursor = _Cursor(handle, size)
        self.size = size
        self.sections: list[Section] = []
        self.open_sections: dict[int, Section] = {}
        self.ram = RamSummary()
        self.commands: list[Command] = []
        self.configuration: Configuration | None = None
        self.description: Description | None = None
        self.description_offset: int | None = None
        self.page_size = 4096

    def stream(self) -> Stream:
        c = self.cursor
        if self.size < 8:
            raise StreamError("NOT_A_STREAM", 0, f"{self.size} bytes: too short for a QEMU migration stream")
        if c.be32("magic") != MAGIC:
            raise StreamError("NOT_A_STREAM", 0, "no QEVM magic: not a QEMU migration stream")
        version = c.be32("version")
        if version == VERSION_COMPAT:
            raise StreamError("UNSUPPORTED_VERSION", 4, "stream version 2 (QEMU before 0.13) is not supported")
        if version != VERSION:
            raise StreamError("UNSUPPORTED_VERSION", 4, f"stream version {version}; QEMU writes 3")
        self.read_description()
        eof = self.records()
        return Stream(self.path, self.size, version, self.configuration, tuple(self.sections), self.ram,
                      tuple(self.commands), eof, self.description_offset, self.description, self.page_size)

    def read_description(self) -> None:
        found = find_description(self.cursor.handle, self.size)
        self.cursor.seek(8)
        if found is None:
            return
        self.description_offset, text = found
        try:
            self.description = parse_description(text)
        except DescriptionError as error:
            raise StreamError("BAD_DESCRIPTION", self.description_offset + 5, str(error)) from None
        self.page_size = self.description.page_size
        if self.page_size & (self.page_size - 1):
            raise StreamError("BAD_DESCRIPTION", self.description_offset + 5,
                              f"page_size {self.page_size} is not a power of two")

    def records(self) -> int:
        """Read records up to QEMU_VM_EOF; returns the EOF byte's offset."""
        c = self.cursor
        while True:
            offset = c.pos
            kind = c.u8("record type")
            if kind == EOF:
                self.after_eof(offset)
                return offset
            if kind == CONFIGURATION:
                self.read_configuration(offset)
            elif kind in (SECTION_START, SECTION_FULL):
                self.read_section_start(kind, offset)
            elif kind in (SECTION_PART, SECTION_END):
                self.read_section_part(kind, offset)
            elif kind == COMMAND:
                command, length = c.be16("command"), c.be16("command length")
                c.skip(length, "command data")
                self.commands.append(Command(offset, c.pos, command, length))
            elif kind == VMDESCRIPTION:
                raise StreamError("UNEXPECTED_RECORD", offset, "self-description before QEMU_VM_EOF")
            else:
                raise StreamError("UNKNOWN_RECORD", offset, f"unknown record type 0x{kind:02x}")

    def after_eof(self, offset: int) -> None:
        end = self.cursor.pos
        if self.description_offset is not None and self.description_offset != end:
            raise StreamError("TRAILING_DATA", end, f"{self.description_offset - end} bytes between QEMU_VM_EOF "
                                                    "and the self-description")
        if self.description_offset is None and end != self.size:
            raise StreamError("TRAILING_DATA", end, f"{self.size - end} bytes after QEMU_VM_EOF that are not a "
                                                    "self-description")

    # -- configuration -------------------------------------------------------------------

    def read_configuration(self, offset: int) -> None:
        c = self.cursor
        if self.configuration is not None or self.sections or self.ram.records:
            raise StreamError("UNEXPECTED_RECORD", offset, "a configuration section after the first section")
        length = c.be32("machine type length")
        if length > 255:
            raise StreamError("BAD_CONFIGURATION", offset + 1, f"machine type length {length} (at most 255)")
        raw = c.read(length, "machine type")
        machine = raw.decode("ascii", "replace")
        page_bits: int | None = None
        capabilities: list[str] = []
        uuid: bytes | None = None
        while c.peek() == SUBSECTION:
            sub_offset = c.pos
            c.u8("subsection marker")
            name = c.name("subsection name")
            c.be32("subsection version")
            if name == "configuration/target-page-bits":
                page_bits = c.be32("target page bits")
            elif name == "configuration/capabilities":
                count = c.be32("capability count")
                if count > 1024:
                    raise StreamError("BAD_CONFIGURATION", c.pos - 4, f"{count} capabilities")
                capabilities = [c.name("capability") for _ in range(count)]
            elif name == "configuration/uuid":
                uuid = c.read(16, "UUID")
            else:
                raise StreamError("BAD_CONFIGURATION", sub_offset, f"unknown configuration subsection {name!r}")
        if page_bits is not None:
            if not 9 <= page_bits <= 30:
                raise StreamError("BAD_CONFIGURATION", offset, f"target page bits {page_bits}")
            self.page_size = 1 << page_bits
        self.configuration = Configuration(offset, c.pos, machine, page_bits, tuple(capabilities), uuid)

    # -- sections ------------------------------------------------------------------------

    def read_section_start(self, kind: int, offset: int) -> None:
        c = self.cursor
        section_id = c.be32("section id")
        name = c.name("section name")
        instance_id = c.be32("instance id")
        version_id = c.be32("version id")
        header = (SECTION_KINDS[kind], offset, section_id, name, instance_id, version_id)
        if section_id in self.open_sections:
            raise StreamError("DUPLICATE_SECTION_ID", offset + 1, f"section id {section_id} is already in use")
        if name == "ram":
            self.read_ram(header)
            return
        if kind == SECTION_START:
            raise StreamError("UNKNOWN_ITERATIVE_SECTION", offset, f"iterative section {name!r}: devstate reads the "
                                                                   "iterative sections of RAM only")
        self.add(self.read_device(header))

    def read_section_part(self, kind: int, offset: int) -> None:
        section_id = self.cursor.be32("section id")
        start = self.open_sections.get(section_id)
        if start is None:
            raise StreamError("UNKNOWN_SECTION_ID", offset + 1, f"{SECTION_KINDS[kind]} record of section id "
                                                                f"{section_id}, which no START record opened")
        header = (SECTION_KINDS[kind], offset, section_id, start.name, start.instance_id, start.version_id)
        self.read_ram(header)
        if kind == SECTION_END:
            del self.open_sections[section_id]

    def add(self, section: Section) -> None:
        if len(self.sections) >= MAX_SECTIONS:
            raise StreamError("TOO_MANY_SECTIONS", section.offset, f"more than {MAX_SECTIONS} device sections")
        self.sections.append(section)

    def read_device(self, header: tuple[str, int, int, str, int, int]) -> Section:
        kind, offset, section_id, name, instance_id, version_id = header
        c = self.cursor
        body = c.pos
        entry = self.description.device(name, instance_id) if self.description else None
        vmsd = None
        if entry is not None and entry.vmsd is not None:
            vmsd = _Extents(c, f"{name}").vmsd(entry.vmsd, body, 0)
            how = "description"
        elif entry is not None and entry.size is not None:
            c.skip(entry.size, f"{name}: old-style state")
            how = "old-style size"
        else:
            self.scan_to_footer(name, section_id)
            how = "footer scan"
        body_end = c.pos
        footer = self.footer(section_id, name)
        return Section(kind, offset, section_id, name, instance_id, version_id, body, body_end, c.pos, footer,
                       how, vmsd)

    def footer(self, section_id: int, name: str) -> bool:
        c = self.cursor
        if c.peek() != SECTION_FOOTER:
            return False
        at = c.pos
        c.u8("footer")
        found = c.be32("footer section id")
        if found != section_id:
            raise StreamError("BAD_FOOTER", at, f"{name}: footer of section {found}, expected {section_id} (the "
                                                "section's bytes are not what its description says)")
        return True

    def scan_to_footer(self, name: str, section_id: int) -> None:
        """Without a description: the body ends at the first footer of this section id."""
        c = self.cursor
        start = c.pos
        marker = bytes([SECTION_FOOTER]) + struct.pack(">I", section_id)
        window = 1 << 20
        pos = start
        while pos < self.size:
            c.handle.seek(pos)
            chunk = c.handle.read(window + len(marker))
            hit = chunk.find(marker)
            if hit >= 0:
                c.seek(pos + hit)
                return
            pos += window
        raise StreamError("NO_DESCRIPTION", start, f"{name}: no self-description entry and no footer: the "
                                                   "section's end cannot be found")

    # -- RAM -------------------------------------------------------------------------------

    def read_ram(self, header: tuple[str, int, int, str, int, int]) -> None:
        from devstate.qemu.ram import read_ram_record

        kind, offset, section_id, name, instance_id, version_id = header
        c = self.cursor
        body = c.pos
        read_ram_record(c, self.ram, self.page_size, version_id, first=kind == "start")
        body_end = c.pos
        footer = self.footer(section_id, name)
        if self.ram.first_offset is None:
            self.ram.first_offset = offset
        self.ram.section_id, self.ram.version_id = section_id, version_id
        self.ram.last_end = c.pos
        self.ram.records += 1
        if kind == "start":
            self.open_sections[section_id] = Section(kind, offset, section_id, name, instance_id, version_id, body,
                                                     body_end, c.pos, footer, "ram")


class _Extents:
    """Walks a description over the bytes, checking every subsection marker it implies."""

    def __init__(self, cursor: _Cursor, where: str) -> None:
        self.c = cursor
        self.where = where

    def vmsd(self, desc: DescVmsd, start: int, depth: int) -> VmsdExtent:
        fields = tuple(self.field(f, depth) for f in desc.fields)
        subsections = tuple(self.subsection(s, depth) for s in desc.subsections)
        return VmsdExtent(desc.name, desc.version, start, self.c.pos, fields, subsections)

    def field(self, desc: DescField, depth: int) -> FieldExtent:
        start = self.c.pos
        if desc.struct is not None and desc.count == 1:
            inner = self.vmsd(desc.struct, start, depth + 1)
            if self.c.pos != start + desc.size:
                raise StreamError("DESCRIPTION_MISMATCH", start, f"{self.where}: struct {desc.name!r} is "
                                                                 f"{desc.size} bytes but its fields take "
                                                                 f"{self.c.pos - start}")
            return FieldExtent(desc.name, desc.type, start, desc.size, 1, desc.index, inner)
        self.c.skip(desc.total, f"{self.where}: field {desc.name!r}")
        return FieldExtent(desc.name, desc.type, start, desc.size, desc.count, desc.index)

    def subsection(self, desc: DescVmsd, depth: int) -> SubsectionExtent:
        c = self.c
        at = c.pos
        marker = c.u8("subsection marker")
        if marker != SUBSECTION:
            raise StreamError("DESCRIPTION_MISMATCH", at, f"{self.where}: subsection {desc.name!r} expected (0x05), "
                                                          f"found 0x{marker:02x}")
        name = c.name("subsection name")
        if name != desc.name:
            raise StreamError("DESCRIPTION_MISMATCH", at, f"{self.where}: subsection {desc.name!r} expected, found "
                                                          f"{name!r}")
        version = c.be32("subsection version")
        body = self.vmsd(desc, c.pos, depth + 1)
        return SubsectionExtent(name, version, at, body)


def iter_fields(vmsd: VmsdExtent, prefix: str = "") -> Iterator[tuple[str, FieldExtent]]:
    """Every field of ``vmsd`` with its dotted path, through structs and subsections."""
    for f in vmsd.fields:
        path = f"{prefix}{f.name}" if f.index is None else f"{prefix}{f.name}[{f.index}]"
        yield path, f
        if f.struct is not None:
            yield from iter_fields(f.struct, path + ".")
    for sub in vmsd.subsections:
        yield from iter_fields(sub.vmsd, f"{prefix}<{sub.name}>.")
