"""Training pages that look like the world, from structured articles.

Five gold pages cannot train a page labeller, and structured records (title,
lead, body sentences, captions) have no page around them. The composer builds
one: a site (menus, footer, markup habits, shared by every page of that site),
a layout family, and the article inside it, then renders it as a text dump or as
HTML. Every line's label is known by construction (label source ``composed``):
HTML pages carry the label on each block in an attribute that the HTML reader
takes the label from and no feature can see, so the page is read by the same
code as a real one (:func:`vnnews.ingest.readers._lines_from_html`).

Layout families (``FAMILIES``), after the failures seen on real pages:
- ``classic``: breadcrumb, title, dateline, byline, lead, body with photos, an
  inline related box, related lists, tags;
- ``portal``: a menu of 52 to 150 lines (the site's menu, then its full "mega menu"
  again), the headline repeated in a sticky top bar,
  "most read" sidebars, a long footer;
- ``magazine``: kicker, cover image whose alt text is the headline, long body with
  subheadings and many photos, "(Ảnh: ...)" inside paragraphs;
- ``photo``: a photo story: photos, each followed by a narrative paragraph (body)
  that ends "(Ảnh: ...)";
- ``live``: a live blog: entries under their times;
- ``listicle``: "top 10": numbered subheadings, each with a paragraph and a photo;
- ``comments``: a classic article followed by readers' comments (long sentences
  that are not the article);
- ``mobile``: a slim page: a few menu lines, related items with thumbnails whose
  alt text repeats their titles, "Xem bản Desktop".

Composition is deterministic: every random choice is seeded by the article id
(the site's by the site's name).
"""

from __future__ import annotations

import hashlib
import html as htmlmod
import random
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field

from vnnews.ingest import Article, Line

FAMILIES: tuple[str, ...] = ("classic", "portal", "magazine", "photo", "live", "listicle", "comments", "mobile")
N_SITES = 24
MAX_MENU_LINES = 150
LABEL_ATTR = "data-vnnews-label"

