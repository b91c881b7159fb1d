"""How well does a system cut the article out of real pages?

The question users ask of an extractor, answered on real pages with gold line
labels (data/real): per site and pooled,
- bag-of-tokens precision/recall/F1 of the article text (title + lead + body +
  subheadings) against gold: Vietnamese syllables, NFC, tone marks in one style,
  lower-cased, punctuation dropped; the mean over pages, so every page counts once;
- title exact: the system's title equals the gold title (same normalisation);
- lead found: on pages that have a lead, the system's lead has token F1 >= 0.8
  against it (only systems with a lead field);
- per-label F1 over all lines, for systems that label lines (the model, the rules).

Text extractors (trafilatura, jusText, readability-lxml) are scored on what they
return: trafilatura's text with its metadata title in front, readability's summary
with its title in front, jusText's kept paragraphs. Their title is their metadata
title (jusText has none); none of them has a lead field.
"""

from __future__ import annotations

import json
import logging
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from vnnews.extras import require
from vnnews.ingest import Article
from vnnews.ingest.article import site_sections
from vnnews.labels import LABELS
from vnnews.metrics import classification_report
from vnnews.text import normalize
from vnnews.text.normalize import word_key

log = logging.getLogger(__name__)

CONTENT = ("title", "lead", "body", "subheading")
LEAD_FOUND_F1 = 0.8
@dataclass
class Extraction:
    """What a system made of one page."""

    text: str  # the article text it returns (title, lead, body as it sees them)
    title: str | None = None  # None: the system has no title field
    lead: str | None = None  # None: the system has no lead field
    labels: list[str] | None = None  # one per line, for line-labelling systems
    text_with_captions: str | None = None  # the text with its captions (None: ``text``, which has them or cannot tell)


@dataclass
class PageScore:
    page: str
    site: str
    precision: float
    recall: float
    f1: float
    title_exact: bool | None
    lead_found: bool | None  # None: the page has no lead or the system no lead field
    f1_with_captions: float = 0.0  # captions counted as article text, in the gold and the system's text
    misses: dict[str, dict[str, str]] = field(default_factory=dict)  # {"title": {"predicted", "gold"}} where the title is not exact


@dataclass
class SystemResult:
    name: str
    pages: list[PageScore] = field(default_factory=list)
    gold_labels: list[str] = field(default_factory=list)
    predicted_labels: list[str] = field(default_factory=list)
    failures: int = 0  # pages the system raised on (scored as extracting nothing)
    line_words: list[int] = field(default_factory=list)  # words of each line, beside gold_labels (line systems)


def tokens(text: str) -> Counter[str]:
    """The bag of syllables of ``text`` (normalised, lower-cased, punctuation dropped)."""
    return Counter(_words(text))


def bag_scores(predicted: str, gold: str) -> tuple[float, float, float]:
    p, g = tokens(predicted), tokens(gold)
    overlap = sum((p & g).values())
    precision = overlap / sum(p.values()) if p else (1.0 if not g else 0.0)
    recall = overlap / sum(g.values()) if g else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def _words(text: str) -> list[str]:
    return word_key(normalize(text, tone_style="new")).split()


def _same(a: str, b: str) -> bool:
    """Equal as word sequences: case, punctuation and tone-mark style aside."""
    return _words(a) == _words(b)


def from_labels(article: Article, labels: Sequence[str]) -> Extraction:
    """An Extraction from line labels: the content lines' text, the title and lead lines."""
    pick = lambda *wanted: [line.text for line, lab in zip(article.lines, labels, strict=True) if lab in wanted]  # noqa: E731
    return Extraction(
        text="\n".join(pick(*CONTENT)), title=" ".join(pick("title")), lead=" ".join(pick("lead")), labels=list(labels),
        text_with_captions="\n".join(pick(*CONTENT, "caption")),
    )


def score_page(article: Article, extraction: Extraction) -> PageScore:
    gold_labels = [line.label or "other" for line in article.lines]
    gold = from_labels(article, gold_labels)
    precision, recall, f1 = bag_scores(extraction.text, gold.text)
    title_exact = None if extraction.title is None else (bool(gold.title) and _same(extraction.title, gold.title or ""))
    lead_found = None
    if gold.lead and extraction.lead is not None:
        lead_found = bag_scores(extraction.lead, gold.lead)[2] >= LEAD_FOUND_F1
    with_captions = bag_scores(extraction.text_with_captions if extraction.text_with_captions is not None else extraction.text, gold.text_with_captions or "")[2]
    misses = {"title": {"predicted": extraction.title or "", "gold": gold.title or ""}} if title_exact is False else {}
    return PageScore(article.id, article.site, precision, recall, f1, title_exact, lead_found, with_captions, misses)


