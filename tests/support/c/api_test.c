/* API test of a generated C codec (org.devstate.test 1.0), driven by tests/emit/c/test_codegen_c.py.
 *
 *   api_test encode-errors   one line per case: "<case> <code name> <path>" or "<case> OK <blob hex>"
 *   api_test roundtrip       init -> encode -> decode -> encode; buffer sizing; NULL err
 *   api_test crc N...        "N <crc32c hex>" of N bytes of a fixed pseudo-random sequence
 *
 * It is also an example of the generated API: build a state with _init, set members,
 * _encoded_size + _encode into a caller's buffer, _decode into a state.
 */
#include "org_devstate_test_v1_0.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define P(name) org_devstate_test_v1_0_##name
typedef struct org_devstate_test_v1_0 state_t;

static state_t st; /* states can be large: static, not on the stack */
static uint8_t buf[1 << 16];

static void report(const char *name, const state_t *s)
{
    struct devstate_error err;
    size_t written = 0;
    int rc = P(encode)(s, buf, sizeof buf, &written, &err);
    if (rc == DEVSTATE_OK) {
        printf("%s OK ", name);
        for (size_t i = 0; i < written; i++) printf("%02x", buf[i]);
        putchar('\n');
    } else {
        printf("%s %s %s\n", name, devstate_error_name(rc), err.path);
    }
}

static void set_unknown(state_t *s, uint32_t i, uint16_t id, uint16_t flags)
{
    static const uint8_t payload[3] = {1, 2, 3};
    memset(&s->unknown[i], 0, sizeof s->unknown[i]);
    s->unknown[i].id = id;
    s->unknown[i].flags = flags;
    s->unknown[i].payload.data = payload;
    s->unknown[i].payload.len = sizeof payload;
    if (i + 1 > s->unknown_count) s->unknown_count = i + 1;
}

#define CASE(name, statements) do { P(init)(&st); statements; report(name, &st); } while (0)

static int encode_errors(void)
{
    CASE("valid", (void)0);
    CASE("count_below_min", st.main.count = 0);
    CASE("closed_enum", st.main.mode = 7);
    CASE("open_enum_undeclared", st.main.speed = 999);
    CASE("count_over_max", st.entries.count = 9);
    CASE("undeclared_flag", (st.entries.count = 1, st.entries.items[0].caps = 0x4));
    CASE("string_over_max", (st.main.name.data = "abcdefghijklmnopqrstuvwxyzabcdefg", st.main.name.len = 33));
    CASE("bad_utf8", (st.main.name.data = "\xff", st.main.name.len = 1));
    CASE("null_bytes", (st.main.blob.data = NULL, st.main.blob.len = 3));
    CASE("fixed_bytes_length", st.main.key.len = 3);
    CASE("nested_out_of_range", st.main.nested.x = 101);
    CASE("element_out_of_range", (st.main.levels.count = 2, st.main.levels.items[1] = 1001));
    CASE("stride_element", (st.has_extra = true, st.extra.pair[1].value = 1000001));
    CASE("inner_count_over_max", (st.has_extra = true, st.extra.words.count = 4));
    CASE("string_element_over_max", (st.tags.count = 1, st.tags.items[0].data = "123456789", st.tags.items[0].len = 9));
    CASE("opaque_over_max", (st.has_acme_blob = true, st.acme_blob.data = buf, st.acme_blob.len = 33));
    CASE("unknown_id_zero", set_unknown(&st, 0, 0, DEVSTATE_SECTION_OPTIONAL));
    CASE("unknown_bad_flags", set_unknown(&st, 0, 100, 4));
    CASE("unknown_known_id", set_unknown(&st, 0, 3, DEVSTATE_SECTION_OPTIONAL));
    CASE("unknown_duplicate", (set_unknown(&st, 0, 100, 1), set_unknown(&st, 1, 100, 1)));
    CASE("unknown_bad_vendor", (set_unknown(&st, 0, 1, 3), st.unknown[0].vendor[0] = 1));
    CASE("known_before_unknown", (set_unknown(&st, 0, 0, 1), st.main.count = 0));
    CASE("unknown_sorted", (set_unknown(&st, 0, 101, 1), set_unknown(&st, 1, 100, 1)));
    return 0;
}

