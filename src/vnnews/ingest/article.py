"""The unit every stage passes on: an article as a sequence of lines."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

_SURROGATE = re.compile("[\ud800-\udfff]")


def lone_surrogate(text: str) -> int | None:
    """Index of the first lone surrogate in ``text`` (valid JSON can hold one, "\\ud800";
    a file name of bytes that are not UTF-8 decodes to some), else None. No output
    format can store one: UTF-8 has no encoding for it."""
    if text.isascii():
        return None
    found = _SURROGATE.search(text)
    return found.start() if found else None


def printable(text: str) -> str:
    """``text`` with lone surrogates written as escapes (``\\udcff``): what a source
    path, an error message or a record may hold and every output can store."""
    return text if lone_surrogate(text) is None else text.encode("utf-8", "backslashreplace").decode("utf-8")


@dataclass(frozen=True, slots=True)
class Line:
    """One block of a page: a paragraph, heading, caption, link, ...

    ``tag_path`` and ``link_density`` come from HTML input only (None for plain
    text): where the block sits in the DOM and the share of its characters that
    are inside links, two strong boilerplate signals. ``label`` is set for gold,
    structured and weakly labelled lines. ``src`` is an image line's image address
    (HTML ``<img src>``, or its lazy-loading ``data-src``), for the record's images.
    """

    text: str
    tag_path: str | None = None
    link_density: float | None = None
    label: str | None = None
    src: str | None = None


@dataclass(slots=True)
class Article:
    """A page after ingestion. ``id`` is stable across runs (relative path without
    suffix, or the record's id), ``source`` says where it came from ("file" or
    "file:line" for JSONL), ``meta`` holds what the reader learnt (format,
    encoding, HTML <title>, URL, ...). ``label_source`` is "gold", "structured" or
    "weak" once every line has a label, else None."""

    id: str
    source: str
    lines: list[Line]
    meta: dict[str, Any] = field(default_factory=dict)
    label_source: str | None = None

    @property
    def texts(self) -> list[str]:
        return [line.text for line in self.lines]

    @property
    def labels(self) -> list[str | None]:
        return [line.label for line in self.lines]

    @property
    def site(self) -> str:
        """The site of a page read from a folder of sites (data/real/pages/<site>/...):
        the first folder of its id; "(none)" for an id without one. Evaluation per site
        and self-training that leaves sites out both group pages by it."""
        return self.id.split("/", 1)[0] if "/" in self.id else NO_SITE

    def texts_labelled(self, *labels: str) -> list[str]:
        """Texts of the lines labelled with any of ``labels``, in page order."""
        return [line.text for line in self.lines if line.label in labels]

    def with_labels(self, labels: list[str], source: str) -> Article:
        """A copy whose lines carry ``labels`` (one per line) from ``source``."""
        if len(labels) != len(self.lines):
            raise ValueError(f"{self.id}: {len(labels)} labels for {len(self.lines)} lines")
        lines = [
            Line(line.text, line.tag_path, line.link_density, label, line.src)
            for line, label in zip(self.lines, labels, strict=True)
        ]
        return Article(self.id, self.source, lines, dict(self.meta), source)


NO_SITE = "(none)"  # Article.site of a page not read from a folder of sites


def site_sections(sites: set[str] | list[str]) -> list[tuple[str, str]]:
    """(site, heading) for the per-site sections of a report: none when every page is
    outside a site folder (the "All pages" table already is that section), and a heading
    that says so for such pages beside sites."""
    names = sorted(set(sites))
    if names == [NO_SITE]:
        return []
    return [(s, "pages outside a site folder" if s == NO_SITE else s) for s in names]


class IngestError(Exception):
    """One input that could not be read; ingestion reports it and goes on."""

    def __init__(self, source: str, cause: str, line: int | None = None, article_id: str | None = None) -> None:
        # every part may come from outside (a file name, a record's id): kept writable
        self.source, self.cause, self.line = printable(source), printable(cause), line
        self.article_id = printable(article_id) if article_id is not None else None
        super().__init__(str(self))

    def __str__(self) -> str:
        where = f"{self.source}:{self.line}" if self.line is not None else self.source
        return f"{where}: {self.cause}"
