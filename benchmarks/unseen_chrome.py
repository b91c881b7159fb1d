"""Does the page labeller keep chrome it never saw out of the article? (issue 38)

    python benchmarks/unseen_chrome.py --model build/demo/classifier [--model B ...] [--pages 120]

On unseen sites the labeller let sentence-like chrome next to the article into the body. The
composer trains it on chrome of its own (``vnnews.dataset.compose``: ``FOLLOW``, ``NOTICES``,
``LICENCE``..., and sentences put together from ``CHROME_PARTS``); a model that learnt those
by heart keeps them out and lets in the real web's other wordings. This measures that gap:
``--pages`` VietNews validation articles composed into HTML pages (benchmarks/throughput.py's
pages), and on each page one chrome sentence put right after the article's last body
paragraph in a box of its own (``<div class="c123456"><p>...</p></div>``: no class word to
go by, no link), then the share of those sentences each model labels as article text (title,
lead, body, subheading), as ``vnnews.extract`` reads the pages (with trafilatura's second
opinion, vnnews.ingest.second_opinion) and as the model alone reads them ("alone"), for two
sets of sentences:

- ``seen``: the composer's own lists (what training drew from);
- ``held out``: ``HELD_OUT`` below, Vietnamese chrome of the same kinds written for this
  benchmark and never given to the composer. Keep it so: a sentence (or a part of one)
  copied into the composer makes this figure meaningless. Written by a developer, not taken
  from real sites (their pages are kept for evaluation elsewhere): it measures how well the
  model generalises beyond the composer's wordings, not how it does on a given site.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

from _machine import describe  # noqa: E402

HELD_OUT = (
    "Mời quý độc giả theo dõi các tin tức mới nhất trên kênh Telegram của chúng tôi",
    "Nhấn vào đây để nhận thông báo khi có bài viết mới",
    "Độc giả có thể gửi thông tin, hình ảnh, video về đường dây nóng của toà soạn",
    "Bài viết chỉ mang tính chất tham khảo, không thay thế cho chẩn đoán của bác sĩ",
    "Quét mã QR để tải ứng dụng đọc báo trên điện thoại",
    "Tin tức được cập nhật liên tục 24/7",
    "Bạn cần đăng nhập để sử dụng tính năng này",
    "Chia sẻ bài viết qua Zalo, Facebook hoặc sao chép đường dẫn",
    "Nội dung này chỉ dành cho thành viên đã đăng ký gói đọc báo",
    "Mọi thông tin phản ánh xin gửi về hộp thư của toà soạn",
    "Xem thêm các tin tức khác tại chuyên mục Thời sự",
    "Ứng dụng đọc báo miễn phí, không quảng cáo",
    "Đã có lỗi trong quá trình xử lý, vui lòng thử lại sau",
    "Vui lòng chờ trong giây lát, hệ thống đang tải dữ liệu",
    "Bạn có muốn nhận thông báo về tin tức nóng nhất hằng ngày không?",
    "Đánh giá bài viết này",
    "Ghi nguồn khi trích dẫn lại nội dung từ trang này",
    "Trang thông tin điện tử tổng hợp được cấp phép bởi Sở Thông tin và Truyền thông",
    "Người chịu trách nhiệm nội dung: Ban biên tập",
    "Mọi hành vi sao chép nội dung khi chưa được cho phép đều vi phạm bản quyền",
)
ARTICLE = frozenset({"title", "lead", "body", "subheading"})


def seen_sentences() -> list[str]:
    """The composer's own chrome lists, their slots filled as a site would."""
    from vnnews.dataset import compose as c

    slots = {"s": "Báo Tin Mới", "n": "123", "name": "Nguyễn Văn An", "sec": "Láng Hạ", "d": "01/02/2020", "host": "baotinmoi.vn"}
    return [t.format(**slots) for t in (*c.FOLLOW, *c.NOTICES, *c.FORM[4:], *c.LICENCE, *c.FOOTER[:8])]


def with_sentence(html: str, sentence: str, rng: random.Random) -> str | None:
    """``html`` with ``sentence`` in a box of its own right after the last body paragraph
    (None: a page without one, or one that prints the sentence already)."""
    import lxml.html

    if sentence in html:  # the page prints it already (a composer list's line): the count would read that one
        return None
    root = lxml.html.fromstring(html)
    bodies = root.xpath('//*[@data-vnnews-label="body"]')
    if not bodies:
        return None
    box = lxml.html.fragment_fromstring(f'<div class="c{rng.randrange(10**6)}"><p></p></div>')
    box[0].text = sentence
    bodies[-1].addnext(box)
    return lxml.html.tostring(root, encoding="unicode")


def let_in(model: object, pages: list[str], sentences: list[str], second_opinion: bool = True) -> tuple[int, int]:
    """(sentences labelled as article text, sentences placed): one a page, in turn. Pages are
    read as ``vnnews.extract`` reads them for a page labeller (with the lines trafilatura keeps,
    vnnews.ingest.second_opinion), or without that opinion (the model alone)."""
    import vnnews

    rng = random.Random(0)
    hits = placed = 0
    for k, html in enumerate(pages):
        sentence = sentences[k % len(sentences)]
        page = with_sentence(html, sentence, rng)
        if page is None:
            continue
        labels = [line["label"] for line in vnnews.extract(page, model=model, second_opinion=second_opinion)["lines"] if line["text"].strip() == sentence]
        if labels:
            placed += 1
            hits += labels[0] in ARTICLE
    return hits, placed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", action="append", required=True, help="a page labeller's directory (repeat to compare)")
    parser.add_argument("--pages", type=int, default=120, help="composed pages, one sentence each (default 120)")
    args = parser.parse_args()
    import torch

    from throughput import write_html_pages
    from vnnews.models import load_classifier

    torch.set_num_threads(1)
    with tempfile.TemporaryDirectory(prefix="vnnews-chrome-") as tmp:
        write_html_pages(args.pages, Path(tmp))
        pages = [p.read_text(encoding="utf-8") for p in sorted(Path(tmp).glob("*.html"))]
    print(describe())
    print(f"\n{len(pages)} composed pages, one chrome sentence each right after the article\n")
    print("| model | composer's own sentences let in | held-out sentences let in |\n|---|---:|---:|")
    for path in args.model:
        model = load_classifier(path)
        for second_opinion, name in ((True, path), (False, f"{path}, alone")):
            (a, n), (b, m) = let_in(model, pages, seen_sentences(), second_opinion), let_in(model, pages, list(HELD_OUT), second_opinion)
            print(f"| {name} | {a} of {n} ({a / max(n, 1):.0%}) | {b} of {m} ({b / max(m, 1):.0%}) |")


if __name__ == "__main__":
    main()
