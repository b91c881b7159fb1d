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

Hostile pages are bounded (:class:`HtmlLimits`): class and id words are cut to
``MAX_NAME_CHARS`` and a tag path keeps at most ``MAX_PATH_ELEMENTS`` elements (the
outermost and the innermost), and each path string is made once per element and
shared by every line under it, so memory grows with the page, never with
attribute size x line count. The element budget is checked before parsing (a page
with fewer ``<`` than the budget cannot exceed it) and, for a page that might,
while parsing, which stops at the budget. lxml's ``huge_tree`` keeps text nested
deeper than libxml2's default 256 levels; a page nested past its hard limit (2,048)
is refused as cut (:class:`PageTooLarge`), never silently shortened.
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


class PageTooLarge(ValueError):
    """A page past an :class:`HtmlLimits` budget, or one the parser could only read in part."""


@dataclass(frozen=True)
class HtmlLimits:
    """What one page may cost: elements parsed and lines produced (None: no limit)."""

    max_elements: int = 200_000
    max_lines: int | None = None


@dataclass
class HtmlLine:
    text: str
    tag_path: str
    link_density: float
    label: str | None = None  # from ``label_attr``, composed pages only
    src: str | None = None  # an image line's image address


@dataclass
class _Buffer:
    parts: list[str] = field(default_factory=list)
    link_chars: int = 0


_NAME_CHARS = re.compile(r"[^\w-]+")
MAX_CANDIDATES = 4
MAX_NAME_CHARS = 64  # of one class or id word in a tag path: its first and last halves (ASP.NET ids end in the telling word)
MAX_PATH_ELEMENTS = 48  # in one tag path: the outermost PATH_HEAD, a "…", and the innermost
PATH_HEAD = 8


def last_tag(tag_path: str | None) -> str:
    """The tag of a tag path's last element, lower-cased ("img" of ``body/div.photo/img.lazy``;
    "" for a text dump's line, which has no path)."""
    return (tag_path or "").rpartition("/")[2].split(".", 1)[0].split("#", 1)[0].lower()


def is_image_line(tag_path: str | None) -> bool:
    """The line is an ``<img>``'s alt text: its tag path ends in ``img`` (see the module's
    docstring). One definition for the rules (:mod:`vnnews.labels.weak`) and the page
    labeller's decoding."""
    return last_tag(tag_path) == "img"


def _word(value: str) -> str:
    if len(value) > MAX_NAME_CHARS * 4:  # cut before cleaning: a megabyte attribute costs two slices, not a regex pass
        value = value[: MAX_NAME_CHARS * 2] + value[-MAX_NAME_CHARS * 2 :]
    word = _NAME_CHARS.sub("", value)
    half = MAX_NAME_CHARS // 2
    return word if len(word) <= MAX_NAME_CHARS else word[:half] + word[-half:]


def _tag_name(el: etree._Element) -> str:
    """``tag.class1.class2.class3#id``: the element as the tag path shows it, each word
    at most ``MAX_NAME_CHARS`` characters."""
    classes = [_word(c) for c in (el.get("class") or "")[: MAX_NAME_CHARS * 16].split()[:3]]
    name = ".".join([str(el.tag), *[c for c in classes if c]])
    ident = _word(el.get("id") or "")
    return f"{name}#{ident}" if ident else name


def _image_src(el: etree._Element) -> str | None:
    """An image's address: ``src``, or the lazy-loading attribute a site keeps it in
    when ``src`` is a placeholder (``data:`` or a 1-pixel gif)."""
    for attr in ("data-src", "data-original", "data-lazy-src", "src"):
        value = (el.get(attr) or "").strip()
        if value and not value.startswith("data:") and len(value) <= 2000:
            return value
    return None


def _clean(text: str | None) -> str:
    return " ".join((text or "").split())


_ARTICLE_FIELDS = ("headline", "description", "datePublished", "dateModified", "dateCreated", "author", "creator", "articleSection",
                   "keywords", "image", "thumbnailUrl", "url", "mainEntityOfPage", "publisher", "inLanguage")
MAX_JSONLD_CHARS = 1 << 20  # of one script block; a bigger one is skipped
# An article's own text as the site gives it (``articleBody``): kept, up to this many
# characters, as evidence for site adaptation (vnnews.adapt), never as the extraction itself.
MAX_ARTICLE_BODY_CHARS = 200_000


