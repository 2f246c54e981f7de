//! The DSF v1 runtime: what every generated model module shares (spec/wire-format.md).
//!
//! The public part is small: [`Limits`], [`DecodeError`] and [`EncodeError`] with their
//! stable [`ErrorCode`], [`UnknownSection`] and [`Vendor`] for sections a reader does not
//! know, [`crc32c`], and the [`Codec`] trait every generated `State` implements. The rest
//! (`pub(crate)`) is what generated code calls: little-endian loads, the envelope, section
//! framing and order, error paths, the writer and the canonical section order on encode,
//! and state JSON. It holds no per-schema knowledge.
//!
//! Byte order: every integer is read with `from_le_bytes` and written with `to_le_bytes`,
//! so the codecs are correct on big-endian hosts too. No `unsafe` anywhere (the crate
//! forbids it), so CRC-32C is table-driven (slicing-by-8, tables computed at compile
//! time) rather than the SSE4.2 instruction the C runtime uses.
//!
//! Error paths are built only on failure: the failing site returns a `Fail` with its own
//! part of the path, and each caller prepends its part on the way out.
#![allow(dead_code)] // one runtime serves every model; a crate with fewer models leaves some helpers unused

use alloc::borrow::Cow;
use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

pub use super::dsf1_errors::ErrorCode;

// ---- limits ------------------------------------------------------------------------------

/// What a decoder refuses with `LIMIT_EXCEEDED` or `NESTING_TOO_DEEP` (spec, "Limits").
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Limits {
    /// The whole blob, in bytes (checked on the input's size and on the header's total length).
    pub max_total_size: u64,
    /// One counted `bytes` value or opaque vendor payload, in bytes.
    pub max_region_size: u64,
    /// Nesting of values; a section's value has depth 1.
    pub max_depth: u32,
    /// Sections in one blob (standard and vendor, known and unknown).
    pub max_sections: u64,
    /// Unknown optional sections in one blob (the ones decode skips and keeps).
    pub max_unknown_sections: u64,
}

impl Limits {
    /// 1 GiB blobs, 256 MiB regions, depth 16 (the schema language's limit), 4096 sections
    /// of which 32 unknown.
    pub const DEFAULT: Limits = Limits {
        max_total_size: 1 << 30,
        max_region_size: 1 << 28,
        max_depth: 16,
        max_sections: 4096,
        max_unknown_sections: 32,
    };
}

impl Default for Limits {
    fn default() -> Limits {
        Limits::DEFAULT
    }
}

// ---- errors ------------------------------------------------------------------------------

/// A blob is invalid: the stable code, the absolute byte offset and the field path
/// (`$.sections.queues[3].size`, `$.header.total_length`, `$.sections[id=9]`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DecodeError {
    pub code: ErrorCode,
    pub offset: usize,
    pub path: String,
}

/// A state cannot be encoded: the stable code and the field path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EncodeError {
    pub code: ErrorCode,
    pub path: String,
}

impl fmt::Display for DecodeError {
    /// `CODE at offset N ($.path): description`
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (name, what) = (self.code.name(), self.code.description());
        write!(
            formatter,
            "{} at offset {} ({}): {}",
            name, self.offset, self.path, what
        )
    }
}

impl fmt::Display for EncodeError {
    /// `CODE ($.path): description`
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            formatter,
            "{} ({}): {}",
            self.code.name(),
            self.path,
            self.code.description()
        )
    }
}

#[cfg(feature = "std")]
impl std::error::Error for DecodeError {}

#[cfg(feature = "std")]
impl std::error::Error for EncodeError {}

/// An error on its way out of generated code: the path is relative to the function that
/// raised it until the section's decoder or encoder completes it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Fail {
    pub code: ErrorCode,
    pub offset: usize,
    pub path: String,
}

impl Fail {
    #[cold]
    #[inline(never)]
    pub fn new(code: ErrorCode, offset: usize, path: impl Into<String>) -> Fail {
        Fail {
            code,
            offset,
            path: path.into(),
        }
    }

    /// The same failure seen from a caller: `head` goes before the path.
    #[cold]
    pub fn under(mut self, head: &str) -> Fail {
        self.path.insert_str(0, head);
        self
    }

    /// `under` for an array element: `head[index]` goes before the path.
    #[cold]
    pub fn under_index(self, head: &str, index: usize) -> Fail {
        self.under(&format!("{}[{}]", head, index))
    }

    pub fn decode_error(self) -> DecodeError {
        DecodeError {
            code: self.code,
            offset: self.offset,
            path: self.path,
        }
    }

    pub fn encode_error(self) -> EncodeError {
        EncodeError {
            code: self.code,
            path: self.path,
        }
    }
}

#[cold]
fn decode_error(code: ErrorCode, offset: usize, path: impl Into<String>) -> DecodeError {
    DecodeError {
        code,
        offset,
        path: path.into(),
    }
}

#[cold]
pub(crate) fn encode_error(code: ErrorCode, path: impl Into<String>) -> EncodeError {
    EncodeError {
        code,
        path: path.into(),
    }
}

// ---- CRC-32C -----------------------------------------------------------------------------

/// CRC-32C (Castagnoli, reflected polynomial 0x82F63B78; spec "Checksum").
pub const CRC32C_POLYNOMIAL_REFLECTED: u32 = 0x82F6_3B78;

const fn crc_tables() -> [[u32; 256]; 8] {
    let mut tables = [[0u32; 256]; 8];
    let mut byte = 0;
    while byte < 256 {
        let mut crc = byte as u32;
        let mut bit = 0;
        while bit < 8 {
            crc = if crc & 1 != 0 {
                (crc >> 1) ^ CRC32C_POLYNOMIAL_REFLECTED
            } else {
                crc >> 1
            };
            bit += 1;
        }
        tables[0][byte] = crc;
        byte += 1;
    }
    let mut slice = 1;
    while slice < 8 {
        let mut byte = 0;
        while byte < 256 {
            let prev = tables[slice - 1][byte];
            tables[slice][byte] = (prev >> 8) ^ tables[0][(prev & 0xFF) as usize];
            byte += 1;
        }
        slice += 1;
    }
    tables
}

static CRC_TABLES: [[u32; 256]; 8] = crc_tables();

/// The CRC register after `data` (no initial or final inversion): slicing-by-8.
fn crc_register(mut crc: u32, data: &[u8]) -> u32 {
    let tables = &CRC_TABLES;
    let mut words = data.chunks_exact(8);
    for word in &mut words {
        let lo = crc ^ u32::from_le_bytes([word[0], word[1], word[2], word[3]]);
        crc = tables[7][(lo & 0xFF) as usize]
            ^ tables[6][((lo >> 8) & 0xFF) as usize]
            ^ tables[5][((lo >> 16) & 0xFF) as usize]
            ^ tables[4][(lo >> 24) as usize]
            ^ tables[3][word[4] as usize]
            ^ tables[2][word[5] as usize]
            ^ tables[1][word[6] as usize]
            ^ tables[0][word[7] as usize];
    }
    for &byte in words.remainder() {
        crc = tables[0][((crc ^ byte as u32) & 0xFF) as usize] ^ (crc >> 8);
    }
    crc
}

