"""Benchmark: `vnnews infer` memory over a long input (flat, or it grows?).

    python benchmarks/infer_memory.py --articles 100000

Writes a JSONL of --articles page texts (VietNews train articles wrapped in page
boilerplate, cycled with fresh ids) and runs the library's `run_inference` over it
in this process with the rule labeller as the classifier (no model: what is
measured is the job's own memory: reading, chunking, records, part files, resume
state, merge; a model adds a constant), sampling the resident set size (RSS) every
0.2 s. Prints the RSS at each tenth of the job and the peak, and the peak during
the merge.
"""

from __future__ import annotations

import argparse
import itertools
import json
import multiprocessing
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _machine import describe  # noqa: E402

VIETNEWS = Path(__file__).resolve().parents[2] / "shared" / "corpora" / "vietnews" / "train.jsonl.gz"


def rss_mib() -> float:
    with open("/proc/self/status", encoding="utf-8") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("VmRSS")) / 1024


def write_pages(n: int, path: Path) -> None:
    from vnnews.dataset.compose import compose_page
    from vnnews.ingest import iter_articles

    base = list(itertools.islice(iter_articles([VIETNEWS]), 5000))
    others = [(a.texts[0], a.texts[1]) for a in base[:200]]
    with path.open("w", encoding="utf-8") as out:
        for i in range(n):
            page = compose_page(base[i % len(base)], others)
            out.write(json.dumps({"id": f"page-{i:07d}", "text": "\n".join(page.texts)}, ensure_ascii=False) + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--chunk-size", type=int, default=256)
    parser.add_argument("--output", default="out.jsonl", help="output name (.jsonl, .parquet or a directory)")
    args = parser.parse_args()

    from vnnews.inference import InferenceConfig, run_inference

    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        t0 = time.perf_counter()
        # in a child process, so the input's construction does not inflate this process's RSS
        child = multiprocessing.get_context("spawn").Process(target=write_pages, args=(args.articles, work / "pages.jsonl"))
        child.start()
        child.join()
        print(f"machine: {describe()}")
        print(f"input: {args.articles} pages, {(work / 'pages.jsonl').stat().st_size / 2**20:.0f} MiB, written in {time.perf_counter() - t0:.0f}s")
        samples: list[tuple[float, int, float]] = []  # (time, parts written so far, RSS)
        parts_dir = work / (args.output + ".parts")
        state = {"parts": 0, "stop": False}

        def sample() -> None:
            while not state["stop"]:
                if parts_dir.is_dir():  # the parts directory goes once the merge is done
                    state["parts"] = max(state["parts"], sum(1 for p in parts_dir.glob("part-*")))
                samples.append((time.perf_counter(), state["parts"], rss_mib()))
                time.sleep(0.2)

        baseline = rss_mib()
        thread = threading.Thread(target=sample, daemon=True)
        thread.start()
        result = run_inference([work / "pages.jsonl"], work / args.output, InferenceConfig(classifier="weak", chunk_size=args.chunk_size, progress=False))
        state["stop"] = True
        thread.join()
        out_size = sum(p.stat().st_size for p in (work / args.output).rglob("*")) if (work / args.output).is_dir() else (work / args.output).stat().st_size
    total_parts = max(s[1] for s in samples)
    print(f"done: {result.done} articles in {result.seconds:.0f}s ({result.done / result.seconds:.0f} articles/s); output {out_size / 2**20:.0f} MiB")
    print(f"RSS before the job: {baseline:.0f} MiB")
    for tenth in range(1, 11):
        upto = [s[2] for s in samples if s[1] <= total_parts * tenth / 10]
        print(f"  after {tenth * 10:3d}% of the articles: RSS {upto[-1]:.0f} MiB (peak so far {max(upto):.0f} MiB)")
    merging = [s[2] for s in samples if s[1] >= total_parts]
    print(f"peak RSS during the merge: {max(merging):.0f} MiB; peak overall: {max(s[2] for s in samples):.0f} MiB")


if __name__ == "__main__":
    main()
