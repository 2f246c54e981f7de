"""What ``devstate check-migration`` does, without its click command (``devstate.cli.quick``
calls it too), and the description and schema lookups ``negotiate`` shares with it."""

from __future__ import annotations

import contextlib
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from devstate import result_cache
from devstate.cli.output import EXIT_INVALID, EXIT_OK, fail, print_json
from devstate.cli.streams import is_stdio, read_stdin
from devstate.errors import UsageError
from devstate.schema import facts
from devstate.schema.facts import StandardSchema
from devstate.schema.registry import find_schema_file, standard_schemas_dir
from devstate.version import Version

if TYPE_CHECKING:
    from devstate import ir
    from devstate.compat.params import DeviceDescription
    from devstate.schema import SchemaLoader

CHECKS = "check-migration"
"""The ``result_cache`` kind of check-migration answers."""


def check_migration(source_path: Path, dest_path: Path, schema_name: str | None, as_json: bool,
                    schemas_dir: Path | None) -> int:
    """Print whether the source can migrate to the destination; the exit status (0 yes, 1 no)."""
    root = schemas_dir or standard_schemas_dir()
    question = _question(source_path, dest_path, schema_name, root) if result_cache.enabled() else None
    answer = _kept_answer(question) if question else None
    if answer is None:
        answer = _check(source_path, dest_path, schema_name, root, keep=question is not None)
        if question:
            result_cache.store(CHECKS, question, answer, answer.pop("depends"))
    if as_json:
        print_json(answer["json"])
    else:  # plain text, no rich: the verb runs once per VM move
        where = f" (parameters of {answer['schema']})" if answer["schema"] else ""
        status = "compatible" if answer["compatible"] else "not compatible"
        lines = [f"{answer['model']}: {source_path} → {dest_path}{where}: {status}",
                 *(f"  ✗ {message}" for message in answer["mismatches"]),
                 *(f"  note: {note}" for note in answer["notes"])]
        sys.stdout.write("\n".join(lines) + "\n")
    return EXIT_OK if answer["compatible"] else EXIT_INVALID


def _check(source_path: Path, dest_path: Path, schema_name: str | None, root: Path, keep: bool) -> dict[str, Any]:
    """The check as ``check-migration`` prints it, and (to ``keep`` it) the files it read (``depends``)."""
    from devstate.compat.verdict import check_devices

    source, dest = descriptions(source_path, dest_path)
    schemas = Schemas(root)
    schema = (_explicit_schema(schema_name, root, schemas.loader) if schema_name
              else _default_schema(source, dest, schemas))
    result, verdict = check_devices(source, dest, schema, schemas.schema)
    return {"json": {**result.to_json(), "verdict": verdict.to_json()}, "model": source.model,
            "schema": schema.ident if schema else None, "compatible": result.compatible,
            "mismatches": [m.message for m in result.mismatches], "notes": list(result.notes),
            "depends": _depends(source_path, dest_path, root, schemas) if keep else {}}


