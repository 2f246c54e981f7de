"""QEMU's virtio-net and virtio-blk sections from a real guest: parse, translate both ways, refuse hostile input.

The streams are saved by QEMU 7.2 and 10.0 from the test guest (tools/guest.py: Debian's
kernel, the Linux virtio-net driver set up through the control queue, a disk pattern
written), made once into the cache.
"""

from __future__ import annotations

import struct

import pytest
from paths import SPEC
from qemu_sections import device_payload

from devstate.interp import decode, encode
from devstate.qemu.virtio import blk, device, from_standard, net, to_standard
from devstate.qemu.virtio.errors import CannotRepresent, QemuStateError
from devstate.qemu.virtio.schemas import STANDARD, VENDOR, schema
from devstate.state import default_state
from tools import guest_vm

NET, BLK = "0000:00:03.0/virtio-net", "0000:00:04.0/virtio-blk"
KINDS = {NET: net.NET, BLK: blk.BLK}


def payload(saved: dict[str, guest_vm.SavedGuest], release: str, idstr: str) -> tuple[int, bytes]:
    return device_payload(saved[release].stream, idstr)


def parsed(saved: dict[str, guest_vm.SavedGuest], release: str, idstr: str) -> device.VirtioState:
    base, data = payload(saved, release, idstr)
    return device.parse(data, base, KINDS[idstr], idstr)


# --- QEMU's own bytes --------------------------------------------------------------------


@pytest.mark.parametrize("release", ["7.2", "10.0"])
@pytest.mark.parametrize("idstr", [NET, BLK])
def test_sections_parse_and_write_back_byte_for_byte(saved: dict[str, guest_vm.SavedGuest], release: str,
                                                    idstr: str) -> None:
    base, data = payload(saved, release, idstr)
    state = device.parse(data, base, KINDS[idstr], idstr)
    assert device.write(state, KINDS[idstr]) == data
    assert state.status == 0x0F  # acknowledge, driver, driver_ok, features_ok
    assert state.has(32)  # VIRTIO_F_VERSION_1: the modern interface
    assert state.started is True


@pytest.mark.parametrize("release", ["7.2", "10.0"])
def test_the_guest_driver_state_is_in_the_net_section(saved: dict[str, guest_vm.SavedGuest], release: str) -> None:
    state = parsed(saved, release, NET)
    dev: net.NetDevice = state.device
    assert dev.mac == bytes.fromhex("525400de5702")
    assert (dev.promisc, dev.allmulti) == (1, 1)
    multicast = {m.hex() for m in dev.macs if m[0] & 1}
    assert {"01005e7f0001", "3333de57a7e0"} <= multicast
    assert [m.hex() for m in dev.macs if not m[0] & 1] == ["02de57a7e001"]
    if saved[release].config.net == "tap":
        assert (dev.max_queue_pairs, dev.curr_queue_pairs) == (2, 2)
        assert len(state.queues) == 5
        assert dev.curr_guest_offloads == 1 << 1  # rx-gro-hw off: only GUEST_CSUM stays on


def test_vlan_tables_of_the_two_releases(saved: dict[str, guest_vm.SavedGuest]) -> None:
    """7.2 saves the guest's VLAN ids (0 and 100); 10.0 keeps the all-ones table it starts from."""
    old, new = parsed(saved, "7.2", NET), parsed(saved, "10.0", NET)
    assert old.has(net.F_CTRL_VLAN) and new.has(net.F_CTRL_VLAN)
    ids = [w * 32 + b for w, word in enumerate(old.device.vlan_words()) for b in range(32) if word >> b & 1]
    assert ids == [0, 100]
    assert new.device.vlans == b"\xff" * 512
    words = to_standard.extract(old, NET).standard["sections"]["vlan_filter"]
    assert words[0] == 1 and words[3] == 1 << 4 and sum(words) == 1 + (1 << 4)
    assert to_standard.extract(new, NET).standard["sections"]["vlan_filter"] == [0xFFFFFFFF] * 128


