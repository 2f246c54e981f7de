"""The blob viewer's JavaScript decoder (spec/javascripts/dsf-decode.js) against the reference codec.

Differential: under node, the viewer's decoder reads every conformance vector with the
IR JSON of its schema (what the site offers for download); the valid ones must decode to
the same state JSON as the reference codec, the invalid and malicious ones must fail with
the same error code, number, offset and field path; so must mutants of the valid ones
(random bytes changed, the checksum fixed, so decoding goes past the envelope). Skipped
without node, except in CI.
"""

from __future__ import annotations

import json
import random
import struct
import subprocess
from pathlib import Path
from typing import Any

import pytest
from paths import ROOT
from system_packages import require

from devstate.interp import decode
from devstate.state import state_to_json
from devstate.wire.checksum import crc32c
from devstate.wire.errors import DecodeError
from tools import conformance

DECODER = ROOT / "spec" / "javascripts" / "dsf-decode.js"
ENTRIES = conformance.load_manifest()

DRIVER = r"""
const fs = require("node:fs");
const DSF = require(process.argv[2]);
const jobs = JSON.parse(fs.readFileSync(process.argv[3], "utf8"));
const out = [];
for (const job of jobs) {
  const schema = JSON.parse(fs.readFileSync(job.ir, "utf8"));
  const bytes = new Uint8Array(fs.readFileSync(job.blob));
  const limits = job.limits;
  const result = DSF.decodeDsf(schema, bytes, limits);
  const error = result.error && {code: result.error.code, number: result.error.number,
                                  offset: result.error.offset, path: result.error.path};
  out.push(`{"name": ${JSON.stringify(job.name)}, "error": ${JSON.stringify(error)}, ` +
           `"state": ${result.state ? DSF.stateToJson(result.state) : "null"}}`);
}
console.log("[" + out.join(",\n") + "]");
"""

JS_LIMITS = {"max_total_size": "maxTotalSize", "max_region_size": "maxRegionSize", "max_depth": "maxDepth",
             "max_sections": "maxSections", "max_unknown_sections": "maxUnknownSections"}


def _reference(entry: dict[str, Any], blob: bytes | None = None) -> dict[str, Any]:
    schema = conformance.resolve_schema(entry["schema"])
    if blob is None:
        blob = (conformance.CONFORMANCE_DIR / entry["blob"]).read_bytes()
    try:
        return {"error": None, "state": state_to_json(decode(schema, blob, conformance.entry_limits(entry)))}
    except DecodeError as exc:
        error = {"code": exc.code, "number": exc.number, "offset": exc.offset, "path": exc.path}
        return {"error": error, "state": None}


def _run_viewer(work: Path, blobs: list[tuple[str, dict[str, Any], Path]]) -> dict[str, dict[str, Any]]:
    """Decode each (name, manifest entry, blob file) with the viewer's decoder under node."""
    require("browser")
    jobs, irs = [], {}
    for name, entry, blob in blobs:
        if entry["schema"] not in irs:
            schema = conformance.resolve_schema(entry["schema"])
            path = work / f"ir-{len(irs)}.json"
            path.write_text(json.dumps(schema.model_dump(mode="json")), encoding="utf-8")
            irs[entry["schema"]] = path
        limits = {JS_LIMITS[k]: v for k, v in entry.get("limits", {}).items()}
        jobs.append({"name": name, "ir": str(irs[entry["schema"]]), "blob": str(blob), "limits": limits})
    (work / "jobs.json").write_text(json.dumps(jobs), encoding="utf-8")
    driver = work / "driver.js"
    driver.write_text(DRIVER, encoding="utf-8")
    command = ["node", str(driver), str(DECODER), str(work / "jobs.json")]
    result = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    return {row["name"]: row for row in json.loads(result.stdout)}


@pytest.fixture(scope="module")
def viewer_results(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    blobs = [(e["name"], e, conformance.CONFORMANCE_DIR / e["blob"]) for e in ENTRIES]
    return _run_viewer(tmp_path_factory.mktemp("viewer"), blobs)


VALID = [e for e in ENTRIES if "error" not in e]
INVALID = [e for e in ENTRIES if "error" in e]


@pytest.mark.parametrize("entry", VALID, ids=[e["name"] for e in VALID])
def test_valid_vectors_decode_to_the_reference_codecs_json(entry: dict[str, Any], viewer_results: Any) -> None:
    got = viewer_results[entry["name"]]
    assert got["error"] is None
    assert got["state"] == _reference(entry)["state"]


@pytest.mark.parametrize("entry", INVALID, ids=[e["name"] for e in INVALID])
def test_invalid_vectors_fail_like_the_reference_codec(entry: dict[str, Any], viewer_results: Any) -> None:
    got = viewer_results[entry["name"]]
    assert got["state"] is None
    assert got["error"] == entry["error"] == _reference(entry)["error"]


MUTANTS_PER_VECTOR = 3


def _mutant(blob: bytes, rng: random.Random) -> bytes:
    """``blob`` with one to three bytes changed and its checksum made right again."""
    data = bytearray(blob)
    for _ in range(rng.choice((1, 1, 2, 3))):
        at = rng.randrange(len(data) - 4)
        data[at] = rng.choice((0, 0xFF, data[at] ^ (1 << rng.randrange(8)), rng.randrange(256)))
    data[-4:] = struct.pack("<I", crc32c(bytes(data[:-4])))
    return bytes(data)


def test_mutants_of_valid_vectors_decode_or_fail_like_the_reference_codec(tmp_path: Path) -> None:
    rng = random.Random(20)
    blobs, expected = [], {}
    for entry in VALID:
        original = (conformance.CONFORMANCE_DIR / entry["blob"]).read_bytes()
        for index in range(MUTANTS_PER_VECTOR):
            name = f"{entry['name']}#{index}"
            path = tmp_path / f"{len(blobs)}.dsf"
            path.write_bytes(_mutant(original, rng))
            blobs.append((name, entry, path))
            expected[name] = _reference(entry, path.read_bytes())
    got = _run_viewer(tmp_path, blobs)
    refused = sum(1 for result in expected.values() if result["error"])
    assert 0 < refused < len(expected), "mutants both decode and fail"
    differ = [n for n, want in expected.items() if {"error": got[n]["error"], "state": got[n]["state"]} != want]
    assert differ == []
