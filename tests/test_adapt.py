"""Site adaptation inside a job (issue 38, item 3): sites with enough pages are fitted from
their own pages, every other page is labelled exactly as before, the model is left as it
was, and `vnnews infer --adapt` records the setting so a resume cannot mix the two."""

import json

import pytest
import torch

from vnnews.adapt import MIN_PAGES, AdaptedLabeler, _head_state, adapt_to_sites, pseudo_labels
from vnnews.inference import InferenceConfig, run_inference
from vnnews.ingest import Article, Line

MENU = ["Trang chủ", "Thời sự", "Thế giới", "Kinh doanh", "Giải trí", "Thể thao", "Pháp luật", "Giáo dục", "Sức khoẻ", "Đời sống", "Du lịch", "Số hoá"]
FOOTER = ["Liên hệ quảng cáo", "Điều khoản sử dụng", "© Bản quyền thuộc về Báo Mẫu"]


def _page(site: str, k: int) -> Article:
    body = [f"Đoạn {j} của bài số {k}: một câu dài kể lại sự việc đã xảy ra ở địa phương với nhiều chi tiết." for j in range(4)]
    lines = [Line(t) for t in [*MENU, f"Tiêu đề bài báo số {k} của trang {site}", f"Sa pô của bài số {k}.", *body, *FOOTER]]
    return Article(f"{site}/bai-{k}", f"{site}/bai-{k}.txt", lines, {"site": site})


@pytest.fixture(scope="module")
def labeller(trained_classifier):
    from vnnews.models import load_classifier

    return load_classifier(str(trained_classifier[0]))


def test_a_site_with_enough_pages_is_fitted_and_the_others_keep_the_models_output(labeller):
    big = [_page("bao-mau.vn", k) for k in range(MIN_PAGES + 1)]
    small = [_page("bao-nho.vn", k) for k in range(2)]
    before = _head_state(labeller)
    plain = labeller.predict(small)
    adaptations = adapt_to_sites(labeller, big + small, steps=20)
    assert adaptations["bao-mau.vn"].state is not None and adaptations["bao-mau.vn"].repeated >= len(big) * (len(MENU) + len(FOOTER))
    assert adaptations["bao-nho.vn"].state is None and "fewer than 5" in adaptations["bao-nho.vn"].reason
    assert all(torch.equal(before[k], v) for k, v in _head_state(labeller).items())  # fitting leaves the model as it was
    adapted = AdaptedLabeler(labeller, adaptations)
    mixed = adapted.predict(small[:1] + big[:2] + small[1:])
    assert [[p.label for p in preds] for preds in (mixed[0], mixed[3])] == [[p.label for p in preds] for preds in plain]
    assert [[round(p.confidence, 6) for p in preds] for preds in (mixed[0], mixed[3])] == [[round(p.confidence, 6) for p in preds] for preds in plain]
    assert all(torch.equal(before[k], v) for k, v in _head_state(labeller).items())  # predicting restores it too
    # on the fitted site, what repeats on every page is boilerplate
    for preds in mixed[1:3]:
        assert {p.label for p in preds[: len(MENU)]} <= {"navigation", "related", "advertisement", "other"}


def test_pseudo_labels_mark_repeats_as_boilerplate_and_skip_unsure_lines(labeller):
    pages = [_page("bao-mau.vn", k) for k in range(MIN_PAGES)]
    predictions = labeller.predict(pages)
    targets, repeated, structured, rendered = pseudo_labels(labeller, pages, predictions, min_confidence=1.01)  # nothing is sure enough
    labels = list(labeller.config.labels)
    assert repeated == MIN_PAGES * (len(MENU) + len(FOOTER)) and structured == rendered == 0  # text pages: no articleBody, no other rendering
    for row in targets:
        assert all(labels[t] in ("related", "navigation", "advertisement", "other") for t in row[: len(MENU)])
        assert all(t == -100 for t in row[len(MENU) : len(MENU) + 6])  # unique lines, unsure: not trained on


