"""Metadata off a page (issue 22): dates, authors, URL, section, tags, language, images,
comments, each with its source, and bad values giving null or another source's value."""

import datetime as dt
import json

import pytest

from vnnews.ingest import article_from_content
from vnnews.metadata import extract_metadata
from vnnews.metadata.dates import VIETNAM, parse_iso, parse_text, parse_url
from vnnews.metadata.people import people

NOW = dt.datetime(2026, 11, 27, 12, 0, tzinfo=VIETNAM)


@pytest.mark.parametrize(
    ("text", "iso", "prefix"),
    [
        ("Thứ Ba, 23/06/2015 - 13:58", "2015-06-23T13:58:00+07:00", ""),
        ("23/06/2015 13:58 GMT+7", "2015-06-23T13:58:00+07:00", ""),
        ("23/06/2015 06:58 GMT+0", "2015-06-23T13:58:00+07:00", ""),
        ("09:00 ngày 12/03/2016", "2016-03-12T09:00:00+07:00", ""),
        ("Tình yêu - Hôn nhân 05/03/2014 | 00:01", "2014-03-05T00:01:00+07:00", "Tình yêu - Hôn nhân"),
        ("ngày 23 tháng 6 năm 2015", "2015-06-23", ""),
        ("23/6/15 10h30", "2015-06-23T10:30:00+07:00", ""),
        ("12:30 PM 23/06/2015", "2015-06-23T12:30:00+07:00", ""),
        ("Thứ Sáu, 17 Tháng 5, 2024 08:30", "2024-05-17T08:30:00+07:00", ""),
        ("Thời sự 17 tháng Năm, 2024 | 08:30", "2024-05-17T08:30:00+07:00", "Thời sự"),
        ("17 thg 12, 2023", "2023-12-17", ""),
        ("17 tháng Chạp 2023", "2023-12-17", ""),
        ("May 17, 2024 | 08:30 PM GMT+7", "2024-05-17T20:30:00+07:00", ""),
        ("Friday, 17 May 2024, 08:30", "2024-05-17T08:30:00+07:00", "Friday"),
    ],
)
def test_vietnamese_date_forms(text, iso, prefix):
    when = parse_text(text, NOW)
    assert when is not None and when.iso == iso and when.prefix == prefix


@pytest.mark.parametrize(
    "text", ["31/02/2015 10:00", "01/01/2099", "2 giờ trước", "12/03/1899", "Xem thêm", "9" * 400, "30 tháng Hai, 2024", "ngày 5 tháng 13 năm 2024",
             "trong 3 tháng 2024", "Feb 30, 2024", "tháng 5 năm 2024"],
)
def test_dates_that_do_not_exist_or_lie_in_the_future_are_none(text):
    assert parse_text(text, NOW) is None


def test_machine_dates_and_dates_in_urls():
    assert parse_iso("2022-12-23T07:47:34Z", NOW).iso == "2022-12-23T14:47:34+07:00"
    assert parse_iso("2022-12-23", NOW).iso == "2022-12-23" and not parse_iso("2022-12-23", NOW).has_time
    assert parse_iso("2027-01-01T00:00:00+07:00", NOW) is None and parse_iso("not a date", NOW) is None
    assert parse_text("Cập nhật: 24/06/2015 08:00", NOW).modified
    assert parse_url("https://dantri.com.vn/the-gioi/x-20221223144734383.htm", NOW).iso == "2022-12-23T14:47:34+07:00"
    assert parse_url("https://x.vn/2021/05/06/abc.html", NOW).iso == "2021-05-06"
    assert parse_url("https://x.vn/a-20991301000000.htm", NOW) is None


