"""QEMU's virtio device state → the standard state (org.virtio.net, org.virtio.blk) and the QEMU vendor state.

Every value of the parsed section (device.VirtioState) is either copied to a standard
field, transformed into one (the rules are in spec/qemu-virtio.md), put in the QEMU vendor
state (model org.qemu.virtio.net / org.qemu.virtio.blk), or derivable from the standard
state and therefore not carried; the report says which, value by value. Standard fields
QEMU does not save come from ``properties`` (``--property``) or a stated default.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from devstate.qemu.virtio import net as qnet
from devstate.qemu.virtio.blk import BlkDevice
from devstate.qemu.virtio.device import NO_VECTOR, VIRTIO_F_RING_PACKED, VIRTIO_F_VERSION_1, ModernQueue, VirtioState
from devstate.qemu.virtio.errors import QemuCode, QemuStateError
from devstate.qemu.virtio.report import DeviceReport
from devstate.qemu.virtio.schemas import STANDARD, VENDOR
from devstate.state import State

DEVICE_STATUS = {0: "acknowledge", 1: "driver", 2: "driver_ok", 3: "features_ok", 6: "device_needs_reset",
                 7: "failed"}
ISR = {0: "queue_interrupt", 1: "config_change"}
NET_STATUS = {0: "link_up", 1: "announce"}
RX_MODES = ("promisc", "allmulti", "alluni", "nomulti", "nouni", "nobcast")
HASH_TYPES = ("ipv4", "tcpv4", "udpv4", "ipv6", "tcpv6", "udpv6", "ipv6_ex", "tcpv6_ex", "udpv6_ex")
DUPLEX = {0: "half", 1: "full", 0xFF: "unknown"}
F_MTU, F_SPEED_DUPLEX = 3, 63
GUEST_OFFLOADS = (1 << 1) | (1 << 7) | (1 << 8) | (1 << 9) | (1 << 10) | (1 << 54) | (1 << 55)
"""The VIRTIO_NET_F_GUEST_* bits QEMU treats as receive offloads (virtio_net_guest_offloads_by_features)."""
PROPERTIES = {"device-features", "max-queue-pairs", "mtu", "speed", "duplex", "config-generation"}
"""``--property`` names: standard values QEMU's stream does not hold (max-queue-pairs decides a layout)."""


@dataclass
class Extracted:
    """One device translated: the standard state, the QEMU vendor state and the report."""

    section: str
    instance: int
    standard: State
    vendor: State
    report: DeviceReport


def flag_names(value: int, bits: dict[int, str], field: str, section: str) -> list[str]:
    undefined = value & ~sum(1 << bit for bit in bits)
    if undefined:
        raise QemuStateError(QemuCode.UNSUPPORTED, None, f"{section}: {field}",
                             f"{value:#x} has bits {undefined:#x} the standard model does not define")
    return [name for bit, name in sorted(bits.items()) if value >> bit & 1]


def mac(octets: bytes) -> list[int]:
    return list(octets)


