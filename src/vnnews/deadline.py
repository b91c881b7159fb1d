"""A time limit on one page's CPU work, in whatever thread it runs.

A batch job over a crawl meets pages no budget foresaw: markup that sends a parser or a
regular expression into minutes of work. ``max_page_bytes`` and ``max_page_elements``
bound their size; this bounds their time, so one page never holds a worker: the page
fails with its reason and the job goes on with the next.

Signals reach only the main thread, and ``vnnews infer`` reads pages in a background
thread (``runner.ahead``); so one watchdog thread per process keeps the deadlines of the
threads inside :func:`time_limit`, and past a deadline raises :class:`PageTimeout` in
that thread (``PyThreadState_SetAsyncExc``, CPython). The exception arrives at the
thread's next Python step: a single call into C (one lxml parse, one regular
expression) finishes first; the byte and element budgets keep those bounded.
"""

from __future__ import annotations

import ctypes
import threading
import time
from types import TracebackType

_lock = threading.Condition()
_deadlines: dict[int, tuple[float, list[bool]]] = {}  # thread id -> (deadline, [fired])
_watchdog: threading.Thread | None = None


class PageTimeout(Exception):
    """A page's work passed its time limit."""


def _set_async(thread_id: int, exc: type[BaseException] | None) -> None:
    ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(thread_id), ctypes.py_object(exc) if exc is not None else None)


def _watch() -> None:
    with _lock:
        while True:
            now = time.monotonic()
            soonest = None
            for thread_id, (deadline, fired) in _deadlines.items():
                if fired[0]:
                    continue
                if deadline <= now:
                    fired[0] = True
                    _set_async(thread_id, PageTimeout)
                elif soonest is None or deadline < soonest:
                    soonest = deadline
            _lock.wait(None if soonest is None else max(0.0, soonest - now))


def _start_watchdog() -> None:
    global _watchdog
    if _watchdog is None or not _watchdog.is_alive():
        _watchdog = threading.Thread(target=_watch, name="vnnews-page-deadline", daemon=True)
        _watchdog.start()


class time_limit:  # noqa: N801 - used as a function: ``with time_limit(60): ...``
    """``with time_limit(seconds): work`` raises :class:`PageTimeout` in this thread once
    ``work`` has run ``seconds`` (None: no limit). A limit inside another ends no later
    than the outer one, which holds again once the inner ends."""

    def __init__(self, seconds: float | None) -> None:
        self.seconds = seconds
        self._fired: list[bool] | None = None
        self._outer: tuple[float, list[bool]] | None = None

    def __enter__(self) -> time_limit:
        if self.seconds is None:
            return self
        self._fired = [False]
        with _lock:
            _start_watchdog()
            self._outer = _deadlines.get(threading.get_ident())
            deadline = time.monotonic() + self.seconds
            if self._outer is not None:
                deadline = min(deadline, self._outer[0])
            _deadlines[threading.get_ident()] = (deadline, self._fired)
            _lock.notify()
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        if self._fired is None:
            return
        with _lock:
            _deadlines.pop(threading.get_ident(), None)
            if self._outer is not None:
                _deadlines[threading.get_ident()] = self._outer
                _lock.notify()
            fired = self._fired[0]
        if fired:
            # the watchdog fired: the exception is raised already (kind is PageTimeout) or
            # still pending (the work ended just then); clear a pending one and raise it here,
            # so it never lands in the caller's code after the block
            _set_async(threading.get_ident(), None)
            if kind is None:
                raise PageTimeout


__all__ = ["PageTimeout", "time_limit"]
