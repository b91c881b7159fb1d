"""Benchmark: the int8 exports against torch fp32, side by side in one run, on CPU.

    python benchmarks/export_speed.py classifier --shape base              # lines of the real pages (data/real)
    python benchmarks/export_speed.py summarizer --shape base --articles 32
    python benchmarks/export_speed.py summarizer --shape base --articles 32 --backends int8 --ct2-sub-batch 8
    python benchmarks/export_speed.py accuracy                              # int8's cost on the trained tiny models

classifier: the page labeller with a PhoBERT-base-v2 replica encoder (published config
and tokenizer size, random weights), saved, then exported by `vnnews export` (ONNX
Runtime, int8). Each backend runs in its own process (so peak RSS is its own) over the
same lines of the real pages: "cold" = a fresh model (word segmentation, tokenization
and layout features included, repeated lines of a site's pages cached as in a batch
job), "warm" = the same call again (segmentation cached). Segmentation alone is timed
too.

summarizer: a ViT5-base replica (vocab 36,096, d_ff 3,072) as a vnnews Summarizer, and
its CTranslate2 int8 export; VietNews validation bodies, source up to --max-source
tokens, beam 4, --max-new-tokens new tokens. Random weights rarely emit the end token,
so every summary runs to the limit: the pessimistic case.

accuracy: the tiny trained models of `make demo` (build/demo) against their int8
exports: label agreement on the real and bundled pages, ROUGE on the validation split.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _machine import describe  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
VIETNEWS = ROOT.parent / "shared" / "corpora" / "vietnews" / "validation.jsonl.gz"


def real_pages(max_lines: int | None) -> list:
    from vnnews.ingest import iter_articles

    pages, total = [], 0
    for page in iter_articles([ROOT / "data" / "real" / "pages"]):
        pages.append(page)
        total += len(page.lines)
        if max_lines and total >= max_lines:
            break
    return pages


def bodies(n: int) -> list[str]:
    import gzip

    docs = []
    with gzip.open(VIETNEWS, "rt", encoding="utf-8") as f:
        for line in f:
            docs.append("\n".join(json.loads(line)["body"]))
            if len(docs) >= n:
                break
    return docs


# ---------------------------------------------------------------- one backend, in a child process
def run_classifier(model_dir: str, max_lines: int | None, batch_size: int) -> dict:
    from vnnews.models import load_classifier

    pages = real_pages(max_lines)
    n = sum(len(p.lines) for p in pages)
    t0 = time.perf_counter()
    model = load_classifier(model_dir, device="cpu")
    load_s = time.perf_counter() - t0
    model.line_tokenizer("Khởi động bộ tách từ.")  # underthesea loads its model on first use
    model._line_tokenizer = None
    t0 = time.perf_counter()
    model.encode(pages)  # segmentation + tokenization + features, cold
    segment_s = time.perf_counter() - t0
    model._line_tokenizer = None  # a fresh cache: the cold call below segments again
    t0 = time.perf_counter()
    model.predict(pages, batch_size=batch_size)
    cold_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    model.predict(pages, batch_size=batch_size)
    warm_s = time.perf_counter() - t0
    # cold again, segmentation spread over 2 worker processes (started once per job: warmed up first)
    model._line_tokenizer = None
    from vnnews.ingest import Article, Line

    model.encode([Article("w", "w", [Line(f"Dòng khởi động số {i} của tiến trình phụ.") for i in range(200)])], workers=2)
    model._line_tokenizer = None
    t0 = time.perf_counter()
    model.predict(pages, batch_size=batch_size, encoded=model.encode(pages, workers=2))
    cold_workers_s = time.perf_counter() - t0
    model.close()
    return {
        "lines": n, "pages": len(pages), "load_s": load_s, "segment_lines_s": n / segment_s, "cold_lines_s": n / cold_s,
        "cold_workers_lines_s": n / cold_workers_s, "warm_lines_s": n / warm_s,
    }


def run_summarizer(model_dir: str, articles: int, beams: int, new_tokens: int, batch_size: int, sub_batch: int = 0) -> dict:
    from vnnews.models import Summarizer

    if sub_batch:  # a CTranslate2 sub-batch cap other than the library's, to compare
        import vnnews.models.runtimes

        vnnews.models.runtimes.CPU_SUB_BATCH = sub_batch

    docs = bodies(articles)
    model = Summarizer.from_pretrained(model_dir, device="cpu")
    model.max_source_length = min(model.max_source_length, 10**6)
    model.summarize(docs[:1], batch_size=1, num_beams=beams, max_new_tokens=4)  # warm-up
    t0 = time.perf_counter()
    out = model.summarize(docs, batch_size=batch_size, num_beams=beams, max_new_tokens=new_tokens)
    seconds = time.perf_counter() - t0
    return {"articles": len(docs), "seconds": seconds, "articles_s": len(docs) / seconds, "mean_chars": sum(map(len, out)) / len(out)}


def peak_rss_mib() -> float:
    """This process's peak resident memory since it started: VmHWM (ru_maxrss would carry
    the parent's peak over fork and exec)."""
    with open("/proc/self/status", encoding="utf-8") as f:
        kb = next(int(line.split()[1]) for line in f if line.startswith("VmHWM:"))
    return kb / 1024


