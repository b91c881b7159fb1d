import gzip
import json

import datasets
import pytest

from vnnews.dataset import SPLITS, DatasetConfig, build_dataset, load_subset
from vnnews.ingest import plan_shards
from vnnews.labels import LABELS, load_gold


@pytest.fixture(scope="module")
def seed_dataset(tmp_path_factory):
    from tests.conftest import ANNOTATIONS_DIR, RAW_DIR

    out = tmp_path_factory.mktemp("ds") / "seeds"
    result = build_dataset([RAW_DIR], out, DatasetConfig(annotations_dir=str(ANNOTATIONS_DIR), num_proc=2))
    return out, result


def test_seed_corpus_builds_with_gold_labels_and_disjoint_splits(seed_dataset, annotations_dir):
    out, result = seed_dataset
    gold = load_gold(annotations_dir)
    segments = load_subset(out, "segments")
    assert isinstance(segments, datasets.DatasetDict) and list(segments) == list(SPLITS)
    assert result.errors == []
    assert result.n_articles == 5
    # every gold line is there, once, with its gold label
    total = sum(len(a.labels) for a in gold.values())
    assert sum(len(segments[s]) for s in SPLITS) == total
    names = segments["train"].features["label"].names
    assert names == list(LABELS)
    for split in SPLITS:
        for row in segments[split]:
            assert names[row["label"]] == gold[row["article_id"]].labels[row["line_index"]]
            assert segments[split].features["label_source"].names[row["label_source"]] == "gold"
    # articles never straddle splits
    ids = {s: set(segments[s]["article_id"]) for s in SPLITS}
    assert not (ids["train"] & ids["validation"] or ids["train"] & ids["test"] or ids["validation"] & ids["test"])
    assert set().union(*ids.values()) == set(gold)


def test_segment_context_and_position_features(seed_dataset):
    out, _ = seed_dataset
    rows = [r for s in SPLITS for r in load_subset(out, "segments")[s] if r["article_id"] == "000_40151c7d04a83f24"]
    rows.sort(key=lambda r: r["line_index"])
    first, second, last = rows[0], rows[1], rows[-1]
    assert first["context_before"] == [] and first["position"] == 0.0 and last["position"] == 1.0
    assert second["context_before"] == [first["text"]]
    assert first["context_after"] == [rows[1]["text"], rows[2]["text"]]
    assert first["n_lines"] == len(rows) and first["n_chars"] == len(first["text"])
    assert first["tag_path"] is None and first["link_density"] is None


def test_summarization_subset_pairs_body_with_lead(seed_dataset):
    out, result = seed_dataset
    summ = load_subset(out, "summarization")
    rows = {r["article_id"]: r for s in SPLITS for r in summ[s]}
    # 001 has no title and so no lead; the other four pages have both
    assert set(rows) == {"000_40151c7d04a83f24", "002_25aafac0b17ae249", "003_13d2b43e3800a43f", "004_ef99bcfbe1261416"}
    r = rows["002_25aafac0b17ae249"]
    assert r["title"] == "Nâng cao tinh thần 'dám nghĩ dám làm'"
    assert r["summary"].startswith("Trong 2 ngày 13 và 14/10")
    assert "'Câu chuyện tuyên truyền' và ngoại giao ở nước ngoài" in r["document"].split("\n")  # subheading kept
    assert "(Ảnh:" not in rows["000_40151c7d04a83f24"]["document"]  # captions are not body
    assert sum(result.counts["summarization"].values()) == 4


def test_card_manifest_and_round_trip(seed_dataset):
    out, result = seed_dataset
    card = (out / "README.md").read_text(encoding="utf-8")
    assert card.startswith("---\n") and "config_name: segments" in card and "path: segments/train/data-*.arrow" in card  # the files on disk: load_dataset(DIR, "segments")
    assert "| related | boilerplate |" in card and "| articles |" in card
    assert "license: other" in card and "## Sources and licences" in card and "| `raw` |" in card
    manifest = json.loads((out / "build.json").read_text(encoding="utf-8"))
    assert manifest["rows"] == result.counts and manifest["skipped_inputs"] == 0
    again = datasets.load_from_disk(str(out / "segments"))
    assert again["train"].features == load_subset(out, "segments")["train"].features
    assert again["train"][0] == load_subset(out, "segments")["train"][0]


