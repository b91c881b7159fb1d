"""A record as a person reads it: Markdown (with a YAML header of its metadata) or plain
text. One rendering for ``vnnews extract --format markdown|txt`` and ``vnnews infer
--format markdown`` (one file per article)."""

from __future__ import annotations

import hashlib
import re
from typing import Any

import yaml

_UNSAFE = re.compile(r"[^\w.-]+")


def markdown(record: dict[str, Any]) -> str:
    """The article in Markdown: a YAML header (title, dates, authors, URL, site, section,
    tags, language, image, near-duplicate), then its lines in page order: the title
    (``#``), the lead (bold), body paragraphs, subheadings (``##``), images
    (``![alt](src)``) with their captions (italic), and the summary last when there is one."""
    header = {
        key: record.get(key)
        for key in ("title", "date_published", "date_modified", "authors", "url", "site_name", "section", "tags", "language", "image", "duplicate_of", "id", "source")
        if record.get(key) not in (None, [], "")
    }
    out = ["---", yaml.safe_dump(header, allow_unicode=True, sort_keys=False, width=1000).strip(), "---", ""]
    images = {image["alt"]: image for image in record.get("images") or [] if image.get("alt")}
    lines = record.get("lines") or []
    if not any(line.get("label") for line in lines):  # no labels (a summarize-only job): the body as it is
        out += [f"{paragraph}\n" for paragraph in record.get("body") or []]
    title_done = False
    for line in lines:
        text, label = line["text"], line.get("label")
        if label == "title" and not title_done:
            out.append(f"# {text}\n")
            title_done = True
        elif label == "lead":
            out.append(f"**{text}**\n")
        elif label in ("body",) or (label == "caption" and text in (record.get("body") or []) and text not in images):
            out.append(f"{text}\n")
        elif label == "subheading":
            out.append(f"## {text}\n")
        elif label == "image" and text in images:
            out.append(f"![{text}]({images[text]['src']})\n")
        elif label == "caption":
            out.append(f"*{text}*\n")
    if record.get("summary"):
        out += ["---", "", f"Tóm tắt (vnnews): {record['summary']}", ""]
    return "\n".join(out).rstrip() + "\n"


def plain_text(record: dict[str, Any]) -> str:
    """The article's reading text as plain text, as ``vnnews extract --format txt`` prints
    it: the words of ``text`` without its Markdown marks (no ``## `` before subheadings, no
    ``*`` around captions), paragraphs apart."""
    from vnnews.inference.records import reading_text

    lines = record.get("lines") or []
    if any(line.get("label") for line in lines):
        text = reading_text([line["text"] for line in lines], [line.get("label") for line in lines], marks=False)
    else:
        text = record.get("text") or ""
    return text.rstrip() + "\n"


def file_name(article_id: str, suffix: str = ".md") -> str:
    """A file name for an article: its id made safe (letters, digits, ``.``, ``_``, ``-``;
    at most 80 characters) and a digest of the whole id, so ids that differ only in
    characters the name cannot hold still get their own file, and no id becomes a path."""
    safe = _UNSAFE.sub("-", article_id).strip(".-")[:80] or "article"
    return f"{safe}-{hashlib.sha1(article_id.encode('utf-8', 'surrogatepass')).hexdigest()[:8]}{suffix}"
