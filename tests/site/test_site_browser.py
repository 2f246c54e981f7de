"""The built website in a real browser: Debian's Chromium driven headless by Playwright.

The site is built with `mkdocs build --strict`, served from a local HTTP server on a free
port, and loaded page by page. Screenshots go to artifacts/screenshots/ (or
$DEVSTATE_ARTIFACTS/screenshots/) for a human to look at. Without /usr/bin/chromium the
tests are skipped, except in CI (CI set), where they fail: `.ci/run` installs Chromium.
"""

from __future__ import annotations

import functools
import http.server
import os
import re
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from paths import ROOT
from system_packages import require

from devstate.schema import schema_files

try:
    from playwright.sync_api import expect, sync_playwright
except ImportError:  # the dev extra is not installed
    expect = sync_playwright = None

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = Path(os.environ.get("DEVSTATE_ARTIFACTS", ROOT / "artifacts")) / "screenshots"
FIELD = "last_avail_idx"
"""A field name the search must find (virtio virtqueue state, on every virtio-net page)."""


def _require_chromium() -> None:
    require("browser")
    if sync_playwright is None:
        pytest.fail("the playwright package is missing: pip install -e '.[dev]'")


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def base_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    _require_chromium()
    site = tmp_path_factory.mktemp("browser-site")
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    command = [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site)]
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_QuietHandler, directory=site))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def browser(base_url: str) -> Iterator[Any]:
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture
def page(browser: Any, base_url: str) -> Iterator[Any]:
    """A fresh page; every request must stay on the local server (the site works offline)."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, base_url=base_url)
    context.set_default_timeout(15_000)
    tab = context.new_page()
    outside: list[str] = []
    errors: list[str] = []
    tab.on("request", lambda r: outside.append(r.url) if not r.url.startswith((base_url, "data:")) else None)
    tab.on("pageerror", lambda e: errors.append(str(e)))
    yield tab
    context.close()
    assert outside == [], f"requests left the local server: {outside}"
    assert errors == [], f"JavaScript errors: {errors}"


def _shot(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"))


def _newest(model: str) -> str:
    return str([f for f in schema_files() if f.model == model][-1].version)


def test_home_page_shows_the_problem_statement(page: Any) -> None:
    page.goto("")
    expect(page.locator("article h1")).to_contain_text("devstate")
    expect(page.locator("h2#three-levels")).to_contain_text("Three levels of device-state compatibility")
    expect(page.get_by_role("cell", name="2. Standard save/load format")).to_be_visible()
    for tab in ("Guide", "Specification", "Models", "Reference"):
        expect(page.locator(".md-tabs__link", has_text=tab)).to_be_visible()
    _shot(page, "home")


def test_navigation_from_home_to_a_model_reference_page(page: Any) -> None:
    page.goto("")
    page.locator(".md-tabs__link", has_text="Models").click()
    page.wait_for_url("**/models/")
    expect(page.locator("article h1")).to_contain_text("Device models")
    page.locator("article").get_by_role("link", name="org.virtio.net", exact=True).click()
    page.wait_for_url("**/models/org.virtio.net/")
    newest = _newest("org.virtio.net")
    page.locator("article").get_by_role("link", name=newest, exact=True).first.click()
    page.wait_for_url(f"**/models/org.virtio.net/{newest}/")
    expect(page.locator("article h1")).to_contain_text(f"org.virtio.net {newest}")
    _shot(page, "navigation")


def test_model_reference_page_shows_sections_fields_and_parameters(page: Any) -> None:
    version = _newest("org.virtio.net")
    page.goto(f"models/org.virtio.net/{version}/")
    _shot(page, "model-page")
    for anchor, heading in [("sections", "Sections"), ("fields", "Fields"), ("parameters", "Migration parameters")]:
        expect(page.locator(f"h2#{anchor}")).to_contain_text(heading)
    field = page.locator("td code", has_text=f"queues[].{FIELD}").first
    field.scroll_into_view_if_needed()
    expect(field).to_be_visible()
    row = page.locator("tr", has=field)
    expect(row.locator("td").nth(1)).to_have_text("u16")
    _shot(page, "model-page-fields")


def test_search_finds_a_field_name(page: Any) -> None:
    page.goto("")
    search = page.locator(".md-search__input")
    search.click()
    search.press_sequentially(FIELD, delay=20)
    expect(page.locator(".md-search-result__item").first).to_be_visible()
    expect(page.locator(".md-search-result")).to_contain_text(FIELD)
    _shot(page, "search")
    page.locator(".md-search-result__link").first.click()
    page.wait_for_url("**/models/**")
    expect(page.locator("article")).to_contain_text(FIELD)


def test_search_lands_on_the_field_row(page: Any) -> None:
    """A field's hit is its own entry: the path as title, a sentence as text, the row as target."""
    page.goto("")
    search = page.locator(".md-search__input")
    search.click()
    search.press_sequentially("csts", delay=20)
    hit = page.locator(".md-search-result__link", has=page.locator("h1, h2", has_text="registers.csts")).first
    expect(hit).to_be_visible()
    expect(hit).to_contain_text("CSTS - Controller Status")
    expect(hit).to_contain_text("u32 at offset 20, 4 bytes")
    _shot(page, "search-field")
    hit.click()
    page.wait_for_url("**/models/org.nvmexpress.ctrl/**#registers.csts")
    row = page.locator("tr", has=page.locator('[id="registers.csts"]'))
    expect(row).to_be_in_viewport()
    expect(row.locator("td").nth(1)).to_have_text("u32")


