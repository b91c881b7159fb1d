"""The per-page time limit (vnnews.deadline; issue 36 item 4): a page whose reading runs past
it fails with its reason, in whatever thread, and the pages after it are read."""

import threading
import time

import pytest

from vnnews.deadline import PageTimeout, time_limit
from vnnews.ingest import IngestOptions, iter_articles


def _spin(seconds):
    end = time.monotonic() + seconds
    n = 0
    while time.monotonic() < end:  # Python work the watchdog can stop
        n += 1
    return n


def test_work_past_the_limit_is_stopped_in_the_thread_doing_it():
    t0 = time.monotonic()
    with pytest.raises(PageTimeout), time_limit(0.3):
        _spin(5)
    assert time.monotonic() - t0 < 2
    with time_limit(1.0):  # work within the limit is untouched, and nothing fires later
        _spin(0.05)
    _spin(1.2)
    with time_limit(None):
        _spin(0.05)
    t0 = time.monotonic()
    with pytest.raises(PageTimeout), time_limit(0.4):  # an inner limit ends, the outer one still holds
        with time_limit(5):
            _spin(0.05)
        _spin(5)
    assert time.monotonic() - t0 < 2

    caught = []

    def worker():
        try:
            with time_limit(0.2):
                _spin(5)
        except PageTimeout:
            caught.append(threading.current_thread().name)

    threads = [threading.Thread(target=worker, name=f"w{i}") for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(5)
    assert sorted(caught) == ["w0", "w1"]


def test_a_page_that_takes_too_long_to_read_is_one_error_and_the_next_is_read(tmp_path, monkeypatch):
    import vnnews.ingest.readers as readers

    real = readers._lines_from_html

    def slow_on_one_page(html, options, label_attr=None):
        if "CHẬM" in html:
            _spin(30)
        return real(html, options, label_attr)

    monkeypatch.setattr(readers, "_lines_from_html", slow_on_one_page)
    for name, title in (("a.html", "Tin một"), ("b.html", "Tin CHẬM"), ("c.html", "Tin ba")):
        (tmp_path / name).write_text(f"<html><body><h1>{title}</h1><p>Đoạn văn của bài.</p></body></html>", encoding="utf-8")
    errors = []
    t0 = time.monotonic()
    got = [a.id for a in iter_articles([tmp_path], IngestOptions(page_time_limit_s=0.5), errors.append)]
    assert time.monotonic() - t0 < 10
    assert got == ["a", "c"]
    assert len(errors) == 1 and errors[0].source.endswith("b.html")
    assert errors[0].cause == "took more than page_time_limit_s=0.5 s to read: skipped (raise page_time_limit_s to read it)"
    with pytest.raises(ValueError, match="page_time_limit_s must be a number of seconds > 0"):
        IngestOptions(page_time_limit_s=0)


def test_infer_sets_the_limit_from_its_config(tmp_path, monkeypatch):
    import json

    import vnnews.ingest.readers as readers
    from vnnews.cli import main

    real = readers._lines_from_text
    monkeypatch.setattr(readers, "_lines_from_text", lambda text, options: (_spin(30) if "CHẬM" in text else None) or real(text, options))
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "docs.jsonl").write_text(
        "".join(json.dumps({"id": i, "text": t}, ensure_ascii=False) + "\n" for i, t in (("a", "Tin một\nĐoạn văn."), ("b", "Tin CHẬM\nĐoạn."), ("c", "Tin ba\nĐoạn văn."))),
        encoding="utf-8",
    )
    out = tmp_path / "out.jsonl"
    assert main(["infer", str(tmp_path / "in"), "--classifier", "weak", "-o", str(out), "--no-progress", "page_time_limit_s=0.5"]) == 0
    assert [json.loads(line)["id"] for line in out.read_text(encoding="utf-8").splitlines()] == ["a", "c"]
    errors = [json.loads(line) for line in (tmp_path / "out.jsonl.errors.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [(e["line"], "page_time_limit_s=0.5" in e["cause"]) for e in errors] == [(2, True)]


def test_a_page_whose_layout_features_take_too_long_is_one_error_and_the_job_goes_on(tmp_path, monkeypatch, trained_classifier):
    import json

    import vnnews.layout as layout
    import vnnews.models.line_tokens as line_tokens
    from vnnews.cli import main

    real = layout.page_features

    def slow_on_one_page(article, *args, **kwargs):
        if any("CHẬM" in t for t in article.texts):
            _spin(30)
        return real(article, *args, **kwargs)

    monkeypatch.setattr(layout, "page_features", slow_on_one_page)
    monkeypatch.setattr("vnnews.models.page_labeler.page_features", slow_on_one_page)
    (tmp_path / "in").mkdir()
    for name, title in (("a", "Tin một"), ("b", "Tin CHẬM"), ("c", "Tin ba")):
        (tmp_path / "in" / f"{name}.txt").write_text(f"{title}\nĐoạn văn của bài báo.\n", encoding="utf-8")
    out = tmp_path / "out.jsonl"
    t0 = time.monotonic()
    assert main(["infer", str(tmp_path / "in"), "--classifier", str(trained_classifier[0]), "-o", str(out), "--no-progress", "page_time_limit_s=0.5", "segment_workers=0"]) == 0
    assert time.monotonic() - t0 < 60
    assert [json.loads(line)["id"] for line in out.read_text(encoding="utf-8").splitlines()] == ["a", "c"]
    errors = [json.loads(line) for line in (tmp_path / "out.jsonl.errors.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [(e["id"], "its layout features took more than page_time_limit_s=0.5 s" in e["cause"]) for e in errors] == [("b", True)]
    # the same function in the worker processes: a slow page is a PageTimeout naming it
    slow = next(iter_articles([tmp_path / "in" / "b.txt"]))
    with pytest.raises(PageTimeout, match="^b: its layout features took more than page_time_limit_s=0.3 s"):
        line_tokens._page_features([(slow, [(0.0, 0.0)] * len(slow.lines), 0.3)])
