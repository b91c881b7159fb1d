"""`url` in /v1/process and on the page: off by default, public addresses only unless the
service allows private ones, within the body size and fetch timeout; with a page, the
page's address. Fetched from a local HTTP server only (never the network)."""

import time

import pytest
from fastapi.testclient import TestClient

from tests.test_fetch import site  # noqa: F401 - the local site fixture
from vnnews.fetch import FetchError, fetch
from vnnews.serving.app import ServeConfig, create_app


def _client(**settings):
    app = create_app(ServeConfig(classifier="weak", **settings))
    client = TestClient(app)
    client.__enter__()
    for _ in range(100):
        if client.get("/readyz").status_code == 200:
            break
        time.sleep(0.05)
    return client


@pytest.fixture
def client_for():
    made = []

    def make(**settings):
        made.append(_client(**settings))
        return made[-1]

    yield make
    for client in made:
        client.__exit__(None, None, None)


def test_a_url_alone_is_refused_unless_the_service_fetches(client_for, site):  # noqa: F811
    client = client_for()
    r = client.post("/v1/process", json={"url": site + "/page.txt"})
    assert r.status_code == 422
    assert r.json()["error"].startswith("body.url: this service does not fetch pages (start it with fetch=true)")
    assert 'data-fetch="off"' in client.get("/").text
    one = client.get("/openapi.json").json()["paths"]["/v1/process"]["post"]["requestBody"]["content"]["application/json"]["schema"]["oneOf"][0]
    assert {"required": ["url"]} not in [{"required": alt["required"]} for alt in one["oneOf"]]  # the schema says what this service takes


def test_a_public_only_service_refuses_local_addresses_and_redirects_to_them(client_for, site):  # noqa: F811
    client = client_for(fetch=True)
    r = client.post("/v1/process", json=[{"url": site + "/page.txt"}, {"text": "Tiêu đề\nMột đoạn."}])
    assert r.status_code == 422 and "body[0].url" in r.json()["error"] and "local or private address (127.0.0.1)" in r.json()["error"]
    with pytest.raises(FetchError, match="local or private address"):
        fetch("http://localhost:9/x", public_only=True)


def test_a_service_that_fetches_returns_the_record_of_the_fetched_page(client_for, site):  # noqa: F811
    client = client_for(fetch=True, fetch_private=True, max_body_bytes=40_000)
    assert 'data-fetch="on"' in client.get("/").text
    one = client.get("/openapi.json").json()["paths"]["/v1/process"]["post"]["requestBody"]["content"]["application/json"]["schema"]["oneOf"][0]
    assert ["url"] in [alt["required"] for alt in one["oneOf"]]
    r = client.post("/v1/process", json={"url": site + "/hop/2", "id": "a"})  # redirected to /page.txt
    assert r.status_code == 200, r.text
    record = r.json()
    assert record["id"] == "a" and record["url"] == site + "/page.txt"
    assert record["title"].startswith("Hội nghị Ngoại giao lần thứ 32") and record["body"]
    r = client.post("/v1/process", json={"url": site + "/big"})  # 50,000 bytes > max_body_bytes
    assert r.status_code == 422 and "max_page_bytes (40,000)" in r.json()["error"]
    r = client.post("/v1/classify", json={"url": site + "/missing"})
    assert r.status_code == 422 and "HTTP 404" in r.json()["error"]


def test_a_url_beside_the_page_is_its_address_and_is_never_fetched(client_for):
    client = client_for()  # fetching off: nothing is fetched
    html = "<html><body><h1>Tiêu đề bài báo</h1><p>Đoạn thứ nhất của bài báo này.</p><img src='/a.jpg'></body></html>"
    r = client.post("/v1/process", json={"html": html, "url": "https://bao.example.vn/bai-1.html"})
    assert r.status_code == 200, r.text
    assert r.json()["url"] == "https://bao.example.vn/bai-1.html"


def test_an_address_beside_a_page_that_cannot_be_parsed_is_no_address(client_for):
    # schema-valid (http, one word), so accepted: it is the page's metadata, and null in the record (schemathesis found a 500 here)
    r = client_for().post("/v1/process", json={"url": "HTTP://[\U00037575", "lines": ["Tiêu đề bài báo", "Đoạn thứ nhất của bài báo này."]})
    assert r.status_code == 200, r.text
    assert r.json()["url"] is None and r.json()["title"] == "Tiêu đề bài báo"


@pytest.mark.parametrize(
    ("item", "message"),
    [
        ({"url": "ftp://example.vn/x"}, "body.url: ftp://example.vn/x: only http and https URLs are fetched"),
        ({"url": "https://a.vn/x", "text": "a", "html": "<p>b</p>"}, "give exactly one of"),
        ({"id": "x"}, "give exactly one of"),
        ({"url": "https://a.vn/" + "x" * 3000}, "at most 2048 characters"),
        ({"url": "http://a.vn:99999/x"}, "body.url: http://a.vn:99999/x: not an address that can be read (Port out of range 0-65535)"),
        ({"url": "HTTP://[\U00037575"}, "not an address that can be read (Invalid IPv6 URL)"),
    ],
)
def test_malformed_url_items_are_one_error(client_for, item, message):
    r = client_for(fetch=True).post("/v1/process", json=item)
    assert r.status_code == 422 and message in r.json()["error"]


def test_fetch_settings_are_checked_at_start():
    with pytest.raises(ValueError, match="fetch_timeout_s must be > 0"):
        ServeConfig(classifier="weak", fetch_timeout_s=0)
