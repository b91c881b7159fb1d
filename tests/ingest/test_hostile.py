"""Hostile but fair inputs (issue 21): each is fed to the readers and must become
articles or one error naming the input and the cause, with the other inputs read."""

import datetime
import decimal
import gzip
import json
import os
import tracemalloc

import pytest

from vnnews.ingest import IngestError, IngestOptions, article_from_content, html_to_lines, iter_articles
from vnnews.ingest.decode import decode_bytes
from vnnews.ingest.html import MAX_NAME_CHARS, MAX_PATH_ELEMENTS, HtmlLimits, PageTooLarge

from .test_decode import TEXT, to_cp1258


def read(paths, **kw):
    errors: list[IngestError] = []
    articles = list(iter_articles([str(p) for p in paths], on_error=errors.append, **kw))
    return articles, errors


def amplification_page(id_chars: int, paragraphs: int) -> str:
    """Huge id/class values over many children: each line once kept its own copy."""
    return f'<html><body><div id="{"a" * id_chars}" class="{"c" * id_chars} x">' + "<p>x y</p>" * paragraphs + "</div></body></html>"


# ---------------------------------------------------------------- HTML
def test_attribute_amplification_costs_the_page_not_attribute_size_times_lines():
    html = amplification_page(200_000, 5_000)  # 0.45 MB: every line once copied a 600 KB path
    tracemalloc.start()
    lines, _ = html_to_lines(html)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert len(lines) == 5_000
    assert peak < 60 * 2**20, f"{peak / 2**20:.0f} MiB to read a 0.45 MB page"
    assert all(len(word) <= MAX_NAME_CHARS for line in lines[:1] for word in line.tag_path.replace("#", ".").split("/")[-2].split("."))
    assert len({id(line.tag_path) for line in lines}) == 1  # one path string, shared by every line of the list


def test_tag_paths_are_bounded_in_depth_and_keep_both_ends():
    html = "<div class='article'>" + "<div>" * 500 + "<p>Sâu</p>" + "</div>" * 501
    (line,), _ = html_to_lines(html)
    elements = line.tag_path.split("/")
    assert len(elements) == MAX_PATH_ELEMENTS and "…" in elements
    assert elements[:3] == ["html", "body", "div.article"] and elements[-1] == "p"


def test_element_budget_is_checked_before_and_while_parsing():
    small = HtmlLimits(max_elements=1_000)
    with pytest.raises(PageTooLarge, match="more than 1000 HTML elements"):
        html_to_lines("<p>x</p>" * 5_000, limits=small)  # stopped while parsing
    assert len(html_to_lines("<p>x</p>" * 900, limits=small)[0]) == 900  # under the budget: read whole
    with pytest.raises(PageTooLarge, match="more than 10 lines"):
        html_to_lines("<p>x</p>" * 50, limits=HtmlLimits(max_lines=10))


def test_deep_unclosed_markup_keeps_every_paragraph():
    html = "".join(f"<p><font><b>Đoạn {i} của bài" for i in range(400))  # nesting 1,200 deep, never closed
    lines, _ = html_to_lines(html)
    assert [line.text for line in lines] == [f"Đoạn {i} của bài" for i in range(400)]
    divs, _ = html_to_lines("<div>" * 300 + "Nội dung sâu" + "</div>" * 300)
    assert [line.text for line in divs] == ["Nội dung sâu"]


def test_a_page_the_parser_can_only_read_in_part_is_reported_as_cut(tmp_path):
    (tmp_path / "deep.html").write_text("<div>" * 3000 + "Chữ bị mất" + "</div>" * 3000, encoding="utf-8")
    (tmp_path / "ok.html").write_text("<p>Bài tốt</p>", encoding="utf-8")
    articles, errors = read([tmp_path])
    assert [a.id for a in articles] == ["ok"]
    assert len(errors) == 1 and errors[0].source.endswith("deep.html") and "page too large: cut by the HTML parser" in errors[0].cause


def test_an_internal_doctype_subset_leaves_no_text_behind():
    lines, _ = html_to_lines('<!DOCTYPE html [\n<!ENTITY x "abc">\n]>\n<html><body><p>Tin tức</p></body></html>')
    assert [line.text for line in lines] == ["Tin tức"]