class _Translation:
    """The state shared while one device is translated."""

    def __init__(self, section: str, instance: int, state: VirtioState, properties: dict[str, int]) -> None:
        self.section, self.instance, self.q, self.properties = section, instance, state, properties
        self.report = DeviceReport(section, STANDARD[state.kind], "extract")
        self.vendor_virtio: dict[str, Any] = {}

    def offered(self, bit: int) -> bool:
        return bool(self.device_features() >> bit & 1)

    def device_features(self) -> int:
        return self.properties.get("device-features", self.q.guest_features)

    # --- virtio common and queues ---------------------------------------------------------

    def common(self) -> dict[str, Any]:
        q, r = self.q, self.report
        status = flag_names(q.status, DEVICE_STATUS, "virtio.status", self.section)
        r.add("virtio.status", q.status, "standard", "common.status")
        r.add("virtio.isr", q.isr, "standard", "common.isr")
        r.add("virtio.queue_sel", q.queue_sel, "standard", "common.queue_select")
        r.add("virtio.guest_features", q.features_lo, "derived", "common.driver_features[0]", "its low 32 bits")
        if q.features is not None:
            r.add("virtio/64bit_features.guest_features", q.features, "standard", "common.driver_features[0]")
        r.add("virtio.num_queues", len(q.queues), "standard", "common.num_queues")
        modern = q.modern
        if modern is not None:
            r.add("virtio_pci/modern_state.dfselect", modern.dfselect, "standard", "common.device_feature_select")
            r.add("virtio_pci/modern_state.gfselect", modern.gfselect, "standard", "common.driver_feature_select")
            words = modern.guest_features[0] | modern.guest_features[1] << 32
            r.add("virtio_pci/modern_state.guest_features", words, "vendor", "virtio.modern_guest_features")
        config_vector = q.transport.config_vector
        if config_vector is not None:
            r.add("virtio.config_vector", config_vector, "standard", "common.msix_config")
        self._device_features()
        generation = self.properties.get("config-generation", 0)
        r.missing("common.config_generation", generation, "property" if "config-generation" in self.properties
                  else "default", "QEMU does not migrate VirtIODevice.generation (a destination starts at 0)")
        return {
            "status": status, "device_feature_select": modern.dfselect if modern else 0,
            "device_features": [self.device_features(), 0], "driver_feature_select": modern.gfselect if modern else 0,
            "driver_features": [q.guest_features, 0], "config_generation": generation, "queue_select": q.queue_sel,
            "msix_config": NO_VECTOR if config_vector is None else config_vector,
            "isr": flag_names(q.isr, ISR, "virtio.isr", self.section), "num_queues": len(q.queues)}

    def _device_features(self) -> None:
        if "device-features" in self.properties:
            self.report.missing("common.device_features[0]", self.device_features(), "property",
                                "QEMU does not save the features it offers (host_features): --property device-features")
        else:
            self.report.missing("common.device_features[0]", self.device_features(), "derived",
                                "QEMU does not save the features it offers (host_features): the negotiated features, "
                                "a subset of them; give --property device-features=0x... for the exact set")

    def queues(self, in_flight: dict[int, int]) -> list[dict[str, Any]]:
        q, r = self.q, self.report
        if not q.has(VIRTIO_F_VERSION_1) and any(queue.desc for queue in q.queues):
            raise QemuStateError(QemuCode.UNSUPPORTED, None, f"{self.section}: virtio.queues",
                                 "legacy virtio rings (VIRTIO_F_VERSION_1 not negotiated) are not translated")
        out = []
        for index, queue in enumerate(q.queues):
            name, to = f"virtio.queues[{index}]", f"queues[{index}]"
            ring = q.rings[index] if q.rings is not None else (0, 0)
            modern = self._modern(index)
            packed = q.packed[index] if q.packed is not None and q.has(VIRTIO_F_RING_PACKED) else None
            r.add(f"{name}.num", queue.num, "standard", f"{to}.size")
            r.add(f"{name}.desc", queue.desc, "standard", f"{to}.desc_addr")
            if q.rings is not None:
                r.add(f"virtio/virtqueues.vq[{index}].avail", ring[0], "standard", f"{to}.driver_addr")
                r.add(f"virtio/virtqueues.vq[{index}].used", ring[1], "standard", f"{to}.device_addr")
            r.add(f"virtio_pci/modern_state.vqs[{index}].enabled", modern.enabled, "standard", f"{to}.enabled")
            if queue.vector is not None:
                r.add(f"{name}.vector", queue.vector, "standard", f"{to}.msix_vector")
            last_avail = packed.last_avail_idx if packed else queue.last_avail_idx
            used = packed.used_idx if packed else (queue.last_avail_idx - in_flight.get(index, 0)) & 0xFFFF
            r.add(f"{name}.last_avail_idx", queue.last_avail_idx, "standard" if not packed else "derived",
                  f"{to}.last_avail_idx")
            out.append({
                "size": queue.num, "enabled": modern.enabled, "desc_addr": queue.desc, "driver_addr": ring[0],
                "device_addr": ring[1], "last_avail_idx": last_avail, "used_idx": used,
                "msix_vector": NO_VECTOR if queue.vector is None else queue.vector, "notify_off": index,
                "notify_data": 0, "avail_wrap_counter": bool(packed and packed.last_avail_wrap_counter),
                "used_wrap_counter": bool(packed and packed.used_wrap_counter), "reset": False})
        if q.queues:
            r.missing("queues[*].used_idx", "last_avail_idx - requests in flight", "derived",
                      "QEMU keeps used_idx in the used ring in guest memory and reads it from there when loading")
            r.missing("queues[*].notify_off", "the queue index", "derived",
                      "QEMU maps queue n to notification offset n (virtio-pci VIRTIO_PCI_COMMON_Q_NOFF)")
            r.missing("queues[*].notify_data", 0, "default", "QEMU does not offer VIRTIO_F_NOTIF_CONFIG_DATA")
            r.missing("queues[*].reset", False, "default",
                      "QEMU does not migrate a queue reset in progress (VIRTIO_F_RING_RESET); such a queue is saved "
                      "as not enabled")
        self._vendor_rings()
        return out

    def _modern(self, index: int) -> ModernQueue:
        modern = self.q.modern
        if modern is None:
            queue = self.q.queues[index]
            return ModernQueue(queue.num, queue.desc != 0, queue.desc, *self.q.rings[index]) if self.q.rings \
                else ModernQueue(queue.num, queue.desc != 0, queue.desc)
        return modern.queues[index]

    def _vendor_rings(self) -> None:
        """The virtio core subsections and the exceptions of the 1024-entry arrays into the vendor state."""
        q, r, v = self.q, self.report, self.vendor_virtio
        v["device_endian"] = {None: "default", 1: "little", 2: "big"}[q.device_endian]
        v["features_64bit"] = q.features is not None
        v["rings_saved"] = q.rings is not None
        v["extra_state"] = q.extra_state
        v["modern_state"] = q.modern is not None
        v["modern_guest_features"] = (q.modern.guest_features[0] | q.modern.guest_features[1] << 32) if q.modern else 0
        for name in ("started", "broken", "disabled"):
            value = getattr(q, name)
            if value is False:
                raise QemuStateError(QemuCode.BAD_VALUE, None, f"{self.section}: virtio/{name}",
                                     f"QEMU saves virtio/{name} only when it is true")
            v[name] = bool(value)
            if value:
                r.add(f"virtio/{name}.{name}", True, "vendor", f"virtio.{name}")
        if q.device_endian is not None:
            r.add("virtio/device_endian.device_endian", q.device_endian, "vendor", "virtio.device_endian")
        sizes = list(q.ring_sizes or [])
        while sizes and sizes[-1] == 0:
            sizes.pop()
        v["ring_sizes"] = sizes
        if q.ring_sizes is not None:
            r.add("virtio/ringsize.vq[*].num_default", sizes, "vendor", "virtio.ring_sizes")
        v["config_cache"] = q.config
        r.add("virtio.config", q.config, "vendor", "virtio.config_cache",
              f"config_len {len(q.config)}; the configuration space as the guest last read it")
        v["queue_records"] = self._queue_exceptions()
        v["extra_rings"] = self._ring_exceptions()

    def _queue_exceptions(self) -> list[dict[str, Any]]:
        q = self.q
        if q.modern is None:
            return []
        found = []
        for index, record in enumerate(q.modern.queues):
            derived = derived_record(q, index)
            if record != derived:
                found.append({"index": index, "num": record.num, "enabled": record.enabled, "desc": record.desc,
                              "avail": record.avail, "used": record.used})
                self.report.add(f"virtio_pci/modern_state.vqs[{index}]", [record.num, record.desc], "vendor",
                                "virtio.queue_records", "differs from the standard queue's registers")
        self.report.add("virtio_pci/modern_state.vqs[*]", f"{len(q.modern.queues)} records", "derived", "queues[*]",
                        "size, enabled and ring addresses of each queue, zero past the device's queues")
        return found

    def _ring_exceptions(self) -> list[dict[str, Any]]:
        q = self.q
        if q.rings is None:
            return []
        found = [{"index": i, "avail": avail, "used": used} for i, (avail, used) in enumerate(q.rings)
                 if i >= len(q.queues) and (avail or used)]
        for entry in found:
            self.report.add(f"virtio/virtqueues.vq[{entry['index']}]", [entry["avail"], entry["used"]], "vendor",
                            "virtio.extra_rings", "a ring address past the device's queues")
        if len(q.rings) > len(q.queues):
            self.report.add(f"virtio/virtqueues.vq[{len(q.queues)}..1023]", "zero", "derived", "",
                            "queues the device does not have")
        return found

    def pci(self) -> dict[str, Any]:
        t, r = self.q.transport, self.report
        r.add("pci.version_id", t.version_id, "vendor", "pci.version_id")
        r.add("pci.config", t.config, "vendor", "pci.config", "the PCI function's config space (QEMU's proxy)")
        r.add("pci.irq_state", list(t.irq_state), "vendor", "pci.irq_state")
        if t.msix_table:
            r.add("msix.table", t.msix_table, "vendor", "pci.msix_table", f"{t.msix_vectors} vectors")
            r.add("msix.pba", t.msix_pba, "vendor", "pci.msix_pba")
        return {"version_id": t.version_id, "config": t.config, "irq_state": [bool(x) for x in t.irq_state],
                "msix_table": t.msix_table, "msix_pba": t.msix_pba}