SECTIONS = ("Thời sự", "Thế giới", "Kinh tế", "Xã hội", "Pháp luật", "Văn hoá", "Thể thao", "Giáo dục", "Sức khoẻ", "Công nghệ", "Đời sống", "Du lịch", "Giải trí", "Bất động sản", "Xe", "Khoa học")
SUBSECTIONS = ("Chính trị", "Quân sự", "Tài chính", "Chứng khoán", "Doanh nghiệp", "Giao thông", "Môi trường", "Bóng đá", "Tennis", "Điện ảnh", "Âm nhạc", "Tuyển sinh", "Du học", "Dinh dưỡng", "Làm đẹp", "Thị trường", "Dự án", "Nhà đẹp", "Ẩm thực", "Hồ sơ", "Phóng sự", "Góc nhìn", "Bạn đọc", "Video", "Ảnh", "Podcast", "E-magazine", "Tiêu dùng")
SITE_NAMES = ("Báo Tin Mới", "Tin Nhanh 24h", "Thời Báo Số", "Người Đưa Tin", "Báo Phương Nam", "Đời Sống Việt", "Nhịp Sống", "Tin Tức Việt", "Báo Miền Trung", "Kinh Tế Sài Gòn", "Thể Thao Việt", "Sức Khoẻ Gia Đình")
RELATED_HEADINGS = ("Tin liên quan", "Tin bài liên quan", "Đọc thêm", "Xem nhiều", "Đọc nhiều", "Có thể bạn quan tâm", "Các tin bài khác", "Tin cùng chuyên mục", "Tin mới", "Tin nổi bật", "Bài viết liên quan", "Xem thêm")
FAMILY_NAMES = ("Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô", "Dương")
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
OTHER = ("Có lỗi xảy ra", "Xin chờ trong giây lát...", "Đang tải...", "Bạn chưa đăng nhập", "Gửi bình luận", "0 bình luận")
COMMENTS = (
    "Bài viết rất hay, cảm ơn tác giả đã phân tích kỹ lưỡng vấn đề này.",
    "Tôi không đồng ý với quan điểm trên, thực tế ở địa phương tôi khác hẳn.",
    "Mong các cơ quan chức năng sớm vào cuộc xử lý nghiêm những sai phạm như vậy.",
    "Đọc xong thấy buồn quá, không biết bao giờ mới thay đổi được.",
    "Chúc mừng đội tuyển, trận đấu hôm qua thật sự rất tuyệt vời!",
    "Giá cả tăng mà lương không tăng thì người dân biết sống thế nào đây?",
)
FOOTER = (
    "Cơ quan chủ quản: {s}", "Giấy phép số {n}/GP-BTTTT do Bộ Thông tin và Truyền thông cấp", "Tổng biên tập: {name}",
    "Toà soạn: Số {n} đường {sec}, Hà Nội", "Điện thoại: 024.{n}.{n} - Fax: 024.{n}", "Email: toasoan@{host}",
    "Đường dây nóng: 09{n} {n} {n}", "© Bản quyền thuộc về {s}. Ghi rõ nguồn khi phát hành lại thông tin từ website này.",
    "Liên hệ quảng cáo", "Chính sách bảo mật", "Điều khoản sử dụng", "Về chúng tôi", "RSS",
)
# The real web's chrome that the layouts above lacked (issue 38: on unseen sites the model let
# these into the body): language switchers, follow/subscribe prompts, report-an-error and
# copy-link links, comment forms with their validation messages, notices about a lighter
# version or cookies, licence and contact footers, section headings in capitals, most-read
# lists, menus printed as one line, and related teasers written as whole sentences.
LANGUAGES = ("English", "Русский", "中文", "Français", "Español", "Deutsch", "ລາວ", "ខ្មែរ", "한국어", "日本語", "Tiếng Việt")
FOLLOW = (
    "Theo dõi {s} trên Google News", "Thêm {s} làm nguồn ưu tiên trên Google", "Theo dõi chúng tôi trên Facebook",
    "Đăng ký nhận bản tin {s}", "Tải ứng dụng {s}", "Nhận thông báo tin mới từ {s}", "Theo dõi kênh YouTube của {s}",
    "Tham gia kênh Zalo của {s} để cập nhật tin tức mới nhất", "Đăng ký để nhận những tin tức nóng nhất mỗi ngày",
    "Bấm theo dõi để không bỏ lỡ tin tức quan trọng", "Theo dõi {s} trên",
)
REPORT = ("Báo lỗi", "Báo lỗi nội dung", "Gửi góp ý", "Phản hồi", "Gửi bài viết cho toà soạn", "In bài viết", "Sao chép liên kết", "Đã sao chép liên kết", "Lưu bài viết", "Nghe bài viết", "Cỡ chữ")
FORM = (
    "Họ tên", "Email", "Số điện thoại", "Nội dung", "Vui lòng nhập họ tên", "Email không hợp lệ", "Vui lòng nhập nội dung bình luận",
    "Bình luận của bạn phải có ít nhất 10 ký tự", "Bạn vui lòng nhập email đúng định dạng", "Mã xác nhận không đúng", "Bạn chưa nhập nội dung",
    "Cảm ơn bạn đã gửi bình luận. Bình luận sẽ được hiển thị sau khi được duyệt.",
    "Ý kiến của bạn sẽ được biên tập trước khi đăng. Xin vui lòng gõ tiếng Việt có dấu.",
    "Bạn đọc có thể gửi ý kiến, bài viết về địa chỉ email của toà soạn.", "Gửi bình luận thành công!",
)
FORM_HEADINGS = ("Ý kiến của bạn", "Gửi ý kiến của bạn", "Bình luận", "Viết bình luận", "Ý kiến bạn đọc", "BÌNH LUẬN")
NOTICES = (
    "Bạn đang xem phiên bản rút gọn của trang. Xem phiên bản đầy đủ", "Chuyển sang giao diện nhẹ để đọc nhanh hơn",
    "Trang web sử dụng cookie để cải thiện trải nghiệm của bạn. Đồng ý", "Bạn đang đọc bài viết ở chế độ tiết kiệm dữ liệu.",
    "Xem phiên bản đầy đủ", "Bài viết đã được lưu", "Trình duyệt của bạn không hỗ trợ phát video.",
)
SECTION_HEADINGS = ("CÙNG CHUYÊN MỤC", "TIN CÙNG CHUYÊN MỤC", "ĐỌC NHIỀU NHẤT", "TIN MỚI NHẤT", "CÓ THỂ BẠN QUAN TÂM", "ĐỌC TIẾP", "TIN LIÊN QUAN", "XEM THÊM", "TIÊU ĐIỂM", "MỚI CẬP NHẬT", "Tin cùng chuyên mục", "Đọc nhiều nhất")
LICENCE = (
    "Chịu trách nhiệm xuất bản: {name}", "Giấy phép hoạt động báo điện tử số {n}/GP-BTTTT ngày {d}",
    "Không được sao chép, phát hành lại thông tin khi chưa được sự đồng ý bằng văn bản của {s}.",
    "Địa chỉ: Số {n}, phố {sec}, Hà Nội", "Hotline: 0{n}.{n}.{n}", "Liên hệ toà soạn", "Liên hệ quảng cáo: 09{n} {n} {n}",
    "Bản quyền © 2026 {s}. All rights reserved.", "Ghi rõ nguồn \"{s}\" khi phát hành lại thông tin từ website này.",
    "Phó Tổng biên tập: {name}", "Trụ sở: {n} {sec}, TP Hồ Chí Minh",
)
# Chrome written as whole sentences, put together from parts so that no sentence is one the
# model could learn by heart: invitations to follow or subscribe, calls for readers' news,
# copyright warnings, system messages and questions to the reader. On unseen sites the model
# let sentence-like chrome next to the article in (issue 38); trained on fixed lists, it let
# in four times more of such sentences it had not seen than of the lists' own (sixth session,
# docs/classifier.md).
CHROME_PARTS: dict[str, tuple[tuple[str, ...], ...]] = {
    "invite": (
        ("Mời bạn đọc", "Quý độc giả vui lòng", "Hãy", "Bạn có thể", "Đừng quên", "Độc giả có thể", "Mời quý vị"),
        ("đăng ký nhận", "theo dõi", "cập nhật", "nhận", "xem thêm", "ghé thăm", "tải về"),
        ("bản tin hằng ngày của {s}", "trang Facebook của {s}", "kênh TikTok của {s}", "ứng dụng {s} trên điện thoại", "fanpage chính thức của {s}",
         "bản tin điểm báo buổi sáng", "bản tin qua email", "kênh video của {s}", "chuyên trang {sec}"),
        ("để không bỏ lỡ tin tức quan trọng.", "để cập nhật thông tin nhanh nhất.", "mỗi ngày.", "hoàn toàn miễn phí.", "và nhận nhiều ưu đãi hấp dẫn.", "ngay hôm nay!", "."),
    ),
    "contribute": (
        ("Bạn đọc", "Quý vị", "Người dân", "Mọi người", "Các bạn"),
        ("có thể gửi", "vui lòng gửi", "hãy chia sẻ", "được mời gửi", "có nhu cầu phản ánh xin gửi"),
        ("tư liệu, ảnh chụp", "câu chuyện của mình", "bài viết, ý kiến", "clip ngắn", "tin bài", "góp ý"),
        ("về địa chỉ email {email}", "cho ban biên tập {s}", "qua số điện thoại 09{n}", "tới chuyên mục Bạn đọc", "qua ứng dụng {s}"),
        (".", ". Xin cảm ơn!", ", toà soạn sẽ xác minh và phản hồi sớm nhất.", ". Bài được chọn đăng sẽ nhận nhuận bút."),
    ),
    "copyright": (
        ("Nghiêm cấm", "Không được", "Cấm", "Vui lòng không"),
        ("sao chép", "đăng tải lại", "sử dụng lại", "trích dẫn", "phát tán"),
        ("nội dung", "bài viết và hình ảnh", "thông tin trên trang", "tác phẩm báo chí của {s}"),
        ("khi chưa có sự đồng ý của {s}.", "dưới mọi hình thức.", "nếu không ghi rõ nguồn.", "khi chưa được phép bằng văn bản."),
    ),
    "system": (
        ("Rất tiếc,", "Xin lỗi,", "Thông báo:", "Lỗi:"),
        ("đã xảy ra sự cố.", "hệ thống đang bảo trì.", "kết nối bị gián đoạn.", "không tải được nội dung.", "phiên làm việc đã hết hạn.", "yêu cầu của bạn chưa được xử lý."),
        ("Vui lòng tải lại trang.", "Hãy thử lại sau ít phút.", "Xin vui lòng đợi trong giây lát.", "Bạn hãy đăng nhập lại.", "Vui lòng kiểm tra kết nối mạng."),
    ),
    "ask": (
        ("Bạn thấy", "Theo bạn,", "Với bạn,"),
        ("bài viết này thế nào?", "nội dung này có hữu ích không?", "vấn đề này ra sao?", "thông tin trên có đáng tin cậy không?"),
        ("Hãy để lại bình luận bên dưới.", "Chia sẻ ý kiến của bạn với chúng tôi.", "", "Bình chọn ngay!"),
    ),
}


def chrome_sentence(rng: random.Random, site: Site) -> str:
    """One sentence of site chrome (:data:`CHROME_PARTS`), each part drawn apart."""
    text = ""
    for part in (rng.choice(options) for options in CHROME_PARTS[rng.choice(list(CHROME_PARTS))]):
        if part:
            text += part if part[0] in ".,!?" or not text else " " + part
    text += "" if text.endswith((".", "!", "?")) else "."
    return text.format(s=site.name, sec=rng.choice(SECTIONS), n=rng.randint(1000000, 9999999), email=f"bandoc@{site.host}")


