"""pynic <-> the standard org.virtio.net state, through the generated Python codec.

pynic imports only ``devstate_codecs`` (generated from the standard schemas, standard
library only), never the devstate toolkit. Which schema version it speaks is chosen when
the device starts: ``codec("1.0")`` or ``codec("1.1")``.
"""

from __future__ import annotations

import dataclasses
import importlib
from types import ModuleType
from typing import Any

from vendor_b.device import FEATURES, HASH_TYPES, RX_MODES, STATUS, PyNic, Queue, Rss

BITS = {bit: name for name, bit in FEATURES.items()}
RSS_MODES = {"off": "DISABLED", "rss": "RSS", "hash-report": "HASH_REPORT"}


class Refused(Exception):
    """The state cannot be hosted by this device; nothing was loaded."""


def codec(version: str) -> ModuleType:
    return importlib.import_module(f"devstate_codecs.org_virtio_net_v{version.replace('.', '_')}")


def _make(net: ModuleType, cls: type, **values: Any) -> Any:
    """``cls(**values)``, where a field this schema version lacks must hold its zero value."""
    known = {f.name for f in dataclasses.fields(cls)}
    lost = {k: v for k, v in values.items() if k not in known and v}
    if lost:
        raise Refused(f"org.virtio.net@{net.VERSION} has no field for {sorted(lost)}")
    return cls(**{k: v for k, v in values.items() if k in known})


def _flags(flag_type: Any, names: set[str] | frozenset[str]) -> Any:
    value = flag_type(0)
    for name in names:
        value |= flag_type[name.replace("-", "_").upper()]
    return value


def _names(value: int, names: tuple[str, ...]) -> set[str]:
    return {name for bit, name in enumerate(names) if value >> bit & 1}


def _mac_bytes(text: str) -> list[int]:
    return [int(part, 16) for part in text.split(":")]


def _mac_text(octets: list[int]) -> str:
    return ":".join(f"{b:02x}" for b in octets)


def _feature_words(names: set[str]) -> list[int]:
    value = sum(1 << FEATURES[name] for name in names)
    return [value & (1 << 64) - 1, value >> 64]


def _feature_names(words: list[int]) -> set[str]:
    value = words[0] | words[1] << 64
    return {BITS.get(bit, f"bit{bit}") for bit in range(128) if value >> bit & 1}


# --- save: pynic -> standard state --------------------------------------------------------


def to_codec(nic: PyNic, net: ModuleType) -> Any:
    state = net.State(common=_common(nic, net), queues=[_queue(net, nic.queues[n]) for n in nic.queue_names()],
                      config=_config(nic, net), ctrl=_ctrl(nic, net), mac_filter=_mac_filter(nic, net),
                      vlan_filter=_vlan_words(nic.vlans), announce=net.AnnounceState(*nic.announce))
    if "rss" in nic.offered:
        if not hasattr(net, "RssState"):
            raise Refused(f"org.virtio.net@{net.VERSION} cannot carry RSS state")
        state.rss = _rss_state(nic.rss or Rss("off"), net)
    return state


def _common(nic: PyNic, net: ModuleType) -> Any:
    r = nic.registers
    return net.VirtioCommon(
        status=_flags(net.DeviceStatus, nic.status), device_feature_select=r.get("device-feature-select", 0),
        device_features=_feature_words(nic.offered), driver_feature_select=r.get("driver-feature-select", 0),
        driver_features=_feature_words(nic.negotiated), config_generation=r.get("generation", 0),
        queue_select=r.get("queue-select", 0), msix_config=r["msix-config"],
        isr=net.IsrStatus(r.get("isr", 0)), num_queues=len(nic.queue_names()))


def _queue(net: ModuleType, q: Queue) -> Any:
    return net.Virtqueue(size=q.size, enabled=q.enabled, desc_addr=q.areas[0], driver_addr=q.areas[1],
                         device_addr=q.areas[2], last_avail_idx=q.next_avail, used_idx=q.used,
                         msix_vector=q.vector, notify_off=q.notify[0], notify_data=q.notify[1])


def _config(nic: PyNic, net: ModuleType) -> Any:
    status = {name for name, on in (("link_up", nic.link_up), ("announce", nic.announce_flag)) if on}
    values: dict[str, Any] = {
        "mac": _mac_bytes(nic.mac), "status": _flags(net.NetStatus, status), "max_virtqueue_pairs": nic.max_pairs,
        "mtu": nic.mtu if "mtu" in nic.offered else 0}
    if "speed-duplex" in nic.offered:
        values.update(speed=nic.speed, duplex=net.Duplex[nic.duplex.upper()])
    if "rss" in nic.offered:
        values.update(rss_max_key_size=40, rss_max_indirection_table_length=128,
                      supported_hash_types=_flags(net.HashTypes, set(HASH_TYPES)))
    return _make(net, net.NetConfig, **values)


def _ctrl(nic: PyNic, net: ModuleType) -> Any:
    return _make(net, net.NetCtrl, curr_queue_pairs=nic.pairs, rx_mode=_flags(net.RxMode, nic.rx_modes),
                 guest_offloads_disabled=nic.offloads_off)


