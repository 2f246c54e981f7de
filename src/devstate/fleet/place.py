"""Placement: the pools and hosts a VM can move to, and why not elsewhere.

The VM's devices are checked against each pool's device of the same model (``pairs``),
once per pool: per device the verdict, the version ``negotiate`` picks, the versions the
state is written and loaded as, and whether ``devstate convert`` must bridge them.
"""

from __future__ import annotations

from dataclasses import dataclass

from devstate.fleet.inventory import Inventory, Signature
from devstate.fleet.pairs import DevicePair, PairCache
from devstate.fleet.pools import Pool, make_pools


@dataclass(frozen=True)
class PoolPlacement:
    pool: Pool
    devices: tuple[DevicePair, ...]

    @property
    def ok(self) -> bool:
        return all(d.ok for d in self.devices)

    @property
    def direct(self) -> bool:
        """Every device loads its state as saved at a common version (no conversion, no condition)."""
        return all(d.direct for d in self.devices)

    def to_json(self, names: list[str]) -> dict[str, object]:
        return {"pool": self.pool.name, "signature": self.pool.digest, "ok": self.ok, "direct": self.direct,
                "host_count": len(self.pool.hosts), "hosts": [names[i] for i in self.pool.hosts],
                "devices": [d.to_json() for d in self.devices]}


@dataclass(frozen=True)
class Placement:
    vm: str
    inventory: Inventory
    pools: tuple[PoolPlacement, ...]

    @property
    def targets(self) -> list[PoolPlacement]:
        return [p for p in self.pools if p.ok]

    def host_count(self) -> int:
        return sum(len(p.pool.hosts) for p in self.targets)

    def of_host(self, name: str) -> PoolPlacement | None:
        index = self.inventory.index(name)
        if index is None:
            return None
        return next(p for p in self.pools if index in p.pool.hosts)

    def to_json(self) -> dict[str, object]:
        names = self.inventory.names
        return {"vm": self.vm, "host_count": self.host_count(),
                "pools": [p.to_json(names) for p in self.pools],
                "errors": [e.to_json() for e in self.inventory.errors]}


def place(vm: str, devices: Signature, inventory: Inventory, pairs: PairCache,
          pools: tuple[Pool, ...] | None = None) -> Placement:
    """Where the VM with ``devices`` can go, pool by pool (the pools that can receive it first)."""
    placements = [PoolPlacement(pool, tuple(pairs.signature(devices, pool.signature)))
                  for pool in (pools if pools is not None else make_pools(inventory))]
    placements.sort(key=lambda p: not p.ok)
    return Placement(vm, inventory, tuple(placements))