def test_infer_adapt_writes_records_and_a_resume_without_it_is_refused(trained_classifier, tmp_path, capsys):
    pages = tmp_path / "pages"
    for article in [_page("bao-mau.vn", k) for k in range(MIN_PAGES)] + [_page("bao-nho.vn", 0)]:
        path = pages / f"{article.id}.txt"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("\n".join(article.texts), encoding="utf-8")
    out = tmp_path / "out.jsonl"
    config = InferenceConfig(classifier=str(trained_classifier[0]), adapt=True, progress=False, segment_workers=0)
    result = run_inference([pages], out, config)
    assert result.done == MIN_PAGES + 1
    err = capsys.readouterr().err
    assert "adapt: bao-mau.vn: 5 page(s), adapted on" in err and "adapt: bao-nho.vn: 1 page(s), not adapted: 1 page(s), fewer than 5" in err
    plain_out = tmp_path / "plain.jsonl"
    run_inference([pages], plain_out, InferenceConfig(classifier=str(trained_classifier[0]), progress=False, segment_workers=0))
    read = lambda path: {r["id"]: [line["label"] for line in r["lines"]] for r in map(json.loads, path.read_text(encoding="utf-8").splitlines())}  # noqa: E731
    assert read(out)["bao-nho.vn/bai-0"] == read(plain_out)["bao-nho.vn/bai-0"]  # a site it could not adapt to: unchanged
    from vnnews.outputs import OutputRefused

    with pytest.raises(OutputRefused, match="other settings"):
        run_inference([pages], out, InferenceConfig(classifier=str(trained_classifier[0]), progress=False, segment_workers=0), resume=True)
    with pytest.raises(ValueError, match="use the local engine"):
        InferenceConfig(classifier=str(trained_classifier[0]), adapt=True, engine="ray")
    with pytest.raises(ValueError, match="adapts a page labeller"):
        run_inference([pages], tmp_path / "weak.jsonl", InferenceConfig(classifier="weak", adapt=True, progress=False))


def test_the_adaptation_report_scores_held_out_halves_beside_the_model(trained_classifier, tmp_path):
    from vnnews.extraction_eval import evaluate_adaptation

    for k in range(8):  # one site of text pages with gold labels: menus and footers repeat
        article = _page("bao-mau.vn", k)
        labels = ["navigation"] * len(MENU) + ["title", "lead"] + ["body"] * 4 + ["navigation"] * len(FOOTER)
        (tmp_path / "pages" / "bao-mau.vn").mkdir(parents=True, exist_ok=True)
        (tmp_path / "ann" / "bao-mau.vn").mkdir(parents=True, exist_ok=True)
        (tmp_path / "pages" / f"{article.id}.txt").write_text("\n".join(article.texts), encoding="utf-8")
        (tmp_path / "ann" / f"{article.id}.tsv").write_text("".join(f"{lab}\t{t}\n" for lab, t in zip(labels, article.texts, strict=True)), encoding="utf-8")
    text = evaluate_adaptation(str(trained_classifier[0]), tmp_path / "pages", tmp_path / "ann", tmp_path / "report", min_pages=2, baselines=False)
    assert "| model --adapt, held out | 8 |" in text and "| model --adapt, in the job | 8 |" in text and "| model | 8 |" in text
    assert "halves for the held-out row (at least 4 pages): bao-mau.vn" in text
    assert (tmp_path / "report" / "extraction.md").is_file()


def test_the_adapt_command_writes_one_model_per_adapted_site(trained_classifier, tmp_path, capsys):
    from vnnews.cli import main
    from vnnews.models import load_classifier

    pages = tmp_path / "pages"
    for article in [_page("bao-mau.vn", k) for k in range(MIN_PAGES)] + [_page("bao-nho.vn", 0)]:
        (pages / article.id).parent.mkdir(parents=True, exist_ok=True)
        (pages / f"{article.id}.txt").write_text("\n".join(article.texts), encoding="utf-8")
    out = tmp_path / "adapted"
    assert main(["adapt", str(pages), "--classifier", str(trained_classifier[0]), "-o", str(out)]) == 0
    assert "1 adapted model(s)" in capsys.readouterr().err
    summary = {s["site"]: s for s in json.loads((out / "adapt.json").read_text(encoding="utf-8"))}
    assert summary["bao-mau.vn"]["model"] == "bao-mau.vn" and summary["bao-nho.vn"]["model"] is None
    twin = load_classifier(str(out / "bao-mau.vn"))
    assert twin.training_record["metrics"]["adapted_to"]["site"] == "bao-mau.vn"
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    assert main(["adapt", str(pages), "--classifier", str(trained_classifier[0]), "-o", str(out)]) == 2  # never over an earlier run
    assert "not an empty folder" in capsys.readouterr().err
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == before  # the earlier run's models untouched


