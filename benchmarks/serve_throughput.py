"""Benchmark: `vnnews serve` throughput, one client at a time vs concurrent clients.

    python benchmarks/serve_throughput.py --requests 64 --clients 32
    python benchmarks/serve_throughput.py --endpoint /v1/summarize --requests 96

Starts a real server process on 127.0.0.1 with random-weight models of --shape
(saved and loaded like Hub models), then sends --requests requests to --endpoint,
first one at a time from one client, then from --clients concurrent clients, and
prints requests/s for each and their ratio: what micro-batching (concurrent requests
sharing model calls) buys on this machine. Requests are VietNews validation
articles: a page wrapped in boilerplate for /v1/process and /v1/classify, the body
for /v1/summarize.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _machine import describe  # noqa: E402
from _models import save_models  # noqa: E402
from _server import serving  # noqa: E402

VIETNEWS = Path(__file__).resolve().parents[2] / "shared" / "corpora" / "vietnews" / "validation.jsonl.gz"


def payloads(endpoint: str, n: int) -> list[dict]:
    from vnnews.dataset.compose import compose_page
    from vnnews.ingest import iter_articles

    out, others = [], []
    for i, article in enumerate(iter_articles([VIETNEWS])):
        if i >= n:
            break
        if endpoint == "/v1/summarize":
            out.append({"id": article.id, "text": "\n".join(article.texts_labelled("body"))})
        else:
            out.append({"id": article.id, "text": "\n".join(compose_page(article, others).texts)})
        others.append((article.texts[0], article.texts[1]))
    return out


async def run(url: str, endpoint: str, bodies: list[dict], clients: int) -> float:
    import httpx

    queue: asyncio.Queue[dict] = asyncio.Queue()
    for body in bodies:
        queue.put_nowait(body)

    async def client(http: httpx.AsyncClient) -> None:
        while not queue.empty():
            body = queue.get_nowait()
            r = await http.post(endpoint, json=body)
            r.raise_for_status()

    async with httpx.AsyncClient(base_url=url, timeout=600, limits=httpx.Limits(max_connections=clients)) as http:
        start = time.perf_counter()
        await asyncio.gather(*(client(http) for _ in range(clients)))
        return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--shape", choices=["tiny", "base"], default="tiny")
    parser.add_argument("--endpoint", choices=["/v1/process", "/v1/classify", "/v1/summarize"], default="/v1/process")
    parser.add_argument("--requests", type=int, default=64)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--num-beams", type=int, default=4)
    parser.add_argument("--max-new-tokens", type=int, default=32)
    parser.add_argument("--max-batch", type=int, default=32)
    parser.add_argument("--summarize-batch-size", type=int, default=8, help="documents per beam search inside a model call (8 suits a CPU)")
    parser.add_argument("--threads", default="auto", help="the service's `threads` setting: auto or a number")
    args = parser.parse_args()

    import httpx

    with tempfile.TemporaryDirectory() as tmp:
        classifier, summarizer = save_models(args.shape, Path(tmp))
        generation = json.dumps({"num_beams": args.num_beams, "max_new_tokens": args.max_new_tokens})
        with serving("--classifier", str(classifier), "--summarizer", str(summarizer), f"generation={generation}", f"max_batch={args.max_batch}",
                     f"summarize_batch_size={args.summarize_batch_size}", "timeout_s=600", f"threads={args.threads}") as (url, _):
            bodies = payloads(args.endpoint, 2 * args.requests + 4)
            asyncio.run(run(url, args.endpoint, bodies[-4:], 1))  # warm-up (segmenter, first batches)
            # different articles in the two runs, so the second does not profit from the first's caches
            one = asyncio.run(run(url, args.endpoint, bodies[: args.requests], 1))
            many = asyncio.run(run(url, args.endpoint, bodies[args.requests : 2 * args.requests], args.clients))
            metrics = httpx.get(url + "/metrics").text
    print(f"machine: {describe()}")
    print(f"shape: {args.shape}; {args.endpoint}; {args.requests} requests; beam {args.num_beams}, {args.max_new_tokens} new tokens; max_batch {args.max_batch}, summarize_batch_size {args.summarize_batch_size}, threads {args.threads}")
    print(f"1 client, one request at a time: {args.requests / one:.2f} requests/s ({one:.1f}s)")
    print(f"{args.clients} concurrent clients: {args.requests / many:.2f} requests/s ({many:.1f}s)")
    print(f"speed-up: {one / many:.1f}x")
    for model in ("classifier", "summarizer"):
        line = [x for x in metrics.splitlines() if x.startswith(f'vnnews_batch_size_sum{{model="{model}"}}') or x.startswith(f'vnnews_batch_size_count{{model="{model}"}}')]
        if len(line) == 2:
            count, total = (float(x.split()[-1]) for x in sorted(line))
            print(f"{model}: {total:.0f} items in {count:.0f} model calls (mean batch {total / max(count, 1):.1f})")


if __name__ == "__main__":
    main()
