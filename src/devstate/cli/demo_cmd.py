"""``devstate demo``: vendor A (C) and vendor B (Python) migrate virtio-net state both ways."""

from __future__ import annotations

from pathlib import Path

import click

from devstate.cli.output import EXIT_INVALID, EXIT_OK, console, fail, print_json
from devstate.demo import DemoError, DemoResult, Options, run_demo


@click.command()
@click.option("--keep", "work_dir", type=click.Path(path_type=Path, file_okay=False), default=None,
              help="Keep the blobs and device descriptions in DIR (default: a temporary directory).")
@click.option("--full", is_flag=True, help="Show every field in the comparison tables, zeros included.")
@click.option("--build-dir", type=click.Path(path_type=Path, file_okay=False), default=None,
              help="Where vendor A is compiled (default: build/demo in the checkout).")
@click.option("--cc", default=None, help="The C compiler for vendor A (default: $CC, cc, gcc or clang).")
@click.option("--root", type=click.Path(path_type=Path, file_okay=False, exists=True), default=None,
              help="The devstate checkout holding examples/ and codegen/ (default: this one).")
@click.option("--qemu", is_flag=True, help="Real QEMU as vendor A: a Linux guest's virtio-net and virtio-blk state "
              "through devstate and back (needs tools/system-deps --install qemu guest).")
@click.option("--json", "as_json", is_flag=True,
              help="Print only a JSON document of the cases (number, title, route, outcome, ok); no steps.")
def demo(work_dir: Path | None, full: bool, build_dir: Path | None, cc: str | None, root: Path | None,
         qemu: bool, as_json: bool) -> None:
    """Vendor A → vendor B: two independent device implementations migrate through devstate.

    Builds vendor A's virtio-net device (C, examples/vendor_a) and runs vendor B's (Python,
    examples/vendor_b), then migrates between them: A → B, B → A, A on 1.1 → B on 1.0 (converted
    when lossless, refused when not) and a must-understand vendor section B refuses. Every step is
    shown; the state each destination rebuilt is compared field by field with what the source saved.
    With --qemu: QEMU 7.2 and 10.0 with a real Linux guest instead (QEMU → DSF → QEMU, through
    vendor B, 7.2 into 10.0, a refusal); the guest's console proves each load.
    Exit status: 0 every case behaved as expected, 1 one did not, 2 the demo cannot run.
    """
    shown = console
    if as_json:
        from rich.console import Console

        shown = Console(quiet=True)  # the steps are not printed: stdout holds the JSON document alone
    try:
        result = run_demo(Options(root=root, work_dir=work_dir, build_dir=build_dir, cc=cc, full=full, qemu=qemu),
                          shown)
    except DemoError as exc:
        fail(exc)
    if as_json:
        print_json(demo_json(result))
    raise click.exceptions.Exit(EXIT_OK if result.ok else EXIT_INVALID)


def demo_json(result: DemoResult) -> dict[str, object]:
    """``devstate demo --json``: whether every case behaved as expected, and each case."""
    return {"ok": result.ok, "passed": sum(case.ok for case in result.cases), "total": len(result.cases),
            "cases": [{"number": case.number, "title": case.title, "route": case.route, "outcome": case.outcome,
                       "ok": case.ok} for case in result.cases]}
