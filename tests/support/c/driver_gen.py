"""Generate the C test driver of one schema: decode blobs, print the state as devstate JSON;
encode states read as lines.

The driver (``driver.c``, compiled with the generated codec) speaks a binary request /
JSON-line response protocol on stdin/stdout so one process serves a whole test session:

    request:  u32 blob length, u64 max_total_size, u64 max_region_size, u32 max_depth,
              u64 max_sections, u64 max_unknown_sections, blob
    response: {"ok": true, "state": {...}, "encoded": "<hex>"}   (state as devstate JSON,
              encoded = the driver's re-encoding of the decoded state)
              {"ok": false, "code": N, "name": "...", "offset": N, "path": "..."}

With file arguments instead, it decodes each file with the default limits and prints one
response line per file (handy by hand: ``./driver blob.dsf | python -m json.tool``).

``driver --encode`` reads states instead, each as the lines of tests/support/state_lines.py
(``state``, one value a line, ``end``), encodes each with the generated encoder and answers
one line per state:

    {"ok": true, "encoded": "<hex>", "size_ok": true}   (size_ok: encoded_size was exact)
    {"ok": false, "code": N, "name": "...", "offset": 0, "path": "..."}
"""

from __future__ import annotations

from state_lines import sections_in_order

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


class _Reader:
    """C statements reading a value of each IR kind from the state lines (tests/support/state_lines.py)."""

    def __init__(self, names: CNames) -> None:
        self.names = names
        self.schema = names.schema

    def value(self, expr: ir.TypeExpr, lv: str, level: int) -> list[str]:
        if isinstance(expr, ir.ScalarType):
            if expr.name == "bool":
                return [f"{lv} = rd_u() != 0;"]
            return [f"{lv} = ({CTYPES[expr.name]}){'rd_i' if expr.name[0] == 'i' else 'rd_u'}();"]
        if isinstance(expr, ir.NamedRef):
            named = self.schema.types[expr.name]
            if isinstance(named, ir.StructType):
                return [f"r_{self.names.type_ids[expr.name]}(&{lv});"]
            base = named.base.name
            return [f"{lv} = ({CTYPES[base]}){'rd_i' if base[0] == 'i' else 'rd_u'}();"]
        if isinstance(expr, ir.BytesType):
            return [f"{lv}.data = rd_hex(&{lv}.len);"]
        if isinstance(expr, ir.StringType):
            return [f"{lv}.data = (const char *)rd_hex(&{lv}.len);"]
        index = f"i{level}"
        if expr.max is None:
            head, items, bound = [], lv, f"{index} < {expr.length}"
        else:  # the count as given; the storage holds the first max elements (state_lines sends no more)
            head, items = [f"{lv}.count = (uint32_t)rd_u();"], f"{lv}.items"
            bound = f"{index} < {lv}.count && {index} < {expr.max}"
        body = self.value(expr.element, f"{items}[{index}]", level + 1)
        return [*head, f"for (size_t {index} = 0; {bound}; {index}++) {{", *[f"    {line}" for line in body], "}"]

    def type_function(self, type_name: str) -> list[str]:
        named = self.schema.types[type_name]
        if not isinstance(named, ir.StructType):
            return []
        body = [line for fld in named.fields
                for line in self.value(fld.type, f"v->{self.names.field(named, fld)}", 0)]
        return [f"static void r_{self.names.type_ids[type_name]}(struct {self.names.struct(type_name)} *v)", "{",
                *[f"    {line}" for line in body], "}", ""]

    def state_function(self) -> list[str]:
        names = self.names
        body = [f"{names.public('init')}(s);"]
        for section in sections_in_order(self.schema):
            expr = section.type if section.type is not None else ir.BytesType(max=section.max, fixed_size=None)
            read = self.value(expr, f"s->{names.section(section)}", 0)
            if section.optional:
                present = f"s->{names.present(section)}"
                body += [f"{present} = rd_u() != 0;", f"if ({present}) {{", *[f"    {line}" for line in read], "}"]
            else:
                body += read
        capacity = names.fixed_macros["MAX_UNKNOWN"]
        body += [
            "s->unknown_count = (uint32_t)rd_u();",
            "for (uint32_t i = 0; i < s->unknown_count; i++) {",
            f"    struct devstate_unknown_section extra, *u = i < {capacity} ? &s->unknown[i] : &extra;",
            "    size_t n;",
            "    const uint8_t *vendor;",
            "    u->id = (uint16_t)rd_u();",
            "    u->flags = (uint16_t)rd_u();",
            "    vendor = rd_hex(&n);",
            '    if (n != 0 && n != DEVSTATE_VENDOR_HEADER_SIZE) rd_fail("a vendor header", "");',
            "    memcpy(u->vendor, vendor, n);",
            "    u->payload.data = rd_hex(&u->payload.len);",
            "}",
            'rd_word("end");',
        ]
        return [f"static void r_state(struct {names.prefix} *s)", "{", *[f"    {line}" for line in body], "}", ""]


