"""Encoder and checker functions: per struct and per non-struct section.

- ``_enc_<struct>(o, out) -> size`` appends the body's pieces to ``out`` (a list of
  buffers joined once at the end, so large ``bytes`` values are not copied until then)
  and returns the body size. Runs of fixed-size fields are one ``Struct.pack`` each; an
  array of fixed-size structs is one ``bytearray`` filled with ``pack_into``.
  A fully fixed-size struct also gets ``_pack_<struct>(o) -> bytes``.
- The fast code checks each run with one boolean expression (field min/max, bools,
  closed enums, undeclared flag bits, lengths); ``struct`` itself refuses values of the
  wrong type or outside the type's range. On any refusal the function runs
  ``_chk_<struct>(o, path)``, the **exact** checker, which walks the value in field order
  and raises the first error with the reference codec's code and path.
"""

from __future__ import annotations

from devstate import ir
from devstate.emit.python.code import Code, Counter, if_any, path_expr, wrapped
from devstate.emit.python.decode import Consts
from devstate.emit.python.facts import NO_BOUNDS, Bounds, Facts, Flat, Leaf
from devstate.visit import Visitor


class EncodeEmitter(Visitor[int]):
    """Emits the encoder and checker functions of one schema into ``code``."""

    def __init__(self, facts: Facts, code: Code, consts: Consts) -> None:
        self.facts = facts
        self.code = code
        self.consts = consts
        self.counter = Counter()

    def local(self, stem: str) -> str:
        return self.counter.next(stem)

    # --- structs ----------------------------------------------------------------------

    def struct(self, name: str) -> None:
        self.counter = Counter()
        flats = self.facts.flat_struct(name)
        if flats is not None:
            self.pack_function(name, flats)
        else:
            self.body_function(name)
        self.counter = Counter()
        self.checker(name)

    def names(self, name: str) -> tuple[str, str]:
        return self.facts.classes[name], self.facts.keys[name]

    def pack_function(self, name: str, flats: list[Flat]) -> None:
        code, (cls, key) = self.code, self.names(name)
        struct = self.facts.struct(name)
        attrs = self.facts.attrs(name)
        code.blank(2)
        with code.block(f"def _pack_{key}(o: {cls}) -> bytes:"):
            with code.block("try:"):
                values = [f"o.{attrs[f.name]}" for f in struct.fields]
                args = self.fast_checks(flats, values)
                wrapped(code, f"return {self.facts.table(name, 'layout')}.pack(", args, ")")
            self.reject_handler(f"_chk_{key}", "o")
        code.blank(2)
        with code.block(f"def _enc_{key}(o: {cls}, out: list[Buffer]) -> int:"):
            code(f"out.append(_pack_{key}(o))", f"return {self.facts.body_size(name)}")

    def fast_checks(self, flats: list[Flat], values: list[str]) -> list[str]:
        """Bind the values to locals, emit the refusal test; returns the pack arguments."""
        code = self.code
        conditions: list[str] = []
        args: list[str] = []
        for flat, value in zip(flats, values, strict=True):
            local = self.local("v")
            code(f"{local} = {value}")
            conds, flat_args = self.flat_parts(flat, local)
            conditions += conds
            args += flat_args
        if conditions:
            with if_any(code, conditions):
                code("raise _rt.Reject")
        return args

    def flat_parts(self, flat: Flat, value: str) -> tuple[list[str], list[str]]:
        """(refusal conditions, pack arguments) of one flat value held in ``value``."""
        leaf = flat.leaf
        if not flat.dims:
            if leaf.kind == "bytes":
                return [f"len({value}) != {leaf.size}"], [f"bytes({value})"]
            return self.facts.leaf_conditions(leaf, value, f"int({value})"), [value]
        if len(flat.dims) == 1:
            items, conditions = value, [f"len({value}) != {flat.dims[0]}"]
        else:
            items, conditions = self.local("fa"), []
            self.code(f"{items} = _rt.flatten({value}, {flat.dims!r})")
        conditions += self.seq_conditions(leaf, items)
        return conditions, [f"*map(bytes, {items})" if leaf.kind == "bytes" else f"*{items}"]

    def seq_conditions(self, leaf: Leaf, items: str) -> list[str]:
        if leaf.kind != "bytes":
            return self.facts.seq_conditions(leaf, items)
        item = self.local("y")
        return [f"any(len({item}) != {leaf.size} for {item} in {items})"]


    def reject_handler(self, checker: str, value: str, passthrough: bool = False) -> None:
        code = self.code
        if passthrough:
            with code.block("except _rt.Fail:"):
                code("raise")
        with code.block("except Exception as exc:"):
            code(f"raise _rt.rejected({checker}, {value}, exc) from None")

    def body_function(self, name: str) -> None:
        code, (cls, key) = self.code, self.names(name)
        struct = self.facts.struct(name)
        attrs = self.facts.attrs(name)
        code.blank(2)
        with code.block(f"def _enc_{key}(o: {cls}, out: list[Buffer]) -> int:"):
            with code.block("try:"):
                code("n = 0")
                static = 0
                for index, item in enumerate(self.items(struct)):
                    if isinstance(item, list):
                        static += self.run(name, index, [(flat, f"o.{attrs[f.name]}") for f, flat in item])
                    else:
                        static += self.value(item.type, (item.min, item.max), f"o.{attrs[item.name]}",
                                             [f".{item.name}"])
                code(f"return {static} + n" if static else "return n")
            self.reject_handler(f"_chk_{key}", "o", passthrough=True)

    def items(self, struct: ir.StructType) -> list[list[tuple[ir.StructField, Flat]] | ir.StructField]:
        items: list[list[tuple[ir.StructField, Flat]] | ir.StructField] = []
        for fld in struct.fields:
            flat = self.facts.flat(fld.type, (fld.min, fld.max))
            if flat is None:
                items.append(fld)
            elif items and isinstance(items[-1], list):
                items[-1].append((fld, flat))
            else:
                items.append([(fld, flat)])
        return items

    def run(self, name: str, index: int, run: list[tuple[Flat, str]]) -> int:
        flats = [flat for flat, _ in run]
        const = self.consts.add(f"{self.facts.table(name, 'layout')}_RUN_{index}", "<" + "".join(f.fmt for f in flats))
        args = self.fast_checks(flats, [value for _, value in run])
        wrapped(self.code, f"out.append({const}.pack(", args, "))")
        return sum(f.size for f in flats)

    # --- sections ---------------------------------------------------------------------

    def section(self, stem: str, expr: ir.TypeExpr) -> None:
        """Encoder and checker of a section whose type is not a struct."""
        code = self.code
        self.counter = Counter()
        code.blank(2)
        with code.block(f"def _enc_{stem}(v: {self.facts.annotation(expr)}, out: list[Buffer]) -> int:"):
            with code.block("try:"):
                code("n = 0")
                static = self.value(expr, NO_BOUNDS, "v", [])
                code(f"return {static} + n" if static else "return n")
            self.reject_handler(f"_chk_{stem}", "v", passthrough=True)
        self.counter = Counter()
        code.blank(2)
        with code.block(f"def _chk_{stem}(v: object, path: str) -> None:"):
            self.check(expr, NO_BOUNDS, "v", ["{path}"])

    def opaque(self, stem: str, maximum: int) -> None:
        code = self.code
        code.blank(2)
        with code.block(f"def _enc_{stem}(v: Buffer, out: list[Buffer]) -> int:"):
            with code.block("try:"):
                code("data = _rt.as_buffer(v)")
                with code.block(f"if len(data) > {maximum}:"):
                    code("raise _rt.Reject")
            self.reject_handler(f"_chk_{stem}", "v")
            code("out.append(data)", "return len(data)")
        code.blank(2)
        with code.block(f"def _chk_{stem}(v: object, path: str) -> None:"):
            code(f"_rt.chk_bytes(v, None, {maximum}, path)")

    # --- values (fast path; appends pieces, returns the static size) -----------------------

    def value(self, expr: ir.TypeExpr, bounds: Bounds, value: str, path: list[str]) -> int:
        """Append one value's pieces; returns its static size (dynamic sizes go to ``n``)."""
        flat = self.facts.flat(expr, bounds)
        if flat is not None:
            local = self.local("v")
            self.code(f"{local} = {value}")
            conditions, args = self.flat_parts(flat, local)
            if conditions:
                with if_any(self.code, conditions):
                    self.code("raise _rt.Reject")
            wrapped(self.code, f"out.append({self.consts.array(flat.fmt)}.pack(", args, "))")
            return flat.size
        return self.visit(expr, bounds, value, path)

    # Values that are not flat (scalars, enums, flags and short fixed bytes always are):

    def visit_struct_ref(self, expr: ir.NamedRef, bounds: Bounds, value: str, path: list[str]) -> int:
        return self.sized_struct(expr.name, value, path)

    def visit_string(self, expr: ir.StringType, bounds: Bounds, value: str, path: list[str]) -> int:
        return self.counted(f"{value}.encode('utf-8')", expr.max)

    def visit_bytes(self, expr: ir.BytesType, bounds: Bounds, value: str, path: list[str]) -> int:
        if expr.length is None:
            return self.counted(f"_rt.as_buffer({value})", expr.max or 0)
        data = self.local("data")
        self.code(f"{data} = _rt.as_buffer({value})")
        with self.code.block(f"if len({data}) != {expr.length}:"):
            self.code("raise _rt.Reject")
        self.code(f"out.append({data})")
        return expr.length

    def counted(self, data_expr: str, maximum: int) -> int:
        code, data = self.code, self.local("data")
        code(f"{data} = {data_expr}")
        with code.block(f"if len({data}) > {maximum}:"):
            code("raise _rt.Reject")
        code(f"out.append(_rt.U32_PACK(len({data})))", f"out.append({data})", f"n += len({data})")
        return 4

    def sized_struct(self, name: str, value: str, path: list[str]) -> int:
        code, key = self.code, self.facts.keys[name]
        if self.facts.flat_struct(name) is not None:
            body = self.facts.body_size(name)
            code(f"out.append(_rt.U32_PACK({body}))")
            with code.block("try:"):
                code(f"out.append(_pack_{key}({value}))")
            self.prefix_failure(path)
            return 4 + body
        slot, size = self.local("slot"), self.local("m")
        code(f"{slot} = len(out)", 'out.append(b"")')
        with code.block("try:"):
            code(f"{size} = _enc_{key}({value}, out)")
        self.prefix_failure(path)
        code(f"out[{slot}] = _rt.U32_PACK(_rt.u32_size({size}))", f"n += {size}")
        return 4

    def prefix_failure(self, path: list[str]) -> None:
        with self.code.block("except _rt.Fail as failure:"):
            self.code(f"failure.path = {path_expr(path)} + failure.path", "raise")

    def visit_array(self, expr: ir.ArrayType, bounds: Bounds, value: str, path: list[str]) -> int:
        code = self.code
        items, count = self.local("items"), self.local("c")
        code(f"{items} = {value}", f"{count} = len({items})")
        bad = f"{count} > {expr.max}" if expr.max is not None else f"{count} != {expr.length}"
        with code.block(f"if {bad}:"):
            code("raise _rt.Reject")
        struct_element = self.facts.is_struct(expr.element)
        header = 4 * (expr.max is not None) + 4 * struct_element
        if struct_element:
            assert isinstance(expr.element, ir.NamedRef)
            body = self.facts.body_size(expr.element.name)
            code(f"out.append(_rt.U32X2_PACK({count}, {body}))" if expr.max is not None else
                 f"out.append(_rt.U32_PACK({body}))")
            self.struct_elements(expr.element.name, items, count, path)
            code(f"n += {count} * {body}")
            return header
        if expr.max is not None:
            code(f"out.append(_rt.U32_PACK({count}))")
        flat = self.facts.flat(expr.element, bounds)
        if flat is not None:
            self.flat_elements(flat, items, count)
            code(f"n += {count} * {flat.size}")
            return header
        index, item = self.local("i"), self.local("x")
        loop = Code()
        loop.level = code.level + 1
        self.code = loop
        try:
            static = self.value(expr.element, bounds, item, [*path, f"[{{{index}}}]"])
        finally:
            self.code = code
        if static:
            loop(f"n += {static}")
        uses_index = any(index in line for line in loop.lines)
        code(f"for {index}, {item} in enumerate({items}):" if uses_index else f"for {item} in {items}:")
        code.lines += loop.lines
        return header

    def struct_elements(self, name: str, items: str, count: str, path: list[str]) -> None:
        code, key = self.code, self.facts.keys[name]
        flats = self.facts.flat_struct(name)
        if flats is None:
            index, item = self.local("i"), self.local("o")
            with code.block(f"for {index}, {item} in enumerate({items}):"):
                with code.block("try:"):
                    code(f"_enc_{key}({item}, out)")
                self.prefix_failure([*path, f"[{{{index}}}]"])
            return
        body = self.facts.body_size(name)
        struct = self.facts.struct(name)
        attrs = self.facts.attrs(name)
        buffer, pack, at, item = self.local("buf"), self.local("pack"), self.local("at"), self.local("o")
        layout = self.facts.table(name, "layout")
        code(f"{buffer} = bytearray({count} * {body})", f"{pack} = {layout}.pack_into", f"{at} = 0")
        with code.block(f"for {item} in {items}:"):
            args = self.fast_checks(flats, [f"{item}.{attrs[f.name]}" for f in struct.fields])
            wrapped(code, f"{pack}({buffer}, {at}, ", args, ")")
            code(f"{at} += {body}")
        code(f"out.append({buffer})")

    def flat_elements(self, flat: Flat, items: str, count: str) -> None:
        code, leaf = self.code, flat.leaf
        values = items
        if flat.dims:
            values = self.local("fa")
            code(f"{values} = _rt.flatten({items}, ({count}, {', '.join(map(str, flat.dims))}))")
        conditions = self.seq_conditions(leaf, values)
        if conditions and leaf.kind in ("int", "bool"):
            conditions = [f"{count} and ({' or '.join(conditions)})"]
        if conditions:
            with if_any(code, conditions):
                code("raise _rt.Reject")
        if leaf.kind == "bytes":
            code(f"out.append(b''.join(map(bytes, {values})))")
        elif leaf.fmt == "B":
            code(f"out.append(bytes({values}))")
        else:
            code(f"out.append(_rt.pack_items({leaf.fmt!r}, {values}))")

    # --- exact checkers ---------------------------------------------------------------

    def checker(self, name: str) -> None:
        code, (cls, key) = self.code, self.names(name)
        struct = self.facts.struct(name)
        attrs = self.facts.attrs(name)
        code.blank(2)
        with code.block(f"def _chk_{key}(o: object, path: str) -> None:"):
            with code.block(f"if not isinstance(o, {cls}):"):
                code(f"raise _rt.not_instance(o, {cls}, path)")
            for fld in struct.fields:
                self.check(fld.type, (fld.min, fld.max), f"o.{attrs[fld.name]}", ["{path}", f".{fld.name}"])

    def check(self, expr: ir.TypeExpr, bounds: Bounds, value: str, path: list[str]) -> None:
        """Statements of the exact checker for one value (raise the first error, with its path)."""
        _Checks(self).visit(expr, bounds, value, path)

    def check_named(self, expr: ir.NamedRef, value: str, where: str) -> None:
        named, key = self.facts.named(expr), self.facts.keys[expr.name]
        if isinstance(named, ir.StructType):
            self.code(f"_chk_{key}({value}, {where})")
            return
        low, high = ir.scalar_range(named.base.name)
        if isinstance(named, ir.EnumType):
            values = self.facts.table(expr.name, "values")
            self.code(f"_rt.chk_enum({value}, {values}, {named.open}, {low}, {high}, {named.name!r}, {where})")
        else:
            undeclared = self.facts.table(expr.name, "undeclared")
            self.code(f"_rt.chk_flags({value}, {undeclared}, {low}, {high}, {named.name!r}, {where})")


