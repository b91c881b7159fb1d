"""Deterministic train/validation/test assignment per article.

A split is a function of the article id alone (a salted SHA-1), so every line
of an article lands in the same split, a rebuild with more data never moves an
article to another split, and no list of ids has to be stored.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

SPLITS: tuple[str, ...] = ("train", "validation", "test")


@dataclass(frozen=True)
class SplitRatios:
    train: float = 0.8
    validation: float = 0.1
    test: float = 0.1

    def __post_init__(self) -> None:
        values = (self.train, self.validation, self.test)
        if any(v < 0 for v in values) or abs(sum(values) - 1.0) > 1e-6:
            raise ValueError(
                f"split ratios must be non-negative and sum to 1, got train={self.train}, "
                f"validation={self.validation}, test={self.test}"
            )


def assign_split(article_id: str, ratios: SplitRatios = SplitRatios(), salt: str = "vnnews") -> str:
    """The split of ``article_id``: its hash as a number in [0, 1) against the cumulative ratios."""
    digest = hashlib.sha1(f"{salt}\x00{article_id}".encode()).digest()
    x = int.from_bytes(digest[:8], "big") / 2**64
    if x < ratios.train:
        return "train"
    if x < ratios.train + ratios.validation:
        return "validation"
    return "test"
