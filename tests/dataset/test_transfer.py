"""Pages of other languages labelled from public gold (fundus's layout): what each line
becomes, what is left out, and that the labels reach the dataset as their own source."""

import gzip
import json

import pytest

from vnnews.dataset.transfer import LABEL_SOURCE, fundus_pages, write_transfer_pages, zyte_pages
from vnnews.ingest import IngestOptions, iter_articles
from vnnews.labels.annotations import AnnotationError, apply_gold, load_gold, validate_annotations

PARAGRAPHS = [
    "The city council voted on Tuesday to expand the tram network by twelve kilometres.",
    "Construction is expected to begin next spring and to last about three years.",
    "Opponents argued that the money would be better spent on buses and cycle lanes.",
]
HTML = f"""<html><head><title>Trams - Daily</title></head><body>
<nav><ul><li><a href="/">Home</a></li><li><a href="/politics">Politics</a></li><li><a href="/sport">Sport</a></li></ul></nav>
<article><h1>Council expands tram network</h1>
<p class="summary">The network grows by a third, the council decided after a long debate.</p>
<p class="author">By Anna Berg</p>
{''.join(f'<p>{p}</p>' for p in PARAGRAPHS[:2])}
<figure><img src="/a.jpg" alt="A tram in the rain"><figcaption>A tram crosses the old bridge.</figcaption></figure>
<h2>Critics speak up</h2><p>{PARAGRAPHS[2]}</p>
<div class="share">Share this article on social media</div></article>
<section class="related"><ul><li><a href="/x">Bus drivers announce a strike for next week in the city</a></li><li><a href="/y">Weather</a></li></ul></section>
<footer><a href="/imprint">Imprint</a> <p>© 2024 Daily Publishing</p></footer></body></html>"""
GOLD = {"V1": {
    "title": "Council expands tram network",
    "authors": ["Anna Berg"],
    "publishing_date": "2024-01-01 09:30:12.500000+00:00",
    "body": {"summary": ["The network grows by a third, the council decided after a long debate."],
             "sections": [{"headline": [], "paragraphs": PARAGRAPHS[:2]}, {"headline": ["Critics speak up"], "paragraphs": PARAGRAPHS[2:]}]},
    "images": [{"caption": "A tram crosses the old bridge.", "versions": []}],
}}


def _fundus(tmp_path, countries=("xx", "vn")):
    data = tmp_path / "fundus" / "tests" / "resources" / "parser" / "test_data"
    for country in countries:
        (data / country).mkdir(parents=True)
        (data / country / "Daily.json").write_text(json.dumps(GOLD), encoding="utf-8")
        (data / country / "Daily_2024_01_01.html.gz").write_bytes(gzip.compress(HTML.encode("utf-8")))
    return tmp_path / "fundus"


def test_each_line_is_labelled_from_the_gold_and_vietnamese_pages_are_left_out(tmp_path):
    pages = list(fundus_pages(_fundus(tmp_path)))
    assert [p.page_id for p in pages] == ["fundus-xx-Daily/2024_01_01"]  # the vn page is kept for evaluation elsewhere; a site per publisher
    page = pages[0]
    got = dict(zip(page.article.texts, page.labels, strict=True))
    assert got["Council expands tram network"] == "title"
    assert got["The network grows by a third, the council decided after a long debate."] == "lead"
    assert got["By Anna Berg"] == "byline"
    assert all(got[p] == "body" for p in PARAGRAPHS)
    assert got["Critics speak up"] == "subheading"
    assert got["A tram crosses the old bridge."] == "caption" and got["A tram in the rain"] == "image"
    assert got["Home"] == "navigation" and got["Weather"] == "navigation"
    assert got["Bus drivers announce a strike for next week in the city"] == "related"
    assert got["Share this article on social media"] == "other"
    assert page.found == 1.0


