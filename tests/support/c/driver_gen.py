"""Generate the C test driver of one schema: decode blobs, print the state as devstate JSON.

The driver (``driver.c``, compiled with the generated codec) speaks a binary request /
JSON-line response protocol on stdin/stdout so one process serves a whole test session:

    request:  u32 blob length, u64 max_total_size, u64 max_region_size, u32 max_depth,
              u64 max_sections, u64 max_unknown_sections, blob
    response: {"ok": true, "state": {...}, "encoded": "<hex>"}   (state as devstate JSON,
              encoded = the driver's re-encoding of the decoded state)
              {"ok": false, "code": N, "name": "...", "offset": N, "path": "..."}

With file arguments instead, it decodes each file with the default limits and prints one
response line per file (handy by hand: ``./driver blob.dsf | python -m json.tool``).
"""

from __future__ import annotations

from devstate import ir
from devstate.emit.c import CNames

SCALAR_FORMAT = {
    "u8": ("%llu", "unsigned long long"), "u16": ("%llu", "unsigned long long"),
    "u32": ("%llu", "unsigned long long"), "u64": ("%llu", "unsigned long long"),
    "i8": ("%lld", "long long"), "i16": ("%lld", "long long"), "i32": ("%lld", "long long"),
    "i64": ("%lld", "long long"),
}


class _Printer:
    """C statements printing a value of each IR kind as devstate state JSON."""

    def __init__(self, names: CNames) -> None:
        self.names = names
        self.schema = names.schema

    def value(self, expr: ir.TypeExpr, rv: str, level: int) -> list[str]:
        if isinstance(expr, ir.ScalarType):
            if expr.name == "bool":
                return [f'fputs({rv} ? "true" : "false", stdout);']
            fmt, cast = SCALAR_FORMAT[expr.name]
            return [f'printf("{fmt}", ({cast}){rv});']
        if isinstance(expr, ir.NamedRef):
            return [f"j_{self.names.type_ids[expr.name]}(&{rv});"]
        if isinstance(expr, ir.BytesType):
            return [f"j_hex({rv}.data, {rv}.len);"]
        if isinstance(expr, ir.StringType):
            return [f"j_str({rv}.data, {rv}.len);"]
        items = f"{rv}.items" if expr.max is not None else rv
        count = f"{rv}.count" if expr.max is not None else str(expr.length)
        index = f"i{level}"
        body = [f'if ({index}) putchar(\',\');', *self.value(expr.element, f"{items}[{index}]", level + 1)]
        return ["putchar('[');", f"for (size_t {index} = 0; {index} < {count}; {index}++) {{",
                *[f"    {line}" for line in body], "}", "putchar(']');"]

    def type_function(self, type_name: str) -> list[str]:
        named = self.schema.types[type_name]
        ident = self.names.type_ids[type_name]
        if isinstance(named, ir.StructType):
            ctype = f"struct {self.names.struct(type_name)}"
            body = ["putchar('{');"]
            for index, fld in enumerate(named.fields):
                sep = "," if index else ""
                body.append(f'fputs("{sep}\\"{fld.name}\\":", stdout);')
                body += self.value(fld.type, f"v->{self.names.field(named, fld)}", 0)
            body.append("putchar('}');")
        elif isinstance(named, ir.EnumType):
            ctype = CTYPES[named.base.name]
            fmt, cast = SCALAR_FORMAT[named.base.name]
            body = [f"const char *name = {self.names.enum_name_function(type_name)}(*v);",
                    f'if (name != NULL) printf("\\"%s\\"", name); else printf("{fmt}", ({cast})*v);']
        else:
            assert isinstance(named, ir.FlagsType)
            ctype = CTYPES[named.base.name]
            body = ["int first = 1;", "putchar('[');"]
            for bit in sorted(named.bits, key=lambda b: b.bit):
                body.append(f'if ((uint64_t)*v >> {bit.bit} & 1) {{ printf("%s\\"{bit.name}\\"", '
                            'first ? "" : ","); first = 0; }')
            body.append("putchar(']');")
        return [f"static void j_{ident}(const {ctype} *v)", "{", *[f"    {line}" for line in body], "}", ""]


CTYPES = {"u8": "uint8_t", "u16": "uint16_t", "u32": "uint32_t", "u64": "uint64_t",
          "i8": "int8_t", "i16": "int16_t", "i32": "int32_t", "i64": "int64_t"}

RUNTIME = r"""
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void j_hex(const uint8_t *p, size_t n)
{
    putchar('"');
    for (size_t i = 0; i < n; i++) printf("%02x", p[i]);
    putchar('"');
}

static void j_str(const char *s, size_t n)
{
    putchar('"');
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\') printf("\\%c", c);
        else if (c < 0x20) printf("\\u%04x", c);
        else putchar(c);
    }
    putchar('"');
}

static void j_vendor(const uint8_t *v)
{
    if (v[0] == 1) {
        printf("\"pci:0x%04x\"", (unsigned)(v[2] | v[3] << 8));
        return;
    }
    printf("\"uuid:");
    for (int i = 0; i < 16; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10) putchar('-');
        printf("%02x", v[2 + i]);
    }
    putchar('"');
}

static void j_error(const char *key, const struct devstate_error *e)
{
    printf("\"%s\":{\"code\":%d,\"name\":\"%s\",\"offset\":%llu,\"path\":", key, e->code,
           devstate_error_name(e->code), (unsigned long long)e->offset);
    j_str(e->path, strlen(e->path));
    putchar('}');
}

static uint64_t le(const uint8_t *p, int n)
{
    uint64_t v = 0;
    for (int i = n - 1; i >= 0; i--) v = v << 8 | p[i];
    return v;
}
"""

