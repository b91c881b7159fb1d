"""Processes the tests started, found by a variable they all inherit.

Every process a test starts (a ``vnnews`` command, its worker pools, a fork server, a
Ray it starts) inherits ``VNNEWS_TEST_RUN`` from the test session's environment, and
``/proc/PID/environ`` shows it for as long as the process lives. A marked process that
is not a descendant of the pytest process has outlived the command that started it."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

RUN_VAR = "VNNEWS_TEST_RUN"


def _environ_has(pid: str, needle: bytes) -> bool:
    try:
        return needle in Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
    except OSError:
        return False


def _ppid(pid: str) -> int | None:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return int(stat.rsplit(")", 1)[1].split()[1])


def _cmd(pid: str) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")[:160]
    except OSError:
        return "?"


def marked(value: str, var: str = RUN_VAR) -> dict[int, str]:
    """pid -> command line of every live process (zombies aside) whose environment has ``var=value``."""
    needle = f"{var}={value}".encode()
    found = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and int(entry.name) != os.getpid() and _environ_has(entry.name, needle):
            try:
                state = Path(f"/proc/{entry.name}/stat").read_text().rsplit(")", 1)[1].split()[0]
            except OSError:
                continue
            if state != "Z":
                found[int(entry.name)] = _cmd(entry.name)
    return found


def descends_from(pid: int, ancestor: int) -> bool:
    seen = 0
    while pid > 1 and seen < 1000:
        if pid == ancestor:
            return True
        parent = _ppid(str(pid))
        if parent is None:
            return False
        pid, seen = parent, seen + 1
    return pid == ancestor


def orphans(value: str, var: str = RUN_VAR, wait_s: float = 15.0) -> dict[int, str]:
    """Marked processes that are not this process's descendants, after waiting up to
    ``wait_s`` for them to go (a worker notices its parent's end within a second)."""
    deadline = time.monotonic() + wait_s
    while True:
        left = {pid: cmd for pid, cmd in marked(value, var).items() if not descends_from(pid, os.getpid())}
        if not left or time.monotonic() > deadline:
            return left
        time.sleep(0.2)


def kill_all(pids: dict[int, str]) -> None:
    for pid in pids:
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass
