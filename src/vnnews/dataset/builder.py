"""Build the Hugging Face dataset: pages in, ``segments`` and ``summarization`` out.

Flow: ingestion and labelling run in parallel workers (``datasets``'
``from_generator`` with ``num_proc``) over shards of the input (files, and
every n-th record of large JSONL files), giving one article-level table; the
main process drops duplicate ids, then each split is exploded into line rows
and summarization examples. Labels come from gold annotations where a page has
one (checked against the page), from structured records, else from the weak
labeller.

The output is written to ``<out>.partial`` and swapped into place when complete
(:func:`vnnews.outputs.commit_dir`: the old dataset is moved aside, never deleted
first), so an interrupted build never leaves a half-written dataset where a
finished one is expected. An existing dataset is replaced only with ``overwrite``
and only if vnnews wrote it; an output that is an input, lies inside one, or is
somebody else's directory is refused; one build at a time per output (a lock).
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
import time
import uuid
from collections import Counter, deque
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import datasets

from vnnews.config import from_dict, to_dict
from vnnews.dataset.compose import FAMILIES, compose_page
from vnnews.dataset.features import (
    ARTICLE_FEATURES,
    PAGE_FEATURES,
    SEGMENT_FEATURES,
    SUMMARIZATION_FEATURES,
    article_row,
    page_row,
    segment_rows,
    summarization_row,
)
from vnnews.dataset.splits import SPLITS, SplitRatios, assign_split
from vnnews.ingest import (
    DEFAULT_MAX_PAGE_BYTES,
    DEFAULT_MAX_PAGE_LINES,
    IngestError,
    IngestOptions,
    Unit,
    first_of_each_id,
    plan_shards,
    read_file,
)
from vnnews.labels import LABELS, AnnotationError, apply_gold, load_gold, weak_label_article
from vnnews.outputs import recover_dir

log = logging.getLogger(__name__)

SUBSETS: tuple[str, ...] = ("segments", "summarization", "pages")
SUBSET_FEATURES = {"segments": SEGMENT_FEATURES, "summarization": SUMMARIZATION_FEATURES, "pages": PAGE_FEATURES}


@dataclass
class DatasetConfig:
    """Knobs of ``vnnews build-dataset`` (configs/dataset/default.yaml)."""

    split_ratios: SplitRatios = field(default_factory=SplitRatios)
    split_salt: str = "vnnews"  # change it to draw a different, equally deterministic split
    context_window: int = 2  # neighbour lines kept on each side of a segment
    tone_style: Literal["new", "old"] | None = "new"
    annotations_dir: str | list[str] | None = "data/annotations"  # gold labels (a folder, or several); None to ignore them
    compose_pages: bool = False  # wrap structured records in page boilerplate (classifier training data)
    compose_families: list[str] | None = None  # layout families to compose (None: all; see vnnews.dataset.compose)
    compose_html_share: float = 0.6  # share of composed pages rendered as HTML (the rest as text dumps)
    max_records_per_file: int | None = None  # read only the first N records of each JSONL file (samples, demos)
    max_page_bytes: int | None = DEFAULT_MAX_PAGE_BYTES  # one page file or JSONL line, decompressed (past it: an error, the rest is read)
    max_page_elements: int = 200_000  # HTML elements of one page
    max_page_lines: int | None = DEFAULT_MAX_PAGE_LINES  # lines of one page (past it: an error, the rest is read)
    follow_symlinks: bool = True  # links in input folders to files inside them (others are reported and skipped)
    # Word-segment every line for the page labeller while building (in the build's worker
    # processes), so training only tokenizes: a segmenter name ("underthesea") or None
    presegment: str | None = None
    presegment_max_chars: int = 400  # characters segmented per line: the page labeller's max_line_chars
    # Mark near-duplicate articles (syndicated, re-published: duplicate_of in the summarization
    # and pages subsets) and keep each in its original's split, so no test article has a twin in train
    dedup: bool = True
    dedup_threshold: float = 0.7  # estimated Jaccard similarity of the bodies' 3-word shingles
    num_proc: int | None = None  # worker processes; None: one per core this process may use
    license: str = "other"  # the dataset card's licence: "other" (mixed sources, each listed with its terms) or an SPDX id you hold

    def segmentation(self) -> dict[str, Any] | None:
        """The settings stored segmentation is made with (as ``LineTokenizer.settings``), or None."""
        if not self.presegment:
            return None
        from vnnews.text.segment import model_segmenter

        segmenter = model_segmenter(self.presegment, self.tone_style)
        return {"segmenter": segmenter.name, "tone_style": getattr(segmenter, "tone_style", None), "max_line_chars": self.presegment_max_chars}

    def __post_init__(self) -> None:
        from vnnews.ingest import IngestOptions

        IngestOptions.from_config(self)  # page budgets: refused here, with their key
        if self.presegment is not None:
            from vnnews.text.segment import available_segmenters

            if self.presegment not in available_segmenters():
                raise ValueError(f"presegment: unknown segmenter {self.presegment!r}; choose one of {available_segmenters()} or null")
        if self.context_window < 0:
            raise ValueError(f"context_window must be >= 0, got {self.context_window}")
        if self.num_proc is not None and self.num_proc < 1:
            raise ValueError(f"num_proc must be >= 1 or null, got {self.num_proc}")
        unknown = sorted(set(self.compose_families or ()) - set(FAMILIES))
        if unknown or self.compose_families == []:
            raise ValueError(f"compose_families: unknown or empty {unknown or []}; choose from {', '.join(FAMILIES)}")
        if not 0.0 <= self.compose_html_share <= 1.0:
            raise ValueError(f"compose_html_share must be between 0 and 1, got {self.compose_html_share}")


@dataclass
class BuildResult:
    out_dir: Path
    counts: dict[str, dict[str, int]]  # subset -> split -> rows
    articles: dict[str, int]  # split -> articles
    errors: list[IngestError]
    seconds: float

    @property
    def n_articles(self) -> int:
        return sum(self.articles.values())


def _line_segmenter(cfg: DatasetConfig) -> Any:
    """The presegmentation of one line (its first ``presegment_max_chars`` characters),
    remembered per process: a site's menu is segmented once; None when off."""
    if not cfg.presegment:
        return None
    import functools

    from vnnews.text.segment import model_segmenter

    segmenter = model_segmenter(cfg.presegment, cfg.tone_style)

    @functools.lru_cache(maxsize=1 << 16)
    def segment(text: str) -> str:
        return segmenter.segment(text[: cfg.presegment_max_chars])

    return segment


