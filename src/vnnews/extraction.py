"""One call for one page: ``vnnews.extract(html_or_text)`` -> the record ``vnnews infer``
writes (title, lead, body, text, dates, authors, URL, images, every line labelled...).

As trafilatura's ``extract``: give the page (HTML or a text dump, str or bytes), get the
article. Without a model the rules label the lines (fast, no torch model); with
``model`` (a trained directory, a Hub id, or a loaded :class:`~vnnews.models.PageLabeler`)
the page labeller does; with ``summarizer`` a lead is written too. Models named by path
are loaded once per process.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any

from vnnews.ingest import Article
from vnnews.ingest.content import MODEL_PAGE_OPTIONS, PAGE_OPTIONS, looks_like_html, page_article
from vnnews.ingest.readers import IngestOptions

__all__ = ["MODEL_PAGE_OPTIONS", "PAGE_OPTIONS", "article_records", "extract", "looks_like_html", "page_article", "page_options"]


@functools.lru_cache(maxsize=4)
def _classifier(name: str) -> Any:
    from vnnews.models import load_classifier

    return load_classifier(name)


@functools.lru_cache(maxsize=4)
def _summarizer(name: str) -> Any:
    from vnnews.models.summarizer import Summarizer

    return Summarizer.from_pretrained(name)


def extract(
    content: str | bytes | Article,
    model: Any = None,
    summarizer: Any = None,
    url: str | None = None,
    article_id: str = "document",
    generation: dict[str, Any] | None = None,
    second_opinion: bool = True,
) -> dict[str, Any]:
    """The record of one page (the fields of :mod:`vnnews.inference.records`).

    ``content``: HTML or a page dump (str or bytes), or an :class:`Article`; ``model``:
    None or "weak" (the rules), a model directory or Hub id, or a loaded page labeller;
    ``summarizer``: None, a directory or Hub id, or a loaded Summarizer; ``url``: where the
    page was read (the URL when the page names none, and the base of relative images).
    ``second_opinion``: a page labeller weighs the body lines it is unsure of against the
    lines trafilatura keeps of an HTML page (:mod:`vnnews.ingest.second_opinion`); False: the
    model alone (trafilatura is not run). An :class:`Article` is labelled as it was read."""
    from vnnews.inference.stages import WEAK, RuleLabeller

    classifier = RuleLabeller() if model in (None, WEAK) else _classifier(str(model)) if isinstance(model, str) else model
    options = page_options(classifier) if second_opinion else PAGE_OPTIONS
    article = content if isinstance(content, Article) else page_article(content, article_id, url=url, options=options)
    writer = _summarizer(str(summarizer)) if isinstance(summarizer, str) else summarizer
    return article_records([article], classifier, writer, generation)[0]


def page_options(model: Any) -> IngestOptions:
    """How a page is read for ``model``: with the second opinion (the lines trafilatura keeps,
    :mod:`vnnews.ingest.second_opinion`) for a page labeller, given as a directory, Hub id or
    loaded model that reads it; without for the rules (None, "weak"), which do not."""
    from vnnews.inference.stages import WEAK

    if model is None or model == WEAK:
        return PAGE_OPTIONS
    if isinstance(model, str):
        return MODEL_PAGE_OPTIONS
    return MODEL_PAGE_OPTIONS if getattr(model, "reads_second_opinion", False) else PAGE_OPTIONS


def article_records(articles: Sequence[Article], classifier: Any, summarizer: Any = None, generation: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """The records of ``articles``, labelled by a loaded ``classifier`` (a page labeller or
    the rules) and summarized by a loaded ``summarizer`` (or not) in shared batches: what
    :func:`extract` does for one page, for many (the datatrove step). Each record's timings
    are its share of the batch's."""
    from vnnews.inference.records import article_record, summary_document
    from vnnews.inference.stages import Models, label_articles, summarize_documents

    labelled = label_articles(articles, classifier)
    summaries: list[str | None] = [None] * len(articles)
    if summarizer is not None:
        summaries = summarize_documents([summary_document(a, labels) for a, labels in zip(articles, labelled.labels, strict=True)], summarizer, generation=generation)
    share = max(1, len(articles))
    timings = {"segment_s": labelled.segment_s / share, "classify_s": labelled.classify_s / share}
    identities = Models(classifier, summarizer).identities()
    return [
        article_record(article, labels, confidences, origin, summary, identities, timings)
        for article, labels, confidences, origin, summary in zip(articles, labelled.labels, labelled.confidences, labelled.origins, summaries, strict=True)
    ]
