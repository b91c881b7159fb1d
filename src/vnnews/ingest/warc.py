"""WARC files (``.warc``, ``.warc.gz``): how Common Crawl News and newsroom crawlers
(StormCrawler, Heritrix, wget, browsertrix) deliver pages.

Every HTML ``response`` record with HTTP status 200 becomes one article: its id is the
file's id and the record's id (``CC-NEWS-2026.../<uuid>``: a record is processed once, and
a resumed job skips it), ``url`` the record's target URI (the base of relative links),
``crawl_date`` the record's date, and the body is decoded with the HTTP charset, else as
files are. Other responses (a redirect, an image, a 404) are reported with the reason and
skipped; request, metadata and warcinfo records are not pages and are passed over. A
record over ``max_page_bytes`` is reported without being read into memory; a broken or
cut-off record ends the file with an error naming where, and what was read stays.

FastWARC is used where installed (``pip install vnnews[warc]``, C++: about ten times
warcio's speed), else warcio (pure Python); without either, the file is one error naming
the extra.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

from vnnews import urls
from vnnews.ingest.remote import open_input

HTML_TYPES = ("text/html", "application/xhtml+xml")


@dataclass
class WarcPage:
    """One response record, before its HTML is read."""

    record_id: str
    url: str
    date: str | None
    status: int | None
    content_type: str
    charset: str | None
    length: int
    read: Callable[[], bytes]


def backend() -> str | None:
    """"fastwarc", "warcio", or None when neither is installed."""
    for name in ("fastwarc", "warcio"):
        try:
            __import__(name)
            return name
        except ImportError:
            continue
    return None


def parse_bound(value: str | None, name: str = "since", end: bool = False) -> datetime | None:
    """``since``/``until`` as an aware datetime (UTC when no zone is given); a bare date is
    the start of that day, or its end for ``until``. ValueError naming the key otherwise."""
    if value is None or value == "":
        return None
    text = str(value).strip()
    try:
        when = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"{name} must be an ISO date or time (2026-07-01, 2026-07-01T08:00:00Z), got {value!r}") from None
    if len(text) <= 10 and end:
        when = when + timedelta(days=1) - timedelta(microseconds=1)
    return when if when.tzinfo else when.replace(tzinfo=timezone.utc)


def wanted(page: WarcPage, since: datetime | None, until: datetime | None, sites: tuple[str, ...]) -> bool:
    """Whether a record is inside the crawl dates and sites asked for (read from its WARC
    headers: nothing of the page is read for this)."""
    if sites:
        host = urls.host(page.url)
        if not any(host == site or host.endswith("." + site) for site in sites):
            return False
    if since is not None or until is not None:
        try:
            when = parse_bound(page.date, "WARC-Date")
        except ValueError:
            return False
        if when is None or (since is not None and when < since) or (until is not None and when > until):
            return False
    return True


def record_uuid(record_id: str) -> str:
    """``<urn:uuid:1234-...>`` -> ``1234-...`` (a path-safe id part)."""
    rid = record_id.strip().strip("<>")
    return rid.rsplit(":", 1)[-1] if rid.lower().startswith("urn:") else "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in rid)


def _fastwarc(path: Path) -> Iterator[WarcPage]:
    from fastwarc.warc import ArchiveIterator, WarcRecordType

    with open_input(path) as stream:
        for record in ArchiveIterator(stream, record_types=WarcRecordType.response, parse_http=True, fsspec_args=False):
            http = record.http_headers
            content_type = (record.http_content_type or "").lower()
            yield WarcPage(
                record.record_id or "",
                record.headers.get("WARC-Target-URI", "") or "",
                record.headers.get("WARC-Date"),
                http.status_code if http is not None else None,
                content_type,
                record.http_charset,
                int(record.content_length or 0),
                record.reader.read,
            )


def _warcio(path: Path) -> Iterator[WarcPage]:
    from warcio.archiveiterator import ArchiveIterator

    with open_input(path) as stream:
        for record in ArchiveIterator(stream):
            if record.rec_type != "response":
                continue
            http = record.http_headers
            raw_type = (http.get_header("Content-Type") or "") if http is not None else ""
            content_type = raw_type.split(";", 1)[0].strip().lower()
            charset = next((part.split("=", 1)[1].strip(" \"'") for part in raw_type.split(";")[1:] if part.strip().lower().startswith("charset=")), None)
            status = http.get_statuscode() if http is not None else None
            yield WarcPage(
                record.rec_headers.get_header("WARC-Record-ID") or "",
                record.rec_headers.get_header("WARC-Target-URI") or "",
                record.rec_headers.get_header("WARC-Date"),
                int(status) if status and str(status).isdigit() else None,
                content_type,
                charset,
                int(record.rec_headers.get_header("Content-Length") or 0),
                record.content_stream().read,
            )


def warc_pages(
    path: Path, on_skip: Callable[[str, str], None], prefer: str | None = None, since: str | None = None, until: str | None = None, sites: tuple[str, ...] = ()
) -> Iterator[WarcPage]:
    """The HTML 200 responses of ``path`` crawled between ``since`` and ``until`` from
    ``sites`` (all when not given; those outside are passed over, read no further); every
    other response goes to ``on_skip(record id or URL, reason)``. Raises ImportError naming
    the extra when no WARC library is installed."""
    name = prefer or backend()
    if name is None:
        raise ImportError("reading WARC files needs FastWARC or warcio: pip install 'vnnews[warc]'")
    start, end = parse_bound(since, "since"), parse_bound(until, "until", end=True)
    for page in (_fastwarc if name == "fastwarc" else _warcio)(path):
        if not wanted(page, start, end, sites):
            continue
        where = page.url or page.record_id
        if page.status != 200:
            on_skip(where, f"HTTP {page.status} response, not a page" if page.status else "a response without an HTTP status")
        elif page.content_type and not page.content_type.startswith(HTML_TYPES):
            on_skip(where, f"{page.content_type} response, not HTML")
        else:
            yield page


__all__ = ["HTML_TYPES", "WarcPage", "backend", "parse_bound", "record_uuid", "wanted", "warc_pages"]