@pytest.mark.parametrize("release", ["7.2", "10.0"])
def test_extract_gives_the_standard_net_state(saved: dict[str, guest_vm.SavedGuest], release: str) -> None:
    extracted = to_standard.extract(parsed(saved, release, NET), NET)
    s = extracted.standard["sections"]
    assert s["config"]["mac"] == [0x52, 0x54, 0x00, 0xDE, 0x57, 0x02]
    assert s["config"]["status"] == ["link_up"]
    assert s["ctrl"]["rx_mode"] == ["promisc", "allmulti"]
    assert s["mac_filter"]["unicast"] == [[0x02, 0xDE, 0x57, 0xA7, 0xE0, 0x01]]
    assert [0x01, 0x00, 0x5E, 0x7F, 0x00, 0x01] in s["mac_filter"]["multicast"]
    assert s["common"]["status"] == ["acknowledge", "driver", "driver_ok", "features_ok"]
    assert [q["notify_off"] for q in s["queues"]] == list(range(len(s["queues"])))
    assert all(q["used_idx"] == q["last_avail_idx"] for q in s["queues"])
    if saved[release].config.net == "tap":
        assert s["config"]["max_virtqueue_pairs"] == 2 and s["ctrl"]["curr_queue_pairs"] == 2
        # negotiated GUEST_CSUM|TSO4|TSO6|ECN|UFO, the guest kept only GUEST_CSUM on
        assert s["ctrl"]["guest_offloads_disabled"] == (1 << 7) | (1 << 8) | (1 << 9) | (1 << 10)
        # ethtool -X eth0 equal 2: RSS over both receive queues (QEMU rss=on,hash=on)
        assert s["rss"]["mode"] == "rss" and s["rss"]["indirection_table"] == [0, 1] * 64
        assert len(s["rss"]["hash_key"]) == 40 and s["rss"]["max_tx_vq"] == 2
        assert s["rss"]["hash_types"] == ["ipv4", "tcpv4", "udpv4", "ipv6", "tcpv6", "udpv6"]
    encode(schema(STANDARD["virtio-net"]), extracted.standard)  # a valid org.virtio.net@1.1 state
    encode(schema(VENDOR["virtio-net"]), extracted.vendor)


def test_extract_report_names_every_value(saved: dict[str, guest_vm.SavedGuest]) -> None:
    report = to_standard.extract(parsed(saved, "7.2", NET), NET).report
    where = {entry.where: entry for entry in report.values}
    assert where["virtio-net.curr_guest_offloads"].kind == "transformed"
    assert where["virtio-net.curr_guest_offloads"].to == "ctrl.guest_offloads_disabled"
    assert where["virtio-net.has_vnet_hdr"].kind == "vendor"
    assert where["pci.config"].to == "pci.config"
    assert where["virtio-net.vlans"].to == "vlan_filter"
    assert where["virtio/started.started"].kind == "vendor"
    missing = {entry.where: entry for entry in report.not_provided}
    assert missing["common.device_features[0]"].kind == "derived"
    assert missing["common.config_generation"].value == "0"
    assert "announce" in missing


@pytest.mark.parametrize("release", ["7.2", "10.0"])
def test_extract_gives_the_standard_blk_state(saved: dict[str, guest_vm.SavedGuest], release: str) -> None:
    extracted = to_standard.extract(parsed(saved, release, BLK), BLK)
    config = extracted.standard["sections"]["config"]
    assert config["capacity"] == guest_vm.DISK_BYTES // 512
    assert config["blk_size"] == 512
    assert config["num_queues"] == len(extracted.standard["sections"]["queues"])
    assert extracted.standard["sections"]["inflight"] == []
    encode(schema(STANDARD["virtio-blk"]), extracted.standard)


