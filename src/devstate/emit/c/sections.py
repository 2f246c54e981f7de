"""Per-section decode and encode functions and the parts of the public entry points."""

from __future__ import annotations

import re

from devstate import ir
from devstate.emit.c.code import (
    FieldPath,
    Lines,
    Slot,
    block,
    indent,
    is_struct_ref,
    section_label,
)
from devstate.emit.c.decode import Decoder, decode_locals
from devstate.emit.c.defaults import Defaults
from devstate.emit.c.encode import Encoder, Sizes, encode_locals
from devstate.emit.c.names import CNames
from devstate.emit.depth import Depth
from devstate.emit.sections import AnySection, is_vendor, opaque_max, section_path
from devstate.limits import MAX_COUNT
from devstate.state import type_default
from devstate.wire.errors import ErrorCode
from devstate.wire.sections import FLAG_OPTIONAL, FLAG_VENDOR, vendor_header

# --- sections and the public functions -------------------------------------------------------------


def vendor_bytes(section: ir.VendorSection) -> str:
    return ", ".join(f"0x{byte:02x}" for byte in vendor_header(section.vendor))


class Sections:
    """Per-section decode and encode functions and the public entry points."""

    def __init__(self, names: CNames) -> None:
        self.names = names
        self.schema = names.schema
        self.decode = Decoder(names)
        self.encode = Encoder(names)
        self.size = Sizes(names)
        self.sections = names.sections_in_order()
        self.vendor = names.vendor_in_order()
        self.required: list[AnySection] = [s for s in self._all() if not s.optional]

    @property
    def state(self) -> str:
        return f"struct {self.names.prefix}"

    def _all(self) -> list[AnySection]:
        return [*self.sections, *self.vendor]

    def _fn(self, role: str, section: AnySection) -> str:
        return self.names.section_fn(role, section)

    # decoding

    def decode_function(self, section: AnySection) -> Lines:
        path = FieldPath(section_path(section))
        member = f"state->{self.names.section(section)}"
        optional = 1 if section.optional else 0
        body = [f"if (dsf1_check_optional(frame, {optional}, \"{path.template}\", err) != 0) return err->code;",
                f"if (ctx->max_depth < 1) {path.fail(ErrorCode.NESTING_TOO_DEEP, 'frame->payload')}"]
        body += self._payload(section, member, path)
        if section.optional:
            body.append(f"state->{self.names.present(section)} = true;")
        body.append("return DEVSTATE_OK;")
        signature = (f"static int {self._fn('dec', section)}(const struct dsf1_context *ctx, "
                     "const struct dsf1_frame *frame, "
                     f"{self.state} *state, struct devstate_error *err)")
        return [f"/* {section_label(section)} */", signature, "{", *indent(decode_locals(body) + body), "}", ""]

    def _payload(self, section: AnySection, member: str, path: FieldPath) -> Lines:
        expr = section.type
        if expr is None:
            maximum = opaque_max(section)
            over = [] if maximum >= MAX_COUNT else [
                f"if (frame->end - frame->payload > {maximum}u) "
                f"{path.fail(ErrorCode.LENGTH_OVER_MAX, 'frame->payload')}"]
            return [*over, f"if (frame->end - frame->payload > ctx->max_region) "
                    f"{path.fail(ErrorCode.LIMIT_EXCEEDED, 'frame->payload')}",
                    f"{member}.data = ctx->blob + frame->payload;", f"{member}.len = frame->end - frame->payload;"]
        if is_struct_ref(expr):
            return [f"rc = {self.names.fn('dec', expr.name)}(ctx, frame->payload, frame->end, 1, &{member}, err);",
                    f"if (rc != 0) {path.prepend()}"]
        slot = Slot(member, path, Depth(None, 1))
        value = self.decode.visit(expr, slot)
        trailing = f"if (at != end) {path.fail(ErrorCode.SECTION_TRAILING_DATA, 'at')}"
        return ["{", "    size_t at = frame->payload, end = frame->end;", *indent([*value, trailing]), "}"]

    def dispatch(self) -> Lines:
        """The body of the section loop: a known section's decoder or the unknown rule."""
        keep = "dsf1_keep_unknown(buf, &frame, out->unknown, &out->unknown_count, unknown_limit, err)"
        standard = [f"case {s.id}: rc = {self._fn('dec', s)}(&ctx, &frame, out, err);{self._mark(s)} break;"
                    for s in self.sections]
        lines = block("if (frame.vendor == NULL)", block("switch (frame.id)", [*standard, f"default: rc = {keep};"]))
        vendor: Lines = []
        for index, section in enumerate(self.vendor):
            test = f"frame.id == {section.id} && memcmp(frame.vendor, vendor_{index}, DEVSTATE_VENDOR_HEADER_SIZE) == 0"
            call = f"rc = {self._fn('dec', section)}(&ctx, &frame, out, err);{self._mark(section)}"
            vendor.append(f"{'else ' if index else ''}if ({test}) {{ {call} }}")
        vendor.append(f"else rc = {keep};" if self.vendor else f"rc = {keep};")
        return [*lines[:-1], "} else {", *indent(vendor), "}"]

    def _mark(self, section: AnySection) -> str:
        if section.optional:
            return ""
        return f" seen[{self.required.index(section)}] = true;"

    def missing(self) -> Lines:
        lines = []
        for index, section in enumerate(self.required):
            path = FieldPath(section_path(section))
            lines.append(f"if (!seen[{index}]) {path.fail(ErrorCode.MISSING_SECTION, 'trailer')}")
        return lines

    # encoding

    def encode_function(self, section: AnySection) -> Lines:
        path = FieldPath(section_path(section))
        rv = f"state->{self.names.section(section)}"
        expr = section.type
        if expr is None:
            maximum = opaque_max(section)
            body = [*self.encode._view_checks(rv, path)]
            if maximum < MAX_COUNT:
                body.append(f"if ((uint64_t){rv}.len > {maximum}u) {path.fail(ErrorCode.LENGTH_OVER_MAX, '0')}")
            body += [f"dsf1_put(blob + at, {rv}.data, {rv}.len);", f"at += {rv}.len;"]
        elif is_struct_ref(expr):
            body = [f"rc = {self.names.fn('enc', expr.name)}(&{rv}, blob, &at, err);", f"if (rc != 0) {path.prepend()}"]
        else:
            body = self.encode.visit(expr, rv, path, (None, None))
        head = encode_locals(body)
        signature = (f"static int {self._fn('enc', section)}(const {self.state} *state, uint8_t *blob, size_t *cursor, "
                     "struct devstate_error *err)")
        return [f"/* {section_label(section)}: the payload */", signature, "{",
                *indent([*head, "size_t at = *cursor;", *body, "*cursor = at;", "return DEVSTATE_OK;"]), "}", ""]

    def payload_size(self, section: AnySection) -> Lines:
        rv = f"state->{self.names.section(section)}"
        expr = section.type
        if expr is None:
            return [f"total += dsf1_min({rv}.len, {opaque_max(section)}u);"]
        if is_struct_ref(expr):
            return [f"total += {self.size.body(expr.name, '&' + rv)};"]
        return self.size.add(expr, rv, 0)


