"""Inputs to Articles: page dumps (.txt), HTML (.html/.htm), JSONL, directories
(recursively) and gzip of any of these, and Parquet (rows read as JSONL records).

Bad input never stops a run: an unreadable file, an empty page or a malformed
JSONL line becomes an :class:`IngestError` (file, line, cause) passed to
``on_error``, and reading goes on with the next input.
"""

from __future__ import annotations

import gzip
import io
import json
import logging
import os
import stat
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from lxml.etree import LxmlError

from vnnews.ingest.article import Article, IngestError, Line
from vnnews.ingest.decode import DecodeError, declared_charset, decode_bytes
from vnnews.ingest.html import html_to_lines
from vnnews.text.normalize import ToneStyle, normalize

T = TypeVar("T")

log = logging.getLogger(__name__)

TEXT_SUFFIXES = (".txt",)
HTML_SUFFIXES = (".html", ".htm")
JSONL_SUFFIXES = (".jsonl",)
PARQUET_SUFFIXES = (".parquet",)  # rows are records with the fields of a JSONL record (vnnews infer's output too)
SUPPORTED_SUFFIXES = TEXT_SUFFIXES + HTML_SUFFIXES + JSONL_SUFFIXES + PARQUET_SUFFIXES
STRUCTURED_FIELDS = ("title", "lead", "body", "captions")

ErrorHandler = Callable[[IngestError], None]


@dataclass(frozen=True)
class IngestOptions:
    """How raw text becomes Article lines. ``tone_style`` is passed to
    :func:`vnnews.text.normalize` (None keeps marks as written)."""

    tone_style: ToneStyle | None = "new"
    max_records: int | None = None  # JSONL: stop after the first N records of each file (samples, demos)


def _log_error(error: IngestError) -> None:
    log.warning("skipped %s", error)


def _kind(path: Path) -> tuple[str | None, bool]:
    """(format, gzipped) from the file name; format None if unsupported."""
    name = path.name.lower()
    gz = name.endswith(".gz")
    if gz:
        name = name[:-3]
    for fmt, suffixes in (("txt", TEXT_SUFFIXES), ("html", HTML_SUFFIXES), ("jsonl", JSONL_SUFFIXES), ("parquet", PARQUET_SUFFIXES)):
        if name.endswith(suffixes):
            return fmt, gz
    return None, gz


def _stem_id(rel: Path) -> str:
    """Article id from a path relative to its input root: suffixes dropped, '/' kept."""
    name = rel.name
    if name.lower().endswith(".gz"):
        name = name[:-3]
    name = name.rsplit(".", 1)[0] if "." in name else name
    return (rel.parent / name).as_posix() if rel.parent != Path(".") else name


def _lines_from_text(text: str, options: IngestOptions) -> list[Line]:
    return [Line(t) for t in normalize(text, tone_style=options.tone_style).split("\n") if t]


def _lines_from_html(html: str, options: IngestOptions, label_attr: str | None = None) -> tuple[list[Line], dict[str, Any]]:
    raw, meta = html_to_lines(html, label_attr)
    lines = []
    for line in raw:
        text = normalize(line.text, tone_style=options.tone_style, keep_newlines=False)
        if text:
            lines.append(Line(text, line.tag_path, round(line.link_density, 4), line.label))
    if "candidates" in meta:  # compared with lines, so normalised like them
        meta["candidates"] = {
            kind: [t for t in (normalize(v, tone_style=options.tone_style, keep_newlines=False) for v in values) if t]
            for kind, values in meta["candidates"].items()
        }
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
    return lines + body_lines[:1] + caption_lines + body_lines[1:]


def _read_file_bytes(path: Path, gz: bool) -> bytes:
    if gz:
        with gzip.open(path, "rb") as f:
            return f.read()
    return path.read_bytes()


