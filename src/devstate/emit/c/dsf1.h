/* dsf1.h: the DSF v1 runtime shared by every devstate-generated C codec.
 *
 * Copied by devstate gen into codegen/c with dsf1.c and dsf1_errors.h; a vendor copies
 * these three files plus the model files (<prefix>.h, <prefix>.c) it needs, and compiles
 * dsf1.c once with them. C99; depends only on the C standard library; no allocation, no
 * global mutable state. Wire format: spec/wire-format.md.
 *
 * The public part (error codes, struct devstate_error, limits, byte views, unknown
 * sections) is what a model's API uses. The dsf1_* part below it is the runtime the
 * generated model code calls: byte order, error paths, UTF-8, CRC-32C, the envelope,
 * section framing and order, the writer. It is not an API for hand-written code.
 */
#ifndef DSF1_H
#define DSF1_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "dsf1_errors.h"

#ifdef __cplusplus
extern "C" {
#endif

#define DEVSTATE_PATH_MAX 256

/* The first problem a decode or encode call found. */
struct devstate_error {
    int code;                     /* DEVSTATE_OK or a DEVSTATE_E_* number */
    size_t offset;                /* decode: absolute byte offset in the blob; encode: 0 */
    char path[DEVSTATE_PATH_MAX]; /* e.g. "$.sections.queues[3].size", NUL-terminated */
};

/* What a decoder refuses with LIMIT_EXCEEDED or NESTING_TOO_DEEP (spec, "Limits"). */
struct devstate_limits {
    uint64_t max_total_size;       /* the whole blob, in bytes */
    uint64_t max_region_size;      /* one counted bytes value or opaque vendor payload */
    uint32_t max_depth;            /* nesting of values; a section's value has depth 1 */
    uint64_t max_sections;         /* sections in one blob, known and unknown */
    uint64_t max_unknown_sections; /* unknown optional sections in one blob (at most the
                                      state's capacity, <P>_MAX_UNKNOWN, are kept) */
};
#define DEVSTATE_DEFAULT_MAX_TOTAL_SIZE ((uint64_t)1 << 30)
#define DEVSTATE_DEFAULT_MAX_REGION_SIZE ((uint64_t)1 << 28)
#define DEVSTATE_DEFAULT_MAX_DEPTH 16u
#define DEVSTATE_DEFAULT_MAX_SECTIONS 4096u
#define DEVSTATE_DEFAULT_MAX_UNKNOWN_SECTIONS 32u
/* An initializer with every default: struct devstate_limits l = DEVSTATE_DEFAULT_LIMITS; */
#define DEVSTATE_DEFAULT_LIMITS                                                                   \
    {DEVSTATE_DEFAULT_MAX_TOTAL_SIZE, DEVSTATE_DEFAULT_MAX_REGION_SIZE, DEVSTATE_DEFAULT_MAX_DEPTH, \
     DEVSTATE_DEFAULT_MAX_SECTIONS, DEVSTATE_DEFAULT_MAX_UNKNOWN_SECTIONS}

/* Zero-copy views: decoding points them into the input buffer (which must outlive the
 * state); for encoding, data may be NULL only when len is 0. Strings are UTF-8 and not
 * NUL-terminated. */
struct devstate_bytes {
    const uint8_t *data;
    size_t len;
};
struct devstate_string {
    const char *data;
    size_t len;
};

#define DEVSTATE_SECTION_OPTIONAL 0x0001u
#define DEVSTATE_SECTION_VENDOR 0x0002u
#define DEVSTATE_VENDOR_HEADER_SIZE 18u

/* An optional section the reader does not know: kept by decode, written back unchanged
 * (at its canonical position) by encode. */
struct devstate_unknown_section {
    uint16_t id;
    uint16_t flags;                              /* OPTIONAL, and VENDOR for vendor sections */
    uint8_t vendor[DEVSTATE_VENDOR_HEADER_SIZE]; /* the vendor header, when flags has VENDOR */
    struct devstate_bytes payload;               /* the bytes after the vendor header */
};

/* CRC-32C (Castagnoli) of data[0..len) continuing from crc (0 to start): slicing-by-8,
 * or on x86-64 with GCC or clang the SSE4.2 crc32 instruction when the CPU has it
 * (define DEVSTATE_NO_HW_CRC to force the portable path). */
uint32_t dsf1_crc32c(uint32_t crc, const uint8_t *data, size_t len);

/* ==== the runtime of generated code ==================================================== */

/* -- byte order: little-endian loads and stores, byte by byte (correct on any host;
 *    compilers turn them into single moves on little-endian ones) -- */
static inline uint16_t dsf1_load16(const uint8_t *bytes)
{
    return (uint16_t)(bytes[0] | (unsigned)bytes[1] << 8);
}
static inline uint32_t dsf1_load32(const uint8_t *bytes)
{
    return (uint32_t)bytes[0] | (uint32_t)bytes[1] << 8 | (uint32_t)bytes[2] << 16 | (uint32_t)bytes[3] << 24;
}
static inline uint64_t dsf1_load64(const uint8_t *bytes)
{
    return (uint64_t)dsf1_load32(bytes) | (uint64_t)dsf1_load32(bytes + 4) << 32;
}
static inline void dsf1_store16(uint8_t *bytes, uint16_t value)
{
    bytes[0] = (uint8_t)value;
    bytes[1] = (uint8_t)(value >> 8);
}
static inline void dsf1_store32(uint8_t *bytes, uint32_t value)
{
    bytes[0] = (uint8_t)value;
    bytes[1] = (uint8_t)(value >> 8);
    bytes[2] = (uint8_t)(value >> 16);
    bytes[3] = (uint8_t)(value >> 24);
}
static inline void dsf1_store64(uint8_t *bytes, uint64_t value)
{
    dsf1_store32(bytes, (uint32_t)value);
    dsf1_store32(bytes + 4, (uint32_t)(value >> 32));
}

/* -- two's complement without implementation-defined conversions -- */
static inline int8_t dsf1_signed8(uint8_t value)
{
    return value < 0x80u ? (int8_t)value : (int8_t)(-(int)(uint8_t)~value - 1);
}
static inline int16_t dsf1_signed16(uint16_t value)
{
    return value < 0x8000u ? (int16_t)value : (int16_t)(-(int32_t)(uint16_t)~value - 1);
}
static inline int32_t dsf1_signed32(uint32_t value)
{
    return value < 0x80000000u ? (int32_t)value : -(int32_t)~value - 1;
}
static inline int64_t dsf1_signed64(uint64_t value)
{
    return value < UINT64_C(0x8000000000000000) ? (int64_t)value : -(int64_t)~value - 1;
}

static inline size_t dsf1_min(size_t left, size_t right)
{
    return left < right ? left : right;
}
/* memcpy that accepts (NULL, 0) */
static inline void dsf1_put(uint8_t *dst, const void *src, size_t len)
{
    if (len != 0) memcpy(dst, src, len);
}
static inline int dsf1_over_u32(size_t size)
{
    return (uint64_t)size > UINT64_C(0xffffffff);
}

/* -- error paths: built only on failure; '%' in a template takes the next size_t -- */

/* Record code, offset and path (the template filled in); returns code. */
int dsf1_fail(struct devstate_error *err, int code, size_t offset, const char *path_template, ...);
/* Prepend a caller's part of the path (keeps the head if the whole path is too long); returns code. */
int dsf1_prepend(struct devstate_error *err, int code, const char *path_template, ...);
void dsf1_clear(struct devstate_error *err);

/* -- UTF-8: the index of the first byte of the first invalid sequence, or n (strict, like
 *    Python's bytes.decode("utf-8"): no overlongs, surrogates or values over U+10FFFF) -- */
size_t dsf1_utf8_invalid(const uint8_t *text, size_t len);

/* -- decoding: the envelope, section framing and order -- */

/* The header fields in order, lengths, model id, checksum, model, major. On success
 * *sections is the offset of the first section and *trailer that of the CRC. */
int dsf1_envelope(const uint8_t *blob, size_t len, const struct devstate_limits *limits, const char *model,
                  unsigned major, size_t *sections, size_t *trailer, struct devstate_error *err);

/* One section header as read from the wire. */
struct dsf1_frame {
    size_t offset, payload, end; /* the section header, its value, the end of its payload */
    uint16_t id, flags;
    const uint8_t *vendor; /* the 18-byte vendor header, or NULL for a standard section */
};

/* What every decoding function of a model needs: the blob and the limits. */
struct dsf1_context {
    const uint8_t *blob;
    uint64_t max_region;
    uint32_t max_depth;
};

/* "$.sections[id=N]" or "$.vendor_sections[pci:0x1af4#N]" / "[uuid:...#N]" with `code` at the frame. */
int dsf1_fail_label(struct devstate_error *err, int code, const struct dsf1_frame *frame);
/* Whether an 18-byte vendor header is valid (PCI vendor id with zero padding, or a UUID). */
int dsf1_vendor_ok(const uint8_t *vendor);

/* Inline below: they run once per section; their failures are out of line. */

/* The section header at offset `at` (framing, id, flags, length, vendor header). */
static inline int dsf1_frame_at(const uint8_t *blob, size_t at, size_t trailer, struct dsf1_frame *frame,
                                struct devstate_error *err)
{
    uint32_t length;
    if (trailer - at < 8) return dsf1_fail(err, DEVSTATE_E_SECTION_PAST_END, at, "$.sections");
    frame->offset = at;
    frame->id = dsf1_load16(blob + at);
    frame->flags = dsf1_load16(blob + at + 2);
    length = dsf1_load32(blob + at + 4);
    if (frame->id == 0 || frame->id > 0x7FFF)
        return dsf1_fail(err, DEVSTATE_E_BAD_SECTION_ID, at, "$.sections[id=%]", (size_t)frame->id);
    if (frame->flags & ~0x3u)
        return dsf1_fail(err, DEVSTATE_E_BAD_SECTION_FLAGS, at + 2, "$.sections[id=%]", (size_t)frame->id);
    if (length > trailer - at - 8)
        return dsf1_fail(err, DEVSTATE_E_SECTION_PAST_END, at + 4, "$.sections[id=%]", (size_t)frame->id);
    frame->payload = at + 8;
    frame->end = at + 8 + (size_t)length;
    frame->vendor = NULL;
    if (frame->flags & DEVSTATE_SECTION_VENDOR) {
        const uint8_t *vendor = blob + at + 8;
        if (length < DEVSTATE_VENDOR_HEADER_SIZE || (dsf1_load16(vendor) != 1 && dsf1_load16(vendor) != 2))
            return dsf1_fail(err, DEVSTATE_E_BAD_VENDOR_HEADER, at + 8, "$.vendor_sections[id=%]", (size_t)frame->id);
        if (!dsf1_vendor_ok(vendor))
            return dsf1_fail(err, DEVSTATE_E_BAD_VENDOR_HEADER, at + 10, "$.vendor_sections[id=%]", (size_t)frame->id);
        frame->vendor = vendor;
        frame->payload += DEVSTATE_VENDOR_HEADER_SIZE;
    }
    return DEVSTATE_OK;
}

/* Canonical order: standard sections by id, then vendor sections by (vendor header, id). */
static inline int dsf1_key_compare(const uint8_t *vendor_a, uint16_t id_a, const uint8_t *vendor_b, uint16_t id_b)
{
    if ((vendor_a == NULL) != (vendor_b == NULL)) return vendor_a == NULL ? -1 : 1;
    if (vendor_a != NULL) {
        int order = memcmp(vendor_a, vendor_b, DEVSTATE_VENDOR_HEADER_SIZE);
        if (order != 0) return order;
    }
    return id_a < id_b ? -1 : id_a > id_b;
}

/* SECTION_ORDER or DUPLICATE_SECTION unless `frame` comes after `previous`. */
static inline int dsf1_check_order(const struct dsf1_frame *prev, const struct dsf1_frame *frame,
                                   struct devstate_error *err)
{
    int order = dsf1_key_compare(frame->vendor, frame->id, prev->vendor, prev->id);
    if (order == 0) return dsf1_fail_label(err, DEVSTATE_E_DUPLICATE_SECTION, frame);
    if (order < 0) return dsf1_fail_label(err, DEVSTATE_E_SECTION_ORDER, frame);
    return DEVSTATE_OK;
}

/* BAD_SECTION_FLAGS unless the frame's OPTIONAL bit is `optional`. */
static inline int dsf1_check_optional(const struct dsf1_frame *frame, int optional, const char *path,
                                      struct devstate_error *err)
{
    if (((frame->flags & DEVSTATE_SECTION_OPTIONAL) != 0) != optional)
        return dsf1_fail(err, DEVSTATE_E_BAD_SECTION_FLAGS, frame->offset + 2, path);
    return DEVSTATE_OK;
}

/* An unknown section: refused unless OPTIONAL, else kept; LIMIT_EXCEEDED when `count` already
 * reached `limit` (the smaller of max_unknown_sections and the state's capacity). */
int dsf1_keep_unknown(const uint8_t *blob, const struct dsf1_frame *frame, struct devstate_unknown_section *kept,
                      uint32_t *count, uint64_t limit, struct devstate_error *err);
/* After a struct's last known field: the rest of its body, blob[at..end), must be zero.
 * (Inline: it runs once per struct value decoded, and is empty but for a newer writer.) */
static inline int dsf1_zero_tail(const uint8_t *blob, size_t at, size_t end, struct devstate_error *err)
{
    for (; at < end; at++)
        if (blob[at] != 0) return dsf1_fail(err, DEVSTATE_E_NONZERO_TAIL, at, "");
    return DEVSTATE_OK;
}

/* -- encoding: sections in canonical order, header, trailer -- */

/* One section to write: a known section of the model or an unknown entry of the state. */
struct dsf1_item {
    const uint8_t *vendor; /* vendor header or NULL */
    uint16_t id, flags;
    int which; /* a known section (>= 0) or unknown entry -1 - index */
};

static inline void dsf1_add_item(struct dsf1_item *items, size_t *count, const uint8_t *vendor, uint16_t id,
                                 uint16_t flags, int which)
{
    items[*count].vendor = vendor;
    items[*count].id = id;
    items[*count].flags = flags;
    items[*count].which = which;
    (*count)++;
}

/* Sort by dsf1_key_compare (stable; a handful of items). */
void dsf1_sort_items(struct dsf1_item *items, size_t count);
/* An unknown entry of a state to encode: INVALID_STATE (or LIMIT_EXCEEDED) if malformed. */
int dsf1_check_unknown(const struct devstate_unknown_section *unknown, size_t index, struct devstate_error *err);
/* The header up to the model id (total length written by dsf1_seal); returns its size. */
size_t dsf1_write_header(uint8_t *out, const char *model, unsigned major, unsigned minor);
/* Total length and trailer once the sections are written up to `at`; returns the blob's size. */
size_t dsf1_seal(uint8_t *out, size_t at);

#ifdef __cplusplus
}
#endif

#endif /* DSF1_H */
