"""Cores, workers and threads: never more threads than the cores this process may use."""

import pytest

from vnnews import machine


def test_cores_follow_the_affinity_and_the_cgroup_quota(monkeypatch, tmp_path):
    monkeypatch.setattr(machine.os, "sched_getaffinity", lambda pid: {0, 1, 2, 3, 4, 5, 6, 7})
    monkeypatch.setattr(machine, "_cgroup_quota", lambda: None)
    assert machine.available_cores() == 8
    monkeypatch.setattr(machine, "_cgroup_quota", lambda: 2.5)  # a container limited to 2.5 CPUs
    assert machine.available_cores() == 3
    monkeypatch.setattr(machine.os, "sched_getaffinity", lambda pid: {3})  # pinned with taskset
    assert machine.available_cores() == 1


def test_cgroup_v2_quota_is_read(monkeypatch, tmp_path):
    cpu_max = tmp_path / "cpu.max"
    cpu_max.write_text("150000 100000\n")
    real = machine.Path

    monkeypatch.setattr(machine, "Path", lambda p: cpu_max if p == "/sys/fs/cgroup/cpu.max" else real(p))
    assert machine._cgroup_quota() == 1.5
    cpu_max.write_text("max 100000\n")
    assert machine._cgroup_quota() is None


def test_workers_and_threads_never_exceed_the_cores():
    assert machine.resolve_workers("auto", cores=16) == 15
    assert machine.resolve_workers("auto", cores=1) == 0
    assert machine.resolve_workers(64, cores=4) == 4 and machine.resolve_workers(None, cores=4) == 0
    # a model on a GPU: this process feeds it, the workers have the other cores
    assert machine.torch_threads(workers=15, cores=16, environ={}, accelerator=True) == 1
    assert machine.torch_threads(workers=0, cores=16, environ={}, accelerator=True) == 16
    # a model on the CPU: it holds every core, the (lower-priority) workers take what it leaves
    assert machine.torch_threads(workers=15, cores=16, environ={}) == 16 and machine.torch_threads(workers=1, cores=2, environ={}) == 2
    assert machine.torch_threads(workers=3, threads=2, cores=16) == 2
    # an OMP_NUM_THREADS the user set caps "auto" (two jobs side by side), never raises it
    assert machine.torch_threads(workers=0, cores=16, environ={"OMP_NUM_THREADS": "4"}) == 4
    assert machine.torch_threads(workers=14, cores=16, environ={"OMP_NUM_THREADS": "4"}, accelerator=True) == 2
    assert machine.torch_threads(workers=14, cores=16, environ={"OMP_NUM_THREADS": "4"}) == 4
    assert machine.torch_threads(workers=0, cores=16, environ={"OMP_NUM_THREADS": "zero"}) == 16
    assert machine.torch_threads(threads=3, cores=16, environ={"OMP_NUM_THREADS": "1"}) == 3  # a number in the config wins
    with pytest.raises(ValueError, match="'auto' or a number >= 0"):
        machine.resolve_workers("many")
    with pytest.raises(ValueError, match="segment_workers must be 'auto' or a number >= 0, got -1"):
        machine.check_workers("segment_workers", -1)


def test_where_the_models_run_decides_the_threads():
    import torch

    class OnGpu:
        device = torch.device("cuda", 0)

    class Summarizer:
        device = "cuda:1"

    assert machine.on_accelerator(OnGpu()) and machine.on_accelerator(None, Summarizer())
    assert not machine.on_accelerator(None, object(), torch.nn.Linear(2, 2))  # no device, or CPU weights
    assert not machine.on_accelerator()


def test_workers_start_at_a_lower_priority(monkeypatch):
    calls = []
    monkeypatch.setattr(machine.os, "nice", calls.append)
    monkeypatch.setattr(machine.os, "environ", {})
    before = __import__("torch").get_num_threads()
    try:
        machine.worker_init()
        assert calls == [machine.WORKER_NICE] and machine.WORKER_NICE > 0
        assert machine.os.environ["TOKENIZERS_PARALLELISM"] == "false"

        def refused(n):
            raise PermissionError("not allowed")

        monkeypatch.setattr(machine.os, "nice", refused)
        machine.worker_init()  # a platform that refuses: same priority, no crash
    finally:
        __import__("torch").set_num_threads(before)


def test_threads_wait_passively_unless_the_user_chose(monkeypatch):
    """Spinning OpenMP threads took the cores from the work they waited for on a busy machine
    (1.69x the quiet CPU time; benchmarks/threads_under_load.py): the command line lets them
    sleep, and a policy the user set is kept."""
    import subprocess
    import sys

    from vnnews.cli import main
    from vnnews.machine import wait_passively

    env = {"OMP_WAIT_POLICY": "ACTIVE"}
    wait_passively(env)
    assert env == {"OMP_WAIT_POLICY": "ACTIVE"}
    monkeypatch.delenv("OMP_WAIT_POLICY", raising=False)
    assert main(["config", "list"]) == 0
    import os

    assert os.environ["OMP_WAIT_POLICY"] == "PASSIVE"
    # set before torch starts its threads: the command line imports no torch before main runs
    probe = "import sys, vnnews.cli; print('torch' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout.strip() == "False"
