"""Prometheus metrics of the service, in a registry of its own (one per app, so
tests and several apps in one process do not share counters)."""

from __future__ import annotations

import time
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, Histogram, generate_latest


class ServiceMetrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter("vnnews_requests", "HTTP requests by endpoint and status", ["endpoint", "status"], registry=self.registry)
        self.latency = Histogram(
            "vnnews_request_seconds", "request latency", ["endpoint"], registry=self.registry,
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60),
        )
        self.batch_size = Histogram(
            "vnnews_batch_size", "items per shared model call", ["model"], registry=self.registry,
            buckets=(1, 2, 4, 8, 16, 32, 64, 128),
        )
        self.in_flight = Gauge("vnnews_requests_in_flight", "requests being served", registry=self.registry)
        self.ready = Gauge("vnnews_ready", "1 once the models are loaded", registry=self.registry)
        self.endpoints: set[str] = set()  # the app's routes; any other path is counted as "other"

    def server_response(self, status: int) -> None:
        """A response the HTTP layer wrote itself before any route saw a request (408 for a
        slow client, 400 for a malformed request, 503 past the connection bound)."""
        self.requests.labels("(server)", str(status)).inc()

    def batch(self, model: str, n: int) -> None:
        self.batch_size.labels(model).observe(n)

    def render(self) -> tuple[bytes, str]:
        return generate_latest(self.registry), CONTENT_TYPE_LATEST


class MetricsMiddleware:
    """Counts every HTTP response (413s from the size limit included) and its latency."""

    def __init__(self, app: Any, metrics: ServiceMetrics) -> None:
        self.app, self.metrics = app, metrics

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        endpoint = scope.get("path", "")
        endpoint = endpoint if endpoint in self.metrics.endpoints else "other"  # bounded label values
        status = {"code": 500}

        async def send_wrapper(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
            await send(message)

        start = time.perf_counter()
        self.metrics.in_flight.inc()
        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            self.metrics.in_flight.dec()
            self.metrics.requests.labels(endpoint, str(status["code"])).inc()
            self.metrics.latency.labels(endpoint).observe(time.perf_counter() - start)