def _html_page(k: int, body_paragraphs: int | None = None) -> str:
    """A page of one site whose JSON-LD carries the article's text (all of it, or its first
    ``body_paragraphs``), and a related teaser written as a whole sentence that it does not."""
    paragraphs = [f"Đoạn {j} của bài số {k}: một câu dài kể lại sự việc đã xảy ra ở địa phương với nhiều chi tiết." for j in range(4)]
    teaser = f"Bài liên quan số {k}: một câu tóm tắt trọn vẹn của bài báo khác mà trang gợi ý người đọc xem tiếp."
    kept = paragraphs[:body_paragraphs] if body_paragraphs is not None else paragraphs
    ld = {"@type": "NewsArticle", "headline": f"Tiêu đề số {k}", "articleBody": "".join(f"<p>{p.replace(' ', '&nbsp;', 1)}</p>" for p in kept)}
    return (f"<html><head><script type='application/ld+json'>{json.dumps(ld, ensure_ascii=False)}</script></head><body>"
            f"<h1>Tiêu đề số {k}</h1>{''.join(f'<p>{p}</p>' for p in paragraphs)}<div class='related'><p>{teaser}</p></div></body></html>")


def test_a_pages_articlebody_labels_its_lines_and_a_body_line_outside_it_is_boilerplate():
    from types import SimpleNamespace

    from vnnews.extraction import page_article
    from vnnews.labels import LABELS

    model = SimpleNamespace(config=SimpleNamespace(labels=LABELS))
    unsure_body = SimpleNamespace(label="body", confidence=0.5, probabilities={"body": 0.5, "related": 0.3, "navigation": 0.1})

    def predictions(pages):
        return [[SimpleNamespace(label="title", confidence=0.99, probabilities={"title": 0.99}) if t.startswith("Tiêu đề") else unsure_body
                 for t in page.texts] for page in pages]

    pages = [page_article(_html_page(k), f"p{k}", url=f"https://bao-mau.vn/bai-{k}.html") for k in range(MIN_PAGES)]
    assert pages[0].meta["document"]["jsonld"][0]["articleBody"].startswith("<p>Đoạn&nbsp;0 của")
    targets, repeated, structured, _ = pseudo_labels(model, pages, predictions(pages))
    labels = [[LABELS[t] if t >= 0 else None for t in row] for row in targets]
    for page, row in zip(pages, labels, strict=True):
        assert [lab for text, lab in zip(page.texts, row, strict=True) if text.startswith("Đoạn")] == ["body"] * 4
        assert [lab for text, lab in zip(page.texts, row, strict=True) if text.startswith("Bài liên quan")] == ["related"]
        assert row[page.texts.index(next(t for t in page.texts if t.startswith("Tiêu đề")))] == "title"  # sure: the model's own
    assert structured == MIN_PAGES * 5 and repeated == 0
    # an articleBody with the first two paragraphs only is not the whole article: it labels
    # them, and says nothing of the lines it lacks
    pages = [page_article(_html_page(k, body_paragraphs=2), f"p{k}", url=f"https://bao-mau.vn/bai-{k}.html") for k in range(MIN_PAGES)]
    targets, _, structured, _ = pseudo_labels(model, pages, predictions(pages))
    for page, row in zip(pages, targets, strict=True):
        marked = {text: (LABELS[t] if t >= 0 else None) for text, t in zip(page.texts, row, strict=True)}
        assert [marked[t] for t in page.texts if t.startswith(("Đoạn", "Bài liên quan"))] == ["body", "body", None, None, None]
    assert structured == MIN_PAGES * 2


# ---------------------------------------------------------------- another rendering of the article (AMP, print)
def _rendering_pages(k: int, amp_paragraphs: int = 8, amp_host: str = "bao-mau.vn") -> tuple[str, str]:
    """A full page of article ``k`` (a menu, eight paragraphs, a related teaser written as a
    whole sentence, a follow prompt) linking its AMP rendering, and that AMP page: the article
    (all of it, or its first ``amp_paragraphs``), no chrome, a canonical link back."""
    paragraphs = [f"Đoạn {j} của bài số {k}: một câu dài kể lại sự việc đã xảy ra ở địa phương với nhiều chi tiết." for j in range(8)]
    teaser = f"Bài liên quan số {k}: một câu tóm tắt trọn vẹn của bài báo khác mà trang gợi ý người đọc xem tiếp."
    follow = f"Theo dõi báo trên mạng xã hội để không bỏ lỡ tin tức mới nhất về chủ đề số {k} này nhé."
    full = (f"<html><head><link rel='amphtml' href='https://{amp_host}/amp/bai-{k}.html'></head><body>"
            f"<ul><li><a href='/thoi-su'>Thời sự</a></li><li><a href='/the-gioi'>Thế giới</a></li></ul>"
            f"<h1>Tiêu đề số {k}</h1>{''.join(f'<p>{p}</p>' for p in paragraphs)}"
            f"<div class='related'><p>{teaser}</p></div><p>{follow}</p></body></html>")
    amp = (f"<html><head><link rel='canonical' href='https://bao-mau.vn/bai-{k}.html'></head><body>"
           f"<h1>Tiêu đề số {k}</h1>{''.join(f'<p>{p}</p>' for p in paragraphs[:amp_paragraphs])}</body></html>")
    return full, amp


