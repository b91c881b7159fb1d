import codecs
import gzip
import json
import logging

from vnnews.ingest import IngestError, IngestOptions, iter_articles

from .test_decode import TEXT, to_cp1258


def read(paths, **kw):
    errors: list[IngestError] = []
    articles = list(iter_articles([str(p) for p in paths], on_error=errors.append, **kw))
    return articles, errors


def test_seed_dumps_become_articles_with_stable_ids(raw_dir):
    articles, errors = read([raw_dir])
    assert errors == []
    assert [a.id for a in articles] == sorted(p.stem for p in raw_dir.glob("*.txt"))
    first = articles[0]
    assert first.source.endswith("000_40151c7d04a83f24.txt")
    assert first.lines[0].text == "Hội nghị Ngoại giao lần thứ 32:"
    assert all(line.text for a in articles for line in a.lines)  # blank lines dropped
    assert first.meta == {"format": "txt", "encoding": "utf-8"}
    again, _ = read([raw_dir])
    assert [a.id for a in again] == [a.id for a in articles]


def test_tone_style_option_reaches_lines(raw_dir):
    new, _ = read([raw_dir / "000_40151c7d04a83f24.txt"])
    old, _ = read([raw_dir / "000_40151c7d04a83f24.txt"], options=IngestOptions(tone_style="old"))
    assert "văn hoá" in " ".join(new[0].texts) and "văn hóa" not in " ".join(new[0].texts)
    assert "văn hóa" in " ".join(old[0].texts) and "văn hoá" not in " ".join(old[0].texts)


def test_directories_recursive_gzip_and_encodings(tmp_path):
    (tmp_path / "a" / "b").mkdir(parents=True)
    (tmp_path / "a" / "b" / "deep.txt").write_bytes(codecs.BOM_UTF16_LE + TEXT.encode("utf-16-le"))
    (tmp_path / "a" / "cp.txt").write_bytes(to_cp1258(TEXT))
    with gzip.open(tmp_path / "zipped.html.gz", "wb") as f:
        f.write("<p>Xin chào</p><p>Việt Nam</p>".encode())
    (tmp_path / "notes.md").write_text("ignored in a directory walk")
    (tmp_path / ".hidden.txt").write_text("hidden")
    articles, errors = read([tmp_path])
    assert errors == []
    assert [a.id for a in articles] == ["a/b/deep", "a/cp", "zipped"]
    assert articles[0].meta["encoding"] == "utf-16-le (BOM)"
    assert articles[1].meta["encoding"] == "cp1258"
    assert articles[0].texts == articles[1].texts
    assert articles[2].texts == ["Xin chào", "Việt Nam"] and articles[2].lines[0].tag_path == "html/body/p"


def test_jsonl_text_html_and_structured_records(tmp_path):
    path = tmp_path / "recs.jsonl.gz"
    records = [
        {"id": "t1", "text": "Dòng một\n\nDòng hai", "url": "https://example.vn/1"},
        {"id": 7, "html": "<h1>Tiêu đề</h1><p>Thân bài</p>"},
        {"title": "Tiêu đề", "lead": "Sapo hóa.", "body": ["Câu một.", "Câu hai."], "captions": ["Ảnh minh họa."]},
    ]
    with gzip.open(path, "wt", encoding="utf-8") as f:
        f.write("\n".join(json.dumps(r, ensure_ascii=False) for r in records) + "\n")
    articles, errors = read([path])
    assert errors == []
    t1, h, s = articles
    assert (t1.id, t1.texts, t1.meta["url"], t1.label_source) == ("t1", ["Dòng một", "Dòng hai"], "https://example.vn/1", None)
    assert (h.id, h.texts, h.source) == ("7", ["Tiêu đề", "Thân bài"], f"{path}:2")
    assert s.id == "recs-3" and s.label_source == "structured"
    assert [(line.label, line.text) for line in s.lines] == [
        ("title", "Tiêu đề"),
        ("lead", "Sapo hoá."),
        ("body", "Câu một."),
        ("caption", "Ảnh minh hoạ."),
        ("body", "Câu hai."),
    ]

    assert s.texts_labelled("body", "caption") == ["Câu một.", "Ảnh minh hoạ.", "Câu hai."]