MAIN = r"""
static @STATE@ state;

static void respond(const uint8_t *blob, size_t len, const struct devstate_limits *limits)
{
    struct devstate_error err;
    int rc = @DECODE@(blob, len, limits, &state, &err);
    if (rc != DEVSTATE_OK) {
        printf("{\"ok\":false,\"code\":%d,\"name\":\"%s\",\"offset\":%llu,\"path\":", err.code,
               devstate_error_name(err.code), (unsigned long long)err.offset);
        j_str(err.path, strlen(err.path));
        puts("}");
        return;
    }
    fputs("{\"ok\":true,\"state\":", stdout);
    j_state(&state);
    {
        size_t need = @ENCODED_SIZE@(&state), written = 0;
        uint8_t *out = malloc(need ? need : 1);
        rc = @ENCODE@(&state, out, need, &written, &err);
        if (rc != DEVSTATE_OK) {
            putchar(',');
            j_error("encode_error", &err);
        } else {
            fputs(",\"encoded\":", stdout);
            j_hex(out, written);
            printf(",\"size_ok\":%s", written == need ? "true" : "false");
        }
        free(out);
    }
    puts("}");
}

static int read_all(FILE *f, void *dst, size_t n)
{
    return fread(dst, 1, n, f) == n;
}

int main(int argc, char **argv)
{
    if (argc > 1) {
        for (int i = 1; i < argc; i++) {
            FILE *f = fopen(argv[i], "rb");
            long n;
            uint8_t *blob;
            if (f == NULL || fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0) return 2;
            rewind(f);
            blob = malloc((size_t)n ? (size_t)n : 1);
            if (!read_all(f, blob, (size_t)n)) return 2;
            fclose(f);
            respond(blob, (size_t)n, NULL);
            free(blob);
        }
        return 0;
    }
    for (;;) {
        uint8_t head[40];
        struct devstate_limits limits;
        size_t len;
        uint8_t *blob;
        if (!read_all(stdin, head, sizeof head)) return 0;
        len = (size_t)le(head, 4);
        limits.max_total_size = le(head + 4, 8);
        limits.max_region_size = le(head + 12, 8);
        limits.max_depth = (uint32_t)le(head + 20, 4);
        limits.max_sections = le(head + 24, 8);
        limits.max_unknown_sections = le(head + 32, 8);
        blob = malloc(len ? len : 1); /* exactly len bytes: ASan catches any read past the end */
        if (!read_all(stdin, blob, len)) return 2;
        respond(len ? blob : NULL, len, &limits);
        free(blob);
        fflush(stdout);
    }
}
"""


def driver_source(schema: ir.Schema) -> str:
    """The driver's C source for ``schema`` (includes the generated header)."""
    names = CNames(schema)
    printer = _Printer(names)
    lines = [f'#include "{names.prefix}.h"', RUNTIME]
    for type_name in names.reachable:
        lines += printer.type_function(type_name)
    lines += _state_function(names, printer)
    main = MAIN.replace("@STATE@", f"struct {names.prefix}").replace("@ENCODED_SIZE@", names.public("encoded_size"))
    main = main.replace("@DECODE@", names.public("decode_with_limits")).replace("@ENCODE@", names.public("encode"))
    return "\n".join([*lines, main])


def _state_function(names: CNames, printer: _Printer) -> list[str]:
    schema = names.schema
    body = [f'fputs("{{\\"model\\":\\"{schema.model}\\",\\"version\\":\\"{schema.version}\\",\\"sections\\":{{", '
            "stdout);", "int first = 1;"]
    for section in names.sections_in_order():
        body += _member(names, printer, section, section.type)
    body += ['fputs("},\\"vendor_sections\\":{", stdout);', "first = 1;"]
    for vendor in names.vendor_in_order():
        expr = vendor.type if vendor.type is not None else ir.BytesType(max=vendor.max, fixed_size=None)
        body += _member(names, printer, vendor, expr)
    body += [
        'fputs("},\\"unknown_sections\\":[", stdout);',
        "for (uint32_t i = 0; i < s->unknown_count; i++) {",
        "    const struct devstate_unknown_section *u = &s->unknown[i];",
        '    printf("%s{\\"id\\":%u,\\"flags\\":%u", i ? "," : "", (unsigned)u->id, (unsigned)u->flags);',
        '    if (u->flags & DEVSTATE_SECTION_VENDOR) { fputs(",\\"vendor\\":", stdout); j_vendor(u->vendor); }',
        '    fputs(",\\"payload\\":", stdout);',
        "    j_hex(u->payload.data, u->payload.len);",
        "    putchar('}');",
        "}",
        'fputs("]}", stdout);',
    ]
    return [f"static void j_state(const struct {names.prefix} *s)", "{", *[f"    {line}" for line in body], "}", ""]


def _member(names: CNames, printer: _Printer, section: ir.Section | ir.VendorSection,
            expr: ir.TypeExpr) -> list[str]:
    member = f"s->{names.section(section)}"
    inner = [f'printf("%s\\"{section.name}\\":", first ? "" : ",");', "first = 0;",
             *printer.value(expr, member, 0)]
    if not section.optional:
        return ["{", *[f"    {line}" for line in inner], "}"]
    return [f"if (s->{names.present(section)}) {{", *[f"    {line}" for line in inner], "}"]
