"""Loading a schema file into the IR: read, meta-schema check, imports, semantic build."""

from __future__ import annotations

import concurrent.futures
import contextlib
import hashlib
import multiprocessing
import os
from pathlib import Path
from typing import Any

from devstate import ir
from devstate.errors import Diagnostic, SchemaError
from devstate.schema.build import ImportedTypes, SchemaBuilder
from devstate.schema.metaschema import check_meta_schema, warm_up_meta_schema
from devstate.schema.registry import import_candidates, misplaced
from devstate.schema.source import SourceDocument, SourceError, read_document
from devstate.visit import Visitor


class SchemaLoader:
    """Loads schemas with their imports; each file is loaded once per loader."""

    def __init__(self, root: Path | None = None) -> None:
        self.root = root
        self.cache: dict[Path, ir.Schema] = {}
        self.loading: list[Path] = []
        self.looked_at: dict[Path, list[Path]] = {}
        """Per loaded file (resolved), the import paths it looked at, found or not."""

    def load(self, path: Path) -> ir.Schema:
        """The IR of ``path``; raises ``SchemaError`` listing every problem found."""
        key = path.resolve()
        if key in self.cache:
            return self.cache[key]
        self.loading.append(key)
        try:
            schema = self._load_uncached(path)
        finally:
            self.loading.pop()
        self.cache[key] = schema
        return schema

    def preload(self, paths: list[Path]) -> None:
        """Load several large files at once into the cache: the first here, the others in
        forked worker processes at the same time.

        Only worth it for big files (a 5,000-field schema takes about half a second);
        small ones and any file that fails are left to ``load``, which reports errors.
        """
        pending = [p for p in paths if p.resolve() not in self.cache and _size(p) >= PARALLEL_LOAD_MIN_BYTES]
        workers = min(len(pending) - 1, (os.cpu_count() or 1) - 1)
        if workers < 1 or "fork" not in multiprocessing.get_all_start_methods():
            return
        warm_up_meta_schema()  # built once here, inherited by every forked worker
        context = multiprocessing.get_context("fork")  # children inherit imports: no start-up cost
        first, rest = pending[0], pending[1:]
        with concurrent.futures.ProcessPoolExecutor(workers, mp_context=context) as pool:
            futures = [pool.submit(_load_quietly, (p, self.root)) for p in rest]
            with contextlib.suppress(SchemaError):
                self.load(first)
            for path, future in zip(rest, futures, strict=True):
                schema = future.result()
                if schema is not None:
                    self.cache[path.resolve()] = schema

    def _load_uncached(self, path: Path) -> ir.Schema:
        try:
            document = read_document(path, display=_display_name(path))
        except SourceError as exc:
            raise SchemaError([exc.diagnostic]) from None
        diagnostics = list(document.diagnostics) + check_meta_schema(document)
        if diagnostics:
            raise SchemaError(sorted(diagnostics, key=lambda d: (d.line, d.col)))
        diagnostics += _check_path(document, path)
        imported, imports, import_diagnostics = self._imports(document, path)
        builder = SchemaBuilder(document, imported, imports)
        schema = builder.build(hashlib.sha256(document.raw).hexdigest())
        diagnostics += import_diagnostics + builder.diagnostics
        if diagnostics or schema is None:
            raise SchemaError(sorted(diagnostics, key=lambda d: (d.file != document.file, d.line, d.col)))
        return schema

    def _imports(
        self, document: SourceDocument, path: Path
    ) -> tuple[ImportedTypes, tuple[ir.Import, ...], list[Diagnostic]]:
        types: ImportedTypes = {}
        imports: list[ir.Import] = []
        diagnostics: list[Diagnostic] = []
        for index, raw in enumerate(document.data.get("imports", [])):
            where = ("imports", index)
            target = self._import_path(raw, path)
            if not target.is_file():
                diagnostics.append(document.diagnostic(where, "IMPORT_NOT_FOUND", f"cannot find {target}"))
                continue
            if target.resolve() in self.loading:
                chain = " -> ".join(_display_name(p) for p in [*self.loading, target.resolve()])
                diagnostics.append(document.diagnostic(where, "IMPORT_CYCLE", f"import cycle: {chain}"))
                continue
            try:
                library = self.load(target)
            except SchemaError as exc:
                diagnostics.append(
                    document.diagnostic(
                        where, "IMPORT_NOT_FOUND", f"imported schema {_display_name(target)} is invalid"
                    )
                )
                diagnostics += exc.diagnostics
                continue
            alias = raw["as"]
            if any(existing.alias == alias for existing in imports):
                diagnostics.append(
                    document.diagnostic((*where, "as"), "DUPLICATE_NAME", f"import alias {alias!r} is used twice")
                )
                continue
            types.update(_prefixed_types(library, alias))
            imports.append(ir.Import(alias=alias, model=library.model, version=library.version, file=library.file))
        return types, tuple(imports), diagnostics

    def files_read(self, path: Path) -> list[Path]:
        """Every path the answer for ``path`` depends on (resolved): the file, its imports
        transitively, and the import candidates that were looked at but not found."""
        seen: list[Path] = []
        pending = [path.resolve()]
        while pending:
            current = pending.pop()
            if current not in seen:
                seen.append(current)
                pending += self.looked_at.get(current, [])
        return seen

    def _import_path(self, raw: dict[str, Any], importer: Path) -> Path:
        candidates = import_candidates(raw, importer, self.root)
        self.looked_at.setdefault(importer.resolve(), []).extend(c.resolve() for c in candidates)
        return next((c for c in candidates if c.is_file()), candidates[-1])


