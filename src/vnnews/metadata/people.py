"""Authors from bylines and author fields: names, without "Theo", "PV", titles or outlets.

A Vietnamese byline mixes people and outlets: "Long Trần - Theo Trí Thức Trẻ" (an author,
then the outlet the story came from), "Theo Vân Anh" + "Lao Động" (an author via "Theo"
= "according to"), "Theo Forbes, Newsweek" (outlets only), "PV" (phóng viên, the
staff reporter: a role, not a name), "Nhóm PV Kinh doanh", a note in brackets ("Minh Nga
(Theo Reuters)", "Thanh Hà (tổng hợp)"), an outlet's desk after a slash ("Đức Minh/VOV-Tây
Bắc", "PV/VOV1"). JSON-LD and <meta> author fields hold strings, objects, lists or URLs.
:func:`people` keeps the names.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from typing import Any

from vnnews.text.normalize import normalize_tone_marks


def _key(text: str) -> str:
    """A comparable form: NFC, lower case, one tone style ("tòa soạn" = "toà soạn")."""
    return normalize_tone_marks(" ".join(unicodedata.normalize("NFC", text).lower().split()).strip(" ."), "new")


# Outlets whose names appear after "Theo" or beside authors (lower-cased, diacritics kept).
OUTLETS = frozenset(
    """dân trí|dantri|vnexpress|tuổi trẻ|tuoi tre|thanh niên|lao động|người lao động|zing|zing news|znews|trí thức trẻ|
    vietnamnet|vnn|vneconomy|tiền phong|pháp luật|pháp luật tp.hcm|sài gòn giải phóng|nhân dân|quân đội nhân dân|
    công an nhân dân|vietnamplus|ttxvn|vna|vtv|vov|vtc|kenh14|kênh 14|afamily|cafef|cafebiz|soha|genk|eva|ngôi sao|
    infonet|vietq|vietq.vn|gia đình & xã hội|gia đình và xã hội|giadinhnet|đời sống & pháp luật|dân việt|an ninh thủ đô|
    hà nội mới|tin tức|thể thao & văn hóa|thể thao và văn hóa|bóng đá|vtc news|báo mới|themost10|reuters|afp|ap|
    associated press|bloomberg|cnn|bbc|forbes|newsweek|cnbc|rt|sputnik|tass|ria novosti|xinhua|tân hoa xã|guardian|
    the guardian|new york times|nytimes|washington post|wall street journal|wsj|fox news|al jazeera|nikkei|scmp|
    south china morning post|daily mail|the sun|telegraph|independent|yonhap|kyodo|financial times|ft|the verge|
    techcrunch|time|the economist|economist|business insider|insider|npr|abc news|nbc news|cbs news|usa today""".replace("\n", " ").split("|")
)
OUTLETS = frozenset(_key(o) for o in OUTLETS)
# Roles and words that are not names: "PV" (reporter), "CTV" (contributor), "BTV" (editor)...
ROLES = frozenset(
    _key(w) for w in "pv|ctv|btv|tv|nv|phóng viên|cộng tác viên|biên tập viên|nhóm tác giả|tác giả|admin|ban biên tập|tòa soạn|nguồn|ảnh|video|"
    "tổng hợp|nhóm phóng viên|pv tổng hợp|bạn đọc".split("|")
)
# "by" as other languages' bylines write it ("Von Anna Sleegers", "Par Les Echos"): foreign
# pages and foreign layouts copied by Vietnamese sites; none is a Vietnamese syllable
_THEO = re.compile(r"^\s*(?:bài và ảnh|bài, ảnh|bài|ảnh|theo|nguồn|nguon|source|by|von|par|por|door|tác giả|thực hiện|trình bày|biên dịch|dịch)\s*:?\s+", re.I)
# people and outlets are listed with these; "và", "&" and "and" only inside a piece that is
# not an outlet's name as a whole ("Đời sống & Pháp luật" is one outlet)
_SPLIT = re.compile(r"\s*(?:[,;/|]|\s[-–—]\s)\s*")
_AND = re.compile(r"\s+(?:và|and|&|und|et|og)\s+", re.I)  # foreign "and"s that are no Vietnamese syllable
# a note in brackets after a name is its source or how it was made, never part of the name:
# "Minh Nga (Theo Reuters)", "Thanh Hà (tổng hợp)", "Thu Hằng (TTXVN)", "Vũ Hà (t/h)"
_NOTE = re.compile(r"\s*[(\[][^)\]]*(?:[)\]]|$)")
# an outlet's desk or channel: "VOV-Tây Bắc", "VOV1", "VTV24", "TTXVN-Hà Nội"
_DESK = re.compile(r"^(?P<head>[^\W\d_][\w.+]*?)(?:\d+|\s*[-–]\s*\w.*)$")
_DOMAIN = re.compile(r"\.(?:vn|com|net|org|info|tv|co)\b", re.I)
_TITLES = re.compile(
    r"^(?:ông|bà|anh|chị|ts\.?|ths\.?|pgs\.?(?:\s*ts\.?)?|gs\.?(?:\s*ts\.?)?|bs\.?(?:\s*ck[i12]*\.?)?|ls\.?|ks\.?|ds\.?|nhà báo|phóng viên|pv|ctv|"
    r"luật sư|bác sĩ|thạc sĩ|tiến sĩ|giáo sư|phó giáo sư|kỹ sư|kĩ sư|dược sĩ|nhà văn|nhà thơ|nhà nghiên cứu|chuyên gia)\s+",
    re.I,
)
_NAME_WORD = re.compile(r"^[^\W\d_](?:[^\W\d]|[.'’-])*$")  # a letter first, and no digit anywhere: "Covid-19" names no one
# lower-case words a foreign name may hold ("Ludwig van Beethoven", "Leonardo da Vinci")
_PARTICLES = frozenset("van von der den de da di del la le du bin al ibn y e".split())
# sections and menu items that a byline rule or a barely trained labeller can take for a
# name (Vietnamese names capitalise every word, so "Tài chính" fails that test already; these
# catch one-word items and lines in capitals)
SECTIONS = frozenset(
    _key(w) for w in "thời sự|kinh doanh|tài chính|doanh nghiệp|thế giới|giải trí|thể thao|pháp luật|giáo dục|sức khỏe|sức khoẻ|"
    "đời sống|du lịch|khoa học|công nghệ|số hóa|số hoá|xe|ô tô|xe máy|ý kiến|tâm sự|bất động sản|chứng khoán|văn hóa|văn hoá|"
    "xã hội|chính trị|quốc tế|kinh tế|thị trường|tiêu dùng|nhịp sống|gia đình|sao|âm nhạc|phim|thời trang|làm đẹp|ẩm thực|"
    "bóng đá|tin tức|tin mới|mới nhất|nổi bật|xem nhiều|trang chủ|video|podcast|emagazine|infographic|multimedia|tags|tag|"
    "chủ đề|liên hệ|quảng cáo|đăng nhập|đăng ký|chia sẻ|bình luận|theo dõi|đọc thêm|xem thêm|tiếp theo|quay lại|"
    # the formats Vietnamese sites print as a kicker above a title, in English, title-case like a name
    "infographics|e-magazine|magazine|longform|long-form|megastory|interactive|clip|spotlight|photo story|photostory|"
    "live|livestream|live stream|trực tiếp|tường thuật".split("|")
)
# common Vietnamese family names that start no common phrase: a byline in capitals of three
# words or more that starts with one is a full name ("NGUYỄN VĂN HÙNG"), not a heading in
# capitals (not "Hồ", "Lâm", "Đào", "Đoàn", "Vương", "Triệu", ...: "HỒ SƠ VỤ ÁN", "LÂM ĐỒNG",
# "ĐÀO TẠO NGHỀ", "ĐOÀN THANH NIÊN", "VƯƠNG QUỐC ANH", "TRIỆU USD")
SURNAMES = frozenset(
    _key(w) for w in "nguyễn|trần|lê|phạm|hoàng|huỳnh|phan|vũ|võ|đặng|bùi|đỗ|ngô|dương|trương|đinh|trịnh|phùng|tạ|quách".split("|")
)
# share buttons, form labels and language switchers: page chrome a labeller may call a byline
CHROME = frozenset(
    _key(w) for w in "facebook|twitter|zalo|email|e-mail|messenger|linkedin|pinterest|telegram|youtube|tiktok|instagram|"
    "google news|copy link|sao chép|sao chép liên kết|in bài|in|gửi|gửi bài|gửi ý kiến|báo lỗi|báo sai|họ tên|họ và tên|"
    "tên của bạn|tên|điện thoại|số điện thoại|nội dung|mã xác nhận|ý kiến của bạn|english|tiếng việt|tiếng anh|tiếng trung|"
    "français|francais|deutsch|español|espanol|русский|中文|日本語|한국어|ລາວ|ខ្មែរ|lao|khmer|english version|"
    # English interface words Vietnamese sites keep in their templates (buttons, store badges,
    # photo agencies): title-case like a name, never one
    "share|web share|print|image|images|photo|photos|related|tags|home|menu|search|login|log in|sign in|subscribe|"
    "newsletter|advertisement|ad policy|app store|google play|getty images|shutterstock|current issue|read more".split("|")
)
# a byline run into its agency, the markup between them lost: "Tâm HằngTTXVN", "Minh AnhVNA"
_GLUED_OUTLET = re.compile(r"(?<=[^\W\d_])(?P<tail>[A-ZĐ][A-ZĐ.]+(?:[-–].*)?)$")
# ... or into a share button after it: "Sarah LazareTwitter", "Minh AnhFacebook"
_GLUED_CHROME = re.compile(r"(?<=[^\W\d_])(?P<tail>[A-Z][a-z]+(?:\s[A-Z]?[a-z]+)?)$")
# JSON-LD and microdata types of an author that is not a person: the outlet itself
ORGANIZATION_TYPES = frozenset(
    "organization|newsmediaorganization|corporation|newsorganization|onlinebusiness|localbusiness|educationalorganization|"
    "governmentorganization|ngo|brand|website".split("|")
)
MAX_AUTHORS = 10


def _latin(text: str) -> bool:
    """Whether every letter of ``text`` is Latin (Vietnamese included): bylines of Vietnamese
    sites are; a language switcher's "Русский" or "中文" is not a name of theirs."""
    return all(unicodedata.name(ch, "").startswith("LATIN") for ch in text if ch.isalpha())


