"""Standard state (+ the QEMU vendor state, when present) → a QEMU device section, checked against the target.

``inject`` builds a new device.VirtioState for the device ``target`` (parsed from the
stream being injected into) from a standard state of org.virtio.net@1.1 or
org.virtio.blk@1.2. The split (spec/qemu-virtio.md, "From standard state to QEMU"):

- every standard field goes where extract took it from, through the inverse transform;
- QEMU state the standard has no field for comes from the QEMU vendor state when the
  source was QEMU (the blob's impl_private section holds an org.qemu.* blob), otherwise
  from the target: the PCI function, the back-end flags (vnet headers, UFO), the
  configuration-space cache (else rebuilt from the standard config), which subsections
  the device saves - as a VMM keeps the PCI function of a passed-through device;
- what the target device cannot hold is refused with ``CannotRepresent`` naming the
  standard field, before anything is written: feature bits the device cannot offer
  (its configuration size, its back end, ``--property device-features``), more queue
  pairs or MSI-X vectors than it has, a MAC table over QEMU's 64 entries, requests in
  flight, notification layouts QEMU does not use, another disk capacity.
"""

from __future__ import annotations

from typing import Any

from devstate.qemu.virtio import net as qnet
from devstate.qemu.virtio.blk import BlkDevice
from devstate.qemu.virtio.device import (
    NO_VECTOR,
    VIRTIO_F_RING_PACKED,
    VIRTIO_QUEUE_MAX,
    VIRTQUEUE_MAX_SIZE,
    ModernQueue,
    PackedQueue,
    PciModern,
    PciTransport,
    Queue,
    VirtioState,
)
from devstate.qemu.virtio.errors import CannotRepresent
from devstate.qemu.virtio.report import DeviceReport
from devstate.qemu.virtio.schemas import STANDARD
from devstate.qemu.virtio.to_standard import (
    BLK_CONFIG,
    DEVICE_STATUS,
    DUPLEX,
    GUEST_OFFLOADS,
    HASH_TYPES,
    ISR,
    NET_STATUS,
    derived_vlans,
)
from devstate.state import State

F_CTRL_GUEST_OFFLOADS, F_MTU, F_MRG_RXBUF, F_SPEED_DUPLEX = 2, 3, 15, 63
NEEDS_VNET_HDR = {0: "CSUM", 1: "GUEST_CSUM", 7: "GUEST_TSO4", 8: "GUEST_TSO6", 9: "GUEST_ECN", 10: "GUEST_UFO",
                  11: "HOST_TSO4", 12: "HOST_TSO6", 13: "HOST_ECN", 14: "HOST_UFO", 57: "HASH_REPORT"}
"""Features QEMU does not offer when the back end has no virtio-net headers (virtio_net_get_features)."""
CONFIG_FEATURES = ((3, "MTU", 12), (63, "SPEED_DUPLEX", 17), (60, "RSS", 24), (57, "HASH_REPORT", 24),
                   (22, "MQ", 10))
"""virtio-net features that extend the configuration space, and the config_len they need (feature_sizes)."""


def bits(names: list[str], table: dict[int, str]) -> int:
    by_name = {name: bit for bit, name in table.items()}
    return sum(1 << by_name[name] for name in names)


