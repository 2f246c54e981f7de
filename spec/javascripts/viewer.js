// The blob viewer page (viewer.md): a .dsf file dropped or chosen is read in the browser
// (nothing is uploaded), decoded by dsf-decode.js with the IR JSON of the model version
// its header names (models/<model>/<version>.json on this site), and shown as an
// annotated hex listing (offset, bytes, field path) and the decoded tree. An error shows
// its code, number, offset and path like the CLI, with what decoded before it.
"use strict";

(function () {
  const SITE = new URL("..", document.currentScript.src);  // javascripts/ is at the site root

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
    for (const child of children) node.append(child);
    return node;
  }

  // `$.sections.registers.csts` → the field row's anchor on the model page (`registers.csts`).
  function fieldLink(header, path) {
    const match = /^\$\.(?:sections|vendor_sections)\.(.+)$/.exec(path);
    if (!header || !match) return null;
    const anchor = match[1].replace(/\[\d+\]/g, "[]");
    const page = new URL(`models/${header.model}/${header.major}.${header.minor}/`, SITE);
    return anchor.includes(".") || anchor.includes("[]") ? `${page.href}#${anchor}` : `${page.href}#section-${anchor.replace(/_/g, "-")}`;
  }

  function pathCell(header, path) {
    const href = fieldLink(header, path);
    return href ? el("a", { href }, el("code", {}, path)) : el("code", {}, path);
  }

  function hexBytes(bytes, offset, size) {
    const shown = bytes.subarray(offset, offset + Math.min(size, 16));
    const text = [...shown].map((b) => b.toString(16).padStart(2, "0")).join(" ");
    return size > 16 ? `${text} … (${size} bytes)` : text;
  }

  function hexTable(bytes, spans, header, error) {
    const rows = spans.map((span) => el("tr", { "data-offset": String(span.offset) },
      el("td", {}, String(span.offset)), el("td", {}, el("code", {}, hexBytes(bytes, span.offset, span.size))),
      el("td", {}, pathCell(header, span.path)), el("td", {}, span.what)));
    if (error) {
      const row = el("tr", { "data-offset": String(error.offset), class: "dsf-error-row" },
        el("td", {}, String(error.offset)), el("td", {}, el("code", {}, hexBytes(bytes, error.offset, 8))),
        el("td", {}, pathCell(header, error.path)), el("td", {}, `✗ ${error.code}`));
      rows.push(row);
    }
    return el("table", { class: "dsf-hex" },
      el("thead", {}, el("tr", {}, el("th", {}, "Offset"), el("th", {}, "Bytes"), el("th", {}, "Path"), el("th", {}, "What"))),
      el("tbody", {}, ...rows));
  }

  function leaf(value) {
    if (value instanceof Uint8Array) return DSF.hex(value) || '""';
    if (typeof value === "bigint") return value.toString();
    return JSON.stringify(value);
  }

  function tree(value, path) {
    if (value !== null && typeof value === "object" && !(value instanceof Uint8Array)) {
      const entries = Array.isArray(value) ? value.map((v, i) => [`[${i}]`, v]) : Object.entries(value);
      const list = el("ul", {});
      for (const [key, child] of entries) {
        const childPath = Array.isArray(value) ? `${path}${key}` : `${path}.${key}`;
        const composite = child !== null && typeof child === "object" && !(child instanceof Uint8Array);
        const item = el("li", { "data-path": childPath });
        if (composite) {
          item.append(el("details", { open: "" }, el("summary", {}, el("code", {}, key)), tree(child, childPath)));
        } else {
          item.append(el("code", {}, key), " = ", el("span", { class: "dsf-value" }, leaf(child)));
        }
        list.append(item);
      }
      return list;
    }
    return el("span", { class: "dsf-value" }, leaf(value));
  }

  function errorBox(error, header) {
    const anchor = `error-${error.code.toLowerCase().replace(/_/g, "-")}`;
    const code = el("a", { href: new URL(`wire-format/#${anchor}`, SITE).href }, el("code", {}, error.code));
    return el("div", { class: "admonition failure dsf-error" },
      el("p", { class: "admonition-title" }, "Decoding failed"),
      el("p", {}, code, ` (error ${error.number}) at offset `, el("strong", { class: "dsf-error-offset" }, String(error.offset)),
        " (", pathCell(header, error.path), `): ${error.detail}`));
  }

  async function readerSchema(header) {
    const url = new URL(`models/${header.model}/${header.major}.${header.minor}.json`, SITE);
    const response = await fetch(url);
    if (!response.ok) throw new Error(`this site has no schema ${header.model}@${header.major}.${header.minor} (${url.pathname})`);
    return response.json();
  }

  async function show(name, bytes) {
    const out = document.getElementById("dsf-output");
    out.replaceChildren(el("p", {}, `Reading ${name} (${bytes.length} bytes)…`));
    const peek = DSF.peekHeader(bytes);
    let result;
    let header = peek.header;
    if (peek.error) {
      result = { state: null, spans: [], error: peek.error };
    } else {
      let schema;
      try {
        schema = await readerSchema(header);
      } catch (problem) {
        out.replaceChildren(el("div", { class: "admonition failure dsf-error" }, el("p", {}, String(problem.message))));
        return;
      }
      result = DSF.decodeDsf(schema, bytes);
    }
    const summary = header
      ? el("p", { class: "dsf-summary" }, el("strong", {}, name), ` — ${header.model} ${header.major}.${header.minor}, ${bytes.length} bytes`)
      : el("p", { class: "dsf-summary" }, el("strong", {}, name), ` — ${bytes.length} bytes`);
    const parts = [summary];
    if (result.error) parts.push(errorBox(result.error, header));
    if (result.state) {
      parts.push(el("h2", { id: "dsf-tree-heading" }, "Decoded state"),
        el("div", { id: "dsf-tree", class: "dsf-tree" }, tree(result.state, "$")),
        el("details", {}, el("summary", {}, "State JSON (as devstate decode prints it)"),
          el("pre", {}, el("code", { id: "dsf-json" }, DSF.stateToJson(result.state, 1)))));
    }
    parts.push(el("h2", { id: "dsf-hex-heading" }, result.error ? "Bytes read before the error" : "Annotated bytes"),
      hexTable(bytes, result.spans, header, result.error));
    out.replaceChildren(...parts);
  }

  function open(file) {
    file.arrayBuffer().then((buffer) => show(file.name, new Uint8Array(buffer)));
  }

  function setUp() {
    const input = document.getElementById("dsf-file");
    const zone = document.getElementById("dsf-drop");
    if (!input || !zone) return;
    input.addEventListener("change", () => input.files.length && open(input.files[0]));
    zone.addEventListener("dragover", (event) => { event.preventDefault(); zone.classList.add("dsf-drag"); });
    zone.addEventListener("dragleave", () => zone.classList.remove("dsf-drag"));
    zone.addEventListener("drop", (event) => {
      event.preventDefault();
      zone.classList.remove("dsf-drag");
      if (event.dataTransfer.files.length) open(event.dataTransfer.files[0]);
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", setUp);
  else setUp();
})();