CTYPES = {"u8": "uint8_t", "u16": "uint16_t", "u32": "uint32_t", "u64": "uint64_t",
          "i8": "int8_t", "i16": "int16_t", "i32": "int32_t", "i64": "int64_t"}

RUNTIME = r"""
#include <errno.h>
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

/* -- reading a state as lines (tests/support/state_lines.py); what it allocates is freed after the
 *    state is encoded -- */
static char *line;
static size_t line_cap;
static void **held;
static size_t held_count, held_cap;

static void rd_fail(const char *what, const char *got)
{
    fprintf(stderr, "driver --encode: expected %s, got '%s'\n", what, got);
    exit(2);
}

/* The next line without its newline, or NULL at the end of the input. */
static const char *rd_line(void)
{
    size_t n = 0;
    int c;
    while ((c = getchar()) != EOF && c != '\n') {
        if (n + 1 >= line_cap) {
            line_cap = line_cap ? 2 * line_cap : 64;
            line = realloc(line, line_cap);
            if (line == NULL) exit(3);
        }
        line[n++] = (char)c;
    }
    if (c == EOF && n == 0) return NULL;
    if (line == NULL) return "";
    line[n] = '\0';
    return line;
}

static const char *rd_need(const char *what)
{
    const char *got = rd_line();
    if (got == NULL) rd_fail(what, "(end of input)");
    return got;
}

static void rd_word(const char *word)
{
    const char *got = rd_need(word);
    if (strcmp(got, word) != 0) rd_fail(word, got);
}

static unsigned long long rd_u(void)
{
    const char *got = rd_need("an unsigned integer");
    char *end;
    unsigned long long v;
    errno = 0;
    v = strtoull(got, &end, 10);
    if (got[0] == '\0' || got[0] == '-' || *end != '\0' || errno != 0) rd_fail("an unsigned integer", got);
    return v;
}

static long long rd_i(void)
{
    const char *got = rd_need("an integer");
    char *end;
    long long v;
    errno = 0;
    v = strtoll(got, &end, 10);
    if (got[0] == '\0' || *end != '\0' || errno != 0) rd_fail("an integer", got);
    return v;
}

static int nibble(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
}

/* "x" and hex: the bytes (in a buffer of exactly that size, never NULL) and their count. */
static const uint8_t *rd_hex(size_t *len)
{
    const char *got = rd_need("x and hex");
    size_t digits = strlen(got) - (got[0] == 'x'), n = digits / 2;
    uint8_t *data;
    if (got[0] != 'x' || digits % 2 != 0) rd_fail("x and hex", got);
    if (held_count == held_cap) {
        held_cap = held_cap ? 2 * held_cap : 16;
        held = realloc(held, held_cap * sizeof *held);
        if (held == NULL) exit(3);
    }
    data = malloc(n ? n : 1);
    if (data == NULL) exit(3);
    held[held_count++] = data;
    for (size_t i = 0; i < n; i++) {
        int high = nibble(got[1 + 2 * i]), low = nibble(got[2 + 2 * i]);
        if (high < 0 || low < 0) rd_fail("x and hex", got);
        data[i] = (uint8_t)(high << 4 | low);
    }
    *len = n;
    return data;
}

static void free_held(void)
{
    while (held_count > 0) free(held[--held_count]);
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

/* Encode each state read from stdin; one response line each. */
static int encode_states(void)
{
    const char *first;
    (void)rd_i; /* unused by a model without signed integers */
    while ((first = rd_line()) != NULL) {
        struct devstate_error err;
        size_t need, written = 0;
        uint8_t *out;
        int rc;
        if (strcmp(first, "state") != 0) rd_fail("state", first);
        r_state(&state);
        need = @ENCODED_SIZE@(&state);
        out = malloc(need ? need : 1);
        rc = @ENCODE@(&state, out, need, &written, &err);
        if (rc != DEVSTATE_OK) {
            printf("{\"ok\":false,\"code\":%d,\"name\":\"%s\",\"offset\":%llu,\"path\":", err.code,
                   devstate_error_name(err.code), (unsigned long long)err.offset);
            j_str(err.path, strlen(err.path));
            puts("}");
        } else {
            fputs("{\"ok\":true,\"encoded\":", stdout);
            j_hex(out, written);
            printf(",\"size_ok\":%s}\n", written == need ? "true" : "false");
        }
        free(out);
        free_held();
        fflush(stdout);
    }
    free(held);
    free(line);
    return 0;
}

static int read_all(FILE *f, void *dst, size_t n)
{
    return fread(dst, 1, n, f) == n;
}

int main(int argc, char **argv)
{
    if (argc == 2 && strcmp(argv[1], "--encode") == 0) return encode_states();
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
    printer, reader = _Printer(names), _Reader(names)
    lines = [f'#include "{names.prefix}.h"', RUNTIME]
    for type_name in names.reachable:
        lines += printer.type_function(type_name)
    lines += _state_function(names, printer)
    for type_name in names.reachable:
        lines += reader.type_function(type_name)
    lines += reader.state_function()
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