# ---------------------------------------------------------------- text extractors
def trafilatura_system(html: str, article: Article) -> Extraction:
    import trafilatura  # a core dependency (the second opinion, vnnews.ingest.second_opinion)

    doc = trafilatura.bare_extraction(html, with_metadata=True)
    text = (doc.text if doc is not None else "") or ""
    title = (doc.title if doc is not None else "") or ""
    return Extraction(text=f"{title}\n{text}", title=title)


def readability_system(html: str, article: Article) -> Extraction:
    import lxml.html

    Document = require("readability", "readability", "the readability-lxml baseline").Document

    doc = Document(html)
    summary = doc.summary(html_partial=True)
    body = lxml.html.fromstring(summary).text_content() if summary.strip() else ""
    title = doc.short_title() or ""
    return Extraction(text=f"{title}\n{body}", title=title)


def justext_system(html: str, article: Article) -> Extraction:
    justext = require("justext", "eval", "the jusText baseline")

    from vnnews.baselines import _vietnamese_stoplist

    paragraphs = justext.justext(html.encode("utf-8"), _vietnamese_stoplist(), encoding="utf-8")
    return Extraction(text="\n".join(p.text for p in paragraphs if not p.is_boilerplate))


TEXT_SYSTEMS: dict[str, Callable[[str, Article], Extraction]] = {
    "trafilatura": trafilatura_system,
    "jusText": justext_system,
    "readability-lxml": readability_system,
}


def available_text_systems() -> dict[str, Callable[[str, Article], Extraction]]:
    """The reference extractors installed here. readability-lxml has an extra of its own
    (``vnnews[readability]``): pip 23.2 crashes resolving its ``lxml[html-clean]`` beside
    jusText's ``lxml[html_clean]``, so ``vnnews[eval]`` leaves it out and the table goes
    without it, saying so in the log."""
    import importlib.util

    systems = dict(TEXT_SYSTEMS)
    if importlib.util.find_spec("readability") is None:
        log.warning("readability-lxml is not installed (pip install 'vnnews[readability]'): its baseline is left out")
        del systems["readability-lxml"]
    return systems


def _mean(values: Sequence[float]) -> float:
    return sum(values) / len(values) if values else 0.0


def _count(flags: Sequence[bool | None]) -> str:
    known = [f for f in flags if f is not None]
    return f"{sum(known)}/{len(known)}" if known else "n/a"


def summary_rows(results: Sequence[SystemResult], site: str | None) -> list[str]:
    rows = []
    for r in results:
        pages = [p for p in r.pages if site is None or p.site == site]
        if not pages:
            continue
        rows.append(
            f"| {r.name} | {len(pages)} | {_mean([p.precision for p in pages]):.3f} | {_mean([p.recall for p in pages]):.3f} | "
            f"{_mean([p.f1 for p in pages]):.3f} | {_mean([p.f1_with_captions for p in pages]):.3f} | "
            f"{_count([p.title_exact for p in pages])} | {_count([p.lead_found for p in pages])} |"
        )
    return rows


def against_baseline(results: Sequence[SystemResult], baseline: str = "trafilatura") -> list[str]:
    """A table per site: each line labeller's precision, recall and F1 beside the
    ``baseline``'s on the same pages, and whether it is at least as good (the issue-38 bar:
    at least trafilatura's body F1 on every site). Empty when the baseline did not run."""
    base = next((r for r in results if r.name == baseline and r.pages), None)
    models = [r for r in results if r.predicted_labels and r.name != baseline]
    if base is None or not models:
        return []
    sites = sorted({p.site for p in base.pages})
    out = [f"## Per site against {baseline}", "", f"| site | pages | system | precision | recall | F1 | {baseline} P / R / F1 | at least {baseline} |", "|---|---:|---|---:|---:|---:|---:|---|"]
    for model in models:
        wins = 0
        for site in sites:
            mine = [p for p in model.pages if p.site == site]
            theirs = [p for p in base.pages if p.site == site]
            if not mine or not theirs:
                continue
            f_mine, f_theirs = _mean([p.f1 for p in mine]), _mean([p.f1 for p in theirs])
            ok = round(f_mine, 3) >= round(f_theirs, 3)
            wins += ok
            out.append(
                f"| {site or '(no site)'} | {len(mine)} | {model.name} | {_mean([p.precision for p in mine]):.3f} | {_mean([p.recall for p in mine]):.3f} | {f_mine:.3f} | "
                f"{_mean([p.precision for p in theirs]):.3f} / {_mean([p.recall for p in theirs]):.3f} / {f_theirs:.3f} | {'yes' if ok else '**no**'} |"
            )
        out.append(f"| **{wins} of {len(sites)} sites** | | {model.name} | | | | | |")
    return [*out, ""]


