"""Decoder functions: two per struct and one per non-struct section.

Every decoder has the signature ``(blob, start, end, depth_left, region_limit)``: the
read-only byte view of the whole blob, the value's start and its container's end (absolute
offsets), the depth budget left for the value (``max_depth`` minus its depth) and the
region size limit. Code that reads field after field advances a cursor, ``offset``; the
unpacked values are locals named after their fields (``capacity``, ``geometry_size`` for a
nested struct's length prefix, ``queues_count``...), from one ``Locals`` allocator per function.

- ``_decode_<struct>_exact`` is the **exact** decoder: field by field in the order of
  spec/wire-format.md ("Decoding order"), with the struct-body rules (too short, defaults
  for absent appended fields, zero tail) and every depth check. It raises the first error
  with the reference codec's code, offset and path.
- ``_decode_<struct>`` is the **fast** decoder: runs of fixed-size fields are read with one
  precompiled ``struct.Struct`` each and checked with one boolean expression; an array of
  fixed-size structs is one ``iter_unpack``. Whenever anything is unusual (a body of
  another size, a value that fails a check, a tight depth limit) it hands the whole body
  to ``_decode_<struct>_exact``, which finds the exact error (or decodes another version's body).
- Counted and variable-size values (arrays, bytes, strings, nested structs) use the same
  code in both: it checks counts and lengths before reading and raises exact errors.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from devstate import ir
from devstate.dsf1 import ZERO_COPY_THRESHOLD
from devstate.emit.python.code import Code, Locals, fits, if_any, path_expr, wrapped
from devstate.emit.python.facts import NO_BOUNDS, Bounds, Facts, Flat, Leaf
from devstate.visit import Visitor

READERS = {"H": "U16", "I": "U32", "Q": "U64", "b": "I8", "h": "I16", "i": "I32", "q": "I64"}
LOCALS_LIMIT = 40
"""Runs with at most this many items (and arrays of at most 16) unpack into named locals."""


FIXED_LOCALS = ("blob", "start", "end", "depth_left", "region_limit", "offset", "failure")
"""The parameters and fixed locals of every decoder (claimed before any field's name)."""


@dataclass
class Ctx:
    """Where a value is decoded: the stem of its locals (its field's name), its relative path,
    its depth below the function's value and whether room for its minimum size is known."""

    name: str
    path: list[str]
    depth: int
    room: bool


@dataclass
class Consts:
    """Module-level ``struct.Struct`` constants, in first-use order."""

    items: dict[str, str] = field(default_factory=dict)

    def add(self, name: str, fmt: str) -> str:
        assert self.items.get(name, fmt) == fmt, name
        self.items[name] = fmt
        return name

    def array(self, fmt: str) -> str:
        short = f"_ARRAY_{fmt.replace('s', 'S')}"
        return self.add(short if len(fmt) < 24 else f"_ARRAY_{len(self.items)}", "<" + fmt)

    def emit(self, code: Code) -> None:
        for name, fmt in self.items.items():
            code(f"{name} = struct.Struct({fmt!r})")


class Values:
    """Expressions over unpacked items: a flat value's typed form and its failure conditions."""

    def __init__(self, facts: Facts, locals_: Locals) -> None:
        self.facts = facts
        self.locals = locals_

    def table(self, leaf: Leaf, kind: str) -> str:
        return self.facts.leaf_table(leaf, kind)

    def leaf(self, leaf: Leaf, raw: str) -> str:
        if leaf.kind == "bool":
            return f"{raw} == 1"
        if leaf.kind == "enum":
            by_value = self.table(leaf, "by_value")
            return f"{by_value}.get({raw}, {raw})" if leaf.open else f"{by_value}[{raw}]"
        if leaf.kind == "flags":
            return f"_rt.flag({self.facts.classes[leaf.ref]}, {self.table(leaf, 'cache')}, {raw})"
        return raw

    def seq_list(self, leaf: Leaf, seq: str, is_list: bool = False) -> str:
        """The typed list of one array row from a sequence of raw items."""
        if leaf.kind in ("int", "bytes"):
            return seq if is_list else f"list({seq})"
        if leaf.kind == "bool":
            return f"list(map(bool, {seq}))"
        if leaf.kind == "enum" and not leaf.open:
            return f"list(map({self.table(leaf, 'by_value')}.__getitem__, {seq}))"
        item = self.locals.scope().claim("item")
        return f"[{self.leaf(leaf, item)} for {item} in {seq}]"

    # --- a flat value from named locals or from a slice of a tuple -------------------------

    def from_locals(self, flat: Flat, names: list[str]) -> tuple[str, list[str]]:
        """(typed expression, failure conditions) of a flat value whose items are locals."""
        if not flat.dims:
            return self.leaf(flat.leaf, names[0]), self.facts.leaf_conditions(flat.leaf, names[0])
        items = "(" + ", ".join(names) + ("," if len(names) == 1 else "") + ")"
        return self._nest(flat.leaf, names, flat.dims), self.facts.seq_conditions(flat.leaf, items)

    def _nest(self, leaf: Leaf, names: list[str], dims: tuple[int, ...]) -> str:
        if len(dims) == 1:
            return "[" + ", ".join(self.leaf(leaf, n) for n in names) + "]"
        step = len(names) // dims[0]
        rows = [self._nest(leaf, names[i : i + step], dims[1:]) for i in range(0, len(names), step)]
        return "[" + ", ".join(rows) + "]"

    def from_tuple(self, flat: Flat, tuple_name: str, start: int) -> tuple[str, list[str]]:
        """(typed expression, failure conditions) of a flat value at ``tuple_name[start:]``."""
        if not flat.dims:
            item = f"{tuple_name}[{start}]"
            return self.leaf(flat.leaf, item), self.facts.leaf_conditions(flat.leaf, item)
        whole = f"{tuple_name}[{start}:{start + flat.count}]"
        return self.rows(flat.leaf, tuple_name, str(start), flat.dims), self.facts.seq_conditions(flat.leaf, whole)

    def rows(self, leaf: Leaf, seq: str, start: str, dims: tuple[int | str, ...], is_list: bool = False,
             whole: bool = False) -> str:
        """Nested typed lists over ``seq[start:]`` (all of ``seq`` when ``whole``) with these dims."""
        if len(dims) == 1:
            if whole:
                return self.seq_list(leaf, seq, is_list)
            return self.seq_list(leaf, f"{seq}[{start} : {_add(start, dims[0])}]")
        step = 1
        for size in dims[1:]:
            assert isinstance(size, int), "only the outermost dimension can be a count"
            step *= size
        outer = self.locals
        self.locals = outer.scope()  # the comprehension's own: sees the names so far, takes none
        try:
            index = self.locals.claim("row_start")
            stop = f"len({seq})" if whole else _add(start, _mul(dims[0], step))
            return f"[{self.rows(leaf, seq, index, dims[1:])} for {index} in range({start}, {stop}, {step})]"
        finally:
            self.locals = outer


def _add(left: str, right: int | str) -> str:
    if left.isdigit() and str(right).isdigit():
        return str(int(left) + int(right))
    return f"{left} + {right}"


def _mul(left: int | str, right: int) -> str:
    if str(left).isdigit():
        return str(int(left) * right)
    return f"{left} * {right}"


class DecodeEmitter(Visitor[str]):
    """Emits the decoder functions of one schema into ``code``."""

    def __init__(self, facts: Facts, code: Code, consts: Consts) -> None:
        self.facts = facts
        self.code = code
        self.consts = consts
        self.locals = Locals(facts.module_names)
        self.values = Values(facts, self.locals)

    def local(self, stem: str) -> str:
        return self.locals.claim(stem)

    def new_function(self) -> None:
        """Fresh locals for the next function, its parameters and fixed locals claimed first."""
        self.locals = self.values.locals = Locals(self.facts.module_names)
        for name in FIXED_LOCALS:
            self.locals.claim(name)

    # --- structs ----------------------------------------------------------------------

    def struct(self, name: str) -> None:
        self.new_function()
        flats = self.facts.flat_struct(name)
        if flats is not None:
            self.flat_fast(name, flats)
        else:
            self.runs_fast(name)
        self.new_function()
        self.exact(name)

    def signature(self, function: str, returns: str) -> str:
        parameters = "blob: memoryview, start: int, end: int, depth_left: int, region_limit: int"
        return f"def {function}({parameters}) -> {returns}:"

    def names(self, name: str) -> tuple[str, str, str]:
        functions = self.facts.struct_functions(name)
        return self.facts.classes[name], functions.decode, functions.decode_exact

    def field_names(self, name: str) -> list[str]:
        attrs = self.facts.attrs(name)
        return [attrs[f.name] for f in self.facts.struct(name).fields]

    def flat_fast(self, name: str, flats: list[Flat]) -> None:
        code, (cls, dec, seq) = self.code, self.names(name)
        struct_const = self.consts.add(self.facts.table(name, "layout"), "<" + "".join(f.fmt for f in flats))
        body, height = self.facts.body_size(name), self.facts.schema.struct_height(name)
        code.blank(2)
        with code.block(self.signature(dec, cls)):
            with code.block(f"if end - start != {body} or depth_left < {height}:"):
                code(f"return {seq}(blob, start, end, depth_left, region_limit)")
            exprs, conditions = self.unpack(flats, self.field_names(name), f"{struct_const}.unpack_from(blob, start)")
            if conditions:
                with if_any(code, conditions):
                    code(f"return {seq}(blob, start, end, depth_left, region_limit)")
            wrapped(code, f"return {cls}(", exprs, ")")

    def unpack(self, flats: list[Flat], stems: list[str], call: str) -> tuple[list[str], list[str]]:
        """Unpack a run into locals (or one tuple); returns per-field expressions and conditions."""
        target, exprs, conditions, is_tuple = self.run_target(flats, stems, self.locals)
        if len(target) == 1 and not is_tuple:
            self.code(f"{target[0]} = {call}[0]")
        elif len(target) == 1:
            self.code(f"{target[0]} = {call}")
        else:
            wrapped(self.code, "(", target, f") = {call}")
        return exprs, conditions

    def run_target(self, flats: list[Flat], stems: list[str],
                   locals_: Locals) -> tuple[list[str], list[str], list[str], bool]:
        """Names to unpack a run into (the fields' names, ``features_0``... for an array's items,
        or one tuple, ``fields``), per-field expressions, failure conditions and whether a tuple."""
        total = sum(f.count for f in flats)
        exprs: list[str] = []
        conditions: list[str] = []
        if total <= LOCALS_LIMIT and all(f.count <= 16 for f in flats):
            names: list[str] = []
            for flat, stem in zip(flats, stems, strict=False):
                items = [locals_.claim(stem)] if not flat.dims else \
                    [locals_.claim(f"{stem}_{index}") for index in range(flat.count)]
                expr, conds = self.values.from_locals(flat, items)
                exprs.append(expr)
                conditions += conds
                names += items
            return names, exprs, conditions, False
        tuple_name = locals_.claim("fields")
        at = 0
        for flat in flats:
            expr, conds = self.values.from_tuple(flat, tuple_name, at)
            exprs.append(expr)
            conditions += conds
            at += flat.count
        return [tuple_name], exprs, conditions, True

    def runs_fast(self, name: str) -> None:
        code, (cls, dec, seq) = self.code, self.names(name)
        struct = self.facts.struct(name)
        restart = f"return {seq}(blob, start, end, depth_left, region_limit)"
        code.blank(2)
        with code.block(self.signature(dec, cls)):
            with code.block(f"if depth_left < {self.facts.schema.struct_height(name)}:"):
                code(restart)
            code("offset = start")
            exprs: list[str] = []
            for index, run in enumerate(self.facts.field_runs(struct)):
                if isinstance(run, list):
                    exprs += self.fast_run(name, index, run, restart)
                else:
                    with code.block(f"if end - offset < {run.type.min_size}:"):
                        code(restart)
                    exprs.append(self.field_value(name, run))
            with code.block("if offset != end:"):
                code(f"_rt.check_tail(blob, offset, end, {struct.name!r})")
            wrapped(code, f"return {cls}(", exprs, ")")

    def fast_run(self, name: str, index: int, run: list[tuple[ir.StructField, Flat]], restart: str) -> list[str]:
        code = self.code
        flats = [flat for _, flat in run]
        size = sum(f.size for f in flats)
        const = self.consts.add(f"{self.facts.table(name, 'layout')}_RUN_{index}", "<" + "".join(f.fmt for f in flats))
        with code.block(f"if end - offset < {size}:"):
            code(restart)
        attrs = self.facts.attrs(name)
        exprs, conditions = self.unpack(flats, [attrs[f.name] for f, _ in run], f"{const}.unpack_from(blob, offset)")
        if conditions:
            with if_any(code, conditions):
                code(restart)
        code(f"offset += {size}")
        return exprs

    def exact(self, name: str) -> None:
        code, (cls, _, seq) = self.code, self.names(name)
        struct = self.facts.struct(name)
        code.blank(2)
        with code.block(self.signature(seq, cls)):
            code("offset = start")
            values: list[str] = []
            for index, fld in enumerate(struct.fields):
                path = repr(f".{fld.name}")
                if index >= struct.base_field_count:
                    with code.block("if offset == end:"):
                        wrapped(code, f"return {cls}(", values, ")")
                minimum = fld.type.min_size
                with code.block(f"if end - offset < {minimum}:"):
                    code(f"raise _rt.too_short(offset, end, {path}, {struct.name!r}, {fld.name!r}, {minimum})")
                if index == 0:  # the depth left is the same for every field: only the first can fail
                    with code.block("if depth_left < 1:"):
                        code(f"raise _rt.too_deep(offset, {path})")
                values.append(self.field_value(name, fld))
            with code.block("if offset != end:"):
                code(f"_rt.check_tail(blob, offset, end, {struct.name!r})")
            wrapped(code, f"return {cls}(", values, ")")

    def field_value(self, name: str, fld: ir.StructField) -> str:
        ctx = Ctx(self.facts.attrs(name)[fld.name], [f".{fld.name}"], 1, True)
        return self.value(fld.type, (fld.min, fld.max), ctx)

    # --- sections ---------------------------------------------------------------------

    def section(self, function: str, attr: str, expr: ir.TypeExpr) -> None:
        """A decoder for a section whose type is not a struct: the value fills the payload."""
        code = self.code
        self.new_function()
        code.blank(2)
        with code.block(self.signature(function, self.facts.annotation(expr))):
            code("offset = start")
            result = self.value(expr, NO_BOUNDS, Ctx(attr, [], 0, False))
            with code.block("if offset != end:"):
                code("raise _rt.trailing(offset, end)")
            code(f"return {result}")

    def opaque(self, function: str, maximum: int) -> None:
        returns = "bytes" if maximum < ZERO_COPY_THRESHOLD else "Buffer"
        self.code.blank(2)
        with self.code.block(self.signature(function, returns)):
            call = "read_opaque" if maximum >= ZERO_COPY_THRESHOLD else "read_small_opaque"
            self.code(f"return _rt.{call}(blob, start, end, {maximum}, region_limit)")

    # --- values in field position (exact, shared by both decoders) ------------------------

    def value(self, expr: ir.TypeExpr, bounds: Bounds, ctx: Ctx) -> str:
        """Decode one value at ``offset`` (advancing it); returns the typed value's expression (a local,
        or an expression over the local holding the value as read)."""
        flat = self.facts.flat(expr, bounds)
        if flat is not None:
            return self.flat_exact(flat, ctx)
        return self.visit(expr, bounds, ctx)

    # Values that are not flat (scalars, enums, flags and short fixed bytes always are):

    def visit_struct_ref(self, expr: ir.NamedRef, bounds: Bounds, ctx: Ctx) -> str:
        return self.sized_struct(expr.name, ctx)

    def visit_string(self, expr: ir.StringType, bounds: Bounds, ctx: Ctx) -> str:
        return self.counted("read_str", f"{expr.max}", ctx)

    def visit_bytes(self, expr: ir.BytesType, bounds: Bounds, ctx: Ctx) -> str:
        if expr.length is not None:
            return self.large_fixed_bytes(expr.length, ctx)
        reader = "read_bytes" if (expr.max or 0) < ZERO_COPY_THRESHOLD else "read_region"
        return self.counted(reader, f"{expr.max}, region_limit", ctx)

    def counted(self, reader: str, args: str, ctx: Ctx) -> str:
        target = self.local(ctx.name)
        self.code(f"{target}, offset = _rt.{reader}(blob, offset, end, {args}, {path_expr(ctx.path)})")
        return target

    def large_fixed_bytes(self, length: int, ctx: Ctx) -> str:
        code, target = self.code, self.local(ctx.name)
        if not ctx.room:
            with code.block(f"if end - offset < {length}:"):
                code(f"raise _rt.truncated(offset, end, {path_expr(ctx.path)}, 'bytes[{length}]', {length})")
        code(f"{target} = blob[offset : offset + {length}]", f"offset += {length}")
        return target

    def sized_struct(self, name: str, ctx: Ctx) -> str:
        code, path = self.code, path_expr(ctx.path)
        size, target = self.local(f"{ctx.name}_size"), self.local(ctx.name)
        what = f"the size of struct {self.facts.struct(name).name}"
        code(f"{size} = _rt.prefix(blob, offset, end, {path}, {what!r})" if not ctx.room else
             f"{size} = _rt.U32(blob, offset)[0]")
        with code.block(f"if {size} > end - offset - 4:"):
            code(f"raise _rt.struct_past_end(offset, {path}, {size}, end - offset - 4)")
        with code.block("try:"):
            decode = self.facts.struct_functions(name).decode
            code(f"{target} = {decode}(blob, offset + 4, offset + 4 + {size}, {budget(ctx.depth)}, region_limit)")
        self.prefix_failure(path)
        code(f"offset += 4 + {size}")
        return target

    def prefix_failure(self, path: str) -> None:
        with self.code.block("except _rt.Fail as failure:"):
            self.code(f"failure.path = {path} + failure.path", "raise")

    def flat_exact(self, flat: Flat, ctx: Ctx) -> str:
        code, path, leaf = self.code, path_expr(ctx.path), flat.leaf
        if not ctx.room:
            with code.block(f"if end - offset < {flat.size}:"):
                if flat.dims:
                    per = flat.size // flat.dims[0]
                    code(f"raise _rt.count_past_end(offset, {path}, {flat.dims[0]}, {per}, end - offset)")
                else:
                    code(f"raise _rt.truncated(offset, end, {path}, {leaf.fmt!r}, {leaf.size})")
        if not flat.dims:
            raw = self.local(ctx.name)
            code(f"{raw} = {self.read_leaf(leaf)}")
            self.leaf_checks(leaf, raw, path)
            code(f"offset += {flat.size}")
            return self.values.leaf(leaf, raw)
        for level in range(1, len(flat.dims) + 1):
            with code.block(f"if depth_left < {ctx.depth + level}:"):
                code(f"raise _rt.too_deep(offset, {path_expr([*ctx.path, '[0]' * level])})")
        raw = self.local(f"{ctx.name}_items")
        is_list = leaf.fmt == "B" and leaf.kind != "bytes"
        if is_list:
            code(f"{raw} = blob[offset : offset + {flat.count}].tolist()")
        else:
            code(f"{raw} = {self.consts.array(flat.fmt)}.unpack_from(blob, offset)")
        self.array_checks(leaf, raw, "offset", path, repr(flat.dims))
        target = self.typed(ctx.name, self.values.rows(leaf, raw, "0", flat.dims, is_list, whole=True), raw)
        code(f"offset += {flat.size}")
        return target

    def typed(self, stem: str, value: str, raw: str) -> str:
        """``value`` in a local named ``stem`` (none when it is the local ``raw`` itself)."""
        if value == raw:
            return raw
        target = self.local(stem)
        self.code(f"{target} = {value}")
        return target

    def read_leaf(self, leaf: Leaf) -> str:
        if leaf.kind == "bytes":
            return f"bytes(blob[offset : offset + {leaf.size}])"
        if leaf.fmt == "B":
            return "blob[offset]"
        return f"_rt.{READERS[leaf.fmt]}(blob, offset)[0]"

    def leaf_checks(self, leaf: Leaf, raw: str, path: str) -> None:
        code = self.code
        if leaf.kind == "int" and leaf.checked:
            with if_any(code, self.facts.leaf_conditions(leaf, raw)):
                code(f"raise _rt.out_of_range(offset, {path}, {raw}, {leaf.low}, {leaf.high})")
        elif leaf.kind == "bool":
            with code.block(f"if {raw} > 1:"):
                code(f"raise _rt.bad_bool(offset, {path}, {raw})")
        elif leaf.kind == "enum" and not leaf.open:
            with code.block(f"if {raw} not in {self.values.table(leaf, 'by_value')}:"):
                code(f"raise _rt.bad_enum(offset, {path}, {raw}, {leaf.named!r})")
        elif leaf.kind == "flags":
            mask = self.values.table(leaf, "undeclared")
            with code.block(f"if {raw} & {mask}:"):
                code(f"raise _rt.bad_flags(offset, {path}, {raw}, {mask}, {leaf.named!r})")

    def array_checks(self, leaf: Leaf, raw: str, at: str, path: str, dims: str) -> None:
        code = self.code
        if leaf.kind == "int" and leaf.checked:
            code(f"_rt.check_ints({raw}, {leaf.low}, {leaf.high}, {at}, {leaf.size}, {path}, {dims})")
        elif leaf.kind == "bool":
            code(f"_rt.check_bools({raw}, {at}, {path}, {dims})")
        elif leaf.kind == "enum" and not leaf.open:
            values = self.values.table(leaf, "values")
            code(f"_rt.check_enum({raw}, {values}, {at}, {leaf.size}, {path}, {dims}, {leaf.named!r})")
        elif leaf.kind == "flags":
            undeclared = self.values.table(leaf, "undeclared")
            code(f"_rt.check_flags({raw}, {undeclared}, {at}, {leaf.size}, {path}, {dims}, {leaf.named!r})")

    # --- arrays -----------------------------------------------------------------------

    def visit_array(self, expr: ir.ArrayType, bounds: Bounds, ctx: Ctx) -> str:
        code, path = self.code, path_expr(ctx.path)
        struct_element = self.facts.is_struct(expr.element)
        header = 0
        if expr.max is not None:
            count = self.local(f"{ctx.name}_count")
            code(f"{count} = _rt.U32(blob, offset)[0]" if ctx.room else
                 f"{count} = _rt.prefix(blob, offset, end, {path}, 'the array count')")
            with code.block(f"if {count} > {expr.max}:"):
                code(f"raise _rt.count_over_max(offset, {path}, {count}, {expr.max})")
            header = 4
        else:
            count = str(expr.length)
        if struct_element:
            assert isinstance(expr.element, ir.NamedRef)
            size = self.stride(expr.element.name, header, ctx)
            header += 4
        else:
            size = str(expr.element.min_size)
        start = self.local(f"{ctx.name}_start")
        code(f"{start} = offset + {header}" if header else f"{start} = offset")
        if not (ctx.room and expr.max is None and not struct_element):
            with code.block(f"if {count} * {size} > end - {start}:"):
                stride = ", stride=True" if struct_element else ""
                code(f"raise _rt.count_past_end(offset, {path}, {count}, {size}, end - {start}{stride})")
        if expr.length != 0:
            nonempty = f"{count} and " if expr.max is not None else ""
            with code.block(f"if {nonempty}depth_left < {ctx.depth + 1}:"):
                code(f"raise _rt.too_deep({start}, {path_expr([*ctx.path, '[0]'])})")
        if struct_element:
            assert isinstance(expr.element, ir.NamedRef)
            return self.struct_elements(expr.element.name, count, size, start, ctx)
        flat = self.facts.flat(expr.element, bounds)
        if flat is not None:
            return self.flat_elements(flat, count, start, ctx)
        if start != "offset":
            code(f"offset = {start}")
        return self.variable_elements(expr.element, bounds, count, ctx)

    def stride(self, name: str, at: int, ctx: Ctx) -> str:
        code, path = self.code, path_expr(ctx.path)
        stride, where = self.local(f"{ctx.name}_stride"), f"offset + {at}" if at else "offset"
        struct = self.facts.struct(name)
        if ctx.room:
            code(f"{stride} = _rt.U32(blob, {where})[0]")
        else:
            code(f"{stride} = _rt.prefix(blob, {where}, end, {path}, 'the array stride')")
        body = self.facts.body_size(name)
        shorter = self.facts.struct(name).short_strides
        bad = f"{stride} < {body}" if body else f"{stride} == 0"
        if shorter and body:
            bad += f" and {stride} not in {tuple(shorter)!r}"
        with code.block(f"if {bad}:"):
            code(f"raise _rt.bad_stride({where}, {path}, {stride}, {struct.name!r}, {body})")
        return stride

    def struct_elements(self, name: str, count: str, stride: str, start: str, ctx: Ctx) -> str:
        """Elements of a struct array: ``iter_unpack`` when the stride is the body size (or an older
        writer's shorter body, whose absent appended fields take their defaults), else one by one."""
        code, target = self.code, self.local(ctx.name)
        flats = self.facts.flat_struct(name)
        if flats is None:
            self.struct_loop(name, target, count, stride, start, ctx)
        else:
            body, height = self.facts.body_size(name), self.facts.schema.struct_height(name)
            fields = self.facts.struct(name).fields
            keyword = "if"
            for size in [body, *reversed(self.facts.struct(name).short_strides)]:
                known = len([f for f in fields if f.offset is not None and f.offset < size])
                with code.block(f"{keyword} {stride} == {size} and depth_left >= {ctx.depth + 1 + height}:"):
                    self.struct_comprehension(name, flats[:known], size, target, count, start, ctx)
                keyword = "elif"
            with code.block("else:"):
                self.struct_loop(name, target, count, stride, start, ctx)
        code(f"offset = {start} + {count} * {stride}")
        return target

    def struct_comprehension(self, name: str, flats: list[Flat], size: int, target: str, count: str, start: str,
                             ctx: Ctx) -> None:
        """``iter_unpack`` over elements of ``size`` bytes; an element failing a check goes to the exact decoder.

        The comprehension's variables are the element's field names, in a scope of their own."""
        code, cls = self.code, self.facts.classes[name]
        body = self.facts.body_size(name)
        fmt = "<" + "".join(f.fmt for f in flats)
        layout = self.facts.table(name, "layout")
        const = layout if size == body else self.consts.add(f"{layout}_{size}", fmt)
        rows = self.local(f"{ctx.name}_rows" if size == body else f"{ctx.name}_rows_{size}")
        code(f"{rows} = {const}.iter_unpack(blob[{start} : {start} + {count} * {size}])")
        names, exprs, conditions, _ = self.run_target(flats, self.field_names(name), self.locals.scope())
        if not conditions and exprs == names:
            code(f"{target} = list(itertools.starmap({cls}, {rows}))")
            return
        with code.block(f"{target} = ["):
            wrapped(code, f"{cls}(", exprs, ")")
            if conditions:
                if fits(code, f"if not ({' or '.join(conditions)})"):
                    code(f"if not ({' or '.join(conditions)})")
                else:
                    with code.block("if not ("):
                        code(conditions[0], *(f"or {c}" for c in conditions[1:]))
                    code(")")
                path, depth = path_expr(ctx.path), budget(ctx.depth + 1)
                exact = self.facts.struct_functions(name).decode_exact
                code(f"else _rt.exact({exact}, blob, {start}, {count}, {size}, {depth}, region_limit, {path})")
            if len(names) > 1 and not fits(code, f"for {', '.join(names)} in {rows}"):
                wrapped(code, "for (", names, f") in {rows}")
            else:
                code(f"for {', '.join(names)} in {rows}")
        code("]")

    def struct_loop(self, name: str, target: str, count: str, stride: str, start: str, ctx: Ctx) -> None:
        code, index, at = self.code, self.local("index"), self.local("element_start")
        code(f"{target} = []")
        with code.block(f"for {index} in range({count}):"):
            code(f"{at} = {start} + {index} * {stride}")
            with code.block("try:"):
                code(f"{target}.append({self.facts.struct_functions(name).decode}(blob, {at}, {at} + {stride}, "
                     f"{budget(ctx.depth + 1)}, region_limit))")
            self.prefix_failure(path_expr([*ctx.path, f"[{{{index}}}]"]))

    def flat_elements(self, flat: Flat, count: str, start: str, ctx: Ctx) -> str:
        code, path, leaf = self.code, path_expr(ctx.path), flat.leaf
        for level in range(1, len(flat.dims) + 1):
            with code.block(f"if {count} and depth_left < {ctx.depth + 1 + level}:"):
                code(f"raise _rt.too_deep({start}, {path_expr([*ctx.path, '[0]' * (level + 1)])})")
        total = f"{count} * {flat.count}" if flat.count != 1 else count
        raw = self.local(f"{ctx.name}_items")
        is_list = leaf.fmt == "B" and leaf.kind != "bytes"
        if is_list:
            code(f"{raw} = blob[{start} : {start} + {total}].tolist()")
        else:
            code(f"{raw} = _rt.unpack({leaf.fmt!r}, {total}, blob, {start})")
        dims = f"({count}, {', '.join(map(str, flat.dims))})" if flat.dims else f"({count},)"
        self.array_checks(leaf, raw, start, path, dims)
        target = self.typed(ctx.name, self.values.rows(leaf, raw, "0", (count, *flat.dims), is_list, whole=True), raw)
        code(f"offset = {start} + {count} * {flat.size}")
        return target

    def variable_elements(self, element: ir.TypeExpr, bounds: Bounds, count: str, ctx: Ctx) -> str:
        code, target, index = self.code, self.local(ctx.name), self.local("index")
        code(f"{target} = []")
        with code.block(f"for {index} in range({count}):"):
            item_ctx = Ctx(f"{ctx.name}_item", [*ctx.path, f"[{{{index}}}]"], ctx.depth + 1, False)
            item = self.value(element, bounds, item_ctx)
            code(f"{target}.append({item})")
        return target


def budget(depth: int) -> str:
    return f"depth_left - {depth}" if depth else "depth_left"
