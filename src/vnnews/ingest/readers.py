"""Inputs to Articles: page dumps (.txt), HTML (.html/.htm), JSONL, directories
(recursively) and gzip of any of these, and Parquet (rows read as JSONL records).

Bad input never stops a run: an unreadable file, an empty page or a malformed
JSONL line becomes an :class:`IngestError` (file, line, cause) passed to
``on_error``, and reading goes on with the next input. What one input may cost
is bounded (:class:`IngestOptions`): bytes of a page or a record once
decompressed, HTML elements and lines of a page; a gzip stream cut short or
followed by junk yields every complete record before the damage.
"""

from __future__ import annotations

import json
import logging
import os
import stat
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from lxml.etree import LxmlError

from vnnews.deadline import PageTimeout, time_limit
from vnnews.ingest.article import Article, IngestError, Line, lone_surrogate, printable
from vnnews.ingest.decode import DecodeError, declared_charset, decode_bytes
from vnnews.ingest.html import HtmlLimits, PageTooLarge, read_html
from vnnews.ingest.remote import is_remote, list_files, protocol
from vnnews.ingest.remote import name as remote_name
from vnnews.ingest.remote import size as remote_size
from vnnews.ingest.streams import InputProblem, iter_lines, read_bytes
from vnnews.text.normalize import ToneStyle, normalize

T = TypeVar("T")

log = logging.getLogger(__name__)

TEXT_SUFFIXES = (".txt",)
HTML_SUFFIXES = (".html", ".htm")
JSONL_SUFFIXES = (".jsonl",)
PARQUET_SUFFIXES = (".parquet",)  # rows are records with the fields of a JSONL record (vnnews infer's output too)
WARC_SUFFIXES = (".warc",)  # crawls: every HTML response record is a page (vnnews.ingest.warc)
SUPPORTED_SUFFIXES = TEXT_SUFFIXES + HTML_SUFFIXES + JSONL_SUFFIXES + PARQUET_SUFFIXES + WARC_SUFFIXES
STRUCTURED_FIELDS = ("title", "lead", "body", "captions")

ErrorHandler = Callable[[IngestError], None]
URL_INPUT = "is a URL: vnnews reads files and does not fetch pages; save the page first (curl -o page.html URL) and give the file"


def is_url(item: object) -> bool:
    """An input given as the address of a page (``https://...``), which vnnews refuses: it
    reads files and never fetches a page. Remote storage (``s3://bucket/crawl/``, an https
    listing or collection: :mod:`vnnews.ingest.remote`) is read, not refused."""
    return isinstance(item, str) and protocol(item) is not None and not is_remote(item)
DEFAULT_MAX_PAGE_LINES = 50_000  # real pages have a few thousand at most; 1.5M lines cost 2 GB and make one 100 MB record
DEFAULT_MAX_PAGE_BYTES = 32 << 20  # real pages, inline scripts included, stay far below
DEFAULT_PAGE_TIME_LIMIT_S = 60.0  # a real page is read in milliseconds; the largest allowed in seconds


