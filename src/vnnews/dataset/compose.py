"""Realistic training pages from structured articles.

Five gold pages cannot train a line classifier, and structured records (title,
lead, body, captions) have no boilerplate at all. A composed page wraps a
structured article in the furniture the seed pages show: a breadcrumb, a
dateline, a byline, "Theo dõi ... trên", image file names before captions with
"(Ảnh: ...)" credits, a related-article box inside the body, related lists whose
titles are printed twice with a time and a teaser (taken from *other* articles,
so they read like real headlines), ads, error widgets, "Phiên bản di động".
Every line's label is known by construction (label source ``composed``).

Composition is deterministic: the random choices are seeded by the article id.
"""

from __future__ import annotations

import hashlib
import random
import re
import unicodedata
from collections.abc import Sequence

from vnnews.ingest import Article, Line

SECTIONS = ("Thời sự", "Thế giới", "Kinh tế", "Xã hội", "Pháp luật", "Văn hoá", "Thể thao", "Giáo dục", "Sức khoẻ", "Công nghệ", "Chính trị - Xã hội", "Đời sống")
SITES = ("Baoquocte.vn", "Báo Tin tức", "VnExpress", "Dân trí", "Tuổi Trẻ", "Thanh Niên", "VietnamPlus")
RELATED_HEADINGS = ("Tin liên quan", "Tin bài liên quan", "Đọc thêm", "Xem nhiều", "Đọc nhiều", "Có thể bạn quan tâm", "Các tin bài khác", "Tin cùng chuyên mục", "Tin mới")
FAMILY = ("Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô", "Dương")
MIDDLE = ("Văn", "Thị", "Minh", "Thanh", "Hoàng", "Đức", "Ngọc", "Quang", "Thu", "Hải")
GIVEN = ("Linh", "Anh", "Hùng", "Dũng", "Hằng", "Lâm", "Việt", "Khánh", "Tuấn", "Hà", "Dân", "Long", "Giang", "Phương", "Trang")
ADS = (
    "{p} hỗ trợ tăng cường sức khoẻ, bổ sung dưỡng chất cần thiết cho cơ thể",
    "{p} giải pháp tiết kiệm điện cho gia đình, ưu đãi đến 30%",
    "Mua ngay {p} - giao hàng miễn phí toàn quốc",
    "Quảng cáo: {p} chính hãng, bảo hành 24 tháng",
    "{p} cải thiện giấc ngủ, giảm căng thẳng mệt mỏi",
)
PRODUCTS = ("Ago Mom", "VitaPlus", "Sâm Ngọc Linh Gold", "SmartHome X", "Canxi Kids", "Trà Xanh An Nhiên")
OTHER = ("Có lỗi xảy ra", "Co loi xay ra", "Xin chờ trong giây lát...", "Đang tải...")
FOOTERS = ("Phiên bản di động", "Lên đầu trang", "Chia sẻ", "Bình luận")


def _rng(article_id: str, salt: str) -> random.Random:
    return random.Random(int.from_bytes(hashlib.sha1(f"{salt}\x00{article_id}".encode()).digest()[:8], "big"))


def _name(rng: random.Random) -> str:
    return f"{rng.choice(FAMILY)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}" if rng.random() < 0.6 else f"{rng.choice(MIDDLE)} {rng.choice(GIVEN)}"


def _time(rng: random.Random) -> str:
    return f"{rng.randint(0, 23):02d}:{rng.choice(range(0, 60, 10)):02d}"


def _date(rng: random.Random) -> str:
    return f"{rng.randint(1, 28):02d}/{rng.randint(1, 12):02d}/{rng.randint(2019, 2025)}"


def _dateline(rng: random.Random) -> str:
    days = ("Thứ hai", "Thứ ba", "Thứ tư", "Thứ năm", "Thứ sáu", "Thứ bảy", "Chủ nhật")
    return rng.choice(
        (
            f"{_time(rng)} {_date(rng)}",
            f"{_time(rng)} | {_date(rng)} GMT+7",
            f"{rng.choice(days)}, {_date(rng)} - {_time(rng)}",
            f"{_date(rng)} {_time(rng)}",
        )
    )


def _slug(text: str, rng: random.Random) -> str:
    ascii_text = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    ascii_text = "".join(c for c in ascii_text if not unicodedata.combining(c)).lower()
    words = re.findall(r"[a-z0-9]+", ascii_text)[: rng.randint(2, 8)]
    return " ".join(words) + f" {rng.randint(100, 9999)}.jpg" if rng.random() < 0.6 else " ".join(words)


