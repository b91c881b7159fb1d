"""What a newsroom reads off an article page beside its text (issue 22): dates, authors,
canonical URL, site name, section, tags, language, the main image and every image with
its caption, comments.

Sources, most trusted first: the page's JSON-LD article object, then OpenGraph and
``article:*`` / publication <meta> tags, schema.org microdata and RDFa on any element
(``itemprop="datePublished"``, ``itemprop="author"``), a ``<time>`` the page marks as the
publication time, ``<link rel=canonical>``, ``<html lang>``, the
fields of a JSONL record (``url``, ``date``, ``category``), then the page's own lines as
the classifier labelled them (``dateline`` and ``byline`` lines parsed; breadcrumbs), the
page's other ``<time>`` elements when they agree on one day, ``<a rel="author">``, and
last the URL (some sites write the time in their article ids). Each field says where it
came from (``meta_sources``), and values that disagree with the one kept are recorded as
conflicts (a JSON-LD date two days from the dateline's). Bad values (dates that do not
exist or lie in the future, authors that are URLs or outlets, a JSON-LD block that is
broken, huge or 100 levels deep) give another source's value or null, never an error.

Measured against trafilatura's and htmldate's metadata on the real pages of data/real:
``vnnews evaluate extraction`` (docs/classifier.md).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from typing import Any

from vnnews import urls
from vnnews.metadata.dates import When, parse_all, parse_iso, parse_text, parse_url
from vnnews.metadata.people import is_outlet, people

FIELDS = ("date_published", "date_modified", "authors", "url", "site_name", "section", "tags", "language", "image")
CONTENT = ("title", "lead", "body", "subheading", "caption")
# publication <meta> names, as OpenGraph, Dublin Core, CMSs (Parse.ly, Sailthru) and sites write them
_PUBLISHED_META = ("article:published_time", "og:article:published_time", "og:published_time", "article:published", "datepublished",
                   "date_published", "pubdate", "publishdate", "publish-date", "publish_date", "dc.date.issued", "dcterms.issued",
                   "dc.date.created", "dcterms.created", "dc.date", "dcterms.date", "parsely-pub-date", "sailthru.date", "date")
_MODIFIED_META = ("article:modified_time", "og:article:modified_time", "article:modified", "og:updated_time", "datemodified", "dc.date.modified",
                  "dcterms.modified", "lastmod", "last-modified")
_HOME = re.compile(r"^(trang chủ|trang chu|home)\b\s*[›»>/|:-]*\s*", re.I)
_LANG = re.compile(r"^[a-z]{2,3}(?:[-_][A-Za-z]{2,4})?$")
_VIETNAMESE = frozenset("ăâđêôơưĂÂĐÊÔƠƯ") | frozenset(chr(c) for c in range(0x1EA0, 0x1EFA))
MAX_TAGS, MAX_IMAGES, MAX_COMMENTS = 30, 100, 200


class _Found:
    """Field values with their sources and the disagreements met."""

    def __init__(self) -> None:
        self.values: dict[str, Any] = {}
        self.sources: dict[str, str | None] = dict.fromkeys(FIELDS)
        self.conflicts: list[str] = []

    def offer(self, field: str, value: Any, source: str) -> None:
        """Keep ``value`` unless the field has one already (sources come most trusted first)."""
        if value in (None, "", []):
            return
        if self.values.get(field) in (None, "", []):
            self.values[field] = value
            self.sources[field] = source


def _first_str(value: Any, depth: int = 0) -> str | None:
    """A string from a JSON-LD value: the string, the first string of a list, an object's
    ``@id``/``url``/``name`` (at most four levels down: deeper nesting is no value)."""
    if isinstance(value, str):
        return value.strip()[:2000] or None
    if depth >= 4:
        return None
    if isinstance(value, list):
        return next((s for s in (_first_str(v, depth + 1) for v in value[:10]) if s), None)
    if isinstance(value, dict):
        return next((s for s in (_first_str(value.get(k), depth + 1) for k in ("@id", "url", "name", "contentUrl")) if s), None)
    return None


def _http(url: str | None, base: str | None = None) -> str | None:
    """An absolute http(s) URL, resolved against ``base``; None for anything else."""
    if not url or len(url) > 2000:
        return None
    url = url.strip()
    if base and not url.startswith(("http://", "https://")):
        joined = urls.join(base, url)
        if joined is None:
            return None
        url = joined
    if url.startswith("//"):
        url = "https:" + url
    parts = urls.split(url)
    return url if parts is not None and parts.scheme in ("http", "https") and parts.netloc else None


def _clean(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).split())


def _dates(found: _Found, field: str, whens: list[tuple[str, When | None]]) -> None:
    """Keep the first date of ``whens`` (source, When) and record the others that
    disagree with it by more than a day (a time zone apart is not a conflict)."""
    kept: When | None = None
    for source, when in whens:
        if when is None:
            continue
        if kept is None:
            kept = when
            found.offer(field, when.iso, source)
        elif abs(_ordinal(when) - _ordinal(kept)) > 1:
            found.conflicts.append(f"{field}: {when.day} ({source}) disagrees with {kept.day} ({found.sources[field]})")


def _unanimous(whens: Sequence[When | None]) -> When | None:
    """The first of the dates when all name one day, else None: a page's unmarked
    ``<time>`` elements may be the article's or a related list's, and only agreement
    (or a single one) says which."""
    days = [w for w in whens if w is not None]
    return days[0] if days and len({w.day for w in days}) == 1 else None


def _ordinal(when: When) -> int:
    import datetime as dt

    return dt.date.fromisoformat(when.day).toordinal()


def _tags(value: Any) -> list[str]:
    """Tags from a JSON-LD ``keywords`` (a comma-separated string or a list) or <meta> values."""
    items = value if isinstance(value, list) else [value]
    out: list[str] = []
    for item in items[:MAX_TAGS]:
        if isinstance(item, str):
            for tag in item.split(","):
                tag = _clean(tag)
                if 0 < len(tag) <= 80 and tag not in out:
                    out.append(tag)
    return out[:MAX_TAGS]


def _language(value: str | None) -> str | None:
    if not value or not _LANG.match(value.strip()):
        return None
    return value.strip().replace("_", "-").split("-")[0].lower()


def _detect_language(texts: Sequence[str]) -> str | None:
    """"vi" when the text's letters are Vietnamese (its own letters: ă đ ơ ư, tone-marked
    vowels), None when there is too little text to tell."""
    sample = "".join(texts)[:5000]
    letters = sum(map(str.isalpha, sample))
    if letters < 40:
        return None
    return "vi" if sum(map(_VIETNAMESE.__contains__, unicodedata.normalize("NFC", sample))) >= 0.02 * letters else None


def _site_name(value: str | None) -> str | None:
    """A site name, not a description some sites put in og:site_name."""
    if not value:
        return None
    value = _clean(value)
    return value if 0 < len(value) <= 60 and len(value.split()) <= 8 else None


def _span(labels: Sequence[str | None]) -> tuple[int, int]:
    """(first, last + 1) of the article's content lines; (0, 0) when none."""
    content = [i for i, lab in enumerate(labels) if lab in CONTENT]
    return (content[0], content[-1] + 1) if content else (0, 0)