def test_a_page_whose_gold_is_not_found_is_left_out(tmp_path):
    root = _fundus(tmp_path, ("xx",))
    gold_file = root / "tests" / "resources" / "parser" / "test_data" / "xx" / "Daily.json"
    broken = json.loads(gold_file.read_text(encoding="utf-8"))
    broken["V1"]["body"]["sections"][0]["paragraphs"] += ["A paragraph the page does not print at all, so the gold and the page disagree."] * 1
    broken["V1"]["body"]["sections"][1]["paragraphs"] = ["Another paragraph that is nowhere on the page either, by any reading."]
    gold_file.write_text(json.dumps(broken), encoding="utf-8")
    assert list(fundus_pages(root)) == []


def test_written_pages_validate_and_reach_the_dataset_as_transfer_labels(tmp_path):
    out = tmp_path / "transfer"
    assert write_transfer_pages(fundus_pages(_fundus(tmp_path)), out, "fundus") == 1
    assert validate_annotations(out / "pages", out / "annotations") == []
    gold = load_gold([tmp_path / "none", out / "annotations"])
    article = next(iter_articles([out / "pages"], IngestOptions()))
    labelled = apply_gold(article, gold)
    assert labelled.label_source == LABEL_SOURCE == "transfer" and "body" in labelled.labels
    with pytest.raises(AnnotationError, match="annotated twice"):
        load_gold([out / "annotations", out / "annotations"])
    bad = out / "annotations" / "fundus-xx-Daily" / "2024_01_01.tsv"
    bad.write_text(bad.read_text(encoding="utf-8").replace("# label-source: transfer", "# label-source: invented"), encoding="utf-8")
    with pytest.raises(AnnotationError, match="unknown label source 'invented'"):
        load_gold(out / "annotations")