def test_structured_weak_and_bad_records_together(tmp_path, raw_dir):
    records = tmp_path / "recs.jsonl.gz"
    with gzip.open(records, "wt", encoding="utf-8") as f:
        f.write(json.dumps({"id": "s1", "title": "Tiêu đề", "lead": "Sapo dài.", "body": ["Câu một.", "Câu hai."], "captions": ["Ảnh."]}) + "\n")
        f.write("{broken\n")
        f.write(json.dumps({"id": "w1", "text": "Trang chủ Thế giới\nTiêu đề bài\n" + "Đoạn văn dài của bài báo, có đủ chữ để là thân bài. " * 3}) + "\n")
        f.write(json.dumps({"id": "s1", "text": "trùng"}) + "\n")
    (tmp_path / "empty.txt").write_text("")
    (tmp_path / "h1.html").write_text('<nav><a href="/">Trang chủ</a></nav><h1>Tiêu đề</h1><p>' + "Thân bài đủ dài để là một đoạn văn. " * 4 + "</p>")
    out = tmp_path / "out"
    inputs = [records, tmp_path / "empty.txt", tmp_path / "h1.html", raw_dir / "002_25aafac0b17ae249.txt"]
    result = build_dataset(inputs, out, DatasetConfig(annotations_dir=None, num_proc=1))
    assert result.n_articles == 4
    causes = [str(e) for e in result.errors]
    assert any("recs.jsonl.gz:2" in c and "malformed JSON" in c for c in causes)
    assert any("duplicate article id 's1'" in c for c in causes)
    assert any("empty.txt" in c and "empty file" in c for c in causes)
    logged = (out / "errors.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(logged) == len(result.errors) == 3
    seg = load_subset(out, "segments")
    sources = {}
    for s in SPLITS:
        names = seg[s].features["label_source"].names
        for r in seg[s]:
            sources[r["article_id"]] = names[r["label_source"]]
    assert sources == {"s1": "structured", "w1": "weak", "h1": "weak", "002_25aafac0b17ae249": "weak"}
    html_rows = sorted((r for s in SPLITS for r in seg[s] if r["article_id"] == "h1"), key=lambda r: r["line_index"])
    assert [r["tag_path"] for r in html_rows] == ["html/body/nav", "html/body/h1", "html/body/p"]
    assert html_rows[0]["link_density"] == 1.0 and html_rows[2]["link_density"] == 0.0


def test_a_directory_vnnews_did_not_write_is_never_replaced(raw_dir, tmp_path):
    out = tmp_path / "ds"
    out.mkdir()
    (out / "keep.txt").write_text("earlier work")
    for overwrite in (False, True):
        with pytest.raises(FileExistsError, match=f"dataset {out} is an existing directory that vnnews did not write"):
            build_dataset([raw_dir], out, DatasetConfig(num_proc=1), overwrite=overwrite)
        assert (out / "keep.txt").read_text() == "earlier work"


def test_its_own_dataset_is_replaced_only_with_overwrite(raw_dir, tmp_path):
    out = tmp_path / "ds"
    build_dataset([raw_dir], out, DatasetConfig(num_proc=1))
    with pytest.raises(FileExistsError, match="--overwrite"):
        build_dataset([raw_dir], out, DatasetConfig(num_proc=1))
    assert (out / "segments").is_dir()
    build_dataset([raw_dir], out, DatasetConfig(num_proc=1), overwrite=True)
    assert (out / "segments").is_dir() and not (tmp_path / "ds.partial").exists() and not (tmp_path / ".ds.old").exists()


def test_an_output_inside_the_input_is_refused(raw_dir, tmp_path):
    import shutil

    pages = tmp_path / "pages"
    shutil.copytree(raw_dir, pages)
    with pytest.raises(FileExistsError, match="lies inside the input directory"):
        build_dataset([pages], pages / "ds", DatasetConfig(num_proc=1))
    assert sorted(p.name for p in pages.iterdir()) == sorted(p.name for p in raw_dir.iterdir())


def test_nothing_readable_is_an_error_that_says_why(tmp_path):
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "a.txt").write_bytes(b"\x00\x01binary")
    with pytest.raises(ValueError, match="no article could be read.*binary file"):
        build_dataset([tmp_path / "in"], tmp_path / "out", DatasetConfig(num_proc=1))
    assert not (tmp_path / "out").exists()


def test_large_jsonl_is_shared_between_workers(tmp_path):
    big = tmp_path / "big.jsonl"
    line = json.dumps({"title": "T", "lead": "L", "body": ["x" * 2000]}) + "\n"
    big.write_text(line * 600)
    small = tmp_path / "small.txt"
    small.write_text("a")
    shards = plan_shards([tmp_path], 2)
    assert len(shards) == 2
    units = sorted(u for s in shards for u in s)
    assert (str(big), "big.jsonl", 0, 2) in units and (str(big), "big.jsonl", 1, 2) in units
    assert (str(small), "small.txt", 0, 1) in units


def test_gold_annotation_that_no_longer_matches_is_reported(tmp_path, raw_dir, annotations_dir):
    import shutil

    raw = tmp_path / "raw"
    raw.mkdir()
    shutil.copy(raw_dir / "002_25aafac0b17ae249.txt", raw)
    with (raw / "002_25aafac0b17ae249.txt").open("a", encoding="utf-8") as f:
        f.write("\nDòng thêm vào sau khi gán nhãn\n")
    with pytest.raises(ValueError, match="gold annotation does not match"):
        build_dataset([raw], tmp_path / "out", DatasetConfig(annotations_dir=str(annotations_dir), num_proc=1))


