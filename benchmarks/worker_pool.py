"""Benchmark: the page labeller's CPU half in worker processes against the same work in
the model's own process (issue 20), side by side in one run.

    python benchmarks/worker_pool.py --shape tiny --lines 6000 --articles 300
    python benchmarks/worker_pool.py --shape base --workers 15      # a 16-core GPU machine

1. cold page-labeller inference (a fresh line tokenizer each time: word segmentation,
   tokenization, layout features, the model): lines/s with `segment_workers` = 0 (the
   code before issue 20) and with the pool (default: auto, every core but one);
2. `vnnews infer` end to end (both stages; the classify stage's CPU half one chunk ahead
   of the models when there are workers): articles/s, each setting twice, alternating.

The pool's start (a fork server with the segmenter imported, then its workers) is timed
apart: once per job. Torch threads are what vnnews sets (`machine.limit_threads`: every
core for a model on the CPU, the workers at a lower priority; the cores the workers leave
for a model on a GPU).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _machine import describe  # noqa: E402
from _models import page_labeler_of_shape, save_models  # noqa: E402
from classifier_speed import pages  # noqa: E402
from infer_speed import write_pages  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--shape", choices=["tiny", "base"], default="tiny")
    parser.add_argument("--lines", type=int, default=6000)
    parser.add_argument("--articles", type=int, default=300)
    parser.add_argument("--workers", default="auto", help="the pool's size: a number or auto")
    args = parser.parse_args()

    import torch

    from vnnews.inference import InferenceConfig, run_inference
    from vnnews.machine import available_cores, limit_threads, on_accelerator, resolve_workers

    workers = resolve_workers(int(args.workers) if args.workers != "auto" else "auto")
    print(f"machine: {describe()}; cores available {available_cores()}; torch {torch.__version__}")
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        model = page_labeler_of_shape(args.shape, work / "enc").eval()
        articles = pages(args.lines)
        n = sum(len(a.lines) for a in articles)
        model.line_tokenizer("Khởi động bộ tách từ.")  # underthesea loads its model once, outside the timings
        rates = {}
        for w in (0, workers):
            limit_threads(w, accelerator=on_accelerator(model))
            started = time.perf_counter()
            model.start_workers(w)
            pool_s = time.perf_counter() - started
            model._line_tokenizer = None
            with torch.inference_mode():
                t0 = time.perf_counter()
                model.predict(articles, encoded=model.encode(articles, workers=w))
                rates[w] = (n / (time.perf_counter() - t0), pool_s, torch.get_num_threads())
        model.close()
        print(f"cold page labeller ({args.shape}, {n} lines, {len(articles)} pages):")
        for w, (rate, pool_s, threads) in rates.items():
            print(f"  segment_workers={w}: {rate:,.0f} lines/s (torch threads {threads}" + (f"; pool start {pool_s:.1f}s, apart)" if w else ")"))

        save_models("tiny", work / "models")
        write_pages(args.articles, work / "pages.jsonl")
        seen: dict[int, list[float]] = {0: [], workers: []}
        for _ in range(2):
            for w in (0, workers):
                config = InferenceConfig(classifier=str(work / "models" / "classifier"), summarizer=str(work / "models" / "summarizer"), progress=False,
                                         segment_workers=w, generation={"num_beams": 2, "max_new_tokens": 16})
                result = run_inference([work / "pages.jsonl"], work / f"out-{w}.jsonl", config, overwrite=True)
                seen[w].append(result.done / result.seconds)
        print(f"vnnews infer end to end (tiny models, {args.articles} articles, beam 2, 16 new tokens), two runs each, alternating:")
        for w, runs in seen.items():
            print(f"  segment_workers={w}: " + ", ".join(f"{r:.2f}" for r in runs) + " articles/s")


if __name__ == "__main__":
    main()