# A related article linked from inside the article's flow, as a paragraph of its own between
# body paragraphs ("Xem thêm: <a>headline</a>"). Always with a lead-in: a headline alone
# between paragraphs looks like a short paragraph or a listicle's item line, and a model
# taught to call it related dropped such body lines of real pages (measured: docs/classifier.md)
INLINE_RELATED = ("Xem thêm: ", "Đọc thêm: ", ">> Xem thêm: ", ">> ", "> ", "TIN LIÊN QUAN: ", "Tin liên quan: ", "Đọc tiếp: ", "Xem video: ", "Mời xem: ", "XEM THÊM: ", "Video: ")
_INLINE_LONGEST_FIRST = sorted(INLINE_RELATED, key=len, reverse=True)  # ">> Xem thêm: " before ">> "
# Boxes and dialogs that hold whole sentences outside the article: cookie and privacy
# dialogs, membership and paywall prompts, newsletter sign-ups, log-in forms, app prompts.
# On real pages of other languages (fundus's test pages) they were the boilerplate prose a
# model let in most; real sites put most of them at the end of <body> (modals) in containers
# named after them (``DIALOG_CLASSES``, the words layout's "dialog" group knows), some at the
# top (a cookie bar) or right after the article (a paywall or sign-up box).
DIALOG_CLASSES = ("modal", "popup", "cookie-consent", "cookie-banner", "cookie-notice", "consent-box", "newsletter", "newsletter-signup", "login-popup", "modal-login", "subscribe-box", "box-subscribe", "toast", "donate-box", "privacy-notice")
DIALOGS: dict[str, tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]] = {  # kind: (headings, sentences, short lines)
    "cookie": (
        ("Chúng tôi tôn trọng quyền riêng tư của bạn", "Thông báo về cookie", "Cài đặt quyền riêng tư", "Quản lý cookie", "Trang web này sử dụng cookie"),
        (
            "Chúng tôi sử dụng cookie và các công nghệ tương tự để cá nhân hoá nội dung, quảng cáo và phân tích lưu lượng truy cập.",
            "Bằng cách tiếp tục sử dụng trang web, bạn đồng ý với việc sử dụng cookie theo Chính sách bảo mật của {s}.",
            "Một số cookie là cần thiết để trang web hoạt động, các cookie khác giúp chúng tôi hiểu cách bạn sử dụng trang web.",
            "Bạn có thể thay đổi lựa chọn của mình bất cứ lúc nào trong phần Cài đặt cookie ở cuối trang.",
            "Cookie này được dùng để ghi nhớ lựa chọn đồng ý của người dùng và không lưu trữ dữ liệu cá nhân nào.",
            "Cookie phân tích giúp chúng tôi đếm số lượt truy cập và nguồn truy cập để đo lường và cải thiện hiệu quả của trang web.",
            "Dữ liệu cá nhân của bạn được xử lý theo quy định tại Nghị định 13/2023/NĐ-CP về bảo vệ dữ liệu cá nhân.",
            "Các đối tác quảng cáo của chúng tôi có thể đặt cookie để xây dựng hồ sơ sở thích của bạn và hiển thị quảng cáo phù hợp trên các trang web khác.",
        ),
        ("Chấp nhận tất cả", "Từ chối", "Tuỳ chỉnh", "Đồng ý", "Chỉ chấp nhận cookie cần thiết", "Lưu lựa chọn", "Cookie cần thiết", "Cookie phân tích", "Luôn bật", "_ga", "PHPSESSID", "2 năm", "Phiên"),
    ),
    "member": (
        ("Bài viết dành cho thành viên {s}", "Nội dung dành cho thành viên", "Trở thành thành viên {s}", "Ủng hộ {s}"),
        (
            "Đăng ký gói thành viên để đọc toàn bộ bài viết và trải nghiệm không quảng cáo.",
            "Bạn đã đọc hết số bài viết miễn phí trong tháng này.",
            "Tài khoản của bạn đang được sử dụng trên một thiết bị khác. Mỗi tài khoản chỉ được đăng nhập trên một thiết bị tại một thời điểm.",
            "Chỉ từ 2.000 đồng mỗi ngày, bạn có thể đọc không giới hạn các bài viết chuyên sâu của {s}.",
            "Mỗi đóng góp của bạn giúp đội ngũ phóng viên tiếp tục đưa tin độc lập, chính xác và miễn phí cho tất cả bạn đọc.",
            "Thành viên được đọc bài không quảng cáo, nghe bài viết bằng giọng đọc và nhận bản tin độc quyền mỗi tuần.",
        ),
        ("Đăng nhập để đọc tiếp", "Bạn đã là thành viên? Đăng nhập", "Xem các gói thành viên", "Đăng ký ngay", "Ủng hộ ngay", "Gói tháng", "Gói năm"),
    ),
    "newsletter": (
        ("Đăng ký nhận bản tin", "Bản tin {s}", "Nhận tin mỗi sáng", "Đừng bỏ lỡ tin tức quan trọng"),
        (
            "Nhận những tin tức nổi bật nhất mỗi sáng qua email của bạn.",
            "Bằng việc đăng ký, bạn đồng ý với Điều khoản sử dụng và Chính sách bảo mật của {s}.",
            "Cảm ơn bạn đã đăng ký! Vui lòng kiểm tra hộp thư để xác nhận địa chỉ email.",
            "Bản tin được gửi miễn phí vào 7 giờ sáng mỗi ngày, bạn có thể huỷ đăng ký bất cứ lúc nào.",
        ),
        ("Nhập địa chỉ email của bạn", "Đăng ký", "Email không hợp lệ", "Huỷ đăng ký"),
    ),
    "login": (
        ("Đăng nhập", "Đăng nhập tài khoản", "Đăng ký tài khoản", "Tài khoản {s}"),
        (
            "Đăng nhập để bình luận, lưu bài viết và nhận thông báo tin mới từ {s}.",
            "Mật khẩu phải có ít nhất 8 ký tự, bao gồm chữ hoa, chữ thường và chữ số.",
            "Tên đăng nhập hoặc mật khẩu không đúng, vui lòng thử lại.",
        ),
        ("Đăng nhập bằng Facebook", "Đăng nhập bằng Google", "Quên mật khẩu?", "Chưa có tài khoản? Đăng ký ngay", "Ghi nhớ đăng nhập", "Mật khẩu", "Số điện thoại hoặc email"),
    ),
    "app": (
        ("Tải ứng dụng {s}", "Đọc báo trên ứng dụng"),
        (
            "Đọc {s} nhanh hơn trên ứng dụng di động, nhận thông báo tin nóng ngay khi sự việc xảy ra.",
            "Trải nghiệm đọc báo tốt hơn với ứng dụng {s}: giao diện gọn, tải trang nhanh và tiết kiệm dữ liệu.",
        ),
        ("Mở trong ứng dụng", "Tải ngay", "Để sau", "Tiếp tục đọc trên trình duyệt"),
    ),
}
CONTENT_CLASSES = ("content", "detail-content", "article-body", "news-content", "singular-content", "fck_detail", "post-content", "entry-content", "main-detail", "cms-body", "box-content", "txt-content")
LEAD_CLASSES = ("sapo", "description", "lead", "summary", "detail-sapo", "article-sapo", "intro")
TITLE_CLASSES = ("title", "title-detail", "article-title", "headline", "title-page", "post-title", "news-title")


