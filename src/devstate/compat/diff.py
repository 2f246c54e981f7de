"""Schema diff: every change between two versions of a model, as ``Change`` objects.

The diff walks both schemas from their sections in parallel (the wire is what matters),
comparing each pair of type expressions once. Named types are compared by structure,
not by where they are declared: a struct moved into an import under the same name with
the same layout is no change at all. For types-only (library) schemas, every declared
type is compared by name.

Every change carries what it does to loading in each direction (``Change.backward``:
the new reader loading old state; ``Change.forward``: the old reader loading new state),
computed from the wire rules (``effects``): a struct body is positional until its first
misaligned field, readers accept a longer struct only with a zero tail and fill a
shorter one only with fields appended in a minor version, values read in place keep
their meaning only where both types agree.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from typing import Any

from devstate import ir
from devstate.compat import rules as R
from devstate.compat.change import Change
from devstate.compat.conditions import Allowed, Condition, ConditionKind, Target
from devstate.compat.effects import OK, Domain, Effect, Place, domain, in_place, only_if, refused, worst, zero_tail
from devstate.compat.layout import layout_key, lis_indices, shape, size_bound
from devstate.compat.rules import Category, Direction, Rule
from devstate.state import field_default, type_default
from devstate.visit import Visitor

Expr = ir.ScalarType | ir.NamedRef | ir.ArrayType | ir.BytesType | ir.StringType
Named = ir.StructType | ir.EnumType | ir.FlagsType
Loc = ir.Location | None
Where = tuple[Target, str, str]
"""Where a value sits, for conditions: (target, old-side name, new-side name)."""
Bounds = tuple[tuple[int | None, int | None], tuple[int | None, int | None]]
NO_BOUNDS: Bounds = ((None, None), (None, None))


def diff_schemas(old: ir.Schema, new: ir.Schema) -> list[Change]:
    """Every change from ``old`` to ``new``, in schema order (model, sections, types, params)."""
    return SchemaDiff(old, new).run()


class SchemaDiff(Visitor[None]):
    """One comparison; ``changes`` collects what ``run`` finds."""

    def __init__(self, old: ir.Schema, new: ir.Schema) -> None:
        self.old = old
        self.new = new
        self.changes: list[Change] = []
        self.compared: set[tuple[str, str]] = set()
        self.renamed: set[tuple[str, str]] = set()
        self.same_major = old.version.major == new.version.major
        self.member_renames: set[tuple[str, str]] = set()
        """(old name, new name) of enum members and flag bits the diff matched as renames."""

    @property
    def old_label(self) -> str:
        return str(self.old.version)

    @property
    def new_label(self) -> str:
        return str(self.new.version)

    def run(self) -> list[Change]:
        self._model()
        self._sections()
        self._vendor_sections()
        if self.old.is_library or self.new.is_library:
            self._library_types()
        self._params()
        return self.changes

    def emit(self, rule: Rule, path: str, detail: str, old_loc: Loc, new_loc: Loc, fix: str = "", *,
             backward: Effect = OK, forward: Effect = OK, category: Category | None = None,
             history: Direction = Direction.NONE) -> Change:
        change = Change(rule, path, detail, old_loc, new_loc, fix, backward=backward, forward=forward,
                        category_override=category, history=history)
        self.changes.append(change)
        return change

    # -- model ------------------------------------------------------------------------------

    def _model(self) -> None:
        if self.old.model != self.new.model:
            old_loc = ir.Location(file=self.old.file, line=1, col=1)
            new_loc = ir.Location(file=self.new.file, line=1, col=1)
            both = refused("a reader refuses state of another model (MODEL_MISMATCH)")
            self.emit(R.MODEL_CHANGED, "model", f"{self.old.model} → {self.new.model}", old_loc, new_loc,
                      backward=both, forward=both)

    # -- sections ---------------------------------------------------------------------------

    def _sections(self) -> None:
        new_by_id = {s.id: s for s in self.new.sections}
        new_by_name = {s.name: s for s in self.new.sections}
        old_ids = {s.id for s in self.old.sections}
        matched: set[int] = set()
        for old in self.old.sections:
            new = new_by_id.get(old.id)
            if new is None and old.name in new_by_name and new_by_name[old.name].id not in old_ids:
                new = new_by_name[old.name]
                self._moved(old, new, f"id {old.id} → {new.id}")
            if new is None:
                self._removed_section(old, R.SECTION_REMOVED_OPTIONAL, R.SECTION_REMOVED, Target.SECTION)
                continue
            matched.add(new.id)
            self._section_pair(old, new, Target.SECTION)
        for new in self.new.sections:
            if new.id not in matched:
                self._added_section(new, R.SECTION_ADDED_OPTIONAL, R.SECTION_ADDED_REQUIRED, Target.SECTION)

    def _removed_section(self, old: ir.Section | ir.VendorSection, optional_rule: Rule, required_rule: Rule,
                         target: Target) -> None:
        label = _section_label(old)
        if old.optional:
            why = f"the {self.new_label} reader skips it as an unknown optional section: its state is lost"
            condition = Condition(ConditionKind.DEFAULT, target, old.name, Allowed.DEFAULT, why=why,
                                  rules=(optional_rule.id,))
            self.emit(optional_rule, f"section {old.name}", f"{label} removed", old.loc, None,
                      backward=only_if([condition], why))
            return
        self.emit(required_rule, f"section {old.name}", f"{label} removed", old.loc, None,
                  backward=refused(f"the {self.new_label} reader refuses the unknown required {label}"),
                  forward=refused(f"the {self.old_label} reader requires the {label}, which new state lacks"))

    def _added_section(self, new: ir.Section | ir.VendorSection, optional_rule: Rule, required_rule: Rule,
                       target: Target) -> None:
        label = _section_label(new)
        if new.optional:
            why = f"the {self.old_label} reader skips it as an unknown optional section: its state is lost"
            condition = Condition(ConditionKind.DEFAULT, target, new.name, Allowed.DEFAULT, why=why,
                                  rules=(optional_rule.id,))
            self.emit(optional_rule, f"section {new.name}", f"{label} added", None, new.loc,
                      forward=only_if([condition], why))
            return
        self.emit(required_rule, f"section {new.name}", f"{label} added", None, new.loc,
                  backward=refused(f"the {self.new_label} reader requires the {label}, which old state lacks"),
                  forward=refused(f"the {self.old_label} reader refuses the unknown required {label}"))

    def _moved(self, old: ir.Section | ir.VendorSection, new: ir.Section | ir.VendorSection, detail: str) -> None:
        """A section that kept its name under another id or vendor namespace."""
        target = Target.SECTION if isinstance(old, ir.Section) else Target.VENDOR_SECTION
        if old.optional and new.optional:
            why = ("the other version skips it under its other id as an unknown optional section: both versions "
                   "load the other's state and silently lose this section")
            backward = only_if([Condition(ConditionKind.SILENT, target, old.name, Allowed.DEFAULT, why=why,
                                          rules=(R.SECTION_ID_CHANGED.id,))], why)
            forward = only_if([Condition(ConditionKind.SILENT, target, new.name, Allowed.DEFAULT, why=why,
                                         rules=(R.SECTION_ID_CHANGED.id,))], why)
            detail += "; both versions load the other's state without it (silently lost)"
        else:
            backward = refused(f"the {self.new_label} reader does not find the section under its old id")
            forward = refused(f"the {self.old_label} reader does not find the section under its new id")
        self.emit(R.SECTION_ID_CHANGED, f"section {old.name}", detail, old.loc, new.loc,
                  backward=backward, forward=forward)

    def _section_pair(self, old: ir.Section | ir.VendorSection, new: ir.Section | ir.VendorSection,
                      target: Target) -> None:
        path = f"section {new.name}"
        if old.name != new.name:
            self.emit(R.SECTION_RENAMED, path, f"{old.name} → {new.name}", old.loc, new.loc)
        if old.optional != new.optional:
            rule = R.SECTION_MADE_REQUIRED if old.optional else R.SECTION_MADE_OPTIONAL
            detail = "optional → required" if old.optional else "required → optional"
            flag = "a reader refuses a known section whose OPTIONAL flag differs from its declaration"
            self.emit(rule, path, detail, old.loc, new.loc, backward=refused(flag), forward=refused(flag))
        if old.type is not None and new.type is not None:
            where = (target, old.name, new.name)
            self.expr(old.type, new.type, path, old.loc, new.loc, where)

    # -- vendor sections --------------------------------------------------------------------

    def _vendor_sections(self) -> None:
        def key(section: ir.VendorSection) -> tuple[str, int]:
            return (str(section.vendor), section.id)

        new_by_key = {key(s): s for s in self.new.vendor_sections}
        new_by_name = {s.name: s for s in self.new.vendor_sections}
        old_keys = {key(s) for s in self.old.vendor_sections}
        matched: set[tuple[str, int]] = set()
        for old in self.old.vendor_sections:
            new = new_by_key.get(key(old))
            if new is None and old.name in new_by_name and key(new_by_name[old.name]) not in old_keys:
                new = new_by_name[old.name]
                self._moved(old, new, f"{old.vendor} #{old.id} → {new.vendor} #{new.id}")
            if new is None:
                self._removed_section(old, R.VENDOR_REMOVED_OPTIONAL, R.VENDOR_REMOVED, Target.VENDOR_SECTION)
                continue
            matched.add(key(new))
            self._section_pair(old, new, Target.VENDOR_SECTION)
            self._vendor_payload(old, new)
        for new in self.new.vendor_sections:
            if key(new) not in matched:
                self._added_section(new, R.VENDOR_ADDED, R.VENDOR_ADDED_REQUIRED, Target.VENDOR_SECTION)

    def _vendor_payload(self, old: ir.VendorSection, new: ir.VendorSection) -> None:
        path = f"section {new.name}"
        if old.opaque != new.opaque:
            detail = f"{_payload(old)} → {_payload(new)}"
            refuse = refused("an opaque payload and a typed one do not mean the same bytes")
            # an opaque reader keeps a typed payload as its bytes, unchanged, if it always fits
            typed, opaque, schema = (new, old, self.new) if old.opaque else (old, new, self.old)
            bound = size_bound(typed.type, schema)
            fits = bound is not None and (opaque.max is None or bound <= opaque.max)
            kept = OK if fits else refused(f"the typed payload may be longer than the opaque max {opaque.max}")
            backward, forward = (refuse, kept) if old.opaque else (kept, refuse)
            self.emit(R.TYPE_CHANGED, path, detail, old.loc, new.loc, backward=backward, forward=forward)
        elif old.opaque and old.max != new.max and old.max is not None and new.max is not None:
            self._max(old.max, new.max, path, old.loc, new.loc, (Target.VENDOR_SECTION, old.name, new.name), "bytes")

    # -- params -----------------------------------------------------------------------------

    def _params(self) -> None:
        new_params = {p.name: p for p in self.new.params}
        for old in self.old.params:
            path = f"param {old.name}"
            new = new_params.pop(old.name, None)
            if new is None:
                why = f"a {self.new_label} destination does not know the parameter"
                condition = _param_default(old, why, R.PARAM_REMOVED, ConditionKind.VALUE)
                self.emit(R.PARAM_REMOVED, path, f"parameter {old.name!r} removed", old.loc, None,
                          backward=only_if([condition], why))
            elif old.type != new.type:
                self._param_type(old, new, path)
            else:
                self._param_pair(old, new, path)
        for new in new_params.values():
            why = f"a {self.old_label} destination does not know the parameter"
            detail = f"parameter {new.name!r} added (default {_show(new.default)})"
            condition = _param_default(new, why, R.PARAM_ADDED, ConditionKind.DEFAULT)
            self.emit(R.PARAM_ADDED, f"param {new.name}", detail, None, new.loc, forward=only_if([condition], why))

    def _param_pair(self, old: ir.Param, new: ir.Param, path: str) -> None:
        if old.default != new.default:
            why = "a source that does not set it means one value on one side and another on the other"
            both = refused(why)
            self.emit(R.PARAM_DEFAULT_CHANGED, path, f"default {_show(old.default)} → {_show(new.default)}",
                      old.loc, new.loc, backward=both, forward=both)
        lost = _param_values_lost(old, new)
        gained = _param_values_lost(new, old)
        if lost:
            self.emit(R.PARAM_NARROWED, path, f"{_param_values(old)} → {_param_values(new)}; {lost}",
                      old.loc, new.loc, backward=_param_effect(old, new, self.new_label, R.PARAM_NARROWED,
                                                                 ConditionKind.VALUE))
        if gained:
            self.emit(R.PARAM_WIDENED, path, f"{_param_values(old)} → {_param_values(new)}", old.loc, new.loc,
                      forward=_param_effect(new, old, self.old_label, R.PARAM_WIDENED, ConditionKind.NEGOTIATED))

    def _param_type(self, old: ir.Param, new: ir.Param, path: str) -> None:
        detail = f"{old.type} → {new.type}"
        if _integer(old) and _integer(new):
            backward = _param_effect(old, new, self.new_label, R.PARAM_TYPE_CHANGED, ConditionKind.VALUE)
            forward = _param_effect(new, old, self.old_label, R.PARAM_TYPE_CHANGED, ConditionKind.NEGOTIATED)
            if backward is OK and forward is OK:
                detail += " (every value is accepted by both)"
            self.emit(R.PARAM_TYPE_CHANGED, path, detail, old.loc, new.loc, backward=backward, forward=forward,
                      category=Category.API if backward is OK and forward is OK else None)
            return
        both = refused("values are compared with their JSON type: the other version accepts none of them")
        self.emit(R.PARAM_TYPE_CHANGED, path, detail, old.loc, new.loc, backward=both, forward=both)

    # -- library types ----------------------------------------------------------------------

    def _library_types(self) -> None:
        for name, old in self.old.types.items():
            if "." in name:
                continue
            new = self.new.types.get(name)
            if new is None:
                self.emit(R.TYPE_REMOVED, name, f"{old.kind} {name} removed", old.loc, None)
            elif old.kind != new.kind:
                both = refused(f"a {old.kind} and a {new.kind} do not mean the same bytes")
                self.emit(R.TYPE_CHANGED, name, f"{old.kind} → {new.kind}", old.loc, new.loc,
                          backward=both, forward=both)
            else:
                if isinstance(old, ir.EnumType | ir.FlagsType) and isinstance(new, ir.EnumType | ir.FlagsType):
                    self._base_size(old, new, name)
                self.named(name, name, old, new)

    def _base_size(self, old: ir.EnumType | ir.FlagsType, new: ir.EnumType | ir.FlagsType, path: str) -> None:
        if old.base.size != new.base.size:
            both = refused("the value's size changes, so every later byte moves")
            self.emit(R.WIDTH_CHANGED, f"{path} (base)", f"{old.base.name} → {new.base.name}", old.loc, new.loc,
                      backward=both, forward=both)

    # -- type expressions -------------------------------------------------------------------

    def expr(self, old: Expr, new: Expr, path: str, old_loc: Loc, new_loc: Loc, where: Where | None = None,
             bounds: Bounds = NO_BOUNDS) -> None:
        """Compare two type expressions found at ``path`` (the same place of both layouts).

        ``where``: what conditions name (a section by default); ``bounds``: the fields' ``min``/``max``
        (old, new), which apply to array elements too.
        """
        where = where or (Target.SECTION, path.removeprefix("section "), path.removeprefix("section "))
        if self._value_change(old, new, path, old_loc, new_loc, where, bounds):
            return
        if self._same_bytes(old, new, path, old_loc, new_loc, where, bounds):
            return
        if old.kind != new.kind:
            both = refused("the bytes are of another kind of value")
            self.emit(R.TYPE_CHANGED, path, f"{_label(old)} → {_label(new)}", old_loc, new_loc,
                      backward=both, forward=both)
            return
        self.visit(old, new, path, old_loc, new_loc, where, bounds)

    def _value_change(self, old: Expr, new: Expr, path: str, old_loc: Loc, new_loc: Loc, where: Where,
                      bounds: Bounds) -> bool:
        """A scalar-like value whose type changed kind, size or signedness (handled here: True)."""
        (old_low, old_high), (new_low, new_high) = bounds
        old_dom = self.domain(old, self.old, old_low, old_high)
        new_dom = self.domain(new, self.new, new_low, new_high)
        if old_dom is None or new_dom is None:
            return False
        if old_dom.kind == new_dom.kind and old_dom.kind in ("enum", "flags"):
            return False  # the same kind of named type: compared by ``named``
        if (old_dom.kind, old_dom.size, old_dom.signed) == (new_dom.kind, new_dom.size, new_dom.signed):
            return False
        rule = _value_rule(old_dom, new_dom)
        detail = f"{_label(old)} → {_label(new)}"
        if old_dom.size != new_dom.size:
            both = refused("the value's size changes, so every later byte moves")
            self.emit(rule, path, detail, old_loc, new_loc, backward=both, forward=both)
            return True
        backward, forward = self.in_place(old_dom, new_dom, where, rule)
        category = Category.API if backward is OK and forward is OK else None
        self.emit(rule, path, detail, old_loc, new_loc, backward=backward, forward=forward, category=category)
        return True

    def _same_bytes(self, old: Expr, new: Expr, path: str, old_loc: Loc, new_loc: Loc, where: Where,
                    bounds: Bounds) -> bool:
        """An integer or ``u8[N]`` that became fixed bytes of the same size, or back: the same bytes, and
        bytes take every value, so only an integer's range can refuse what the bytes side writes."""
        old_size, new_size = _raw_size(old, self.old), _raw_size(new, self.new)
        if old_size is None or new_size is None or old_size != new_size or old.kind == new.kind:
            return False  # integers of one size are read in place (``_value_change``)
        (old_low, old_high), (new_low, new_high) = bounds
        old_dom, new_dom = domain(old, self.old, old_low, old_high), domain(new, self.new, new_low, new_high)
        ranged = "the integer's range refuses some byte patterns the other side may write"
        backward = refused(ranged) if new_dom is not None and not _full(new_dom) else OK
        forward = refused(ranged) if old_dom is not None and not _full(old_dom) else OK
        self.emit(R.TYPE_CHANGED, path, f"{_label(old)} → {_label(new)} (the same {old_size} bytes)", old_loc,
                  new_loc, backward=backward, forward=forward,
                  category=Category.API if backward is OK and forward is OK else None)
        return True

    def domain(self, expr: Any, schema: ir.Schema, low: int | None = None, high: int | None = None) -> Domain | None:
        return domain(expr, schema, low, high, elements=False)  # arrays are compared element by element

    def in_place(self, old: Domain, new: Domain, where: Where, rule: Rule) -> tuple[Effect, Effect]:
        target, old_name, new_name = where
        backward = in_place(old, new, Place(target, old_name, rule.id), self.member_renamed, self.new_label)
        forward = in_place(new, old, Place(target, new_name, rule.id), self.member_renamed_back, self.old_label)
        return backward, forward

    def member_renamed(self, old_name: str, new_name: str) -> bool:
        return (old_name, new_name) in self.member_renames

    def member_renamed_back(self, new_name: str, old_name: str) -> bool:
        return (old_name, new_name) in self.member_renames

    def visit_scalar(self, old: ir.ScalarType, new: ir.ScalarType, path: str, old_loc: Loc, new_loc: Loc,
                     where: Where, bounds: Bounds) -> None:
        """Scalars of the same kind, size and signedness: nothing changed."""

    def visit_ref(self, old: ir.NamedRef, new: ir.NamedRef, path: str, old_loc: Loc, new_loc: Loc,
                  where: Where, bounds: Bounds) -> None:
        old_type, new_type = self.old.types[old.name], self.new.types[new.name]
        if old_type.kind != new_type.kind:
            detail = f"{old_type.kind} {old.name} → {new_type.kind} {new.name}"
            both = refused(f"a {old_type.kind} and a {new_type.kind} do not mean the same bytes")
            self.emit(R.TYPE_CHANGED, path, detail, old_loc, new_loc, backward=both, forward=both)
            return
        if isinstance(old_type, ir.EnumType | ir.FlagsType) and isinstance(new_type, ir.EnumType | ir.FlagsType) \
                and old_type.base.size != new_type.base.size:
            both = refused("the value's size changes, so every later byte moves")
            detail = f"{old_type.kind} {old.name} base {old_type.base.name} → {new_type.base.name}"
            self.emit(R.WIDTH_CHANGED, path, detail, old_loc, new_loc, backward=both, forward=both)
        pair = (old.name, new.name)
        if old_type.name != new_type.name and pair not in self.renamed:
            self.renamed.add(pair)
            self.emit(R.TYPE_RENAMED, path, f"type {old.name} → {new.name}", old_type.loc, new_type.loc)
        self.named(old.name, new.name, old_type, new_type)

    def visit_array(self, old: ir.ArrayType, new: ir.ArrayType, path: str, old_loc: Loc, new_loc: Loc,
                    where: Where, bounds: Bounds) -> None:
        if old.counted != new.counted:
            both = refused("a fixed and a counted array are laid out differently")
            self.emit(R.TYPE_CHANGED, path, f"{_label(old)} → {_label(new)}", old_loc, new_loc,
                      backward=both, forward=both)
            return
        self._extent(old.length, new.length, old.max, new.max, path, old_loc, new_loc, where)
        self.expr(old.element, new.element, f"{path}[]", old_loc, new_loc, where, bounds)

    def visit_bytes(self, old: ir.BytesType, new: ir.BytesType, path: str, old_loc: Loc, new_loc: Loc,
                    where: Where, bounds: Bounds) -> None:
        if old.counted != new.counted:
            both = refused("fixed and counted bytes are laid out differently")
            self.emit(R.TYPE_CHANGED, path, f"{_label(old)} → {_label(new)}", old_loc, new_loc,
                      backward=both, forward=both)
            return
        self._extent(old.length, new.length, old.max, new.max, path, old_loc, new_loc, where, "bytes")

    def visit_string(self, old: ir.StringType, new: ir.StringType, path: str, old_loc: Loc, new_loc: Loc,
                     where: Where, bounds: Bounds) -> None:
        self._max(old.max, new.max, path, old_loc, new_loc, where, "bytes")

    def _extent(self, old_len: int | None, new_len: int | None, old_max: int | None, new_max: int | None,
                path: str, old_loc: Loc, new_loc: Loc, where: Where, unit: str = "elements") -> None:
        if old_len != new_len:
            both = refused("the encoded size changes, so every later byte moves")
            self.emit(R.LENGTH_CHANGED, path, f"length {old_len} → {new_len}", old_loc, new_loc,
                      backward=both, forward=both)
        if old_max is not None and new_max is not None:
            self._max(old_max, new_max, path, old_loc, new_loc, where, unit)

    def _max(self, old: int, new: int, path: str, old_loc: Loc, new_loc: Loc, where: Where,
             unit: str = "elements") -> None:
        target, old_name, new_name = where
        if new > old:
            fix = f"Keep max {old}, or bump the major version: a new writer may write up to {new}."
            why = f"otherwise the {self.old_label} reader refuses the count (over its max {old})"
            condition = Condition(ConditionKind.VALUE, target, new_name, Allowed.COUNT, high=old, members=(unit,),
                                  why=why, rules=(R.MAX_WIDENED.id,))
            self.emit(R.MAX_WIDENED, path, f"max {old} → {new}", old_loc, new_loc, fix,
                      forward=only_if([condition], why))
        elif new < old:
            why = f"otherwise the {self.new_label} reader refuses the count (over its max {new})"
            condition = Condition(ConditionKind.VALUE, target, old_name, Allowed.COUNT, high=new, members=(unit,),
                                  why=why, rules=(R.MAX_NARROWED.id,))
            self.emit(R.MAX_NARROWED, path, f"max {old} → {new}", old_loc, new_loc,
                      backward=only_if([condition], why))

    # -- named types ------------------------------------------------------------------------

    def named(self, old_name: str, new_name: str, old: Named, new: Named) -> None:
        """Compare two named types of the same kind, once per pair."""
        if (old_name, new_name) in self.compared:
            return
        self.compared.add((old_name, new_name))
        if old.kind == new.kind:
            self.visit(old, new, old_name, new_name)

    def visit_struct(self, old: ir.StructType, new: ir.StructType, old_name: str, new_name: str) -> None:
        StructDiff(self, old_name, new_name, old, new).run()

    def visit_enum(self, old: ir.EnumType, new: ir.EnumType, old_name: str, new_name: str) -> None:
        EnumDiff(self, old_name, new_name, old, new).run()

    def visit_flags(self, old: ir.FlagsType, new: ir.FlagsType, old_name: str, new_name: str) -> None:
        FlagsDiff(self, old_name, new_name, old, new).run()


