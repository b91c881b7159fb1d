"""Real pages of other languages, labelled from public gold, for training the page labeller.

The layout of a news page (menus, related boxes, teasers, follow prompts, footers, the
article's block in the DOM) looks alike across languages, and the composer can only
imitate it. Public extraction test sets hold real pages with their article's gold text;
this turns them into labelled pages in the annotation format (``label<TAB>text``): lines of
the gold title ``title``, of the gold summary ``lead``, of section headlines ``subheading``,
of paragraphs ``body``, of image captions ``caption``, short lines naming an author
``byline``, image lines ``image``, and every other line boilerplate (link-dense lines
``navigation`` before the article and ``related`` after it, the rest ``other``).

Sources (read from a local copy; nothing is downloaded here):
- fundus (github.com/flairNLP/fundus, MIT): ``tests/resources/parser/test_data/<country>/
  <Publisher>.json`` (gold per parser version) beside ``<Publisher>_<date>.html.gz``.
  Page ids ``fundus-<country>-<Publisher>/<date>``: one site per publisher.
- Zyte's article-extraction-benchmark (github.com/scrapinghub/article-extraction-benchmark,
  MIT): ``ground-truth.json`` (``articleBody`` and ``url`` per page) beside
  ``html/<id>.html.gz``; 181 pages of 126 sites, mostly English. The gold has no title: the
  page's ``<h1>`` line that its ``<title>``, ``og:title`` or JSON-LD headline names is
  taken (a page without one is left out). Page ids ``zyte-<host>/<id>``.
- Mozilla's Readability test pages (github.com/mozilla/readability, Apache-2.0):
  ``test/test-pages/<name>/source.html`` beside ``expected.html`` (Readability's article
  HTML, reviewed by its maintainers) and ``expected-metadata.json`` (title, byline, excerpt,
  lang). Headings of ``expected.html`` are subheadings, its figure captions captions, its
  other text blocks paragraphs; the excerpt, where a line before the body prints it, the
  lead. Pages whose gold holds under ``MIN_READABILITY_PARAGRAPHS`` paragraphs (the set's
  unit tests of one feature) are left out. Page ids ``readability-<name>/page``.

Vietnamese pages of these sets are never used (the ``vn`` folder is skipped): they, and the
pages of the repositories issue 38 names, are kept for evaluation elsewhere. A page whose
gold cannot be found among its lines (under ``MIN_FOUND`` of the body paragraphs, or no
title) is left out: the gold and vnnews's reading of the HTML disagree there.
"""

from __future__ import annotations

import gzip
import json
import re
import sys
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from vnnews.ingest import Article, IngestError, IngestOptions, article_from_content
from vnnews.ingest.html import metadata_titles

LABEL_SOURCE = "transfer"
MIN_FOUND = 0.9  # share of the gold's body paragraphs that must be found among the page's lines
SKIP_COUNTRIES = frozenset({"vn"})  # kept for evaluation elsewhere (issue 38)
SKIP_HOST_SUFFIXES = (".vn",)  # Vietnamese sites of any set: kept for evaluation elsewhere
MIN_PART_CHARS = 25  # a line shorter than this labels as a paragraph's only when it is the whole paragraph
MIN_READABILITY_PARAGRAPHS = 5  # fewer: one of Readability's unit-test pages, not an article page


def _key(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).lower()
    return " ".join(re.sub(r"[^\w\s]", " ", text).split())


@dataclass
class Gold:
    title: str
    leads: list[str]
    headings: list[str]
    paragraphs: list[str]
    captions: list[str]
    authors: list[str]


@dataclass
class TransferPage:
    """One page: its id, HTML, lines (as vnnews reads the HTML) and their labels."""

    page_id: str
    html: str
    article: Article
    labels: list[str]
    found: float  # share of gold body paragraphs found
    metadata: dict[str, Any] | None = None  # what the gold says of the page beside its text (date_published, authors, url)


