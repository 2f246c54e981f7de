"""Encoder and checker functions: per struct and per non-struct section.

- ``_encode_<struct>(<struct>, out) -> size`` appends the body's pieces to ``out`` (a list of
  buffers joined once at the end, so large ``bytes`` values are not copied until then)
  and returns the body size. Runs of fixed-size fields are one ``Struct.pack`` each; an
  array of fixed-size structs is one ``bytearray`` filled with ``pack_into``.
  A fully fixed-size struct also gets ``_pack_<struct>(<struct>) -> bytes``.
- The fast code checks each run with one boolean expression (field min/max, bools,
  closed enums, undeclared flag bits, lengths); ``struct`` itself refuses values of the
  wrong type or outside the type's range. On any refusal the function runs
  ``_check_<struct>(<struct>, path)``, the **exact** checker, which walks the value in field
  order and raises the first error with the reference codec's code and path.

The value's parameter is named after its struct (``virtqueue``) or section (``queues``), the
locals after their fields (``size``, ``serial_bytes``, ``queues_count``...), the size of the
variable-size pieces ``variable_size``.
"""

from __future__ import annotations

from devstate import ir
from devstate.emit.python.code import Code, Locals, if_any, path_expr, wrapped
from devstate.emit.python.decode import Consts
from devstate.emit.python.facts import NO_BOUNDS, Bounds, Facts, Flat, Leaf
from devstate.visit import Visitor

FIXED_LOCALS = ("out", "path", "variable_size", "failure", "exc")
"""The parameters and fixed locals of every encoder and checker (claimed before the value's name)."""


