"""One page given as content (HTML or a text dump, str or bytes) -> :class:`Article`.

What ``vnnews.extract``, ``PageLabeler.predict`` on raw pages, ``vnnews extract`` on
stdin or a URL, the service and the datatrove step read a page with. It lives in
ingestion (not beside ``extract``) so that the models can read a raw page without
importing the extraction module that imports them.
"""

from __future__ import annotations

import re
from dataclasses import replace

from vnnews.ingest.article import Article
from vnnews.ingest.decode import declared_charset, decode_bytes
from vnnews.ingest.readers import IngestOptions, article_from_content

_HTML = re.compile(r"<\s*(?:!doctype|html|head|body|p|div|article|section|h[1-6]|br|span|a|table|ul|meta|title)\b", re.I)

# A record holds the page's words as the page writes them ("văn hóa" stays "văn hóa"): Unicode
# NFC, invisible characters dropped, spaces collapsed, tone marks where the page put them. The
# models read their own normal form (the labeller's segmenter, ``summary_source``).
PAGE_OPTIONS = IngestOptions(tone_style=None)
# ... and read for a page labeller: with the lines trafilatura keeps (vnnews.ingest.second_opinion)
MODEL_PAGE_OPTIONS = replace(PAGE_OPTIONS, second_opinion=True)


def looks_like_html(text: str) -> bool:
    """Whether ``text`` is HTML rather than a text dump (a tag among its first 5,000 characters)."""
    return bool(_HTML.search(text[:5000]))


def page_article(content: str | bytes, article_id: str = "document", source: str = "content", url: str | None = None, options: IngestOptions | None = None) -> Article:
    """The :class:`Article` of a page given as HTML or a text dump, str or bytes (bytes
    decoded as files are: byte-order marks, UTF-8, the declared charset, Windows-1258...).
    Raises IngestError when nothing is left after cleaning."""
    meta_format = None
    if isinstance(content, bytes):
        text, encoding = decode_bytes(content, declared_charset(content))
        meta_format = encoding
    else:
        text = content
    html = looks_like_html(text)
    article = article_from_content(article_id, source, html=text if html else None, text=None if html else text, options=options or PAGE_OPTIONS)
    if meta_format:
        article.meta["encoding"] = meta_format
    if url:
        article.meta["url"] = url
    return article
