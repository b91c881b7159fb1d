import asyncio
import re
import signal
import threading
import time

import httpx
import pytest

from tests.serving.conftest import Server
from vnnews.serving import ServeConfig

PAGE = (__import__("tests.conftest", fromlist=["RAW_DIR"]).RAW_DIR / "000_40151c7d04a83f24.txt").read_text(encoding="utf-8")


def post(server, path, payload=None, **kw):
    return httpx.post(server.url + path, json=payload, timeout=60, **kw)


def test_classify_summarize_and_process_one_or_many(server):
    r = post(server, "/v1/classify", {"id": "p1", "lines": ["Trang chủ", "Hà Nội mưa lớn", " "]})
    assert r.status_code == 200
    body = r.json()
    assert body["id"] == "p1" and [x["text"] for x in body["lines"]] == ["Trang chủ", "Hà Nội mưa lớn"]
    assert all(0 < x["confidence"] <= 1 and x["label"] for x in body["lines"])
    r = post(server, "/v1/summarize", [{"text": "Hà Nội mưa lớn.\nNhiều tuyến phố ngập."}, {"id": "b", "text": "Giá vàng tăng."}])
    assert r.status_code == 200 and [x["id"] for x in r.json()] == ["0", "b"]
    assert all(isinstance(x["summary"], str) for x in r.json())
    r = post(server, "/v1/process", {"text": PAGE})
    record = r.json()
    assert r.status_code == 200 and len(record["lines"]) == len([t for t in PAGE.splitlines() if t.strip()])
    assert set(record) >= {"id", "title", "lead", "body", "captions", "byline", "dateline", "lines", "summary", "models", "timings"}
    assert record["models"]["classifier_revision"].startswith("sha256:")
    # every stage's time is measured for this page, not left at zero
    assert all(record["timings"][k] > 0 for k in ("ingest_s", "segment_s", "classify_s", "summarize_s")), record["timings"]


@pytest.mark.parametrize(
    ("payload", "raw", "field"),
    [
        ({"lines": ["a"], "model": "/etc/passwd"}, None, "body.model"),  # no model from a request, ever
        ({}, None, "body"),
        ({"text": "a", "html": "<p>b</p>"}, None, "exactly one of 'text', 'html' or 'lines'"),
        ([{"text": "a"}, {"html": 3}], None, r"body\[1\].html"),
        ([{"text": "a"}] * 9, None, "at most 8 items"),
        (None, b'{"text": ', "invalid JSON"),
    ],
)
def test_bad_input_is_a_422_naming_the_field(server, payload, raw, field):
    if raw is None:
        r = post(server, "/v1/process", payload)
    else:
        r = httpx.post(server.url + "/v1/process", content=raw, headers={"content-type": "application/json"}, timeout=30)
    assert r.status_code == 422
    assert re.search(field, r.json()["error"]), r.json()


def test_empty_input_is_answered_with_nothing(server):
    r = post(server, "/v1/summarize", [{"text": "ok"}, {"text": "   "}])
    assert r.status_code == 200 and r.json()[1]["summary"] is None
    r = post(server, "/v1/process", {"text": " \u200b \n "})  # nothing left after cleaning
    assert r.status_code == 200 and r.json()["lines"] == [] and r.json()["summary"] is None


def test_oversized_body_is_a_413_declared_or_chunked(server):
    big = {"text": "x" * 300_000}
    assert post(server, "/v1/process", big).status_code == 413

    def chunks():
        for _ in range(40):
            yield b"x" * 10_000

    r = httpx.post(server.url + "/v1/process", content=chunks(), headers={"content-type": "application/json"}, timeout=30)
    assert r.status_code == 413 and "larger than 200000 bytes" in r.json()["error"]
    assert httpx.get(server.url + "/healthz").status_code == 200


def test_health_readiness_and_metrics(server):
    assert httpx.get(server.url + "/healthz").json() == {"status": "ok"}
    assert httpx.get(server.url + "/readyz").json() == {"status": "ready"}  # model paths are not for probes
    assert httpx.get(server.url + "/v1/models").json()["models"]["summarizer"]
    post(server, "/v1/classify", {"text": "Một dòng"})
    text = httpx.get(server.url + "/metrics").text
    assert re.search(r'vnnews_requests_total\{endpoint="/v1/classify",status="200"\} [1-9]', text)
    assert "vnnews_batch_size_bucket" in text and "vnnews_ready 1.0" in text
    assert httpx.get(server.url + "/openapi.json").json()["paths"].keys() >= {"/v1/classify", "/v1/summarize", "/v1/process"}


