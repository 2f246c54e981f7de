"""pynic's device model: vendor B's own view of a virtio-net device.

Nothing here follows the standard state's layout: queues live in a dict keyed by name
(``rx0``, ``tx0``, ..., ``ctrl``), features and receive modes are sets of names, MAC
addresses are strings in insertion-ordered dicts, the VLAN filter is a set of ids and RSS
is an object with a frozenset of hash types. ``dsf.py`` maps it to and from the standard
org.virtio.net state. The scenario language (what the guest driver did) is the one
vendor A's device reads too; see ``examples/README.md``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

MAX_PAIRS = 16
"""Queue pairs pynic can host."""

FEATURES = {
    "csum": 0, "guest-csum": 1, "ctrl-guest-offloads": 2, "mtu": 3, "mac": 5, "guest-tso4": 7, "guest-tso6": 8,
    "guest-ecn": 9, "guest-ufo": 10, "host-tso4": 11, "host-tso6": 12, "host-ecn": 13, "host-ufo": 14,
    "mrg-rxbuf": 15, "status": 16, "ctrl-vq": 17, "ctrl-rx": 18, "ctrl-vlan": 19, "ctrl-rx-extra": 20,
    "guest-announce": 21, "mq": 22, "ctrl-mac-addr": 23, "notify-on-empty": 24, "any-layout": 27,
    "indirect-desc": 28, "event-idx": 29, "version-1": 32, "access-platform": 33, "ring-packed": 34, "in-order": 35,
    "order-platform": 36, "notification-data": 38, "ring-reset": 40, "guest-uso4": 54, "guest-uso6": 55,
    "host-uso": 56, "hash-report": 57, "rss": 60, "rsc-ext": 61, "speed-duplex": 63,
}
"""virtio(-net) feature names pynic knows, by bit number."""

STATUS = ("acknowledge", "driver", "driver-ok", "features-ok")
RX_MODES = ("promisc", "allmulti", "alluni", "nomulti", "nouni", "nobcast")
HASH_TYPES = ("ipv4", "tcpv4", "udpv4", "ipv6", "tcpv6", "udpv6", "ipv6-ex", "tcpv6-ex", "udpv6-ex")


class ScenarioError(Exception):
    """A scenario line pynic cannot run (``FILE:LINE: message``)."""


@dataclass
class Queue:
    """One virtqueue as pynic tracks it."""

    size: int = 0
    enabled: bool = False
    areas: tuple[int, int, int] = (0, 0, 0)
    """Guest addresses of the descriptor, driver and device areas."""
    next_avail: int = 0
    used: int = 0
    vector: int = 0
    notify: tuple[int, int] = (0, 0)
    """notify_off, notify_data."""


@dataclass
class Rss:
    """Receive-side scaling (or hash reporting only) as the driver configured it."""

    mode: str = "rss"
    """``off``, ``rss`` or ``hash-report``."""
    hash_types: frozenset[str] = frozenset()
    key: bytes = b""
    table: tuple[int, ...] = ()
    unclassified: int = 0
    max_tx: int = 0


@dataclass
class PyNic:
    """Vendor B's virtio-net device."""

    mac: str = "00:00:00:00:00:00"
    mtu: int = 1500
    max_pairs: int = 1
    speed: int = 0
    duplex: str = "half"
    offered: set[str] = field(default_factory=set)
    negotiated: set[str] = field(default_factory=set)
    status: set[str] = field(default_factory=set)
    registers: dict[str, int] = field(default_factory=lambda: {"msix-config": 0xFFFF})
    link_up: bool = False
    announce_flag: bool = False
    pairs: int = 1
    rx_modes: set[str] = field(default_factory=set)
    unicast: dict[str, None] = field(default_factory=dict)
    multicast: dict[str, None] = field(default_factory=dict)
    overflow: set[str] = field(default_factory=set)
    vlans: set[int] = field(default_factory=set)
    rss: Rss | None = None
    offloads_off: int = 0
    announce: tuple[int, int] = (0, 0)
    queues: dict[str, Queue] = field(default_factory=dict)

    def has(self, feature: str) -> bool:
        return feature in self.negotiated

    def queue_names(self) -> list[str]:
        """The standard queue order: rx0, tx0, ..., rxN-1, txN-1, then ctrl."""
        names = [f"{kind}{pair}" for pair in range(self.max_pairs) for kind in ("rx", "tx")]
        return [*names, "ctrl"] if self.has("ctrl-vq") else names


# --- the scenario -------------------------------------------------------------------------


def run_scenario(nic: PyNic, path: Path) -> None:
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        words = line.split("#", 1)[0].split()
        if not words:
            continue
        command = COMMANDS.get(words[0])
        try:
            if command is None:
                raise ValueError(f"unknown command: {words[0]}")
            command(nic, words[1:])
        except (ValueError, KeyError) as exc:
            raise ScenarioError(f"{path}:{number}: {exc}") from None


def _settings(args: list[str]) -> dict[str, str]:
    pairs = [arg.partition("=") for arg in args]
    if any(not sep for _, sep, _ in pairs):
        raise ValueError(f"expected key=value: {args}")
    return {key: value for key, _, value in pairs}


def _require(nic: PyNic, feature: str) -> None:
    if not nic.has(feature):
        raise ValueError(f"command rejected: {feature} not negotiated")