@pytest.mark.parametrize(
    ("lines", "names"),
    [
        (["Long Trần - Theo Trí Thức Trẻ"], ["Long Trần"]),
        (["Theo Vân Anh", "Lao Động"], ["Vân Anh"]),
        (["Theo Forbes, Newsweek"], []),
        (["PV"], []),
        (["Nhóm PV Kinh doanh"], []),
        (["Bài và ảnh: Minh Anh"], ["Minh Anh"]),
        (["TS. Nguyễn Văn Hùng"], ["Nguyễn Văn Hùng"]),
        (["Theo VietQ.vn"], []),
        (["Minh Nga (Theo Reuters)"], ["Minh Nga"]),
        (["Toà soạn", "Tòa soạn", "Phóng viên", "Tác giả", "Bạn đọc"], []),
        (["Theo Thể thao & Văn hoá"], []),
        (["Phạm Giang (Theo Newsweek, AP)"], ["Phạm Giang"]),
        (["Thanh Hà (tổng hợp)", "Vũ Hà (t/h)", "Thu Hằng (TTXVN"], ["Thanh Hà", "Vũ Hà", "Thu Hằng"]),
        (["Đức Minh/VOV-Tây Bắc", "PV/VOV1", "Lan Anh/VTV24"], ["Đức Minh", "Lan Anh"]),
        (["Hồng Nhung | Theo Đời sống & Pháp luật"], ["Hồng Nhung"]),
        (["Minh An và Hà Phong", "Viết Thanh/VOV.VN - Ảnh: Ngọc Tú"], ["Minh An", "Hà Phong", "Viết Thanh", "Ngọc Tú"]),
        (["Ý KIẾN BẠN ĐỌC"], []),
        (["Tâm HằngTTXVN", "Minh AnhVNA", "Lê MinhTTXVN-Hà Nội"], ["Tâm Hằng", "Minh Anh", "Lê Minh"]),
        (["Thu HÀ"], ["Thu HÀ"]),  # capitals that name no outlet stay part of the name
        (["Русский", "English", "中文", "Tiếng Việt", "Facebook", "Zalo", "Họ tên", "Báo lỗi"], []),
        ([{"@type": "Person", "name": "Hà Phong", "url": "https://x.vn/tac-gia/ha-phong"}], ["Hà Phong"]),
        ([["https://www.facebook.com/baodantridientu", {"name": ["An Bình", {"deep": 1}]}, 7, None]], ["An Bình"]),
        ([{"@type": "Organization", "name": "Báo Mẫu Mới"}, {"@type": ["NewsMediaOrganization"], "name": "Mẫu Online"}], []),
        ([{"@type": "https://schema.org/Person", "name": "Hà Phong"}, {"@type": "Organization", "name": "Tin Nhanh"}], ["Hà Phong"]),
        (["Sarah LazareTwitter", "Minh AnhFacebook", "Lan HươngEmail"], ["Sarah Lazare", "Minh Anh", "Lan Hương"]),
        (["Von Anna Sleegers", "Par Marie Dupont", "By Hà Phong"], ["Anna Sleegers", "Marie Dupont", "Hà Phong"]),
        (["Web Share", "Google Play", "App Store", "Getty Images", "Related", "Image"], []),
        (["NGUYỄN VĂN HÙNG", "Bài và ảnh: LÊ THANH HÀ", "HOÀNG HÀ"], ["NGUYỄN VĂN HÙNG", "LÊ THANH HÀ", "HOÀNG HÀ"]),  # full names in capitals
        (["TIN LIÊN QUAN", "HỒ SƠ VỤ ÁN", "ĐOÀN THANH NIÊN"], []),  # headings in capitals
        (["Luật sư Nguyễn Văn An", "Bác sĩ Trần Thu Hà", "BS.CKI Lê Minh", "Thạc sĩ Lê Minh Anh", "Giáo sư Phạm Hùng"],
         ["Nguyễn Văn An", "Trần Thu Hà", "Lê Minh", "Lê Minh Anh", "Phạm Hùng"]),
    ],
)
def test_authors_are_names_without_theo_roles_or_outlets(lines, names):
    assert people(lines, site_name="Báo điện tử Dân Trí") == names


PAGE = """<html lang="vi"><head>
<link rel="canonical" href="https://bao.vn/the-gioi/tin-a-20221223144734383.htm">
<meta property="og:site_name" content="Báo Mẫu"><meta property="og:image" content="/anh/chinh.jpg">
<meta property="article:published_time" content="2022-12-23T07:00:00Z">
<meta property="article:tag" content="Ukraine"><meta property="article:tag" content="Mỹ">
<script type="application/ld+json">{"@type": "NewsArticle", "headline": "Tin A", "author": [{"@type": "Person", "name": "Hà Phong"}, "https://x.vn/u"],
 "datePublished": "2022-12-23T14:00:00+07:00", "articleSection": "Thế giới"}</script>
</head><body><ul class="breadcrumbs"><li>Trang chủ</li><li>Quốc tế</li></ul>
<h1>Tin A</h1><p class="date">Thứ Sáu, 25/12/2022 - 09:00</p><p>Đoạn một của bài báo về Hà Nội và Việt Nam.</p>
<figure><img src="//cdn.bao.vn/a.jpg" alt="Ảnh một"><figcaption>Chú thích ảnh một</figcaption></figure>
<p>Đoạn hai.</p><p>Hà Anh</p><div class="comment-list"><p>Bài viết hay quá!</p></div></body></html>"""
LABELS = ["navigation", "navigation", "title", "dateline", "body", "image", "caption", "body", "byline", "other"]


