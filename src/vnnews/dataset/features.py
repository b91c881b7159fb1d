"""Rows and schemas of the two dataset subsets.

``segments``: one row per line, with what a line classifier needs beyond the
line itself: neighbouring lines (a related-article title reads like a headline
until you see it printed twice), the line's place in the page, and the HTML
features when the page was HTML.

``summarization``: one row per article with a lead and a body: document = the
clean body (body and subheading lines, one per line), summary = the lead.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import datasets

from vnnews.ingest import Article
from vnnews.labels import COARSE, COARSE_LABELS, LABEL_SOURCES, LABELS

SEGMENT_FEATURES = datasets.Features(
    {
        "article_id": datasets.Value("string"),
        "line_index": datasets.Value("int32"),
        "text": datasets.Value("string"),
        "context_before": datasets.Sequence(datasets.Value("string")),
        "context_after": datasets.Sequence(datasets.Value("string")),
        "n_lines": datasets.Value("int32"),
        "position": datasets.Value("float32"),
        "n_chars": datasets.Value("int32"),
        "tag_path": datasets.Value("string"),
        "link_density": datasets.Value("float32"),
        "label": datasets.ClassLabel(names=list(LABELS)),
        "coarse_label": datasets.ClassLabel(names=list(COARSE_LABELS)),
        "label_source": datasets.ClassLabel(names=list(LABEL_SOURCES)),
    }
)

SUMMARIZATION_FEATURES = datasets.Features(
    {
        "article_id": datasets.Value("string"),
        "title": datasets.Value("string"),
        "document": datasets.Value("string"),
        "summary": datasets.Value("string"),
        "label_source": datasets.ClassLabel(names=list(LABEL_SOURCES)),
        "duplicate_of": datasets.Value("string"),  # the first article whose body this one nearly repeats (None: none)
    }
)

# The intermediate, article-level table the builder writes in parallel.
ARTICLE_FEATURES = datasets.Features(
    {
        "article_id": datasets.Value("string"),
        "source": datasets.Value("string"),
        "split": datasets.Value("string"),
        "texts": datasets.Sequence(datasets.Value("string")),
        "tag_paths": datasets.Sequence(datasets.Value("string")),
        "link_densities": datasets.Sequence(datasets.Value("float32")),
        "labels": datasets.Sequence(datasets.Value("string")),
        "label_source": datasets.Value("string"),
        "meta_json": datasets.Value("string"),
        "segmented": datasets.Sequence(datasets.Value("string")),
    }
)

# ``pages``: one row per page, every line with its label, for the page labeller.
PAGE_FEATURES = datasets.Features(
    {
        "article_id": datasets.Value("string"),
        "site": datasets.Value("string"),
        "family": datasets.Value("string"),
        "format": datasets.Value("string"),
        "texts": datasets.Sequence(datasets.Value("string")),
        "tag_paths": datasets.Sequence(datasets.Value("string")),
        "link_densities": datasets.Sequence(datasets.Value("float32")),
        "labels": datasets.Sequence(datasets.ClassLabel(names=list(LABELS))),
        "label_source": datasets.ClassLabel(names=list(LABEL_SOURCES)),
        "candidates_json": datasets.Value("string"),
        # each line word-segmented for the page labeller when the dataset was built with
        # `presegment` (settings in build.json: "segmentation"), else empty
        "segmented": datasets.Sequence(datasets.Value("string")),
        "duplicate_of": datasets.Value("string"),  # the first article whose body this one nearly repeats (None: none)
    }
)


def article_row(article: Article, split: str, segmented: list[str] | None = None) -> dict[str, Any]:
    if article.label_source is None or None in article.labels:
        raise ValueError(f"{article.source}: article {article.id!r} has unlabelled lines")
    return {
        "article_id": article.id,
        "source": article.source,
        "split": split,
        "texts": article.texts,
        "tag_paths": [line.tag_path for line in article.lines],
        "link_densities": [line.link_density for line in article.lines],
        "labels": article.labels,
        "label_source": article.label_source,
        "meta_json": json.dumps(
            {k: article.meta[k] for k in ("site", "family", "format", "candidates", "url") if k in article.meta}, ensure_ascii=False
        ),
        "segmented": segmented or [],
    }


def page_row(row: dict[str, Any]) -> dict[str, Any]:
    """The ``pages`` row of one article-level row."""
    meta = json.loads(row.get("meta_json") or "{}")
    return {
        "article_id": row["article_id"],
        "site": meta.get("site") or "",
        "family": meta.get("family") or {"gold": "seed", "transfer": "transfer"}.get(row["label_source"], ""),
        "format": meta.get("format") or "",
        "texts": row["texts"],
        "tag_paths": row["tag_paths"],
        "link_densities": row["link_densities"],
        "labels": row["labels"],
        "label_source": row["label_source"],
        "candidates_json": json.dumps(meta.get("candidates") or {}, ensure_ascii=False),
        "segmented": row.get("segmented") or [],
        "duplicate_of": row.get("duplicate_of"),
    }


def article_from_page_row(row: dict[str, Any], segmentation: dict[str, Any] | None = None) -> Article:
    """An Article (lines, labels, site and candidates in meta) from a ``pages`` row
    (label ids as ``pages`` stores them, or label names). A row's stored segmentation
    goes to ``meta["segmented"]`` with the ``segmentation`` settings it was made with
    (build.json), so the page labeller tokenizes it without segmenting again."""
    from vnnews.ingest import Line

    labels = [LABELS[x] if isinstance(x, int) else x for x in row["labels"]]
    source = row["label_source"]
    source = LABEL_SOURCES[source] if isinstance(source, int) else source
    lines = [
        Line(t, tp, ld, lab) for t, tp, ld, lab in zip(row["texts"], row["tag_paths"], row["link_densities"], labels, strict=True)
    ]
    meta: dict[str, Any] = {"site": row["site"] or None, "family": row["family"], "format": row["format"]}
    candidates = json.loads(row["candidates_json"] or "{}")
    if candidates:
        meta["candidates"] = candidates
    if row.get("segmented") and segmentation:
        meta["segmented"], meta["segmentation"] = list(row["segmented"]), dict(segmentation)
    return Article(row["article_id"], row["article_id"], lines, meta, source)


def segment_rows(row: dict[str, Any], context_window: int) -> Iterator[dict[str, Any]]:
    """The per-line rows of one article-level row."""
    texts = row["texts"]
    n = len(texts)
    for i, text in enumerate(texts):
        label = row["labels"][i]
        yield {
            "article_id": row["article_id"],
            "line_index": i,
            "text": text,
            "context_before": texts[max(0, i - context_window) : i],
            "context_after": texts[i + 1 : i + 1 + context_window],
            "n_lines": n,
            "position": i / (n - 1) if n > 1 else 0.0,
            "n_chars": len(text),
            "tag_path": row["tag_paths"][i],
            "link_density": row["link_densities"][i],
            "label": label,
            "coarse_label": COARSE[label],
            "label_source": row["label_source"],
        }


def summarization_row(row: dict[str, Any]) -> dict[str, Any] | None:
    """The summarization example of one article, or None without a lead or a body."""
    from vnnews.models.summarizer import summary_source

    pick = lambda *wanted: [t for t, lab in zip(row["texts"], row["labels"], strict=True) if lab in wanted]  # noqa: E731
    lead, document = pick("lead"), summary_source(row["texts"], row["labels"])
    if not lead or not document:
        return None
    return {
        "article_id": row["article_id"],
        "title": " ".join(pick("title")),
        "document": document,
        "summary": " ".join(lead),
        "label_source": row["label_source"],
        "duplicate_of": row.get("duplicate_of"),
    }
