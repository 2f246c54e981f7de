"""``devstate compat OLD NEW`` / ``--all``: schema changes, directions and the version bump."""

from __future__ import annotations

from pathlib import Path

import click

from devstate import ir
from devstate.cli.output import EXIT_INVALID, EXIT_OK, console, error_console, fail, print_json
from devstate.cli.streams import schema_path
from devstate.compat.bump import Mode, PairReport, check_history, check_pair, check_transitive
from devstate.compat.report import github_annotations, report_json, report_text
from devstate.errors import SchemaError, UsageError
from devstate.fileio import io_error, is_a_directory, missing_directory, not_found, read_problem
from devstate.schema import SchemaLoader, find_schema_file, standard_schemas_dir
from devstate.schema.registry import model_versions, schema_files


@click.command()
@click.argument("schemas", nargs=-1, metavar="[OLD] NEW")
@click.option("--all", "check_all", is_flag=True, help="Check the history of every model in the schemas directory.")
@click.option("--mode", type=click.Choice([m.value for m in Mode]), default=Mode.SEMVER.value, show_default=True,
              help="semver: the declared bump must be big enough; backward/forward/full: required loading directions.")
@click.option("--transitive", is_flag=True, help="Check NEW against every earlier version of its model.")
@click.option("--strict-api", is_flag=True, help="API-only changes (renames) need a major bump too.")
@click.option("--allow-model-change", is_flag=True, help="Compare schemas of different models.")
@click.option("--schemas-dir", type=click.Path(path_type=Path, file_okay=False), default=None,
              help="Where MODEL@VERSION names and --all look (default: the standard schemas).")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "github"]), default="text", show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Same as --format json.")
@click.option("-q", "--quiet", is_flag=True, help="Text output: hide changes that break nothing.")
@click.option("--vmstate", is_flag=True, help="OLD and NEW are QEMU -dump-vmstate files (rules: spec/qemu-vmstate.md).")
@click.option("--stream", "stream_path", type=click.Path(path_type=Path), default=None, metavar="SRC.bin",
              help="With --vmstate DEST.json: can the VM of this QEMU migration stream load on that destination?")
def compat(schemas: tuple[str, ...], check_all: bool, mode: str, transitive: bool, strict_api: bool,
           allow_model_change: bool, schemas_dir: Path | None, fmt: str, as_json: bool, quiet: bool,
           vmstate: bool, stream_path: Path | None) -> None:
    """Report every change between two schema versions and check the version bump.

    OLD and NEW are schema files or MODEL@VERSION names. Each change has a stable rule
    id (documented in the compatibility rules), the direction it breaks (BACKWARD: the
    new reader cannot load old state; FORWARD: the old reader cannot load new state),
    its category (WIRE or API) and a suggested fix. Exit status: 0 compatible,
    1 incompatible, 2 usage error.
    """
    if stream_path is not None:
        from devstate.cli.vmstate_cmd import compat_with_stream

        compat_with_stream(stream_path, schemas, vmstate, "json" if as_json else fmt)
    if vmstate:
        from devstate.cli.vmstate_cmd import compat_with_vmstate

        compat_with_vmstate(schemas, mode, "json" if as_json else fmt, check_all)
    root = schemas_dir or standard_schemas_dir()
    loader = SchemaLoader(root)
    selected = Mode(mode)
    if check_all:
        if schemas:
            fail("--all takes no schema arguments")
        reports = _all_reports(loader, root, selected, transitive, strict_api)
    else:
        reports = _pair_reports(schemas, loader, root, selected, transitive, strict_api, allow_model_change)
    _print(reports, "json" if as_json else fmt, quiet)
    raise click.exceptions.Exit(EXIT_OK if all(r.compatible for r in reports) else EXIT_INVALID)


def _pair_reports(names: tuple[str, ...], loader: SchemaLoader, root: Path, mode: Mode, transitive: bool,
                  strict_api: bool, allow_model_change: bool) -> list[PairReport]:
    if len(names) not in ((1, 2) if transitive else (2,)):
        fail("give OLD and NEW (or only NEW with --transitive), or --all")
    loader.preload([Path(name) for name in names if Path(name).is_file()])
    loaded = [load_schema_arg(name, loader, root) for name in names]
    new = loaded[-1]
    if len(loaded) == 2 and loaded[0].model != new.model and not allow_model_change:
        fail(f"{names[0]} is model {loaded[0].model} but {names[1]} is model {new.model}; "
             "pass --allow-model-change to compare them anyway")
    if not transitive:
        return [check_pair(loaded[0], new, mode, strict_api=strict_api)]
    earlier = {s.version: s for s in _registry_versions(new.model, loader, root)}
    if len(loaded) == 2:
        earlier[loaded[0].version] = loaded[0]
    older = [earlier[v] for v in sorted(earlier) if v < new.version]
    if not older:
        fail(f"no version of {new.model} earlier than {new.version} in {root}")
    return check_transitive(new, older, mode, strict_api=strict_api)


def _all_reports(loader: SchemaLoader, root: Path, mode: Mode, transitive: bool, strict_api: bool) -> list[PairReport]:
    if not root.is_dir():
        fail(missing_directory(root))
    models = sorted({f.model for f in schema_files(root)})
    if not models:
        fail(f"no schemas in {root}")
    reports: list[PairReport] = []
    for model in models:
        versions = _registry_versions(model, loader, root)
        reports += check_history(versions, mode, transitive=transitive, strict_api=strict_api)
    return reports


def _registry_versions(model: str, loader: SchemaLoader, root: Path) -> list[ir.Schema]:
    return [_load(f.path, loader) for f in model_versions(model, root)]


def load_schema_arg(name: str, loader: SchemaLoader, root: Path | None = None) -> ir.Schema:
    """A schema named by a file path, ``-`` (standard input) or ``MODEL[@VERSION]``; exits 2 cleanly on any error."""
    copy = schema_path(name)
    if copy is not None:
        return _load(copy, loader, name)
    path = Path(name)
    if not path.exists():
        if "/" in name or name.endswith((".yaml", ".yml")):
            fail(not_found(name))
        try:
            path = find_schema_file(name, root).path
        except UsageError as exc:
            fail(exc)
    if path.is_dir():
        fail(is_a_directory(name))
    return _load(path, loader)


def _load(path: Path, loader: SchemaLoader, name: str | None = None) -> ir.Schema:
    try:
        return loader.load(path)
    except SchemaError as exc:
        problem = read_problem(path) if any(d.code == "IO_ERROR" for d in exc.diagnostics) else None
        if problem is not None:
            fail(problem)
        for diagnostic in exc.diagnostics:
            error_console.print(str(diagnostic), markup=False, soft_wrap=True)
        fail(f"{name or path} is not a valid schema ({len(exc.diagnostics)} errors)", code=SchemaError.code)
    except OSError as exc:
        fail(io_error(path, exc))


def _print(reports: list[PairReport], fmt: str, quiet: bool) -> None:
    if fmt == "json":
        print_json(report_json(reports))
    elif fmt == "github":
        for line in github_annotations(reports):
            click.echo(line)
    else:
        report_text(console, reports, quiet=quiet)


