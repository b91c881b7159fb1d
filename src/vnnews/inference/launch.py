"""``vnnews infer ... processes=N``: one job in N processes on this machine.

Why: on a CPU the page labeller's work per page is Python and small tensor operations
(reading the HTML, word segmentation, layout features, a tiny encoder's forward pass), so
threads inside one process leave most of a second core idle. With the demo's labeller on 2
cores the job read 32.5 pages/s with the defaults and 73.5 in two processes, each the whole
pipeline on its share of the pages (benchmarks/throughput.py, docs/benchmarks.md). That is
what ``accelerate launch --num_processes N -m vnnews infer``
already gave; ``processes=N`` starts the same processes itself, so a user needs no
launcher, and none of torchrun's start-up or failure reports.

The processes are those of a multi-process job (:func:`vnnews.inference.stages.process_info`:
``RANK``, ``WORLD_SIZE``, a gloo group on this machine): each reads its share of the
inputs, writes its own parts, and the first merges. Each gets the cores divided between
them (``threads``) and no segmentation workers unless the settings say otherwise. If one
fails, the others are stopped (they would otherwise wait for it at the job's next
barrier); when this command is stopped, so are they; if it dies without clean-up, each
ends on its own (:func:`vnnews.lifecycle.watch_parent`).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Sequence
from typing import Any

PARENT_ENV = "VNNEWS_LAUNCHER_PID"  # set in each process started here: the launcher to watch
STOP_WAIT_S = 30.0  # how long stopped processes get to end on their own before SIGKILL


def resolve_processes(setting: Any, cores: int | None = None) -> int:
    """Processes for ``processes``: a number as given (at least 1), ``"auto"`` one per core
    this process may use on a machine without a GPU (one per GPU where there are GPUs)."""
    if setting == "auto":
        from vnnews.models.loading import cuda_available

        if cuda_available():
            import torch

            return max(1, torch.cuda.device_count())
        from vnnews.machine import available_cores

        return cores or available_cores()
    if isinstance(setting, bool) or not isinstance(setting, int) or setting < 1:
        raise ValueError(f"processes must be 'auto' or a number >= 1, got {setting!r}")
    return setting


def check_processes(setting: Any) -> None:
    """Refuse a bad ``processes`` at config time, naming the key (no torch import)."""
    if setting != "auto":
        resolve_processes(setting)


def launched() -> bool:
    """This process is one of several of a job (started here, by torchrun or accelerate)."""
    return int(os.environ.get("WORLD_SIZE", "1")) > 1


def first_process() -> bool:
    """This process is the job's first (or its only one): the one that reports."""
    return int(os.environ.get("RANK", "0")) == 0


def started_by_launcher() -> bool:
    """This process is one :func:`run_processes` started (its launcher speaks for the job)."""
    return bool(os.environ.get(PARENT_ENV))