def test_concurrent_clients_are_micro_batched(server):
    async def load():
        async with httpx.AsyncClient(base_url=server.url, timeout=120) as client:
            return await asyncio.gather(*(client.post("/v1/process", json={"id": str(i), "text": PAGE}) for i in range(32)))

    before = _batches(server)
    responses = asyncio.run(load())
    assert [r.status_code for r in responses] == [200] * 32
    assert sorted(r.json()["id"] for r in responses) == sorted(str(i) for i in range(32))
    count, total = (a - b for a, b in zip(_batches(server), before, strict=True))
    assert total == 32 and count < 32  # 32 articles classified in fewer model calls


def _batches(server):
    text = httpx.get(server.url + "/metrics").text
    count = float(re.search(r'vnnews_batch_size_count\{model="classifier"\} ([\d.]+)', text).group(1))
    total = float(re.search(r'vnnews_batch_size_sum\{model="classifier"\} ([\d.]+)', text).group(1))
    return count, total


def test_request_past_its_time_limit_is_a_504_and_the_server_stays_up(trained_summarizer):
    srv = Server("--summarizer", str(trained_summarizer[0]), "timeout_s=0.001", "generation={max_new_tokens: 64}")
    try:
        r = post(srv, "/v1/summarize", {"text": "Hà Nội mưa lớn. " * 50})
        assert r.status_code == 504 and "longer than 0.001s" in r.json()["error"]
        assert httpx.get(srv.url + "/healthz").status_code == 200
        assert post(srv, "/v1/classify", {"text": "a"}).json()["error"] == "body: this server runs no classifier (start it with --classifier)"
    finally:
        srv.stop()


def test_sigterm_finishes_requests_in_flight(trained_summarizer):
    srv = Server("--summarizer", str(trained_summarizer[0]), "generation={max_new_tokens: 64, num_beams: 4}", "max_batch=1")
    result = {}

    def slow():
        result["response"] = post(srv, "/v1/summarize", [{"text": f"Văn bản số {i}. " * 40} for i in range(8)])

    thread = threading.Thread(target=slow)
    thread.start()
    time.sleep(0.5)  # the request is in flight
    srv.proc.send_signal(signal.SIGTERM)
    thread.join(60)
    assert result["response"].status_code == 200 and len(result["response"].json()) == 8
    # uvicorn hands the signal back once shut down; vnnews exits with 128 + SIGTERM after
    # its own clean-up (vnnews.lifecycle), as a shell reports a process ended by SIGTERM
    assert srv.proc.wait(30) == 128 + signal.SIGTERM


def test_config_refuses_a_server_without_models():
    with pytest.raises(ValueError, match="--classifier and/or --summarizer"):
        ServeConfig()


def test_app_from_env_for_multi_worker_servers(monkeypatch, tmp_path):
    from fastapi.testclient import TestClient

    from vnnews.serving.app import app_from_env

    config = tmp_path / "serve.yaml"
    config.write_text("max_items: 3\nclassifier: runs/never-loaded\n", encoding="utf-8")
    monkeypatch.setenv("VNNEWS_SERVE_CONFIG", str(config))
    monkeypatch.setenv("VNNEWS_SERVE_CLASSIFIER", "weak")  # the variable wins over the file
    app = app_from_env()
    service = app.state.service
    assert service.config.classifier == "weak" and service.config.max_items == 3
    with TestClient(app) as client:
        for _ in range(50):
            if client.get("/readyz").status_code == 200:
                break
            time.sleep(0.1)
        r = client.post("/v1/classify", json={"lines": ["Trang chủ", "Theo dõi Báo Quốc tế trên"]})
        assert r.status_code == 200 and [x["confidence"] for x in r.json()["lines"]] == [None, None]
        assert client.post("/v1/classify", json=[{"text": "a"}] * 4).status_code == 422


def test_the_service_runs_the_page_labeller(trained_classifier):
    from tests.conftest import ROOT

    srv = Server("--classifier", str(trained_classifier[0]), "max_wait_ms=5")
    try:
        html = (ROOT / "data" / "real" / "pages" / "giadinh.net.vn" / "hoa-chat-trong-thit-ga.html").read_text(encoding="utf-8")
        response = httpx.post(srv.url + "/v1/process", json={"html": html}, timeout=120)
        assert response.status_code == 200, response.text
        body = response.json()
        assert len(body["lines"]) > 50 and all(line["label"] for line in body["lines"])
    finally:
        srv.stop()


def test_the_service_reads_trafilatura_s_opinion_for_a_page_labeller_only():
    from vnnews.serving.app import Service, ServiceMetrics

    opinion = lambda **kw: Service(ServeConfig(**kw), ServiceMetrics()).options.second_opinion  # noqa: E731
    assert opinion(classifier="runs/some-labeller") is True
    assert opinion(classifier="runs/some-labeller", second_opinion=False) is False
    assert opinion(classifier="weak") is False and opinion(summarizer="runs/some-summarizer") is False