def size_body(names: CNames, sections: Sections) -> Lines:
    """``<p>_encoded_size``: header and trailer, each present section, the unknown entries."""
    body = [f"size_t total = 25 + {len(names.schema.model)} + 4; /* header, model id, trailer */"]
    for section in sections._all():
        header = 8 + (18 if is_vendor(section) else 0)
        payload = sections.payload_size(section)
        constant = re.fullmatch(r"n \+= (\d+);", payload[0]) if len(payload) == 1 else None
        if constant:
            inner = [f"total += {header} + {constant.group(1)}; /* {section_label(section)} */"]
        else:
            inner = [f"total += {header}; /* {section_label(section)} */", *payload]
        body += block(f"if (state->{names.present(section)})", inner) if section.optional else inner
    loop = ["const struct devstate_unknown_section *unknown = &state->unknown[index];",
            "total += 8 + ((unknown->flags & DEVSTATE_SECTION_VENDOR) ? DEVSTATE_VENDOR_HEADER_SIZE : 0) + "
            "unknown->payload.len;"]
    count = f"dsf1_min(state->unknown_count, {names.macro('MAX_UNKNOWN')})"
    body += block(f"for (size_t index = 0; index < {count}; index++)", loop)
    return [*body, "return total;"]


def known_items(names: CNames, sections: Sections) -> Lines:
    """One ``dsf1_add_item`` per known section (when present): order key, flags, which."""
    items: Lines = []
    for index, section in enumerate(sections._all()):
        vendor = f"vendor_{sections.vendor.index(section)}" if is_vendor(section) else "NULL"
        flags = (FLAG_OPTIONAL if section.optional else 0) | (FLAG_VENDOR if vendor != "NULL" else 0)
        add = f"dsf1_add_item(items, &item_count, {vendor}, {section.id}, {flags}, {index});"
        items.append(f"if (state->{names.present(section)}) {add}" if section.optional else add)
    return items


