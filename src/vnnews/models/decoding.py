"""Decoding the page labeller's probabilities into one label per line: the rules that read
the page as a whole after the network has (one title block and one lead block, the page's
named title, image lines in HTML, link-less lines in the article's flow, body lines stranded
among boilerplate). Apart from the network (:mod:`vnnews.models.page_labeler`), so a rule
is read, tested and changed without the model: :func:`decode` takes probabilities and
what the page says about each line (texts, tag paths, link densities)."""

from __future__ import annotations

import html
import re
from collections.abc import Sequence

import torch

from vnnews.ingest.html import is_image_line
from vnnews.labels import COARSE, FURNITURE
from vnnews.text.normalize import word_key


def _blocks(labels: Sequence[str], wanted: str) -> list[tuple[int, int]]:
    blocks, start = [], None
    for i, label in enumerate([*labels, ""]):
        if label == wanted and start is None:
            start = i
        elif label != wanted and start is not None:
            blocks.append((start, i))
            start = None
    return blocks


STRAY_GAP = 3  # boilerplate lines that cut a run of article lines off the article
STRAY_SHARE = 0.2  # a cut-off run with less than this share of the article's body words is stray
CARDS_SHARE = 0.5  # ... or, where links part each of its body lines from the next, less than this share


def stray_body(
    best: Sequence[str], probs: torch.Tensor, labels: Sequence[str], texts: Sequence[str], link_densities: Sequence[float | None] | None = None,
    short: bool = True,
) -> list[int]:
    """Indices of body and subheading lines stranded among boilerplate away from the
    article: runs of article lines cut off from the main run by at least ``STRAY_GAP`` lines
    labelled boilerplate (related, navigation, advertisement, other), holding under
    ``STRAY_SHARE`` of the main run's body words and at most two body lines. On unseen
    sites these were related teasers written as whole sentences and prompts in a sidebar
    or under the article (issue 38): a boilerplate line let into the body costs more than
    the rare closing paragraph set apart from its article by a box of links.

    With ``link_densities`` (HTML), a cut-off run of any length whose body lines are each
    parted from the next by a link line (boilerplate, link density at least 0.5), holding
    under ``CARDS_SHARE`` of the main run's body words, is stray too: a list of cards
    (headline link, teaser sentence, headline link, ...), the "latest" or "same section"
    box under an article; an article's own paragraphs follow one another. ``short=False``:
    the card lists alone (after :func:`rules_fallback`, whose short runs can be an
    article cut up by boxes of links, which the rules read better than the model did)."""
    content = {"title", "lead", "body", "subheading", "caption", "image"}
    runs: list[list[int]] = []
    gap = STRAY_GAP
    for i, label in enumerate(best):
        if label in FURNITURE:
            gap += 1
        elif label in content:
            if gap >= STRAY_GAP or not runs:
                runs.append([])
            runs[-1].append(i)
            gap = 0

    def body_words(run: list[int]) -> int:
        return sum(len(texts[i].split()) for i in run if best[i] in ("body", "subheading"))

    if len(runs) < 2:
        return []
    main = max(runs, key=body_words)
    total = body_words(main)

    def linked(i: int) -> bool:
        return best[i] in FURNITURE and link_densities is not None and (link_densities[i] or 0.0) >= 0.5

    def cards(lines: list[int]) -> bool:
        return len(lines) >= 2 and all(any(linked(k) for k in range(a + 1, b)) for a, b in zip(lines, lines[1:], strict=False))

    stray = []
    for run in runs:
        if run is main or any(best[i] in ("title", "lead") for i in run):
            continue
        lines = [i for i in run if best[i] in ("body", "subheading")]
        words = body_words(run)
        if lines and ((short and len(lines) <= 2 and words < STRAY_SHARE * total) or (words < CARDS_SHARE * total and cards(lines))):
            stray += lines
    return stray


LINK_LABELS = frozenset({"related", "navigation"})  # what a page prints as links: related articles, menus
FLOW = frozenset({"body", "subheading", "lead"})


def linkless_in_flow(best: Sequence[str], link_densities: Sequence[float | None]) -> list[int]:
    """Indices of lines labelled as links (related, navigation) that hold no link at all
    (link density 0 in HTML; None, a text dump, says nothing) and sit right between two
    article lines. Related articles and menus are links; a line with none inside the
    article's flow is one of its short paragraphs or list items ("Tim Draper: 250.000 USD"),
    which a model that learned "Xem thêm: <a>headline</a>" between paragraphs may read as
    a related link by its words alone."""
    out = []
    for i in range(1, len(best) - 1):
        if best[i] in LINK_LABELS and link_densities[i] == 0 and best[i - 1] in FLOW and best[i + 1] in FLOW:
            out.append(i)
    return out


