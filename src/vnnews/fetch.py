"""Reading a page from its URL, only when asked (``vnnews extract --fetch``).

vnnews reads files by default: a batch job over millions of pages should not reach out to
the network because an input happened to be a URL. When a user asks for it, one page is
fetched as a careful crawler would: http and https only, a user agent that names vnnews,
a timeout for connecting and for each read, at most ``max_redirects`` redirects (each to
http or https), and the body read up to ``max_bytes`` (``max_page_bytes``), a larger
one refused before it fills memory. Compressed bodies are not asked for
(``Accept-Encoding: identity``), so the byte budget is the page's own size.
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any

from vnnews import __version__, urls

USER_AGENT = f"vnnews/{__version__} (news article extraction; +https://pypi.org/project/vnnews/)"
TIMEOUT_S = 15.0
MAX_REDIRECTS = 5
READ_BLOCK = 1 << 16


class FetchError(ValueError):
    """A page that could not be fetched; the message names the URL and the cause."""


@dataclass
class Fetched:
    url: str  # after redirects
    body: bytes
    content_type: str


def check_public(url: str, start: str | None = None) -> None:
    """Refuse ``url`` when its host is, or resolves to, a loopback, private, link-local or
    otherwise non-public address: a service that fetches what its callers name must not
    become their way into the intranet it runs on (the cloud's metadata address, an admin
    port on localhost). ``start``: the URL first asked for, named in the message."""
    parts = urls.split(url)
    if parts is None:
        raise FetchError(f"{start or url}: not an address that can be read ({urls.problem(url)})")
    host = parts.hostname or ""
    try:
        infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError) as exc:
        raise FetchError(f"{start or url}: cannot resolve {host!r} ({exc})") from None
    for info in infos:
        address = ipaddress.ip_address(str(info[4][0]).split("%")[0])
        if not address.is_global or address.is_multicast:
            where = "" if start is None or start == url else f" (redirected to {url})"
            raise FetchError(f"{start or url}{where}: {host} is a local or private address ({address}); only public addresses are fetched")


class _Redirects(urllib.request.HTTPRedirectHandler):
    def __init__(self, limit: int, start: str, public_only: bool) -> None:
        self.limit, self.seen, self.start, self.public_only = limit, 0, start, public_only

    def redirect_request(self, req: Any, fp: Any, code: int, msg: str, headers: Any, newurl: str) -> Any:
        self.seen += 1
        if self.seen > self.limit:
            raise FetchError(f"{self.start}: more than {self.limit} redirects (the last to {newurl})")
        parts = urls.split(newurl)
        if parts is None or parts.scheme not in ("http", "https"):
            raise FetchError(f"{self.start}: redirected to {newurl!r}, which is not http or https")
        if self.public_only:
            check_public(newurl, self.start)
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def fetch(url: str, max_bytes: int = 32 << 20, timeout_s: float = TIMEOUT_S, max_redirects: int = MAX_REDIRECTS, public_only: bool = False) -> Fetched:
    """The page at ``url`` (http or https), read within the bounds above; FetchError otherwise.
    ``public_only``: refuse hosts that are or resolve to non-public addresses, redirects
    included (the service's default; :func:`check_public`). The check resolves the name
    before urllib does: a DNS answer that changes in between is not caught."""
    parts = urls.split(url)
    if parts is None:
        raise FetchError(f"{url}: not an address that can be read ({urls.problem(url)})")
    if parts.scheme not in ("http", "https"):
        raise FetchError(f"{url}: only http and https URLs are fetched")
    if public_only:
        check_public(url)
    opener = urllib.request.build_opener(_Redirects(max_redirects, url, public_only))
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT, "Accept": "text/html,application/xhtml+xml,text/plain;q=0.9,*/*;q=0.1", "Accept-Encoding": "identity"})
    try:
        with opener.open(request, timeout=timeout_s) as response:
            declared = response.headers.get("Content-Length")
            if declared and declared.isdigit() and int(declared) > max_bytes:
                raise FetchError(f"{url}: {int(declared):,} bytes, over max_page_bytes ({max_bytes:,})")
            chunks, size = [], 0
            while block := response.read(READ_BLOCK):
                size += len(block)
                if size > max_bytes:
                    raise FetchError(f"{url}: more than max_page_bytes ({max_bytes:,}) bytes")
                chunks.append(block)
            return Fetched(response.geturl(), b"".join(chunks), response.headers.get("Content-Type", ""))
    except FetchError:
        raise
    except urllib.error.HTTPError as exc:
        raise FetchError(f"{url}: HTTP {exc.code} {exc.reason}") from None
    except urllib.error.URLError as exc:
        raise FetchError(f"{url}: cannot fetch ({exc.reason})") from None
    except (TimeoutError, OSError) as exc:
        raise FetchError(f"{url}: cannot fetch ({type(exc).__name__}: {exc or 'timed out'})") from None
    except (http.client.HTTPException, ValueError) as exc:  # a URL http.client refuses, a broken response
        raise FetchError(f"{url}: cannot fetch ({type(exc).__name__}: {exc})") from None


__all__ = ["USER_AGENT", "FetchError", "Fetched", "check_public", "fetch"]