def write_section(sections: Sections) -> Lines:
    """The body of the write loop: section header, vendor header, payload, length."""
    writes = [f"case {i}: rc = {sections._fn('enc', s)}(state, blob, &at, err); break;"
              for i, s in enumerate(sections._all())]
    writes += ["default: /* an unknown entry, written back unchanged */",
               "    unknown = &state->unknown[-1 - items[position].which];",
               "    dsf1_put(blob + at, unknown->payload.data, unknown->payload.len);",
               "    at += unknown->payload.len;", "    rc = DEVSTATE_OK;"]
    return [
        "const struct devstate_unknown_section *unknown;", "size_t start = at;",
        "dsf1_store16(blob + at, items[position].id);", "dsf1_store16(blob + at + 2, items[position].flags);",
        "at += 8;",
        *block("if (items[position].vendor != NULL)",
                ["memcpy(blob + at, items[position].vendor, DEVSTATE_VENDOR_HEADER_SIZE);",
                 "at += DEVSTATE_VENDOR_HEADER_SIZE;"]),
        *block("switch (items[position].which)", writes),
        "if (rc != 0) return rc;",
        "if (dsf1_over_u32(at - start - 8))",
        "    return dsf1_fail(err, DEVSTATE_E_LIMIT_EXCEEDED, 0, paths[items[position].which]);",
        "dsf1_store32(blob + start + 4, (uint32_t)(at - start - 8));",
    ]


def vendor_tables(sections: Sections) -> Lines:
    return [f"static const uint8_t vendor_{i}[DEVSTATE_VENDOR_HEADER_SIZE] = {{{vendor_bytes(v)}}}; /* {v.vendor} */"
            for i, v in enumerate(sections.vendor)]


def unknown_item(sections: Sections) -> Lines:
    """Checks of one unknown entry (errors deferred until the known sections are written)."""
    tests = []
    for s in sections._all():
        if is_vendor(s):
            index = sections.vendor.index(s)
            tests.append(f"((unknown->flags & DEVSTATE_SECTION_VENDOR) && unknown->id == {s.id} && "
                         f"memcmp(unknown->vendor, vendor_{index}, DEVSTATE_VENDOR_HEADER_SIZE) == 0)")
        else:
            tests.append(f"(!(unknown->flags & DEVSTATE_SECTION_VENDOR) && unknown->id == {s.id})")
    known = [f"    {test} ||" for test in tests] or ["    0 ||"]
    known[-1] = known[-1][: -len(" ||")] + "))"
    return [
        "const struct devstate_unknown_section *unknown = &state->unknown[index];",
        "struct devstate_error probe;",
        "int bad = dsf1_check_unknown(unknown, index, &probe);",
        "if (bad == 0 && ( /* the schema knows this section */",
        *known,
        '    bad = dsf1_fail(&probe, DEVSTATE_E_INVALID_STATE, 0, "$.unknown_sections[%]", index);',
        "if (bad != 0 && deferred.code == DEVSTATE_OK) deferred = probe;",
        "if (bad != 0) continue;",
        "dsf1_add_item(items, &item_count, (unknown->flags & DEVSTATE_SECTION_VENDOR) ? unknown->vendor : NULL,",
        "              unknown->id, unknown->flags, -1 - (int)index);",
    ]


def init_body(names: CNames, defaults: Defaults) -> Lines:
    """``<p>_init``: zero everything, then the defaults that are not zero bits."""
    body = ["memset(state, 0, sizeof *state);"]
    schema = names.schema
    for section in names.sections_in_order():
        if not section.optional:
            value = type_default(schema, section.type)
            body += defaults.assign(section.type, f"state->{names.section(section)}", value, zeroed=True)
    for vendor in names.vendor_in_order():
        if not vendor.optional and vendor.type is not None:
            value = type_default(schema, vendor.type)
            body += defaults.assign(vendor.type, f"state->{names.section(vendor)}", value, zeroed=True)
    return body
