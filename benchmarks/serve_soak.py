"""Soak: `vnnews serve` under mixed good, bad, huge and slow requests, for a bounded time.

    python benchmarks/serve_soak.py --seconds 60

Starts a real server on 127.0.0.1 with random-weight models of --shape and the
service's default limits, then for --seconds runs, all from loopback:
- good requests (/v1/process with a VietNews page, /v1/summarize with its body);
- bad ones (invalid JSON, non-UTF-8 bytes, a 100,000-deep JSON array, unknown fields);
- huge ones (a 1.9 MB single-line page; a 5,000-line page; a body over the size limit);
- hostile ones (issue 21): the attribute-amplification page (a 1 MB id over 120,000
  paragraphs, 1.96 MB), text with lone surrogates in /v1/summarize items and
  /v1/classify ids (valid JSON), a text/plain body, an over-long id, 1,200-deep unclosed
  markup, a page that names a DOCTYPE internal subset;
- slow clients that send their headers a byte at a time and never finish;
- a /healthz probe every 0.2 s.
Every loop is bounded in count and time and stops by itself. Prints requests
served, responses by status code per kind, /healthz latency (median, p99, max)
and the server's peak RSS (sampled from /proc every 0.2 s).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import socket
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _machine import describe  # noqa: E402
from _models import save_models  # noqa: E402
from _server import serving  # noqa: E402
from serve_throughput import payloads  # noqa: E402


def rss_mib(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as f:
            return next(int(line.split()[1]) for line in f if line.startswith("VmRSS")) / 1024
    except (OSError, StopIteration):
        return 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--shape", choices=["tiny", "base"], default="tiny")
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--good-clients", type=int, default=4)
    parser.add_argument("--slow-clients", type=int, default=20)
    parser.add_argument("--timeout-s", type=float, default=10.0, help="the service's per-request timeout")
    args = parser.parse_args()

    import httpx

    codes: dict[str, Counter[int]] = defaultdict(Counter)
    health: list[float] = []
    peak = [0.0]
    stop_at = time.time() + args.seconds

    with tempfile.TemporaryDirectory() as tmp:
        classifier, summarizer = save_models(args.shape, Path(tmp))
        with serving("--classifier", str(classifier), "--summarizer", str(summarizer), "generation={num_beams: 2, max_new_tokens: 24}",
                     f"timeout_s={args.timeout_s}", "read_timeout_s=5", "limit_concurrency=128") as (url, server):
            port = int(url.rsplit(":", 1)[1])
            pages = payloads("/v1/process", 40)
            bodies = payloads("/v1/summarize", 40)
            stop_at = time.time() + args.seconds

            def watch() -> None:
                while time.time() < stop_at:
                    peak[0] = max(peak[0], rss_mib(server.pid))
                    t0 = time.perf_counter()
                    try:
                        r = httpx.get(url + "/healthz", timeout=30)
                        codes["healthz"][r.status_code] += 1
                    except httpx.HTTPError:
                        codes["healthz"][0] += 1
                    health.append(time.perf_counter() - t0)
                    time.sleep(0.2)

            def slow() -> None:
                while time.time() < stop_at:
                    try:
                        with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
                            try:
                                for byte in b"POST /v1/process HTTP/1.1\r\nHost: x\r\n":
                                    if time.time() > stop_at:
                                        break
                                    sock.sendall(bytes([byte]))
                                    time.sleep(0.5)
                            except OSError:
                                pass  # the server closed the connection: read what it said
                            reply = sock.recv(64)
                            codes["slow"][int(reply[9:12]) if reply.startswith(b"HTTP/1.1 ") else 0] += 1
                    except OSError:
                        codes["slow"][0] += 1

            async def clients() -> None:
                async with httpx.AsyncClient(base_url=url, timeout=120) as http:

                    async def call(kind: str, path: str, **kw) -> None:
                        try:
                            r = await http.post(path, **kw)
                            codes[kind][r.status_code] += 1
                        except httpx.HTTPError:
                            codes[kind][0] += 1

                    async def good(i: int) -> None:
                        rng = random.Random(i)
                        while time.time() < stop_at:
                            if rng.random() < 0.5:
                                await call("good", "/v1/process", json=rng.choice(pages))
                            else:
                                await call("good", "/v1/summarize", json=rng.choice(bodies))

                    async def bad() -> None:
                        kinds = [
                            {"content": b'{"text": ', "headers": {"content-type": "application/json"}},
                            {"content": b'{"text": "\xff\xfe"}', "headers": {"content-type": "application/json"}},
                            {"content": b"[" * 100000 + b"]" * 100000, "headers": {"content-type": "application/json"}},
                            {"json": {"text": "a", "model": "/etc/passwd"}},
                        ]
                        i = 0
                        while time.time() < stop_at:
                            await call("bad", "/v1/process", **kinds[i % len(kinds)])
                            i += 1
                            await asyncio.sleep(0.1)

                    async def huge() -> None:
                        kinds = [
                            {"json": {"text": "chu " * 475_000}},  # a 1.9 MB single line (under the body limit)
                            {"json": {"lines": [f"Dòng {i} của một trang rất dài với nhiều chữ" for i in range(5000)]}},
                            {"content": b"x" * 2_100_000, "headers": {"content-type": "application/json"}},
                        ]
                        i = 0
                        while time.time() < stop_at:
                            await call("huge", "/v1/process", **kinds[i % len(kinds)])
                            i += 1
                            await asyncio.sleep(0.5)

                    async def hostile() -> None:
                        amplification = '<div id="' + "a" * 1_000_000 + '">' + "<p>x</p>" * 120_000 + "</div>"
                        surrogate = json.dumps({"text": "Hà Nội \ud800 hôm nay"})  # json.dumps escapes it: valid JSON
                        kinds = [
                            {"json": {"html": amplification}},
                            {"content": surrogate, "headers": {"content-type": "application/json"}, "path": "/v1/summarize"},
                            {"content": json.dumps({"id": "\udfff", "text": "Tin"}), "headers": {"content-type": "application/json"}},
                            {"content": b"Tin tuc hom nay", "headers": {"content-type": "text/plain"}},
                            {"json": {"id": "x" * 300, "text": "Tin"}},
                            {"json": {"html": "".join(f"<p><font><b>Đoạn {i} " for i in range(400))}},
                            {"json": {"html": '<!DOCTYPE html [<!ENTITY a "b">]><p>Tin tức</p>'}},
                        ]
                        i = 0
                        while time.time() < stop_at:
                            kind = dict(kinds[i % len(kinds)])
                            await call("hostile", kind.pop("path", "/v1/process"), **kind)
                            i += 1
                            await asyncio.sleep(0.2)

                    await asyncio.gather(*(good(i) for i in range(args.good_clients)), bad(), huge(), hostile())

            threads = [threading.Thread(target=watch)] + [threading.Thread(target=slow) for _ in range(args.slow_clients)]
            for t in threads:
                t.start()
            asyncio.run(clients())
            for t in threads:
                t.join()
            alive = server.poll() is None
    served = sum(n for kind, c in codes.items() if kind != "healthz" for code, n in c.items() if code)
    print(f"machine: {describe()}")
    print(f"shape: {args.shape}; {args.seconds:.0f} s; {args.good_clients} good clients, 1 bad, 1 huge, 1 hostile, {args.slow_clients} slow; timeout_s {args.timeout_s}")
    print(f"requests answered: {served}; server still up at the end: {alive}")
    for kind in ("good", "bad", "huge", "hostile", "slow", "healthz"):
        print(f"  {kind:8s} " + ", ".join(f"{code or 'no answer'}: {n}" for code, n in sorted(codes[kind].items())))
    q = sorted(health)
    print(f"/healthz latency: median {statistics.median(q) * 1000:.0f} ms, p99 {q[int(0.99 * (len(q) - 1))] * 1000:.0f} ms, max {q[-1] * 1000:.0f} ms over {len(q)} probes")
    print(f"server peak RSS: {peak[0]:.0f} MiB")
    print(json.dumps({"codes": {k: dict(v) for k, v in codes.items()}, "peak_rss_mib": round(peak[0]), "healthz_max_ms": round(q[-1] * 1000)}))


if __name__ == "__main__":
    main()
