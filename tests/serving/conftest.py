"""Real server processes on 127.0.0.1 for the service tests."""

import os
import signal
import socket
import subprocess
import sys
import time

import httpx
import pytest

from tests.conftest import ROOT


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _taken(port: int) -> bool:
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return True
    return False


def listening(pid: int, port: int) -> bool:
    """True when process ``pid`` (or one of its children) listens on ``port``. Tests run in
    several processes, each picking free ports: another test's server that won a race for the
    same port number answers ``/readyz`` too, so "ready" means ours holds the port."""
    import psutil

    try:
        proc = psutil.Process(pid)
        procs = [proc, *proc.children(recursive=True)]
    except psutil.Error:
        return False
    for one in procs:
        try:
            if any(c.status == psutil.CONN_LISTEN and c.laddr and c.laddr.port == port for c in one.net_connections(kind="tcp")):
                return True
        except psutil.Error:
            continue
    return False


class Server:
    def __init__(self, *args: str, preexec_fn=None) -> None:
        for attempt in range(3):  # a port another test's server took first: start again on another
            self.port = free_port()
            self.url = f"http://127.0.0.1:{self.port}"
            self.log = open(os.devnull, "w")  # noqa: SIM115
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "vnnews", "serve", "--port", str(self.port), *args], cwd=ROOT, stdout=self.log, stderr=subprocess.STDOUT, preexec_fn=preexec_fn
            )
            if self._ready(last=attempt == 2):
                return

    def _ready(self, last: bool) -> bool:
        deadline = time.time() + 120
        while time.time() < deadline:
            if self.proc.poll() is not None:
                self.log.close()
                if not last and _taken(self.port):
                    return False  # it could not bind: another test's server holds the port now
                raise RuntimeError(f"server exited with {self.proc.returncode}")
            try:
                if httpx.get(self.url + "/readyz", timeout=2).status_code == 200 and listening(self.proc.pid, self.port):
                    return True
            except httpx.HTTPError:
                pass
            time.sleep(0.3)
        self.stop()
        raise RuntimeError("server not ready in 120 s")

    def stop(self) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        self.log.close()
        return self.proc.returncode


@pytest.fixture(scope="session")
def server(trained_classifier, trained_summarizer):
    """The service with the tiny trained models, small generation for speed."""
    srv = Server("--classifier", str(trained_classifier[0]), "--summarizer", str(trained_summarizer[0]),
                 "generation={max_new_tokens: 12, num_beams: 2}", "max_body_bytes=200000", "max_items=8", "max_wait_ms=20")
    yield srv
    srv.stop()
