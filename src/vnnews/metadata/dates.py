"""Dates as Vietnamese news pages write them, to ISO 8601.

Pages give dates in machine form (JSON-LD ``datePublished``, ``article:published_time``:
``2022-12-23T14:47:34+07:00``) and in the reader's form on the page itself:
"Thứ Ba, 23/06/2015 - 13:58", "23/06/2015 13:58 GMT+7", "09:00 ngày 12/03/2016",
"Tình yêu - Hôn nhân 05/03/2014 | 00:01", "ngày 23 tháng 6 năm 2015", "17 Tháng Năm, 2024",
"17 thg 5, 2024", "Cập nhật: ...", and English editions' "May 17, 2024" / "17 May 2024".
Some sites put the time in the URL (dantri.com.vn: ``...-20221223144734383.htm``).

:class:`When` is the result: the ISO string (with the +07:00 offset when a time is known:
Vietnamese sites write local time; a date alone stays a date), how precise it is, and
the words around it on the line (a section name before the date: "Tình yêu - Hôn nhân").
Nothing here raises on bad input: a date that does not exist (31/02), a year out of range
or a date in the future is no date (the caller records why).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

VIETNAM = dt.timezone(dt.timedelta(hours=7))
EARLIEST_YEAR = 1995  # the first Vietnamese news sites; earlier "dates" on a page are something else

_WEEKDAY = r"(?:thứ\s*(?:hai|ba|tư|năm|sáu|bảy|2|3|4|5|6|7)|chủ\s*nhật|cn)"
_NUMERIC = re.compile(
    r"(?<!\d)(?P<d>\d{1,2})\s*[/.\-]\s*(?P<m>\d{1,2})\s*[/.\-]\s*(?P<y>\d{4}|\d{2})(?!\d)"
)
_ISO_DATE = re.compile(r"(?<!\d)(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})(?!\d)")
# month names: Vietnamese ("tháng Năm", "tháng Chạp") and English, to their numbers
_VI_MONTHS = {"giêng": 1, "một": 1, "hai": 2, "ba": 3, "tư": 4, "bốn": 4, "năm": 5, "sáu": 6, "bảy": 7, "tám": 8, "chín": 9,
              "mười": 10, "mười một": 11, "mười hai": 12, "chạp": 12}
_EN_MONTHS = {m: i + 1 for i, m in enumerate("january february march april may june july august september october november december".split())}
_EN_MONTHS |= {m[:3]: i for m, i in list(_EN_MONTHS.items())} | {"sept": 9}
_VI_MONTH = "|".join(sorted(_VI_MONTHS, key=len, reverse=True))
_EN_MONTH = "|".join(sorted(_EN_MONTHS, key=len, reverse=True))
# "ngày 23 tháng 6 năm 2015", "17 Tháng 5, 2024", "17 tháng Năm 2024", "17 thg 5, 2024"
_WORDS = re.compile(rf"(?<!\d)(?P<d>\d{{1,2}})\s+(?:tháng|thg)\.?\s*(?P<m>\d{{1,2}}|{_VI_MONTH})(?:\s*,\s*|\s+năm\s+|\s+)(?P<y>\d{{4}})(?!\d)", re.I)
# English editions: "May 17, 2024", "17 May 2024"
_ENGLISH = re.compile(
    rf"\b(?:(?P<m>{_EN_MONTH})\.?\s+(?P<d>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<y>\d{{4}})"
    rf"|(?P<d2>\d{{1,2}})(?:st|nd|rd|th)?\s+(?P<m2>{_EN_MONTH})\.?,?\s+(?P<y2>\d{{4}}))(?!\d)", re.I)
_TIME = re.compile(r"(?<![\d/.\-])(?P<h>\d{1,2})\s*(?::|h)\s*(?P<mi>\d{2})(?:\s*:\s*(?P<s>\d{2}))?(?!\d)(?:\s*(?P<ampm>AM|PM|SA|CH))?", re.I)
_ZONE = re.compile(r"(?:GMT|UTC)\s*(?P<sign>[+-])\s*(?P<h>\d{1,2})(?::?(?P<m>\d{2}))?", re.I)
_URL_STAMP = re.compile(r"(?<!\d)(?P<stamp>20\d{12})(?:\d{0,3})(?!\d)")  # yyyymmddhhmmss (+ms), dantri-style ids
_URL_PATH = re.compile(r"/(?P<y>20\d{2})/(?P<m>\d{1,2})/(?P<d>\d{1,2})/")
_MODIFIED = re.compile(r"\b(cập\s*nhật|updated?|sửa\s*đổi|chỉnh\s*sửa)\b", re.I)
# what a page writes just before its date ("Đăng lúc:", "Cập nhật ngày", "Posted on"): a label, not a section name
_DATE_LABEL = re.compile(r"(?:(?:ngày\s+)?(?:đăng|xuất\s*bản|cập\s*nhật|published|posted|updated?)(?:\s+(?:lúc|ngày|vào|on|at))?|lúc|ngày|vào)\s*:?\s*$", re.I)
_WEEKDAY_WORD = re.compile(rf"(?<!\w){_WEEKDAY}(?!\w)\s*,?", re.I)  # a weekday anywhere before the date: not a section name


@dataclass(frozen=True)
class When:
    """A date found in text: ``iso`` (``2015-06-23T13:58:00+07:00`` or ``2015-06-23``),
    whether the time is known, the text before the date on its line (``prefix``), and
    whether the line says it is an update ("Cập nhật")."""

    iso: str
    has_time: bool
    prefix: str = ""
    modified: bool = False

    @property
    def day(self) -> str:
        return self.iso[:10]


def _year(raw: str) -> int:
    y = int(raw)
    if len(raw) == 2:  # two-digit years: this century up to next year, else the last one
        this = dt.date.today().year % 100
        y += 2000 if y <= this + 1 else 1900
    return y


def _month(raw: str) -> int:
    """A month's number from digits or its Vietnamese or English name (0: none)."""
    if raw.isdigit():
        return int(raw)
    key = " ".join(raw.lower().split()).rstrip(".")
    return _VI_MONTHS.get(key) or _EN_MONTHS.get(key) or 0