def test_json_ld_first_then_opengraph_then_the_page_lines():
    article = article_from_content("a", "req", html=PAGE)
    assert [line.text for line in article.lines][:3] == ["Trang chủ", "Quốc tế", "Tin A"] and len(article.lines) == len(LABELS)
    m = extract_metadata(article, LABELS)
    assert m["url"] == "https://bao.vn/the-gioi/tin-a-20221223144734383.htm" and m["meta_sources"]["url"] == "canonical"
    assert m["date_published"] == "2022-12-23T14:00:00+07:00" and m["meta_sources"]["date_published"] == "json-ld"
    assert any("2022-12-25 (dateline) disagrees with 2022-12-23 (json-ld)" in c for c in m["meta_sources"]["conflicts"])
    assert m["authors"] == ["Hà Phong"] and m["meta_sources"]["authors"] == "json-ld"  # the URL author dropped
    assert m["section"] == "Thế giới" and m["site_name"] == "Báo Mẫu" and m["language"] == "vi"
    assert m["tags"] == ["Ukraine", "Mỹ"] and m["meta_sources"]["tags"] == "opengraph"
    assert m["image"] == "https://bao.vn/anh/chinh.jpg"
    assert m["images"] == [{"src": "https://cdn.bao.vn/a.jpg", "alt": "Ảnh một", "caption": "Chú thích ảnh một"}]
    assert m["comments"] == ["Bài viết hay quá!"]


def test_without_json_ld_the_lines_speak():
    page = PAGE.split("<script")[0] + PAGE.split("</script>")[1]
    page = page.replace('<meta property="article:published_time" content="2022-12-23T07:00:00Z">', "")
    m = extract_metadata(article_from_content("a", "req", html=page), LABELS)
    assert m["date_published"] == "2022-12-25T09:00:00+07:00" and m["meta_sources"]["date_published"] == "dateline"
    assert m["authors"] == ["Hà Anh"] and m["meta_sources"]["authors"] == "byline"
    assert m["section"] == "Quốc tế" and m["meta_sources"]["section"] == "breadcrumb"


def test_a_text_dump_gets_what_its_lines_give():
    article = article_from_content("t", "t.txt", text="Trang chủ\nTin A\nThứ Ba, 23/06/2015 - 13:58\nĐoạn một của bài.\nTheo Vân Anh")
    m = extract_metadata(article, ["navigation", "title", "dateline", "body", "byline"])
    assert (m["date_published"], m["authors"], m["url"], m["image"]) == ("2015-06-23T13:58:00+07:00", ["Vân Anh"], None, None)
    assert extract_metadata(article, None)["date_published"] is None  # no labels: no lines are read


@pytest.mark.parametrize(
    "jsonld",
    [
        '{"@type": "NewsArticle", "datePublished": "31/02/2015", "author": {"name": {"x": 1}}}',
        '{"@type": "NewsArticle", "datePublished": "2099-01-01T00:00:00+07:00", "author": "https://x.vn/tac-gia"}',
        '{"@type": "NewsArticle", "datePublished": ' + "[" * 100 + '"2015-06-23"' + "]" * 100 + "}",
        "{broken json",
        '{"@graph": ' + "[" * 200 + "{}" + "]" * 200 + "}",
        '{"@type": "NewsArticle", "author": [' + ",".join('{"name": "Tên Số ' + chr(65 + i % 26) + '"}' for i in range(50)) + "]}",
    ],
)
def test_bad_json_ld_gives_another_source_or_null_never_an_error(jsonld):
    page = f'<html><head><script type="application/ld+json">{jsonld}</script></head><body><h1>Tin</h1><p>Ngày 23/06/2015 10:00</p><p>Thân bài.</p></body></html>'
    m = extract_metadata(article_from_content("b", "req", html=page), ["title", "dateline", "body"])
    assert m["date_published"] in ("2015-06-23T10:00:00+07:00", None)
    assert all(isinstance(a, str) and not a.startswith("http") for a in m["authors"]) and len(m["authors"]) <= 10
    json.dumps(m, ensure_ascii=False)


