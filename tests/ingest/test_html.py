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
    assert meta == {"html_title": "Tin tức", "lang": "vi"}
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