def _read_page(path: Path, fmt: str, gz: bool, article_id: str, options: IngestOptions) -> Article:
    source = str(path)
    try:
        data = _read_file_bytes(path, gz)
    except (OSError, EOFError, gzip.BadGzipFile) as exc:
        raise IngestError(source, f"cannot read: {exc}") from None
    try:
        text, encoding = decode_bytes(data, declared_charset(data) if fmt == "html" else None)
    except DecodeError as exc:
        raise IngestError(source, str(exc)) from None
    meta: dict[str, Any] = {"format": fmt, "encoding": encoding}
    if fmt == "html":
        try:
            lines, html_meta = _lines_from_html(text, options)
        except (ValueError, LxmlError, RecursionError) as exc:
            raise IngestError(source, f"unparseable HTML: {'nested too deeply' if isinstance(exc, RecursionError) else exc}") from None
        meta.update(html_meta)
    else:
        lines = _lines_from_text(text, options)
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
            found = [line for t in lines for line in _lines_from_text(t.replace("\n", " "), options)]
            meta["format"] = "lines"
        else:
            found = _lines_from_text(text or "", options)
            meta["format"] = "text"
    except (ValueError, LxmlError, RecursionError) as exc:
        raise IngestError(source, f"unparseable content: {'nested too deeply' if isinstance(exc, RecursionError) else exc}") from None
    if not found:
        raise IngestError(source, "no text left after cleaning")
    return Article(article_id, source, found, meta)


def _record_article(record: Any, path: Path, lineno: int, default_id: str, options: IngestOptions) -> Article:
    source = f"{path}:{lineno}"
    if not isinstance(record, dict):
        raise IngestError(str(path), f"expected a JSON object, got {type(record).__name__}", lineno)
    rid = record.get("id", default_id)
    if isinstance(rid, bool) or not isinstance(rid, (str, int)) or str(rid).strip() == "":
        raise IngestError(str(path), f"field 'id' must be a non-empty string or a whole number, got {json.dumps(rid)}", lineno)
    rid = str(rid)
    meta: dict[str, Any] = {k: record[k] for k in ("url", "date", "category") if k in record}
    label_source = None
    for name in ("html", "text"):
        if name in record and record[name] is not None and not isinstance(record[name], str):
            raise IngestError(str(path), f"field {name!r} must be a string, got {type(record[name]).__name__}", lineno, rid)
    try:
        if isinstance(record.get("html"), str):
            lines, html_meta = _lines_from_html(record["html"], options)
            meta.update(html_meta, format="jsonl-html")
        elif isinstance(record.get("text"), str):
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
    except (ValueError, LxmlError, RecursionError) as exc:
        cause = "nested too deeply" if isinstance(exc, RecursionError) else str(exc)
        raise IngestError(str(path), f"bad record: {cause}", lineno, rid) from None
    if not lines:
        raise IngestError(str(path), "no text left after cleaning", lineno, rid)
    return Article(rid, source, lines, meta, label_source)


def _read_jsonl(
    path: Path, gz: bool, stem: str, options: IngestOptions, on_error: ErrorHandler, part: tuple[int, int] = (0, 1)
) -> Iterator[Article]:
    """Stream records one line at a time, so a file of any size uses flat memory.
    ``part=(k, n)`` keeps only lines k, k+n, k+2n, ... (for parallel readers)."""
    k, n = part
    opener = gzip.open if gz else open
    try:
        with opener(path, "rb") as raw:
            for lineno, data in enumerate(io.BufferedReader(raw) if gz else raw, start=1):
                if options.max_records is not None and lineno > options.max_records:
                    break
                if (lineno - 1) % n != k:
                    continue
                if lineno == 1 and data.startswith(b"\xef\xbb\xbf"):
                    data = data[3:]
                if not data.strip():
                    continue
                try:
                    record = json.loads(data.decode("utf-8"))
                except UnicodeDecodeError as exc:
                    on_error(IngestError(str(path), f"not UTF-8 (JSON must be): {exc.reason}", lineno))
                    continue
                except json.JSONDecodeError as exc:
                    on_error(IngestError(str(path), f"malformed JSON: {exc.msg} at column {exc.colno}", lineno))
                    continue
                except RecursionError:
                    on_error(IngestError(str(path), "JSON nested too deeply to read", lineno))
                    continue
                try:
                    yield _record_article(record, path, lineno, f"{stem}-{lineno}", options)
                except IngestError as exc:
                    on_error(exc)
    except (OSError, EOFError, gzip.BadGzipFile) as exc:
        on_error(IngestError(str(path), f"cannot read: {exc}"))


