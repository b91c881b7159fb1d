"""Benchmark: ingestion time against page size (is it linear?).

    python benchmarks/ingest_scaling.py [--sizes-mb 0.5 1 2 5 10]

Builds synthetic pages of each size from the bundled seed text, as a plain-text
dump (many lines), a single-line dump, and HTML, and prints seconds and MB/s for
each. Linear time shows as a flat MB/s column.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _machine import describe  # noqa: E402
from vnnews.ingest import iter_articles  # noqa: E402

SEED = Path(__file__).resolve().parents[1] / "data" / "raw" / "000_40151c7d04a83f24.txt"


def make_pages(directory: Path, size: int) -> dict[str, Path]:
    text = SEED.read_text(encoding="utf-8")
    lines = [line for line in text.splitlines() if line.strip()]
    body, total = [], 0
    while total < size:
        body.append(lines[len(body) % len(lines)])
        total += len(body[-1].encode()) + 1
    pages = {
        "txt (lines)": ("\n".join(body), "lines.txt"),
        "txt (one line)": (" ".join(body), "oneline.txt"),
        "html": ("<html><body>" + "".join(f"<p>{s}</p>" for s in body) + "</body></html>", "page.html"),
    }
    out = {}
    for kind, (content, name) in pages.items():
        path = directory / f"{size}-{name}"
        path.write_text(content, encoding="utf-8")
        out[kind] = path
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes-mb", nargs="+", type=float, default=[0.5, 1, 2, 5, 10])
    args = parser.parse_args()
    print(f"machine: {describe()}")
    print(f"{'kind':<16}{'MB':>8}{'lines':>10}{'seconds':>10}{'MB/s':>8}")
    with tempfile.TemporaryDirectory() as tmp:
        for mb in args.sizes_mb:
            for kind, path in make_pages(Path(tmp), int(mb * 1e6)).items():
                size = path.stat().st_size / 1e6
                started = time.perf_counter()
                (article,) = list(iter_articles([path]))
                seconds = time.perf_counter() - started
                print(f"{kind:<16}{size:>8.1f}{len(article.lines):>10}{seconds:>10.2f}{size / seconds:>8.1f}")


if __name__ == "__main__":
    main()