class _Injection:
    """The values shared while one device is written."""

    def __init__(self, standard: State, vendor: State | None, target: VirtioState, section: str,
                 properties: dict[str, int]) -> None:
        self.s = standard["sections"]
        self.v = vendor["sections"] if vendor else None
        self.target, self.section, self.properties = target, section, properties
        self.report = DeviceReport(section, STANDARD[target.kind], "inject")
        common = self.s["common"]
        if common["driver_features"][1]:
            raise CannotRepresent("common.driver_features[1]",
                                  f"{common['driver_features'][1]:#x}: QEMU has feature bits 0-63 only")
        self.features: int = common["driver_features"][0]

    def has(self, bit: int) -> bool:
        return bool(self.features >> bit & 1)

    def vendor(self, section: str, name: str) -> Any:
        return None if self.v is None else self.v[section][name]

    # --- the transport and the virtio core --------------------------------------------------

    def transport(self) -> PciTransport:
        pci = self.v["pci"] if self.v else None
        if pci is None:
            t = self.target.transport
            transport = PciTransport(t.version_id, t.config, t.irq_state, t.msix_table, t.msix_pba, t.config_vector)
            self.report.add("pci", "the target's", "stream", "pci.*", "no QEMU vendor section: the VM's own PCI "
                            "function (config space, interrupt pins, MSI-X table and PBA)")
        else:
            irq = tuple(int(level) for level in pci["irq_state"])
            transport = PciTransport(pci["version_id"], bytes(pci["config"]), (irq[0], irq[1], irq[2], irq[3]),
                                     bytes(pci["msix_table"]), bytes(pci["msix_pba"]))
            self.report.add("pci", "the source's", "vendor", "pci.*", "config space, interrupt pins, MSI-X table "
                            "and PBA from the QEMU vendor section")
        msix = self.s["common"]["msix_config"]
        if transport.msix_table:
            self._check_vector("common.msix_config", msix, transport.msix_vectors)
            transport.config_vector = msix
            self.report.add("virtio.config_vector", msix, "standard", "common.msix_config")
        return transport

    def _check_vector(self, field: str, vector: int, vectors: int) -> None:
        if vector != NO_VECTOR and vector >= vectors:
            raise CannotRepresent(field, f"vector {vector}: the device's MSI-X table has {vectors} vectors")

    def queues(self, transport: PciTransport, in_flight: dict[int, int]) -> tuple[list[Queue], list[dict[str, Any]]]:
        standard = self.s["queues"]
        if len(standard) != self.s["common"]["num_queues"]:
            raise CannotRepresent("common.num_queues", f"{self.s['common']['num_queues']} but the queues section "
                                                       f"has {len(standard)}")
        if len(standard) > VIRTIO_QUEUE_MAX:
            raise CannotRepresent("queues", f"{len(standard)} queues; QEMU has {VIRTIO_QUEUE_MAX}")
        out = []
        for index, q in enumerate(standard):
            where = f"queues[{index}]"
            self._check_queue(where, index, q, in_flight.get(index, 0))
            vector = q["msix_vector"] if transport.msix_table else None
            if vector is not None:
                self._check_vector(f"{where}.msix_vector", vector, transport.msix_vectors)
            out.append(Queue(q["size"], q["desc_addr"], q["last_avail_idx"], vector))
        self.report.add("virtio.queues", f"{len(out)} queues", "standard", "queues[*]",
                        "size, ring addresses, last_avail_idx, vectors")
        return out, standard

    def _check_queue(self, where: str, index: int, q: dict[str, Any], in_flight: int) -> None:
        if not 1 <= q["size"] <= VIRTQUEUE_MAX_SIZE:
            raise CannotRepresent(f"{where}.size", f"{q['size']}: QEMU saves queues of 1..{VIRTQUEUE_MAX_SIZE} "
                                                   "descriptors, every queue before the last existing one")
        if q["notify_off"] != index:
            raise CannotRepresent(f"{where}.notify_off", f"{q['notify_off']}: QEMU's virtio-pci maps queue {index} "
                                                         f"to notification offset {index}")
        if q["notify_data"]:
            raise CannotRepresent(f"{where}.notify_data", "QEMU does not offer VIRTIO_F_NOTIF_CONFIG_DATA")
        if q["reset"]:
            raise CannotRepresent(f"{where}.reset", "QEMU does not migrate a queue reset in progress")
        if (q["avail_wrap_counter"] or q["used_wrap_counter"]) and not self.has(VIRTIO_F_RING_PACKED):
            raise CannotRepresent(f"{where}.avail_wrap_counter", "wrap counters of a split virtqueue")
        if q["desc_addr"] == 0 and q["last_avail_idx"]:
            raise CannotRepresent(f"{where}.last_avail_idx", "an index with no ring: QEMU's loader refuses it")
        if not self.has(VIRTIO_F_RING_PACKED) and (q["last_avail_idx"] - q["used_idx"]) & 0xFFFF != in_flight:
            raise CannotRepresent(f"{where}.used_idx", f"{q['used_idx']} with last_avail_idx {q['last_avail_idx']}: "
                                  "requests in flight that QEMU cannot take over (it reads used_idx from the used "
                                  "ring in guest memory)")

    def core(self, state: VirtioState, standard_queues: list[dict[str, Any]]) -> None:
        """The virtio subsections and the proxy's modern registers."""
        t, r = self.target, self.report
        core = self.v["virtio"] if self.v else None
        state.features = self.features if (core["features_64bit"] if core else t.features is not None) else None
        if state.features is None and self.features >> 32:
            raise CannotRepresent("common.driver_features[0]", f"{self.features:#x} has bits above 31 and the device "
                                  "does not offer any (it saves no 64-bit features)")
        rings = core["rings_saved"] if core else t.rings is not None
        if rings:
            state.rings = [(q["driver_addr"], q["device_addr"]) for q in standard_queues]
            state.rings += [(0, 0)] * (VIRTIO_QUEUE_MAX - len(state.rings))
            for entry in core["extra_rings"] if core else []:
                state.rings[entry["index"]] = (entry["avail"], entry["used"])
        if self.has(VIRTIO_F_RING_PACKED):
            state.packed = [PackedQueue() for _ in range(VIRTIO_QUEUE_MAX)]
            for index, q in enumerate(standard_queues):
                state.packed[index] = PackedQueue(q["last_avail_idx"], q["avail_wrap_counter"], q["used_idx"],
                                                  q["used_wrap_counter"], 0)
        if core:
            state.device_endian = {"default": None, "little": 1, "big": 2}[core["device_endian"]]
            state.broken = True if core["broken"] else None
            state.started = True if core["started"] else None
            state.disabled = True if core["disabled"] else None
            sizes = list(core["ring_sizes"])
            state.ring_sizes = sizes + [0] * (VIRTIO_QUEUE_MAX - len(sizes)) if sizes else None
            state.extra_state = core["extra_state"]
            r.add("virtio subsections", "the source's", "vendor", "virtio.*",
                  "device_endian, started, broken, disabled, ringsize from the QEMU vendor section")
        else:
            state.device_endian, state.broken, state.disabled = t.device_endian, t.broken, t.disabled
            state.started = True if self.s["common"]["status"] and "driver_ok" in self.s["common"]["status"] \
                else None
            state.ring_sizes, state.extra_state = t.ring_sizes, t.extra_state
            r.add("virtio subsections", "derived", "derived", "virtio/*",
                  "started from DRIVER_OK; endian, broken, disabled, ringsize and extra_state as the target's")
        self._modern(state, standard_queues, core)

    def _modern(self, state: VirtioState, standard_queues: list[dict[str, Any]], core: Any) -> None:
        saved = core["modern_state"] if core else self.target.modern is not None
        if not saved:
            return
        common = self.s["common"]
        guest = core["modern_guest_features"] if core else self.features
        modern = PciModern(common["device_feature_select"], common["driver_feature_select"],
                           (guest & 0xFFFFFFFF, guest >> 32), [ModernQueue() for _ in range(VIRTIO_QUEUE_MAX)])
        for index, q in enumerate(standard_queues):
            if q["enabled"]:
                modern.queues[index] = ModernQueue(q["size"], True, q["desc_addr"], q["driver_addr"], q["device_addr"])
        for record in core["queue_records"] if core else []:
            modern.queues[record["index"]] = ModernQueue(record["num"], record["enabled"], record["desc"],
                                                         record["avail"], record["used"])
        state.modern = modern

    def config_cache(self, rebuilt: bytes) -> bytes:
        cache = self.vendor("virtio", "config_cache")
        if cache is not None:
            self.report.add("virtio.config", bytes(cache), "vendor", "virtio.config_cache")
            return bytes(cache)
        size = len(self.target.config)
        self.report.add("virtio.config", rebuilt[:size], "derived", "config",
                        f"the standard config's fields in use over the target's own, its config_len {size}")
        return rebuilt[:size].ljust(size, b"\0")


