"""A rule-based labeller for pages nobody has annotated.

Five gold pages cannot train a classifier; thousands of scraped pages labelled
by rules can, if the rules' errors are known. The rules below encode how
Vietnamese news pages are laid out; their per-class precision/recall/F1 against
the gold seeds is in docs/weak-labeler.md (``vnnews weak-label --evaluate``).

Rules, first match wins (the name in brackets is what ``explain`` returns):

0. [image] an HTML image line (tag path ending in ``img``): its text is alt text.
1. [navigation] a known menu/section phrase ("Trang chủ ...", "Xem nhiều",
   "Tin bài liên quan", "Phiên bản di động", "Theo dõi ... trên", "aa").
2. [other] a known widget message ("Xin chờ trong giây lát...", "Có lỗi xảy ra").
3. [image] an image file name ("1hai 0936.jpg") or an alt slug: lower-case ASCII
   text without diacritics in a Vietnamese page.
   [navigation] (HTML) a short line made of links, before the title.
4. [advertisement] an advertising phrase ("Quảng cáo", "Tài trợ", "hotline").
5. [byline] "Nguồn: ..." / "Theo <source>" lines, and short lines of 2-4
   capitalised words with no digits or punctuation (an author's name).
6. [related] from the start of a related block to the end of the page: the block
   starts, after the title, at a related-list heading, at a title printed twice
   (on two lines, never the page's own headline or an image's alt text; or twice
   on one line: "X X" or "truncated X, then X"), or at a "[Video]" link.
7. [dateline] a short line made of a date and time ("21:00 | 08/11/2021 GMT+7").
8. [caption] "(Ảnh: ...)", "Ảnh: ...", or the line after an image line. In HTML, a
   credit makes a caption only inside a figure, a table or a caption block: a
   photo story's paragraphs end "(Ảnh: ...)" and are body.
9. [image] a line repeating the title further down (photo alt text), or a short
   unpunctuated line right before a caption.
10. [title] the line the page names as its title (h1, og:title, JSON-LD), else
    the first ``<h1>``, else the first short unpunctuated line among the first 8
    (plus the next line if this one is a kicker ending in ":"); [lead] the first
    long line after it (in HTML, the line matching the page's description first).
11. [body] long or sentence-final lines before the related block;
    [subheading] short unpunctuated lines between body lines; [other] the rest.
"""

from __future__ import annotations

import functools
import re
import unicodedata

from vnnews.ingest import Article
from vnnews.ingest.html import is_image_line, last_tag
from vnnews.text.normalize import word_key

_FOLD_CHARS = 1 << 15  # characters the fold table remembers


class _FoldTable(dict):
    """``str.translate`` table of :func:`fold`: each character to its canonical decomposition
    without combining marks ("ệ" -> "e", "đ" -> "d"), computed the first time the character is
    met. Decomposing character by character and dropping the marks gives what decomposing the
    whole text does (canonical reordering moves only the marks that are dropped)."""

    def __missing__(self, code: int) -> str:
        char = {"đ": "d", "Đ": "D"}.get(chr(code), chr(code))
        value = "".join(c for c in unicodedata.normalize("NFD", char) if not unicodedata.combining(c))
        if len(self) < _FOLD_CHARS:  # a page of every code point must not grow it without bound
            self[code] = value
        return value


_FOLD_TABLE = _FoldTable()


def fold(text: str) -> str:
    """Lower-case ASCII skeleton for phrase matching: "Xem nhiều" -> "xem nhieu"."""
    return " ".join(text.translate(_FOLD_TABLE).lower().split())


RELATED_HEADINGS = frozenset(
    fold(p)
    for p in (
        "Xem nhiều", "Đọc nhiều", "Đọc thêm", "Xem thêm", "Tin liên quan", "Tin bài liên quan",
        "Bài viết liên quan", "Các tin bài khác", "Các tin khác", "Tin khác", "Có thể bạn quan tâm",
        "Tin cùng chuyên mục", "Tin mới", "Tin mới nhất", "Tin nổi bật", "Bài liên quan",
    )
)
NAVIGATION_PHRASES = RELATED_HEADINGS | frozenset(
    fold(p)
    for p in (
        "Phiên bản di động", "Trang chủ", "Chia sẻ", "Bình luận", "In bài", "Gửi bài", "Lên đầu trang",
        "Đăng nhập", "Đăng ký", "aa", "Aa", "Quay lại", "Tiếp theo", "Trở về", "Liên hệ", "Tags", "Từ khoá",
    )
)
OTHER_PHRASES = ("xin cho trong giay lat", "dang tai", "co loi xay ra", "loading")
AD_PHRASES = ("quang cao", "tai tro", "hotline", "khuyen mai", "mua ngay", "dat hang", "advertisement")