class EncodeEmitter(Visitor[int]):
    """Emits the encoder and checker functions of one schema into ``code``."""

    def __init__(self, facts: Facts, code: Code, consts: Consts) -> None:
        self.facts = facts
        self.code = code
        self.consts = consts
        self.locals = Locals(facts.module_names)

    def local(self, stem: str) -> str:
        return self.locals.claim(stem)

    def new_function(self, value: str) -> str:
        """Fresh locals for the next function; returns the name of its value parameter."""
        self.locals = Locals(self.facts.module_names)
        for name in FIXED_LOCALS:
            self.locals.claim(name)
        return self.locals.claim(value)

    # --- structs ----------------------------------------------------------------------

    def struct(self, name: str) -> None:
        flats = self.facts.flat_struct(name)
        if flats is not None:
            self.pack_function(name, flats)
        else:
            self.body_function(name)
        self.checker(name)

    def pack_function(self, name: str, flats: list[Flat]) -> None:
        code, cls, functions = self.code, self.facts.classes[name], self.facts.struct_functions(name)
        struct = self.facts.struct(name)
        attrs = self.facts.attrs(name)
        value = self.new_function(self.facts.value_name(name))
        code.blank(2)
        with code.block(f"def {functions.pack}({value}: {cls}) -> bytes:"):
            with code.block("try:"):
                fields = [(f"{value}.{attrs[f.name]}", attrs[f.name]) for f in struct.fields]
                args = self.fast_checks(flats, fields)
                wrapped(code, f"return {self.facts.table(name, 'layout')}.pack(", args, ")")
            self.reject_handler(functions.check, value)
        value = self.new_function(self.facts.value_name(name))
        code.blank(2)
        with code.block(f"def {functions.encode}({value}: {cls}, out: list[Buffer]) -> int:"):
            code(f"out.append({functions.pack}({value}))", f"return {self.facts.body_size(name)}")

    def fast_checks(self, flats: list[Flat], fields: list[tuple[str, str]]) -> list[str]:
        """Bind the values (expression, local's name) to locals, emit the refusal test; returns the
        pack arguments."""
        code = self.code
        conditions: list[str] = []
        args: list[str] = []
        for flat, (value, stem) in zip(flats, fields, strict=True):
            local = self.local(stem)
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
            items, conditions = self.local(f"{value}_flat"), []
            self.code(f"{items} = _rt.flatten({value}, {flat.dims!r})")
        conditions += self.seq_conditions(leaf, items)
        return conditions, [f"*map(bytes, {items})" if leaf.kind == "bytes" else f"*{items}"]

    def seq_conditions(self, leaf: Leaf, items: str) -> list[str]:
        if leaf.kind != "bytes":
            return self.facts.seq_conditions(leaf, items)
        item = self.locals.scope().claim("item")
        return [f"any(len({item}) != {leaf.size} for {item} in {items})"]

    def reject_handler(self, checker: str, value: str, passthrough: bool = False) -> None:
        code = self.code
        if passthrough:
            with code.block("except _rt.Fail:"):
                code("raise")
        with code.block("except Exception as exc:"):
            code(f"raise _rt.rejected({checker}, {value}, exc) from None")

    def body_function(self, name: str) -> None:
        code, cls, functions = self.code, self.facts.classes[name], self.facts.struct_functions(name)
        struct = self.facts.struct(name)
        attrs = self.facts.attrs(name)
        value = self.new_function(self.facts.value_name(name))
        code.blank(2)
        with code.block(f"def {functions.encode}({value}: {cls}, out: list[Buffer]) -> int:"):
            with code.block("try:"):
                first = self.start_variable_size()
                static = 0
                for index, item in enumerate(self.facts.field_runs(struct)):
                    if isinstance(item, list):
                        static += self.run(name, index, [(flat, f"{value}.{attrs[f.name]}", attrs[f.name])
                                                         for f, flat in item])
                    else:
                        static += self.value(item.type, (item.min, item.max), f"{value}.{attrs[item.name]}",
                                             attrs[item.name], [f".{item.name}"])
                self.return_size(first, static)
            self.reject_handler(functions.check, value, passthrough=True)

    def start_variable_size(self) -> int:
        """``variable_size = 0``; returns its line, which ``return_size`` drops if nothing added to it."""
        self.code("variable_size = 0")
        return len(self.code.lines) - 1

    def return_size(self, first: int, static: int) -> None:
        code = self.code
        if any("variable_size +=" in line for line in code.lines[first + 1 :]):
            code(f"return {static} + variable_size" if static else "return variable_size")
            return
        del code.lines[first]
        code(f"return {static}")

    def run(self, name: str, index: int, run: list[tuple[Flat, str, str]]) -> int:
        flats = [flat for flat, _, _ in run]
        const = self.consts.add(f"{self.facts.table(name, 'layout')}_RUN_{index}", "<" + "".join(f.fmt for f in flats))
        args = self.fast_checks(flats, [(value, stem) for _, value, stem in run])
        wrapped(self.code, f"out.append({const}.pack(", args, "))")
        return sum(f.size for f in flats)

    # --- sections ---------------------------------------------------------------------

    def section(self, functions_key: tuple[str, str], attr: str, expr: ir.TypeExpr) -> None:
        """Encoder and checker of a section whose type is not a struct."""
        code, functions = self.code, self.facts.section_functions[functions_key]
        value = self.new_function(attr)
        code.blank(2)
        with code.block(f"def {functions.encode}({value}: {self.facts.annotation(expr)}, out: list[Buffer]) -> int:"):
            with code.block("try:"):
                first = self.start_variable_size()
                static = self.value(expr, NO_BOUNDS, value, attr, [])
                self.return_size(first, static)
            self.reject_handler(functions.check, value, passthrough=True)
        value = self.new_function(attr)
        code.blank(2)
        with code.block(f"def {functions.check}({value}: object, path: str) -> None:"):
            self.check(expr, NO_BOUNDS, value, attr, ["{path}"])

    def opaque(self, functions_key: tuple[str, str], attr: str, maximum: int) -> None:
        code, functions = self.code, self.facts.section_functions[functions_key]
        value = self.new_function(attr)
        data = self.local(f"{attr}_bytes")
        code.blank(2)
        with code.block(f"def {functions.encode}({value}: Buffer, out: list[Buffer]) -> int:"):
            with code.block("try:"):
                code(f"{data} = _rt.as_buffer({value})")
                with code.block(f"if len({data}) > {maximum}:"):
                    code("raise _rt.Reject")
            self.reject_handler(functions.check, value)
            code(f"out.append({data})", f"return len({data})")
        value = self.new_function(attr)
        code.blank(2)
        with code.block(f"def {functions.check}({value}: object, path: str) -> None:"):
            code(f"_rt.chk_bytes({value}, None, {maximum}, path, opaque=True)")

    # --- values (fast path; appends pieces, returns the static size) -----------------------

    def value(self, expr: ir.TypeExpr, bounds: Bounds, value: str, stem: str, path: list[str]) -> int:
        """Append one value's pieces; returns its static size (dynamic sizes go to ``variable_size``).

        ``stem`` names the value's locals (its field's name)."""
        flat = self.facts.flat(expr, bounds)
        if flat is not None:
            local = self.bound(value, stem)
            conditions, args = self.flat_parts(flat, local)
            if conditions:
                with if_any(self.code, conditions):
                    self.code("raise _rt.Reject")
            wrapped(self.code, f"out.append({self.consts.array(flat.fmt)}.pack(", args, "))")
            return flat.size
        return self.visit(expr, bounds, value, stem, path)

    def bound(self, value: str, stem: str) -> str:
        """A local holding ``value``: itself when it is one (a parameter, a loop variable), else
        a new local named ``stem``."""
        if value.isidentifier():
            return value
        local = self.local(stem)
        self.code(f"{local} = {value}")
        return local

    # Values that are not flat (scalars, enums, flags and short fixed bytes always are):

    def visit_struct_ref(self, expr: ir.NamedRef, bounds: Bounds, value: str, stem: str, path: list[str]) -> int:
        return self.sized_struct(expr.name, value, stem, path)

    def visit_string(self, expr: ir.StringType, bounds: Bounds, value: str, stem: str, path: list[str]) -> int:
        return self.counted(f"{value}.encode('utf-8')", stem, expr.max)

    def visit_bytes(self, expr: ir.BytesType, bounds: Bounds, value: str, stem: str, path: list[str]) -> int:
        if expr.length is None:
            return self.counted(f"_rt.as_buffer({value})", stem, expr.max or 0)
        data = self.local(f"{stem}_bytes")
        self.code(f"{data} = _rt.as_buffer({value})")
        with self.code.block(f"if len({data}) != {expr.length}:"):
            self.code("raise _rt.Reject")
        self.code(f"out.append({data})")
        return expr.length

    def counted(self, data_expr: str, stem: str, maximum: int) -> int:
        code, data = self.code, self.local(f"{stem}_bytes")
        code(f"{data} = {data_expr}")
        with code.block(f"if len({data}) > {maximum}:"):
            code("raise _rt.Reject")
        code(f"out.append(_rt.U32_PACK(len({data})))", f"out.append({data})", f"variable_size += len({data})")
        return 4

    def sized_struct(self, name: str, value: str, stem: str, path: list[str]) -> int:
        code, functions = self.code, self.facts.struct_functions(name)
        if self.facts.flat_struct(name) is not None:
            body = self.facts.body_size(name)
            code(f"out.append(_rt.U32_PACK({body}))")
            with code.block("try:"):
                code(f"out.append({functions.pack}({value}))")
            self.prefix_failure(path)
            return 4 + body
        slot, size = self.local(f"{stem}_size_slot"), self.local(f"{stem}_size")
        code(f"{slot} = len(out)", 'out.append(b"")')
        with code.block("try:"):
            code(f"{size} = {functions.encode}({value}, out)")
        self.prefix_failure(path)
        code(f"out[{slot}] = _rt.U32_PACK(_rt.u32_size({size}))", f"variable_size += {size}")
        return 4

    def prefix_failure(self, path: list[str]) -> None:
        with self.code.block("except _rt.Fail as failure:"):
            self.code(f"failure.path = {path_expr(path)} + failure.path", "raise")

    def visit_array(self, expr: ir.ArrayType, bounds: Bounds, value: str, stem: str, path: list[str]) -> int:
        code = self.code
        items, count = self.bound(value, stem), self.local(f"{stem}_count")
        code(f"{count} = len({items})")
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
            self.struct_elements(expr.element.name, items, count, stem, path)
            code(f"variable_size += {count} * {body}")
            return header
        if expr.max is not None:
            code(f"out.append(_rt.U32_PACK({count}))")
        flat = self.facts.flat(expr.element, bounds)
        if flat is not None:
            self.flat_elements(flat, items, count)
            code(f"variable_size += {count} * {flat.size}")
            return header
        index, item = self.local("index"), self.local(f"{stem}_item")
        loop = Code()
        loop.level = code.level + 1
        self.code = loop
        try:
            static = self.value(expr.element, bounds, item, item, [*path, f"[{{{index}}}]"])
        finally:
            self.code = code
        if static:
            loop(f"variable_size += {static}")
        uses_index = any(index in line for line in loop.lines)
        code(f"for {index}, {item} in enumerate({items}):" if uses_index else f"for {item} in {items}:")
        code.lines += loop.lines
        return header

    def struct_elements(self, name: str, items: str, count: str, stem: str, path: list[str]) -> None:
        code, functions = self.code, self.facts.struct_functions(name)
        flats = self.facts.flat_struct(name)
        if flats is None:
            index, item = self.local("index"), self.local(self.facts.value_name(name))
            with code.block(f"for {index}, {item} in enumerate({items}):"):
                with code.block("try:"):
                    code(f"{functions.encode}({item}, out)")
                self.prefix_failure([*path, f"[{{{index}}}]"])
            return
        body = self.facts.body_size(name)
        struct = self.facts.struct(name)
        attrs = self.facts.attrs(name)
        buffer, pack, at = self.local(f"{stem}_buffer"), self.local("pack_into"), self.local("position")
        item = self.local(self.facts.value_name(name))
        layout = self.facts.table(name, "layout")
        code(f"{buffer} = bytearray({count} * {body})", f"{pack} = {layout}.pack_into", f"{at} = 0")
        with code.block(f"for {item} in {items}:"):
            args = self.fast_checks(flats, [(f"{item}.{attrs[f.name]}", attrs[f.name]) for f in struct.fields])
            wrapped(code, f"{pack}(", [buffer, at, *args], ")")
            code(f"{at} += {body}")
        code(f"out.append({buffer})")

    def flat_elements(self, flat: Flat, items: str, count: str) -> None:
        code, leaf = self.code, flat.leaf
        values = items
        if flat.dims:
            values = self.local(f"{items}_flat")
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
        code, cls, functions = self.code, self.facts.classes[name], self.facts.struct_functions(name)
        struct = self.facts.struct(name)
        attrs = self.facts.attrs(name)
        value = self.new_function(self.facts.value_name(name))
        code.blank(2)
        with code.block(f"def {functions.check}({value}: object, path: str) -> None:"):
            with code.block(f"if not isinstance({value}, {cls}):"):
                code(f"raise _rt.not_instance({value}, {cls}, path)")
            for fld in struct.fields:
                self.check(fld.type, (fld.min, fld.max), f"{value}.{attrs[fld.name]}", attrs[fld.name],
                           ["{path}", f".{fld.name}"])

    def check(self, expr: ir.TypeExpr, bounds: Bounds, value: str, stem: str, path: list[str]) -> None:
        """Statements of the exact checker for one value (raise the first error, with its path)."""
        _Checks(self).visit(expr, bounds, value, stem, path)