def render(results: Sequence[SystemResult], title: str, notes: Sequence[str] = ()) -> str:
    sites = sorted({p.site for r in results for p in r.pages})
    head = ["| system | pages | precision | recall | F1 | F1, captions as text | titles exact | lead found |", "|---|---:|---:|---:|---:|---:|---:|---:|"]
    out = [f"# {title}", ""]
    out += [*notes, ""] if notes else []
    out += ["## All pages", "", *head, *summary_rows(results, None), ""]
    failed = [f"{r.name} raised on {r.failures} of {len(r.pages)} pages: those pages are scored as extracting nothing." for r in results if r.failures]
    out += [*failed, ""] if failed else []
    out += against_baseline(results)
    for site, heading in site_sections(sites):
        out += [f"## {heading}", "", *head, *summary_rows(results, site), ""]
    labelled = [r for r in results if r.predicted_labels]
    if labelled:
        out += let_in_left_out(labelled)
        out += ["## Per-label F1 (all lines)", "", "| system | " + " | ".join(LABELS) + " | macro-F1 (coarse 5) |", "|---|" + "---:|" * (len(LABELS) + 1)]
        for r in labelled:
            report = classification_report(r.gold_labels, r.predicted_labels, LABELS)
            f1 = {c.label: c.f1 for c in report.per_class}
            out.append(f"| {r.name} | " + " | ".join(f"{f1.get(lab, 0.0):.2f}" for lab in LABELS) + f" | {coarse5_macro_f1(r.gold_labels, r.predicted_labels):.3f} |")
        out.append("")
    out += [
        "Bag-of-tokens scores compare the article text (title, lead, body, subheadings) with the gold",
        "text as bags of syllables (NFC, one tone style, lower case, no punctuation); each figure is",
        f"the mean over pages. Lead found: lead token F1 >= {LEAD_FOUND_F1} on pages with a lead.",
        "F1, captions as text: the same with caption lines counted as article text on both sides (the",
        "convention of extractors that keep photo-story narratives, trafilatura's among them); text",
        "extractors cannot tell a caption from a paragraph, so their two F1 differ only by the gold.",
        "extraction.json has every page's scores, and where a title is not exact, the system's and",
        "the gold's (`misses`).",
        "",
    ]
    return "\n".join(out)


def let_in_left_out(results: Sequence[SystemResult], top: int = 4) -> list[str]:
    """What each line labeller got wrong about the article, in words over all pages:
    boilerplate let into the article by its gold label (what a reader finds in the text),
    and article lines left out by the label they were given (what a reader misses)."""
    out = ["## Let in and left out (words, all pages)", "",
           "| system | boilerplate let in | by its gold label | article left out | by the label given |", "|---|---:|---|---:|---|"]
    for r in results:
        let_in: Counter[str] = Counter()
        left_out: Counter[str] = Counter()
        for gold, predicted, words in zip(r.gold_labels, r.predicted_labels, r.line_words, strict=True):
            if predicted in CONTENT and gold not in CONTENT:
                let_in[gold] += words
            elif gold in CONTENT and predicted not in CONTENT:
                left_out[predicted] += words

        def top_of(counts: Counter[str]) -> str:
            return ", ".join(f"{label} {n:,}" for label, n in counts.most_common(top)) or "none"

        out.append(f"| {r.name} | {sum(let_in.values()):,} | {top_of(let_in)} | {sum(left_out.values()):,} | {top_of(left_out)} |")
    return [*out, ""]


COARSE5 = ("title", "lead", "body", "caption", "boilerplate")


