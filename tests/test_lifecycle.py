"""No vnnews process outlives the command that started it (issue 37): each long-running
command is started with worker processes, signalled, and afterwards no process it
started is alive. The suite-wide check in conftest.py fails any other test that leaves one."""

import os
import signal
import subprocess
import sys
import time
import uuid

import httpx
import pytest

from tests.conftest import RAW_DIR, ROOT
from tests.processes import kill_all, marked, orphans
from tests.serving.conftest import free_port, listening

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")

VAR = "VNNEWS_LIFECYCLE_TEST"


def start(args, tmp_path):
    """The command with a mark of its own in the environment (inherited by its children)."""
    mark = uuid.uuid4().hex
    log = open(tmp_path / "log.txt", "w")  # noqa: SIM115
    env = {**os.environ, VAR: mark, "OMP_NUM_THREADS": "1"}
    proc = subprocess.Popen([sys.executable, "-m", "vnnews", *args], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    return proc, mark, log


def wait_for_children(proc, mark, count, timeout=120):
    """Until the command has started ``count`` processes of its own (workers, fork server...)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert proc.poll() is None, f"the command ended early with {proc.returncode}"
        if len([pid for pid in marked(mark, VAR) if pid != proc.pid]) >= count:
            return
        time.sleep(0.2)
    raise AssertionError(f"the command started fewer than {count} processes in {timeout} s")


def stop_and_check(proc, mark, log, sig):
    proc.send_signal(sig)
    try:
        proc.wait(60)
    finally:
        log.close()
    left = orphans(mark, VAR)
    kill_all(left)
    assert not left, f"alive after {signal.Signals(sig).name}: {left}"
    return proc.returncode


def pages(tmp_path, n=400):
    folder = tmp_path / "pages"
    folder.mkdir()
    text = (RAW_DIR / "002_25aafac0b17ae249.txt").read_text(encoding="utf-8")
    for i in range(n):  # lines of their own on every page: the workers segment each page anew
        own = "\n".join(f"Đoạn {i}-{k}: tin tức số {i * 31 + k} về thời tiết Hà Nội năm {1900 + i % 120}." for k in range(40))
        (folder / f"p{i}.txt").write_text(text + "\n" + own + "\n", encoding="utf-8")
    return folder


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT, signal.SIGKILL])
def test_infer_leaves_no_worker_fork_server_or_tracker(tmp_path, trained_classifier, sig):
    args = ["infer", str(pages(tmp_path)), "-o", str(tmp_path / "out.jsonl"), "--classifier", str(trained_classifier[0]), "segment_workers=1", "chunk_size=8"]
    proc, mark, log = start(args, tmp_path)
    wait_for_children(proc, mark, 3)  # the fork server, the resource tracker, a worker
    code = stop_and_check(proc, mark, log, sig)
    if sig == signal.SIGTERM:
        assert code == 143
        assert "stopped (SIGTERM)" in (tmp_path / "log.txt").read_text()


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL])
def test_serve_leaves_no_worker_after_a_signal(tmp_path, trained_classifier, sig):
    port = free_port()
    proc, mark, log = start(["serve", "--port", str(port), "--classifier", str(trained_classifier[0]), "segment_workers=1"], tmp_path)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        assert proc.poll() is None
        try:
            if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=2).status_code == 200 and listening(proc.pid, port):
                break
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    wait_for_children(proc, mark, 3)
    stop_and_check(proc, mark, log, sig)


def test_training_leaves_no_process_after_sigterm(tmp_path, tiny_phobert, pages_dataset):
    args = ["train", "classifier", "--config", "configs/classifier/tiny.yaml", f"base_model={tiny_phobert}", f"dataset_dir={pages_dataset}",
            f"output_dir={tmp_path / 'run'}", "training.max_steps=100000", "training.dataloader_num_workers=1", "training.threads=1"]
    proc, mark, log = start(args, tmp_path)
    wait_for_children(proc, mark, 1, timeout=180)  # a dataloader worker: training has begun
    assert stop_and_check(proc, mark, log, signal.SIGTERM) != 0


def test_ray_infer_leaves_no_ray_process_after_sigterm(tmp_path, trained_classifier):
    pytest.importorskip("ray")
    args = ["infer", str(pages(tmp_path, 200)), "-o", str(tmp_path / "out.jsonl"), "--classifier", str(trained_classifier[0]),
            "engine=ray", "chunk_size=8"]
    proc, mark, log = start(args, tmp_path)
    wait_for_children(proc, mark, 4, timeout=180)  # Ray's own processes
    time.sleep(3)
    stop_and_check(proc, mark, log, signal.SIGTERM)


def test_reap_ends_what_does_not_end_on_its_own():
    from vnnews.lifecycle import descendants, reap

    stubborn = subprocess.Popen([sys.executable, "-c", "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); time.sleep(60)"])
    try:
        assert stubborn.pid in descendants(os.getpid())
        reap([stubborn.pid], wait_s=0.5)
        assert stubborn.wait(10) == -signal.SIGKILL
    finally:
        stubborn.kill()


def test_a_signal_while_ray_starts_leaves_no_ray_process(monkeypatch):
    """SIGTERM becomes SystemExit (vnnews.lifecycle); landing while ``ray.init`` is still
    starting Ray (seconds on a busy machine), it used to skip the engine's clean-up, since
    ``with`` calls no ``__exit__`` when ``__enter__`` raises: Ray's agents lived on."""
    ray = pytest.importorskip("ray")
    from vnnews.inference import InferenceConfig
    from vnnews.inference.ray_engine import RayEngine
    from vnnews.lifecycle import descendants, running

    assert not ray.is_initialized()
    real_init = ray.init

    def init_then_signal(*args, **kwargs):
        real_init(*args, **kwargs)
        raise SystemExit(143)  # the signal, as ray.init returns: every Ray process is up

    monkeypatch.setattr(ray, "init", init_then_signal)
    # a process of the caller's own (a notebook's helper, a test's server): never Ray's to stop
    mine = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])
    try:
        before = set(descendants(os.getpid()))
        with pytest.raises(SystemExit):
            RayEngine(InferenceConfig(classifier="weak", engine="ray")).__enter__()
        assert not ray.is_initialized()
        assert [p for p in descendants(os.getpid()) if p not in before and running(p)] == []
        assert running(mine.pid)
    finally:
        mine.kill()
        mine.wait()



