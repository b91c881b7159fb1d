"""The datatrove step (issue 36, item 5): pages in datatrove documents come out as articles
with vnnews's metadata, on datatrove's local executor, reading and writing JSONL."""

import gzip
import json

import pytest

from tests.conftest import ROOT

pytest.importorskip("datatrove")


def test_the_step_keeps_the_article_and_its_metadata_on_the_local_executor(tmp_path, trained_classifier, monkeypatch):
    from datatrove.executor import LocalPipelineExecutor
    from datatrove.pipeline.readers import JsonlReader
    from datatrove.pipeline.writers import JsonlWriter

    from vnnews.integrations.datatrove import VnnewsExtractor

    page = sorted((ROOT / "data" / "real" / "pages" / "dantri.com.vn" / "2022").glob("*.html"))[0]
    (tmp_path / "in").mkdir()
    docs = [
        {"id": "a", "text": page.read_text(encoding="utf-8"), "metadata": {"url": "https://dantri.com.vn/a.htm"}},
        {"id": "b", "text": "<html><body><script>var x = 1;</script></body></html>", "metadata": {}},
        {"id": "c", "text": "<html><body><h1>Prime minister meets envoys</h1><p>The prime minister met foreign ambassadors in Hanoi on Tuesday to discuss trade and investment.</p></body></html>", "metadata": {}},
    ]
    (tmp_path / "in" / "docs.jsonl").write_text("".join(json.dumps(d, ensure_ascii=False) + "\n" for d in docs), encoding="utf-8")
    for classifier in ("weak", str(trained_classifier[0])):
        out = tmp_path / f"out-{len(classifier)}"
        LocalPipelineExecutor(
            pipeline=[JsonlReader(str(tmp_path / "in")), VnnewsExtractor(classifier=classifier, batch_size=1, keep_labels=True), JsonlWriter(str(out))],
            tasks=1, workers=1, logging_dir=str(tmp_path / f"logs-{len(classifier)}"),
        ).run()
        written = [json.loads(line) for f in sorted(out.glob("*.jsonl.gz")) for line in gzip.decompress(f.read_bytes()).decode("utf-8").splitlines()]
        assert [d["id"] for d in written] == ["a"]  # the page with no text and the English page are dropped
        stats = json.loads((tmp_path / f"logs-{len(classifier)}" / "stats.json").read_text(encoding="utf-8"))
        step = next(s["stats"] for s in stats if "vnnews" in s["name"])
        assert (step["total"], step["extracted"], step["no_text"], step["skipped_language"]) == (3, 1, 1, 1)
        meta = written[0]["metadata"]
        assert meta["detected_language"] == "vi" and meta["detected_language_score"] > 0.9
        assert meta["title"] and meta["title"] in written[0]["text"] and meta["url"].startswith("https://dantri.com.vn/")
        assert meta["date_published"] and len(meta["labels"]) > 50

    # trafilatura's second opinion: read for the page labeller, not with second_opinion=False
    from vnnews.ingest import second_opinion as module

    for second_opinion in (True, False):
        calls = []
        original = module.second_opinion
        monkeypatch.setattr(module, "second_opinion", lambda *a, _o=original, _c=calls, **k: _c.append(1) or _o(*a, **k))
        out = tmp_path / f"out-so-{second_opinion}"
        LocalPipelineExecutor(
            pipeline=[JsonlReader(str(tmp_path / "in")), VnnewsExtractor(classifier=str(trained_classifier[0]), batch_size=1, second_opinion=second_opinion), JsonlWriter(str(out))],
            tasks=1, workers=1, logging_dir=str(tmp_path / f"logs-so-{second_opinion}"),
        ).run()
        assert (len(calls) > 0) == second_opinion
        monkeypatch.setattr(module, "second_opinion", original)


def test_a_bad_batch_size_or_language_is_refused():
    from vnnews.integrations.datatrove import VnnewsExtractor

    with pytest.raises(ValueError, match="batch_size must be >= 1"):
        VnnewsExtractor(batch_size=0)
    with pytest.raises(ValueError, match="unknown code"):
        VnnewsExtractor(languages=["klingon"])


def test_without_datatrove_the_import_names_the_extra(monkeypatch):
    import importlib
    import sys

    from vnnews.extras import MissingExtra

    monkeypatch.setitem(sys.modules, "datatrove", None)
    monkeypatch.delitem(sys.modules, "vnnews.integrations.datatrove", raising=False)
    with pytest.raises(MissingExtra, match=r"pip install 'vnnews\[datatrove\]'"):
        importlib.import_module("vnnews.integrations.datatrove")
