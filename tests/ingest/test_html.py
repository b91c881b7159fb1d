from vnnews.ingest import html_to_lines

PAGE = """<!doctype html><html lang="vi"><head><title> Tin  tức </title>
<style>.x{color:red}</style><script>var ads = "Quảng cáo";</script></head>
<body><nav class="menu"><a href="/">Trang chủ</a> <a href="/tg">Thế giới</a></nav>
<article class="detail"><h1 class="title">Đẩy mạnh chuyển đổi số</h1>
<p class="sapo">Hội nghị nhằm trao đổi kinh nghiệm.</p>
<figure><img src="a.jpg" alt="nguyen thanh lam 1105.jpg"><figcaption>Thứ trưởng phát biểu.</figcaption></figure>
<p>Đoạn một có <a href="/x">một liên kết</a> ở giữa.<br>Dòng sau br.</p><!-- comment -->
<div>Văn bản <b>in đậm</b> trong div<p>đoạn lồng</p>phần đuôi</div>
<noscript>Bật JavaScript</noscript></article></body></html>"""


def test_one_line_per_block_with_features():
    lines, meta = html_to_lines(PAGE)
    texts = [line.text for line in lines]
    assert texts == [
        "Trang chủ Thế giới",
        "Đẩy mạnh chuyển đổi số",
        "Hội nghị nhằm trao đổi kinh nghiệm.",
        "nguyen thanh lam 1105.jpg",
        "Thứ trưởng phát biểu.",
        "Đoạn một có một liên kết ở giữa.",
        "Dòng sau br.",
        "Văn bản in đậm trong div",
        "đoạn lồng",
        "phần đuôi",
    ]
    assert meta == {
        "html_title": "Tin tức",
        "lang": "vi",
        "candidates": {"title": ["Đẩy mạnh chuyển đổi số"], "lead": []},
        "document": {"jsonld": [], "breadcrumb": [], "meta": {}, "microdata": {}, "times": [], "canonical": None, "tags": [], "lang": "vi"},  # for the metadata fields
    }
    by_text = {line.text: line for line in lines}
    assert by_text["Trang chủ Thế giới"].link_density > 0.9
    assert by_text["Trang chủ Thế giới"].tag_path == "html/body/nav.menu"
    assert by_text["Đẩy mạnh chuyển đổi số"].tag_path == "html/body/article.detail/h1.title"
    assert by_text["Hội nghị nhằm trao đổi kinh nghiệm."].link_density == 0.0
    assert 0.2 < by_text["Đoạn một có một liên kết ở giữa."].link_density < 0.6
    assert by_text["nguyen thanh lam 1105.jpg"].tag_path.endswith("figure/img")


def test_scripts_styles_and_noscript_never_reach_text():
    texts = " ".join(line.text for line in html_to_lines(PAGE)[0])
    assert "Quảng cáo" not in texts and "color" not in texts and "JavaScript" not in texts


def test_tag_path_keeps_classes_and_id_for_class_words():
    lines, _ = html_to_lines('<div class="box main  news-x" id="ct"><p class="a b c d">Một đoạn.</p></div>')
    assert lines[0].tag_path == "html/body/div.box.main.news-x#ct/p.a.b.c"


def test_document_names_its_title_and_lead():
    html = """<html><head><meta property="og:title" content="Tiêu đề OG">
    <meta name="description" content="Mô tả ngắn của bài."><meta property="og:description" content="Mô tả ngắn của bài.">
    <script type="application/ld+json">{"@context": "https://schema.org", "@graph": [{"@type": "NewsArticle",
      "headline": "Tiêu đề JSON-LD", "description": "Sapo JSON-LD"}]}</script>
    <script type="application/ld+json">{not json</script></head>
    <body><h1>Tiêu đề H1</h1><p>Thân bài.</p></body></html>"""
    _, meta = html_to_lines(html)
    assert meta["candidates"] == {
        "title": ["Tiêu đề H1", "Tiêu đề OG", "Tiêu đề JSON-LD"],
        "lead": ["Mô tả ngắn của bài.", "Sapo JSON-LD"],
    }


def test_an_article_body_is_kept_up_to_its_bound_and_anything_else_there_is_left_out():
    import json

    from vnnews.ingest.html import MAX_ARTICLE_BODY_CHARS

    huge = "Đoạn văn của bài. " * (MAX_ARTICLE_BODY_CHARS // 10)
    blocks = [{"@type": "NewsArticle", "headline": "Một", "articleBody": huge}, {"@type": "NewsArticle", "headline": "Hai", "articleBody": ["not", "text"]},
              {"@type": "NewsArticle", "headline": "Ba", "articleBody": "   "}]
    html = "".join(f'<script type="application/ld+json">{json.dumps(b, ensure_ascii=False)}</script>' for b in blocks) + "<p>Thân bài.</p>"
    lines, meta = html_to_lines(html)
    found = meta["document"]["jsonld"]
    assert [a["headline"] for a in found] == ["Một", "Hai", "Ba"] and [line.text for line in lines] == ["Thân bài."]
    assert found[0]["articleBody"] == huge[:MAX_ARTICLE_BODY_CHARS] and len(huge) > MAX_ARTICLE_BODY_CHARS
    assert "articleBody" not in found[1] and "articleBody" not in found[2]  # not text, or blank


def test_label_attribute_is_read_but_never_part_of_the_tag_path():
    html = '<div data-label="navigation"><a href="/">Trang chủ</a></div><article data-label="body"><p>Đoạn.</p><img alt="ảnh" data-label="image"></article>'
    lines, _ = html_to_lines(html, label_attr="data-label")
    assert [(line.text, line.label) for line in lines] == [("Trang chủ", "navigation"), ("Đoạn.", "body"), ("ảnh", "image")]
    assert all("label" not in line.tag_path for line in lines)