def _rng(key: str, salt: str) -> random.Random:
    return random.Random(int.from_bytes(hashlib.sha1(f"{salt}\x00{key}".encode()).digest()[:8], "big"))


def _name(rng: random.Random) -> str:
    return f"{rng.choice(FAMILY_NAMES)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}" if rng.random() < 0.6 else f"{rng.choice(MIDDLE)} {rng.choice(GIVEN)}"


def _time(rng: random.Random) -> str:
    return f"{rng.randint(0, 23):02d}:{rng.choice(range(0, 60, 5)):02d}"


def _date(rng: random.Random) -> str:
    return f"{rng.randint(1, 28):02d}/{rng.randint(1, 12):02d}/{rng.randint(2012, 2025)}"


def _dateline(rng: random.Random) -> str:
    days = ("Thứ hai", "Thứ ba", "Thứ tư", "Thứ năm", "Thứ sáu", "Thứ bảy", "Chủ nhật")
    return rng.choice(
        (f"{_time(rng)} {_date(rng)}", f"{_time(rng)} | {_date(rng)} GMT+7", f"{rng.choice(days)}, {_date(rng)} - {_time(rng)}", f"{_date(rng)} {_time(rng)}", f"{_time(rng)} ngày {_date(rng)}")
    )


def _slug(text: str, rng: random.Random) -> str:
    folded = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    words = re.findall(r"[a-z0-9]+", "".join(c for c in folded if not unicodedata.combining(c)).lower())[: rng.randint(2, 8)]
    return " ".join(words) + f" {rng.randint(100, 9999)}.jpg" if rng.random() < 0.6 else " ".join(words)


def _cls(rng: random.Random, pool: Sequence[str], obfuscated: bool) -> str:
    return f"c{rng.randrange(16**5):05x}" if obfuscated else rng.choice(pool)


@dataclass
class Site:
    """What every page of one site shares: name, menu, footer, markup habits."""

    name: str
    host: str
    menu: list[tuple[str, list[str]]]
    footer: list[str]
    obfuscated: bool  # class names are hashes (the model must not rely on class words)
    content_class: str
    lead_class: str
    title_class: str
    lead_tag: str
    para_tag: str
    caption_style: str  # figure, div, table, em
    has_candidates: bool
    has_jsonld: bool


def make_site(index: int) -> Site:
    rng = _rng(str(index), "site")
    name = SITE_NAMES[index % len(SITE_NAMES)] + ("" if index < len(SITE_NAMES) else f" {index}")
    host = re.sub(r"[^a-z]", "", unicodedata.normalize("NFD", name.lower().replace("đ", "d")).encode("ascii", "ignore").decode()) + ".vn"
    sections = rng.sample(SECTIONS, rng.randint(6, len(SECTIONS)))
    menu = [(s, rng.sample(SUBSECTIONS, rng.randint(0, 7))) for s in sections]
    footer = [f.format(s=name, n=rng.randint(10, 999), name=_name(rng), sec=rng.choice(SECTIONS), host=host) for f in rng.sample(FOOTER, rng.randint(2, len(FOOTER)))]
    obfuscated = rng.random() < 0.3
    return Site(
        name, host, menu, footer, obfuscated,
        _cls(rng, CONTENT_CLASSES, obfuscated), _cls(rng, LEAD_CLASSES, obfuscated), _cls(rng, TITLE_CLASSES, obfuscated),
        rng.choice(("h2", "h2", "h3", "p", "div", "p-strong")), rng.choice(("p", "p", "p", "div")), rng.choice(("figure", "figure", "div", "table", "em")),
        rng.random() < 0.8, rng.random() < 0.4,
    )


@dataclass
class Block:
    """One line-to-be of a page: its label, text, and role (how it is marked up)."""

    label: str
    text: str
    role: str
    region: str


@dataclass
class Page:
    blocks: list[Block] = field(default_factory=list)

    def add(self, label: str, text: str, role: str, region: str) -> None:
        if text:
            self.blocks.append(Block(label, text, role, region))


def _paragraphs(sentences: Sequence[str], rng: random.Random) -> list[str]:
    """Body sentences grouped 1 to 3 per paragraph, as pages print them."""
    out, i = [], 0
    while i < len(sentences):
        k = rng.choice((1, 1, 2, 2, 3))
        out.append(" ".join(sentences[i : i + k]))
        i += k
    return out


def _related_items(page: Page, rng: random.Random, others: Sequence[tuple[str, str]], region: str, thumbnails: bool, heading: bool = True) -> None:
    if not others:
        return
    if heading:
        page.add("related" if rng.random() < 0.5 else "navigation", rng.choice(RELATED_HEADINGS), "related_heading", region)
    for title, lead in rng.sample(list(others), k=min(len(others), rng.randint(2, 8))):
        if thumbnails:
            page.add("image", title if rng.random() < 0.7 else _slug(title, rng), "img", region)
        page.add("related", title, "related_item", region)
        if rng.random() < 0.3:
            page.add("related", rng.choice((_date(rng), f"{rng.randint(1, 23)} giờ trước", _time(rng))), "related_time", region)
        if lead and rng.random() < 0.4:
            words = lead.split()
            page.add("related", " ".join(words[: rng.randint(12, 25)]) + " ...", "related_teaser", region)


def _menu(page: Page, site: Site, rng: random.Random, size: str) -> None:
    if size == "slim":
        for s, _ in site.menu[: rng.randint(2, 5)]:
            page.add("navigation", s, "menu", "header")
        return
    for s, subs in site.menu:
        page.add("navigation", s, "menu", "header")
        if size == "big":
            for sub in subs:
                page.add("navigation", sub, "menu", "header")


