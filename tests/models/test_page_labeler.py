import json
from pathlib import Path

import pytest
import torch

from vnnews.ingest import Article, Line, article_from_content
from vnnews.labels import LABELS
from vnnews.models.decoding import decode
from vnnews.models.page_labeler import PAGE_MODEL_TYPE, PageLabeler, windows

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def labeller(tiny_phobert):
    torch.manual_seed(0)
    return PageLabeler.from_encoder(str(tiny_phobert), hidden_size=32, window_lines=16, window_overlap=4, max_line_tokens=12, max_line_chars=80).eval()


def page(n: int, prefix: str = "Dòng") -> Article:
    return Article(f"p{n}", "t", [Line(f"{prefix} số {i} của trang, có dấu chấm.") for i in range(n)])


def test_windows_cover_every_line_with_overlap():
    assert windows(5, 16, 4) == [(0, 5)]
    spans = windows(40, 16, 4)
    assert spans[0] == (0, 16) and spans[-1] == (24, 40)
    covered = set()
    for (s, e), (s2, _) in zip(spans, spans[1:] + [(40, 40)], strict=False):
        covered |= set(range(s, e))
        assert e - s == 16 and (s2 >= e - 4 or s2 == 40 or s2 >= s)  # overlapping, never a gap
    assert covered == set(range(40))


def test_save_and_load_round_trip(labeller, tmp_path):
    pages = [page(3), page(40, "Câu")]
    before = labeller.predict(pages)
    labeller.save_pretrained(tmp_path / "m")
    config = json.loads((tmp_path / "m" / "config.json").read_text())
    assert config["model_type"] == PAGE_MODEL_TYPE and config["labels"] == list(LABELS) and config["segmenter"] == "underthesea"
    assert "auto_map" not in config  # loads with this class, never remote code
    assert (tmp_path / "m" / "model.safetensors").exists() and (tmp_path / "m" / "vocab.txt").exists()
    loaded = PageLabeler.from_pretrained(tmp_path / "m", device="cpu")
    from transformers import AutoModel

    assert type(AutoModel.from_pretrained(tmp_path / "m")) is PageLabeler  # registered like any architecture
    after = loaded.predict(pages)
    assert [[p.label for p in x] for x in before] == [[p.label for p in x] for x in after]
    assert all(abs(a.confidence - b.confidence) < 1e-5 for x, y in zip(before, after, strict=False) for a, b in zip(x, y, strict=False))


def test_a_model_made_before_a_feature_was_added_reads_the_features_it_knows(tiny_phobert, tmp_path):
    """A saved model names its layout features; one trained before a feature was added
    (here: as if the last were new) loads and labels from its own columns, in its order."""
    from vnnews.layout import FEATURE_NAMES
    from vnnews.models.page_labeler import collate

    older = list(FEATURE_NAMES[:-1])[::-1]  # fewer, and in another order
    torch.manual_seed(0)
    model = PageLabeler.from_encoder(str(tiny_phobert), feature_names=older, hidden_size=16, window_lines=16, window_overlap=4, max_line_tokens=12)
    model.save_pretrained(tmp_path / "old")
    loaded = PageLabeler.from_pretrained(tmp_path / "old", device="cpu").eval()
    assert loaded.feature_proj.in_features == len(older)
    html = article_from_content("h", "h", html="<html><body><article><p>Đoạn một, dài.</p><figure><img alt='Ảnh'><figcaption>Chú thích.</figcaption></figure><p>Đoạn hai.</p></article></body></html>")
    encoded = loaded.encode([html])[0]
    batch = collate([(encoded.ids, encoded.features, None)], loaded.tokenizer.pad_token_id)
    own = dict(batch, features=batch["features"][..., [FEATURE_NAMES.index(n) for n in older]])
    with torch.no_grad():
        full = loaded(**batch).logits
        loaded.feature_columns = None  # what a model that computes exactly these columns itself would do
        assert torch.allclose(full, loaded(**own).logits)
    with pytest.raises(ValueError, match="does not compute \\(a_feature_from_the_future\\)"):
        PageLabeler.from_encoder(str(tiny_phobert), feature_names=[*FEATURE_NAMES, "a_feature_from_the_future"], hidden_size=16)


def test_refuses_a_directory_that_is_not_a_page_labeller(tiny_phobert):
    with pytest.raises(ValueError, match="not a vnnews page labeller"):
        PageLabeler.from_pretrained(tiny_phobert)


def test_bad_pages_are_labelled_never_a_crash(labeller):
    empty, one = Article("e", "e", []), page(1)
    huge_line = Article("h", "h", [Line("Tiêu đề"), Line("chữ " * 250_000), Line("Hết.")])  # a 1 MB line
    long_page = page(5000)
    out = labeller.predict([empty, one, huge_line, long_page], batch_size=64)
    assert [len(x) for x in out] == [0, 1, 3, 5000]
    assert all(p.label in LABELS and 0.0 <= p.confidence <= 1.0 for x in out for p in x)
    # the long line is cut before segmentation: its ids are bounded by the settings
    assert len(labeller.encode([huge_line])[0].ids[1]) <= labeller.config.max_line_tokens


