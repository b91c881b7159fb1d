"""What keeping line vectors across a job saves (vnnews.models.line_cache; issue 35, item 5).

    python benchmarks/line_cache.py [--chunk 4] [--demo build/demo/classifier] [--base]

A job over one site's pages: the 26 dantri.com.vn pages of data/real, in order, labelled
`--chunk` pages at a time as `vnnews infer` does, first without the cache, then with it,
and then again without it (the machine is shared: both orders). The pages are encoded
(segmented, tokenized, layout features) once before, so the times are the model's part
alone: what the cache changes. One thread. Labels are compared line by line.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("OMP_NUM_THREADS", "1")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

from _machine import describe  # noqa: E402


def job(model: Any, pages: list[Any], encoded: list[Any], chunks: list[range], cache_mib: float | None) -> tuple[float, list[list[str]]]:
    """Seconds to label ``pages`` chunk by chunk (their encodings given), and the labels."""
    model.cache_lines(cache_mib)
    t0 = time.perf_counter()
    labels = []
    for chunk in chunks:
        out = model.predict([pages[i] for i in chunk], encoded=[encoded[i] for i in chunk])
        labels += [[p.label for p in page] for page in out]
    return time.perf_counter() - t0, labels


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--chunk", type=int, default=4, help="pages per call (a job's chunk)")
    parser.add_argument("--demo", type=Path, default=ROOT / "build" / "demo" / "classifier", help="the demo's labeller (make demo); left out when absent")
    parser.add_argument("--base", action="store_true", help="also a PhoBERT-base-shaped labeller (replica shape, random weights), torch fp32")
    args = parser.parse_args()

    import torch

    from vnnews.ingest import IngestOptions, iter_articles
    from vnnews.models import load_classifier

    torch.set_num_threads(1)
    print(describe())
    pages = list(iter_articles([ROOT / "data" / "real" / "pages" / "dantri.com.vn"], IngestOptions(tone_style=None)))
    lines = sum(len(p.lines) for p in pages)
    distinct = len({line.text for p in pages for line in p.lines})
    print(f"{len(pages)} pages of one site, {lines:,} lines, {distinct:,} distinct ({distinct / lines:.0%}), {args.chunk} pages a call")
    models = {}
    if args.demo.is_dir():
        models["the demo's labeller"] = load_classifier(str(args.demo))
    tmp = tempfile.TemporaryDirectory(prefix="vnnews-linecache-")
    if args.base:
        from _models import page_labeler_of_shape

        page_labeler_of_shape("base", Path(tmp.name), max_line_tokens=64).save_pretrained(Path(tmp.name) / "torch")
        models["PhoBERT-base-shaped labeller, torch fp32"] = load_classifier(str(Path(tmp.name) / "torch"))
    print("\n| labeller | without the cache | with it | saved | lines reused | labels the same |\n|---|---:|---:|---:|---:|---|")
    for name, model in models.items():
        encoded = model.encode(pages)
        chunks = [range(i, min(i + args.chunk, len(pages))) for i in range(0, len(pages), args.chunk)]
        job(model, pages, encoded, chunks, None)  # warm-up
        plain_a, labels_plain = job(model, pages, encoded, chunks, None)
        cached, labels_cached = job(model, pages, encoded, chunks, 256)
        described = model.line_cache.describe().split(" lines reused")[0]
        plain_b, _ = job(model, pages, encoded, chunks, None)
        plain = min(plain_a, plain_b)
        print(f"| {name} | {plain:.2f} s | {cached:.2f} s | {1 - cached / plain:.0%} | {described} | {labels_cached == labels_plain} |")
    tmp.cleanup()


if __name__ == "__main__":
    main()