def _body(page: Page, rng: random.Random, family: str, paragraphs: list[str], captions: list[str], title: str, others: Sequence[tuple[str, str]]) -> None:
    caption_at = {rng.randrange(max(1, len(paragraphs))): c for c in captions}
    inline_at = rng.randrange(max(1, len(paragraphs))) if others and family in ("classic", "portal", "comments") and rng.random() < 0.3 else -1
    n_photo = 0
    # Styles every site may have, whatever its layout: subheadings in capitals or in
    # sentence case, and images without a caption with the text going on under them.
    # Without them a layout that has these (photo stories, long reads) is read as
    # captions where its paragraphs follow images, and as bylines where it has subheadings.
    upper_subheadings = rng.random() < 0.5
    plain = family not in ("photo", "magazine", "listicle")
    for i, text in enumerate(paragraphs):
        if plain and i and rng.random() < 0.08:
            head = " ".join(text.split()[: rng.randint(3, 8)]).rstrip(",.:;")
            page.add("subheading", head.upper() if upper_subheadings else head, "subheading", "article")
        if plain and i and rng.random() < 0.1:
            page.add("image", f"{title} - {i + 1}" if rng.random() < 0.5 else _slug(text, rng), "img", "article")
        if family == "photo" or (family == "magazine" and rng.random() < 0.35):
            n_photo += 1
            page.add("image", f"{title} - {n_photo}" if rng.random() < 0.6 else _slug(title, rng), "img", "article")
            if family == "photo" or rng.random() < 0.5:
                text = text.rstrip(".") + f" (Ảnh: {_name(rng)})."
        if family == "listicle" and i < 10 and rng.random() < 0.8:
            head = " ".join(text.split()[: rng.randint(3, 8)])
            if rng.random() < 0.5:  # "1. Xxx" headings, or "Name (Nước): +10 triệu" lines in plain paragraphs
                page.add("subheading", f"{i + 1}. {head}", "subheading", "article")
            else:
                page.add("body", f"{head} ({rng.choice(SECTIONS)}): +{rng.randint(2, 90)} {rng.choice(('triệu euro', 'điểm', 'tỷ đồng', '%'))}", "p", "article")
            if rng.random() < 0.6:
                page.add("image", f"{title} - {i + 1}" if rng.random() < 0.7 else _slug(text, rng), "img", "article")
        elif family == "magazine" and i and rng.random() < 0.12:
            page.add("subheading", " ".join(text.split()[: rng.randint(3, 7)]).upper(), "subheading", "article")
        elif family == "live" and rng.random() < 0.6:
            page.add("dateline", _time(rng), "live_time", "article")
        page.add("body", text, "p", "article")
        if i in caption_at:
            if rng.random() < 0.7:
                alt = caption_at[i] if rng.random() < 0.3 else (f"{title} - {i + 1}" if rng.random() < 0.5 else _slug(caption_at[i], rng))
                page.add("image", alt, "img", "article")
            credit = f" (Ảnh: {_name(rng)})" if rng.random() < 0.5 else ""
            page.add("caption", caption_at[i] + credit, "caption", "article")
        if i == inline_at:
            _related_items(page, rng, others, "inline", thumbnails=False, heading=rng.random() < 0.5)


_NAME = r"\w+(?:\.\w+)*(?:\s\w+){0,3}"  # up to four words, or initials ("H.M")
_SIGNATURE = re.compile(
    rf"^(?:Theo|Nguồn)\b.{{0,40}}$"
    rf"|^{_NAME}(?:\s*[-–]\s*{_NAME}){{0,3}}(?:\s*\((?:[Tt]ổng hợp|[Tt]\s*/\s*[Hh]|TH|[Tt]heo [^)]{{1,40}})\))?$"
)


def split_signature(sentences: list[str]) -> tuple[list[str], list[str]]:
    """Body sentences, and the author/source lines that close them in many records
    ("Minh Tâm", "Theo TTXVN", "Mộc Miên (Tổng hợp)", "H.M (tổng hợp)", "Trang Dung (t / h)",
    "Phạm Tùng - Tư Viễn"): those are bylines on a page, as the gold of the real pages
    labels them, not body. Of VietNews's 20,000 training articles, 4,111 end in such a line
    (1,713 in the forms without initials, dashes or "(Tổng hợp)" that were caught before)."""
    end = len(sentences)
    while end > 1 and _SIGNATURE.match(sentences[end - 1]) and not sentences[end - 1].endswith((".", "!", "?", '"', "”")):
        end -= 1
    return sentences[:end], sentences[end:]


def build_page(article: Article, others: Sequence[tuple[str, str]], site: Site, family: str, rng: random.Random) -> Page:
    """The blocks of a page of ``family`` on ``site`` around ``article``."""
    titles, leads = article.texts_labelled("title"), article.texts_labelled("lead")
    captions = article.texts_labelled("caption")
    sentences, signature = split_signature(article.texts_labelled("body"))
    paragraphs = _paragraphs(sentences, rng)
    title = " ".join(titles)
    page = Page()
    if family != "mobile" and rng.random() < 0.6:
        page.add("image", rng.choice((f"Logo {site.name}", site.name, "logo")), "img", "header")
    # the menu's size: its own random stream, so the rest of the page is drawn as before
    menu_rng = _rng(article.id, "menu")
    no_menu = family != "portal" and menu_rng.random() < 0.08  # an article page with no menu at all (0 lines)
    if not no_menu:
        page.add("navigation", rng.choice(("Đăng nhập", "Trang chủ", "Tìm kiếm", "Menu")), "menu", "header")
        size = {"portal": "big", "mobile": "slim"}.get(family, rng.choice(("big", "small", "small", "slim")))
        start = len(page.blocks)
        _menu(page, site, rng, size)
        if size == "big" and (family == "portal" or menu_rng.random() < 0.3):
            # the full "mega menu" again, as dantri.com.vn prints it under its menu: up to 150 lines
            _menu(page, site, menu_rng, "big")
            del page.blocks[start + MAX_MENU_LINES :]
    if family == "portal" or rng.random() < 0.1:
        page.add("navigation", title, "topbar", "topbar")  # the headline again, in a sticky bar
    section = rng.choice(site.menu)
    if rng.random() < 0.7:
        page.add("navigation", section[0], "breadcrumb", "article")
        if section[1] and rng.random() < 0.5:
            page.add("navigation", rng.choice(section[1]), "breadcrumb", "article")
    if family == "magazine":
        page.add("image", title, "img", "article")  # cover photo, alt text = headline
    dateline_first = rng.random() < 0.4
    if dateline_first:
        page.add("dateline", _dateline(rng), "dateline", "article")
    if titles and (family == "magazine" or rng.random() < 0.1):
        page.add("title", " ".join(titles[0].split()[:4]) + ":", "kicker", "article")
    for t in titles:
        page.add("title", t, "title", "article")
    if not dateline_first and rng.random() < 0.7:
        page.add("dateline", _dateline(rng), "dateline", "article")
    byline_top = rng.random() < 0.35
    if byline_top:
        name = _name(rng)
        page.add("byline", rng.choice((name, name, f"{name} - Theo {rng.choice(SITE_NAMES)}", f"{name} (tổng hợp)", f"Theo {rng.choice(SITE_NAMES)}", f"{name} - {_name(rng)}")), "byline", "article")
    if rng.random() < 0.3:
        for t in rng.sample(("Chia sẻ", "Bình luận", "In bài", "Aa", "Lưu"), rng.randint(1, 3)):
            page.add("navigation", t, "share", "article")
    if family in ("classic", "mobile", "comments") and rng.random() < 0.25:
        page.add("image", title, "img", "article")  # the article's photo, alt text = headline, before the lead
    for t in leads:
        page.add("lead", (rng.choice((f"({site.name}) - ", f"{site.name.replace(' ', '')} – ", f"{site.name} ")) if rng.random() < 0.35 else "") + t, "lead", "article")
    if family in ("classic", "mobile", "comments") and rng.random() < 0.2:
        page.add("image", title, "img", "article")  # or after it
    _body(page, rng, family, paragraphs, captions, title, others)
    for t in signature:
        page.add("byline", t, "byline", "article")
    if not byline_top and not signature and rng.random() < 0.6:
        page.add("byline", _name(rng), "byline", "article")
    if rng.random() < 0.2:
        page.add("byline", f"Theo {rng.choice(SITE_NAMES)}", "byline", "article")
    if rng.random() < 0.3:
        page.add("navigation", "Tags", "tag", "article")
        for sub in rng.sample(SUBSECTIONS, rng.randint(1, 4)):
            page.add("navigation", sub, "tag", "article")
    for _ in range(rng.choice((1, 1, 2)) if family != "mobile" else 1):
        _related_items(page, rng, others, "related", thumbnails=family == "mobile" or rng.random() < 0.4)
    if family == "comments":
        page.add("other", f"Bình luận ({rng.randint(2, 80)})", "comment_head", "comments")
        for _ in range(rng.randint(2, 8)):
            page.add("other", _name(rng), "comment_user", "comments")
            page.add("other", rng.choice(COMMENTS), "comment_text", "comments")
            page.add("other", rng.choice((f"{rng.randint(1, 59)} phút trước", _date(rng))), "comment_time", "comments")
            if rng.random() < 0.5:
                page.add("navigation", rng.choice(("Trả lời", "Thích")), "comment_action", "comments")
    if family == "portal" or rng.random() < 0.3:
        _related_items(page, rng, others, "sidebar", thumbnails=rng.random() < 0.5)
    if rng.random() < 0.15:
        page.add("other", rng.choice(OTHER), "other", "footer")
    if rng.random() < 0.25:
        for _ in range(rng.randint(1, 2)):
            page.add("advertisement", rng.choice(ADS).format(p=rng.choice(PRODUCTS)), "ad", "sidebar")
    if family == "mobile":
        page.add("navigation", "Xem bản Desktop", "footer", "footer")
    footer = site.footer if family == "portal" else site.footer[: rng.randint(0, len(site.footer))]
    for t in footer:
        page.add("navigation", t, "footer", "footer")
    return page



