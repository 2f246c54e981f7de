"""The state of a model version and its sections: decode loop, encode, size and JSON.

Section values decode with paths relative to the section (``""``) and the section's
path (``$.sections.main``) is put before them on the way out (``section_error``); known
sections encode through the runtime's ``write_sections``, which writes them and the
unknown ones a state carries in canonical order.
"""

from __future__ import annotations

import re
import uuid

from devstate import ir
from devstate.emit import NameTable
from devstate.emit.depth import Depth
from devstate.emit.sections import AnySection, is_vendor, opaque_max, section_path
from devstate.limits import MAX_COUNT
from devstate.visit import Visitor

from .decode import Decoder, Lines, Slot, block, indent
from .encode import Encoder, JsonWriter, Place, Sizer
from .literals import Literals
from .names import RustNames, field_ident, is_struct_ref
from .paths import Path


def vendor_expr(vendor: ir.VendorNamespace) -> str:
    """The runtime's ``Vendor`` of a namespace."""
    if vendor.pci is not None:
        return f"Vendor::Pci(0x{vendor.pci:04x})"
    assert vendor.uuid is not None
    raw = uuid.UUID(vendor.uuid).bytes
    return "Vendor::Uuid([" + ", ".join(f"0x{b:02x}" for b in raw) + "])"


