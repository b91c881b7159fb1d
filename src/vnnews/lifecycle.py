"""No vnnews process outlives the command that started it.

Three ways a child could outlive its parent, and what closes each:

- **The parent is told to stop** (SIGTERM from systemd, supervisord, Kubernetes, ``kill``):
  Python's default is to die on the spot, skipping every ``finally``, context manager
  and ``atexit`` hook, so worker pools, a Ray that vnnews started and part files are
  left as they were. :func:`exit_on_sigterm` turns SIGTERM into ``SystemExit`` (status
  143, as a shell reports it), so the same clean-up as a normal exit or Ctrl-C runs.
  ``vnnews serve`` keeps uvicorn's own handler (graceful shutdown first); uvicorn hands
  the signal back to this one when it is done. A child *forked* from the command (the
  workers of a ``datasets`` pool: vnnews's own pools use a fork server or spawn) gets the
  default back: its pool ends it with SIGTERM, and with this handler a worker holding a
  second thread could take the signal on that thread and stay blocked on its task queue
  for ever, its pool and the command waiting on it (a hang seen once in ``make demo``).
- **The parent dies without clean-up** (SIGKILL, the OOM killer, a crash in C): nothing
  in the parent can run. A worker of a process pool would wait on its task queue for
  ever, and holding the fork server's and the resource tracker's pipes it keeps both
  alive too (about 0.6 GB a restart). :func:`watch_parent` runs in every worker: a thread
  that waits for the vnnews process to end (a ``pidfd`` where Linux has one, else a
  poll) and then ends the worker at once.
- **Pools never closed** by the code that started them: :func:`register_pool` keeps a
  weak reference and closes what is left at interpreter exit.
"""

from __future__ import annotations

import atexit
import os
import select
import signal
import sys
import threading
import weakref
from typing import Any

_POOLS: weakref.WeakSet[Any] = weakref.WeakSet()
POLL_S = 0.5  # how often a worker checks its parent where no pidfd exists


def exit_on_sigterm() -> None:
    """In the main thread of a command: SIGTERM raises ``SystemExit(143)`` (clean-up
    runs) instead of ending the process where it stands. A handler someone else set
    (an embedding application's) is left alone."""
    if threading.current_thread() is not threading.main_thread():
        return
    if signal.getsignal(signal.SIGTERM) not in (signal.SIG_DFL, None):
        return
    signal.signal(signal.SIGTERM, _sigterm)
    global _FORK_HOOKED
    if not _FORK_HOOKED:
        os.register_at_fork(after_in_child=_default_sigterm_in_child)
        _FORK_HOOKED = True


_FORK_HOOKED = False


def _sigterm(signum: int, frame: Any) -> None:
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # a second SIGTERM during clean-up ends it at once
    raise SystemExit(128 + signum)


def _default_sigterm_in_child() -> None:
    """In a forked child, SIGTERM ends the process again (see the module docstring): a
    Python handler runs only when the signal reaches the main thread, and a pool's worker
    blocked on its queue while another of its threads took the signal never ends."""
    if signal.getsignal(signal.SIGTERM) is _sigterm:
        try:
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
        except ValueError:  # forked from a thread other than the main one: nothing to undo there
            pass


def register_pool(pool: Any) -> None:
    """Close ``pool`` (anything with ``close()``) at interpreter exit if nobody did."""
    _POOLS.add(pool)


@atexit.register
def close_pools() -> None:
    """Close every registered pool still open (called at exit; safe to call twice)."""
    for pool in list(_POOLS):
        try:
            pool.close()
        except Exception:  # noqa: BLE001, S110 - exiting: nothing left to report to
            pass


def watch_parent(pid: int) -> None:
    """In a worker process: end this process as soon as process ``pid`` (the vnnews
    process that owns the pool, which is not the worker's own parent under a fork
    server) has ended. Returns at once; the watching is a daemon thread."""
    if pid == os.getpid():
        return
    try:
        fd = os.pidfd_open(pid)  # Linux 5.3+: readable once the process has exited
    except (AttributeError, OSError):
        fd = None
        if not _alive(pid):
            os._exit(0)
    threading.Thread(target=_wait_then_exit, args=(pid, fd), name="vnnews-parent-watch", daemon=True).start()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by another user: a reused pid, so ours has gone
        return False
    return True


def _wait_then_exit(pid: int, fd: int | None) -> None:
    if fd is not None:
        select.select([fd], [], [])
    else:
        while _alive(pid):
            threading.Event().wait(POLL_S)
    try:
        sys.stderr.flush()
    finally:
        os._exit(0)


def _stat(pid: int | str) -> tuple[str, int] | None:
    """(state, parent pid) of a process from /proc; None when it is gone or there is no /proc."""
    try:
        with open(f"/proc/{pid}/stat", encoding="utf-8", errors="replace") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return fields[0], int(fields[1])
    except (OSError, ValueError, IndexError):
        return None


def descendants(pid: int) -> list[int]:
    """Every live process below ``pid`` (children, their children...), read from /proc;
    empty where there is no /proc."""
    children: dict[int, list[int]] = {}
    try:
        entries = [e for e in os.listdir("/proc") if e.isdigit()]
    except OSError:
        return []
    for entry in entries:
        stat = _stat(entry)
        if stat is not None:
            children.setdefault(stat[1], []).append(int(entry))
    found, todo = [], list(children.get(pid, []))
    while todo:
        child = todo.pop()
        found.append(child)
        todo += children.get(child, [])
    return found


def running(pid: int) -> bool:
    """Alive and not a zombie (a zombie has ended; only its parent's wait is missing)."""
    if not os.path.isdir("/proc"):
        return _alive(pid)
    stat = _stat(pid)
    return stat is not None and stat[0] != "Z"


def reap(pids: list[int], wait_s: float = 10.0) -> None:
    """Give ``pids`` ``wait_s`` to end on their own (after their service was asked to
    stop), then end the rest with SIGKILL: a process started for a job does not outlive it."""
    import time

    deadline = time.monotonic() + wait_s
    left = [p for p in pids if running(p)]
    while left and time.monotonic() < deadline:
        time.sleep(0.1)
        left = [p for p in left if running(p)]
    for p in left:
        try:
            os.kill(p, signal.SIGKILL)
        except OSError:
            pass


__all__ = ["close_pools", "descendants", "exit_on_sigterm", "reap", "register_pool", "running", "watch_parent"]