@dataclass(frozen=True)
class IngestOptions:
    """How raw text becomes Article lines. ``tone_style`` is passed to
    :func:`vnnews.text.normalize` (None keeps marks as written). The ``max_page_*``
    budgets bound what one input may cost; past one, the input is an error naming the
    budget, and the others are read."""

    tone_style: ToneStyle | None = "new"
    max_records: int | None = None  # JSONL: stop after the first N records of each file (samples, demos)
    max_page_bytes: int | None = DEFAULT_MAX_PAGE_BYTES  # a page file, or one JSONL line, once decompressed
    max_page_elements: int = 200_000  # HTML elements of one page
    max_page_lines: int | None = DEFAULT_MAX_PAGE_LINES  # lines of one page (the service sets its max_lines)
    follow_symlinks: bool = True  # links inside an input folder that point inside it (others are reported)
    # WARC records outside these are passed over before their HTML is read: crawl dates
    # (ISO dates or times, both ends included) and sites (a host and its subdomains)
    since: str | None = None
    until: str | None = None
    sites: tuple[str, ...] = ()
    # only pages written in these languages (ISO 639-1; vnnews.language) reach the caller,
    # the others are an error naming the language; None (or "all") keeps every page
    languages: tuple[str, ...] | None = None
    # seconds one page may take to be read (decoded, parsed, cleaned into lines): past it the
    # page is an error and the next is read (vnnews.deadline); None: no limit
    page_time_limit_s: float | None = DEFAULT_PAGE_TIME_LIMIT_S
    # HTML pages: also note which lines trafilatura keeps (vnnews.ingest.second_opinion), the
    # evidence the page labeller's decoding weighs its unsure article lines against. For jobs
    # whose model reads it; off for the rules, the dataset and training (it costs a second
    # extraction of the page, within page_time_limit_s)
    second_opinion: bool = False

    def __post_init__(self) -> None:
        from vnnews.ingest.warc import parse_bound
        from vnnews.language import check_languages

        object.__setattr__(self, "languages", check_languages(self.languages))  # frozen; an unknown code is refused here

        object.__setattr__(self, "sites", tuple(s.strip().lower().removeprefix("www.") for s in self.sites if s and s.strip()))  # frozen
        for name in ("since", "until"):
            parse_bound(getattr(self, name), name, end=name == "until")  # a bad date is refused when the config loads
        for name in ("max_page_bytes", "max_page_lines", "max_records"):
            value = getattr(self, name)
            if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 1):
                raise ValueError(f"{_KEYS.get(name, name)} must be a whole number >= 1 or null (no limit), got {value!r}")
        limit = self.page_time_limit_s
        if limit is not None and (isinstance(limit, bool) or not isinstance(limit, (int, float)) or not limit > 0):
            raise ValueError(f"page_time_limit_s must be a number of seconds > 0 or null (no limit), got {limit!r}")
        if not isinstance(self.second_opinion, bool):
            raise ValueError(f"second_opinion must be true or false, got {self.second_opinion!r}")
        if isinstance(self.max_page_elements, bool) or not isinstance(self.max_page_elements, int) or self.max_page_elements < 1:
            raise ValueError(f"max_page_elements must be a whole number >= 1, got {self.max_page_elements!r}")

    @property
    def html_limits(self) -> HtmlLimits:
        return HtmlLimits(self.max_page_elements, self.max_page_lines)

    @classmethod
    def from_config(cls, config: Any, **overrides: Any) -> IngestOptions:
        """The options a stage's config sets (``tone_style``, ``max_records_per_file``,
        ``max_page_bytes``, ``max_page_elements``, ``follow_symlinks``: each where the
        config has it), then ``overrides``. One reading of those keys for every command."""
        names = {"tone_style": "tone_style", "max_records_per_file": "max_records", "max_page_bytes": "max_page_bytes",
                 "max_page_elements": "max_page_elements", "max_page_lines": "max_page_lines", "follow_symlinks": "follow_symlinks",
                 "since": "since", "until": "until", "sites": "sites", "languages": "languages", "page_time_limit_s": "page_time_limit_s",
                 "second_opinion": "second_opinion"}
        values = {option: getattr(config, key) for key, option in names.items() if hasattr(config, key)}
        if "sites" in values:
            values["sites"] = tuple(values["sites"] or ())
        return cls(**{**values, **overrides})


_KEYS = {"max_records": "max_records_per_file"}  # the config key of an option named otherwise


def _log_error(error: IngestError) -> None:
    log.warning("skipped %s", error)


def _kind(path: Path | str) -> tuple[str | None, bool]:
    """(format, gzipped) from the file name (of a local path, or a remote file's URL); format None if unsupported."""
    name = (path.name if isinstance(path, Path) else remote_name(path)).lower()
    gz = name.endswith(".gz")
    if gz:
        name = name[:-3]
    for fmt, suffixes in (("txt", TEXT_SUFFIXES), ("html", HTML_SUFFIXES), ("jsonl", JSONL_SUFFIXES), ("parquet", PARQUET_SUFFIXES), ("warc", WARC_SUFFIXES)):
        if name.endswith(suffixes):
            return fmt, gz
    return None, gz


def _stem_id(rel: Path) -> str:
    """Article id from a path relative to its input root: suffixes dropped, '/' kept
    (bytes of a file name that are not UTF-8 written as escapes, see ``printable``)."""
    name = rel.name
    if name.lower().endswith(".gz"):
        name = name[:-3]
    name = name.rsplit(".", 1)[0] if "." in name else name
    return printable((rel.parent / name).as_posix() if rel.parent != Path(".") else name)


def _check_lines(count: int, options: IngestOptions) -> None:
    if options.max_page_lines is not None and count > options.max_page_lines:
        raise PageTooLarge(f"more than {options.max_page_lines:,} lines (max_page_lines): skipped (raise max_page_lines to read it)")


def _lines_from_text(text: str, options: IngestOptions) -> list[Line]:
    if options.max_page_lines is not None and text.count("\n") > options.max_page_lines:  # before cleaning costs anything
        _check_lines(sum(1 for t in text.split("\n") if t.strip()), options)
    lines = [Line(t) for t in normalize(text, tone_style=options.tone_style).split("\n") if t]
    _check_lines(len(lines), options)
    return lines


