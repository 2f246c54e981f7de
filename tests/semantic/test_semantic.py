"""Semantic rules of the device models: checked by validate and before a bridge export, listed on the site."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from paths import ROOT, SCHEMAS

from devstate.bridges import BridgeExportError
from devstate.bridges.nvme import export_state, import_state
from devstate.cli import main
from devstate.interp import encode
from devstate.schema import load_schema
from devstate.semantic import check_state, rules_for

NVME = load_schema(SCHEMAS / "org.nvmexpress.ctrl" / "1.1.yaml")
SEVERAL = ROOT / "spec" / "conformance" / "bridges" / "nvme-controller-state" / "valid-nvme-several-queues.bin"


def _state() -> dict[str, Any]:
    return import_state(NVME, SEVERAL.read_bytes()).state


def test_an_imported_controller_state_keeps_every_rule() -> None:
    assert check_state(NVME, _state()) == []


@pytest.mark.parametrize(("change", "rule", "path", "message"), [
    (lambda s: s["io_sqs"][1].update(cqid=9), "NVME-Q003", "$.sections.io_sqs[1].cqid",
     "cqid 9 names no queue of io_cqs (cqids: 1, 2, 3, 4)"),
    (lambda s: s["io_cqs"][2].update(cqid=2), "NVME-Q001", "$.sections.io_cqs[2].cqid",
     "cqid 2 is already used by io_cqs[1]"),
    (lambda s: s["io_sqs"].reverse(), "NVME-Q002", "$.sections.io_sqs[1].sqid", "sqid 3 follows 4"),
    (lambda s: s["io_cqs"][0].update(tail=1024), "NVME-Q004", "$.sections.io_cqs[0].tail",
     "tail 1024 is past the last slot of a 1024-entry queue"),
    (lambda s: s["inflight"].append({"sqid": 7, "sqe": bytes(64)}), "NVME-Q005", "$.sections.inflight[0].sqid",
     "sqid 7 is neither 0 (admin) nor a queue of io_sqs"),
])
def test_each_rule(change: Any, rule: str, path: str, message: str, tmp_path: Path) -> None:
    state = _state()
    change(state["sections"])
    violations = check_state(NVME, state)
    assert (violations[0].rule, violations[0].path, violations[0].message) == (rule, path, message)
    blob = tmp_path / "bad.dsf"
    blob.write_bytes(encode(NVME, state))  # the codecs do not check semantic rules
    result = CliRunner().invoke(main, ["validate", str(blob)])
    assert result.exit_code == 1
    assert f"{blob}: SEMANTIC_RULE {rule} at {path}: {message}" in result.stdout
    report = json.loads(CliRunner().invoke(main, ["validate", str(blob), "--json"]).stdout)
    assert report["states"][0]["error"] == {"code": "SEMANTIC_RULE", "rule": rule, "path": path, "message": message}
    with pytest.raises(BridgeExportError) as caught:
        export_state(NVME, state)
    assert (caught.value.code, caught.value.path) == ("CANNOT_EXPORT", path)
    assert caught.value.message.startswith(f"{rule}: {message}")


def test_a_valid_state_validates() -> None:
    result = CliRunner().invoke(main, ["validate", str(ROOT / "spec" / "conformance" / "vectors" /
                                                     "valid-org.nvmexpress.ctrl-1.1-default.dsf")])
    assert result.exit_code == 0 and "valid org.nvmexpress.ctrl@1.1 state" in result.stdout


def test_the_website_lists_every_rule() -> None:
    page = (ROOT / "spec" / "semantic-checks.md").read_text(encoding="utf-8")
    rows = re.findall(r"^\| (NVME-Q\d{3}) \| (.+) \|$", page, flags=re.MULTILINE)
    assert rows == [(r.id, r.title) for r in rules_for("org.nvmexpress.ctrl")]
    assert rules_for("org.virtio.net") == []
