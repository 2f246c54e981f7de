"""``devstate demo --qemu`` (and ``./run.sh --qemu``): the QEMU cases, every one as expected."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from paths import ROOT


@pytest.mark.needs("qemu", "guest")
def test_demo_qemu_runs_every_case(tmp_path: Path) -> None:
    result = subprocess.run([sys.executable, "-m", "devstate", "demo", "--qemu", "--keep", str(tmp_path)],
                            capture_output=True, text=True, cwd=ROOT, env={**os.environ, "COLUMNS": "200"})
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    out = result.stdout
    assert "4/4 cases behaved as expected" in out
    assert "the new stream is QEMU's stream byte for byte" in out
    assert "every standard field equal" in out
    assert "a fresh QEMU 10.0 with -incoming" in out
    assert ("QEMU_CANNOT_REPRESENT (config.max_virtqueue_pairs): 4 queue pairs; the device in the stream has 2 "
            "(QEMU's max_queue_pairs comes from the back end's queues)") in out
    assert out.count("the guest goes on: its ping is answered") == 3
    assert not (tmp_path / "q4.mig").exists()
    assert (tmp_path / "blobs" / "0000-00-03.0_virtio-net.dsf").exists()


def test_demo_qemu_says_what_to_install_when_it_cannot_run(monkeypatch: pytest.MonkeyPatch) -> None:
    from click.testing import CliRunner

    from devstate.cli import main
    from tools import system_deps

    monkeypatch.setattr(system_deps.Group, "missing", lambda self: ["qemu-system-x86_64"] if self.name == "qemu"
                        else [])
    result = CliRunner().invoke(main, ["demo", "--qemu"])
    assert result.exit_code == 2
    assert "the QEMU cases need system packages qemu: tools/system-deps --install qemu" in result.output