def test_the_service_path_reads_html_within_the_line_budget():
    with pytest.raises(IngestError, match=r"page too large: more than 100 lines \(max_lines\)"):
        article_from_content("r", "request", html=amplification_page(1_000_000, 120_000), options=IngestOptions(max_page_lines=100))


# ---------------------------------------------------------------- compressed and large inputs
def test_a_gzip_bomb_is_skipped_and_the_other_files_are_read(tmp_path):
    (tmp_path / "a.txt").write_text("Bài một\nNội dung", encoding="utf-8")
    with gzip.open(tmp_path / "bomb.txt.gz", "wb", compresslevel=9) as f:
        for _ in range(64):
            f.write(b"\0" * (1 << 20))  # 64 MiB of zeros in about 64 KB
    (tmp_path / "c.jsonl").write_text(json.dumps({"id": "c", "text": "Bài ba"}) + "\n", encoding="utf-8")
    articles, errors = read([tmp_path], options=IngestOptions(max_page_bytes=8 << 20))
    assert [a.id for a in articles] == ["a", "c"]
    assert [(os.path.basename(e.source), e.cause) for e in errors] == [
        ("bomb.txt.gz", "larger than max_page_bytes=8388608 bytes once decompressed: skipped (raise max_page_bytes to read it)")
    ]


def test_a_jsonl_line_over_the_budget_is_skipped_and_reading_goes_on(tmp_path):
    path = tmp_path / "r.jsonl.gz"
    with gzip.open(path, "wt", encoding="utf-8") as f:
        f.write(json.dumps({"id": "1", "text": "Một"}) + "\n")
        f.write(json.dumps({"id": "2", "text": "x" * 5000}) + "\n")
        f.write(json.dumps({"id": "3", "text": "Ba"}) + "\n")
    articles, errors = read([path], options=IngestOptions(max_page_bytes=1000))
    assert [a.id for a in articles] == ["1", "3"]
    assert [(e.line, e.cause) for e in errors] == [(2, "line longer than max_page_bytes=1000 bytes: skipped")]