def test_bad_inputs_are_reported_with_file_line_and_cause_and_the_run_goes_on(tmp_path, raw_dir, caplog):
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "binary.txt").write_bytes(b"\x00\x01\x02PK\x03\x04" * 100)
    (tmp_path / "spaces.html").write_text("<html><body><script>x()</script>   </body></html>")
    (tmp_path / "bad.jsonl").write_text(
        '{"id": "ok1", "text": "Tốt"}\n'
        "{not json}\n"
        '["a list"]\n'
        '{"id": "x", "comment": "no usable field"}\n'
        '{"id": "ok1", "text": "trùng id"}\n'
        '{"id": "y", "body": [1, 2]}\n'
        '{"id": "ok2", "text": "Cũng tốt"}\n',
        encoding="utf-8",
    )
    (tmp_path / "bad.jsonl").open("ab").write(b'{"id": "z", "text": "\xff\xfe"}\n')
    (tmp_path / "broken.txt.gz").write_bytes(b"not gzip at all")
    (tmp_path / "notes.pdf").write_bytes(b"%PDF-1.4")
    good = raw_dir / "002_25aafac0b17ae249.txt"
    with caplog.at_level(logging.WARNING):
        articles = list(iter_articles([tmp_path, tmp_path / "missing.txt", tmp_path / "notes.pdf", good]))
    messages = [r.getMessage() for r in caplog.records]
    articles_ids = [a.id for a in articles]
    assert articles_ids == ["ok1", "ok2", "002_25aafac0b17ae249"]

    def has(fragment_path, cause):
        return any(fragment_path in m and cause in m for m in messages), (fragment_path, cause, messages)

    for where, cause in [
        ("empty.txt", "empty file"),
        ("binary.txt", "binary file"),
        ("spaces.html", "no text left after cleaning"),
        ("bad.jsonl:2", "malformed JSON"),
        ("bad.jsonl:3", "expected a JSON object, got list"),
        ("bad.jsonl:4", "none of the fields"),
        ("bad.jsonl:5", "duplicate article id 'ok1'"),
        ("bad.jsonl:6", "expected text, got int"),
        ("bad.jsonl:8", "not UTF-8"),
        ("broken.txt.gz", "cannot read"),
        ("missing.txt", "no such file"),
        ("notes.pdf", "unsupported file type"),
    ]:
        ok, detail = has(where, cause)
        assert ok, detail