class EnumDiff:
    """Members of two versions of an enum; conditions name the enum type (every value of it)."""

    def __init__(self, parent: SchemaDiff, old_name: str, new_name: str, old: ir.EnumType, new: ir.EnumType):
        self.parent = parent
        self.old_name, self.new_name = old_name, new_name
        self.old, self.new = old, new
        self.old_names, self.new_names = old.by_name(), new.by_name()
        self.old_values, self.new_values = old.by_value(), new.by_value()

    def run(self) -> None:
        old, new, label = self.old, self.new, self.new_name
        self._signedness()
        self._openness()
        for name, value in self.old_names.items():
            self._member(name, value)
        for name, value in self.new_names.items():
            if name not in self.old_names and not (value in self.old_values and self.old_values[value] not in
                                                   self.new_names):
                self._added(name, value, label, old, new)

    def _signedness(self) -> None:
        old, new = self.old, self.new
        if old.base.name == new.base.name or old.base.size != new.base.size:
            return
        old_dom, new_dom = domain(_ref(self.old_name, "enum"), self.parent.old), domain(
            _ref(self.new_name, "enum"), self.parent.new)
        assert old_dom is not None and new_dom is not None
        backward, forward = self.parent.in_place(old_dom, new_dom, (Target.TYPE, self.old_name, self.new_name),
                                                 R.SIGNEDNESS_CHANGED)
        self.parent.emit(R.SIGNEDNESS_CHANGED, f"{self.new_name} (base)", f"{old.base.name} → {new.base.name}",
                         old.loc, new.loc, backward=backward, forward=forward)

    def _openness(self) -> None:
        old, new, parent = self.old, self.new, self.parent
        if old.open and not new.open:
            why = f"otherwise the {parent.new_label} reader refuses an undeclared value"
            members = tuple(m.name for m in old.values)
            condition = Condition(ConditionKind.VALUE, Target.TYPE, self.old_name, Allowed.MEMBERS, members=members,
                                  why=why, rules=(R.ENUM_CLOSED.id,))
            parent.emit(R.ENUM_CLOSED, self.new_name, "open → closed", old.loc, new.loc,
                        backward=only_if([condition], why))
        elif new.open and not old.open:
            why = f"otherwise the {parent.old_label} reader refuses an undeclared value"
            members = tuple(m.name for m in new.values)
            condition = Condition(ConditionKind.VALUE, Target.TYPE, self.new_name, Allowed.MEMBERS, members=members,
                                  why=why, rules=(R.ENUM_OPENED.id,))
            parent.emit(R.ENUM_OPENED, self.new_name, "closed → open", old.loc, new.loc,
                        forward=only_if([condition], why))

    def _member(self, name: str, value: int) -> None:
        path = f"{self.new_name}.{name}"
        parent = self.parent
        old_loc = _member_loc(self.old, name)
        if name in self.new_names:
            if self.new_names[name] != value:
                moved = self.new_names[name]
                backward = self._lost(self.old_name, name, value, self.new, self.new_values, parent.new_label)
                forward = self._lost(self.new_name, name, moved, self.old, self.old_values, parent.old_label)
                parent.emit(R.ENUM_VALUE_RENUMBERED, path, f"{name}={value} → {moved}", old_loc,
                            _member_loc(self.new, name), backward=backward, forward=forward)
        elif value in self.new_values and self.new_values[value] not in self.old_names:
            other = self.new_values[value]
            parent.member_renames.add((name, other))
            parent.emit(R.ENUM_VALUE_RENAMED, path, f"value {value}: {name} → {other}", old_loc,
                        _member_loc(self.new, other))
        elif self.new.open:
            parent.emit(R.ENUM_VALUE_REMOVED_OPEN, path, f"value {name}={value} removed (its number still loads)",
                        old_loc, self.new.loc)
        else:
            backward = self._lost(self.old_name, name, value, self.new, self.new_values, parent.new_label)
            parent.emit(R.ENUM_VALUE_REMOVED, path, f"value {name}={value} removed", old_loc, self.new.loc,
                        backward=backward)

    def _lost(self, writer_type: str, name: str, value: int, reader: ir.EnumType, reader_values: dict[int, str],
              version: str) -> Effect:
        """A writer member the reader does not read as itself: refused, or silently another member."""
        silent = reader.open or value in reader_values
        why = (f"otherwise the {version} reader loads {name} as another value without an error" if silent
               else f"otherwise the {version} reader refuses the value")
        kind = ConditionKind.SILENT if silent else ConditionKind.VALUE
        condition = Condition(kind, Target.TYPE, writer_type, Allowed.EXCLUDES, members=(name,), why=why,
                              rules=(R.ENUM_VALUE_RENUMBERED.id if silent else R.ENUM_VALUE_REMOVED.id,))
        return only_if([condition], why)

    def _added(self, name: str, value: int, label: str, old: ir.EnumType, new: ir.EnumType) -> None:
        parent = self.parent
        loc = _member_loc(new, name)
        if old.open:
            parent.emit(R.ENUM_VALUE_ADDED_OPEN, f"{label}.{name}", f"value {name}={value} added", old.loc, loc)
            return
        why = f"otherwise the {parent.old_label} reader refuses the value"
        condition = Condition(ConditionKind.VALUE, Target.TYPE, self.new_name, Allowed.EXCLUDES, members=(name,),
                              why=why, rules=(R.ENUM_VALUE_ADDED_CLOSED.id,))
        parent.emit(R.ENUM_VALUE_ADDED_CLOSED, f"{label}.{name}", f"value {name}={value} added", old.loc, loc,
                    forward=only_if([condition], why))