def test_a_page_is_read_in_windows_each_bounded(labeller, monkeypatch):
    seen = []
    forward = type(labeller).forward

    def spy(self, **batch):
        seen.append(batch["line_mask"].shape[1])
        return forward(self, **batch)

    monkeypatch.setattr(type(labeller), "forward", lambda self, **b: spy(self, **b))
    labeller.predict(page(100), batch_size=16)
    assert seen and max(seen) <= labeller.config.window_lines  # never the whole page at once


def test_decode_keeps_one_title_block_and_trims_it_to_the_named_title():
    labels = list(LABELS)
    t, l, b, by = (labels.index(x) for x in ("title", "lead", "body", "byline"))
    probs = torch.full((6, len(labels)), 0.01)
    for i, (k, p) in enumerate([(t, 0.6), (t, 0.9), (t, 0.5), (l, 0.9), (b, 0.9), (t, 0.55)]):
        probs[i, k] = p
    probs[2, by] = 0.4  # the line after the title reads like a title, but less than a byline-ish title
    probs[5, b] = 0.5
    texts = ["Kicker:", "Tiêu đề thật", "Nguyễn Văn A - Theo TTXVN", "Sapo.", "Thân bài.", "Tiêu đề thật - 1"]
    assert decode(probs, labels)[:6] == ["title", "title", "title", "lead", "body", "body"]  # one title block
    trimmed = decode(probs, labels, texts, ["Tiêu đề thật"])
    assert trimmed == ["title", "title", "byline", "lead", "body", "body"]  # the kicker stays, the byline goes


def _probs(rows: list[dict[str, float]]) -> torch.Tensor:
    probs = torch.full((len(rows), len(LABELS)), 0.01)
    for i, row in enumerate(rows):
        for label, p in row.items():
            probs[i, LABELS.index(label)] = p
    return probs


def test_an_image_outside_a_heading_is_never_the_title_and_the_printed_headline_is():
    # a cover photo whose alt text is the headline, a kicker, the <h1> read as a dateline, a paragraph
    texts = ["Cụ bà bị cướp tiền", "Xin đi nhờ xe:", "Cụ bà bị cướp tiền", "Sapo của bài.", "Thân bài."]
    paths = ["html/body/article/figure.image/img", "html/body/article/h3.kicker", "html/body/article/h1.title", "html/body/article/p.sapo", "html/body/article/p"]
    probs = _probs([{"title": 0.8, "image": 0.15}, {"lead": 0.6, "title": 0.3}, {"dateline": 0.5, "title": 0.4}, {"lead": 0.9}, {"body": 0.9}])
    assert decode(probs, LABELS, texts, ["Cụ bà bị cướp tiền"]) == ["title", "lead", "dateline", "lead", "body"]  # without tag paths: as before
    assert decode(probs, LABELS, texts, ["Cụ bà bị cướp tiền"], paths) == ["image", "title", "title", "lead", "body"]
    # not named, or named but not printed: the image still is not the title, and the headline
    # is not made one (the kicker, second of two lead blocks, takes its next best label)
    assert decode(probs, LABELS, texts, [], paths) == ["image", "title", "dateline", "lead", "body"]
    assert decode(probs, LABELS, texts, ["Một tiêu đề khác"], paths) == ["image", "title", "dateline", "lead", "body"]


def test_a_headline_set_as_an_image_inside_h1_stays_the_title():
    texts = ["Cụ bà bị cướp tiền", "Sapo.", "Thân bài."]
    paths = ["html/body/div/h1.title/a/img", "html/body/div/p", "html/body/div/p"]
    probs = _probs([{"title": 0.8, "image": 0.15}, {"lead": 0.9}, {"body": 0.9}])
    assert decode(probs, LABELS, texts, ["Cụ bà bị cướp tiền"], paths) == ["title", "lead", "body"]


def test_the_printed_headline_in_a_heading_wins_over_an_earlier_copy():
    texts = ["Trang chủ", "Cụ bà bị cướp tiền", "Cụ bà bị cướp tiền", "Thân bài."]
    paths = ["html/body/nav/a", "html/body/nav/span", "html/body/main/h1", "html/body/main/p"]
    probs = _probs([{"navigation": 0.9}, {"navigation": 0.9}, {"lead": 0.5, "title": 0.4}, {"body": 0.9}])
    assert decode(probs, LABELS, texts, ["Cụ bà bị cướp tiền"], paths) == ["navigation", "navigation", "title", "body"]


