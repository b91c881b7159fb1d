from collections import Counter

import pytest

from vnnews.dataset import SplitRatios, assign_split


def test_split_is_a_function_of_the_id():
    ids = [f"article-{i}" for i in range(5000)]
    first = [assign_split(i) for i in ids]
    assert first == [assign_split(i) for i in ids]
    counts = Counter(first)
    assert abs(counts["train"] / 5000 - 0.8) < 0.03
    assert abs(counts["validation"] / 5000 - 0.1) < 0.02


def test_ratios_and_salt():
    assert {assign_split(f"a{i}", SplitRatios(1.0, 0.0, 0.0)) for i in range(100)} == {"train"}
    moved = sum(assign_split(f"a{i}") != assign_split(f"a{i}", salt="other") for i in range(1000))
    assert moved > 100
    with pytest.raises(ValueError, match="sum to 1"):
        SplitRatios(0.8, 0.1, 0.2)
    with pytest.raises(ValueError, match="non-negative"):
        SplitRatios(1.2, -0.1, -0.1)