def derived_record(q: VirtioState, index: int) -> ModernQueue:
    """The modern queue record devstate writes for queue ``index`` from the standard state."""
    if index >= len(q.queues) or q.modern is None or not q.modern.queues[index].enabled:
        return ModernQueue()
    queue, ring = q.queues[index], q.rings[index] if q.rings else (0, 0)
    return ModernQueue(queue.num, True, queue.desc, ring[0], ring[1])


def _standard_state(model: str, sections: dict[str, Any], vendor: dict[str, Any] | None = None) -> State:
    name, _, version = model.partition("@")
    return {"model": name, "version": version, "sections": sections, "vendor_sections": vendor or {},
            "unknown_sections": []}


# --- virtio-net --------------------------------------------------------------------------


def extract_net(state: VirtioState, section: str, instance: int = 0,
                properties: dict[str, int] | None = None) -> Extracted:
    t = _Translation(section, instance, state, dict(properties or {}))
    dev: qnet.NetDevice = state.device
    sections: dict[str, Any] = {"common": t.common(), "queues": t.queues({})}
    sections["config"] = _net_config(t, dev)
    sections["ctrl"] = _net_ctrl(t, dev)
    sections["mac_filter"] = _mac_filter(t, dev)
    sections["vlan_filter"] = _vlans(t, dev)
    sections["announce"] = {"rounds_remaining": 0, "next_round_delay": 0}
    t.report.missing("announce", "no rounds pending", "default",
                     "QEMU does not migrate its announce timer; the destination announces by its own "
                     "migration parameters (announce-rounds, ...)")
    if t.offered(qnet.F_RSS) or t.offered(qnet.F_HASH_REPORT):
        sections["rss"] = _rss(t, dev)
    vendor = {"pci": t.pci(), "virtio": t.vendor_virtio, "net": _net_private(t, dev)}
    return Extracted(section, instance, _standard_state(STANDARD["virtio-net"], sections),
                     _standard_state(VENDOR["virtio-net"], vendor), t.report)


