"""Layout features of every line of a page: what the page model reads beside the words.

A line's label depends on where and how it sits more than on its words: a related
headline and the article's headline read alike until you see that one is a link
in a list repeated on every page of the site. Each line gets a fixed vector of
numbers, computed the same way for training and inference (:func:`page_features`):

- shape: relative position, length, punctuation, digits, capitals, dates, photo
  credits, image file names, known menu/related/ad phrases, author-like names;
- repetition: the same text elsewhere in the page, next to itself, and on other
  pages of the same site (:class:`SiteIndex`: menus and footers repeat, articles don't);
- the page's own title and lead (HTML only): how well the line matches the
  ``<h1>``/``og:title``/JSON-LD headline and the meta/og description, and where it
  sits relative to the best title match;
- the DOM (HTML only): link density, heading level, inside article/main, figure,
  figcaption, list, paragraph, header/nav/footer/aside, image line, depth, and
  words of the class and id attributes, in groups (content, title, lead, caption,
  menu, related, ad, comment, author, date, share, footer, tag, dialog), once for its own
  element and parent, and once for all the line's ancestors (the region: a related
  box, a footer) in every group but ``caption``: a ``figcaption`` or ``div.sapo``
  says what its line is, but the caption words (photo, image, media) name whole
  photo-story and gallery pages as often as a figure's wrapper, so a region called
  "photo-story" says nothing about whether a paragraph in it is a caption.

Class and id words enter as groups of known words, not as a vocabulary learnt from
training pages: a model trained on composed pages must not learn the composer's
class names. Text dumps have no DOM and no candidates: those features are 0 and
``has_dom`` / ``has_*_candidates`` say so (the page model is trained with them
dropped at random, so it also labels text dumps).
"""

from __future__ import annotations

import functools
import hashlib
import math
import re
from collections import Counter, defaultdict
from collections.abc import Sequence
from pathlib import PurePosixPath

from vnnews.cancel import StopCheck, check_stop
from vnnews.ingest import Article
from vnnews.labels.weak import AD_PHRASES, NAVIGATION_PHRASES, RELATED_HEADINGS, fold

_SENTENCE_END = re.compile(r"""[.!?…;"”'’)]$""")
_DATE = re.compile(r"\d{1,2}[/-]\d{1,2}([/-]\d{2,4})?|\d{1,2}:\d{2}|\d{1,2}h\d{0,2}\b")
_CREDIT = re.compile(r"\((ảnh|anh|video|nguồn|nguon|đồ hoạ|đồ họa|do hoa)\s*:|^(ảnh|anh|video)\s*:", re.I)
_IMAGE_FILE = re.compile(r"\.(jpe?g|png|gif|webp|bmp|svg)$", re.I)
_WORD = re.compile(r"\w+")
_HEADING = re.compile(r"^h([1-6])$")

CLASS_GROUPS: dict[str, tuple[str, ...]] = {
    "content": ("content", "detail", "article", "body", "post", "entry", "main", "story", "singular", "fck", "news-content", "text"),
    "title": ("title", "headline", "heading", "tieu-de", "tieude"),
    "lead": ("sapo", "lead", "description", "summary", "desc", "intro", "excerpt", "brief", "chapeau", "teaser"),
    "caption": ("caption", "figcaption", "photo", "image", "img", "picture", "media", "figure", "chu-thich"),
    "menu": ("menu", "nav", "breadcrumb", "header", "topbar", "sidebar", "submenu", "navbar"),
    "related": ("related", "relate", "lien-quan", "lienquan", "tlq", "other", "more", "list", "box", "cate", "hot", "read", "suggest", "cung-chuyen-muc"),
    "ad": ("ads", "adv", "advert", "banner", "qc", "quang-cao", "quangcao", "sponsor", "promo", "admicro"),
    "comment": ("comment", "binh-luan", "binhluan", "reply", "feedback"),
    "author": ("author", "byline", "source", "tac-gia", "tacgia", "writer", "credit"),
    "date": ("date", "time", "publish", "ngay", "updated"),
    "share": ("share", "social", "facebook", "zalo", "like", "print", "font"),
    "footer": ("footer", "copyright", "bottom", "foot", "contact", "address"),
    "tag": ("tag", "keyword", "tu-khoa", "topic"),
    # cookie and privacy dialogs, sign-up, log-in and donation boxes: whole sentences outside
    # the article. Not "dialog", "overlay", "gdpr" nor "paywall": on fundus's real pages they
    # name whole-page wrappers (Drupal's dialog-off-canvas-main-canvas, body.gdpr-applies) and
    # the article text behind a paywall.
    "dialog": ("modal", "popup", "pop-up", "cookie", "consent", "newsletter", "subscribe", "login", "signup", "sign-up", "register", "toast", "donat", "onetrust", "privacy"),
}
# Groups read over every ancestor (the region a line is in): not "caption" (see above).
REGION_GROUPS: tuple[str, ...] = tuple(g for g in CLASS_GROUPS if g != "caption")
STRUCTURE_TAGS = ("header", "nav", "footer", "aside", "form")