class _Checks(Visitor[None]):
    """The exact checker's statements for one value, by type-expression kind."""

    def __init__(self, encoder: EncodeEmitter) -> None:
        self.encoder = encoder
        self.code = encoder.code

    def visit_scalar(self, expr: ir.ScalarType, bounds: Bounds, value: str, path: list[str]) -> None:
        leaf, where = self.encoder.facts.scalar_leaf(expr.name, bounds), path_expr(path)
        self.code(f"_rt.chk_bool({value}, {where})" if leaf.kind == "bool" else
                  f"_rt.chk_int({value}, {leaf.low}, {leaf.high}, {where})")

    def visit_ref(self, expr: ir.NamedRef, bounds: Bounds, value: str, path: list[str]) -> None:
        self.encoder.check_named(expr, value, path_expr(path))

    def visit_bytes(self, expr: ir.BytesType, bounds: Bounds, value: str, path: list[str]) -> None:
        self.code(f"_rt.chk_bytes({value}, {expr.length}, {expr.max}, {path_expr(path)})")

    def visit_string(self, expr: ir.StringType, bounds: Bounds, value: str, path: list[str]) -> None:
        self.code(f"_rt.chk_str({value}, {expr.max}, {path_expr(path)})")

    def visit_array(self, expr: ir.ArrayType, bounds: Bounds, value: str, path: list[str]) -> None:
        where = path_expr(path)
        if isinstance(expr.element, ir.ScalarType) and expr.element.name != "bool":
            leaf = self.encoder.facts.scalar_leaf(expr.element.name, bounds)
            self.code(f"_rt.chk_ints({value}, {expr.length}, {expr.max}, {leaf.low}, {leaf.high}, {where})")
            return
        index, item = self.encoder.local("i"), self.encoder.local("x")
        with self.code.block(f"for {index}, {item} in enumerate(_rt.chk_list({value}, {expr.length}, {expr.max}, "
                             f"{where})):"):
            self.visit(expr.element, bounds, item, [*path, f"[{{{index}}}]"])