def _lines_from_html(html: str, options: IngestOptions, label_attr: str | None = None) -> tuple[list[Line], dict[str, Any]]:
    raw, meta, root = read_html(html, label_attr, options.html_limits)
    lines = []
    for line in raw:
        text = normalize(line.text, tone_style=options.tone_style, keep_newlines=False)
        if text:
            lines.append(Line(text, line.tag_path, round(line.link_density, 4), line.label, line.src))
    if "candidates" in meta:  # compared with lines, so normalised like them
        meta["candidates"] = {
            kind: [t for t in (normalize(v, tone_style=options.tone_style, keep_newlines=False) for v in values) if t]
            for kind, values in meta["candidates"].items()
        }
    if options.second_opinion and lines and root is not None:
        from vnnews.ingest.second_opinion import META_KEY, second_opinion

        # trafilatura reads the tree parsed above (its own parse of the page saved; it may change the tree, which is not read again)
        opinion = second_opinion(root, [line.text for line in lines], options.tone_style, normalized=True)
        if opinion is not None:
            meta[META_KEY] = opinion
    return lines, meta


def structured_lines(record: dict[str, Any], options: IngestOptions) -> list[Line]:
    """Labelled lines from a structured record (title, lead, body sentences,
    captions). Captions have no position in such records; they are placed after
    the first body paragraph, where news pages usually show the lead image."""

    def norm(name: str, value: Any) -> list[str]:
        values = value if isinstance(value, list) else [value] if value else []
        out = []
        for v in values:
            if not isinstance(v, str):
                raise ValueError(f"field {name!r}: expected text, got {type(v).__name__}")
            t = normalize(v, tone_style=options.tone_style, keep_newlines=False)
            if t:
                out.append(t)
        return out

    title, lead, body, captions = (norm(f, record.get(f)) for f in STRUCTURED_FIELDS)
    lines = [Line(t, label="title") for t in title] + [Line(t, label="lead") for t in lead]
    body_lines = [Line(t, label="body") for t in body]
    caption_lines = [Line(t, label="caption") for t in captions]
    _check_lines(len(lines) + len(body_lines) + len(caption_lines), options)
    return lines + body_lines[:1] + caption_lines + body_lines[1:]


def _bad_content(exc: Exception) -> str:
    """The cause of content that could not be turned into lines."""
    if isinstance(exc, RecursionError):
        return "nested too deeply"
    if isinstance(exc, PageTooLarge):
        return f"page too large: {exc}"
    return str(exc)


_CONTENT_ERRORS = (ValueError, LxmlError, RecursionError)  # PageTooLarge is a ValueError


def _read_page(path: Path, fmt: str, gz: bool, article_id: str, options: IngestOptions) -> Article:
    source = printable(str(path))
    try:
        data = read_bytes(path, gz, options.max_page_bytes)
    except InputProblem as exc:
        raise IngestError(source, exc.cause) from None
    except OSError as exc:
        raise IngestError(source, f"cannot read: {exc.strerror or exc}") from None
    return _page_article(data, fmt, article_id, source, options)


@contextmanager
def _within_time(options: IngestOptions, source: str, line: int | None = None) -> Iterator[None]:
    """Reading one page within ``options.page_time_limit_s``; past it an IngestError."""
    try:
        with time_limit(options.page_time_limit_s):
            yield
    except PageTimeout:
        raise IngestError(source, f"took more than page_time_limit_s={options.page_time_limit_s:g} s to read: skipped (raise page_time_limit_s to read it)", line) from None


def _page_article(data: bytes, fmt: str, article_id: str, source: str, options: IngestOptions, charset: str | None = None) -> Article:
    """The article of one page's bytes (``fmt`` html or txt): decoded (``charset`` when the
    transport names one, else what an HTML page declares), cleaned into lines, within the
    page time limit; IngestError naming ``source`` otherwise. Page files and WARC records
    both come through here."""
    with _within_time(options, source):
        return _clean_page(data, fmt, article_id, source, options, charset)


