"""The page at /, driven in headless Chromium (Debian's chromium package) against the real server."""

import shutil

import httpx
import pytest

from tests.conftest import RAW_DIR
from tests.test_fetch import site  # noqa: F401 - the local site fixture

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.mark.skipif(CHROMIUM is None, reason="needs Chromium (apt-get install chromium); .ci/run installs it")
def test_pasted_page_is_shown_line_by_line_with_labels_and_summary(server):
    from playwright.sync_api import sync_playwright

    page_text = (RAW_DIR / "002_25aafac0b17ae249.txt").read_text(encoding="utf-8")
    n_lines = len([t for t in page_text.splitlines() if t.strip()])
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--headless=new"])
        try:
            page = browser.new_page()
            page.goto(server.url + "/")
            page.click("#go")  # nothing pasted yet: told so, no request
            assert "Paste a page first" in page.text_content("#status")
            page.fill("#page", page_text)
            page.click("#go")
            page.wait_for_selector("#lines li", timeout=60_000)
            items = page.query_selector_all("#lines li")
            assert len(items) == n_lines
            labels = {item.get_attribute("data-label") for item in items}
            assert labels and labels <= {"title", "lead", "body", "subheading", "caption", "image", "byline", "dateline", "related", "navigation", "advertisement", "other"}
            assert all(f"label-{item.get_attribute('data-label')}" in item.get_attribute("class") for item in items)
            assert page.text_content("#summary").strip()
            assert f"{n_lines} lines labelled" in page.text_content("#status")
            # pasted HTML source is read as HTML: its paragraphs are lines, its markup is not
            html = "<html><body><h1>Tiêu đề bài báo</h1><p>Đoạn thứ nhất của bài.</p><p>Đoạn thứ hai của bài.</p></body></html>"
            page.fill("#page", html)
            page.click("#go")
            page.wait_for_function("document.querySelector('#status').textContent.includes('3 lines labelled')", timeout=60_000)
            texts = [item.text_content() for item in page.query_selector_all("#lines li")]
            assert any("Đoạn thứ hai của bài." in t for t in texts) and not any("<p>" in t for t in texts)
        finally:
            browser.close()


@pytest.mark.skipif(CHROMIUM is None, reason="needs Chromium (apt-get install chromium); .ci/run installs it")
def test_the_api_docs_work_offline(server):
    """/docs loads nothing from outside the service (an offline intranet): every request
    to another host is refused, and the operations and schemas still show."""
    from playwright.sync_api import sync_playwright

    outside = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--headless=new"])
        try:
            page = browser.new_page()

            def only_here(route):
                if route.request.url.startswith(server.url):
                    route.continue_()
                else:
                    outside.append(route.request.url)
                    route.abort()

            page.route("**/*", only_here)
            page.goto(server.url + "/docs")
            page.wait_for_selector("#schemas h3", timeout=30_000)
            text = page.text_content("body")
            spec = httpx.get(server.url + "/openapi.json", timeout=10).json()
            assert all(path in text for path in spec["paths"]) and "/v1/process" in spec["paths"]
            assert all(name in text for name in spec["components"]["schemas"])
        finally:
            browser.close()
    assert outside == []


@pytest.mark.skipif(CHROMIUM is None, reason="needs Chromium (apt-get install chromium); .ci/run installs it")
def test_the_page_fetches_an_address_only_where_the_service_fetches(server, site):  # noqa: F811
    from playwright.sync_api import sync_playwright

    from tests.serving.conftest import Server

    fetching = Server("--classifier", "weak", "fetch=true", "fetch_private=true")
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--headless=new"])
            try:
                page = browser.new_page()
                page.goto(server.url + "/")  # fetching off: no address field, a pasted address is explained
                assert not page.is_visible("#url")
                page.fill("#page", site + "/page.txt")
                page.click("#go")
                assert "does not fetch pages" in page.text_content("#status")
                page.goto(fetching.url + "/")
                page.fill("#url", site + "/hop/1")
                page.click("#go")
                page.wait_for_function("document.querySelector('#status').textContent.includes('lines labelled')", timeout=60_000)
                texts = [item.text_content() for item in page.query_selector_all("#lines li")]
                assert any("Hội nghị Ngoại giao lần thứ 32" in t for t in texts)
            finally:
                browser.close()
    finally:
        fetching.stop()