def _common(inj: _Injection, transport: PciTransport, queues: list[Queue], config: bytes, device: Any) -> VirtioState:
    common = inj.s["common"]
    state = VirtioState(inj.target.kind, transport, bits(common["status"], DEVICE_STATUS), bits(common["isr"], ISR),
                        common["queue_select"], inj.features & 0xFFFFFFFF, config, queues, device)
    if state.queue_sel >= VIRTIO_QUEUE_MAX:
        raise CannotRepresent("common.queue_select", f"{state.queue_sel}: QEMU has {VIRTIO_QUEUE_MAX} queues")
    inj.report.add("virtio.status", state.status, "standard", "common.status")
    inj.report.add("virtio.guest_features", inj.features, "standard", "common.driver_features[0]")
    return state


def _check_features(inj: _Injection, extra: dict[int, str], reason: str = "") -> None:
    """Refuse negotiated features the target device cannot offer."""
    offered = inj.properties.get("device-features")
    if offered is not None and inj.features & ~offered:
        raise CannotRepresent("common.driver_features[0]",
                              f"bits {inj.features & ~offered:#x} are not offered by the device "
                              f"(--property device-features={offered:#x})")
    for bit, name in extra.items():
        if inj.has(bit):
            raise CannotRepresent("common.driver_features[0]",
                                  f"VIRTIO_NET_F_{name} (bit {bit}) was negotiated, but the device in the stream "
                                  f"cannot offer it: {reason}")