def _clean_page(data: bytes, fmt: str, article_id: str, source: str, options: IngestOptions, charset: str | None) -> Article:
    try:
        text, encoding = decode_bytes(data, charset or (declared_charset(data) if fmt == "html" else None))
    except DecodeError as exc:
        raise IngestError(source, str(exc)) from None
    meta: dict[str, Any] = {"format": fmt, "encoding": encoding}
    if fmt == "html":
        try:
            lines, html_meta = _lines_from_html(text, options)
        except PageTooLarge as exc:
            raise IngestError(source, _bad_content(exc)) from None
        except _CONTENT_ERRORS as exc:
            raise IngestError(source, f"unparseable HTML: {_bad_content(exc)}") from None
        meta.update(html_meta)
    else:
        try:
            lines = _lines_from_text(text, options)
        except PageTooLarge as exc:
            raise IngestError(source, _bad_content(exc)) from None
    if not lines:
        raise IngestError(source, "no text left after cleaning")
    return Article(article_id, source, lines, meta)


def article_from_content(
    article_id: str,
    source: str,
    text: str | None = None,
    html: str | None = None,
    lines: list[str] | None = None,
    options: IngestOptions | None = None,
) -> Article:
    """An article from content held in memory (a request body, a notebook cell):
    a page dump (``text``, one block per line), ``html``, or ready ``lines``.
    Cleaned exactly as files are; raises IngestError when nothing is left."""
    options = options or IngestOptions()
    meta: dict[str, Any] = {}
    try:
        if html is not None:
            found, html_meta = _lines_from_html(html, options)
            meta.update(html_meta, format="html")
        elif lines is not None:
            _check_lines(len(lines), options)
            found = [line for t in lines for line in _lines_from_text(t.replace("\n", " "), options)]
            meta["format"] = "lines"
        else:
            found = _lines_from_text(text or "", options)
            meta["format"] = "text"
    except PageTooLarge as exc:
        raise IngestError(source, _bad_content(exc)) from None
    except _CONTENT_ERRORS as exc:
        raise IngestError(source, f"unparseable content: {_bad_content(exc)}") from None
    if not found:
        raise IngestError(source, "no text left after cleaning")
    return Article(article_id, source, found, meta)


def _record_article(record: Any, path: Path, lineno: int, default_id: str, options: IngestOptions) -> Article:
    """The article of one JSONL line or Parquet row, within the page time limit."""
    with _within_time(options, str(path), lineno):
        return _record_page(record, path, lineno, default_id, options)


def _record_page(record: Any, path: Path, lineno: int, default_id: str, options: IngestOptions) -> Article:
    source = printable(f"{path}:{lineno}")
    if not isinstance(record, dict):
        raise IngestError(str(path), f"expected a JSON object, got {type(record).__name__}", lineno)
    rid = record.get("id", default_id)
    if isinstance(rid, bool) or not isinstance(rid, (str, int)) or str(rid).strip() == "":
        raise IngestError(str(path), f"field 'id' must be a non-empty string or a whole number, got {_describe(rid)}", lineno)
    rid = str(rid)
    if (where := lone_surrogate(rid)) is not None:
        raise IngestError(
            str(path), f"field 'id' is not valid Unicode: a lone surrogate U+{ord(rid[where]):04X} at character {where + 1} ({printable(rid)!r}); no output can store it", lineno
        )
    meta: dict[str, Any] = {k: record[k] for k in ("url", "date", "category") if k in record}
    label_source = None
    for name in ("html", "text"):
        if name in record and record[name] is not None and not isinstance(record[name], str):
            raise IngestError(str(path), f"field {name!r} must be a string, got {type(record[name]).__name__}", lineno, rid)
    try:
        if isinstance(record.get("html"), str):
            lines, html_meta = _lines_from_html(record["html"], options)
            meta.update(html_meta, format="jsonl-html")
        elif isinstance(record.get("text"), str) and not _has_parts(record):
            lines = _lines_from_text(record["text"], options)
            meta["format"] = "jsonl-text"
        elif any(f in record for f in STRUCTURED_FIELDS):
            lines = structured_lines(record, options)
            meta["format"] = "jsonl-structured"
            label_source = "structured"
        else:
            raise IngestError(
                str(path), "record has none of the fields 'text', 'html' or 'title'/'lead'/'body'/'captions'", lineno, rid
            )
    except PageTooLarge as exc:
        raise IngestError(str(path), _bad_content(exc), lineno, rid) from None
    except _CONTENT_ERRORS as exc:
        raise IngestError(str(path), f"bad record: {_bad_content(exc)}", lineno, rid) from None
    if not lines:
        raise IngestError(str(path), "no text left after cleaning", lineno, rid)
    return Article(rid, source, lines, meta, label_source)


def _has_parts(record: dict[str, Any]) -> bool:
    """A record with its lead, body or captions apart is structured even when it also has a
    ``text`` (vnnews's own output records carry the reading text beside the parts: read
    back, they keep their labels)."""
    return any(record.get(f) not in (None, "", []) for f in ("lead", "body", "captions"))