def test_html_page_is_labelled_with_its_features(labeller):
    html = "<html><head><meta property='og:title' content='Tin A'></head><body><h1>Tin A</h1><p>Đoạn một.</p></body></html>"
    article = article_from_content("h", "h", html=html)
    (preds,) = labeller.predict([article])
    assert len(preds) == 2 and set(preds[0].probabilities) == set(LABELS)


def test_segmentation_in_worker_processes_gives_the_same_ids(tiny_phobert):
    from vnnews.ingest import iter_articles

    pages = list(iter_articles([ROOT / "data" / "raw"]))
    model = PageLabeler.from_encoder(str(tiny_phobert)).eval()
    here = model.encode(pages)
    model._line_tokenizer = None
    alone = model.predict(pages)
    model._line_tokenizer = None
    try:
        spread = model.encode(pages, workers=2)
        assert model._pool is not None  # the distinct lines went to the workers
        model._line_tokenizer = None
        calls = []
        original = model._pool.encode
        model._pool.encode = lambda texts, *a: calls.append(len(texts)) or original(texts, *a)
        pooled = model.predict(pages)  # a started pool serves predict too (vnnews infer, serve)
        assert calls, "predict did not use the running pool"
    finally:
        model.close()
    assert [p.ids for p in spread] == [p.ids for p in here]
    assert [p.features for p in spread] == [p.features for p in here]
    assert [[x.label for x in page] for page in pooled] == [[x.label for x in page] for page in alone]


def test_predict_takes_plain_text_html_bytes_and_lists_as_gliner_does(labeller):
    text = "Hà Nội mưa lớn\nSáng nay, mưa lớn kéo dài khiến nhiều tuyến phố ngập sâu.\nẢnh: Ngọc Thành"
    html = "<html><body><h1>Hà Nội mưa lớn</h1><p>Sáng nay, mưa lớn kéo dài khiến nhiều tuyến phố ngập sâu.</p></body></html>"
    from_text = labeller.predict(text)
    assert [p.text for p in from_text] == text.splitlines()
    assert all(p.label in LABELS and 0 < p.confidence <= 1 for p in from_text)
    assert [p.label for p in labeller.predict(text.encode("utf-8"))] == [p.label for p in from_text]
    from_html = labeller.predict(html)  # detected as HTML: the tags are not lines
    assert [p.text for p in from_html] == ["Hà Nội mưa lớn", "Sáng nay, mưa lớn kéo dài khiến nhiều tuyến phố ngập sâu."]
    both = labeller.predict([text, html])
    assert [len(x) for x in both] == [3, 2]
    with pytest.raises(TypeError, match="a str .* bytes or Article, got int"):
        labeller.predict(3)


def test_collate_puts_each_line_where_a_row_by_row_build_would():
    """collate builds the batch from one flat tensor (issue 20: a tensor per line cost a third
    of a GPU pass); every id, pad, mask bit, feature, slot and label must land as before."""
    from vnnews.layout import N_FEATURES
    from vnnews.models.page_labeler import collate

    gen = torch.Generator().manual_seed(3)
    items = []
    for k in (5, 0, 3):  # a window with no lines among others
        ids = [torch.randint(5, 900, (int(torch.randint(0, 9, (1,), generator=gen)),), generator=gen).tolist() for _ in range(k)]
        feats = torch.rand((k, N_FEATURES), generator=gen).tolist()
        items.append((ids, feats, list(range(k)) if k != 3 else None))
    b = collate(items, pad_id=1)
    lines = [x for ids, _, _ in items for x in ids]
    width = max(len(x) for x in lines)
    assert b["input_ids"].shape == (len(lines), width)
    for r, x in enumerate(lines):
        assert b["input_ids"][r, : len(x)].tolist() == x
        assert (b["input_ids"][r, len(x):] == 1).all() and int(b["attention_mask"][r].sum()) == len(x)
    assert b["line_index"].tolist() == [0, 1, 2, 3, 4, 10, 11, 12]  # page p, line i -> p * 5 + i
    assert torch.allclose(b["features"][0], torch.tensor(items[0][1])) and torch.allclose(b["features"][2, :3], torch.tensor(items[2][1]))
    assert b["line_mask"].sum(1).tolist() == [5, 0, 3]
    assert b["labels"][0].tolist() == [0, 1, 2, 3, 4] and (b["labels"][2] == -100).all()


def test_a_bf16_labeller_reads_pages_with_its_lstm_in_float32(tiny_phobert):
    """cuDNN cannot make bf16 LSTM weights one block (it then warns and copies them on every
    GPU call): the LSTM stays float32 when the rest goes to bf16, and labels stay as they were."""
    torch.manual_seed(0)
    model = PageLabeler.from_encoder(str(tiny_phobert), hidden_size=32, window_lines=16, window_overlap=4, max_line_tokens=12).eval()
    pages = [page(10), page(20, "Tin")]
    before = model.predict(pages)
    model = model.to(torch.bfloat16)
    after = model.predict(pages)
    assert model.sequence.weight_ih_l0.dtype == torch.float32 and model.encoder.embeddings.word_embeddings.weight.dtype == torch.bfloat16
    agree = sum(a.label == b.label for pa, pb in zip(before, after, strict=True) for a, b in zip(pa, pb, strict=True))
    assert agree >= 0.9 * sum(len(p) for p in before)


