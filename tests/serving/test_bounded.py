"""The service bounded: limits on one request's work, bad bodies, slow clients,
timeouts that free the model, /healthz under load (issue: no input stops a run)."""

import socket
import threading
import time

import httpx
import pytest

from tests.serving.conftest import Server


@pytest.fixture(scope="module")
def bounded(trained_classifier):
    srv = Server("--classifier", str(trained_classifier[0]), "timeout_s=1.5", "max_lines_per_call=64", "read_timeout_s=1",
                 "limit_concurrency=12", "max_line_chars=2000", "max_lines=6000", "max_body_bytes=3000000")
    yield srv
    srv.stop()


def heavy_page(n=5000):
    return {"lines": [f"Dòng số {i} của một trang rất dài, với nhiều chữ để phân đoạn và gán nhãn {i * 7}" for i in range(n)]}


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ({"text": "a" * 2001}, "body.text: line 1 has 2001 characters; the limit is max_line_chars=2000"),
        ({"lines": ["ok"] * 6001}, "body.lines: 6001 lines; the limit is max_lines=6000 per page"),
        ({"html": "<p>" + "b" * 2500 + "</p>"}, "body.html: line 1 has 2500 characters"),
    ],
)
def test_work_past_the_limits_is_a_422_naming_the_limit(bounded, payload, message):
    r = httpx.post(bounded.url + "/v1/classify", json=payload, timeout=30)
    assert r.status_code == 422 and r.json()["error"] == message or message in r.json()["error"]


@pytest.mark.parametrize(("body", "message"), [(b'{"text": "\xff\xfe bad"}', "body: not UTF-8"), (b"[" * 100000 + b"]" * 100000, "body: nested too deeply")])
def test_undecodable_bodies_are_422_with_error(bounded, body, message):
    r = httpx.post(bounded.url + "/v1/classify", content=body, headers={"content-type": "application/json"}, timeout=30)
    assert r.status_code == 422 and r.json() == {"error": message if "UTF-8" not in message else "body: not UTF-8 (JSON must be)"}


def test_a_slow_client_gets_408_and_is_disconnected(bounded):
    with socket.create_connection(("127.0.0.1", bounded.port), timeout=10) as s:
        s.sendall(b"POST /v1/classify HTTP/1.1\r\nHost: x\r\n")  # headers never finished
        t0 = time.perf_counter()
        data = s.recv(4096)
        waited = time.perf_counter() - t0
    assert data.startswith(b"HTTP/1.1 408") and b"request not received within 1s" in data
    assert 0.5 < waited < 5
    metrics = httpx.get(bounded.url + "/metrics", timeout=10).text  # the server's own 408s are counted too
    assert 'vnnews_requests_total{endpoint="(server)",status="408"}' in metrics


def test_idle_connections_cannot_starve_requests_or_the_probes(trained_classifier, tmp_path):
    """300 sockets that send nothing, reopened as they are closed, with a connection bound
    of 12 and a token: the probes and authenticated requests keep answering, during the
    attack and after it, and /metrics counts what the server refused itself."""
    (tmp_path / "token").write_text("s3cret\n")
    srv = Server("--classifier", str(trained_classifier[0]), "limit_concurrency=12", "read_timeout_s=2", f"auth_token_file={tmp_path / 'token'}")
    auth = {"Authorization": "Bearer s3cret"}
    held: list[socket.socket] = []
    try:
        statuses = []
        for _round in range(3):
            for s in held:
                s.close()
            held = []
            for _ in range(300):
                try:
                    held.append(socket.create_connection(("127.0.0.1", srv.port), timeout=5))
                except OSError:
                    pass
            time.sleep(0.3)
            statuses.append(httpx.get(srv.url + "/healthz", timeout=10).status_code)
            statuses.append(httpx.post(srv.url + "/v1/classify", json={"text": "Tiêu đề\nNội dung bài báo."}, headers=auth, timeout=30).status_code)
        assert statuses == [200, 200] * 3
        garbage = socket.create_connection(("127.0.0.1", srv.port), timeout=10)
        garbage.sendall(b"NOT HTTP AT ALL\r\n\r\n")
        reply = garbage.recv(4096)
        garbage.close()
        assert reply.startswith(b"HTTP/1.1 400") and b"application/json" in reply and b'"error": "malformed HTTP request' in reply
    finally:
        for s in held:
            s.close()
    time.sleep(0.5)
    assert httpx.get(srv.url + "/readyz", timeout=10).status_code == 200
    metrics = httpx.get(srv.url + "/metrics", headers=auth, timeout=10).text
    assert 'vnnews_requests_total{endpoint="(server)",status="400"} 1.0' in metrics
    srv.stop()


def test_requests_past_the_in_flight_bound_get_a_json_503_and_the_probes_do_not():
    import asyncio
    import json

    from vnnews.serving.limits import ConcurrencyLimit

    release = asyncio.Event()

    async def slow_app(scope, receive, send):
        await release.wait()
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})

    async def call(app, path):
        sent = []

        async def send(message):
            sent.append(message)

        await app({"type": "http", "path": path}, None, send)
        return sent

    async def run():
        app = ConcurrencyLimit(slow_app, max_in_flight=2, open_paths={"/healthz"})
        busy = [asyncio.create_task(call(app, "/v1/classify")) for _ in range(2)]
        await asyncio.sleep(0)
        refused = await call(app, "/v1/classify")
        probe = asyncio.create_task(call(app, "/healthz"))
        await asyncio.sleep(0)
        release.set()
        return refused, await probe, [await b for b in busy]

    refused, probe, busy = asyncio.run(run())
    assert refused[0]["status"] == 503 and json.loads(refused[1]["body"]) == {"error": "server busy: 2 requests in flight; retry later"}
    assert probe[0]["status"] == 200 and [b[0]["status"] for b in busy] == [200, 200]


def test_a_timed_out_request_frees_the_model_and_healthz_stays_fast(bounded):
    results, health = {}, []

    def big(i):
        results[i] = httpx.post(bounded.url + "/v1/classify", json=heavy_page(), timeout=60).status_code

    threads = [threading.Thread(target=big, args=(i,)) for i in range(3)]
    for t in threads:
        t.start()
    deadline = time.time() + 3
    while time.time() < deadline:
        t0 = time.perf_counter()
        assert httpx.get(bounded.url + "/healthz", timeout=10).status_code == 200
        health.append(time.perf_counter() - t0)
        time.sleep(0.1)
    for t in threads:
        t.join()
    assert set(results.values()) == {504}
    assert max(health) < 1.0, health
    # Not starved by the timed-out work: had it kept the model, this request would wait
    # past the server's own timeout_s=1.5 and be a 504 too. (The server's clock, not one
    # taken here: a client-side bound adds the round trip and failed at 1.54 s on a busy machine.)
    r = httpx.post(bounded.url + "/v1/classify", json={"lines": ["Trang chủ", "Hà Nội mưa lớn."]}, timeout=30)
    assert r.status_code == 200, r.text
