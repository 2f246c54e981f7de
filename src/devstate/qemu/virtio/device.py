"""A QEMU virtio-pci device's section: what ``virtio_save`` writes and ``virtio_load`` reads.

The layout (hw/virtio/virtio.c, virtio-pci.c, hw/pci/pci.c, msix.c; the same in QEMU 7.2
and 10.0), all big-endian unless noted:

1. The transport's config (``virtio_pci_save_config``): the PCIDevice VMState (be32
   version_id, the config space — 256 bytes, 4096 for a PCI Express function — and four
   be32 interrupt pin levels), then with MSI-X the table (16 bytes per vector), the
   pending-bit array and the be16 config vector.
2. ``status`` u8, ``isr`` u8, ``queue_sel`` be16, the low 32 feature bits the driver
   accepted be32, ``config_len`` be32 and that many config-space bytes.
3. be32 number of virtqueues, then per queue: ``vring.num`` be32, the descriptor table
   address be64, ``last_avail_idx`` be16 and, with MSI-X, the queue's vector be16.
4. The device's own state (``vdc->save``, then ``vdc->vmsd``): see net.py and blk.py.
5. The subsections of the ``virtio`` description, each needed one in this order:
   device_endian, 64bit_features, virtqueues (avail and used ring addresses of all 1024
   queues), ringsize, broken, extra_state (the ``virtio_pci`` description, whose
   ``modern_state`` subsection holds the modern common-config registers and 1024 queue
   records), started, packed_virtqueues, disabled.

``parse`` checks what QEMU's loader checks and what it should (the values of QEMU's
virtio incoming-migration CVEs: queue counts, ring sizes, config lengths, vectors, queue
pairs, MAC table entries); ``write`` is its exact inverse (``write(parse(x)) == x``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from devstate.qemu.virtio.cursor import Cursor, Writer
from devstate.qemu.virtio.errors import QemuCode, QemuStateError
from devstate.qemu.virtio.subsections import Subsection, read_subsections

VIRTIO_QUEUE_MAX = 1024
VIRTQUEUE_MAX_SIZE = 1024
NO_VECTOR = 0xFFFF
PCI_CONFIG_SIZE = 256
PCIE_CONFIG_SIZE = 4096
PCI_CAP_EXP = 0x10
PCI_CAP_MSIX = 0x11
PCI_DEVICE_VERSION = 2
"""vmstate_pci_device's version_id; the stream's value must be 1..2 (VMSTATE_INT32_POSITIVE_LE)."""
VIRTIO_F_VERSION_1 = 32
VIRTIO_F_RING_PACKED = 34
DEVICE_ENDIAN = {1: "little", 2: "big"}
"""VIRTIO_DEVICE_ENDIAN_LITTLE / _BIG (0 is "unknown", never saved)."""


# --- the transport -----------------------------------------------------------------------


@dataclass
class PciTransport:
    """virtio-pci's PCI function: config space, interrupt pins, MSI-X table and PBA, config vector."""

    version_id: int
    config: bytes
    irq_state: tuple[int, int, int, int]
    msix_table: bytes = b""
    msix_pba: bytes = b""
    config_vector: int | None = None

    @property
    def msix_vectors(self) -> int:
        return len(self.msix_table) // 16


def capabilities(config: bytes) -> dict[int, int]:
    """Capability id → offset, from the config space's capability list (first occurrence; loops stop)."""
    found: dict[int, int] = {}
    if not config[6] & 0x10:  # PCI_STATUS_CAP_LIST
        return found
    pointer, visited = config[0x34] & 0xFC, set()
    while pointer and pointer not in visited and pointer + 1 < PCI_CONFIG_SIZE:
        visited.add(pointer)
        found.setdefault(config[pointer], pointer)
        pointer = config[pointer + 1] & 0xFC
    return found


def msix_vectors(config: bytes) -> int:
    """The MSI-X table size of the function (0 without an MSI-X capability)."""
    at = capabilities(config).get(PCI_CAP_MSIX)
    if at is None:
        return 0
    return (int.from_bytes(config[at + 2:at + 4], "little") & 0x7FF) + 1