def _net_config(t: _Translation, dev: qnet.NetDevice) -> dict[str, Any]:
    r, config = t.report, t.q.config
    r.add("virtio-net.mac", dev.mac, "standard", "config.mac")
    r.add("virtio-net.status", dev.status, "standard", "config.status")
    pairs = dev.max_queue_pairs or 1
    mq = t.offered(qnet.F_MQ) or t.offered(qnet.F_RSS)
    if dev.max_queue_pairs is not None:
        r.add("virtio-net.max_queue_pairs", dev.max_queue_pairs, "transformed" if mq else "vendor",
              "config.max_virtqueue_pairs" if mq else "net.max_queue_pairs",
              "" if mq else "VIRTIO_NET_F_MQ not offered: the standard field is 1")
    values = {
        "mac": mac(dev.mac), "status": flag_names(dev.status, NET_STATUS, "virtio-net.status", t.section),
        "max_virtqueue_pairs": pairs if mq else 1,
        "mtu": _config_field(t, "mtu", F_MTU, config, 10, 2),
        "speed": _config_field(t, "speed", F_SPEED_DUPLEX, config, 12, 4),
        "duplex": DUPLEX.get(_config_field(t, "duplex", F_SPEED_DUPLEX, config, 16, 1), "unknown"),
        "rss_max_key_size": qnet.RSS_MAX_KEY_SIZE if t.offered(qnet.F_RSS) else 0,
        "rss_max_indirection_table_length": qnet.RSS_MAX_TABLE_LEN if t.offered(qnet.F_RSS) else 0,
        "supported_hash_types": flag_names(
            _config_field(t, "supported_hash_types", -1, config, 20, 4) & 0x1FF, dict(enumerate(HASH_TYPES)),
            "supported_hash_types", t.section)}
    if t.offered(qnet.F_RSS):
        r.missing("config.rss_max_key_size", 40, "derived", "QEMU's VIRTIO_NET_RSS_MAX_KEY_SIZE")
        r.missing("config.rss_max_indirection_table_length", 128, "derived", "QEMU's VIRTIO_NET_RSS_MAX_TABLE_LEN")
    return values


