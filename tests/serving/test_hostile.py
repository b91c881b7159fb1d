"""Hostile but fair clients (issue 21): one bad request never fails the others, every
error is ``{"error": ...}``, a broken worker is reported by the probes, the optional
bearer token guards every route but the probes, and a page built to amplify memory
under a memory cap leaves the server serving."""

import asyncio
import json
import resource
import time

import httpx
import pytest
from fastapi.testclient import TestClient

from tests.serving.conftest import Server
from vnnews.inference.stages import Models, RuleLabeller
from vnnews.serving import ServeConfig, create_app


class FakeSummarizer:
    """Echoes the first word; "FAIL" raises an error, "OOM" runs out of memory,
    and ``always_oom`` makes every call run out of memory (a broken worker)."""

    identity = {"id": "/models/secret-path/summarizer", "revision": None}

    def __init__(self, always_oom: bool = False) -> None:
        self.always_oom = always_oom
        self.calls: list[list[str]] = []

    def summarize(self, documents, batch_size=16, **generation):
        self.calls.append(list(documents))
        if self.always_oom or any("OOM" in d for d in documents):
            raise MemoryError()
        if any("FAIL" in d for d in documents):
            raise RuntimeError("a model failure")
        return [d.split()[0] for d in documents]


def client_for(summarizer, **config):
    cfg = ServeConfig(summarizer="fake", classifier="weak", max_wait_ms=50, **config)
    return TestClient(create_app(cfg, models=Models(classifier=RuleLabeller(), summarizer=summarizer)))


def test_a_failing_item_fails_only_its_own_request_in_a_shared_batch():
    summarizer = FakeSummarizer()
    app = create_app(ServeConfig(summarizer="fake", max_wait_ms=100), models=Models(summarizer=summarizer))

    async def send():
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)  # as a server does: the 500 is sent, the error logged
        async with app.router.lifespan_context(app), httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            texts = ["Một bài", "Hai bài", "FAIL bài", "Ba bài", "Bốn bài"]
            return await asyncio.gather(*(client.post("/v1/summarize", json={"text": t}) for t in texts))

    responses = asyncio.run(send())
    assert [r.status_code for r in responses] == [200, 200, 500, 200, 200], [r.text for r in responses]
    assert [r.json().get("summary") for r in responses if r.status_code == 200] == ["Một", "Hai", "Ba", "Bốn"]
    assert responses[2].json() == {"error": "internal error (RuntimeError); the request was not completed, the server goes on"}
    assert len(summarizer.calls[0]) == 5  # they did share one call before it was retried request by request


@pytest.mark.parametrize(
    ("path", "payload", "message"),
    [
        ("/v1/summarize", {"text": "Hà Nội \ud800"}, "body.text: not valid Unicode: a lone surrogate U+D800 at character 8"),
        ("/v1/classify", {"id": "\udfff", "text": "Tin"}, "body.id: not valid Unicode: a lone surrogate U+DFFF at character 1"),
        ("/v1/classify", [{"text": "Tin"}, {"lines": ["a", "b\ud800"]}], "body[1].lines: not valid Unicode: a lone surrogate U+D800 at character 2"),
        ("/v1/classify", {"id": "x" * 300, "text": "Tin"}, "body.id: String should have at most 256 characters"),
    ],
)
def test_text_that_is_not_valid_unicode_is_a_422_for_that_request(path, payload, message):
    summarizer = FakeSummarizer()
    with client_for(summarizer) as client:
        r = client.post(path, content=json.dumps(payload), headers={"content-type": "application/json"})  # "\ud800" escaped, as valid JSON
        assert (r.status_code, r.json()) == (422, {"error": message})
        assert client.post("/v1/summarize", json={"text": "Tin tốt"}).json()["summary"] == "Tin"
    assert all("\ud800" not in d for call in summarizer.calls for d in call)  # never reached a model batch


@pytest.mark.parametrize(("content", "content_type"), [(b"Tin tuc hom nay", "text/plain"), (b"text=Tin+tuc", "application/x-www-form-urlencoded")])
def test_a_body_that_is_not_json_says_which_content_type_is_expected(content, content_type):
    with client_for(FakeSummarizer()) as client:
        r = client.post("/v1/classify", content=content, headers={"content-type": content_type})
    assert r.status_code == 422
    assert r.json() == {"error": "body: expected a JSON object, or a list of them, sent with Content-Type: application/json"}


