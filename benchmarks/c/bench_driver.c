/* Benchmark driver for a generated C codec (see benchmarks/c/README.md for the interface).
 *
 * Built per model by benchmarks/c/build.py with -DDS_PREFIX=<prefix> -DDS_HEADER="<prefix>.h":
 *
 *   bench_driver codec BLOB ITERATIONS [REPEATS]
 *       decode (envelope, CRC-32C, every value) and encode (every check, CRC-32C) of the blob;
 *       one JSON line with the median time per operation over REPEATS runs of ITERATIONS.
 *   bench_driver crc SIZE ITERATIONS [REPEATS]
 *       CRC-32C of SIZE bytes against memcpy of SIZE bytes, measured in the same run.
 */
#define _POSIX_C_SOURCE 200112L

#include DS_HEADER

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define DS_CAT2(a, b) a##b
#define DS_CAT(a, b) DS_CAT2(a, b)
#define DS_FN(name) DS_CAT(DS_PREFIX, DS_CAT(_, name))
#define DS_STR2(x) #x
#define DS_STR(x) DS_STR2(x)
#define MAX_REPEATS 101

typedef struct DS_PREFIX state_t;

static double now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e9 + (double)t.tv_nsec;
}

static int by_value(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *values, int n)
{
    qsort(values, (size_t)n, sizeof *values, by_value);
    return n % 2 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

static const char *crc_implementation(void)
{
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__)) && !defined(DEVSTATE_NO_HW_CRC)
    if (__builtin_cpu_supports("sse4.2")) return "sse4.2-3way";
#endif
    return "slicing-by-8";
}

static int fail(const char *what, const struct devstate_error *err)
{
    printf("{\"error\":\"%s\",\"code\":\"%s\",\"offset\":%lu,\"path\":\"%s\"}\n", what,
           err ? devstate_error_name(err->code) : "", err ? (unsigned long)err->offset : 0UL, err ? err->path : "");
    return 1;
}

static uint8_t *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    long n;
    uint8_t *data;
    if (f == NULL || fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0) return NULL;
    rewind(f);
    data = malloc((size_t)n + 1);
    if (data == NULL || fread(data, 1, (size_t)n, f) != (size_t)n) return NULL;
    fclose(f);
    *len = (size_t)n;
    return data;
}

static int codec(const char *path, long iterations, int repeats)
{
    struct devstate_error err;
    state_t *state = malloc(sizeof *state); /* states can be large (fixed-capacity arrays) */
    size_t len = 0, need, written = 0;
    uint8_t *blob = read_file(path, &len), *out;
    double decode_ns[MAX_REPEATS], encode_ns[MAX_REPEATS], decode_median, encode_median;
    int r;
    long i;
    if (blob == NULL || state == NULL) return fail("cannot read the blob", NULL);
    if (DS_FN(decode)(blob, len, state, &err) != DEVSTATE_OK) return fail("decode", &err);
    need = DS_FN(encoded_size)(state);
    out = malloc(need);
    if (out == NULL || DS_FN(encode)(state, out, need, &written, &err) != DEVSTATE_OK) return fail("encode", &err);
    for (r = 0; r < repeats; r++) {
        double start = now_ns();
        for (i = 0; i < iterations; i++)
            if (DS_FN(decode)(blob, len, state, &err) != DEVSTATE_OK) return fail("decode", &err);
        decode_ns[r] = (now_ns() - start) / (double)iterations;
        start = now_ns();
        for (i = 0; i < iterations; i++)
            if (DS_FN(encode)(state, out, need, &written, &err) != DEVSTATE_OK) return fail("encode", &err);
        encode_ns[r] = (now_ns() - start) / (double)iterations;
    }
    decode_median = median(decode_ns, repeats); /* sorts: [0] is then the minimum */
    encode_median = median(encode_ns, repeats);
    printf("{\"model\":\"%s\",\"bytes\":%lu,\"encoded_bytes\":%lu,\"state_struct_bytes\":%lu,\"iterations\":%ld,"
           "\"repeats\":%d,\"decode_ns\":%.1f,\"encode_ns\":%.1f,\"decode_ns_min\":%.1f,\"encode_ns_min\":%.1f,"
           "\"crc32c\":\"%s\"}\n",
           DS_STR(DS_PREFIX), (unsigned long)len, (unsigned long)written, (unsigned long)sizeof *state, iterations,
           repeats, decode_median, encode_median, decode_ns[0], encode_ns[0],
           crc_implementation());
    free(out);
    free(blob);
    free(state);
    return 0;
}

static int crc(size_t size, long iterations, int repeats)
{
    uint8_t *src = malloc(size + 1), *dst = malloc(size + 1);
    double crc_s[MAX_REPEATS], copy_s[MAX_REPEATS], crc_gbps, copy_gbps;
    volatile uint32_t sink = 0;
    uint32_t x = 1;
    size_t k;
    int r;
    long i;
    if (src == NULL || dst == NULL) return fail("out of memory", NULL);
    for (k = 0; k < size; k++) {
        x = x * 1103515245u + 12345u;
        src[k] = (uint8_t)(x >> 16);
    }
    memset(dst, 0, size + 1); /* fault the pages in before timing */
    sink ^= DS_FN(crc32c)(0, src, size);
    for (r = 0; r < repeats; r++) {
        double start = now_ns();
        for (i = 0; i < iterations; i++) sink ^= DS_FN(crc32c)(0, src, size);
        crc_s[r] = (now_ns() - start) / 1e9;
        start = now_ns();
        for (i = 0; i < iterations; i++) {
            memcpy(dst, src, size);
            sink ^= dst[(size_t)i % (size + 1)];
        }
        copy_s[r] = (now_ns() - start) / 1e9;
    }
    crc_gbps = (double)size * (double)iterations / median(crc_s, repeats) / 1e9;
    copy_gbps = (double)size * (double)iterations / median(copy_s, repeats) / 1e9;
    printf("{\"bytes\":%lu,\"iterations\":%ld,\"repeats\":%d,\"crc32c_gbps\":%.2f,\"memcpy_gbps\":%.2f,"
           "\"ratio\":%.3f,\"crc32c\":\"%s\"}\n",
           (unsigned long)size, iterations, repeats, crc_gbps, copy_gbps, crc_gbps / copy_gbps, crc_implementation());
    free(src);
    free(dst);
    return (int)(sink & 0);
}

int main(int argc, char **argv)
{
    int repeats = argc > 4 ? atoi(argv[4]) : 7;
    long iterations = argc > 3 ? atol(argv[3]) : 0;
    if (repeats < 1 || repeats > MAX_REPEATS || iterations < 1) argc = 0;
    if (argc >= 4 && strcmp(argv[1], "codec") == 0) return codec(argv[2], iterations, repeats);
    if (argc >= 4 && strcmp(argv[1], "crc") == 0) return crc((size_t)strtoul(argv[2], NULL, 10), iterations, repeats);
    fprintf(stderr, "usage: bench_driver codec BLOB ITERATIONS [REPEATS]\n"
                    "       bench_driver crc SIZE ITERATIONS [REPEATS]   (REPEATS 1..%d, default 7)\n", MAX_REPEATS);
    return 2;
}
