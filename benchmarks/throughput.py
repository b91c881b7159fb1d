"""Pages a second on every core: `vnnews infer` against trafilatura in a process pool over
the same cores, on the same HTML pages (issue 35, item 6).

    python benchmarks/throughput.py [--pages 1000] [--demo build/demo/classifier] [--workers N] [--setting threads=1 ...] [--processes]

Pages: VietNews validation articles (../shared) composed into HTML pages of many sites and
layouts (the composer's menus, related lists, footers and today's chrome; every article
line is distinct, so no cache can skip one), written as one .html file each, read from
disk by both sides. trafilatura: ``bare_extraction(html, with_metadata=True)`` in a
``multiprocessing`` pool of ``--workers`` processes (default: every core), timed from the
pool's start to its last page. vnnews: ``vnnews infer DIR --classifier ... -o OUT.jsonl``
as a user runs it (its defaults: threads and segmentation workers by cores), timed from
the command's start to its exit (Python start, imports and model loading included), and
the job's own time as it prints it ("... in N s"). The rules (``--classifier weak``) and
the demo labeller (``make demo``) are run when present; with ``--processes``, each also
with ``processes=auto`` (one process per core) in the same run.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

from _machine import describe  # noqa: E402

VIETNEWS = ROOT.parent / "shared" / "corpora" / "vietnews" / "validation.jsonl.gz"


def write_html_pages(n: int, folder: Path) -> int:
    """``n`` VietNews validation articles composed into HTML pages (``folder``/NNNNNN.html),
    drawn as the composer draws training pages but always as HTML; returns the bytes written."""
    from vnnews.dataset.compose import FAMILIES, N_SITES, _rng, add_real_chrome, build_page, make_site, render_html
    from vnnews.ingest import iter_articles

    others: list[tuple[str, str]] = []
    size = 0
    for i, article in enumerate(iter_articles([VIETNEWS])):
        if i >= n:
            break
        rng = _rng(article.id, "throughput")
        site = make_site(rng.randrange(N_SITES))
        family = rng.choice(list(FAMILIES))
        page = build_page(article, others, site, family, rng)
        add_real_chrome(page, site, article.id, others, family)
        html = render_html(page, site, " ".join(article.texts_labelled("title")), " ".join(article.texts_labelled("lead")), rng, family)
        others.append((article.texts[0], article.texts[1]))
        path = folder / f"{i:06d}.html"
        path.write_text(html, encoding="utf-8")
        size += path.stat().st_size
    return size


def _trafilatura_page(path: str) -> int:
    import trafilatura

    with open(path, encoding="utf-8") as f:
        result = trafilatura.bare_extraction(f.read(), with_metadata=True)
    return 1 if result is not None else 0


def trafilatura_pool(paths: list[str], workers: int) -> tuple[float, int]:
    """(seconds, pages with a result) for every page in a pool of ``workers`` processes."""
    t0 = time.perf_counter()
    with multiprocessing.get_context("spawn").Pool(workers) as pool:
        found = sum(pool.imap_unordered(_trafilatura_page, paths, chunksize=8))
    return time.perf_counter() - t0, found


def vnnews_infer(folder: Path, classifier: str, out: Path, settings: list[str]) -> tuple[float, float | None, int]:
    """(seconds from start to exit, the job's own seconds as it prints them, records written)."""
    command = [str(Path(sys.executable).parent / "vnnews"), "infer", str(folder), "--classifier", classifier, "-o", str(out), "--no-progress", *settings]
    t0 = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    spent = time.perf_counter() - t0
    if done.returncode != 0:
        raise SystemExit(f"vnnews infer failed ({done.returncode}): {done.stderr[-2000:]}")
    match = re.search(r"(\d+) done, .* in ([\d.]+)s", done.stdout + done.stderr)
    records = sum(1 for _ in out.open(encoding="utf-8"))
    return spent, float(match[2]) if match else None, records


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pages", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="trafilatura's pool (default: every core)")
    parser.add_argument("--setting", action="append", default=[], metavar="KEY=VALUE", help="an inference setting for vnnews infer (repeat), e.g. threads=1")
    parser.add_argument("--demo", type=Path, default=ROOT / "build" / "demo" / "classifier", help="the demo's labeller (make demo); left out when absent")
    parser.add_argument(
        "--processes", action="store_true",
        help="also each vnnews row with processes=auto (one process per core, each with its share of the pages), in the same run",
    )
    args = parser.parse_args()
    if not VIETNEWS.exists():
        raise SystemExit(f"needs {VIETNEWS}")
    print(describe())
    with tempfile.TemporaryDirectory(prefix="vnnews-throughput-") as tmp:
        folder = Path(tmp) / "pages"
        folder.mkdir()
        size = write_html_pages(args.pages, folder)
        paths = sorted(str(p) for p in folder.glob("*.html"))
        print(f"{len(paths):,} composed HTML pages ({size / len(paths) / 1024:.1f} KiB a page), {os.cpu_count()} cores\n")
        rows = []
        seconds, found = trafilatura_pool(paths, args.workers)
        rows.append((f"trafilatura, a process pool ({args.workers} workers)", seconds, None, found))
        systems = [("vnnews infer --classifier weak (the rules)", "weak")]
        if args.demo.is_dir():
            systems.append(("vnnews infer, the demo's labeller", str(args.demo)))
        else:
            print(f"(no {args.demo}: run `make demo` for the demo labeller's row)")
        variants = [args.setting] + ([[*args.setting, "processes=auto"]] if args.processes else [])
        for name, classifier in systems:
            for settings in variants:
                spent, job, records = vnnews_infer(folder, classifier, Path(tmp) / f"out-{len(rows)}.jsonl", settings)
                rows.append((name + "".join(f" {s}" for s in settings), spent, job, records))
        base = len(paths) / rows[0][1]
        print("| system | pages | seconds | pages/s | against trafilatura | the job's own seconds (pages/s) |\n|---|---:|---:|---:|---:|---:|")
        for name, spent, job, count in rows:
            rate = len(paths) / spent
            own = f"{job:.1f} ({len(paths) / job:,.1f})" if job else ""
            print(f"| {name} | {count:,} | {spent:.1f} | {rate:,.1f} | {rate / base:.2f}x | {own} |")


if __name__ == "__main__":
    main()