def _describe(value: Any) -> str:
    """A value as an error message shows it, whatever its type (JSON's or Parquet's:
    timestamps, decimals, bytes), cut to a readable length."""
    if value is None or isinstance(value, (bool, int, float)):
        return json.dumps(value)
    text = printable(repr(value))
    return f"{type(value).__name__} {text[:80]}{'...' if len(text) > 80 else ''}"


def _read_jsonl(
    path: Path, gz: bool, stem: str, options: IngestOptions, on_error: ErrorHandler, part: tuple[int, int] = (0, 1)
) -> Iterator[Article]:
    """Stream records one line at a time, so a file of any size uses flat memory (a
    line is at most ``max_page_bytes``). ``part=(k, n)`` keeps only lines k, k+n, k+2n,
    ... (for parallel readers). A cut or junk-tailed gzip stream yields every complete
    line before the damage, then an error saying where reading stopped."""
    k, n = part
    try:
        yield from _jsonl_records(path, gz, stem, options, on_error, part)
    except InputProblem as exc:
        if k == 0:  # every part reader meets it: the first reports it
            on_error(IngestError(str(path), exc.cause, exc.line))


NOT_JSONL_AFTER = 5  # lines that all fail to parse, with none read, before a file is called not JSONL


def _jsonl_records(path: Path, gz: bool, stem: str, options: IngestOptions, on_error: ErrorHandler, part: tuple[int, int]) -> Iterator[Article]:
    """Records of one JSONL file. A file whose first ``NOT_JSONL_AFTER`` lines (or all of
    them, if fewer) are none of them JSON is not JSONL (random bytes, a binary named
    .jsonl): one error says so and the file is skipped, instead of one error per chance
    newline. The verdict is on the file's first lines whatever the part (``part=(k, n)``
    readers agree on it) and only part 0 reports it."""
    k, n = part

    def mine(line: int | None) -> bool:
        return ((line or 1) - 1) % n == k

    deciding = True  # until a line parses or NOT_JSONL_AFTER lines have failed
    failed: list[IngestError] = []  # the file's failed lines before the verdict
    for lineno, data, problem in iter_lines(path, gz, options.max_page_bytes):
        if options.max_records is not None and lineno > options.max_records:
            break
        ours = mine(lineno)
        if not ours and not deciding:
            continue
        record, error = _parse_line(path, lineno, data, problem)
        if deciding:
            if error is not None:
                failed.append(error)
                if len(failed) >= NOT_JSONL_AFTER:
                    if k == 0:
                        on_error(_not_jsonl(path, failed))
                    return
                continue
            if record is _BLANK:
                continue
            deciding = False  # a JSON line: a JSONL file, its earlier bad lines errors of their own
            for earlier in failed:
                if mine(earlier.line):
                    on_error(earlier)
        if not ours:
            continue
        if error is not None:
            on_error(error)
            continue
        if record is _BLANK:
            continue
        try:
            yield _record_article(record, path, lineno, f"{stem}-{lineno}", options)
        except IngestError as exc:
            on_error(exc)
    if deciding and len(failed) > 1:  # a short file, no line of it JSON
        if k == 0:
            on_error(_not_jsonl(path, failed))
    elif deciding and failed and mine(failed[0].line):
        on_error(failed[0])


_BLANK = object()


def _not_jsonl(path: Path, errors: list[IngestError]) -> IngestError:
    return IngestError(str(path), f"not a JSONL file: its first {len(errors)} lines are not JSON records (line {errors[0].line}: {errors[0].cause}); skipped")


def _parse_line(path: Path, lineno: int, data: bytes | None, problem: str | None) -> tuple[Any, IngestError | None]:
    """One JSONL line as a value (``_BLANK`` for an empty line), or the error it is."""
    if data is None:
        return None, IngestError(str(path), problem or "unreadable line", lineno)
    if lineno == 1 and data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    if not data.strip():
        return _BLANK, None
    try:
        return json.loads(data.decode("utf-8")), None
    except UnicodeDecodeError as exc:
        return None, IngestError(str(path), f"not UTF-8 (JSON must be): {exc.reason}", lineno)
    except json.JSONDecodeError as exc:
        return None, IngestError(str(path), f"malformed JSON: {exc.msg} at column {exc.colno}", lineno)
    except RecursionError:
        return None, IngestError(str(path), "JSON nested too deeply to read", lineno)
    except ValueError as exc:  # e.g. an integer of more digits than Python converts
        return None, IngestError(str(path), f"unreadable JSON: {exc}", lineno)