def child(kind: str, *args: str) -> dict:
    """Run one backend in a fresh process; its figures plus its peak RSS."""
    done = subprocess.run([sys.executable, __file__, "_child", kind, *args], capture_output=True, text=True, env={**os.environ, "CUDA_VISIBLE_DEVICES": ""})
    if done.returncode != 0:
        raise SystemExit(done.stderr[-3000:])
    return json.loads(done.stdout.strip().splitlines()[-1])


# ---------------------------------------------------------------- the comparisons
def classifier(args: argparse.Namespace) -> None:
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from _models import page_labeler_of_shape
    from vnnews.models.export import export_model

    with tempfile.TemporaryDirectory(prefix="vnnews-export-") as tmp:
        work = Path(tmp)
        t0 = time.perf_counter()
        page_labeler_of_shape(args.shape, work, max_line_tokens=64).save_pretrained(work / "torch")
        export_model(work / "torch", work / "int8")
        print(f"made and exported the {args.shape} classifier in {time.perf_counter() - t0:.0f}s")
        rows = {name: child("classifier", str(work / name), str(args.max_lines or 0), str(args.batch_size)) for name in ("torch", "int8")}
    print(f"\nclassifier, shape {args.shape}, {rows['torch']['lines']} lines of {rows['torch']['pages']} real pages, batch {args.batch_size} lines, 64 tokens per line\n")
    print("| backend | segmentation alone lines/s | cold lines/s | cold, 2 segmentation workers | warm lines/s | peak RSS MiB |\n|---|---:|---:|---:|---:|---:|")
    for name, r in rows.items():
        label = "torch fp32" if name == "torch" else "ONNX Runtime int8"
        print(f"| {label} | {r['segment_lines_s']:,.0f} | {r['cold_lines_s']:,.1f} | {r['cold_workers_lines_s']:,.1f} | {r['warm_lines_s']:,.1f} | {r['rss_mib']:,.0f} |")
    print(f"\nint8 / torch: warm {rows['int8']['warm_lines_s'] / rows['torch']['warm_lines_s']:.1f}x, cold {rows['int8']['cold_lines_s'] / rows['torch']['cold_lines_s']:.1f}x")