# --- virtio-net --------------------------------------------------------------------------


def inject_net(standard: State, vendor: State | None, target: VirtioState, section: str,
               properties: dict[str, int] | None = None) -> tuple[VirtioState, DeviceReport]:
    inj = _Injection(standard, vendor, target, section, dict(properties or {}))
    tdev: qnet.NetDevice = target.device
    _check_net_features(inj, tdev)
    transport = inj.transport()
    queues, standard_queues = inj.queues(transport, {})
    device = _net_device(inj, tdev)
    state = _common(inj, transport, queues, inj.config_cache(_net_config_bytes(inj)), device)
    inj.core(state, standard_queues)
    return state, inj.report


def _check_net_features(inj: _Injection, tdev: qnet.NetDevice) -> None:
    config_len = len(inj.target.config)
    for bit, name, needs in CONFIG_FEATURES:
        if config_len < needs:
            _check_features(inj, {bit: name}, f"its configuration space is {config_len} bytes (QEMU sizes it by the "
                                              f"features it offers; {name} needs {needs})")
    if not tdev.has_vnet_hdr:
        _check_features(inj, NEEDS_VNET_HDR, "its back end has no virtio-net headers (has_vnet_hdr 0)")
    _check_features(inj, {})


def _net_device(inj: _Injection, tdev: qnet.NetDevice) -> qnet.NetDevice:
    s, r = inj.s, inj.report
    config, ctrl, filters = s["config"], s["ctrl"], s["mac_filter"]
    pairs = _queue_pairs(inj, tdev)
    unicast = [bytes(m) for m in filters["unicast"]]
    multicast = [bytes(m) for m in filters["multicast"]]
    if len(unicast) + len(multicast) > qnet.MAC_TABLE_ENTRIES:
        raise CannotRepresent("mac_filter", f"{len(unicast)} unicast and {len(multicast)} multicast entries; QEMU's "
                                            f"MAC table holds {qnet.MAC_TABLE_ENTRIES} in all")
    if any(m[0] & 1 for m in unicast) or not all(m[0] & 1 for m in multicast):
        raise CannotRepresent("mac_filter", "QEMU tells the two tables apart by the multicast bit; an address is in "
                                            "the other table than its bit says")
    macs = unicast + multicast
    order = inj.vendor("net", "mac_table")
    if order and sorted(bytes(m) for m in order) == sorted(macs):
        macs = [bytes(m) for m in order]
    modes = set(ctrl["rx_mode"])
    device = qnet.NetDevice(
        mac=bytes(config["mac"]), tx_waiting=_tx_waiting(inj, pairs),
        mergeable_rx_bufs=_flag(inj, "mergeable_rx_bufs", inj.has(F_MRG_RXBUF)),
        status=bits(config["status"], NET_STATUS), promisc=int("promisc" in modes),
        allmulti=int("allmulti" in modes), macs=macs, vlans=_vlans(inj),
        has_vnet_hdr=_flag(inj, "has_vnet_hdr", bool(tdev.has_vnet_hdr)),
        multi_overflow=int(filters["multicast_overflow"]), uni_overflow=int(filters["unicast_overflow"]),
        alluni=int("alluni" in modes), nomulti=int("nomulti" in modes), nouni=int("nouni" in modes),
        nobcast=int("nobcast" in modes), has_ufo=_flag(inj, "has_ufo", bool(tdev.has_ufo)))
    if tdev.max_queue_pairs is not None:
        device.max_queue_pairs, device.curr_queue_pairs = tdev.max_queue_pairs, pairs
    device.curr_guest_offloads = _offloads(inj)
    device.rss = _rss(inj, tdev)
    r.add("virtio-net", "mac, status, rx modes, MAC table, VLANs, queue pairs, offloads", "standard",
          "config, ctrl, mac_filter, vlan_filter")
    return device