def _best_of(probs: torch.Tensor, labels: Sequence[str], i: int, wanted: Sequence[str]) -> str:
    """Line ``i``'s most probable label among ``wanted`` (its best label when none is a label)."""
    keep = [k for k, label in enumerate(labels) if label in wanted]
    return labels[max(keep, key=lambda k: float(probs[i, k]))] if keep else labels[int(probs[i].argmax())]


def _best_boilerplate(probs: torch.Tensor, labels: Sequence[str], i: int) -> str:
    return _best_of(probs, labels, i, FURNITURE)


def _next_best(probs: torch.Tensor, labels: Sequence[str], i: int, k: int, also: Sequence[str] = ()) -> str:
    """Line ``i``'s most probable label other than ``labels[k]`` (and those in ``also``)."""
    ranked = probs[i].argsort(descending=True)
    return labels[int(next(j for j in ranked if int(j) != k and labels[int(j)] not in also))]


SECOND_OPINION_BELOW = 0.9  # an article line the model gives less than this, and the rules' extractor leaves out, is boilerplate
# the title and the lead are not judged: one block each, placed by decoding, and trafilatura
# leaves many a lead out (fundus, Readability's pages: leads found 99 -> 74 of 158, 14 -> 11 of 16 when judged)
SECOND_OPINION_LABELS = ("body", "subheading")


def outside_second_opinion(best: Sequence[str], probs: torch.Tensor, labels: Sequence[str], kept: str | None, below: float = SECOND_OPINION_BELOW) -> list[int]:
    """Indices of article lines (body, subheading) the model is unsure of (the
    probability of the label it gave under ``below``) that a rule extractor left out of
    the page's text (``kept``: one "1" or "0" per line, :mod:`vnnews.ingest.second_opinion`).
    Precision first (issue 38): on unseen sites what the model let in was boilerplate the
    rules had left out; what the model is sure of stays, so the rules' own misses do not
    become the model's. No flags, or flags for other lines: nothing."""
    if kept is None or len(kept) != len(best):
        return []
    column = {label: k for k, label in enumerate(labels)}
    return [
        i for i, label in enumerate(best)
        if kept[i] == "0" and label in SECOND_OPINION_LABELS and label in column and float(probs[i, column[label]]) < below
    ]


def second_opinion_labels(best: list[str], probs: torch.Tensor, labels: Sequence[str], kept: str | None) -> list[int]:
    """Relabel :func:`outside_second_opinion`'s lines in ``best`` (each takes its most
    probable boilerplate label) and return their indices."""
    moved = outside_second_opinion(best, probs, labels, kept)
    for i in moved:
        best[i] = _best_boilerplate(probs, labels, i)
    return moved


_HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})


def _in_heading(tag_path: str | None) -> bool:
    """Some element on ``tag_path`` (``tag.class/...`` steps) is a heading, h1 to h6."""
    return bool(_HEADINGS.intersection(step.split(".", 1)[0].lower() for step in (tag_path or "").split("/")))


def image_outside_heading(tag_path: str | None) -> bool:
    """The line is an image's alt text (its tag path ends in ``img``) and no heading holds
    it: by the label conventions (docs/labels.md) such a line is ``image``, never the title,
    even when its alt text repeats the headline (a cover photo above it). A headline set as
    an image inside ``<h1>`` is the title."""
    if not tag_path:
        return False
    return is_image_line(tag_path) and not _in_heading(tag_path)


