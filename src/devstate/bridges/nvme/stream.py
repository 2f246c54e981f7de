"""Reading and writing an NVMe controller state, and splitting it into transfers.

``parse_state`` checks the header (reserved bytes, NVMECSS and VSS against the bytes
present), the NVMe-defined state (its header, the queue counts against NVMECSS, each
entry's reserved bytes) and what follows the state (zero padding from a fixed-size
transfer buffer is accepted, anything else is not). ``encode_state`` writes one back.

State larger than one transfer is split for Migration Send (Set Controller State) with
the sequence indicator first/middle/last, or entire when it fits (``split_transfers``);
``join_transfers`` puts received pieces back together and ``check_sequence`` checks a
sequence of indicators.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from devstate.bridges.errors import BridgeCode, BridgeDecodeError, BridgeExportError
from devstate.bridges.nvme import tables
from devstate.bridges.nvme.tables import HeaderLayout, SeqInd
from devstate.bridges.values import Item
from devstate.errors import UsageError

DWORD = 4
ENTRY_SIZE = 24


@dataclass
class ControllerState:
    """A parsed controller state: header fields, queue entries as items, vendor bytes."""

    layout: HeaderLayout
    version: int = tables.EXPORT_DEFAULTS["VER"]
    csattr: int = tables.EXPORT_DEFAULTS["CSATTR"]
    nvme_version: int | None = tables.EXPORT_DEFAULTS["NVME_VER"]
    """None when NVMECSS is 0 (no NVMe-defined state)."""
    sqs: list[dict[str, Item]] = field(default_factory=list)
    cqs: list[dict[str, Item]] = field(default_factory=list)
    vendor: bytes = b""
    padding: int = 0
    """Zero bytes after the state (a fixed-size receive buffer)."""
    offsets: dict[str, int] = field(default_factory=dict)
    """Absolute offsets: ``nvme`` (NVMe-defined state), ``IOSQ``/``IOCQ`` (first entry), ``vendor``."""
    header: bytes = b""
    """The header as read (kept in the bridge record)."""

    def entries(self, record: str) -> list[dict[str, Item]]:
        return self.sqs if record == "IOSQ" else self.cqs

    def entry_offset(self, record: str, index: int) -> int:
        return self.offsets.get(record, 0) + index * ENTRY_SIZE


def layout_named(name: str) -> HeaderLayout:
    try:
        return tables.LAYOUTS[name]
    except KeyError:
        raise UsageError(f"unknown controller-state layout {name!r} (known: {', '.join(tables.LAYOUTS)})") from None


# --- parsing ----------------------------------------------------------------------------------


def parse_state(data: bytes | bytearray | memoryview, layout: HeaderLayout) -> ControllerState:
    """The controller state in ``data``, framed and each entry checked on its own (the rules over the
    queues are ``devstate.bridges.nvme.rules``); raises ``BridgeDecodeError`` when it is malformed."""
    view = memoryview(data).cast("B")
    if len(view) < layout.size:
        raise BridgeDecodeError(BridgeCode.TRUNCATED, 0, "controller state header",
                                f"{len(view)} bytes; the {layout.name} header is {layout.size}")
    if len(view) % DWORD:
        raise BridgeDecodeError(BridgeCode.SIZE_MISMATCH, len(view) - len(view) % DWORD, "controller state",
                                f"{len(view)} bytes is not a whole number of dwords (every size and transfer "
                                "of a controller state counts dwords)")
    head = layout.header.parse(view[: layout.size], 0, "controller state header")
    _header(head, layout)
    nvme_size, vendor_size = _sizes(head, len(view), layout)
    state = ControllerState(layout, _int(head["VER"]), _int(head["CSATTR"]))
    state.header = bytes(view[: layout.size])
    start = layout.size
    _nvme(state, view[start : start + nvme_size], start)
    vendor_at = start + nvme_size
    state.vendor = bytes(view[vendor_at : vendor_at + vendor_size])
    state.offsets["vendor"] = vendor_at
    _padding(state, view, vendor_at + vendor_size)
    return state


def _int(item: Item) -> int:
    assert isinstance(item, int)
    return item


def _header(head: dict[str, Item], layout: HeaderLayout) -> None:
    version, csattr = _int(head["VER"]), _int(head["CSATTR"])
    if version != tables.VERSION:
        raise BridgeDecodeError(BridgeCode.UNKNOWN_VERSION, layout.header.slot("VER").offset, "VER",
                                f"controller state version {version:#x}: the version selects the layout and only "
                                f"{tables.VERSION} is defined (\"this field shall be cleared to 0h\")")
    if csattr & ~tables.CSATTR_SUSPENDED:
        raise BridgeDecodeError(BridgeCode.RESERVED_NOT_ZERO, layout.header.slot("CSATTR").offset, "CSATTR",
                                f"CSATTR {csattr:#04x} sets reserved bits 7:1 "
                                f"({csattr & ~tables.CSATTR_SUSPENDED:#04x}); only bit 0 (Controller Suspended) is "
                                "defined")


def _sizes(head: dict[str, Item], total: int, layout: HeaderLayout) -> tuple[int, int]:
    nvme_size, vendor_size = _int(head["NVMECSS"]) * DWORD, _int(head["VSS"]) * DWORD
    room = total - layout.size
    if nvme_size > room:
        raise BridgeDecodeError(BridgeCode.SIZE_MISMATCH, layout.header.slot("NVMECSS").offset, "NVMECSS",
                                f"NVMECSS is {nvme_size // DWORD} dwords ({nvme_size} bytes); only {room} bytes "
                                "follow the header")
    if vendor_size > room - nvme_size:
        raise BridgeDecodeError(BridgeCode.SIZE_MISMATCH, layout.header.slot("VSS").offset, "VSS",
                                f"VSS is {vendor_size // DWORD} dwords ({vendor_size} bytes); only "
                                f"{room - nvme_size} bytes follow the NVMe-defined state")
    return nvme_size, vendor_size


def _nvme(state: ControllerState, view: memoryview, at: int) -> None:
    state.offsets["nvme"] = at
    if not len(view):
        state.nvme_version = None
        return
    if len(view) < tables.NVME_STATE_HEADER.length:
        raise BridgeDecodeError(BridgeCode.SIZE_MISMATCH, state.layout.header.slot("NVMECSS").offset, "NVMECSS",
                                f"NVMECSS is {len(view) // DWORD} dwords ({len(view)} bytes), which cannot hold the "
                                f"{tables.NVME_STATE_HEADER.length}-byte NVMe-defined state header")
    head = tables.NVME_STATE_HEADER.parse(view[:8], at, "NVMe-defined state header")
    state.nvme_version = _int(head["VER"])
    if state.nvme_version != tables.VERSION:
        raise BridgeDecodeError(BridgeCode.UNKNOWN_VERSION, at, "NVMe-defined state VER",
                                f"NVMe controller state version {state.nvme_version:#x}: the version selects the "
                                f"layout and only {tables.VERSION} is defined (\"this field shall be cleared to 0h\")")
    sqs, cqs = _int(head["NIOSQ"]), _int(head["NIOCQ"])
    need = 8 + ENTRY_SIZE * (sqs + cqs)
    if need != len(view):
        raise BridgeDecodeError(BridgeCode.SIZE_MISMATCH, state.layout.header.slot("NVMECSS").offset, "NVMECSS",
                                f"NVMECSS is {len(view) // DWORD} dwords ({len(view)} bytes), but {sqs} submission "
                                f"and {cqs} completion queue entries make a version 0 NVMe-defined state of "
                                f"{need} bytes ({need // DWORD} dwords)")
    offset = 8
    for record, count in (("IOSQ", sqs), ("IOCQ", cqs)):
        state.offsets[record] = at + offset
        for index in range(count):
            chunk = view[offset : offset + ENTRY_SIZE]
            label = f"{record}[{index}]"
            items = tables.RECORDS[record].parse(chunk, at + offset, label)
            _attributes(record, items, at + offset, label)
            state.entries(record).append(items)
            offset += ENTRY_SIZE


def _attributes(record: str, items: dict[str, Item], at: int, label: str) -> None:
    name = "IOSQA" if record == "IOSQ" else "IOCQA"
    value, reserved = _int(items[name]), tables.RESERVED_ATTRIBUTE_BITS[name]
    if value & reserved:
        raise BridgeDecodeError(BridgeCode.RESERVED_NOT_ZERO, at + tables.RECORDS[record].slot(name).offset, label,
                                f"{name} {value:#x} sets reserved bits 15:03 ({value & reserved:#x})")


def _padding(state: ControllerState, view: memoryview, end: int) -> None:
    rest = view[end:]
    if any(bytes(rest)):
        first = next(i for i, byte in enumerate(bytes(rest)) if byte)
        raise BridgeDecodeError(BridgeCode.TRAILING_DATA, end + first, "after the controller state",
                                f"{len(rest)} bytes follow the state (NVMECSS + VSS) and are not all zero")
    state.padding = len(rest)


# --- encoding ----------------------------------------------------------------------------------


def encode_state(state: ControllerState) -> bytes:
    """The controller state's bytes; raises ``BridgeExportError`` when a size does not fit."""
    layout = state.layout
    nvme = _encode_nvme(state)
    if len(state.vendor) % DWORD:
        raise BridgeExportError(BridgeCode.CANNOT_EXPORT, "vendor-specific state",
                                f"{len(state.vendor)} bytes is not a whole number of dwords (VSS counts dwords)")
    head = {"VER": state.version, "CSATTR": state.csattr, "NVMECSS": len(nvme) // DWORD,
            "VSS": len(state.vendor) // DWORD}
    for name in ("NVMECSS", "VSS"):
        if head[name] >> (8 * layout.width(name)):
            raise BridgeExportError(BridgeCode.CANNOT_EXPORT, name,
                                    f"{head[name]} dwords does not fit the {layout.name} layout's "
                                    f"{layout.width(name) * 8}-bit {name}")
    return layout.header.build(head) + nvme + state.vendor


def _encode_nvme(state: ControllerState) -> bytes:
    if state.nvme_version is None and not state.sqs and not state.cqs:
        return b""
    for name, count in (("NIOSQ", len(state.sqs)), ("NIOCQ", len(state.cqs))):
        if count > 0xFFFF:
            raise BridgeExportError(BridgeCode.CANNOT_EXPORT, name, f"{count} queues do not fit a 16-bit {name}")
    head = tables.NVME_STATE_HEADER.build({"VER": state.nvme_version or 0, "NIOSQ": len(state.sqs),
                                           "NIOCQ": len(state.cqs)})
    entries = [tables.RECORDS["IOSQ"].build(e) for e in state.sqs]
    entries += [tables.RECORDS["IOCQ"].build(e) for e in state.cqs]
    return head + b"".join(entries)


# --- transfers -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Transfer:
    """One Migration Send (Set Controller State) data transfer."""

    seqind: SeqInd
    offset: int
    data: bytes

    def cdw10(self, layout: HeaderLayout) -> int:
        """SEQIND in bits 17:16, the select for Set Controller State in bits 7:0."""
        return int(self.seqind) << 16 | layout.send_select["set"]

    @property
    def numd(self) -> int:
        """The transfer length in dwords."""
        return len(self.data) // DWORD


def split_transfers(data: bytes, size: int) -> list[Transfer]:
    """Transfers of at most ``size`` bytes (a whole number of dwords), first/middle/last or entire."""
    if size < DWORD or size % DWORD:
        raise UsageError(f"a transfer size of {size} bytes is not a positive whole number of dwords")
    if len(data) <= size:
        return [Transfer(SeqInd.ENTIRE, 0, data)]
    pieces = [(offset, data[offset : offset + size]) for offset in range(0, len(data), size)]
    out = []
    for index, (offset, piece) in enumerate(pieces):
        seqind = SeqInd.FIRST if index == 0 else SeqInd.LAST if index == len(pieces) - 1 else SeqInd.MIDDLE
        out.append(Transfer(seqind, offset, piece))
    return out


def check_sequence(seqinds: Sequence[SeqInd]) -> None:
    """A sequence is ``entire`` alone, or ``first``, any ``middle``s, ``last``."""
    names = [s.name.lower() for s in seqinds]
    if names == ["entire"]:
        return
    ok = len(names) >= 2 and names[0] == "first" and names[-1] == "last" and \
        all(name == "middle" for name in names[1:-1])
    if not ok:
        raise BridgeDecodeError(BridgeCode.BAD_SEQUENCE, 0, "sequence indicators",
                                f"{' '.join(names) or '(none)'} is not 'entire' or 'first middle... last'")


def join_transfers(pieces: Sequence[bytes]) -> bytes:
    """The controller state from its transfers in order.

    Every transfer is a whole number of dwords (NUMD counts dwords and offsets are dword aligned); only
    the last of a sequence may be empty ("This field is only allowed to be cleared to 0h if the Sequence
    Indicator field is set to 10b", Set Controller State).
    """
    if not pieces:
        raise BridgeDecodeError(BridgeCode.BAD_SEQUENCE, 0, "transfers", "no transfers")
    offset = 0
    for index, piece in enumerate(pieces):
        last = index == len(pieces) - 1
        if not piece and not (last and index):
            raise BridgeDecodeError(BridgeCode.BAD_SEQUENCE, offset, f"transfer {index}",
                                    "an empty transfer; only the last of two or more transfers may have NUMD 0")
        if len(piece) % DWORD:
            raise BridgeDecodeError(BridgeCode.BAD_SEQUENCE, offset + len(piece) - len(piece) % DWORD,
                                    f"transfer {index}",
                                    f"{len(piece)} bytes is not a whole number of dwords (NUMD counts dwords)")
        offset += len(piece)
    return b"".join(pieces)
