"""HTML to lines: one line per block-level element (and per <br>-separated run
inside one), scripts, styles and other non-content elements dropped.

Each line keeps two features the text dump loses: its tag path
(``body/div.article.main#content/p``: each element with up to three classes and its
id) and its link density (the share of its characters inside <a>), which separate
navigation and related-article lists from prose. One pass over lxml's event
stream, so time is linear in the page size.

An ``<img alt>`` becomes a line of its own whose tag path ends in ``img``: the
alt text is a feature of that image line (the weak labeller and the page model
label it ``image`` from the tag), never a free-standing text line that could
pass for a caption or a title.

The document also names its own title and lead: ``<h1>``, ``og:title``,
``<meta name="description">``, ``og:description`` and a JSON-LD ``NewsArticle``'s
``headline``/``description``. They are returned as ``meta["candidates"]``
(``{"title": [...], "lead": [...]}``) for the page model to match lines against.
``label_attr`` (composed training pages only) reads each line's gold label from
the nearest ancestor carrying that attribute; the attribute is not part of the
tag path, so no feature can see it.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

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
    label: str | None = None  # from ``label_attr``, composed pages only


@dataclass
class _Buffer:
    parts: list[str] = field(default_factory=list)
    link_chars: int = 0


_NAME_CHARS = re.compile(r"[^\w-]+")
MAX_CANDIDATES = 4


def _tag_name(el: etree._Element) -> str:
    """``tag.class1.class2.class3#id``: the element as the tag path shows it."""
    classes = [_NAME_CHARS.sub("", c) for c in (el.get("class") or "").split()[:3]]
    name = ".".join([str(el.tag), *[c for c in classes if c]])
    ident = _NAME_CHARS.sub("", el.get("id") or "")
    return f"{name}#{ident}" if ident else name


def _clean(text: str | None) -> str:
    return " ".join((text or "").split())


def _jsonld_fields(root: etree._Element) -> tuple[list[str], list[str]]:
    """headline and description of JSON-LD objects that are articles."""
    titles: list[str] = []
    leads: list[str] = []

    def visit(node: Any, depth: int = 0) -> None:
        if depth > 6:
            return
        if isinstance(node, list):
            for item in node[:20]:
                visit(item, depth + 1)
        elif isinstance(node, dict):
            kind = node.get("@type")
            kinds = kind if isinstance(kind, list) else [kind]
            if any(isinstance(k, str) and k.endswith("Article") for k in kinds):
                if isinstance(node.get("headline"), str):
                    titles.append(_clean(node["headline"]))
                if isinstance(node.get("description"), str):
                    leads.append(_clean(node["description"]))
            for key in ("@graph", "mainEntity", "mainEntityOfPage"):
                if key in node:
                    visit(node[key], depth + 1)

    for script in root.iter("script"):
        if (script.get("type") or "").strip().lower() != "application/ld+json" or not script.text:
            continue
        try:
            visit(json.loads(script.text))
        except (ValueError, RecursionError):
            continue  # a broken JSON-LD block is common and never fatal
    return titles, leads


def document_candidates(root: etree._Element) -> dict[str, list[str]]:
    """What the page itself says its title and lead are, best source first,
    duplicates dropped: h1, og:title, twitter:title, JSON-LD headline; meta
    description, og:description, twitter:description, JSON-LD description."""

    def meta_content(*names: str) -> list[str]:
        found = []
        for el in root.iter("meta"):
            key = (el.get("property") or el.get("name") or "").strip().lower()
            if key in names:
                found.append(_clean(el.get("content")))
        return found

    ld_titles, ld_leads = _jsonld_fields(root)
    h1 = [_clean(el.text_content()) for el in root.iter("h1")]
    titles = h1[:2] + meta_content("og:title", "twitter:title") + ld_titles
    leads = meta_content("description", "og:description", "twitter:description") + ld_leads

    def unique(values: list[str]) -> list[str]:
        seen: dict[str, None] = {}
        for v in values:
            if v and v not in seen:
                seen[v] = None
        return list(seen)[:MAX_CANDIDATES]

    return {"title": unique(titles), "lead": unique(leads)}


def html_to_lines(html: str, label_attr: str | None = None) -> tuple[list[HtmlLine], dict[str, Any]]:
    """Parse ``html``; return its lines and page metadata (<title>, <html lang>,
    title and lead candidates). A document with no elements at all (empty,
    whitespace, a bare comment) has no lines."""
    try:
        root = lxml.html.document_fromstring(html)
    except lxml.etree.ParserError as exc:
        if "Document is empty" in str(exc):
            return [], {}
        raise
    meta: dict[str, Any] = {}
    title = root.findtext(".//title")
    if title and title.strip():
        meta["html_title"] = " ".join(title.split())
    if root.get("lang"):
        meta["lang"] = root.get("lang", "")
    candidates = document_candidates(root)
    if candidates["title"] or candidates["lead"]:
        meta["candidates"] = candidates

    lines: list[HtmlLine] = []
    path: list[str] = []  # tag names of the open elements
    block_depths: list[int] = []  # indexes into path of open block elements
    labels: list[str | None] = []  # the label attribute of each open element (composed pages)
    link_depth = 0
    buf = _Buffer()

    def current_label() -> str | None:
        return next((lab for lab in reversed(labels) if lab), None)

    def add(text: str | None) -> None:
        if text:
            buf.parts.append(text)
            if link_depth:
                buf.link_chars += len(text.strip())

    def flush() -> None:
        text = " ".join("".join(buf.parts).split())
        if text:
            block = path[: block_depths[-1] + 1] if block_depths else path
            lines.append(HtmlLine(text, "/".join(block), min(1.0, buf.link_chars / len(text)), current_label()))
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
                labels.append(None)
                continue
            if tag in BLOCK_TAGS or tag == "br":
                flush()
            path.append(_tag_name(el))
            labels.append(el.get(label_attr) if label_attr else None)
            if tag in BLOCK_TAGS:
                block_depths.append(len(path) - 1)
            if tag == "a":
                link_depth += 1
            alt = " ".join((el.get("alt") or "").split()) if tag == "img" else ""
            if alt:  # the image's own line: alt text, tag path ending in img
                flush()
                lines.append(HtmlLine(alt, "/".join(path), 1.0 if link_depth else 0.0, current_label()))
            add(el.text)
        else:  # end
            if tag not in SKIP_TAGS:
                if tag in BLOCK_TAGS:
                    flush()
                    block_depths.pop()
                if tag == "a":
                    link_depth -= 1
            path.pop()
            labels.pop()
            add(el.tail)
    flush()
    return lines, meta
