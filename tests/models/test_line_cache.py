"""Line vectors kept across a job (vnnews.models.line_cache; issue 35, item 5): the labels
and probabilities are those without the cache, repeated lines are encoded once, and the
cache stays within its bound."""

import torch

from tests.conftest import ROOT
from vnnews.ingest import IngestOptions, iter_articles
from vnnews.models import load_classifier
from vnnews.models.line_cache import LineVectorCache


def _pages():
    return list(iter_articles([ROOT / "data" / "real" / "pages" / "dantri.com.vn"], IngestOptions(tone_style=None)))[:6]


def test_labels_are_the_same_with_the_cache_and_repeated_lines_are_encoded_once(trained_classifier):
    model = load_classifier(str(trained_classifier[0]), device="cpu")
    pages = _pages()
    plain = model.predict(pages, batch_size=64)  # several passes: windows of several pages
    calls = []
    real = model._pool_sorted
    model._pool_sorted = lambda ids, mask: calls.append(len(ids)) or real(ids, mask)
    cache = model.cache_lines(64)
    first = model.predict(pages, batch_size=64)
    encoded_first = sum(calls)
    again = model.predict(pages[::-1], batch_size=64)  # the same pages, other windows: every line known
    assert sum(calls) == encoded_first  # nothing encoded the second time
    lines = sum(len(p.lines) for p in pages)
    distinct = len({line.text for p in pages for line in p.lines})
    assert encoded_first <= distinct < lines  # a site's menus: each distinct line once in the job
    assert cache.hits >= lines and cache.misses == encoded_first and 0 < cache.hit_rate < 1
    for got in (first, again[::-1]):
        assert [[p.label for p in page] for page in got] == [[p.label for p in page] for page in plain]
        for page_a, page_b in zip(got, plain, strict=True):
            for a, b in zip(page_a, page_b, strict=True):
                assert abs(a.confidence - b.confidence) < 1e-4
    assert "lines reused" in cache.describe()
    model.cache_lines(None)
    assert model.line_cache is None and [[p.label for p in page] for page in model.predict(pages, batch_size=64)] == [[p.label for p in page] for page in plain]


def test_the_cache_keeps_the_most_recent_lines_within_its_bound():
    cache = LineVectorCache(max_bytes=3 * (64 * 4 + 8 * 2 + 100))
    for i in range(5):
        cache.put((i, i), torch.full((64,), float(i)))
    assert len(cache) == 3 and cache.get((0, 0)) is None and cache.get((4, 4))[0] == 4.0 and cache.bytes <= cache.max_bytes
    cache.get((2, 2))  # used: kept before (3, 3)
    cache.put((9, 9), torch.zeros(64))
    assert cache.get((3, 3)) is None and cache.get((2, 2)) is not None


def test_infer_keeps_line_vectors_across_chunks_and_says_how_many_it_reused(trained_classifier, tmp_path, capsys):
    import json

    from vnnews.cli import main

    pages = ROOT / "data" / "real" / "pages" / "dantri.com.vn"
    outs = {}
    for name, extra in (("cached", []), ("plain", ["line_cache_mib=0"])):
        out = tmp_path / f"{name}.jsonl"
        assert main(["infer", str(pages), "--classifier", str(trained_classifier[0]), "-o", str(out), "--no-progress", "--chunk-size", "4", *extra]) == 0
        outs[name] = {r["id"]: [(line["label"], line["confidence"]) for line in r["lines"]] for r in map(json.loads, out.read_text(encoding="utf-8").splitlines())}
        err = capsys.readouterr().err
        assert ("line cache:" in err) == (name == "cached")
        if name == "cached":
            reused = int(err.split("line cache: ")[1].split(" of ")[0].replace(",", ""))
            assert reused > 0  # the site's menus and footers, from one chunk to the next
    assert outs["cached"].keys() == outs["plain"].keys() and len(outs["plain"]) == 26
    for key, lines in outs["plain"].items():
        assert [label for label, _ in outs["cached"][key]] == [label for label, _ in lines]
        assert all(abs(a - b) < 1e-4 for (_, a), (_, b) in zip(outs["cached"][key], lines, strict=True))