def _sentences_of(text: str, rng: random.Random) -> str:
    """One or two whole sentences of a lead (a teaser written as sentences, no "...")."""
    parts = re.split(r"(?<=[.!?])\s+", text.strip())
    return " ".join(parts[: rng.choice((1, 1, 2))]) if parts else text


def add_real_chrome(page: Page, site: Site, article_id: str, others: Sequence[tuple[str, str]], family: str) -> None:
    """Add the chrome of today's sites (``LANGUAGES``, ``FOLLOW``... above) to ``page``, drawn
    from a random stream of its own so the rest of the page is drawn as before."""
    rng = _rng(article_id, "chrome")
    blocks = page.blocks
    header_end = max((i + 1 for i, b in enumerate(blocks) if b.region in ("header", "topbar")), default=0)
    article_end = max((i + 1 for i, b in enumerate(blocks) if b.region == "article"), default=len(blocks))
    footer_start = next((i for i, b in enumerate(blocks) if b.region == "footer"), len(blocks))
    top: list[Block] = []
    if rng.random() < 0.12:
        top.append(Block("other", rng.choice(NOTICES), "notice", "header"))
    if rng.random() < 0.15:
        languages = rng.sample(LANGUAGES, rng.randint(1, 4))
        if rng.random() < 0.5:
            top += [Block("navigation", lang, "lang", "header") for lang in languages]
        else:
            top.append(Block("navigation", rng.choice((" | ", " ", " - ")).join(languages), "menu_line", "header"))
    if rng.random() < 0.3:  # the menu printed as one line ("Thời sự Thế giới Kinh tế ...")
        sections = [name for name, _ in site.menu[: rng.randint(4, len(site.menu))]]
        top.append(Block("navigation", rng.choice((" ", " | ", " - ", " · ")).join(sections), "menu_line", "header"))
    after_article: list[Block] = []
    if rng.random() < 0.25:
        after_article += [Block("navigation", t, "share", "article") for t in rng.sample(REPORT, rng.randint(1, 3))]
    if rng.random() < 0.35:
        after_article += [Block("navigation", f.format(s=site.name), "follow", "article") for f in rng.sample(FOLLOW, rng.randint(1, 2))]
    sentences = _rng(article_id, "chrome sentences")  # a stream of its own: the rest of the page is drawn as before
    if sentences.random() < 0.3:
        after_article += [Block("other", chrome_sentence(sentences, site), "chrome_sentence", "article") for _ in range(sentences.randint(1, 2))]
    lower: list[Block] = []
    if others and rng.random() < 0.25:  # a most-read list: numbers, headlines, sometimes a teaser
        lower.append(Block("related", rng.choice(SECTION_HEADINGS), "related_heading", "sidebar"))
        for k, (title, lead) in enumerate(rng.sample(list(others), k=min(len(others), rng.randint(3, 6))), start=1):
            if rng.random() < 0.5:
                lower.append(Block("related", str(k), "rank", "sidebar"))
                lower.append(Block("related", title, "related_item", "sidebar"))
            else:
                lower.append(Block("related", f"{k} {title}" if rng.random() < 0.5 else f"{k}. {title}", "related_item", "sidebar"))
            if lead and rng.random() < 0.3:
                lower.append(Block("related", _sentences_of(lead, rng), "related_teaser", "sidebar"))
    if rng.random() < 0.25:  # a comment form, its labels and messages
        lower.append(Block("other", rng.choice(FORM_HEADINGS), "form_heading", "comments"))
        lower += [Block("other", t, "form", "comments") for t in rng.sample(FORM, rng.randint(2, 6))]
    footer: list[Block] = []
    if rng.random() < 0.5:
        footer = [
            Block("navigation", t.format(s=site.name, n=rng.randint(10, 999), name=_name(rng), sec=rng.choice(SECTIONS), d=_date(rng)), "footer", "footer")
            for t in rng.sample(LICENCE, rng.randint(1, 5))
        ]
    # related teasers written as whole sentences, "same section" headings in capitals, and
    # related articles linked as paragraphs of the article's flow (a stream of their own)
    leads = dict(others)
    inline = _rng(article_id, "inline")
    inline_titles = [t for t, _ in others] if others and inline.random() < 0.3 else []
    out: list[Block] = []
    for i, b in enumerate(blocks):
        if i == header_end:
            out += top
        if i == article_end:
            out += after_article
        if i == footer_start:
            out += lower
        if b.role == "related_heading" and rng.random() < 0.35:
            b = Block(b.label, b.text.upper(), b.role, b.region)
        out.append(b)
        nxt = blocks[i + 1] if i + 1 < len(blocks) else None
        if b.role == "related_item" and leads.get(b.text) and (nxt is None or nxt.role != "related_teaser") and rng.random() < 0.3:
            out.append(Block("related", _sentences_of(leads[b.text], rng), "related_teaser", b.region))
        if inline_titles and b.role == "p" and nxt is not None and nxt.role == "p" and inline.random() < 0.25:
            prefix, title = inline.choice(INLINE_RELATED), inline_titles.pop(inline.randrange(len(inline_titles)))
            out.append(Block("related", prefix + (title.upper() if prefix.isupper() and inline.random() < 0.3 else title), "inline_link", b.region))
    if header_end >= len(blocks):
        out += top
    if article_end >= len(blocks):
        out += after_article
    if footer_start >= len(blocks):
        out += lower
    out += footer
    page.blocks[:] = _with_dialogs(out, site, article_id)


