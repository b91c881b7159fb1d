"""PhoBERT's slow BPE (transformers' PhobertTokenizer) against vnnews's Rust one
(vnnews.models.fast_bpe), both as the page labeller calls it (``FastPhobertTokenizer``) and as
the ``tokenizer.json`` vnnews writes into model directories, loaded as a
``PreTrainedTokenizerFast`` (``PhobertTokenizerFast``): ids compared on every line, and the
time of each.

    python benchmarks/tokenizer_speed.py [--tokenizer DIR] [--segment N]

Lines: every title, lead and body line of VietNews train and validation (../shared), the
seed pages and data/real. They are tokenized as written (BPE does not depend on the word
segmentation: "_" is one more character); ``--segment N`` also compares N lines after
underthesea's segmentation, the form the page labeller reads. Default tokenizer: a
PhoBERT-base-v2 replica (the published vocabulary size and merges count), made here.
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

from _machine import describe  # noqa: E402


def lines(vietnews: bool = True) -> list[str]:
    """Every line of the seeds and data/real's pages, then (``vietnews``) every title, lead and
    body line of VietNews train and validation."""
    from vnnews.ingest import IngestOptions, iter_articles

    out = [t for a in iter_articles([ROOT / "data" / "raw", ROOT / "data" / "real" / "pages"], IngestOptions()) for t in a.texts]
    for split in ("train", "validation") if vietnews else ():
        path = ROOT.parent / "shared" / "corpora" / "vietnews" / f"{split}.jsonl.gz"
        if not path.is_file():
            print(f"(no {path}: VietNews left out)")
            continue
        with gzip.open(path, "rt", encoding="utf-8") as f:
            for record in map(json.loads, f):
                for key in ("title", "lead", "body"):
                    value = record.get(key)
                    out += [t for t in ([value] if isinstance(value, str) else value or []) if isinstance(t, str) and t.strip()]
    return out


def compare(slow, fast: dict, texts: list[str], label: str) -> None:
    """Each tokenizer's ids on every line against the slow one's, and its rate."""
    t0 = time.perf_counter()
    a = [slow.encode(t, add_special_tokens=False) for t in texts]
    rate = len(texts) / (time.perf_counter() - t0)
    print(f"{label}: {len(texts):,} lines; slow {rate:,.0f} lines/s", flush=True)
    for name, tokenizer in fast.items():
        t1 = time.perf_counter()
        b = [tokenizer.encode(t, add_special_tokens=False) for t in texts]
        fast_rate = len(texts) / (time.perf_counter() - t1)
        differ = sum(x != y for x, y in zip(a, b, strict=True))
        print(f"  {name}: {differ} lines differ; {fast_rate:,.0f} lines/s ({fast_rate / rate:.1f}x the slow one)", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tokenizer", type=Path, default=None, help="a PhoBERT-format directory (default: a phobert-base-v2 replica)")
    parser.add_argument("--segment", type=int, default=2000, help="lines also compared after word segmentation (default 2,000)")
    args = parser.parse_args()
    from transformers import PhobertTokenizer

    from vnnews.models.fast_bpe import FastPhobertTokenizer, load_phobert_fast, save_tokenizer

    print(describe())
    with tempfile.TemporaryDirectory() as tmp:
        path = args.tokenizer
        if path is None:
            from vnnews.replicas import make_replica

            path = make_replica("phobert-base-v2", Path(tmp) / "phobert-base-v2")
        slow = PhobertTokenizer.from_pretrained(str(path))
        t0 = time.perf_counter()
        line = FastPhobertTokenizer(slow)
        print(f"tokenizer {path.name}: {len(slow.encoder):,} tokens, {len(slow.bpe_ranks):,} merges; the Rust one built in {time.perf_counter() - t0:.2f} s")
        save_tokenizer(slow, Path(tmp) / "written")  # what a model directory vnnews writes holds
        t0 = time.perf_counter()
        wrapped = load_phobert_fast(Path(tmp) / "written")
        if wrapped is None:
            sys.exit(f"{path}: no tokenizer.json written for it (see the log)")
        print(f"tokenizer.json loaded as {type(wrapped).__name__} in {time.perf_counter() - t0:.2f} s")
        fast = {"FastPhobertTokenizer (the labeller's line encoding)": line, "PhobertTokenizerFast (tokenizer.json, PreTrainedTokenizerFast)": wrapped}
        texts = lines()
        compare(slow, fast, texts, "lines as written")
        if args.segment:
            from vnnews.text.segment import model_segmenter

            segment = model_segmenter("underthesea", "new")
            sample = texts[:: max(1, len(texts) // args.segment)][: args.segment]
            slow.cache.clear()
            compare(slow, fast, [segment.segment(t[:400]) for t in sample], "lines segmented")


if __name__ == "__main__":
    main()
