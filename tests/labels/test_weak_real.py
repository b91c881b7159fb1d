"""The rule failures found on real pages (issue: extraction that wins on real pages),
each pinned on the page it was found on (data/real)."""

from pathlib import Path

import pytest

from vnnews.ingest import iter_articles
from vnnews.labels import weak_label
from vnnews.labels.weak import _doubled

PAGES = Path(__file__).resolve().parents[2] / "data" / "real" / "pages"


def read(rel: str):
    (article,) = iter_articles([PAGES / rel])
    return article, weak_label(article)


def test_a_headline_printed_twice_is_the_title_not_a_related_block():
    # cafef: the h1, then the article photo whose alt text is the headline again
    article, labels = read("cafef.vn/chi-phi-an-ninh-olympic-sochi.html")
    i = article.texts.index('"Choáng" với chi phí và an ninh cho Olympic Sochi 2014')
    assert article.texts[i + 1] == article.texts[i]
    assert labels[i] == "title" and labels[i + 1] == "image"
    assert labels.count("body") >= 15 and "related" not in labels[: i + 20]


def test_alt_text_equal_to_the_caption_is_an_image_line_and_the_article_goes_on():
    article, labels = read("dantri.com.vn/m2016/xe-camry-tong-4-xe-may.html")
    i = article.texts.index("Hiện trường vụ tai nạn")
    assert (labels[i], labels[i + 1]) == ("image", "caption")
    after = labels[i + 2 :]
    assert after[:3] == ["body", "body", "body"]  # the paragraphs after the first photo are kept


def test_an_ordinary_long_paragraph_is_not_a_doubled_related_title():
    article, labels = read("dantri.com.vn/2022/cuc-hang-khong-tang-cuong-cac-chuyen-bay-tren-ca-nuoc-vao-dip-tet.html")
    paragraph = next(t for t in article.texts if t.startswith("Việc tăng các chuyến bay sẽ khiến các sân bay"))
    assert len(paragraph.split()) == 49 and not _doubled(paragraph)
    assert labels[article.texts.index(paragraph)] == "body"
    assert _doubled("Đổi mới, nâng cao hiệu quả Đổi mới, nâng cao hiệu quả công tác đối ngoại")
    assert _doubled("Quốc hội thông qua luật đất đai Quốc hội thông qua luật đất đai")


def test_the_title_is_found_behind_a_long_menu():
    article, labels = read("dantri.com.vn/2022/khoi-cong-nha-ga-t3-san-bay-tan-son-nhat.html")
    assert labels.index("title") > 130  # behind 132 menu lines
    assert article.texts[labels.index("title")] == "Khởi công Nhà ga T3 sân bay Tân Sơn Nhất"
    assert labels.count("title") == 1 and article.texts[labels.index("lead")].startswith("(Dân trí) - Công trình Nhà ga T3")
    assert set(labels[:132]) == {"navigation"}  # the links before the title, read from their link density


@pytest.mark.parametrize("rel", ["dantri.com.vn/2022/khu-vuc-trung-tam-xom-dao-o-tphcm-ket-cung-trong-dem-noel.html"])
def test_photo_story_paragraphs_ending_with_a_photo_credit_stay_body(rel):
    article, labels = read(rel)
    credited = [i for i, t in enumerate(article.texts) if "(Ảnh:" in t and "figcaption" not in (article.lines[i].tag_path or "")]
    assert len(credited) >= 3
    assert all(labels[i] == "body" for i in credited)


def test_html_features_are_read_image_lines_by_their_tag():
    article, labels = read("dantri.com.vn/2022/khoi-cong-nha-ga-t3-san-bay-tan-son-nhat.html")
    images = [i for i, line in enumerate(article.lines) if (line.tag_path or "").endswith("/img")]
    assert images and all(labels[i] == "image" for i in images)  # "Khởi công ... - 1" is alt text, never a title
    explained = weak_label(article, explain=True)
    assert explained[images[0]] == ("image", "image line")
