"""Pools: hosts of identical capability, and which pool can receive VMs from which.

A pool is the set of hosts sharing one signature. Pool ``D`` *can receive from* pool ``S``
when a VM running on a host of ``S`` (its devices as the host's own devices use them)
migrates to a host of ``D`` (``pairs``). Each distinct device is checked once against each
pool's device of its model, giving a bit set of the pools that receive it; a pool reaches
the AND of its devices' sets. So the cost grows with hosts + signatures², not hosts². The
diagonal counts too: a pool whose devices run with values they do not accept as
destinations cannot receive from itself.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass

from devstate.compat.params import DeviceDescription, Mismatch
from devstate.fleet.inventory import Inventory, Signature, device_json
from devstate.fleet.pairs import PairCache


@dataclass(frozen=True)
class Pool:
    name: str
    """``P1``, ``P2``, ... by decreasing host count (then signature)."""
    signature: Signature
    hosts: tuple[int, ...]
    """Indexes into the inventory's names."""

    @property
    def digest(self) -> str:
        return hashlib.sha256(self.signature.key.encode()).hexdigest()[:12]

    def device_lines(self) -> list[str]:
        """``model@version/version`` per device."""
        return [f"{d.model}@{'/'.join(str(v) for v in sorted(d.versions))}" for d in self.signature.devices]

    def to_json(self, names: list[str]) -> dict[str, object]:
        return {"pool": self.name, "signature": self.digest, "host_count": len(self.hosts),
                "hosts": [names[i] for i in self.hosts],
                "devices": [device_json(d) for d in self.signature.devices]}


@dataclass(frozen=True)
class Edge:
    """Whether ``destination`` can receive from ``source``; if not, every reason."""

    source: Pool
    destination: Pool
    reasons: tuple[Mismatch, ...]

    @property
    def ok(self) -> bool:
        return not self.reasons

    def to_json(self) -> dict[str, object]:
        return {"from": self.source.name, "to": self.destination.name, "ok": self.ok,
                "reasons": [r.to_json() for r in self.reasons]}


@dataclass(frozen=True)
class PoolGraph:
    inventory: Inventory
    pools: tuple[Pool, ...]
    pairs: PairCache
    reaches: tuple[int, ...]
    """Per source pool, a bit set of the destination pools that can receive from it."""

    def receives(self, source: int, destination: int) -> bool:
        return bool(self.reaches[source] >> destination & 1)

    def receives_from(self, destination: int) -> list[Pool]:
        return [self.pools[s] for s in range(len(self.pools)) if self.receives(s, destination)]

    def edge(self, source: int, destination: int) -> Edge:
        """The edge with every reason it is missing (device outcomes come from the cache)."""
        outcomes = self.pairs.signature(self.pools[source].signature, self.pools[destination].signature)
        return Edge(self.pools[source], self.pools[destination], tuple(r for o in outcomes for r in o.reasons))

    def missing(self) -> Iterator[Edge]:
        """Every missing edge, by source pool then destination pool."""
        for source in range(len(self.pools)):
            for destination in range(len(self.pools)):
                if not self.receives(source, destination):
                    yield self.edge(source, destination)

    def edge_count(self) -> int:
        return sum(bin(mask).count("1") for mask in self.reaches)

    def to_json(self) -> dict[str, object]:
        names = self.inventory.names
        return {
            "hosts": len(self.inventory), "pools": [p.to_json(names) for p in self.pools],
            "receives_from": {self.pools[d].name: [p.name for p in self.receives_from(d)]
                              for d in range(len(self.pools))},
            "missing": [e.to_json() for e in self.missing()],
            "errors": [e.to_json() for e in self.inventory.errors],
        }


def make_pools(inventory: Inventory) -> tuple[Pool, ...]:
    members = inventory.members()
    order = sorted(range(len(inventory.signatures)),
                   key=lambda k: (-len(members[k]), inventory.signatures[k].key))
    return tuple(Pool(f"P{rank + 1}", inventory.signatures[k], tuple(members[k]))
                 for rank, k in enumerate(order) if members[k])


def pool_graph(inventory: Inventory, pairs: PairCache) -> PoolGraph:
    """The relation, from one bit set per distinct device: the pools whose device of that
    model receives it. A pool reaches the pools in the AND of its devices' sets."""
    pools = make_pools(inventory)
    receivers: dict[int, int] = {}
    for pool in pools:
        for device in pool.signature.devices:
            if id(device) not in receivers:
                receivers[id(device)] = _receivers(device, pools, pairs)
    everyone = (1 << len(pools)) - 1
    reaches = []
    for pool in pools:
        mask = everyone
        for device in pool.signature.devices:
            mask &= receivers[id(device)]
        reaches.append(mask)
    return PoolGraph(inventory, pools, pairs, tuple(reaches))


def _receivers(device: DeviceDescription, pools: tuple[Pool, ...], pairs: PairCache) -> int:
    mask = 0
    for index, pool in enumerate(pools):
        if pairs.device(device, pool.signature.device(device.model)).ok:
            mask |= 1 << index
    return mask