def test_a_huge_json_ld_block_is_skipped(tmp_path):
    big = '{"@type": "NewsArticle", "headline": "' + "x" * (2 << 20) + '", "datePublished": "2015-06-23"}'
    page = f'<html><head><script type="application/ld+json">{big}</script></head><body><h1>Tin</h1><p>Thân bài.</p></body></html>'
    article = article_from_content("b", "req", html=page)
    assert article.meta["document"]["jsonld"] == [] and extract_metadata(article, ["title", "body"])["date_published"] is None


def test_metadata_is_scored_beside_trafilatura_and_htmldate_on_the_real_pages():
    from tests.conftest import ROOT
    from vnnews.extraction_eval import load_real_pages, rules_system
    from vnnews.metadata_eval import evaluate_metadata, load_gold_metadata

    articles, html = load_real_pages(ROOT / "data" / "real" / "pages", ROOT / "data" / "real" / "annotations")
    gold = load_gold_metadata(ROOT / "data" / "real" / "metadata.jsonl")
    assert len(gold) == len(articles) == 34 and all({"date_published", "authors", "url", "section"} <= set(g) for g in gold.values())
    kenh14 = [a for a in articles if a.id.startswith("kenh14.vn/")]
    text, scores = evaluate_metadata(kenh14, html, {"rules": rules_system}, gold)
    assert "| vnnews, rules | 2 | 2/2 | 2/2 |" in text  # dates to the minute, from the datelines
    assert {"trafilatura", "htmldate"} <= set(scores) and "### kenh14.vn" in text
    assert [s.date_day for s in scores["htmldate"]] == [True, True]  # scored, whatever they find


def test_dates_are_scored_as_instants_where_both_carry_an_offset_and_absent_gold_fields_are_not_scored():
    """A page prints local time where fundus's gold is in UTC: the same instant is right, to
    the day and the minute; a date without an offset is compared as written; a gold with no
    ``authors`` key (Zyte's) does not score authors, an empty list asks for none."""
    from vnnews.metadata_eval import score_metadata

    gold = {"date_published": "2024-05-02T22:47:00+00:00", "authors": []}
    same = score_metadata("p", "s", {"date_published": "2024-05-03T00:47:00+02:00", "authors": []}, gold)
    assert (same.date_day, same.date_minute, same.authors) == (True, True, True)
    later = score_metadata("p", "s", {"date_published": "2024-05-03T00:47:00+00:00", "authors": ["Anna Berg"]}, gold)
    assert (later.date_day, later.date_minute, later.authors) == (False, False, False)
    naive = score_metadata("p", "s", {"date_published": "2024-05-02"}, gold)
    assert (naive.date_day, naive.date_minute) == (True, False)
    url_only = score_metadata("p", "s", {"url": "https://x.example/a", "authors": ["Anna Berg"]}, {"url": "https://x.example/a"})
    assert (url_only.url, url_only.authors, url_only.date_day) == (True, None, None)
    # what was given and what the gold says, for the fields scored wrong only (the report's JSON)
    assert later.misses == {
        "date_published": {"predicted": "2024-05-03T00:47:00+00:00", "gold": "2024-05-02T22:47:00+00:00"},
        "authors": {"predicted": ["Anna Berg"], "gold": []},
    }
    assert same.misses == {} and url_only.misses == {}


def _metadata(body: str, head: str = "", labels: str = "body") -> dict:
    """The metadata of a page whose every line carries ``labels`` (no dateline or byline lines)."""
    article = article_from_content("m", "req", html=f"<html><head>{head}</head><body>{body}</body></html>")
    return extract_metadata(article, [labels] * len(article.lines))