def test_every_field_row_is_a_link_target(page: Any) -> None:
    version = _newest("org.virtio.net")
    page.goto(f"models/org.virtio.net/{version}/#queues[].{FIELD}")
    anchor = page.locator(f'a.field-anchor[id="queues[].{FIELD}"]')
    expect(anchor).to_be_in_viewport()
    expect(anchor).to_have_attribute("href", f"#queues[].{FIELD}")
    expect(page.locator("tr", has=anchor).locator("td").nth(1)).to_have_text("u16")
    expect(page.locator(".md-sidebar--primary")).to_be_visible()  # the left nav is there
    expect(page).to_have_title(f"org.virtio.net {version} - devstate")
    _shot(page, "field-anchor")


def test_tab_titles_name_the_model(page: Any) -> None:
    page.goto("models/org.virtio.net/compatibility/")
    expect(page).to_have_title("org.virtio.net compatibility matrix - devstate")
    page.goto("models/org.nvmexpress.ctrl/changelog/")
    expect(page).to_have_title("org.nvmexpress.ctrl changelog - devstate")


def test_no_table_needs_a_horizontal_scroll_at_400_px(browser: Any, base_url: str) -> None:
    context = browser.new_context(viewport={"width": 400, "height": 800}, base_url=base_url)
    tab = context.new_page()
    wide = "[...document.querySelectorAll('.md-typeset__scrollwrap')].filter(e => e.scrollWidth > e.clientWidth + 1)"
    try:
        for path in ("models/org.nvmexpress.ctrl/1.1/", "models/org.virtio.net/compatibility/", "reference/cli/"):
            tab.goto(path)
            tab.wait_for_function("document.querySelectorAll('article table').length > 0")
            assert tab.evaluate("document.documentElement.scrollWidth") <= 400, path
            assert tab.evaluate(f"{wide}.length") == 0, path
        card = tab.locator("td[data-label='Path']", has=tab.locator('[id="registers.csts"]'))
        tab.goto("models/org.nvmexpress.ctrl/1.1/#registers.csts")
        expect(card).to_be_visible()
        first_card_cell = "document.querySelector('article table[data-cards] td')"
        assert tab.evaluate(f"getComputedStyle({first_card_cell}).display") == "block"
        _shot(tab, "narrow-field-cards")
        tab.goto("models/org.virtio.net/compatibility/")
        assert tab.locator("article table[data-cards]").count() == 0, "a table that fits keeps its grid"
    finally:
        context.close()


def test_header_links_the_repository(page: Any) -> None:
    page.goto("")
    expect(page.locator(".md-header a.md-source")).to_have_attribute("href", "https://github.com/devstate/devstate")


def test_compatibility_matrix_page(page: Any) -> None:
    page.goto("models/org.virtio.net/compatibility/")
    article = page.locator("article")
    expect(article.locator("table").first).to_be_visible()
    for version in (str(f.version) for f in schema_files() if f.model == "org.virtio.net"):
        expect(article).to_contain_text(version)
    _shot(page, "compat-matrix")


# --- the blob viewer ------------------------------------------------------------------------

VECTORS = ROOT / "spec" / "conformance" / "vectors"
NVME_VECTOR = "valid-org.nvmexpress.ctrl-1.1-random"


