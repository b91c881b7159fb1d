"""Benchmark: build the dataset from the 20,000 VietNews training articles.

    python benchmarks/build_dataset.py [--input FILE...] [--num-proc N] [--repeat K]

Prints wall time and articles/s for each run (target: under 2 minutes for 20,000
articles on a 2-core machine). Output goes to a temporary directory.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import datasets  # noqa: E402

from _machine import describe  # noqa: E402
from vnnews.dataset import DatasetConfig, build_dataset  # noqa: E402

DEFAULT_INPUT = Path(__file__).resolve().parents[2] / "shared" / "corpora" / "vietnews" / "train.jsonl.gz"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--input", nargs="+", default=[str(DEFAULT_INPUT)], help="inputs (default: VietNews train)")
    parser.add_argument("--num-proc", type=int, default=None, help="worker processes (default: one per core)")
    parser.add_argument("--repeat", type=int, default=1, help="runs (default 1)")
    args = parser.parse_args()
    for path in args.input:
        if not Path(path).exists():
            parser.error(f"{path} does not exist (the VietNews corpus lives in ../shared/corpora/vietnews)")
    datasets.disable_progress_bars()
    print(f"machine: {describe()}")
    print(f"inputs: {' '.join(args.input)}  num_proc: {args.num_proc or 'one per core'}")
    for run in range(1, args.repeat + 1):
        with tempfile.TemporaryDirectory() as tmp:
            started = time.perf_counter()
            result = build_dataset(args.input, Path(tmp) / "ds", DatasetConfig(num_proc=args.num_proc, annotations_dir=None))
            seconds = time.perf_counter() - started
        rows = sum(sum(c.values()) for c in result.counts.values())
        print(
            f"run {run}: {result.n_articles} articles, {sum(result.counts['segments'].values())} segments, "
            f"{sum(result.counts['summarization'].values())} summaries ({rows} rows) in {seconds:.1f}s "
            f"= {result.n_articles / seconds:.0f} articles/s, {len(result.errors)} inputs skipped"
        )


if __name__ == "__main__":
    main()