def _unsure_predictions(pages):
    from types import SimpleNamespace

    unsure = SimpleNamespace(label="body", confidence=0.5, probabilities={"body": 0.5, "related": 0.3, "navigation": 0.1})
    title = SimpleNamespace(label="title", confidence=0.99, probabilities={"title": 0.99})
    return [[title if t.startswith("Tiêu đề") else unsure for t in page.texts] for page in pages]


def test_renderings_of_one_article_are_paired_by_their_links_and_shared_section_links_are_not():
    from vnnews.adapt import rendering_groups
    from vnnews.extraction import page_article

    full, amp = _rendering_pages(1)
    printed = "<html><head><link rel='canonical' href='https://bao-mau.vn/bai-1.html'></head><body><h1>Tiêu đề số 1</h1><p>Bản in.</p></body></html>"
    full_with_print = full.replace("</head>", "<link rel='alternate' media='print' href='/in/bai-1.html'></head>")
    pages = [
        page_article(full_with_print, "full", url="https://www.bao-mau.vn/bai-1.html?utm_source=x#binh-luan"),  # its own address, tracking aside
        page_article(amp, "amp", url="http://bao-mau.vn/amp/bai-1.html"),  # named by the full page's AMP link
        page_article(printed.replace("<link rel='canonical' href='https://bao-mau.vn/bai-1.html'>", ""), "print", url="https://bao-mau.vn/in/bai-1.html"),
        page_article(_rendering_pages(2)[1], "amp-2-file"),  # no address of its own: its canonical link is article 2's
        page_article(_rendering_pages(2)[0].replace("<head>", "<head><link rel='canonical' href='https://bao-mau.vn/bai-2.html'>"), "full-2-file"),
        *[page_article(f"<html><head><link rel='canonical' href='https://bao-mau.vn/'></head><body><p>Trang {j}</p></body></html>", f"home-{j}") for j in range(2)],
        *[page_article(f"<html><head><link rel='canonical' href='https://bao-mau.vn/thoi-su'></head><body><p>Bài {j}</p></body></html>", f"section-{j}") for j in range(5)],
        page_article("<html><head><link rel='canonical' href='http://[::1'></head><body><p>Địa chỉ hỏng</p></body></html>", "malformed"),
    ]
    assert pages[0].meta["document"]["renderings"] == {"amphtml": "https://bao-mau.vn/amp/bai-1.html", "print": "/in/bai-1.html"}
    groups = sorted(sorted(pages[i].id for i in group) for group in rendering_groups(pages))
    # the site's root names no article; five pages sharing one section's address are not renderings of one article
    assert groups == [["amp", "full", "print"], ["amp-2-file", "full-2-file"]]