def test_out_of_memory_once_is_survived_and_a_broken_worker_is_reported_by_the_probes():
    with client_for(FakeSummarizer()) as client:
        r = client.post("/v1/summarize", json={"text": "OOM trang lớn"})
        assert r.status_code == 503 and "ran out of memory" in r.json()["error"]
        assert client.get("/healthz").json() == {"status": "ok"}  # the probe passed: the worker still works
        assert client.post("/v1/summarize", json={"text": "Tin tốt"}).status_code == 200
    with client_for(FakeSummarizer(always_oom=True)) as client:
        assert client.post("/v1/summarize", json={"text": "Tin"}).status_code == 503
        health, ready = client.get("/healthz"), client.get("/readyz")
        assert health.status_code == 503 and "restart this worker" in health.json()["error"]
        assert ready.status_code == 503 and "restart this worker" in ready.json()["error"]


def test_the_bearer_token_guards_every_route_but_the_probes(tmp_path, monkeypatch):
    token_file = tmp_path / "token"
    token_file.write_text("s3cret-token\n", encoding="utf-8")
    monkeypatch.delenv("VNNEWS_API_TOKEN", raising=False)
    with client_for(FakeSummarizer(), auth_token_file=str(token_file)) as client:
        for path in ("/healthz", "/readyz"):
            assert client.get(path).status_code == 200, path
        assert client.get("/readyz").json() == {"status": "ready"}  # no model paths for anyone
        for method, path in (("get", "/"), ("get", "/metrics"), ("get", "/docs"), ("get", "/openapi.json"), ("get", "/v1/models"), ("post", "/v1/summarize")):
            r = getattr(client, method)(path, **({"json": {"text": "Tin"}} if method == "post" else {}))
            assert r.status_code == 401 and r.headers["www-authenticate"].startswith("Bearer"), path
            wrong = getattr(client, method)(path, headers={"authorization": "Bearer wrong"}, **({"json": {"text": "Tin"}} if method == "post" else {}))
            assert wrong.status_code == 401, path
        good = {"authorization": "Bearer s3cret-token"}
        assert client.post("/v1/summarize", json={"text": "Tin tốt"}, headers=good).json()["summary"] == "Tin"
        assert client.get("/v1/models", headers=good).json()["models"]["summarizer"] == "/models/secret-path/summarizer"
    monkeypatch.setenv("VNNEWS_API_TOKEN", "from-env")
    with client_for(FakeSummarizer()) as client:
        assert client.post("/v1/summarize", json={"text": "Tin"}).status_code == 401
        assert client.post("/v1/summarize", json={"text": "Tin"}, headers={"authorization": "Bearer from-env"}).status_code == 200
    empty = tmp_path / "empty"
    empty.write_text("", encoding="utf-8")
    with pytest.raises(ValueError, match="auth_token_file .* is empty"):
        ServeConfig(summarizer="fake", auth_token_file=str(empty))


def _cap_memory(limit_bytes: int):
    def apply() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (limit_bytes, limit_bytes))

    return apply


def test_the_amplification_page_under_a_memory_cap_leaves_the_server_serving(trained_classifier):
    """A 1.96 MB request (a 1 MB id over 120,000 paragraphs) once needed about 120 GB."""
    probe = Server("--classifier", str(trained_classifier[0]), "max_body_bytes=2000000")
    vm = int(next(line for line in open(f"/proc/{probe.proc.pid}/status") if line.startswith("VmPeak")).split()[1]) * 1024
    probe.stop()
    srv = Server("--classifier", str(trained_classifier[0]), "max_body_bytes=2000000", preexec_fn=_cap_memory(vm + (1 << 30)))
    try:
        html = '<div id="' + "a" * 1_000_000 + '">' + "<p>x</p>" * 120_000 + "</div>"
        t0 = time.perf_counter()
        r = httpx.post(srv.url + "/v1/classify", json={"html": html}, timeout=60)
        assert r.status_code == 422 and r.json() == {"error": "body.html: page too large: more than 5000 lines (max_lines)"}
        assert time.perf_counter() - t0 < 30
        good = httpx.post(srv.url + "/v1/classify", json={"html": "<h1>Tiêu đề</h1><p>Nội dung bài báo.</p>"}, timeout=60)
        assert good.status_code == 200 and len(good.json()["lines"]) == 2
        assert httpx.get(srv.url + "/healthz").json() == {"status": "ok"}
    finally:
        srv.stop()