def _unglue(part: str, site_name: str | None) -> str:
    """``part`` without an outlet or a share button run into its last word ("Tâm HằngTTXVN"
    -> "Tâm Hằng", "Sarah LazareTwitter" -> "Sarah Lazare")."""
    found = _GLUED_OUTLET.search(part)
    if found and found.start() > 0 and part[found.start() - 1].islower() and is_outlet(found.group("tail"), site_name):
        return part[: found.start()].rstrip()
    found = _GLUED_CHROME.search(part)
    if found and found.start() > 0 and part[found.start() - 1].islower() and _key(found.group("tail")) in CHROME:
        return part[: found.start()].rstrip()
    return part


def is_outlet(text: str, site_name: str | None = None) -> bool:
    """Whether ``text`` names a news outlet (the page's own site included), not a person."""
    key = _key(text)
    if not key:
        return False
    site = _key(site_name or "")
    if key in OUTLETS or bool(_DOMAIN.search(key)) or (bool(site) and (key in site or site.endswith(key))) or key.startswith(("báo ", "tạp chí ", "đài ")):
        return True
    desk = _DESK.match(key)
    return bool(desk) and len(desk.group("head")) >= 3 and desk.group("head") in OUTLETS


def _is_name(text: str, any_script: bool = False) -> bool:
    """A person's name as bylines write them: 1-5 words starting with a letter, each
    word capitalised as Vietnamese names are ("Hạ Trắng", "Nguyễn Văn An", "Shin Hee",
    initials "H.N", "HN"; foreign particles such as "van" aside), and not a section or
    menu item ("Tài chính", "Doanh nghiệp", "THỂ THAO"). ``any_script``: a word may also
    start with a letter of a script without capitals ("渡辺洋介", "구현모")."""
    words = text.split()
    if not 1 <= len(words) <= 5 or len(text) > 60:
        return False
    if not all(_NAME_WORD.match(w) for w in words):
        return False
    if _key(text) in SECTIONS:
        return False
    if len(words) == 1 and len(words[0]) > 3 and words[0].islower():
        return False
    if len(words) >= 3 and text.isupper() and _key(words[0]) not in SURNAMES:  # a heading in capitals ("Ý KIẾN BẠN ĐỌC"), not a byline
        return False
    return all(
        w[:1].isupper() or (any_script and w[:1].isalpha() and not w[:1].islower()) or (i > 0 and w.lower() in _PARTICLES)
        for i, w in enumerate(words)
    )