@pytest.mark.parametrize("release", ["7.2", "10.0"])
@pytest.mark.parametrize("idstr", [NET, BLK])
@pytest.mark.parametrize("with_vendor", [True, False], ids=["vendor-section", "no-vendor-section"])
def test_inject_after_extract_gives_qemus_bytes(saved: dict[str, guest_vm.SavedGuest], release: str, idstr: str,
                                                with_vendor: bool) -> None:
    """Through DSF blobs (standard and vendor, encoded and decoded) and back: the section QEMU wrote."""
    base, data = payload(saved, release, idstr)
    target = device.parse(data, base, KINDS[idstr], idstr)
    extracted = to_standard.extract(target, idstr)
    kind = target.kind
    standard = decode(schema(STANDARD[kind]), encode(schema(STANDARD[kind]), extracted.standard))
    vendor = decode(schema(VENDOR[kind]), encode(schema(VENDOR[kind]), extracted.vendor)) if with_vendor else None
    state, report = from_standard.inject(standard, vendor, target, idstr)
    assert device.write(state, KINDS[idstr]) == data
    sources = {entry.where: entry.kind for entry in report.values}
    assert sources["pci"] == ("vendor" if with_vendor else "stream")


def test_a_72_section_injected_into_a_100_section(saved: dict[str, guest_vm.SavedGuest]) -> None:
    """The 7.2 guest's state written over 10.0's device: 7.2's values, 10.0's layout (the same for these devices)."""
    old, new = parsed(saved, "7.2", NET), parsed(saved, "10.0", NET)
    extracted = to_standard.extract(old, NET)
    state, _ = from_standard.inject(extracted.standard, extracted.vendor, new, NET)
    assert device.write(state, net.NET) == payload(saved, "7.2", NET)[1]


# --- refusals of inject ------------------------------------------------------------------


def _net_target_and_state(saved: dict[str, guest_vm.SavedGuest]) -> tuple[device.VirtioState, dict]:
    target = parsed(saved, "7.2", NET)
    return target, to_standard.extract(target, NET).standard


def test_inject_refuses_features_the_device_cannot_offer(saved: dict[str, guest_vm.SavedGuest]) -> None:
    target, standard = _net_target_and_state(saved)
    target.config = target.config[:10]  # a device that offers MQ but nothing that extends the config further
    standard["sections"]["common"]["driver_features"][0] |= 1 << 63
    with pytest.raises(CannotRepresent) as error:
        from_standard.inject(standard, None, target, NET)
    assert error.value.code == "QEMU_CANNOT_REPRESENT"
    assert error.value.field == "common.driver_features[0]"
    assert error.value.message == ("VIRTIO_NET_F_SPEED_DUPLEX (bit 63) was negotiated, but the device in the stream "
                                   "cannot offer it: its configuration space is 10 bytes (QEMU sizes it by the "
                                   "features it offers; SPEED_DUPLEX needs 17)")


def test_inject_refuses_offloads_without_a_vnet_header_back_end(saved: dict[str, guest_vm.SavedGuest]) -> None:
    target, standard = _net_target_and_state(saved)
    target.device.has_vnet_hdr = 0
    with pytest.raises(CannotRepresent) as error:
        from_standard.inject(standard, None, target, NET)
    assert error.value.message.startswith("VIRTIO_NET_F_CSUM (bit 0) was negotiated, but the device in the stream "
                                          "cannot offer it: its back end has no virtio-net headers")


def test_inject_refuses_more_queue_pairs_than_the_device_has(saved: dict[str, guest_vm.SavedGuest]) -> None:
    target, standard = _net_target_and_state(saved)
    if target.device.max_queue_pairs is None:
        pytest.skip("needs the multi-queue (tap) guest")
    target.device.max_queue_pairs = None
    target.device.curr_queue_pairs = None
    with pytest.raises(CannotRepresent) as error:
        from_standard.inject(standard, None, target, NET)
    assert (error.value.field, error.value.message) == (
        "config.max_virtqueue_pairs", "2 queue pairs; the device in the stream has 1 (QEMU's max_queue_pairs comes "
                                      "from the back end's queues)")


