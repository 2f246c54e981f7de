/* libFuzzer target for a generated C codec (built with -DDS_PREFIX=<prefix> -DDS_HEADER="<prefix>.h").
 *
 * Each input is prepared like fuzz/fuzzkit.py's prepare() (the Python fuzzers do the same):
 * for inputs of 28 bytes or more, the last byte (overwritten by a recomputed CRC, so free)
 * chooses: bit 0 clear -> total_length set to the input size; bits 1 and 2 not both set ->
 * the CRC-32C trailer recomputed. Most mutations so reach the sections instead of stopping
 * at BAD_CHECKSUM, and the envelope checks are still fuzzed. Then:
 *   - decoding never crashes, reads out of bounds or hits undefined behaviour (ASan, UBSan);
 *   - a refusal has a known error code, an offset inside the input and a "$" path;
 *   - an accepted blob re-encodes (encoded_size exact), the re-encoding decodes, and encoding
 *     that again gives the same bytes (the encoding is canonical).
 * Any violation aborts, which libFuzzer reports with the input.
 */
#include DS_HEADER

#include <stdlib.h>
#include <string.h>

#define DS_CAT2(a, b) a##b
#define DS_CAT(a, b) DS_CAT2(a, b)
#define DS_FN(name) DS_CAT(DS_PREFIX, DS_CAT(_, name))

typedef struct DS_PREFIX state_t;

static void check(int ok)
{
    if (!ok) abort();
}

static uint8_t *encode_all(const state_t *s, size_t *n)
{
    struct devstate_error err;
    size_t need = DS_FN(encoded_size)(s), written = 0;
    uint8_t *out = malloc(need ? need : 1);
    check(out != NULL);
    check(DS_FN(encode)(s, out, need, &written, &err) == DEVSTATE_OK);
    check(written == need);
    *n = written;
    return out;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static state_t first, second; /* large: static */
    struct devstate_error err;
    uint8_t *blob = malloc(size ? size : 1), *once, *twice;
    size_t n1, n2;
    int rc;
    check(blob != NULL);
    if (size) memcpy(blob, data, size);
    if (size >= 28) {
        uint8_t choice = data[size - 1];
        if (!(choice & 1))
            for (int i = 0; i < 8; i++) blob[16 + i] = (uint8_t)((uint64_t)size >> (8 * i));
        if ((choice & 6) != 6) {
            uint32_t crc = DS_FN(crc32c)(0, blob, size - 4);
            for (int i = 0; i < 4; i++) blob[size - 4 + i] = (uint8_t)(crc >> (8 * i));
        }
    }
    rc = DS_FN(decode)(size ? blob : NULL, size, &first, &err);
    if (rc != DEVSTATE_OK) {
        check(rc == err.code && rc >= 1 && rc <= 33 && rc != DEVSTATE_E_INVALID_STATE);
        check(err.offset <= size && err.path[0] == '$');
        free(blob);
        return 0;
    }
    once = encode_all(&first, &n1);
    check(DS_FN(decode)(once, n1, &second, &err) == DEVSTATE_OK);
    twice = encode_all(&second, &n2);
    check(n1 == n2 && memcmp(once, twice, n1) == 0);
    free(once);
    free(twice);
    free(blob);
    return 0;
}
