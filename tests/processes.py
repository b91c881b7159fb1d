"""Processes the tests started, found by a variable they all inherit.

Every process a test starts (a ``vnnews`` command, its worker pools, a fork server, a
Ray it starts) inherits ``VNNEWS_TEST_RUN`` from the test session's environment, and
``/proc/PID/environ`` shows it for as long as the process lives. A marked process that
is not a descendant of the pytest process has outlived the command that started it."""

from __future__ import annotations

import os
import time
from pathlib import Path

from vnnews.lifecycle import descendants, reap, running

RUN_VAR = "VNNEWS_TEST_RUN"


def _environ_has(pid: str, needle: bytes) -> bool:
    try:
        return needle in Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
    except OSError:
        return False


def _cmd(pid: str) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")[:160]
    except OSError:
        return "?"


def marked(value: str, var: str = RUN_VAR) -> dict[int, str]:
    """pid -> command line of every live process (zombies aside) whose environment has ``var=value``."""
    needle = f"{var}={value}".encode()
    return {
        int(entry.name): _cmd(entry.name)
        for entry in Path("/proc").iterdir()
        if entry.name.isdigit() and int(entry.name) != os.getpid() and _environ_has(entry.name, needle) and running(int(entry.name))
    }


def orphans(value: str, var: str = RUN_VAR, wait_s: float = 15.0) -> dict[int, str]:
    """Marked processes that are not this process's descendants, after waiting up to
    ``wait_s`` for them to go (a worker notices its parent's end within a second)."""
    deadline = time.monotonic() + wait_s
    while True:
        ours = set(descendants(os.getpid()))
        left = {pid: cmd for pid, cmd in marked(value, var).items() if pid not in ours}
        if not left or time.monotonic() > deadline:
            return left
        time.sleep(0.2)


def kill_all(pids: dict[int, str]) -> None:
    reap(list(pids), wait_s=0)
