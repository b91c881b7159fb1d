"""Metrics shared by the weak labeller, the classifier and the baselines, so a
figure means the same thing wherever it is printed."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sklearn.metrics import precision_recall_fscore_support


@dataclass(frozen=True)
class ClassScores:
    label: str
    precision: float
    recall: float
    f1: float
    support: int


@dataclass(frozen=True)
class ClassificationReport:
    per_class: list[ClassScores]
    macro_f1: float
    accuracy: float
    n: int

    def to_markdown(self) -> str:
        rows = ["| label | precision | recall | F1 | support |", "|---|---:|---:|---:|---:|"]
        rows += [f"| {c.label} | {c.precision:.3f} | {c.recall:.3f} | {c.f1:.3f} | {c.support} |" for c in self.per_class]
        rows.append(f"| **macro** |  |  | **{self.macro_f1:.3f}** | {self.n} |")
        rows.append(f"| accuracy |  |  | {self.accuracy:.3f} | {self.n} |")
        return "\n".join(rows)

    def to_dict(self) -> dict[str, object]:
        return {
            "macro_f1": self.macro_f1,
            "accuracy": self.accuracy,
            "n": self.n,
            "per_class": {c.label: {"precision": c.precision, "recall": c.recall, "f1": c.f1, "support": c.support} for c in self.per_class},
        }


def classification_report(gold: Sequence[str], predicted: Sequence[str], labels: Sequence[str]) -> ClassificationReport:
    """Per-class precision/recall/F1 over ``labels``; macro-F1 averages the classes
    that occur in ``gold`` (a class absent from the gold data has no recall)."""
    if len(gold) != len(predicted):
        raise ValueError(f"{len(gold)} gold labels but {len(predicted)} predictions")
    p, r, f, s = precision_recall_fscore_support(gold, predicted, labels=list(labels), zero_division=0)
    per_class = [ClassScores(lab, float(pi), float(ri), float(fi), int(si)) for lab, pi, ri, fi, si in zip(labels, p, r, f, s, strict=True)]
    present = [c.f1 for c in per_class if c.support > 0]
    correct = sum(g == q for g, q in zip(gold, predicted, strict=True))
    return ClassificationReport(
        per_class=per_class,
        macro_f1=sum(present) / len(present) if present else 0.0,
        accuracy=correct / len(gold) if gold else 0.0,
        n=len(gold),
    )


@dataclass(frozen=True)
class ContentScores:
    """Precision/recall/F1 of "is this line article content?", each line weighted by
    its number of words: missing a long paragraph costs more than missing a title."""

    precision: float
    recall: float
    f1: float


def content_scores(texts: Sequence[str], gold: Sequence[str], predicted: Sequence[str]) -> ContentScores:
    from vnnews.labels import COARSE

    tp = fp = fn = 0
    for text, g, p in zip(texts, gold, predicted, strict=True):
        words = len(text.split())
        g_content, p_content = COARSE[g] == "content", COARSE[p] == "content"
        tp += words * (g_content and p_content)
        fp += words * (p_content and not g_content)
        fn += words * (g_content and not p_content)
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return ContentScores(precision, recall, f1)
