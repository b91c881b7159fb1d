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