# Class words of the element (or its parent) that names the page's section: a breadcrumb,
# a "main category" heading, the heading of a section's sub-menu ("submn").
_SECTION_WORDS = re.compile(r"breadcrumb|maincate|main-cate|cate-?name|category-?name|chuyen-?muc|section-?name|submn|sub-?menu-?title", re.I)


def _breadcrumb(lines: Sequence[Any], labels: Sequence[str | None], title_at: int | None) -> str | None:
    """The section the page names before its title: the first item of a breadcrumb (or
    of a block whose class says category or sub-menu heading), or a "Trang chủ X" line."""
    for line in lines[: title_at if title_at is not None else len(lines)]:
        own = "/".join((line.tag_path or "").split("/")[-2:])
        if own and _SECTION_WORDS.search(own if "breadcrumb" not in (line.tag_path or "").lower() else "breadcrumb"):
            text = _HOME.sub("", line.text).strip()
            if text and len(text) <= 40 and not line.tag_path.endswith("img"):
                return text
    if title_at:
        window = lines[max(0, title_at - 4) : title_at]
        for k, line in enumerate(window):
            m = _HOME.match(line.text)
            if m and 0 < len(line.text[m.end() :].strip()) <= 40:  # "Trang chủ Sống khoẻ"
                return line.text[m.end() :].strip()
            if m and not line.text[m.end() :].strip() and k + 1 < len(window):  # a home link, then the section
                after = window[k + 1].text.strip()
                if 0 < len(after) <= 30 and not _HOME.match(after) and not after.lower().startswith(("quay lại", "back")):
                    return after
    return None