def test_the_card_attributes_vietnews_and_its_terms(tmp_path):
    from vnnews.dataset.card import sources_table

    rows = "\n".join(sources_table(["../shared/corpora/vietnews/train.jsonl.gz", "my-pages/"]))
    assert "VNDS: A Vietnamese Dataset for Summarization" in rows and "github.com/ThanhChinhBK/vietnews" in rows
    assert "copyright stays with their publishers" in rows and "| `my-pages` |" in rows


def test_a_presegmented_dataset_is_tokenized_in_training_never_segmented_again(tmp_path, raw_dir, tiny_phobert, monkeypatch):
    """presegment: the build's workers segment every line once; the page labeller then
    tokenizes the stored words and gets the same ids as segmenting itself."""
    from vnnews.dataset.features import article_from_page_row
    from vnnews.models.page_labeler import PageLabeler
    from vnnews.recipes.classifier import dataset_segmentation
    from vnnews.text.segment import model_segmenter

    build_dataset([raw_dir], tmp_path / "ds", DatasetConfig(annotations_dir=None, num_proc=1, presegment="underthesea"))
    segmentation = dataset_segmentation(tmp_path / "ds")  # what load_pages reads from build.json
    assert segmentation == {"segmenter": "underthesea", "tone_style": "new", "max_line_chars": 400}
    rows = [r for split in load_subset(tmp_path / "ds", "pages").values() for r in split]
    segment = model_segmenter("underthesea", "new")
    assert len(rows) == 5 and all(r["segmented"] == [segment.segment(t[:400]) for t in r["texts"]] for r in rows)

    pages = [article_from_page_row(r, segmentation) for r in rows]
    bare = [article_from_page_row(r) for r in rows]  # no stored segmentation: segmented on the fly
    assert all(p.meta["segmented"] for p in pages) and not any("segmented" in p.meta for p in bare)
    plain = PageLabeler.from_encoder(str(tiny_phobert)).encode(bare)
    model = PageLabeler.from_encoder(str(tiny_phobert))

    def refuse(self, text):
        raise AssertionError("segmented again")

    monkeypatch.setattr(type(model.line_tokenizer.segment), "segment", refuse)
    assert [p.ids for p in model.encode(pages)] == [p.ids for p in plain]


def test_five_labelled_pages_get_a_validation_and_a_test_page_and_load_the_hf_way(tmp_path, raw_dir, annotations_dir, caplog):
    """A newsroom's first five labelled pages (issue 37): with this salt the hash alone
    leaves validation empty; one train page is moved there, said in a warning, and every
    subset loads with datasets.load_dataset."""
    import datasets as hf

    from vnnews.dataset import DatasetConfig, build_dataset

    with caplog.at_level("WARNING"):
        result = build_dataset([raw_dir], tmp_path / "ds", DatasetConfig(annotations_dir=str(annotations_dir), num_proc=1, split_salt="a"))
    assert result.articles == {"train": 3, "validation": 1, "test": 1}
    assert "validation had no article of the 5 in this dataset" in caplog.text and "label more pages" in caplog.text
    for subset in ("segments", "summarization", "pages"):
        loaded = hf.load_dataset(str(tmp_path / "ds"), subset, cache_dir=str(tmp_path / "hf-cache"))  # never an earlier run's cache of a "ds"
        with_rows = {split for split, n in result.counts[subset].items() if n}
        assert set(loaded) == with_rows and all(len(loaded[split]) > 0 for split in loaded), subset
        if subset != "summarization":
            assert with_rows == {"train", "validation", "test"}, subset
    # this salt's test page has no lead: no summarization example there, and the card lists no
    # empty split (load_dataset refuses one: "Instruction 'test' corresponds to no data")
    assert result.counts["summarization"]["test"] == 0


def test_splits_the_hash_fills_are_left_as_they_are(tmp_path, raw_dir, annotations_dir, caplog):
    from vnnews.dataset import DatasetConfig, build_dataset
    from vnnews.dataset.splits import assign_split

    config = DatasetConfig(annotations_dir=str(annotations_dir), num_proc=1)  # the default salt: no split of the five is empty
    ids = sorted(p.stem for p in raw_dir.glob("*.txt"))
    expected = {s: sum(assign_split(i, config.split_ratios, config.split_salt) == s for i in ids) for s in ("train", "validation", "test")}
    assert 0 not in expected.values()
    with caplog.at_level("WARNING"):
        result = build_dataset([raw_dir], tmp_path / "ds", config)
    assert result.articles == expected and "had no article" not in caplog.text
