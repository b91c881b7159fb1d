"""A `vnnews serve` process on a free loopback port, for the service benchmarks."""

from __future__ import annotations

import contextlib
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator


@contextlib.contextmanager
def serving(*args: str) -> Iterator[tuple[str, subprocess.Popen]]:
    """Start ``vnnews -q serve ARGS --port PORT``, wait until /readyz says ready, yield
    (url, process), then SIGTERM it and wait."""
    import httpx

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    url = f"http://127.0.0.1:{port}"
    server = subprocess.Popen([sys.executable, "-m", "vnnews", "-q", "serve", *args, "--port", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        while True:
            try:
                if httpx.get(url + "/readyz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if server.poll() is not None:
                raise SystemExit("server did not start")
            time.sleep(0.5)
        yield url, server
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(60)
