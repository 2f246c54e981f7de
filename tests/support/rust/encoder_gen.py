"""Generate ``src/bin/state_encoder.rs``: the Rust test driver that encodes states read as lines.

``state_encoder MODEL@VERSION`` reads states from stdin, each as the lines of
tests/support/state_lines.py (``state``, one value a line, ``end``), builds the generated
``State`` of that model version, encodes it with ``encode_into`` a buffer of ``encoded_len()``
bytes and answers one line per state, as the C driver's ``--encode`` does:

    {"ok":true,"encoded":"<hex>","size_ok":true}
    {"ok":false,"code":N,"name":"...","offset":0,"path":"..."}

It is test support (the crate has no JSON parser and no dependencies): a malformed line
panics, which fails the test.
"""

from __future__ import annotations

from state_lines import sections_in_order

from devstate import ir
from devstate.emit.rust.names import RustNames, field_ident

RUNTIME = r"""// The test driver encoding states read as lines (tests/support/rust/encoder_gen.py).
use devstate_codecs::dsf1::{Codec, EncodeError, UnknownSection, Vendor};
use std::borrow::Cow;
use std::io::{BufRead, Write};

pub struct Lines(Vec<String>, usize);

impl Lines {
    fn next(&mut self) -> &str {
        self.1 += 1;
        self.0.get(self.1 - 1).map(|line| line.as_str()).expect("a line, not the end of the state")
    }

    fn u(&mut self) -> u64 {
        let line = self.next();
        line.parse().unwrap_or_else(|_| panic!("an unsigned integer, not {:?}", line))
    }

    fn i(&mut self) -> i64 {
        let line = self.next();
        line.parse().unwrap_or_else(|_| panic!("an integer, not {:?}", line))
    }

    fn hex(&mut self) -> Vec<u8> {
        let line = self.next();
        let digits = line.strip_prefix('x').unwrap_or_else(|| panic!("x and hex, not {:?}", line));
        assert!(digits.len() % 2 == 0, "x and hex, not {:?}", line);
        (0..digits.len() / 2)
            .map(|i| u8::from_str_radix(&digits[2 * i..2 * i + 2], 16).expect("hex digits"))
            .collect()
    }

    fn text(&mut self) -> String {
        String::from_utf8(self.hex()).expect("UTF-8")
    }

    fn vendor(&mut self) -> Option<Vendor> {
        let raw = self.hex();
        match raw.len() {
            0 => None,
            18 if raw[0] == 1 => Some(Vendor::Pci(u16::from_le_bytes([raw[2], raw[3]]))),
            18 => {
                let mut uuid = [0u8; 16];
                uuid.copy_from_slice(&raw[2..]);
                Some(Vendor::Uuid(uuid))
            }
            n => panic!("an 18-byte vendor header, not {} bytes", n),
        }
    }

    fn unknown(&mut self) -> Vec<UnknownSection<'static>> {
        let count = self.u() as usize;
        (0..count)
            .map(|_| UnknownSection {
                id: self.u() as u16,
                flags: self.u() as u16,
                vendor: self.vendor(),
                payload: Cow::Owned(self.hex()),
            })
            .collect()
    }

    fn end(&mut self) {
        let line = self.next();
        assert!(line == "end", "end, not {:?}", line);
    }
}

fn json_str(text: &str, out: &mut String) {
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}

/// The response line for one state.
fn answer<'a, S: Codec<'a>>(state: &S) -> String {
    let need = state.encoded_len();
    let mut encoded = vec![0u8; need];
    match state.encode_into(&mut encoded) {
        Ok(written) => {
            let hex: String = encoded[..written.min(need)].iter().map(|b| format!("{:02x}", b)).collect();
            format!("{{\"ok\":true,\"encoded\":\"{}\",\"size_ok\":{}}}", hex, written == need)
        }
        Err(EncodeError { code, path }) => {
            let head = "{\"ok\":false,\"code\":";
            let mut out = format!("{}{},\"name\":\"{}\",\"offset\":0,\"path\":", head, code as u16, code.name());
            json_str(&path, &mut out);
            out.push('}');
            out
        }
    }
}
"""

