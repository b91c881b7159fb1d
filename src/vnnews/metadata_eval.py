"""How well does a system read an article's metadata off real pages?

Gold: ``data/real/metadata.jsonl`` (date_published, authors, url, section per page, from
what the page shows, written and checked by a person; data/real/README.md), or the
``metadata.jsonl`` that ``vnnews.dataset.transfer`` writes from a public set's gold. Per site
and pooled, for each system:
- date to the day, and to the minute (pages whose gold has a time);
- authors exact, as a set (no author on the page: the system must give none);
- URL exact; section (case aside; pages whose gold names one).

Systems: vnnews's metadata from the model's line labels and from the rules', and the
metadata of trafilatura (its ``date``, ``author``, ``url``, first category) and htmldate
(its date, with the original date asked for and the time kept where it finds one).
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from vnnews.extras import require
from vnnews.ingest.article import site_sections

FIELDS_SCORED = ("date_day", "date_minute", "authors", "url", "section")


@dataclass
class MetaScore:
    page: str
    site: str
    date_day: bool | None
    date_minute: bool | None
    authors: bool | None
    url: bool | None
    section: bool | None
    # what the system gave and the gold says, for each field scored wrong (the report's JSON:
    # which pages to look at, and why, without a script of one's own)
    misses: dict[str, dict[str, Any]] = field(default_factory=dict)


def load_gold_metadata(path: str | Path) -> dict[str, dict[str, Any]]:
    """The gold metadata by page id (one JSON object per line)."""
    out = {}
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            out[row["id"]] = row
    return out


def _name(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).split()).casefold()


def _same_clock(date: str, gold: str) -> tuple[str, str]:
    """``date`` and ``gold`` on one clock: both in UTC where both carry a UTC offset (a page
    may print local time where the gold is in UTC, as fundus's is), else as written."""
    try:
        a, b = datetime.fromisoformat(date), datetime.fromisoformat(gold)
    except ValueError:
        return date, gold
    if a.utcoffset() is None or b.utcoffset() is None or "T" not in date or "T" not in gold:
        return date, gold
    return a.astimezone(timezone.utc).isoformat(), b.astimezone(timezone.utc).isoformat()


def score_metadata(page: str, site: str, predicted: dict[str, Any], gold: dict[str, Any]) -> MetaScore:
    """One page's scores; None where the gold or the system has nothing to compare (a gold
    without an ``authors`` key does not score authors; an empty list means none)."""
    date, gold_date = _same_clock(predicted.get("date_published") or "", gold.get("date_published") or "")
    day = (date[:10] == gold_date[:10]) if gold_date else None
    minute = None
    if gold_date and "T" in gold_date:
        minute = "T" in date and date[:16] == gold_date[:16]
    authors = {_name(a) for a in predicted.get("authors") or []} == {_name(a) for a in gold["authors"] or []} if "authors" in gold else None
    url = (predicted.get("url") or "") == gold["url"] if gold.get("url") else None
    section = (_name(predicted.get("section") or "") == _name(gold["section"])) if gold.get("section") else None
    wrong = {"date_published": day is False or minute is False, "authors": authors is False, "url": url is False, "section": section is False}
    misses = {key: {"predicted": predicted.get(key) or ([] if key == "authors" else None), "gold": gold.get(key)} for key, bad in wrong.items() if bad}
    return MetaScore(page, site, day, minute, authors, url, section, misses)


def vnnews_metadata(articles: Sequence[Any], labels: Sequence[Sequence[str]]) -> list[dict[str, Any]]:
    from vnnews.metadata import extract_metadata

    return [extract_metadata(a, labs) for a, labs in zip(articles, labels, strict=True)]


def trafilatura_metadata(html: str) -> dict[str, Any]:
    import trafilatura  # a core dependency (the second opinion, vnnews.ingest.second_opinion)
    doc = trafilatura.bare_extraction(html, with_metadata=True)
    if doc is None:
        return {}
    authors = [a.strip() for a in (doc.author or "").split(";") if a.strip()]
    categories = list(doc.categories or [])
    return {"date_published": doc.date, "authors": authors, "url": doc.url, "section": categories[0] if categories else None}


def htmldate_metadata(html: str) -> dict[str, Any]:
    htmldate = require("htmldate", "eval", "the htmldate baseline")
    date = htmldate.find_date(html, extensive_search=True, original_date=True, outputformat="%Y-%m-%dT%H:%M")
    return {"date_published": date}


def _mean_flag(flags: Sequence[bool | None]) -> str:
    known = [f for f in flags if f is not None]
    return f"{sum(known)}/{len(known)}" if known else "n/a"


def render_metadata(results: dict[str, list[MetaScore]], fields: dict[str, Sequence[str]]) -> str:
    """Tables per site and pooled: right answers / pages with a gold value, per field."""
    sites = sorted({s.site for scores in results.values() for s in scores})
    head = ["| system | pages | date (day) | date (minute) | authors | URL | section |", "|---|---:|---:|---:|---:|---:|---:|"]

    def rows(site: str | None) -> list[str]:
        out = []
        for name, scores in results.items():
            chosen = [s for s in scores if site is None or s.site == site]
            if not chosen:
                continue
            cells = [_mean_flag([getattr(s, f) for s in chosen]) if f in fields[name] else "" for f in FIELDS_SCORED]
            out.append(f"| {name} | {len(chosen)} | " + " | ".join(cells) + " |")
        return out

    text = ["## Metadata (right / pages with a gold value)", "", *head, *rows(None), ""]
    for site, heading in site_sections(sites):
        text += [f"### {heading}", "", *head, *rows(site), ""]
    text += [
        "Dates to the day and to the minute (as instants where both carry a UTC offset; only pages whose gold",
        "has a time count for the minute), authors as a set (a page without an author counts right only for",
        "no author; a gold without authors does not score them), URL exact, section case aside. An empty",
        "cell: the system has no such field. Gold: the metadata.jsonl beside the pages. Each miss, with what",
        "the system gave and what the gold says: `misses` in extraction.json's `metadata` rows.",
        "",
    ]
    return "\n".join(text)


def evaluate_metadata(
    articles: Sequence[Any],
    html_by_id: dict[str, str],
    line_systems: dict[str, Callable[[Sequence[Any]], list[list[str]]]],
    gold: dict[str, dict[str, Any]],
    baselines: bool = True,
) -> tuple[str, dict[str, list[MetaScore]]]:
    """Score vnnews's metadata (from each line system's labels) and, with ``baselines``,
    trafilatura's and htmldate's, on the pages that have gold metadata."""
    import importlib.util

    pages = [a for a in articles if a.id in gold]
    results: dict[str, list[MetaScore]] = {}
    fields: dict[str, Sequence[str]] = {}
    for name, system in line_systems.items():
        metadata = vnnews_metadata(pages, system(pages))
        results[f"vnnews, {name}"] = [score_metadata(a.id, a.site, m, gold[a.id]) for a, m in zip(pages, metadata, strict=True)]
        fields[f"vnnews, {name}"] = FIELDS_SCORED
    if baselines:
        for name, reader, has in (
            ("trafilatura", trafilatura_metadata, FIELDS_SCORED),
            ("htmldate", htmldate_metadata, ("date_day", "date_minute")),
        ):
            if importlib.util.find_spec(name) is None:
                continue
            scores = [score_metadata(a.id, a.site, reader(html_by_id[a.id]), gold[a.id]) for a in pages if a.id in html_by_id]
            results[name], fields[name] = scores, has
    return render_metadata(results, fields), results
