"""Word segmentation: underthesea's own ``word_tokenize`` against vnnews's segmenter, which
scores underthesea's CRF from its weights (vnnews.text.crf): outputs compared on every line,
and the time of each (issue 35, item 2).

    python benchmarks/segmentation_speed.py [--limit N] [--pages-only]

Lines: every distinct title, lead and body line of VietNews train and validation (../shared),
the seed pages and data/real (``--limit`` takes the first N; ``--pages-only`` the pages' lines
alone). Both sides are timed on the
same lines, one after the other in one process, each from a cold start of its caches; the
regex tokenizers (underthesea's, and vnnews's faster one giving the same tokens) are timed
and compared apart. vnnews's segmenter runs with ``tone_style=None``
so that its output is underthesea's as it is.

Last, what the page labeller reads of a line: the first ``max_line_tokens - 2`` words of
its first ``max_line_chars`` characters, at the tiny config's 24 tokens / 300 characters and
the base config's 64 / 600: the whole line segmented then cut, against ``segment_prefix``
(which reads only as far as settles those words), each from cold caches, with the count of
lines where the two differ.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

from _machine import describe  # noqa: E402
from tokenizer_speed import lines  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--limit", type=int, default=None, help="compare the first N distinct lines only")
    parser.add_argument("--pages-only", action="store_true", help="the lines of the seeds and data/real's pages only (page lines: menus, captions, paragraphs), no VietNews")
    args = parser.parse_args()
    import underthesea.pipeline.word_tokenize as wt
    from underthesea import word_tokenize

    from vnnews.text.segment import UndertheseaSegmenter, _normal_token, regex_tokens

    print(describe())
    texts = list(dict.fromkeys(lines(vietnews=not args.pages_only)))[: args.limit]
    words = sum(len(t.split()) for t in texts)
    print(f"{len(texts):,} distinct lines, {words:,} syllables", flush=True)
    word_tokenize("Khởi động.")
    seg = UndertheseaSegmenter(tone_style=None)
    assert seg.uses_weights, "the bundled underthesea model is not one vnnews.text.crf reads"
    t0 = time.perf_counter()
    theirs = [word_tokenize(t, format="text") for t in texts]
    t1 = time.perf_counter()
    ours = [seg.segment(t) for t in texts]
    t2 = time.perf_counter()
    their_tokens = [wt.tokenize(t, use_token_normalize=True, fixed_words=[]) for t in texts]
    t3 = time.perf_counter()
    _normal_token.cache_clear()
    t4 = time.perf_counter()
    our_tokens = [regex_tokens(t) for t in texts]
    t5 = time.perf_counter()
    tokens_differ = sum(a != b for a, b in zip(their_tokens, our_tokens, strict=True))
    lines_differ = sum(a != b for a, b in zip(theirs, ours, strict=True))
    words_differ = sum(len(set(a.split()) ^ set(b.split())) for a, b in zip(theirs, ours, strict=True) if a != b)
    total_words = sum(len(a.split()) for a in theirs)
    print(f"lines that differ: {lines_differ:,} of {len(texts):,}; words in one output only: {words_differ:,} of {total_words:,}")
    print(f"lines whose regex tokens differ (underthesea's tokenizer against vnnews's): {tokens_differ:,} of {len(texts):,}")
    print("\n| segmenter | seconds | lines/s | against underthesea |\n|---|---:|---:|---:|")
    print(f"| underthesea word_tokenize | {t1 - t0:.1f} | {len(texts) / (t1 - t0):,.0f} | 1.0x |")
    print(f"| vnnews (CRF from its weights) | {t2 - t1:.1f} | {len(texts) / (t2 - t1):,.0f} | {(t1 - t0) / (t2 - t1):.2f}x |")
    print(f"| underthesea's regex tokenizer alone | {t3 - t2:.1f} | {len(texts) / (t3 - t2):,.0f} | |")
    print(f"| vnnews's regex tokenizer alone (part of vnnews's row) | {t5 - t4:.1f} | {len(texts) / (t5 - t4):,.0f} | |")
    print("\n| what the page labeller reads of a line | whole line, s | first words only (segment_prefix), s | speed-up | lines that differ |\n|---|---:|---:|---:|---:|")
    scorer = seg._scorer
    for max_tokens, max_chars in ((24, 300), (64, 600)):
        cut = [t[:max_chars] for t in texts]
        keep = max_tokens - 2
        scorer.clear()
        _normal_token.cache_clear()
        t0 = time.perf_counter()
        whole = [" ".join(seg.segment(t).split(" ")[:keep]) for t in cut]
        t1 = time.perf_counter()
        scorer.clear()
        _normal_token.cache_clear()
        t2 = time.perf_counter()
        prefix = [seg.segment_prefix(t, keep) for t in cut]
        t3 = time.perf_counter()
        differ = sum(a != b for a, b in zip(whole, prefix, strict=True))
        print(f"| {keep} words of {max_chars} characters | {t1 - t0:.1f} | {t3 - t2:.1f} | {(t1 - t0) / (t3 - t2):.2f}x | {differ:,} of {len(texts):,} |")


if __name__ == "__main__":
    main()