/// CRC-32C of `data` continuing from a previous result (`0` to start).
///
/// `crc32c(0, b"123456789") == 0xE306_9283`; `crc32c(crc32c(0, a), b) == crc32c(0, ab)`.
pub fn crc32c(crc: u32, data: &[u8]) -> u32 {
    !crc_register(!crc, data)
}

/// Which CRC-32C implementation this runtime uses (the benchmark prints it).
pub const CRC32C_IMPLEMENTATION: &str = "slicing-by-8";

// ---- little-endian loads -----------------------------------------------------------------

#[inline(always)]
pub(crate) fn ld16(blob: &[u8], at: usize) -> u16 {
    let bytes = &blob[at..at + 2];
    u16::from_le_bytes([bytes[0], bytes[1]])
}

#[inline(always)]
pub(crate) fn ld32(blob: &[u8], at: usize) -> u32 {
    let bytes = &blob[at..at + 4];
    u32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]])
}

#[inline(always)]
pub(crate) fn ld64(blob: &[u8], at: usize) -> u64 {
    let bytes = &blob[at..at + 8];
    u64::from_le_bytes([
        bytes[0], bytes[1], bytes[2], bytes[3], bytes[4], bytes[5], bytes[6], bytes[7],
    ])
}

/// A u32 length or count as a `usize` (u32 always fits: the crate needs a 32- or 64-bit target).
#[inline(always)]
pub(crate) fn ld_len(blob: &[u8], at: usize) -> usize {
    ld32(blob, at) as usize
}

// ---- the envelope ------------------------------------------------------------------------

pub(crate) const MAGIC: [u8; 8] = [0x89, 0x44, 0x53, 0x46, 0x0D, 0x0A, 0x1A, 0x0A];
pub(crate) const FORMAT_VERSION: u16 = 1;
pub(crate) const FIXED_HEADER_SIZE: usize = 25;
pub(crate) const TRAILER_SIZE: usize = 4;
pub(crate) const MAX_MODEL_ID_LENGTH: usize = 128;

/// What the header says: the writer's version and where the sections are.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Envelope {
    pub major: u16,
    pub minor: u16,
    pub sections: usize,
    pub trailer: usize,
}

fn model_id_ok(id: &[u8]) -> bool {
    let mut labels = 0;
    for (index, &byte) in id.iter().enumerate() {
        let starts_label = index == 0 || id[index - 1] == b'.';
        if starts_label && !byte.is_ascii_lowercase() {
            return false;
        }
        if starts_label {
            labels += 1;
        }
        if !(byte.is_ascii_lowercase() || byte.is_ascii_digit() || byte == b'-' || byte == b'.') {
            return false;
        }
    }
    labels >= 2 && id.last() != Some(&b'.')
}

fn header_field(blob: &[u8], offset: usize, size: usize, name: &str) -> Result<u64, DecodeError> {
    if blob.len() < offset + size {
        return Err(decode_error(
            ErrorCode::Truncated,
            offset,
            format!("$.header.{}", name),
        ));
    }
    let mut value = 0u64;
    for (index, &byte) in blob[offset..offset + size].iter().enumerate() {
        value |= (byte as u64) << (8 * index);
    }
    Ok(value)
}

/// Check the header, the lengths, the model id, the checksum, the model and the major
/// version, in the spec's decoding order (steps 1-5).
pub(crate) fn read_envelope(
    blob: &[u8],
    limits: &Limits,
    model: &str,
    major: u16,
) -> Result<Envelope, DecodeError> {
    use ErrorCode::*;
    let len = blob.len();
    if len as u64 > limits.max_total_size {
        return Err(decode_error(LimitExceeded, 0, "$"));
    }
    let prefix = &blob[..len.min(8)];
    if prefix != &MAGIC[..prefix.len()] {
        return Err(decode_error(BadMagic, 0, "$.header.magic"));
    }
    if len < 8 {
        return Err(decode_error(Truncated, 0, "$.header.magic"));
    }
    if header_field(blob, 8, 2, "format_version")? != FORMAT_VERSION as u64 {
        return Err(decode_error(
            UnsupportedFormatVersion,
            8,
            "$.header.format_version",
        ));
    }
    if header_field(blob, 10, 2, "flags")? != 0 {
        return Err(decode_error(BadHeaderFlags, 10, "$.header.flags"));
    }
    let blob_major = header_field(blob, 12, 2, "major")? as u16;
    let blob_minor = header_field(blob, 14, 2, "minor")? as u16;
    let total = header_field(blob, 16, 8, "total_length")?;
    if total > limits.max_total_size {
        return Err(decode_error(LimitExceeded, 16, "$.header.total_length"));
    }
    let id_len = header_field(blob, 24, 1, "model_id_length")? as usize;
    if !(1..=MAX_MODEL_ID_LENGTH).contains(&id_len) {
        return Err(decode_error(BadModelId, 24, "$.header.model_id_length"));
    }
    if total < (FIXED_HEADER_SIZE + id_len + TRAILER_SIZE) as u64 || (len as u64) < total {
        return Err(decode_error(LengthMismatch, 16, "$.header.total_length"));
    }
    if len as u64 > total {
        return Err(decode_error(TrailingBytes, total as usize, "$.trailer"));
    }
    let id = &blob[FIXED_HEADER_SIZE..FIXED_HEADER_SIZE + id_len];
    if !model_id_ok(id) {
        return Err(decode_error(
            BadModelId,
            FIXED_HEADER_SIZE,
            "$.header.model",
        ));
    }
    let trailer = len - TRAILER_SIZE;
    if ld32(blob, trailer) != crc32c(0, &blob[..trailer]) {
        return Err(decode_error(BadChecksum, trailer, "$.trailer.crc32c"));
    }
    if id != model.as_bytes() {
        return Err(decode_error(
            ModelMismatch,
            FIXED_HEADER_SIZE,
            "$.header.model",
        ));
    }
    if blob_major != major {
        return Err(decode_error(MajorMismatch, 12, "$.header.major"));
    }
    Ok(Envelope {
        major: blob_major,
        minor: blob_minor,
        sections: FIXED_HEADER_SIZE + id_len,
        trailer,
    })
}

// ---- sections ----------------------------------------------------------------------------