@pytest.mark.parametrize(("change", "field", "message"), [
    (lambda s: s["queues"][1].update(msix_vector=6), "queues[1].msix_vector",
     "vector 6: the device's MSI-X table has 6 vectors"),
    (lambda s: s["queues"][2].update(notify_off=7), "queues[2].notify_off",
     "7: QEMU's virtio-pci maps queue 2 to notification offset 2"),
    (lambda s: s["queues"][0].update(used_idx=s["queues"][0]["last_avail_idx"] - 1 & 0xFFFF), "queues[0].used_idx",
     None),
    (lambda s: s["mac_filter"].update(multicast=[[1, 0, 0x5E, 0, 0, i] for i in range(64)]), "mac_filter",
     "1 unicast and 64 multicast entries; QEMU's MAC table holds 64 in all"),
    (lambda s: s["ctrl"].update(guest_offloads_disabled=1 << 3), "ctrl.guest_offloads_disabled",
     "0x8 names offloads that were not negotiated (0x782)"),
])
def test_inject_refusals_name_the_field(saved: dict[str, guest_vm.SavedGuest], change, field: str,
                                        message: str | None) -> None:
    target, standard = _net_target_and_state(saved)
    change(standard["sections"])
    with pytest.raises(CannotRepresent) as error:
        from_standard.inject(standard, None, target, NET)
    assert error.value.field == field
    if message is not None:
        assert error.value.message == message


def test_inject_refuses_another_disk(saved: dict[str, guest_vm.SavedGuest]) -> None:
    target = parsed(saved, "7.2", BLK)
    standard = to_standard.extract(target, BLK).standard
    standard["sections"]["config"]["capacity"] *= 2
    with pytest.raises(CannotRepresent) as error:
        from_standard.inject(standard, None, target, BLK)
    assert (error.value.field, error.value.message) == (
        "config.capacity", "32768; the device in the stream has 16384 (the disk the VM was started with)")


# --- hostile sections (QEMU's virtio incoming-migration CVEs) ------------------------------


def _layout(state: device.VirtioState) -> dict[str, int]:
    """Offsets (in the payload) of the fields the hostile cases change."""
    t = state.transport
    transport = 4 + len(t.config) + 16 + len(t.msix_table) + len(t.msix_pba) + (2 if t.msix_table else 0)
    config_len = transport + 8
    num_queues = config_len + 4 + len(state.config)
    queue = num_queues + 4
    dev = queue + 16 * len(state.queues)
    in_use = dev + 18
    pairs = in_use + 4 + 6 * len(state.device.macs) + 512 + 4 + 7
    return {"config_vector": transport - 2, "queue_sel": transport + 2, "config_len": config_len,
            "num_queues": num_queues, "queue1.num": queue + 16, "queue1.vector": queue + 16 + 14,
            "queue2.desc": queue + 32 + 4, "in_use": in_use, "curr_queue_pairs": pairs + 2}


def _patched(data: bytes, offset: int, fmt: str, value: int) -> bytes:
    out = bytearray(data)
    struct.pack_into(fmt, out, offset, value)
    return bytes(out)


HOSTILE = [
    ("num_queues", ">I", 1025, "QEMU_OUT_OF_RANGE", "virtio.num_queues", "1025 virtqueues; QEMU has at most 1024"),
    ("queue1.num", ">I", 1025, "QEMU_OUT_OF_RANGE", "virtio.queues[1].num",
     "ring size 1025; QEMU saves the queues of size 1..1024"),
    ("config_len", ">I", 4096, "QEMU_OUT_OF_RANGE", "virtio.config_len",
     "4096 bytes; the virtio-net configuration space has 24"),
    ("in_use", ">I", 65, "QEMU_OUT_OF_RANGE", "virtio-net.mac_table.in_use",
     "65 entries; QEMU's MAC table has 64 (QEMU skips them and empties the table)"),
    ("curr_queue_pairs", ">H", 3, "QEMU_OUT_OF_RANGE", "virtio-net.curr_queue_pairs", "3 > max_queue_pairs 2"),
    ("queue1.vector", ">H", 6, "QEMU_OUT_OF_RANGE", "virtio.queues[1].vector",
     "vector 6 is past the MSI-X table (6 vectors)"),
    ("config_vector", ">H", 0x100, "QEMU_OUT_OF_RANGE", "virtio.config_vector",
     "vector 256 is past the MSI-X table (6 vectors)"),
    ("queue_sel", ">H", 1024, "QEMU_OUT_OF_RANGE", "virtio.queue_sel", "1024; QEMU has 1024 queues"),
]


