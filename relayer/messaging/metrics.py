"""Prometheus metrics and a health check, served on one port.

GET /metrics  Prometheus text format
GET /healthz  200 "ok" while the agent loop has completed an iteration recently
"""

from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

LATENCY_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300)


class RelayMetrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.messages = Counter(
            "crossflow_messages",
            "Messages by route and the state they reached",
            ["route", "status"],
            registry=self.registry,
        )
        self.by_state = Gauge(
            "crossflow_messages_by_state",
            "Messages now in each state; failed: delivered, its handler awaiting a rerun",
            ["state"],
            registry=self.registry,
        )
        self.handler_retries = Counter(
            "crossflow_handler_retries",
            "Automatic reruns of failed handlers by route and outcome: delivered,"
            " still_reverts (simulated, not sent), reverted (sent, reverted on chain),"
            " rerun_elsewhere (someone else reran it first)",
            ["route", "outcome"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "crossflow_relay_latency_seconds",
            "From Dispatch seen to process mined",
            ["route"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.queue_depth = Gauge(
            "crossflow_queue_depth",
            "Messages seen but not yet delivered, per destination",
            ["destination"],
            registry=self.registry,
        )
        self.head_lag = Gauge(
            "crossflow_head_lag_blocks",
            "Blocks between a chain's head and what the relayer indexed",
            ["chain"],
            registry=self.registry,
        )
        self.invalid_signatures = Counter(
            "crossflow_invalid_signatures",
            "Published attestations the destination mailbox would reject, by validator",
            ["destination", "validator"],
            registry=self.registry,
        )
        self.paused = Gauge(
            "crossflow_destination_paused",
            "1 while a destination's mailbox is paused and delivery waits",
            ["chain"],
            registry=self.registry,
        )
        self.last_iteration = Gauge(
            "crossflow_last_iteration_timestamp_seconds",
            "When the agent loop last completed",
            registry=self.registry,
        )

        self._last_iteration_at = time.time()

    def iteration_done(self) -> None:
        self._last_iteration_at = time.time()
        self.last_iteration.set(self._last_iteration_at)

    def healthy(self, max_silence: float) -> bool:
        return time.time() - self._last_iteration_at < max_silence


class MetricsServer:
    """Serves `metrics` in a daemon thread until `close()`."""

    def __init__(self, metrics: RelayMetrics, host: str, port: int, max_silence: float) -> None:
        handler = _handler(metrics, max_silence)
        self._server = ThreadingHTTPServer((host, port), handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


def _handler(metrics: RelayMetrics, max_silence: float) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if self.path == "/metrics":
                self._reply(200, CONTENT_TYPE_LATEST, generate_latest(metrics.registry))
            elif self.path == "/healthz":
                ok = metrics.healthy(max_silence)
                self._reply(200 if ok else 503, "text/plain", b"ok\n" if ok else b"stalled\n")
            else:
                self._reply(404, "text/plain", b"not found\n")

        def _reply(self, status: int, content_type: str, body: bytes) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            del format, args  # request logs would drown the agent's own

    return Handler
