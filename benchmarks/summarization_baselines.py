"""Summarization baselines on VietNews validation: lead-1, lead-3, TextRank-3.

    python benchmarks/summarization_baselines.py [--input FILE] [--limit N]

Summaries are compared with each article's lead (sapo) using the vnnews ROUGE
module (src/vnnews/evaluate_modules/rouge_vi): Vietnamese syllable tokenization and
rouge_score's default (compat) tokenization, F-measure x 100. Documents are the
article bodies, as in the dataset's `summarization` subset.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _machine import describe  # noqa: E402

VALIDATION = Path(__file__).resolve().parents[2] / "shared" / "corpora" / "vietnews" / "validation.jsonl.gz"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--input", default=str(VALIDATION))
    parser.add_argument("--limit", type=int, default=None, help="first N articles only")
    args = parser.parse_args()

    import evaluate

    from vnnews.baselines import SUMMARY_BASELINES
    from vnnews.evaluate_modules import ROUGE_VI
    from vnnews.ingest import iter_articles

    documents, references = [], []
    for article in iter_articles([args.input]):
        lead, body = " ".join(article.texts_labelled("lead")), "\n".join(article.texts_labelled("body"))
        if lead and body:
            documents.append(body)
            references.append(lead)
        if args.limit and len(documents) >= args.limit:
            break
    rouge = evaluate.load(ROUGE_VI)
    print(f"machine: {describe()}")
    print(f"{len(documents)} articles from {args.input}; reference = lead, document = body")
    print("| baseline | R-1 | R-2 | R-L | compat R-1 | compat R-2 | compat R-L | mean words | seconds |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for name, summarize in SUMMARY_BASELINES.items():
        start = time.perf_counter()
        predictions = [summarize(d) for d in documents]
        seconds = time.perf_counter() - start
        s = rouge.compute(predictions=predictions, references=references)
        words = sum(len(p.split()) for p in predictions) / len(predictions)
        print(
            f"| {name} | {100 * s['rouge1']:.2f} | {100 * s['rouge2']:.2f} | {100 * s['rougeL']:.2f} | "
            f"{100 * s['compat_rouge1']:.2f} | {100 * s['compat_rouge2']:.2f} | {100 * s['compat_rougeL']:.2f} | {words:.1f} | {seconds:.1f} |"
        )
    print(f"reference mean words: {sum(len(r.split()) for r in references) / len(references):.1f}")


if __name__ == "__main__":
    main()