class _Checks(Visitor[None]):
    """The exact checker's statements for one value, by type-expression kind."""

    def __init__(self, encoder: EncodeEmitter) -> None:
        self.encoder = encoder
        self.code = encoder.code

    def visit_scalar(self, expr: ir.ScalarType, bounds: Bounds, value: str, stem: str, path: list[str]) -> None:
        leaf, where = self.encoder.facts.scalar_leaf(expr.name, bounds), path_expr(path)
        self.code(f"_rt.chk_bool({value}, {where})" if leaf.kind == "bool" else
                  f"_rt.chk_int({value}, {leaf.low}, {leaf.high}, {where})")

    def visit_struct_ref(self, expr: ir.NamedRef, bounds: Bounds, value: str, stem: str, path: list[str]) -> None:
        self.code(f"{self.encoder.facts.struct_functions(expr.name).check}({value}, {path_expr(path)})")

    def visit_enum_ref(self, expr: ir.NamedRef, bounds: Bounds, value: str, stem: str, path: list[str]) -> None:
        facts = self.encoder.facts
        enum, values = facts.schema.enum(expr.name), facts.table(expr.name, "values")
        low, high = ir.scalar_range(enum.base.name)
        self.code(f"_rt.chk_enum({value}, {values}, {enum.open}, {low}, {high}, {enum.name!r}, {path_expr(path)})")

    def visit_flags_ref(self, expr: ir.NamedRef, bounds: Bounds, value: str, stem: str, path: list[str]) -> None:
        facts = self.encoder.facts
        flags, undeclared = facts.schema.flags(expr.name), facts.table(expr.name, "undeclared")
        low, high = ir.scalar_range(flags.base.name)
        self.code(f"_rt.chk_flags({value}, {undeclared}, {low}, {high}, {flags.name!r}, {path_expr(path)})")

    def visit_bytes(self, expr: ir.BytesType, bounds: Bounds, value: str, stem: str, path: list[str]) -> None:
        self.code(f"_rt.chk_bytes({value}, {expr.length}, {expr.max}, {path_expr(path)})")

    def visit_string(self, expr: ir.StringType, bounds: Bounds, value: str, stem: str, path: list[str]) -> None:
        self.code(f"_rt.chk_str({value}, {expr.max}, {path_expr(path)})")

    def visit_array(self, expr: ir.ArrayType, bounds: Bounds, value: str, stem: str, path: list[str]) -> None:
        where = path_expr(path)
        if isinstance(expr.element, ir.ScalarType) and expr.element.name != "bool":
            leaf = self.encoder.facts.scalar_leaf(expr.element.name, bounds)
            self.code(f"_rt.chk_ints({value}, {expr.length}, {expr.max}, {leaf.low}, {leaf.high}, {where})")
            return
        element = self.encoder.facts.element_name(expr.element)
        outer = self.encoder.locals
        self.encoder.locals = outer.scope()  # a checker's only locals are loop variables: the next loop may reuse them
        try:
            index = self.encoder.local("index")
            item = self.encoder.local(element if element != "item" else f"{stem}_item")
            with self.code.block(f"for {index}, {item} in enumerate(_rt.chk_list({value}, {expr.length}, "
                                 f"{expr.max}, {where})):"):
                self.visit(expr.element, bounds, item, item, [*path, f"[{{{index}}}]"])
        finally:
            self.encoder.locals = outer