def decode(
    probs: torch.Tensor,
    labels: Sequence[str],
    texts: Sequence[str] | None = None,
    title_candidates: Sequence[str] = (),
    tag_paths: Sequence[str | None] | None = None,
    link_densities: Sequence[float | None] | None = None,
    meta_titles: Sequence[str] = (),
) -> list[str]:
    """Argmax labels, then one title block and one lead block: where the model sees
    several, the block with the largest summed probability stays (for the lead,
    the best block after the title) and the other lines take their next best label.
    When the page names its title (``title_candidates``: h1, og:title, JSON-LD) and a
    line of the title block is exactly that title, the block is that line and a
    kicker ending in ":" just before it: a byline or a restated headline next to
    the title is not part of it. With ``tag_paths`` (HTML), an image's alt text outside
    a heading is never the title (:func:`image_outside_heading`); a page left with no
    title line then takes the line that prints its named title (in a heading if one
    does), with a kicker ending in ":" just before it. In HTML a line that is no ``<img>``'s
    alt text is never ``image`` (it takes its next best label). In HTML (``link_densities``), a
    line read as a link (related, navigation) that holds no link and sits between two article
    lines is article text (:func:`linkless_in_flow`). With ``meta_titles`` (the titles the
    page's metadata gives: :func:`vnnews.ingest.html.metadata_titles`), a heading line printing one
    (a site's name beside it set aside: :func:`title_variants`) is the title where no title line
    prints one. Last, body lines stranded among
    boilerplate away from the article take their best boilerplate label (:func:`stray_body`)."""
    best = [labels[int(i)] for i in probs.argmax(-1)] if len(probs) else []
    page_texts: Sequence[str] = texts or ()
    named = {word_key(c) for c in title_candidates if c} if texts is not None and "title" in labels else set()
    structured = {word_key(v) for c in meta_titles if c for v in title_variants(c)} if texts is not None else set()
    structured.discard("")
    page_names = named | structured  # every title the page names: h1 and other candidates, og:title, JSON-LD
    if tag_paths is not None and "image" in labels and any(tag_paths):
        k = labels.index("image")
        for i, label in enumerate(best):  # in HTML an image line is an <img>'s alt text, nothing else
            if label == "image" and tag_paths[i] and not is_image_line(tag_paths[i]):
                best[i] = _next_best(probs, labels, i, k)
    if tag_paths is not None and "title" in labels:
        k = labels.index("title")
        images = [image_outside_heading(t) for t in tag_paths]
        for i, label in enumerate(best):
            if label == "title" and images[i]:
                best[i] = _next_best(probs, labels, i, k)
        if named and "title" not in best:
            _title_from_named(best, page_texts, tag_paths, images, named)
        if structured and not any(label == "title" and word_key(page_texts[i]) in structured for i, label in enumerate(best)):
            _title_from_structured(best, probs, labels, page_texts, tag_paths, images, structured)
    for wanted in ("title", "lead"):
        if wanted not in labels:
            continue
        k = labels.index(wanted)
        blocks = _blocks(best, wanted)
        if len(blocks) <= 1:
            continue
        title_end = next((e for s, e in _blocks(best, "title")), 0) if wanted == "lead" else 0
        candidates = [b for b in blocks if b[0] >= title_end] or blocks
        if wanted == "title" and page_names:  # a block printing a title the page names before the model's surest
            candidates = [b for b in candidates if any(word_key(page_texts[i]) in page_names for i in range(*b))] or candidates
        keep = max(candidates, key=lambda b: float(probs[b[0] : b[1], k].sum()))
        for s, e in blocks:
            if (s, e) == keep:
                continue
            block = [_next_best(probs, labels, i, k) for i in range(s, e)]
            touches_title = (s > 0 and best[s - 1] == "title") or (e < len(best) and best[e] == "title")
            if "title" in block and wanted == "lead" and "title" in best and not touches_title:  # the block itself is all lead
                # a lead block set aside may join the page's title (its second line, a kicker), never start a second title
                block = [_next_best(probs, labels, i, k, ("title",)) for i in range(s, e)]
            best[s:e] = block
    if named:
        k = labels.index("title")
        for s, e in _blocks(best, "title"):
            exact = [i for i in range(s, e) if word_key(page_texts[i]) in named]
            if not exact or e - s == 1:
                continue
            keep_from = exact[0] - 1 if exact[0] > s and page_texts[exact[0] - 1].rstrip().endswith(":") else exact[0]
            for i in range(s, e):
                if not keep_from <= i <= exact[0]:
                    best[i] = _next_best(probs, labels, i, k)
    if link_densities is not None and "body" in labels:
        for i in linkless_in_flow(best, link_densities):
            best[i] = _best_of(probs, labels, i, ("body", "subheading"))
    if texts is not None and "body" in labels:
        for i in stray_body(best, probs, labels, page_texts, link_densities):
            best[i] = _best_boilerplate(probs, labels, i)
    return best


# What parts a site's name from its article's title in og:title and JSON-LD headlines
# ("Tiêu đề - VnExpress", "Title | Site", "Site » Title"): a dash, bar, guillemet, middle dot
# or double colon with a space on each side.
_TITLE_SEPARATOR = re.compile(r"\s+(?:[-|–—·»]|::)\s+")
MAX_SITE_WORDS = 5  # a part set aside as the site's name has at most this many words ...
MAX_SITE_CHARS = 40  # ... and characters


def title_variants(title: str) -> list[str]:
    """``title`` as the page's metadata gives it, its HTML entities decoded (a site that
    escapes its JSON-LD twice prints "zerst&ouml;ren"), and without a short part at its
    start or end set off by a separator: the site's name, which og:title and JSON-LD
    headlines often carry and the page's heading does not ("Tiêu đề bài - VnExpress",
    "Titel - Golem.de", "見出し | 毎日新聞"). A variant is only ever matched against a whole
    line, so a title whose own text holds a dash gains a variant no heading prints."""
    out = [title]
    decoded = html.unescape(title)
    if decoded != title:
        out.append(decoded)
    for text in list(out):
        text = text.strip()
        cuts = list(_TITLE_SEPARATOR.finditer(text))
        if not cuts:
            continue
        # the site's part: the text after the last separator, or before the first; shorter
        # than what is left, which is the variant
        for site, rest in ((text[cuts[-1].end() :], text[: cuts[-1].start()]), (text[: cuts[0].start()], text[cuts[0].end() :])):
            if len(site.split()) <= MAX_SITE_WORDS and len(site) <= MAX_SITE_CHARS and len(site) < len(rest) and rest not in out:
                out.append(rest)
    return out