def _queue_pairs(inj: _Injection, tdev: qnet.NetDevice) -> int:
    config, ctrl = inj.s["config"], inj.s["ctrl"]
    target_pairs = tdev.max_queue_pairs or 1
    for field, value in (("config.max_virtqueue_pairs", config["max_virtqueue_pairs"]),
                         ("ctrl.curr_queue_pairs", ctrl["curr_queue_pairs"])):
        if value > target_pairs:
            raise CannotRepresent(field, f"{value} queue pairs; the device in the stream has {target_pairs} "
                                         "(QEMU's max_queue_pairs comes from the back end's queues)")
    if inj.has(qnet.F_MQ) and config["max_virtqueue_pairs"] != target_pairs:
        raise CannotRepresent("config.max_virtqueue_pairs", f"{config['max_virtqueue_pairs']}; the device in the "
                              f"stream has {target_pairs} and QEMU loads only the same number")
    # QEMU always has the control queue, negotiated or not, after max_queue_pairs pairs when MQ or
    # RSS is negotiated and after one pair otherwise (virtio_net_set_multiqueue)
    multiqueue = inj.has(qnet.F_MQ) or inj.has(qnet.F_RSS)
    expected = 2 * (target_pairs if multiqueue else 1) + 1
    if len(inj.s["queues"]) != expected:
        raise CannotRepresent("common.num_queues", f"{len(inj.s['queues'])} queues; QEMU's device with "
                              f"{target_pairs} queue pairs has {expected} with these features")
    return int(ctrl["curr_queue_pairs"])


def _flag(inj: _Injection, name: str, fallback: bool) -> int:
    value = inj.vendor("net", name)
    if value is None:
        inj.report.add(f"virtio-net.{name}", fallback, "stream" if name.startswith("has_") else "derived",
                       "", "the target's back end" if name.startswith("has_") else "from the negotiated features")
        return int(fallback)
    inj.report.add(f"virtio-net.{name}", value, "vendor", f"net.{name}")
    return int(value)


def _tx_waiting(inj: _Injection, pairs: int) -> list[int]:
    saved = inj.vendor("net", "tx_waiting")
    if saved is not None and len(saved) == pairs:
        inj.report.add("virtio-net.vqs[*].tx_waiting", list(saved), "vendor", "net.tx_waiting")
        return list(saved)
    inj.report.add("virtio-net.vqs[*].tx_waiting", [0] * pairs, "derived", "", "no deferred transmission")
    return [0] * pairs