def _mac_filter(nic: PyNic, net: ModuleType) -> Any:
    return net.MacFilter(unicast_overflow="unicast" in nic.overflow, multicast_overflow="multicast" in nic.overflow,
                         unicast=[_mac_bytes(m) for m in nic.unicast],
                         multicast=[_mac_bytes(m) for m in nic.multicast])


def _vlan_words(vlans: set[int]) -> list[int]:
    words = [0] * 128
    for vid in vlans:
        words[vid // 32] |= 1 << vid % 32
    return words


def _rss_state(rss: Rss, net: ModuleType) -> Any:
    return net.RssState(mode=net.RssMode[RSS_MODES[rss.mode]], hash_types=_flags(net.HashTypes, rss.hash_types),
                        unclassified_queue=rss.unclassified, max_tx_vq=rss.max_tx, hash_key=rss.key,
                        indirection_table=list(rss.table))


# --- load: standard state -> pynic --------------------------------------------------------


def check_capabilities(state: Any, max_pairs: int) -> None:
    """Refuse, before anything changes, state this device cannot host."""
    pairs = state.config.max_virtqueue_pairs
    if not 1 <= pairs <= max_pairs:
        raise Refused(f"{pairs} queue pairs: pynic hosts 1..{max_pairs}")
    unknown = sorted(name for name in _feature_names(state.common.device_features) if name not in FEATURES)
    if unknown:
        raise Refused(f"feature bits pynic does not implement: {', '.join(unknown)}")
    cvq = _feature_names(state.common.driver_features) & _feature_names(state.common.device_features)
    if len(state.queues) != 2 * pairs + ("ctrl-vq" in cvq):
        raise Refused("the queue count does not match max_virtqueue_pairs and the control queue")


def from_codec(state: Any) -> PyNic:
    nic = PyNic(offered=_feature_names(state.common.device_features),
                negotiated=_feature_names(state.common.driver_features) & _feature_names(state.common.device_features))
    _load_common(nic, state.common)
    _load_config(nic, state.config)
    nic.queues = {name: _load_queue(q) for name, q in zip(nic.queue_names(), state.queues, strict=True)}
    _load_ctrl(nic, state)
    rss = getattr(state, "rss", None)
    if rss is not None and rss.mode != 0:
        mode = {v: k for k, v in RSS_MODES.items()}[rss.mode.name]
        nic.rss = Rss(mode, frozenset(_names(rss.hash_types, HASH_TYPES)), bytes(rss.hash_key),
                      tuple(rss.indirection_table), rss.unclassified_queue, rss.max_tx_vq)
    return nic


def _load_common(nic: PyNic, common: Any) -> None:
    nic.status = _names(common.status, STATUS)
    nic.registers = {"device-feature-select": common.device_feature_select,
                     "driver-feature-select": common.driver_feature_select, "generation": common.config_generation,
                     "queue-select": common.queue_select, "msix-config": common.msix_config, "isr": int(common.isr)}


def _load_config(nic: PyNic, config: Any) -> None:
    nic.mac, nic.max_pairs = _mac_text(config.mac), config.max_virtqueue_pairs
    nic.link_up, nic.announce_flag = bool(config.status & 1), bool(config.status & 2)
    nic.mtu = config.mtu or nic.mtu
    nic.speed = getattr(config, "speed", 0)
    duplex = getattr(config, "duplex", None)
    nic.duplex = "half" if duplex is None else duplex.name.lower()


def _load_queue(q: Any) -> Queue:
    return Queue(q.size, q.enabled, (q.desc_addr, q.driver_addr, q.device_addr), q.last_avail_idx, q.used_idx,
                 q.msix_vector, (q.notify_off, q.notify_data))


def _load_ctrl(nic: PyNic, state: Any) -> None:
    nic.pairs, nic.rx_modes = state.ctrl.curr_queue_pairs, _names(state.ctrl.rx_mode, RX_MODES)
    nic.offloads_off = getattr(state.ctrl, "guest_offloads_disabled", 0)
    nic.unicast = dict.fromkeys(_mac_text(m) for m in state.mac_filter.unicast)
    nic.multicast = dict.fromkeys(_mac_text(m) for m in state.mac_filter.multicast)
    nic.overflow = {kind for kind in ("unicast", "multicast") if getattr(state.mac_filter, f"{kind}_overflow")}
    nic.vlans = {w * 32 + b for w, word in enumerate(state.vlan_filter) for b in range(32) if word >> b & 1}
    nic.announce = (state.announce.rounds_remaining, state.announce.next_round_delay)


def skipped_sections(state: Any) -> list[str]:
    """What pynic skips in a loaded state, one line each: the opaque implementation-private
    vendor section (pynic keeps no private state) and every unknown optional section."""
    found = []
    vendor = getattr(state.vendor_sections, "impl_private", None)
    if vendor is not None:
        found.append(f"optional vendor section pci:0x1af4 #1 impl_private ({len(vendor)} bytes, another "
                     "implementation's private state)")
    for section in state.unknown_sections:
        where = f"vendor section {section.vendor} #{section.id}" if section.vendor else f"section #{section.id}"
        found.append(f"optional {where} ({len(section.payload)} bytes, unknown to "
                     f"org.virtio.net@{state_version(state)})")
    return found


def state_version(state: Any) -> str:
    return str(importlib.import_module(type(state).__module__).VERSION)
