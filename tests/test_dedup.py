"""Near-duplicates (issue 22): syndicated copies found, distinct articles left alone,
the index on disk across a resumed job, near-duplicates kept in one split of a build."""

import gzip
import json

from tests.conftest import VIETNEWS_DIR
from vnnews.dedup import NearDuplicates, mark_duplicates, signature, similarity


def _records(n):
    with gzip.open(VIETNEWS_DIR / "validation.jsonl.gz", "rt", encoding="utf-8") as f:
        return [json.loads(line) for _, line in zip(range(n), f, strict=False)]


def test_copies_are_found_and_distinct_articles_are_not():
    records = _records(60)
    items = [(r["id"], "\n".join(r["body"])) for r in records]
    copy = "\n".join(records[3]["body"][1:]) + "\nTheo VnExpress"
    marks = mark_duplicates([*items, ("copy", copy), ("exact", items[7][1]), ("short", "Hà Nội mưa.")])
    assert marks[:60] == [(None, None)] * 60
    assert marks[60][0] == records[3]["id"] and marks[60][1] >= 0.7
    assert marks[61] == (records[7]["id"], 1.0) and marks[62] == (None, None)
    assert signature("") is None and similarity(signature("một hai ba bốn năm sáu"), signature("một hai ba bốn năm sáu")) == 1.0


def test_the_index_survives_on_disk_and_an_article_is_never_its_own_twin(tmp_path):
    text = "\n".join(_records(1)[0]["body"])
    index = NearDuplicates(tmp_path / "nd.sqlite")
    assert index.check("a", text) == (None, None)
    index.close()
    again = NearDuplicates(tmp_path / "nd.sqlite")  # a resumed job
    assert again.check("a", text) == (None, None)  # re-read after a kill: itself, not a twin
    assert again.check("b", text)[0] == "a"
    again.close()


def test_infer_marks_duplicates_and_the_builder_keeps_twins_in_one_split(tmp_path):
    from vnnews.dataset import DatasetConfig, build_dataset, load_subset
    from vnnews.inference import InferenceConfig, read_records, run_inference

    records = _records(30)
    twins = [{**r, "id": r["id"] + "-syndicated", "body": [*r["body"][1:], "Theo Tuổi Trẻ"]} for r in records[:10]]
    path = tmp_path / "recs.jsonl"
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in [*records, *twins]), encoding="utf-8")
    out = tmp_path / "out.jsonl"
    run_inference([path], out, InferenceConfig(classifier="weak", progress=False, dedup=True))
    by_id = {r["id"]: r for r in read_records(out)}
    assert all(by_id[t["id"]]["duplicate_of"] == t["id"].removesuffix("-syndicated") for t in twins)
    assert sum(r["duplicate_of"] is not None for r in by_id.values()) == 10
    build_dataset([path], tmp_path / "ds", DatasetConfig(annotations_dir=None, num_proc=1))
    split_of = {row["article_id"]: (split, row["duplicate_of"]) for split, ds in load_subset(tmp_path / "ds", "summarization").items() for row in ds}
    for twin in twins:
        split, original = split_of[twin["id"]]
        assert original == twin["id"].removesuffix("-syndicated") and split == split_of[original][0]
