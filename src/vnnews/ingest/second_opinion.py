"""A second opinion on a page's article lines: which lines a rule-based extractor keeps.

Why: on sites it has never seen, the page labeller lets in lines a rule extractor leaves
out (related teasers written as sentences, site chrome, section headings: issue 38), while
trafilatura's precision on the same pages was about 1.0. Where the model reads a line as
article text but is unsure of it, and trafilatura leaves the line out of the page's text,
the line is boilerplate (:func:`vnnews.models.decoding.outside_second_opinion`). The model
still decides every line it is sure of, so trafilatura's misses (photo-story narratives,
leads, short paragraphs) stay in. Measured on unseen layouts (fundus's 208 pages, Mozilla
Readability's 53) and on data/real: docs/classifier.md, "A second opinion".

Read at ingestion, where the page's HTML still is, for the jobs whose model uses it
(``IngestOptions.second_opinion``): the lines trafilatura keeps travel in
``meta["second_opinion"]`` as one "1" or "0" per line, in line order, so a page read once
carries its own evidence to whichever process labels it.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from vnnews.text.normalize import ToneStyle, normalize, word_key

log = logging.getLogger(__name__)

EXTRACTOR = "trafilatura"
META_KEY = "second_opinion"


def extractor_text(html: str | Any) -> str | None:
    """The article text trafilatura extracts from ``html`` (comments left out), or None
    where it finds none or fails: a page it cannot read gives no opinion, never an error.
    ``html``: the page, or the ``lxml.html`` tree vnnews parsed it into (ingestion's, so the
    page is parsed once; trafilatura may change that tree)."""
    import trafilatura  # a core dependency; imported here, as only jobs that ask for the opinion need it

    from vnnews.deadline import PageTimeout

    try:
        document = trafilatura.bare_extraction(html, with_metadata=False, include_comments=False)
    except PageTimeout:
        raise  # the page's time is up (page_time_limit_s): the page fails, as it would anywhere else
    except Exception as exc:  # noqa: BLE001 - a third-party extractor on hostile pages: no opinion, the page is still read
        log.debug("no second opinion (%s: %s)", type(exc).__name__, exc)
        return None
    text = getattr(document, "text", None) if document is not None else None
    return text if text and text.strip() else None


def kept_flags(texts: Sequence[str], extracted: str, tone_style: ToneStyle | None = "new", normalized: bool = False) -> str:
    """One character per line of ``texts``: "1" where the line's words appear, in order and
    together, in ``extracted`` (case, punctuation and, with ``tone_style`` "new" or "old",
    tone-mark style aside), else "0". A line with no word is "1": nothing to judge. Lines are
    matched as runs of words, not as blocks, because extractors join and split blocks their
    own way. ``normalized``: ``texts`` are already normalised with ``tone_style``
    (ingestion's lines), so only ``extracted`` is (a third of the cost of a page's flags)."""
    haystack = f" {word_key(normalize(extracted, tone_style=tone_style))} "
    flags = []
    for text in texts:
        key = word_key(text if normalized else normalize(text, tone_style=tone_style))
        flags.append("1" if not key or f" {key} " in haystack else "0")
    return "".join(flags)


def second_opinion(html: str | Any, texts: Sequence[str], tone_style: ToneStyle | None = "new", normalized: bool = False) -> dict[str, Any] | None:
    """``{"by": "trafilatura", "kept": "1101..."}`` for a page's lines (``texts``, read as
    :func:`kept_flags` reads them), or None where the extractor gives no text (then decoding
    has no second opinion on the page)."""
    extracted = extractor_text(html)
    if extracted is None:
        return None
    return {"by": EXTRACTOR, "kept": kept_flags(texts, extracted, tone_style, normalized)}


def page_flags(meta: dict[str, Any], lines: int) -> str | None:
    """The page's flags (``meta["second_opinion"]["kept"]``) where they cover its ``lines``
    lines; None otherwise (no opinion, or lines changed after it was read)."""
    opinion = meta.get(META_KEY)
    kept = opinion.get("kept") if isinstance(opinion, dict) else None
    return kept if isinstance(kept, str) and len(kept) == lines else None