PARALLEL_LOAD_MIN_BYTES = 64 * 1024


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _load_quietly(job: tuple[Path, Path | None]) -> ir.Schema | None:
    path, root = job
    try:
        return SchemaLoader(root).load(path)
    except SchemaError:
        return None


def load_schema(path: Path | str, root: Path | None = None) -> ir.Schema:
    """Load one schema file (and what it imports) into the IR."""
    return SchemaLoader(root).load(Path(path))


DISPLAY_NAMES: dict[Path, str] = {}
"""Files (resolved) shown under another name: a temporary copy of standard input is ``<stdin>``."""


def _display_name(path: Path) -> str:
    """A path relative to the working directory when it is below it (stable messages)."""
    if DISPLAY_NAMES:
        named = DISPLAY_NAMES.get(path.resolve())
        if named is not None:
            return named
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def _check_path(document: SourceDocument, path: Path) -> list[Diagnostic]:
    """A file named like ``1.2.yaml`` must sit in ``<model>/`` and declare that version."""
    data = document.data
    wrong = misplaced(path, data["model"], data["version"])
    if wrong is None:
        return []
    declared, actual = wrong
    return [
        document.diagnostic(
            ("model",),
            "PATH_MISMATCH",
            f"the file declares {data['model']}@{data['version']} and must be at {declared}, not {actual}",
        )
    ]


def _prefixed_types(library: ir.Schema, alias: str) -> ImportedTypes:
    """The library's types renamed ``alias.name``, with references inside them renamed too."""
    return {f"{alias}.{name}": _rename_refs(named, alias) for name, named in library.types.items()}


def _rename_refs(node: ir.NamedType, alias: str) -> ir.NamedType:
    renamed: ir.NamedType = _RenameRefs().visit(node, alias)
    return renamed


class _RenameRefs(Visitor[Any]):
    """A node with every reference in it renamed ``alias.name`` (an imported type's, inside the
    importing schema)."""

    def visit_ref(self, node: ir.NamedRef, alias: str) -> ir.NamedRef:
        return node.model_copy(update={"name": f"{alias}.{node.name}"})

    def visit_array(self, node: ir.ArrayType, alias: str) -> ir.ArrayType:
        return node.model_copy(update={"element": self.visit(node.element, alias)})

    def visit_struct(self, node: ir.StructType, alias: str) -> ir.StructType:
        fields = tuple(f.model_copy(update={"type": self.visit(f.type, alias)}) for f in node.fields)
        return node.model_copy(update={"fields": fields})

    def _unchanged(self, node: ir.ScalarType | ir.BytesType | ir.StringType | ir.EnumType | ir.FlagsType,
                   alias: str) -> Any:
        return node

    visit_scalar = visit_bytes = visit_string = visit_enum = visit_flags = _unchanged