def test_schema_org_microdata_in_the_body_gives_date_author_and_section():
    m = _metadata(
        '<article itemscope itemtype="https://schema.org/NewsArticle"><meta itemprop="datePublished" content="2024-05-17T08:30:00+07:00">'
        '<meta itemprop="dateModified" content="2024-05-18T01:00:00Z"><meta itemprop="articleSection" content="Kinh doanh">'
        '<h1 itemprop="headline">Tin B</h1><p>Thân bài của tin.</p>'
        '<p>Bài: <span itemprop="author" itemscope itemtype="https://schema.org/Person"><span itemprop="name">Minh An</span>'
        '<a itemprop="url" href="/tac-gia/minh-an">hồ sơ</a></span></p></article>'
    )
    assert (m["date_published"], m["meta_sources"]["date_published"]) == ("2024-05-17T08:30:00+07:00", "microdata:datepublished")
    assert (m["date_modified"], m["meta_sources"]["date_modified"]) == ("2024-05-18T08:00:00+07:00", "microdata:datemodified")
    assert (m["authors"], m["meta_sources"]["authors"]) == (["Minh An"], "microdata:author")
    assert (m["section"], m["meta_sources"]["section"]) == ("Kinh doanh", "microdata:articlesection")


def test_a_time_the_page_marks_as_published_beats_the_related_lists_times():
    related = '<ul class="related"><li><a href="/b">Tin cũ</a> <time datetime="2023-02-01T09:00:00+07:00">01/02</time></li></ul>'
    for marked in ('<time class="entry-date published" datetime="2023-03-01T08:00:00+07:00">1/3/2023</time>',
                   '<time pubdate datetime="2023-03-01T08:00:00+07:00">1/3/2023</time>'):
        m = _metadata(f"<h1>Tin C</h1>{related}<p>{marked}</p><p>Thân bài.</p>")
        assert (m["date_published"], m["meta_sources"]["date_published"]) == ("2023-03-01T08:00:00+07:00", "time (publication)")
    # unmarked: only when every <time> names one day (a single one, or all agree), and after the dateline
    assert _metadata(f"<h1>Tin C</h1>{related}<p>Thân bài.</p>")["date_published"] == "2023-02-01T09:00:00+07:00"
    two = related + '<p><time datetime="2023-03-01">1/3</time></p>'
    assert _metadata(f"<h1>Tin C</h1>{two}<p>Thân bài.</p>")["date_published"] is None
    article = article_from_content("m", "req", html=f"<html><body><h1>Tin C</h1><p>Thứ Tư, 01/03/2023 - 10:15</p>{related}</body></html>")
    labels = ["title", "dateline"] + ["related"] * (len(article.lines) - 2)
    assert extract_metadata(article, labels)["meta_sources"]["date_published"] == "dateline"


def test_rel_author_is_the_last_resort_for_authors():
    page = '<h1>Tin D</h1><p>Thân bài.</p><p class="by"><a rel="author" href="/u/hà-anh">Hà Anh</a></p>'
    m = _metadata(page)
    assert (m["authors"], m["meta_sources"]["authors"]) == (["Hà Anh"], "rel=author")
    m = _metadata(page, head='<meta name="author" content="Vân Anh">')
    assert (m["authors"], m["meta_sources"]["authors"]) == (["Vân Anh"], "meta:author")


def test_hostile_microdata_and_times_are_bounded_and_never_fatal():
    big = "x" * 100_000
    body = (
        "".join(f'<div itemprop="author"><p>{big}</p></div>' for _ in range(40))
        + "".join(f'<time datetime="{v}">{big}</time>' for v in ("31/02/2015", "2099-01-01", "not a date", "9" * 500) * 10)
        + '<meta itemprop="datePublished" content="' + "2" * 5000 + '"><span itemprop="datePublished articleSection">'
        + big + "</span><p>Thân bài.</p>"
    )
    article = article_from_content("h", "req", html=f"<html><body>{body}</body></html>")
    doc = article.meta["document"]
    assert all(len(v) <= 5 and all(len(x) <= 2000 for x in v) for v in doc["microdata"].values())
    assert len(doc["times"]) == 10 and all(len(t["value"]) <= 200 for t in doc["times"])
    m = extract_metadata(article, ["body"] * len(article.lines))
    assert m["date_published"] is None and m["section"] is None and m["authors"] == []
    json.dumps(m, ensure_ascii=False)