def _config_field(t: _Translation, name: str, feature: int, config: bytes, offset: int, size: int) -> int:
    """A config-space field: from --property, else from QEMU's config cache when its feature is offered, else 0."""
    offered = t.offered(feature) if feature >= 0 else t.offered(qnet.F_RSS) or t.offered(qnet.F_HASH_REPORT)
    if name in t.properties:
        t.report.missing(f"config.{name}", t.properties[name], "property", f"--property {name}")
        return t.properties[name]
    if not offered:
        return 0
    if len(config) < offset + size:
        t.report.missing(f"config.{name}", 0, "default",
                         f"the feature is offered but QEMU's config cache has {len(config)} bytes")
        return 0
    value = int.from_bytes(config[offset:offset + size], "little")
    t.report.add(f"virtio.config[{offset}:{offset + size}]", value, "transformed", f"config.{name}",
                 "from QEMU's config cache (what the guest last read)")
    return value


def _net_ctrl(t: _Translation, dev: qnet.NetDevice) -> dict[str, Any]:
    r, q = t.report, t.q
    modes = {name: getattr(dev, name) for name in RX_MODES}
    for name, value in modes.items():
        r.add(f"virtio-net.{name}", value, "transformed", "ctrl.rx_mode", f"bit {name}")
    if dev.curr_queue_pairs is not None:
        r.add("virtio-net.curr_queue_pairs", dev.curr_queue_pairs, "standard", "ctrl.curr_queue_pairs")
    disabled = 0
    if dev.curr_guest_offloads is not None:
        negotiated = q.guest_features & GUEST_OFFLOADS
        if dev.curr_guest_offloads & ~negotiated:
            raise QemuStateError(QemuCode.INCONSISTENT, None, f"{t.section}: virtio-net.curr_guest_offloads",
                                 f"{dev.curr_guest_offloads:#x} enables offloads that were not negotiated "
                                 f"({negotiated:#x})")
        disabled = negotiated & ~dev.curr_guest_offloads
        r.add("virtio-net.curr_guest_offloads", dev.curr_guest_offloads, "transformed", "ctrl.guest_offloads_disabled",
              f"negotiated receive offloads {negotiated:#x} minus these = {disabled:#x}")
    return {"curr_queue_pairs": dev.curr_queue_pairs or 1,
            "rx_mode": [name for name in RX_MODES if modes[name]], "guest_offloads_disabled": disabled}


def _mac_filter(t: _Translation, dev: qnet.NetDevice) -> dict[str, Any]:
    r = t.report
    unicast = [m for m in dev.macs if not m[0] & 1]
    multicast = [m for m in dev.macs if m[0] & 1]
    for index, entry in enumerate(dev.macs):
        kind = "multicast" if entry[0] & 1 else "unicast"
        r.add(f"virtio-net.mac_table.macs[{index}]", entry, "transformed", f"mac_filter.{kind}",
              "split by the multicast bit, as QEMU's loader splits it (first_multi)")
    r.add("virtio-net.mac_table.in_use", len(dev.macs), "derived", "mac_filter", "the two tables' lengths")
    r.add("virtio-net.mac_table.uni_overflow", dev.uni_overflow, "standard", "mac_filter.unicast_overflow")
    r.add("virtio-net.mac_table.multi_overflow", dev.multi_overflow, "standard", "mac_filter.multicast_overflow")
    return {"unicast_overflow": bool(dev.uni_overflow), "multicast_overflow": bool(dev.multi_overflow),
            "unicast": [mac(m) for m in unicast], "multicast": [mac(m) for m in multicast]}


