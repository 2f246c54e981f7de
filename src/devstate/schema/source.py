"""Reading a schema file: bytes → YAML node tree → plain values plus their positions.

Only plain YAML is accepted: anchors and aliases are refused (they are how "billion
laughs" bombs are built, and a schema never needs them), duplicate keys are refused,
files over ``MAX_SCHEMA_FILE_SIZE`` are refused before parsing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

import yaml

from devstate.errors import Diagnostic
from devstate.fileio import read_regular

MAX_SCHEMA_FILE_SIZE = 1 << 20

try:
    _BaseLoader: type[yaml.SafeLoader] = yaml.CSafeLoader  # type: ignore[assignment]
except AttributeError:  # pragma: no cover - PyYAML built without libyaml
    _BaseLoader = yaml.SafeLoader


class _Loader(_BaseLoader):  # type: ignore[valid-type,misc]
    """The safe loader with tag resolution memoised.

    Resolving a plain scalar's tag runs PyYAML's implicit-type regexes in Python and was
    the largest cost of reading big schemas; schema files repeat the same scalars (type
    names, flags, small numbers) thousands of times.
    """

    _resolved: ClassVar[dict[tuple[str, tuple[bool, bool]], str]] = {}

    def resolve(self, kind: type, value: str, implicit: tuple[bool, bool]) -> str:
        key = (value, implicit)
        if kind is not yaml.ScalarNode or len(value) > 40:  # long text is rare and unique
            return str(super().resolve(kind, value, implicit))
        found = self._resolved.get(key)
        if found is None:
            found = self._resolved[key] = str(super().resolve(kind, value, implicit))
        return found

PathKey = tuple[str | int, ...]
_STR_TAG = "tag:yaml.org,2002:str"


@dataclass
class SourceDocument:
    """The parsed values of one file and where each value (by schema path) starts."""

    file: str
    data: Any
    positions: dict[PathKey, tuple[int, int]] = field(default_factory=dict)
    key_positions: dict[PathKey, tuple[int, int]] = field(default_factory=dict)
    raw: bytes = b""
    diagnostics: list[Diagnostic] = field(default_factory=list)
    """Problems found while reading that do not stop checking (duplicate keys)."""

    def position(self, path: PathKey) -> tuple[int, int]:
        """Line and column of the value at ``path``, or of its nearest located parent."""
        while path not in self.positions and path:
            path = path[:-1]
        return self.positions.get(path, (1, 1))

    def key_position(self, path: PathKey) -> tuple[int, int]:
        """Line and column of the mapping key naming ``path`` (falls back to the value)."""
        return self.key_positions.get(path) or self.position(path)

    def diagnostic(self, path: PathKey, code: str, message: str, *, at_key: bool = False) -> Diagnostic:
        line, col = self.key_position(path) if at_key else self.position(path)
        return Diagnostic(self.file, line, col, code, message, format_path(path))


def format_path(path: PathKey) -> str:
    """``('types', 'vq', 'fields', 2)`` → ``types.vq.fields[2]``."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


class SourceError(Exception):
    """The file could not be read as a schema document at all."""

    def __init__(self, diagnostic: Diagnostic) -> None:
        self.diagnostic = diagnostic
        super().__init__(str(diagnostic))


def read_document(path: Path, display: str | None = None) -> SourceDocument:
    """Read and parse ``path``; raise ``SourceError`` for anything that is not plain YAML."""
    name = display or str(path)
    raw = _read_bytes(path, name)
    text = _decode_utf8(raw, name)
    if not text.strip() or all(_is_blank(line) for line in text.splitlines()):
        raise SourceError(Diagnostic(name, 1, 1, "EMPTY_FILE", "the file is empty"))
    if "&" in text or "*" in text:  # only then can there be an anchor or alias
        _refuse_aliases(text, name)
    try:
        root = yaml.compose(text, Loader=_Loader)
    except yaml.YAMLError as exc:
        raise SourceError(_yaml_diagnostic(exc, name)) from None
    if root is None:
        raise SourceError(Diagnostic(name, 1, 1, "EMPTY_FILE", "the file is empty"))
    document = SourceDocument(name, None, raw=raw)
    document.data = _NodeReader(document).read(root, ())
    return document