def test_a_json_ld_breadcrumb_names_the_section_when_the_page_shows_none():
    crumbs = {"@context": "https://schema.org", "@type": "BreadcrumbList", "itemListElement": [
        {"@type": "ListItem", "position": 3, "name": "Tin E"},
        {"@type": "ListItem", "position": 1, "item": {"@id": "https://bao.vn", "name": "Trang chủ"}},
        {"@type": "ListItem", "position": 2, "item": {"@id": "https://bao.vn/kinh-doanh", "name": "Kinh doanh"}},
    ]}
    article_ld = {"@type": "NewsArticle", "headline": "Tin E"}
    head = f'<script type="application/ld+json">{json.dumps([article_ld, crumbs])}</script>'
    m = _metadata("<h1>Tin E</h1><p>Thân bài.</p>", head=head)
    assert (m["section"], m["meta_sources"]["section"]) == ("Kinh doanh", "json-ld breadcrumb")
    only_home = {**crumbs, "itemListElement": crumbs["itemListElement"][:2]}
    head = f'<script type="application/ld+json">{json.dumps({"@graph": [article_ld, only_home]})}</script>'
    assert _metadata("<h1>Tin E</h1><p>Thân bài.</p>", head=head)["section"] is None  # home and the headline are no section
    broken = {**crumbs, "itemListElement": [7, {"position": "x", "name": ["Kinh doanh"]}, {"item": "https://bao.vn"}]}
    head = f'<script type="application/ld+json">{json.dumps(broken)}</script>'
    assert _metadata("<h1>Tin E</h1><p>Thân bài.</p>", head=head)["section"] is None


@pytest.mark.parametrize("name", ["og:article:published_time", "datePublished", "publish_date", "DC.date.created", "parsely-pub-date", "dcterms.date"])
def test_publication_meta_names_other_cms_write(name):
    attribute = "property" if ":" in name else "name"
    m = _metadata("<h1>Tin F</h1><p>Thân bài.</p>", head=f'<meta {attribute}="{name}" content="2024-05-17T08:30:00+07:00">')
    assert (m["date_published"], m["meta_sources"]["date_published"]) == ("2024-05-17T08:30:00+07:00", f"meta:{name.lower()}".replace("meta:article:", "opengraph:"))


def test_a_dateline_with_the_publication_and_the_update_gives_both():
    from vnnews.metadata.dates import parse_all

    pub, upd = parse_all("Thứ Sáu, 17/05/2024 08:30 (GMT+7) | Cập nhật: 17/05/2024 10:00", NOW)
    assert (pub.iso, pub.modified, upd.iso, upd.modified) == ("2024-05-17T08:30:00+07:00", False, "2024-05-17T10:00:00+07:00", True)
    upd, pub = parse_all("Cập nhật: 18/05/2024 10:00 | Đăng: 17/05/2024 08:30", NOW)  # each time beside its own date
    assert (upd.iso, upd.modified, pub.iso, pub.modified, pub.prefix) == ("2024-05-18T10:00:00+07:00", True, "2024-05-17T08:30:00+07:00", False, "")  # "Đăng:" is a label
    assert [w.iso for w in parse_all("17/05/2024 08:30 - Cập nhật lúc 09:15", NOW)] == ["2024-05-17T08:30:00+07:00"]
    assert parse_all("08:30 (GMT+7) Thứ sáu 17/05/2024", NOW)[0].prefix == ""  # a weekday is no section
    article = article_from_content("u", "t.txt", text="Tin G\nCập nhật: 18/05/2024 10:00 | Đăng: 17/05/2024 08:30\nThân bài của tin.")
    m = extract_metadata(article, ["title", "dateline", "body"])
    assert (m["date_published"], m["date_modified"]) == ("2024-05-17T08:30:00+07:00", "2024-05-18T10:00:00+07:00")
    only = extract_metadata(article_from_content("v", "t.txt", text="Tin H\nCập nhật: 18/05/2024 10:00\nThân bài."), ["title", "dateline", "body"])
    assert only["date_published"] == only["date_modified"] == "2024-05-18T10:00:00+07:00"
    assert only["meta_sources"]["date_published"] == "dateline (updated; no other date)"


