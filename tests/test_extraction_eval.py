import json
from pathlib import Path

import pytest

from vnnews.dataset import load_subset
from vnnews.extraction_eval import (
    Extraction,
    bag_scores,
    coarse5_macro_f1,
    evaluate_pages,
    from_labels,
    load_real_pages,
    render,
    score_page,
    trafilatura_system,
)
from vnnews.ingest import Article, Line
from vnnews.labels import validate_annotations

ROOT = Path(__file__).resolve().parents[1]
REAL = ROOT / "data" / "real"


def gold_page() -> Article:
    lines = [Line("Trang chủ", label="navigation"), Line("Tiêu đề bài", label="title"), Line("Sapo của bài viết.", label="lead"),
             Line("Thân bài một.", label="body"), Line("Ảnh: chú thích", label="caption"), Line("Tin khác", label="related")]
    return Article("site.vn/a", "site.vn/a.html", lines, {}, "gold")


def test_bag_of_tokens_ignores_case_punctuation_and_tone_style():
    assert bag_scores("Hoà bình, HOÀ BÌNH!", "hòa bình hoà bình") == (1.0, 1.0, 1.0)
    p, r, f1 = bag_scores("a b c d", "a b")
    assert (p, r) == (0.5, 1.0) and abs(f1 - 2 / 3) < 1e-9


def test_page_scores_title_exact_and_lead_found():
    page = gold_page()
    perfect = score_page(page, from_labels(page, [line.label for line in page.lines]))
    assert (perfect.f1, perfect.title_exact, perfect.lead_found) == (1.0, True, True)
    no_lead = score_page(page, from_labels(page, ["navigation", "title", "body", "body", "caption", "related"]))
    assert no_lead.lead_found is False and no_lead.f1 == 1.0  # the lead's words are still article text
    text_only = score_page(page, Extraction(text="Tiêu đề bài. Thân bài một."))
    assert text_only.title_exact is None and text_only.lead_found is None and text_only.recall < 1.0
    # a title not exact is named in the report's JSON with the gold's (which page, and why)
    gold_title = page.lines[[line.label for line in page.lines].index("title")].text
    wrong = score_page(page, from_labels(page, ["title", "body", "body", "body", "caption", "related"]))
    assert wrong.title_exact is False and wrong.misses == {"title": {"predicted": page.lines[0].text, "gold": gold_title}}
    assert perfect.misses == {} and text_only.misses == {}


def test_render_has_a_table_per_site_and_per_label_f1():
    page = gold_page()
    results = evaluate_pages([page], {}, {"perfect": lambda arts: [[ln.label for ln in a.lines] for a in arts]}, {})
    text = render(results, "t")
    assert "## site.vn" in text and "| perfect | 1 | 1.000 | 1.000 | 1.000 | 1.000 | 1/1 | 1/1 |" in text and "Per-label F1" in text
    assert coarse5_macro_f1(["title", "body", "navigation"], ["title", "body", "navigation"]) == 1.0


def test_real_pages_are_annotated_and_valid():
    assert validate_annotations(REAL / "pages", REAL / "annotations") == []
    articles, html = load_real_pages(REAL / "pages", REAL / "annotations")
    sites = {a.id.split("/")[0] for a in articles}
    assert len(articles) >= 20 and len(sites) >= 2 and set(html) == {a.id for a in articles}
    assert all(sum(line.label == "title" for line in a.lines) == 1 for a in articles)
    assert (REAL / "README.md").read_text().count("| `") >= len(articles)  # a source line per page


def test_trafilatura_reads_a_real_page():
    articles, html = load_real_pages(REAL / "pages" / "dantri.com.vn" / "m2016", REAL / "annotations" / "dantri.com.vn" / "m2016")
    article = articles[0]
    extraction = trafilatura_system(html[article.id], article)
    score = score_page(article, extraction)
    assert extraction.title and score.f1 > 0.5