class FlagsDiff:
    """Bits of two versions of a flags type; conditions name the flags type."""

    def __init__(self, parent: SchemaDiff, old_name: str, new_name: str, old: ir.FlagsType, new: ir.FlagsType):
        self.parent = parent
        self.old_name, self.new_name = old_name, new_name
        self.old, self.new = old, new
        self.old_bits = {f.name: f.bit for f in old.bits}
        self.new_bits = {f.name: f.bit for f in new.bits}
        self.old_names = {f.bit: f.name for f in old.bits}
        self.new_names = {f.bit: f.name for f in new.bits}

    def run(self) -> None:
        for name, bit in self.old_bits.items():
            self._bit(name, bit)
        for name, bit in self.new_bits.items():
            if name not in self.old_bits and not (bit in self.old_names and self.old_names[bit] not in self.new_bits):
                why = f"otherwise the {self.parent.old_label} reader refuses an undeclared bit"
                condition = Condition(ConditionKind.VALUE, Target.TYPE, self.new_name, Allowed.EXCLUDES,
                                      members=(name,), why=why, rules=(R.FLAG_ADDED.id,))
                self.parent.emit(R.FLAG_ADDED, f"{self.new_name}.{name}", f"bit {name}={bit} added", self.old.loc,
                                 _member_loc(self.new, name), forward=only_if([condition], why))

    def _bit(self, name: str, bit: int) -> None:
        parent, path = self.parent, f"{self.new_name}.{name}"
        old_loc = _member_loc(self.old, name)
        if name in self.new_bits:
            moved = self.new_bits[name]
            if moved != bit:
                backward = self._lost(self.old_name, name, bit, self.new_names, parent.new_label)
                forward = self._lost(self.new_name, name, moved, self.old_names, parent.old_label)
                parent.emit(R.FLAG_MOVED, path, f"bit {bit} → {moved}", old_loc, _member_loc(self.new, name),
                            backward=backward, forward=forward)
        elif bit in self.new_names and self.new_names[bit] not in self.old_bits:
            other = self.new_names[bit]
            parent.member_renames.add((name, other))
            parent.emit(R.FLAG_RENAMED, path, f"bit {bit}: {name} → {other}", old_loc, _member_loc(self.new, other))
        else:
            backward = self._lost(self.old_name, name, bit, self.new_names, parent.new_label)
            parent.emit(R.FLAG_REMOVED, path, f"bit {name}={bit} removed", old_loc, self.new.loc, backward=backward)

    def _lost(self, writer_type: str, name: str, bit: int, reader_names: dict[int, str], version: str) -> Effect:
        silent = bit in reader_names
        why = (f"otherwise the {version} reader loads the bit as {reader_names[bit]} without an error" if silent
               else f"otherwise the {version} reader refuses an undeclared bit")
        kind = ConditionKind.SILENT if silent else ConditionKind.VALUE
        rule = R.FLAG_MOVED.id if silent else R.FLAG_REMOVED.id
        condition = Condition(kind, Target.TYPE, writer_type, Allowed.EXCLUDES, members=(name,), why=why,
                              rules=(rule,))
        return only_if([condition], why)