def test_a_line_repeated_in_a_pass_is_encoded_once_outside_training(labeller):
    menu = [Line(t) for t in ("Trang chủ", "Thời sự", "Thế giới", "Liên hệ quảng cáo")]
    pages = [Article(f"s/{i}", "t", menu + [Line(f"Bài số {i}, một câu riêng của trang.")] + menu[:2]) for i in range(6)]
    rows: list[int] = []
    hook = labeller.encoder.register_forward_pre_hook(lambda m, a, k: rows.append(len(k["input_ids"])), with_kwargs=True)
    try:
        deduped = labeller.predict(pages, batch_size=4096)
    finally:
        hook.remove()
    assert sum(rows) == 4 + 6  # the menu's four lines once, each page's own line once (42 lines in the pass)
    # the same vectors as encoding every line: against the path without the merge
    from vnnews.models.page_labeler import collate

    encoded = labeller.encode(pages)
    batch = collate([(e.ids, e.features, None) for e in encoded], labeller.tokenizer.pad_token_id)
    with torch.inference_mode():
        merged = labeller.pool_lines(batch["input_ids"], batch["attention_mask"])
        every = labeller._pool_sorted(batch["input_ids"], batch["attention_mask"])
    assert merged.shape == every.shape and torch.allclose(merged, every, atol=1e-5)
    assert [[p.label for p in x] for x in deduped] == [[p.label for p in x] for x in labeller.predict(pages, batch_size=7)]


def _plan_cost(lengths, groups, call_tokens):
    return sum(len(g) * max(max(lengths[i], 1) for i in g) for g in groups) + call_tokens * len(groups)


@pytest.mark.parametrize("seed", range(6))
def test_encoder_groups_are_the_cheapest_cut_of_the_sorted_lines(seed):
    import itertools
    import random

    from vnnews.models.page_labeler import encoder_groups

    rng = random.Random(seed)
    lengths = [rng.choice([0, 1, 2, 3, 5, 8, 13, 21, 40, 64]) for _ in range(rng.randint(1, 200))]
    for call_tokens in (0, 16, 256, 4096, 10**9):
        groups = encoder_groups(lengths, 10**9, call_tokens)  # no budget: each group is one cut
        assert sorted(i for g in groups for i in g) == list(range(len(lengths)))
        flat = [i for g in groups for i in g]
        assert flat == sorted(range(len(lengths)), key=lambda i: -max(lengths[i], 1))  # longest first, stable
        widths = sorted({max(x, 1) for x in lengths}, reverse=True)
        runs = [[i for i in flat if max(lengths[i], 1) == w] for w in widths]
        brute = min(
            _plan_cost(lengths, [sum(runs[a:b], []) for a, b in zip((0, *cuts), (*cuts, len(runs)), strict=True)], call_tokens)
            for r in range(len(runs))
            for cuts in itertools.combinations(range(1, len(runs)), r)
        )
        assert _plan_cost(lengths, groups, call_tokens) == brute
    assert len(encoder_groups(lengths, 10**9, 0)) == len({max(x, 1) for x in lengths})  # calls free: no padding at all
    assert len(encoder_groups(lengths, 10**9, 10**9)) == 1  # calls dear: one call


def test_encoder_groups_keep_to_the_budget():
    from vnnews.models.page_labeler import encoder_groups

    lengths = [64] * 10 + [30] * 40 + [3] * 500 + [100]
    groups = encoder_groups(lengths, 512, 64)
    assert sorted(i for g in groups for i in g) == list(range(len(lengths)))
    assert all(len(g) * max(lengths[i] for i in g) <= 512 or len(g) == 1 for g in groups)
    assert groups[0] == [len(lengths) - 1]  # a line over the budget goes alone
    assert encoder_groups([], 512, 64) == []


def test_the_line_vectors_do_not_depend_on_how_lines_are_grouped(labeller):
    from vnnews.models.page_labeler import collate

    pages = [page(9), Article("mixed", "t", [Line("Ngắn."), Line("Một dòng dài hơn nhiều, có nhiều chữ để thành nhiều token hơn."), Line("Vừa vừa thôi.")] * 3)]
    encoded = labeller.encode(pages)
    batch = collate([(e.ids, e.features, None) for e in encoded], labeller.tokenizer.pad_token_id)
    vectors = []
    try:
        for call_tokens in (0, 10**9):
            labeller.encoder_call_tokens = call_tokens
            with torch.inference_mode():
                vectors.append(labeller._pool_sorted(batch["input_ids"], batch["attention_mask"]))
    finally:
        labeller.encoder_call_tokens = None
    assert torch.allclose(vectors[0], vectors[1], atol=1e-5)


