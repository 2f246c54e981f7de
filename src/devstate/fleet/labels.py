"""Kubernetes node labels that say what a host's devices load, and the node affinity that
keeps a VM's migration targets on hosts that load its state as saved.

The scheduler does the placement: devstate labels nodes (``fleet labels``) and turns a
VM's devices into required ``nodeAffinity`` terms (``fleet affinity``). The scheme
(spec/fleet.md): every key is ``devstate.dev/NAME``, every value ``"true"`` or a
decimal integer; per host device of model MODEL and per version V it lists:

* ``MODEL.vV`` — the device lists version V;
* ``MODEL.vV.PARAM.true`` / ``.false`` — it accepts that boolean (with V's default);
* ``MODEL.vV.PARAM.min`` and ``.max`` — it accepts every integer from min to max (one
  interval of the integers it accepts: the one holding V's default, else the largest);
* ``MODEL.vV.PARAM.s.TEXT`` — it accepts that string (the strings the description or
  the schema names);
* ``MODEL.vendor.NAMESPACE.ID`` — it understands that vendor section;
* ``pool`` — its capability signature (for people; the affinity does not use it).

A name over 63 characters, or with other characters, becomes a readable prefix and a
hash of the whole (``…-h0123456789``), computed the same way on both sides.

A VM's affinity has, per device, one term per pair of its versions (v*, v) with v ≤ v*:
the host lists v* and none of the VM's newer versions (v* is the newest common version,
whose defaults ``check-migration`` uses), accepts each parameter value the VM uses under
v* and under v, lists v and understands every vendor section v requires. The devices'
terms are multiplied out. A host it selects migrates every device at a common version
without conversion or condition (``DevicePair.direct``); it selects every such host when
the integers each host accepts for a parameter form one interval (a range, one value,
contiguous values) and the VM's strings are named by the hosts' descriptions or schemas.
"""

from __future__ import annotations

import hashlib
import itertools
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from devstate import ir
from devstate.compat.params import DeviceDescription, Value, VendorRef
from devstate.fleet.inventory import Signature
from devstate.fleet.registry import Registry

PREFIX = "devstate.dev"
MAX_NAME = 63
MAX_PREFIX = 253
MAX_VALUE = 63
MAX_TERMS = 512
"""Affinity terms kept (the terms beyond select further hosts; dropping them stays safe)."""
INT64_MAX = (1 << 63) - 1

_NAME = re.compile(r"^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$")
_DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
_PLAIN_TEXT = re.compile(r"^[A-Za-z0-9_.-]*[A-Za-z0-9]$")
_TRUE = ("true",)

Labels = dict[str, str]


# -- the Kubernetes rules -------------------------------------------------------------------


def valid_key(text: str) -> bool:
    """A label key: an optional DNS-subdomain prefix (≤253 characters, dot-separated DNS
    labels of ≤63) and ``/``, then a name of ≤63 characters, alphanumeric at both ends,
    ``-``, ``_`` and ``.`` inside."""
    prefix, slash, name = text.rpartition("/")
    if slash and not _valid_prefix(prefix):
        return False
    return len(name) <= MAX_NAME and bool(_NAME.match(name))


def _valid_prefix(prefix: str) -> bool:
    return 0 < len(prefix) <= MAX_PREFIX and all(len(p) <= 63 and _DNS_LABEL.match(p) for p in prefix.split("."))


def valid_value(text: str) -> bool:
    """A label value: empty, or ≤63 characters by the same rule as a name."""
    return text == "" or (len(text) <= MAX_VALUE and bool(_NAME.match(text)))


def key(*parts: str) -> str:
    """``devstate.dev/`` and the parts joined by dots, shortened with a hash when needed."""
    name = ".".join(parts)
    if len(name) > MAX_NAME or not _NAME.match(name):
        digest = hashlib.sha256(name.encode()).hexdigest()[:10]
        readable = re.sub(r"[^-A-Za-z0-9_.]", "-", name)[:MAX_NAME - 12].rstrip("-_.")
        name = f"{readable}-h{digest}" if readable[:1].isalnum() else f"h{digest}"
    return f"{PREFIX}/{name}"


def _string_token(text: str) -> str:
    return f"s.{text}" if _PLAIN_TEXT.match(text) else "sh." + hashlib.sha256(text.encode()).hexdigest()[:16]


def _vendor_key(model: str, ref: VendorRef) -> str:
    return key(model, "vendor", ref.vendor.replace(":0x", "-").replace(":", "-"), str(ref.id))


