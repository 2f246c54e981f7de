"""Rust decoding code: one visitor method per IR type-expression kind (spec/wire-format.md, "Values").

The generated statements read ``blob`` (the input) at ``at`` before ``end`` (the container's
end), with ``ctx`` (the runtime's ``Ctx``: limits), as the C decoder does; the value goes to
``value0`` (``value1`` for an array's element...), an array's count, stride and start to
``count0``, ``stride0``, ``start0``, its index to ``i0``; a failure returns a ``Fail`` at once,
with the path relative to the function. Checks come in the spec's decoding order, the
same as the reference codec's and the C codec's (emit/c.py): the declared maximum, the
region limit, then the container; arrays check count × element size before reading any
element, so nothing is allocated beyond the input's size.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from devstate import ir
from devstate.emit import NameTable
from devstate.emit.depth import Depth
from devstate.limits import MAX_COUNT
from devstate.visit import Visitor

from .literals import Literals, int_literal
from .names import Expr, RustNames, field_ident, is_struct_ref
from .paths import Path

Lines = list[str]

LOADS = {"u8": "blob[at]", "u16": "ld16(blob, at)", "u32": "ld32(blob, at)", "u64": "ld64(blob, at)",
         "i8": "blob[at] as i8", "i16": "ld16(blob, at) as i16", "i32": "ld32(blob, at) as i32",
         "i64": "ld64(blob, at) as i64"}


DECODER_NAMES = frozenset({"ctx", "at", "end", "depth", "_depth", "blob", "size", "len", "text", "ld16", "ld32",
                           "ld64", "ld_len"})
"""Names a struct decoder uses for itself: its parameters, temporaries and the loads it calls."""

TEMPORARY = re.compile(r"(value|count|stride|element|items|start|i)\d+|dec_.*")
"""A level's temporaries (``value0``, ``count1``...) and the decoders of named types."""


def field_locals(struct: ir.StructType) -> list[str]:
    """The local holding each decoded field of a struct body: the field's own name (``let capacity =``,
    then ``BlkConfig { capacity, ... }``), with ``_field`` after one the decoder uses itself (``size_field``)."""
    table = NameTable(DECODER_NAMES)
    names = []
    for fld in struct.fields:
        taken = fld.name in DECODER_NAMES or TEMPORARY.fullmatch(fld.name) is not None
        names.append(field_ident(table.claim(f"{fld.name}_field" if taken else fld.name)))
    return names


def indent(lines: Lines, levels: int = 1) -> Lines:
    pad = "    " * levels
    return [pad + line if line else line for line in lines]


def block(head: str, body: Lines, tail: str = "}") -> Lines:
    return [f"{head} {{", *indent(body), tail]


def range_condition(var: str, scalar: str, bounds: tuple[int | None, int | None]) -> str | None:
    """The Rust condition for ``var`` (an expression of type ``scalar``) outside ``bounds``."""
    type_low, type_high = ir.scalar_range(scalar)
    low, high = bounds
    low = low if low is not None and low > type_low else None
    high = high if high is not None and high < type_high else None
    if low is not None and high is not None:
        return f"!({int_literal(low, scalar)}..={int_literal(high, scalar)}).contains(&{var})"
    if low is not None:
        return f"{var} < {int_literal(low, scalar)}"
    if high is not None:
        return f"{var} > {int_literal(high, scalar)}"
    return None


@dataclass(frozen=True)
class Slot:
    """What is decoded where: its path, depth, bytes known present and integer bounds."""

    path: Path
    depth: Depth
    avail: int = 0
    bounds: tuple[int | None, int | None] = (None, None)
    name: str | None = None

    @property
    def var(self) -> str:
        """The Rust variable holding the decoded value."""
        return self.name or f"value{self.path.level}"


