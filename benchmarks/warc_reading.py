"""Reading WARC files: records/s with FastWARC and with warcio, and pages/s end to end.

    python benchmarks/warc_reading.py [--pages 400]

Writes one WARC file (gzip per record, as CC-NEWS publishes them) of composed pages: the
seed pages and the demo's VietNews sample rendered as HTML by the page composer, each
response beside its request record, plus an image and a redirect every tenth page. Then,
side by side in one run: the WARC records alone with each library (the HTML bodies read,
nothing parsed), vnnews's reading into articles with each (HTML parsed into lines: what a
job's ingest stage costs), the language filter's cost per page (vnnews.language on the
parsed pages, beside the reading it follows), and `vnnews infer --classifier weak` over the file.
"""

from __future__ import annotations

import argparse
import io
import itertools
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

from _machine import describe  # noqa: E402


def composed_html(n: int) -> list[str]:
    """HTML of ``n`` VietNews validation articles placed in composed pages (the composer's
    sites, layouts and chrome), as the dataset builder renders them."""
    from vnnews.dataset.compose import FAMILIES, N_SITES, _rng, add_real_chrome, build_page, make_site, render_html
    from vnnews.ingest import IngestOptions, iter_articles

    source = ROOT.parent / "shared" / "corpora" / "vietnews" / "validation.jsonl.gz"
    records = list(itertools.islice(iter_articles([source], IngestOptions()), n))
    others = [(" ".join(a.texts_labelled("title")), " ".join(a.texts_labelled("lead"))) for a in records[:50]]
    pages = []
    for article in records:
        rng = _rng(article.id, "compose")
        site = make_site(rng.randrange(N_SITES))
        family = rng.choice(list(FAMILIES))
        page = build_page(article, others, site, family, rng)
        add_real_chrome(page, site, article.id, others, family)
        pages.append(render_html(page, site, " ".join(article.texts_labelled("title")), " ".join(article.texts_labelled("lead")), rng, family))
    return pages


def write_warc(path: Path, pages: list[str]) -> int:
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    n = 0
    with open(path, "wb") as f:
        writer = WARCWriter(f, gzip=True)
        for k, html in enumerate(pages):
            url = f"https://bao{k % 7}.example.vn/bai-{k}.html"
            writer.write_record(writer.create_warc_record(url, "request", payload=io.BytesIO(b"GET / HTTP/1.1\r\n\r\n")))
            http = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8")], protocol="HTTP/1.1")
            writer.write_record(writer.create_warc_record(url, "response", payload=io.BytesIO(html.encode("utf-8")), http_headers=http))
            n += 1
            if k % 10 == 0:
                for status, kind in (("200 OK", "image/jpeg"), ("301 Moved Permanently", "text/html")):
                    http = StatusAndHeaders(status, [("Content-Type", kind)], protocol="HTTP/1.1")
                    writer.write_record(writer.create_warc_record(url + ".x", "response", payload=io.BytesIO(b"x" * 2000), http_headers=http))
    return n


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pages", type=int, default=400)
    args = parser.parse_args()
    from vnnews.ingest import IngestOptions
    from vnnews.ingest.readers import _read_warc
    from vnnews.ingest.warc import backend, warc_pages

    print(describe())
    with tempfile.TemporaryDirectory(prefix="vnnews-warc-") as tmp:
        path = Path(tmp) / "crawl.warc.gz"
        pages = composed_html(args.pages)
        n = write_warc(path, pages)
        print(f"{n} HTML responses ({sum(map(len, pages)) / 1e6:.1f} MB of HTML), {path.stat().st_size / 1e6:.1f} MB gzipped, {backend()} installed first")
        rows = []
        for name in ("fastwarc", "warcio"):
            try:
                __import__(name)
            except ImportError:
                print(f"({name} not installed)")
                continue
            t0 = time.perf_counter()
            got = sum(len(p.read()) > 0 for p in warc_pages(path, lambda where, why: None, name))
            records_s = got / (time.perf_counter() - t0)
            t0 = time.perf_counter()
            articles = sum(1 for _ in _read_warc(path, "crawl", IngestOptions(), lambda e: None, prefer=name))
            pages_s = articles / (time.perf_counter() - t0)
            rows.append((name, records_s, pages_s))
        print("\n| library | WARC records read (bodies, no parsing) | articles (HTML parsed into lines) |\n|---|---:|---:|")
        for name, records_s, pages_s in rows:
            print(f"| {name} | {records_s:,.0f} records/s | {pages_s:,.0f} pages/s |")
        from vnnews.ingest.readers import iter_articles
        from vnnews.language import detect

        articles = list(iter_articles([path], IngestOptions(), on_error=lambda e: None))
        detect(articles[0].texts)  # the model loaded once, as in a job
        t0 = time.perf_counter()
        found = [detect(a.texts) for a in articles]
        per_page = (time.perf_counter() - t0) / len(articles)
        reading = 1 / rows[0][2] if rows else float("nan")
        vi = sum(1 for d in found if d is not None and d.language == "vi")
        print(f"\nlanguage filter: {per_page * 1e3:.2f} ms a page ({per_page / reading:.1%} of reading it), {vi}/{len(articles)} pages told Vietnamese")
        from vnnews.inference import InferenceConfig, run_inference

        t0 = time.perf_counter()
        result = run_inference([path], Path(tmp) / "out.jsonl", InferenceConfig(classifier="weak", progress=False, segment_workers=0))
        spent = time.perf_counter() - t0
        print(f"\n`vnnews infer --classifier weak` over the file: {result.done} records in {spent:.1f} s ({result.done / spent:,.0f} pages/s), "
              f"{result.failed} responses refused (images, redirects)")


if __name__ == "__main__":
    main()
