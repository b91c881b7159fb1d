from collections import Counter

from vnnews.dataset import DatasetConfig, build_dataset, load_subset
from vnnews.dataset.compose import compose_page
from vnnews.ingest import Article, Line
from vnnews.labels import LABELS


def structured(i: int) -> Article:
    lines = [Line(f"Tiêu đề bài số {i} về kinh tế", label="title"), Line(f"Sapo của bài {i}, đủ dài để là sapo.", label="lead")]
    lines += [Line(f"Đoạn thân bài {j} của bài {i}.", label="body") for j in range(6)]
    lines += [Line(f"Ảnh minh hoạ bài {i}.", label="caption")]
    return Article(f"a{i}", "test", lines, {}, "structured")


OTHERS = [(f"Tiêu đề khác {k} về xã hội", f"Sapo khác {k} kể chuyện dài dòng.") for k in range(20)]


def test_composed_page_keeps_the_article_and_adds_labelled_boilerplate():
    seen: Counter[str] = Counter()
    for i in range(200):
        src = structured(i)
        page = compose_page(src, OTHERS)
        assert page.label_source == "composed" and page.id == src.id
        assert set(page.labels) <= set(LABELS)
        # the article's own content is all there, in order, with its labels
        content = [(line.text, line.label) for line in page.lines if line.label in ("lead", "body")]
        assert content == [(line.text, line.label) for line in src.lines if line.label in ("lead", "body")]
        assert any(line.label == "caption" and line.text.startswith(f"Ảnh minh hoạ bài {i}.") for line in page.lines)
        seen.update(page.labels)
    for label in ("navigation", "dateline", "byline", "image", "related", "advertisement", "other"):
        assert seen[label] > 0, label


def test_composition_is_deterministic():
    assert compose_page(structured(1), OTHERS).lines == compose_page(structured(1), OTHERS).lines
    assert compose_page(structured(1), OTHERS).lines != compose_page(structured(2), OTHERS).lines


def test_build_dataset_composes_structured_records(tmp_path):
    import json

    path = tmp_path / "recs.jsonl"
    with path.open("w", encoding="utf-8") as f:
        for i in range(40):
            src = structured(i)
            f.write(json.dumps({"id": src.id, "title": src.texts[0], "lead": src.texts[1], "body": src.texts[2:8], "captions": [src.texts[8]]}, ensure_ascii=False) + "\n")
    build_dataset([path], tmp_path / "ds", DatasetConfig(compose_pages=True, annotations_dir=None, num_proc=1))
    seg = load_subset(tmp_path / "ds", "segments")
    names = seg["train"].features["label"].names
    labels = Counter(names[x] for s in seg for x in seg[s]["label"])
    assert labels["related"] > 0 and labels["navigation"] > 0 and labels["body"] == 40 * 6
    sources = {seg["train"].features["label_source"].names[x] for s in seg for x in seg[s]["label_source"]}
    assert sources == {"composed"}
    summ = load_subset(tmp_path / "ds", "summarization")
    assert sum(len(summ[s]) for s in summ) == 40  # summaries unaffected by composition
