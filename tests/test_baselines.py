from vnnews.baselines import all_content, justext_labels
from vnnews.ingest import Article, Line

PARAGRAPH = "Sáng 17/12, tại Hà Nội, Bộ Ngoại giao tổ chức phiên họp chuyên đề về công tác ngoại giao văn hoá và thông tin đối ngoại với sự tham dự của nhiều đại sứ và các đại biểu trong và ngoài nước."


def test_all_content_and_justext_tell_paragraphs_from_menus():
    page = Article("p", "t", [Line("Trang chủ"), Line(PARAGRAPH), Line(PARAGRAPH + " Thêm một câu."), Line("Đăng nhập"), Line("Phiên bản di động")])
    assert all_content(page) == ["body"] * 5
    labels = justext_labels(page)
    assert len(labels) == 5
    assert labels[1] == labels[2] == "body"
    assert labels[0] == labels[3] == labels[4] == "other"


DOC = "\n".join(
    [
        "Sáng 17/12, Bộ Ngoại giao tổ chức phiên họp tại TP. HCM.",
        "Phiên họp bàn về ngoại giao văn hoá và thông tin đối ngoại.",
        "Thời tiết hôm đó đẹp.",
        "Các đại sứ chia sẻ kinh nghiệm ngoại giao văn hoá ở nước ngoài.",
    ]
)


def test_lead_n_uses_vietnamese_sentences():
    from vnnews.baselines import lead_n

    assert lead_n(DOC, 1) == "Sáng 17/12, Bộ Ngoại giao tổ chức phiên họp tại TP. HCM."  # not cut at "TP."
    assert lead_n(DOC, 3).endswith("Thời tiết hôm đó đẹp.")


def test_textrank_keeps_central_sentences_in_document_order():
    from vnnews.baselines import textrank

    summary = textrank(DOC, 2)
    assert "Thời tiết" not in summary  # the sentence sharing no words with the rest
    from vnnews.text import split_sentences

    picked = split_sentences(summary)
    order = split_sentences(DOC)
    assert len(picked) == 2 and [order.index(p) for p in picked] == sorted(order.index(p) for p in picked)
    assert textrank("Một câu.", 3) == "Một câu."
