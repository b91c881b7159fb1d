"""The second opinion on a page's article lines (vnnews.ingest.second_opinion) and what
decoding does with it (vnnews.models.decoding.outside_second_opinion)."""

import pytest
import torch

from vnnews.ingest import Article, IngestOptions, Line, article_from_content
from vnnews.ingest.content import MODEL_PAGE_OPTIONS, PAGE_OPTIONS, page_article
from vnnews.ingest.second_opinion import META_KEY, extractor_text, kept_flags, page_flags, second_opinion
from vnnews.labels import FURNITURE, LABELS
from vnnews.models.decoding import SECOND_OPINION_BELOW, outside_second_opinion, second_opinion_labels


@pytest.fixture(scope="module")
def labeller(tiny_phobert):
    """An untrained tiny page labeller: unsure of every line."""
    from vnnews.models.page_labeler import PageLabeler

    torch.manual_seed(0)
    return PageLabeler.from_encoder(str(tiny_phobert), hidden_size=32, window_lines=16, window_overlap=4, max_line_tokens=12, max_line_chars=80).eval()


PARAGRAPHS = [
    f"Đoạn văn thứ {i} kể chuyện nông dân miền Tây bán lúa được giá cao nhất trong nhiều năm qua, thương lái đến tận ruộng để mua tận gốc." for i in range(8)
]
PAGE = (
    "<html><head><title>Giá lúa tăng mạnh - Báo X</title></head><body>"
    "<nav><ul><li><a href='/'>Trang chủ</a></li><li><a href='/kt'>Kinh tế</a></li><li><a href='/xh'>Xã hội</a></li></ul></nav>"
    "<article><h1>Giá lúa tăng mạnh</h1>" + "".join(f"<p>{p}</p>" for p in PARAGRAPHS) + "</article>"
    "<aside class='related'><h3>Cùng chuyên mục</h3><ul>"
    "<li><a href='/a'>Giá vàng hôm nay tăng mạnh sau nhiều phiên giảm liên tiếp trên thị trường</a></li>"
    "<li><a href='/b'>Thương lái đổ xô về miền Tây thu mua trái cây xuất khẩu</a></li></ul></aside>"
    "<footer><p>Giấy phép số 123/GP-BTTTT. Ghi rõ nguồn khi phát hành lại thông tin từ website này.</p></footer>"
    "</body></html>"
)


def test_a_line_is_kept_where_its_words_run_together_in_the_extracted_text():
    extracted = "Giá lúa TĂNG mạnh!\nNông dân vui mừng, vì thương lái đến tận ruộng. Câu sau."
    texts = ["Giá lúa tăng mạnh", "thương lái đến tận ruộng", "Nông dân vui mừng vì", "Đăng nhập", "tận ruộng thương lái", "— ·", "Giá lúa tăng"]
    # punctuation and case aside; a run inside a paragraph counts; words out of order or
    # missing do not; a line of no word has nothing to judge; a line is matched at word bounds
    assert kept_flags(texts, extracted) == "1110011"
    assert kept_flags(["hoá đơn", "hóa đơn"], "Hóa đơn điện tử") == "11"  # tone-mark style aside
    assert kept_flags(["Giá lú"], "Giá lúa tăng") == "0"


def test_the_page_read_for_a_model_carries_which_lines_trafilatura_keeps():
    article = page_article(PAGE, options=MODEL_PAGE_OPTIONS)
    opinion = article.meta[META_KEY]
    assert opinion["by"] == "trafilatura" and len(opinion["kept"]) == len(article.lines)
    kept = dict(zip(article.texts, opinion["kept"], strict=True))
    assert all(kept[p] == "1" for p in PARAGRAPHS)
    assert kept["Trang chủ"] == "0" and kept["Giá vàng hôm nay tăng mạnh sau nhiều phiên giảm liên tiếp trên thị trường"] == "0"
    assert page_flags(article.meta, len(article.lines)) == opinion["kept"]
    assert opinion["kept"] == kept_flags(article.texts, extractor_text(PAGE))  # ingestion's shortcut (lines normalised once) gives the same flags
    assert page_flags(article.meta, len(article.lines) + 1) is None  # flags of other lines are no opinion
    # read for the rules, the dataset or training: no second extraction
    assert META_KEY not in page_article(PAGE).meta and META_KEY not in article_from_content("p", "p", html=PAGE).meta
    assert PAGE_OPTIONS.second_opinion is False and MODEL_PAGE_OPTIONS.second_opinion is True


