"""Request body size limit, enforced before the body is parsed: a declared
Content-Length over the limit is refused at once, and a chunked body is counted
as it arrives and refused as soon as it passes the limit."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any


async def send_error(send: Any, status: int, message: str, headers: Sequence[tuple[bytes, bytes]] = ()) -> None:
    """The service's JSON error (``{"error": message}``) from an ASGI middleware, before
    any route has run: the body limit's 413, the token's 401, the in-flight bound's 503."""
    body = json.dumps({"error": message}).encode()
    head = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()), *headers]
    await send({"type": "http.response.start", "status": status, "headers": head})
    await send({"type": "http.response.body", "body": body})



class BodySizeLimit:
    def __init__(self, app: Any, max_bytes: int) -> None:
        self.app, self.max_bytes = app, max_bytes

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None:
            try:
                too_big = int(declared) > self.max_bytes
            except ValueError:
                too_big = False
            if too_big:
                await send_error(send, 413, f"request body larger than {self.max_bytes} bytes")
                return
            await self.app(scope, receive, send)
            return
        # no Content-Length (chunked): read the body here, counting, then replay it
        chunks, size = [], 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                break
            size += len(message.get("body", b""))
            if size > self.max_bytes:
                await send_error(send, 413, f"request body larger than {self.max_bytes} bytes")
                return
            chunks.append(message.get("body", b""))
            if not message.get("more_body"):
                break
        replayed = {"done": False}

        async def replay() -> dict[str, Any]:
            if not replayed["done"]:
                replayed["done"] = True
                return {"type": "http.request", "body": b"".join(chunks), "more_body": False}
            return await receive()

        await self.app(scope, replay, send)


class ConcurrencyLimit:
    """At most ``max_in_flight`` requests handled at once; past it a 503 in the service's
    JSON, at once (the client retries; nothing queues without bound). The probes (and any
    ``open_paths``) are outside the limit: a busy service is still alive and ready."""

    def __init__(self, app: Any, max_in_flight: int, open_paths: Any = ()) -> None:
        self.app, self.max_in_flight, self.open_paths = app, max_in_flight, frozenset(open_paths)
        self.in_flight = 0

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope.get("path") in self.open_paths:
            await self.app(scope, receive, send)
            return
        if self.in_flight >= self.max_in_flight:
            await send_error(send, 503, f"server busy: {self.max_in_flight} requests in flight; retry later", [(b"retry-after", b"1")])
            return
        self.in_flight += 1
        try:
            await self.app(scope, receive, send)
        finally:
            self.in_flight -= 1