class StructDiff:
    """Field-by-field comparison of two versions of a struct (the wire is positional)."""

    def __init__(self, parent: SchemaDiff, old_name: str, new_name: str, old: ir.StructType,
                 new: ir.StructType) -> None:
        self.parent = parent
        self.old_name, self.label = old_name, new_name
        self.old = old
        self.new = new
        self.old_index = {f.name: i for i, f in enumerate(old.fields)}
        self.new_index = {f.name: i for i, f in enumerate(new.fields)}

    def run(self) -> None:
        pairs = self._pairs()
        self.aligned = self._aligned(pairs)
        matched_new = {j for _, j in pairs}
        matched_old = {i for i, _ in pairs}
        self._removed(matched_old)
        self._reordered(pairs)
        last_matched = max(matched_new, default=-1)
        for j, field in enumerate(self.new.fields):
            if j not in matched_new:
                self._added(j, field, j < last_matched)
        for i, j in pairs:
            self._field_pair(self.old.fields[i], self.new.fields[j], i, j)

    def _pairs(self) -> list[tuple[int, int]]:
        """Matched (old index, new index): same name, or a rename at the same position."""
        pairs = [(i, self.new_index[f.name]) for i, f in enumerate(self.old.fields) if f.name in self.new_index]
        for i in range(min(len(self.old.fields), len(self.new.fields))):
            old, new = self.old.fields[i], self.new.fields[i]
            if old.name in self.new_index or new.name in self.old_index:
                continue
            if shape(old.type, self.parent.old) == shape(new.type, self.parent.new):
                pairs.append((i, i))
        return sorted(pairs)

    def _aligned(self, pairs: list[tuple[int, int]]) -> int:
        """How many leading fields sit at the same place with the same framing in both versions."""
        paired = set(pairs)
        count = 0
        for i in range(min(len(self.old.fields), len(self.new.fields))):
            old, new = self.old.fields[i], self.new.fields[i]
            if (i, i) not in paired or layout_key(old.type, self.parent.old) != layout_key(new.type, self.parent.new):
                break
            count += 1
        return count

    @property
    def misaligned(self) -> bool:
        """Whether both versions have fields after the aligned prefix: their bytes are read misplaced."""
        return self.aligned < len(self.old.fields) and self.aligned < len(self.new.fields)

    @property
    def last_resized(self) -> bool:
        """Only the last field of both versions changed its size: read in place with a tail (see ``_tail_value``)."""
        last = len(self.old.fields) - 1
        return self.misaligned and self.aligned == last == len(self.new.fields) - 1

    def _broken(self) -> Effect:
        return refused(f"the fields of {self.label} from here on are read at other offsets")

    def _removed(self, matched_old: set[int]) -> None:
        for i, field in enumerate(self.old.fields):
            if i in matched_old:
                continue
            detail = f"field {field.name} ({ir.type_label(field.type)}) removed"
            if self.misaligned:
                backward = forward = self._broken()
            else:  # a tail field removed
                backward = zero_tail(field, self.old_name, self.parent.old, R.FIELD_REMOVED.id, self.parent.new_label)
                forward = self._filled(field, i, self.old, self.parent.old_label)
                detail += _removed_note(backward, forward)
            self.parent.emit(R.FIELD_REMOVED, self.path(field.name), detail, field.loc, self.new.loc,
                             backward=backward, forward=forward)

    def _reordered(self, pairs: list[tuple[int, int]]) -> None:
        order = [j for _, j in pairs]
        keep = set(lis_indices(order))
        for position, (i, j) in enumerate(pairs):
            if position not in keep:
                old, new = self.old.fields[i], self.new.fields[j]
                detail = f"field {new.name} moved from position {i} to {j}"
                self.parent.emit(R.FIELDS_REORDERED, self.path(new.name), detail, old.loc, new.loc,
                                 backward=self._broken(), forward=self._broken())

    def _added(self, index: int, field: ir.StructField, inserted: bool) -> None:
        path = self.path(field.name)
        label = f"{field.name} ({ir.type_label(field.type)})"
        if inserted:
            detail = f"field {label} inserted at position {index}, before existing fields"
            self.parent.emit(R.FIELD_INSERTED, path, detail, self.old.loc, field.loc, backward=self._broken(),
                             forward=self._broken())
            return
        if self.misaligned:
            detail = f"field {label} appended after fields whose layout changed"
            self.parent.emit(R.FIELD_APPENDED, path, detail, self.old.loc, field.loc, backward=self._broken(),
                             forward=self._broken())
            return
        backward = self._filled(field, index, self.new, self.parent.new_label)
        forward = zero_tail(field, self.label, self.parent.new, R.FIELD_APPENDED.id, self.parent.old_label)
        marked = index >= self.new.base_field_count
        default = _default_text(self.parent.new, field)
        if marked:
            detail = f"field {label} appended since {field.since}, default {default}"
        elif not self.parent.same_major:
            detail = f"field {label} appended to the layout of major {self.parent.new.version.major}, default {default}"
        else:
            detail = (f"field {label} appended but not marked `since` a minor version, default {default}: "
                      "the new reader requires it")
        fix = "" if marked or not self.parent.same_major else "Mark the field `since` the new minor version."
        self.parent.emit(R.FIELD_APPENDED, path, detail, self.old.loc, field.loc, fix,
                         backward=backward, forward=forward)

    def _filled(self, field: ir.StructField, index: int, reader: ir.StructType, version: str) -> Effect:
        """A field the reader has and the writer lacks: filled with its default only if appended."""
        if index >= reader.base_field_count:
            return OK
        return refused(f"the {version} reader requires {reader.name}.{field.name}, which the other version's "
                       "state lacks (STRUCT_TOO_SHORT)")

    def _field_pair(self, old: ir.StructField, new: ir.StructField, i: int, j: int) -> None:
        path = self.path(new.name)
        if old.name != new.name:
            self.parent.emit(R.FIELD_RENAMED, path, f"{old.name} → {new.name}", old.loc, new.loc)
        before = len(self.parent.changes)
        where = (Target.FIELD, f"{self.old_name}.{old.name}", f"{self.label}.{new.name}")
        bounds = ((old.min, old.max), (new.min, new.max))
        self.parent.expr(old.type, new.type, path, old.loc, new.loc, where, bounds)
        self._range(old, new, path, where)
        self._since(old, new, i, j, path)
        if self.misaligned and (i >= self.aligned or j >= self.aligned):
            self._misplace(before, path, old, new, where)
        appended = j >= self.new.base_field_count
        if not appended and old.default is not None and new.default is not None and old.default != new.default:
            self.parent.emit(R.DEFAULT_CHANGED, path, f"default {_show(old.default)} → {_show(new.default)}",
                             old.loc, new.loc)

    def _misplace(self, before: int, path: str, old: ir.StructField, new: ir.StructField, where: Where) -> None:
        """Changes of a field read at another offset: whatever they say, its bytes are misplaced
        (but for the last field resized in place, read with a zero-tail check: ``_tail_value``)."""
        mine = [k for k in range(before, len(self.parent.changes)) if _at(self.parent.changes[k], path)]
        if not mine and layout_key(old.type, self.parent.old) != layout_key(new.type, self.parent.new):
            detail = f"{ir.type_label(old.type)} → {ir.type_label(new.type)}: its encoded size changed"
            self.parent.emit(R.WIDTH_CHANGED, path, detail, old.loc, new.loc)
            mine = [len(self.parent.changes) - 1]
        backward, forward = self._broken(), self._broken()
        if self.last_resized:
            backward, forward = self._tail_value(old, new, where, backward, forward)
        for k in mine:
            change = self.parent.changes[k]
            if change.rule not in (R.FIELD_RENAMED, R.DEFAULT_CHANGED, R.TYPE_RENAMED):
                self.parent.changes[k] = change.with_effects(backward, forward)

    def _tail_value(self, old: ir.StructField, new: ir.StructField, where: Where, backward: Effect,
                    forward: Effect) -> tuple[Effect, Effect]:
        """The last field of both versions, resized: little-endian, so a narrower reader reads the low
        bytes and accepts the rest as the struct's tail while it is zero; a wider reader runs short."""
        old_dom = self.parent.domain(old.type, self.parent.old, old.min, old.max)
        new_dom = self.parent.domain(new.type, self.parent.new, new.min, new.max)
        if old_dom is None or new_dom is None:
            return backward, forward
        target, old_name, new_name = where
        if old_dom.size > new_dom.size:
            return self._narrower_reader(old_dom, new_dom, Place(target, old_name, R.WIDTH_CHANGED.id),
                                         self.parent.new_label), forward
        return backward, self._narrower_reader(new_dom, old_dom, Place(target, new_name, R.WIDTH_CHANGED.id),
                                               self.parent.old_label)

    def _narrower_reader(self, writer: Domain, reader: Domain, place: Place, version: str) -> Effect:
        fits = (1 << (8 * reader.size)) - 1
        low, high = max(writer.low, 0), min(writer.high, fits)
        names = {v: n for v, n in writer.names.items() if v <= fits}
        if writer.kind == "flags":
            names = {b: n for b, n in writer.names.items() if b < 8 * reader.size}
            high = sum(1 << b for b in names)
        # the low bytes, as an unsigned number: negative values fail the tail check (0xff high bytes)
        cut = replace(writer, size=reader.size, signed=False, low=low, high=high, names=names,
                      open=writer.open and writer.high <= fits)
        renamed = self.parent.member_renamed if version == self.parent.new_label else self.parent.member_renamed_back
        effect = in_place(cut, reader, place, renamed, version)
        same_values = names == writer.names and cut.open == writer.open
        if same_values and (writer.kind in ("flags",) or (writer.kind == "enum" and not writer.open)
                            or (low, high) == (writer.low, writer.high)):
            return effect
        why = f"otherwise the {version} reader refuses the non-zero high bytes as the struct's tail"
        return worst([effect, only_if([_cut_condition(writer, cut, place, why)], why)])
    def _range(self, old: ir.StructField, new: ir.StructField, path: str, where: Where) -> None:
        """``min``/``max`` (on the field or its array elements) compared as values, whatever else changed."""
        old_dom = domain(old.type, self.parent.old, old.min, old.max)
        new_dom = domain(new.type, self.parent.new, new.min, new.max)
        if old_dom is None or new_dom is None or old_dom.kind != "int" or new_dom.kind != "int":
            return
        if (old_dom.low, old_dom.high) == (new_dom.low, new_dom.high) or old_dom.size != new_dom.size:
            return
        if old_dom.signed != new_dom.signed:
            return  # reported with the signedness change, whose effect covers the range
        detail = f"range {old_dom.low}..{old_dom.high} → {new_dom.low}..{new_dom.high}"
        narrowed = new_dom.low > old_dom.low or new_dom.high < old_dom.high
        widened = new_dom.low < old_dom.low or new_dom.high > old_dom.high
        if narrowed:
            backward, _ = self.parent.in_place(old_dom, new_dom, where, R.RANGE_NARROWED)
            self.parent.emit(R.RANGE_NARROWED, path, detail, old.loc, new.loc, backward=backward)
        if widened:
            _, forward = self.parent.in_place(old_dom, new_dom, where, R.RANGE_WIDENED)
            self.parent.emit(R.RANGE_WIDENED, path, detail, old.loc, new.loc, forward=forward)

    def _since(self, old: ir.StructField, new: ir.StructField, i: int, j: int, path: str) -> None:
        """A field appended in a minor version that the new version makes a base field."""
        if not self.parent.same_major or i < self.old.base_field_count or j >= self.new.base_field_count:
            return
        detail = (f"`since {old.since}` removed: {new.name} is now a base field, which the new reader requires, "
                  f"but state of {self.parent.old.version.major}.x before {old.since} lacks it")
        self.parent.emit(R.SINCE_REMOVED, path, detail, old.loc, new.loc, history=Direction.BACKWARD)

    def path(self, field: str) -> str:
        return f"{self.label}.{field}"