def test_viewer_decodes_a_conformance_vector(page: Any) -> None:
    import json

    expected = json.loads((VECTORS / f"{NVME_VECTOR}.json").read_text(encoding="utf-8"))
    csts = expected["sections"]["registers"]["csts"]
    page.goto("viewer/")
    page.locator("#dsf-file").set_input_files(str(VECTORS / f"{NVME_VECTOR}.dsf"))
    tree = page.locator("#dsf-tree")
    expect(tree).to_be_visible()
    expect(page.locator(".dsf-summary")).to_contain_text("org.nvmexpress.ctrl 1.1")
    value = tree.locator('li[data-path="$.sections.registers.csts"] .dsf-value')
    expect(value).to_have_text(str(csts))
    expect(page.locator(".dsf-error")).to_have_count(0)
    decoded = json.loads(page.locator("#dsf-json").text_content())
    assert decoded == expected, "the viewer's state JSON is the reference codec's"
    # annotated bytes: the header at its offsets, csts at its absolute offset in the blob
    hex_rows = page.locator("table.dsf-hex tbody tr")
    expect(hex_rows.first).to_have_attribute("data-offset", "0")
    expect(hex_rows.first).to_contain_text("$.header.magic")
    expect(hex_rows.first).to_contain_text("89 44 53 46 0d 0a 1a 0a")
    blob = (VECTORS / f"{NVME_VECTOR}.dsf").read_bytes()
    model = b"org.nvmexpress.ctrl"
    registers = 25 + len(model) + 8  # header, model id, the first section's header
    row = page.locator("table.dsf-hex tr", has=page.locator("code", has_text="$.sections.registers.csts"))
    expect(row).to_have_attribute("data-offset", str(registers + 20))
    expect(row.locator("td").nth(1)).to_have_text(blob[registers + 20 : registers + 24].hex(" "))
    href = row.locator("a").get_attribute("href")
    assert href.endswith("/models/org.nvmexpress.ctrl/1.1/#registers.csts"), href
    _shot(page, "viewer")


def test_viewer_shows_the_error_of_a_corrupted_blob(page: Any, tmp_path: Path) -> None:
    blob = bytearray((VECTORS / f"{NVME_VECTOR}.dsf").read_bytes())
    blob[60] ^= 0xFF  # inside the registers: the checksum no longer matches
    corrupted = tmp_path / "corrupted.dsf"
    corrupted.write_bytes(bytes(blob))
    page.goto("viewer/")
    page.locator("#dsf-file").set_input_files(str(corrupted))
    error = page.locator(".dsf-error")
    expect(error).to_contain_text("BAD_CHECKSUM (error 6) at offset")
    expect(error.locator(".dsf-error-offset")).to_have_text(str(len(blob) - 4))
    expect(error).to_contain_text("$.trailer.crc32c")
    code_link = error.locator("a", has_text="BAD_CHECKSUM")
    expect(code_link).to_have_attribute("href", re.compile(r"/wire-format/#error-bad-checksum$"))
    expect(page.locator("#dsf-tree")).to_have_count(0)
    expect(page.locator("tr.dsf-error-row")).to_have_attribute("data-offset", str(len(blob) - 4))
    _shot(page, "viewer-error")


def test_viewer_links_a_value_error_to_the_field(page: Any) -> None:
    import json

    manifest = json.loads((ROOT / "spec" / "conformance" / "manifest.json").read_text(encoding="utf-8"))
    entry = next(e for e in manifest["vectors"] if e.get("error", {}).get("code") == "OUT_OF_RANGE"
                 and e["schema"].startswith("org.") and "@" in e["schema"])
    page.goto("viewer/")
    page.locator("#dsf-file").set_input_files(str(ROOT / "spec" / "conformance" / entry["blob"]))
    error = page.locator(".dsf-error")
    expect(error).to_contain_text(f"OUT_OF_RANGE (error 27) at offset {entry['error']['offset']}")
    expect(error).to_contain_text(entry["error"]["path"])
    model, version = entry["schema"].split("@")
    href = error.locator("a", has_text=entry["error"]["path"]).get_attribute("href")
    assert f"/models/{model}/{version}/#" in href, href


def test_byte_layout_figures_are_shown(page: Any) -> None:
    page.goto("wire-format/#header")
    figure = page.locator('img[src$="figures/header.svg"]')
    expect(figure).to_be_visible()
    assert page.evaluate("document.querySelector('img[src$=\"figures/header.svg\"]').naturalWidth") > 600
    page.goto("models/org.nvmexpress.ctrl/1.1/#type-ctrl-regs")
    struct = page.locator('img[src$="figures/1.1/ctrl_regs.svg"]')
    expect(struct).to_be_visible()
    assert struct.evaluate("img => img.complete && img.naturalWidth > 0")
    _shot(page, "layout-figure")


def test_viewer_accepts_a_dropped_file(page: Any) -> None:
    name = f"valid-org.virtio.net-{_newest('org.virtio.net')}-default.dsf"
    blob = (VECTORS / name).read_bytes()
    page.goto("viewer/")
    page.evaluate(
        """([name, bytes]) => {
            const transfer = new DataTransfer();
            transfer.items.add(new File([new Uint8Array(bytes)], name));
            const zone = document.getElementById("dsf-drop");
            zone.dispatchEvent(new DragEvent("drop", {dataTransfer: transfer, bubbles: true, cancelable: true}));
        }""",
        [name, list(blob)],
    )
    expect(page.locator(".dsf-summary")).to_contain_text(f"{name} — org.virtio.net")
    expect(page.locator(".dsf-summary")).to_contain_text(f"{len(blob)} bytes")
    expect(page.locator("#dsf-tree")).to_be_visible()
