"""Benchmark: summarizer throughput (generation articles/s, optional training tokens/s and MFU).

    python benchmarks/summarizer_speed.py --shape tiny
    python benchmarks/summarizer_speed.py --shape base --articles 4 --max-new-tokens 32
    python benchmarks/summarizer_speed.py --shape base --device cuda --dtype bf16 --articles 512 \\
        --batch-size 32 --train --train-batch-size 16 --peak-tflops 989

Models have random weights in the named shape: tiny = the `make-tiny summarizer`
checkpoint, base = ViT5-base (T5 v1.1 base: d_model 768, 12+12 layers, vocab 36096),
large = ViT5-large. Documents are VietNews validation bodies (source truncated at
--max-source tokens, 1024 by default). Generation goes through Summarizer.summarize
(length-sorted batches, beam search, --max-new-tokens each, bf16 on a GPU that
supports it). Training: AdamW steps on (body, lead) pairs with target --max-target
tokens; MFU = 6 x parameters x tokens / s / peak FLOP/s (source + target tokens;
an estimate: it ignores attention FLOPs).
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _machine import describe  # noqa: E402
from _models import SUMMARIZER_SHAPES as SHAPES  # noqa: E402
from _models import summarizer_of_shape  # noqa: E402

VIETNEWS = Path(__file__).resolve().parents[2] / "shared" / "corpora" / "vietnews" / "validation.jsonl.gz"
def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--shape", choices=sorted(SHAPES), default="tiny")
    parser.add_argument("--device", default="auto")
    parser.add_argument("--dtype", choices=["fp32", "bf16"], default="fp32")
    parser.add_argument("--articles", type=int, default=64)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--num-beams", type=int, default=4)
    parser.add_argument("--max-new-tokens", type=int, default=64)
    parser.add_argument("--max-source", type=int, default=1024)
    parser.add_argument("--max-target", type=int, default=128)
    parser.add_argument("--train", action="store_true")
    parser.add_argument("--train-batch-size", type=int, default=8)
    parser.add_argument("--train-steps", type=int, default=10)
    parser.add_argument("--peak-tflops", type=float, default=None, help="accelerator peak (e.g. 989 for H100 SXM bf16 dense) for MFU")
    args = parser.parse_args()

    import torch

    from vnnews.models.summarizer import Summarizer

    device = ("cuda" if torch.cuda.is_available() else "cpu") if args.device == "auto" else args.device
    with tempfile.TemporaryDirectory() as tmp:
        model, tokenizer = summarizer_of_shape(args.shape, Path(tmp))
    if args.dtype == "bf16":
        model = model.to(torch.bfloat16)
    docs, leads = [], []
    with gzip.open(VIETNEWS, "rt", encoding="utf-8") as f:
        for line in f:
            record = json.loads(line)
            docs.append("\n".join(record["body"]))
            leads.append(record["lead"])
            if len(docs) >= args.articles:
                break
    summarizer = Summarizer(model, tokenizer, "vietnews: ", args.max_source, device=device)
    params = sum(p.numel() for p in model.parameters())
    print(f"machine: {describe()}; device: {device}; torch {torch.__version__}")
    print(f"shape: {args.shape} ({params / 1e6:.1f}M parameters), dtype {args.dtype}, {len(docs)} articles, source <= {args.max_source} tokens")

    def sync() -> None:
        if device.startswith("cuda"):
            torch.cuda.synchronize()

    summarizer.summarize(docs[: min(2, len(docs))], batch_size=2, num_beams=args.num_beams, max_new_tokens=4)  # warm-up
    sync()
    start = time.perf_counter()
    summarizer.summarize(docs, batch_size=args.batch_size, num_beams=args.num_beams, max_new_tokens=args.max_new_tokens, min_new_tokens=args.max_new_tokens)
    sync()
    seconds = time.perf_counter() - start
    print(f"generation: {len(docs) / seconds:.2f} articles/s (beam {args.num_beams}, batch {args.batch_size}, {args.max_new_tokens} new tokens each, {seconds:.1f}s)")
    if device.startswith("cuda"):
        print(f"peak GPU memory (generation): {torch.cuda.max_memory_allocated() / 2**30:.2f} GiB")

    if args.train:
        model = summarizer.model.train()
        optimizer = torch.optim.AdamW(model.parameters(), lr=1e-4)
        pairs = sorted(zip(docs, leads, strict=True), key=lambda p: len(p[0]))
        batches = [pairs[i : i + args.train_batch_size] for i in range(0, len(pairs), args.train_batch_size)]
        tokens = steps = 0
        if device.startswith("cuda"):
            torch.cuda.reset_peak_memory_stats()
        sync()
        start = time.perf_counter()
        while steps < args.train_steps:
            for batch in batches:
                enc = tokenizer(["vietnews: " + d for d, _ in batch], max_length=args.max_source, truncation=True, padding=True, return_tensors="pt").to(device)
                labels = tokenizer(text_target=[s for _, s in batch], max_length=args.max_target, truncation=True, padding=True, return_tensors="pt").input_ids.to(device)
                target_tokens = int((labels != tokenizer.pad_token_id).sum())
                labels[labels == tokenizer.pad_token_id] = -100
                loss = model(**enc, labels=labels).loss
                loss.backward()
                optimizer.step()
                optimizer.zero_grad(set_to_none=True)
                tokens += int(enc.attention_mask.sum()) + target_tokens
                steps += 1
                if steps >= args.train_steps:
                    break
        sync()
        seconds = time.perf_counter() - start
        rate = tokens / seconds
        mfu = f", MFU {6 * params * rate / (args.peak_tflops * 1e12):.1%} of {args.peak_tflops:g} TFLOP/s" if args.peak_tflops else ""
        print(f"training: {rate:,.0f} tokens/s (source + target, non-pad; {steps} steps of {args.train_batch_size}, {seconds:.1f}s){mfu}")
        if device.startswith("cuda"):
            print(f"peak GPU memory (training): {torch.cuda.max_memory_allocated() / 2**30:.2f} GiB")


if __name__ == "__main__":
    main()
