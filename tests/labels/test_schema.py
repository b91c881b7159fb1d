import pytest

from vnnews.labels import COARSE, COARSE_LABELS, LABELS, check_label, coarse

REQUIRED = {"title", "lead", "body", "subheading", "caption", "byline", "dateline", "related", "navigation", "advertisement", "other"}


def test_schema_has_the_required_labels_and_every_label_a_coarse_group():
    assert REQUIRED <= set(LABELS)
    assert set(COARSE) == set(LABELS)
    assert set(COARSE.values()) == set(COARSE_LABELS)
    assert {lab for lab, group in COARSE.items() if group == "content"} == {"title", "lead", "body", "subheading"}


def test_unknown_label_names_the_choices():
    assert coarse("caption") == "caption"
    with pytest.raises(ValueError, match="unknown label 'headline'.*title"):
        check_label("headline")


def test_labels_doc_covers_every_label(annotations_dir):
    doc = (annotations_dir.parents[1] / "docs" / "labels.md").read_text(encoding="utf-8")
    for label in LABELS:
        assert f"`{label}`" in doc, label