def test_a_forked_worker_with_a_second_thread_ends_on_sigterm():
    """The SIGTERM handler of a vnnews command is not a forked child's: a pool worker whose
    main thread waits on a lock while another of its threads takes the signal used to run no
    handler and wait for ever (``make demo`` hung in a ``datasets`` pool's clean-up). In a
    forked child SIGTERM ends the process, whichever thread receives it."""
    script = r"""
import ctypes, os, signal, sys, threading, time
from vnnews.lifecycle import exit_on_sigterm

exit_on_sigterm()
assert signal.getsignal(signal.SIGTERM) is not signal.SIG_DFL
r, w = os.pipe()
pid = os.fork()  # as a datasets pool forks its workers
if pid == 0:
    os.close(r)
    def helper():
        os.write(w, str(threading.get_native_id()).encode())
        time.sleep(60)
    threading.Thread(target=helper, daemon=True).start()
    blocked = threading.Lock()
    blocked.acquire()
    blocked.acquire()  # the main thread waits, as a worker on its task queue
    os._exit(0)
os.close(w)
helper_tid = int(os.read(r, 32))
assert ctypes.CDLL(None, use_errno=True).tgkill(pid, helper_tid, signal.SIGTERM) == 0  # to the helper thread
deadline = time.monotonic() + 10
while time.monotonic() < deadline:
    done, status = os.waitpid(pid, os.WNOHANG)
    if done:
        print("ended", os.WTERMSIG(status) if os.WIFSIGNALED(status) else "exit")
        break
    time.sleep(0.05)
else:
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
    print("hung")
"""
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == f"ended {int(signal.SIGTERM)}"