# -- helpers -------------------------------------------------------------------------------


def _raw_size(expr: Any, schema: ir.Schema) -> int | None:
    """The size of an integer, fixed bytes or a fixed array of u8 (None for anything else)."""
    return _RawSize().visit(expr)


class _RawSize(Visitor[int | None]):
    def visit_scalar(self, expr: ir.ScalarType) -> int | None:
        return None if expr.name == "bool" else expr.size

    def visit_bytes(self, expr: ir.BytesType) -> int | None:
        return expr.length

    def visit_array(self, expr: ir.ArrayType) -> int | None:
        return expr.length if expr.u8_elements else None

    def _none(self, expr: ir.NamedRef | ir.StringType) -> None:
        return None

    visit_ref = visit_string = _none


def _full(dom: Domain) -> bool:
    bits = 8 * dom.size
    if dom.kind != "int":
        return False
    if dom.signed:
        return (dom.low, dom.high) == (-(1 << (bits - 1)), (1 << (bits - 1)) - 1)
    return (dom.low, dom.high) == (0, (1 << bits) - 1)


def _at(change: Change, path: str) -> bool:
    return change.path == path or change.path.startswith(f"{path}[")


def _cut_condition(writer: Domain, cut: Domain, place: Place, why: str) -> Condition:
    kind = ConditionKind.VALUE
    if writer.kind == "enum":
        members = tuple(cut.names[v] for v in sorted(cut.names))
        return Condition(kind, place.target, place.name, Allowed.MEMBERS, members=members, why=why,
                         rules=(place.rule,))
    if writer.kind == "flags":
        bits = tuple(cut.names[b] for b in sorted(cut.names))
        return Condition(kind, place.target, place.name, Allowed.BITS, members=bits, why=why, rules=(place.rule,))
    return Condition(kind, place.target, place.name, Allowed.RANGE, low=cut.low, high=cut.high, why=why,
                     rules=(place.rule,))


