"""WARC input (issue 36, item 1): HTML 200 responses are pages with their URL, crawl date
and HTTP charset; every other response is an error with its reason; a cut-off file keeps
what was read; both WARC libraries give the same articles as the pages given as files.
The WARC files are written here with warcio, never downloaded."""

import io
import json

import pytest

from tests.conftest import ROOT
from vnnews.ingest import IngestOptions, iter_articles
from vnnews.ingest.readers import read_file

warcio = pytest.importorskip("warcio")
from warcio.statusandheaders import StatusAndHeaders  # noqa: E402
from warcio.warcwriter import WARCWriter  # noqa: E402

PAGE = (ROOT / "data" / "real" / "pages" / "giadinh.net.vn").glob("*.html").__next__()
HTML = PAGE.read_bytes()
LATIN = "<html><head><title>Tin</title></head><body><h1>Café Élysée</h1><p>Crème brûlée à la carte, déjà vu, garçon: the charset is only in the HTTP header.</p></body></html>"


def _response(writer, url, body, status="200 OK", content_type="text/html; charset=utf-8", date="2026-07-01T08:00:00Z"):
    http = StatusAndHeaders(status, [("Content-Type", content_type)], protocol="HTTP/1.1")
    record = writer.create_warc_record(url, "response", payload=io.BytesIO(body), http_headers=http, warc_headers_dict={"WARC-Date": date})
    writer.write_record(record)
    return record.rec_headers.get_header("WARC-Record-ID")


def _warc(path, gz=True):
    with open(path, "wb") as f:
        writer = WARCWriter(f, gzip=gz)
        writer.write_record(writer.create_warcinfo_record(path.name, {"software": "test"}))
        ids = [_response(writer, "https://giadinh.net.vn/bai-a.htm", HTML)]
        req = writer.create_warc_record("https://giadinh.net.vn/bai-a.htm", "request", payload=io.BytesIO(b"GET / HTTP/1.1\r\n\r\n"))
        writer.write_record(req)
        _response(writer, "https://giadinh.net.vn/anh.png", b"\x89PNG....", content_type="image/png")
        _response(writer, "https://giadinh.net.vn/cu", b"", status="301 Moved Permanently")
        ids.append(_response(writer, "https://bao.vn/b.htm", LATIN.encode("windows-1252"), content_type="text/html; charset=windows-1252"))
    return ids


@pytest.mark.parametrize("prefer", ["fastwarc", "warcio"])
def test_html_responses_are_pages_with_url_date_and_charset(tmp_path, prefer, monkeypatch):
    if prefer == "fastwarc":
        pytest.importorskip("fastwarc")
    monkeypatch.setattr("vnnews.ingest.warc.backend", lambda: prefer)
    path = tmp_path / "crawl" / "CC-NEWS-1.warc.gz"
    path.parent.mkdir()
    ids = _warc(path)
    errors = []
    articles = list(iter_articles([tmp_path / "crawl"], IngestOptions(tone_style=None), errors.append))
    assert [a.id for a in articles] == [f"CC-NEWS-1/{rid.strip('<>').rsplit(':', 1)[-1]}" for rid in ids]
    first, second = articles
    assert first.meta["url"] == "https://giadinh.net.vn/bai-a.htm" and first.meta["crawl_date"] == "2026-07-01T08:00:00Z"
    assert first.meta["format"] == "warc" and first.meta["warc_record_id"] == ids[0]
    as_file = next(iter_articles([PAGE], IngestOptions(tone_style=None)))
    assert first.texts == as_file.texts and [line.tag_path for line in first.lines] == [line.tag_path for line in as_file.lines]
    assert "Crème brûlée à la carte, déjà vu, garçon: the charset is only in the HTTP header." in second.texts  # decoded with the HTTP charset
    reasons = sorted(e.cause for e in errors)
    assert reasons == ["skipped record https://giadinh.net.vn/anh.png: image/png response, not HTML", "skipped record https://giadinh.net.vn/cu: HTTP 301 response, not a page"]