# -- node labels --------------------------------------------------------------------------------


def device_labels(device: DeviceDescription, registry: Registry) -> Labels:
    """The labels of one host device (every key and value valid by the Kubernetes rules)."""
    out: Labels = {}
    for version in sorted(device.versions):
        schema = registry.schema_for(device.model, version)
        out[key(device.model, f"v{version}")] = "true"
        declared = {p.name: p for p in schema.params} if schema is not None else {}
        for name in sorted(set(declared) | set(device.supported) | set(device.params)):
            out.update(_param_labels(device, f"v{version}", name, declared.get(name)))
    for ref in device.vendor_sections:
        out[_vendor_key(device.model, ref)] = "true"
    return out


def _param_labels(device: DeviceDescription, version: str, name: str, param: ir.Param | None) -> Labels:
    default = param.default if param is not None else None
    out: Labels = {}
    for flag in (False, True):
        if (param is None or param.type == "bool") and device.supports(name, flag, default):
            out[key(device.model, version, name, "true" if flag else "false")] = "true"
    for text in _strings(device, name, param):
        if device.supports(name, text, default):
            out[key(device.model, version, name, _string_token(text))] = "true"
    interval = _interval(device, name, param)
    if interval is not None:
        out[key(device.model, version, name, "min")] = str(interval[0])
        out[key(device.model, version, name, "max")] = str(interval[1])
    return out


def _strings(device: DeviceDescription, name: str, param: ir.Param | None) -> list[str]:
    named: list[Value] = [*(param.allowed or ()), param.default] if param is not None else []
    support = device.supported.get(name)
    named += list(support.values or ()) if support is not None else []
    named.append(device.params.get(name, 0))
    return sorted({v for v in named if isinstance(v, str)})


def _interval(device: DeviceDescription, name: str, param: ir.Param | None) -> tuple[int, int] | None:
    """One interval (within 0..2^63-1) of the integers the device accepts for ``name``: the
    one holding the default, else the largest (the highest of equal ones)."""
    default = param.default if param is not None else None
    if param is not None and param.type in ("bool", "string"):
        return None
    low, high = (0, INT64_MAX) if param is None else _domain(param)
    support = device.supported.get(name)
    spans: list[tuple[int, int]] = []
    if support is None:
        spans += [(v, v) for v in (default, device.params.get(name)) if isinstance(v, int) and not isinstance(v, bool)]
    elif support.any:
        spans.append((low, high))
    else:
        spans += [(v, v) for v in support.values or () if isinstance(v, int) and not isinstance(v, bool)]
        if support.min is not None or support.max is not None:
            spans.append((low if support.min is None else support.min, high if support.max is None else support.max))
    merged = _merge((max(a, low, 0), min(b, high, INT64_MAX)) for a, b in spans)
    if not merged:
        return None
    holding = [s for s in merged if isinstance(default, int) and s[0] <= default <= s[1]]
    return holding[0] if holding else max(merged, key=lambda s: (s[1] - s[0], s[1]))


def _domain(param: ir.Param) -> tuple[int, int]:
    low, high = ir.scalar_range(param.type)
    return (low if param.min is None else param.min, high if param.max is None else param.max)


def _merge(spans: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for low, high in sorted(s for s in spans if s[0] <= s[1]):
        if merged and low <= merged[-1][1] + 1:
            merged[-1] = (merged[-1][0], max(merged[-1][1], high))
        else:
            merged.append((low, high))
    return merged


def signature_labels(signature: Signature, digest: str, registry: Registry) -> Labels:
    out: Labels = {f"{PREFIX}/pool": digest}
    for device in signature.devices:
        out.update(device_labels(device, registry))
    return out


# -- node affinity --------------------------------------------------------------------------


@dataclass(frozen=True, order=True)
class Requirement:
    """One ``matchExpressions`` entry."""

    key: str
    operator: str
    values: tuple[str, ...] = ()

    def to_json(self) -> dict[str, object]:
        out: dict[str, object] = {"key": self.key, "operator": self.operator}
        if self.values:
            out["values"] = list(self.values)
        return out

    def matches(self, labels: Mapping[str, str]) -> bool:
        """What the Kubernetes scheduler does with the operator."""
        present = self.key in labels
        if self.operator == "In":
            return present and labels[self.key] in self.values
        if self.operator == "NotIn":
            return not present or labels[self.key] not in self.values
        if self.operator == "Exists":
            return present
        if self.operator == "DoesNotExist":
            return not present
        if not present or not re.fullmatch(r"-?[0-9]+", labels[self.key]):
            return False
        found, bound = int(labels[self.key]), int(self.values[0])
        return found > bound if self.operator == "Gt" else found < bound


Term = tuple[Requirement, ...]
"""``matchExpressions``: every requirement holds."""


@dataclass(frozen=True)
class Affinity:
    vm: str
    terms: tuple[Term, ...]
    """``nodeSelectorTerms``: one of them holds."""
    complete: bool
    """False when terms beyond ``MAX_TERMS`` were dropped (fewer hosts are selected)."""
    notes: tuple[str, ...] = ()

    def matches(self, labels: Mapping[str, str]) -> bool:
        return any(all(r.matches(labels) for r in term) for term in self.terms)

    def manifest(self) -> dict[str, object]:
        """``affinity`` as a KubeVirt VirtualMachine's ``spec.template.spec`` takes it."""
        terms = [{"matchExpressions": [r.to_json() for r in term]} for term in self.terms]
        return {"affinity": {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {
            "nodeSelectorTerms": terms}}}}


