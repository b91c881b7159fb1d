"""Benchmark: near-duplicate detection (vnnews.dedup) on constructed cases.

    python benchmarks/near_duplicates.py --originals 150 --distinct 450

From VietNews validation articles: each of --originals articles is re-published three
ways, as a syndicating site would: (1) composed into a page of another site and layout
family, its body read back through the page's labels; (2) lightly edited: a sentence
dropped, a few words changed, "Theo <outlet>" added; (3) both. --distinct further
articles are published once. All are fed to one index in a shuffled order (an original
always before its copies). A copy marked as a duplicate of its own original is a hit;
any other mark is a false alarm. Prints recall and precision per threshold, and the time.
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _machine import describe  # noqa: E402

VIETNEWS = Path(__file__).resolve().parents[2] / "shared" / "corpora" / "vietnews" / "validation.jsonl.gz"


def variants(record: dict, others: list[tuple[str, str]], rng: random.Random) -> list[str]:
    """Three re-publications of ``record``'s body (see the module docstring)."""
    from vnnews.dataset.compose import compose_page
    from vnnews.ingest import Article, IngestOptions
    from vnnews.ingest.readers import structured_lines
    from vnnews.models.summarizer import summary_lines

    def composed(body: list[str], salt: str) -> str:
        article = Article(str(record["id"]), "v", structured_lines({**record, "body": body}, IngestOptions()), {}, "structured")
        page = compose_page(article, others, salt=salt)
        return "\n".join(summary_lines(page.texts, page.labels))

    def edited() -> list[str]:
        body = list(record["body"])
        if len(body) > 3:
            body.pop(rng.randrange(1, len(body)))
        for _ in range(3):
            i = rng.randrange(len(body))
            words = body[i].split()
            if words:
                words[rng.randrange(len(words))] = rng.choice(["cũng", "đã", "rất", "những", "này"])
                body[i] = " ".join(words)
        return [*body, f"Theo {rng.choice(['VnExpress', 'Tuổi Trẻ', 'Thanh Niên', 'Zing'])}"]

    return [composed(record["body"], "syndicated"), "\n".join(edited()), composed(edited(), "syndicated-edited")]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--originals", type=int, default=150)
    parser.add_argument("--distinct", type=int, default=450)
    parser.add_argument("--thresholds", default="0.5,0.6,0.7,0.8,0.9")
    args = parser.parse_args()
    from vnnews.dedup import NearDuplicates

    rng = random.Random(7)
    with gzip.open(VIETNEWS, "rt", encoding="utf-8") as f:
        records = [json.loads(line) for _, line in zip(range(args.originals + args.distinct), f, strict=False)]
    others = [(r["title"], r["lead"]) for r in records[:50]]
    items: list[tuple[str, str, str | None]] = [(str(r["id"]), "\n".join(r["body"]), None) for r in records]  # (id, text, original)
    copies = [(f"{r['id']}#copy{k}", text, str(r["id"])) for r in records[: args.originals] for k, text in enumerate(variants(r, others, rng))]
    order = items[:]
    rng.shuffle(order)
    position = {item[0]: i for i, item in enumerate(order)}
    for copy in copies:  # after its original, anywhere
        order.insert(rng.randrange(position[copy[2]] + 1, len(order) + 1), copy)
        position = {item[0]: i for i, item in enumerate(order)}
    print(f"machine: {describe()}")
    print(f"{len(records)} articles ({args.originals} of them re-published three ways: {len(copies)} copies), {len(order)} texts in all")
    print("| threshold | copies found | recall | marks | false alarms | precision | seconds |\n|---:|---:|---:|---:|---:|---:|---:|")
    for threshold in (float(t) for t in args.thresholds.split(",")):
        index = NearDuplicates(threshold=threshold)
        t0 = time.perf_counter()
        marks = [(item, index.check(item[0], item[1])[0]) for item in order]
        seconds = time.perf_counter() - t0
        index.close()
        hits = sum(1 for (_, _, original), mark in marks if original is not None and mark == original)
        marked = sum(1 for _, mark in marks if mark is not None)
        print(f"| {threshold} | {hits}/{len(copies)} | {hits / len(copies):.3f} | {marked} | {marked - hits} | {hits / marked if marked else 1.0:.3f} | {seconds:.1f} |")


if __name__ == "__main__":
    main()
