"""Benchmark: line labelling throughput (inference lines/s, optional training tokens/s).

    python benchmarks/classifier_speed.py --shape tiny                 # the line-pair classifier
    python benchmarks/classifier_speed.py --shape tiny --model page    # the page labeller (each line encoded once)
    python benchmarks/classifier_speed.py --shape base --model page --lines 1000
    python benchmarks/classifier_speed.py --shape base --lines 1000
    python benchmarks/classifier_speed.py --shape base --device cuda --dtype bf16 --lines 50000 --batch-size 512 --train

Models have random weights in the named shape (speed does not depend on the weights):
tiny = the `make-tiny` checkpoint, base = PhoBERT-base (768 hidden, 12 layers),
large = PhoBERT-large (1024 hidden, 24 layers). The tokenizer is the tiny one learned
from the bundled corpus. Lines are VietNews validation articles composed into pages
(real lengths and neighbours). Inference goes through LineClassifier.predict
(length-sorted dynamic batches across articles) or PageLabeler.predict (each line
encoded once, at most --line-tokens tokens, then the BiLSTM over the page's windows);
"cold" includes word segmentation and, for the page labeller, layout features;
"warm" repeats the call with segmentation cached.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _machine import describe  # noqa: E402
from _models import CLASSIFIER_SHAPES as SHAPES  # noqa: E402
from _models import classifier_of_shape  # noqa: E402

VIETNEWS = Path(__file__).resolve().parents[2] / "shared" / "corpora" / "vietnews" / "validation.jsonl.gz"
def pages(n_lines: int) -> list:
    from vnnews.dataset.compose import compose_page
    from vnnews.ingest import iter_articles

    out, others, total = [], [], 0
    for article in iter_articles([VIETNEWS]):
        out.append(compose_page(article, others))
        others.append((article.texts[0], article.texts[1]))
        total += len(out[-1].lines)
        if total >= n_lines:
            break
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--shape", choices=sorted(SHAPES), default="tiny")
    parser.add_argument("--model", choices=["pair", "page"], default="pair", help="line-pair classifier or page labeller")
    parser.add_argument("--line-tokens", type=int, default=32, help="page labeller: max tokens per line")
    parser.add_argument("--device", default="auto", help="cpu, cuda or auto")
    parser.add_argument("--dtype", choices=["fp32", "bf16"], default="fp32")
    parser.add_argument("--lines", type=int, default=3000)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--train", action="store_true", help="also measure training tokens/s (AdamW steps)")
    parser.add_argument("--train-steps", type=int, default=20)
    args = parser.parse_args()

    import torch

    from vnnews.classifier import ClassifierSettings, LineClassifier
    from vnnews.labels import LABELS

    device = ("cuda" if torch.cuda.is_available() else "cpu") if args.device == "auto" else args.device
    dtype = torch.bfloat16 if args.dtype == "bf16" else torch.float32
    with tempfile.TemporaryDirectory() as tmp:
        if args.model == "page":
            from _models import page_labeler_of_shape

            page_model = page_labeler_of_shape(args.shape, Path(tmp), max_line_tokens=args.line_tokens)
            model, tokenizer = page_model, page_model.tokenizer
        else:
            model, tokenizer = classifier_of_shape(args.shape, Path(tmp))
    model = model.to(dtype).eval().to(device)
    clf = model if args.model == "page" else LineClassifier(model, tokenizer, ClassifierSettings(), device=device)
    articles = pages(args.lines)
    n = sum(len(a.lines) for a in articles)
    params = sum(p.numel() for p in model.parameters()) / 1e6
    print(f"machine: {describe()}; device: {device}; torch {torch.__version__}")
    print(f"model: {args.model}, shape: {args.shape} ({params:.1f}M parameters), dtype {args.dtype}, batch {args.batch_size}, {len(articles)} pages, {n} lines")

    def timed() -> float:
        if device == "cuda":
            torch.cuda.synchronize()
        start = time.perf_counter()
        clf.predict(articles, batch_size=args.batch_size)
        if device == "cuda":
            torch.cuda.synchronize()
        return time.perf_counter() - start

    cold = timed()
    warm = min(timed() for _ in range(2))
    print(f"inference cold (segmenting): {n / cold:,.0f} lines/s ({cold:.1f}s)")
    print(f"inference warm (segmentation cached): {n / warm:,.0f} lines/s ({warm:.1f}s)")
    if device == "cuda":
        print(f"peak GPU memory: {torch.cuda.max_memory_allocated() / 2**30:.2f} GiB")

    if args.train and args.model == "page":
        print("training: not measured for the page labeller by this script (see docs/benchmarks.md)")
    elif args.train:
        encoded = sorted((ids for a in articles for ids in clf.encoder.encode_article(a)), key=len)
        model.train()
        optimizer = torch.optim.AdamW(model.parameters(), lr=1e-5)
        batches = [encoded[i : i + args.batch_size] for i in range(0, len(encoded), args.batch_size)]
        tokens, steps = 0, 0
        if device == "cuda":
            torch.cuda.reset_peak_memory_stats()
            torch.cuda.synchronize()
        start = time.perf_counter()
        while steps < args.train_steps:
            for batch in batches:
                width = max(len(x) for x in batch)
                ids = torch.full((len(batch), width), tokenizer.pad_token_id)
                for r, x in enumerate(batch):
                    ids[r, : len(x)] = torch.tensor(x)
                ids = ids.to(device)
                mask = (ids != tokenizer.pad_token_id).long()
                labels = torch.randint(0, len(LABELS), (len(batch),), device=device)
                loss = model(input_ids=ids, attention_mask=mask, labels=labels).loss
                loss.backward()
                optimizer.step()
                optimizer.zero_grad(set_to_none=True)
                tokens += int(mask.sum())
                steps += 1
                if steps >= args.train_steps:
                    break
        if device == "cuda":
            torch.cuda.synchronize()
        seconds = time.perf_counter() - start
        print(f"training: {tokens / seconds:,.0f} tokens/s ({steps} steps, {tokens} non-pad tokens, {seconds:.1f}s)")
        if device == "cuda":
            print(f"peak GPU memory (training): {torch.cuda.max_memory_allocated() / 2**30:.2f} GiB")


if __name__ == "__main__":
    main()