def coarse5(label: str) -> str:
    """The five groups the targets are set on: title, lead, body (with subheadings), caption, boilerplate."""
    if label in ("title", "lead", "caption"):
        return label
    return "body" if label in ("body", "subheading") else "boilerplate"


def coarse5_macro_f1(gold: Sequence[str], predicted: Sequence[str]) -> float:
    report = classification_report([coarse5(g) for g in gold], [coarse5(p) for p in predicted], COARSE5)
    present = {coarse5(g) for g in gold}
    values = [c.f1 for c in report.per_class if c.label in present]
    return sum(values) / len(values) if values else 0.0


def evaluate_pages(
    articles: Sequence[Article],
    html_by_id: dict[str, str],
    line_systems: dict[str, Callable[[Sequence[Article]], list[list[str]]]],
    text_systems: dict[str, Callable[[str, Article], Extraction]] | None = None,
) -> list[SystemResult]:
    """Score every system on ``articles`` (gold-labelled). Line systems label a list
    of articles at once (a model batches them); text systems read the page's HTML."""
    results = []
    for name, system in line_systems.items():
        result = SystemResult(name)
        for article, labels in zip(articles, system(articles), strict=True):
            result.pages.append(score_page(article, from_labels(article, labels)))
            result.gold_labels += [line.label or "other" for line in article.lines]
            result.predicted_labels += list(labels)
            result.line_words += [len(line.text.split()) for line in article.lines]
        results.append(result)
    for name, text_system in (TEXT_SYSTEMS if text_systems is None else text_systems).items():
        result = SystemResult(name)
        for article in articles:
            html = html_by_id.get(article.id)
            if html is None:
                continue  # text dumps: nothing for an HTML extractor to read
            try:
                extraction = text_system(html, article)
            except Exception as exc:  # noqa: BLE001 - a baseline's crash on one page is its empty output there, not the end of the report
                log.warning("%s failed on %s (%s: %s); scored as extracting nothing", name, article.source, type(exc).__name__, exc)
                extraction = Extraction(text="", title="")
                result.failures += 1
            result.pages.append(score_page(article, extraction))
        results.append(result)
    return results


def load_real_pages(pages_dir: str | Path, annotations_dir: str | Path) -> tuple[list[Article], dict[str, str]]:
    """The gold-labelled real pages and their HTML, by article id. Raises
    AnnotationError if an annotation no longer matches its page."""
    from vnnews.ingest import IngestOptions, iter_articles
    from vnnews.labels import apply_gold, load_gold

    gold = load_gold(annotations_dir)
    articles, html = [], {}
    for article in iter_articles([pages_dir], IngestOptions(second_opinion=True)):  # read as a model's job reads them
        if article.id not in gold:
            continue
        articles.append(apply_gold(article, gold))
        if article.meta.get("format") == "html":
            html[article.id] = Path(article.source).read_bytes().decode(article.meta.get("encoding") or "utf-8", errors="replace")
    if not articles:
        raise ValueError(f"no page of {pages_dir} has an annotation in {annotations_dir}")
    return articles, html