def _read_parquet(path: Path, stem: str, options: IngestOptions, on_error: ErrorHandler, part: tuple[int, int] = (0, 1)) -> Iterator[Article]:
    """Rows of a Parquet file as JSONL records (same fields, same checks, a null
    read as an absent field; row i is "line" i, counted from 1), streamed so memory stays
    flat; every row meets ``max_page_bytes`` before it is decoded (:mod:`vnnews.ingest.parquet`).
    ``part=(k, n)`` as for JSONL."""
    import pyarrow as pa

    from vnnews.ingest.parquet import iter_rows

    k, n = part
    lineno = 0
    try:
        for lineno, record, problem in iter_rows(path, options.max_page_bytes):
            if options.max_records is not None and lineno > options.max_records:
                return
            if (lineno - 1) % n != k:
                continue
            if record is None:
                on_error(IngestError(str(path), problem or "unreadable row", lineno))
                continue
            record = {key: value for key, value in record.items() if value is not None}  # null: the field is absent
            try:
                yield _record_article(record, path, lineno, f"{stem}-{lineno}", options)
            except IngestError as exc:
                on_error(exc)
    except (OSError, pa.ArrowException) as exc:
        on_error(IngestError(str(path), f"cannot read Parquet: {exc}", lineno + 1 if lineno else None))
    except MemoryError:
        on_error(IngestError(str(path), "cannot read Parquet: out of memory decoding it (lower max_page_bytes or split the file)", lineno + 1 if lineno else None))


def _not_regular(path: Path) -> str | None:
    """Why ``path`` cannot be read as a file (a FIFO would block a job forever), or None."""
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return None  # the reader reports a missing or unreadable file itself
    if stat.S_ISREG(mode):
        return None
    kind = "a directory" if stat.S_ISDIR(mode) else "a FIFO" if stat.S_ISFIFO(mode) else "a socket" if stat.S_ISSOCK(mode) else "a device" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode) else "not a regular file"
    return f"not a regular file ({kind}): skipped"


def _link_problem(path: Path, root: Path, follow: bool) -> str | None:
    """Why the symbolic link ``path`` found under the input folder ``root`` is not
    read, or None to read it: links are followed only when ``follow`` and only to a
    file inside ``root`` (a link to /etc/passwd in a folder of pages is not a page)."""
    try:
        target = path.resolve(strict=True)
    except (OSError, RuntimeError):
        return f"a broken symbolic link (to {os.readlink(path) if path.is_symlink() else '?'}): skipped"
    if not follow:
        return f"a symbolic link (to {target}): skipped (--no-follow-symlinks)"
    if not target.is_relative_to(root.resolve()):
        return f"a symbolic link to {target}, outside the input folder {root}: skipped (give the target itself as an input to read it)"
    return None


def _remote_files(url: str, on_error: ErrorHandler) -> Iterator[tuple[str, Path]]:
    """The supported files of a remote input (a file, a folder, a glob pattern): its listing's errors go to ``on_error``."""
    try:
        listed = list(list_files(url))
    except FileNotFoundError:
        on_error(IngestError(url, "no such file or folder"))
        return
    except OSError as exc:
        on_error(IngestError(url, str(exc)))
        return
    for file_url, rel in listed:
        if len(listed) == 1 or _kind(file_url)[0]:  # a file named directly is read whatever its name (the reader reports it)
            yield file_url, Path(rel)