def read_jsonld(root: etree._Element) -> tuple[list[dict[str, Any]], list[str]]:
    """The article objects (``@type`` ending in ``Article``: NewsArticle, BlogPosting is
    not one) of the page's JSON-LD blocks, in order, with their article fields only (and
    ``articleBody``, cut at ``MAX_ARTICLE_BODY_CHARS``); and
    the item names of its first ``BreadcrumbList`` (by ``position``), where sites name
    the section. A broken, huge or deeply nested block is skipped, never fatal."""
    found: list[dict[str, Any]] = []
    crumbs: list[str] = []

    def visit(node: Any, depth: int = 0) -> None:
        if depth > 6 or len(found) >= 8:
            return
        if isinstance(node, list):
            for item in node[:20]:
                visit(item, depth + 1)
        elif isinstance(node, dict):
            kind = node.get("@type")
            kinds = kind if isinstance(kind, list) else [kind]
            if any(isinstance(k, str) and (k.endswith("Article") or k in ("BlogPosting", "LiveBlogPosting")) for k in kinds):
                fields = {k: node[k] for k in _ARTICLE_FIELDS if k in node}
                if isinstance(node.get("articleBody"), str) and node["articleBody"].strip():
                    fields["articleBody"] = node["articleBody"][:MAX_ARTICLE_BODY_CHARS]
                found.append(fields)
            if "BreadcrumbList" in kinds and not crumbs:
                crumbs.extend(_crumb_names(node.get("itemListElement")))
            for key in ("@graph", "mainEntity", "breadcrumb"):
                if key in node:
                    visit(node[key], depth + 1)

    for script in root.iter("script"):
        if (script.get("type") or "").strip().lower() != "application/ld+json" or not script.text or len(script.text) > MAX_JSONLD_CHARS:
            continue
        try:
            visit(json.loads(script.text))
        except (ValueError, RecursionError):
            continue  # a broken JSON-LD block is common and never fatal
    return found, crumbs


def _crumb_names(items: Any) -> list[str]:
    """The names of a BreadcrumbList's ``itemListElement`` (``name``, or ``item.name``), by position."""
    if not isinstance(items, list):
        return []
    named: list[tuple[float, int, str]] = []
    for k, item in enumerate(items[:20]):
        if not isinstance(item, dict):
            continue
        name = item.get("name")
        if not isinstance(name, str) and isinstance(item.get("item"), dict):
            name = item["item"].get("name")
        position = item.get("position")
        if isinstance(name, str) and _clean(name):
            named.append((float(position) if isinstance(position, (int, float)) and not isinstance(position, bool) else float(k), k, _clean(name)[:200]))
    return [name for _, _, name in sorted(named)]


def _jsonld_fields(root: etree._Element, articles: list[dict[str, Any]] | None = None) -> tuple[list[str], list[str]]:
    """headline and description of JSON-LD objects that are articles."""
    articles = read_jsonld(root)[0] if articles is None else articles
    titles = [_clean(a["headline"]) for a in articles if isinstance(a.get("headline"), str)]
    leads = [_clean(a["description"]) for a in articles if isinstance(a.get("description"), str)]
    return titles, leads


# <meta> names and properties the metadata stage reads (lower-cased), and <link rel>s.
META_KEYS = frozenset(
    """og:url og:site_name og:image og:image:secure_url og:locale og:type og:updated_time article:published_time
    article:modified_time article:section article:tag article:author pubdate publishdate publish-date date dc.date
    dc.date.issued dcterms.created dcterms.modified lastmod last-modified author news_keywords keywords og:published_time
    og:article:published_time og:article:modified_time article:published article:modified datepublished datemodified date_published
    publish_date dc.date.created dc.date.modified dcterms.date dcterms.issued parsely-pub-date sailthru.date
    application-name content-language language twitter:image og:title""".split()
)
_TAG_CLASS = re.compile(r"(?:^|[-_ ])(tags?|keywords?|tu-khoa|tukhoa|the-tag|tag-list|tags-list)(?:$|[-_ ])", re.I)
# schema.org properties read from microdata (``itemprop``) and RDFa (``property``) on any
# element, as metascraper and htmldate do: CMSs without JSON-LD often mark the article's
# own date and author this way (``<meta itemprop="datePublished">`` in the body,
# ``<time itemprop="datePublished" datetime=...>``, ``<span itemprop="author">``).
MICRODATA_KEYS = frozenset({"datepublished", "datecreated", "datemodified", "author", "creator", "articlesection"})
MAX_MICRODATA = 5  # values a property keeps (the first in document order is the article's)
MAX_TIMES = 10
# a <time> the page marks as the publication time: HTML5's ``pubdate`` attribute, or a class
# or id that says so (WordPress' ``entry-date published``, ``post-date``, ``publish-time``)
_PUBLISH_MARK = re.compile(r"publish|entry-date|post-?date|posted", re.I)