def _jsonld_section(crumbs: Sequence[str], ld: dict[str, Any], site: str | None) -> str | None:
    """The section a JSON-LD BreadcrumbList names: its first item that is not the home
    page, the site itself or the article's own headline (lists often end with it)."""
    headline = _clean(ld["headline"]).casefold() if isinstance(ld.get("headline"), str) else None
    for name in crumbs:
        name = _clean(_HOME.sub("", name))
        if not name or name.casefold() == headline or is_outlet(name, site):
            continue
        return name
    return None


def _byline_names(article: Any, marked: Sequence[int], site: str | None, refused: list[str]) -> list[str]:
    """The names of the first run of adjacent byline lines that gives any: a page has one
    byline ("Bài: X" / "Ảnh: Y", "Theo Vân Anh" / "Lao Động" are adjacent lines), and other
    short lines a labeller calls bylines on unseen layouts (a photo credit, a "related"
    heading, a tag, a share button) lie elsewhere; taking every run let them all in."""
    runs: list[list[int]] = []
    for i in marked:
        if runs and i == runs[-1][-1] + 1:
            runs[-1].append(i)
        else:
            runs.append([i])
    for run in runs:
        names = people([article.lines[i].text for i in run], site, refused)
        if names:
            return names
    return []


def _images(article: Any, labels: Sequence[str | None], base: str | None) -> list[dict[str, str | None]]:
    """Every image line inside the article (between its first and last content line)
    with its address and caption (the caption line next to it)."""
    start, end = _span(labels)
    out: list[dict[str, str | None]] = []
    lines = article.lines
    for i in range(start, end):
        line = lines[i]
        if labels[i] != "image" or not line.src:
            continue
        src = _http(line.src, base) or line.src
        caption = None
        for j in (i + 1, i + 2, i - 1):
            if 0 <= j < len(lines) and labels[j] == "caption":
                caption = lines[j].text
                break
            if j == i + 1 and 0 <= j < len(lines) and labels[j] in ("body", "image", "title", "subheading"):
                break
        out.append({"src": src, "alt": line.text, "caption": caption})
        if len(out) >= MAX_IMAGES:
            break
    return out


def _comments(article: Any, labels: Sequence[str | None]) -> list[str]:
    """Lines inside a comment block (class or id words of the comment group), apart from the article."""
    from vnnews.layout import CLASS_GROUPS

    keys = CLASS_GROUPS["comment"]
    in_comments: dict[str, bool] = {}  # per distinct tag path (the lines of a block share theirs)
    out = []
    for line, label in zip(article.lines, labels, strict=True):
        if label in CONTENT or not line.tag_path:
            continue
        inside = in_comments.get(line.tag_path)
        if inside is None:
            path = line.tag_path.lower()
            inside = in_comments[line.tag_path] = any(k in part for part in path.split("/") for k in keys)
        if inside:
            out.append(line.text)
            if len(out) >= MAX_COMMENTS:
                break
    return out


