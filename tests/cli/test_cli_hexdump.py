"""``decode --hexdump`` and ``--partial``: a blob you do not trust, byte by byte, up to its first error."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

from click.testing import CliRunner, Result
from paths import ROOT

from devstate.cli import main
from devstate.interp.annotate import annotate
from devstate.schema import find_schema_file, load_schema

CONFORMANCE = ROOT / "spec" / "conformance"
VECTORS = CONFORMANCE / "vectors"
LED = CONFORMANCE / "schemas" / "org.example.led" / "1.0.yaml"
TEST_10 = CONFORMANCE / "schemas" / "org.devstate.test" / "1.0.yaml"
QUEUE_SIZE = VECTORS / "invalid-virtio-net-queue-size-out-of-range.dsf"


def run(*args: str | Path) -> Result:
    return CliRunner().invoke(main, [str(a) for a in args])


def test_hexdump_of_the_worked_example_labels_every_byte() -> None:
    result = run("decode", "--hexdump", "--schema", LED, VECTORS / "valid-led-worked-example.dsf")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        "00000000  89 44 53 46 0d 0a 1a 0a                          $.header.magic",
        "00000008  01 00                                            $.header.format_version",
        "0000000a  00 00                                            $.header.flags",
        "0000000c  01 00                                            $.header.major",
        "0000000e  00 00                                            $.header.minor",
        "00000010  46 00 00 00 00 00 00 00                          $.header.total_length",
        "00000018  0f                                               $.header.model_id_length",
        "00000019  6f 72 67 2e 65 78 61 6d 70 6c 65 2e 6c 65 64     $.header.model",
        "00000028  01 00 00 00 04 00 00 00                          "
        "$.sections[id=1] (section header: id, flags, length)",
        "00000030  01                                               $.sections.led.lit = true",
        '00000031  01                                               $.sections.led.color = "green"',
        "00000032  f4 01                                            $.sections.led.brightness = 500",
        "00000034  02 00 01 00 06 00 00 00                          "
        "$.sections[id=2] (section header: id, flags, length)",
        '0000003c  02 00 00 00 68 69                                $.sections.label = "hi"',
        "00000042  ac 4a 7f be                                      $.trailer.crc32c",
    ]
    hexed = run("decode", "--hexdump", "--hex", "--schema", LED, VECTORS / "valid-led-worked-example.dsf")
    assert "$.sections.led.brightness = 0x1f4" in hexed.stdout


def test_hexdump_stops_at_the_first_error_and_marks_it() -> None:
    result = run("decode", "--hexdump", QUEUE_SIZE)
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    at = lines.index("00000098  ^ OUT_OF_RANGE at offset 152 ($.sections.queues[1].size): 40000 is outside 0..32768")
    assert lines[at - 1] == "00000097  00" + " " * 47 + "$.sections.queues[0].reset = false"
    assert lines[at + 1] == "00000098  40 9c 00 00 00 00 00 00 00 00 00 00 00 00 00 00  (not decoded)"
    assert lines[at + 3] == "          … 614 more bytes (--all shows them)"
    assert "00000068  02 00 00 00 28 00 00 00" + " " * 26 + "$.sections.queues (count, size or stride prefix)" in lines
    assert result.stderr == (f"devstate: error: {QUEUE_SIZE}: OUT_OF_RANGE at offset 152 ($.sections.queues[1].size): "
                             "40000 is outside 0..32768\n")


def test_a_bad_checksum_does_not_hide_the_content() -> None:
    blob = VECTORS / "invalid-bad-checksum.dsf"
    assert run("decode", "--schema", TEST_10, blob).stdout == ""
    result = run("decode", "--hexdump", "--schema", TEST_10, blob)
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert "00000115  01 00 00 00                                      $.vendor_sections.acme_regs.r0 = 1" in lines
    assert lines[-2:] == [
        "0000011d  ^ BAD_CHECKSUM at offset 285 ($.trailer.crc32c): CRC-32C is 0xbf539803 but the content's is "
        "0xcf7f365c",
        "            (the content above was decoded as if the checksum were right)"]
    partial = run("decode", "--partial", "--schema", TEST_10, blob)
    assert partial.exit_code == 1 and "acme_regs" in partial.stdout and "✗ BAD_CHECKSUM at offset 285" in partial.stdout


def test_partial_tree_shows_what_decoded_and_marks_the_error() -> None:
    result = run("decode", "--partial", "--paths", QUEUE_SIZE)
    assert result.exit_code == 1
    assert "$.sections.queues[0].reset = false  @151, 1 B" in result.stdout
    assert "queues[1]  @" not in result.stdout and "queues[1] =" not in result.stdout
    assert result.stdout.splitlines()[-1] == ("✗ OUT_OF_RANGE at offset 152 ($.sections.queues[1].size): 40000 is "
                                              "outside 0..32768")


def test_partial_json_lists_the_spans_and_the_error() -> None:
    result = run("decode", "--partial", "--json", QUEUE_SIZE)
    report = json.loads(result.stdout)
    assert result.exit_code == 1 and report["valid"] is False
    assert report["errors"][0]["code"] == "OUT_OF_RANGE" and report["errors"][0]["offset"] == 152
    assert {"path": "$.sections.queues[0].reset", "offset": 151, "size": 1, "value": False} in report["spans"]


def test_every_byte_of_every_valid_vector_is_in_exactly_one_innermost_run() -> None:
    """The spans tile the blob: framing and values cover it without gaps in the header and trailer."""
    manifest = json.loads((CONFORMANCE / "manifest.json").read_text())
    for vector in [v for v in manifest["vectors"] if "expected" in v][:40]:
        ref = vector["schema"]
        schema = load_schema(CONFORMANCE / ref) if ref.endswith(".yaml") else load_schema(find_schema_file(ref).path)
        data = (CONFORMANCE / vector["blob"]).read_bytes()
        annotated = annotate(schema, data)
        assert annotated.error is None and annotated.checksum_error is None, vector["name"]
        leaves = sorted((s.offset, s.end) for s in annotated.spans if s.leaf)
        for (_, end), (start, _) in itertools.pairwise(leaves):
            assert start >= end, (vector["name"], start, end)  # leaves never overlap
        assert leaves[0][0] == 0 and leaves[-1][1] == len(data)