def _microdata_value(el: etree._Element, key: str) -> str:
    """An element's value for a schema.org property: an author's ``name`` inside it (a
    Person), else its ``content`` or ``datetime`` attribute, else its text."""
    value: str | None = None
    if key in ("author", "creator"):
        for sub in el.iterdescendants():
            if isinstance(sub.tag, str) and "name" in (sub.get("itemprop") or sub.get("property") or "").lower().split():
                value = sub.get("content") or sub.text_content()
                break
    if value is None:
        value = el.get("content") or el.get("datetime") or el.text_content()
    return _clean(value)[:2000]


def document_metadata(root: etree._Element) -> dict[str, Any]:
    """What the document says about itself, raw, for :mod:`vnnews.metadata` to weigh:
    JSON-LD article objects and breadcrumb names, the <meta> values it reads (each a list, document order),
    schema.org microdata/RDFa properties on any element (``microdata``), the ``<time>``
    elements (``times``: value, and whether the page marks it as the publication time),
    ``<link rel=canonical>``, the page's other renderings of its article (``renderings``,
    where it links any: ``<link rel=amphtml>``, ``<link rel=alternate media=print>``),
    ``<html lang>``, and the link texts of tag lists (a block whose class or id names tags
    or keywords). Values are bounded in size and number."""
    articles, crumbs = read_jsonld(root)
    meta: dict[str, list[str]] = {}
    for el in root.iter("meta"):
        key = (el.get("property") or el.get("name") or el.get("http-equiv") or el.get("itemprop") or "").strip().lower()
        if key in MICRODATA_KEYS and not (el.get("name") or el.get("http-equiv")):
            continue  # <meta itemprop="datePublished">: schema.org microdata, read as such below
        content = (el.get("content") or "").strip()
        if key in META_KEYS and content and len(meta.setdefault(key, [])) < 20:
            meta[key].append(content[:2000])
    canonical = None
    renderings: dict[str, str] = {}  # the page's other renderings of its article: AMP, print (vnnews.adapt)
    for el in root.iter("link"):
        rel = (el.get("rel") or "")[:200].lower().split()
        href = (el.get("href") or "").strip()[:2000]
        if not href:
            continue
        if "canonical" in rel and canonical is None:
            canonical = href
        elif "amphtml" in rel:
            renderings.setdefault("amphtml", href)
        elif "alternate" in rel and "print" in {m.strip() for m in (el.get("media") or "")[:200].lower().split(",")}:
            renderings.setdefault("print", href)
    tags: list[str] = []
    microdata: dict[str, list[str]] = {}
    times: list[dict[str, Any]] = []
    for el in root.iter():
        if not isinstance(el.tag, str) or el.tag in SKIP_TAGS:
            continue
        prop = el.get("itemprop") or el.get("property")
        for key in prop[:200].lower().split() if prop else ():
            if key in MICRODATA_KEYS and len(microdata.setdefault(key, [])) < MAX_MICRODATA:
                value = _microdata_value(el, key)
                if value:
                    microdata[key].append(value)
        if el.tag == "a" and "author" in (el.get("rel") or "")[:200].lower().split() and len(microdata.setdefault("rel=author", [])) < MAX_MICRODATA:
            name = _clean(el.text_content())[:200]
            if name:
                microdata["rel=author"].append(name)  # <a rel="author">: HTML's own author link
        if el.tag == "time" and len(times) < MAX_TIMES:
            value = _clean(el.get("datetime") or el.text_content())[:200]
            marks = f"{el.get('class') or ''} {el.get('id') or ''}"[:500]
            if value:
                times.append({"value": value, "marked": el.get("pubdate") is not None or bool(_PUBLISH_MARK.search(marks))})
        if len(tags) >= 30:
            continue
        cls, ident = el.get("class"), el.get("id")
        if (cls or ident) and _TAG_CLASS.search(f"{cls or ''} {ident or ''}"[:500]):
            for a in el.iter("a"):
                text = _clean(a.text_content())
                if 0 < len(text) <= 80 and text not in tags:
                    tags.append(text)
                if len(tags) >= 30:
                    break
    out: dict[str, Any] = {
        "jsonld": articles, "breadcrumb": crumbs, "meta": meta, "microdata": microdata, "times": times,
        "canonical": canonical, "tags": tags,
    }
    if renderings:
        out["renderings"] = renderings
    if root.get("lang"):
        out["lang"] = root.get("lang", "")[:20]
    return out