def _generate_articles(shards: list[list[Unit]], config: dict[str, Any], errors_dir: str) -> Iterator[dict[str, Any]]:
    """Worker body: read, label and assign a split to every article of its shards.
    Errors go to a JSONL file per shard, read back by the main process."""
    cfg = from_dict(DatasetConfig, config)
    options = IngestOptions.from_config(cfg)
    gold = load_gold(cfg.annotations_dir) if cfg.annotations_dir else {}
    segment = _line_segmenter(cfg)
    recent: deque[tuple[str, str]] = deque(maxlen=200)  # other articles, for composed related lists
    for shard in shards:
        errors: list[IngestError] = []
        for path, rel, k, n in shard:
            for article in read_file(path, rel, options, errors.append, part=(k, n)):
                try:
                    labelled = weak_label_article(apply_gold(article, gold))
                except AnnotationError as exc:
                    errors.append(IngestError(article.source, f"gold annotation does not match: {exc}"))
                    continue
                if cfg.compose_pages and labelled.label_source == "structured":
                    title, lead = " ".join(labelled.texts_labelled("title")), " ".join(labelled.texts_labelled("lead"))
                    composed = compose_page(labelled, list(recent), families=cfg.compose_families or FAMILIES, html_share=cfg.compose_html_share)
                    if title:
                        recent.append((title, lead))
                    labelled = composed
                segmented = [segment(t) for t in labelled.texts] if segment else None
                yield article_row(labelled, assign_split(article.id, cfg.split_ratios, cfg.split_salt), segmented)
        if errors:
            with open(Path(errors_dir) / f"{uuid.uuid4().hex}.jsonl", "w", encoding="utf-8") as f:
                for e in errors:
                    f.write(json.dumps({"source": e.source, "line": e.line, "cause": e.cause, "id": e.article_id}, ensure_ascii=False) + "\n")


def _explode_segments(batch: dict[str, list[Any]], context_window: int) -> dict[str, list[Any]]:
    rows = [r for i in range(len(batch["article_id"])) for r in segment_rows({k: v[i] for k, v in batch.items()}, context_window)]
    return {name: [r[name] for r in rows] for name in SEGMENT_FEATURES}


def _to_pages(batch: dict[str, list[Any]]) -> dict[str, list[Any]]:
    rows = [page_row({k: v[i] for k, v in batch.items()}) for i in range(len(batch["article_id"]))]
    return {name: [r[name] for r in rows] for name in PAGE_FEATURES}