class Schemas:
    """The registry's schemas for one check: a standard schema unchanged and in place from
    its shipped facts (``devstate.schema.facts``: no YAML, meta-schema check or IR build
    unless the check needs more than its parameters and vendor sections), any other loaded."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.standard: dict[Path, StandardSchema] = {}
        self._loader: SchemaLoader | None = None

    @property
    def loader(self) -> SchemaLoader:
        if self._loader is None:
            from devstate.schema import SchemaLoader

            self._loader = SchemaLoader(self.root)
        return self._loader

    def schema(self, model: str, version: Version) -> ir.Schema | None:
        """The schema ``model@version`` of the root, or None when there is none or it is invalid."""
        try:
            path = find_schema_file(f"{model}@{version}", self.root).path
        except (UsageError, OSError):  # as registry_schema: no such schema, no such root
            return None
        found = self.standard.get(path.resolve())
        if found is None:
            known = facts.known(path, self.root)
            if known is None:
                return registry_schema(model, version, self.root, self.loader)
            found = self.standard[path.resolve()] = StandardSchema(known, lambda: self.loader.load(path))
        return cast("ir.Schema", found)

    def files_read(self) -> list[Path]:
        """Every file the schemas given read or looked for (resolved)."""
        paths = [path for standard in self.standard.values() for path in standard.known.files]
        for loaded in list(self._loader.cache if self._loader else ()):
            paths += self.loader.files_read(loaded)
        return paths


def _depends(source_path: Path, dest_path: Path, root: Path, schemas: Schemas) -> dict[Path, str | None]:
    """Every file a check read, with its sha256: the descriptions, the schema root's files,
    what the schemas read (imports, import candidates not found) and the migration plugins."""
    paths = [source_path.resolve(), dest_path.resolve(), *_schema_files(root), *_plugin_files(), *schemas.files_read()]
    return {path: result_cache.sha256_of(path) for path in paths}


def _question(source_path: Path, dest_path: Path, schema_name: str | None, root: Path) -> tuple[str, ...] | None:
    """What a kept answer must have been asked with: the arguments, the working directory, both
    descriptions' content, the names of the files under the schema root (so a schema added
    there is a new question) and the installed distributions (migration plugins); None when a
    description is standard input or unreadable."""
    if is_stdio(source_path) or is_stdio(dest_path):
        return None
    digests = [result_cache.sha256_of(source_path), result_cache.sha256_of(dest_path)]
    if None in digests:
        return None
    try:
        listing = [str(p) for p in _schema_files(root)]
        where = os.getcwd()
    except OSError:
        return None
    return (where, str(source_path), str(dest_path), schema_name or "", str(root.resolve()),
            *map(str, digests), *listing, *_installed_distributions())


def _plugin_files() -> list[Path]:
    """The modules of the migration plugins (entry points): their code is part of the answer."""
    from devstate.compat.migrate import plugin_entry_points

    files = []
    for entry in plugin_entry_points():
        module = sys.modules.get(entry.value.partition(":")[0])
        if module is not None and getattr(module, "__file__", None):
            files.append(Path(str(module.__file__)).resolve())
    return files


def _installed_distributions() -> list[str]:
    """The distributions on the import path, with the time their entry points were written:
    a migration plugin installed, removed or re-registered is a new question."""
    found = []
    for directory in sys.path:
        with contextlib.suppress(OSError):
            for name in sorted(os.listdir(directory or ".")):
                if name.endswith((".dist-info", ".egg-info")):
                    with contextlib.suppress(OSError):
                        name += f"@{os.stat(os.path.join(directory, name, 'entry_points.txt')).st_mtime_ns}"
                    found.append(f"{directory}/{name}")
    return found


def _schema_files(root: Path) -> list[Path]:
    return sorted(p.resolve() for p in root.rglob("*") if p.is_file()) if root.is_dir() else []


def _kept_answer(question: tuple[str, ...]) -> dict[str, Any] | None:
    """A kept answer of the right shape, else None (an entry written by anything else is ignored)."""
    found = result_cache.lookup(CHECKS, question)
    answer = found["answer"] if found else None
    if not isinstance(answer, dict) or set(answer) != {"json", "model", "schema", "compatible", "mismatches", "notes"}:
        return None
    texts = [answer["model"], *answer["mismatches"], *answer["notes"]]
    if not (isinstance(answer["json"], dict) and isinstance(answer["compatible"], bool)
            and isinstance(answer["schema"], str | None) and isinstance(answer["mismatches"], list)
            and isinstance(answer["notes"], list) and all(isinstance(t, str) for t in texts)):
        return None
    return answer


def descriptions(source_path: Path, dest_path: Path) -> tuple[DeviceDescription, DeviceDescription]:
    if is_stdio(source_path) and is_stdio(dest_path):
        fail("only one of --source and --dest can be - (standard input)")
    try:
        return _description(source_path), _description(dest_path)
    except UsageError as exc:
        fail(exc)


def _description(path: Path) -> DeviceDescription:
    """A description file, or ``-``: standard input."""
    from devstate.compat.params import MAX_DESCRIPTION_SIZE, description_from_bytes, load_description
    from devstate.fileio import io_error

    if not is_stdio(path):
        return load_description(path)
    try:
        raw = read_stdin(MAX_DESCRIPTION_SIZE)
    except OSError as exc:
        raise io_error(path, exc) from None
    return description_from_bytes(raw, "-")


def registry_schema(model: str, version: Version, root: Path, loader: SchemaLoader) -> ir.Schema | None:
    from devstate.errors import SchemaError

    try:
        return loader.load(find_schema_file(f"{model}@{version}", root).path)
    except (UsageError, SchemaError, OSError):
        return None


def _default_schema(source: DeviceDescription, dest: DeviceDescription, schemas: Schemas) -> ir.Schema | None:
    common = set(source.versions) & set(dest.versions)
    for version in sorted(common or set(source.versions), reverse=True):
        schema = schemas.schema(source.model, version)
        if schema is not None:
            return schema
    return None


def _explicit_schema(name: str, root: Path, loader: SchemaLoader) -> ir.Schema:
    from devstate.cli.compat_cmd import load_schema_arg

    return load_schema_arg(name, loader, root)
