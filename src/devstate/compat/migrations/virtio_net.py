"""org.virtio.net: 1.1 ↔ 2.0 (the MAC filter tables merged into one; wider offloads) and 2.0 ↔ 3.0 (RSS limits).

2.0 replaces section ``mac_filter`` (id 5: two tables of at most 64 addresses each) by
``mac_table`` (id 9: one table of entries, each an address and its kind, unicast first)
and widens ``ctrl.guest_offloads_disabled`` from u64 to u64[2]. Every other section
converts generically. 1.0 state reaches 2.0 by up-conversion to 1.1 first.
"""

from __future__ import annotations

from typing import Any

from devstate import ir
from devstate.compat.convert import ConversionError, Loss, carry_over, order_sections
from devstate.compat.migrate import migration

State = dict[str, Any]
MODEL = "org.virtio.net"
TABLE_MAX = 64
"""Entries of each kind a 1.x table holds."""


@migration(MODEL, "1.1", "2.0")
def virtio_net_1_to_2(state: State, source: ir.Schema, target: ir.Schema) -> State:
    """Merge the unicast and multicast tables; widen guest_offloads_disabled."""
    sections = state["sections"]
    converted = carry_over(state, source, target, handled=frozenset({"mac_filter", "ctrl"}))
    ctrl = dict(sections["ctrl"])
    ctrl["guest_offloads_disabled"] = [ctrl["guest_offloads_disabled"], 0]
    converted["sections"]["ctrl"] = ctrl
    converted["sections"]["mac_table"] = _merge(sections["mac_filter"])
    return order_sections(converted, target)


@migration(MODEL, "2.0", "1.1")
def virtio_net_2_to_1(state: State, source: ir.Schema, target: ir.Schema) -> State:
    """Split the table by kind; fails when a kind has over 64 entries or offloads above bit 63."""
    sections = state["sections"]
    losses: list[Loss] = []
    converted = carry_over(state, source, target, frozenset({"mac_table", "ctrl"}), losses)
    ctrl = dict(sections["ctrl"])
    wide = ctrl["guest_offloads_disabled"]
    if wide[1] != 0:
        losses.append(Loss("$.sections.ctrl.guest_offloads_disabled[1]", wide[1],
                           "1.x stores offload feature bits 0-63 only"))
    ctrl["guest_offloads_disabled"] = wide[0]
    converted["sections"]["ctrl"] = ctrl
    converted["sections"]["mac_filter"] = _split(sections["mac_table"], losses)
    if losses:
        raise ConversionError(f"cannot convert {source.ident} state to {target.version}", losses,
                              order_sections(converted, target))
    return order_sections(converted, target)


def _merge(table: dict[str, Any]) -> dict[str, Any]:
    entries = [{"mac": mac, "kind": "unicast"} for mac in table["unicast"]]
    entries += [{"mac": mac, "kind": "multicast"} for mac in table["multicast"]]
    return {"unicast_overflow": table["unicast_overflow"], "multicast_overflow": table["multicast_overflow"],
            "entries": entries}


def _split(table: dict[str, Any], losses: list[Loss]) -> dict[str, Any]:
    split: dict[str, list[Any]] = {"unicast": [], "multicast": []}
    for index, entry in enumerate(table["entries"]):
        kind = entry["kind"]
        if kind not in split:
            losses.append(Loss(f"$.sections.mac_table.entries[{index}].kind", kind, "1.x has no such table"))
            continue
        split[kind].append(entry["mac"])
    for kind, macs in split.items():
        if len(macs) > TABLE_MAX:
            losses.append(Loss("$.sections.mac_table.entries", f"{len(macs)} {kind} entries",
                               f"a 1.x table holds at most {TABLE_MAX}"))
    return {"unicast_overflow": table["unicast_overflow"], "multicast_overflow": table["multicast_overflow"],
            **split}


# --- 2.0 ↔ 3.0: RSS limits that follow the configuration fields; RSS and hash configurations apart ---------

RSS_KEY_MAX_2 = 40
RSS_TABLE_MAX_2 = 128
"""The longest key and indirection table a 2.x rss section holds."""


@migration(MODEL, "2.0", "3.0")
def virtio_net_2_to_3(state: State, source: ir.Schema, target: ir.Schema) -> State:
    """Section rss (one configuration and its mode) becomes rss_config or hash_config and ctrl.mq_mode."""
    sections = state["sections"]
    converted = carry_over(state, source, target, handled=frozenset({"rss", "ctrl"}))
    rss = sections.get("rss")
    mode = rss["mode"] if rss is not None else "disabled"
    converted["sections"]["ctrl"] = {**sections["ctrl"], "mq_mode": "automatic" if mode == "disabled" else mode}
    if mode == "rss":
        converted["sections"]["rss_config"] = {name: rss[name] for name in (
            "hash_types", "unclassified_queue", "max_tx_vq", "hash_key", "indirection_table")}
    elif mode == "hash_report":
        converted["sections"]["hash_config"] = {"hash_types": rss["hash_types"], "hash_key": rss["hash_key"]}
    return order_sections(converted, target)


@migration(MODEL, "3.0", "2.0")
def virtio_net_3_to_2(state: State, source: ir.Schema, target: ir.Schema) -> State:
    """The configuration ctrl.mq_mode names becomes section rss; fails past 2.x's limits or with two configurations."""
    sections = state["sections"]
    losses: list[Loss] = []
    converted = carry_over(state, source, target, frozenset({"rss_config", "hash_config", "ctrl"}), losses)
    ctrl = dict(sections["ctrl"])
    mode = ctrl.pop("mq_mode")
    converted["sections"]["ctrl"] = ctrl
    kept = {"rss": "rss_config", "hash_report": "hash_config"}.get(mode)
    for name in ("rss_config", "hash_config"):
        if name in sections and name != kept:
            losses.append(Loss(f"$.sections.{name}", "present", "2.x keeps only the configuration ctrl.mq_mode "
                                                                 f"uses (mq_mode is {mode})"))
    rss = _rss_2(mode, sections.get(kept) if kept else None, losses)
    if rss is not None:
        converted["sections"]["rss"] = rss
    if losses:
        raise ConversionError(f"cannot convert {source.ident} state to {target.version}", losses,
                              order_sections(converted, target))
    return order_sections(converted, target)


def _rss_2(mode: str, config: dict[str, Any] | None, losses: list[Loss]) -> dict[str, Any] | None:
    """The 2.x rss section for the configuration in use (None when none is)."""
    if config is None:
        return None
    rss = {"mode": mode, "hash_types": config["hash_types"], "unclassified_queue": config.get("unclassified_queue", 0),
           "max_tx_vq": config.get("max_tx_vq", 0), "hash_key": config["hash_key"],
           "indirection_table": config.get("indirection_table", [])}
    section = "rss_config" if mode == "rss" else "hash_config"
    if len(rss["hash_key"]) > RSS_KEY_MAX_2:
        losses.append(Loss(f"$.sections.{section}.hash_key", f"{len(rss['hash_key'])} bytes",
                           f"a 2.x key holds at most {RSS_KEY_MAX_2} bytes"))
    if len(rss["indirection_table"]) > RSS_TABLE_MAX_2:
        losses.append(Loss(f"$.sections.{section}.indirection_table", f"{len(rss['indirection_table'])} entries",
                           f"a 2.x indirection table holds at most {RSS_TABLE_MAX_2} entries"))
    return rss
