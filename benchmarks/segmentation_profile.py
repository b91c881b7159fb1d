"""Where word segmentation's time goes (issue 35, item 2): vnnews's underthesea segmenter
(since 2026-12-07 the CRF scored from its weights, vnnews.text.crf) on the distinct lines of
VietNews validation articles, profiled, and underthesea's own CRF featurizer called one line
at a time against one call for all lines. benchmarks/segmentation_speed.py compares the two
paths on every line.

    python benchmarks/segmentation_profile.py [--articles 150]
"""

from __future__ import annotations

import argparse
import cProfile
import io
import itertools
import pstats
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

from _machine import describe  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--articles", type=int, default=150)
    args = parser.parse_args()
    import underthesea.pipeline.word_tokenize as wt
    from underthesea.pipeline.word_tokenize import regex_tokenize

    from vnnews.ingest import IngestOptions, iter_articles
    from vnnews.text.segment import get_segmenter

    print(describe())
    source = ROOT.parent / "shared" / "corpora" / "vietnews" / "validation.jsonl.gz"
    texts = list(dict.fromkeys(t for a in itertools.islice(iter_articles([source], IngestOptions()), args.articles) for t in a.texts))
    print(f"{len(texts):,} distinct lines, {sum(map(len, texts)):,} characters")
    segmenter = get_segmenter("underthesea")
    segmenter.segment("Khởi động.")
    t0 = time.perf_counter()
    for text in texts:
        segmenter.segment(text)
    spent = time.perf_counter() - t0
    print(f"segmentation: {spent:.2f} s, {len(texts) / spent:,.0f} lines/s")
    profile = cProfile.Profile()
    profile.enable()
    for text in texts:
        segmenter.segment(text)
    profile.disable()
    out = io.StringIO()
    stats = pstats.Stats(profile, stream=out).sort_stats("tottime")
    total = stats.total_tt
    print("\n| where | seconds (own time) | share |\n|---|---:|---:|")
    for (file, _line, func), (_cc, _nc, tt, _ct, _callers) in sorted(stats.stats.items(), key=lambda kv: -kv[1][2])[:6]:
        print(f"| {Path(file).name}:{func} | {tt:.2f} | {tt / total:.0%} |")
    cumulative = {func: ct for (_f, _l, func), (_cc, _nc, _tt, ct, _c) in stats.stats.items()}
    print(f"| regex tokenizer (tokenize, cumulative) | {cumulative.get('tokenize', 0):.2f} | {cumulative.get('tokenize', 0) / total:.0%} |")
    wt.word_tokenize("Khởi động.")  # loads underthesea's own featurizer and tagger
    model = wt.word_tokenize_model
    tokens = [[[t] for t in regex_tokenize.tokenize(x, use_token_normalize=True, fixed_words=[])] for x in texts]
    t0 = time.perf_counter()
    one_by_one = [model.featurizer.process([s])[0] for s in tokens]
    t1 = time.perf_counter()
    together = model.featurizer.process(tokens)
    t2 = time.perf_counter()
    print(f"\nCRF featurizer: one line a call {t1 - t0:.2f} s, all lines in one call {t2 - t1:.2f} s (same output: {one_by_one == together})")


if __name__ == "__main__":
    main()