class Sections:
    def __init__(self, names: RustNames) -> None:
        self.names = names
        self.schema = names.schema
        self.decoder = Decoder(names)
        self.encoder = Encoder(names)
        self.sizer = Sizer(names)
        self.json = JsonWriter(names)
        self.literals = Literals(names)
        self.borrowed = BorrowedTypes(names)

    def value_type(self, section: AnySection, lifetime: str = "'a") -> str:
        if section.type is None:
            return f"Cow<{lifetime}, [u8]>"
        return self.names.rust_type(section.type, lifetime)

    def borrows(self, section: AnySection) -> bool:
        return section.type is None or self.names.expr_borrows(section.type)

    def member_type(self, section: AnySection) -> str:
        value = self.value_type(section)
        return f"Option<{value}>" if section.optional else value

    def vendor_const(self, section: ir.VendorSection) -> str:
        return f"VENDOR_{section.name.upper()}"

    # the state

    def state_members(self) -> Lines:
        lines: Lines = []
        for section in self.names.all_sections():
            what = "vendor section" if is_vendor(section) else "section"
            optional = ", optional" if section.optional else ""
            label = "opaque" if section.type is None else ir.type_label(section.type)
            lines += [f"/// {what} {section.id} `{section.name}`: {label}{optional}.",
                      f"pub {self.names.section(section)}: {self.member_type(section)},"]
        return [*lines, "/// Optional sections this version does not know, kept to be written back unchanged.",
                "pub unknown_sections: Vec<UnknownSection<'a>>,"]

    def state_default(self) -> Lines:
        values = []
        for section in self.names.all_sections():
            if section.optional:
                value = "None"
            elif section.type is None:
                value = "Cow::Borrowed(&[])"
            else:
                value = self.literals.default(section.type)
            values.append(f"{self.names.section(section)}: {value},")
        return [*values, "unknown_sections: Vec::new(),"]

    # decoding

    def vendor_consts(self) -> Lines:
        return [f"const {self.vendor_const(v)}: [u8; VENDOR_HEADER_SIZE] = {vendor_expr(v.vendor)}.header();"
                for v in self.names.vendor]

    def read_functions(self, section: AnySection) -> Lines:
        """``read_<name>``: the section's flags, depth and value (a ``DecodeError`` with its path)."""
        read_fn, value_fn = self.names.section_fn("read", section), self.names.section_fn("value", section)
        path = section_path(section)
        borrows = self.borrows(section)
        generics, ctx = (("<'a>", "ctx: &Ctx<'a>, frame: &Frame<'a>") if borrows else
                         ("", "ctx: &Ctx<'_>, frame: &Frame<'_>"))
        value_type = self.value_type(section) if borrows else self.value_type(section, "'_")
        optional = "true" if section.optional else "false"
        read = [f'frame.expect_optional({optional}, "{path}")?;',
                f'{value_fn}(ctx, frame).map_err(|fail| section_error(fail, "{path}"))']
        body = ["if ctx.max_depth < 1 {", '    return Err(Fail::new(ErrorCode::NestingTooDeep, frame.payload, ""));',
                "}",
                *self._payload(section)]
        label = "opaque" if section.type is None else ir.type_label(section.type)
        return [f"/// {section_path(section)}: {label}.",
                *block(f"fn {read_fn}{generics}({ctx}) -> Result<{value_type}, DecodeError>", read), "",
                *block(f"fn {value_fn}{generics}({ctx}) -> Result<{value_type}, Fail>", body), ""]

    def _payload(self, section: AnySection) -> Lines:
        expr = section.type
        if expr is None:
            maximum = opaque_max(section)
            bound = "u64::MAX" if maximum >= MAX_COUNT else str(maximum)
            return [f'ctx.opaque(frame.payload, frame.end, {bound}, "").map(Cow::Borrowed)']
        if is_struct_ref(expr):
            return [f"{self.names.fn('dec', expr.name)}(ctx, frame.payload, frame.end, 1)"]
        slot = Slot(Path(), Depth(None, 1))
        value = self.decoder.value(expr, slot)
        text = "\n".join(value)
        prologue = ["let blob = ctx.buf;"] if "blob[" in text or "(blob, " in text else []
        return [*prologue, "let mut at = frame.payload;", "let end = frame.end;", *value,
                "if at != end {", f"    {Path().fail('SectionTrailingData', 'at')}", "}", f"Ok({slot.var})"]

    def decode_function(self) -> Lines:
        sections = self.names.all_sections()
        local = self._section_locals()
        read = {id(s): f"{self.names.section_fn('read', s)}(&ctx, &frame)?" for s in sections}
        declare = [f"let mut {local[id(s)]} = None;" for s in sections]
        keep = "unknown_sections.push(frame.unknown(blob, unknown_sections.len(), limits)?)"
        standard = [f"{s.id} => {{ {local[id(s)]} = Some({read[id(s)]}) }}" for s in self.names.sections]
        vendor: Lines = []
        for index, s in enumerate(self.names.vendor):
            test = f"frame.id == {s.id} && vendor == {self.vendor_const(s)}"
            vendor += [f"{'} else ' if index else ''}if {test} {{", f"    {local[id(s)]} = Some({read[id(s)]});"]
        vendor_arm = [*vendor, "} else {", f"    {keep};", "}"] if vendor else [f"{keep};"]
        dispatch = block("match frame.vendor", [
            *block("None => match frame.id", [*standard, f"_ => {keep},"], "},"),
            *block("Some(vendor) =>" if vendor else "Some(_) =>", vendor_arm)])
        loop = block("for frame in frames(blob, &envelope, limits)", ["let frame = frame?;", *dispatch])
        required: Lines = []
        for needed in self.names.required():
            name = local[id(needed)]
            required += [f"let {name} = match {name} {{", "    Some(value) => value,",
                         f'    None => return Err(missing_section(&envelope, "{section_path(needed)}")),', "};"]
        members = [self.names.section(s) if local[id(s)] == self.names.section(s) else
                   f"{self.names.section(s)}: {local[id(s)]}" for s in sections]
        construct = f"Ok(State {{ {', '.join([*members, 'unknown_sections'])} }})"
        body = ["let envelope = read_envelope(blob, limits, MODEL, VERSION_MAJOR)?;",
                "let ctx = Ctx::new(blob, limits);", *declare, "let mut unknown_sections = Vec::new();", *loop,
                *required, construct]
        signature = "fn decode_state<'a>(blob: &'a [u8], limits: &Limits) -> Result<State<'a>, DecodeError>"
        return ["/// The blob's envelope, each section in order, then the required ones that are absent.",
                *block(signature, body), ""]

    def _section_locals(self) -> dict[int, str]:
        """``decode_state``'s local of each section: its member name, unless that is one of the function's
        own locals or a function it calls (a section ``frame`` decodes into ``frame2``)."""
        sections = self.names.all_sections()
        table = NameTable({"blob", "limits", "envelope", "ctx", "frame", "vendor", "unknown_sections", "frames",
                           "read_envelope", "missing_section",
                           *(self.names.section_fn("read", s) for s in sections)})
        return {id(s): field_ident(table.claim(self.names.members[id(s)])) for s in sections}

    # encoding

    def known_sections(self) -> Lines:
        items = []
        for s in self.names.all_sections():
            optional = "true" if s.optional else "false"
            if is_vendor(s):
                items.append(f'KnownSection::vendor({vendor_expr(s.vendor)}, {s.id}, {optional}, "{section_path(s)}"),')
            else:
                items.append(f'KnownSection::standard({s.id}, {optional}, "{section_path(s)}"),')
        count = len(items)
        return [f"const KNOWN: [KnownSection; {count}] = [", *indent(items), "];"]

    def write_functions(self, section: AnySection) -> Lines:
        expr = section.type
        value_type = "[u8]" if expr is None else self.borrowed.visit(expr)
        place = Place("*value", "value")
        if expr is None:
            maximum = opaque_max(section)
            body = []
            if maximum < MAX_COUNT:
                body += [f"if value.len() > {maximum} {{", f"    {Path().fail('LengthOverMax', '0')}", "}"]
            body += ["writer.put(value);", "Ok(())"]
        elif is_struct_ref(expr):
            body = [f"{self.names.fn('enc', expr.name)}(value, writer)"]
        else:
            body = [*self.encoder.value(expr, place, Path(), (None, None)), "Ok(())"]
        signature = (f"fn {self.names.section_fn('write', section)}(value: &{value_type}, writer: &mut Writer<'_>) -> "
                     "Result<(), Fail>")
        return [*block(signature, body), ""]

    def encode_function(self) -> Lines:
        sections = self.names.all_sections()
        present = ", ".join(f"state.{self.names.section(x)}.is_some()" if x.optional else "true" for x in sections)
        arms = []
        for index, x in enumerate(sections):
            ident, write = self.names.section(x), self.names.section_fn("write", x)
            if x.optional:
                arms.append(f"{index} => state.{ident}.as_ref().map_or(Ok(()), |value| {write}(value, writer)),")
            else:
                arms.append(f"{index} => {write}(&state.{ident}, writer),")
        head = "write_sections(&mut writer, &KNOWN, &present, &state.unknown_sections, "
        call = [f"{head}|index, writer| match index {{", *indent([*arms, "_ => Ok(()),"]), "})?;"] if arms else \
            [f"{head}|_, _| Ok(()))?;"]
        body = [
            "if out.len() < state.encoded_len() {", '    return Err(encode_error(ErrorCode::LimitExceeded, "$"));', "}",
            "let mut writer = Writer::new(out);", "writer.header(MODEL, VERSION_MAJOR, VERSION_MINOR);",
            f"let present: [bool; {len(sections)}] = [{present}];", *call, "writer.seal()",
        ]
        signature = "fn encode_state(state: &State<'_>, out: &mut [u8]) -> Result<usize, EncodeError>"
        return ["/// The canonical blob of a state: header, sections in canonical order, trailer.",
                *block(signature, body), ""]

    def payload_size(self, section: AnySection, place: Place) -> str:
        expr = section.type
        if expr is None:
            return f"{place.ref}.len()"
        if is_struct_ref(expr):
            return self.sizer.body(expr.name, place)
        return self.sizer.size(expr, place)

    def size_function(self) -> Lines:
        body = ["let mut size = unknown_size(&self.unknown_sections);"]
        for s in self.names.all_sections():
            vendor = "true" if is_vendor(s) else "false"
            ident = self.names.section(s)
            if s.optional:
                size = self.payload_size(s, Place("*value", "value"))
                body += block(f"if let Some(value) = &self.{ident}" if re.search(r"\bvalue\b", size) else
                              f"if self.{ident}.is_some()", [f"size += section_overhead({vendor}) + {size};"])
            else:
                size = self.payload_size(s, Place.member("self", ident))
                body.append(f"size += section_overhead({vendor}) + {size};")
        return [*body, "blob_size(MODEL, size)"]

    def json_function(self) -> Lines:
        body = ["json_state_start(out, MODEL, VERSION_MAJOR, VERSION_MINOR);"]
        for group in (self.names.sections, self.names.vendor):
            if group is self.names.vendor:
                body.append("json_state_vendor(out);")
            if group:
                body.append("let mut first = true;")
            for s in group:
                ident = self.names.section(s)
                value = self._json_value(s, Place("*value", "value") if s.optional else Place.member("self", ident))
                member = [f'json_key(out, &mut first, "{s.name}");', *value]
                body += block(f"if let Some(value) = &self.{ident}", member) if s.optional else member
        body.append("json_state_end(out, &self.unknown_sections);")
        return body

    def _json_value(self, section: AnySection, place: Place) -> Lines:
        if section.type is None:
            return [f"json_hex({place.borrow}, out);"]
        return self.json.value(section.type, place)


class BorrowedTypes(Visitor[str]):
    """What a section's writer takes a reference to: a slice for bytes, strings and counted arrays
    (rather than a ``Cow`` or ``Vec``), else the value's own type."""

    def __init__(self, names: RustNames) -> None:
        self.names = names

    def visit_bytes(self, expr: ir.BytesType) -> str:
        return "[u8]"

    def visit_string(self, expr: ir.StringType) -> str:
        return "str"

    def visit_array(self, expr: ir.ArrayType) -> str:
        if expr.max is not None:
            return "[" + self.names.rust_type(expr.element, "'_") + "]"
        return self.names.rust_type(expr, "'_")

    def visit_scalar(self, expr: ir.ScalarType | ir.NamedRef) -> str:
        return self.names.rust_type(expr, "'_")

    visit_ref = visit_scalar
