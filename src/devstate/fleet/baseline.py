"""Baselines: the richest device configuration every host of a set loads.

Per device model: the newest version every host lists, and per migration parameter the
richest value every host accepts (with that version's defaults; the baseline lists the
values other than the default, an absent parameter meaning its default), and the vendor
sections every host understands. A VM started with the baseline passes ``check-migration`` against
every host of the set. For each richer choice (a newer version, a richer value, one more
vendor section) the hosts that hold it back are named: the richer choice every other host
loads.

"Richer", for parameter values: a value other than the default is richer than the
default; then a larger integer, ``true`` over ``false``, and for strings the later value
of the schema's ``allowed`` list (else the later in code-point order).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from devstate import ir
from devstate.compat.params import DeviceDescription, Value, VendorRef
from devstate.fleet.inventory import Inventory, device_json
from devstate.fleet.pools import Pool, make_pools
from devstate.fleet.registry import Registry


@dataclass(frozen=True)
class HeldBack:
    """A richer choice that every host but those of ``pools`` loads."""

    model: str
    what: str
    """``model``, ``version``, ``param`` or ``vendor_section``."""
    name: str
    richer: object
    pools: tuple[Pool, ...]

    @property
    def host_count(self) -> int:
        return sum(len(p.hosts) for p in self.pools)

    @property
    def message(self) -> str:
        hosts = f"{self.host_count} host{'s' if self.host_count != 1 else ''}"
        where = f"{hosts} ({', '.join(p.name for p in self.pools)})"
        if self.what == "model":
            return f"{self.model}: {where} {'has' if self.host_count == 1 else 'have'} no {self.model} device"
        if self.what == "version":
            return f"{self.model}: version {self.richer} is held back by {where} not listing it"
        if self.what == "vendor_section":
            return f"{self.model}: vendor section {self.name} is held back by {where} not understanding it"
        return f"{self.model}: {self.name}={_text(self.richer)} is held back by {where} not accepting it"

    def to_json(self, names: list[str]) -> dict[str, object]:
        return {"model": self.model, "what": self.what, "name": self.name, "richer": self.richer,
                "pools": [p.name for p in self.pools], "host_count": self.host_count,
                "hosts": [names[i] for p in self.pools for i in p.hosts], "message": self.message}


@dataclass(frozen=True)
class ModelBaseline:
    model: str
    device: DeviceDescription | None
    """None: no configuration of the model loads on every host (``problems`` says why)."""
    held_back: tuple[HeldBack, ...] = ()
    problems: tuple[str, ...] = ()


@dataclass(frozen=True)
class Baseline:
    inventory: Inventory
    models: tuple[ModelBaseline, ...]

    def vm_record(self, name: str = "baseline") -> dict[str, object]:
        """A VM description using the baseline of every model that has one."""
        return {"vm": name, "devices": [device_json(m.device) for m in self.models if m.device is not None]}

    def to_json(self) -> dict[str, object]:
        names = self.inventory.names
        return {
            "hosts": len(self.inventory), "vm": self.vm_record(),
            "models": [{"model": m.model, "baseline": None if m.device is None else device_json(m.device),
                        "problems": list(m.problems), "held_back": [h.to_json(names) for h in m.held_back]}
                       for m in self.models],
            "errors": [e.to_json() for e in self.inventory.errors],
        }


def baseline(inventory: Inventory, registry: Registry, pools: tuple[Pool, ...] | None = None) -> Baseline:
    pools = pools if pools is not None else make_pools(inventory)
    models = sorted({d.model for p in pools for d in p.signature.devices})
    return Baseline(inventory, tuple(_model(model, pools, registry) for model in models))


@dataclass
class _Set:
    """The distinct devices of one model over a set of pools, each with its pools."""

    model: str
    devices: list[DeviceDescription] = field(default_factory=list)
    pools: list[list[Pool]] = field(default_factory=list)

    def add(self, device: DeviceDescription, pool: Pool) -> None:
        for index, known in enumerate(self.devices):
            if known is device:
                self.pools[index].append(pool)
                return
        self.devices.append(device)
        self.pools.append([pool])

    def refusing(self, accepts: Iterable[bool]) -> tuple[Pool, ...]:
        """The pools of the devices for which ``accepts`` (one per device) is false."""
        return tuple(sorted((p for ok, pools in zip(accepts, self.pools, strict=True) if not ok for p in pools),
                            key=lambda p: int(p.name[1:])))

    def hosts(self, pools: tuple[Pool, ...]) -> int:
        return sum(len(p.hosts) for p in pools)


def _model(model: str, pools: tuple[Pool, ...], registry: Registry) -> ModelBaseline:
    found = _Set(model)
    lacking = []
    for pool in pools:
        device = pool.signature.device(model)
        if device is None:
            lacking.append(pool)
        else:
            found.add(device, pool)
    if lacking:
        held = HeldBack(model, "model", model, None, tuple(lacking))
        return ModelBaseline(model, None, (held,), (held.message,))
    common = set.intersection(*(set(d.versions) for d in found.devices))
    held_back: list[HeldBack] = []
    newer = sorted({v for d in found.devices for v in d.versions} - common)
    if not common:
        return ModelBaseline(model, None, problems=(f"{model}: no version every host lists",))
    version = max(common)
    held_back += _richer(found, "version", "version", [v for v in newer if v > version],
                         lambda d, v: v in d.versions, key=lambda v: v)
    schema = registry.schema_for(model, version)
    params: dict[str, Value] = {}
    problems: list[str] = []
    for name in _param_names(found, schema):
        param = schema.param(name) if schema is not None else None
        chosen, param_held = _param(found, name, param)
        held_back += param_held
        if chosen is None:
            if param is not None:
                problems.append(f"{model}: {name}: no value every host accepts")
        elif param is None or not _same(chosen, param.default):
            params[name] = chosen
    vendor, held_vendor = _vendor_sections(found)
    held_back += held_vendor
    if problems:
        return ModelBaseline(model, None, tuple(held_back), tuple(problems))
    device = DeviceDescription(model, (version,), params, vendor_sections=vendor,
                               description=f"the baseline of {model} over the set", source="baseline")
    return ModelBaseline(model, device, tuple(held_back))


def _param_names(found: _Set, schema: ir.Schema | None) -> list[str]:
    declared = [p.name for p in schema.params] if schema is not None else []
    if schema is not None:
        return sorted(declared)
    return sorted({n for d in found.devices for n in (*d.supported, *d.params)})


def _param(found: _Set, name: str, param: ir.Param | None) -> tuple[Value | None, list[HeldBack]]:
    default = param.default if param is not None else None
    valid = [x for x in _candidates(found, name, param) if param is None or param.accepts(x)]
    accepted = [x for x in valid if all(d.supports(name, x, default) for d in found.devices)]

    def richness(value: Value) -> tuple[bool, int, object]:
        return (default is None or not _same(value, default), *_rank(value, param))

    if not accepted:
        return None, []
    chosen = max(accepted, key=richness)
    richer = [x for x in valid if richness(x) > richness(chosen)]
    held = _richer(found, "param", name, richer, lambda d, x: d.supports(name, x, default), key=richness)
    return chosen, held


def _candidates(found: _Set, name: str, param: ir.Param | None) -> list[Value]:
    """Every value that can be the richest accepted one: listed values, range ends, defaults."""
    out: list[Value] = []
    if param is not None:
        out.append(param.default)
        out += list(param.allowed or ())
        if param.type == "bool":
            out += [False, True]
        elif param.type != "string":
            low, high = ir.scalar_range(param.type)
            out += [low if param.min is None else param.min, high if param.max is None else param.max]
    for device in found.devices:
        support = device.supported.get(name)
        if support is not None:
            out += list(support.values or ()) + [b for b in (support.min, support.max) if b is not None]
        if name in device.params:
            out.append(device.params[name])
    unique: list[Value] = []
    for value in out:
        if not any(_same(value, u) for u in unique):
            unique.append(value)
    return unique


def _rank(value: Value, param: ir.Param | None) -> tuple[int, object]:
    if isinstance(value, bool):
        return 0, int(value)
    if isinstance(value, int):
        return 1, value
    allowed = list(param.allowed or ()) if param is not None else []
    return 2, (allowed.index(value) if value in allowed else -1, value)


def _richer(found: _Set, what: str, name: str, richer: Sequence[Any], loads: Callable[[DeviceDescription, Any], bool],
            key: Callable[[Any], Any]) -> list[HeldBack]:
    """The richer choice the most hosts load (ties: the richest) and the pools holding it back;
    nothing when no host loads a richer choice."""
    best = None
    everyone = sum(found.hosts(tuple(pools)) for pools in found.pools)
    for value in sorted(richer, key=key, reverse=True):
        refusing = found.refusing(loads(d, value) for d in found.devices)
        held = found.hosts(refusing)
        if held < everyone and (best is None or held < found.hosts(best[1])):
            best = (value, refusing)
    if best is None:
        return []
    return [HeldBack(found.model, what, name, str(best[0]) if what == "version" else best[0], best[1])]


def _vendor_sections(found: _Set) -> tuple[tuple[VendorRef, ...], list[HeldBack]]:
    every = set.intersection(*({v.key for v in d.vendor_sections} for d in found.devices))
    refs: dict[tuple[str, int], VendorRef] = {}
    for device in found.devices:
        for ref in device.vendor_sections:
            refs.setdefault(ref.key, ref)
    held = [HeldBack(found.model, "vendor_section", str(ref), None,
                     found.refusing(key in {v.key for v in d.vendor_sections} for d in found.devices))
            for key, ref in sorted(refs.items()) if key not in every]
    return tuple(refs[k] for k in sorted(every)), held


def _same(a: Value, b: Value) -> bool:
    """Values compare with their JSON type, as check-migration compares them (1 is not true)."""
    return type(a) is type(b) and a == b


def _text(value: object) -> str:
    return json.dumps(value)
