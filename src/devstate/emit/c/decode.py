"""Decoding code: struct bodies and values, per IR node kind."""

from __future__ import annotations

import re

from devstate import ir
from devstate.emit.c.code import (
    CTYPES,
    LOADS,
    FieldPath,
    Lines,
    Slot,
    block,
    enum_condition,
    indent,
    is_struct_ref,
    range_condition,
)
from devstate.emit.c.declarations import field_comment
from devstate.emit.c.names import CNames
from devstate.emit.depth import Depth
from devstate.limits import MAX_COUNT
from devstate.visit import Visitor
from devstate.wire.errors import ErrorCode

# --- decoding ---------------------------------------------------------------------------------


class Decoder(Visitor[Lines]):
    """Decoding code: one ``visit_<kind>`` per IR type-expression kind, reading at ``at`` before ``end``.

    The generated statements use ``blob`` (the input), ``at`` (the position), ``end`` (the
    container's end), ``c`` (limits) and ``err``; a failure returns its code at once.
    """

    def __init__(self, names: CNames) -> None:
        self.names = names
        self.schema = names.schema

    def _need(self, size: int, slot: Slot) -> Lines:
        if slot.avail >= size:
            return []
        return [f"if (end - at < {size}) {slot.path.fail(ErrorCode.TRUNCATED, 'at')}"]

    def _integer(self, scalar: str, slot: Slot, code: ErrorCode, condition: str | None, size: int) -> Lines:
        lines = self._need(size, slot)
        if condition is None:
            return [*lines, f"{slot.lv} = {LOADS[scalar]};", f"at += {size};"]
        body = [f"{CTYPES[scalar]} value = {LOADS[scalar]};", f"if ({condition}) {slot.path.fail(code, 'at')}",
                f"{slot.lv} = value;"]
        return [*lines, "{", *indent(body), "}", f"at += {size};"]

    def visit_scalar(self, expr: ir.ScalarType, slot: Slot) -> Lines:
        if expr.name == "bool":
            return [*self._need(1, slot), f"if (blob[at] > 1) {slot.path.fail(ErrorCode.BAD_BOOL, 'at')}",
                    f"{slot.lv} = blob[at] != 0;", "at += 1;"]
        condition = range_condition("value", expr.name, slot.bounds)
        return self._integer(expr.name, slot, ErrorCode.OUT_OF_RANGE, condition, expr.size)

    def visit_enum_ref(self, expr: ir.NamedRef, slot: Slot) -> Lines:
        enum = self.schema.enum(expr.name)
        condition = enum_condition("value", enum)
        return self._integer(enum.base.name, slot, ErrorCode.BAD_ENUM, condition, enum.base.size)

    def visit_flags_ref(self, expr: ir.NamedRef, slot: Slot) -> Lines:
        flags = self.schema.flags(expr.name)
        _, high = ir.scalar_range(flags.base.name)
        condition = None if flags.mask == high else f"value & ~{self.names.macro(expr.name, 'MASK')}"
        return self._integer(flags.base.name, slot, ErrorCode.BAD_FLAGS, condition, flags.base.size)

    def visit_struct_ref(self, expr: ir.NamedRef, slot: Slot) -> Lines:
        """A struct in field or element position: its u32 body size, then the body."""
        body = [*self._need(4, slot), "size = dsf1_load32(blob + at);",
                f"if (size > end - at - 4) {slot.path.fail(ErrorCode.TRUNCATED, 'at')}",
                f"rc = {self.names.fn('dec', expr.name)}(ctx, at + 4, at + 4 + size, {slot.depth.text()}, &{slot.lv}, "
                "err);",
                f"if (rc != 0) {slot.path.prepend()}", "at += 4 + (size_t)size;"]
        return ["{", "    uint32_t size;", *indent(body), "}"]

    def visit_bytes(self, expr: ir.BytesType, slot: Slot) -> Lines:
        if expr.length is not None:
            return [*self._need(expr.length, slot), f"{slot.lv}.data = blob + at;",
                    f"{slot.lv}.len = {expr.length};", f"at += {expr.length};"]
        assert expr.max is not None
        region = f"if (len > ctx->max_region) {slot.path.fail(ErrorCode.LIMIT_EXCEEDED, 'at')}"
        return self._counted(expr.max, slot, [region], "")

    def visit_string(self, expr: ir.StringType, slot: Slot) -> Lines:
        utf8 = ["bad = dsf1_utf8_invalid(blob + at + 4, len);",
                f"if (bad != len) {slot.path.fail(ErrorCode.BAD_UTF8, 'at + 4 + bad')}"]
        return self._counted(expr.max, slot, utf8, "(const char *)")

    def _counted(self, maximum: int, slot: Slot, checks: Lines, cast: str) -> Lines:
        """u32 length (max, extra checks, container), then a view of the bytes."""
        over = [] if maximum >= MAX_COUNT else [
            f"if (len > {maximum}u) {slot.path.fail(ErrorCode.LENGTH_OVER_MAX, 'at')}"]
        container = f"if (len > end - at - 4) {slot.path.fail(ErrorCode.TRUNCATED, 'at')}"
        utf8 = checks if cast else []
        limit = [] if cast else checks
        view = f"{slot.lv}.data = {cast}(blob + at + 4);" if cast else f"{slot.lv}.data = blob + at + 4;"
        body = [*self._need(4, slot), "len = dsf1_load32(blob + at);", *over, *limit, container, *utf8,
                view, f"{slot.lv}.len = len;", "at += 4 + (size_t)len;"]
        decls = ["    uint32_t len;"] + (["    size_t bad;"] if cast else [])
        return ["{", *decls, *indent(body), "}"]

    def visit_array(self, expr: ir.ArrayType, slot: Slot) -> Lines:
        level = slot.level
        count, index = f"count{level}", f"i{level}"
        element_size = f"stride{level}" if expr.stride else str(expr.element.min_size)
        decls, body = self._array_count(expr, slot, count)
        if expr.stride:
            decls.append(f"uint32_t {element_size};")
            body += self._array_stride(expr, slot, element_size)
        fits = self._array_fits(expr, slot, count, element_size, f"start{level}")
        body = [*([f"const size_t start{level} = at;"] if fits else []), *decls, *body, *fits]
        items = f"{slot.lv}.items" if expr.max is not None else slot.lv
        if expr.max is not None:
            body.append(f"{slot.lv}.count = {count};")
        element_depth = slot.depth.plus()
        first = slot.path.index("(size_t)0")
        guard = f"{count} > 0 && " if expr.max is not None else ""
        too_deep = element_depth.over("ctx->max_depth")
        body.append(f"if ({guard}{too_deep}) {first.fail(ErrorCode.NESTING_TOO_DEEP, 'at')}")
        body += self._elements(expr, slot, items, count, index, element_size)
        return ["{", *indent(body), "}"]

    def _array_count(self, expr: ir.ArrayType, slot: Slot, count: str) -> tuple[Lines, Lines]:
        """Declarations and statements giving the element count (read and checked if counted)."""
        if expr.max is None:
            return [f"const uint32_t {count} = {expr.length};"], []
        over = [] if expr.max >= MAX_COUNT else [
            f"if ({count} > {expr.max}u) {slot.path.fail(ErrorCode.COUNT_OVER_MAX, 'at')}"]
        return [f"uint32_t {count};"], [*self._need(4, slot), f"{count} = dsf1_load32(blob + at);", *over, "at += 4;"]

    def _array_stride(self, expr: ir.ArrayType, slot: Slot, stride: str) -> Lines:
        assert is_struct_ref(expr.element), "a stride precedes struct elements only"
        struct = self.schema.struct(expr.element.name)
        assert struct.body_size is not None
        short = "".join(f" && {stride} != {offset}u" for offset in struct.short_strides)
        invalid = f"{stride} == 0 || ({stride} < {struct.body_size}u{short})"
        present = slot.avail >= (8 if expr.max is not None else 4)
        need = [] if present else [f"if (end - at < 4) {slot.path.fail(ErrorCode.TRUNCATED, 'at')}"]
        return [*need, f"{stride} = dsf1_load32(blob + at);",
                f"if ({invalid}) {slot.path.fail(ErrorCode.BAD_STRIDE, 'at')}", "at += 4;"]

    def _array_fits(self, expr: ir.ArrayType, slot: Slot, count: str, size: str, start: str) -> Lines:
        if expr.length is not None and not expr.stride and slot.avail >= expr.length * int(size):
            return []
        if expr.length is not None and not expr.stride:
            condition = f"end - at < {expr.length * int(size)}u"
        else:
            condition = f"{count} > (end - at) / {size}"
        return [f"if ({condition}) {slot.path.fail(ErrorCode.COUNT_PAST_END, start)}"]

    def _elements(self, expr: ir.ArrayType, slot: Slot, items: str, count: str, index: str, size: str) -> Lines:
        element = expr.element
        depth = slot.depth.plus()
        path = slot.path.index(index)
        if expr.u8_elements and range_condition(
                "value", "u8", slot.bounds) is None:
            return [f"memcpy({items}, blob + at, {count});", f"at += {count};"]
        if is_struct_ref(element):
            call = f"{self.names.fn('dec', element.name)}(ctx, at, at + {size}, {depth.text()}, &{items}[{index}], err)"
            body = [f"rc = {call};", f"if (rc != 0) {path.prepend()}", f"at += {size};"]
        else:
            fixed = element.static_size or 0
            body = self.visit(element, Slot(f"{items}[{index}]", path, depth, fixed, slot.bounds))
        return block(f"for (size_t {index} = 0; {index} < {count}; {index}++)", body)

    # struct bodies

    def struct_function(self, type_name: str) -> Lines:
        struct = self.schema.struct(type_name)
        body: Lines = []
        for index, fld in enumerate(struct.fields):
            body += self._field(type_name, index, fld)
        body.append("return dsf1_zero_tail(blob, at, end, err); /* a newer writer's appended fields must be zero */")
        signature = (f"static int {self.names.fn('dec', type_name)}(const struct dsf1_context *ctx, size_t at, "
                     f"size_t end, uint32_t depth, struct {self.names.struct(type_name)} *out, "
                     "struct devstate_error *err)")
        doc = f"/* struct {type_name}: the body in [at, end) at depth `depth`; fields, defaults, zero tail */"
        return [doc, signature, "{", *indent(decode_locals(body) + body), "}", ""]

    def _field(self, type_name: str, index: int, fld: ir.StructField) -> Lines:
        struct = self.schema.struct(type_name)
        lines = field_comment(fld, struct)
        path = FieldPath(f".{fld.name}")
        if index >= struct.base_field_count:
            lines.append(f"if (at == end) {{ {self.names.fn('def', type_name)}(out, {index}); return DEVSTATE_OK; }} "
                         "/* an older writer's body ends here: defaults */")
        size = fld.type.min_size
        lines.append(f"if (end - at < {size}) {path.fail(ErrorCode.STRUCT_TOO_SHORT, 'at')}")
        if index == 0 or index == struct.base_field_count == 0:
            lines.append(f"if (depth >= ctx->max_depth) {path.fail(ErrorCode.NESTING_TOO_DEEP, 'at')}")
        member = f"out->{self.names.field(struct, fld)}"
        slot = Slot(member, path, Depth("depth", 1), size, (fld.min, fld.max))
        return lines + self.visit(fld.type, slot)


def decode_locals(body: Lines) -> Lines:
    """Declarations of the locals a generated function body uses."""
    text = "\n".join(body)
    lines = []
    if re.search(r"(?<!->)\bblob\b", text):
        lines.append("const uint8_t *blob = ctx->blob;")
    if "rc = " in text:
        lines.append("int rc;")
    return lines