class Decoder(Visitor[Lines]):
    """Statements decoding a value into ``slot.var``, one ``visit_<kind>`` per IR kind."""

    def __init__(self, names: RustNames) -> None:
        self.names = names
        self.schema = names.schema
        self.literals = Literals(names)

    def value(self, expr: Expr, slot: Slot) -> Lines:
        return self.visit(expr, slot)

    def _need(self, size: int, slot: Slot) -> Lines:
        if slot.avail >= size:
            return []
        return [f"if end - at < {size} {{", f"    {slot.path.fail('Truncated', 'at')}", "}"]

    def _check(self, condition: str, slot: Slot, code: str, offset: str = "at") -> Lines:
        return [f"if {condition} {{", f"    {slot.path.fail(code, offset)}", "}"]

    def visit_scalar(self, expr: ir.ScalarType, slot: Slot) -> Lines:
        v = slot.var
        if expr.name == "bool":
            return [*self._need(1, slot), *self._check("blob[at] > 1", slot, "BadBool"), f"let {v} = blob[at] != 0;",
                    "at += 1;"]
        condition = range_condition(v, expr.name, slot.bounds)
        checks = self._check(condition, slot, "OutOfRange") if condition else []
        return [*self._need(expr.size, slot), f"let {v} = {LOADS[expr.name]};", *checks, f"at += {expr.size};"]

    def visit_enum_ref(self, expr: ir.NamedRef, slot: Slot) -> Lines:
        enum = self.schema.enum(expr.name)
        rust, v = self.names.types[expr.name], slot.var
        size = enum.base.size
        load = LOADS[enum.base.name]
        if enum.open:
            return [*self._need(size, slot), f"let {v} = {rust}({load});", f"at += {size};"]
        lookup = [f"let {v} = match {rust}::from_value({load}) {{", "    Some(value) => value,",
                  f"    None => {slot.path.fail('BadEnum', 'at')[:-1]},", "};"]
        return [*self._need(size, slot), *lookup, f"at += {size};"]

    def visit_flags_ref(self, expr: ir.NamedRef, slot: Slot) -> Lines:
        flags = self.schema.flags(expr.name)
        rust, v = self.names.types[expr.name], slot.var
        size = flags.base.size
        _, high = ir.scalar_range(flags.base.name)
        checks = [] if flags.mask == high else self._check(
            f"{v} & !{rust}::MASK != 0", slot, "BadFlags")
        return [*self._need(size, slot), f"let {v} = {LOADS[flags.base.name]};", *checks,
                f"let {v} = {rust}({v});", f"at += {size};"]

    def visit_struct_ref(self, expr: ir.NamedRef, slot: Slot) -> Lines:
        return self.sized_struct(expr, slot)

    def sized_struct(self, expr: ir.NamedRef, slot: Slot) -> Lines:
        """A struct in field position: u32 size, then the body of that size."""
        call = f"{self.names.fn('dec', expr.name)}(ctx, at + 4, at + 4 + size, {slot.depth.text()})"
        return [*self._need(4, slot), "let size = ld_len(blob, at);",
                *self._check("size > end - at - 4", slot, "Truncated"),
                f"let {slot.var} = {call}.map_err({slot.path.under()})?;", "at += 4 + size;"]

    def visit_bytes(self, expr: ir.BytesType, slot: Slot) -> Lines:
        if expr.length is not None:
            n = expr.length
            return [*self._need(n, slot), f"let {slot.var} = Cow::Borrowed(&blob[at..at + {n}]);", f"at += {n};"]
        assert expr.max is not None
        region = self._check("len as u64 > ctx.max_region", slot, "LimitExceeded")
        return self._counted(expr.max, slot, region, [], "Cow::Borrowed(&blob[at + 4..at + 4 + len])")

    def visit_string(self, expr: ir.StringType, slot: Slot) -> Lines:
        utf8 = [f"let text = ctx.utf8(at + 4, len, {slot.path.rust_str()})?;"]
        return self._counted(expr.max, slot, [], utf8, "Cow::Borrowed(text)")

    def _counted(self, maximum: int, slot: Slot, limit: Lines, utf8: Lines, view: str) -> Lines:
        """u32 length: the declared maximum, the region limit, the container; then a view."""
        over = [] if maximum >= MAX_COUNT else self._check(f"len > {maximum}", slot, "LengthOverMax")
        container = self._check("len > end - at - 4", slot, "Truncated")
        return [*self._need(4, slot), "let len = ld_len(blob, at);", *over, *limit, *container, *utf8,
                f"let {slot.var} = {view};", "at += 4 + len;"]

    # arrays

    def visit_array(self, expr: ir.ArrayType, slot: Slot) -> Lines:
        level = slot.path.level
        count, stride, start = f"count{level}", f"stride{level}", f"start{level}"
        body: Lines = []
        if expr.max is not None:
            over = [] if expr.max >= MAX_COUNT else self._check(f"{count} > {expr.max}", slot, "CountOverMax")
            body += [*self._need(4, slot), f"let {count} = ld_len(blob, at);", *over, "at += 4;"]
        if expr.stride:
            body += self._stride(expr, slot, stride)
        size = stride if expr.stride else str(expr.element.min_size)
        fits = self._fits(expr, slot, count, size, start if expr.max is not None or expr.stride else "at")
        if fits and (expr.max is not None or expr.stride):
            body.insert(0, f"let {start} = at;")
        body += fits
        element_depth = slot.depth.plus()
        guard = f"{count} > 0 && " if expr.max is not None else ""
        first = Path(f"{slot.path.template}[0]", slot.path.args)
        body += [f"if {guard}{element_depth.over('ctx.max_depth')} {{", f"    {first.fail('NestingTooDeep', 'at')}",
                 "}"]
        body += self._elements(expr, slot, count, size)
        return [f"let {slot.var} = {{", *indent(body), "};"]

    def _stride(self, expr: ir.ArrayType, slot: Slot, stride: str) -> Lines:
        assert is_struct_ref(expr.element), "a stride precedes struct elements only"
        struct = self.schema.struct(expr.element.name)
        assert struct.body_size is not None
        short = "".join(f" && {stride} != {offset}" for offset in struct.short_strides)
        invalid = f"{stride} == 0 || ({stride} < {struct.body_size}{short})" if struct.body_size else f"{stride} == 0"
        present = slot.avail >= (8 if expr.max is not None else 4)
        need = [] if present else self._need(4, replace(slot, avail=0))
        return [*need, f"let {stride} = ld_len(blob, at);", *self._check(invalid, slot, "BadStride"), "at += 4;"]

    def _fits(self, expr: ir.ArrayType, slot: Slot, count: str, size: str, start: str) -> Lines:
        """COUNT_PAST_END: count × element size must fit in what remains (no overflow: a division)."""
        if expr.length is not None and not expr.stride:
            total = expr.length * int(size)
            return [] if slot.avail >= total else self._check(f"end - at < {total}", slot, "CountPastEnd", start)
        n = count if expr.max is not None else str(expr.length)
        return self._check(f"{n} > (end - at) / {size}", slot, "CountPastEnd", start)

    def _elements(self, expr: ir.ArrayType, slot: Slot, count: str, size: str) -> Lines:
        element = expr.element
        level = slot.path.level
        index, items = f"i{level}", f"items{level}"
        n = count if expr.max is not None else str(expr.length)
        if expr.u8_elements and range_condition(
                "v", "u8", slot.bounds) is None:
            if expr.max is not None:
                return [f"let {items} = blob[at..at + {n}].to_vec();", f"at += {n};", items]
            return [f"let mut {items} = [0u8; {n}];", f"{items}.copy_from_slice(&blob[at..at + {n}]);", f"at += {n};",
                    items]
        path = slot.path.index(index)
        depth = slot.depth.plus()
        inner = Slot(path, depth, element.static_size or 0, slot.bounds)
        if is_struct_ref(element):
            call = f"{self.names.fn('dec', element.name)}(ctx, at, at + {size}, {depth.text()})"
            body = [f"let {inner.var} = {call}.map_err({path.under()})?;", f"at += {size};"]
        else:
            body = self.value(element, inner)
        uses_index = re.search(rf"\b{index}\b", "\n".join(body)) is not None
        if expr.max is not None:
            loop = f"for {index} in 0..{n}" if uses_index else f"for _ in 0..{n}"
            return [f"let mut {items} = Vec::with_capacity({n});", *block(loop, [*body, f"{items}.push({inner.var});"]),
                    items]
        element_type = self.names.rust_type(element)
        zero = self.literals.default(expr)
        slot_var = f"element{level}"
        head = f"for ({index}, {slot_var}) in {items}.iter_mut().enumerate()" if uses_index else \
            f"for {slot_var} in {items}.iter_mut()"
        return [f"let mut {items}: [{element_type}; {n}] = {zero};",
                *block(head, [*body, f"*{slot_var} = {inner.var};"]), items]

    # struct bodies

    def struct_function(self, type_name: str) -> Lines:
        struct = self.schema.struct(type_name)
        rust = self.names.types[type_name]
        body: Lines = []
        locals_ = field_locals(struct)
        for index, fld in enumerate(struct.fields):
            body += self._field(type_name, index, fld, locals_)
        body += ["ctx.zero_tail(at, end)?; // a newer writer's appended fields must be zero",
                 f"Ok({self._construct(type_name, len(struct.fields), locals_)})"]
        text = "\n".join(body)
        prologue = ["let blob = ctx.buf;"] if re.search(r"\bblob\b", text) else []
        depth = "depth" if re.search(r"\bdepth\b", text) else "_depth"
        position = "mut at" if re.search(r"\bat \+=", text) else "at"
        lifetime = "'a" if self.names.borrows(type_name) else "'_"
        head = f"fn {self.names.fn('dec', type_name)}"
        signature = (f"{head}<'a>(ctx: &Ctx<'a>, {position}: usize, end: usize, {depth}: u32) -> "
                     f"Result<{self.names.type_name(type_name)}, Fail>" if lifetime == "'a" else
                     f"{head}(ctx: &Ctx<'_>, {position}: usize, end: usize, {depth}: u32) -> Result<{rust}, Fail>")
        doc = f"/// struct {type_name}: the body in [at, end) at depth `depth`; fields, defaults, zero tail."
        return [doc, *block(signature, [*prologue, *body]), ""]

    def _construct(self, type_name: str, present: int, locals_: list[str]) -> str:
        """The struct from the first ``present`` decoded fields and the defaults of the rest."""
        struct = self.schema.struct(type_name)
        rust = self.names.types[type_name]
        members = []
        for index, fld in enumerate(struct.fields[:present]):
            ident = field_ident(fld.name)
            members.append(ident if locals_[index] == ident else f"{ident}: {locals_[index]}")
        if present < len(struct.fields):
            members.append(f"..{rust}::default()")
        return f"{rust} {{ {', '.join(members)} }}" if members else f"{rust} {{}}"

    def _field(self, type_name: str, index: int, fld: ir.StructField, locals_: list[str]) -> Lines:
        struct = self.schema.struct(type_name)
        path = Path().field(fld.name)
        lines = [f"// {fld.name}: {ir.type_label(fld.type)}"]
        if index >= struct.base_field_count:
            lines += block("if at == end", ["// an older writer's body ends here: defaults",
                                           f"return Ok({self._construct(type_name, index, locals_)});"])
        size = fld.type.min_size
        lines += [f"if end - at < {size} {{", f"    {path.fail('StructTooShort', 'at')}", "}"]
        if index == 0:
            lines += ["if depth >= ctx.max_depth {", f"    {path.fail('NestingTooDeep', 'at')}", "}"]
        slot = Slot(path, Depth("depth", 1), size, (fld.min, fld.max), locals_[index])
        return lines + self.value(fld.type, slot)