def _dialog(kind: str, site: Site, rng: random.Random) -> list[Block]:
    """One box of ``DIALOGS[kind]``: a heading, one to three sentences, a few short lines."""
    headings, sentences, short = DIALOGS[kind]
    blocks = [Block("other", rng.choice(headings).format(s=site.name), "dialog_heading", "dialog")] if rng.random() < 0.8 else []
    blocks += [Block("other", t.format(s=site.name), "dialog_text", "dialog") for t in rng.sample(sentences, rng.randint(1, min(3, len(sentences))))]
    blocks += [Block("other", t.format(s=site.name), "dialog_link", "dialog") for t in rng.sample(short, rng.randint(0, min(4, len(short))))]
    return blocks


def _with_dialogs(blocks: list[Block], site: Site, article_id: str) -> list[Block]:
    """``blocks`` with the dialogs and boxes of ``DIALOGS``: at the end of the page, a cookie
    bar sometimes at the top, a paywall or sign-up box sometimes right after the article (a
    random stream of their own)."""
    rng = _rng(article_id, "dialogs")
    end: list[Block] = []
    top: list[Block] = []
    after_article: list[Block] = []
    for kind, chance in (("cookie", 0.15), ("member", 0.1), ("newsletter", 0.12), ("login", 0.08), ("app", 0.08)):
        if rng.random() < chance:
            box = _dialog(kind, site, rng)
            where = rng.random()
            if kind == "cookie" and where < 0.3:
                top += box
            elif kind in ("member", "newsletter") and where < 0.5:
                after_article += box
            else:
                end += box
    article_end = max((i + 1 for i, b in enumerate(blocks) if b.region == "article"), default=len(blocks))
    return top + blocks[:article_end] + after_article + blocks[article_end:] + end

# ---------------------------------------------------------------- rendering
def render_text(page: Page) -> list[Line]:
    """A text dump: one line per block, as the seed pages are."""
    return [Line(b.text, label=b.label) for b in page.blocks]


def _e(text: str) -> str:
    return htmlmod.escape(text, quote=True)


def _attr(block: Block, cls: str | None = None) -> str:
    c = f' class="{_e(cls)}"' if cls else ""
    return f'{c} {LABEL_ATTR}="{block.label}"'


def _render_block(b: Block, site: Site, rng: random.Random) -> str:
    o = site.obfuscated
    if b.role == "img":
        img = f'<img src="/i/{rng.randrange(10**6)}.jpg" alt="{_e(b.text)}" {LABEL_ATTR}="{b.label}">'
        return img if b.region in ("related", "sidebar", "header") else f'<figure class="{"image" if not o else "f" + site.content_class[:3]}">{img}</figure>'
    if b.role == "caption":
        if site.caption_style == "figure":
            return f"<figure><figcaption{_attr(b)}>{_e(b.text)}</figcaption></figure>"
        if site.caption_style == "table":
            return f"<table><tr><td{_attr(b, None if o else 'caption')}>{_e(b.text)}</td></tr></table>"
        if site.caption_style == "em":
            return f"<p{_attr(b)}><em>{_e(b.text)}</em></p>"
        return f"<div{_attr(b, 'c' + site.lead_class[-3:] if o else 'img-caption')}>{_e(b.text)}</div>"
    if b.role == "title":
        tag = "h1" if rng.random() < 0.93 else rng.choice(("h2", "div"))
        return f"<{tag}{_attr(b, site.title_class)}>{_e(b.text)}</{tag}>"
    if b.role == "kicker":
        return f"<h3{_attr(b, None if o else 'kicker')}>{_e(b.text)}</h3>"
    if b.role == "lead":
        if site.lead_tag == "p-strong":
            return f"<p{_attr(b, site.lead_class)}><strong>{_e(b.text)}</strong></p>"
        return f"<{site.lead_tag}{_attr(b, site.lead_class)}>{_e(b.text)}</{site.lead_tag}>"
    if b.role == "p":
        return f"<{site.para_tag}{_attr(b)}>{_e(b.text)}</{site.para_tag}>"
    if b.role == "subheading":
        level = rng.choice((2, 3, 4)) if rng.random() < 0.8 else 0
        return f"<h{level}{_attr(b)}>{_e(b.text)}</h{level}>" if level else f"<p{_attr(b)}><strong>{_e(b.text)}</strong></p>"
    if b.role == "menu_line":
        sep = next((x for x in (" | ", " - ", " · ") if x in b.text), " ")
        links = sep.join(f'<a href="/{rng.randrange(10**6)}">{_e(t)}</a>' for t in b.text.split(sep))
        return f"<div{_attr(b, None if o else rng.choice(('menu-top', 'nav-inline', 'lang')))}>{links}</div>"
    if b.role == "follow":
        return f'<div{_attr(b, None if o else rng.choice(("follow", "google-news", "subscribe")))}><a href="/f">{_e(b.text)}</a></div>' if rng.random() < 0.6 else f"<p{_attr(b)}>{_e(b.text)}</p>"
    if b.role == "form":
        return f"<label{_attr(b)}>{_e(b.text)}</label>" if len(b.text) < 20 else f"<span{_attr(b, None if o else 'error')}>{_e(b.text)}</span>" if rng.random() < 0.5 else f"<p{_attr(b)}>{_e(b.text)}</p>"
    if b.role == "dialog_heading":
        tag = rng.choice(("h2", "h3", "div", "p"))
        return f"<{tag}{_attr(b, None if o else rng.choice(('title', 'modal-title', 'heading')))}>{_e(b.text)}</{tag}>"
    if b.role == "dialog_text":
        return f"<p{_attr(b)}>{_e(b.text)}</p>" if rng.random() < 0.7 else f"<div{_attr(b, None if o else 'desc')}>{_e(b.text)}</div>"
    if b.role == "dialog_link":  # a button's own text is not read (ingest skips <button>): links and labels
        return f'<a href="#"{_attr(b)}>{_e(b.text)}</a>' if rng.random() < 0.5 else f"<label{_attr(b)}>{_e(b.text)}</label>" if rng.random() < 0.5 else f"<span{_attr(b)}>{_e(b.text)}</span>"
    if b.role == "chrome_sentence":  # no link, as a paragraph or a box of its own
        return f"<p{_attr(b)}>{_e(b.text)}</p>" if rng.random() < 0.6 else f"<div{_attr(b, None if o else rng.choice(('notice', 'note', 'box-info', 'message')))}>{_e(b.text)}</div>"
    if b.role in ("notice", "form_heading"):
        return f"<div{_attr(b, None if o else rng.choice(('notice', 'box-title', 'title')))}>{_e(b.text)}</div>"
    if b.role == "inline_link":  # the article's paragraph tag, the headline linked, the prefix bold or plain
        prefix = next((x for x in _INLINE_LONGEST_FIRST if b.text.startswith(x)), "")
        lead_in = f"<strong>{_e(prefix)}</strong>" if rng.random() < 0.5 else _e(prefix)
        return f'<{site.para_tag}{_attr(b)}>{lead_in}<a href="/{rng.randrange(10**6)}.html">{_e(b.text[len(prefix):])}</a></{site.para_tag}>'
    if b.role == "related_teaser":
        return f"<p{_attr(b, None if o else rng.choice(('sapo', 'lead', 'desc', 'summary')))}>{_e(b.text)}</p>"
    if b.role == "rank":
        return f"<span{_attr(b)}>{_e(b.text)}</span>"
    if b.role in ("related_item", "menu", "breadcrumb", "tag", "share", "comment_action", "lang"):
        return f'<li{_attr(b)}><a href="/{rng.randrange(10**6)}.html">{_e(b.text)}</a></li>'
    if b.role in ("related_heading",):
        return f"<h3{_attr(b, None if o else 'box-title')}>{_e(b.text)}</h3>"
    if b.role in ("dateline", "live_time", "related_time", "comment_time"):
        return f"<span{_attr(b, None if o else 'time')}>{_e(b.text)}</span><br>" if rng.random() < 0.3 else f"<div{_attr(b, None if o else 'date')}>{_e(b.text)}</div>"
    if b.role == "byline":
        return f"<p{_attr(b, None if o else 'author')}><strong>{_e(b.text)}</strong></p>"
    if b.role == "ad":
        return f"<div{_attr(b, None if o else 'ads')}><a href=\"/ad\">{_e(b.text)}</a></div>"
    if b.role == "topbar":
        return f"<div{_attr(b, None if o else 'topbar-title')}>{_e(b.text)}</div>"
    return f"<div{_attr(b)}>{_e(b.text)}</div>"