def summarizer(args: argparse.Namespace) -> None:
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from _models import summarizer_checkpoint
    from vnnews.models.export import export_model
    from vnnews.models.summarizer import GenerationSettings, Summarizer

    with tempfile.TemporaryDirectory(prefix="vnnews-export-") as tmp:
        work = Path(tmp)
        t0 = time.perf_counter()
        base = summarizer_checkpoint(args.shape, work)
        Summarizer.from_base(str(base), "vietnews: ", args.max_source, GenerationSettings()).save_pretrained(work / "torch")
        export_model(work / "torch", work / "int8", "ct2")
        print(f"made and exported the {args.shape} summarizer in {time.perf_counter() - t0:.0f}s")
        common = [str(args.articles), str(args.num_beams), str(args.max_new_tokens), str(args.batch_size), str(args.ct2_sub_batch or 0)]
        rows = {name: child("summarizer", str(work / name), *common) for name in args.backends}
    from vnnews.models.runtimes import CPU_SUB_BATCH

    print(
        f"\nsummarizer, shape {args.shape}, {args.articles} VietNews bodies, source <= {args.max_source} tokens, beam {args.num_beams}, "
        f"{args.max_new_tokens} new tokens, batch {args.batch_size}, CTranslate2 sub-batches of at most {args.ct2_sub_batch or CPU_SUB_BATCH}\n"
    )
    print("| backend | articles/s | seconds | peak RSS MiB |\n|---|---:|---:|---:|")
    for name, r in rows.items():
        label = "torch fp32" if name == "torch" else "CTranslate2 int8"
        print(f"| {label} | {r['articles_s']:.3f} | {r['seconds']:.1f} | {r['rss_mib']:,.0f} |")
    if len(rows) == 2:
        print(f"\nint8 / torch: {rows['int8']['articles_s'] / rows['torch']['articles_s']:.1f}x")