def people(texts: Iterable[Any], site_name: str | None = None, refused: list[str] | None = None, structured: bool = False) -> list[str]:
    """Author names in byline lines or author fields (strings, JSON-LD Person objects,
    lists of either; URLs and outlets dropped), in order, without repeats. Pieces that
    are neither a name, an outlet nor a role (a menu item, a section, a tag, a sentence)
    are appended to ``refused`` when given. ``structured``: the texts are a page's author
    fields (JSON-LD, microdata, ``<meta>``), where a name in any script is a name; a byline
    line in another script than Latin is a language switcher's ("Русский")."""
    out: list[str] = []
    for text in _strings(texts):
        for piece in _SPLIT.split(_NOTE.sub("", _THEO.sub("", text.strip()))):
            piece = _THEO.sub("", piece.strip(" .:-–—()[]\"'"))
            if is_outlet(piece, site_name):
                continue
            for part in _AND.split(piece):
                part = _TITLES.sub("", _THEO.sub("", part.strip(" .:-–—()[]\"'"))).strip(" .:-–—()[]\"'")
                part = _unglue(part, site_name)
                if not part or part.lower().startswith(("http", "www.")) or "@" in part:
                    continue
                if _key(part) in ROLES or _key(part).split()[0] in ("nhóm", "ban") or is_outlet(part, site_name):
                    continue
                if not _is_name(part, structured) or _key(part) in CHROME or not (structured or _latin(part)):
                    if refused is not None and part not in refused:
                        refused.append(part)
                    continue
                if part not in out:
                    out.append(part)
                if len(out) >= MAX_AUTHORS:
                    return out
    return out


def _strings(values: Iterable[Any], depth: int = 0) -> list[str]:
    """The name strings of author values: a string, ``{"name": ...}``, lists of them."""
    out: list[str] = []
    if depth > 4:
        return out
    for value in values:
        if isinstance(value, str):
            if len(value) <= 300:
                out.append(value)
        elif isinstance(value, dict):
            if _is_organization(value.get("@type")):
                continue  # {"@type": "Organization", "name": "Báo X"}: the outlet, never a person
            name = value.get("name")
            out += _strings([name] if not isinstance(name, list) else name, depth + 1)
        elif isinstance(value, list):
            out += _strings(value[:20], depth + 1)
    return out


def _is_organization(kind: Any) -> bool:
    """Whether a JSON-LD ``@type`` (a string, a URL or a list of them) names an organization."""
    kinds = kind if isinstance(kind, list) else [kind]
    return any(isinstance(k, str) and k.rsplit("/", 1)[-1].strip().lower() in ORGANIZATION_TYPES for k in kinds[:10])