_IMAGE_FILE_RE = re.compile(r"\.(jpe?g|png|gif|webp|bmp|svg)$", re.I)
_DATE_RE = re.compile(r"\d{1,2}[/-]\d{1,2}([/-]\d{2,4})?|\d{1,2}:\d{2}")
_DATELINE_RE = re.compile(
    r"^[\w\s,|:/\-+()]*(\d{1,2}[/-]\d{1,2}[/-]\d{2,4}|\d{1,2}:\d{2})[\w\s,|:/\-+()]*$"
)
_SENTENCE_END_RE = re.compile(r"""[.!?…:;"”'’)]$""")
_FOLLOW_RE = re.compile(r"^theo doi .{1,40} tren$")
_SOURCE_RE = re.compile(r"^(nguon|theo)\b")


def _is_name(text: str) -> bool:
    words = text.split()
    return (
        2 <= len(words) <= 4
        and len(text) <= 30
        and all(w[:1].isupper() and w.isalpha() for w in words)
    )


def _doubled(text: str) -> bool:
    """A related link that prints its title twice on one line: "X X", or a
    truncated copy before the full one ("Đổi mới, nâng cao ... Đổi mới, nâng cao
    hiệu quả ..."): the words before the second start are a prefix of the words
    from it. Four words repeating somewhere inside a long paragraph are not enough."""
    words = text.split()
    if len(words) < 8:
        return False
    head = words[:4]
    for p in range(4, len(words) - 3):
        if words[p : p + 4] == head and words[p : p + p] == words[:p]:
            return True
    return False


_CAPTION_BLOCK_RE = re.compile(r"(^|/)(figure|figcaption|td|th|em|i)([.#/]|$)")


def _is_dateline(text: str) -> bool:
    """A short line made of a date and time ("21:00 | 08/11/2021 GMT+7")."""
    return len(text) <= 40 and bool(_DATELINE_RE.match(text)) and bool(_DATE_RE.search(text))




@functools.lru_cache(maxsize=4096)
def _in_caption_block(tag_path: str) -> bool:
    """Inside a figure, a table cell, an italic block, or an element whose class says caption."""
    near = "/".join(tag_path.split("/")[-2:]).lower()
    return bool(_CAPTION_BLOCK_RE.search(tag_path)) or "caption" in near


def _vietnamese(article: Article) -> bool:
    return any(not c.isascii() for line in article.lines[:50] for c in line.text)


