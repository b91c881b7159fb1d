"""Ingestion: page dumps, HTML, JSONL, directories and gzip to :class:`Article`."""

from vnnews.ingest.article import Article, IngestError, Line
from vnnews.ingest.decode import DecodeError, decode_bytes
from vnnews.ingest.html import html_to_lines
from vnnews.ingest.readers import (
    DEFAULT_MAX_PAGE_BYTES,
    DEFAULT_MAX_PAGE_LINES,
    DEFAULT_PAGE_TIME_LIMIT_S,
    IngestOptions,
    Unit,
    article_from_content,
    duplicate_error,
    first_of_each_id,
    iter_articles,
    iter_files,
    plan_shards,
    read_file,
    structured_lines,
)

__all__ = [
    "DEFAULT_MAX_PAGE_BYTES",
    "DEFAULT_MAX_PAGE_LINES",
    "DEFAULT_PAGE_TIME_LIMIT_S",
    "Article",
    "DecodeError",
    "IngestError",
    "IngestOptions",
    "article_from_content",
    "Line",
    "decode_bytes",
    "html_to_lines",
    "iter_articles",
    "iter_files",
    "plan_shards",
    "Unit",
    "duplicate_error",
    "first_of_each_id",
    "read_file",
    "structured_lines",
]
