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


def test_the_text_reads_as_the_article_and_metadata_fields_are_in_every_record():
    texts = ["Trang chủ", "Hội nghị ngoại giao", "Bộ Ngoại giao đổi mới.", "Đoạn một.", "Phần hai", "Ảnh minh hoạ", "Đoạn hai.", "Thứ Ba, 23/06/2015 - 13:58", "Theo Vân Anh"]
    labels = ["navigation", "title", "lead", "body", "subheading", "caption", "body", "dateline", "byline"]
    rec = article_record(Article("a", "x.txt", [Line(t) for t in texts], {"url": "https://bao.vn/a.htm"}), labels, None, "model", None, {}, {})
    assert rec["text"] == "Hội nghị ngoại giao\n\nBộ Ngoại giao đổi mới.\n\nĐoạn một.\n\n## Phần hai\n\n*Ảnh minh hoạ*\n\nĐoạn hai."
    assert (rec["date_published"], rec["authors"], rec["url"]) == ("2015-06-23T13:58:00+07:00", ["Vân Anh"], "https://bao.vn/a.htm")
    assert rec["meta_sources"]["url"] == "record" and rec["meta_sources"]["date_published"] == "dateline"
    assert rec["duplicate_of"] is None and set(rec) == set(RECORD_FEATURES)
    RECORD_FEATURES.encode_example(rec)


def test_a_photo_story_feeds_its_captions_to_the_summarizer_and_its_body():
    from vnnews.models.summarizer import summary_source

    narrative = [f"Ảnh {i}: người dân Hà Nội đổ ra đường đón Giáng sinh, các nhà thờ rực rỡ ánh đèn suốt đêm qua." for i in range(5)]
    texts = ["Không khí Giáng sinh", "Sapo ngắn.", *narrative, "Một đoạn ngắn."]
    labels = ["title", "lead", *["caption"] * 5, "body"]
    assert summary_source(texts, labels) == "\n".join([*narrative, "Một đoạn ngắn."])
    rec = article_record(Article("p", "p", [Line(t) for t in texts]), labels, None, "model", None, {}, {})
    assert rec["body"] == [*narrative, "Một đoạn ngắn."] and rec["captions"] == narrative
    assert summary_source(texts, [*labels[:2], "caption", *["body"] * 5]) == "\n".join(texts[3:])  # one caption: an ordinary article