def test_leave_one_family_out_scores_each_family_on_a_model_without_it(tiny_phobert, pages_dataset, tmp_path):
    from tests.recipes.test_classifier import tiny_config
    from vnnews.extraction_eval import leave_one_family_out

    config = tiny_config(tiny_phobert, pages_dataset, tmp_path / "x", "training.max_steps=2", "eval_split=train")
    text = leave_one_family_out(config, tmp_path / "lofo", families=["photo"])
    assert "| photo |" in text and (tmp_path / "lofo" / "leave-one-family-out.json").exists()
    assert (tmp_path / "lofo" / "runs" / "photo" / "model.safetensors").exists()
    run = json.loads((tmp_path / "lofo" / "runs" / "photo" / "metrics.json").read_text())
    assert run["families"].get("photo") is None and run["eval_split"] == "train (without the families photo)"
    scored = json.loads((tmp_path / "lofo" / "leave-one-family-out.json").read_text())["photo"]["pages"]
    assert scored == load_subset(pages_dataset, "pages")["train"]["family"].count("photo")


def two_sites(tiny_phobert, pages_dataset, tmp_path):
    """The real pages and gold of two sites, and a tiny labeller config training two steps."""
    import shutil

    from tests.recipes.test_classifier import tiny_config

    pages, annotations = tmp_path / "pages", tmp_path / "ann"
    for site in ("giadinh.net.vn", "kenh14.vn"):
        shutil.copytree(REAL / "pages" / site, pages / site)
        shutil.copytree(REAL / "annotations" / site, annotations / site)
    config = tiny_config(tiny_phobert, pages_dataset, tmp_path / "x", "training.max_steps=2", "self_training.min_confidence=0.01")
    return pages, annotations, config


def test_leave_one_site_out_never_self_trains_on_the_site_it_scores(tiny_phobert, pages_dataset, tmp_path, monkeypatch):
    import vnnews.recipes.classifier as recipe
    from vnnews.extraction_eval import leave_one_site_out

    seen = []
    original = recipe._pseudo_labels

    def spy(model, config):
        seen.append(tuple(config.exclude_sites))
        pages, labels = original(model, config)
        assert all(not a.id.startswith(config.exclude_sites[0] + "/") for a in pages)
        return pages, labels

    monkeypatch.setattr(recipe, "_pseudo_labels", spy)
    pages, annotations, config = two_sites(tiny_phobert, pages_dataset, tmp_path)
    text = leave_one_site_out(config, pages, annotations, tmp_path / "loso")
    assert sorted(seen) == [("giadinh.net.vn",), ("kenh14.vn",)]
    assert "| model (leave-one-site-out) | 4 |" in text and "## kenh14.vn" in text
    # beside trafilatura on the same pages, per site, precision and recall apart
    assert "| trafilatura | 4 |" in text and "## Per site against trafilatura" in text
    rows = [line for line in text.splitlines() if line.startswith("| kenh14.vn | 2 | model (leave-one-site-out) |")]
    assert len(rows) == 1 and len(rows[0].split("|")) == 10
    assert "sites** |" in text

    # --resume: each finished run of the same config is scored again, not retrained
    def no_training(*a, **k):
        raise AssertionError("a finished run was trained again")

    monkeypatch.setattr(recipe, "train_classifier", no_training)
    again = leave_one_site_out(config, pages, annotations, tmp_path / "loso", resume=True)
    assert "--resume: the finished runs of giadinh.net.vn, kenh14.vn were scored again" in again
    assert [r for r in again.splitlines() if r.startswith("| kenh14.vn | 2 | model")] == rows
    # ... and a run of another config is trained
    from dataclasses import replace

    from vnnews.recipes.common import finished_run

    other = replace(config, training=replace(config.training, seed=config.training.seed + 1))
    assert finished_run(replace(config, output_dir=str(tmp_path / "loso" / "runs" / "kenh14.vn"), self_training=replace(config.self_training, pages=[str(pages)], exclude_sites=["kenh14.vn"])))
    with pytest.raises(AssertionError, match="trained again"):
        leave_one_site_out(other, pages, annotations, tmp_path / "loso", resume=True)


def test_leave_one_site_out_with_adapt_fits_each_held_out_model_to_its_own_sites_pages(tiny_phobert, pages_dataset, tmp_path, monkeypatch):
    import vnnews.adapt as adapt
    from vnnews.extraction_eval import leave_one_site_out

    fitted_on = []
    original = adapt.adapt_to_sites

    def spy(model, articles, **kw):
        fitted_on.append(sorted({a.site for a in articles}))
        return original(model, articles, **kw)

    monkeypatch.setattr(adapt, "adapt_to_sites", spy)
    pages, annotations, config = two_sites(tiny_phobert, pages_dataset, tmp_path)
    text = leave_one_site_out(config, pages, annotations, tmp_path / "loso", adapt=True, min_pages=2)
    assert fitted_on == [["giadinh.net.vn"], ["kenh14.vn"]]  # each held-out model, on its own site's pages only
    assert "| model (leave-one-site-out) --adapt | 4 |" in text and "| model (leave-one-site-out) | 4 |" in text
    assert "--adapt: that model adapted to the held-out site" in text
    rows = [line for line in text.splitlines() if line.startswith("| kenh14.vn | 2 | model (leave-one-site-out) --adapt |")]
    assert len(rows) == 1  # per site, beside trafilatura