def _vlans(inj: _Injection) -> bytes:
    words = inj.s["vlan_filter"]
    if not inj.has(qnet.F_CTRL_VLAN) and any(words):
        raise CannotRepresent("vlan_filter", "VLAN ids without VIRTIO_NET_F_CTRL_VLAN negotiated")
    raw = inj.vendor("net", "vlans")
    if raw:
        inj.report.add("virtio-net.vlans", bytes(raw), "vendor", "net.vlans")
        return bytes(raw)
    probe = VirtioState("virtio-net", inj.target.transport, 0, 0, 0, inj.features & 0xFFFFFFFF, b"", [], None)
    probe.features = inj.features
    table = derived_vlans(probe, words)
    count = sum(bin(b).count("1") for b in table)
    inj.report.add("virtio-net.vlans", f"{count} VLAN ids", "standard" if inj.has(qnet.F_CTRL_VLAN) else "derived",
                   "vlan_filter", "" if inj.has(qnet.F_CTRL_VLAN) else "no VLAN filtering: QEMU's all-ones table")
    if inj.has(qnet.F_CTRL_VLAN):
        inj.report.notes.append("QEMU before 8.1 (commit 06b636a1e2) empties the VLAN table when it loads a stream "
                                "with VIRTIO_NET_F_CTRL_VLAN negotiated; such a destination drops VLAN-tagged "
                                "packets until the guest adds its VLANs again (unless in promiscuous mode)")
    return table


def _offloads(inj: _Injection) -> int | None:
    disabled = inj.s["ctrl"]["guest_offloads_disabled"]
    negotiated = inj.features & GUEST_OFFLOADS
    if not inj.has(F_CTRL_GUEST_OFFLOADS):
        if disabled:
            raise CannotRepresent("ctrl.guest_offloads_disabled",
                                  f"{disabled:#x} without VIRTIO_NET_F_CTRL_GUEST_OFFLOADS negotiated")
        return None
    if disabled & ~negotiated:
        raise CannotRepresent("ctrl.guest_offloads_disabled", f"{disabled:#x} names offloads that were not "
                                                              f"negotiated ({negotiated:#x})")
    enabled: int = negotiated & ~disabled
    inj.report.add("virtio-net.curr_guest_offloads", enabled, "standard", "ctrl.guest_offloads_disabled",
                   "the negotiated receive offloads minus the disabled ones")
    return enabled


def _rss(inj: _Injection, tdev: qnet.NetDevice) -> qnet.NetRss | None:
    rss = inj.s.get("rss")
    if rss is None or rss["mode"] == "disabled":
        return None
    need = qnet.F_RSS if rss["mode"] == "rss" else qnet.F_HASH_REPORT
    if not inj.has(need):
        feature = "RSS" if need == qnet.F_RSS else "HASH_REPORT"
        raise CannotRepresent("rss.mode", f"{rss['mode']} without VIRTIO_NET_F_{feature} negotiated")
    table = list(rss["indirection_table"]) if rss["mode"] == "rss" else [0]
    if not table or len(table) & (len(table) - 1) or len(table) > qnet.RSS_MAX_TABLE_LEN:
        raise CannotRepresent("rss.indirection_table", f"{len(table)} entries; QEMU takes a power of 2 up to "
                                                       f"{qnet.RSS_MAX_TABLE_LEN}")
    key = bytes(rss["hash_key"])
    if len(key) != qnet.RSS_MAX_KEY_SIZE:
        raise CannotRepresent("rss.hash_key", f"{len(key)} bytes; QEMU hashes with a {qnet.RSS_MAX_KEY_SIZE}-byte key")
    pairs = tdev.max_queue_pairs or 1
    if rss["unclassified_queue"] >= pairs or any(queue >= pairs for queue in table):
        raise CannotRepresent("rss.unclassified_queue", f"a receive queue past the device's {pairs} queue pairs")
    populate = inj.vendor("net", "rss_populate_hash")
    inj.report.add("virtio-net-device/rss", rss["mode"], "standard", "rss")
    return qnet.NetRss(True, rss["mode"] == "rss", inj.has(qnet.F_HASH_REPORT) if populate is None else populate,
                       bits(rss["hash_types"], dict(enumerate(HASH_TYPES))), rss["unclassified_queue"], key, table)