def test_a_text_dump_or_a_page_trafilatura_finds_nothing_in_has_no_opinion():
    assert META_KEY not in page_article("Tiêu đề\nMột đoạn văn.", options=MODEL_PAGE_OPTIONS).meta
    assert second_opinion("<html><body><img src='a.png'></body></html>", ["a.png"]) is None
    assert page_flags({}, 3) is None and page_flags({META_KEY: "111"}, 3) is None


def test_the_option_is_true_or_false():
    with pytest.raises(ValueError, match="second_opinion must be true or false"):
        IngestOptions(second_opinion="yes")
    from vnnews.inference import InferenceConfig

    with pytest.raises(ValueError, match="second_opinion must be true or false"):
        InferenceConfig(classifier="weak", second_opinion="yes")



def test_a_job_given_a_second_opinion_that_is_not_true_or_false_is_refused_and_writes_nothing(tmp_path, raw_dir, capsys):
    from vnnews.cli import main

    out = tmp_path / "out.jsonl"
    out.write_text('{"id": "earlier"}\n', encoding="utf-8")
    assert main(["infer", str(raw_dir), "--classifier", "weak", "-o", str(out), "second_opinion=3"]) == 2
    assert "second_opinion: expected bool, got 3" in capsys.readouterr().err
    assert out.read_text(encoding="utf-8") == '{"id": "earlier"}\n'


def _probs(rows):
    probs = torch.full((len(rows), len(LABELS)), 0.0)
    for i, (label, p) in enumerate(rows):
        probs[i, LABELS.index(label)] = p
        probs[i, LABELS.index("related")] += (1 - p) * 0.7
        probs[i, LABELS.index("other")] += (1 - p) * 0.3
    return probs


def test_decoding_drops_the_unsure_article_lines_the_rules_left_out_and_keeps_the_rest():
    best = ["title", "lead", "body", "body", "body", "subheading", "caption", "body", "related"]
    rows = [("title", 0.5), ("lead", 0.6), ("body", 0.99), ("body", 0.7), ("body", 0.7), ("subheading", 0.5), ("caption", 0.5), ("body", 0.95), ("related", 0.9)]
    kept = "000100000"
    probs = _probs(rows)
    # title, lead and captions are never judged; a sure line stays; a line trafilatura kept stays;
    # a line over the threshold stays
    assert outside_second_opinion(best, probs, LABELS, kept) == [4, 5]
    moved = list(best)
    assert second_opinion_labels(moved, probs, LABELS, kept) == [4, 5]
    assert [moved[i] for i in (4, 5)] == ["related"] * 2 and [moved[i] for i in (0, 1, 2, 3, 6, 7, 8)] == [best[i] for i in (0, 1, 2, 3, 6, 7, 8)]
    # no opinion, or one about other lines: nothing moves
    assert outside_second_opinion(best, probs, LABELS, None) == [] and outside_second_opinion(best, probs, LABELS, kept[:-1]) == []


def test_the_labeller_weighs_the_opinion_a_page_carries(labeller, monkeypatch):
    """An untrained labeller is unsure of every line: with decoding reading every line as
    body, the one line the page's flags say trafilatura left out becomes boilerplate."""
    from vnnews.models import page_labeler

    monkeypatch.setattr(page_labeler, "decode", lambda probs, *a, **k: ["body"] * len(probs))
    article = Article("p", "p", [Line(p) for p in PARAGRAPHS])
    alone = labeller.predict(article)
    assert [p.label for p in alone] == ["body"] * len(PARAGRAPHS) and max(p.confidence for p in alone) < SECOND_OPINION_BELOW
    flags = "11011111"
    with_opinion = labeller.predict(Article("p", "p", article.lines, {META_KEY: {"by": "trafilatura", "kept": flags}}))
    assert with_opinion[2].label in FURNITURE
    assert [p.label for i, p in enumerate(with_opinion) if i != 2] == ["body"] * (len(PARAGRAPHS) - 1)
    assert labeller.reads_second_opinion


