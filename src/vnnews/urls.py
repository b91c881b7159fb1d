"""Addresses as pages carry them: read from records, WARC headers, requests and pages, so
any string at all. One parser that answers None for an address Python cannot take apart
(``http://[::1``, a port out of range) instead of the ValueError ``urllib.parse`` raises
deep inside metadata or a filter, where it would stop a job or fail a request."""

from __future__ import annotations

from urllib.parse import SplitResult, urljoin, urlsplit


def split(url: str) -> SplitResult | None:
    """``url``'s parts, or None when it cannot be parsed: an unclosed IPv6 bracket, a port
    that is not a number in 0-65535 (``hostname`` and ``port`` are checked here, so a caller
    may read them)."""
    try:
        parts = urlsplit(url)
        parts.hostname, parts.port  # noqa: B018 - raise here, not in the caller
    except ValueError:
        return None
    return parts


def problem(url: str) -> str | None:
    """Why ``url`` is not an address that can be read, or None when it can."""
    try:
        parts = urlsplit(url)
        parts.hostname, parts.port  # noqa: B018
    except ValueError as exc:
        return str(exc)
    return None if parts.netloc else "no host"


def host(url: str | None) -> str:
    """The lower-case host of ``url`` without ``www.``; '' when there is none or it cannot be parsed."""
    parts = split(url) if url else None
    return ((parts.hostname if parts else None) or "").lower().removeprefix("www.")


def join(base: str, url: str) -> str | None:
    """``url`` resolved against ``base``; None when either cannot be parsed."""
    try:
        return urljoin(base, url)
    except ValueError:
        return None
