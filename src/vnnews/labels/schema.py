"""The line-label schema: fine labels for the classifier, coarse groups for the
questions users ask ("give me the article text", "drop the boilerplate").

docs/labels.md explains each label with examples from the seed pages and the
rules for the hard cases; keep the two in step.
"""

from __future__ import annotations

# Order matters: it is the ClassLabel order in datasets and the id order in models.
LABELS: tuple[str, ...] = (
    "title",  # headline, including a kicker line above it
    "lead",  # the sapo: summary paragraph between the title block and the body
    "body",  # article paragraphs
    "subheading",  # section heading inside the body
    "caption",  # text describing a photo, often ending "(Ảnh: ...)"
    "image",  # image file name or alt text standing alone ("1hai 0936.jpg")
    "byline",  # author, agency, "Nguồn: ..." attribution
    "dateline",  # publication date/time of this article
    "related",  # links to other articles: their titles (often twice), teasers, times
    "navigation",  # menus, breadcrumbs, section headings of link lists, "Phiên bản di động"
    "advertisement",  # ads and sponsored product blurbs
    "other",  # anything else: widget messages, errors ("Có lỗi xảy ra"), loaders
)

COARSE_LABELS: tuple[str, ...] = ("content", "caption", "boilerplate")

COARSE: dict[str, str] = {
    "title": "content",
    "lead": "content",
    "body": "content",
    "subheading": "content",
    "caption": "caption",
    "image": "boilerplate",
    "byline": "boilerplate",
    "dateline": "boilerplate",
    "related": "boilerplate",
    "navigation": "boilerplate",
    "advertisement": "boilerplate",
    "other": "boilerplate",
}

# The page's furniture: lines about other pages or about the site, never about the article
# (image, byline and dateline are boilerplate to extraction but belong to the article).
FURNITURE: tuple[str, ...] = ("related", "navigation", "advertisement", "other")

LABEL2ID: dict[str, int] = {label: i for i, label in enumerate(LABELS)}

LABEL_SOURCES: tuple[str, ...] = ("gold", "structured", "weak", "composed", "transfer")  # new sources go last: datasets store the index


def check_label(label: str) -> str:
    """Return ``label`` if it is in the schema, else raise ValueError naming the choices."""
    if label not in LABEL2ID:
        raise ValueError(f"unknown label {label!r}; expected one of: {', '.join(LABELS)}")
    return label


def coarse(label: str) -> str:
    """The coarse group (content / caption / boilerplate) of a fine label."""
    return COARSE[check_label(label)]