def test_predict_runs_without_autograd(labeller):
    """`predict` is in inference mode (a decorator on an @overload stub would be lost):
    no graph kept, no grad-tracking warnings, less memory per page."""
    seen = []
    handle = labeller.register_forward_hook(lambda module, args, output: seen.append((torch.is_inference_mode_enabled(), output.logits.requires_grad)))
    try:
        labeller.predict("Tiêu đề\nMột đoạn văn bản của bài báo.")
    finally:
        handle.remove()
    assert seen and all(mode and not grad for mode, grad in seen)


def _one_hot(best):
    probs = torch.full((len(best), len(LABELS)), 0.01)
    for i, label in enumerate(best):
        probs[i, LABELS.index(label)] = 0.9
    return probs


def test_a_teaser_stranded_among_related_links_leaves_the_body_and_the_article_stays():
    """Precision first (issue 38): a sentence labelled body among related links, away from the
    article, takes its best boilerplate label; the article's own paragraphs, an inline box
    inside a long article and a closing paragraph next to the article are kept."""
    article = ["title", "lead"] + ["body"] * 6
    texts = ["Tiêu đề", "Sa pô của bài."] + [f"Đoạn {i} của bài báo có khá nhiều chữ để đếm số từ trong bài." for i in range(6)]
    best = article + ["related", "related", "related", "body", "related", "navigation"]
    texts = texts + ["TIN LIÊN QUAN", "Tin một", "Tin hai", "Một câu tóm tắt của tin hai, viết thành câu trọn vẹn.", "Tin ba", "Trang chủ"]
    probs = _one_hot(best)
    probs[11, LABELS.index("related")] = 0.3
    assert decode(probs, LABELS, texts) == [*article, "related", "related", "related", "related", "related", "navigation"]
    # an inline box of links inside the article, then the article goes on at length: kept
    long_tail = article + ["related"] * 3 + ["body"] * 4
    tail_texts = texts[:8] + ["a", "b", "c"] + texts[2:6]
    assert decode(_one_hot(long_tail), LABELS, tail_texts) == long_tail
    # a closing paragraph after two boilerplate lines (under the gap): kept
    near = article + ["navigation", "navigation", "body"]
    assert decode(_one_hot(near), LABELS, texts[:8] + ["Chia sẻ", "Bình luận", "Đoạn cuối."]) == near
    assert decode(_one_hot(best), LABELS) == best  # no texts (no word counts): nothing moved


def test_the_leak_loss_costs_article_text_on_boilerplate_lines_only():
    from vnnews.models.page_labeler import leak_loss

    k = {label: i for i, label in enumerate(LABELS)}
    logits = torch.zeros((1, 3, len(LABELS)))
    logits[0, 0, k["body"]] = 5.0  # a related teaser the model calls body
    logits[0, 1, k["related"]] = 5.0  # a related line it gets right
    logits[0, 2, k["body"]] = 5.0  # a body line (gold body): no leak cost
    labels = torch.tensor([[k["related"], k["related"], k["body"]]])
    leaked = leak_loss(logits, labels, LABELS)
    p_text = torch.softmax(logits[0, :2], -1)[:, [k[x] for x in ("title", "lead", "body", "subheading")]].sum(-1)
    assert torch.isclose(leaked, -torch.log1p(-p_text).mean())
    assert float(leak_loss(logits[:, 1:2], labels[:, 1:2], LABELS)) < 0.05 < 1.0 < float(leaked)
    assert float(leak_loss(logits[:, 2:], labels[:, 2:], LABELS)) == 0.0  # no boilerplate line: nothing added
    ignored = torch.tensor([[-100, -100, -100]])
    assert float(leak_loss(logits, ignored, LABELS)) == 0.0


def test_in_html_only_an_img_alt_text_is_an_image_line():
    best = ["title", "image", "body", "image"]
    probs = _one_hot(best)
    probs[1, LABELS.index("body")] = 0.5  # its next best
    paths = ["article/h1", "article/div.content/div#divend/div", "article/p", "article/figure/img.photo#main"]
    assert decode(probs, LABELS, ["Tiêu đề", "Một đoạn văn của bài.", "Đoạn hai.", "Ảnh"], (), paths) == ["title", "body", "body", "image"]
    assert decode(probs, LABELS, ["Tiêu đề", "Một đoạn văn của bài.", "Đoạn hai.", "Ảnh"]) == best  # a text dump: no tag paths, no rule


