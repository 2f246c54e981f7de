"""The QEMU readers under fuzzing: seeds, bounded hypothesis mutation, and the atheris runner.

Any input to the dump reader, the stream reader or the virtio section parser either reads or
raises that reader's typed error with its code (and an offset inside the input): never another
exception (fuzz/readers.py says what each target checks). The default suite runs bounded
campaigns; ``fuzz/run_readers.py`` runs the long ones (figures in spec/security.md).
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from paths import DATA, ROOT
from system_packages import unavailable

sys.path.insert(0, str(ROOT / "fuzz"))
import readers

from tools.strategies import mutated

BOUNDED = settings(max_examples=200, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)


def _seeds(target: str) -> list[bytes]:
    found = list(readers.seeds(target))
    if not found:
        unavailable(f"no seeds for {target}: the QEMU data is made by `python3 tools/qemu_data.py`")
    return found


@pytest.fixture(scope="module", autouse=True)
def _qemu_data(qemu_dump: Callable[..., Path], qemu_stream: Callable[..., Path]) -> None:
    """The seeds of the QEMU targets come from real QEMU data in the cache: make it once."""
    qemu_dump("7.2", "pc")
    qemu_stream("7.2", "pc-virtio-net")


@pytest.mark.parametrize("target", sorted(readers.TARGETS))
def test_every_seed_reads_or_is_refused_with_a_typed_error(target: str) -> None:
    outcomes = [readers.TARGETS[target](seed) for seed in _seeds(target)]
    assert "accepted" in outcomes or target == "qemu-virtio"


def test_a_reduced_real_stream_is_a_valid_stream(qemu_stream: Callable[..., Path]) -> None:
    from devstate.qemu.stream import parse_stream

    reduced = readers.reduced_stream(qemu_stream("7.2", "pc-virtio-net").read_bytes())
    assert [s.vmsd_name for s in parse_stream(reduced).devices()] == ["timer", "cpu", "fw_cfg", "virtio-net"]
    assert readers.check_qemu_stream(reduced) == "accepted"


@pytest.mark.parametrize("target", ["qemu-stream", "qemu-dump", "qemu-virtio"])
def test_mutated_seeds(target: str) -> None:
    strategy = st.one_of(*(mutated(seed) for seed in _seeds(target)), st.binary(max_size=512))

    @BOUNDED
    @given(strategy)
    def run(data: bytes) -> None:
        readers.TARGETS[target](data)

    run()


def test_the_atheris_runner() -> None:
    if importlib.util.find_spec("atheris") is None:
        unavailable("atheris is not installed: pip install -e '.[fuzz]' (./test.sh installs it)")
    result = subprocess.run([sys.executable, str(ROOT / "fuzz" / "run_readers.py"), "--target", "qemu-stream",
                             "-runs=1100", "-seed=1"], capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert result.returncode == 0, result.stderr[-4000:]
    assert "Done 1100 runs" in result.stderr
    assert "qemu-stream: 1024 inputs; outcomes {" in result.stderr


def test_the_runner_lists_its_targets() -> None:
    result = subprocess.run([sys.executable, str(ROOT / "fuzz" / "run_readers.py"), "--list"], capture_output=True,
                            text=True, check=True, cwd=ROOT)
    assert [line.split()[0] for line in result.stdout.splitlines()] == sorted(readers.TARGETS)


def test_a_device_that_refuses_its_own_stream_is_no_fuzz_finding() -> None:
    """minimum_version_id above version_id is in QEMU's own dumps: the reader takes it, and the
    self-comparison's QV-V002 (true: QEMU refuses that stream) is not taken for a finding."""
    entry = (b'{"x": {"Name": "x", "version_id": 1, "minimum_version_id": 2, "Description": {"name": "x", '
             b'"version_id": 1, "minimum_version_id": 2, "Fields": []}}}')
    assert readers.check_qemu_dump(entry) == "accepted"


FINDINGS = DATA / "bridges" / "findings"


def test_virtio_parts_finding_a_virtqueue_index_past_num_queues_is_refused_at_its_selector() -> None:
    """The campaign's finding: VQ_CFG parts for virtqueues 15104 and 63488 of a device with
    num_queues 2 were imported (and dropped), so the state's export lacked every VQ_CFG part."""
    from devstate.bridges.errors import BridgeDecodeError
    from devstate.bridges.virtio.convert import import_parts
    from devstate.schema import load_schema

    data = (FINDINGS / "virtio-parts-export-without-vq-cfg.bin").read_bytes()
    assert readers.check_virtio_parts(data) == "BAD_SELECTOR"
    with pytest.raises(BridgeDecodeError) as refused:
        import_parts(load_schema(ROOT / "schemas/org.virtio.net/1.1.yaml"), data)
    assert (refused.value.code, refused.value.offset, refused.value.part) == ("BAD_SELECTOR", 212, "VQ_CFG[15104]")
    assert str(refused.value).endswith("vq_index 15104 names no virtqueue: PCI_COMMON_CFG num_queues is 2 "
                                       "(virtqueues 0 to 1)")


def test_virtio_parts_a_virtqueue_index_past_the_schema_is_refused_not_dropped() -> None:
    """Without num_queues the index cannot be checked against the device, only against the schema."""
    from devstate.bridges.errors import BridgeDecodeError
    from devstate.bridges.virtio.convert import import_parts
    from devstate.schema import load_schema

    data = (FINDINGS / "virtio-parts-export-without-vq-cfg.bin").read_bytes()
    without_num_queues = data[:138] + data[156:]   # the 18-byte PCI_COMMON_CFG num_queues part
    with pytest.raises(BridgeDecodeError) as refused:
        import_parts(load_schema(ROOT / "schemas/org.virtio.net/1.1.yaml"), without_num_queues)
    assert (refused.value.code, refused.value.offset) == ("BAD_VALUE", 194)
    assert "vq_index 15104 is past the 1024 virtqueues" in str(refused.value)
