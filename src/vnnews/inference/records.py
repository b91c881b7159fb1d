"""The record ``vnnews infer`` writes for one article, and its schema.

One schema serves the three output formats (JSONL, Parquet, a saved dataset), so
a consumer reads the same fields whichever a job wrote. Lines keep their label and
confidence, so a reader can re-threshold or audit the classifier without running
it again; the clean fields (title, lead, body, ...) are derived from those labels.

Fields (types as in ``RECORD_FEATURES``; every one present in every record, null or
empty when unknown):

- ``id``, ``source``: the article's id and where it was read;
- ``title``, ``lead`` (strings), ``body``, ``captions`` (lists of lines), ``byline``,
  ``dateline`` (the raw lines): the article as the classifier labelled it;
- ``text``: the article as a reader reads it: title, lead, body, subheadings (``## ``)
  and captions (``*...*``) in page order, paragraphs apart;
- ``date_published``, ``date_modified``: ISO 8601 (``2015-06-23T13:58:00+07:00`` when
  the page gives a time, ``2015-06-23`` when only a day);
- ``authors`` (names), ``url`` (canonical), ``site_name``, ``section``, ``tags``,
  ``language`` (ISO 639-1, e.g. ``vi``, as the page declares it), ``image`` (the main image's URL), ``images``
  (``{src, alt, caption}`` of every image inside the article), ``comments`` (lines of a
  comment block, apart from the article);
- ``detected_language``, ``detected_language_score``: the language its text is written in and
  the identifier's probability (:mod:`vnnews.language`; null for a page with too little text);
- ``meta_sources``: where each of those fields came from (``json-ld``, ``opengraph``,
  ``canonical``, ``dateline``, ``byline``, ``breadcrumb``, ``url``...) and the
  ``conflicts`` met (a date in one source two days from another's);
- ``duplicate_of``, ``duplicate_score``: with ``--dedup``, the first article of the job
  this one nearly repeats (syndicated, re-published) and their estimated similarity;
- ``encoding``: how the page's bytes were read, with the repairs made;
- ``lines`` (text, label, confidence), ``summary``, ``label_source``, ``models``, ``timings``.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any

from vnnews.ingest import Article
from vnnews.metadata import FIELDS as METADATA_FIELDS
from vnnews.metadata import extract_metadata
from vnnews.models.summarizer import summary_lines, summary_source

MODEL_KEYS = ("classifier", "classifier_revision", "summarizer", "summarizer_revision")
TIMING_KEYS = ("ingest_s", "segment_s", "classify_s", "summarize_s")


@functools.cache
def record_features() -> Any:
    """The record's types as ``datasets.Features`` (Parquet and saved-dataset outputs). Built
    on first use (also as ``RECORD_FEATURES``): importing ``datasets`` costs about 0.6 s of a
    command's start, and a JSONL job never needs it."""
    import datasets

    _STR = datasets.Value("string")
    _F32 = datasets.Value("float32")
    return datasets.Features(
        {
            "id": _STR,
            "source": _STR,
            "title": _STR,
            "lead": _STR,
            "body": datasets.List(_STR),
            "captions": datasets.List(_STR),
            "byline": _STR,
            "dateline": _STR,
            "text": _STR,
            "date_published": _STR,
            "date_modified": _STR,
            "authors": datasets.List(_STR),
            "url": _STR,
            "site_name": _STR,
            "section": _STR,
            "tags": datasets.List(_STR),
            "language": _STR,
            "detected_language": _STR,
            "detected_language_score": _F32,
            "image": _STR,
            "images": datasets.List({"src": _STR, "alt": _STR, "caption": _STR}),
            "comments": datasets.List(_STR),
            "meta_sources": {**{field: _STR for field in METADATA_FIELDS}, "conflicts": datasets.List(_STR)},
            "duplicate_of": _STR,
            "duplicate_score": _F32,
            "encoding": _STR,
            "lines": datasets.List({"text": _STR, "label": _STR, "confidence": _F32}),
            "summary": _STR,
            "label_source": _STR,  # where the labels come from: "model", "weak" (rules), or the input (as Article.label_source: "gold", "structured", ...)
            "models": dict.fromkeys(MODEL_KEYS, _STR),
            "timings": dict.fromkeys(TIMING_KEYS, _F32),
        }
    )


def __getattr__(name: str) -> Any:
    if name == "RECORD_FEATURES":
        return record_features()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


ERROR_FIELDS = ("id", "source", "line", "cause")


def _joined(article: Article, labels: Sequence[str | None], *wanted: str) -> str | None:
    text = " ".join(t for t, lab in zip(article.texts, labels, strict=True) if lab in wanted)
    return text or None


def _detected(article: Article) -> dict[str, Any]:
    """The page's language as the reader's filter found it, or found now (one detection a page)."""
    from vnnews.language import mark

    found = mark(article)
    return {"detected_language": found.language if found else None, "detected_language_score": found.score if found else None}


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
    unlabelled = all(lab is None for lab in labels)
    body = summary_lines(article.texts, labels)  # the record's body is what the summarizer reads
    return {
        "id": article.id,
        "source": article.source,
        "title": _joined(article, labels, "title"),
        "lead": _joined(article, labels, "lead"),
        "body": body,
        "captions": [t for t, lab in zip(article.texts, labels, strict=True) if lab == "caption"],
        "byline": _joined(article, labels, "byline"),
        "dateline": _joined(article, labels, "dateline"),
        "text": "\n\n".join(body) if unlabelled else reading_text(article.texts, labels),
        **extract_metadata(article, None if unlabelled else labels),
        **_detected(article),
        "duplicate_of": None,
        "duplicate_score": None,
        "encoding": article.meta.get("encoding"),
        "lines": lines,
        "summary": summary,
        "label_source": label_source,
        "models": {key: models.get(key) for key in MODEL_KEYS},
        "timings": {key: round(float(timings.get(key, 0.0)), 6) for key in TIMING_KEYS},
    }


def reading_text(texts: Sequence[str], labels: Sequence[str | None], marks: bool = True) -> str:
    """The article as a reader reads it: the title (its first block), lead, body,
    subheadings (``## ``) and captions (``*...*``), in page order, paragraphs apart;
    ``marks=False``: the same text without the Markdown marks (``--format txt``)."""
    parts: list[str] = []
    title_done = False
    for i, (text, label) in enumerate(zip(texts, labels, strict=True)):
        if label == "title":
            if title_done:
                continue
            parts.append(text)
            title_done = i + 1 >= len(labels) or labels[i + 1] != "title"
        elif label in ("lead", "body"):
            parts.append(text)
        elif label == "subheading":
            parts.append(f"## {text}" if marks else text)
        elif label == "caption":
            parts.append(f"*{text}*" if marks else text)
    return "\n\n".join(parts)


def error_record(article_id: str | None, source: str, cause: str, line: int | None = None) -> dict[str, Any]:
    return {"id": article_id, "source": source, "line": line, "cause": cause}