def test_a_linkless_line_read_as_a_link_between_paragraphs_is_article_text():
    # "Tim Draper: 250.000 USD" between two paragraphs of a list, read as related by its words:
    # in HTML it holds no link, and related articles and menus are links
    best = ["title", "body", "related", "body", "related", "body", "related", "navigation"]
    probs = _one_hot(best)
    probs[2, LABELS.index("subheading")] = 0.3  # its best article label
    probs[4, LABELS.index("body")] = 0.2
    texts = ["Tiêu đề", "Đoạn một.", "Tim Draper: 250.000 USD", "Đoạn hai.", "Xem thêm: Bài khác", "Đoạn ba.", "Bài khác nữa", "Trang chủ"]
    paths = ["h1", "p", "p", "p", "p", "p", "li/a", "li/a"]
    density = [0.0, 0.0, 0.0, 0.0, 0.85, 0.0, 0.0, 1.0]
    got = decode(probs, LABELS, texts, (), paths, density)
    assert got == ["title", "body", "subheading", "body", "related", "body", "related", "navigation"]  # the linked one stays related
    assert decode(probs, LABELS, texts, (), paths, [None] * len(texts)) == best  # a text dump says nothing of links
    assert decode(probs, LABELS, texts, (), paths) == best


def test_a_heading_that_prints_the_title_the_metadata_gives_is_the_title():
    """On unseen layouts the model read the article's ``<h1>`` as navigation and a menu's
    "Tìm kiếm" or an "Author of the article:" label as the title. Where no title line prints a title of the
    page's metadata (og:title, JSON-LD headline) and a heading line does, that
    line is the title and the model's title lines take their next best label. A site's name
    after or before the title in the metadata is set aside ("... - Báo X"); a title the
    metadata words otherwise moves nothing, nor does a line outside a heading."""
    from vnnews.ingest.html import metadata_titles

    texts = ["Tìm kiếm", "Giá lúa tăng mạnh ở miền Tây", "Sapo của bài.", "Thân bài."]
    paths = ["html/body/header/div.search/span", "html/body/article/h1.title", "html/body/article/p.sapo", "html/body/article/p"]
    probs = _probs([{"title": 0.6, "navigation": 0.3}, {"navigation": 0.5, "title": 0.4}, {"lead": 0.9}, {"body": 0.9}])
    meta = {"document": {"meta": {"og:title": ["Giá lúa tăng mạnh ở miền Tây - Báo X"]}, "jsonld": [{"@type": "NewsArticle", "headline": "Giá lúa tăng mạnh ở miền Tây"}]}}
    assert metadata_titles(meta) == ["Giá lúa tăng mạnh ở miền Tây - Báo X", "Giá lúa tăng mạnh ở miền Tây"]
    assert decode(probs, LABELS, texts, [], paths) == ["title", "navigation", "lead", "body"]  # as the model read it
    assert decode(probs, LABELS, texts, [], paths, meta_titles=metadata_titles(meta)) == ["navigation", "title", "lead", "body"]
    assert decode(probs, LABELS, texts, [], paths, meta_titles=["Giá lúa tăng mạnh ở miền Tây - Báo X"]) == ["navigation", "title", "lead", "body"]
    assert decode(probs, LABELS, texts, [], paths, meta_titles=["Báo X | Giá lúa tăng mạnh ở miền Tây"]) == ["navigation", "title", "lead", "body"]
    assert decode(probs, LABELS, texts, [], paths, meta_titles=["Giá lúa tăng mạnh ở miền Tây hôm nay"]) == ["title", "navigation", "lead", "body"]
    in_a_paragraph = [*paths[:1], "html/body/article/p", *paths[2:]]
    assert decode(probs, LABELS, texts, [], in_a_paragraph, meta_titles=metadata_titles(meta)) == ["title", "navigation", "lead", "body"]



def test_title_variants_set_a_site_name_aside():
    """og:title and JSON-LD headlines often carry the site's name, the page's heading does
    not: the variants are the title without a short part at either end set off by a
    separator, and with its HTML entities decoded; the longer part is always the title."""
    from vnnews.models.decoding import title_variants

    assert title_variants("Tiêu đề bài - VnExpress") == ["Tiêu đề bài - VnExpress", "Tiêu đề bài"]
    assert title_variants("Báo Dân trí | Tiêu đề của bài") == ["Báo Dân trí | Tiêu đề của bài", "Tiêu đề của bài"]
    assert title_variants("Patent: Samsung soll zerst&ouml;ren - Golem.de")[-1] == "Patent: Samsung soll zerstören"
    assert title_variants("停戦「最も合意に近い」 最終案に双方同意か | 毎日新聞")[1] == "停戦「最も合意に近い」 最終案に双方同意か"
    assert title_variants("Một tiêu đề không có tên trang") == ["Một tiêu đề không có tên trang"]
    # a site's name is short and shorter than the rest: a long part after a dash stays
    assert title_variants("Ngắn - Một vế sau dài hơn rất nhiều so với vế trước của nó") == [
        "Ngắn - Một vế sau dài hơn rất nhiều so với vế trước của nó", "Một vế sau dài hơn rất nhiều so với vế trước của nó"]
    assert "VnExpress" not in title_variants("Tiêu đề bài báo - VnExpress")

