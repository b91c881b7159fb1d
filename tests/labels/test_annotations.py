import shutil

import pytest

from vnnews.ingest import iter_articles
from vnnews.labels import LABELS, AnnotationError, apply_gold, load_gold, read_annotation, validate_annotations


def test_every_seed_page_has_valid_gold_labels(raw_dir, annotations_dir):
    assert validate_annotations(raw_dir, annotations_dir) == []
    gold = load_gold(annotations_dir)
    assert set(gold) == {p.stem for p in raw_dir.glob("*.txt")}
    articles = list(iter_articles([raw_dir]))
    labelled = [apply_gold(a, gold) for a in articles]
    assert all(a.label_source == "gold" and None not in a.labels for a in labelled)
    used = {label for a in labelled for label in a.labels}
    assert used <= set(LABELS)
    # every hard case of the seeds is labelled the documented way
    by_text = {line.text: line.label for a in labelled for line in a.lines}
    assert by_text["Hội nghị Ngoại giao lần thứ 32:"] == "title"  # kicker
    assert by_text["1hai 0936.jpg"] == "image"
    assert by_text["Theo dõi Baoquocte.vn trên"] == "navigation"
    assert by_text["Phiên bản di động"] == "navigation"
    assert by_text["Nguồn:"] == "byline"
    assert by_text["Diệu Linh"] == "byline"
    assert by_text["Xem nhiều"] == "navigation"


@pytest.fixture
def copies(tmp_path, raw_dir, annotations_dir):
    raw, ann = tmp_path / "raw", tmp_path / "ann"
    shutil.copytree(raw_dir, raw)
    shutil.copytree(annotations_dir, ann)
    return raw, ann


def test_validator_catches_an_edited_page(copies):
    raw, ann = copies
    page = raw / "002_25aafac0b17ae249.txt"
    page.write_text(page.read_text(encoding="utf-8").replace("dám nghĩ dám làm", "dám nghĩ, dám làm", 1), encoding="utf-8")
    problems = validate_annotations(raw, ann)
    assert len(problems) == 1
    assert "002_25aafac0b17ae249.tsv: labelled line 1 does not match" in problems[0]


def test_validator_catches_added_lines_unknown_labels_and_orphans(copies):
    raw, ann = copies
    with (raw / "003_13d2b43e3800a43f.txt").open("a", encoding="utf-8") as f:
        f.write("\nMột dòng mới\n")
    path = ann / "001_e1cb3691e4f8cc6d.tsv"
    path.write_text(path.read_text(encoding="utf-8").replace("image\t", "picture\t", 1), encoding="utf-8")
    (ann / "999_orphan.tsv").write_text("body\tXin chào\n", encoding="utf-8")
    (raw / "005_new.txt").write_text("Bài mới\n", encoding="utf-8")
    problems = "\n".join(validate_annotations(raw, ann))
    assert "003_13d2b43e3800a43f.tsv: 56 labelled lines but" in problems and "has 57 non-empty lines" in problems
    assert "unknown label 'picture'" in problems and "001_e1cb3691e4f8cc6d.tsv:" in problems
    assert "999_orphan.tsv: no page '999_orphan'" in problems
    assert "005_new.txt: no annotation" in problems
    assert "001_e1cb3691e4f8cc6d.txt: no annotation" not in problems  # its annotation exists: one problem, named once
    assert problems.count("001_e1cb3691e4f8cc6d") == 1


def test_tone_style_does_not_break_the_match(annotations_dir, raw_dir):
    from vnnews.ingest import IngestOptions

    gold = load_gold(annotations_dir)
    (article,) = iter_articles([raw_dir / "000_40151c7d04a83f24.txt"], IngestOptions(tone_style="old"))
    assert apply_gold(article, gold).label_source == "gold"


def test_line_without_tab_is_reported_with_its_line_number(tmp_path):
    path = tmp_path / "x.tsv"
    path.write_text("# comment\nbody\tOK\nbody no tab\n", encoding="utf-8")
    with pytest.raises(AnnotationError, match=r"x.tsv:3: expected 'label<TAB>text'"):
        read_annotation(path)