def _title_from_structured(
    best: list[str], probs: torch.Tensor, labels: Sequence[str], texts: Sequence[str], tag_paths: Sequence[str | None], images: Sequence[bool], structured: set[str]
) -> None:
    """Where no title line prints a title the page's metadata gives and a heading line
    does, that heading line (and a kicker ending in ":" just before it) is the title and the
    model's title lines take their next best label. On unseen layouts (fundus) the model
    read such an ``<h1>`` as navigation and called "Author of the article:" or a menu's
    "Suche nach:" the title."""
    printed = [i for i, text in enumerate(texts) if not images[i] and _in_heading(tag_paths[i]) and word_key(text) in structured]
    if not printed:
        return
    k = labels.index("title")
    for i, label in enumerate(best):
        if label == "title":
            best[i] = _next_best(probs, labels, i, k)
    _make_title(best, texts, images, printed[0])


def _title_from_named(best: list[str], texts: Sequence[str], tag_paths: Sequence[str | None], images: Sequence[bool], named: set[str]) -> None:
    """Label ``title`` the line printing the page's named title (the first such line in a
    heading, else the first that is not an image's alt text) and a kicker ending in ":"
    just before it; nothing when no line prints it."""
    printed = [i for i, text in enumerate(texts) if not images[i] and word_key(text) in named]
    if not printed:
        return
    in_heading = [i for i in printed if _in_heading(tag_paths[i])]
    _make_title(best, texts, images, (in_heading or printed)[0])


def _make_title(best: list[str], texts: Sequence[str], images: Sequence[bool], i: int) -> None:
    """Line ``i`` is the title, with a kicker ending in ":" just before it (not an image's alt text)."""
    best[i] = "title"
    if i > 0 and not images[i - 1] and texts[i - 1].rstrip().endswith(":"):
        best[i - 1] = "title"


# A safety net for a page whose article the model missed: on unseen layouts (fundus's pages
# of other languages) the model sometimes read a whole article as related links or other
# boilerplate (recall under 0.2 on 14 of 208 pages) where the rules found it.
FALLBACK_SHARE = 0.25  # the model's body words under this share of the rules' ...
FALLBACK_MIN_WORDS = 200  # ... body words, of which the rules found at least this many
FALLBACK_MAX_LINK_DENSITY = 0.5  # a line the rules call article text that is mostly links stays the model's


def _body_words(labels: Sequence[str], texts: Sequence[str]) -> int:
    return sum(len(text.split()) for text, label in zip(texts, labels, strict=True) if label == "body")


def may_have_missed_article(best: Sequence[str], texts: Sequence[str]) -> bool:
    """A cheap test that :func:`rules_fallback` could apply (its condition with every word
    of the page in place of the rules' body words, which can only be fewer): whether the
    rules are worth running on this page at all."""
    words = sum(len(t.split()) for t in texts)
    return words >= FALLBACK_MIN_WORDS and _body_words(best, texts) < FALLBACK_SHARE * words


def rules_fallback(best: Sequence[str], rules: Sequence[str], texts: Sequence[str], link_densities: Sequence[float | None]) -> list[int]:
    """Indices of lines that take the rules' label because the model missed the article:
    only where the model's body holds under ``FALLBACK_SHARE`` of the words of the rules'
    body and that body holds at least ``FALLBACK_MIN_WORDS``; then the lines the model read
    as boilerplate, the rules as article text (title, lead, body, subheading), with link
    density under ``FALLBACK_MAX_LINK_DENSITY``; the rules' title and lead lines only where the
    model found none (a page has one title and one lead: a second, from the rules, was a
    kicker, a teaser's headline or the title restated). Nothing the model read as article
    text changes. A page the model read well never meets the condition (data/real: none of 34)."""
    rules_body = _body_words(rules, texts)
    if rules_body < FALLBACK_MIN_WORDS or _body_words(best, texts) >= FALLBACK_SHARE * rules_body:
        return []
    found = {label for label in best if label in ("title", "lead")}
    return [
        i for i, (label, rule) in enumerate(zip(best, rules, strict=True))
        if label in FURNITURE and COARSE.get(rule) == "content" and rule not in found and (link_densities[i] or 0.0) < FALLBACK_MAX_LINK_DENSITY
    ]