def threads_each(config: Any, n: int, cores: int | None = None) -> int | None:
    """Torch threads for each of ``n`` processes: the cores divided between them, unless
    ``threads`` is set (None: the setting stands)."""
    from vnnews.machine import available_cores

    return max(1, (cores or available_cores()) // n) if config.threads == "auto" else None


def child_overrides(config: Any, n: int, cores: int | None = None) -> list[str]:
    """The settings each of ``n`` processes runs with: one process each (no launching
    again), the cores divided between them unless ``threads`` is set, and no
    segmentation workers unless ``segment_workers`` is set."""
    out = ["processes=1"]
    threads = threads_each(config, n, cores)
    if threads is not None:
        out.append(f"threads={threads}")
    if config.segment_workers == "auto":
        out.append("segment_workers=0")
    return out


HINT_PAGES = 500  # a job this long gains from more processes more than their start-up costs


def processes_hint(total: int, config: Any, accelerator: bool, cores: int | None = None) -> str | None:
    """One line for a long job on a CPU with several cores left to one process: the
    setting that would use them (a newcomer would not know ``processes``); None otherwise."""
    from vnnews.machine import available_cores

    cores = cores or available_cores()
    if accelerator or cores < 2 or config.processes != 1 or config.engine != "local" or config.adapt or total < HINT_PAGES:
        return None
    return f"infer: one process on a {cores}-core CPU: processes=auto (one per core) reads about twice the pages a second on 2 cores (vnnews docs inference)"


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def environments(n: int, threads: int | None = None, base: dict[str, str] | None = None) -> list[dict[str, str]]:
    """Each process's environment: its rank in a group of ``n`` on this machine (the
    variables torchrun sets), the launcher to watch, and ``OMP_NUM_THREADS`` where
    ``threads`` is given (OpenMP's own pool follows torch's)."""
    env = dict(os.environ if base is None else base)
    port = str(_free_port())
    out = []
    for rank in range(n):
        e = dict(env)
        e.update({
            "RANK": str(rank), "LOCAL_RANK": str(rank), "WORLD_SIZE": str(n), "LOCAL_WORLD_SIZE": str(n),
            "GROUP_RANK": "0", "MASTER_ADDR": "127.0.0.1", "MASTER_PORT": port, PARENT_ENV: str(os.getpid()),
        })
        if threads is not None:
            e["OMP_NUM_THREADS"] = str(threads)
        out.append(e)
    return out


def supervise(commands: Sequence[Sequence[str]], envs: Sequence[dict[str, str]] | None = None, poll_s: float = 0.1) -> int:
    """Run ``commands`` side by side until all have ended; the first failure's exit status
    (0 when all succeed). When one fails, the others are stopped (SIGTERM, then SIGKILL
    after ``STOP_WAIT_S``); when this process is stopped (Ctrl-C, SIGTERM as SystemExit),
    the same, and the exception goes on."""
    procs = [subprocess.Popen(list(c), env=(envs[i] if envs is not None else None)) for i, c in enumerate(commands)]
    status = 0
    try:
        while True:
            codes = [p.poll() for p in procs]
            failed = [c for c in codes if c not in (None, 0)]
            if failed:
                status = failed[0]
                break
            if all(c == 0 for c in codes):
                return 0
            time.sleep(poll_s)
    except KeyboardInterrupt:  # Ctrl-C reached the processes too: let them finish cleaning up first
        _stop(procs, grace_s=STOP_WAIT_S)
        raise
    except BaseException:
        _stop(procs)
        raise
    _stop(procs)
    return status


def _stop(procs: Sequence[subprocess.Popen[Any]], grace_s: float = 0.0) -> None:
    """End ``procs``: those still running after ``grace_s`` get SIGTERM, those still running
    ``STOP_WAIT_S`` later SIGKILL, and what they started is reaped."""
    from vnnews.lifecycle import descendants, reap

    deadline = time.monotonic() + grace_s
    while grace_s and any(p.poll() is None for p in procs) and time.monotonic() < deadline:
        time.sleep(0.1)
    left = [p for p in procs if p.poll() is None]
    below = [pid for p in left for pid in descendants(p.pid)]
    for p in left:
        try:
            p.send_signal(signal.SIGTERM)
        except OSError:
            pass
    deadline = time.monotonic() + STOP_WAIT_S
    for p in left:
        try:
            p.wait(timeout=max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()
    reap(below, wait_s=1.0)


def run_processes(argv: Sequence[str], config: Any, n: int) -> int:
    """``vnnews`` with ``argv`` (the command line as given) in ``n`` processes of one job;
    the exit status of the job (the first failure's)."""
    overrides = child_overrides(config, n)
    command = [sys.executable, "-m", "vnnews", *argv, *overrides]
    from vnnews.console import quiet

    if not quiet():
        print(f"infer: {n} processes, each reading its share of the inputs ({' '.join(overrides[1:]) or 'settings as given'})", file=sys.stderr)
    return supervise([command] * n, environments(n, threads_each(config, n)))


def watch_launcher() -> None:
    """In a process started by :func:`run_processes`: end when the launcher has ended."""
    pid = os.environ.get(PARENT_ENV, "")
    if pid.isdigit():
        from vnnews.lifecycle import watch_parent

        watch_parent(int(pid))


__all__ = [
    "HINT_PAGES", "check_processes", "child_overrides", "environments", "first_process", "launched", "processes_hint", "resolve_processes",
    "run_processes", "started_by_launcher", "supervise", "threads_each", "watch_launcher",
]
