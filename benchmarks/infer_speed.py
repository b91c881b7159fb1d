"""Benchmark: `vnnews infer` end to end, articles/s and the share of time per stage.

    python benchmarks/infer_speed.py --shape tiny --articles 200
    python benchmarks/infer_speed.py --shape base --stages classify --classifier-export int8 --segment-workers 1
    python benchmarks/infer_speed.py --shape base --device cuda --articles 1000 --num-beams 4 \\
        --max-new-tokens 128 --summarize-batch-size 32 --classify-batch-size 512 --chunk-size 512

Pages are VietNews validation articles wrapped in page boilerplate (the composer
the classifier trains on), written as a JSONL of page texts, so ingestion parses
them like any dump. The models have random weights in the named shape (tiny = the
`make-tiny` checkpoints; base = PhoBERT-base and ViT5-base shapes) and are saved
and loaded back through the same `from_pretrained` path a Hub model takes. The job
is the library's `run_inference`: chunks of articles, lines pooled and length-sorted
for the classifier, bodies length-sorted for beam search, atomic part files, merge.
Stages: ingest (read and parse), segment (word segmentation + tokenization),
classify, summarize, write (part files and the final merge).

A random-weight summarizer rarely emits its end token, so every summary runs to
--max-new-tokens: a pessimistic case for generation time.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _machine import describe  # noqa: E402
from _models import save_models  # noqa: E402

VIETNEWS = Path(__file__).resolve().parents[2] / "shared" / "corpora" / "vietnews" / "validation.jsonl.gz"


def write_pages(n: int, path: Path, records: list[dict] | None = None) -> int:
    """``n`` VietNews articles (``records``, else the validation file beside the project)
    composed into pages, as a JSONL of page texts; returns the number of lines."""
    from vnnews.dataset.compose import compose_page
    from vnnews.ingest import Article, IngestOptions, iter_articles
    from vnnews.ingest.readers import structured_lines

    others: list[tuple[str, str]] = []
    lines = 0
    articles = (
        (Article(str(r["id"]), "vietnews", structured_lines(r, IngestOptions()), {}, "structured") for r in records) if records is not None else iter_articles([VIETNEWS])
    )
    with path.open("w", encoding="utf-8") as out:
        for i, article in enumerate(articles):
            if i >= n:
                break
            page = compose_page(article, others)
            others.append((article.texts[0], article.texts[1]))
            lines += len(page.lines)
            out.write(json.dumps({"id": f"page-{i:06d}", "text": "\n".join(page.texts)}, ensure_ascii=False) + "\n")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--shape", choices=["tiny", "base", "large"], default="tiny")
    parser.add_argument("--device", default=None, help="cpu or cuda (default: CUDA where available)")
    parser.add_argument("--articles", type=int, default=200)
    parser.add_argument("--stages", choices=["both", "classify", "summarize"], default="both")
    parser.add_argument("--segmenter", default="underthesea", help="the classifier's segmenter (underthesea, none)")
    parser.add_argument("--num-beams", type=int, default=4)
    parser.add_argument("--max-new-tokens", type=int, default=64)
    parser.add_argument("--max-source", type=int, default=1024)
    parser.add_argument("--chunk-size", type=int, default=256)
    parser.add_argument("--classify-batch-size", type=int, default=128)
    parser.add_argument("--summarize-batch-size", type=int, default=16)
    parser.add_argument("--segment-workers", type=int, default=0, help="processes for segmentation + tokenization")
    parser.add_argument("--threads", default="auto", help="the job's `threads` setting: auto (vnnews.machine.torch_threads: every core for models on the CPU) or a number")
    parser.add_argument("--classifier-export", choices=["none", "int8"], default="none",
                        help="int8: run the classifier as its `vnnews export` (ONNX Runtime, CPU) instead of torch")
    args = parser.parse_args()

    import torch

    from vnnews.inference import InferenceConfig, run_inference

    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        save_models(args.shape, work, args.segmenter, args.max_source)
        classifier = work / "classifier"
        if args.classifier_export != "none":
            from vnnews.models.export import export_model

            classifier = export_model(classifier, work / "classifier-onnx", quantize=args.classifier_export)
        n_lines = write_pages(args.articles, work / "pages.jsonl")
        config = InferenceConfig(
            classifier=str(classifier),
            summarizer=str(work / "summarizer"),
            stages=args.stages,
            chunk_size=args.chunk_size,
            classify_batch_size=args.classify_batch_size,
            summarize_batch_size=args.summarize_batch_size,
            segment_workers=args.segment_workers,
            threads=args.threads if args.threads == "auto" else int(args.threads),
            generation={"num_beams": args.num_beams, "max_new_tokens": args.max_new_tokens},
            device=args.device,
            progress=False,
        )
        result = run_inference([work / "pages.jsonl"], work / "out.jsonl", config)
        with (work / "out.jsonl").open(encoding="utf-8") as f:
            first = json.loads(f.readline())
    device = args.device or ("cuda" if torch.cuda.is_available() else "cpu")
    print(f"machine: {describe()}; device: {device}" + (f" ({torch.cuda.get_device_name(0)})" if device.startswith("cuda") else "") + f"; torch {torch.__version__}")
    print(
        f"shape: {args.shape}; stages: {args.stages}; {args.articles} pages, {n_lines} lines; beam {args.num_beams}, "
        f"{args.max_new_tokens} new tokens; chunk {args.chunk_size}, batches {args.classify_batch_size}/{args.summarize_batch_size}, "
        f"segment workers {args.segment_workers}, threads {args.threads}; classifier export {args.classifier_export}"
    )
    print(f"end to end: {result.done / result.seconds:.2f} articles/s ({result.done} articles in {result.seconds:.1f}s, model loading included)")
    busy = sum(result.stage_seconds.values())
    print("time per stage: " + ", ".join(f"{k} {v:.1f}s ({100 * v / busy:.0f}%)" for k, v in result.stage_seconds.items()))
    if device.startswith("cuda"):
        print(f"peak GPU memory: {torch.cuda.max_memory_allocated() / 2**30:.2f} GiB")
    print(f"record fields: {', '.join(first)}")


if __name__ == "__main__":
    main()
