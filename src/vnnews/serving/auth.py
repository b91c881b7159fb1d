"""Optional bearer-token authentication for every route but the probes.

The token comes from a file (``auth_token_file``) or the ``VNNEWS_API_TOKEN``
variable, never from the command line (where ``ps`` shows it to every user), and
is compared in constant time. /healthz and /readyz stay open: orchestrators probe
them without credentials, and they reveal nothing but "ok" or "ready". TLS is not
this layer's job: put a proxy that terminates TLS in front (serve/README.md).
"""

from __future__ import annotations

import hmac
from collections.abc import Collection
from typing import Any

from vnnews.serving.limits import send_error


class BearerAuth:
    """ASGI middleware: 401 unless ``Authorization: Bearer <token>`` matches."""

    def __init__(self, app: Any, token: str, open_paths: Collection[str] = ()) -> None:
        self.app, self.token, self.open_paths = app, token.encode("utf-8"), frozenset(open_paths)

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope.get("path") in self.open_paths:
            await self.app(scope, receive, send)
            return
        given = dict(scope.get("headers") or []).get(b"authorization", b"")
        scheme, _, credentials = given.partition(b" ")
        if scheme.lower() == b"bearer" and hmac.compare_digest(credentials.strip(), self.token):
            await self.app(scope, receive, send)
            return
        await send_error(send, 401, "missing or wrong token: send Authorization: Bearer <token>", [(b"www-authenticate", b'Bearer realm="vnnews"')])