def test_a_record_over_the_byte_budget_and_a_cut_off_file_keep_the_rest(tmp_path):
    path = tmp_path / "a.warc.gz"
    _warc(path)
    errors = []
    small = list(read_file(path, options=IngestOptions(max_page_bytes=5_000), on_error=errors.append))
    assert [a.meta["url"] for a in small] == ["https://bao.vn/b.htm"]
    assert any("over max_page_bytes (5,000)" in e.cause and "bai-a.htm" in e.source for e in errors)
    data = path.read_bytes()
    cut = tmp_path / "cut.warc.gz"
    cut.write_bytes(data[: len(data) - 40])  # the last gzip member cut short
    errors = []
    kept = list(read_file(cut, on_error=errors.append))
    assert [a.meta["url"] for a in kept][:1] == ["https://giadinh.net.vn/bai-a.htm"]
    assert errors  # the cut-off end is said, not a crash


def test_a_big_warc_is_shared_between_processes_record_by_record(tmp_path):
    path = tmp_path / "a.warc"
    _warc(path, gz=False)
    whole = [a.id for a in read_file(path, on_error=lambda e: None)]
    parts = [[a.id for a in read_file(path, on_error=lambda e: None, part=(k, 2))] for k in (0, 1)]
    assert sorted(parts[0] + parts[1]) == sorted(whole) and all(parts)


def test_without_a_warc_library_the_file_is_one_error_naming_the_extra(tmp_path, monkeypatch):
    path = tmp_path / "a.warc.gz"
    _warc(path)
    monkeypatch.setattr("vnnews.ingest.warc.backend", lambda: None)
    errors = []
    assert list(read_file(path, on_error=errors.append)) == []
    assert [e.cause for e in errors] == ["reading WARC files needs FastWARC or warcio: pip install 'vnnews[warc]'"]


def test_infer_reads_a_warc_file(tmp_path, trained_classifier):
    from vnnews.inference import InferenceConfig, run_inference

    path = tmp_path / "in" / "crawl.warc.gz"
    path.parent.mkdir()
    _warc(path)
    result = run_inference([tmp_path / "in"], tmp_path / "out.jsonl", InferenceConfig(classifier="weak", progress=False, segment_workers=0, languages=None))
    assert result.done == 2  # languages=None: every page, whatever its language
    import json

    records = [json.loads(line) for line in (tmp_path / "out.jsonl").read_text(encoding="utf-8").splitlines()]
    by_url = {r["url"] for r in records}
    assert "https://bao.vn/b.htm" in by_url  # the record's target URI where the page names no address
    assert any(u.startswith("http://m.giadinh.net.vn/") for u in by_url)  # its own canonical address first, as for files
    assert {(r["detected_language"], r["detected_language_score"] > 0.5) for r in records} == {("vi", True), ("fr", True)}
    errors = (tmp_path / "out.jsonl.errors.jsonl").read_text(encoding="utf-8")
    assert "image/png response, not HTML" in errors and "HTTP 301 response" in errors


def test_infer_keeps_only_vietnamese_pages_unless_told_otherwise(tmp_path):
    import json

    from vnnews.cli import main

    path = tmp_path / "in" / "crawl.warc.gz"
    path.parent.mkdir()
    _warc(path)  # a Vietnamese page and a French one
    out = tmp_path / "out.jsonl"
    assert main(["infer", str(path), "--classifier", "weak", "-o", str(out), "--no-progress"]) == 0
    assert [json.loads(line)["detected_language"] for line in out.read_text(encoding="utf-8").splitlines()] == ["vi"]
    errors = [json.loads(line) for line in (tmp_path / "out.jsonl.errors.jsonl").read_text(encoding="utf-8").splitlines()]
    french = [e for e in errors if "written in fr" in e["cause"]]
    assert len(french) == 1 and french[0]["id"].startswith("crawl/") and "not in languages [vi]" in french[0]["cause"]
    both = tmp_path / "both.jsonl"
    assert main(["infer", str(path), "--classifier", "weak", "-o", str(both), "--no-progress", "--languages", "vi,fr"]) == 0
    assert len(both.read_text(encoding="utf-8").splitlines()) == 2
    assert main(["infer", str(path), "--classifier", "weak", "-o", str(tmp_path / "x.jsonl"), "--no-progress", "--languages", "vietnamese"]) == 2


