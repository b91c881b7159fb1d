"""Benchmark: classifier (page labeller) throughput: inference lines/s, optional training tokens/s.

    python benchmarks/classifier_speed.py --shape tiny
    python benchmarks/classifier_speed.py --shape base --lines 1000
    python benchmarks/classifier_speed.py --shape base --device cuda --dtype bf16 --lines 50000 --batch-size 4096 --train

Models have random weights in the named shape (speed does not depend on the weights):
tiny = the `make-tiny` checkpoint, base/large = the `make-replica` PhoBERT-base-v2 /
PhoBERT-large replicas (published config and tokenizer size). Lines are VietNews
validation articles composed into pages (real lengths and neighbours). Inference goes
through PageLabeler.predict: each line encoded once (at most --line-tokens tokens),
then the BiLSTM over the page's windows; "cold" includes word segmentation and the
layout features, "warm" repeats the call with segmentation cached. Training: AdamW
steps over page windows of --train-windows windows, non-pad tokens counted.
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
from _models import page_labeler_of_shape  # noqa: E402

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
    parser.add_argument("--line-tokens", type=int, default=32, help="page labeller: max tokens per line")
    parser.add_argument("--device", default="auto", help="cpu, cuda or auto")
    parser.add_argument("--dtype", choices=["fp32", "bf16"], default="fp32")
    parser.add_argument("--lines", type=int, default=3000)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--train", action="store_true", help="also measure training tokens/s (AdamW steps)")
    parser.add_argument("--train-steps", type=int, default=20)
    parser.add_argument("--train-windows", type=int, default=4, help="page windows per training step")
    parser.add_argument("--encoder-tokens", type=int, default=None,
                        help="padded tokens per line-encoder call (default: the device's, 1,024 on a CPU, 65,536 on a GPU)")
    parser.add_argument("--call-tokens", type=int, default=None,
                        help="what one encoder call costs, in tokens, when lines are grouped (default: the device's, 256 CPU, 4,096 GPU); "
                             "the run also times the fewest calls (each filled to the budget: the grouping before 2026-11-28) beside it")
    args = parser.parse_args()

    import torch

    device = ("cuda" if torch.cuda.is_available() else "cpu") if args.device == "auto" else args.device
    dtype = torch.bfloat16 if args.dtype == "bf16" else torch.float32
    with tempfile.TemporaryDirectory() as tmp:
        model = page_labeler_of_shape(args.shape, Path(tmp), max_line_tokens=args.line_tokens)
    model = model.to(dtype).eval().to(device)
    model.encoder_tokens, model.encoder_call_tokens = args.encoder_tokens, args.call_tokens
    clf = model
    articles = pages(args.lines)
    n = sum(len(a.lines) for a in articles)
    params = sum(p.numel() for p in model.parameters()) / 1e6
    print(f"machine: {describe()}; device: {device}; torch {torch.__version__}")
    print(f"model: page labeller, shape: {args.shape} ({params:.1f}M parameters), dtype {args.dtype}, batch {args.batch_size}, {len(articles)} pages, {n} lines")

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
    calls: list[tuple[int, int, int]] = []  # (lines, padded, real tokens) of each encoder call, repeats of a pass merged
    hook = model.encoder.register_forward_pre_hook(
        lambda module, a, kw: calls.append((len(kw["input_ids"]), kw["input_ids"].numel(), int(kw["attention_mask"].sum()))), with_kwargs=True)
    clf.predict(articles, batch_size=args.batch_size)
    rows, planned, real = sum(c[0] for c in calls), sum(c[1] for c in calls), sum(c[2] for c in calls)
    n_planned = len(calls)
    calls.clear()
    model.encoder_call_tokens = 10**12  # the fewest calls: each filled up to the budget
    clf.predict(articles, batch_size=args.batch_size)
    fewest, n_fewest = sum(c[1] for c in calls), len(calls)
    fewest_warm = min(timed() for _ in range(2))
    model.encoder_call_tokens = args.call_tokens
    hook.remove()
    print(f"lines through the encoder, repeats within a pass of {args.batch_size} lines merged: {rows:,} of {n:,} ({rows / n:.0%}), {real:,} real tokens")
    print(f"encoder calls planned (padding against calls): {n_planned:,} calls, {planned / real:.2f}x padded")
    print(f"fewest calls, each filled to the budget (before): {n_fewest:,} calls, {fewest / real:.2f}x padded; "
          f"warm {n / fewest_warm:,.0f} lines/s against {n / warm:,.0f} planned (planned: {fewest_warm / warm:.2f}x)")
    # side by side in this run: every line through the encoder, repeats of a pass included
    # (what predict did before a line repeated within a forward pass was encoded once)
    merged_pool = type(model).pool_lines
    type(model).pool_lines = type(model)._pool_sorted
    try:
        every = min(timed() for _ in range(2))
    finally:
        type(model).pool_lines = merged_pool
    print(f"inference warm, every repeated line encoded again: {n / every:,.0f} lines/s ({every:.1f}s; merging repeats: {every / warm:.2f}x)")
    if device == "cuda":
        print(f"peak GPU memory: {torch.cuda.max_memory_allocated() / 2**30:.2f} GiB")

    if args.train:
        from vnnews.labels import LABELS
        from vnnews.models.page_labeler import collate
        from vnnews.recipes.classifier import page_windows

        labels = [[LABELS.index("body")] * len(a.lines) for a in articles]
        items = page_windows(model, articles, labels)
        model.train()
        optimizer = torch.optim.AdamW(model.parameters(), lr=1e-5)
        batches = [items[i : i + args.train_windows] for i in range(0, len(items), args.train_windows)]

        def train(call_tokens: int | None) -> tuple[float, int, int]:
            """tokens/s, real and padded encoder tokens over --train-steps steps."""
            model.encoder_call_tokens = call_tokens
            padded: list[int] = []
            hook = model.encoder.register_forward_pre_hook(lambda module, a, kw: padded.append(kw["input_ids"].numel()), with_kwargs=True)
            tokens, steps = 0, 0
            if device == "cuda":
                torch.cuda.reset_peak_memory_stats()
                torch.cuda.synchronize()
            start = time.perf_counter()
            while steps < args.train_steps:
                for batch in batches:
                    inputs = {k: v.to(device) for k, v in collate(batch, model.tokenizer.pad_token_id).items()}
                    with torch.autocast(device_type=device.split(":")[0], dtype=dtype, enabled=args.dtype == "bf16"):
                        loss = model(**inputs).loss
                    loss.backward()
                    optimizer.step()
                    optimizer.zero_grad(set_to_none=True)
                    tokens += int(inputs["attention_mask"].sum())
                    steps += 1
                    if steps >= args.train_steps:
                        break
            if device == "cuda":
                torch.cuda.synchronize()
            hook.remove()
            return tokens / (time.perf_counter() - start), tokens, sum(padded)

        rate, tokens, padded = train(args.call_tokens)
        print(f"training: {rate:,.0f} tokens/s ({args.train_steps} steps of {args.train_windows} windows, {tokens} non-pad tokens, "
              f"{padded / tokens:.2f}x padded in the encoder)")
        if device == "cuda":
            print(f"peak GPU memory (training): {torch.cuda.max_memory_allocated() / 2**30:.2f} GiB")
        before, _, padded_before = train(10**12)
        print(f"training, fewest encoder calls (before): {before:,.0f} tokens/s, {padded_before / tokens:.2f}x padded; planned: {rate / before:.2f}x")

if __name__ == "__main__":
    main()