pub(crate) const FLAG_OPTIONAL: u16 = 0x0001;
pub(crate) const FLAG_VENDOR: u16 = 0x0002;
pub(crate) const SECTION_HEADER_SIZE: usize = 8;
/// The size of a vendor section's vendor header (namespace kind and namespace).
pub const VENDOR_HEADER_SIZE: usize = 18;
pub(crate) const MAX_SECTION_ID: u16 = 0x7FFF;

/// A vendor namespace: a PCI vendor id or a UUID (spec, "Vendor sections").
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Vendor {
    /// A PCI vendor id, 0x0001..0xFFFE.
    Pci(u16),
    /// A UUID's 16 bytes in RFC 9562 (network) byte order.
    Uuid([u8; 16]),
}

impl Vendor {
    /// The 18-byte vendor header of this namespace.
    pub const fn header(&self) -> [u8; VENDOR_HEADER_SIZE] {
        let mut raw = [0u8; VENDOR_HEADER_SIZE];
        match *self {
            Vendor::Pci(id) => {
                raw[0] = 1;
                raw[2] = id as u8;
                raw[3] = (id >> 8) as u8;
            }
            Vendor::Uuid(uuid) => {
                raw[0] = 2;
                let mut index = 0;
                while index < 16 {
                    raw[2 + index] = uuid[index];
                    index += 1;
                }
            }
        }
        raw
    }

    /// The namespace of a valid vendor header, else `None`.
    pub fn from_header(raw: &[u8]) -> Option<Vendor> {
        if raw.len() != VENDOR_HEADER_SIZE {
            return None;
        }
        match ld16(raw, 0) {
            1 => {
                let id = ld16(raw, 2);
                let padding_zero = raw[4..].iter().all(|&byte| byte == 0);
                if id == 0 || id == 0xFFFF || !padding_zero {
                    return None;
                }
                Some(Vendor::Pci(id))
            }
            2 => {
                let mut uuid = [0u8; 16];
                uuid.copy_from_slice(&raw[2..]);
                Some(Vendor::Uuid(uuid))
            }
            _ => None,
        }
    }

    /// Whether a writer may use it (PCI vendor ids 0x0000 and 0xFFFF are not vendors).
    pub fn is_valid(&self) -> bool {
        !matches!(*self, Vendor::Pci(0) | Vendor::Pci(0xFFFF))
    }
}

impl fmt::Display for Vendor {
    /// `pci:0x1af4` or `uuid:5f1c0a2e-7d4b-4e8a-9a51-0c0ffee0a0a0`
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Vendor::Pci(id) => write!(formatter, "pci:0x{:04x}", id),
            Vendor::Uuid(bytes) => {
                formatter.write_str("uuid:")?;
                for (index, byte) in bytes.iter().enumerate() {
                    if index == 4 || index == 6 || index == 8 || index == 10 {
                        formatter.write_str("-")?;
                    }
                    write!(formatter, "{:02x}", byte)?;
                }
                Ok(())
            }
        }
    }
}

/// An optional section the reader does not know: kept by decode, written back unchanged
/// (at its canonical position) by encode.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnknownSection<'a> {
    pub id: u16,
    /// OPTIONAL, and VENDOR exactly when `vendor` is given.
    pub flags: u16,
    pub vendor: Option<Vendor>,
    /// The payload (after the vendor header): borrowed from the blob when decoded.
    pub payload: Cow<'a, [u8]>,
}

impl UnknownSection<'_> {
    /// The same section owning its payload.
    pub fn into_owned(self) -> UnknownSection<'static> {
        UnknownSection {
            id: self.id,
            flags: self.flags,
            vendor: self.vendor,
            payload: Cow::Owned(self.payload.into_owned()),
        }
    }
}

/// A section's place in the canonical order: standard sections (no vendor) by id first,
/// then vendor sections by (vendor header bytes, id). The derived order is exactly that.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct SectionKey {
    pub vendor: Option<[u8; VENDOR_HEADER_SIZE]>,
    pub id: u16,
}

/// One framed section of a blob.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Frame<'a> {
    /// Offsets: the section header, the value (after any vendor header), the payload's end.
    pub offset: usize,
    pub payload: usize,
    pub end: usize,
    pub id: u16,
    pub flags: u16,
    /// The 18-byte vendor header of a vendor section.
    pub vendor: Option<&'a [u8]>,
}

impl<'a> Frame<'a> {
    fn key(&self) -> SectionKey {
        let vendor = self.vendor.map(|header| {
            let mut raw = [0u8; VENDOR_HEADER_SIZE];
            raw.copy_from_slice(header);
            raw
        });
        SectionKey {
            vendor,
            id: self.id,
        }
    }

    /// `$.sections[id=N]` or `$.vendor_sections[pci:0x1af4#N]`: how a section is named
    /// before the reader knows it.
    #[cold]
    fn label(&self) -> String {
        match self.vendor.and_then(Vendor::from_header) {
            None => format!("$.sections[id={}]", self.id),
            Some(vendor) => format!("$.vendor_sections[{}#{}]", vendor, self.id),
        }
    }

    /// The section's OPTIONAL bit must be what the reader's schema declares.
    pub fn expect_optional(&self, optional: bool, path: &str) -> Result<(), DecodeError> {
        if (self.flags & FLAG_OPTIONAL != 0) != optional {
            return Err(decode_error(
                ErrorCode::BadSectionFlags,
                self.offset + 2,
                path,
            ));
        }
        Ok(())
    }

    /// A section the reader does not know: refused unless OPTIONAL, else kept (`kept` are
    /// kept already; one more than `max_unknown_sections` is LIMIT_EXCEEDED).
    pub fn unknown(
        &self,
        blob: &'a [u8],
        kept: usize,
        limits: &Limits,
    ) -> Result<UnknownSection<'a>, DecodeError> {
        if self.flags & FLAG_OPTIONAL == 0 {
            return Err(decode_error(
                ErrorCode::UnknownSection,
                self.offset,
                self.label(),
            ));
        }
        if kept as u64 >= limits.max_unknown_sections {
            return Err(decode_error(
                ErrorCode::LimitExceeded,
                self.offset,
                self.label(),
            ));
        }
        Ok(UnknownSection {
            id: self.id,
            flags: self.flags,
            vendor: self.vendor.and_then(Vendor::from_header),
            payload: Cow::Borrowed(&blob[self.payload..self.end]),
        })
    }
}

/// The sections of a blob in order, each framed and checked against the one before.
pub(crate) struct Frames<'a> {
    blob: &'a [u8],
    at: usize,
    trailer: usize,
    previous: Option<SectionKey>,
    /// Sections still allowed (`max_sections` minus those framed).
    allowed: u64,
}

pub(crate) fn frames<'a>(blob: &'a [u8], envelope: &Envelope, limits: &Limits) -> Frames<'a> {
    Frames {
        blob,
        at: envelope.sections,
        trailer: envelope.trailer,
        previous: None,
        allowed: limits.max_sections,
    }
}