ARTICLE_HTML = (
    "<html><head><title>Giá lúa tăng mạnh - Báo X</title></head><body>"
    "<nav><ul><li><a href='/'>Trang chủ</a></li><li><a href='/kt'>Kinh tế</a></li></ul></nav>"
    "<article><h1>Giá lúa tăng mạnh</h1>"
    + "".join(f"<p>Đoạn văn thứ {i} kể chuyện nông dân miền Tây bán lúa được giá cao nhất trong nhiều năm qua, thương lái đến tận ruộng để mua.</p>" for i in range(12))
    + "</article><section class='related'><ul><li><a href='/a'>Tin khác về giá vàng hôm nay</a></li></ul></section></body></html>"
)


def test_a_page_whose_article_the_model_missed_takes_the_rules_article_text(labeller, monkeypatch):
    """The safety net (``decoding.rules_fallback``): where the model's body holds under a
    quarter of the words of the rules' body (and that body is long), the lines the model read
    as boilerplate and the rules as article text take the rules' label; link-dense lines and
    the model's own article lines stay. A page the model read well is left as it was."""
    from vnnews.labels.weak import weak_label
    from vnnews.models import decoding, page_labeler

    page = article_from_content("p", "p", html=ARTICLE_HTML)
    rules = weak_label(page)
    prose = [i for i, t in enumerate(page.texts) if t.startswith("Đoạn văn")]
    assert rules[prose[0]] == "lead" and all(rules[i] == "body" for i in prose[1:]) and sum(len(page.texts[i].split()) for i in prose[1:]) >= decoding.FALLBACK_MIN_WORDS

    missed = ["related"] * len(page.lines)
    monkeypatch.setattr(page_labeler, "decode", lambda *a, **k: list(missed))
    got = [p.label for p in labeller.predict(page)]
    assert [got[i] for i in prose] == [rules[i] for i in prose] and got[page.texts.index("Giá lúa tăng mạnh")] == "title"
    assert got[page.texts.index("Trang chủ")] == "related" and got[page.texts.index("Tin khác về giá vàng hôm nay")] == "related"  # links stay

    read_well = ["body" if i in prose else "navigation" for i in range(len(page.lines))]
    monkeypatch.setattr(page_labeler, "decode", lambda *a, **k: list(read_well))
    assert [p.label for p in labeller.predict(page)] == read_well
    # a few of its paragraphs read: still over a quarter of the rules' body words, nothing changes
    some = ["body" if i in prose[:4] else "related" for i in range(len(page.lines))]
    assert decoding.rules_fallback(some, rules, page.texts, [line.link_density for line in page.lines]) == []
    assert not decoding.may_have_missed_article(read_well, page.texts) and decoding.may_have_missed_article(missed, page.texts)


# a page: the article (title and six paragraphs), a box of three ads, then a "latest" box of
# cards (headline link, teaser sentence) and a footer link
CARDS_BEST = ["title"] + ["body"] * 6 + ["advertisement"] * 3 + ["related", "body"] * 3 + ["navigation"]
CARDS_TEXTS = ["Tiêu đề"] + [f"Đoạn {i} của bài báo kể chuyện nông dân miền Tây bán lúa được giá cao nhất trong nhiều năm qua, thương lái đến tận ruộng để mua." * 2 for i in range(6)] + ["QC"] * 3 + [
    t for k in range(3) for t in (f"Tin mới {k}", f"Câu tóm tắt của tin mới số {k}, viết thành một câu.")
] + ["Liên hệ"]
CARDS_DENSITY = [0.0] * 7 + [1.0] * 3 + [1.0, 0.0] * 3 + [1.0]


def test_a_box_of_teaser_cards_away_from_the_article_is_not_body():
    """A run of article lines cut off from the article whose body lines are each parted from
    the next by a link (headline, teaser, headline, teaser: a "latest" or "same section" box)
    is boilerplate, however many teasers it holds; the article's own paragraphs follow one
    another and stay, as does everything in a text dump (no links known)."""
    from vnnews.models.decoding import stray_body

    probs = _one_hot(CARDS_BEST)
    teasers = [i for i, label in enumerate(CARDS_BEST) if label == "body" and i > 7]
    assert stray_body(CARDS_BEST, probs, LABELS, CARDS_TEXTS, CARDS_DENSITY) == teasers
    assert stray_body(CARDS_BEST, probs, LABELS, CARDS_TEXTS) == []  # a text dump: three teasers are not "at most two"
    got = decode(probs, LABELS, CARDS_TEXTS, (), ["p"] * len(CARDS_BEST), CARDS_DENSITY)
    assert [got[i] for i in teasers] == ["related"] * 3 and got[:7] == CARDS_BEST[:7]
    # the article's continuation after the ads: paragraphs one after another, not cards
    continued = CARDS_BEST[:10] + ["body"] * 3 + ["related"] * 3 + ["navigation"]
    density = [0.0] * 7 + [1.0] * 3 + [0.0] * 3 + [1.0] * 4
    assert stray_body(continued, _one_hot(continued), LABELS, CARDS_TEXTS, density) == []