def _read_parquet(path: Path, stem: str, options: IngestOptions, on_error: ErrorHandler, part: tuple[int, int] = (0, 1)) -> Iterator[Article]:
    """Rows of a Parquet file as JSONL records (same fields, same checks, a null
    read as an absent field; row i is "line" i, counted from 1), streamed in record batches so memory stays flat.
    ``part=(k, n)`` as for JSONL."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    k, n = part
    lineno = 0
    try:
        batches = pq.ParquetFile(path).iter_batches(batch_size=1000)
        for batch in batches:
            for record in batch.to_pylist():
                lineno += 1
                if options.max_records is not None and lineno > options.max_records:
                    return
                if (lineno - 1) % n != k:
                    continue
                record = {key: value for key, value in record.items() if value is not None}  # null: the field is absent
                try:
                    yield _record_article(record, path, lineno, f"{stem}-{lineno}", options)
                except IngestError as exc:
                    on_error(exc)
    except (OSError, pa.ArrowException) as exc:
        on_error(IngestError(str(path), f"cannot read Parquet: {exc}", lineno + 1 if lineno else None))


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


def iter_files(inputs: Iterable[str | os.PathLike[str]], on_error: ErrorHandler | None = None) -> Iterator[tuple[Path, Path]]:
    """(file, path relative to its input root) for every supported file; directories
    are walked recursively in sorted order, hidden entries skipped. A file named
    directly is yielded whatever its suffix (the reader then reports it). A
    directory that cannot be listed, and a FIFO, socket or device with a supported
    name, go to ``on_error`` instead of being skipped silently or blocking the job."""
    on_error = on_error or _log_error
    for item in inputs:
        root = Path(item)
        if root.is_dir():
            found = []

            def unreadable(exc: OSError, root: Path = root) -> None:
                on_error(IngestError(str(exc.filename or root), f"cannot read directory: {exc.strerror or exc}"))

            for dirpath, dirnames, filenames in os.walk(root, onerror=unreadable):
                dirnames[:] = [d for d in dirnames if not d.startswith(".")]
                for name in filenames:
                    path = Path(dirpath) / name
                    if not name.startswith(".") and _kind(path)[0]:
                        found.append((path.relative_to(root).as_posix(), path))
            for rel, path in sorted(found):
                if (why := _not_regular(path)) is not None:
                    on_error(IngestError(str(path), why))
                    continue
                yield path, Path(rel)
        else:
            yield root, Path(root.name)


def read_file(
    path: str | os.PathLike[str],
    rel: str | os.PathLike[str] | None = None,
    options: IngestOptions | None = None,
    on_error: ErrorHandler | None = None,
    part: tuple[int, int] = (0, 1),
) -> Iterator[Article]:
    """The articles of one file; ``rel`` (its path under the input root) makes the
    id, ``part=(k, n)`` reads every n-th record of a JSONL or Parquet file from the k-th."""
    path = Path(path)
    options = options or IngestOptions()
    on_error = on_error or _log_error
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
    articles = (article for path, rel in iter_files(inputs, on_error) for article in read_file(path, rel, options, on_error))
    yield from first_of_each_id(articles, lambda a: a.id, lambda a: a.source, on_error)


# JSONL files larger than this are cut into interleaved parts, one per shard.
_SPLIT_JSONL_BYTES = 1 << 20
Unit = tuple[str, str, int, int]  # (path, path relative to its input root, k, n)


def plan_shards(
    inputs: Sequence[str | os.PathLike[str]], num_proc: int, split_jsonl_bytes: int = _SPLIT_JSONL_BYTES, on_error: ErrorHandler | None = None
) -> list[list[Unit]]:
    """Spread the input over ``num_proc`` shards: files round-robin, and each large
    JSONL file cut into ``num_proc`` interleaved parts so one big file still
    keeps every worker busy. What cannot be listed goes to ``on_error``."""
    units: list[Unit] = []
    for path, rel in iter_files(inputs, on_error):
        name = path.name.lower()
        big_jsonl = name.endswith((".jsonl", ".jsonl.gz", ".parquet")) and path.is_file() and path.stat().st_size > split_jsonl_bytes
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