impl<'a> Frames<'a> {
    fn frame_at(&self, at: usize) -> Result<Frame<'a>, DecodeError> {
        use ErrorCode::*;
        let (blob, trailer) = (self.blob, self.trailer);
        if trailer - at < SECTION_HEADER_SIZE {
            return Err(decode_error(SectionPastEnd, at, "$.sections"));
        }
        let (id, flags, length) = (ld16(blob, at), ld16(blob, at + 2), ld_len(blob, at + 4));
        if id == 0 || id > MAX_SECTION_ID {
            return Err(decode_error(
                BadSectionId,
                at,
                format!("$.sections[id={}]", id),
            ));
        }
        if flags & !(FLAG_OPTIONAL | FLAG_VENDOR) != 0 {
            return Err(decode_error(
                BadSectionFlags,
                at + 2,
                format!("$.sections[id={}]", id),
            ));
        }
        if length > trailer - at - SECTION_HEADER_SIZE {
            return Err(decode_error(
                SectionPastEnd,
                at + 4,
                format!("$.sections[id={}]", id),
            ));
        }
        let start = at + SECTION_HEADER_SIZE;
        let mut frame = Frame {
            offset: at,
            payload: start,
            end: start + length,
            id,
            flags,
            vendor: None,
        };
        if flags & FLAG_VENDOR != 0 {
            let kind = if length >= VENDOR_HEADER_SIZE {
                ld16(blob, start)
            } else {
                0
            };
            if kind != 1 && kind != 2 {
                let path = format!("$.vendor_sections[id={}]", id);
                return Err(decode_error(BadVendorHeader, start, path));
            }
            let raw = &blob[start..start + VENDOR_HEADER_SIZE];
            if Vendor::from_header(raw).is_none() {
                let path = format!("$.vendor_sections[id={}]", id);
                return Err(decode_error(BadVendorHeader, start + 2, path));
            }
            frame.vendor = Some(raw);
            frame.payload += VENDOR_HEADER_SIZE;
        }
        Ok(frame)
    }

    fn check_order(&self, frame: &Frame<'a>) -> Result<SectionKey, DecodeError> {
        let key = frame.key();
        match self.previous {
            Some(previous) if previous == key => Err(decode_error(
                ErrorCode::DuplicateSection,
                frame.offset,
                frame.label(),
            )),
            Some(previous) if key < previous => Err(decode_error(
                ErrorCode::SectionOrder,
                frame.offset,
                frame.label(),
            )),
            _ => Ok(key),
        }
    }

    fn next_frame(&mut self) -> Result<Frame<'a>, DecodeError> {
        if self.allowed == 0 {
            return Err(decode_error(
                ErrorCode::LimitExceeded,
                self.at,
                "$.sections",
            ));
        }
        self.allowed -= 1;
        let frame = self.frame_at(self.at)?;
        self.previous = Some(self.check_order(&frame)?);
        self.at = frame.end;
        Ok(frame)
    }
}

impl<'a> Iterator for Frames<'a> {
    type Item = Result<Frame<'a>, DecodeError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.at >= self.trailer {
            return None;
        }
        let frame = self.next_frame();
        if frame.is_err() {
            self.at = self.trailer;
        }
        Some(frame)
    }
}

/// A required section is absent: `MISSING_SECTION` at the trailer.
#[cold]
pub(crate) fn missing_section(envelope: &Envelope, path: &str) -> DecodeError {
    decode_error(ErrorCode::MissingSection, envelope.trailer, path)
}

/// A section decoder's failure, with the section's path before it.
#[cold]
pub(crate) fn section_error(fail: Fail, path: &str) -> DecodeError {
    fail.under(path).decode_error()
}

// ---- decoding values ---------------------------------------------------------------------

/// What the value decoders read: the whole blob and the limits that apply inside it.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Ctx<'a> {
    pub buf: &'a [u8],
    pub max_region: u64,
    pub max_depth: u32,
}

impl<'a> Ctx<'a> {
    pub fn new(buf: &'a [u8], limits: &Limits) -> Ctx<'a> {
        Ctx {
            buf,
            max_region: limits.max_region_size,
            max_depth: limits.max_depth,
        }
    }

    /// A struct body's last known field is at `at`: the rest up to `end` must be zero
    /// (fields a newer writer appended, at their defaults).
    #[inline]
    pub fn zero_tail(&self, at: usize, end: usize) -> Result<(), Fail> {
        match self.buf[at..end].iter().position(|&byte| byte != 0) {
            None => Ok(()),
            Some(index) => Err(Fail::new(ErrorCode::NonzeroTail, at + index, "")),
        }
    }

    /// `len` bytes at `at` as UTF-8, or `BAD_UTF8` at the first invalid byte.
    #[inline]
    pub fn utf8(&self, at: usize, len: usize, path: &str) -> Result<&'a str, Fail> {
        core::str::from_utf8(&self.buf[at..at + len])
            .map_err(|error| Fail::new(ErrorCode::BadUtf8, at + error.valid_up_to(), path))
    }

    /// An opaque vendor payload [at, end): its declared maximum, then the region limit.
    pub fn opaque(&self, at: usize, end: usize, max: u64, path: &str) -> Result<&'a [u8], Fail> {
        let len = (end - at) as u64;
        if len > max {
            return Err(Fail::new(ErrorCode::LengthOverMax, at, path));
        }
        if len > self.max_region {
            return Err(Fail::new(ErrorCode::LimitExceeded, at, path));
        }
        Ok(&self.buf[at..end])
    }
}

// ---- encoding ----------------------------------------------------------------------------

/// Writes a blob into a buffer whose size `encoded_len` computed. Writes that would not fit
/// are dropped and remembered (so even a wrong size can never panic); `seal` reports them.
pub(crate) struct Writer<'o> {
    buf: &'o mut [u8],
    pub at: usize,
    overflow: bool,
}