def _is_blank(line: str) -> bool:
    stripped = line.strip()
    return not stripped or stripped.startswith("#") or stripped in ("---", "...")


def _read_bytes(path: Path, name: str) -> bytes:
    try:
        if path.is_dir():
            raise SourceError(Diagnostic(name, 1, 1, "IO_ERROR", "is a directory, not a file"))
        size = path.stat().st_size
        if size > MAX_SCHEMA_FILE_SIZE:
            raise SourceError(
                Diagnostic(
                    name,
                    1,
                    1,
                    "FILE_TOO_LARGE",
                    f"the file has {size} bytes; schema files are limited to {MAX_SCHEMA_FILE_SIZE} bytes",
                )
            )
        return read_regular(path, MAX_SCHEMA_FILE_SIZE)
    except OSError as exc:
        raise SourceError(Diagnostic(name, 1, 1, "IO_ERROR", exc.strerror or str(exc))) from None


def _decode_utf8(raw: bytes, name: str) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        before = raw[: exc.start]
        line = before.count(b"\n") + 1
        col = exc.start - (before.rfind(b"\n") + 1) + 1
        raise SourceError(
            Diagnostic(name, line, col, "NOT_UTF8", f"byte {raw[exc.start]:#04x} is not valid UTF-8")
        ) from None


def _refuse_aliases(text: str, name: str) -> None:
    """Scan parser events once; refuse the first anchor or alias before building nodes."""
    try:
        for event in yaml.parse(text, Loader=_Loader):
            anchor = getattr(event, "anchor", None)
            if isinstance(event, yaml.AliasEvent) or anchor is not None:
                mark: Any = event.start_mark
                raise SourceError(
                    Diagnostic(
                        name,
                        mark.line + 1,
                        mark.column + 1,
                        "YAML_ALIAS",
                        "YAML anchors and aliases are not allowed in schema files",
                    )
                )
    except yaml.YAMLError as exc:
        raise SourceError(_yaml_diagnostic(exc, name)) from None


def _yaml_diagnostic(exc: yaml.YAMLError, name: str) -> Diagnostic:
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    line, col = (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    context = getattr(exc, "context", None)
    message = f"{context}, {problem}" if context else str(problem)
    return Diagnostic(name, line, col, "YAML_SYNTAX", f"not valid YAML: {message}")


class _NodeReader:
    """Turns composed YAML nodes into dicts, lists and scalars, recording positions."""

    def __init__(self, document: SourceDocument) -> None:
        self.document = document
        self.constructor = yaml.constructor.SafeConstructor()

    def read(self, node: yaml.Node, path: PathKey) -> Any:
        self.document.positions[path] = (node.start_mark.line + 1, node.start_mark.column + 1)
        if isinstance(node, yaml.MappingNode):
            return self._mapping(node, path)
        if isinstance(node, yaml.SequenceNode):
            return [self.read(item, (*path, index)) for index, item in enumerate(node.value)]
        if node.tag == _STR_TAG:
            return node.value  # most scalars are names and text: skip the generic constructor
        try:
            return self.constructor.construct_object(node, deep=True)
        except yaml.YAMLError as exc:
            raise SourceError(_yaml_diagnostic(exc, self.document.file)) from None

    def _mapping(self, node: yaml.MappingNode, path: PathKey) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            mark = key_node.start_mark
            if not isinstance(key_node, yaml.ScalarNode):
                raise SourceError(self._error(mark, "YAML_SYNTAX", "keys must be plain scalars", path))
            key = str(key_node.value)  # the text as written: `on:` stays "on", not True
            if key in result:
                duplicate = self._error(mark, "DUPLICATE_KEY", f"duplicate key {key!r}", path)
                self.document.diagnostics.append(duplicate)
                continue
            key_path = (*path, key)
            self.document.key_positions[key_path] = (mark.line + 1, mark.column + 1)
            result[key] = self.read(value_node, key_path)
        return result

    def _error(self, mark: Any, code: str, message: str, path: PathKey) -> Diagnostic:
        return Diagnostic(self.document.file, mark.line + 1, mark.column + 1, code, message, format_path(path))