def test_menu_items_sections_and_tags_are_never_authors_and_the_refusal_is_said():
    refused: list[str] = []
    assert people(["Tài chính - Doanh nghiệp - Thể thao"], refused=refused) == [] and refused == ["Tài chính", "Doanh nghiệp", "Thể thao"]
    assert people(["THỂ THAO", "Video", "Xem thêm"]) == []
    # the formats sites print above a title (in English, title-case like a name), and a word with a digit
    assert people(["Infographics", "E-magazine", "Longform", "Megastory", "Clip", "Trực tiếp", "Covid-19"]) == []
    assert people(["O'Brien", "Jean-Luc Picard", "Trần Hà (TTXVN)"]) == ["O'Brien", "Jean-Luc Picard", "Trần Hà"]
    assert people(["Nguyễn Văn An", "Hạ Trắng", "Ludwig van Beethoven", "H.N"]) == ["Nguyễn Văn An", "Hạ Trắng", "Ludwig van Beethoven", "H.N"]
    from vnnews.ingest import Article, Line

    article = Article("p", "p.txt", [Line("Tiêu đề bài"), Line("Thân bài một dòng dài của bài báo."), Line("Tài chính - Doanh nghiệp")], {})
    meta = extract_metadata(article, ["title", "body", "byline"])
    assert meta["authors"] == [] and any("'Tài chính'" in c and "refused" in c for c in meta["meta_sources"]["conflicts"])


def test_the_first_run_of_byline_lines_that_names_someone_is_the_byline():
    """A page has one byline (adjacent lines: "Theo Vân Anh" / "Lao Động"); other short lines a
    labeller calls bylines on an unseen layout (a photo credit, a heading of related links)
    lie elsewhere and are not authors."""
    from vnnews.ingest import Article, Line

    texts = ["Tiêu đề bài", "Theo Vân Anh", "Lao Động", "Thân bài một dòng dài của bài báo.", "Thân bài hai.", "Getty Images", "Tin Liên Quan"]
    labels = ["title", "byline", "byline", "body", "body", "byline", "byline"]
    meta = extract_metadata(Article("p", "p.txt", [Line(t) for t in texts], {}), labels)
    assert meta["authors"] == ["Vân Anh"] and meta["meta_sources"]["authors"] == "byline"
    # a run that names nobody (a role) is passed over for the next one
    texts = ["Tiêu đề bài", "PV", "Thân bài một dòng dài của bài báo.", "Thân bài hai.", "Hà Anh"]
    meta = extract_metadata(Article("q", "q.txt", [Line(t) for t in texts], {}), ["title", "byline", "body", "body", "byline"])
    assert meta["authors"] == ["Hà Anh"]


def test_addresses_that_cannot_be_parsed_are_null_never_an_error():
    page = (
        '<html><head><link rel="canonical" href="http://[::1/x"><meta property="og:image" content="//[bad">'
        '<meta property="og:url" content="https://a.vn:99999/x"></head>'
        '<body><h1>Tin</h1><p>Thân bài.</p><img src="http://a.vn:port/x.jpg" alt=""></body></html>'
    )
    article = article_from_content("b", "req", html=page)
    article.meta["url"] = "HTTP://[x"  # a record's url, a request's url: any string
    m = extract_metadata(article, ["title", "body"][: len(article.lines)])
    assert m["url"] is None and m["image"] is None and m["site_name"] is None


def test_author_fields_name_people_in_any_script_and_byline_lines_in_latin_only():
    """A page's author fields (JSON-LD, microdata, <meta>) name people in their own script;
    a byline *line* in another script than Latin is a language switcher's on a Vietnamese
    site ("Русский"), never its author."""
    fields = [{"@type": "Person", "name": "渡辺洋介"}, {"@type": "Person", "name": "Андрей Колесников"}, "구현모", "Felix Schröder und Jörg Soldwisch"]
    assert people(fields, structured=True) == ["渡辺洋介", "Андрей Колесников", "구현모", "Felix Schröder", "Jörg Soldwisch"]
    assert people(fields) == ["Felix Schröder", "Jörg Soldwisch"]
    assert people(["Русский", "中文"], structured=True) == []  # chrome words stay refused anywhere
    page = PAGE.replace('"author": [{"@type": "Person", "name": "Hà Phong"}, "https://x.vn/u"]', '"author": {"@type": "Person", "name": "Андрей Колесников"}')
    m = extract_metadata(article_from_content("a", "req", html=page), LABELS)
    assert m["authors"] == ["Андрей Колесников"] and m["meta_sources"]["authors"] == "json-ld"