def _vlans(t: _Translation, dev: qnet.NetDevice) -> list[int]:
    words = dev.vlan_words()
    count = sum(bin(word).count("1") for word in words)
    if t.q.has(qnet.F_CTRL_VLAN):
        note = "VIRTIO_NET_F_CTRL_VLAN negotiated: the table as saved"
        if count == qnet.MAX_VLAN:
            note += ("; every VLAN id is set (QEMU 8.1 and later keep the all-ones table they start from, so the "
                     "guest's own VLAN ids are not recoverable: every VLAN is accepted)")
        t.report.add("virtio-net.vlans", f"{count} VLAN ids", "standard", "vlan_filter", note)
        return words
    t.report.add("virtio-net.vlans", f"{count} VLAN ids", "transformed", "vlan_filter",
                 "VIRTIO_NET_F_CTRL_VLAN not negotiated: no VLAN filtering, which the standard writes as all zero "
                 "(QEMU accepts every VLAN with an all-ones table)")
    return [0] * (qnet.MAX_VLAN // 32)


def _rss(t: _Translation, dev: qnet.NetDevice) -> dict[str, Any]:
    r, rss = t.report, dev.rss
    if rss is None or not rss.enabled:
        return {"mode": "disabled", "hash_types": [], "unclassified_queue": 0, "max_tx_vq": 0, "hash_key": b"",
                "indirection_table": []}
    mode = "rss" if rss.redirect else "hash_report"
    name = "virtio-net-device/rss"
    r.add(f"{name}.enabled", True, "transformed", "rss.mode", f"with redirect {str(rss.redirect).lower()}: {mode}")
    r.add(f"{name}.redirect", rss.redirect, "transformed", "rss.mode")
    r.add(f"{name}.populate_hash", rss.populate_hash, "vendor", "net.rss_populate_hash")
    r.add(f"{name}.hash_types", rss.hash_types, "standard", "rss.hash_types")
    r.add(f"{name}.default_queue", rss.default_queue, "standard", "rss.unclassified_queue")
    r.add(f"{name}.key", rss.key, "standard", "rss.hash_key", "QEMU keeps 40 bytes, not the length the driver gave")
    r.add(f"{name}.indirections_table", rss.indirections, "standard" if mode == "rss" else "dropped",
          "rss.indirection_table")
    r.missing("rss.max_tx_vq", dev.curr_queue_pairs or 1, "derived",
              "QEMU applies max_tx_vq as curr_queue_pairs and does not keep it")
    return {"mode": mode, "hash_types": flag_names(rss.hash_types & 0x1FF, dict(enumerate(HASH_TYPES)),
                                                       "virtio-net-device/rss.hash_types", t.section),
            "unclassified_queue": rss.default_queue, "max_tx_vq": (dev.curr_queue_pairs or 1) if mode == "rss" else 0,
            "hash_key": rss.key, "indirection_table": rss.indirections if mode == "rss" else []}


def _net_private(t: _Translation, dev: qnet.NetDevice) -> dict[str, Any]:
    r = t.report
    r.add("virtio-net.mergeable_rx_bufs", dev.mergeable_rx_bufs, "vendor", "net.mergeable_rx_bufs")
    r.add("virtio-net.has_vnet_hdr", dev.has_vnet_hdr, "vendor", "net.has_vnet_hdr", "the back end's vnet headers")
    r.add("virtio-net.has_ufo", dev.has_ufo, "vendor", "net.has_ufo")
    for pair, waiting in enumerate(dev.tx_waiting):
        r.add(f"virtio-net.vqs[{pair}].tx_waiting", waiting, "vendor", f"net.tx_waiting[{pair}]")
    vlans = b"" if bytes(derived_vlans(t.q, _vlans_quiet(t, dev))) == dev.vlans else dev.vlans
    canonical = [m for m in dev.macs if not m[0] & 1] + [m for m in dev.macs if m[0] & 1]
    return {"mergeable_rx_bufs": bool(dev.mergeable_rx_bufs), "has_vnet_hdr": bool(dev.has_vnet_hdr),
            "has_ufo": bool(dev.has_ufo), "tx_waiting": dev.tx_waiting,
            "queue_pairs_saved": dev.max_queue_pairs is not None, "max_queue_pairs": dev.max_queue_pairs or 1,
            "vlans": vlans, "mac_table": [] if canonical == dev.macs else [mac(m) for m in dev.macs],
            "rss_populate_hash": bool(dev.rss and dev.rss.populate_hash)}


def _vlans_quiet(t: _Translation, dev: qnet.NetDevice) -> list[int]:
    return dev.vlan_words() if t.q.has(qnet.F_CTRL_VLAN) else [0] * (qnet.MAX_VLAN // 32)


def derived_vlans(q: VirtioState, words: list[int]) -> bytes:
    """QEMU's VLAN bitmap for the standard vlan_filter ``words``: the table, or all ones without CTRL_VLAN."""
    if not q.has(qnet.F_CTRL_VLAN):
        return b"\xff" * (qnet.MAX_VLAN // 8)
    return b"".join(word.to_bytes(4, "little") for word in words)


# --- virtio-blk --------------------------------------------------------------------------


def extract_blk(state: VirtioState, section: str, instance: int = 0,
                properties: dict[str, int] | None = None) -> Extracted:
    t = _Translation(section, instance, state, dict(properties or {}))
    dev: BlkDevice = state.device
    if dev.requests:
        raise QemuStateError(QemuCode.UNSUPPORTED, None, f"{section}: virtio-blk.requests",
                             f"{len(dev.requests)} requests in flight: QEMU saves their ring elements but not the "
                             "request type and sector the standard inflight list names (they are in guest memory)")
    sections: dict[str, Any] = {"common": t.common(), "queues": t.queues({})}
    sections["config"] = _blk_config(t)
    sections["inflight"] = []
    t.report.add("virtio-blk.requests", "none", "standard", "inflight", "the request list is empty")
    vendor = {"pci": t.pci(), "virtio": t.vendor_virtio}
    return Extracted(section, instance, _standard_state(STANDARD["virtio-blk"], sections),
                     _standard_state(VENDOR["virtio-blk"], vendor), t.report)


BLK_CONFIG = (
    ("capacity", 0, 8), ("size_max", 8, 4), ("seg_max", 12, 4), ("geometry.cylinders", 16, 2),
    ("geometry.heads", 18, 1), ("geometry.sectors", 19, 1), ("blk_size", 20, 4),
    ("topology.physical_block_exp", 24, 1), ("topology.alignment_offset", 25, 1), ("topology.min_io_size", 26, 2),
    ("topology.opt_io_size", 28, 4), ("writeback", 32, 1), ("num_queues", 34, 2), ("max_discard_sectors", 36, 4),
    ("max_discard_seg", 40, 4), ("discard_sector_alignment", 44, 4), ("max_write_zeroes_sectors", 48, 4),
    ("max_write_zeroes_seg", 52, 4), ("write_zeroes_may_unmap", 56, 1), ("max_secure_erase_sectors", 60, 4),
    ("max_secure_erase_seg", 64, 4), ("secure_erase_sector_alignment", 68, 4),
)
"""struct virtio_blk_config: standard field, offset, size (little-endian for virtio 1.0 devices)."""


def _blk_config(t: _Translation) -> dict[str, Any]:
    config = t.q.config
    values: dict[str, Any] = {"geometry": {}, "topology": {}}
    for name, offset, size in BLK_CONFIG:
        present = len(config) >= offset + size
        value = int.from_bytes(config[offset:offset + size], "little") if present else 0
        if name == "num_queues":
            value = value or len(t.q.queues)
        head, _, rest = name.partition(".")
        if rest:
            values[head][rest] = value
        else:
            values[name] = value
        if present:
            t.report.add(f"virtio.config[{offset}:{offset + size}]", value, "transformed", f"config.{name}",
                         "from QEMU's config cache (what the guest last read)")
        else:
            t.report.missing(f"config.{name}", 0, "default", f"past QEMU's config_len {len(config)}")
    values["writeback"] = "writeback" if values["writeback"] else "writethrough"
    values["write_zeroes_may_unmap"] = bool(values["write_zeroes_may_unmap"])
    values["serial"] = ""
    t.report.missing("config.serial", "", "default",
                     "the VIRTIO_BLK_T_GET_ID string is a device property (serial=) QEMU does not save")
    return values


def extract(state: VirtioState, section: str, instance: int = 0,
            properties: dict[str, int] | None = None) -> Extracted:
    """The standard and vendor states of one parsed device section."""
    if state.kind == "virtio-net":
        return extract_net(state, section, instance, properties)
    return extract_blk(state, section, instance, properties)
