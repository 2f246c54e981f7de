"""Fuzzing the bridge decoders: random bytes and mutated valid streams raise only typed errors.

Like the DSF decoders: any input either imports, or raises a ``BridgeError`` (a
``DevstateError`` with a stable code and an offset inside the input) — never another
exception. The default suite runs a bounded number of examples; ``-m slow`` runs a
longer campaign. Every successful import must export again without a crash.
"""

from __future__ import annotations

import sys

import paths
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from paths import ROOT, SCHEMAS

from devstate.bridges import BridgeDecodeError, BridgeError
from devstate.bridges.nvme import LAYOUTS, export_state, import_state, parse_state
from devstate.bridges.virtio import export_parts, import_parts, list_parts
from devstate.schema import load_schema
from tools.strategies import mutated

DATA = paths.DATA / "bridges"
sys.path.insert(0, str(DATA))
import make_vectors as vectors  # noqa: E402

NET = load_schema(SCHEMAS / "org.virtio.net" / "1.1.yaml")
NET2 = load_schema(SCHEMAS / "org.virtio.net" / "2.0.yaml")
NET3 = load_schema(SCHEMAS / "org.virtio.net" / "3.0.yaml")
NVME = load_schema(SCHEMAS / "org.nvmexpress.ctrl" / "1.1.yaml")
PARTS = (DATA / "virtio-net-parts.bin").read_bytes()
VFIO = (DATA / "virtio-net-parts.vfio").read_bytes()
STATE = (DATA / "nvme-ctrl-state.bin").read_bytes()
RFC = (DATA / "nvme-ctrl-state-rfc2025.bin").read_bytes()
CONFORMANCE = ROOT / "spec" / "conformance" / "bridges"
SELECTORS = (CONFORMANCE / "virtio-parts" / "valid-net-every-selector.bin").read_bytes()
BOTH_MQ = (CONFORMANCE / "virtio-parts" / "valid-net-rss-then-hash.bin").read_bytes()
SHARED = (CONFORMANCE / "nvme-controller-state" / "valid-nvme-shared-cqs.bin").read_bytes()
VENDOR_ONLY = (CONFORMANCE / "nvme-controller-state" / "valid-nvme-vendor-state-only.bin").read_bytes()

BOUNDED = settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
CAMPAIGN = settings(max_examples=5000, deadline=None, suppress_health_check=list(HealthCheck))


def check_virtio(data: bytes) -> None:
    for schema in (NET, NET2, NET3):
        for framing in ("auto", "raw", "vfio"):
            try:
                result = import_parts(schema, data, framing)
            except BridgeError as exc:
                _located(exc, len(data))
                continue
            export_parts(schema, result.state, allow_lossy=True)
    try:
        list_parts(data, "auto", None)
    except BridgeError as exc:
        _located(exc, len(data))


def check_nvme(data: bytes) -> None:
    for layout in LAYOUTS:
        try:
            result = import_state(NVME, data, layout=layout, vendor_uuid=vectors.VENDOR_UUID)
        except BridgeError as exc:
            _located(exc, len(data))
            continue
        try:
            export_state(NVME, result.state, layout=layout, allow_lossy=True)
        except BridgeError as exc:  # a size that fits the input's layout fields but not another one is typed
            assert exc.code == "CANNOT_EXPORT"
        parse_state(data, LAYOUTS[layout])


def _located(exc: BridgeError, size: int) -> None:
    assert exc.code and exc.number > 0
    if isinstance(exc, BridgeDecodeError):
        assert 0 <= exc.offset <= size, exc


@BOUNDED
@given(st.binary(max_size=256))
def test_random_bytes_virtio(data: bytes) -> None:
    check_virtio(data)


@BOUNDED
@given(st.one_of(mutated(PARTS), mutated(VFIO), mutated(SELECTORS), mutated(BOTH_MQ)))
def test_mutated_parts(data: bytes) -> None:
    check_virtio(data)


@BOUNDED
@given(st.binary(max_size=256))
def test_random_bytes_nvme(data: bytes) -> None:
    check_nvme(data)


@BOUNDED
@given(st.one_of(mutated(STATE), mutated(RFC), mutated(SHARED), mutated(VENDOR_ONLY)))
def test_mutated_controller_state(data: bytes) -> None:
    check_nvme(data)


CAMPAIGN_ONLY = pytest.mark.skipif("'slow' not in config.getoption('markexpr')",
                                   reason="fuzz campaign: run with -m slow")


@pytest.mark.slow
@CAMPAIGN_ONLY
@CAMPAIGN
@given(st.one_of(st.binary(max_size=1024), mutated(PARTS), mutated(VFIO), mutated(SELECTORS), mutated(BOTH_MQ)))
def test_campaign_virtio(data: bytes) -> None:
    check_virtio(data)


@pytest.mark.slow
@CAMPAIGN_ONLY
@CAMPAIGN
@given(st.one_of(st.binary(max_size=1024), mutated(STATE), mutated(RFC), mutated(SHARED), mutated(VENDOR_ONLY)))
def test_campaign_nvme(data: bytes) -> None:
    check_nvme(data)
