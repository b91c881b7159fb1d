"""Draft gold labels for the real-page evaluation set (data/real/), for review.

How the gold of data/real/annotations was made: this script labels each line of a
page from its tag path with rules written per site while reading the pages
(`vnnews ingest PAGE` shows the lines), then a person reads every draft line by
line and corrects it in the .tsv; the corrections are kept in OVERRIDES below so
a re-draft reproduces the reviewed file. It is a one-off annotation aid, not an
extractor: it knows five sites' markup by name and nothing else.

    python scripts/draft_real_gold.py data/real/pages data/real/annotations [--review]
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from vnnews.ingest import iter_articles
from vnnews.labels.annotations import write_annotation

# (site prefix of the page id, tag-path regex, label); first match wins.
RULES: list[tuple[str, str, str]] = [
    ("", r"/img[^/]*$", "image"),
    ("", r"figcaption|PhotoCMS_Caption", "caption"),
    # Dân trí desktop (2022): article.singular-container, e-magazine and photo stories
    ("dantri.com.vn/2022", r"/h1[^/]*$", "title"),
    ("dantri.com.vn/2022", r"singular-sapo|e-magazine__sapo", "lead"),
    ("dantri.com.vn/2022", r"(singular-content|e-magazine__body)(/div\.content-box[^/]*)?/h[2-6][^/]*$", "subheading"),
    ("dantri.com.vn/2022", r"(singular-content|e-magazine__body)(/div\.content-box[^/]*)?/p$", "body"),
    ("dantri.com.vn/2022", r"singular-source", "byline"),
    ("dantri.com.vn/2022", r"article-related|article-event", "related"),
    ("dantri.com.vn/2022", r"nav\.menu|breadcrumbs|header", "navigation"),
    # Dân trí and Gia đình mobile (detail_w layout)
    ("", r"detail_w/h1$", "title"),
    ("", r"detail_w/div\.publishdate", "dateline"),
    ("", r"detail_w/h2\.ovh\.sapo", "lead"),
    ("", r"detail_w/div\.ovh\.social", "navigation"),
    ("", r"detail_w/div\.ovh\.content/div#div(first|end)/p$", "body"),
    # afamily / kenh14 mobile (post-content layout)
    ("", r"post-content[^/]*/h1\.post-title", "title"),
    ("", r"post-content[^/]*/p\.post-meta", "byline"),
    ("", r"post-content[^/]*/h2\.post-sapo", "lead"),
    ("", r"div\.listmenu", "dateline"),
    ("", r"#detailmain", "body"),
    ("", r"e-magazine__maincate|wrapper/div/ol|submn_w|allmost", "navigation"),
    ("", r"div\.ovh\.rela/|div\.ovh\.cath|div\.relate|cateRalted|category-type2|hot-news|news-other|NewsRelation|#TLQ|ttsk|dnn_w|tabTin|div\.group", "related"),
    ("", r"tags", "navigation"),
    # cafef mobile
    ("", r"#briefNews", "lead"),
    ("", r"div\.clearfix#a1/div#div(first|end)/(div/)?p$", "body"),
    ("", r"div\.clearfix#a1/div#div(first|end)/div/div$", "byline"),
    ("", r"divContentNews[^/]*/div$", "dateline"),
    ("", r"divContentNews[^/]*/div/h1", "title"),
    ("", r"newsDetail[^/]*/p\.time", "dateline"),
    ("", r"newsDetail[^/]*/h1", "title"),
    ("", r"h2\.initNewsContent", "lead"),
    ("", r"#newsContent/div#div(first|end)$", "body"),
    # Gia đình mobile (detail layout)
    ("", r"div\.detail/h1$", "title"),
    ("", r"div\.detail/p\.time", "dateline"),
    ("", r"div\.detail/h3$", "lead"),
    ("", r"div\.detail/div\.content/div#div(first|end)/(p|div)$", "body"),
    # page furniture everywhere
    ("", r"footer|copyright|foo_owner", "navigation"),
    ("", r"header|menu|submenu|nav|#divExtend|#divSearch|backlbl|font-control|sitemap|linkTop", "navigation"),
]

BYLINE = re.compile(r"^(Theo|Nguồn)\b.{0,40}$|^[\w./-]+(\s[\w./-]+){0,3}$")


def bylines(labels: list[str], texts: list[str]) -> None:
    """Short unpunctuated lines closing the body ("Thảo Trần", "PV", "Theo VietQ.vn") are bylines."""
    last_body = max((i for i, lab in enumerate(labels) if lab == "body"), default=-1)
    i = last_body
    while i >= 0 and labels[i] == "body" and BYLINE.match(texts[i]) and not texts[i].endswith((".", "!", "?", '"')):
        labels[i] = "byline"
        i -= 1


# Reviewed corrections: page id -> {line number (1-based, as in the .tsv body): label}.
OVERRIDES: dict[str, dict[int, str]] = {
    # e-magazine: the page's h1 holds only the cover image, whose alt text is the headline: the title
    "dantri.com.vn/2022/the-tran-giang-co-tren-chien-truong-ukraine-sau-10-thang-xung-dot-khoc-liet": {133: "title"},
    # <strong> section headings inside the body
    "cafef.vn/chi-phi-an-ninh-olympic-sochi": {44: "subheading", 51: "subheading"},
    # a ">> read also" link, and the source agency under the author
    "cafef.vn/mau-bao-bi-doc-dao": {42: "related", 44: "byline"},
    # photo captions in layout tables, and the credit line under one
    "giadinh.net.vn/hoc-sinh-mien-nui-vuot-song": {12: "caption", 20: "caption", 21: "caption", 56: "navigation"},
    # "Ảnh minh hoạ." is the caption of an image the saved page no longer has
    "giadinh.net.vn/hoa-chat-trong-thit-ga": {27: "caption"},
}
# kenh14's photo article: italic <div> under each photo is its caption; the text between is body.
CAPTION_DIVS = {"kenh14.vn/vo-thanh-bui": r"#detailmain/div$"}


def draft(article_id: str, tag_path: str | None) -> str:
    for prefix, pattern, label in RULES:
        if article_id.startswith(prefix) and tag_path and re.search(pattern, tag_path):
            return label
    return "other"


def main() -> None:
    pages, out = Path(sys.argv[1]), Path(sys.argv[2])
    review = "--review" in sys.argv
    for article in iter_articles([pages]):
        labels = [draft(article.id, line.tag_path) for line in article.lines]
        bylines(labels, article.texts)
        if article.id in CAPTION_DIVS:
            labels = [
                "caption" if lab == "body" and re.search(CAPTION_DIVS[article.id], line.tag_path or "") else lab
                for lab, line in zip(labels, article.lines, strict=True)
            ]
        for number, label in OVERRIDES.get(article.id, {}).items():
            labels[number - 1] = label
        path = out / f"{article.id}.tsv"
        path.parent.mkdir(parents=True, exist_ok=True)
        write_annotation(path, article, labels)
        if review:
            print("=====", article.id)
            for i, (line, label) in enumerate(zip(article.lines, labels, strict=True), start=1):
                print(f"{i:4d} {label:12s} {(line.tag_path or '')[-45:]:45s} | {line.text[:90]}")


if __name__ == "__main__":
    main()