def extract_metadata(article: Any, labels: Sequence[str | None] | None) -> dict[str, Any]:
    """The metadata fields of one article (see the module docstring), with
    ``meta_sources`` (field -> source, and ``conflicts``), ``images`` and ``comments``.
    ``labels``: the article's line labels (None: no lines are read)."""
    labels = list(labels) if labels is not None else [None] * len(article.lines)
    doc = article.meta.get("document") or {}
    meta: dict[str, list[str]] = doc.get("meta") or {}
    ld = next((a for a in doc.get("jsonld") or [] if isinstance(a, dict)), {})
    record = {k: article.meta.get(k) for k in ("url", "date", "category") if isinstance(article.meta.get(k), str)}
    found = _Found()

    def first(*keys: str) -> tuple[str | None, str | None]:
        for key in keys:
            for value in meta.get(key) or []:
                if value.strip():
                    return value.strip(), key
        return None, None

    # url: where the rest is resolved against
    for value, source in (
        (doc.get("canonical"), "canonical"), (first("og:url")[0], "opengraph"), (_first_str(ld.get("url")), "json-ld"),
        (_first_str(ld.get("mainEntityOfPage")), "json-ld"), (record.get("url"), "record"),
    ):
        found.offer("url", _http(value), source)
    url = found.values.get("url")

    # dates: the dateline lines, nearest the title first; else a short dated line next to the title
    title_at = next((i for i, lab in enumerate(labels) if lab == "title"), None)
    near = (lambda i: abs(i - title_at)) if title_at is not None else (lambda i: i)
    marked = sorted((i for i, lab in enumerate(labels) if lab == "dateline"), key=near)
    datelines = [w for i in marked for w in parse_all(article.lines[i].text)]  # a line may hold the publication and the update
    dateline_source = "dateline"
    if title_at is not None and not datelines:
        around = [i for i in range(max(0, title_at - 6), min(len(labels), title_at + 7)) if labels[i] not in CONTENT and len(article.lines[i].text) <= 80]
        datelines = [w for i in sorted(around, key=near) for w in parse_all(article.lines[i].text)]
        dateline_source = "dateline (near the title)"
    published = [w for w in datelines if not w.modified]
    modified = [w for w in datelines if w.modified]
    meta_pub = [(f"meta:{key}", parse_iso(v)) for key in _PUBLISHED_META for v in (meta.get(key) or [])[:1]]
    meta_mod = [(f"meta:{key}", parse_iso(v)) for key in _MODIFIED_META for v in (meta.get(key) or [])[:1]]
    micro: dict[str, list[str]] = doc.get("microdata") or {}
    micro_pub = [(f"microdata:{key}", parse_iso(v)) for key in ("datepublished", "datecreated") for v in (micro.get(key) or [])[:1]]
    micro_mod = [("microdata:datemodified", parse_iso(v)) for v in (micro.get("datemodified") or [])[:1]]
    times = [t for t in doc.get("times") or [] if isinstance(t, dict) and isinstance(t.get("value"), str)]
    marked_times = [("time (publication)", parse_iso(t["value"])) for t in times if t.get("marked")][:1]
    _dates(found, "date_published", [
        ("json-ld", parse_iso(_first_str(ld.get("datePublished")) or "")), ("json-ld", parse_iso(_first_str(ld.get("dateCreated")) or "")),
        *[(s.replace("meta:article:", "opengraph:"), w) for s, w in meta_pub], *micro_pub, *marked_times,
        ("record", parse_iso(record.get("date", "")) or parse_text(record.get("date", ""))),
        *[(dateline_source, w) for w in published[:1]], ("time", _unanimous([parse_iso(t["value"]) for t in times if not t.get("marked")])),
        ("url", parse_url(url or "")),
    ])
    _dates(found, "date_modified", [
        ("json-ld", parse_iso(_first_str(ld.get("dateModified")) or "")), *[(s.replace("meta:article:", "opengraph:"), w) for s, w in meta_mod],
        *micro_mod, *[(dateline_source, w) for w in modified[:1]],
    ])
    if found.values.get("date_published") is None and found.values.get("date_modified"):
        # a page that shows only when it was updated ("Cập nhật: ...") is dated by that
        found.offer("date_published", found.values["date_modified"], f"{found.sources['date_modified']} (updated; no other date)")

    # site name first: authors that name the outlet are dropped
    parts = urls.split(url) if url else None
    host = parts.netloc.removeprefix("www.") if parts is not None and parts.netloc else None
    publisher = ld.get("publisher")
    for value, source in (
        (first("og:site_name")[0], "opengraph"), (_first_str(publisher.get("name")) if isinstance(publisher, dict) else None, "json-ld"),
        (first("application-name")[0], "meta:application-name"), (host, "url"),
    ):
        found.offer("site_name", _site_name(value), source)
    site = found.values.get("site_name")

    # authors: byline lines around the article (a menu the labeller took for bylines is far from it)
    start, end = _span(labels)
    near_article = range(max(0, start - 3), min(len(labels), end + 6)) if end else range(len(labels))
    tags_on_page = {t.casefold() for t in doc.get("tags") or []}
    marked_bylines = [i for i in near_article if labels[i] == "byline" and article.lines[i].text.casefold() not in tags_on_page]
    for values, source in (
        ([ld.get("author"), ld.get("creator")], "json-ld"), ((micro.get("author") or micro.get("creator") or [])[:1], "microdata:author"),
        (meta.get("author") or [], "meta:author"), (meta.get("article:author") or [], "opengraph:author"), (marked_bylines, "byline"),
        ((micro.get("rel=author") or [])[:1], "rel=author"),
    ):
        refused: list[str] = []
        if source == "byline":
            names = _byline_names(article, marked_bylines, site, refused)
        else:
            names = people([v for v in values if v is not None], site, refused, structured=source != "rel=author")
        if refused and not found.values.get("authors"):  # said only where the candidates could have been the authors
            found.conflicts.append(f"authors: {', '.join(repr(r) for r in refused[:5])} from {source} refused (not a person's name)")
        found.offer("authors", names, source)

    # section
    section_ld = _first_str(ld.get("articleSection"))
    prefix = next((w.prefix for w in published if w.prefix and len(w.prefix) <= 40 and not any(c.isdigit() for c in w.prefix)), None)
    for value, source in (
        (section_ld, "json-ld"), ((micro.get("articlesection") or [None])[0], "microdata:articlesection"), (first("article:section")[0], "opengraph"),
        (record.get("category"), "record"), (_breadcrumb(article.lines, labels, title_at), "breadcrumb"),
        (_jsonld_section(doc.get("breadcrumb") or [], ld, site), "json-ld breadcrumb"), (prefix, "dateline"),
    ):
        found.offer("section", _clean(value) if value and len(value) <= 80 else None, source)

    # tags, language, image
    for value, source in ((meta.get("article:tag"), "opengraph"), (ld.get("keywords"), "json-ld"), (meta.get("news_keywords"), "meta:news_keywords"), (doc.get("tags"), "tag-list")):
        found.offer("tags", _tags(value) if value else [], source)
    for value, source in (
        (_first_str(ld.get("inLanguage")), "json-ld"), (doc.get("lang"), "html-lang"), (first("content-language", "language")[0], "meta:content-language"),
        (first("og:locale")[0], "opengraph"),
    ):
        found.offer("language", _language(value), source)
    found.offer("language", _detect_language(article.texts[:200]), "text")
    images = _images(article, labels, url)
    for value, source in (
        (first("og:image", "og:image:secure_url")[0], "opengraph"), (first("twitter:image")[0], "meta:twitter:image"),
        (_first_str(ld.get("image")) or _first_str(ld.get("thumbnailUrl")), "json-ld"), (images[0]["src"] if images else None, "image-line"),
    ):
        found.offer("image", _http(value, url), source)

    out = {field: found.values.get(field) for field in FIELDS}
    out["authors"] = out["authors"] or []
    out["tags"] = out["tags"] or []
    out["images"] = images
    out["comments"] = _comments(article, labels)
    out["meta_sources"] = {**found.sources, "conflicts": found.conflicts}
    return out


__all__ = ["FIELDS", "extract_metadata", "is_outlet", "parse_iso", "parse_text", "parse_url", "people"]