@pytest.mark.parametrize(("name", "fmt", "value", "code", "field", "message"), HOSTILE, ids=[h[0] for h in HOSTILE])
def test_hostile_sections_are_refused_at_the_field(saved: dict[str, guest_vm.SavedGuest], name: str, fmt: str,
                                                   value: int, code: str, field: str, message: str) -> None:
    base, data = payload(saved, "7.2", NET)
    state = device.parse(data, base, net.NET, NET)
    if name == "curr_queue_pairs" and state.device.max_queue_pairs is None:
        pytest.skip("needs the multi-queue (tap) guest")
    offset = _layout(state)[name]
    with pytest.raises(QemuStateError) as error:
        device.parse(_patched(data, offset, fmt, value), base, net.NET, NET)
    assert (error.value.code, error.value.offset, error.value.field, error.value.message) == (
        code, base + offset, f"{NET}: {field}", message)
    assert str(error.value) == f"{code} at byte {base + offset} ({NET}: {field}): {message}"


def test_a_ring_at_address_zero_with_an_index_is_refused(saved: dict[str, guest_vm.SavedGuest]) -> None:
    base, data = payload(saved, "7.2", NET)
    offset = _layout(device.parse(data, base, net.NET, NET))["queue2.desc"]
    hostile = _patched(_patched(data, offset, ">Q", 0), offset + 8, ">H", 7)
    with pytest.raises(QemuStateError) as error:
        device.parse(hostile, base, net.NET, NET)
    assert (error.value.code, error.value.offset, error.value.field) == (
        "QEMU_INCONSISTENT", base + offset + 8, f"{NET}: virtio.queues[2].last_avail_idx")


@pytest.mark.parametrize(("mutate", "code", "field"), [
    (lambda d: d[:-1], "QEMU_TRUNCATED", "virtio/started.started"),
    (lambda d: d + b"\x00", "QEMU_TRAILING_DATA", "virtio"),
    (lambda d: d.replace(b"virtio/started", b"virtio/startex"), "QEMU_UNKNOWN_SUBSECTION", "virtio/startex"),
    (lambda d: d[:-1] + b"\x02", "QEMU_BAD_VALUE", "virtio/started.started"),
    (lambda d: d + d[d.rindex(b"\x05\x0evirtio/started"):], "QEMU_DUPLICATE_SUBSECTION", "virtio/started"),
])
def test_malformed_sections_get_typed_errors(saved: dict[str, guest_vm.SavedGuest], mutate, code: str,
                                             field: str) -> None:
    base, data = payload(saved, "7.2", NET)
    with pytest.raises(QemuStateError) as error:
        device.parse(mutate(data), base, net.NET, NET)
    assert (error.value.code, error.value.field) == (code, f"{NET}: {field}")
    assert base <= error.value.offset <= base + len(data) + 16


def test_every_prefix_of_a_section_is_refused_without_a_crash(saved: dict[str, guest_vm.SavedGuest]) -> None:
    base, data = payload(saved, "7.2", BLK)
    for cut in range(0, len(data), 97):
        with pytest.raises(QemuStateError):
            device.parse(data[:cut], base, blk.BLK, BLK)


def test_the_vendor_schemas_round_trip_their_default_state() -> None:
    for ident in VENDOR.values():
        s = schema(ident)
        assert decode(s, encode(s, default_state(s)))["model"] == s.model


def test_the_spec_lists_every_error_code() -> None:
    from devstate.qemu.virtio.errors import DESCRIPTIONS, QemuCode

    spec = (SPEC / "qemu-virtio.md").read_text(encoding="utf-8")
    rows = [line for line in spec.splitlines() if line.startswith("| ") and line.split("|")[1].strip().isdigit()]
    listed = {int(row.split("|")[1]): row.split("|")[2].strip().strip("`") for row in rows}
    assert listed == {int(code): f"QEMU_{code.name}" for code in QemuCode}
    assert set(DESCRIPTIONS) == set(QemuCode)