def test_five_megabyte_page_is_read_whole(tmp_path):
    """Linear-time reading is measured by benchmarks/ingest_scaling.py; this pins
    that a 5 MB page (one very long line and many short ones) is read completely."""
    paragraph = "Bộ Ngoại giao tích cực đổi mới, tăng cường ứng dụng thành tựu. " * 20
    body = (paragraph + "\n") * (5_000_000 // len(paragraph.encode()))
    one_line = paragraph * 200
    (tmp_path / "big.txt").write_text(body + one_line, encoding="utf-8")
    (tmp_path / "big_page.html").write_text("<html><body>" + "".join(f"<p>{paragraph}</p>" for _ in range(3000)) + "</body></html>")
    (article, html_article), errors = read([tmp_path / "big.txt", tmp_path / "big_page.html"])
    assert errors == []
    assert len(article.lines) == body.count("\n") + 1
    assert len(article.lines[-1].text) == len(one_line.strip())
    assert len(html_article.lines) == 3000


def test_parquet_rows_are_read_as_jsonl_records_with_the_same_checks(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    from vnnews.ingest import read_file

    rows = [
        {"id": "t1", "text": "Dòng một\n\nDòng hai", "url": "https://example.vn/1"},
        {"id": "h", "html": "<h1>Tiêu đề</h1><p>Thân bài</p>"},
        {"title": "Tiêu đề", "lead": "Sapo hóa.", "body": ["Câu một.", "Câu hai."], "captions": ["Ảnh minh họa."]},
        {"id": "empty"},  # none of the fields
    ]
    path = tmp_path / "recs.parquet"
    columns = sorted({key for row in rows for key in row})  # every row has every column; null = absent
    pq.write_table(pa.Table.from_pylist([{key: row.get(key) for key in columns} for row in rows]), path)
    articles, errors = read([path])
    assert [a.id for a in articles] == ["t1", "h", "recs-3"]
    assert articles[0].texts == ["Dòng một", "Dòng hai"] and articles[0].meta["url"] == "https://example.vn/1"
    assert articles[1].source == f"{path}:2" and articles[1].texts == ["Tiêu đề", "Thân bài"]
    assert articles[2].label_source == "structured" and articles[2].texts_labelled("lead") == ["Sapo hoá."]
    assert [(e.source, e.line, e.article_id) for e in errors] == [(str(path), 4, "empty")]
    assert "none of the fields" in errors[0].cause
    # every n-th row from the k-th, as JSONL parts are read
    halves = [[a.id for a in read_file(path, part=(k, 2), on_error=lambda e: None)] for k in (0, 1)]
    assert halves == [["t1", "recs-3"], ["h"]]
    # a file that is not Parquet: one error naming it, the run goes on
    bad = tmp_path / "bad.parquet"
    bad.write_bytes(b"not parquet at all")
    articles, errors = read([bad, path])
    assert len(articles) == 3 and errors[0].source == str(bad) and errors[0].cause.startswith("cannot read Parquet")


def test_an_output_record_read_back_keeps_its_parts_beside_its_reading_text(tmp_path):
    """vnnews's records carry ``text`` (the article as read) beside title/lead/body:
    read back, they are structured records, not a page dump without labels."""
    path = tmp_path / "out.jsonl"
    record = {"id": "a", "title": "Tiêu đề", "lead": "Sapo.", "body": ["Câu một."], "captions": [], "text": "Tiêu đề\n\nSapo.\n\nCâu một."}
    path.write_text(json.dumps(record, ensure_ascii=False) + "\n", encoding="utf-8")
    (article,), _ = read([path])
    assert article.label_source == "structured" and [line.label for line in article.lines] == ["title", "lead", "body"]
    path.write_text(json.dumps({"id": "b", "title": "Tiêu đề", "text": "Dòng một\nDòng hai"}, ensure_ascii=False) + "\n", encoding="utf-8")
    (page,), _ = read([path])
    assert page.label_source is None and page.texts == ["Dòng một", "Dòng hai"]  # a title beside a page dump: the dump


def test_a_folder_of_sites_gives_each_page_its_site(tmp_path):
    """Evaluation per site and leave-sites-out self-training group pages by ``Article.site``:
    the first folder of the id, "(none)" for a page given alone."""
    (tmp_path / "sites" / "vnexpress.net" / "2024").mkdir(parents=True)
    (tmp_path / "sites" / "dantri.com.vn").mkdir(parents=True)
    (tmp_path / "sites" / "vnexpress.net" / "2024" / "a.txt").write_text("Tiêu đề\nNội dung bài.\n", encoding="utf-8")
    (tmp_path / "sites" / "dantri.com.vn" / "b.txt").write_text("Tiêu đề\nNội dung bài.\n", encoding="utf-8")
    sites = {a.id: a.site for a in iter_articles([tmp_path / "sites"])}
    assert sites == {"vnexpress.net/2024/a": "vnexpress.net", "dantri.com.vn/b": "dantri.com.vn"}
    assert [a.site for a in iter_articles([tmp_path / "sites" / "dantri.com.vn" / "b.txt"])] == ["(none)"]