def _removed_note(backward: Effect, forward: Effect) -> str:
    if forward is OK:
        return " (older readers fill its default)"
    return ""


def _ref(name: str, kind: str) -> ir.NamedRef:
    return ir.NamedRef.model_validate({"name": name, "target_kind": kind, "fixed_size": None})


def _label(expr: Expr) -> str:
    return ir.type_label(expr)


def _section_label(section: ir.Section | ir.VendorSection) -> str:
    if isinstance(section, ir.VendorSection):
        required = "optional" if section.optional else "required"
        return f"{required} vendor section {section.vendor} #{section.id} {section.name!r}"
    return f"{'optional' if section.optional else 'required'} section {section.id} {section.name!r}"


def _member_loc(named: ir.EnumType | ir.FlagsType, name: str) -> Loc:
    for member in named.members:
        if member.name == name:
            return member.loc or named.loc
    return named.loc


def _payload(section: ir.VendorSection) -> str:
    return f"opaque max {section.max}" if section.type is None else _label(section.type)


def _value_rule(old: Domain, new: Domain) -> Rule:
    if old.kind != new.kind:
        return R.TYPE_CHANGED
    if old.size != new.size:
        return R.WIDTH_CHANGED
    return R.SIGNEDNESS_CHANGED


def _default_text(schema: ir.Schema, field: ir.StructField) -> str:
    value = field_default(schema, field)
    if isinstance(value, list) and not value:
        return "empty"
    if isinstance(value, bytes | bytearray):
        return f"{len(value)} zero bytes" if value and not any(value) else ("empty" if not value else repr(value))
    if value is None:
        value = type_default(schema, field.type)
    return _show(value)