def test_a_job_reads_the_opinion_only_for_a_page_labeller(tmp_path):
    from vnnews.extraction import page_options
    from vnnews.inference import InferenceConfig
    from vnnews.inference.stages import RuleLabeller
    from vnnews.serving.app import ServeConfig

    assert page_options(None) is PAGE_OPTIONS and page_options("weak") is PAGE_OPTIONS and page_options(RuleLabeller()) is PAGE_OPTIONS
    assert page_options("build/demo/classifier") is MODEL_PAGE_OPTIONS
    assert page_options(type("Labeller", (), {"reads_second_opinion": True})()) is MODEL_PAGE_OPTIONS
    assert InferenceConfig(classifier="some/model").second_opinion is True
    assert InferenceConfig(classifier="weak").second_opinion is False  # the rules do not pay for a second extraction
    assert InferenceConfig(classifier="some/model", second_opinion=False).second_opinion is False
    assert IngestOptions.from_config(InferenceConfig(classifier="some/model")).second_opinion is True
    assert ServeConfig(classifier="weak").second_opinion is True  # the setting; the service reads it for a page labeller only


def test_an_extractor_that_fails_gives_no_opinion_and_a_page_out_of_time_still_fails(monkeypatch):
    import trafilatura

    from vnnews.deadline import PageTimeout

    def broken(*a, **k):
        raise ValueError("odd markup")

    monkeypatch.setattr(trafilatura, "bare_extraction", broken)
    article = page_article(PAGE, options=MODEL_PAGE_OPTIONS)
    assert META_KEY not in article.meta and "Trang chủ" in article.texts  # the page is still read

    def slow(*a, **k):
        raise PageTimeout

    monkeypatch.setattr(trafilatura, "bare_extraction", slow)
    with pytest.raises(PageTimeout):
        extractor_text(PAGE)


def test_extract_and_the_extract_command_run_trafilatura_only_for_a_model_that_asks(labeller, tmp_path, monkeypatch, capsys):
    import vnnews
    from vnnews.cli import main
    from vnnews.ingest import second_opinion as module

    calls = []
    original = module.second_opinion
    monkeypatch.setattr(module, "second_opinion", lambda *a, **k: calls.append(1) or original(*a, **k))
    vnnews.extract(PAGE, model=labeller)
    assert len(calls) == 1
    vnnews.extract(PAGE, model=labeller, second_opinion=False)
    vnnews.extract(PAGE)  # the rules
    assert len(calls) == 1
    labeller.save_pretrained(tmp_path / "m")
    (tmp_path / "page.html").write_text(PAGE, encoding="utf-8")
    assert main(["extract", str(tmp_path / "page.html"), "--model", str(tmp_path / "m")]) == 0
    assert len(calls) == 2
    assert main(["extract", str(tmp_path / "page.html"), "--model", str(tmp_path / "m"), "--no-second-opinion"]) == 0
    assert len(calls) == 2 and "Giá lúa tăng mạnh" in capsys.readouterr().out


def test_trafilatura_s_own_complaints_stay_out_of_the_command_s_output(labeller, tmp_path):
    """A page trafilatura keeps nothing of (a photo alone: it logs "discarding data" as a
    WARNING) is no opinion; the command says nothing about it unless -v."""
    import subprocess
    import sys

    labeller.save_pretrained(tmp_path / "m")
    (tmp_path / "photo.html").write_text("<html><body><img src='a.png' alt='Ảnh cánh đồng lúa chín'></body></html>", encoding="utf-8")
    assert META_KEY not in page_article((tmp_path / "photo.html").read_text(encoding="utf-8"), options=MODEL_PAGE_OPTIONS).meta
    command = [sys.executable, "-m", "vnnews", "extract", str(tmp_path / "photo.html"), "--model", str(tmp_path / "m")]
    quiet = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert quiet.returncode == 0 and "Ảnh cánh đồng" in quiet.stdout and "trafilatura" not in quiet.stderr, quiet.stderr[-2000:]
    verbose = subprocess.run([*command[:3], "-v", *command[3:]], capture_output=True, text=True, timeout=300)
    assert verbose.returncode == 0 and "WARNING trafilatura.core: discarding data" in verbose.stderr


def test_infer_and_serve_take_the_same_flag_as_extract_to_leave_trafilatura_out(capsys):
    import yaml

    from vnnews.cli import main

    for command in (["infer", "--classifier", "some/model"], ["serve", "--classifier", "some/model"]):
        assert main([*command, "--print-config"]) == 0
        assert yaml.safe_load(capsys.readouterr().out)["second_opinion"] is True, command
        assert main([*command, "--no-second-opinion", "--print-config"]) == 0
        assert yaml.safe_load(capsys.readouterr().out)["second_opinion"] is False, command
    # a KEY=VALUE item still has the last word over the flag, as for every other flag of serve
    assert main(["serve", "--classifier", "some/model", "--no-second-opinion", "--print-config", "second_opinion=true"]) == 0
    assert yaml.safe_load(capsys.readouterr().out)["second_opinion"] is True
