from vnnews.inference import RECORD_FEATURES, article_record, summary_document
from vnnews.inference.records import error_record
from vnnews.ingest import Article, Line


def _article() -> Article:
    texts = ["Trang chủ", "Thời sự", "Hội nghị ngoại giao", "Bộ Ngoại giao đổi mới.", "Đoạn một.", "Ảnh minh hoạ (Ảnh: TV)", "Đoạn hai.", "Diệu Linh"]
    return Article("a1", "x.txt", [Line(t) for t in texts])


LABELS = ["navigation", "navigation", "title", "lead", "body", "caption", "body", "byline"]


def test_record_derives_clean_fields_from_line_labels():
    models = {"classifier": "runs/c", "classifier_revision": "sha256:ab", "summarizer": None}
    rec = article_record(_article(), LABELS, [0.9] * 8, "model", "Tóm tắt.", models, {"classify_s": 0.5})
    assert rec["title"] == "Hội nghị ngoại giao"
    assert rec["lead"] == "Bộ Ngoại giao đổi mới."
    assert rec["body"] == ["Đoạn một.", "Đoạn hai."]
    assert rec["captions"] == ["Ảnh minh hoạ (Ảnh: TV)"]
    assert rec["byline"] == "Diệu Linh" and rec["dateline"] is None
    assert [line["label"] for line in rec["lines"]] == LABELS and rec["lines"][0]["confidence"] == 0.9
    assert rec["models"] == {"classifier": "runs/c", "classifier_revision": "sha256:ab", "summarizer": None, "summarizer_revision": None}
    assert rec["timings"]["classify_s"] == 0.5 and rec["timings"]["summarize_s"] == 0.0
    # every field of the schema, nothing else: the three output formats share it
    assert set(rec) == set(RECORD_FEATURES)
    RECORD_FEATURES.encode_example(rec)


def test_unlabelled_article_is_clean_text_for_the_summarizer():
    article = _article()
    assert summary_document(article, None) == "\n".join(article.texts)
    assert summary_document(article, LABELS) == "Đoạn một.\nĐoạn hai."
    rec = article_record(article, None, None, None, "s", {}, {})
    assert rec["body"] == article.texts and rec["title"] is None
    assert all(line["label"] is None for line in rec["lines"])


def test_error_record_names_the_article_and_cause():
    assert error_record("a1", "f.jsonl", "boom", 3) == {"id": "a1", "source": "f.jsonl", "line": 3, "cause": "boom"}