def fundus_gold(entry: dict[str, Any]) -> Gold:
    body = entry.get("body") or {}
    sections = body.get("sections") or []
    captions = [str(i.get("caption")) for i in entry.get("images") or [] if isinstance(i, dict) and i.get("caption")]
    return Gold(
        str(entry.get("title") or ""),
        [str(t) for t in body.get("summary") or []],
        [str(h) for s in sections for h in s.get("headline") or []],
        [str(p) for s in sections for p in s.get("paragraphs") or []],
        captions,
        [str(a) for a in entry.get("authors") or [] if isinstance(a, str)],
    )


def fundus_metadata(entry: dict[str, Any]) -> dict[str, Any]:
    """The gold's publishing date (ISO 8601, to the second, with its UTC offset) and authors,
    for ``vnnews evaluate extraction``'s metadata scores; a date it cannot read is left out."""
    out: dict[str, Any] = {"authors": [str(a) for a in entry.get("authors") or [] if isinstance(a, str) and a.strip()]}
    try:
        out["date_published"] = datetime.fromisoformat(str(entry.get("publishing_date") or "")).isoformat(timespec="seconds")
    except ValueError:
        pass
    return out


def label_lines(article: Article, gold: Gold) -> tuple[list[str], float]:
    """Labels for ``article``'s lines from ``gold``, and the share of body paragraphs found."""
    texts = [_key(t) for t in article.texts]
    exact: dict[str, str] = {}
    for label, parts in (("caption", gold.captions), ("subheading", gold.headings), ("lead", gold.leads), ("body", gold.paragraphs)):
        for part in parts:
            exact[_key(part)] = label
    parts_of = [(_key(p), lab) for lab, ps in (("lead", gold.leads), ("body", gold.paragraphs), ("caption", gold.captions)) for p in ps]
    title = _key(gold.title)
    authors = [_key(a) for a in gold.authors if len(_key(a)) >= 4]
    labels: list[str] = []
    title_at = next((i for i, t in enumerate(texts) if t == title and "h1" in (article.lines[i].tag_path or "")), None)
    if title_at is None:
        title_at = next((i for i, t in enumerate(texts) if t == title), None)
    for i, (text, line) in enumerate(zip(texts, article.lines, strict=True)):
        path = line.tag_path or ""
        if i == title_at:
            labels.append("title")
        elif path.endswith("img") or path.rsplit("/", 1)[-1].startswith("img"):
            labels.append("image")
        elif text in exact and text:
            labels.append(exact[text])
        elif len(text) >= MIN_PART_CHARS and (hit := next((lab for part, lab in parts_of if text in part), None)):
            labels.append(hit)
        elif authors and len(text) <= 80 and any(a in text for a in authors):
            labels.append("?byline")  # kept only near the article, below
        else:
            labels.append("")
    content = [i for i, lab in enumerate(labels) if lab in ("body", "lead", "subheading", "title")]
    first, last = (content[0], content[-1]) if content else (len(labels), -1)
    for i, lab in enumerate(labels):
        if lab == "?byline":
            labels[i] = "byline" if first - 5 <= i <= last + 5 else "other"
        if lab:
            continue
        dense = article.lines[i].link_density >= 0.5
        headline = len(article.texts[i].split()) >= 5  # a linked headline; short links are menus and footers
        labels[i] = ("related" if dense and headline and i > first else "navigation") if dense else "other"
    found = {_key(p) for p in gold.paragraphs}
    seen = sum(1 for p in found if p and any(p == t or (len(t) >= MIN_PART_CHARS and t in p) for t in texts))
    return labels, (seen / len(found) if found else 0.0)