def test_crawl_dates_and_sites_are_chosen_before_a_page_is_read(tmp_path, capsys):
    from vnnews.cli import main

    path = tmp_path / "in" / "c.warc.gz"
    path.parent.mkdir()
    with open(path, "wb") as f:
        writer = WARCWriter(f, gzip=True)
        for url, date in (("https://vnexpress.net/a.html", "2026-06-30T23:59:00Z"), ("https://e.vnexpress.net/b.html", "2026-07-01T10:00:00Z"),
                          ("https://tuoitre.vn/c.htm", "2026-07-02T00:00:00+07:00"), ("https://www.tuoitre.vn/d.htm", "2026-07-03T01:00:00Z"),
                          ("http://[tuoitre.vn/e.htm", "2026-07-03T01:00:00Z")):  # an address that cannot be parsed: in no site
            _response(writer, url, LATIN.encode("windows-1252"), content_type="text/html; charset=windows-1252", date=date)
    urls = lambda **kw: [a.meta["url"] for a in read_file(path, options=IngestOptions(**kw), on_error=lambda e: None)]  # noqa: E731
    assert len(urls()) == 5
    assert urls(since="2026-07-01", until="2026-07-01") == ["https://e.vnexpress.net/b.html", "https://tuoitre.vn/c.htm"]  # 2026-07-02T00:00+07:00 is 2026-07-01T17:00Z
    assert urls(sites=("vnexpress.net",)) == ["https://vnexpress.net/a.html", "https://e.vnexpress.net/b.html"]
    assert urls(sites=("tuoitre.vn",), since="2026-07-02T12:00:00Z") == ["https://www.tuoitre.vn/d.htm"]
    with pytest.raises(ValueError, match="since must be an ISO date"):
        IngestOptions(since="last week")
    out = tmp_path / "out.jsonl"
    assert main(["infer", str(tmp_path / "in"), "--classifier", "weak", "-o", str(out), "--no-progress", "--site", "tuoitre.vn", "--until", "2026-07-02", "--languages", "all"]) == 0
    assert [json.loads(line)["url"] for line in out.read_text(encoding="utf-8").splitlines()] == ["https://tuoitre.vn/c.htm"]
    assert main(["infer", str(tmp_path / "in"), "--classifier", "weak", "-o", str(tmp_path / "x.jsonl"), "--since", "yesterday"]) == 2
    assert "since must be an ISO date" in capsys.readouterr().err


def test_a_record_with_no_text_is_one_error_naming_it_and_the_next_page_is_read(tmp_path):
    path = tmp_path / "c.warc.gz"
    with open(path, "wb") as f:
        writer = WARCWriter(f, gzip=True)
        _response(writer, "https://bao.vn/empty.htm", b"<html><body><script>var a = 1;</script></body></html>")
        _response(writer, "https://bao.vn/b.htm", LATIN.encode("windows-1252"), content_type="text/html; charset=windows-1252")
    errors = []
    articles = list(read_file(path, options=IngestOptions(tone_style=None), on_error=errors.append))
    assert [a.meta["url"] for a in articles] == ["https://bao.vn/b.htm"]
    assert [(e.cause, "https://bao.vn/empty.htm" in e.source, e.article_id.startswith("c/")) for e in errors] == [("no text left after cleaning", True, True)]
