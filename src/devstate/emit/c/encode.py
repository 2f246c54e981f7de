"""Encoding code and encoded sizes, per IR node kind."""

from __future__ import annotations

import re

from devstate import ir
from devstate.emit.c.code import (
    STORES,
    Bounds,
    Expr,
    FieldPath,
    Lines,
    block,
    enum_condition,
    indent,
    is_struct_ref,
    range_condition,
)
from devstate.emit.c.declarations import field_comment
from devstate.emit.c.names import CNames
from devstate.limits import MAX_COUNT
from devstate.visit import Visitor
from devstate.wire.errors import ErrorCode


def encode_locals(body: Lines) -> Lines:
    """``int rc;`` if an encoding body calls a function, ``(void)err;`` if it cannot fail."""
    text = "\n".join(body)
    lines = ["int rc;"] if "rc = " in text else []
    return lines + ([] if re.search(r"\berr\b", text) else ["(void)err;"])


# --- encoding --------------------------------------------------------------------------------


class Encoder(Visitor[Lines]):
    """Encoding code, one ``visit_<kind>`` per IR kind: checks every constraint, then writes at ``blob + at``."""

    def __init__(self, names: CNames) -> None:
        self.names = names
        self.schema = names.schema

    def _store(self, scalar: str, rv: str, size: int, checks: Lines) -> Lines:
        return [*checks, STORES[scalar].format(v=rv), f"at += {size};"]

    def visit_scalar(self, expr: ir.ScalarType, rv: str, path: FieldPath, bounds: Bounds) -> Lines:
        condition = None if expr.name == "bool" else range_condition(rv, expr.name, bounds)
        checks = [f"if ({condition}) {path.fail(ErrorCode.OUT_OF_RANGE, '0')}"] if condition else []
        return self._store(expr.name, rv, expr.size, checks)

    def visit_enum_ref(self, expr: ir.NamedRef, rv: str, path: FieldPath, bounds: Bounds) -> Lines:
        enum = self.schema.enum(expr.name)
        condition = enum_condition(rv, enum)
        checks = [f"if ({condition}) {path.fail(ErrorCode.BAD_ENUM, '0')}"] if condition else []
        return self._store(enum.base.name, rv, enum.base.size, checks)

    def visit_flags_ref(self, expr: ir.NamedRef, rv: str, path: FieldPath, bounds: Bounds) -> Lines:
        flags = self.schema.flags(expr.name)
        _, high = ir.scalar_range(flags.base.name)
        checks = [] if flags.mask == high else [
            f"if ({rv} & ~{self.names.macro(expr.name, 'MASK')}) {path.fail(ErrorCode.BAD_FLAGS, '0')}"]
        return self._store(flags.base.name, rv, flags.base.size, checks)

    def visit_struct_ref(self, expr: ir.NamedRef, rv: str, path: FieldPath, bounds: Bounds) -> Lines:
        body = ["size_t size_at = at;", "at += 4;", f"rc = {self.names.fn('enc', expr.name)}(&{rv}, blob, &at, err);",
                f"if (rc != 0) {path.prepend()}",
                f"if (dsf1_over_u32(at - size_at - 4)) {path.fail(ErrorCode.LIMIT_EXCEEDED, '0')}",
                "dsf1_store32(blob + size_at, (uint32_t)(at - size_at - 4)); /* the body size */"]
        return ["{", *indent(body), "}"]

    def _view_checks(self, rv: str, path: FieldPath) -> Lines:
        return [f"if ({rv}.data == NULL && {rv}.len != 0) {path.fail(ErrorCode.INVALID_STATE, '0')}"]

    def visit_bytes(self, expr: ir.BytesType, rv: str, path: FieldPath, bounds: Bounds) -> Lines:
        if expr.length is not None:
            wrong = f"if ({rv}.len != {expr.length} || {rv}.data == NULL) {path.fail(ErrorCode.INVALID_STATE, '0')}"
            return [wrong, f"memcpy(blob + at, {rv}.data, {expr.length});", f"at += {expr.length};"]
        assert expr.max is not None
        return self._counted(expr.max, rv, path, self._view_checks(rv, path))

    def visit_string(self, expr: ir.StringType, rv: str, path: FieldPath, bounds: Bounds) -> Lines:
        utf8 = [f"if (dsf1_utf8_invalid((const uint8_t *){rv}.data, {rv}.len) != {rv}.len) "
                f"{path.fail(ErrorCode.BAD_UTF8, '0')}"]
        return self._counted(expr.max, rv, path, [*self._view_checks(rv, path), *utf8])

    def _counted(self, maximum: int, rv: str, path: FieldPath, checks: Lines) -> Lines:
        over = [] if maximum >= MAX_COUNT else [
            f"if ((uint64_t){rv}.len > {maximum}u) {path.fail(ErrorCode.LENGTH_OVER_MAX, '0')}"]
        return [*checks, *over, f"dsf1_store32(blob + at, (uint32_t){rv}.len);",
                f"dsf1_put(blob + at + 4, {rv}.data, {rv}.len);", f"at += 4 + {rv}.len;"]

    def visit_array(self, expr: ir.ArrayType, rv: str, path: FieldPath, bounds: Bounds) -> Lines:
        level = len(path.args)
        index = f"i{level}"
        lines: Lines = []
        if expr.max is not None:
            items, count = f"{rv}.items", f"{rv}.count"
            if expr.max < MAX_COUNT:
                lines.append(f"if ({count} > {expr.max}u) {path.fail(ErrorCode.COUNT_OVER_MAX, '0')}")
            lines += [f"dsf1_store32(blob + at, {count});", "at += 4;"]
        else:
            items, count = rv, str(expr.length)
        if expr.stride:
            lines += [f"dsf1_store32(blob + at, {expr.element_size}u); /* stride */", "at += 4;"]
        element = expr.element
        if expr.u8_elements and range_condition(
                "value", "u8", bounds) is None:
            return [*lines, f"memcpy(blob + at, {items}, {count});", f"at += {count};"]
        element_path = path.index(index)
        if is_struct_ref(element):
            body = [f"rc = {self.names.fn('enc', element.name)}(&{items}[{index}], blob, &at, err);",
                    f"if (rc != 0) {element_path.prepend()}"]
        else:
            body = self.visit(element, f"{items}[{index}]", element_path, bounds)
        return lines + block(f"for (size_t {index} = 0; {index} < {count}; {index}++)", body)

    def struct_function(self, type_name: str) -> Lines:
        struct = self.schema.struct(type_name)
        body: Lines = ["size_t at = *cursor;"]
        for fld in struct.fields:
            rv = f"in->{self.names.field(struct, fld)}"
            path = FieldPath(f".{fld.name}")
            body += [*field_comment(fld, struct), *self.visit(fld.type, rv, path, (fld.min, fld.max))]
        body += ["*cursor = at;", "return DEVSTATE_OK;"]
        body = encode_locals(body) + body
        signature = (f"static int {self.names.fn('enc', type_name)}(const struct {self.names.struct(type_name)} *in, "
                     "uint8_t *blob, size_t *cursor, struct devstate_error *err)")
        return [f"/* struct {type_name}: check and write the full body at blob + *cursor */", signature, "{",
                *indent(body), "}", ""]