def _to_summaries(batch: dict[str, list[Any]]) -> dict[str, list[Any]]:
    rows = [summarization_row({k: v[i] for k, v in batch.items()}) for i in range(len(batch["article_id"]))]
    kept = [r for r in rows if r is not None]
    return {name: [r[name] for r in kept] for name in SUMMARIZATION_FEATURES}


def _read_errors(errors_dir: Path) -> list[IngestError]:
    errors = []
    for path in sorted(errors_dir.glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            e = json.loads(line)
            errors.append(IngestError(e["source"], e["cause"], e["line"], e.get("id")))
    return sorted(errors, key=lambda e: (e.source, e.line or 0))


def _drop_duplicates(articles: datasets.Dataset) -> tuple[datasets.Dataset, list[IngestError]]:
    ids, sources = articles["article_id"], articles["source"]
    errors: list[IngestError] = []
    keep = list(first_of_each_id(range(len(ids)), ids.__getitem__, sources.__getitem__, errors.append))
    return (articles.select(keep) if errors else articles), errors


def build_dataset(
    inputs: Sequence[str | os.PathLike[str]],
    out_dir: str | os.PathLike[str],
    config: DatasetConfig | None = None,
    overwrite: bool = False,
) -> BuildResult:
    """Build both subsets from ``inputs`` into ``out_dir`` and write the dataset card.

    Raises OutputRefused (a FileExistsError) if ``out_dir`` holds something and
    ``overwrite`` is False, or is not vnnews's to replace (see :mod:`vnnews.outputs`),
    and ValueError if no article could be read (the errors say why)."""
    from vnnews.outputs import OutputRefused, check_output, locked_output

    config = config or DatasetConfig()
    out_dir = Path(out_dir)
    partial = out_dir.with_name(out_dir.name + ".partial")
    with locked_output(out_dir, inputs, "dataset"):
        check_output(partial, inputs, "dataset")
        recover_dir(out_dir)
        if out_dir.exists() and any(out_dir.iterdir()) and not overwrite:
            raise OutputRefused(f"{out_dir} exists and is not empty; pass --overwrite to replace it")
        return _build(inputs, out_dir, partial, config)


def _build(inputs: Sequence[str | os.PathLike[str]], out_dir: Path, partial: Path, config: DatasetConfig) -> BuildResult:
    from vnnews.dataset.card import write_card
    from vnnews.outputs import commit_dir, mark_dir, remove_ours

    started = time.perf_counter()
    from vnnews.machine import available_cores

    num_proc = config.num_proc or available_cores()  # the cores this process may use (affinity, cgroup quota), not the box's
    listing_errors: list[IngestError] = []
    shards = plan_shards(inputs, num_proc, on_error=listing_errors.append, follow_symlinks=config.follow_symlinks)
    if not any(shards):
        details = "; ".join(str(e) for e in listing_errors[:5])
        raise ValueError(f"no readable input files in {', '.join(map(str, inputs))}" + (f": {details}" if details else ""))
    remove_ours(partial)  # an interrupted build's (checked to be ours)
    mark_dir(partial, written_by_command="vnnews build-dataset")
    with tempfile.TemporaryDirectory(prefix="vnnews-build-") as tmp:
        tmp_path = Path(tmp)
        (tmp_path / "errors").mkdir()
        try:
            articles = datasets.Dataset.from_generator(
                _generate_articles,
                features=ARTICLE_FEATURES,
                cache_dir=str(tmp_path / "cache"),
                gen_kwargs={"shards": shards, "config": to_dict(config), "errors_dir": str(tmp_path / "errors")},
                num_proc=len(shards) if len(shards) > 1 else None,
                fingerprint=f"vnnews-articles-{time.time_ns()}",  # never reuse a stale cache
            )
        except ValueError as exc:  # datasets refuses a generator that yielded nothing
            if "corresponds to no data" not in str(exc):
                raise
            articles = datasets.Dataset.from_dict({k: [] for k in ARTICLE_FEATURES}, features=ARTICLE_FEATURES)
        errors = listing_errors + _read_errors(tmp_path / "errors")
        articles, duplicates = _drop_duplicates(articles)
        errors += duplicates
        if len(articles) == 0:
            details = "; ".join(str(e) for e in errors[:5])
            raise ValueError(f"no article could be read from {', '.join(map(str, inputs))}" + (f": {details}" if details else ""))
        articles = _near_duplicates(articles, config, tmp_path)
        articles = _fill_empty_splits(articles, config)
        map_proc = num_proc if len(articles) >= 2000 else None
        subsets: dict[str, dict[str, datasets.Dataset]] = {name: {} for name in SUBSETS}
        article_counts: dict[str, int] = {}
        for split in SPLITS:
            part = articles.filter(lambda s, split=split: s == split, input_columns="split", num_proc=map_proc, desc=f"Selecting {split}")
            article_counts[split] = len(part)
            part = part.remove_columns(["split", "source"])  # duplicate_of stays: the article-level subsets keep it
            subsets["segments"][split] = part.map(
                _explode_segments,
                batched=True,
                batch_size=200,
                remove_columns=part.column_names,
                features=SEGMENT_FEATURES,
                fn_kwargs={"context_window": config.context_window},
                num_proc=map_proc,
                desc=f"Segments ({split})",
            )
            for name, to_rows in (("summarization", _to_summaries), ("pages", _to_pages)):
                subsets[name][split] = part.map(
                    to_rows,
                    batched=True,
                    remove_columns=part.column_names,
                    features=SUBSET_FEATURES[name],
                    num_proc=map_proc,
                    desc=f"{name.capitalize()} ({split})",
                )
        counts = {name: {split: len(ds) for split, ds in splits.items()} for name, splits in subsets.items()}
        for name, splits in subsets.items():
            # datasets 5.2 writes no shard for an empty split and cannot load it back
            # (huggingface/datasets#8385): write those as one empty shard with the schema.
            features = SUBSET_FEATURES[name]
            empty = {split: 1 for split, ds in splits.items() if len(ds) == 0}
            for split in empty:
                splits[split] = datasets.Dataset.from_dict({k: [] for k in features}, features=features)
            datasets.DatasetDict(splits).save_to_disk(str(partial / name), num_shards=empty or None)
        label_stats = _label_stats(subsets["segments"])
    result = BuildResult(out_dir, counts, article_counts, errors, time.perf_counter() - started)
    _write_manifest(partial, inputs, config, result, label_stats)
    write_card(partial, result, config, label_stats, [str(i) for i in inputs])
    commit_dir(partial, out_dir, written_by_command="vnnews build-dataset")
    return result


def _near_duplicates(articles: datasets.Dataset, config: DatasetConfig, work: Path) -> datasets.Dataset:
    """``duplicate_of`` for every article (the first article of the table whose body it
    nearly repeats, :mod:`vnnews.dedup`; None for the rest), and a near-duplicate moved
    to its original's split: no test article has a twin in train. The index is an SQLite
    file in ``work``: memory stays flat whatever the number of articles."""
    from vnnews.dedup import NearDuplicates
    from vnnews.models.summarizer import summary_lines

    if not config.dedup:
        return articles.add_column("duplicate_of", [None] * len(articles))
    index = NearDuplicates(work / "near-duplicates.sqlite", config.dedup_threshold)
    split_of: dict[str, str] = {}
    originals: list[str | None] = []
    splits: list[str] = []
    for batch in articles.select_columns(["article_id", "texts", "labels", "split"]).iter(batch_size=1000):
        for article_id, texts, labels, split in zip(batch["article_id"], batch["texts"], batch["labels"], batch["split"], strict=True):
            original, _ = index.check(article_id, "\n".join(summary_lines(texts, labels)))
            originals.append(original)
            splits.append(split_of[original] if original is not None else split)
            if original is None:
                split_of[article_id] = split
    index.close()
    moved = sum(1 for o, s0, s1 in zip(originals, articles["split"], splits, strict=True) if o is not None and s0 != s1)
    if any(originals):
        log.info("%d near-duplicate articles (%d moved to their original's split)", sum(o is not None for o in originals), moved)
    return articles.remove_columns(["split"]).add_column("split", splits).add_column("duplicate_of", originals)


def _fill_empty_splits(articles: datasets.Dataset, config: DatasetConfig) -> datasets.Dataset:
    """A small dataset (a newsroom's first five labelled pages) whose hashed splits left
    validation or test empty: each such split (with a ratio above 0) gets the train article
    whose hash lies nearest its range, so evaluation, ``load_dataset`` and training have
    data. Only while a split is empty: with enough articles the hash alone decides, as
    always. Each move is logged as a warning naming the way out (more pages)."""
    import hashlib

    ratios = config.split_ratios
    wanted = [s for s in ("validation", "test") if getattr(ratios, s) > 0]
    counts = Counter(articles["split"])
    empty = [s for s in wanted if counts.get(s, 0) == 0]
    if not empty or counts.get("train", 0) < 1 + len(empty):
        return articles
    start = {"validation": ratios.train, "test": ratios.train + ratios.validation}

    def position(article_id: str) -> float:
        digest = hashlib.sha1(f"{config.split_salt}\x00{article_id}".encode()).digest()
        return int.from_bytes(digest[:8], "big") / 2**64

    splits = list(articles["split"])
    ids = list(articles["article_id"])
    for split in empty:
        train = [i for i, s in enumerate(splits) if s == "train"]
        if len(train) < 2:
            break
        chosen = max(train, key=lambda i: (position(ids[i]) if position(ids[i]) <= start[split] else -1.0, ids[i]))
        splits[chosen] = split
        log.warning(
            "%s had no article of the %d in this dataset: %s moved there from train so that models can be evaluated "
            "(a dataset this small gives noisy figures: label more pages)", split, len(ids), ids[chosen]
        )
    return articles.remove_columns(["split"]).add_column("split", splits)


def _label_stats(segments: dict[str, datasets.Dataset]) -> dict[str, Any]:
    """Label and label-source counts per split, by name."""
    label_names = SEGMENT_FEATURES["label"].names
    source_names = SEGMENT_FEATURES["label_source"].names
    stats: dict[str, Any] = {}
    for split, ds in segments.items():
        labels = Counter(label_names[i] for i in ds["label"]) if len(ds) else Counter()
        sources = Counter(source_names[i] for i in ds["label_source"]) if len(ds) else Counter()
        stats[split] = {"labels": dict(labels), "label_sources": dict(sources)}
    return stats


def _write_manifest(
    out: Path, inputs: Sequence[str | os.PathLike[str]], config: DatasetConfig, result: BuildResult, label_stats: dict[str, Any]
) -> None:
    """build.json (what was built from what, with which settings) and errors.jsonl
    (every skipped input with its cause), so a build can be audited and repeated."""
    manifest = {
        "inputs": [str(p) for p in inputs],
        "config": to_dict(config),
        "segmentation": config.segmentation(),  # what the pages' `segmented` lines were made with (null: none stored)
        "articles": result.articles,
        "rows": result.counts,
        "labels": label_stats,
        "skipped_inputs": len(result.errors),
        "seconds": round(result.seconds, 2),
        "versions": {"vnnews": _version(), "datasets": datasets.__version__},
    }
    (out / "build.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    with (out / "errors.jsonl").open("w", encoding="utf-8") as f:
        for e in result.errors:
            f.write(json.dumps({"id": e.article_id, "source": e.source, "line": e.line, "cause": e.cause}, ensure_ascii=False) + "\n")


def _version() -> str:
    from vnnews import __version__

    return __version__


def stats_table(out_dir: str | os.PathLike[str]) -> str:
    """Articles, rows, labels and label sources per split of a built dataset (from its build.json)."""
    from vnnews.labels import LABEL_SOURCES

    out = Path(out_dir)
    manifest = json.loads((out / "build.json").read_text(encoding="utf-8"))
    width = 16
    rows = ["".ljust(width) + "".join(s.rjust(12) for s in SPLITS)]
    rows.append("articles".ljust(width) + "".join(str(manifest["articles"].get(s, 0)).rjust(12) for s in SPLITS))
    for subset, counts in manifest["rows"].items():
        rows.append(subset.ljust(width) + "".join(str(counts.get(s, 0)).rjust(12) for s in SPLITS))
    rows.append("")
    rows.append("segment labels")
    for label in LABELS:
        counts = [manifest["labels"][s]["labels"].get(label, 0) for s in SPLITS]
        if any(counts):
            rows.append(f"  {label}".ljust(width) + "".join(str(c).rjust(12) for c in counts))
    rows.append("label sources")
    for source in LABEL_SOURCES:
        counts = [manifest["labels"][s]["label_sources"].get(source, 0) for s in SPLITS]
        if any(counts):
            rows.append(f"  {source}".ljust(width) + "".join(str(c).rjust(12) for c in counts))
    return "\n".join(rows)


def load_subset(out_dir: str | os.PathLike[str], subset: str) -> datasets.DatasetDict:
    """Load one subset ("segments", "summarization" or "pages") of a built dataset."""
    if subset not in SUBSETS:
        raise ValueError(f"unknown subset {subset!r}; expected one of {SUBSETS}")
    path = Path(out_dir) / subset
    if not path.exists():
        raise FileNotFoundError(f"{path} does not exist: build it with `vnnews build-dataset ... --out {out_dir}`")
    return datasets.load_from_disk(str(path))