def iter_files(
    inputs: Iterable[str | os.PathLike[str]], on_error: ErrorHandler | None = None, follow_symlinks: bool = True
) -> Iterator[tuple[Path | str, Path]]:
    """(file, path relative to its input root) for every supported file; directories
    are walked recursively in sorted order, hidden entries skipped. A file named
    directly is yielded whatever its suffix (the reader then reports it). A
    directory that cannot be listed, and a FIFO, socket or device with a supported
    name, go to ``on_error`` instead of being skipped silently or blocking the job.
    Symbolic links inside a folder: a link to a file inside the folder is read (unless
    ``follow_symlinks`` is False); links to directories, links leading outside the
    folder and broken links are reported to ``on_error`` and skipped."""
    on_error = on_error or _log_error
    for item in inputs:
        if is_url(item):
            on_error(IngestError(item, URL_INPUT.removeprefix("is ")))
            continue
        if isinstance(item, str) and is_remote(item):
            yield from _remote_files(item, on_error)
            continue
        root = Path(item)
        if root.is_dir():
            found = []

            def unreadable(exc: OSError, root: Path = root) -> None:
                on_error(IngestError(str(exc.filename or root), f"cannot read directory: {exc.strerror or exc}"))

            for dirpath, dirnames, filenames in os.walk(root, onerror=unreadable):
                dirnames[:] = [d for d in dirnames if not d.startswith(".")]
                for d in dirnames:
                    if (Path(dirpath) / d).is_symlink():  # os.walk does not follow them: say so
                        on_error(IngestError(str(Path(dirpath) / d), "a symbolic link to a directory: not followed (give its target as an input to read it)"))
                for name in filenames:
                    path = Path(dirpath) / name
                    if not name.startswith(".") and _kind(path)[0]:
                        found.append((path.relative_to(root).as_posix(), path))
            for rel, path in sorted(found):
                if path.is_symlink() and (why := _link_problem(path, root, follow_symlinks)) is not None:
                    on_error(IngestError(str(path), why))
                    continue
                if (why := _not_regular(path)) is not None:
                    on_error(IngestError(str(path), why))
                    continue
                yield path, Path(rel)
        else:
            yield root, Path(root.name)


def _read_warc(path: Path, article_id: str, options: IngestOptions, on_error: ErrorHandler, part: tuple[int, int] = (0, 1), prefer: str | None = None) -> Iterator[Article]:
    """The articles of one WARC file (every ``part[1]``-th HTML response from the
    ``part[0]``-th, for sharded jobs), errors to ``on_error`` as IngestErrors."""
    from vnnews.ingest.warc import record_uuid, warc_pages

    source = printable(str(path))
    k, n = part
    index = -1
    try:
        skip = lambda where, why: on_error(IngestError(source, f"skipped record {where}: {why}"))  # noqa: E731
        for page in warc_pages(path, skip, prefer, options.since, options.until, options.sites):
            index += 1
            if index % n != k:
                continue
            rid = f"{article_id}/{record_uuid(page.record_id) or index}"
            where = f"{source} ({page.url or page.record_id})"
            if options.max_page_bytes is not None and page.length > options.max_page_bytes:
                on_error(IngestError(where, f"record of {page.length:,} bytes, over max_page_bytes ({options.max_page_bytes:,})", article_id=rid))
                continue
            data = page.read()
            if options.max_page_bytes is not None and len(data) > options.max_page_bytes:
                on_error(IngestError(where, f"page of {len(data):,} bytes, over max_page_bytes ({options.max_page_bytes:,})", article_id=rid))
                continue
            try:
                article = _page_article(data, "html", rid, where, options, page.charset)
            except IngestError as exc:
                on_error(IngestError(exc.source, exc.cause, article_id=rid))
                continue
            article.meta.update({"format": "warc", "url": page.url, "warc_record_id": page.record_id, **({"crawl_date": page.date} if page.date else {})})
            yield article
    except ImportError as exc:
        on_error(IngestError(source, str(exc)))
    except Exception as exc:  # noqa: BLE001 - a broken or cut-off file (OSError, EOFError, gzip's and the WARC libraries' own kinds)
        on_error(IngestError(source, f"broken WARC file after {index + 1} page(s): {type(exc).__name__}: {exc}"))


def read_file(
    path: str | os.PathLike[str],
    rel: str | os.PathLike[str] | None = None,
    options: IngestOptions | None = None,
    on_error: ErrorHandler | None = None,
    part: tuple[int, int] = (0, 1),
) -> Iterator[Article]:
    """The articles of one file; ``rel`` (its path under the input root) makes the
    id, ``part=(k, n)`` reads every n-th record of a JSONL, Parquet or WARC file from the k-th.
    With ``options.languages``, a page in another language is an error naming it."""
    options = options or IngestOptions()
    on_error = on_error or _log_error
    where = path if isinstance(path, str) and is_remote(path) else Path(path)  # a remote URL stays a string
    articles = _file_articles(where, rel, options, on_error, part)
    if options.languages is None:
        yield from articles
        return
    from vnnews.language import mark, refusal

    for article in articles:
        if (why := refusal(mark(article), options.languages)) is not None:  # the record reads it (no second detection)
            on_error(IngestError(article.source, why, article_id=article.id))
        else:
            yield article


