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


class Server:
    def __init__(self, *args: str, preexec_fn=None) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = open(os.devnull, "w")  # noqa: SIM115
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "vnnews", "serve", "--port", str(self.port), *args], cwd=ROOT, stdout=self.log, stderr=subprocess.STDOUT, preexec_fn=preexec_fn
        )
        deadline = time.time() + 120
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited with {self.proc.returncode}")
            try:
                if httpx.get(self.url + "/readyz", timeout=2).status_code == 200:
                    return
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