def _device(nic: PyNic, args: list[str]) -> None:
    for key, value in _settings(args).items():
        if key == "mac":
            nic.mac = value.lower()
        elif key in ("mtu", "speed"):
            setattr(nic, key, int(value, 0))
        elif key == "pairs":
            nic.max_pairs = int(value, 0)
            if not 1 <= nic.max_pairs <= MAX_PAIRS:
                raise ValueError(f"pynic has 1..{MAX_PAIRS} queue pairs")
        elif key == "duplex":
            nic.duplex = value
        else:
            raise ValueError(f"unknown device setting: {key}")
    nic.queues = {name: Queue() for name in nic.queue_names()}


def _features(args: list[str]) -> set[str]:
    unknown = set(args) - set(FEATURES)
    if unknown:
        raise ValueError(f"unknown features: {sorted(unknown)}")
    return set(args)


def _offer(nic: PyNic, args: list[str]) -> None:
    nic.offered |= _features(args)


def _accept(nic: PyNic, args: list[str]) -> None:
    """The driver accepts features; the device keeps only those it offered."""
    nic.negotiated = _features(args) & nic.offered
    nic.registers.update({"device-feature-select": 1, "driver-feature-select": 1})
    nic.queues = {name: nic.queues.get(name, Queue()) for name in nic.queue_names()}


def _status(nic: PyNic, args: list[str]) -> None:
    unknown = set(args) - set(STATUS)
    if unknown:
        raise ValueError(f"unknown status bits: {sorted(unknown)}")
    nic.status |= set(args)


def _link(nic: PyNic, args: list[str]) -> None:
    nic.link_up = args == ["up"]


def _queue(nic: PyNic, args: list[str]) -> None:
    if not args or args[0] not in nic.queues:
        raise ValueError(f"no such queue on this device: {args[:1]}")
    queue, values = nic.queues[args[0]], {k: int(v, 0) for k, v in _settings(args[1:]).items()}
    queue.size = values.get("size", queue.size)
    queue.enabled = queue.size != 0
    queue.areas = (values.get("desc", 0), values.get("driver", 0), values.get("device", 0))
    queue.next_avail, queue.used = values.get("avail", 0), values.get("used", 0)
    queue.vector, queue.notify = values.get("msix", 0), (values.get("notify", 0), 0)


def _pairs(nic: PyNic, args: list[str]) -> None:
    _require(nic, "mq")
    pairs = int(args[0], 0)
    if not 1 <= pairs <= nic.max_pairs:
        raise ValueError(f"pairs: 1..{nic.max_pairs}")
    nic.pairs = pairs


def _rx_mode(nic: PyNic, args: list[str]) -> None:
    for mode in args:
        if mode not in RX_MODES:
            raise ValueError(f"unknown receive mode: {mode}")
        _require(nic, "ctrl-rx" if mode in ("promisc", "allmulti") else "ctrl-rx-extra")
        nic.rx_modes.add(mode)


def _mac_table(nic: PyNic, args: list[str]) -> None:
    _require(nic, "ctrl-rx")
    tables = _settings(args)
    nic.unicast = dict.fromkeys(m.lower() for m in tables.get("unicast", "").split(",") if m)
    nic.multicast = dict.fromkeys(m.lower() for m in tables.get("multicast", "").split(",") if m)


def _vlan(nic: PyNic, args: list[str]) -> None:
    _require(nic, "ctrl-vlan")
    nic.vlans |= {int(vid, 0) for vid in args}


def _rss(nic: PyNic, args: list[str]) -> None:
    _require(nic, "rss")
    values = _settings(args)
    types = frozenset(values.get("types", "").split(",")) - {""}
    if types - set(HASH_TYPES):
        raise ValueError(f"unknown hash types: {sorted(types - set(HASH_TYPES))}")
    table = tuple(int(q, 0) for q in values.get("table", "").split(",") if q)
    nic.rss = Rss("rss", types, bytes.fromhex(values.get("key", "")), table,
                  int(values.get("unclassified", "0"), 0), int(values.get("max-tx", str(nic.max_pairs)), 0))


def _announce(nic: PyNic, args: list[str]) -> None:
    values = _settings(args)
    nic.announce = (int(values.get("rounds", "0"), 0), int(values.get("delay", "0"), 0))


def _registers(nic: PyNic, args: list[str]) -> None:
    names = {"generation", "queue-select", "msix-config", "isr"}
    for key, value in _settings(args).items():
        if key not in names:
            raise ValueError(f"unknown register: {key}")
        nic.registers[key] = int(value, 0)


COMMANDS = {
    "device": _device, "offer": _offer, "accept": _accept, "status": _status, "link": _link,
    "queue": _queue, "pairs": _pairs, "rx-mode": _rx_mode, "mac-table": _mac_table, "vlan": _vlan,
    "rss": _rss, "announce": _announce, "registers": _registers,
}


# --- reports ------------------------------------------------------------------------------


def describe_internals(nic: PyNic) -> list[str]:
    """pynic's own view of its state, for humans."""
    rss = "off" if nic.rss is None else f"{nic.rss.mode}, {len(nic.rss.hash_types)} hash types, " \
        f"{len(nic.rss.key)}-byte key, {len(nic.rss.table)}-entry table"
    queues = ", ".join(f"{name}({q.size}, avail {q.next_avail})" for name, q in nic.queues.items() if q.size)
    return [
        f"  queues (dict by name): {queues}",
        f"  mac {nic.mac}; unicast set {list(nic.unicast) or '-'}; multicast set {list(nic.multicast) or '-'}",
        f"  rx modes {sorted(nic.rx_modes) or '-'}; vlans {sorted(nic.vlans) or '-'}; "
        f"pairs {nic.pairs}/{nic.max_pairs}",
        f"  features negotiated: {len(nic.negotiated)} of {len(nic.offered)} offered; rss: {rss}",
    ]
