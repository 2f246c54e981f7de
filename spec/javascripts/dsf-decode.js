// A DSF v1 decoder driven by a schema's IR JSON (the "IR JSON" download of each model
// page, `devstate schema dump`), for the blob viewer (viewer.md). It follows
// spec/wire-format.md, "Decoding order", like the reference codec: the same state JSON,
// the same first error (code, number, offset, field path). It also records every byte
// range it reads (offset, size, path, what), for the annotated hex view.
// It runs in the browser and, for the differential test, under node (module.exports).
"use strict";

(function (root) {
  const ERROR_NUMBERS = {
    TRUNCATED: 1, BAD_MAGIC: 2, UNSUPPORTED_FORMAT_VERSION: 3, BAD_HEADER_FLAGS: 4,
    LENGTH_MISMATCH: 5, BAD_CHECKSUM: 6, TRAILING_BYTES: 7, BAD_MODEL_ID: 8,
    MODEL_MISMATCH: 9, MAJOR_MISMATCH: 10, SECTION_PAST_END: 11, BAD_SECTION_FLAGS: 12,
    UNKNOWN_SECTION: 13, DUPLICATE_SECTION: 14, SECTION_ORDER: 15, MISSING_SECTION: 16,
    SECTION_TRAILING_DATA: 17, COUNT_OVER_MAX: 18, LENGTH_OVER_MAX: 19, COUNT_PAST_END: 20,
    BAD_STRIDE: 21, STRUCT_TOO_SHORT: 22, NONZERO_TAIL: 23, BAD_BOOL: 24, BAD_ENUM: 25,
    BAD_FLAGS: 26, OUT_OF_RANGE: 27, BAD_UTF8: 28, LIMIT_EXCEEDED: 29, NESTING_TOO_DEEP: 30,
    BAD_VENDOR_HEADER: 31, INVALID_STATE: 32, BAD_SECTION_ID: 33,
  };
  const MAGIC = [0x89, 0x44, 0x53, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];
  const HEADER_SIZE = 25;
  const TRAILER_SIZE = 4;
  const SECTION_HEADER_SIZE = 8;
  const VENDOR_HEADER_SIZE = 18;
  const OPTIONAL = 1;
  const VENDOR = 2;
  const MAX_SECTION_ID = 32767;
  const MODEL_ID = /^[a-z][a-z0-9-]*(\.[a-z][a-z0-9-]*)+$/;
  const LIMITS = { maxTotalSize: 2 ** 30, maxRegionSize: 2 ** 28, maxDepth: 16, maxSections: 4096, maxUnknownSections: 32 };
  const SCALAR_SIZES = { u8: 1, u16: 2, u32: 4, u64: 8, i8: 1, i16: 2, i32: 4, i64: 8, bool: 1 };

  class DecodeError extends Error {
    constructor(code, offset, path, message) {
      super(`${code} at offset ${offset} (${path}): ${message}`);
      this.code = code;
      this.number = ERROR_NUMBERS[code];
      this.offset = offset;
      this.path = path;
      this.detail = message;
    }
  }

  // --- CRC-32C (Castagnoli, reflected 0x82F63B78) -------------------------------------
  const CRC_TABLE = (() => {
    const table = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
      table[n] = c >>> 0;
    }
    return table;
  })();

  function crc32c(bytes, end) {
    let crc = 0xffffffff;
    for (let i = 0; i < end; i++) crc = CRC_TABLE[(crc ^ bytes[i]) & 0xff] ^ (crc >>> 8);
    return (crc ^ 0xffffffff) >>> 0;
  }

  // --- helpers ------------------------------------------------------------------------
  function readUnsigned(bytes, at, size) {
    let value = 0n;
    for (let i = size - 1; i >= 0; i--) value = (value << 8n) | BigInt(bytes[at + i]);
    return value;
  }

  function readInt(bytes, at, name) {
    const size = SCALAR_SIZES[name];
    let value = readUnsigned(bytes, at, size);
    if (name[0] === "i" && value >= 1n << BigInt(size * 8 - 1)) value -= 1n << BigInt(size * 8);
    return value;
  }

  function scalarRange(name) {
    const bits = BigInt(SCALAR_SIZES[name] * 8);
    if (name === "bool") return [0n, 1n];
    if (name[0] === "u") return [0n, (1n << bits) - 1n];
    return [-(1n << (bits - 1n)), (1n << (bits - 1n)) - 1n];
  }

  function number(value) {
    // Exact integers: small ones as numbers, the rest as BigInt (stateToJson keeps them).
    return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value;
  }

  function hex(bytes) {
    let out = "";
    for (const b of bytes) out += b.toString(16).padStart(2, "0");
    return out;
  }

  function firstInvalidUtf8(bytes) {
    let i = 0;
    while (i < bytes.length) {
      const b = bytes[i];
      let need, min;
      if (b < 0x80) { i++; continue; }
      if (b >= 0xc2 && b <= 0xdf) { need = 1; min = 0x80; }
      else if (b >= 0xe0 && b <= 0xef) { need = 2; min = 0x800; }
      else if (b >= 0xf0 && b <= 0xf4) { need = 3; min = 0x10000; }
      else return i;
      let cp = b & (0x3f >> need);
      for (let k = 1; k <= need; k++) {
        const c = bytes[i + k];
        if (c === undefined || (c & 0xc0) !== 0x80) return i;
        cp = (cp << 6) | (c & 0x3f);
      }
      if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return i;
      i += need + 1;
    }
    return -1;
  }

  function vendorLabel(ns) {
    return ns.pci !== null && ns.pci !== undefined ? `pci:0x${ns.pci.toString(16).padStart(4, "0")}` : `uuid:${ns.uuid}`;
  }

  function uuidText(bytes) {
    const h = hex(bytes);
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  }

  function vendorHeaderBytes(ns) {
    const out = new Uint8Array(VENDOR_HEADER_SIZE);
    if (ns.pci !== null && ns.pci !== undefined) {
      out[0] = 1; out[2] = ns.pci & 0xff; out[3] = ns.pci >> 8;
    } else {
      out[0] = 2;
      const h = ns.uuid.replace(/-/g, "");
      for (let i = 0; i < 16; i++) out[2 + i] = parseInt(h.slice(2 * i, 2 * i + 2), 16);
    }
    return out;
  }

  function compareKeys(a, b) {
    if (a.kind !== b.kind) return a.kind - b.kind;
    for (let i = 0; i < a.header.length; i++) if (a.header[i] !== b.header[i]) return a.header[i] - b.header[i];
    return a.id - b.id;
  }

  // --- the decoder --------------------------------------------------------------------
  class Decoder {
    constructor(schema, bytes, limits) {
      this.schema = schema;
      this.bytes = bytes;
      this.limits = Object.assign({}, LIMITS, limits || {});
      this.spans = [];
    }

    span(offset, size, path, what) {
      this.spans.push({ offset, size, path, what });
    }

    // header ------------------------------------------------------------------------
    u(offset, size, field) {
      if (this.bytes.length < offset + size) {
        throw new DecodeError("TRUNCATED", offset, `$.header.${field}`,
          `the input ends at byte ${this.bytes.length}, inside the header field ${field} (${offset}..${offset + size})`);
      }
      this.span(offset, size, `$.header.${field}`, field);
      return Number(readUnsigned(this.bytes, offset, size));
    }

    header() {
      const data = this.bytes;
      if (data.length > this.limits.maxTotalSize) {
        throw new DecodeError("LIMIT_EXCEEDED", 0, "$", `the input is ${data.length} bytes, over the limit`);
      }
      const prefix = Math.min(data.length, 8);
      for (let i = 0; i < prefix; i++) {
        if (data[i] !== MAGIC[i]) throw new DecodeError("BAD_MAGIC", 0, "$.header.magic", "not a DSF blob: the magic differs");
      }
      if (data.length < 8) throw new DecodeError("TRUNCATED", 0, "$.header.magic", `the input ends at byte ${data.length}, inside the magic`);
      this.span(0, 8, "$.header.magic", "magic");
      const version = this.u(8, 2, "format_version");
      if (version !== 1) throw new DecodeError("UNSUPPORTED_FORMAT_VERSION", 8, "$.header.format_version", `format version ${version} is not supported`);
      const flags = this.u(10, 2, "flags");
      if (flags !== 0) throw new DecodeError("BAD_HEADER_FLAGS", 10, "$.header.flags", `header flags are ${flags}; DSF v1 requires 0`);
      const major = this.u(12, 2, "major");
      const minor = this.u(14, 2, "minor");
      if (data.length < 24) this.u(16, 8, "total_length");
      const total = readUnsigned(data, 16, 8);
      this.span(16, 8, "$.header.total_length", "total_length");
      if (total > BigInt(this.limits.maxTotalSize)) {
        throw new DecodeError("LIMIT_EXCEEDED", 16, "$.header.total_length", `total length ${total} is over the limit`);
      }
      const idLength = this.u(24, 1, "model_id_length");
      if (idLength < 1 || idLength > 128) throw new DecodeError("BAD_MODEL_ID", 24, "$.header.model_id_length", `model id length ${idLength} is not in 1..128`);
      const totalLength = Number(total);
      const needed = HEADER_SIZE + idLength + TRAILER_SIZE;
      if (totalLength < needed) throw new DecodeError("LENGTH_MISMATCH", 16, "$.header.total_length", `total length ${totalLength} is smaller than the header and trailer (${needed} bytes)`);
      if (data.length < totalLength) throw new DecodeError("LENGTH_MISMATCH", 16, "$.header.total_length", `the header says ${totalLength} bytes but the input has ${data.length} (truncated?)`);
      if (data.length > totalLength) throw new DecodeError("TRAILING_BYTES", totalLength, "$.trailer", `${data.length - totalLength} bytes follow the end of the blob`);
      const idBytes = data.subarray(HEADER_SIZE, HEADER_SIZE + idLength);
      const model = String.fromCharCode(...idBytes);
      if (![...idBytes].every((b) => b < 0x80) || !MODEL_ID.test(model)) throw new DecodeError("BAD_MODEL_ID", HEADER_SIZE, "$.header.model", `model id ${JSON.stringify(model)} is not a reverse-DNS model id`);
      this.span(HEADER_SIZE, idLength, "$.header.model", "model id");
      const trailer = totalLength - TRAILER_SIZE;
      const stored = Number(readUnsigned(data, trailer, 4));
      const computed = crc32c(data, trailer);
      this.span(trailer, 4, "$.trailer.crc32c", "CRC-32C");
      if (stored !== computed) {
        throw new DecodeError("BAD_CHECKSUM", trailer, "$.trailer.crc32c",
          `CRC-32C is 0x${stored.toString(16).padStart(8, "0")} but the content's is 0x${computed.toString(16).padStart(8, "0")}`);
      }
      return { major, minor, totalLength, model, sectionsOffset: HEADER_SIZE + idLength, trailer };
    }

    // sections ----------------------------------------------------------------------
    decode() {
      const h = this.header();
      this.head = h;
      const reader = `${this.schema.model}@${this.schema.version}`;
      if (h.model !== this.schema.model) throw new DecodeError("MODEL_MISMATCH", HEADER_SIZE, "$.header.model", `the blob holds ${h.model} state; the reader's schema is ${reader}`);
      const [readerMajor] = this.schema.version.split(".").map(Number);
      if (h.major !== readerMajor) throw new DecodeError("MAJOR_MISMATCH", 12, "$.header.major", `the blob was written with ${h.model}@${h.major}.${h.minor}; a ${reader} reader reads major version ${readerMajor} only`);
      this.state = { model: this.schema.model, version: this.schema.version, sections: {}, vendor_sections: {}, unknown_sections: [] };
      let offset = h.sectionsOffset;
      let previous = null;
      let count = 0;
      while (offset < h.trailer) {
        if (count++ >= this.limits.maxSections) throw new DecodeError("LIMIT_EXCEEDED", offset, "$.sections", `a section at offset ${offset} is over the limit of ${this.limits.maxSections} sections per blob (max_sections)`);
        const raw = this.frame(offset, h.trailer);
        this.checkOrder(previous, raw);
        if (raw.vendor === null) this.standard(raw); else this.vendorSection(raw);
        previous = raw;
        offset = raw.end;
      }
      this.checkMissing(h.trailer);
      return this.state;
    }

    frame(offset, end) {
      const data = this.bytes;
      if (end - offset < SECTION_HEADER_SIZE) throw new DecodeError("SECTION_PAST_END", offset, "$.sections", `${end - offset} bytes before the trailer cannot hold a section header (8 bytes)`);
      const id = Number(readUnsigned(data, offset, 2));
      const flags = Number(readUnsigned(data, offset + 2, 2));
      const length = Number(readUnsigned(data, offset + 4, 4));
      const path = `$.sections[id=${id}]`;
      if (id < 1 || id > MAX_SECTION_ID) throw new DecodeError("BAD_SECTION_ID", offset, path, `section id ${id} is not in 1..${MAX_SECTION_ID}`);
      if (flags & ~(OPTIONAL | VENDOR)) throw new DecodeError("BAD_SECTION_FLAGS", offset + 2, path, `section flags have undefined bits`);
      if (offset + SECTION_HEADER_SIZE + length > end) throw new DecodeError("SECTION_PAST_END", offset + 4, path, `payload of ${length} bytes runs past the trailer at offset ${end}`);
      const raw = { offset, id, flags, length, vendor: null, end: offset + SECTION_HEADER_SIZE + length, payload: offset + SECTION_HEADER_SIZE };
      if (flags & VENDOR) {
        raw.vendor = this.vendorHeader(offset, id, length);
        raw.payload += VENDOR_HEADER_SIZE;
      }
      raw.key = { kind: raw.vendor ? 1 : 0, header: raw.vendor ? vendorHeaderBytes(raw.vendor) : new Uint8Array(VENDOR_HEADER_SIZE), id };
      raw.label = raw.vendor ? `$.vendor_sections[${vendorLabel(raw.vendor)}#${id}]` : path;
      this.span(offset, 2, `${raw.label}`, "section id");
      this.span(offset + 2, 2, `${raw.label}`, "section flags");
      this.span(offset + 4, 4, `${raw.label}`, "section length");
      if (raw.vendor) this.span(offset + 8, VENDOR_HEADER_SIZE, `${raw.label}`, `vendor header (${vendorLabel(raw.vendor)})`);
      return raw;
    }

    vendorHeader(offset, id, length) {
      const at = offset + SECTION_HEADER_SIZE;
      const path = `$.vendor_sections[id=${id}]`;
      if (length < VENDOR_HEADER_SIZE) throw new DecodeError("BAD_VENDOR_HEADER", at, path, `vendor section payload of ${length} bytes cannot hold the 18-byte vendor header`);
      const kind = Number(readUnsigned(this.bytes, at, 2));
      const ns = this.bytes.subarray(at + 2, at + VENDOR_HEADER_SIZE);
      if (kind === 2) return { pci: null, uuid: uuidText(ns) };
      if (kind !== 1) throw new DecodeError("BAD_VENDOR_HEADER", at, path, `vendor namespace kind ${kind} is not 1 (PCI) or 2 (UUID)`);
      const pci = ns[0] | (ns[1] << 8);
      if (pci < 1 || pci > 0xfffe || ns.subarray(2).some((b) => b !== 0)) throw new DecodeError("BAD_VENDOR_HEADER", at + 2, path, `PCI namespace ${hex(ns)} must be a vendor id 0x0001..0xfffe and 14 zero bytes`);
      return { pci, uuid: null };
    }

    checkOrder(previous, raw) {
      if (previous === null) return;
      const order = compareKeys(raw.key, previous.key);
      if (order === 0) throw new DecodeError("DUPLICATE_SECTION", raw.offset, raw.label, `section appears twice (first at offset ${previous.offset})`);
      if (order < 0) throw new DecodeError("SECTION_ORDER", raw.offset, raw.label, "sections are not in canonical order");
    }

    standard(raw) {
      const section = this.schema.sections.find((s) => s.id === raw.id);
      if (!section) return this.unknown(raw);
      const path = `$.sections.${section.name}`;
      this.checkOptional(raw, section.optional, path);
      this.state.sections[section.name] = this.payload(section.type, raw, path);
    }

    vendorSection(raw) {
      const label = vendorLabel(raw.vendor);
      const section = this.schema.vendor_sections.find((v) => v.id === raw.id && vendorLabel(v.vendor) === label);
      if (!section) return this.unknown(raw);
      const path = `$.vendor_sections.${section.name}`;
      this.checkOptional(raw, section.optional, path);
      if (section.type === null) {
        if (this.limits.maxDepth < 1) throw new DecodeError("NESTING_TOO_DEEP", raw.payload, path, `values nest deeper than ${this.limits.maxDepth}`);
        const size = raw.end - raw.payload;
        if (size > section.max) throw new DecodeError("LENGTH_OVER_MAX", raw.payload, path, `opaque payload of ${size} bytes is over the declared max ${section.max}`);
        if (size > this.limits.maxRegionSize) throw new DecodeError("LIMIT_EXCEEDED", raw.payload, path, `a region of ${size} bytes is over the limit`);
        this.span(raw.payload, size, path, "opaque payload");
        this.state.vendor_sections[section.name] = this.bytes.subarray(raw.payload, raw.end);
        return;
      }
      this.state.vendor_sections[section.name] = this.payload(section.type, raw, path);
    }

    checkOptional(raw, optional, path) {
      if (Boolean(raw.flags & OPTIONAL) !== optional) {
        throw new DecodeError("BAD_SECTION_FLAGS", raw.offset + 2, path, `the OPTIONAL flag must be ${optional ? "set" : "clear"}`);
      }
    }

    unknown(raw) {
      if (!(raw.flags & OPTIONAL)) throw new DecodeError("UNKNOWN_SECTION", raw.offset, raw.label, "the section is unknown to the reader and not marked OPTIONAL");
      if (this.state.unknown_sections.length >= this.limits.maxUnknownSections) throw new DecodeError("LIMIT_EXCEEDED", raw.offset, raw.label, `over the limit of ${this.limits.maxUnknownSections} unknown sections per blob (max_unknown_sections)`);
      const entry = { id: raw.id, flags: raw.flags };
      if (raw.vendor) entry.vendor = vendorLabel(raw.vendor);
      entry.payload = this.bytes.subarray(raw.payload, raw.end);
      this.span(raw.payload, raw.end - raw.payload, raw.label, "unknown optional section (kept)");
      this.state.unknown_sections.push(entry);
    }

    payload(type, raw, path) {
      const frame = { end: raw.end, depth: 1 };
      this.pos = raw.payload;
      if (frame.depth > this.limits.maxDepth) throw new DecodeError("NESTING_TOO_DEEP", this.pos, path, `values nest deeper than ${this.limits.maxDepth}`);
      if (isStruct(type)) return this.structBody(this.schema.types[type.name], frame, path);
      const value = this.value(type, frame, path, null);
      if (this.pos !== raw.end) throw new DecodeError("SECTION_TRAILING_DATA", this.pos, path, `${raw.end - this.pos} bytes follow the section's value inside its payload`);
      return value;
    }

    checkMissing(at) {
      for (const s of [...this.schema.sections].sort((a, b) => a.id - b.id)) {
        if (!s.optional && !(s.name in this.state.sections)) throw new DecodeError("MISSING_SECTION", at, `$.sections.${s.name}`, `required section '${s.name}' (id ${s.id}) is absent`);
      }
      for (const v of this.schema.vendor_sections) {
        if (!v.optional && !(v.name in this.state.vendor_sections)) throw new DecodeError("MISSING_SECTION", at, `$.vendor_sections.${v.name}`, `required vendor section '${v.name}' is absent`);
      }
    }

    // values ------------------------------------------------------------------------
    need(frame, size, path, what) {
      if (this.pos + size > frame.end) throw new DecodeError("TRUNCATED", this.pos, path, `${what} needs ${size} bytes but only ${frame.end - this.pos} remain in its container`);
    }

    prefix(frame, path, what) {
      this.need(frame, 4, path, what);
      const at = this.pos;
      const value = Number(readUnsigned(this.bytes, at, 4));
      this.span(at, 4, path, what);
      this.pos += 4;
      return [at, value];
    }

    value(type, frame, path, field) {
      if (frame.depth > this.limits.maxDepth) throw new DecodeError("NESTING_TOO_DEEP", this.pos, path, `values nest deeper than ${this.limits.maxDepth}`);
      switch (type.kind) {
        case "scalar": return this.scalar(type.name, frame, path, field);
        case "ref": return this.ref(type, frame, path, field);
        case "array": return this.array(type, frame, path, field);
        case "bytes": return this.bytesValue(type, frame, path);
        case "string": return this.string(type, frame, path);
        default: throw new Error(`unknown IR type kind ${type.kind}`);
      }
    }

    scalar(name, frame, path, field) {
      const size = SCALAR_SIZES[name];
      this.need(frame, size, path, name);
      const at = this.pos;
      const value = readInt(this.bytes, at, name);
      this.pos += size;
      this.span(at, size, path, name);
      if (name === "bool") {
        if (value > 1n) throw new DecodeError("BAD_BOOL", at, path, `bool byte is ${value}; only 0 and 1 are valid`);
        return value === 1n;
      }
      let [low, high] = scalarRange(name);
      if (field && field.min !== null && field.min !== undefined && BigInt(field.min) > low) low = BigInt(field.min);
      if (field && field.max !== null && field.max !== undefined && BigInt(field.max) < high) high = BigInt(field.max);
      if (value < low || value > high) throw new DecodeError("OUT_OF_RANGE", at, path, `${value} is outside ${low}..${high}`);
      return number(value);
    }

    ref(type, frame, path, field) {
      const named = this.schema.types[type.name];
      if (named.kind === "struct") return this.sizedStruct(named, frame, path);
      const base = named.base.name;
      const size = SCALAR_SIZES[base];
      this.need(frame, size, path, named.name);
      const at = this.pos;
      const raw = readInt(this.bytes, at, base);
      this.pos += size;
      this.span(at, size, path, `${named.kind} ${named.name}`);
      if (named.kind === "enum") {
        const member = named.values.find((v) => BigInt(v.value) === raw);
        if (member) return member.name;
        if (named.open) return number(raw);
        throw new DecodeError("BAD_ENUM", at, path, `${raw} is not a value of the closed enum ${named.name}`);
      }
      let mask = 0n;
      for (const bit of named.bits) mask |= 1n << BigInt(bit.bit);
      const unsigned = BigInt.asUintN(size * 8, raw);
      if (unsigned & ~mask) throw new DecodeError("BAD_FLAGS", at, path, `undeclared bits 0x${(unsigned & ~mask).toString(16)} of ${named.name} are set`);
      return [...named.bits].sort((a, b) => a.bit - b.bit).filter((b) => unsigned & (1n << BigInt(b.bit))).map((b) => b.name);
    }

    sizedStruct(struct, frame, path) {
      const [at, size] = this.prefix(frame, path, `the size of struct ${struct.name}`);
      if (size > frame.end - this.pos) throw new DecodeError("TRUNCATED", at, path, `struct size ${size} runs past the end of its container (${frame.end - this.pos} bytes remain)`);
      return this.structBody(struct, { end: this.pos + size, depth: frame.depth }, path);
    }

    structBody(struct, frame, path) {
      const value = {};
      const inner = { end: frame.end, depth: frame.depth + 1 };
      for (let index = 0; index < struct.fields.length; index++) {
        const field = struct.fields[index];
        const remaining = frame.end - this.pos;
        if (remaining === 0 && index >= struct.base_field_count) {
          for (const rest of struct.fields.slice(index)) value[rest.name] = this.fieldDefault(rest);
          return value;
        }
        const min = this.minSize(field.type);
        if (remaining < min) {
          throw new DecodeError("STRUCT_TOO_SHORT", this.pos, `${path}.${field.name}`,
            `the body of ${struct.name} ends at offset ${frame.end}, ${remaining ? "inside" : "before"} field '${field.name}' (needs at least ${min} bytes, ${remaining} remain)`);
        }
        value[field.name] = this.value(field.type, inner, `${path}.${field.name}`, field);
      }
      const start = this.pos;
      for (let i = start; i < frame.end; i++) {
        if (this.bytes[i] !== 0) throw new DecodeError("NONZERO_TAIL", i, path, `non-zero data in the ${frame.end - start}-byte tail after the last field of ${struct.name}; the blob was written with version ${this.head.major}.${this.head.minor}`);
      }
      if (frame.end > start) this.span(start, frame.end - start, path, "zero tail (a newer minor version's fields)");
      this.pos = frame.end;
      return value;
    }

    array(type, frame, path, field) {
      const start = this.pos;
      let count = type.length;
      if (type.max !== null) {
        const [at, n] = this.prefix(frame, path, "the array count");
        if (n > type.max) throw new DecodeError("COUNT_OVER_MAX", at, path, `count ${n} is over the declared max ${type.max}`);
        count = n;
      }
      let size = this.minSize(type.element);
      let struct = null;
      if (type.stride) {
        struct = this.schema.types[type.element.name];
        const [at, stride] = this.prefix(frame, path, "the array stride");
        if (!validStride(struct, stride)) throw new DecodeError("BAD_STRIDE", at, path, `stride ${stride} is not a valid size for ${struct.name} (body ${struct.body_size} bytes)`);
        size = stride;
      }
      const remaining = frame.end - this.pos;
      if (count * size > remaining) throw new DecodeError("COUNT_PAST_END", start, path, `${count} elements × ${type.stride ? "stride" : "minimum element size"} ${size} = ${count * size} bytes run past the end of the container (${remaining} bytes remain)`);
      const items = [];
      const inner = { end: frame.end, depth: frame.depth + 1 };
      for (let i = 0; i < count; i++) {
        if (struct) items.push(this.structBody(struct, { end: this.pos + size, depth: frame.depth + 1 }, `${path}[${i}]`));
        else items.push(this.value(type.element, inner, `${path}[${i}]`, field));
      }
      return items;
    }

    bytesValue(type, frame, path) {
      if (type.length !== null) {
        this.need(frame, type.length, path, `${type.length} bytes`);
        return this.take(type.length, path, "bytes");
      }
      const length = this.counted(frame, path, type.max, "bytes");
      return this.take(length, path, "bytes");
    }

    string(type, frame, path) {
      const length = this.counted(frame, path, type.max, "string");
      const at = this.pos;
      const raw = this.take(length, path, "UTF-8 text");
      const bad = firstInvalidUtf8(raw);
      if (bad >= 0) throw new DecodeError("BAD_UTF8", at + bad, path, "string is not valid UTF-8");
      return new TextDecoder("utf-8").decode(raw);
    }

    counted(frame, path, maximum, what) {
      const [at, length] = this.prefix(frame, path, `the length of ${what}`);
      if (length > maximum) throw new DecodeError("LENGTH_OVER_MAX", at, path, `length ${length} is over the declared max ${maximum}`);
      if (what === "bytes" && length > this.limits.maxRegionSize) throw new DecodeError("LIMIT_EXCEEDED", at, path, `a region of ${length} bytes is over the limit`);
      const remaining = frame.end - this.pos;
      if (length > remaining) throw new DecodeError("TRUNCATED", at, path, `length ${length} runs past the end of its container (${remaining} bytes remain)`);
      return length;
    }

    take(length, path, what) {
      const at = this.pos;
      this.pos += length;
      if (length) this.span(at, length, path, what);
      return this.bytes.subarray(at, at + length);
    }

    minSize(type) {
      switch (type.kind) {
        case "scalar": return SCALAR_SIZES[type.name];
        case "ref": return type.target_kind === "struct" ? 4 : type.fixed_size;
        case "bytes": return type.length !== null ? type.length : 4;
        case "string": return 4;
        case "array":
          if (type.max !== null) return type.stride ? 8 : 4;
          return type.stride ? 4 : type.length * this.minSize(type.element);
        default: throw new Error(`unknown IR type kind ${type.kind}`);
      }
    }

    // defaults (spec/wire-format.md, "Struct bodies") ---------------------------------
    fieldDefault(field) {
      const composite = isStruct(field.type) || field.type.kind === "array" || field.type.kind === "bytes";
      let value;
      if (field.default !== null && field.default !== undefined && !composite) {
        value = field.default;
        if (field.type.kind === "ref" && field.type.target_kind === "flags") {
          const bits = [...this.schema.types[field.type.name].bits].sort((a, b) => a.bit - b.bit);
          return bits.map((b) => b.name).filter((n) => value.includes(n));
        }
      } else {
        value = this.typeDefault(field.type);
      }
      return clamp(value, field.min, field.max);
    }

    typeDefault(type) {
      switch (type.kind) {
        case "scalar": return type.name === "bool" ? false : 0;
        case "bytes": return new Uint8Array(type.length || 0);
        case "string": return "";
        case "array": return type.length === null ? [] : Array.from({ length: type.length }, () => this.typeDefault(type.element));
        case "ref": {
          const named = this.schema.types[type.name];
          if (named.kind === "struct") return Object.fromEntries(named.fields.map((f) => [f.name, this.fieldDefault(f)]));
          if (named.kind === "flags") return [];
          const zero = named.values.find((v) => v.value === 0);
          if (zero) return zero.name;
          return named.open ? 0 : named.values[0].name;
        }
        default: throw new Error(`unknown IR type kind ${type.kind}`);
      }
    }
  }

  function isStruct(type) {
    return type.kind === "ref" && type.target_kind === "struct";
  }

  function validStride(struct, stride) {
    if (stride < 1) return false;
    if (stride >= struct.body_size) return true;
    return struct.fields.slice(struct.base_field_count).some((f) => f.offset === stride);
  }

  function clamp(value, low, high) {
    if (Array.isArray(value)) return value.map((v) => clamp(v, low, high));
    if (typeof value !== "number") return value;
    if (low !== null && low !== undefined && value < low) return low;
    if (high !== null && high !== undefined && value > high) return high;
    return value;
  }

  // --- results ------------------------------------------------------------------------

  // Decode `bytes` (a Uint8Array) with `schema` (IR JSON). Returns {state, spans, error,
  // header}: state is null when decoding failed; spans are the byte ranges read up to the
  // error, in reading order.
  function decodeDsf(schema, bytes, limits) {
    const decoder = new Decoder(schema, bytes, limits);
    try {
      const state = decoder.decode();
      return { state, spans: decoder.spans, error: null, header: decoder.head };
    } catch (error) {
      if (!(error instanceof DecodeError)) throw error;
      return { state: null, spans: decoder.spans, error, header: decoder.head || null };
    }
  }

  // The envelope only (model and version), to pick the reader schema before decoding.
  function peekHeader(bytes) {
    const decoder = new Decoder({ model: "", version: "0.0" }, bytes);
    try {
      return { header: decoder.header(), error: null };
    } catch (error) {
      if (!(error instanceof DecodeError)) throw error;
      return { header: null, error };
    }
  }

  // The state as JSON text, the way `devstate decode` prints it (spec/wire-format.md,
  // "State as Python values and JSON"): bytes as lower-case hex, 64-bit integers exact.
  function stateToJson(value, indent) {
    const pad = (level) => (indent ? "\n" + " ".repeat(indent * level) : "");
    const walk = (v, level) => {
      if (typeof v === "bigint") return v.toString();
      if (v instanceof Uint8Array) return JSON.stringify(hex(v));
      if (Array.isArray(v)) {
        if (!v.length) return "[]";
        return "[" + v.map((item) => pad(level + 1) + walk(item, level + 1)).join(",") + pad(level) + "]";
      }
      if (v !== null && typeof v === "object") {
        const keys = Object.keys(v);
        if (!keys.length) return "{}";
        const sep = indent ? ": " : ":";
        return "{" + keys.map((k) => pad(level + 1) + JSON.stringify(k) + sep + walk(v[k], level + 1)).join(",") + pad(level) + "}";
      }
      return JSON.stringify(v);
    };
    return walk(value, 0);
  }

  const api = { decodeDsf, peekHeader, stateToJson, crc32c, hex, DecodeError, ERROR_NUMBERS };
  if (typeof module !== "undefined" && module.exports) module.exports = api;
  else root.DSF = api;
})(typeof window !== "undefined" ? window : globalThis);