def test_the_rules_teaser_cards_do_not_come_back_with_the_safety_net(labeller, monkeypatch):
    """Where the safety net gives a missed article the rules' article lines, the rules'
    teasers in a box of cards away from the article keep the model's label; the rules' lines
    of the article itself, and short runs the rules found, are kept."""
    from vnnews.labels import weak
    from vnnews.models import page_labeler

    html = "<html><body>" + "".join(
        f"<p>{t}</p>" if d == 0.0 else f"<div><a href='/x{i}'>{t}</a></div>" for i, (t, d) in enumerate(zip(CARDS_TEXTS, CARDS_DENSITY, strict=True))
    ) + "</body></html>"
    page = article_from_content("c", "c", html=html)
    assert page.texts == CARDS_TEXTS and [line.link_density for line in page.lines] == CARDS_DENSITY
    model = ["title"] + ["other"] * 6 + ["advertisement"] * 3 + ["related"] * 6 + ["navigation"]
    monkeypatch.setattr(page_labeler, "decode", lambda *a, **k: list(model))
    monkeypatch.setattr(weak, "weak_label", lambda article: list(CARDS_BEST))
    got = [p.label for p in labeller.predict(page)]
    assert got[:7] == CARDS_BEST[:7]  # the article, from the rules
    assert got[7:] == model[7:]  # the teasers stay related


def test_a_lead_block_set_aside_never_starts_a_second_title():
    """Two lead blocks: the one kept, the other takes its next best label. Where that is
    "title" and the page already has its title elsewhere, the line takes the best label after
    it (a restated headline or a teaser's headline made a second title on unseen layouts);
    next to the title it may join it (a title's second line the model half read as lead)."""
    texts = ["Tiêu đề bài", "Mục", "Tiêu đề nhắc lại", "Ngày 1/1", "Sapo của bài.", "Thân bài."]
    rows = [{"title": 0.9}, {"navigation": 0.9}, {"lead": 0.5, "title": 0.4, "body": 0.1}, {"dateline": 0.9}, {"lead": 0.95}, {"body": 0.9}]
    assert decode(_probs(rows), LABELS, texts) == ["title", "navigation", "body", "dateline", "lead", "body"]
    rows[1] = {"lead": 0.5, "title": 0.4, "navigation": 0.1}  # right under the title: its second line
    rows[2] = {"body": 0.9}
    texts[1] = "phần hai của tiêu đề"
    assert decode(_probs(rows), LABELS, texts) == ["title", "title", "body", "dateline", "lead", "body"]


def test_the_safety_net_takes_no_second_title_or_lead_from_the_rules():
    from vnnews.models.decoding import rules_fallback

    texts = ["Tiêu đề", "Một tiêu đề khác", "Sapo khác."] + [" ".join(["chữ"] * 60)] * 5
    best = ["title", "related", "related"] + ["other"] * 5
    rules = ["related", "title", "lead"] + ["body"] * 5
    assert rules_fallback(best, rules, texts, [0.0] * len(texts)) == [2, 3, 4, 5, 6, 7]  # the model has a title, no lead
    assert rules_fallback(["other", *best[1:]], rules, texts, [0.0] * len(texts)) == [1, 2, 3, 4, 5, 6, 7]


def test_of_two_title_blocks_the_one_printing_the_named_title_stays():
    """The model read two titles, the page's ``<h1>`` and, surer, a label ("Author of the
    article:"); the block printing a title the page names (h1, og:title, JSON-LD) stays, the
    other takes its next best label. Without a named title the surer block stays."""
    texts = ["Giá lúa tăng mạnh ở miền Tây", "Sapo của bài.", "Tác giả bài viết:", "Thân bài."]
    probs = _probs([{"title": 0.6, "navigation": 0.3}, {"lead": 0.9}, {"title": 0.7, "other": 0.2}, {"body": 0.9}])
    assert decode(probs, LABELS, texts) == ["navigation", "lead", "title", "body"]
    assert decode(probs, LABELS, texts, ["Giá lúa tăng mạnh ở miền Tây"]) == ["title", "lead", "other", "body"]
    assert decode(probs, LABELS, texts, meta_titles=["Giá lúa tăng mạnh ở miền Tây"]) == ["title", "lead", "other", "body"]