MAIN = r"""
fn main() {
    let ident = std::env::args().nth(1).unwrap_or_default();
    let encode = codec(&ident).unwrap_or_else(|| panic!("usage: state_encoder MODEL@VERSION (not {:?})", ident));
    let stdin = std::io::stdin();
    let mut lines = stdin.lock().lines().map(|line| line.expect("stdin"));
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    while let Some(first) = lines.next() {
        assert!(first == "state", "state, not {:?}", first);
        let mut state = Vec::new();
        for line in lines.by_ref() {
            let last = line == "end";
            state.push(line);
            if last {
                break;
            }
        }
        writeln!(out, "{}", encode(&mut Lines(state, 0))).expect("stdout");
        out.flush().expect("stdout");
    }
}
"""


class _Reader:
    """Rust expressions building a value of each IR kind from the lines (``r``: the ``Lines``)."""

    def __init__(self, names: RustNames) -> None:
        self.names = names
        self.schema = names.schema

    def value(self, expr: ir.TypeExpr) -> str:
        if isinstance(expr, ir.ScalarType):
            if expr.name == "bool":
                return "r.u() != 0"
            return f"r.{expr.name[0]}() as {expr.name}"
        if isinstance(expr, ir.NamedRef):
            named = self.schema.types[expr.name]
            rust = self.names.types[expr.name]
            if isinstance(named, ir.StructType):
                return f"{self.names.fn('read', expr.name)}(r)"
            base = named.base.name
            number = f"r.{base[0]}() as {base}"
            if isinstance(named, ir.EnumType) and not named.open:
                return f"{rust}::from_value({number}).expect(\"a member's value\")"
            return f"{rust}({number})"
        if isinstance(expr, ir.BytesType):
            return "Cow::Owned(r.hex())"
        if isinstance(expr, ir.StringType):
            return "Cow::Owned(r.text())"
        element = self.value(expr.element)
        if expr.max is None:
            return f"core::array::from_fn(|_| {element})"
        return f"{{ let n = r.u() as usize; (0..n).map(|_| {element}).collect::<Vec<_>>() }}"

    def struct_function(self, type_name: str) -> list[str]:
        named = self.schema.types[type_name]
        if not isinstance(named, ir.StructType):
            return []
        fields = [f"        {field_ident(fld.name)}: {self.value(fld.type)}," for fld in named.fields]
        rust = self.names.type_name(type_name, "'static")
        return [f"    fn {self.names.fn('read', type_name)}(r: &mut Lines) -> {rust} {{",
                f"        {self.names.types[type_name]} {{", *[f"    {line}" for line in fields], "        }", "    }",
                ""]

    def module(self) -> list[str]:
        names = self.names
        members = []
        for section in sections_in_order(self.schema):
            expr = section.type if section.type is not None else ir.BytesType(max=section.max, fixed_size=None)
            value = self.value(expr)
            if section.optional:
                value = f"if r.u() != 0 {{ Some({value}) }} else {{ None }}"
            members.append(f"            {names.section(section)}: {value},")
        functions = [line for type_name in names.reachable for line in self.struct_function(type_name)]
        functions += ["    pub fn encode(r: &mut Lines) -> String {", "        let state = State {", *members,
                      "            unknown_sections: r.unknown(),", "        };", "        r.end();",
                      "        super::answer(&state)", "    }"]
        cow = ["    use std::borrow::Cow;"] if any("Cow::" in line for line in functions) else []
        uses = ["    use super::Lines;", *cow, f"    use devstate_codecs::{names.module}::*;", ""]
        return [f"mod {names.module} {{", *uses, *functions, "}", ""]


def encoder_source(schemas: list[ir.Schema]) -> str:
    """``src/bin/state_encoder.rs`` of a crate holding the generated modules of ``schemas``."""
    modules = [RustNames(schema) for schema in sorted(schemas, key=lambda s: s.ident)]
    lines = [RUNTIME]
    for names in modules:
        lines += _Reader(names).module()
    lines += ["fn codec(ident: &str) -> Option<fn(&mut Lines) -> String> {", "    match ident {",
              *[f'        "{names.schema.ident}" => Some({names.module}::encode),' for names in modules],
              "        _ => None,", "    }", "}"]
    return "\n".join([*lines, MAIN])