FEATURE_NAMES: tuple[str, ...] = (
    "position", "log_chars", "words", "sentence_end", "colon_end", "digit_share", "capital_share", "all_caps",
    "photo_credit", "date_time", "ascii_slug", "image_file", "menu_phrase", "related_heading", "ad_phrase", "name_like",
    "repeat_in_page", "repeat_adjacent", "site_repeat", "has_site",
    "has_title_candidates", "title_match", "title_exact", "after_title", "title_distance",
    "has_lead_candidates", "lead_match", "lead_cover",
    "has_dom", "link_density", "h1", "h2", "h3_6", "in_article", "in_figure", "figcaption", "image_line",
    "in_list", "paragraph", "in_structure", "all_link", "depth",
    *(f"class_{g}" for g in REGION_GROUPS),
    *(f"near_class_{g}" for g in CLASS_GROUPS),
)
DOM_FEATURES: tuple[str, ...] = tuple(FEATURE_NAMES[FEATURE_NAMES.index("has_title_candidates") :])
N_FEATURES = len(FEATURE_NAMES)


def text_key(text: str) -> str:
    """A short key of a line's text, for counting repeats (case and spacing aside)."""
    return hashlib.blake2b(" ".join(text.lower().split()).encode(), digest_size=8).hexdigest()


def site_key(article: Article) -> str:
    """Which site a page belongs to, for cross-page repetition: ``meta["site"]``, else
    the URL's host, else the folder the page was read from."""
    site = article.meta.get("site")
    if site:
        return str(site)
    url = str(article.meta.get("url") or "")
    if "://" in url:
        return url.split("://", 1)[1].split("/", 1)[0].lower()
    parent = PurePosixPath(article.id).parent.as_posix()
    return parent if parent != "." else str(PurePosixPath(article.source).parent)


class SiteIndex:
    """On how many pages of each site each line text appears: page furniture (menus,
    footers, related boxes) repeats across a site's pages, article text does not.
    Built from the pages at hand (a training set, a batch of an inference job)."""

    def __init__(self, articles: Sequence[Article] = ()) -> None:
        self.pages: Counter[str] = Counter()
        self.counts: dict[str, Counter[str]] = defaultdict(Counter)
        for article in articles:
            self.add(article)

    def add(self, article: Article) -> None:
        site = site_key(article)
        self.pages[site] += 1
        self.counts[site].update({text_key(t) for t in article.texts})

    def share(self, article: Article, text: str) -> tuple[float, float]:
        """(share of the site's *other* pages that contain ``text``, 1 if there are any)."""
        return self._shares(site_key(article), [text])[0]

    def shares(self, article: Article) -> list[tuple[float, float]]:
        """:meth:`share` of every line of ``article``: what a worker process computing the
        page's features needs of the index (the index itself stays here)."""
        return self._shares(site_key(article), article.texts)

    def _shares(self, site: str, texts: Sequence[str]) -> list[tuple[float, float]]:
        others = self.pages[site] - 1
        if others <= 0:
            return [(0.0, 0.0)] * len(texts)
        counts = self.counts[site]
        return [(max(0, counts[text_key(t)] - 1) / others, 1.0) for t in texts]


def _words(text: str) -> Counter[str]:
    return Counter(_WORD.findall(text.lower()))


def _overlap(line: Counter[str], cand: Counter[str]) -> tuple[float, float]:
    """(token F1, share of the candidate covered by the line)."""
    if len(line) > len(cand):
        common = sum(min(n, line[w]) for w, n in cand.items() if w in line)
    else:
        common = sum(min(n, cand[w]) for w, n in line.items() if w in cand)
    if not common:
        return 0.0, 0.0
    n_line, n_cand = line.total(), cand.total()
    precision, recall = common / n_line, common / n_cand
    return 2 * precision * recall / (precision + recall), recall


def _is_name(text: str) -> bool:
    words = text.split()
    return 1 <= len(words) <= 4 and len(text) <= 30 and all(w[:1].isupper() and w.replace(".", "").isalpha() for w in words)


def _class_words(elements: Sequence[str]) -> set[str]:
    words: set[str] = set()
    for element in elements:
        for part in re.split(r"[.#]", element)[1:]:
            words.add(part.lower())
    return words


def _group_hits(words: set[str], groups: Sequence[str] = tuple(CLASS_GROUPS)) -> list[float]:
    return [1.0 if any(k in w for w in words for k in CLASS_GROUPS[g]) else 0.0 for g in groups]


def _dom_features(tag_path: str | None, link_density: float | None) -> list[float]:
    if not tag_path:
        return [0.0] * (len(FEATURE_NAMES) - FEATURE_NAMES.index("has_dom"))
    ld = float(link_density or 0.0)
    path = _path_features(tag_path)
    return [1.0, ld, *path[:10], float(ld >= 0.99), *path[10:]]