def metadata_titles(meta: dict[str, Any]) -> list[str]:
    """The titles a read page's metadata gives (``meta["document"]``: ``og:title``, JSON-LD
    headlines), not its ``<h1>`` texts, which would only name themselves (as
    ``meta["candidates"]`` holds them): what the page labeller's decoding and the transfer of
    public pages match a heading against."""
    document = meta.get("document") or {}
    titles = [str(v) for v in (document.get("meta") or {}).get("og:title", [])]
    titles += [str(obj.get("headline") or "") for obj in document.get("jsonld") or [] if isinstance(obj, dict)]
    return [t for t in titles if t.strip()]


def document_candidates(root: etree._Element, articles: list[dict[str, Any]] | None = None) -> dict[str, list[str]]:
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

    ld_titles, ld_leads = _jsonld_fields(root, articles)
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


_DOCTYPE_SUBSET = re.compile(r"<!DOCTYPE[^\[>]{0,1000}\[", re.I)
_SUBSET_END = re.compile(r"\]\s*>")


def _without_internal_subset(html: str) -> str:
    """``html`` with a DOCTYPE's internal subset (``<!DOCTYPE html [ <!ENTITY ...> ]>``)
    removed: HTML parsers do not read one, and its closing ``]>`` would become a line of
    text. Its entities are never expanded, as before (no XXE, no billion laughs)."""
    start = _DOCTYPE_SUBSET.search(html, 0, 4096)
    end = _SUBSET_END.search(html, start.end()) if start else None
    return html[: start.start()] + "<!DOCTYPE html>" + html[end.end() :] if start and end else html


def _parse(html: str, limits: HtmlLimits) -> etree._Element | None:
    """The document's root (None for a document without elements). The element budget
    is checked before parsing when the page cannot exceed it, else while parsing;
    a page nested past libxml2's hard depth limit is refused as cut."""
    html = _without_internal_subset(html)
    parser = lxml.html.HTMLParser(huge_tree=True)  # one per call: a parser and its error log are not thread-safe
    if html.count("<") <= limits.max_elements:  # every element starts with "<": the budget cannot be passed
        try:
            root = lxml.html.document_fromstring(html, parser=parser)
        except lxml.etree.ParserError as exc:
            if "Document is empty" in str(exc):
                return None
            raise
    else:
        pull = etree.HTMLPullParser(events=("start",), huge_tree=True)
        pull.set_element_class_lookup(lxml.html.HtmlElementClassLookup())
        count, step = 0, 1 << 16
        for i in range(0, len(html), step):
            pull.feed(html[i : i + step])
            count += sum(1 for _ in pull.read_events())
            if count > limits.max_elements:
                raise PageTooLarge(f"more than {limits.max_elements} HTML elements (the page's element budget, max_page_elements)")
        try:
            root = pull.close()
        except etree.XMLSyntaxError:
            return None  # nothing at all was fed
        parser = pull
        if root is None:
            return None
    for entry in parser.error_log:
        if entry.type_name == "ERR_RESOURCE_LIMIT":
            raise PageTooLarge(f"cut by the HTML parser ({entry.message.split(',')[0]}): the text below that depth would be lost")
    return root


def _bounded_path(path: list[str]) -> str:
    if len(path) <= MAX_PATH_ELEMENTS:
        return "/".join(path)
    return "/".join([*path[:PATH_HEAD], "…", *path[len(path) - (MAX_PATH_ELEMENTS - PATH_HEAD - 1) :]])


def html_to_lines(html: str, label_attr: str | None = None, limits: HtmlLimits | None = None) -> tuple[list[HtmlLine], dict[str, Any]]:
    """Parse ``html``; return its lines and page metadata (<title>, <html lang>,
    title and lead candidates). A document with no elements at all (empty,
    whitespace, a bare comment) has no lines. Raises :class:`PageTooLarge` past
    ``limits`` (default :class:`HtmlLimits`)."""
    lines, meta, _root = read_html(html, label_attr, limits)
    return lines, meta