def test_the_command_writes_a_new_folder_only(tmp_path, capsys):
    from vnnews.dataset.transfer import main

    root = _fundus(tmp_path, ("xx",))
    assert main([str(root), "-o", str(tmp_path / "out")]) == 0
    assert "1 labelled page(s)" in capsys.readouterr().out
    # the gold's date and authors beside pages/, where `vnnews evaluate extraction` reads gold metadata
    rows = [json.loads(line) for line in (tmp_path / "out" / "metadata.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [(r["id"], r["date_published"], r["authors"]) for r in rows] == [("fundus-xx-Daily/2024_01_01", "2024-01-01T09:30:12+00:00", ["Anna Berg"])]
    before = {p: p.read_bytes() for p in (tmp_path / "out").rglob("*") if p.is_file()}
    with pytest.raises(SystemExit):
        main([str(root), "-o", str(tmp_path / "out")])  # not empty: nothing overwritten
    assert "is not empty" in capsys.readouterr().err
    assert {p: p.read_bytes() for p in (tmp_path / "out").rglob("*") if p.is_file()} == before


def _zyte(tmp_path):
    root = tmp_path / "zyte"
    (root / "html").mkdir(parents=True)
    body = "\n\n".join(["The network grows by a third, the council decided after a long debate.", *PARAGRAPHS])
    truth = {"a" * 64: {"url": "https://www.daily.example/trams", "articleBody": body},
             "b" * 64: {"url": "https://tin.example.vn/trams", "articleBody": body},  # a Vietnamese site: never read
             "c" * 64: {"url": "https://other.example/x", "articleBody": body}}  # no <h1> its <title> names: left out
    (root / "ground-truth.json").write_text(json.dumps(truth), encoding="utf-8")
    for page_id in truth:
        html = HTML.replace("<title>Trams - Daily</title>", "<title>Council expands tram network - Daily</title>") if page_id[0] != "c" else HTML
        (root / "html" / f"{page_id}.html.gz").write_bytes(gzip.compress(html.encode("utf-8")))
    return root


def test_zyte_pages_take_their_title_from_the_h1_the_page_names_and_skip_vietnamese_sites(tmp_path):
    pages = list(zyte_pages(_zyte(tmp_path)))
    assert [p.page_id for p in pages] == ["zyte-daily.example/" + "a" * 16]
    got = dict(zip(pages[0].article.texts, pages[0].labels, strict=True))
    assert got["Council expands tram network"] == "title"
    assert all(got[p] == "body" for p in PARAGRAPHS)
    assert got["Home"] == "navigation" and got["Bus drivers announce a strike for next week in the city"] == "related"
    assert got["Share this article on social media"] == "other"


def test_the_command_reads_a_copy_of_zytes_benchmark(tmp_path, capsys):
    from vnnews.dataset.transfer import main

    assert main([str(_zyte(tmp_path)), "-o", str(tmp_path / "out")]) == 0
    assert "1 labelled page(s)" in capsys.readouterr().out
    assert validate_annotations(tmp_path / "out" / "pages", tmp_path / "out" / "annotations") == []
    rows = [json.loads(line) for line in (tmp_path / "out" / "metadata.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [(r["id"], r["url"], "authors" in r) for r in rows] == [("zyte-daily.example/" + "a" * 16, "https://www.daily.example/trams", False)]


def test_a_damaged_zyte_copy_skips_broken_pages_and_names_a_broken_ground_truth(tmp_path, capsys):
    from vnnews.dataset.transfer import main

    root = _zyte(tmp_path)
    good = "a" * 64
    truth = json.loads((root / "ground-truth.json").read_text(encoding="utf-8"))
    truth["d" * 64] = dict(truth[good])  # its page is cut short
    truth["e" * 64] = dict(truth[good])  # its page is missing
    truth["f" * 64] = "not a page entry"
    (root / "ground-truth.json").write_text(json.dumps(truth), encoding="utf-8")
    (root / "html" / f"{'d' * 64}.html.gz").write_bytes(gzip.compress(HTML.encode("utf-8"))[:40])
    assert [p.page_id for p in zyte_pages(root)] == ["zyte-daily.example/" + "a" * 16]  # the good page survives
    (root / "ground-truth.json").write_text('{"cut": ', encoding="utf-8")
    with pytest.raises(SystemExit):
        main([str(root), "-o", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert f"{root / 'ground-truth.json'}: not the benchmark's ground truth (JSON:" in err and "Traceback" not in err


def test_a_gold_date_that_does_not_parse_is_left_out_and_the_authors_kept():
    from vnnews.dataset.transfer import fundus_metadata

    assert fundus_metadata({"authors": ["Anna Berg", " ", 7], "publishing_date": "yesterday"}) == {"authors": ["Anna Berg"]}
    assert fundus_metadata({"publishing_date": "2024-01-01 09:30:12+02:00"}) == {"authors": [], "date_published": "2024-01-01T09:30:12+02:00"}


READABILITY_PARAGRAPHS = PARAGRAPHS + [
    "The first line is planned to reach the university campus in the north of the city.",
    "Tickets will cost the same as on buses, the transport authority said in a statement.",
]
READABILITY_SOURCE = HTML.replace(f"<h2>Critics speak up</h2><p>{PARAGRAPHS[2]}</p>", "<h2>Critics speak up</h2>" + "".join(f"<p>{p}</p>" for p in READABILITY_PARAGRAPHS[2:]))
READABILITY_EXPECTED = (
    '<div id="readability-page-1" class="page"><div><p>By Anna Berg</p>'
    + "".join(f"<p>{p}</p>" for p in READABILITY_PARAGRAPHS[:2])
    + '<figure><img src="/a.jpg" alt="A tram in the rain"><figcaption><span>A tram crosses the old bridge.</span></figcaption></figure>'
    + "<h2>Critics speak up</h2>" + "".join(f"<p>{p}</p>" for p in READABILITY_PARAGRAPHS[2:]) + "</div></div>"
)


def _readability(tmp_path):
    root = tmp_path / "readability" / "test" / "test-pages"
    meta = {"title": "Council expands tram network", "byline": "Anna Berg", "lang": "en",
            "excerpt": "The network grows by a third, the council decided after a long debate."}
    for name, source, expected, lang in (
        ("daily-1", READABILITY_SOURCE, READABILITY_EXPECTED, "en"),
        ("tin-1", READABILITY_SOURCE, READABILITY_EXPECTED, "vi"),  # Vietnamese: never read
        ("unit-test", READABILITY_SOURCE, "<div><p>One paragraph.</p></div>", "en"),  # a unit test of one feature, not an article
    ):
        (root / name).mkdir(parents=True)
        (root / name / "source.html").write_text(source, encoding="utf-8")
        (root / name / "expected.html").write_text(expected, encoding="utf-8")
        (root / name / "expected-metadata.json").write_text(json.dumps({**meta, "lang": lang}), encoding="utf-8")
    (root / "no-gold").mkdir()  # a folder without the three files: skipped
    return tmp_path / "readability"


def test_readability_pages_label_lines_from_the_expected_article_and_skip_vietnamese_and_unit_test_pages(tmp_path):
    from vnnews.dataset.transfer import readability_pages

    pages = list(readability_pages(_readability(tmp_path)))
    assert [p.page_id for p in pages] == ["readability-daily-1/page"]
    got = dict(zip(pages[0].article.texts, pages[0].labels, strict=True))
    assert got["Council expands tram network"] == "title"
    # the excerpt printed before the body is the lead; the expected article's blocks are body, heading, caption
    assert got["The network grows by a third, the council decided after a long debate."] == "lead"
    assert all(got[p] == "body" for p in READABILITY_PARAGRAPHS)
    assert got["Critics speak up"] == "subheading" and got["A tram crosses the old bridge."] == "caption"
    assert got["Home"] == "navigation" and got["Bus drivers announce a strike for next week in the city"] == "related"
    assert got["Share this article on social media"] == "other"
    assert pages[0].metadata == {"authors": ["Anna Berg"]}


def test_an_excerpt_that_is_the_first_paragraph_stays_body():
    from vnnews.dataset.transfer import readability_gold
    from vnnews.ingest import article_from_content

    article = article_from_content("x/p", "x.html", html=READABILITY_SOURCE)
    gold = readability_gold(READABILITY_EXPECTED, {"title": "Council expands tram network", "excerpt": PARAGRAPHS[0]}, article)
    assert gold.leads == [] and PARAGRAPHS[0] in gold.paragraphs


def test_the_command_reads_a_copy_of_readability(tmp_path, capsys):
    from vnnews.dataset.transfer import main

    assert main([str(_readability(tmp_path)), "-o", str(tmp_path / "out")]) == 0
    assert "1 labelled page(s)" in capsys.readouterr().out
    assert validate_annotations(tmp_path / "out" / "pages", tmp_path / "out" / "annotations") == []
    tsv = (tmp_path / "out" / "annotations" / "readability-daily-1" / "page.tsv").read_text(encoding="utf-8")
    assert f"# label-source: {LABEL_SOURCE}" in tsv and "Readability" in tsv.splitlines()[0]


def test_a_missing_or_unknown_source_is_one_line(tmp_path, capsys):
    from vnnews.dataset.transfer import main

    with pytest.raises(SystemExit):
        main([str(tmp_path / "nowhere"), "-o", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert "nowhere: no such folder" in err and "Traceback" not in err
    assert not (tmp_path / "out").exists()  # nothing written
    (tmp_path / "empty").mkdir()
    assert main([str(tmp_path / "empty"), "-o", str(tmp_path / "out2")]) == 1
    assert "no labelled page:" in capsys.readouterr().err
    assert not (tmp_path / "out2").exists()
    (tmp_path / "out3").mkdir()
    (tmp_path / "out3" / "earlier.txt").write_text("kept", encoding="utf-8")  # an earlier result in the output folder
    with pytest.raises(SystemExit):
        main([str(tmp_path / "nowhere"), "-o", str(tmp_path / "out3")])
    assert (tmp_path / "out3" / "earlier.txt").read_text(encoding="utf-8") == "kept"
