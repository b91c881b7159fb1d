"""Evaluation reports: a model and its baselines on the same data, in one table.

``evaluate_classifier`` scores the classifier on a split of a built dataset beside
its baselines (real pages beside trafilatura: :mod:`vnnews.extraction_eval`).
Output: evaluation.md (the table and per-class figures), evaluation.json,
confusion_matrix.png.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from vnnews.extras import require
from vnnews.ingest import Article
from vnnews.labels import LABELS
from vnnews.metrics import ClassificationReport, ContentScores, classification_report, content_scores


@dataclass
class SystemScores:
    name: str
    report: ClassificationReport | None  # None for coarse-only systems (all-content, jusText)
    content: ContentScores


def split_articles(dataset_dir: str, split: str) -> list[Article]:
    """The labelled pages of a split, sorted by id, from the ``pages`` subset (lines
    with tag paths and the page's title/lead candidates: what the classifier reads)."""
    from vnnews.dataset import load_subset
    from vnnews.dataset.features import article_from_page_row

    if not (Path(dataset_dir) / "pages").exists():
        raise ValueError(f"{dataset_dir} has no `pages` subset: rebuild it with `vnnews build-dataset` (datasets built before vnnews 0.2 lack it)")
    pages = load_subset(dataset_dir, "pages")
    if split not in pages:
        raise ValueError(f"split {split!r} not in {dataset_dir} (has {list(pages)})")
    return sorted((article_from_page_row(r) for r in pages[split]), key=lambda a: a.id)


def score_systems(articles: Sequence[Article], systems: dict[str, Callable[[Article], list[str]]], fine: set[str]) -> list[SystemScores]:
    """Score each system's labels against the articles' labels."""
    texts = [t for a in articles for t in a.texts]
    gold = [label for a in articles for label in a.labels]
    scores = []
    for name, system in systems.items():
        predicted = [label for a in articles for label in system(a)]
        report = classification_report(gold, predicted, LABELS) if name in fine else None
        scores.append(SystemScores(name, report, content_scores(texts, gold, predicted)))
    return scores


def render_table(scores: Sequence[SystemScores]) -> str:
    rows = [
        "| system | macro-F1 (fine labels) | accuracy | content precision | content recall | content F1 |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for s in scores:
        fine = f"{s.report.macro_f1:.3f} | {s.report.accuracy:.3f}" if s.report else "n/a | n/a"
        rows.append(f"| {s.name} | {fine} | {s.content.precision:.3f} | {s.content.recall:.3f} | {s.content.f1:.3f} |")
    return "\n".join(rows)


def plot_confusion(gold: Sequence[str], predicted: Sequence[str], path: str | os.PathLike[str], title: str) -> None:
    """Confusion matrix (rows: gold, columns: predicted, row-normalised) as a PNG.
    Drawn on a bare Figure (no pyplot): a library must not switch the caller's
    matplotlib backend (a notebook's inline plots would stop showing)."""
    Figure = require("matplotlib.figure", "eval", "the confusion-matrix plot").Figure
    from sklearn.metrics import confusion_matrix

    matrix = confusion_matrix(gold, predicted, labels=list(LABELS))
    totals = matrix.sum(axis=1, keepdims=True)
    share = matrix / totals.clip(min=1)
    fig = Figure(figsize=(8, 7))
    ax = fig.subplots()
    ax.imshow(share, cmap="Blues", vmin=0, vmax=1)
    ax.set_xticks(range(len(LABELS)), LABELS, rotation=60, ha="right")
    ax.set_yticks(range(len(LABELS)), LABELS)
    ax.set_xlabel("predicted")
    ax.set_ylabel("gold")
    ax.set_title(title)
    for i in range(len(LABELS)):
        for j in range(len(LABELS)):
            if matrix[i, j]:
                ax.text(j, i, str(matrix[i, j]), ha="center", va="center", fontsize=7, color="white" if share[i, j] > 0.5 else "black")
    fig.tight_layout()
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)


def _write(out_dir: Path, title: str, scores: list[SystemScores], model_name: str, extra: dict[str, Any]) -> str:
    out_dir.mkdir(parents=True, exist_ok=True)
    model = next(s for s in scores if s.name == model_name)
    text = "\n".join(
        [
            f"# {title}",
            "",
            render_table(scores),
            "",
            "Content: title, lead, body and subheading lines; precision/recall weighted by words per line.",
            "all-content and jusText only tell content from boilerplate, so they have no fine-label scores.",
            "",
            f"## {model_name}: per class",
            "",
            model.report.to_markdown() if model.report else "",
            "",
            "![confusion matrix](confusion_matrix.png)",
            "",
        ]
    )
    (out_dir / "evaluation.md").write_text(text, encoding="utf-8")
    payload = {
        "title": title,
        **extra,
        "systems": {
            s.name: {"fine": s.report.to_dict() if s.report else None, "content": vars(s.content)} for s in scores
        },
    }
    (out_dir / "evaluation.json").write_text(json.dumps(payload, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return text


def evaluate_classifier(
    model_dir: str, dataset_dir: str, split: str = "test", out_dir: str | None = None, batch_size: int = 64, max_articles: int | None = None
) -> str:
    """Score ``model_dir`` and the baselines on ``split`` of ``dataset_dir`` (its first
    ``max_articles`` articles by id, when given); return the Markdown report."""
    from vnnews.baselines import LINE_BASELINES
    from vnnews.models import load_classifier

    articles = split_articles(dataset_dir, split)[:max_articles]
    if not articles:
        raise ValueError(f"split {split!r} of {dataset_dir} is empty")
    classifier = load_classifier(model_dir)
    if hasattr(classifier, "cache_lines"):
        classifier.cache_lines()  # a split's sites repeat their chrome: each line encoded once (labels unchanged)
    predictions = classifier.predict(articles, batch_size=batch_size)
    by_id = {a.id: [p.label for p in preds] for a, preds in zip(articles, predictions, strict=True)}
    systems = {"model": lambda a: by_id[a.id], **LINE_BASELINES}
    scores = score_systems(articles, systems, fine={"model", "weak labeller"})
    out = Path(out_dir or Path(model_dir) / f"eval-{split}")
    gold = [label for a in articles for label in a.labels]
    plot_confusion(gold, [label for a in articles for label in by_id[a.id]], out / "confusion_matrix.png", f"{Path(model_dir).name} on {split}")
    title = f"Line labelling: {model_dir} on {dataset_dir} ({split}: {len(articles)} articles, {len(gold)} lines)"
    return _write(out, title, scores, "model", {"model": model_dir, "dataset": dataset_dir, "split": split})


def evaluate_summarizer(
    model_dir: str, dataset_dir: str, split: str = "test", out_dir: str | None = None, batch_size: int = 16, max_articles: int | None = None, **generation: Any
) -> str:
    """ROUGE (Vietnamese and compat) and mean length of the model's summaries and of the
    lead-1, lead-3 and TextRank-3 baselines on ``split``; writes evaluation.md/.json,
    predictions.jsonl and a few examples side by side; returns the Markdown."""
    from vnnews.baselines import SUMMARY_BASELINES
    from vnnews.dataset import load_subset
    from vnnews.models.summarizer import Summarizer
    from vnnews.recipes.summarizer import rouge_scores

    summ = load_subset(dataset_dir, "summarization")
    if split not in summ:
        raise ValueError(f"split {split!r} not in {dataset_dir} (has {list(summ)})")
    rows = summ[split]
    rows = rows.select(sorted(range(len(rows)), key=rows["article_id"].__getitem__))  # by id: a stable subset
    if max_articles:
        rows = rows.select(range(min(max_articles, len(rows))))
    if len(rows) == 0:
        raise ValueError(f"split {split!r} of {dataset_dir} has no summarization examples")
    documents, references, ids = rows["document"], rows["summary"], rows["article_id"]
    outputs = {"model": Summarizer.from_pretrained(model_dir).summarize(documents, batch_size=batch_size, **generation)}
    outputs.update({name: [fn(d) for d in documents] for name, fn in SUMMARY_BASELINES.items()})
    table = ["| system | R-1 | R-2 | R-L | compat R-1 | compat R-2 | compat R-L | mean words |", "|---|---:|---:|---:|---:|---:|---:|---:|"]
    results = {}
    for name, predictions in outputs.items():
        s = rouge_scores(predictions, references)
        words = sum(len(p.split()) for p in predictions) / len(predictions)
        results[name] = {**s, "mean_words": round(words, 1)}
        table.append(
            f"| {name} | {s['rouge1']:.2f} | {s['rouge2']:.2f} | {s['rougeL']:.2f} | {s['compat_rouge1']:.2f} | {s['compat_rouge2']:.2f} | {s['compat_rougeL']:.2f} | {words:.1f} |"
        )
    out = Path(out_dir or Path(model_dir) / f"eval-{split}")
    out.mkdir(parents=True, exist_ok=True)
    with (out / "predictions.jsonl").open("w", encoding="utf-8") as f:
        for i, aid in enumerate(ids):
            f.write(json.dumps({"article_id": aid, "reference": references[i], **{k: v[i] for k, v in outputs.items()}}, ensure_ascii=False) + "\n")
    examples = []
    for i in range(min(3, len(ids))):
        examples += [f"### {ids[i]}", "", "| | |", "|---|---|", f"| lead (reference) | {references[i]} |", f"| model | {outputs['model'][i]} |", f"| lead-1 | {outputs['lead-1'][i]} |", ""]
    reference_words = sum(len(r.split()) for r in references) / len(references)
    title = f"Summarizer {model_dir} on {dataset_dir} ({split}: {len(ids)} articles)"
    text = "\n".join(
        [
            f"# {title}",
            "",
            *table,
            "",
            f"ROUGE F x 100 against the lead (mean {reference_words:.1f} words). R-*: Vietnamese syllables with diacritics;",
            "compat: rouge_score's default tokenizer (deletes letters with diacritics), for comparison with published figures.",
            "",
            "## Examples",
            "",
            *examples,
        ]
    )
    (out / "evaluation.md").write_text(text, encoding="utf-8")
    (out / "evaluation.json").write_text(
        json.dumps({"title": title, "model": model_dir, "dataset": dataset_dir, "split": split, "systems": results}, ensure_ascii=False, indent=2) + "\n",
        encoding="utf-8",
    )
    return text