static int fail(const char *what)
{
    printf("FAIL %s\n", what);
    return 1;
}

static int roundtrip(void)
{
    static state_t back;
    static uint8_t again[1 << 16];
    struct devstate_error err;
    size_t need, written = 0, written2 = 0;
    int rc;

    P(init)(&st);
    st.main.count = 3;
    st.main.name.data = "h\xc3\xa9llo"; /* UTF-8 */
    st.main.name.len = 6;
    st.has_extra = true;
    set_unknown(&st, 0, 100, DEVSTATE_SECTION_OPTIONAL);
    need = P(encoded_size)(&st);
    /* too small: LIMIT_EXCEEDED at "$", *written = the size needed */
    rc = P(encode)(&st, buf, need - 1, &written, &err);
    if (rc != DEVSTATE_E_LIMIT_EXCEEDED || written != need || strcmp(err.path, "$") != 0) return fail("small buffer");
    rc = P(encode)(&st, buf, need, &written, NULL); /* err may be NULL */
    if (rc != DEVSTATE_OK || written != need) return fail("encode");
    rc = P(decode)(buf, written, &back, NULL);
    if (rc != DEVSTATE_OK) return fail("decode");
    if (back.main.count != 3 || back.main.name.len != 6 || memcmp(back.main.name.data, "h\xc3\xa9llo", 6) != 0)
        return fail("decoded values");
    if ((const uint8_t *)back.main.name.data < buf || (const uint8_t *)back.main.name.data >= buf + written)
        return fail("zero-copy view"); /* the string points into the input buffer */
    if (!back.has_extra || back.unknown_count != 1 || back.unknown[0].id != 100) return fail("sections");
    rc = P(encode)(&back, again, sizeof again, &written2, &err);
    if (rc != DEVSTATE_OK || written2 != written || memcmp(buf, again, written) != 0) return fail("canonical");
    /* a corrupted byte: BAD_CHECKSUM at the trailer */
    buf[written - 1] ^= 1;
    rc = P(decode)(buf, written, &back, &err);
    if (rc != DEVSTATE_E_BAD_CHECKSUM || err.offset != written - 4 || strcmp(err.path, "$.trailer.crc32c") != 0)
        return fail("checksum");
    /* the default limits, lowered: the input is over max_total_size */
    {
        struct devstate_limits limits = DEVSTATE_DEFAULT_LIMITS;
        limits.max_total_size = 16;
        rc = P(decode_with_limits)(again, written, &limits, &back, &err);
        if (rc != DEVSTATE_E_LIMIT_EXCEEDED || err.offset != 0 || strcmp(err.path, "$") != 0) return fail("limits");
    }
    if (strcmp(P(mode_name)(ORG_DEVSTATE_TEST_V1_0_MODE_AUTO), "auto") != 0 || P(speed_name)(999) != NULL)
        return fail("enum names");
    if (P(crc32c)(0, "123456789", 9) != 0xE3069283u) return fail("crc check value");
    if (P(crc32c)(P(crc32c)(0, "1234", 4), "56789", 5) != 0xE3069283u) return fail("crc continuation");
    puts("OK");
    return 0;
}

static int crc(int argc, char **argv)
{
    size_t most = 0, i;
    uint8_t *data;
    uint32_t x = 12345;
    for (i = 2; i < (size_t)argc; i++) {
        size_t n = (size_t)strtoul(argv[i], NULL, 10);
        if (n > most) most = n;
    }
    data = malloc(most + 1);
    for (i = 0; i < most; i++) {
        x = x * 1103515245u + 12345u;
        data[i] = (uint8_t)(x >> 16);
    }
    for (i = 2; i < (size_t)argc; i++) {
        size_t n = (size_t)strtoul(argv[i], NULL, 10);
        printf("%lu %08lx\n", (unsigned long)n, (unsigned long)P(crc32c)(0, data, n));
    }
    free(data);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc >= 2 && strcmp(argv[1], "encode-errors") == 0) return encode_errors();
    if (argc >= 2 && strcmp(argv[1], "roundtrip") == 0) return roundtrip();
    if (argc >= 2 && strcmp(argv[1], "crc") == 0) return crc(argc, argv);
    fprintf(stderr, "usage: %s encode-errors | roundtrip | crc N...\n", argv[0]);
    return 2;
}