class Sizes(Visitor[Lines]):
    """Encoded sizes (``visit_<kind>`` for the kinds without a fixed size); counts and lengths
    over their maximum count as the maximum (encode refuses them before writing, so the
    buffer check can never be too small)."""

    def __init__(self, names: CNames) -> None:
        self.names = names
        self.schema = names.schema

    def add(self, expr: Expr, rv: str, level: int) -> Lines:
        """Statements adding the encoded size of ``rv`` (type ``expr``) to ``n``."""
        if expr.fixed_size is not None:
            return [f"total += {expr.fixed_size};"]
        return self.visit(expr, rv, level)

    def visit_bytes(self, expr: ir.BytesType, rv: str, level: int) -> Lines:
        assert expr.max is not None
        return [f"total += 4 + dsf1_min({rv}.len, {expr.max}u);"]

    def visit_string(self, expr: ir.StringType, rv: str, level: int) -> Lines:
        return [f"total += 4 + dsf1_min({rv}.len, {expr.max}u);"]

    def visit_struct_ref(self, expr: ir.NamedRef, rv: str, level: int) -> Lines:
        """A variable-size struct (a fixed-size one has a ``fixed_size``)."""
        return [f"total += 4 + {self.names.fn('size', expr.name)}(&{rv});"]

    def visit_array(self, expr: ir.ArrayType, rv: str, level: int) -> Lines:
        prefix = (4 if expr.max is not None else 0) + (4 if expr.stride else 0)
        if expr.max is not None:
            items, count = f"{rv}.items", f"dsf1_min({rv}.count, {expr.max}u)"
        else:
            items, count = rv, str(expr.length)
        element = expr.element_size
        lines = [f"total += {prefix};"] if prefix else []
        if element is not None:
            return [*lines, f"total += (size_t){count} * {element};"]
        index = f"i{level}"
        body = self.add(expr.element, f"{items}[{index}]", level + 1)
        return lines + block(f"for (size_t {index} = 0; {index} < {count}; {index}++)", body)

    def body(self, type_name: str, rv: str) -> str:
        """A C expression for the body size of struct ``type_name`` at pointer ``rv``."""
        size = self.schema.struct(type_name).body_size
        return str(size) if size is not None else f"{self.names.fn('size', type_name)}({rv})"

    def struct_function(self, type_name: str) -> Lines:
        struct = self.schema.struct(type_name)
        body = ["size_t total = 0;"]
        for fld in struct.fields:
            body += self.add(fld.type, f"in->{self.names.field(struct, fld)}", 0)
        body.append("return total;")
        signature = (f"static size_t {self.names.fn('size', type_name)}(const struct "
                     f"{self.names.struct(type_name)} *in)")
        return [f"/* struct {type_name}: the encoded body size */", signature, "{", *indent(body), "}", ""]