@pytest.mark.parametrize("damage", ["junk", "cut"])
def test_a_damaged_gzip_stream_yields_every_complete_record_and_says_where_it_stopped(tmp_path, damage):
    records = b"".join(json.dumps({"id": str(i), "text": f"Bài số {i} có nội dung {i * 7}"}).encode() + b"\n" for i in range(2000))
    data = gzip.compress(records)
    path = tmp_path / "r.jsonl.gz"
    path.write_bytes(data + b"not gzip" if damage == "junk" else data[: len(data) * 3 // 4])
    articles, errors = read([path])
    complete = 2000 if damage == "junk" else len(__import__("zlib").decompressobj(31).decompress(path.read_bytes()).split(b"\n")) - 1
    assert [a.id for a in articles] == [str(i) for i in range(complete)]
    assert len(errors) == 1 and errors[0].line == complete + 1
    expected = "trailing data after the gzip stream (not gzip): ignored" if damage == "junk" else "gzip stream cut short"
    assert errors[0].cause.startswith(f"reading stopped after line {complete}") and expected in errors[0].cause


# ---------------------------------------------------------------- ids and types
def test_a_lone_surrogate_in_an_id_is_one_error_and_never_reaches_output(tmp_path):
    path = tmp_path / "r.jsonl"
    path.write_text('{"id": "ok1", "text": "Một"}\n{"id": "bad\\ud800", "text": "Hai"}\n{"id": "ok2", "text": "Ba \\udfff"}\n', encoding="utf-8")
    articles, errors = read([path])
    assert [a.id for a in articles] == ["ok1", "ok2"] and articles[1].texts == ["Ba"]  # lone surrogates in text are dropped
    assert len(errors) == 1 and errors[0].line == 2 and errors[0].article_id is None
    assert errors[0].cause == "field 'id' is not valid Unicode: a lone surrogate U+D800 at character 4 ('bad\\\\ud800'); no output can store it"
    json.dumps(errors[0].cause, ensure_ascii=False).encode("utf-8")  # writable


def test_a_file_name_that_is_not_utf8_gets_a_writable_id_and_source(tmp_path):
    name = os.fsdecode(b"tin-\xff.txt")
    (tmp_path / name).write_text("Tin tức", encoding="utf-8")
    (article,), errors = read([tmp_path])
    assert not errors and article.id == "tin-\\udcff"
    (article.id + article.source).encode("utf-8")


def test_parquet_ids_of_other_types_are_errors_per_row(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    for kind, values in {
        "timestamp": [datetime.datetime(2024, 1, 1), datetime.datetime(2024, 1, 2)],
        "decimal": [decimal.Decimal("1.5"), decimal.Decimal("2.5")],
        "bytes": [b"\xff\x00", b"ab"],
    }.items():
        path = tmp_path / f"{kind}.parquet"
        pq.write_table(pa.table({"id": values, "text": ["Một", "Hai"]}), path)
        articles, errors = read([path])
        assert articles == [] and [e.line for e in errors] == [1, 2], kind
        assert errors[0].cause.startswith("field 'id' must be a non-empty string or a whole number, got "), errors[0].cause
    pq.write_table(pa.table({"id": ["a", "b"], "text": ["Một", "Hai"]}), tmp_path / "good.parquet")
    articles, _ = read([tmp_path])
    assert [a.id for a in articles] == ["a", "b"]  # the good file of the folder is read


def test_huge_integers_in_json_are_an_error_not_a_crash(tmp_path):
    path = tmp_path / "r.jsonl"
    path.write_text('{"id": 1' + "0" * 5000 + ', "text": "x"}\n{"id": "ok", "text": "Một"}\n', encoding="utf-8")
    articles, errors = read([path])
    assert [a.id for a in articles] == ["ok"] and errors[0].line == 1 and errors[0].cause.startswith("unreadable JSON")


# ---------------------------------------------------------------- symbolic links
def test_symbolic_links_outside_the_folder_and_to_directories_are_reported(tmp_path):
    pages, outside = tmp_path / "pages", tmp_path / "outside"
    pages.mkdir()
    outside.mkdir()
    (pages / "a.txt").write_text("Bài một", encoding="utf-8")
    (outside / "secret.txt").write_text("không phải bài báo", encoding="utf-8")
    (pages / "passwd.txt").symlink_to(outside / "secret.txt")
    (pages / "inside.txt").symlink_to(pages / "a.txt")
    (pages / "more").symlink_to(outside, target_is_directory=True)
    (pages / "gone.txt").symlink_to(tmp_path / "missing.txt")
    articles, errors = read([pages])
    assert [a.id for a in articles] == ["a", "inside"]
    causes = {os.path.basename(e.source): e.cause for e in errors}
    assert causes["passwd.txt"].startswith(f"a symbolic link to {outside / 'secret.txt'}, outside the input folder")
    assert causes["more"] == "a symbolic link to a directory: not followed (give its target as an input to read it)"
    assert causes["gone.txt"].startswith("a broken symbolic link")
    articles, errors = read([pages], options=IngestOptions(follow_symlinks=False))
    assert [a.id for a in articles] == ["a"]
    assert "skipped (--no-follow-symlinks)" in {os.path.basename(e.source): e.cause for e in errors}["inside.txt"]


# ---------------------------------------------------------------- encodings
def test_a_western_declared_charset_on_vietnamese_bytes_is_read_as_windows_1258():
    from vnnews.text import normalize

    text, encoding = decode_bytes(to_cp1258(TEXT), declared="iso8859-1")
    assert normalize(text) == normalize(TEXT)
    assert encoding == "cp1258 (declared or guessed iso8859-1, which gives mojibake: read as windows-1258)"
    french, encoding = decode_bytes("Le café est très bon à Paris, où l'été".encode("latin-1"), declared="iso8859-1")
    assert encoding == "iso8859-1" and "café" in french  # a real Latin-1 page stays Latin-1


def test_stray_bytes_are_tolerated_per_line_and_counted():
    from vnnews.text import normalize

    page = ("Dòng một: Hà Nội\n" * 20).encode() + to_cp1258("Chân trang: Bản quyền thuộc về báo") + b"\nCu\xe1\xbb\x91i"
    text, encoding = decode_bytes(page)
    assert encoding == "utf-8 (1 line not UTF-8, read as cp1258)"
    assert normalize(text.splitlines()[20]) == "Chân trang: Bản quyền thuộc về báo" and text.splitlines()[0] == "Dòng một: Hà Nội"
    text, encoding = decode_bytes("Tin tức\x00 Hà Nội hôm nay có mưa".encode())
    assert encoding == "utf-8 (1 NUL byte dropped)" and text == "Tin tức Hà Nội hôm nay có mưa"


# ---------------------------------------------------------------- containers, round two (issue 34)
def _bomb_parquet(path, rows=200, mib=50, compression="zstd"):
    import pyarrow as pa
    import pyarrow.parquet as pq

    # One value referenced by every row: built as a dictionary array directly (encoding
    # `rows` copies of it first would write gigabytes into memory to make a 2 KB file)
    text = pa.DictionaryArray.from_arrays(pa.array([0] * rows, pa.int32()), pa.array(["a" * (mib << 20)]))
    pq.write_table(pa.table({"id": [f"r{i}" for i in range(rows)], "text": text}), path, compression=compression)
    del text


def test_a_parquet_decompression_bomb_is_one_error_and_the_other_files_are_read(tmp_path):
    _bomb_parquet(tmp_path / "bomb.parquet")
    assert (tmp_path / "bomb.parquet").stat().st_size < 10_000
    (tmp_path / "good.jsonl").write_text(json.dumps({"id": "g", "text": "Bài tốt"}) + "\n", encoding="utf-8")
    tracemalloc.start()
    articles, errors = read([tmp_path])
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert [a.id for a in articles] == ["g"]
    (error,) = errors
    assert os.path.basename(error.source) == "bomb.parquet" and error.line == 1 and "decompression bomb" in error.cause and "rows 1-200" in error.cause
    assert peak < 64 << 20  # Python objects; the 50 MB value is never decoded


def test_parquet_rows_over_the_budget_are_refused_before_decoding_each_one_an_error(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    _bomb_parquet(tmp_path / "plain.parquet", rows=20, mib=4, compression="none")  # no ratio to give it away
    rows = [{"id": "1", "body": ["Một", "Hai"]}, {"id": "2", "body": ["x" * 3000, "y"]}, {"id": "3", "body": ["Ba"]}]
    pq.write_table(pa.Table.from_pylist(rows), tmp_path / "lines.parquet")
    tracemalloc.start()
    articles, errors = read([tmp_path / "plain.parquet", tmp_path / "lines.parquet"], options=IngestOptions(max_page_bytes=2000))
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert [a.id for a in articles] == ["1", "3"]
    causes = [(os.path.basename(e.source), e.line, e.cause) for e in errors]
    assert causes[:20] == [("plain.parquet", i, f"a row of {(4 << 20) + len(f'r{i - 1}'):,} bytes once decoded, over max_page_bytes (2,000)") for i in range(1, 21)]
    assert causes[20:] == [("lines.parquet", 2, "a row of 3,002 bytes once decoded, over max_page_bytes (2,000)")]
    assert peak < 32 << 20  # twenty 4 MB rows were never Python strings


def test_the_byte_size_of_arrow_values_counts_lists_structs_and_dictionaries():
    import pyarrow as pa

    from vnnews.ingest.parquet import value_bytes

    assert list(value_bytes(pa.array(["ab", None, "cde"]))) == [2, 0, 3]
    assert list(value_bytes(pa.array([["ab", "c"], [], None, ["dddd"]]))) == [3, 0, 0, 4]
    assert list(value_bytes(pa.array(["xyz", "xyz", "q"]).dictionary_encode())) == [3, 3, 1]
    assert list(value_bytes(pa.array([{"a": "xy", "b": 1}, {"a": None, "b": 2}]))) == [10, 8]
    assert list(value_bytes(pa.array([["ab", "c"], ["dddd"]]).slice(1))) == [4]


@pytest.mark.parametrize(("override", "message"), [
    ("max_page_bytes=-1", "max_page_bytes must be a whole number >= 1 or null (no limit), got -1"),
    ("max_page_bytes=0", "max_page_bytes must be a whole number >= 1 or null (no limit), got 0"),
    ("max_page_elements=-5", "max_page_elements must be a whole number >= 1, got -5"),
    ("max_records_per_file=0", "max_records_per_file must be a whole number >= 1 or null (no limit), got 0"),
    ("max_page_lines=-3", "max_page_lines must be a whole number >= 1 or null (no limit), got -3"),
])
def test_page_budgets_that_are_not_positive_are_refused_when_the_config_loads(override, message):
    from vnnews.config import load_config
    from vnnews.dataset import DatasetConfig
    from vnnews.inference import InferenceConfig

    for cls in (InferenceConfig, DatasetConfig):
        if cls is InferenceConfig and override.startswith("max_records"):
            continue
        with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
            load_config(cls, None, [override] + (["classifier=weak"] if cls is InferenceConfig else []))


def test_a_page_of_too_many_lines_is_one_error_before_it_is_cleaned(tmp_path):
    (tmp_path / "huge.txt").write_text("dòng\n" * 1_500_000, encoding="utf-8")  # 9 MB, 1.5M lines
    (tmp_path / "good.txt").write_text("Bài một\nNội dung", encoding="utf-8")
    (tmp_path / "r.jsonl").write_text(json.dumps({"id": "s", "title": "T", "body": ["x"] * 60_000}) + "\n", encoding="utf-8")
    tracemalloc.start()
    articles, errors = read([tmp_path])
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert [a.id for a in articles] == ["good"]
    assert sorted((os.path.basename(e.source), e.cause) for e in errors) == [
        ("huge.txt", "page too large: more than 50,000 lines (max_page_lines): skipped (raise max_page_lines to read it)"),
        ("r.jsonl", "page too large: more than 50,000 lines (max_page_lines): skipped (raise max_page_lines to read it)"),
    ]
    assert peak < 200 << 20  # the 1.5M lines never became Line objects
    with pytest.raises(IngestError, match="more than 10 lines"):
        article_from_content("a", "mem", lines=["x"] * 11, options=IngestOptions(max_page_lines=10))
    articles, errors = read([tmp_path / "huge.txt"], options=IngestOptions(max_page_lines=None))
    assert len(articles[0].lines) == 1_500_000 and not errors  # no limit when asked


def test_random_bytes_named_jsonl_are_one_error_saying_the_file_is_not_jsonl(tmp_path):
    import random

    rng = random.Random(7)
    (tmp_path / "noise.jsonl").write_bytes(bytes(rng.randrange(256) for _ in range(200_000)))  # ~780 chance newlines
    (tmp_path / "few.jsonl").write_bytes(b"\x00\x01garbage\n\xff\xfe more\n")
    (tmp_path / "ok.jsonl").write_text("{broken\n" + json.dumps({"id": "k", "text": "Bài"}) + "\n[1\n", encoding="utf-8")
    articles, errors = read([tmp_path])
    assert [a.id for a in articles] == ["k"]
    by_file = {}
    for e in errors:
        by_file.setdefault(os.path.basename(e.source), []).append(e)
    (noise,) = by_file["noise.jsonl"]
    assert noise.cause.startswith("not a JSONL file: its first 5 lines are not JSON records (line 1: ") and noise.cause.endswith("); skipped")
    (few,) = by_file["few.jsonl"]
    assert few.cause.startswith("not a JSONL file: its first 2 lines are not JSON records")
    assert [(e.line, e.cause.split(":")[0]) for e in by_file["ok.jsonl"]] == [(1, "malformed JSON"), (3, "malformed JSON")]  # a JSONL file with bad lines: each named


def test_readers_of_parts_of_one_file_agree_on_not_jsonl_and_report_each_bad_line_once(tmp_path):
    """Big JSONL files are read by several part readers (plan_shards): the 'not a JSONL
    file' verdict is said once, not once per part, and a JSONL file's bad lines once each."""
    import random

    from vnnews.ingest.readers import read_file

    noise = tmp_path / "noise.jsonl"
    noise.write_bytes(random.Random(7).randbytes(200_000))
    mixed = tmp_path / "mixed.jsonl"
    mixed.write_text("{broken\n[1\n" + "".join(json.dumps({"id": f"r{i}", "text": "Bài"}) + "\n" for i in range(6)) + "{bad\n", encoding="utf-8")
    for path, expected_ids, expected_lines in ((noise, [], [None]), (mixed, [f"r{i}" for i in range(6)], [1, 2, 9])):
        errors, ids = [], []
        for k in range(3):
            ids += [a.id for a in read_file(path, path.name, IngestOptions(), errors.append, part=(k, 3))]
            if path is noise:
                assert len(errors) == 1 and errors[0].cause.startswith("not a JSONL file")  # part 0 said it; parts 1 and 2 agree silently
        assert sorted(ids) == expected_ids
        assert sorted((e.line for e in errors), key=lambda x: x or 0) == expected_lines
