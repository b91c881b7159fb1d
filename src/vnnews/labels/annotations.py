"""Gold line labels that a person can read and edit.

One file per page, ``data/annotations/<article id>.tsv``: one line per non-empty
line of the page, ``label<TAB>text``; lines starting with "#" are comments.
The text is kept so a reviewer sees what is labelled, and so the validator can
tell when the raw page and its labels drift apart (a re-scrape, an edit).
Texts are compared after normalisation, so the tone-mark style does not matter.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from vnnews.ingest import Article, IngestError, IngestOptions, iter_articles
from vnnews.labels.schema import LABEL2ID, LABEL_SOURCES, LABELS
from vnnews.text import normalize

SUFFIX = ".tsv"


@dataclass(frozen=True)
class Annotation:
    article_id: str
    path: Path
    labels: list[str]
    texts: list[str]
    label_source: str = "gold"  # a "# label-source: NAME" comment says otherwise (transfer: labelled from another set's gold)


class AnnotationError(ValueError):
    """An annotation file that is malformed or no longer matches its page."""


def annotation_path(directory: str | os.PathLike[str], article_id: str) -> Path:
    return Path(directory) / f"{article_id}{SUFFIX}"


def read_annotation(path: str | os.PathLike[str], article_id: str | None = None) -> Annotation:
    """Parse one annotation file; raise AnnotationError naming the line at fault."""
    path = Path(path)
    labels, texts = [], []
    source = "gold"
    for lineno, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if raw.startswith("# label-source:"):
            source = raw.partition(":")[2].strip()
            if source not in LABEL_SOURCES:
                raise AnnotationError(f"{path}:{lineno}: unknown label source {source!r}; expected one of: {', '.join(LABEL_SOURCES)}")
            continue
        if not raw.strip() or raw.startswith("#"):
            continue
        label, sep, text = raw.partition("\t")
        if not sep:
            raise AnnotationError(f"{path}:{lineno}: expected 'label<TAB>text', found no tab")
        if label not in LABEL2ID:
            raise AnnotationError(f"{path}:{lineno}: unknown label {label!r}; expected one of: {', '.join(LABELS)}")
        labels.append(label)
        texts.append(text)
    return Annotation(article_id or path.stem, path, labels, texts, source)


def write_annotation(path: str | os.PathLike[str], article: Article, labels: list[str]) -> None:
    """Write ``labels`` for ``article`` in the reviewable format."""
    header = f"# Gold line labels for {article.source}: label<TAB>text, one line per non-empty line. See docs/labels.md.\n"
    body = "".join(f"{label}\t{line.text}\n" for label, line in zip(labels, article.lines, strict=True))
    Path(path).write_text(header + body, encoding="utf-8")


def check_against(annotation: Annotation, article: Article) -> None:
    """Raise AnnotationError if ``annotation`` does not describe ``article`` line by line."""
    where = annotation.path
    if len(annotation.texts) != len(article.lines):
        raise AnnotationError(
            f"{where}: {len(annotation.texts)} labelled lines but {article.source} has {len(article.lines)} non-empty lines"
        )
    for i, (text, line) in enumerate(zip(annotation.texts, article.lines, strict=True)):
        if normalize(text) != normalize(line.text):
            raise AnnotationError(
                f"{where}: labelled line {i + 1} does not match {article.source}: {text[:60]!r} vs {line.text[:60]!r}"
            )


def load_gold(directory: str | os.PathLike[str] | Sequence[str | os.PathLike[str]]) -> dict[str, Annotation]:
    """Every annotation in ``directory`` (or in each of several) by article id (nested ids
    keep their folders); an id annotated in two of them is an error naming both files."""
    if not isinstance(directory, (str, os.PathLike)):
        merged: dict[str, Annotation] = {}
        for one in directory:
            for article_id, annotation in load_gold(one).items():
                if article_id in merged:
                    raise AnnotationError(f"{annotation.path}: page {article_id!r} is annotated twice (also {merged[article_id].path})")
                merged[article_id] = annotation
        return merged
    root = Path(directory)
    if not root.is_dir():
        return {}
    found = {}
    for path in sorted(root.rglob(f"*{SUFFIX}")):
        article_id = path.relative_to(root).with_suffix("").as_posix()
        found[article_id] = read_annotation(path, article_id)
    return found


def apply_gold(article: Article, gold: dict[str, Annotation]) -> Article:
    """``article`` with its gold labels if it has an annotation (checked against it), else unchanged."""
    annotation = gold.get(article.id)
    if annotation is None:
        return article
    check_against(annotation, article)
    return article.with_labels(annotation.labels, annotation.label_source)


def validate_annotations(raw_dir: str | os.PathLike[str], annotations_dir: str | os.PathLike[str]) -> list[str]:
    """Problems found, one message each (empty when all is well): a malformed
    annotation, an unknown label, an annotation without its page, a page without
    its annotation, or a page whose lines no longer match its labels."""
    problems: list[str] = []
    errors: list[IngestError] = []
    articles = {a.id: a for a in iter_articles([raw_dir], IngestOptions(), errors.append)}
    problems += [f"cannot read page {e}" for e in errors]
    gold: dict[str, Annotation] = {}
    unreadable: set[str] = set()  # annotations that exist but could not be read: reported once, above
    for path in sorted(Path(annotations_dir).rglob(f"*{SUFFIX}")):
        article_id = path.relative_to(annotations_dir).with_suffix("").as_posix()
        try:
            gold[article_id] = read_annotation(path, article_id)
        except AnnotationError as exc:
            problems.append(str(exc))
            unreadable.add(article_id)
    for article_id in sorted(set(gold) - set(articles)):
        problems.append(f"{gold[article_id].path}: no page {article_id!r} in {raw_dir}")
    for article_id in sorted(set(articles) - set(gold) - unreadable):
        problems.append(f"{articles[article_id].source}: no annotation (expected {annotation_path(annotations_dir, article_id)})")
    for article_id in sorted(set(gold) & set(articles)):
        try:
            check_against(gold[article_id], articles[article_id])
        except AnnotationError as exc:
            problems.append(str(exc))
    return problems