def weak_label(article: Article, explain: bool = False) -> list[str] | list[tuple[str, str]]:
    """Label every line of ``article`` by the rules above.

    Returns the labels, or (label, rule) pairs with ``explain=True``.
    """
    texts = article.texts
    n = len(texts)
    folded = [fold(t) for t in texts]
    labels: list[str | None] = [None] * n
    rules: list[str] = [""] * n
    vietnamese = _vietnamese(article)

    def set_(i: int, label: str, rule: str) -> None:
        if labels[i] is None:
            labels[i], rules[i] = label, rule

    lines = article.lines
    html = any(line.tag_path for line in lines)
    links = [line.link_density or 0.0 for line in lines]
    candidates = article.meta.get("candidates") or {}
    named = {word_key(c) for c in candidates.get("title", []) if c}
    images = [is_image_line(line.tag_path) for line in lines]

    # 0: an HTML image line is an image, whatever its alt text says.
    for i in range(n):
        if images[i]:
            set_(i, "image", "image line")

    # 10 (found first: the related block starts after it): the title the page names
    # (h1, og:title, JSON-LD), else its first <h1>; in HTML, links before it are menus.
    title_rule = ""
    title_at = next((i for i in range(n) if named and not images[i] and word_key(texts[i]) in named), None)
    if title_at is not None:
        title_rule = "the page's named title"
    else:
        title_at = next((i for i in range(n) if last_tag(lines[i].tag_path) == "h1"), None)
        title_rule = "first <h1>" if title_at is not None else ""
    if title_at is not None:
        for i in range(title_at):
            if links[i] >= 0.5:
                set_(i, "navigation", "links before the title")

    # 1-5: lines recognisable on their own.
    for i, (t, f) in enumerate(zip(texts, folded, strict=True)):
        if i == title_at:
            continue  # the document's own word beats a phrase rule
        if f in NAVIGATION_PHRASES or f.startswith("trang chu ") or _FOLLOW_RE.match(f):
            set_(i, "navigation", "navigation phrase")
        elif f.startswith(OTHER_PHRASES):
            set_(i, "other", "widget message")
        elif _IMAGE_FILE_RE.search(t) or (
            vietnamese and t.isascii() and t == t.lower() and len(t.split()) >= 3 and not _SENTENCE_END_RE.search(t)
        ):
            set_(i, "image", "file name or alt slug")
        elif len(t) < 120 and any(p in f for p in AD_PHRASES):
            set_(i, "advertisement", "advertising phrase")
        elif (_SOURCE_RE.match(f) and len(t.split()) <= 6) or _is_name(t):
            set_(i, "byline", "source line or author name")

    # 10, fallback: the first short line near the top (text dumps, pages without <h1>).
    if title_at is None:
        title_at = next(
            (
                i
                for i in range(min(n, 8))
                if labels[i] is None
                and len(texts[i]) < 150
                and not texts[i].endswith(".")
                and links[i] < 0.5
                and not _is_dateline(texts[i])
            ),
            None,
        )
        title_rule = "first short line"

    # 6: the related block runs from its first sign to the end of the page.
    title_text = texts[title_at] if title_at is not None else None
    start = n
    for i in range(title_at + 1 if title_at is not None and title_rule != "first short line" else 0, n):
        if folded[i] in RELATED_HEADINGS or texts[i].startswith("[Video]") or _doubled(texts[i]):
            start = i
            break
        if (
            i + 1 < n
            and texts[i] == texts[i + 1]
            and len(texts[i]) > 20
            and not images[i]
            and not images[i + 1]
            and texts[i] != title_text
            and word_key(texts[i]) not in named
        ):
            start = i
            break
    for i in range(start, n):
        set_(i, "related", "related block")

    # 7: datelines (before the related block: times inside it are related).
    for i in range(start):
        if _is_dateline(texts[i]):
            set_(i, "dateline", "date and time")

    # 8-9: captions and the image lines that go with them.
    def captionish(i: int) -> bool:
        return not lines[i].tag_path or _in_caption_block(lines[i].tag_path)

    for i in range(start):
        f = folded[i]
        if ("(anh:" in f or f.startswith("anh:") or "(anh minh hoa" in f) and captionish(i):
            set_(i, "caption", "photo credit")
        elif i > 0 and labels[i - 1] == "image" and len(texts[i]) < 300 and captionish(i):
            set_(i, "caption", "line after an image")
    for i in range(start):
        if title_at is not None and i > title_at and texts[i] == texts[title_at]:
            set_(i, "image", "title repeated as alt text")
        elif i + 1 < start and labels[i + 1] == "caption" and len(texts[i]) < 150 and not _SENTENCE_END_RE.search(texts[i]):
            set_(i, "image", "line before a caption")
    for i in range(start):  # an alt line found late still claims its caption
        if i > 0 and labels[i - 1] == "image" and labels[i] is None and len(texts[i]) < 300 and captionish(i):
            set_(i, "caption", "line after an image")

    # 10: title block and lead.
    if title_at is not None and labels[title_at] is None:
        set_(title_at, "title", title_rule)
        if texts[title_at].endswith(":") and title_at + 1 < start and labels[title_at + 1] is None:
            set_(title_at + 1, "title", "headline after a kicker")
        described = [
            i
            for i in range(title_at + 1, min(start, title_at + 10))
            if labels[i] is None and any(word_key(d) and word_key(d)[:60] in word_key(texts[i]) for d in candidates.get("lead", []))
        ]
        if described:
            set_(described[0], "lead", "the page's description")
        else:
            lead_at = next((i for i in range(title_at + 1, min(start, title_at + 6)) if labels[i] is None), None)
            if lead_at is not None and len(texts[lead_at]) >= 80:
                set_(lead_at, "lead", "first long line after the title")
    if html:
        for i in range(start):  # a line that is all link, after the title: a related item
            if links[i] >= 0.9 and (title_at is None or i > title_at):
                set_(i, "related", "linked line after the title")

    # 11: the article body.
    bodyish = [labels[i] is None and (len(texts[i]) >= 80 or bool(_SENTENCE_END_RE.search(texts[i]))) for i in range(n)]
    for i in range(start):
        if bodyish[i]:
            set_(i, "body", "long or punctuated line")
    for i in range(start):
        if labels[i] is None and len(texts[i]) < 120:
            before = i > 0 and labels[i - 1] == "body"
            after = i + 1 < n and labels[i + 1] == "body"
            if before and after:
                set_(i, "subheading", "short line between body lines")
    for i in range(n):
        set_(i, "other", "no rule")

    final = [label or "other" for label in labels]
    return list(zip(final, rules, strict=True)) if explain else final


def weak_label_article(article: Article) -> Article:
    """``article`` with weak labels, unless it already carries labels."""
    if article.label_source is not None:
        return article
    return article.with_labels(weak_label(article), "weak")  # type: ignore[arg-type]
