"""The readers never raise: whatever bytes a file holds, each input becomes articles
or errors (file, line, cause), and reading goes on. Hypothesis throws random and
structured input at every format; CRASHERS keeps every input that once escaped a
reader, so it stays fixed."""

import codecs
import gzip
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vnnews.ingest import Article, IngestError, read_file

# Inputs that once crashed a reader (name: (file name, bytes)).
CRASHERS = {
    "deep_json_array": ("deep.jsonl", b"[" * 100000 + b"]" * 100000 + b"\n"),
    "deep_json_object": ("deep2.jsonl", b'{"a":' * 50000 + b"1" + b"}" * 50000 + b"\n"),
    "deep_json_in_field": ("deep3.jsonl", b'{"id": "x", "text": ' + b"[" * 100000 + b"]" * 100000 + b"}\n"),
    "deep_html": ("deep.html", b"<div>" * 100000 + b"x" + b"</div>" * 100000),
    "deep_json_gz": ("deep.jsonl.gz", gzip.compress(b"[" * 100000 + b"]" * 100000 + b"\n")),
    "text_number": ("typed.jsonl", b'{"id": "a1", "text": 12345}\n'),
    "bool_id": ("boolid.jsonl", b'{"id": true, "text": "Tin tuc"}\n'),
    "null_html": ("nullhtml.jsonl", b'{"id": "n", "html": null, "text": "Tin"}\n'),
    "truncated_gzip": ("cut.txt.gz", gzip.compress("Tiêu đề\nNội dung".encode())[:-6]),
    "lone_surrogate_json": ("sur.jsonl", b'{"id": "s", "text": "\\ud800"}\n'),
    "nul_in_html": ("nul.html", b"<p>a\x00b</p>"),
    "utf16_no_bom_odd": ("odd.txt", "Tin tức".encode("utf-16-le") + b"\x00"),
    # issue 21: shapes that once crashed a job or blew up memory
    "attribute_amplification": ("amp.html", b'<div id="' + b"a" * 100_000 + b'" class="' + b"c " * 30_000 + b'">' + b"<p>x</p>" * 3_000 + b"</div>"),
    "lone_surrogate_id": ("sid.jsonl", b'{"id": "bad\\ud800", "text": "Tin"}\n{"id": "\\udfff", "html": "<p>x</p>"}\n'),
    "gzip_bomb": ("bomb.html.gz", gzip.compress(b"<p>" + b"\0" * (40 << 20), compresslevel=9)),
    "gzip_trailing_junk": ("junk.jsonl.gz", gzip.compress(b'{"id": "a", "text": "x"}\n') + b"\x00garbage"),
    "doctype_subset": ("dtd.html", b'<!DOCTYPE html [<!ENTITY a "b">]><p>x</p>'),
    "deep_unclosed_markup": ("font.html", b"<p><font><b>x " * 1_500),
    "huge_json_integer": ("int.jsonl", b'{"id": 1' + b"0" * 5000 + b', "text": "x"}\n'),
}


def _read(tmp_path, name: str, data: bytes) -> tuple[list[Article], list[IngestError]]:
    path = tmp_path / name
    path.write_bytes(data)
    errors: list[IngestError] = []
    articles = list(read_file(path, options=None, on_error=errors.append))
    for e in errors:
        assert isinstance(e, IngestError) and e.source.startswith(str(path)) and e.cause
    return articles, errors


@pytest.mark.parametrize("name", sorted(CRASHERS))
def test_known_crashers_become_errors_or_articles(tmp_path, name):
    file_name, data = CRASHERS[name]
    articles, errors = _read(tmp_path, file_name, data)
    assert articles or errors
    for article in articles:
        assert article.lines and all(line.text for line in article.lines)


def test_mistyped_fields_name_the_field_and_keep_the_id(tmp_path):
    _, errors = _read(tmp_path, "typed.jsonl", CRASHERS["text_number"][1])
    assert [(e.line, e.article_id, e.cause) for e in errors] == [(1, "a1", "field 'text' must be a string, got int")]
    _, errors = _read(tmp_path, "boolid.jsonl", CRASHERS["bool_id"][1])
    assert errors[0].cause == "field 'id' must be a non-empty string or a whole number, got true"
    _, errors = _read(tmp_path, "s.jsonl", b'{"id": 7, "title": "T", "body": ["a", 3]}\n')
    assert errors[0].article_id == "7" and "field 'body': expected text, got int" in errors[0].cause


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
def test_utf16_without_byte_order_mark_is_read(tmp_path, codec):
    text = "Hội nghị Ngoại giao lần thứ 32:\nĐẩy mạnh ngoại giao công chúng trong kỷ nguyên số\n"
    articles, errors = _read(tmp_path, "p.txt", text.encode(codec))
    assert not errors and articles[0].texts == text.strip().split("\n")
    assert articles[0].meta["encoding"] == f"{codec} (no BOM)"
    assert not text.encode(codec).startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))


def test_binary_is_still_called_binary(tmp_path):
    _, errors = _read(tmp_path, "b.txt", bytes(range(256)) * 40)
    assert errors and "binary file" in errors[0].cause


_json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=40),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.sampled_from(["id", "text", "html", "title", "lead", "body", "captions", "url", "x"]), children, max_size=5),
    max_leaves=20,
)
_html_bits = st.lists(st.sampled_from(["<p>", "</p>", "<div class='a'>", "</div>", "<a href='#'>", "</a>", "<img alt='ảnh'>", "<br>", "<!--", "-->", "<script>", "</script>", "Tin tức", "Hà Nội", "&amp;", "&#xD800;", "\x00", "<h1>", "</h1>", "<meta charset='cp1258'>", "<div id='" + "a" * 5000 + "' class='" + "b " * 500 + "'>", "<!DOCTYPE x [", "]>", "\ud800"]), max_size=60)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=st.binary(max_size=3000), suffix=st.sampled_from(["a.txt", "a.html", "a.jsonl", "a.txt.gz", "a.jsonl.gz", "a.html.gz"]))
def test_random_bytes_never_escape_a_reader(tmp_path, data, suffix):
    _read(tmp_path, suffix, gzip.compress(data) if suffix.endswith(".gz") and data[:1] != b"x" else data)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(records=st.lists(_json_values, max_size=6), raw_line=st.binary(max_size=200))
def test_random_jsonl_records_never_escape_the_reader(tmp_path, records, raw_line):
    lines = [json.dumps(r, ensure_ascii=False).encode("utf-8", "surrogatepass") for r in records] + [raw_line.replace(b"\n", b" ")]
    articles, errors = _read(tmp_path, "r.jsonl", b"\n".join(lines) + b"\n")
    assert len(articles) + len(errors) <= len(lines)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(bits=_html_bits, encoding=st.sampled_from(["utf-8", "utf-16", "cp1258", "latin-1"]))
def test_random_html_never_escapes_the_reader(tmp_path, bits, encoding):
    _read(tmp_path, "p.html", "".join(bits).encode(encoding, "replace"))
