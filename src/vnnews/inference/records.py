"""The record ``vnnews infer`` writes for one article, and its schema.

One schema serves the three output formats (JSONL, Parquet, a saved dataset), so
a consumer reads the same fields whichever a job wrote. Lines keep their label and
confidence, so a reader can re-threshold or audit the classifier without running
it again; the clean fields (title, lead, body, ...) are derived from those labels.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import datasets

from vnnews.ingest import Article
from vnnews.models.summarizer import SOURCE_LABELS, summary_source

_STR = datasets.Value("string")
_F32 = datasets.Value("float32")

RECORD_FEATURES = datasets.Features(
    {
        "id": _STR,
        "source": _STR,
        "title": _STR,
        "lead": _STR,
        "body": datasets.List(_STR),
        "captions": datasets.List(_STR),
        "byline": _STR,
        "dateline": _STR,
        "lines": datasets.List({"text": _STR, "label": _STR, "confidence": _F32}),
        "summary": _STR,
        "label_source": _STR,  # where the labels come from: "model", "weak" (rules), or the input (as Article.label_source: "gold", "structured", ...)
        "models": {"classifier": _STR, "classifier_revision": _STR, "summarizer": _STR, "summarizer_revision": _STR},
        "timings": {"ingest_s": _F32, "segment_s": _F32, "classify_s": _F32, "summarize_s": _F32},
    }
)

ERROR_FIELDS = ("id", "source", "line", "cause")

BODY_LABELS = SOURCE_LABELS  # the record's body is what the summarizer reads


def _joined(article: Article, labels: Sequence[str | None], *wanted: str) -> str | None:
    text = " ".join(t for t, lab in zip(article.texts, labels, strict=True) if lab in wanted)
    return text or None


def summary_document(article: Article, labels: Sequence[str | None] | None) -> str:
    """What the summarizer reads of ``article`` (:func:`vnnews.models.summarizer.summary_source`)."""
    return summary_source(article.texts, labels)


def line_entries(
    article: Article, labels: Sequence[str | None] | None, confidences: Sequence[float | None] | None
) -> list[dict[str, Any]]:
    """Every line with its label and confidence (None where not known)."""
    n = len(article.lines)
    labels = labels if labels is not None else [None] * n
    confidences = confidences if confidences is not None else [None] * n
    return [{"text": t, "label": lab, "confidence": conf} for t, lab, conf in zip(article.texts, labels, confidences, strict=True)]


def article_record(
    article: Article,
    labels: Sequence[str | None] | None,
    confidences: Sequence[float | None] | None,
    label_source: str | None,
    summary: str | None,
    models: dict[str, str | None],
    timings: dict[str, float],
) -> dict[str, Any]:
    """The output record of one article. ``labels`` None means no line labels are
    known (a summarize-only job over unlabelled text): the body is then every line."""
    lines = line_entries(article, labels, confidences)
    labels = [line["label"] for line in lines]
    if all(lab is None for lab in labels):
        body = article.texts
    else:
        body = [t for t, lab in zip(article.texts, labels, strict=True) if lab in BODY_LABELS]
    return {
        "id": article.id,
        "source": article.source,
        "title": _joined(article, labels, "title"),
        "lead": _joined(article, labels, "lead"),
        "body": body,
        "captions": [t for t, lab in zip(article.texts, labels, strict=True) if lab == "caption"],
        "byline": _joined(article, labels, "byline"),
        "dateline": _joined(article, labels, "dateline"),
        "lines": lines,
        "summary": summary,
        "label_source": label_source,
        "models": {key: models.get(key) for key in RECORD_FEATURES["models"]},
        "timings": {key: round(float(timings.get(key, 0.0)), 6) for key in RECORD_FEATURES["timings"]},
    }


def error_record(article_id: str | None, source: str, cause: str, line: int | None = None) -> dict[str, Any]:
    return {"id": article_id, "source": source, "line": line, "cause": cause}