REGION_TAGS = {
    "header": ("header", "menu"), "topbar": ("div", "sticky"), "article": ("article", "detail"), "inline": ("div", "box-related"),
    "related": ("section", "related"), "comments": ("div", "comments"), "sidebar": ("aside", "sidebar"), "footer": ("footer", "footer"),
    "dialog": ("div", "modal"),  # its class drawn from DIALOG_CLASSES
}


FAMILY_CLASSES = {
    "photo": ("photo-story", "gallery", "media-detail", "image-story", "photo-album"),
    "magazine": ("e-magazine", "longform", "emagazine", "magazine-detail", "special"),
    "live": ("live-blog", "liveblog", "truc-tiep", "live"),
}


def render_html(page: Page, site: Site, article_title: str, lead: str, rng: random.Random, family: str = "classic") -> str:
    """The page as HTML with this site's markup habits; each block carries its label
    in ``LABEL_ATTR``."""
    head = [f"<title>{_e(article_title)} - {_e(site.name)}</title>"]
    if site.has_candidates:
        head.append(f'<meta property="og:title" content="{_e(article_title)}">')
        if lead:
            desc = lead if rng.random() < 0.5 else " ".join(lead.split()[: rng.randint(15, 30)])
            head.append(f'<meta name="description" content="{_e(desc)}">')
    if site.has_jsonld:
        import json

        head.append('<script type="application/ld+json">' + json.dumps({"@type": "NewsArticle", "headline": article_title, "description": lead}, ensure_ascii=False) + "</script>")
    body: list[str] = []
    region: str | None = None
    region_tag = "div"
    list_open = False
    for b in page.blocks:
        if b.region != region:
            if list_open:
                body.append("</ul>")
                list_open = False
            if region == "article":
                body.append("</div>")
            if region is not None:
                body.append(f"</{region_tag}>")
            tag, cls = REGION_TAGS[b.region]
            if b.region == "article" and rng.random() < 0.3:
                tag = "div"
            region_tag = tag
            if b.region == "article" and family in FAMILY_CLASSES and rng.random() < 0.7:
                cls = f"{cls} {rng.choice(FAMILY_CLASSES[family])}"  # real sites name these containers after the layout
            elif site.obfuscated:
                cls = f"r{rng.randrange(16**4):04x}"
            elif b.region == "dialog":
                cls = rng.choice(DIALOG_CLASSES)
            body.append(f'<{tag} class="{cls}">')
            if b.region == "article":
                body.append(f'<div class="{site.content_class}">')
            region = b.region
        is_item = b.role in ("related_item", "menu", "breadcrumb", "tag", "share", "comment_action", "lang")
        if is_item and not list_open:
            body.append("<ul>")
            list_open = True
        elif not is_item and list_open:
            body.append("</ul>")
            list_open = False
        body.append(_render_block(b, site, rng))
    if list_open:
        body.append("</ul>")
    if region == "article":
        body.append("</div>")
    if region is not None:
        body.append(f"</{region_tag}>")
    return f'<!doctype html><html lang="vi"><head>{"".join(head)}</head><body>{"".join(body)}</body></html>'


def compose_page(
    article: Article,
    others: Sequence[tuple[str, str]],
    salt: str = "compose",
    families: Sequence[str] = FAMILIES,
    html_share: float = 0.6,
    real_chrome: bool = True,
) -> Article:
    """A page around structured ``article`` (lines labelled title/lead/body/caption):
    a site and a layout family drawn from the article id, related items drawn from
    ``others`` ((title, lead) of other articles), rendered as HTML (``html_share`` of
    pages) or as a text dump. ``meta`` says the site and family. ``real_chrome``: add the
    chrome of today's sites (:func:`add_real_chrome`; False draws pages as vnnews 0.x did)."""
    from vnnews.ingest import IngestOptions
    from vnnews.ingest.readers import _lines_from_html

    rng = _rng(article.id, salt)
    site = make_site(rng.randrange(N_SITES))
    family = rng.choice(list(families))
    page = build_page(article, others, site, family, rng)
    if real_chrome:
        add_real_chrome(page, site, article.id, others, family)
    meta = {**article.meta, "composed": True, "site": site.host, "family": family}
    if rng.random() < html_share:
        html = render_html(page, site, " ".join(article.texts_labelled("title")), " ".join(article.texts_labelled("lead")), rng, family)
        lines, html_meta = _lines_from_html(html, IngestOptions(), label_attr=LABEL_ATTR)
        meta.update(html_meta, format="html")
        lines = [Line(line.text, line.tag_path, line.link_density, line.label or "other") for line in lines]
    else:
        lines = render_text(page)
        meta["format"] = "text"
    return Article(article.id, article.source, lines, meta, "composed")