def test_the_per_site_table_says_where_a_model_falls_below_trafilatura():
    from vnnews.extraction_eval import PageScore, SystemResult, against_baseline

    model, base = SystemResult("model"), SystemResult("trafilatura")
    model.predicted_labels = ["body"]
    model.pages = [PageScore("a/1", "a", 0.9, 1.0, 0.947, True, True, 0.947), PageScore("b/1", "b", 1.0, 1.0, 1.0, True, True, 1.0)]
    base.pages = [PageScore("a/1", "a", 1.0, 1.0, 1.0, True, None, 1.0), PageScore("b/1", "b", 0.9, 0.9, 0.9, True, None, 0.9)]
    rows = against_baseline([model, base])
    assert any(r.startswith("| a | 1 | model | 0.900 | 1.000 | 0.947 | 1.000 / 1.000 / 1.000 | **no** |") for r in rows)
    assert any(r.startswith("| b | 1 | model | 1.000 | 1.000 | 1.000 |") and r.endswith("| yes |") for r in rows)
    assert "| **1 of 2 sites** |" in "\n".join(rows)
    assert against_baseline([model]) == []


def test_pages_read_as_text_dumps_lose_dom_and_candidates():
    from vnnews.extraction_eval import as_text_dump

    articles, _ = load_real_pages(REAL / "pages" / "kenh14.vn", REAL / "annotations" / "kenh14.vn")
    dump = as_text_dump(articles[0])
    assert dump.texts == articles[0].texts and dump.labels == articles[0].labels
    assert all(line.tag_path is None and line.link_density is None for line in dump.lines) and "candidates" not in dump.meta


def test_a_folder_of_pages_without_sites_gets_no_none_section():
    import dataclasses

    page = gold_page()
    loose = dataclasses.replace(page, id="page-1")  # read from a plain folder: no site
    systems = {"perfect": lambda arts: [[ln.label for ln in a.lines] for a in arts]}
    text = render(evaluate_pages([loose], {}, systems, {}), "t")
    assert "(none)" not in text and "## All pages" in text
    mixed = render(evaluate_pages([page, loose], {}, systems, {}), "t")
    assert "## site.vn" in mixed and "## pages outside a site folder" in mixed and "(none)" not in mixed


def test_a_baseline_that_raises_on_a_page_scores_it_empty_and_the_report_goes_on(caplog):
    # readability-lxml raised "All strings must be XML compatible" on a fundus page with a
    # control character in a link, and the whole evaluation stopped
    page = gold_page()

    def crashes(html: str, article: Article) -> Extraction:
        raise ValueError("All strings must be XML compatible")

    results = evaluate_pages([page], {page.id: "<html></html>"}, {}, {"fragile": crashes, "fine": lambda html, a: Extraction(text="Tiêu đề bài")})
    fragile, fine = results
    assert fragile.failures == 1 and len(fragile.pages) == 1 and fragile.pages[0].recall == 0.0
    assert fine.failures == 0 and fine.pages[0].recall > 0
    assert "fragile failed on site.vn/a.html (ValueError" in caplog.text
    assert "fragile raised on 1 of 1 pages" in render(results, "t")


def test_the_report_says_what_boilerplate_was_let_in_and_what_article_was_left_out():
    page = gold_page()  # navigation, title, lead, body, caption, related
    predicted = ["body", "title", "lead", "related", "caption", "related"]  # a menu let in, the body left out
    results = evaluate_pages([page], {}, {"m": lambda arts: [predicted]}, {})
    text = render(results, "t")
    assert "## Let in and left out (words, all pages)" in text
    assert "| m | 2 | navigation 2 | 3 | related 3 |" in text  # "Trang chủ" let in; "Thân bài một." left out
    perfect = render(evaluate_pages([page], {}, {"p": lambda arts: [[ln.label for ln in a.lines] for a in arts]}, {}), "t")
    assert "| p | 0 | none | 0 | none |" in perfect
