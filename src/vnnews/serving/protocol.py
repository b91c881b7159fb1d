"""Slow clients cannot hold the server: a read deadline per request.

uvicorn times out idle keep-alive connections but not a client that sends its
headers or body a byte at a time: a hundred such connections stay open for as
long as they trickle. :class:`BoundedH11Protocol` gives every request
``read_timeout_s`` from its first byte (or from the connection's opening) to
arrive whole; past it the client gets a 408 and the connection is closed.

Connections that hold nothing in flight cannot crowd out those that do: past
``max_connections`` open connections, a new one makes room by closing the connections
that have no request being handled (idle keep-alives, clients that opened a socket and
sent nothing, requests still arriving), least recently active first. Only when every
connection has a request being handled is the new one answered 503. uvicorn's own
``limit_concurrency`` is not used: it counted idle sockets too, so 256 of them, no token
needed, made every request and the liveness probe fail. Requests in flight are bounded
by :class:`vnnews.serving.limits.ConcurrencyLimit` instead, the probes outside it. Every
response this layer writes is the service's JSON error, counted in ``/metrics``.

Use it as uvicorn's ``http`` protocol: ``vnnews serve`` does; for a server that
imports the app, ``uvicorn --http vnnews.serving.protocol:BoundedH11Protocol``
(the deadline then comes from ``VNNEWS_SERVE_READ_TIMEOUT_S``, default 10 s).
"""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import Callable
from typing import Any

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

DEFAULT_READ_TIMEOUT_S = 10.0
DEFAULT_MAX_CONNECTIONS = 256


def _error(status: int, reason: str, message: str) -> bytes:
    body = json.dumps({"error": message}).encode()
    head = f"HTTP/1.1 {status} {reason}\r\ncontent-type: application/json\r\ncontent-length: {len(body)}\r\nconnection: close\r\n\r\n"
    return head.encode() + body


class BoundedH11Protocol(H11Protocol):
    read_timeout_s: float = float(os.environ.get("VNNEWS_SERVE_READ_TIMEOUT_S", DEFAULT_READ_TIMEOUT_S))
    max_connections: int = int(os.environ.get("VNNEWS_SERVE_LIMIT_CONCURRENCY", DEFAULT_MAX_CONNECTIONS))
    on_status: Callable[[int], None] | None = None  # counts the responses written here (the service's /metrics)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._read_deadline: asyncio.TimerHandle | None = None
        self._active = 0.0

    def _count(self, status: int) -> None:
        if self.on_status is not None:
            self.on_status(status)

    def _handling(self) -> bool:
        """A request has arrived whole and its response is not finished: not to be closed."""
        return self.cycle is not None and not self.cycle.response_complete and self.conn.their_state in (h11.DONE, h11.MUST_CLOSE)

    def _make_room(self) -> bool:
        """Close connections with nothing being handled, least recently active first, until
        this one fits under ``max_connections``; False when every other one is busy."""
        over = len(self.connections) - self.max_connections
        if over <= 0:
            return True
        idle = sorted((c for c in self.connections if c is not self and isinstance(c, BoundedH11Protocol) and not c._handling()), key=lambda c: c._active)
        for other in idle[:over]:
            other._drop("too many connections: this idle one was closed to make room")
        return len(idle) >= over

    def _drop(self, message: str) -> None:
        """Close this connection; a client that had begun a request gets a 503 saying why."""
        self._disarm()
        if self.transport.is_closing():
            return
        if self.conn.their_state is h11.SEND_BODY or (self.conn.their_state is h11.IDLE and self.conn.trailing_data[0]):
            self.transport.write(_error(503, "Service Unavailable", message))
            self._count(503)
        if self.cycle is not None:
            self.cycle.disconnected = True
            self.cycle.message_event.set()
        self.transport.close()

    def _arm(self) -> None:
        if self._read_deadline is None:
            self._read_deadline = self.loop.call_later(self.read_timeout_s, self._too_slow)

    def _disarm(self) -> None:
        if self._read_deadline is not None:
            self._read_deadline.cancel()
            self._read_deadline = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._active = self.loop.time()
        if not self._make_room():
            self.transport.write(_error(503, "Service Unavailable", f"server busy: {self.max_connections} connections with requests in flight; retry later"))
            self._count(503)
            self.transport.close()
            return
        self._arm()

    def data_received(self, data: bytes) -> None:
        self._active = self.loop.time()
        self._arm()  # a new request's first bytes on a kept-alive connection
        super().data_received(data)
        if self.conn.their_state in (h11.DONE, h11.MUST_CLOSE, h11.CLOSED, h11.ERROR):
            self._disarm()  # the request is in: its handling is bounded by timeout_s, not here

    def on_response_complete(self) -> None:
        self._disarm()
        super().on_response_complete()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def _too_slow(self) -> None:
        self._read_deadline = None
        if self.transport.is_closing() or (self.cycle is not None and not self.cycle.response_complete and self.conn.their_state is h11.DONE):
            return
        if self.conn.our_state in (h11.IDLE, h11.SEND_RESPONSE) and (self.cycle is None or not self.cycle.response_started):
            self.transport.write(_error(408, "Request Timeout", f"request not received within {self.read_timeout_s:g}s"))
            self._count(408)
        if self.cycle is not None:
            self.cycle.disconnected = True
            self.cycle.message_event.set()
        self.transport.close()


    def send_400_response(self, msg: str) -> None:
        """A request h11 cannot parse: the service's JSON error (uvicorn's is plain text)."""
        self._disarm()
        self.transport.write(_error(400, "Bad Request", f"malformed HTTP request: {msg}"))
        self._count(400)
        self.transport.close()


def bounded_protocol(read_timeout_s: float, max_connections: int = DEFAULT_MAX_CONNECTIONS, on_status: Callable[[int], None] | None = None) -> type[BoundedH11Protocol]:
    """The protocol class with its read deadline, connection bound and status counter set."""
    attrs: dict[str, Any] = {"read_timeout_s": read_timeout_s, "max_connections": max_connections, "on_status": staticmethod(on_status) if on_status else None}
    return type("BoundedH11Protocol", (BoundedH11Protocol,), attrs)