def read_html(html: str, label_attr: str | None = None, limits: HtmlLimits | None = None) -> tuple[list[HtmlLine], dict[str, Any], etree._Element | None]:
    """:func:`html_to_lines` and the parsed document (an ``lxml.html`` root, None for a
    document without elements), left as it was parsed: for a reader that reads the page once
    more (trafilatura's second opinion, :mod:`vnnews.ingest.second_opinion`) without parsing
    it again."""
    limits = limits or HtmlLimits()
    root = _parse(html, limits)
    if root is None:
        return [], {}, None
    meta: dict[str, Any] = {}
    title = root.findtext(".//title")
    if title and title.strip():
        meta["html_title"] = " ".join(title.split())
    if root.get("lang"):
        meta["lang"] = root.get("lang", "")
    document = document_metadata(root)
    candidates = document_candidates(root, document["jsonld"])
    if candidates["title"] or candidates["lead"]:
        meta["candidates"] = candidates
    meta["document"] = document

    lines: list[HtmlLine] = []
    path: list[str] = []  # tag names of the open elements
    path_strings: list[str] = []  # the tag path of each open element, made once and shared by its lines
    shared: dict[str, str] = {}  # one string object per distinct path: 10,000 list items share theirs
    block_depths: list[int] = []  # indexes into path of open block elements
    labels: list[str | None] = []  # the label attribute of each open element (composed pages)
    link_depth = 0
    elements = 0
    buf = _Buffer()
    names: dict[tuple[Any, str | None, str | None], str] = {}  # (tag, class, id) -> its name: elements repeat theirs

    def tag_name(el: etree._Element) -> str:
        key = (el.tag, el.get("class"), el.get("id"))
        if len(key[1] or "") + len(key[2] or "") > 512:  # a huge attribute is cut, never kept as a key
            return _tag_name(el)
        name = names.get(key)
        if name is None:
            name = names[key] = _tag_name(el)
        return name

    def current_label() -> str | None:
        return next((lab for lab in reversed(labels) if lab), None)

    def add(text: str | None) -> None:
        if text:
            buf.parts.append(text)
            if link_depth:
                buf.link_chars += len(text.strip())

    def emit(line: HtmlLine) -> None:
        if limits.max_lines is not None and len(lines) >= limits.max_lines:
            raise PageTooLarge(f"more than {limits.max_lines} lines (max_lines)")
        lines.append(line)

    def flush() -> None:
        text = " ".join("".join(buf.parts).split())
        if text:
            block = path_strings[block_depths[-1]] if block_depths else path_strings[-1] if path_strings else ""
            emit(HtmlLine(text, block, min(1.0, buf.link_chars / len(text)), current_label()))
        buf.parts.clear()
        buf.link_chars = 0

    def push(name: str) -> None:
        path.append(name)
        joined = f"{path_strings[-1]}/{name}" if path_strings and len(path) <= MAX_PATH_ELEMENTS else _bounded_path(path)
        path_strings.append(shared.setdefault(joined, joined))

    def pop() -> None:
        path.pop()
        path_strings.pop()

    walker = etree.iterwalk(root, events=("start", "end", "comment", "pi"))
    for event, el in walker:
        if event in ("comment", "pi"):
            add(el.tail)
            continue
        tag = el.tag if isinstance(el.tag, str) else ""
        if event == "start":
            elements += 1
            if elements > limits.max_elements:  # the parse was bounded by "<" count; this is the exact count
                raise PageTooLarge(f"more than {limits.max_elements} HTML elements (the page's element budget, max_page_elements)")
            if tag in SKIP_TAGS:
                walker.skip_subtree()
                push(tag)
                labels.append(None)
                continue
            if tag in BLOCK_TAGS or tag == "br":
                flush()
            push(tag_name(el))
            labels.append(el.get(label_attr) if label_attr else None)
            if tag in BLOCK_TAGS:
                block_depths.append(len(path) - 1)
            if tag == "a":
                link_depth += 1
            alt = " ".join((el.get("alt") or "").split()) if tag == "img" else ""
            if alt:  # the image's own line: alt text, tag path ending in img
                flush()
                emit(HtmlLine(alt, path_strings[-1], 1.0 if link_depth else 0.0, current_label(), _image_src(el)))
            add(el.text)
        else:  # end
            if tag not in SKIP_TAGS:
                if tag in BLOCK_TAGS:
                    flush()
                    block_depths.pop()
                if tag == "a":
                    link_depth -= 1
            pop()
            labels.pop()
            add(el.tail)
    flush()
    return lines, meta, root
