"""Draft annotations for a newsroom's own pages, to be reviewed rather than typed.

Labelling a page from nothing takes a person most of an hour; correcting a draft takes
minutes. ``draft_annotations`` writes one file per page in the annotation format
(``label<TAB>text``, :mod:`vnnews.labels.annotations`), labelled by a trained page
labeller or by the rules, with the lines the model was unsure of flagged in comments.

A draft carries :data:`DRAFT_MARK` on its second line until its reviewer deletes it: that
line is how a later run tells a draft nobody has touched (which ``overwrite`` may replace)
from reviewed work (never replaced). Files already there are otherwise kept, so a run
stopped half-way resumes by running it again.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from vnnews.ingest import Article, IngestError, IngestOptions, iter_articles
from vnnews.labels.annotations import annotation_path

DRAFT_MARK = "# DRAFT by vnnews annotate: review every label, then delete this line."
UNSURE_BELOW = 0.6  # a model's line below this confidence gets a "# check" comment above it
BATCH_PAGES = 16


@dataclass
class DraftSummary:
    """What one run did: drafts written, files kept (already there), inputs skipped."""

    written: list[Path] = field(default_factory=list)
    kept: list[Path] = field(default_factory=list)
    skipped: list[IngestError] = field(default_factory=list)
    unsure_lines: int = 0


def is_unreviewed_draft(path: str | os.PathLike[str]) -> bool:
    """Whether ``path`` is a draft that still carries :data:`DRAFT_MARK` (nobody has
    signed it off), so that ``overwrite`` may replace it."""
    try:
        with open(path, encoding="utf-8") as f:
            head = [f.readline().rstrip("\n") for _ in range(2)]
    except (OSError, UnicodeDecodeError):
        return False
    return DRAFT_MARK in head


def draft_text(article: Article, labels: Sequence[str], confidences: Sequence[float | None] | None, model_name: str) -> tuple[str, int]:
    """The draft file of ``article`` and the number of lines flagged as unsure."""
    lines = [
        f"# Labels for {article.source}: label<TAB>text, one line per non-empty line. See docs/labels.md.\n",
        DRAFT_MARK + "\n",
        f"# Drafted by {model_name}; lines marked '# check' below were the model's least sure.\n",
    ]
    unsure = 0
    for i, (label, line) in enumerate(zip(labels, article.lines, strict=True)):
        confidence = confidences[i] if confidences else None
        if confidence is not None and confidence < UNSURE_BELOW:
            unsure += 1
            lines.append(f"# check: {label} at {confidence:.2f}\n")
        lines.append(f"{label}\t{line.text}\n")
    return "".join(lines), unsure


def draft_annotations(
    inputs: Iterable[str | os.PathLike[str]],
    out_dir: str | os.PathLike[str],
    model: Any = None,
    overwrite: bool = False,
    on_error: Callable[[IngestError], None] | None = None,
    progress: bool = False,
) -> DraftSummary:
    """Write a draft annotation for every page of ``inputs`` into ``out_dir`` (made if
    missing; nested article ids keep their folders, as :func:`load_gold` reads them).

    ``model``: None or "weak" for the rule labeller, a model directory or Hub id, or a
    loaded page labeller. Pages are read as ``build-dataset`` reads them, so the drafts
    match what ``validate-annotations`` and training will check them against. A file
    already at a page's path is kept, unless ``overwrite`` and it is a draft nobody has
    reviewed yet (:func:`is_unreviewed_draft`)."""
    from tqdm.auto import tqdm

    from vnnews.inference.stages import WEAK, RuleLabeller, label_articles

    if model in (None, WEAK):
        classifier: Any = RuleLabeller()
        model_name = "the rule labeller (vnnews weak-label)"
    elif isinstance(model, str):
        from vnnews.models import load_classifier

        classifier, model_name = load_classifier(model), f"the model {model}"
    else:
        classifier, model_name = model, f"the model {getattr(model, 'name_or_path', type(model).__name__)}"
    out = Path(out_dir)
    summary = DraftSummary()

    def skipped(error: IngestError) -> None:
        summary.skipped.append(error)
        if on_error is not None:
            on_error(error)

    def flush(batch: list[Article]) -> None:
        todo = []
        for article in batch:
            path = annotation_path(out, article.id)
            if path.exists() and not (overwrite and is_unreviewed_draft(path)):
                summary.kept.append(path)
            else:
                todo.append((article, path))
        if not todo:
            return
        labelled = label_articles([a for a, _ in todo], classifier)
        for (article, path), labels, confidences in zip(todo, labelled.labels, labelled.confidences, strict=True):
            text, unsure = draft_text(article, labels, confidences, model_name)
            path.parent.mkdir(parents=True, exist_ok=True)
            partial = path.with_name(path.name + ".partial")
            partial.write_text(text, encoding="utf-8")
            os.replace(partial, path)  # a stopped run leaves whole drafts only
            summary.written.append(path)
            summary.unsure_lines += unsure

    batch: list[Article] = []
    with tqdm(unit="page", desc="annotate", disable=not progress) as bar:
        for article in iter_articles(inputs, IngestOptions(), skipped):
            batch.append(article)
            if len(batch) == BATCH_PAGES:
                flush(batch)
                bar.update(len(batch))
                batch = []
        flush(batch)
        bar.update(len(batch))
    return summary


__all__ = ["DRAFT_MARK", "DraftSummary", "draft_annotations", "draft_text", "is_unreviewed_draft"]