def _valid(y: int, m: int, d: int, now: dt.datetime | None = None) -> dt.date | None:
    try:
        day = dt.date(y, m, d)
    except ValueError:
        return None
    today = (now or dt.datetime.now(VIETNAM)).date()
    if y < EARLIEST_YEAR or day > today + dt.timedelta(days=1):
        return None
    return day


def parse_iso(value: str, now: dt.datetime | None = None) -> When | None:
    """A machine-written date (JSON-LD, ``article:published_time``): ISO 8601 with or
    without time and zone; converted to +07:00 when it has a time. None when not a date."""
    text = value.strip()
    if not text or len(text) > 64:
        return None
    try:
        stamp = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        match = _ISO_DATE.search(text) or _NUMERIC.search(text)
        if not match:
            return None
        return parse_text(text, now)
    if _valid(stamp.year, stamp.month, stamp.day, now) is None:
        return None
    has_time = "T" in text or " " in text.strip() and ":" in text
    if not has_time:
        return When(stamp.date().isoformat(), False)
    if stamp.tzinfo is None:
        stamp = stamp.replace(tzinfo=VIETNAM)
    local = stamp.astimezone(VIETNAM)
    if _valid(local.year, local.month, local.day, now) is None:
        return None
    return When(local.replace(microsecond=0).isoformat(), True)


def parse_text(text: str, now: dt.datetime | None = None) -> When | None:
    """The first valid date written the reader's way in ``text`` (a dateline line), with
    its time (the nearest ``hh:mm`` or ``hh'h'mm`` on the line) and zone (GMT+7 assumed).
    None when the line holds no date that exists and is not in the future."""
    found = parse_all(text, now)
    return found[0] if found else None