def test_another_rendering_labels_a_pages_lines_and_a_body_line_found_nowhere_in_it_is_boilerplate():
    from types import SimpleNamespace

    from vnnews.adapt import rendering_reference
    from vnnews.extraction import page_article
    from vnnews.labels import LABELS
    from vnnews.text.normalize import word_key

    model = SimpleNamespace(config=SimpleNamespace(labels=LABELS))
    # the whole AMP article holds 8 of the full page's 10 body lines (BODY_COVERAGE); its first paragraph, 1 of 10
    for amp_paragraphs, expected, rendered in ((8, ["body"] * 8 + ["related", "related"], 10), (1, ["body"] + [None] * 9, 1)):
        renderings = [_rendering_pages(k, amp_paragraphs) for k in range(MIN_PAGES)]
        full = [page_article(f, f"full-{k}", url=f"https://bao-mau.vn/bai-{k}.html") for k, (f, _a) in enumerate(renderings)]
        amp = [page_article(a, f"amp-{k}", url=f"https://bao-mau.vn/amp/bai-{k}.html") for k, (_f, a) in enumerate(renderings)]
        references = [rendering_reference(page, [(other, preds)]) for page, other, preds in zip(full, amp, _unsure_predictions(amp), strict=True)]
        targets, repeated, structured, counted = pseudo_labels(model, full, _unsure_predictions(full), renderings=references)
        for page, row in zip(full, targets, strict=True):
            marked = [LABELS[t] if t >= 0 else None for text, t in zip(page.texts, row, strict=True) if text.startswith(("Đoạn", "Bài liên quan", "Theo dõi"))]
            # the whole AMP article: its lines are body, the teaser and the prompt it lacks are boilerplate;
            # its first paragraph only: that paragraph is body, nothing is said of the rest
            assert marked == expected
        assert counted == MIN_PAGES * rendered and structured == 0
    # where the other rendering was read with trafilatura's second opinion, a line is sure only
    # where both keep it; either keeping it puts it in the rendering's whole text
    other = page_article(_rendering_pages(0)[1], "amp-0", url="https://bao-mau.vn/amp/bai-0.html")
    flags = "".join("0" if text.startswith("Đoạn 0") else "1" for text in other.texts)
    other.meta["second_opinion"] = {"by": "trafilatura", "kept": flags}
    reference = rendering_reference(full[0], [(other, _unsure_predictions([other])[0])])
    first = word_key(next(t for t in other.texts if t.startswith("Đoạn 0")))
    second = word_key(next(t for t in other.texts if t.startswith("Đoạn 1")))
    assert f" {first} " not in reference.sure and f" {first} " in reference.whole and f" {second} " in reference.sure
    # a copy of the page itself is no other rendering
    page = full[0]
    assert rendering_reference(page, [(page_article(_rendering_pages(0)[0], "copy"), _unsure_predictions([page])[0])]) is None


def test_a_pages_articlebody_goes_before_its_other_renderings():
    from types import SimpleNamespace

    from vnnews.adapt import Reference
    from vnnews.extraction import page_article
    from vnnews.labels import LABELS

    model = SimpleNamespace(config=SimpleNamespace(labels=LABELS))
    pages = [page_article(_html_page(k), f"p{k}") for k in range(MIN_PAGES)]  # an articleBody of all four paragraphs
    nothing = Reference(" khác hẳn ", " khác hẳn ", "rendering")  # a rendering that would say the article is elsewhere
    _targets, _repeated, structured, rendered = pseudo_labels(model, pages, _unsure_predictions(pages), renderings=[nothing] * len(pages))
    assert structured == MIN_PAGES * 5 and rendered == 0


def test_adapting_reads_the_other_renderings_of_a_sites_pages_on_another_host(labeller, monkeypatch):
    import vnnews.adapt as adapt
    from vnnews.adapt import Reference
    from vnnews.extraction import page_article
    from vnnews.text.normalize import word_key

    pages = []
    for k in range(MIN_PAGES):
        full, amp = _rendering_pages(k, amp_host="amp.bao-mau.vn")
        pages += [page_article(full, f"full-{k}", url=f"https://bao-mau.vn/bai-{k}.html"), page_article(amp, f"amp-{k}", url=f"https://amp.bao-mau.vn/amp/bai-{k}.html")]
    pages += [page_article(_rendering_pages(9)[0], "alone", url="https://bao-mau.vn/bai-9.html")]  # its AMP page is not in the job
    seen = {}
    original = adapt.rendering_reference

    def spy(page, others):
        seen[page.id] = [(other.id, len(preds)) for other, preds in others]
        assert original(page, others) is None or original(page, others).source == "rendering"
        # the test's labeller is barely trained: its reading of the AMP page is no evidence, the AMP page's lines are
        text = " " + " ".join(word_key(t) for other, _preds in others for t in other.texts) + " "
        return Reference(text, text, "rendering")

    monkeypatch.setattr(adapt, "rendering_reference", spy)
    adaptations = adapt.adapt_to_sites(labeller, pages, steps=5)
    # the full pages' site is adapted; each full page read its AMP page, predicted though its host has too few pages to adapt
    assert {k: v for k, v in seen.items() if k.startswith("full")} == {f"full-{k}": [(f"amp-{k}", len(pages[2 * k + 1].texts))] for k in range(MIN_PAGES)}
    assert "alone" not in seen and adaptations["amp.bao-mau.vn"].state is None
    result = adaptations["bao-mau.vn"]
    assert result.state is not None and result.rendered >= MIN_PAGES * 8 and f"{result.rendered} from other renderings" in result.describe()