def _related_item(rng: random.Random, title: str, lead: str, inline: bool) -> list[Line]:
    if inline:
        truncated = " ".join(title.split()[: max(3, len(title.split()) // 2)])
        lines = [Line(f"{truncated} {title}" if rng.random() < 0.5 else f"{title} {title}", label="related")]
    else:
        lines = [Line(title, label="related")] * (2 if rng.random() < 0.8 else 1)
        if rng.random() < 0.3:
            lines.append(Line(f"{_time(rng)} {_date(rng)}", label="related"))
    if lead and rng.random() < 0.8:
        words = lead.split()
        teaser = lead if rng.random() < 0.4 or len(words) < 20 else " ".join(words[: rng.randint(15, 25)]) + " ..."
        lines.append(Line(teaser, label="related"))
    return lines


def compose_page(article: Article, others: Sequence[tuple[str, str]], salt: str = "compose") -> Article:
    """A page around structured ``article`` (lines labelled title/lead/body/caption),
    with related items drawn from ``others`` ((title, lead) of other articles)."""
    rng = _rng(article.id, salt)
    titles, leads = article.texts_labelled("title"), article.texts_labelled("lead")
    body, captions = article.texts_labelled("body"), article.texts_labelled("caption")
    page: list[Line] = []
    L = lambda text, label: Line(text, label=label)  # noqa: E731

    if rng.random() < 0.5:
        page.append(L(f"Trang chủ {rng.choice(SECTIONS)}", "navigation"))
    dateline_first = rng.random() < 0.4
    if dateline_first:
        page.append(L(_dateline(rng), "dateline"))
    if titles and rng.random() < 0.15:
        page.append(L(" ".join(titles[0].split()[:4]) + ":", "title"))
    page += [L(t, "title") for t in titles]
    if not dateline_first and rng.random() < 0.5:
        page.append(L(_dateline(rng), "dateline"))
    byline_top = rng.random() < 0.35
    if byline_top:
        page.append(L(_name(rng), "byline"))
    if rng.random() < 0.1:
        page.append(L("aa", "navigation"))
    page += [L(t, "lead") for t in leads]
    if rng.random() < 0.2:
        page.append(L(f"Theo dõi {rng.choice(SITES)} trên", "navigation"))

    # body, with each caption (and often its image line) after a random paragraph
    slots: dict[int, list[Line]] = {}
    for caption in captions:
        block = []
        if rng.random() < 0.5:
            block.append(L(_slug(caption, rng) if rng.random() < 0.6 else (titles[0] if titles else _slug(caption, rng)), "image"))
        credit = f" (Ảnh: {_name(rng)})" if rng.random() < 0.5 else ""
        block.append(L(caption + credit, "caption"))
        slots.setdefault(rng.randrange(max(1, len(body))), []).extend(block)
    inline_at = rng.randrange(max(1, len(body))) if others and rng.random() < 0.2 else -1
    for i, text in enumerate(body):
        page.append(L(text, "body"))
        page += slots.get(i, [])
        if i == inline_at:
            for title, lead in rng.sample(list(others), k=min(len(others), rng.randint(1, 3))):
                page += _related_item(rng, title, lead, inline=True)
    if not body:
        page += [line for block in slots.values() for line in block]

    if not byline_top and rng.random() < 0.4:
        page.append(L(_name(rng), "byline"))
    if rng.random() < 0.15:
        page.append(L(f"Nguồn: {rng.choice(SITES)}" if rng.random() < 0.7 else "Nguồn:", "byline"))
    for _ in range(rng.choice((0, 1, 1, 2))):
        if not others:
            break
        if rng.random() < 0.75:
            page.append(L(rng.choice(RELATED_HEADINGS), "navigation"))
        for title, lead in rng.sample(list(others), k=min(len(others), rng.randint(2, 8))):
            page += _related_item(rng, title, lead, inline=False)
    if rng.random() < 0.15:
        page += [L(rng.choice(OTHER), "other")] * rng.choice((1, 2))
    if rng.random() < 0.2:
        page += [L(rng.choice(ADS).format(p=rng.choice(PRODUCTS)), "advertisement") for _ in range(rng.randint(1, 2))]
    if rng.random() < 0.3:
        page.append(L(rng.choice(FOOTERS), "navigation"))
    return Article(article.id, article.source, page, {**article.meta, "composed": True}, "composed")