def parse_all(text: str, now: dt.datetime | None = None) -> list[When]:
    """Every valid date on a dateline line, in order: "17/05/2024 08:30 | Cập nhật:
    17/05/2024 10:00" holds the publication and the update. Each date owns the text from
    the previous date to the next one; it takes the time nearest it on the line, the zone
    written in its span, and is an update when "Cập nhật" / "Updated" comes before it there."""
    if not text or len(text) > 300:
        return []
    spans: list[tuple[int, int, dt.date]] = []
    for pattern in (_NUMERIC, _WORDS, _ISO_DATE, _ENGLISH):
        for match in pattern.finditer(text):
            g = match.groupdict()  # _ENGLISH names its second order's groups y2, m2, d2
            day = _valid(_year(g["y"] or g.get("y2")), _month(g["m"] or g.get("m2")), int(g["d"] or g.get("d2")), now)
            if day is not None:
                spans.append((match.start(), match.end(), day))
    spans.sort(key=lambda x: (x[0], -x[1]))
    kept: list[tuple[int, int, dt.date]] = []
    for span in spans:
        if not kept or span[0] >= kept[-1][1]:
            kept.append(span)
    # each time on the line belongs to the date nearest it ("Cập nhật: 18/05/2024 10:00 |
    # Đăng: 17/05/2024 08:30"; "09:00 ngày 12/03/2016"), inside that date's span
    clocks: dict[int, re.Match[str]] = {}
    for clock in _TIME.finditer(text):
        if any(a <= clock.start() < b for a, b, _ in kept):
            continue  # inside a date
        near = min(range(len(kept)), key=lambda k: min(abs(clock.start() - kept[k][1]), abs(kept[k][0] - clock.end())), default=None)
        if near is not None and near not in clocks:
            clocks[near] = clock
    out: list[When] = []
    for k, (start, end, day) in enumerate(kept):
        before = text[kept[k - 1][1] if k else 0 : start]
        after = text[end : kept[k + 1][0] if k + 1 < len(kept) else len(text)]
        when = _when(day, before, after, clocks.get(k), now)
        if when is not None:
            out.append(when)
    return out


def _when(day: dt.date, before: str, after: str, clock: re.Match[str] | None, now: dt.datetime | None) -> When | None:
    """The date ``day`` at ``clock`` (its time on the line, if any), in the zone written
    after it (else before it; else +07:00), with the words before it (``before`` and
    ``after``: its own span of the line)."""
    prefix = _WEEKDAY_WORD.sub("", _ZONE.sub("", _TIME.sub("", before))).strip(" ,-|–:()")
    prefix = _DATE_LABEL.sub("", prefix).strip(" ,-|–:")
    modified = bool(_MODIFIED.search(before))
    if clock is None:
        return When(day.isoformat(), False, prefix, modified)
    hour, minute = int(clock.group("h")), int(clock.group("mi"))
    second = int(clock.group("s") or 0)
    ampm = (clock.group("ampm") or "").upper()
    if ampm in ("PM", "CH") and hour < 12:
        hour += 12
    elif ampm in ("AM", "SA") and hour == 12:
        hour = 0
    if hour > 23 or minute > 59 or second > 59:
        return When(day.isoformat(), False, prefix, modified)
    zone = _ZONE.search(after) or _ZONE.search(before)
    tz = VIETNAM
    if zone:
        offset = dt.timedelta(hours=int(zone.group("h")), minutes=int(zone.group("m") or 0))
        tz = dt.timezone(offset if zone.group("sign") == "+" else -offset)
    stamp = dt.datetime(day.year, day.month, day.day, hour, minute, second, tzinfo=tz).astimezone(VIETNAM)
    if _valid(stamp.year, stamp.month, stamp.day, now) is None:
        return None
    return When(stamp.isoformat(), True, prefix, modified)


def parse_url(url: str, now: dt.datetime | None = None) -> When | None:
    """A date in an article URL: a dantri-style id (``-20221223144734383.htm``: year,
    month, day, hours, minutes, seconds) or a ``/2022/12/23/`` path."""
    if not url:
        return None
    path = url.split("?", 1)[0]
    for match in _URL_STAMP.finditer(path):
        s = match.group("stamp")
        try:
            stamp = dt.datetime(int(s[:4]), int(s[4:6]), int(s[6:8]), int(s[8:10]), int(s[10:12]), int(s[12:14]), tzinfo=VIETNAM)
        except ValueError:
            continue
        if _valid(stamp.year, stamp.month, stamp.day, now) is not None:
            return When(stamp.isoformat(), True)
    match = _URL_PATH.search(path)
    if match:
        day = _valid(int(match.group("y")), int(match.group("m")), int(match.group("d")), now)
        if day is not None:
            return When(day.isoformat(), False)
    return None