def _file_articles(path: Path | str, rel: str | os.PathLike[str] | None, options: IngestOptions, on_error: ErrorHandler, part: tuple[int, int]) -> Iterator[Article]:
    """The articles of a local file (a Path) or a remote one (its URL, a str)."""
    if isinstance(path, str):
        rel = Path(rel) if rel is not None else Path(remote_name(path))
    else:
        rel = Path(rel) if rel is not None else Path(path.name)
        if not path.exists():
            on_error(IngestError(str(path), "no such file or directory"))
            return
        if (why := _not_regular(path)) is not None:
            on_error(IngestError(str(path), why))
            return
    fmt, gz = _kind(path)
    if fmt is None:
        on_error(IngestError(str(path), f"unsupported file type (expected one of {', '.join(SUPPORTED_SUFFIXES)}, optionally .gz)"))
        return
    if fmt == "parquet" and gz:
        on_error(IngestError(str(path), "a gzipped Parquet file: Parquet compresses its own columns; give the .parquet file"))
        return
    if fmt == "jsonl":
        yield from _read_jsonl(path, gz, _stem_id(rel), options, on_error, part)
    elif fmt == "parquet":
        yield from _read_parquet(path, _stem_id(rel), options, on_error, part)
    elif fmt == "warc":  # .warc.gz is a gzip member per record: the WARC libraries read it as it is
        yield from _read_warc(path, _stem_id(rel), options, on_error, part)
    elif part[0] == 0:
        try:
            yield _read_page(path, fmt, gz, _stem_id(rel), options)
        except IngestError as exc:
            on_error(exc)


def iter_articles(
    inputs: Iterable[str | os.PathLike[str]],
    options: IngestOptions | None = None,
    on_error: ErrorHandler | None = None,
) -> Iterator[Article]:
    """Every article in ``inputs`` (files or directories), in a stable order.

    Errors go to ``on_error`` (default: a logged warning) and the run goes on.
    An id seen twice is an error for the second article, which is skipped, since
    ids key gold annotations, splits and resumable jobs downstream.
    """
    on_error = on_error or _log_error
    options = options or IngestOptions()
    files = iter_files(inputs, on_error, options.follow_symlinks)
    articles = (article for path, rel in files for article in read_file(path, rel, options, on_error))
    yield from first_of_each_id(articles, lambda a: a.id, lambda a: a.source, on_error)


# JSONL files larger than this are cut into interleaved parts, one per shard.
_SPLIT_JSONL_BYTES = 1 << 20
Unit = tuple[str, str, int, int]  # (path, path relative to its input root, k, n)


def plan_shards(
    inputs: Sequence[str | os.PathLike[str]],
    num_proc: int,
    split_jsonl_bytes: int = _SPLIT_JSONL_BYTES,
    on_error: ErrorHandler | None = None,
    follow_symlinks: bool = True,
) -> list[list[Unit]]:
    """Spread the input over ``num_proc`` shards: files round-robin, and each large
    JSONL file cut into ``num_proc`` interleaved parts so one big file still
    keeps every worker busy. What cannot be listed goes to ``on_error``."""
    units: list[Unit] = []
    for path, rel in iter_files(inputs, on_error, follow_symlinks):
        name = (path.name if isinstance(path, Path) else remote_name(path)).lower()
        collection = name.endswith((".jsonl", ".jsonl.gz", ".parquet", ".warc", ".warc.gz"))
        if isinstance(path, str):  # remote: its size from the store's listing, nothing read
            big_jsonl = collection and (remote_size(path) or 0) > split_jsonl_bytes
        else:
            big_jsonl = collection and path.is_file() and path.stat().st_size > split_jsonl_bytes
        parts = num_proc if big_jsonl else 1
        units += [(str(path), rel.as_posix(), k, parts) for k in range(parts)]
    shards: list[list[Unit]] = [[] for _ in range(max(1, min(num_proc, len(units))))]
    for i, unit in enumerate(units):
        shards[i % len(shards)].append(unit)
    return shards


def duplicate_error(article_id: str, source: str, first_source: str) -> IngestError:
    return IngestError(source, f"duplicate article id {article_id!r} (first seen in {first_source})", article_id=article_id)


def first_of_each_id(
    items: Iterable[T], id_of: Callable[[T], str], source_of: Callable[[T], str], on_duplicate: Callable[[IngestError], None]
) -> Iterator[T]:
    """The first item of each id, in order; every later one is reported to
    ``on_duplicate`` (with where the first was seen) and skipped. The one rule for
    duplicate ids, everywhere (ingestion, dataset building, batch jobs, merging
    their parts): ids key gold annotations, splits and resumable jobs downstream."""
    seen: dict[str, str] = {}
    for item in items:
        key = id_of(item)
        if key in seen:
            on_duplicate(duplicate_error(key, source_of(item), seen[key]))
            continue
        seen[key] = source_of(item)
        yield item
