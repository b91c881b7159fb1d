"""Slow clients cannot hold the server: a read deadline per request.

uvicorn times out idle keep-alive connections but not a client that sends its
headers or body a byte at a time: a hundred such connections stay open for as
long as they trickle. :class:`BoundedH11Protocol` gives every request
``read_timeout_s`` from its first byte (or from the connection's opening) to
arrive whole; past it the client gets a 408 and the connection is closed.
Together with uvicorn's ``limit_concurrency`` (a 503 beyond that many
connections and requests in flight) this bounds what slow or idle clients hold.

Use it as uvicorn's ``http`` protocol: ``vnnews serve`` does; for a server that
imports the app, ``uvicorn --http vnnews.serving.protocol:BoundedH11Protocol``
(the deadline then comes from ``VNNEWS_SERVE_READ_TIMEOUT_S``, default 10 s).
"""

from __future__ import annotations

import asyncio
import json
import os
from typing import Any

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

DEFAULT_READ_TIMEOUT_S = 10.0


class BoundedH11Protocol(H11Protocol):
    read_timeout_s: float = float(os.environ.get("VNNEWS_SERVE_READ_TIMEOUT_S", DEFAULT_READ_TIMEOUT_S))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._read_deadline: asyncio.TimerHandle | None = None

    def _arm(self) -> None:
        if self._read_deadline is None:
            self._read_deadline = self.loop.call_later(self.read_timeout_s, self._too_slow)

    def _disarm(self) -> None:
        if self._read_deadline is not None:
            self._read_deadline.cancel()
            self._read_deadline = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm()

    def data_received(self, data: bytes) -> None:
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
        body = json.dumps({"error": f"request not received within {self.read_timeout_s:g}s"}).encode()
        if self.conn.our_state in (h11.IDLE, h11.SEND_RESPONSE) and (self.cycle is None or not self.cycle.response_started):
            head = f"HTTP/1.1 408 Request Timeout\r\ncontent-type: application/json\r\ncontent-length: {len(body)}\r\nconnection: close\r\n\r\n"
            self.transport.write(head.encode() + body)
        if self.cycle is not None:
            self.cycle.disconnected = True
            self.cycle.message_event.set()
        self.transport.close()


def bounded_protocol(read_timeout_s: float) -> type[BoundedH11Protocol]:
    """The protocol class with its read deadline set."""
    return type("BoundedH11Protocol", (BoundedH11Protocol,), {"read_timeout_s": read_timeout_s})