def accuracy(args: argparse.Namespace) -> None:
    from vnnews.evaluation import split_articles
    from vnnews.ingest import iter_articles
    from vnnews.models import PageLabeler, Summarizer
    from vnnews.models.export import export_model
    from vnnews.recipes.summarizer import rouge_scores

    demo = Path(args.demo)
    pages = list(iter_articles([ROOT / "data" / "real" / "pages", ROOT / "data" / "raw"]))
    with tempfile.TemporaryDirectory(prefix="vnnews-export-") as tmp:
        export_model(demo / "classifier", Path(tmp) / "clf")
        export_model(demo / "summarizer", Path(tmp) / "sum")
        export_model(demo / "summarizer", Path(tmp) / "sum-f32", quantize="none")
        torch_labels = [p.label for page in PageLabeler.from_pretrained(demo / "classifier", device="cpu").predict(pages) for p in page]
        int8_labels = [p.label for page in PageLabeler.from_pretrained(Path(tmp) / "clf").predict(pages) for p in page]
        agree = sum(a == b for a, b in zip(torch_labels, int8_labels, strict=True)) / len(torch_labels)
        val = [a for a in split_articles(str(demo / "dataset"), "validation") if "lead" in a.labels and "body" in a.labels][: args.articles]
        from vnnews.models.summarizer import summary_source

        docs = [summary_source(a.texts, a.labels) for a in val]
        refs = [" ".join(t for t, lab in zip(a.texts, a.labels, strict=True) if lab == "lead") for a in val]
        settings = {"num_beams": 2, "max_new_tokens": 48}
        torch_sum = Summarizer.from_pretrained(str(demo / "summarizer"), device="cpu").summarize(docs, **settings)
        int8_sum = Summarizer.from_pretrained(str(Path(tmp) / "sum")).summarize(docs, **settings)
        f32_sum = Summarizer.from_pretrained(str(Path(tmp) / "sum-f32")).summarize(docs, **settings)
        greedy = {"num_beams": 1, "max_new_tokens": 48, "no_repeat_ngram_size": 0}
        greedy_sums = {
            name: Summarizer.from_pretrained(str(path), **({"device": "cpu"} if name == "torch" else {})).summarize(docs, **greedy)
            for name, path in (("torch", demo / "summarizer"), ("f32", Path(tmp) / "sum-f32"), ("int8", Path(tmp) / "sum"))
        }
    same = sum(a == b for a, b in zip(torch_sum, int8_sum, strict=True))
    same_f32 = sum(a == b for a, b in zip(torch_sum, f32_sum, strict=True))

    def token_agreement(a: list[str], b: list[str]) -> float:
        pairs = [(x.split(), y.split()) for x, y in zip(a, b, strict=True)]
        return sum(sum(p == q for p, q in zip(x, y, strict=False)) for x, y in pairs) / max(1, sum(max(len(x), len(y)) for x, y in pairs))

    r_torch, r_int8 = rouge_scores(torch_sum, refs), rouge_scores(int8_sum, refs)
    g_f32 = sum(a == b for a, b in zip(greedy_sums["torch"], greedy_sums["f32"], strict=True))
    g_int8 = sum(a == b for a, b in zip(greedy_sums["torch"], greedy_sums["int8"], strict=True))
    print(f"classifier ({demo / 'classifier'}): int8 labels agree with torch on {agree:.4f} of {len(torch_labels)} lines ({len(pages)} real and bundled pages)")
    print(f"summarizer ({demo / 'summarizer'}): float32 CTranslate2 {same_f32}/{len(docs)} summaries identical to torch; "
          f"int8 {same}/{len(docs)} identical, words agreeing by position {token_agreement(torch_sum, int8_sum):.3f} (float32 {token_agreement(torch_sum, f32_sum):.3f}); ROUGE-1/2/L torch {r_torch['rouge1']}/{r_torch['rouge2']}/{r_torch['rougeL']}, int8 {r_int8['rouge1']}/{r_int8['rouge2']}/{r_int8['rougeL']} (validation, beams 2, 48 new tokens)")
    print(f"summarizer, greedy without no_repeat_ngram_size: float32 CTranslate2 {g_f32}/{len(docs)} identical to torch, int8 {g_int8}/{len(docs)}")


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "_child":
        kind, *rest = sys.argv[2:]
        if kind == "classifier":
            result = run_classifier(rest[0], int(rest[1]) or None, int(rest[2]))
        else:
            result = run_summarizer(rest[0], int(rest[1]), int(rest[2]), int(rest[3]), int(rest[4]), int(rest[5]))
        result["rss_mib"] = peak_rss_mib()
        print(json.dumps(result))
        return
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("what", choices=["classifier", "summarizer", "accuracy"])
    parser.add_argument("--shape", choices=["tiny", "base", "large"], default="base")
    parser.add_argument("--max-lines", type=int, default=None, help="classifier: the first real pages up to this many lines (default: all)")
    parser.add_argument("--batch-size", type=int, default=None, help="lines per forward pass (classifier, default 512) or articles per batch (summarizer, default 16 = summarize_batch_size of configs/inference/default.yaml)")
    parser.add_argument("--articles", type=int, default=8)
    parser.add_argument("--num-beams", type=int, default=4)
    parser.add_argument("--max-new-tokens", type=int, default=128)
    parser.add_argument("--max-source", type=int, default=1024)
    parser.add_argument("--backends", nargs="+", choices=["torch", "int8"], default=["torch", "int8"], help="summarizer: which to run (torch is the slow one)")
    parser.add_argument("--ct2-sub-batch", type=int, default=None, help="summarizer: cap CTranslate2's CPU sub-batches at N articles instead of the library's CPU_SUB_BATCH")
    parser.add_argument("--demo", default=str(ROOT / "build" / "demo"), help="accuracy: the `make demo` working directory")
    args = parser.parse_args()
    args.batch_size = args.batch_size or (512 if args.what == "classifier" else 16)
    import torch

    print(f"machine: {describe()}; torch {torch.__version__}, threads {torch.get_num_threads()}")
    {"classifier": classifier, "summarizer": summarizer, "accuracy": accuracy}[args.what](args)


if __name__ == "__main__":
    main()