@functools.lru_cache(maxsize=8192)
def _path_features(tag_path: str) -> tuple[float, ...]:
    """The DOM features a tag path alone decides, computed once per distinct path (the
    lines of a list share theirs): a page costs its distinct paths, not its lines."""
    elements = tag_path.split("/")
    tags = [re.split(r"[.#]", e, maxsplit=1)[0] for e in elements]
    last = tags[-1]
    block = next((t for t in reversed(tags) if t not in ("a", "span", "b", "strong", "i", "em", "img", "font", "u")), last)
    heading = _HEADING.match(block)
    level = int(heading.group(1)) if heading else 0
    return (
        float(level == 1),
        float(level == 2),
        float(level >= 3),
        float(any(t in ("article", "main") for t in tags)),
        float("figure" in tags),
        float("figcaption" in tags),
        float(last == "img"),
        float(any(t in ("ul", "ol", "li", "dl") for t in tags)),
        float(block == "p"),
        float(any(t in STRUCTURE_TAGS for t in tags)),
        # here the line's own all_link (link density >= 0.99) goes
        min(1.0, len(tags) / 30),
        *_group_hits(_class_words(elements), REGION_GROUPS),  # any ancestor: the region the line is in
        *_group_hits(_class_words(elements[-2:])),  # the line's own element and its parent
    )


def page_features(
    article: Article, site_index: SiteIndex | None = None, should_stop: StopCheck | None = None, site_shares: Sequence[tuple[float, float]] | None = None
) -> list[list[float]]:
    """One vector of ``N_FEATURES`` numbers per line of ``article`` (see FEATURE_NAMES).
    ``site_shares``: the lines' ``SiteIndex.share`` computed already (a worker process
    has the shares, not the index). ``should_stop`` is asked every 256 lines
    (:class:`vnnews.cancel.Cancelled` once it says yes)."""
    texts = article.texts
    n = len(texts)
    if n == 0:
        return []
    keys = [text_key(t) for t in texts]
    in_page = Counter(keys)
    vietnamese = not all(t.isascii() for t in texts[:50])
    candidates = article.meta.get("candidates") or {}
    title_cands = [_words(c) for c in candidates.get("title", []) if c]
    lead_cands = [_words(c) for c in candidates.get("lead", []) if c]
    title_texts = {" ".join(c.lower().split()) for c in candidates.get("title", []) if c}
    bags = [_words(t) for t in texts]
    title_scores = [max((_overlap(b, c)[0] for c in title_cands), default=0.0) for b in bags]
    best_title = max(range(n), key=lambda i: (title_scores[i], -i)) if title_cands and max(title_scores) >= 0.6 else None
    if site_shares is None:
        site_shares = site_index.shares(article) if site_index is not None else [(0.0, 0.0)] * n
    out = []
    for i, text in enumerate(texts):
        if i % 256 == 0:
            check_stop(should_stop)
        line = article.lines[i]
        f = fold(text)
        words = text.split()
        letters = list(filter(str.isalpha, text))
        site_share, has_site = site_shares[i]
        lead_f1, lead_cover = max(((_overlap(bags[i], c)) for c in lead_cands), default=(0.0, 0.0))
        row = [
            i / (n - 1) if n > 1 else 0.0,
            min(1.0, math.log1p(len(text)) / 8),
            min(1.0, len(words) / 60),
            float(bool(_SENTENCE_END.search(text))),
            float(text.endswith(":")),
            sum(map(str.isdigit, text)) / max(1, len(text)),
            sum(w[:1].isupper() for w in words) / max(1, len(words)),
            float(len(letters) >= 2 and all(map(str.isupper, letters))),
            float(bool(_CREDIT.search(text))),
            float(bool(_DATE.search(text)) and len(text) <= 60),
            float(vietnamese and text.isascii() and text == text.lower() and len(words) >= 3 and not _SENTENCE_END.search(text)),
            float(bool(_IMAGE_FILE.search(text))),
            float(f in NAVIGATION_PHRASES or f.startswith("trang chu ")),
            float(f in RELATED_HEADINGS),
            float(len(text) < 120 and any(p in f for p in AD_PHRASES)),
            float(_is_name(text) or (f.startswith(("nguon", "theo ")) and len(words) <= 6)),
            min(1.0, (in_page[keys[i]] - 1) / 3),
            float((i > 0 and keys[i - 1] == keys[i]) or (i + 1 < n and keys[i + 1] == keys[i])),
            site_share,
            has_site,
            float(bool(title_cands)),
            title_scores[i],
            float(" ".join(text.lower().split()) in title_texts),
            float(best_title is not None and i > best_title),
            max(-1.0, min(1.0, (i - best_title) / 50)) if best_title is not None else 0.0,
            float(bool(lead_cands)),
            lead_f1,
            lead_cover,
            *_dom_features(line.tag_path, line.link_density),
        ]
        out.append(row)
    return out
