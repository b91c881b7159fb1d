import pytest

from vnnews.metrics import classification_report


def test_per_class_and_macro_over_present_classes():
    gold = ["body", "body", "title", "related"]
    pred = ["body", "title", "title", "related"]
    report = classification_report(gold, pred, ["title", "body", "related", "caption"])
    by = {c.label: c for c in report.per_class}
    assert (by["body"].precision, by["body"].recall) == (1.0, 0.5)
    assert (by["title"].precision, by["title"].recall) == (0.5, 1.0)
    assert by["caption"].support == 0
    assert report.macro_f1 == pytest.approx((2 / 3 + 2 / 3 + 1.0) / 3)  # caption absent: not averaged
    assert report.accuracy == 0.75
    assert "| **macro** |" in report.to_markdown()


def test_length_mismatch_is_an_error():
    with pytest.raises(ValueError, match="3 gold labels but 2 predictions"):
        classification_report(["a", "b", "c"], ["a", "b"], ["a", "b", "c"])