def read_transport(cursor: Cursor) -> PciTransport:
    at = cursor.offset
    version = cursor.be32("pci.version_id")
    if not 1 <= version <= PCI_DEVICE_VERSION:
        raise cursor.fail(QemuCode.BAD_VALUE, "pci.version_id", f"{version}; QEMU loads 1..{PCI_DEVICE_VERSION}", at)
    head = cursor.take(PCI_CONFIG_SIZE, "pci.config")
    size = PCIE_CONFIG_SIZE if PCI_CAP_EXP in capabilities(head) else PCI_CONFIG_SIZE
    config = head + cursor.take(size - PCI_CONFIG_SIZE, "pci.config")
    irq = []
    for pin in range(4):
        at = cursor.offset
        level = cursor.be32(f"pci.irq_state[{pin}]")
        if level > 1:
            raise cursor.fail(QemuCode.BAD_VALUE, f"pci.irq_state[{pin}]", f"{level}; a pin level is 0 or 1", at)
        irq.append(level)
    transport = PciTransport(version, config, (irq[0], irq[1], irq[2], irq[3]))
    vectors = msix_vectors(config)
    if vectors:
        transport.msix_table = cursor.take(16 * vectors, "msix.table")
        transport.msix_pba = cursor.take((vectors + 7) // 8, "msix.pba")
        transport.config_vector = _vector(cursor, "virtio.config_vector", vectors)
    return transport


def _vector(cursor: Cursor, name: str, vectors: int) -> int:
    at = cursor.offset
    vector = cursor.be16(name)
    if vector != NO_VECTOR and vector >= vectors:
        raise cursor.fail(QemuCode.OUT_OF_RANGE, name,
                          f"vector {vector} is past the MSI-X table ({vectors} vectors)", at)
    return vector


def write_transport(out: Writer, transport: PciTransport) -> None:
    out.be32(transport.version_id)
    out.raw(transport.config)
    for level in transport.irq_state:
        out.be32(level)
    if transport.msix_table:
        out.raw(transport.msix_table)
        out.raw(transport.msix_pba)
        assert transport.config_vector is not None
        out.be16(transport.config_vector)


# --- virtqueues and the virtio subsections -----------------------------------------------


@dataclass
class Queue:
    """What the main part saves of one virtqueue."""

    num: int
    desc: int
    last_avail_idx: int
    vector: int | None = None


@dataclass
class PackedQueue:
    """virtio/packed_virtqueues: one queue's packed-ring positions and wrap counters."""

    last_avail_idx: int = 0
    last_avail_wrap_counter: bool = False
    used_idx: int = 0
    used_wrap_counter: bool = False
    inuse: int = 0


@dataclass
class ModernQueue:
    """virtio_pci/modern_queue_state: the modern common-config registers of one queue."""

    num: int = 0
    enabled: bool = False
    desc: int = 0
    avail: int = 0
    used: int = 0


@dataclass
class PciModern:
    """virtio_pci/modern_state: feature selectors, the driver's feature words, 1024 queue records."""

    dfselect: int = 0
    gfselect: int = 0
    guest_features: tuple[int, int] = (0, 0)
    queues: list[ModernQueue] = field(default_factory=list)


@dataclass
class VirtioState:
    """One virtio-pci device's section, as QEMU saved it."""

    kind: str
    transport: PciTransport
    status: int
    isr: int
    queue_sel: int
    features_lo: int
    config: bytes
    queues: list[Queue]
    device: Any
    """The device's own state (net.NetDevice, blk.BlkDevice)."""
    device_endian: int | None = None
    features: int | None = None
    """virtio/64bit_features: all 64 accepted feature bits (present when the device offers bits above 31)."""
    rings: list[tuple[int, int]] | None = None
    """virtio/virtqueues: (avail, used) ring addresses of every one of the 1024 queues."""
    ring_sizes: list[int] | None = None
    """virtio/ringsize: vring.num_default of the 1024 queues."""
    broken: bool | None = None
    extra_state: bool = False
    modern: PciModern | None = None
    started: bool | None = None
    packed: list[PackedQueue] | None = None
    disabled: bool | None = None

    @property
    def guest_features(self) -> int:
        """The feature bits the driver accepted (the 64-bit subsection when present, else the low word)."""
        return self.features if self.features is not None else self.features_lo

    def has(self, bit: int) -> bool:
        return bool(self.guest_features >> bit & 1)


class DeviceKind(Protocol):
    """A virtio device type's own part of the section (net.NET, blk.BLK)."""

    name: str
    config_max: int
    """The largest config space of the device in any QEMU release devstate reads."""
    layout_hint: str
    """What to pass when the stream alone does not decide the layout."""

    def read(self, cursor: Cursor, state: VirtioState, layout: Any) -> Any: ...

    def write(self, out: Writer, state: VirtioState) -> None: ...

    def layouts(self, state: VirtioState, properties: dict[str, int]) -> Sequence[Any]:
        """The possible layouts of the device part, most likely first (several when the stream cannot tell)."""
        ...

    def check(self, cursor: Cursor, state: VirtioState, start: int) -> None:
        """The checks that need the whole section (the features above bit 31 come after the device's part);
        ``start`` is the stream offset of the device's part."""
        ...


def _read_queues(cursor: Cursor, msix: int) -> list[Queue]:
    at = cursor.offset
    count = cursor.be32("virtio.num_queues")
    if count > VIRTIO_QUEUE_MAX:
        raise cursor.fail(QemuCode.OUT_OF_RANGE, "virtio.num_queues",
                          f"{count} virtqueues; QEMU has at most {VIRTIO_QUEUE_MAX}", at)
    queues = []
    for index in range(count):
        name = f"virtio.queues[{index}]"
        at = cursor.offset
        num = cursor.be32(f"{name}.num")
        if num == 0 or num > VIRTQUEUE_MAX_SIZE:
            raise cursor.fail(QemuCode.OUT_OF_RANGE, f"{name}.num",
                              f"ring size {num}; QEMU saves the queues of size 1..{VIRTQUEUE_MAX_SIZE}", at)
        queue = Queue(num, cursor.be64(f"{name}.desc"), 0)
        at = cursor.offset
        queue.last_avail_idx = cursor.be16(f"{name}.last_avail_idx")
        if queue.desc == 0 and queue.last_avail_idx:
            raise cursor.fail(QemuCode.INCONSISTENT, f"{name}.last_avail_idx",
                              f"{queue.last_avail_idx} with no ring (address 0); QEMU's loader refuses it", at)
        if msix:
            queue.vector = _vector(cursor, f"{name}.vector", msix)
        queues.append(queue)
    return queues


def _read_array(cursor: Cursor, name: str, read_one: Any) -> list[Any]:
    return [read_one(cursor, f"{name}[{i}]") for i in range(VIRTIO_QUEUE_MAX)]


def _ring(cursor: Cursor, name: str) -> tuple[int, int]:
    return cursor.be64(f"{name}.avail"), cursor.be64(f"{name}.used")


def _packed(cursor: Cursor, name: str) -> PackedQueue:
    return PackedQueue(cursor.be16(f"{name}.last_avail_idx"), cursor.flag(f"{name}.last_avail_wrap_counter"),
                       cursor.be16(f"{name}.used_idx"), cursor.flag(f"{name}.used_wrap_counter"),
                       cursor.be32(f"{name}.inuse"))


def _modern_queue(cursor: Cursor, name: str) -> ModernQueue:
    num = cursor.be16(f"{name}.num")
    at = cursor.offset
    if cursor.u8(f"{name}.unused"):
        raise cursor.fail(QemuCode.BAD_VALUE, f"{name}.unused", "QEMU writes this unused byte as zero", at)
    enabled = cursor.flag(f"{name}.enabled")
    words = [cursor.be32(f"{name}.{part}[{half}]") for part in ("desc", "avail", "used") for half in (0, 1)]
    return ModernQueue(num, enabled, words[0] | words[1] << 32, words[2] | words[3] << 32, words[4] | words[5] << 32)


def _read_modern(cursor: Cursor, state: VirtioState) -> None:
    name = "virtio_pci/modern_state"
    modern = PciModern(cursor.be32(f"{name}.dfselect"), cursor.be32(f"{name}.gfselect"),
                       (cursor.be32(f"{name}.guest_features[0]"), cursor.be32(f"{name}.guest_features[1]")))
    modern.queues = _read_array(cursor, f"{name}.vqs", _modern_queue)
    state.modern = modern


def _read_extra_state(cursor: Cursor, state: VirtioState) -> None:
    state.extra_state = True
    read_subsections(cursor, "virtio_pci", {"virtio_pci/modern_state": Subsection(1, lambda c: _read_modern(c, state))})


def _read_endian(cursor: Cursor, state: VirtioState) -> None:
    at = cursor.offset
    endian = cursor.u8("virtio/device_endian.device_endian")
    if endian not in DEVICE_ENDIAN:
        raise cursor.fail(QemuCode.BAD_VALUE, "virtio/device_endian.device_endian",
                          f"{endian}; 1 (little) or 2 (big)", at)
    state.device_endian = endian


def _virtio_subsections(state: VirtioState) -> dict[str, Subsection]:
    def setter(attribute: str, read: Any) -> Subsection:
        return Subsection(1, lambda c: setattr(state, attribute, read(c)))

    return {
        "virtio/device_endian": Subsection(1, lambda c: _read_endian(c, state)),
        "virtio/64bit_features": setter("features", lambda c: c.be64("virtio/64bit_features.guest_features")),
        "virtio/virtqueues": setter("rings", lambda c: _read_array(c, "virtio/virtqueues.vq", _ring)),
        "virtio/ringsize": setter("ring_sizes", lambda c: _read_array(
            c, "virtio/ringsize.vq", lambda cc, n: cc.be32(f"{n}.num_default"))),
        "virtio/broken": setter("broken", lambda c: c.flag("virtio/broken.broken")),
        "virtio/extra_state": Subsection(1, lambda c: _read_extra_state(c, state)),
        "virtio/started": setter("started", lambda c: c.flag("virtio/started.started")),
        "virtio/packed_virtqueues": setter("packed", lambda c: _read_array(c, "virtio/packed_virtqueues.vq", _packed)),
        "virtio/disabled": setter("disabled", lambda c: c.flag("virtio/disabled.disabled")),
    }


# --- the whole section -------------------------------------------------------------------


def parse(data: bytes | memoryview, base: int, kind: DeviceKind, section: str = "",
          properties: dict[str, int] | None = None) -> VirtioState:
    """The device state in ``data`` (exactly the section's payload; ``base`` its stream offset)."""
    cursor = Cursor(data, base, f"{section}: " if section else "")
    state = _read_common(cursor, kind)
    start, start_at = cursor.pos, cursor.offset
    candidates = kind.layouts(state, properties or {})
    errors: list[QemuStateError] = []
    results: list[VirtioState] = []
    for layout in candidates:
        cursor.pos = start
        attempt = _copy_common(state)
        try:
            attempt.device = kind.read(cursor, attempt, layout)
            read_subsections(cursor, "virtio", _virtio_subsections(attempt))
            if cursor.remaining():
                raise cursor.fail(QemuCode.TRAILING_DATA, "virtio",
                                  f"{cursor.remaining()} bytes after the device's state")
            _check_features(cursor, attempt)
            kind.check(cursor, attempt, start_at)
        except QemuStateError as error:
            errors.append(error.with_traceback(None))  # not the frames of the attempt it ended
            continue
        results.append(attempt)
    if results and all(result == results[0] for result in results):
        return results[0]  # the layouts differ in fields the section does not have (virtio-blk without requests)
    if not results:
        raise errors[0]
    raise QemuStateError(QemuCode.AMBIGUOUS_LAYOUT, base, f"{section}: {kind.name}",
                         f"the section reads as {len(results)} different layouts; {kind.layout_hint}")


def _read_common(cursor: Cursor, kind: DeviceKind) -> VirtioState:
    transport = read_transport(cursor)
    status, isr = cursor.u8("virtio.status"), cursor.u8("virtio.isr")
    at = cursor.offset
    queue_sel = cursor.be16("virtio.queue_sel")
    if queue_sel >= VIRTIO_QUEUE_MAX:
        raise cursor.fail(QemuCode.OUT_OF_RANGE, "virtio.queue_sel",
                          f"{queue_sel}; QEMU has {VIRTIO_QUEUE_MAX} queues", at)
    features_lo = cursor.be32("virtio.guest_features")
    at = cursor.offset
    config_len = cursor.be32("virtio.config_len")
    if config_len > kind.config_max:
        raise cursor.fail(QemuCode.OUT_OF_RANGE, "virtio.config_len",
                          f"{config_len} bytes; the {kind.name} configuration space has {kind.config_max}", at)
    config = cursor.take(config_len, "virtio.config")
    queues = _read_queues(cursor, transport.msix_vectors)
    return VirtioState(kind.name, transport, status, isr, queue_sel, features_lo, config, queues, None)


def _copy_common(state: VirtioState) -> VirtioState:
    return VirtioState(state.kind, state.transport, state.status, state.isr, state.queue_sel, state.features_lo,
                       state.config, [Queue(q.num, q.desc, q.last_avail_idx, q.vector) for q in state.queues], None)


def _check_features(cursor: Cursor, state: VirtioState) -> None:
    if state.features is not None and state.features & 0xFFFFFFFF != state.features_lo:
        raise cursor.fail(QemuCode.INCONSISTENT, "virtio/64bit_features.guest_features",
                          f"low word {state.features & 0xFFFFFFFF:#x} differs from guest_features "
                          f"{state.features_lo:#x} of the main part")
    if state.modern is not None:
        words = state.modern.guest_features
        if words[0] | words[1] << 32 != state.guest_features and state.status & 0x08:
            raise cursor.fail(QemuCode.INCONSISTENT, "virtio_pci/modern_state.guest_features",
                              "the modern registers' driver features differ from the negotiated ones")


def write(state: VirtioState, kind: DeviceKind) -> bytes:
    """The section payload for ``state`` (the inverse of ``parse``)."""
    out = Writer()
    write_transport(out, state.transport)
    out.u8(state.status)
    out.u8(state.isr)
    out.be16(state.queue_sel)
    out.be32(state.features_lo)
    out.be32(len(state.config))
    out.raw(state.config)
    out.be32(len(state.queues))
    for queue in state.queues:
        out.be32(queue.num)
        out.be64(queue.desc)
        out.be16(queue.last_avail_idx)
        if queue.vector is not None:
            out.be16(queue.vector)
    kind.write(out, state)
    _write_subsections(out, state)
    return bytes(out.out)


def _write_subsections(out: Writer, state: VirtioState) -> None:
    if state.device_endian is not None:
        out.subsection("virtio/device_endian")
        out.u8(state.device_endian)
    if state.features is not None:
        out.subsection("virtio/64bit_features")
        out.be64(state.features)
    if state.rings is not None:
        out.subsection("virtio/virtqueues")
        for avail, used in state.rings:
            out.be64(avail)
            out.be64(used)
    if state.ring_sizes is not None:
        out.subsection("virtio/ringsize")
        for size in state.ring_sizes:
            out.be32(size)
    _write_flag(out, "virtio/broken", state.broken)
    if state.extra_state:
        out.subsection("virtio/extra_state")
        if state.modern is not None:
            _write_modern(out, state.modern)
    _write_flag(out, "virtio/started", state.started)
    if state.packed is not None:
        out.subsection("virtio/packed_virtqueues")
        for q in state.packed:
            out.be16(q.last_avail_idx)
            out.flag(q.last_avail_wrap_counter)
            out.be16(q.used_idx)
            out.flag(q.used_wrap_counter)
            out.be32(q.inuse)
    _write_flag(out, "virtio/disabled", state.disabled)


def _write_flag(out: Writer, name: str, value: bool | None) -> None:
    if value is not None:
        out.subsection(name)
        out.flag(value)


def _write_modern(out: Writer, modern: PciModern) -> None:
    out.subsection("virtio_pci/modern_state")
    out.be32(modern.dfselect)
    out.be32(modern.gfselect)
    out.be32(modern.guest_features[0])
    out.be32(modern.guest_features[1])
    for q in modern.queues:
        out.be16(q.num)
        out.u8(0)
        out.flag(q.enabled)
        for address in (q.desc, q.avail, q.used):
            out.be32(address & 0xFFFFFFFF)
            out.be32(address >> 32)