impl<'o> Writer<'o> {
    pub fn new(buf: &'o mut [u8]) -> Writer<'o> {
        Writer {
            buf,
            at: 0,
            overflow: false,
        }
    }

    #[inline(always)]
    pub fn put(&mut self, bytes: &[u8]) {
        let end = self.at + bytes.len();
        match self.buf.get_mut(self.at..end) {
            Some(dst) => dst.copy_from_slice(bytes),
            None => self.overflow = true,
        }
        self.at = end;
    }

    #[inline(always)]
    pub fn u8(&mut self, value: u8) {
        match self.buf.get_mut(self.at) {
            Some(dst) => *dst = value,
            None => self.overflow = true,
        }
        self.at += 1;
    }

    #[inline(always)]
    pub fn u16(&mut self, value: u16) {
        self.put(&value.to_le_bytes());
    }

    #[inline(always)]
    pub fn u32(&mut self, value: u32) {
        self.put(&value.to_le_bytes());
    }

    #[inline(always)]
    pub fn u64(&mut self, value: u64) {
        self.put(&value.to_le_bytes());
    }

    /// A u32 count or length (the caller checked it against the declared maximum).
    #[inline(always)]
    pub fn len32(&mut self, len: usize) {
        self.u32(len as u32);
    }

    /// A u32 placeholder for a size that `patch_size` fills in; returns its offset.
    #[inline(always)]
    pub fn reserve_size(&mut self) -> usize {
        let at = self.at;
        self.u32(0);
        at
    }

    /// The size of what was written since the placeholder at `at` (LIMIT_EXCEEDED over u32).
    #[inline]
    pub fn patch_size(&mut self, at: usize, path: &str) -> Result<(), Fail> {
        let size = self.at - at - 4;
        if size > u32::MAX as usize {
            return Err(Fail::new(ErrorCode::LimitExceeded, 0, path));
        }
        if let Some(dst) = self.buf.get_mut(at..at + 4) {
            dst.copy_from_slice(&(size as u32).to_le_bytes());
        }
        Ok(())
    }

    pub fn header(&mut self, model: &str, major: u16, minor: u16) {
        self.put(&MAGIC);
        self.u16(FORMAT_VERSION);
        self.u16(0);
        self.u16(major);
        self.u16(minor);
        self.u64(0); // total_length, by seal
        self.u8(model.len() as u8);
        self.put(model.as_bytes());
    }

    /// Total length and trailer; returns the blob's size.
    pub fn seal(mut self) -> Result<usize, EncodeError> {
        let total = self.at + TRAILER_SIZE;
        if self.overflow || total > self.buf.len() {
            return Err(encode_error(ErrorCode::LimitExceeded, "$"));
        }
        self.buf[16..24].copy_from_slice(&(total as u64).to_le_bytes());
        let crc = crc32c(0, &self.buf[..self.at]);
        self.u32(crc);
        Ok(total)
    }
}

/// The size of a blob of `model` whose sections (headers included) take `sections` bytes.
pub(crate) const fn blob_size(model: &str, sections: usize) -> usize {
    FIXED_HEADER_SIZE + model.len() + sections + TRAILER_SIZE
}

/// A section's header and vendor header in the encoded size.
pub(crate) const fn section_overhead(vendor: bool) -> usize {
    SECTION_HEADER_SIZE + if vendor { VENDOR_HEADER_SIZE } else { 0 }
}

/// The encoded size of the unknown sections a state carries.
pub(crate) fn unknown_size(unknown: &[UnknownSection<'_>]) -> usize {
    unknown
        .iter()
        .map(|section| section_overhead(section.vendor.is_some()) + section.payload.len())
        .sum()
}

/// One section a model knows, for the canonical order on encode.
#[derive(Clone, Copy, Debug)]
pub(crate) struct KnownSection {
    pub key: SectionKey,
    pub flags: u16,
    pub path: &'static str,
}

impl KnownSection {
    pub const fn standard(id: u16, optional: bool, path: &'static str) -> KnownSection {
        KnownSection {
            key: SectionKey { vendor: None, id },
            flags: if optional { FLAG_OPTIONAL } else { 0 },
            path,
        }
    }

    pub const fn vendor(
        vendor: Vendor,
        id: u16,
        optional: bool,
        path: &'static str,
    ) -> KnownSection {
        KnownSection {
            key: SectionKey {
                vendor: Some(vendor.header()),
                id,
            },
            flags: FLAG_VENDOR | if optional { FLAG_OPTIONAL } else { 0 },
            path,
        }
    }
}

/// An unknown entry of a state to encode, checked: its order key, or INVALID_STATE.
fn unknown_key(
    section: &UnknownSection<'_>,
    index: usize,
    known: &[KnownSection],
) -> Result<SectionKey, EncodeError> {
    let at = |field: &str| format!("$.unknown_sections[{}]{}", index, field);
    if section.id == 0 || section.id > MAX_SECTION_ID {
        return Err(encode_error(ErrorCode::InvalidState, at(".id")));
    }
    if section.flags & !(FLAG_OPTIONAL | FLAG_VENDOR) != 0
        || (section.flags & FLAG_VENDOR != 0) != section.vendor.is_some()
    {
        return Err(encode_error(ErrorCode::InvalidState, at(".flags")));
    }
    if !section.vendor.map_or(true, |vendor| vendor.is_valid()) {
        return Err(encode_error(ErrorCode::InvalidState, at(".vendor")));
    }
    let size = section.payload.len()
        + if section.vendor.is_some() {
            VENDOR_HEADER_SIZE
        } else {
            0
        };
    if size > u32::MAX as usize {
        return Err(encode_error(ErrorCode::LimitExceeded, at("")));
    }
    let key = SectionKey {
        vendor: section.vendor.map(|vendor| vendor.header()),
        id: section.id,
    };
    if known.iter().any(|known_section| known_section.key == key) {
        return Err(encode_error(ErrorCode::InvalidState, at("")));
    }
    Ok(key)
}

/// Write the present known sections (`present[i]` for `known[i]`, payloads by `payload`)
/// and the unknown ones in canonical order. Errors of known sections come first, then
/// those of unknown entries, then duplicates among them (as in the reference codec).
pub(crate) fn write_sections<F>(
    writer: &mut Writer<'_>,
    known: &[KnownSection],
    present: &[bool],
    unknown: &[UnknownSection<'_>],
    mut payload: F,
) -> Result<(), EncodeError>
where
    F: FnMut(usize, &mut Writer<'_>) -> Result<(), Fail>,
{
    let mut deferred: Option<EncodeError> = None;
    let mut order: Vec<(SectionKey, isize)> = Vec::with_capacity(known.len() + unknown.len());
    for (index, section) in known.iter().enumerate() {
        if present[index] {
            order.push((section.key, index as isize));
        }
    }
    for (index, section) in unknown.iter().enumerate() {
        match unknown_key(section, index, known) {
            Ok(key) => order.push((key, -1 - index as isize)),
            Err(error) if deferred.is_none() => deferred = Some(error),
            Err(_) => {}
        }
    }
    if !unknown.is_empty() {
        order.sort_by_key(|item| item.0);
    }
    for &(key, which) in &order {
        let start = writer.at;
        writer.u16(key.id);
        if which >= 0 {
            writer.u16(known[which as usize].flags);
        } else {
            writer.u16(unknown[(-1 - which) as usize].flags);
        }
        writer.u32(0);
        if let Some(raw) = key.vendor {
            writer.put(&raw);
        }
        let path = if which >= 0 {
            payload(which as usize, writer)
                .map_err(|fail| fail.under(known[which as usize].path).encode_error())?;
            known[which as usize].path
        } else {
            writer.put(&unknown[(-1 - which) as usize].payload);
            "$.unknown_sections"
        };
        let size = writer.at - start - SECTION_HEADER_SIZE;
        if size > u32::MAX as usize {
            return Err(encode_error(ErrorCode::LimitExceeded, path));
        }
        if let Some(dst) = writer.buf.get_mut(start + 4..start + 8) {
            dst.copy_from_slice(&(size as u32).to_le_bytes());
        }
    }
    if let Some(error) = deferred {
        return Err(error);
    }
    if order.windows(2).any(|pair| pair[0].0 == pair[1].0) {
        return Err(encode_error(
            ErrorCode::DuplicateSection,
            "$.unknown_sections",
        ));
    }
    Ok(())
}

// ---- the trait every generated State implements --------------------------------------------

/// A generated model's state: decode, encode and state JSON, the same for every model.
pub trait Codec<'a>: Sized {
    /// The model id, e.g. `org.virtio.net`.
    const MODEL: &'static str;
    const VERSION_MAJOR: u16;
    const VERSION_MINOR: u16;

    /// Decode a blob with these limits; bytes and strings of the state borrow from `blob`.
    fn decode_with_limits(blob: &'a [u8], limits: &Limits) -> Result<Self, DecodeError>;

    /// Decode a blob with the default limits.
    fn decode(blob: &'a [u8]) -> Result<Self, DecodeError> {
        Self::decode_with_limits(blob, &Limits::DEFAULT)
    }

    /// The size of the canonical encoding (exact).
    fn encoded_len(&self) -> usize;

    /// Encode canonically into `out` (at least `encoded_len()` bytes, else
    /// `LIMIT_EXCEEDED` at `$`), checking every constraint; returns the blob's size.
    fn encode_into(&self, out: &mut [u8]) -> Result<usize, EncodeError>;

    /// The canonical blob in a new vector.
    fn encode(&self) -> Result<Vec<u8>, EncodeError> {
        let mut out = alloc::vec![0u8; self.encoded_len()];
        let size = self.encode_into(&mut out)?;
        out.truncate(size);
        Ok(out)
    }

    /// The state as devstate JSON (spec/wire-format.md, "State as Python values and JSON").
    fn write_json(&self, out: &mut String);

    fn to_json(&self) -> String {
        let mut out = String::new();
        self.write_json(&mut out);
        out
    }
}

// ---- state JSON --------------------------------------------------------------------------

/// Values as devstate state JSON; generated code writes structs, enums and flags itself.
pub(crate) trait Json {
    fn json(&self, out: &mut String);
}

macro_rules! json_integer {
    ($($t:ty),*) => {$(
        impl Json for $t {
            fn json(&self, out: &mut String) {
                use core::fmt::Write;
                let _ = write!(out, "{}", self);
            }
        }
    )*};
}
json_integer!(u8, u16, u32, u64, i8, i16, i32, i64);

impl Json for bool {
    fn json(&self, out: &mut String) {
        out.push_str(if *self { "true" } else { "false" });
    }
}

impl Json for str {
    fn json(&self, out: &mut String) {
        use core::fmt::Write;
        out.push('"');
        for character in self.chars() {
            match character {
                '"' => out.push_str("\\\""),
                '\\' => out.push_str("\\\\"),
                character if (character as u32) < 0x20 => {
                    let _ = write!(out, "\\u{:04x}", character as u32);
                }
                character => out.push(character),
            }
        }
        out.push('"');
    }
}

impl Json for Cow<'_, str> {
    fn json(&self, out: &mut String) {
        self.as_ref().json(out);
    }
}

/// Bytes as a lower-case hex string.
pub(crate) fn json_hex(bytes: &[u8], out: &mut String) {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    out.reserve(bytes.len() * 2 + 2);
    out.push('"');
    for &byte in bytes {
        out.push(DIGITS[(byte >> 4) as usize] as char);
        out.push(DIGITS[(byte & 15) as usize] as char);
    }
    out.push('"');
}

impl<T: Json> Json for [T] {
    fn json(&self, out: &mut String) {
        out.push('[');
        for (index, item) in self.iter().enumerate() {
            if index > 0 {
                out.push(',');
            }
            item.json(out);
        }
        out.push(']');
    }
}

impl<T: Json, const N: usize> Json for [T; N] {
    fn json(&self, out: &mut String) {
        self[..].json(out);
    }
}

impl<T: Json> Json for Vec<T> {
    fn json(&self, out: &mut String) {
        self[..].json(out);
    }
}

/// `"key":` (with a comma before every member but the first of an object).
pub(crate) fn json_key(out: &mut String, first: &mut bool, key: &str) {
    if !*first {
        out.push(',');
    }
    *first = false;
    key.json(out);
    out.push(':');
}

/// `"model":...,"version":...,"sections":{` (the caller writes the members).
pub(crate) fn json_state_start(out: &mut String, model: &str, major: u16, minor: u16) {
    out.push_str("{\"model\":");
    model.json(out);
    use core::fmt::Write;
    // Writing to a String cannot fail.
    let _ = write!(out, ",\"version\":\"{}.{}\",\"sections\":{{", major, minor);
}

/// `},"vendor_sections":{`
pub(crate) fn json_state_vendor(out: &mut String) {
    out.push_str("},\"vendor_sections\":{");
}

/// `},"unknown_sections":[...]}`
pub(crate) fn json_state_end(out: &mut String, unknown: &[UnknownSection<'_>]) {
    use core::fmt::Write;
    out.push_str("},\"unknown_sections\":[");
    for (index, section) in unknown.iter().enumerate() {
        if index > 0 {
            out.push(',');
        }
        let _ = write!(out, "{{\"id\":{},\"flags\":{}", section.id, section.flags);
        if let Some(vendor) = section.vendor {
            let _ = write!(out, ",\"vendor\":\"{}\"", vendor);
        }
        out.push_str(",\"payload\":");
        json_hex(&section.payload, out);
        out.push('}');
    }
    out.push_str("]}");
}

// ---- tests -------------------------------------------------------------------------------

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;

    /// A valid blob of model `a.b` with `sections` between header and trailer.
    fn blob(model: &str, major: u16, sections: &[u8]) -> Vec<u8> {
        let size = blob_size(model, sections.len());
        let mut out = vec![0u8; size];
        let mut writer = Writer::new(&mut out);
        writer.header(model, major, 0);
        writer.put(sections);
        assert_eq!(writer.seal(), Ok(size));
        out
    }

    fn envelope_error(bytes: &[u8]) -> (ErrorCode, usize, String) {
        let error = read_envelope(bytes, &Limits::DEFAULT, "a.b", 1).unwrap_err();
        (error.code, error.offset, error.path)
    }

    #[test]
    fn crc32c_check_value_and_continuation() {
        assert_eq!(crc32c(0, b"123456789"), 0xE306_9283);
        assert_eq!(crc32c(0, b""), 0);
        let data: Vec<u8> = (0..1000u32).map(|index| (index * 7 + 3) as u8).collect();
        for split in [0, 1, 7, 8, 9, 500, 999, 1000] {
            let (head, tail) = data.split_at(split);
            assert_eq!(crc32c(crc32c(0, head), tail), crc32c(0, &data));
        }
    }

    #[test]
    fn crc32c_slicing_matches_the_bytewise_definition() {
        let data: Vec<u8> = (0..4099u32)
            .map(|index| (index.wrapping_mul(2_654_435_761) >> 13) as u8)
            .collect();
        let mut crc = !0u32;
        for &byte in &data {
            crc ^= byte as u32;
            for _ in 0..8 {
                crc = if crc & 1 != 0 {
                    (crc >> 1) ^ CRC32C_POLYNOMIAL_REFLECTED
                } else {
                    crc >> 1
                };
            }
        }
        assert_eq!(crc32c(0, &data), !crc);
    }

    #[test]
    fn the_smallest_blob_is_32_bytes_and_reads_back() {
        let bytes = blob("a.b", 1, &[]);
        assert_eq!(bytes.len(), 32);
        assert_eq!(&bytes[..8], &MAGIC);
        let env = read_envelope(&bytes, &Limits::DEFAULT, "a.b", 1).unwrap();
        assert_eq!(
            (env.major, env.minor, env.sections, env.trailer),
            (1, 0, 28, 28)
        );
        assert_eq!(frames(&bytes, &env, &Limits::DEFAULT).count(), 0);
    }

    #[test]
    fn header_errors_in_decoding_order() {
        let good = blob("a.b", 1, &[]);
        assert_eq!(
            envelope_error(b""),
            (ErrorCode::Truncated, 0, "$.header.magic".into())
        );
        assert_eq!(
            envelope_error(b"\x89DS"),
            (ErrorCode::Truncated, 0, "$.header.magic".into())
        );
        assert_eq!(
            envelope_error(b"\x89DSX"),
            (ErrorCode::BadMagic, 0, "$.header.magic".into())
        );
        assert_eq!(
            envelope_error(&good[..9]),
            (ErrorCode::Truncated, 8, "$.header.format_version".into())
        );
        let mut bytes = good.clone();
        bytes[8] = 2;
        assert_eq!(
            envelope_error(&bytes),
            (
                ErrorCode::UnsupportedFormatVersion,
                8,
                "$.header.format_version".into()
            )
        );
        let mut bytes = good.clone();
        bytes[11] = 1;
        assert_eq!(
            envelope_error(&bytes),
            (ErrorCode::BadHeaderFlags, 10, "$.header.flags".into())
        );
        assert_eq!(
            envelope_error(&good[..20]),
            (ErrorCode::Truncated, 16, "$.header.total_length".into())
        );
        assert_eq!(
            envelope_error(&good[..24]),
            (ErrorCode::Truncated, 24, "$.header.model_id_length".into())
        );
        let mut bytes = good.clone();
        bytes[24] = 0;
        assert_eq!(
            envelope_error(&bytes),
            (ErrorCode::BadModelId, 24, "$.header.model_id_length".into())
        );
        assert_eq!(
            envelope_error(&good[..31]),
            (
                ErrorCode::LengthMismatch,
                16,
                "$.header.total_length".into()
            )
        );
        let mut bytes = good.clone();
        bytes.push(0);
        assert_eq!(
            envelope_error(&bytes),
            (ErrorCode::TrailingBytes, 32, "$.trailer".into())
        );
        let mut bytes = good.clone();
        bytes[16] = 3;
        assert_eq!(
            envelope_error(&bytes),
            (
                ErrorCode::LengthMismatch,
                16,
                "$.header.total_length".into()
            )
        );
        let mut bytes = good.clone();
        bytes[27] = b'.';
        assert_eq!(
            envelope_error(&bytes),
            (ErrorCode::BadModelId, 25, "$.header.model".into())
        );
        let mut bytes = good.clone();
        bytes[31] ^= 1;
        assert_eq!(
            envelope_error(&bytes),
            (ErrorCode::BadChecksum, 28, "$.trailer.crc32c".into())
        );
        let other = blob("a.c", 1, &[]);
        assert_eq!(
            envelope_error(&other),
            (ErrorCode::ModelMismatch, 25, "$.header.model".into())
        );
        let major = blob("a.b", 2, &[]);
        assert_eq!(
            envelope_error(&major),
            (ErrorCode::MajorMismatch, 12, "$.header.major".into())
        );
        let small = Limits {
            max_total_size: 31,
            ..Limits::DEFAULT
        };
        let error = read_envelope(&good, &small, "a.b", 1).unwrap_err();
        assert_eq!((error.code, error.offset), (ErrorCode::LimitExceeded, 0));
    }

    #[test]
    fn model_ids() {
        for ok in ["a.b", "org.virtio.net", "a-1.b2"] {
            assert!(model_id_ok(ok.as_bytes()), "{}", ok);
        }
        for bad in ["a", "A.b", "a..b", "a.b.", ".a.b", "a.1b", "a.b\n", "a_b.c"] {
            assert!(!model_id_ok(bad.as_bytes()), "{}", bad);
        }
    }

    fn section(id: u16, flags: u16, payload: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        out.extend_from_slice(&id.to_le_bytes());
        out.extend_from_slice(&flags.to_le_bytes());
        out.extend_from_slice(&(payload.len() as u32).to_le_bytes());
        out.extend_from_slice(payload);
        out
    }

    fn frame_errors(sections: &[u8]) -> Option<(ErrorCode, usize, String)> {
        let bytes = blob("a.b", 1, sections);
        let env = read_envelope(&bytes, &Limits::DEFAULT, "a.b", 1).unwrap();
        frames(&bytes, &env, &Limits::DEFAULT)
            .find_map(|frame| frame.err())
            .map(|error| (error.code, error.offset, error.path))
    }

    #[test]
    fn section_framing_and_order() {
        let pci = Vendor::Pci(0x1af4).header();
        let mut vendor_payload = pci.to_vec();
        vendor_payload.extend_from_slice(b"xy");
        let ok = [
            section(1, 0, b"a"),
            section(3, 1, b""),
            section(1, 3, &vendor_payload),
        ]
        .concat();
        assert_eq!(frame_errors(&ok), None);
        let dup = [section(2, 0, b""), section(2, 1, b"")].concat();
        assert_eq!(
            frame_errors(&dup),
            Some((ErrorCode::DuplicateSection, 36, "$.sections[id=2]".into()))
        );
        let order = [section(3, 0, b""), section(2, 0, b"")].concat();
        assert_eq!(
            frame_errors(&order),
            Some((ErrorCode::SectionOrder, 36, "$.sections[id=2]".into()))
        );
        let vendor_first = [section(1, 2, &vendor_payload), section(1, 0, b"")].concat();
        assert_eq!(
            frame_errors(&vendor_first),
            Some((ErrorCode::SectionOrder, 56, "$.sections[id=1]".into()))
        );
        assert_eq!(
            frame_errors(&section(0, 0, b"")),
            Some((ErrorCode::BadSectionId, 28, "$.sections[id=0]".into()))
        );
        assert_eq!(
            frame_errors(&section(1, 4, b"")),
            Some((ErrorCode::BadSectionFlags, 30, "$.sections[id=1]".into()))
        );
        let mut long = section(1, 0, b"abc");
        long[4] = 4;
        assert_eq!(
            frame_errors(&long),
            Some((ErrorCode::SectionPastEnd, 32, "$.sections[id=1]".into()))
        );
        assert_eq!(
            frame_errors(&[1, 0, 0]),
            Some((ErrorCode::SectionPastEnd, 28, "$.sections".into()))
        );
        let short = section(9, 2, &pci[..17]);
        assert_eq!(
            frame_errors(&short),
            Some((
                ErrorCode::BadVendorHeader,
                36,
                "$.vendor_sections[id=9]".into()
            ))
        );
        let bad_pci = section(9, 2, &Vendor::Pci(0xFFFF).header());
        assert_eq!(
            frame_errors(&bad_pci),
            Some((
                ErrorCode::BadVendorHeader,
                38,
                "$.vendor_sections[id=9]".into()
            ))
        );
    }

    #[test]
    fn unknown_sections_are_kept_when_optional() {
        let uuid = Vendor::Uuid([
            0x5f, 0x1c, 0x0a, 0x2e, 0x7d, 0x4b, 0x4e, 0x8a, 0x9a, 0x51, 0x0c, 0x0f, 0xfe, 0xe0,
            0xa0, 0xa0,
        ]);
        let mut payload = uuid.header().to_vec();
        payload.push(7);
        let bytes = blob(
            "a.b",
            1,
            &[section(4, 1, b"hi"), section(1, 2, &payload)].concat(),
        );
        let env = read_envelope(&bytes, &Limits::DEFAULT, "a.b", 1).unwrap();
        let got: Vec<Frame<'_>> = frames(&bytes, &env, &Limits::DEFAULT)
            .map(|frame| frame.unwrap())
            .collect();
        let kept = got[0].unknown(&bytes, 0, &Limits::DEFAULT).unwrap();
        assert_eq!(
            (kept.id, kept.flags, kept.vendor, &kept.payload[..]),
            (4, 1, None, &b"hi"[..])
        );
        let one = Limits {
            max_unknown_sections: 1,
            max_sections: 1,
            ..Limits::DEFAULT
        };
        let error = got[0].unknown(&bytes, 1, &one).unwrap_err();
        assert_eq!(
            (error.code, error.offset),
            (ErrorCode::LimitExceeded, got[0].offset)
        );
        let error = frames(&bytes, &env, &one).nth(1).unwrap().unwrap_err();
        assert_eq!(
            (error.code, error.offset, error.path.as_str()),
            (ErrorCode::LimitExceeded, got[1].offset, "$.sections")
        );
        let error = got[1].unknown(&bytes, 0, &Limits::DEFAULT).unwrap_err();
        assert_eq!(error.code, ErrorCode::UnknownSection);
        assert_eq!(
            error.path,
            "$.vendor_sections[uuid:5f1c0a2e-7d4b-4e8a-9a51-0c0ffee0a0a0#1]"
        );
        assert_eq!(format!("{}", Vendor::Pci(0x1af4)), "pci:0x1af4");
    }

    #[test]
    fn sections_are_written_in_canonical_order_with_unknown_ones() {
        const KNOWN: [KnownSection; 2] = [
            KnownSection::standard(1, false, "$.sections.one"),
            KnownSection::vendor(Vendor::Pci(0x1af4), 1, true, "$.vendor_sections.private"),
        ];
        let unknown = [
            UnknownSection {
                id: 9,
                flags: 3,
                vendor: Some(Vendor::Pci(0x0001)),
                payload: Cow::Borrowed(b"v"),
            },
            UnknownSection {
                id: 2,
                flags: 1,
                vendor: None,
                payload: Cow::Borrowed(b"u"),
            },
        ];
        let mut out = vec![0u8; 200];
        let mut writer = Writer::new(&mut out);
        write_sections(
            &mut writer,
            &KNOWN,
            &[true, true],
            &unknown,
            |index, writer| {
                writer.u8(b'a' + index as u8);
                Ok(())
            },
        )
        .unwrap();
        let end = writer.at;
        let written = &out[..end];
        let ids: Vec<u16> = [0usize, 9, 18, 45]
            .iter()
            .map(|&offset| ld16(written, offset))
            .collect();
        assert_eq!(ids, [1, 2, 9, 1]);
        let mut writer = Writer::new(&mut out);
        let clash = [UnknownSection {
            id: 1,
            flags: 1,
            vendor: None,
            payload: Cow::Borrowed(b""),
        }];
        let error =
            write_sections(&mut writer, &KNOWN, &[true, false], &clash, |_, _| Ok(())).unwrap_err();
        assert_eq!(
            (error.code, error.path.as_str()),
            (ErrorCode::InvalidState, "$.unknown_sections[0]")
        );
        let mut writer = Writer::new(&mut out);
        let twice = [unknown[1].clone(), unknown[1].clone()];
        let error =
            write_sections(&mut writer, &KNOWN, &[true, false], &twice, |_, _| Ok(())).unwrap_err();
        assert_eq!(
            (error.code, error.path.as_str()),
            (ErrorCode::DuplicateSection, "$.unknown_sections")
        );
    }

    #[test]
    fn a_writer_never_panics_on_a_short_buffer() {
        let mut out = [0u8; 10];
        let mut writer = Writer::new(&mut out);
        writer.header("a.b", 1, 0);
        assert_eq!(writer.seal().unwrap_err().code, ErrorCode::LimitExceeded);
    }

    #[test]
    fn json_values() {
        let mut out = String::new();
        "a\"\\\u{1}é".json(&mut out);
        json_hex(&[0, 0xab], &mut out);
        [1u16, 2].json(&mut out);
        (-5i64).json(&mut out);
        assert_eq!(out, "\"a\\\"\\\\\\u0001é\"\"00ab\"[1,2]-5");
    }
}
