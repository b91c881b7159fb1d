"""How much of this machine a vnnews process may use: cores, worker processes, threads.

``os.cpu_count()`` counts the host's cores, not the ones this process may run on: a
container limited to 2 CPUs on a 64-core host, or a job pinned with ``taskset``, would
start 64 threads and spend its time switching between them (8 training steps took 97 s
with torch's default threads on a busy 2-core box, 4.5 s with one). So vnnews counts
the cores its process may use (affinity mask, then the cgroup's CPU quota), starts at
most that many workers, and gives torch the cores the workers leave where the model runs
on a GPU, or every core where it computes on the CPU (the workers then run at a lower
priority).
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

WorkerSetting = int | str | None  # a count, "auto", or None (= 0)


def wait_passively(environ: dict[str, str] | None = None) -> None:
    """Let torch's OpenMP threads sleep, not spin, while they wait for work, unless the user
    chose otherwise (``OMP_WAIT_POLICY`` already set). Only takes effect before torch is
    first imported (the command line calls it first thing; worker processes inherit it).

    Why: GNU OpenMP's default lets an idle thread spin for a while at every barrier. On a
    quiet machine that is free; beside other CPU-bound work the spinning thread takes the
    core from the thread it waits for. The demo's classifier training beside two busy
    processes on 2 cores used 1.69x its quiet CPU time with spinning, 1.04x with passive
    waits, and its wall time fell from 2.6x to 1.7x quiet; on a quiet machine the two are
    alike (benchmarks/threads_under_load.py, docs/benchmarks.md)."""
    env = os.environ if environ is None else environ
    env.setdefault("OMP_WAIT_POLICY", "PASSIVE")


def available_cores() -> int:
    """Cores this process may use: its CPU affinity, capped by the cgroup's CPU quota
    (``cpu.max`` of cgroup v2, ``cfs_quota_us``/``cfs_period_us`` of v1), at least 1."""
    try:
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cores = os.cpu_count() or 1
    quota = _cgroup_quota()
    if quota is not None:
        cores = min(cores, max(1, math.ceil(quota)))
    return max(1, cores)


def _cgroup_quota() -> float | None:
    """CPUs the cgroup allows (quota / period), or None when unlimited or unknown."""
    try:
        text = Path("/sys/fs/cgroup/cpu.max").read_text(encoding="ascii").split()
        if text and text[0] != "max":
            return int(text[0]) / int(text[1])
        return None
    except (OSError, ValueError, IndexError):
        pass
    try:
        quota = int(Path("/sys/fs/cgroup/cpu/cpu.cfs_quota_us").read_text(encoding="ascii"))
        period = int(Path("/sys/fs/cgroup/cpu/cpu.cfs_period_us").read_text(encoding="ascii"))
        return quota / period if quota > 0 and period > 0 else None
    except (OSError, ValueError):
        return None


def resolve_workers(setting: WorkerSetting, cores: int | None = None) -> int:
    """Worker processes for CPU work beside the model: ``"auto"`` is every core but one
    (the model's process keeps one), so 0 on a one-core machine; a number is taken as
    given but never more than the cores; None is 0."""
    cores = cores or available_cores()
    if setting is None:
        return 0
    if setting == "auto":
        return max(0, cores - 1)
    if isinstance(setting, bool) or not isinstance(setting, int) or setting < 0:
        raise ValueError(f"workers must be 'auto' or a number >= 0, got {setting!r}")
    return min(setting, cores)


def check_workers(key: str, setting: WorkerSetting) -> None:
    """Refuse a bad worker setting at config time, naming the key."""
    try:
        resolve_workers(setting, cores=1)
    except ValueError:
        raise ValueError(f"{key} must be 'auto' or a number >= 0, got {setting!r}") from None


def torch_threads(
    workers: int = 0, threads: int | str | None = "auto", cores: int | None = None, environ: Mapping[str, str] | None = None, accelerator: bool = False
) -> int:
    """Intra-op threads for torch (and the ONNX Runtime and CTranslate2 exports, which
    follow it) in this process: ``threads`` when a number, else by where the model runs.

    - ``accelerator`` (the model is on a GPU): the cores the ``workers`` leave, at least 1.
      This process only feeds the device; the CPU work is the workers' (15 of them on a
      16-core GPU machine), and threads here would only take cores from them.
    - on the CPU: every core. The model is most of the work there, and the workers,
      started at a lower priority (:func:`worker_init`), take what it leaves. Giving the
      workers' cores away cost more than they give back: `vnnews infer` with a
      PhoBERT-base-shaped labeller on 2 cores and one segmentation worker ran 1.5 to 1.8x
      slower on one thread than on two (benchmarks/infer_speed.py, docs/benchmarks.md).

    Never more than an ``OMP_NUM_THREADS`` the user set (the usual way to run two jobs
    side by side: each believing it owns every core, two training runs on two cores took
    2.1 s a step each instead of 0.45 s one after the other)."""
    if isinstance(threads, int) and not isinstance(threads, bool):
        if threads < 1:
            raise ValueError(f"threads must be 'auto' or a number >= 1, got {threads}")
        return threads
    n = cores or available_cores()
    if accelerator:
        n = max(1, n - workers)
    cap = (os.environ if environ is None else environ).get("OMP_NUM_THREADS", "").strip()
    return min(n, int(cap)) if cap.isdigit() and int(cap) >= 1 else n


def limit_threads(workers: int = 0, threads: int | str | None = "auto", accelerator: bool = False) -> int:
    """Set torch's intra-op threads (see :func:`torch_threads`) and keep the Rust
    tokenizers from starting a thread pool of their own beside vnnews's workers.
    Returns the thread count set."""
    import torch

    n = torch_threads(workers, threads, accelerator=accelerator)
    if torch.get_num_threads() != n:
        torch.set_num_threads(n)
    if workers:
        os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    return n


def on_accelerator(*models: Any) -> bool:
    """Whether any of ``models`` (None and models without a ``device`` count as CPU) has
    its weights on an accelerator (CUDA, MPS...): then this process mostly feeds it."""
    return any(str(getattr(m, "device", "cpu")).split(":")[0] not in ("cpu", "meta") for m in models if m is not None)


# Worker processes run at this lower priority: where the model computes on the CPU it
# holds every core (``torch_threads``), and the workers take what it leaves.
WORKER_NICE = 10


def worker_init() -> None:
    """In a worker process: one thread for torch, none for the tokenizers' pool (the
    workers are the parallelism), and a lower priority than the model's process
    (``WORKER_NICE``)."""
    os.environ["TOKENIZERS_PARALLELISM"] = "false"
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    try:
        os.nice(WORKER_NICE)
    except (AttributeError, OSError):  # no os.nice (Windows) or not allowed: same priority
        pass
    try:
        import torch

        torch.set_num_threads(1)
    except ImportError:  # pragma: no cover - torch is a core dependency
        pass