def affinity(vm: str, devices: Signature, registry: Registry) -> Affinity:
    """The required node affinity of a VM with ``devices``."""
    per_device = [_device_terms(device, registry) for device in devices.devices]
    notes = tuple(f"{d.model}: no host can load it as saved (a value the VM uses is not one a label can name)"
                  for d, terms in zip(devices.devices, per_device, strict=True) if not terms)
    terms: list[Term] = []
    complete = True
    for choice in itertools.product(*per_device):
        if len(terms) == MAX_TERMS:
            complete = False
            break
        term = _term(itertools.chain.from_iterable(choice))
        if term is not None and term not in terms:
            terms.append(term)
    return Affinity(vm, tuple(terms), complete, notes)


def _device_terms(device: DeviceDescription, registry: Registry) -> list[Term]:
    versions = sorted(device.versions, reverse=True)
    terms = []
    for index, newest in enumerate(versions):
        newest_params = _param_requirements(device, f"v{newest}", registry.schema_for(device.model, newest))
        if newest_params is None:
            continue
        head = [Requirement(key(device.model, f"v{newest}"), "In", _TRUE),
                *(Requirement(key(device.model, f"v{w}"), "DoesNotExist") for w in versions[:index])]
        for loaded in versions[index:]:
            schema = registry.schema_for(device.model, loaded)
            params = _param_requirements(device, f"v{loaded}", schema)
            if params is None:
                continue
            vendor = [Requirement(_vendor_key(device.model, r), "In", _TRUE)
                      for r in _required_vendor_sections(device, schema)]
            term = _term([*head, Requirement(key(device.model, f"v{loaded}"), "In", _TRUE), *newest_params,
                          *params, *vendor])
            if term is not None:
                terms.append(term)
    return terms


def _param_requirements(device: DeviceDescription, version: str, schema: ir.Schema | None) -> list[Requirement] | None:
    """What a host must be labelled with to accept every parameter value the device uses
    under ``schema``; None when no host can (a value the schema refuses, a negative integer)."""
    declared = {p.name: p for p in schema.params} if schema is not None else {}
    out: list[Requirement] = []
    for name in sorted(set(device.params) | set(declared)):
        param = declared.get(name)
        value = device.params.get(name, param.default if param is not None else None)
        if value is None:
            continue
        if param is not None and not param.accepts(value):
            return None
        if isinstance(value, bool):
            out.append(Requirement(key(device.model, version, name, "true" if value else "false"), "In", _TRUE))
        elif isinstance(value, int):
            if value < 0:
                return None
            out += [Requirement(key(device.model, version, name, "min"), "Lt", (str(value + 1),)),
                    Requirement(key(device.model, version, name, "max"), "Gt", (str(value - 1),))]
        else:
            out.append(Requirement(key(device.model, version, name, _string_token(value)), "In", _TRUE))
    return out


def _required_vendor_sections(device: DeviceDescription, schema: ir.Schema | None) -> list[VendorRef]:
    declared = {(str(v.vendor), v.id): v.optional for v in schema.vendor_sections} if schema else {}
    return [r for r in device.vendor_sections if not declared.get(r.key, r.optional)]


def _term(requirements: Iterable[Requirement]) -> Term | None:
    """The requirements sorted and without repeats; None when they contradict each other."""
    term = tuple(sorted(set(requirements)))
    absent = {r.key for r in term if r.operator == "DoesNotExist"}
    if any(r.key in absent for r in term if r.operator != "DoesNotExist"):
        return None
    return term
