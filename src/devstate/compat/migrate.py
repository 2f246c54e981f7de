"""Migration functions: how saved state crosses a major version.

Within a major version, conversion is generic (fields matched by name, defaults filled
or checked). Across majors, state moves only through a function registered for that
version pair::

    from devstate.compat.migrate import migration

    @migration("org.example.dev", "1.3", "2.0")
    def dev_1_to_2(state, source, target):
        ...  # return the state in the shape of ``target`` (an ir.Schema of 2.0)

A function receives the state in the shape of its ``source`` version and returns it in
the shape of its ``target`` version; it raises ``ConversionError`` listing every value
it cannot carry. ``devstate.compat.convert.carry_over`` converts the sections that did
not change. The standard functions live in ``devstate.compat.migrations``; third-party
ones are registered by importing their module, or through the ``devstate.migrations``
entry-point group (each entry point names a module to import).
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from devstate.errors import UsageError
from devstate.schema import facts
from devstate.version import Version

if TYPE_CHECKING:  # the IR (pydantic) is needed by the functions, not to know which exist
    from devstate import ir

State = dict[str, Any]
MigrationFunction = Callable[[State, "ir.Schema", "ir.Schema"], State]

ENTRY_POINT_GROUP = "devstate.migrations"
BUILTIN_MODULES = ("devstate.compat.migrations.virtio_net",)


@dataclass(frozen=True)
class Migration:
    model: str
    source: Version
    target: Version
    function: MigrationFunction

    @property
    def name(self) -> str:
        return f"{self.function.__module__}.{self.function.__qualname__}"

    def __str__(self) -> str:
        return f"{self.model} {self.source} → {self.target} ({self.function.__qualname__})"


@dataclass(frozen=True)
class Hop:
    """One step of a conversion route: generic within a major, or a migration function."""

    source: Version
    target: Version
    migration: Migration | None = None

    def __str__(self) -> str:
        how = self.migration.function.__qualname__ if self.migration else (
            "up-conversion" if self.target > self.source else "down-conversion")
        return f"{self.source} → {self.target} ({how})"


_REGISTRY: dict[tuple[str, Version, Version], Migration] = {}
_loaded = False


def migration(model: str, source: str, target: str) -> Callable[[MigrationFunction], MigrationFunction]:
    """Register the decorated function as the migration ``model`` ``source`` → ``target``."""
    source_version, target_version = Version.parse(source), Version.parse(target)
    if source_version.major == target_version.major:
        raise ValueError(f"{model} {source} → {target}: migrations cross majors; within one it is automatic")

    def register(function: MigrationFunction) -> MigrationFunction:
        _REGISTRY[(model, source_version, target_version)] = Migration(model, source_version, target_version, function)
        return function

    return register


def load_migrations(extra_modules: tuple[str, ...] = ()) -> None:
    """Import the standard migrations, the entry points and ``extra_modules`` (once each)."""
    global _loaded
    if not _loaded:
        _loaded = True
        for module in BUILTIN_MODULES:
            importlib.import_module(module)
        for entry in plugin_entry_points():
            importlib.import_module(entry.value.partition(":")[0])
    for module in extra_modules:
        try:
            importlib.import_module(module)
        except ImportError as exc:
            raise UsageError(f"cannot import migration module {module!r}: {exc}") from None


def plugin_entry_points() -> list[Any]:
    """The entry points of ``ENTRY_POINT_GROUP`` (``importlib.metadata``, imported only when
    some distribution may declare one)."""
    if not _may_declare_plugins():
        return []
    from importlib.metadata import entry_points

    return list(entry_points(group=ENTRY_POINT_GROUP))


def _may_declare_plugins() -> bool:
    """False only when ``importlib.metadata`` would find no entry point of the group: it finds
    distributions through the path finder alone, and no ``*.dist-info``/``*.egg-info``
    directory of a directory on ``sys.path`` has an ``entry_points.txt`` naming the group.
    Anything else (another finder of distributions, a zip or egg on the path, a file that
    cannot be read) is left to ``importlib.metadata``."""
    import importlib.machinery
    import os

    finders = [f for f in sys.meta_path if getattr(f, "find_distributions", None) is not None]
    if finders != [importlib.machinery.PathFinder]:
        return True
    group = ENTRY_POINT_GROUP.encode()
    for entry in sys.path:
        directory = entry or "."
        if directory.lower().endswith(".egg") or os.path.isfile(directory):
            return True
        try:
            names = os.listdir(directory)
        except (FileNotFoundError, NotADirectoryError):
            continue
        except OSError:
            return True
        for name in names:
            if not name.lower().endswith((".dist-info", ".egg-info")):
                continue
            declared = os.path.join(directory, name, "entry_points.txt")
            try:
                with open(declared, "rb") as handle:
                    if group in handle.read():
                        return True
            except (FileNotFoundError, NotADirectoryError):
                continue
            except OSError:
                return True
    return False


def migrations_for(model: str) -> list[Migration]:
    load_migrations()
    return sorted((m for m in _REGISTRY.values() if m.model == model), key=lambda m: (m.source, m.target))


def find_route(model: str, source: Version, target: Version) -> list[Hop] | None:
    """The hops from ``source`` to ``target``; None when no migration chain crosses the majors."""
    if source == target:
        return []
    if source.major == target.major:
        return [Hop(source, target)]
    chain = _migration_chain(migrations_for(model), source, target.major)
    if chain is None:
        return None
    hops: list[Hop] = []
    current = source
    for step in chain:
        if current != step.source:
            hops.append(Hop(current, step.source))
        hops.append(Hop(step.source, step.target, step))
        current = step.target
    if current != target:
        hops.append(Hop(current, target))
    return hops


def route_exists(model: str, source: Version, target: Version) -> bool:
    """Whether ``find_route`` finds a route. While only the standard migrations exist (nothing
    registered yet, no entry points), from the shipped list of them (``devstate.schema.facts``):
    their modules (and the IR) are imported only to run them."""
    if source.major == target.major:
        return True
    standard = facts.table().get("migrations")
    if _loaded or _REGISTRY or standard is None or plugin_entry_points():
        return find_route(model, source, target) is not None
    edges = {(Version.parse(s).major, Version.parse(t).major) for m, s, t in standard if m == model}
    reached, frontier = {source.major}, [source.major]
    while frontier:
        current = frontier.pop()
        for after in (t for s, t in edges if s == current and t not in reached):
            reached.add(after)
            frontier.append(after)
    return target.major in reached


def standard_migrations() -> list[list[str]]:
    """The standard migrations as [model, source, target], sorted (``devstate.schema.facts`` ships them)."""
    for module in BUILTIN_MODULES:
        importlib.import_module(module)
    return sorted([m.model, str(m.source), str(m.target)] for m in _REGISTRY.values()
                  if m.function.__module__ in BUILTIN_MODULES)


def _migration_chain(known: list[Migration], source: Version, major: int) -> list[Migration] | None:
    """Breadth-first over majors; prefers functions whose source is at or after the state's."""
    frontier: list[tuple[Version, list[Migration]]] = [(source, [])]
    seen = {source.major}
    while frontier:
        current, chain = frontier.pop(0)
        if current.major == major:
            return chain
        candidates = sorted((m for m in known if m.source.major == current.major and m.target.major not in seen),
                            key=lambda m: (m.source < current, m.source))
        for step in candidates:
            if step.target.major not in seen:
                seen.add(step.target.major)
                frontier.append((step.target, [*chain, step]))
    return None
