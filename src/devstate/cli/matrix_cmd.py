"""``devstate matrix [MODEL]``: which version can load state written by which."""

from __future__ import annotations

from pathlib import Path

import click
from rich.table import Table

from devstate import ir
from devstate.cli.output import console, fail, print_json
from devstate.compat.matrix import LEGEND, SYMBOL, Matrix, Status, build_matrix, matrix_markdown
from devstate.errors import SchemaError
from devstate.fileio import missing_directory
from devstate.schema import SchemaLoader, standard_schemas_dir
from devstate.schema.registry import model_versions, schema_files

_COLOUR = {Status.DIRECT: "green", Status.DEFAULTS: "green", Status.CONVERT: "yellow", Status.NO: "red"}


@click.command()
@click.argument("model", required=False)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.option("--markdown", is_flag=True, help="Print the Markdown page the website renders.")
@click.option("--schemas-dir", type=click.Path(path_type=Path, file_okay=False), default=None,
              help="Where the model's versions are (default: the standard schemas).")
def matrix(model: str | None, as_json: bool, markdown: bool, schemas_dir: Path | None) -> None:
    """A versions × versions table: can a device on version X (row) load state written by Y?

    Without MODEL, every device model of the schemas directory (types-only libraries are
    left out).
    """
    root = schemas_dir or standard_schemas_dir()
    if not root.is_dir():
        fail(missing_directory(root))
    histories = [_history(m, root) for m in ([model] if model else _models(root))]
    histories = [h for h in histories if h and (model or not h[0].is_library)]
    if markdown:
        click.echo("\n".join(matrix_markdown(h) for h in histories), nl=False)
        return
    matrices = [build_matrix(h) for h in histories]
    if as_json:
        print_json(matrices[0].to_json() if model else [m.to_json() for m in matrices])
        return
    for built in matrices:
        console.print(_table(built))
        console.print("  ".join(f"{SYMBOL[s]} {text}" for s, text in LEGEND.items()), soft_wrap=True)
        for line in _conditions(built):
            console.print(line, soft_wrap=True, highlight=False, markup=False)


def _models(root: Path) -> list[str]:
    return sorted({f.model for f in schema_files(root)})


def _history(model: str, root: Path) -> list[ir.Schema]:
    files = model_versions(model.partition("@")[0], root)
    if not files:
        fail(f"no schemas for model {model!r} in {root}")
    loader = SchemaLoader(root)
    try:
        return [loader.load(f.path) for f in files]
    except SchemaError as exc:
        fail(f"{model}: invalid schema: {exc.diagnostics[0]}", code=exc.code)


def _table(built: Matrix) -> Table:
    table = Table(title=built.model, title_justify="left",
                  caption="row: the reader's version; column: the writer's", caption_justify="left")
    table.add_column("reader \\ writer")
    for version in built.versions:
        table.add_column(str(version), justify="center")
    for reader in built.versions:
        cells = [built.cell(reader, writer) for writer in built.versions]
        table.add_row(str(reader), *(f"[{_COLOUR[c.status]}]{SYMBOL[c.status]} {c.status.value}[/]" for c in cells))
    return table


def _conditions(built: Matrix) -> list[str]:
    """Each ✓* cell with the exact fields, values and sections its load depends on."""
    lines = []
    for cell in built.cells.values():
        if cell.status is Status.DEFAULTS:
            lines.append(f"{SYMBOL[cell.status]} {cell.writer} state on a {cell.reader} reader loads while:")
            lines += [f"    {condition}" for condition in cell.conditions]
    return lines
