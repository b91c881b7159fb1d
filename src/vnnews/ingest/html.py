"""HTML to lines: one line per block-level element (and per <br>-separated run
inside one), scripts, styles and other non-content elements dropped.

Each line keeps two features the text dump loses: its tag path (``body/div.article/p``,
first class of each element) and its link density (the share of its characters
inside <a>), which separate navigation and related-article lists from prose.
One pass over lxml's event stream, so time is linear in the page size.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import lxml.etree as etree
import lxml.html

BLOCK_TAGS = frozenset(
    """address article aside blockquote body caption center dd details dialog div dl dt
    fieldset figcaption figure footer form h1 h2 h3 h4 h5 h6 header hgroup hr html legend
    li main nav ol p pre section summary table tbody td tfoot th thead tr ul""".split()
)
SKIP_TAGS = frozenset("script style noscript template svg math iframe object embed canvas head select button".split())


@dataclass
class HtmlLine:
    text: str
    tag_path: str
    link_density: float


@dataclass
class _Buffer:
    parts: list[str] = field(default_factory=list)
    link_chars: int = 0


def _tag_name(el: etree._Element) -> str:
    cls = (el.get("class") or "").split()
    return f"{el.tag}.{cls[0]}" if cls else str(el.tag)


def html_to_lines(html: str) -> tuple[list[HtmlLine], dict[str, str]]:
    """Parse ``html``; return its lines and page metadata (<title>, <html lang>).
    A document with no elements at all (empty, whitespace, a bare comment) has no lines."""
    try:
        root = lxml.html.document_fromstring(html)
    except lxml.etree.ParserError as exc:
        if "Document is empty" in str(exc):
            return [], {}
        raise
    meta: dict[str, str] = {}
    title = root.findtext(".//title")
    if title and title.strip():
        meta["html_title"] = " ".join(title.split())
    if root.get("lang"):
        meta["lang"] = root.get("lang", "")

    lines: list[HtmlLine] = []
    path: list[str] = []  # tag names of the open elements
    block_depths: list[int] = []  # indexes into path of open block elements
    link_depth = 0
    buf = _Buffer()

    def add(text: str | None) -> None:
        if text:
            buf.parts.append(text)
            if link_depth:
                buf.link_chars += len(text.strip())

    def flush() -> None:
        text = " ".join("".join(buf.parts).split())
        if text:
            block = path[: block_depths[-1] + 1] if block_depths else path
            lines.append(HtmlLine(text, "/".join(block), min(1.0, buf.link_chars / len(text))))
        buf.parts.clear()
        buf.link_chars = 0

    walker = etree.iterwalk(root, events=("start", "end", "comment", "pi"))
    for event, el in walker:
        if event in ("comment", "pi"):
            add(el.tail)
            continue
        tag = el.tag if isinstance(el.tag, str) else ""
        if event == "start":
            if tag in SKIP_TAGS:
                walker.skip_subtree()
                path.append(tag)
                continue
            if tag in BLOCK_TAGS or tag == "br":
                flush()
            path.append(_tag_name(el))
            if tag in BLOCK_TAGS:
                block_depths.append(len(path) - 1)
            if tag == "a":
                link_depth += 1
            alt = " ".join((el.get("alt") or "").split()) if tag == "img" else ""
            if alt:  # image alt text stands on its own line, as in text dumps
                flush()
                lines.append(HtmlLine(alt, "/".join(path), 1.0 if link_depth else 0.0))
            add(el.text)
        else:  # end
            if tag not in SKIP_TAGS:
                if tag in BLOCK_TAGS:
                    flush()
                    block_depths.pop()
                if tag == "a":
                    link_depth -= 1
            path.pop()
            add(el.tail)
    flush()
    return lines, meta
