"""The articles one process of a batch job reads.

Inputs are anything ingestion reads (files, directories, JSONL, Parquet, gzip) and saved
datasets written by ``vnnews build-dataset`` (their ``segments`` subset, whose
lines carry labels). With several processes, each takes its own share: files
round-robin and every JSONL file in interleaved parts (the plan
``build-dataset`` uses, splitting even small files since model time dominates), every n-th article of a saved dataset, so no article is
read twice and no ingestion error is reported twice.
"""

from __future__ import annotations

import gzip
import json
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from vnnews.ingest import Article, IngestOptions, Line, Unit, first_of_each_id, plan_shards, read_file
from vnnews.ingest.readers import ErrorHandler
from vnnews.ingest.remote import is_remote


def is_saved_dataset(path: str | os.PathLike[str]) -> bool:
    return (Path(path) / "build.json").is_file() and (Path(path) / "segments").is_dir()


def _article(rows: list[dict], names: list[str], sources: list[str], origin: str) -> Article:
    lines = [Line(r["text"], r["tag_path"], r["link_density"], names[r["label"]]) for r in rows]
    return Article(rows[0]["article_id"], origin, lines, {"format": "dataset"}, sources[rows[0]["label_source"]])


def dataset_articles(path: str | os.PathLike[str], rank: int = 0, world_size: int = 1) -> Iterator[Article]:
    """Articles rebuilt from a saved dataset's ``segments`` rows (every split, in
    order), with their labels; this process's share only. Rows are read in Arrow
    batches, so memory stays flat whatever the dataset's size."""
    from vnnews.dataset import load_subset

    segments = load_subset(path, "segments")
    index = -1
    for split, ds in segments.items():
        names = ds.features["label"].names
        sources = ds.features["label_source"].names
        current: list[dict] = []
        flush = partial(_article, names=names, sources=sources, origin=f"{path}:{split}")
        for batch in ds.iter(batch_size=2000):
            for i in range(len(batch["article_id"])):
                row = {k: batch[k][i] for k in ("article_id", "text", "tag_path", "link_density", "label", "label_source")}
                if current and row["article_id"] != current[0]["article_id"]:
                    if index % world_size == rank:
                        yield flush(current)
                    current = []
                if not current:
                    index += 1
                current.append(row)
        if current and index % world_size == rank:
            yield flush(current)


@dataclass
class Share:
    """What one process reads: its saved datasets (every n-th article of each) and
    its file units (the plan ``build-dataset`` uses, splitting every JSONL file since
    model time dominates). Planned once per job: the input is walked once."""

    datasets: list[str]
    units: list[Unit]
    rank: int = 0
    world_size: int = 1


def plan_share(
    inputs: Sequence[str | os.PathLike[str]], rank: int = 0, world_size: int = 1, on_error: ErrorHandler | None = None, follow_symlinks: bool = True
) -> Share:
    """This process's share; directories that cannot be listed and files that are
    not regular go to ``on_error`` (reported by the first process only)."""
    datasets_in = [str(p) for p in inputs if is_saved_dataset(p)]
    files = [p for p in inputs if not is_saved_dataset(p)]
    report = on_error if rank == 0 else (lambda error: None)
    shards = plan_shards(files, world_size, split_jsonl_bytes=0, on_error=report, follow_symlinks=follow_symlinks) if files else []
    return Share(datasets_in, shards[rank] if rank < len(shards) else [], rank, world_size)


def input_articles(share: Share, options: IngestOptions, on_error: ErrorHandler) -> Iterator[Article]:
    """This process's articles, streamed. An id seen twice is an error for the
    second article (ids key resumption)."""

    def units() -> Iterator[Article]:
        for path in share.datasets:
            yield from dataset_articles(path, share.rank, share.world_size)
        for path, rel, k, n in share.units:
            yield from read_file(path, rel, options, on_error, part=(k, n))

    yield from first_of_each_id(units(), lambda a: a.id, lambda a: a.source, on_error)


def _count_lines(path: Path, max_records: int | None) -> int:
    opener = gzip.open if path.name.lower().endswith(".gz") else open
    n = 0
    try:
        with opener(path, "rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                n += block.count(b"\n")
    except (OSError, EOFError):
        return 0
    return min(n, max_records) if max_records is not None else n


def _count_rows(path: Path, max_records: int | None) -> int:
    """Rows of a Parquet file, from its footer (0 when it cannot be read: the reader reports it)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        n = pq.ParquetFile(path).metadata.num_rows
    except (OSError, pa.ArrowException):
        return 0
    return min(n, max_records) if max_records is not None else n


def estimate_total(share: Share, options: IngestOptions) -> int:
    """About how many articles this process will read (for the progress bar's ETA):
    one per page file, one per JSONL line or Parquet row, the article count of a saved
    dataset; remote JSONL, Parquet and WARC files are not counted (not read twice)."""
    total = 0
    for p in share.datasets:
        manifest = json.loads((Path(p) / "build.json").read_text(encoding="utf-8"))
        total += sum(manifest.get("articles", {}).values()) // share.world_size
    for path, _rel, _k, n in share.units:
        name = path.lower()
        if is_remote(path) and name.endswith((".jsonl", ".jsonl.gz", ".parquet", ".warc", ".warc.gz")):
            continue  # a remote collection is not read twice for a progress bar
        if name.endswith(".jsonl") or name.endswith(".jsonl.gz"):
            total += _count_lines(Path(path), options.max_records) // n
        elif name.endswith(".parquet"):
            total += _count_rows(Path(path), options.max_records) // n
        else:
            total += 1
    return total