def _net_config_bytes(inj: _Injection) -> bytes:
    """The config space from the standard config where its feature was negotiated, else the target's own bytes
    (QEMU's values for features not in use, e.g. speed 0xffffffff and duplex 0xff, are its defaults, not state)."""
    config = inj.s["config"]
    duplex = {name: value for value, name in DUPLEX.items()}[config["duplex"]]
    out = bytearray(inj.target.config.ljust(24, b"\0"))
    fields: list[tuple[int, bytes, bool]] = [
        (0, bytes(config["mac"]), True), (6, bits(config["status"], NET_STATUS).to_bytes(2, "little"), True),
        (8, int(config["max_virtqueue_pairs"]).to_bytes(2, "little"), inj.has(qnet.F_MQ) or inj.has(qnet.F_RSS)),
        (10, int(config["mtu"]).to_bytes(2, "little"), inj.has(F_MTU)),
        (12, int(config["speed"]).to_bytes(4, "little") + bytes([duplex]), inj.has(F_SPEED_DUPLEX)),
        (17, bytes([config["rss_max_key_size"]]) + int(config["rss_max_indirection_table_length"]).to_bytes(
            2, "little"), inj.has(qnet.F_RSS)),
        (20, bits(config["supported_hash_types"], dict(enumerate(HASH_TYPES))).to_bytes(4, "little"),
         inj.has(qnet.F_RSS) or inj.has(qnet.F_HASH_REPORT))]
    for offset, value, used in fields:
        if used:
            out[offset:offset + len(value)] = value
    return bytes(out)


# --- virtio-blk --------------------------------------------------------------------------


def inject_blk(standard: State, vendor: State | None, target: VirtioState, section: str,
               properties: dict[str, int] | None = None) -> tuple[VirtioState, DeviceReport]:
    inj = _Injection(standard, vendor, target, section, dict(properties or {}))
    if inj.s["inflight"]:
        raise CannotRepresent("inflight", f"{len(inj.s['inflight'])} requests in flight: QEMU needs each request's "
                                          "ring element, which the standard state does not carry")
    _check_features(inj, {})
    _check_blk_config(inj)
    transport = inj.transport()
    queues, standard_queues = inj.queues(transport, {})
    if len(queues) != len(target.queues):
        raise CannotRepresent("common.num_queues", f"{len(queues)} request queues; the device in the stream has "
                                                   f"{len(target.queues)} (QEMU's num-queues property)")
    state = _common(inj, transport, queues, inj.config_cache(_blk_config_bytes(inj)), BlkDevice())
    inj.core(state, standard_queues)
    inj.report.add("virtio-blk.requests", "none", "standard", "inflight")
    return state, inj.report


def _check_blk_config(inj: _Injection) -> None:
    config, cache = inj.s["config"], inj.target.config
    for name, offset, size in (("capacity", 0, 8), ("blk_size", 20, 4)):
        if len(cache) >= offset + size:
            theirs = int.from_bytes(cache[offset:offset + size], "little")
            if theirs and theirs != config[name]:
                raise CannotRepresent(f"config.{name}", f"{config[name]}; the device in the stream has {theirs} "
                                                        "(the disk the VM was started with)")


def _blk_config_bytes(inj: _Injection) -> bytes:
    config = dict(inj.s["config"])
    for group in ("geometry", "topology"):
        config.update({f"{group}.{k}": v for k, v in config.pop(group).items()})
    config["writeback"] = 1 if config["writeback"] == "writeback" else 0
    out = bytearray(72)
    for name, offset, size in BLK_CONFIG:
        out[offset:offset + size] = int(config[name]).to_bytes(size, "little")
    return bytes(out)


def inject(standard: State, vendor: State | None, target: VirtioState, section: str,
           properties: dict[str, int] | None = None) -> tuple[VirtioState, DeviceReport]:
    """The QEMU device state for ``standard`` (and ``vendor``) written over ``target``, and the report."""
    if target.kind == "virtio-net":
        return inject_net(standard, vendor, target, section, properties)
    return inject_blk(standard, vendor, target, section, properties)