def write_report(out_dir: str | Path, text: str, results: Sequence[SystemResult], extra: dict[str, Any]) -> None:
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    (out / "extraction.md").write_text(text, encoding="utf-8")
    payload = {**extra, "systems": {r.name: [vars(p) for p in r.pages] for r in results}}
    (out / "extraction.json").write_text(json.dumps(payload, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


# ---------------------------------------------------------------- the command
def model_system(model: Any) -> Callable[[Sequence[Article]], list[list[str]]]:
    def label(articles: Sequence[Article]) -> list[list[str]]:
        return [[p.label for p in preds] for preds in model.predict(list(articles))]

    return label


def model_alone(model: Any) -> Callable[[Sequence[Article]], list[list[str]]]:
    """:func:`model_system` on pages read without trafilatura's second opinion."""
    labeller = model_system(model)

    def label(articles: Sequence[Article]) -> list[list[str]]:
        return labeller([without_second_opinion(a) for a in articles])

    return label


def rules_system(articles: Sequence[Article]) -> list[list[str]]:
    from vnnews.labels import weak_label

    return [weak_label(a) for a in articles]  # type: ignore[misc]


def as_text_dump(article: Article) -> Article:
    """``article`` as a text dump would give it: the same lines, no tag paths, link
    densities or title/lead candidates."""
    from vnnews.ingest import Line
    from vnnews.ingest.second_opinion import META_KEY

    lines = [Line(line.text, label=line.label) for line in article.lines]
    meta = {k: v for k, v in article.meta.items() if k not in ("candidates", META_KEY)}  # a dump has no HTML for trafilatura either
    return Article(article.id, article.source, lines, meta, article.label_source)


def without_second_opinion(article: Article) -> Article:
    """``article`` as if read without the lines trafilatura keeps: the model alone decides."""
    from vnnews.ingest.second_opinion import META_KEY

    return Article(article.id, article.source, article.lines, {k: v for k, v in article.meta.items() if k != META_KEY}, article.label_source)


def evaluate_extraction(
    models: Sequence[str],
    pages_dir: str | Path = "data/real/pages",
    annotations_dir: str | Path = "data/real/annotations",
    out_dir: str | Path | None = None,
    baselines: bool = True,
    text_dumps: bool = False,
    metadata: str | Path | None = None,
    second_opinion_rows: bool = True,
) -> str:
    """Every model in ``models`` (directories or Hub ids), the rules and, with
    ``baselines``, trafilatura, jusText and readability-lxml, on the gold-labelled
    real pages; writes extraction.md/.json to ``out_dir`` (when given) and returns
    the Markdown. ``text_dumps``: the line labellers read the pages as text dumps
    (no DOM, no candidates), the HTML extractors still read the HTML. ``metadata``:
    the gold metadata (dates, authors, URL, section; default ``metadata.jsonl`` beside
    the pages folder), scored beside trafilatura's and htmldate's when the file exists
    (:mod:`vnnews.metadata_eval`). ``second_opinion_rows``: each model also as ``<name>, alone``,
    reading the pages without the lines trafilatura keeps (:mod:`vnnews.ingest.second_opinion`)."""
    from vnnews.models import load_classifier

    articles, html = load_real_pages(pages_dir, annotations_dir)
    if text_dumps:
        articles = [as_text_dump(a) for a in articles]
    systems: dict[str, Callable[[Sequence[Article]], list[list[str]]]] = {}
    for path in models:
        model = load_classifier(path)
        if hasattr(model, "cache_lines"):
            model.cache_lines()  # one site's pages repeat their chrome: each line encoded once (labels unchanged)
        name = f"model {path}" if len(models) > 1 else "model"
        systems[name] = model_system(model)
        if second_opinion_rows and not text_dumps:  # what trafilatura's second opinion changes, on the same pages
            systems[f"{name}, alone"] = model_alone(model)
    systems["rules (weak labeller)"] = rules_system
    results = evaluate_pages(articles, html, systems, available_text_systems() if baselines else {})
    title = f"Extraction on {len(articles)} real pages ({pages_dir})" + (", line labellers reading them as text dumps" if text_dumps else "")
    notes = [f"Models: {', '.join(models) or 'none'}. Gold: {annotations_dir}."]
    text = render(results, title, notes)
    extra: dict[str, Any] = {"models": list(models), "pages": str(pages_dir)}
    metadata = Path(metadata) if metadata is not None else Path(pages_dir).parent / "metadata.jsonl"
    if metadata.is_file():
        from vnnews.metadata_eval import evaluate_metadata, load_gold_metadata

        meta_text, meta_scores = evaluate_metadata(articles, html, systems, load_gold_metadata(metadata), baselines)
        text += "\n" + meta_text
        extra["metadata"] = {name: [vars(s) for s in scores] for name, scores in meta_scores.items()}
    if out_dir is not None:
        write_report(out_dir, text, results, extra)
    return text


def evaluate_adaptation(
    model_path: str,
    pages_dir: str | Path = "data/real/pages",
    annotations_dir: str | Path = "data/real/annotations",
    out_dir: str | Path | None = None,
    min_pages: int = 5,
    baselines: bool = True,
) -> str:
    """Site adaptation (:mod:`vnnews.adapt`) measured two ways beside the model as it is:
    **held out**: each site with at least ``2 x min_pages`` pages is cut in two halves (by a
    hash of the page id); the model adapted on one half labels the other, and the other way
    round, so no scored page took part in its own fit; **in the job**: adapted on all of a
    site's pages and scored on them, as ``vnnews infer --adapt`` labels a job (the gold is
    never read). Sites with fewer pages are labelled by the model as it is."""
    import hashlib

    from vnnews.adapt import AdaptedLabeler, adapt_to_sites
    from vnnews.layout import site_key
    from vnnews.models import load_classifier

    model = load_classifier(model_path)
    articles, html = load_real_pages(pages_dir, annotations_dir)
    by_site: dict[str, list[Article]] = {}
    for article in articles:
        by_site.setdefault(site_key(article), []).append(article)
    held: dict[str, list[str]] = {}
    adapted_sites = []
    for site, pages in sorted(by_site.items()):
        if len(pages) < 2 * min_pages:
            continue
        halves = [[a for a in pages if int(hashlib.blake2b(a.id.encode(), digest_size=4).hexdigest(), 16) % 2 == k] for k in (0, 1)]
        if min(len(h) for h in halves) < min_pages:
            continue
        adapted_sites.append(site)
        for fit, scored in ((halves[0], halves[1]), (halves[1], halves[0])):
            labeller = AdaptedLabeler(model, adapt_to_sites(model, fit, min_pages=min_pages))
            for article, preds in zip(scored, labeller.predict(scored), strict=True):
                held[article.id] = [p.label for p in preds]
    in_job = AdaptedLabeler(model, adapt_to_sites(model, articles, min_pages=min_pages))
    as_is = dict(zip([a.id for a in articles], model_system(model)(articles), strict=True))  # the model's labels, once for both rows
    systems = {
        "model": lambda arts: [as_is[a.id] for a in arts],
        "model --adapt, held out": lambda arts: [held.get(a.id, as_is[a.id]) for a in arts],
        "model --adapt, in the job": lambda arts: [[p.label for p in preds] for preds in in_job.predict(list(arts))],
    }
    results = evaluate_pages(articles, html, systems, available_text_systems() if baselines else {})
    notes = [
        f"Model: {model_path}. Gold: {annotations_dir}. Sites cut in two halves for the held-out row (at least {2 * min_pages} pages): "
        f"{', '.join(adapted_sites) or 'none'}; elsewhere that row is the model as it is.",
        f"In the job: each site with at least {min_pages} pages adapted on all its pages (their text only) and scored on them.",
    ]
    text = render(results, f"Site adaptation on {len(articles)} real pages ({pages_dir})", notes)
    if out_dir is not None:
        write_report(out_dir, text, results, {"model": model_path, "adapted_sites": adapted_sites, "min_pages": min_pages})
    return text


def leave_one_site_out(
    config: Any, pages_dir: str | Path, annotations_dir: str | Path, out_dir: str | Path, baselines: bool = True, adapt: bool = False, min_pages: int = 5,
    resume: bool = False,
) -> str:
    """For each site of the real pages: train a page labeller that self-trains on the
    *other* sites' pages (their text only, never their gold labels) and score it on
    the site it never saw; all sites in one table beside the baselines. ``adapt``: also
    that model adapted to the held-out site from the site's own pages (their text only),
    as ``vnnews infer --adapt`` labels a job over them; a site with fewer than
    ``min_pages`` pages keeps the model's labels, as there. ``resume``: a site whose run in
    ``out_dir/runs`` finished with this very config is scored again without training
    (:func:`vnnews.recipes.common.finished_run`: after a stopped evaluation, or to score the
    same models with other decoding); the others are trained afresh."""
    from dataclasses import replace

    from vnnews.models.page_labeler import PageLabeler
    from vnnews.recipes.classifier import train_classifier
    from vnnews.recipes.common import finished_run

    articles, html = load_real_pages(pages_dir, annotations_dir)
    sites = sorted({a.site for a in articles})
    reused: list[str] = []
    predicted: dict[str, list[str]] = {}
    adapted: dict[str, list[str]] = {}
    adapted_sites: list[str] = []
    out = Path(out_dir)
    for site in sites:
        run = replace(
            config,
            output_dir=str(out / "runs" / site),
            self_training=replace(config.self_training, pages=[str(pages_dir)], exclude_sites=[site]),
        )
        if resume and finished_run(run):
            log.warning("%s: scoring the finished run in %s (--resume)", site, run.output_dir)
            reused.append(site)
        else:
            train_classifier(run, overwrite=True)  # a fresh model each time the evaluation runs
        model = PageLabeler.from_pretrained(run.output_dir)
        held = [a for a in articles if a.site == site]
        for article, preds in zip(held, model.predict(held), strict=True):
            predicted[article.id] = [p.label for p in preds]
        if adapt:
            from vnnews.adapt import AdaptedLabeler, adapt_to_sites

            adaptations = adapt_to_sites(model, held, min_pages=min_pages)
            adapted_sites += [name for name, a in adaptations.items() if a.state is not None]
            for article, preds in zip(held, AdaptedLabeler(model, adaptations).predict(held), strict=True):
                adapted[article.id] = [p.label for p in preds]
    systems = {"model (leave-one-site-out)": lambda arts: [predicted[a.id] for a in arts]}
    if adapt:
        systems["model (leave-one-site-out) --adapt"] = lambda arts: [adapted[a.id] for a in arts]
    systems["rules (weak labeller)"] = rules_system
    results = evaluate_pages(articles, html, systems, available_text_systems() if baselines else {})
    text = render(results, f"Leave-one-site-out on {len(articles)} real pages, {len(sites)} sites, base {config.base_model}",
                  ["Each site is scored by a model that self-trained on the other sites' pages (text only) and never saw this one: "
                   "its pages take no part in training nor in choosing the checkpoint (the composed validation split does). "
                   "The baselines read the same pages.",
                   *([f"--adapt: that model adapted to the held-out site from the site's own pages (text only, no gold), where the site has "
                      f"at least {min_pages} pages: {', '.join(adapted_sites) or 'none'}; elsewhere the model's labels."] if adapt else []),
                   *([f"--resume: the finished runs of {', '.join(reused)} were scored again, not retrained (trained by the vnnews of their day)."] if reused else [])])
    write_report(out, text, results, {"base_model": config.base_model, "sites": sites, "adapted_sites": adapted_sites, "reused_runs": reused})
    return text


def leave_one_family_out(config: Any, out_dir: str | Path, families: Sequence[str] | None = None) -> str:
    """For each composed layout family: train without it (its pages take no part in
    choosing the checkpoint either), score on its pages of the evaluation split (a
    layout never trained on): macro-F1 over title, lead, body, caption, boilerplate and
    word-weighted content precision/recall/F1."""
    from dataclasses import replace

    from vnnews.dataset.compose import FAMILIES
    from vnnews.metrics import content_scores
    from vnnews.models.page_labeler import PageLabeler
    from vnnews.recipes.classifier import held_out_pages, train_classifier

    out = Path(out_dir)
    rows = ["| family left out | pages | macro-F1 (title, lead, body, caption, boilerplate) | content precision | content recall | content F1 |", "|---|---:|---:|---:|---:|---:|"]
    payload = {}
    all_gold: list[str] = []
    all_pred: list[str] = []
    all_texts: list[str] = []
    for family in families or FAMILIES:
        run = replace(config, output_dir=str(out / "runs" / family), exclude_families=[family])
        train_classifier(run, overwrite=True)  # a fresh model each time the evaluation runs
        held = held_out_pages(run)
        model = PageLabeler.from_pretrained(run.output_dir)
        gold = [line.label or "other" for a in held for line in a.lines]
        pred = [p.label for preds in model.predict(held) for p in preds]
        texts = [t for a in held for t in a.texts]
        scores = content_scores(texts, gold, pred)
        macro = coarse5_macro_f1(gold, pred)
        payload[family] = {"pages": len(held), "macro_f1_coarse5": macro, "content": vars(scores)}
        rows.append(f"| {family} | {len(held)} | {macro:.3f} | {scores.precision:.3f} | {scores.recall:.3f} | {scores.f1:.3f} |")
        all_gold += gold
        all_pred += pred
        all_texts += texts
    pooled = content_scores(all_texts, all_gold, all_pred)
    rows.append(f"| **all, pooled** | | {coarse5_macro_f1(all_gold, all_pred):.3f} | {pooled.precision:.3f} | {pooled.recall:.3f} | {pooled.f1:.3f} |")
    text = "\n".join([f"# Leave-one-layout-family-out, base {config.base_model}, dataset {config.dataset_dir}", "", *rows, "",
                      "Each row: a model trained without that family (its checkpoint chosen on the other families' evaluation pages), scored on that family's pages of the evaluation split.",
                      "Content: title, lead, body, subheading lines, precision/recall weighted by words per line.", ""])
    out.mkdir(parents=True, exist_ok=True)
    (out / "leave-one-family-out.md").write_text(text, encoding="utf-8")
    (out / "leave-one-family-out.json").write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")
    return text
