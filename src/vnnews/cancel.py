"""Stopping long work whose callers have gone (the service's timed-out requests)."""

from __future__ import annotations

from collections.abc import Callable

StopCheck = Callable[[], bool]


class Cancelled(Exception):
    """Raised by long work when its ``should_stop`` says the result is no longer wanted."""


def check_stop(should_stop: StopCheck | None) -> None:
    """Raise :class:`Cancelled` when ``should_stop`` says yes."""
    if should_stop is not None and should_stop():
        raise Cancelled("the callers of this work have gone")