def fundus_pages(root: str | Path, options: IngestOptions | None = None) -> Iterator[TransferPage]:
    """Every page of a fundus checkout's test data that its gold labels well enough
    (``root``: the repository, or its ``tests/resources/parser/test_data`` folder)."""
    root = Path(root)
    data = root / "tests" / "resources" / "parser" / "test_data" if (root / "tests").is_dir() else root
    options = options or IngestOptions(tone_style=None)
    for country in sorted(p for p in data.iterdir() if p.is_dir() and p.name not in SKIP_COUNTRIES):
        for gold_file in sorted(country.glob("*.json")):
            publisher = gold_file.stem
            try:
                versions = json.loads(gold_file.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                continue
            pages = []
            for html_file in sorted(country.glob(f"{publisher}_*.html.gz")):
                try:
                    html = gzip.decompress(html_file.read_bytes()).decode("utf-8", errors="replace")
                    date = html_file.name.removesuffix(".html.gz").removeprefix(f"{publisher}_")
                    pages.append((html_file, html, article_from_content(f"fundus-{country.name}-{publisher}/{date}", str(html_file), html=html, options=options)))
                except (OSError, IngestError):
                    continue
            used: set[Path] = set()
            for entry in versions.values() if isinstance(versions, dict) else []:
                if not isinstance(entry, dict):
                    continue
                gold = fundus_gold(entry)
                best: TransferPage | None = None
                for html_file, html, article in pages:
                    if html_file in used or not gold.title or _key(gold.title) not in {_key(t) for t in article.texts}:
                        continue
                    labels, found = label_lines(article, gold)
                    if best is None or found > best.found:
                        best = TransferPage(article.id, html, article, labels, found, fundus_metadata(entry))
                if best is not None and best.found >= MIN_FOUND:
                    used.add(next(f for f, _, a in pages if a.id == best.page_id))
                    yield best


def _named_titles(article: Article) -> list[str]:
    """The keys of the titles a page names for itself: ``<title>``, ``og:title``, JSON-LD
    headlines (not ``meta["candidates"]``: it holds the page's ``<h1>`` texts, which would
    name themselves)."""
    names = [str(article.meta.get("html_title") or ""), *metadata_titles(article.meta)]
    return [k for k in (_key(n) for n in names) if k]


def page_title(article: Article) -> str:
    """The text of the page's ``<h1>`` line that one of its named titles holds (a site's
    name may follow it in ``<title>``); "" when there is none."""
    named = _named_titles(article)
    for line in article.lines:
        if "h1" not in (line.tag_path or "").replace(".", "/").split("/"):
            continue
        key = _key(line.text)
        if len(key) >= 10 and any(key in n for n in named):
            return line.text
    return ""


def zyte_gold(entry: dict[str, Any], title: str) -> Gold:
    """Zyte's ``articleBody``: paragraphs separated by newlines; the title found on the page."""
    body = str(entry.get("articleBody") or "")
    return Gold(title, [], [], [p.strip() for p in body.split("\n") if p.strip()], [], [])


def zyte_pages(root: str | Path, options: IngestOptions | None = None) -> Iterator[TransferPage]:
    """Every page of a copy of Zyte's article-extraction-benchmark (``ground-truth.json``
    and ``html/``) that its gold labels well enough; no page of a ``.vn`` host."""
    from urllib.parse import urlparse

    root = Path(root)
    options = options or IngestOptions(tone_style=None)
    gold_file = root / "ground-truth.json"
    try:
        truth = json.loads(gold_file.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise ValueError(f"{gold_file}: not the benchmark's ground truth (JSON: {exc})") from None
    if not isinstance(truth, dict):
        raise ValueError(f"{gold_file}: not the benchmark's ground truth (an object of pages expected)")
    for page_id, entry in sorted(truth.items()):
        if not isinstance(entry, dict):
            continue
        host = urlparse(str(entry.get("url") or "")).netloc.lower().removeprefix("www.")
        if not host or host.endswith(SKIP_HOST_SUFFIXES):
            continue
        try:
            html = gzip.decompress((root / "html" / f"{page_id}.html.gz").read_bytes()).decode("utf-8", errors="replace")
            article = article_from_content(f"zyte-{host}/{page_id[:16]}", str(root / "html" / f"{page_id}.html.gz"), html=html, options=options)
        except (OSError, EOFError, IngestError):
            continue
        title = page_title(article)
        if not title:
            continue
        labels, found = label_lines(article, zyte_gold(entry, title))
        if found >= MIN_FOUND:
            yield TransferPage(article.id, html, article, labels, found, {"url": str(entry["url"])})


_GOLD_HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
_GOLD_TEXT_BLOCKS = frozenset({"p", "li", "blockquote", "pre", "td", "th", "dd", "dt", "figcaption", "div", "section", "article", "header", "footer", "aside", "main"}) | _GOLD_HEADINGS
_GOLD_BLOCKS = _GOLD_TEXT_BLOCKS | {"figure", "ul", "ol", "table", "tr", "tbody", "thead"}  # these hold blocks, never text of their own


def html_gold_blocks(html: str) -> tuple[list[str], list[str], list[str]]:
    """(headings, paragraphs, captions) of an article given as HTML (Readability's
    ``expected.html``): the text of each element no block element is nested in, a block
    inside a ``figcaption`` counted as the caption's."""
    from lxml import html as lxml_html

    root = lxml_html.fromstring(html or "<div></div>")
    headings: list[str] = []
    paragraphs: list[str] = []
    captions: list[str] = []
    for element in root.iter():
        tag = element.tag if isinstance(element.tag, str) else ""
        if tag not in _GOLD_TEXT_BLOCKS:
            continue
        if any(isinstance(child.tag, str) and child.tag in _GOLD_BLOCKS for child in element.iterdescendants()):
            continue  # the nested blocks carry the text
        text = " ".join(element.text_content().split())
        if not text:
            continue
        if tag in _GOLD_HEADINGS:
            headings.append(text)
        elif tag == "figcaption" or any(a.tag == "figcaption" for a in element.iterancestors()):
            captions.append(text)
        else:
            paragraphs.append(text)
    return headings, paragraphs, captions


def readability_gold(expected_html: str, metadata: dict[str, Any], article: Article) -> Gold:
    """The gold of one Readability test page: ``expected.html``'s blocks, the metadata's
    title and byline, and its excerpt as the lead where a line before the body prints it
    (Readability takes the excerpt from the page's description or first paragraph: the
    latter is body, not a lead)."""
    headings, paragraphs, captions = html_gold_blocks(expected_html)
    excerpt = _key(str(metadata.get("excerpt") or ""))
    leads: list[str] = []
    if excerpt:
        keys = [_key(t) for t in article.texts]
        body = {_key(p) for p in paragraphs} - {excerpt}
        first_body = next((i for i, k in enumerate(keys) if k and k in body), len(keys))
        if any(k == excerpt for k in keys[:first_body]):
            leads = [str(metadata["excerpt"])]
            paragraphs = [p for p in paragraphs if _key(p) != excerpt]
    byline = str(metadata.get("byline") or "").strip()
    return Gold(str(metadata.get("title") or ""), leads, headings, paragraphs, captions, [byline] if byline else [])


def readability_pages(root: str | Path, options: IngestOptions | None = None) -> Iterator[TransferPage]:
    """Every page of a copy of Mozilla's Readability (the repository, or its
    ``test/test-pages`` folder) that its gold labels well enough: an article page (at
    least ``MIN_READABILITY_PARAGRAPHS`` gold paragraphs) whose title is one of its lines,
    in no Vietnamese (``lang`` vi)."""
    root = Path(root)
    data = root / "test" / "test-pages" if (root / "test").is_dir() else root
    options = options or IngestOptions(tone_style=None)
    for folder in sorted(p for p in data.iterdir() if p.is_dir()):
        try:
            metadata = json.loads((folder / "expected-metadata.json").read_text(encoding="utf-8"))
            source = (folder / "source.html").read_bytes().decode("utf-8", errors="replace")
            expected = (folder / "expected.html").read_bytes().decode("utf-8", errors="replace")
        except (OSError, ValueError):
            continue
        if not isinstance(metadata, dict) or str(metadata.get("lang") or "").lower().startswith("vi"):
            continue
        try:
            article = article_from_content(f"readability-{folder.name}/page", str(folder / "source.html"), html=source, options=options)
        except IngestError:
            continue
        gold = readability_gold(expected, metadata, article)
        if len(gold.paragraphs) < MIN_READABILITY_PARAGRAPHS or not gold.title or _key(gold.title) not in {_key(t) for t in article.texts}:
            continue
        labels, found = label_lines(article, gold)
        if found >= MIN_FOUND:
            yield TransferPage(article.id, source, article, labels, found, {"authors": gold.authors} if gold.authors else None)


def write_transfer_pages(pages: Iterator[TransferPage], out_dir: str | Path, source: str) -> int:
    """Write ``pages/<id>.html`` and ``annotations/<id>.tsv`` (with a ``# label-source:``
    line) under ``out_dir``, and ``metadata.jsonl`` (the gold's date, authors or URL per
    page, where the source has them); returns how many pages were written."""
    out = Path(out_dir)
    n = 0
    metadata: list[dict[str, Any]] = []
    for page in pages:
        html_path = out / "pages" / f"{page.page_id}.html"
        tsv_path = out / "annotations" / f"{page.page_id}.tsv"
        html_path.parent.mkdir(parents=True, exist_ok=True)
        tsv_path.parent.mkdir(parents=True, exist_ok=True)
        html_path.write_text(page.html, encoding="utf-8")
        lines = [f"# Labels for {page.page_id}.html from the public gold of {source} ({page.found:.0%} of its body paragraphs found). See docs/labels.md.\n",
                 f"# label-source: {LABEL_SOURCE}\n"]
        lines += [f"{label}\t{line.text}\n" for label, line in zip(page.labels, page.article.lines, strict=True)]
        tsv_path.write_text("".join(lines), encoding="utf-8")
        if page.metadata:
            metadata.append({"id": page.page_id, **page.metadata, "note": f"from the public gold of {source}"})
        n += 1
    if metadata:  # beside pages/, where `vnnews evaluate extraction` looks for gold metadata
        (out / "metadata.jsonl").write_text("".join(json.dumps(row, ensure_ascii=False) + "\n" for row in metadata), encoding="utf-8")
    return n


def main(argv: list[str] | None = None) -> int:
    """``python -m vnnews.dataset.transfer SOURCE -o OUT`` (a fundus checkout, a copy of
    Zyte's benchmark or of Mozilla's Readability): the labelled pages, to
    build a dataset with (``vnnews build-dataset data/raw OUT/pages ...
    "annotations_dir=[data/annotations, OUT/annotations]"``)."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m vnnews.dataset.transfer", description=main.__doc__)
    parser.add_argument(
        "source",
        help="a local copy of github.com/flairNLP/fundus (or its tests/resources/parser/test_data), "
        "or of github.com/scrapinghub/article-extraction-benchmark (ground-truth.json and html/), "
        "or of github.com/mozilla/readability (or its test/test-pages)",
    )
    parser.add_argument("-o", "--output", required=True, help="a new folder: pages/, annotations/ and metadata.jsonl are written there")
    args = parser.parse_args(argv)
    out = Path(args.output)
    if out.exists() and any(out.iterdir()):
        parser.error(f"{out} is not empty: give a new folder")
    source = Path(args.source)
    if not source.is_dir():
        parser.error(f"{source}: no such folder (a local copy of one of the sets above)")
    if (source / "ground-truth.json").is_file():
        try:
            n = write_transfer_pages(zyte_pages(source), out, "Zyte's article-extraction-benchmark (github.com/scrapinghub/article-extraction-benchmark, MIT)")
        except ValueError as exc:
            parser.error(str(exc))
    elif (source / "test" / "test-pages").is_dir() or any((p / "expected.html").is_file() for p in source.iterdir() if p.is_dir()):
        n = write_transfer_pages(readability_pages(source), out, "Mozilla's Readability test pages (github.com/mozilla/readability, Apache-2.0)")
    else:
        n = write_transfer_pages(fundus_pages(source), out, "fundus (github.com/flairNLP/fundus, MIT)")
    if not n:
        print(f"no labelled page: {source} holds none of fundus's, Zyte's or Readability's pages that pass the checks", file=sys.stderr)
        return 1
    print(f"{n} labelled page(s) -> {out}/pages, {out}/annotations")
    return 0


__all__ = ["LABEL_SOURCE", "TransferPage", "fundus_gold", "fundus_metadata", "fundus_pages", "label_lines", "html_gold_blocks", "main", "page_title", "readability_gold", "readability_pages", "write_transfer_pages", "zyte_gold", "zyte_pages"]


if __name__ == "__main__":
    raise SystemExit(main())