def _show(value: object) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, str):
        return repr(value) if value == "" else value
    if isinstance(value, dict):
        return "its fields' defaults"
    return str(value)


# -- migration parameters ----------------------------------------------------------------------

ValueSet = tuple[str, Any]


def _integer(param: ir.Param) -> bool:
    return param.type not in ("bool", "string")


def _param_value_set(param: ir.Param) -> ValueSet:
    """("set", values) for a finite set of accepted values, else ("range", (low, high))."""
    if param.allowed is not None:
        return ("set", frozenset(v for v in param.allowed if param.accepts(v)))
    if param.type == "bool":
        return ("set", frozenset({False, True}))
    if param.type == "string":
        return ("range", ("", ""))
    low, high = ir.scalar_range(param.type)
    low = low if param.min is None else max(low, param.min)
    high = high if param.max is None else min(high, param.max)
    return ("range", (low, high))


def _param_values_lost(old: ir.Param, new: ir.Param) -> str:
    """A description of values ``old`` accepts that ``new`` refuses, or "" when none."""
    kind, values = _param_value_set(old)
    if kind == "set":
        lost = sorted((v for v in values if not new.accepts(v)), key=repr)
        return "no longer accepted: " + ", ".join(map(_show, lost)) if lost else ""
    new_kind, new_values = _param_value_set(new)
    if old.type == "string":
        return "" if new_kind == "range" else "only the listed strings are accepted now"
    low, high = values
    if new_kind == "set":
        return f"only {len(new_values)} of the values {low}..{high} are accepted now"
    new_low, new_high = new_values
    return "" if new_low <= low and high <= new_high else f"{low}..{high} is now {new_low}..{new_high}"


