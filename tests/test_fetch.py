"""--fetch against a local HTTP server only (never the network): a page, redirects within and
past the bound, a body over the byte budget, a server too slow, a scheme that is not http."""

import http.server
import re
import threading
import time

import pytest

from tests.conftest import RAW_DIR, local_server
from vnnews.cli import main
from vnnews.fetch import USER_AGENT, FetchError, fetch

PAGE = (RAW_DIR / "000_40151c7d04a83f24.txt").read_bytes()
SEEN_AGENTS: list[str] = []


class Handler(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args):  # quiet
        pass

    def do_GET(self):  # noqa: N802 - the stdlib's name
        SEEN_AGENTS.append(self.headers.get("User-Agent", ""))
        if self.path == "/page.txt":
            self._send(200, PAGE, "text/plain; charset=utf-8")
        elif self.path.startswith("/hop/"):
            n = int(self.path.rsplit("/", 1)[1])
            self.send_response(302)
            self.send_header("Location", "/page.txt" if n == 0 else f"/hop/{n - 1}")
            self.end_headers()
        elif self.path == "/big":
            self._send(200, b"x" * 50_000, "text/plain")
        elif self.path == "/slow":
            time.sleep(3)
            self._send(200, PAGE, "text/plain")
        elif self.path == "/ftp":
            self.send_response(302)
            self.send_header("Location", "ftp://example.invalid/x")
            self.end_headers()
        else:
            self._send(404, b"no", "text/plain")

    def _send(self, code, body, kind):
        self.send_response(code)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture(scope="module")
def site():
    server = local_server(Handler)  # /slow and /big: the client leaves first, as the tests ask of it
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_a_page_is_fetched_with_the_vnnews_user_agent_and_redirects_within_the_bound(site):
    got = fetch(site + "/hop/3")
    assert got.body == PAGE and got.url == site + "/page.txt" and SEEN_AGENTS[-1] == USER_AGENT


@pytest.mark.parametrize(
    ("path", "kwargs", "message"),
    [
        ("/hop/9", {}, "more than 5 redirects"),
        ("/big", {"max_bytes": 10_000}, "50,000 bytes, over max_page_bytes (10,000)"),
        ("/slow", {"timeout_s": 0.5}, "cannot fetch"),
        ("/ftp", {}, "which is not http or https"),
        ("/missing", {}, "HTTP 404"),
    ],
)
def test_what_cannot_be_fetched_within_the_bounds_is_one_error_naming_the_url(site, path, kwargs, message):
    with pytest.raises(FetchError) as caught:
        fetch(site + path, **kwargs)
    assert str(caught.value).startswith(site + path) and message in str(caught.value)


def test_extract_fetches_only_when_asked(site, tmp_path, capsys, caplog):
    assert main(["extract", site + "/page.txt"]) == 2
    assert "pass --fetch" in capsys.readouterr().err
    assert main(["extract", "--fetch", site + "/page.txt", site + "/missing", str(RAW_DIR / "001_e1cb3691e4f8cc6d.txt"), "-o", str(tmp_path / "out.jsonl")]) == 0
    lines = (tmp_path / "out.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(lines) == 2 and f'"url": "{site}/page.txt"' in lines[0]
    assert "1 input(s) skipped" in capsys.readouterr().err and f"{site}/missing" in caplog.text and "HTTP 404" in caplog.text
    with pytest.raises(FetchError, match="only http and https"):
        fetch("file:///etc/passwd")


@pytest.mark.parametrize(("url", "why"), [("http://[::1/x", "Invalid IPv6 URL"), ("http://a.vn:port/x", "Port could not be cast"), ("http://bad host.vn/x", "cannot fetch")])
def test_an_address_that_cannot_be_parsed_is_one_fetch_error(url, why):
    with pytest.raises(FetchError, match=r"^" + re.escape(url) + ".*" + why):
        fetch(url, public_only=False)
    with pytest.raises(FetchError, match=r"^" + re.escape(url)):
        fetch(url, public_only=True)