def _param_values(param: ir.Param) -> str:
    kind, values = _param_value_set(param)
    if kind == "set":
        return "{" + ", ".join(map(_show, sorted(values, key=repr))) + "}"
    return "any string" if param.type == "string" else f"{values[0]}..{values[1]}"


def _param_default(param: ir.Param, why: str, rule: Rule, kind: ConditionKind) -> Condition:
    return Condition(kind, Target.PARAM, param.name, Allowed.DEFAULT, members=(param.default,), why=why,
                     rules=(rule.id,))


def _param_effect(writer: ir.Param, reader: ir.Param, version: str, rule: Rule, kind: ConditionKind) -> Effect:
    """A source using ``writer``'s values, a destination accepting ``reader``'s: the values both accept.

    ``kind``: ``VALUE`` for a new destination (it must keep accepting what old sources use),
    ``NEGOTIATED`` for an old one (the pre-migration check refuses a newer source's new values).
    """
    why = f"the pre-migration check refuses a source using another value for a {version} destination"
    shape_of, values = _param_value_set(writer)
    if shape_of == "set":
        kept = tuple(sorted((v for v in values if reader.accepts(v)), key=repr))
        if len(kept) == len(values):
            return OK
        condition = Condition(kind, Target.PARAM, writer.name, Allowed.MEMBERS, members=kept,
                              why=why, rules=(rule.id,))
        return only_if([condition] if kept else [], why)
    if writer.type == "string":
        return OK if reader.type == "string" and reader.allowed is None else refused(why)
    low, high = values
    reader_kind, reader_values = _param_value_set(reader)
    if reader_kind == "set":
        kept = tuple(sorted(v for v in reader_values if isinstance(v, int) and low <= v <= high))
        condition = Condition(kind, Target.PARAM, writer.name, Allowed.MEMBERS, members=kept,
                              why=why, rules=(rule.id,))
        return only_if([condition] if kept else [], why)
    new_low, new_high = max(low, reader_values[0]), min(high, reader_values[1])
    if (new_low, new_high) == (low, high):
        return OK
    condition = Condition(kind, Target.PARAM, writer.name, Allowed.RANGE, low=new_low,
                          high=new_high, why=why, rules=(rule.id,))
    return only_if([condition] if new_low <= new_high else [], why)


def changed_paths(changes: Iterable[Change]) -> list[str]:
    """The distinct paths of ``changes``, in order (for summaries)."""
    return list(dict.fromkeys(c.path for c in changes))


__all__ = ["SchemaDiff", "changed_paths", "diff_schemas", "worst"]
